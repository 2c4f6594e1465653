//! Bounces written for people: the plain-text notices of Exim, qmail,
//! Sendmail v5, Exchange, old Gmail, Japanese carriers and ISPs, appliances.
//! No format is read by a parser of its own. The families share a shape (a
//! line that names the failed address, then the remote server's words) and
//! differ in the words around it, so the rules below are tables of those
//! words: how a recipient line starts, which phrases introduce an address,
//! which phrases say the relay is still trying.

use super::dsn::{addresses, first_address};
use super::mail::{Mail, header};
use super::reason::{Command, Reason};

mod words;
use words::*;

/// The reason a notice's own fixed phrases state, if any.
pub(super) fn hint(text: &str) -> Option<Reason> {
    // Notices wrap their sentences anywhere.
    let lower = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    HINTS
        .iter()
        .find(|(phrase, _)| lower.contains(phrase))
        .map(|(_, reason)| *reason)
}

/// Google Groups refuses a post in the poster's language, whatever it is:
/// a notice from Google's mailer daemon about a @googlegroups.com address
/// says the group does not exist or does not take our post.
pub(super) fn group_refusal(mail: &Mail<'_>, recipient: &str) -> Option<Reason> {
    let from = mail.header("From").unwrap_or("").to_ascii_lowercase();
    (recipient.ends_with("@googlegroups.com")
        && from.contains("mailer-daemon@google")
        && mail.header("X-Failed-Recipients").is_some())
    .then_some(Reason::Rejected)
}

/// The SMTP command a family's notice implies for every recipient it lists:
/// qmail and its clones (Yahoo among them) list the addresses the remote
/// server refused at RCPT, unless the text says otherwise.
pub(super) fn family_command(mail: &Mail<'_>) -> Option<Command> {
    let notice = mail.notice.to_lowercase();
    let qmail = notice.contains("this is the qmail-send program")
        || notice.contains("we were unable to deliver your message to the following address");
    qmail.then_some(Command::Rcpt)
}

/// How sure it is that a message is a bounce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Bounce {
    /// Nothing says so.
    No,
    /// Only a null return path (auto-replies have one too).
    Maybe,
    /// A daemon sender, a bounce subject, a failed-recipients header, or
    /// the words bounce notices open with.
    Yes,
}

/// Whether `mail` reads as a bounce.
pub(super) fn looks_like_bounce(mail: &Mail<'_>) -> Bounce {
    let from = mail.header("From").unwrap_or("").to_lowercase();
    let subject = mail.subject.to_lowercase();
    let notice = mail.notice.to_lowercase();
    if BOUNCE_SENDERS.iter().any(|s| from.contains(s))
        || mail.header("X-Failed-Recipients").is_some()
        || BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s))
        || NOTICE_MARKERS.iter().any(|m| notice.contains(m))
    {
        Bounce::Yes
    } else if mail.header("Return-Path").is_some_and(|p| p.trim() == "<>") {
        Bounce::Maybe
    } else {
        Bounce::No
    }
}

/// Whether the notice says the relay is still trying.
pub(super) fn is_delay(mail: &Mail<'_>) -> bool {
    let subject = mail.subject.to_lowercase();
    if subject.contains("(delay)") || subject.contains("delayed") || subject.starts_with("warning:")
    {
        return true;
    }
    let notice = mail.notice.to_lowercase();
    DELAY_MARKERS.iter().any(|m| notice.contains(m))
}

/// Addresses that are never a failed recipient: the original's sender and
/// the report's own (`From`, `Return-Path`, `Sender`); and, second, the
/// report's addressees. A line that states a failure for an address is
/// believed even when the report was also addressed to it (some agents
/// bounce to the failed address itself); an address merely mentioned is
/// held to both lists. The originals are parsed once for both.
fn excluded_addresses(mail: &Mail<'_>) -> (Vec<String>, Vec<String>) {
    let of = |names: &[&str]| -> Vec<String> {
        mail.message
            .headers_raw()
            .filter(|(n, _)| names.iter().any(|name| n.eq_ignore_ascii_case(name)))
            .flat_map(|(_, value)| addresses(value).collect::<Vec<_>>())
            .collect()
    };
    let mut senders = of(&["From", "Return-Path", "Sender"]);
    for original in mail.original_headers() {
        for name in ["From", "Return-Path", "Sender", "Reply-To"] {
            if let Some(value) = header(&original, name) {
                senders.extend(addresses(value));
            }
        }
    }
    let addressees = of(&[
        "To",
        "Cc",
        "Delivered-To",
        "X-Original-To",
        "Reply-To",
        "Errors-To",
    ]);
    (senders, addressees)
}

/// The daemons that write bounces; `postmaster@` is a mailbox people (and
/// campaigns) send to, so it can be the failed recipient.
fn is_daemon(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("");
    ["mailer-daemon", "mail-daemon", "mailerdaemon"].contains(&local)
}

