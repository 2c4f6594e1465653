//! Bounce reason engine.
//!
//! Given the evidence a bounce parser extracted for one failed recipient (status code, reply
//! code, SMTP command, DSN action, diagnostic text, remote host and an optional parser hint),
//! [`decide`] picks the reason word the way Sisimai 5 would.  The decision order, the status
//! code table and the message fragments below are our own re-expression of Sisimai's published
//! behaviour (BSD-2 licensed project); no code is copied.
//!
//! Everything works on one lower-cased, whitespace-squeezed copy of the text; matching is plain
//! substring search ("any of these fragments") plus ordered sequences ("these fragments appear in
//! this order").  No regular expressions, no panics on any input.

// Layout: this file holds the public API and the decision order; `status` the enhanced-status
// table and status / reply-code finding; `command` the answered-command detection; `patterns`
// the per-reason text fragments and `scan` the matching over normalised text; `rhost` and
// `rhost_table` the remote-host (service) rules; `lda` the local-delivery-agent rules.
mod command;
mod lda;
mod patterns;
mod rhost;
mod rhost_table;
mod scan;
mod status;
#[cfg(test)]
mod tests;
mod vocabulary;

pub(crate) use status::{find_reply_code, find_status, from_status};
pub(crate) use vocabulary::Reason;
use vocabulary::WORDS;

use command::command_in;
use lda::lda_reason;
use rhost::{google_dns_reason, rhost_reason};
use scan::{Scan, normalise, says};
use status::effective_status;

/// The SMTP command the failure answered, when the report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// The connection phase (greeting); Sisimai's pseudo command CONN.
    Connect,
    /// HELO or EHLO.
    Helo,
    /// STARTTLS.
    StartTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA or end of data.
    Data,
    /// Any other command (QUIT, RSET, VRFY, ...).
    Other,
}

impl Command {
    /// Finds the SMTP command a diagnostic text says the error answered: "(in reply to RCPT TO
    /// command)", "after RCPT TO", "SMTP error from remote mail server after end of data",
    /// "RCPT TO:<", "MAIL FROM", "DATA", "HELO/EHLO", "STARTTLS", "initial connection" ...
    /// (case-insensitive for phrases; bare command words must be upper case, because "data" and
    /// "mail" are ordinary English words in bounce prose).
    pub(crate) fn from_text(text: &str) -> Option<Command> {
        command_in(&text.to_ascii_lowercase(), text)
    }
}

/// What a parser found for one recipient.
pub(crate) struct Evidence<'a> {
    /// Enhanced status code such as "5.1.1" (may be absent; X.0.0 is treated as weak).
    pub status: Option<&'a str>,
    /// SMTP reply code such as 550.
    pub reply_code: Option<u16>,
    /// The SMTP command the error answered.
    pub command: Option<Command>,
    /// DSN Action in lower case: "failed", "delayed", "delivered", "relayed", "expanded".
    pub action: Option<&'a str>,
    /// The diagnostic text in its original case; may be long and may contain any script.
    pub text: &'a str,
    /// Remote-MTA host (or the host in "host X said:"), lower case, for the rhost rules.
    pub remote_host: Option<&'a str>,
    /// A reason the format parser already determined from format-specific markers.
    pub hint: Option<Reason>,
}

// ------------------------------------------------------------------------------------------------
// The decision
// ------------------------------------------------------------------------------------------------

/// Reasons Sisimai re-examines even when a format parser already set them: they are often
/// guesses from generic markers.
fn retried(r: Reason) -> bool {
    matches!(
        r,
        Reason::Undefined
            | Reason::OnHold
            | Reason::SystemError
            | Reason::SecurityError
            | Reason::Expired
            | Reason::NetworkError
            | Reason::HostUnknown
            | Reason::UserUnknown
    )
}

/// Commands sent before DATA (Sisimai's "except DATA" list): a filter cannot have judged the
/// content yet.
fn before_data(c: Option<Command>) -> bool {
    matches!(
        c,
        Some(Command::Connect | Command::Helo | Command::Mail | Command::Rcpt)
    )
}

