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
pub fn unsubscribe_request(mail: &Mail<'_>, clues: &mut Clues) -> Option<String> {
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
pub fn auto_reply(mail: &Mail<'_>) -> Option<String> {
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

/// The authserv-ids of the `Authentication-Results` headers that vouch for
/// the From address of `mail`: DMARC passed for its domain, or DKIM passed
/// for a domain aligned with it (the same organizational domain). Anyone
/// can write such a header; only the operator's own server's id means
/// anything, and that server must remove forged ones (RFC 8601 asks it to).
pub fn authenticated_by(mail: &Mail<'_>) -> Vec<String> {
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
    let mut ids = Vec::new();
    for (name, value) in mail.message.headers_raw() {
        if !name.eq_ignore_ascii_case("Authentication-Results") {
            continue;
        }
        let value = without_comments(&value.replace(['\r', '\n'], " "));
        let mut parts = value.split(';');
        let Some(id) = parts.next().and_then(|p| p.split_whitespace().next()) else {
            continue;
        };
        let vouches = parts.any(|result| {
            let words: Vec<&str> = result.split_whitespace().collect();
            let property = |key: &str| {
                words
                    .iter()
                    .find_map(|w| w.strip_prefix(key))
                    .map(|v| v.trim_matches('"').to_ascii_lowercase())
            };
            match words.first().map(|w| w.to_ascii_lowercase()) {
                Some(method) if method == "dmarc=pass" => {
                    property("header.from=").is_some_and(|d| d == from_domain)
                }
                Some(method) if method == "dkim=pass" => {
                    property("header.d=").is_some_and(|d| organization(&d) == from_org)
                }
                _ => false,
            }
        });
        if vouches {
            ids.push(id.to_ascii_lowercase());
        }
    }
    ids
}

/// A header value without its (comments).
fn without_comments(value: &str) -> String {
    let mut depth = 0usize;
    value
        .chars()
        .filter(|c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}