/// The failed recipients a notice names, each with the lines about it.
pub(super) fn recipients(mail: &Mail<'_>) -> Vec<(String, String)> {
    let (senders, addressees) = excluded_addresses(mail);
    let usable = |address: &str| !is_daemon(address) && !senders.iter().any(|e| e == address);
    // An address merely mentioned may be the daemon's own ("contact
    // postmaster@…"): that one is never a failed recipient.
    let mentioned_only = |address: &str| {
        usable(address)
            && !addressees.iter().any(|e| e == address)
            && !address.starts_with("postmaster@")
    };
    let lines: Vec<&str> = mail.notice.lines().collect();
    let mut named: Vec<(String, usize)> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if let Some(address) = recipient_on(line).filter(|a| usable(a))
            && !named.iter().any(|(known, _)| *known == address)
        {
            named.push((address, index));
        }
    }
    if named.is_empty()
        && let Some(failed) = mail.header("X-Failed-Recipients")
    {
        for address in addresses(failed) {
            let at = lines
                .iter()
                .position(|l| l.to_ascii_lowercase().contains(&address))
                .unwrap_or(usize::MAX);
            named.push((address, at));
        }
    }
    if named.is_empty() {
        // One message of ours has one recipient: the original's To.
        for original in mail.original_headers() {
            if let Some(address) = header(&original, "To").and_then(first_address)
                && usable(&address)
            {
                named.push((address, usize::MAX));
                break;
            }
        }
    }
    if named.is_empty() {
        for (index, line) in lines.iter().enumerate() {
            let lower = line.trim_start().to_ascii_lowercase();
            if HEADER_LINES.iter().any(|h| lower.starts_with(h)) {
                continue;
            }
            if let Some(address) = addresses(line).find(|a| mentioned_only(a)) {
                named.push((address, index));
                break;
            }
        }
    }
    // A block ends where a line naming another failed address begins (a
    // notice may list every address twice, in two languages).
    let named_on: Vec<Option<String>> = lines
        .iter()
        .map(|line| recipient_on(line).filter(|a| usable(a)))
        .collect();
    named
        .iter()
        .map(|(address, at)| {
            let block = if *at == usize::MAX {
                String::new()
            } else {
                let end = block_end(&lines, *at, address, |i| {
                    named_on[i].as_ref().is_some_and(|a| a != address)
                });
                lines[*at..end].join("\n")
            };
            (address.clone(), block)
        })
        .collect()
}

/// The lines a notice has about one address it names: from the first line
/// that mentions it to the next line that names another failed address.
/// For RFC 3464 reports, whose fields already name the recipient.
pub(super) fn block_about(notice: &str, address: &str) -> Option<String> {
    let lines: Vec<&str> = notice.lines().collect();
    let mentions = |line: &str| {
        line.len() >= address.len()
            && line
                .as_bytes()
                .windows(address.len())
                .any(|w| w.eq_ignore_ascii_case(address.as_bytes()))
    };
    let start = lines.iter().position(|line| mentions(line))?;
    let end = block_end(&lines, start, address, |i| {
        lines[i].contains('@') && recipient_on(lines[i]).is_some_and(|other| other != address)
    });
    Some(lines[start..end].join("\n"))
}

/// Where the lines about the address named at `start` end. A line that
/// names an address and says why ("<a@b>: host x said: 550 …", "554
/// <a@b>... Host unknown") owns only its indented continuation lines: the
/// lines after it belong to the next address (Sendmail v5 writes the
/// session before each summary line). A line naming the address alone owns
/// what follows, up to the next line naming another address. A line that
/// names the same address again continues either.
fn block_end(
    lines: &[&str],
    start: usize,
    address: &str,
    names_other: impl Fn(usize) -> bool,
) -> usize {
    let limit = lines.len().min(start + 40);
    let line = lines[start].to_ascii_lowercase();
    let after = line
        .find(address)
        .map(|at| &line[at + address.len()..])
        .unwrap_or("");
    let says_why = after
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '>' | ':' | '.' | ']' | '"'))
        .len()
        > 8;
    (start + 1..limit)
        .find(|&i| {
            names_other(i)
                || (says_why
                    && !lines[i].starts_with([' ', '\t'])
                    && !lines[i].trim().is_empty()
                    && !lines[i].to_ascii_lowercase().contains(address))
        })
        .unwrap_or(limit)
}

/// The address a line names as a failed recipient, if it is such a line.
fn recipient_on(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if trimmed.is_empty() || !trimmed.contains('@') {
        return None;
    }
    let lower = trimmed.to_lowercase();
    if HEADER_LINES.iter().any(|h| lower.starts_with(h)) {
        return None;
    }
    let mut rest: &str = &lower;
    // "554 <a@b>... 550 Host unknown", as Sendmail summarises.
    if rest.len() > 4
        && rest.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        && rest.as_bytes()[3] == b' '
    {
        rest = &rest[4..];
    }
    for prefix in RECIPIENT_PREFIXES {
        if let Some(after) = rest.strip_prefix(prefix) {
            rest = after.trim_start();
            break;
        }
    }
    // "Name<mailto:a@b>" as Exchange writes it.
    if let Some(at) = rest.find("<mailto:")
        && !rest[..at].contains(' ')
    {
        return first_address(&rest[at..]);
    }
    let rest = rest.trim_start_matches(['<', '"', '\'', '(']);
    let word: String = rest
        .chars()
        .take_while(|c| {
            !c.is_whitespace() && !matches!(c, '>' | '"' | '\'' | ')' | ',' | ';' | '[')
        })
        .collect();
    let word = word.trim_end_matches(['.', ':']);
    if let Some(address) = first_address(word).filter(|a| a == word) {
        return Some(address);
    }
    for phrase in RECIPIENT_PHRASES {
        if let Some(at) = lower.find(phrase) {
            let after = &lower[at + phrase.len()..];
            let first = after.split_whitespace().next().unwrap_or("");
            if let Some(address) = first_address(first) {
                return Some(address);
            }
        }
    }
    None
}

/// The remote host a diagnostic names ("host mx.example.jp[192.0.2.1]
/// said", "host mx.example.jp [192.0.2.1]: 550"), lower case.
pub(super) fn remote_host(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("host ") {
        let after = &rest[at + 5..];
        let word: String = after
            .trim_start_matches([' ', ':'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        let word = word.trim_end_matches('.');
        if word.contains('.') && word.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Some(word.to_owned());
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests;
