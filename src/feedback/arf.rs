//! RFC 5965 feedback reports (ARF): a mailbox provider telling us that a
//! recipient pressed "this is spam" (or that authentication failed). Read
//! with mail-auth's parser; reports it cannot read (no feedback-report part,
//! as some providers send) fall back to the report's own words.

use mail_auth::report::{Feedback, FeedbackType};
use mail_parser::MimeHeaders;

use super::classify::Found;
use super::mail::Mail;
use super::{Format, Kind, Reason};

/// Whether `mail` is a complaint report of some shape.
pub(super) fn is_feedback(mail: &Mail<'_>) -> bool {
    if mail.has_feedback_part {
        return true;
    }
    let report_type = mail
        .message
        .root_part()
        .content_type()
        .and_then(|ct| ct.attribute("report-type"))
        .is_some_and(|t| t.eq_ignore_ascii_case("feedback-report"));
    if report_type {
        return true;
    }
    // A complaint forwarded with the original attached and no ARF part.
    let subject = mail.subject.to_ascii_lowercase();
    !mail.originals.is_empty()
        && [
            "complaint about message",
            "abuse report",
            "spam report",
            "email feedback report",
        ]
        .iter()
        .any(|s| subject.contains(s))
}

/// The findings of a feedback report: one per complaining recipient.
pub(super) fn read(raw: &[u8], mail: &Mail<'_>) -> Vec<(Kind, Found)> {
    let parsed = Feedback::parse_rfc5322(raw).ok();
    let feedback_type = raw_feedback_type(mail)
        .or_else(|| {
            parsed
                .as_ref()
                .map(|f| type_word(f.feedback_type()).to_owned())
        })
        .unwrap_or_else(|| "abuse".to_owned());
    let kind = match feedback_type.as_str() {
        "auth-failure" | "dmarc" => Kind::AuthReport,
        "not-spam" => Kind::NotAReport,
        _ => Kind::Complaint,
    };
    let mut recipients: Vec<String> = Vec::new();
    if let Some(rcpt) = parsed.as_ref().and_then(|f| f.original_rcpt_to()) {
        recipients.extend(super::dsn::addresses(rcpt));
    }
    for (name, value) in super::dsn::fields(&mail.feedback_report) {
        if name.eq_ignore_ascii_case("original-rcpt-to")
            || name.eq_ignore_ascii_case("removal-recipient")
        {
            recipients.extend(super::dsn::addresses(&value));
        }
    }
    if recipients.is_empty() {
        // Providers that redact Original-Rcpt-To still return the message,
        // whose To names the recipient.
        for headers in mail.original_headers() {
            if let Some(to) = super::mail::header(&headers, "To") {
                recipients.extend(super::dsn::addresses(to));
            }
        }
    }
    recipients.dedup();
    let found = |recipient: Option<String>| Found {
        recipient,
        hint: Some(Reason::Feedback),
        feedback_type: Some(feedback_type.clone()),
        format: Format::Arf,
        ..Found::default()
    };
    if recipients.is_empty() {
        return vec![(kind, found(None))];
    }
    recipients
        .into_iter()
        .map(|r| (kind, found(Some(r))))
        .collect()
}

/// The Feedback-Type as written (mail-auth folds `opt-out` into `other`).
fn raw_feedback_type(mail: &Mail<'_>) -> Option<String> {
    super::dsn::fields(&mail.feedback_report)
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("feedback-type"))
        .map(|(_, value)| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty())
}

fn type_word(feedback_type: FeedbackType) -> &'static str {
    match feedback_type {
        FeedbackType::Abuse => "abuse",
        FeedbackType::AuthFailure => "auth-failure",
        FeedbackType::Fraud => "fraud",
        FeedbackType::NotSpam => "not-spam",
        FeedbackType::Other => "other",
        FeedbackType::Virus => "virus",
    }
}