/// Everything the rules look at, computed once per call.
struct Ctx<'a> {
    lc: &'a Scan<'a>,
    status: Option<&'a str>,
    /// Reason of the status code (None for unknown or generic codes).
    sname: Option<Reason>,
    reply: Option<u16>,
    cmd: Option<Command>,
    hint: Option<Reason>,
}

/// First pass, in Sisimai's order: reasons that combine status, command and text.
const FIRST_ORDER: [Reason; 17] = [
    Reason::MailboxFull,
    Reason::EmailTooLarge,
    Reason::Suspend,
    Reason::HasMoved,
    Reason::NoRelaying,
    Reason::AuthFailure,
    Reason::UserUnknown,
    Reason::Filtered,
    Reason::RequirePtr,
    Reason::NotCompliantRfc,
    Reason::BadReputation,
    Reason::ContentError,
    Reason::Rejected,
    Reason::HostUnknown,
    Reason::SpamDetected,
    Reason::RateLimited,
    Reason::Blocked,
];

/// Second pass (text only), tried when the status code is missing or only vaguely meaningful.
const SECOND_ORDER: [Reason; 18] = [
    Reason::MailboxFull,
    Reason::AuthFailure,
    Reason::BadReputation,
    Reason::SpamDetected,
    Reason::VirusDetected,
    Reason::PolicyViolation,
    Reason::NoRelaying,
    Reason::SystemError,
    Reason::NetworkError,
    Reason::Suspend,
    Reason::ContentError,
    Reason::SystemFull,
    Reason::NotAccept,
    Reason::Expired,
    Reason::FailedStartTls,
    Reason::SecurityError,
    Reason::Suppressed,
    Reason::MailerError,
];

/// Does the evidence support `r` in the first pass?
fn probe(r: Reason, c: &Ctx<'_>) -> bool {
    use Reason::*;
    let lc = c.lc;
    match r {
        MailboxFull | EmailTooLarge | AuthFailure | RequirePtr | RateLimited | Blocked => {
            c.sname == Some(r) || says(r, lc)
        }
        Suspend => c.reply == Some(525) || says(Suspend, lc),
        HasMoved | NotCompliantRfc | BadReputation => c.sname == Some(r) || says(r, lc),
        NoRelaying => {
            if matches!(c.hint, Some(SecurityError | SystemError | Undefined)) {
                return false;
            }
            if matches!(c.cmd, Some(Command::Connect | Command::Helo)) {
                return false;
            }
            says(NoRelaying, lc)
        }
        UserUnknown => match c.sname {
            Some(Suspend) => false,
            // Exchange Online reuses RFC 7505's 5.1.10 for "recipient not found".
            Some(NotAccept) if c.status == Some("5.1.10") && says(UserUnknown, lc) => true,
            Some(UserUnknown) => ![
                NoRelaying,
                Blocked,
                MailboxFull,
                HasMoved,
                Rejected,
                NotAccept,
            ]
            .iter()
            .any(|o| says(*o, lc)),
            _ => c.cmd == Some(Command::Rcpt) && says(UserUnknown, lc),
        },
        Filtered => match c.sname {
            Some(Suspend) => false,
            Some(Filtered) => says(UserUnknown, lc) || says(Filtered, lc),
            _ => !before_data(c.cmd) && (says(Filtered, lc) || says(UserUnknown, lc)),
        },
        ContentError => {
            if probe(SpamDetected, c) {
                return false;
            }
            c.sname == Some(ContentError) || says(ContentError, lc)
        }
        Rejected => {
            let s = c.sname.unwrap_or(Undefined);
            if s == Rejected {
                return true;
            }
            if c.cmd == Some(Command::Mail) {
                return says(Rejected, lc);
            }
            if c.cmd == Some(Command::Data) && s != UserUnknown {
                return says(Rejected, lc);
            }
            if matches!(s, Undefined | OnHold | SecurityError | SystemError) {
                return says(Rejected, lc);
            }
            false
        }
        HostUnknown => {
            if c.sname == Some(HostUnknown) {
                !says(NetworkError, lc)
            } else {
                says(HostUnknown, lc)
            }
        }
        SpamDetected => {
            if c.status.is_none() {
                return false;
            }
            if c.sname == Some(SpamDetected) {
                return true;
            }
            if before_data(c.cmd) {
                return false;
            }
            says(SpamDetected, lc)
        }
        _ => false,
    }
}

