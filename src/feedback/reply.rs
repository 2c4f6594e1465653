//! Mails written (or answered automatically) by people rather than by mail
//! systems: unsubscribe requests sent to the unsubscribe address, and
//! vacation notices (RFC 3834).

use super::clues::{Clues, TokenOrigin};
use super::mail::Mail;

/// Subject prefixes of replies and forwards, which keep a request a request.
const REPLY_PREFIXES: &[&str] = &[
    "re:", "fwd:", "fw:", "aw:", "wg:", "tr:", "返信:", "転送:", "re：", "fw：", "fwd：",
];

/// Subjects (after reply prefixes) that ask to unsubscribe.
const UNSUBSCRIBE_SUBJECTS: &[&str] = &["unsubscribe", "配信停止", "配信解除", "購読解除", "退会"];

/// Subject starts of automatic replies.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "auto:",
    "auto reply",
    "auto-reply",
    "autoreply",
    "automatic reply",
    "automatische antwort",
    "réponse automatique",
    "risposta automatica",
    "respuesta automática",
    "out of office",
    "out of the office",
    "away until",
    "vacation",
    "自動返信",
    "自動応答",
    "不在",
];

/// A mailed unsubscribe request: who asked, and the clues to the message
/// of ours it answers (In-Reply-To, References, the token of the mailto's
/// subject or of a `+TOKEN` unsubscribe address).
pub(super) fn unsubscribe_request(mail: &Mail<'_>, clues: &mut Clues) -> Option<String> {
    // An out-of-office reply to our "配信停止のお知らせ" is no request.
    if is_automatic(mail) {
        return None;
    }
    let rest = strip_reply_prefixes(mail.subject.trim());
    let lower = rest.to_lowercase();
    if !UNSUBSCRIBE_SUBJECTS.iter().any(|s| lower.starts_with(s)) {
        return None;
    }
    let from = mail.sender_address()?;
    let message = &mail.message;
    for id in message
        .in_reply_to()
        .as_text_list()
        .into_iter()
        .flatten()
        .chain(message.references().as_text_list().into_iter().flatten())
    {
        clues.add_message_id(id);
    }
    for word in rest.split_whitespace() {
        clues.add_token(word, TokenOrigin::Message);
    }
    clues.add_envelope(message, TokenOrigin::Message);
    Some(from)
}

/// Whether a machine wrote the message (RFC 3834 and the usual markers).
fn is_automatic(mail: &Mail<'_>) -> bool {
    mail.header("Auto-Submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
        || mail.header("X-Autoreply").is_some()
        || mail.header("X-Autorespond").is_some()
        || mail.header("Precedence").is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("auto_reply") || v.eq_ignore_ascii_case("bulk")
        })
}

fn strip_reply_prefixes(mut rest: &str) -> &str {
    loop {
        let lower = rest.to_lowercase();
        match REPLY_PREFIXES.iter().find(|p| lower.starts_with(*p)) {
            // Every prefix is the same length in either case.
            Some(prefix) if rest.is_char_boundary(prefix.len()) => {
                rest = rest[prefix.len()..].trim_start();
            }
            _ => return rest,
        }
    }
}

/// Whether `mail` is an automatic reply (vacation notice), and whose.
pub(super) fn auto_reply(mail: &Mail<'_>) -> Option<String> {
    let auto_submitted = mail
        .header("Auto-Submitted")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("auto-replied"));
    let flagged = mail.header("X-Autoreply").is_some()
        || mail.header("X-Autorespond").is_some()
        || mail
            .header("X-Auto-Response-Suppress")
            .is_some_and(|_| mail.subject.to_lowercase().starts_with("automatic reply"))
        || mail
            .header("Precedence")
            .is_some_and(|v| v.eq_ignore_ascii_case("auto_reply"));
    let subject = strip_reply_prefixes(mail.subject.trim()).to_lowercase();
    let by_subject = AUTO_REPLY_SUBJECTS
        .iter()
        .any(|s| mail.subject.to_lowercase().starts_with(s) || subject.starts_with(s));
    if auto_submitted || flagged || by_subject {
        return mail.sender_address();
    }
    None
}

