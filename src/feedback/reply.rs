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