/// Sisimai's fallback: status table, then text-only patterns, then status classes, reply codes,
/// the DSN action and the command.
fn another(c: &Ctx<'_>, action: Option<&str>) -> Option<Reason> {
    use Reason::*;
    if let Some(h) = c.hint.filter(|h| !matches!(h, Undefined | OnHold)) {
        return Some(h);
    }
    let sname = c.sname;
    if sname.is_some_and(|s| !retried(s)) {
        return sname;
    }
    if let Some(r) = SECOND_ORDER.iter().copied().find(|r| says(*r, c.lc)) {
        return Some(r);
    }
    if sname.is_some() {
        return sname;
    }
    if let Some(s) = c.status {
        if s.starts_with("5.6") || s.starts_with("4.6") {
            return Some(ContentError);
        }
        if s.starts_with("5.7") || s.starts_with("4.7") {
            return Some(SecurityError);
        }
    }
    // Reply codes that name a reason on their own (RFC 7504 null MX, RFC 3207 TLS).
    match c.reply {
        Some(521 | 556) => return Some(NotAccept),
        Some(523 | 524 | 538) => return Some(FailedStartTls),
        _ => {}
    }
    if c.cmd == Some(Command::StartTls) {
        return Some(FailedStartTls);
    }
    if c.reply
        .is_some_and(|r| (401..=407).contains(&r) || (501..=507).contains(&r))
    {
        return Some(SyntaxError);
    }
    if matches!(action, Some("delayed" | "expired")) {
        return Some(Expired);
    }
    if c.cmd == Some(Command::Helo) {
        return Some(Blocked);
    }
    None
}

/// The reason for this evidence.
pub(crate) fn decide(evidence: &Evidence<'_>) -> Reason {
    use Reason::*;
    let hint = evidence.hint;
    // A parser-determined reason is final unless it is one Sisimai re-examines.
    if let Some(h) = hint
        && !retried(h)
    {
        return h;
    }
    let status = effective_status(evidence.status, evidence.text);
    if status.is_some_and(|s| s.starts_with("2.")) || evidence.action == Some("delivered") {
        return Delivered;
    }
    let lc = normalise(evidence.text);
    let reply = evidence
        .reply_code
        .or_else(|| find_reply_code(evidence.text));
    let cmd = evidence.command.or_else(|| command_in(&lc, evidence.text));
    let sname = status.and_then(from_status);

    let scan = Scan::new(&lc);
    if let Some(r) = lda_reason(&lc, cmd) {
        return r;
    }
    if let Some(r) = rhost_reason(evidence.remote_host.unwrap_or(""), &scan, status, cmd)
        && !matches!(r, Undefined | OnHold)
    {
        return r;
    }

    if let Some(r) = google_dns_reason(&lc, status, reply) {
        return r;
    }

    let c = Ctx {
        lc: &scan,
        status,
        sname,
        reply,
        cmd,
        hint,
    };
    for r in FIRST_ORDER {
        // A retried hint still wins when the walk reaches it first.
        if hint == Some(r) || probe(r, &c) {
            return r;
        }
    }
    if let Some(r) = another(&c, evidence.action) {
        return r;
    }
    if matches!(evidence.action, Some("delayed")) {
        return Expired;
    }
    if says(Vacation, &scan) {
        return Vacation;
    }
    if !lc.is_empty() {
        return OnHold;
    }
    Undefined
}
