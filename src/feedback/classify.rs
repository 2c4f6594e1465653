//! Reading one message: which format it is, what it says about which
//! recipients, and why, in Sisimai's vocabulary.
//!
//! The readers are tried from the most specific to the most general: a
//! feedback report, an Amazon SES notification, a mailed unsubscribe
//! request, RFC 3464 fields (in their own part or inside the text), a
//! plain-text bounce, an automatic reply, and last a report returned inside
//! another message. Each reader gives [`Found`] evidence per recipient; the
//! reason engine ([`super::reason`]) turns evidence into a reason, and the
//! reason (with the DSN action) into a [`Kind`].

use super::clues::{Clues, TokenOrigin};
use super::mail::{DIAGNOSTIC_CHARS, Mail, clean_text};
use super::reason::{self, Command, Evidence, Reason};
use super::{Finding, Format, Kind, Report, arf, dsn, reply, ses, text};

/// The most findings read from one report.
const MAX_FINDINGS: usize = 50;

/// How deep reports inside reports are followed.
const MAX_NESTING: usize = 2;

/// What a format reader found about one recipient.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    /// The failed address, lower case.
    pub recipient: Option<String>,
    /// The `Status` field, or a status the format states.
    pub status: Option<String>,
    /// The SMTP command the failure answered, when the format says.
    pub command: Option<Command>,
    /// The DSN action (`failed`, `delayed`, `delivered`), lower case.
    pub action: Option<String>,
    /// The words about this recipient.
    pub text: String,
    /// The whole notice, read when `text` alone says too little.
    pub context: String,
    /// The remote host that answered.
    pub remote_host: Option<String>,
    /// A reason the format itself states.
    pub hint: Option<Reason>,
    /// The ARF Feedback-Type.
    pub feedback_type: Option<String>,
    /// Where it was read.
    pub format: Format,
}

/// Reads one message. Never fails: what cannot be read is a finding of
/// kind `unreadable`, what is no report one of kind `not_a_report`.
pub fn classify(raw: &[u8]) -> Report {
    classify_nested(raw, 0)
}

fn classify_nested(raw: &[u8], depth: usize) -> Report {
    let Some(mail) = Mail::read(raw) else {
        return Report {
            findings: vec![Finding::about_message(
                Kind::Unreadable,
                Reason::Undefined,
                Format::Other,
                "not a mail message: it has no header lines",
            )],
            clues: Clues::default(),
            message_id: None,
            date: None,
            authenticated_by: Vec::new(),
        };
    };
    let mut clues = Clues::default();
    for original in mail.original_headers() {
        clues.add_original(&original);
    }
    let message_id = mail.message.message_id().map(str::to_owned);
    let date = mail
        .message
        .date()
        .map(|d| d.to_timestamp())
        .filter(|t| *t > 0);
    // A notice that names no address at all wraps the real report.
    let nested_first = !mail.notice.contains('@') && mail.status.trim().is_empty();
    let mut found = if nested_first && mail.nested_report.is_some() && depth < MAX_NESTING {
        Vec::new()
    } else {
        read_formats(raw, &mail, &mut clues)
    };
    if found.is_empty()
        && depth < MAX_NESTING
        && let Some(nested) = &mail.nested_report
    {
        let inner = classify_nested(nested, depth + 1);
        if inner.findings.iter().any(|f| f.kind != Kind::NotAReport) {
            let mut merged = inner.clues;
            for id in clues.message_ids {
                merged.add_message_id(&id);
            }
            for (token, origin) in clues.tokens {
                merged.add_token(&token, origin);
            }
            return Report {
                findings: inner.findings,
                clues: merged,
                message_id,
                date,
                authenticated_by: Vec::new(),
            };
        }
    }
    if found.is_empty() {
        let why = if mail.header("Auto-Submitted").is_some() {
            "an automatic message that is neither a bounce, a complaint report nor an unsubscribe request"
        } else {
            "neither a bounce, a complaint report, an unsubscribe request nor an automatic reply"
        };
        found.push((
            Some(Kind::NotAReport),
            Found {
                text: why.to_owned(),
                hint: Some(Reason::Undefined),
                ..Found::default()
            },
        ));
    }
    // A report naming thousands of addresses is no bounce of one message
    // of ours; only so many findings of it are read, so that nobody can
    // fill the store by mailing one.
    let findings: Vec<Finding> = found
        .into_iter()
        .take(MAX_FINDINGS)
        .map(|(kind, found)| finding(kind, found))
        .collect();
    let authenticated_by = if findings_are_requests(&findings) {
        reply::authenticated_by(&mail)
    } else {
        Vec::new()
    };
    Report {
        findings,
        clues,
        message_id,
        date,
        authenticated_by,
    }
}

