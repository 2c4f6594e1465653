//! Amazon SES notifications delivered by mail through SNS: one JSON object
//! (bounce, complaint or delivery) in a text/plain body, folded by SNS at
//! fixed widths with `!` and a line break.

use serde_json::Value;

use super::classify::Found;
use super::clues::Clues;
use super::{Format, Kind, Reason};

/// Whether a notice is an SES notification.
pub(super) fn is_notification(notice: &str) -> bool {
    let start = notice.trim_start();
    start.starts_with('{') && start.contains("notificationType")
}

/// The findings of an SES notification, and the clues its copy of the
/// original headers gives.
pub(super) fn read(notice: &str, clues: &mut Clues) -> Vec<(Option<Kind>, Found)> {
    let body = notice.trim_start();
    let body = body.split("\n\n--\n").next().unwrap_or(body);
    let unfolded = body.replace("!\n ", "").replace("\n", "");
    let Ok(mut value) = serde_json::from_str::<Value>(&unfolded) else {
        return Vec::new();
    };
    // The SNS envelope carries the notification as an escaped string.
    if let Some(inner) = value.get("Message").and_then(Value::as_str)
        && let Ok(parsed) = serde_json::from_str::<Value>(inner)
    {
        value = parsed;
    }
    if let Some(headers) = value.pointer("/mail/headers").and_then(Value::as_array) {
        for header in headers {
            let name = header.get("name").and_then(Value::as_str).unwrap_or("");
            let text = header.get("value").and_then(Value::as_str).unwrap_or("");
            if name.eq_ignore_ascii_case("Message-ID") {
                clues.add_message_id(text);
            } else if name.eq_ignore_ascii_case("List-Unsubscribe") {
                clues.tokens_from_list_unsubscribe(text);
            }
        }
    }
    let kind = value
        .get("notificationType")
        .or_else(|| value.get("eventType"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    match kind {
        "Bounce" => {
            let bounce = &value["bounce"];
            let sub_type = text(bounce, "bounceSubType").unwrap_or_default();
            let transient = text(bounce, "bounceType").is_some_and(|t| t != "Permanent");
            let hint = match sub_type.as_str() {
                "Suppressed" | "OnAccountSuppressionList" => Some(Reason::Suppressed),
                "MailboxFull" => Some(Reason::MailboxFull),
                "MessageTooLarge" => Some(Reason::EmailTooLarge),
                "ContentRejected" | "AttachmentRejected" => Some(Reason::ContentError),
                "NoEmail" => Some(Reason::UserUnknown),
                _ => None,
            };
            list(bounce, "bouncedRecipients")
                .map(|r| {
                    let diagnostic = text(r, "diagnosticCode").unwrap_or_default();
                    let diagnostic = diagnostic
                        .split_once(';')
                        .map_or(diagnostic.as_str(), |(_, t)| t)
                        .trim()
                        .to_owned();
                    (
                        None,
                        Found {
                            recipient: text(r, "emailAddress").map(|a| a.to_ascii_lowercase()),
                            status: text(r, "status"),
                            action: text(r, "action")
                                .or_else(|| transient.then(|| "delayed".to_owned())),
                            text: diagnostic,
                            hint,
                            format: Format::Dsn,
                            ..Found::default()
                        },
                    )
                })
                .collect()
        }
        "Complaint" => {
            let complaint = &value["complaint"];
            let feedback_type =
                text(complaint, "complaintFeedbackType").unwrap_or_else(|| "abuse".to_owned());
            let kind = match feedback_type.as_str() {
                "auth-failure" => Kind::AuthReport,
                "not-spam" => Kind::NotAReport,
                _ => Kind::Complaint,
            };
            list(complaint, "complainedRecipients")
                .map(|r| {
                    (
                        Some(kind),
                        Found {
                            recipient: text(r, "emailAddress").map(|a| a.to_ascii_lowercase()),
                            feedback_type: Some(feedback_type.clone()),
                            hint: Some(Reason::Feedback),
                            format: Format::Arf,
                            ..Found::default()
                        },
                    )
                })
                .collect()
        }
        "Delivery" => {
            let delivery = &value["delivery"];
            let response = text(delivery, "smtpResponse").unwrap_or_default();
            delivery
                .get("recipients")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|r| {
                    (
                        Some(Kind::Delivered),
                        Found {
                            recipient: Some(r.to_ascii_lowercase()),
                            action: Some("delivered".to_owned()),
                            text: response.clone(),
                            hint: Some(Reason::Delivered),
                            format: Format::Dsn,
                            ..Found::default()
                        },
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn list<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}