/// The authserv-ids whose `Authentication-Results` vouch for the From
/// address of `mail`: DMARC passed for its domain, or DKIM passed for a
/// domain aligned with it (the same organizational domain), and no DMARC
/// result in that header says otherwise. Only the topmost header of each id
/// counts: a server adds its own on top, so a lower one with the same id was
/// written by someone else (the server should also remove those, as RFC
/// 8601 asks). Anyone can write such a header; only the operator's own
/// server's id means anything.
pub(super) fn authenticated_by(mail: &Mail<'_>) -> Vec<String> {
    let Some(from) = mail.sender_address() else {
        return Vec::new();
    };
    let Some((_, from_domain)) = from.rsplit_once('@') else {
        return Vec::new();
    };
    let organization = |domain: &str| {
        psl::domain_str(domain)
            .unwrap_or(domain)
            .to_ascii_lowercase()
    };
    let from_org = organization(from_domain);
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    for (name, value) in mail.message.headers_raw() {
        if !name.eq_ignore_ascii_case("Authentication-Results") {
            continue;
        }
        let sections = sections(value);
        let Some(id) = sections
            .first()
            .and_then(|words| words.first())
            .map(|id| id.to_ascii_lowercase())
        else {
            continue;
        };
        if seen.contains(&id) {
            continue;
        }
        seen.push(id.clone());
        let result = |words: &[String]| {
            words
                .first()
                .and_then(|w| w.split_once('='))
                .map(|(method, result)| (method.to_ascii_lowercase(), result.to_ascii_lowercase()))
        };
        let property = |words: &[String], key: &str| {
            words
                .iter()
                .find_map(|w| w.strip_prefix(key))
                .map(|v| v.trim_matches('"').to_ascii_lowercase())
        };
        let results = &sections[1..];
        let dmarc_failed = results
            .iter()
            .any(|w| result(w).is_some_and(|(m, r)| m == "dmarc" && r != "pass"));
        let vouches = !dmarc_failed
            && results.iter().any(|w| match result(w) {
                Some((m, r)) if m == "dmarc" && r == "pass" => {
                    property(w, "header.from=").is_some_and(|d| d == from_domain)
                }
                Some((m, r)) if m == "dkim" && r == "pass" => {
                    property(w, "header.d=").is_some_and(|d| organization(&d) == from_org)
                }
                _ => false,
            });
        if vouches {
            ids.push(id);
        }
    }
    ids
}

/// The `;`-separated sections of an Authentication-Results value, each as
/// its words: quoted strings stay whole (a sender's `smtp.mailfrom="x;
/// dmarc=pass"` is one word, not a result), comments are dropped.
fn sections(value: &str) -> Vec<Vec<String>> {
    let mut sections = vec![Vec::new()];
    let mut word = String::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut depth = 0usize;
    let end_word = |word: &mut String, sections: &mut Vec<Vec<String>>| {
        if !word.is_empty()
            && let Some(last) = sections.last_mut()
        {
            last.push(std::mem::take(word));
        }
    };
    for c in value.chars() {
        if quoted {
            word.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        if depth > 0 {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                word.push(c);
            }
            '(' => {
                end_word(&mut word, &mut sections);
                depth = 1;
            }
            ';' => {
                end_word(&mut word, &mut sections);
                sections.push(Vec::new());
            }
            c if c.is_whitespace() => end_word(&mut word, &mut sections),
            c => word.push(c),
        }
    }
    end_word(&mut word, &mut sections);
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vouching(headers: &str) -> Vec<String> {
        let raw = format!("{headers}From: taro@example.jp\r\nSubject: 配信停止\r\n\r\nstop\r\n");
        let mail = Mail::read(raw.as_bytes()).unwrap();
        authenticated_by(&mail)
    }

    #[test]
    fn a_pass_of_our_server_vouches_and_forgeries_do_not() {
        assert_eq!(
            vouching("Authentication-Results: mx.ours; dmarc=pass header.from=example.jp\r\n"),
            ["mx.ours"]
        );
        // A sender-controlled quoted string is no result of its own.
        assert!(vouching(
            "Authentication-Results: mx.ours; spf=pass smtp.mailfrom=\"x; dmarc=pass header.from=example.jp y\"@evil.example; dmarc=fail header.from=example.jp\r\n"
        )
        .is_empty());
        // A failed DMARC is not outweighed by another section.
        assert!(vouching(
            "Authentication-Results: mx.ours; dkim=pass header.d=example.jp; dmarc=fail header.from=example.jp\r\n"
        )
        .is_empty());
        // Only the topmost header of an id counts.
        assert!(
            vouching(
                "Authentication-Results: mx.ours; dmarc=none header.from=example.jp\r\n\
             Authentication-Results: mx.ours; dmarc=pass header.from=example.jp\r\n"
            )
            .is_empty()
        );
        // DKIM of another organization vouches for nobody.
        assert!(
            vouching("Authentication-Results: mx.ours; dkim=pass header.d=evil.example\r\n")
                .is_empty()
        );
    }
}