fn findings_are_requests(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.kind == Kind::Unsubscribe)
}

/// Every recipient some reader finds, with the kind when the format alone
/// decides it.
fn read_formats(raw: &[u8], mail: &Mail<'_>, clues: &mut Clues) -> Vec<(Option<Kind>, Found)> {
    if arf::is_feedback(mail) {
        clues.add_envelope(&mail.message, TokenOrigin::Verp);
        return arf::read(raw, mail)
            .into_iter()
            .map(|(kind, found)| (Some(kind), found))
            .collect();
    }
    if ses::is_notification(&mail.notice) {
        let found = ses::read(&mail.notice, clues);
        if !found.is_empty() {
            return found;
        }
    }
    if let Some(from) = reply::unsubscribe_request(mail, clues) {
        return vec![(
            Some(Kind::Unsubscribe),
            Found {
                recipient: Some(from),
                format: Format::Mailto,
                ..Found::default()
            },
        )];
    }
    clues.add_envelope(&mail.message, TokenOrigin::Verp);
    let delayed = text::is_delay(mail);
    let from_status = dsn::recipients(&mail.status);
    let dsn_recipients = if from_status.is_empty() && dsn::has_fields(&mail.notice) {
        dsn::recipients(&mail.notice)
    } else {
        from_status
    };
    if !dsn_recipients.is_empty() {
        let single = dsn_recipients.len() == 1;
        return dsn_recipients
            .into_iter()
            .map(|mut r| {
                // `Final-Recipient: rfc822; @domain` and the like: the
                // notice names the address.
                if r.recipient.is_none() && single {
                    r.recipient = text::recipients(mail).into_iter().next().map(|(a, _)| a);
                }
                let block = r
                    .recipient
                    .as_deref()
                    .and_then(|a| text::block_about(&mail.notice, a))
                    .unwrap_or_default();
                let block = block.as_str();
                let mut diagnostic = r.diagnostic.unwrap_or_default();
                // "Status: 5.2.1 (mailbox disabled, not accepting messages)":
                // the comment is the reporting MTA's own word on the reason.
                if let Some((_, comment)) = r.status.as_deref().and_then(|s| s.split_once('(')) {
                    diagnostic.push_str(" (");
                    diagnostic.push_str(comment);
                }
                let text = match (diagnostic.is_empty(), block.is_empty()) {
                    (_, true) => diagnostic,
                    (true, false) => block.to_owned(),
                    (false, false) => format!("{diagnostic}\n{block}"),
                };
                let hint = text::hint(&text);
                let remote_host = r
                    .remote_mta
                    .filter(|h| h.contains('.'))
                    .or_else(|| text::remote_host(&text));
                let action = r.action.or_else(|| delayed.then(|| "delayed".to_owned()));
                (
                    None,
                    Found {
                        recipient: r.recipient,
                        status: r.status,
                        action,
                        context: if single {
                            mail.notice.clone()
                        } else {
                            String::new()
                        },
                        remote_host,
                        hint,
                        text,
                        format: Format::Dsn,
                        ..Found::default()
                    },
                )
            })
            .collect();
    }
    let bounce = text::looks_like_bounce(mail);
    if bounce < text::Bounce::Yes
        && let Some(from) = reply::auto_reply(mail)
    {
        return vec![(
            Some(Kind::AutoReply),
            Found {
                recipient: Some(from),
                hint: Some(Reason::Vacation),
                format: Format::AutoReply,
                ..Found::default()
            },
        )];
    }
    if bounce > text::Bounce::No {
        let recipients = text::recipients(mail);
        let single = recipients.len() <= 1;
        let family = text::family_command(mail);
        let found: Vec<(Option<Kind>, Found)> = recipients
            .into_iter()
            .map(|(recipient, block)| {
                let hint = text::hint(&block)
                    .or_else(|| single.then(|| text::hint(&mail.notice)).flatten())
                    .or_else(|| text::group_refusal(mail, &recipient));
                (
                    None,
                    Found {
                        recipient: Some(recipient),
                        command: family,
                        hint,
                        action: delayed.then(|| "delayed".to_owned()),
                        remote_host: text::remote_host(&block),
                        context: if single || block.is_empty() {
                            mail.notice.clone()
                        } else {
                            String::new()
                        },
                        text: block,
                        format: Format::BounceText,
                        ..Found::default()
                    },
                )
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
        if mail.nested_report.is_none() {
            return vec![(
                None,
                Found {
                    action: delayed.then(|| "delayed".to_owned()),
                    text: mail.notice.clone(),
                    format: Format::BounceText,
                    ..Found::default()
                },
            )];
        }
    }
    Vec::new()
}

/// Reasons that say the receiver refused *us* or our message, never that
/// the recipient cannot receive mail.
const BLOCK_REASONS: &[Reason] = &[
    Reason::AuthFailure,
    Reason::BadReputation,
    Reason::Blocked,
    Reason::ContentError,
    Reason::EmailTooLarge,
    Reason::FailedStartTls,
    Reason::NoRelaying,
    Reason::NotCompliantRfc,
    Reason::PolicyViolation,
    Reason::RateLimited,
    Reason::Rejected,
    Reason::RequirePtr,
    Reason::SecurityError,
    Reason::SpamDetected,
    Reason::SyntaxError,
    Reason::VirusDetected,
];

/// The kind of a failure with this reason, action and status.
pub(crate) fn kind_of(
    reason: Reason,
    action: Option<&str>,
    status: Option<&str>,
    text: &str,
) -> Kind {
    match reason {
        Reason::Delivered => return Kind::Delivered,
        Reason::Vacation => return Kind::AutoReply,
        Reason::Feedback => return Kind::Complaint,
        _ => {}
    }
    match action {
        Some("delivered" | "relayed" | "expanded") => return Kind::Delivered,
        Some("delayed") => return Kind::Delay,
        _ => {}
    }
    if reason.is_hard(status, text) {
        Kind::HardBounce
    } else if BLOCK_REASONS.contains(&reason) {
        Kind::Block
    } else {
        Kind::SoftBounce
    }
}

/// The first enhanced status code in `text` that says a failure (4.x.x or
/// 5.x.x), else the first at all: a session transcript's `250 2.1.0 Ok`
/// lines come before the reply that failed.
fn failure_status(text: &str) -> Option<&str> {
    let mut rest = text;
    let mut first = None;
    while let Some(status) = reason::find_status(rest) {
        if !status.starts_with('2') {
            return Some(status);
        }
        first.get_or_insert(status);
        let at = rest.find(status).map_or(rest.len(), |at| at + status.len());
        rest = &rest[at..];
    }
    first
}

/// What an SMTP reply to a send means, by the same rules as the same words
/// in a bounce: `550 5.1.1 user unknown` is a hard bounce, `550 5.7.1
/// blocked` a block.
pub(crate) fn classify_reply(reply: &str, command: Option<Command>) -> (Kind, Reason) {
    let status = reason::find_status(reply);
    let reason = reason::decide(&Evidence {
        status,
        reply_code: reason::find_reply_code(reply),
        command: command.or_else(|| Command::from_text(reply)),
        action: Some("failed"),
        text: reply,
        remote_host: None,
        hint: None,
    });
    (kind_of(reason, Some("failed"), status, reply), reason)
}

/// Evidence to a finding: the reason engine decides, on the recipient's own
/// words first and on the whole notice when those say too little.
fn finding(kind: Option<Kind>, found: Found) -> Finding {
    let stated = found.status.as_deref().and_then(reason::find_status);
    let in_text = failure_status(&found.text);
    // A stated X.0.0 says only the class; the server's words are more precise.
    let status = match (stated, in_text) {
        (Some(stated), Some(text)) if stated.ends_with(".0.0") && text[..1] == stated[..1] => {
            Some(text)
        }
        (Some(stated), _) => Some(stated),
        (None, text) => text,
    }
    .map(str::to_owned);
    let decide = |text: &str, command: Option<Command>| {
        reason::decide(&Evidence {
            status: status.as_deref(),
            reply_code: reason::find_reply_code(text),
            command: command.or_else(|| Command::from_text(text)),
            action: found.action.as_deref(),
            text,
            remote_host: found.remote_host.as_deref(),
            hint: found.hint,
        })
    };
    // A kind the format alone decided (a complaint, a mailed request, an
    // auto-reply) takes the format's reason; the engine reads failures.
    let mut reason = match kind {
        Some(_) => found.hint.unwrap_or(Reason::Undefined),
        None => decide(&found.text, found.command),
    };
    let mut used = found.text.as_str();
    if kind.is_none()
        && matches!(reason, Reason::Undefined | Reason::OnHold)
        && !found.context.is_empty()
    {
        let wider = decide(&found.context, found.command);
        if !matches!(wider, Reason::Undefined | Reason::OnHold) {
            reason = wider;
            used = &found.context;
        }
    }
    let kind =
        kind.unwrap_or_else(|| kind_of(reason, found.action.as_deref(), status.as_deref(), used));
    let diagnostic = if found.text.trim().is_empty() {
        clean_text(&found.context, DIAGNOSTIC_CHARS)
    } else {
        clean_text(&found.text, DIAGNOSTIC_CHARS)
    };
    Finding {
        kind,
        reason,
        // Only what is shaped like an address leaves here: a JSON field or a
        // From header may hold anything, terminal escapes included.
        recipient: found
            .recipient
            .filter(|r| dsn::first_address(r).as_deref() == Some(r.as_str())),
        status,
        feedback_type: found
            .feedback_type
            .map(|t| clean_text(&t, 40))
            .filter(|t| !t.is_empty()),
        diagnostic,
        format: found.format,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipient_that_is_no_address_is_dropped_not_passed_on() {
        let notice = "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\
            \"bouncedRecipients\":[{\"emailAddress\":\"\\u001b]0;owned\\u0007a@b.example\",\
            \"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}]}}";
        let raw = format!(
            "From: no-reply@sns.amazonaws.com\r\nSubject: AWS Notification Message\r\n\r\n{notice}\r\n"
        );
        let report = classify(raw.as_bytes());
        assert_eq!(report.findings[0].kind, Kind::HardBounce);
        assert_eq!(report.findings[0].recipient, None);
    }

    #[test]
    fn a_refusal_at_rcpt_and_one_of_our_reputation_differ() {
        assert_eq!(
            classify_reply(
                "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown",
                Some(Command::Rcpt)
            )
            .0,
            Kind::HardBounce
        );
        assert_eq!(
            classify_reply(
                "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
                Some(Command::Rcpt)
            ),
            (Kind::Block, Reason::Blocked)
        );
    }
}
