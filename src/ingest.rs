//! Reading what comes back: delivery status notifications (RFC 3464),
//! complaint reports (RFC 5965 ARF) and mails to the unsubscribe address.
//!
//! This module only reads a message and says what it is and which clues it
//! carries to the message of ours it answers (Message-IDs, unsubscribe tokens,
//! a VERP address). Tracing the clues to a campaign and recipient, and what to
//! do then, belongs to the store (`commands::ingest`). Everything here takes
//! arbitrary bytes: nothing may panic on a malformed or truncated message.

use std::borrow::Cow;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use crate::address::Mailbox;
use crate::token::TOKEN_LEN;

/// What one message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A delivery failure for one recipient.
    Bounce(Bounce),
    /// A recipient reported a message as spam.
    Complaint(Complaint),
    /// Someone asked by mail to receive no more.
    Unsubscribe(UnsubscribeRequest),
}

/// One failed recipient of a delivery status notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The enhanced status code, `5.1.1`.
    pub status: String,
    /// Whether it is permanent (5.x.x).
    pub permanent: bool,
    /// The `Final-Recipient` address as written (perhaps `Name <a@b>`), when given.
    pub final_recipient: Option<String>,
    /// The remote server's words, shortened.
    pub diagnostic: String,
    /// `dsn` for RFC 3464 reports, `bounce-text` for older plain-text ones.
    pub source: &'static str,
    /// Clues to the original message.
    pub clues: Clues,
}

/// One complaint report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    /// `abuse`, `fraud`, `virus` or `other`.
    pub feedback_type: String,
    /// `Original-Rcpt-To`, when the provider did not redact it.
    pub original_rcpt_to: Option<String>,
    /// Clues to the original message.
    pub clues: Clues,
}

/// A mail asking to unsubscribe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeRequest {
    /// Who asked (the From address).
    pub from: String,
    /// Clues to the message it answers (In-Reply-To, References, a token).
    pub clues: Clues,
}

/// What points at the message of ours a report is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clues {
    /// Message-IDs, without angle brackets, most specific first.
    pub message_ids: Vec<String>,
    /// Candidate unsubscribe tokens (from List-Unsubscribe, a subject, a VERP address).
    pub tokens: Vec<String>,
}

impl Clues {
    fn add_message_id(&mut self, id: &str) {
        let id = id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        if !id.is_empty() && !self.message_ids.iter().any(|known| known == id) {
            self.message_ids.push(id.to_owned());
        }
    }

    fn add_token(&mut self, token: &str) {
        if looks_like_token(token) && !self.tokens.iter().any(|known| known == token) {
            self.tokens.push(token.to_owned());
        }
    }

    /// Collects the clues of an original message (or its headers).
    fn add_original(&mut self, original: &Message<'_>) {
        if let Some(id) = original.message_id() {
            self.add_message_id(id);
        }
        for (name, value) in original.headers_raw() {
            if name.eq_ignore_ascii_case("List-Unsubscribe") {
                self.tokens_from_list_unsubscribe(value);
            }
        }
    }

    /// The https URI's last path segment in a List-Unsubscribe value.
    fn tokens_from_list_unsubscribe(&mut self, value: &str) {
        let unfolded: String = value.split(['\r', '\n']).collect();
        for uri in unfolded.split(',') {
            let uri = uri.trim().trim_start_matches('<').trim_end_matches('>');
            if uri.starts_with("https://") || uri.starts_with("http://") {
                let path = uri.split(['?', '#']).next().unwrap_or("");
                if let Some(last) = path.trim_end_matches('/').rsplit('/').next() {
                    self.add_token(last);
                }
            }
        }
    }

    /// A VERP address `local+TOKEN@domain`, as our sends write the envelope
    /// sender when `sender.verp` is on; bounces come back addressed to it.
    fn tokens_from_verp(&mut self, address: &str) {
        let Ok(mailbox) = Mailbox::parse(address) else {
            return;
        };
        if let Some((_, detail)) = mailbox.address.local_part().rsplit_once('+') {
            self.add_token(detail);
        }
    }

    /// Whether there is anything to trace.
    pub fn is_empty(&self) -> bool {
        self.message_ids.is_empty() && self.tokens.is_empty()
    }
}

fn looks_like_token(text: &str) -> bool {
    text.len() == TOKEN_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads one message. `Err` says why it is not something ingest acts on.
pub fn classify(raw: &[u8]) -> Result<Vec<Finding>, String> {
    let Some(message) = MessageParser::new().parse(raw) else {
        return Err("not a mail message (no headers)".into());
    };
    let report_type = message
        .content_type()
        .filter(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
        .and_then(|ct| ct.attribute("report-type"))
        .map(str::to_ascii_lowercase);
    let has_part = |ctype: &str, subtypes: &[&str]| {
        message.parts.iter().any(|part| {
            part.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case(ctype)
                    && ct
                        .subtype()
                        .is_some_and(|s| subtypes.iter().any(|t| s.eq_ignore_ascii_case(t)))
            })
        })
    };
    if report_type.as_deref() == Some("feedback-report")
        || has_part("message", &["feedback-report"])
    {
        return complaint(raw, &message).map(|c| vec![Finding::Complaint(c)]);
    }
    if report_type.as_deref() == Some("delivery-status")
        || has_part("message", &["delivery-status", "global-delivery-status"])
    {
        return delivery_status(&message);
    }
    if let Some(failed) = header(&message, "X-Failed-Recipients") {
        return Ok(plain_text_bounce(&message, failed));
    }
    if let Some(request) = unsubscribe_request(&message) {
        return Ok(vec![Finding::Unsubscribe(request)]);
    }
    if header(&message, "Auto-Submitted").is_some_and(|v| !v.eq_ignore_ascii_case("no")) {
        return Err("an automatic reply (Auto-Submitted), not a bounce or complaint".into());
    }
    Err(
        "neither a delivery status notification, a complaint report nor an unsubscribe request"
            .into(),
    )
}

/// The first value of a header, trimmed.
fn header<'a>(message: &'a Message<'_>, name: &str) -> Option<&'a str> {
    message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The clues every report carries outside its original message: the
/// addresses the report was sent to, which name a VERP return path.
fn envelope_clues(message: &Message<'_>, clues: &mut Clues) {
    for (name, value) in message.headers_raw() {
        if ["To", "Delivered-To", "X-Original-To", "Envelope-To"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
        {
            for address in value.split(',') {
                clues.tokens_from_verp(address);
            }
        }
    }
}

/// Clues from the returned original: a message/rfc822 part, or
/// text/rfc822-headers.
fn original_clues(message: &Message<'_>, clues: &mut Clues) {
    for part in &message.parts {
        match &part.body {
            PartType::Message(original) => clues.add_original(original),
            _ if part.is_content_type("text", "rfc822-headers") => {
                if let Some(headers) = MessageParser::new().parse_headers(part.contents()) {
                    clues.add_original(&headers);
                }
            }
            _ => {}
        }
    }
}

fn delivery_status(message: &Message<'_>) -> Result<Vec<Finding>, String> {
    let mut clues = Clues::default();
    original_clues(message, &mut clues);
    envelope_clues(message, &mut clues);
    let mut findings = Vec::new();
    let mut delayed = false;
    let mut delivered = false;
    for part in &message.parts {
        let is_status = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("global-delivery-status")
                })
        });
        if !is_status {
            continue;
        }
        let body = normalise_newlines(part.contents());
        // The first group holds per-message fields, the others one recipient each.
        for group in body.split("\n\n").skip(1) {
            let fields = status_fields(group);
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            };
            let action = field("Action").unwrap_or("").to_ascii_lowercase();
            let status = field("Status").and_then(status_code);
            match action.as_str() {
                "delayed" => {
                    delayed = true;
                    continue;
                }
                "delivered" | "relayed" | "expanded" => {
                    delivered = true;
                    continue;
                }
                _ => {}
            }
            let Some(status) = status else {
                continue;
            };
            if !action.is_empty() && action != "failed" {
                continue;
            }
            let final_recipient = field("Final-Recipient")
                .or_else(|| field("Original-Recipient"))
                .map(|v| v.rsplit_once(';').map_or(v, |(_, a)| a).trim().to_owned());
            findings.push(Finding::Bounce(Bounce {
                permanent: status.starts_with('5'),
                status,
                final_recipient,
                diagnostic: shorten(field("Diagnostic-Code").unwrap_or("")),
                source: "dsn",
                clues: clues.clone(),
            }));
        }
    }
    if findings.is_empty() {
        return Err(if delayed {
            "a delay warning: the relay is still trying".into()
        } else if delivered {
            "a delivery confirmation, not a failure".into()
        } else {
            "a delivery status notification without a failed recipient".into()
        });
    }
    Ok(findings)
}

/// The `Name: value` fields of one delivery-status group (header syntax,
/// read by mail-parser), unfolded.
fn status_fields(group: &str) -> Vec<(String, String)> {
    // The group's blank-line end was split off; header parsing wants it back.
    let group = format!("{group}\n\n");
    MessageParser::new()
        .parse_headers(group.as_bytes())
        .map(|fields| {
            fields
                .headers_raw()
                .map(|(name, value)| {
                    let unfolded: Vec<&str> = value.split_whitespace().collect();
                    (name.to_owned(), unfolded.join(" "))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn normalise_newlines(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

/// The enhanced status code (`5.1.1`) at the start of `text` or anywhere in it.
fn status_code(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() == 3
                && matches!(parts[0], "2" | "4" | "5")
                && (1..=3).contains(&parts[1].len())
                && (1..=3).contains(&parts[2].len())
                && parts[1..]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
}

fn shorten(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Exim and other MTAs that send plain-text bounces name the failed
/// addresses in `X-Failed-Recipients` (only for permanent failures) and
/// quote the original after the explanation.
fn plain_text_bounce(message: &Message<'_>, failed: &str) -> Vec<Finding> {
    let mut clues = Clues::default();
    original_clues(message, &mut clues);
    envelope_clues(message, &mut clues);
    let text: String = message
        .text_bodies()
        .filter_map(|part| part.text_contents())
        .collect::<Vec<_>>()
        .join("\n");
    for line in text.lines() {
        let line = line.trim_start_matches(['>', ' ']);
        if line.len() > 11 && line[..11].eq_ignore_ascii_case("message-id:") {
            clues.add_message_id(&line[11..]);
        }
    }
    let status = status_code(&text).unwrap_or_else(|| "5.0.0".into());
    let diagnostic = text
        .lines()
        .find(|l| l.contains(&status) || l.contains("550") || l.contains("SMTP error"))
        .map(shorten)
        .unwrap_or_default();
    failed
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|address| {
            Finding::Bounce(Bounce {
                permanent: !status.starts_with('4'),
                status: status.clone(),
                final_recipient: Some(address.to_owned()),
                diagnostic: diagnostic.clone(),
                source: "bounce-text",
                clues: clues.clone(),
            })
        })
        .collect()
}

fn complaint(raw: &[u8], message: &Message<'_>) -> Result<Complaint, String> {
    let feedback = mail_auth::report::Feedback::parse_rfc5322(raw)
        .map_err(|_| "a feedback report whose fields cannot be read".to_owned())?;
    use mail_auth::report::FeedbackType;
    let feedback_type = match feedback.feedback_type() {
        FeedbackType::Abuse => "abuse",
        FeedbackType::Fraud => "fraud",
        FeedbackType::Virus => "virus",
        FeedbackType::Other => "other",
        FeedbackType::NotSpam => {
            return Err("a not-spam report (the recipient rescued the message)".into());
        }
        FeedbackType::AuthFailure => {
            return Err(
                "an authentication-failure report: check SPF/DKIM/DMARC, nobody complained".into(),
            );
        }
    };
    let mut clues = Clues::default();
    original_clues(message, &mut clues);
    for included in [feedback.message(), feedback.headers()]
        .into_iter()
        .flatten()
    {
        let included: Cow<'_, str> = Cow::Borrowed(included);
        if let Some(original) = MessageParser::new().parse_headers(included.as_bytes()) {
            clues.add_original(&original);
        }
    }
    envelope_clues(message, &mut clues);
    Ok(Complaint {
        feedback_type: feedback_type.to_owned(),
        original_rcpt_to: feedback
            .original_rcpt_to()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        clues,
    })
}

/// A mail whose subject asks to unsubscribe: what the List-Unsubscribe mailto
/// (`?subject=unsubscribe`) and the footer's address produce.
fn unsubscribe_request(message: &Message<'_>) -> Option<UnsubscribeRequest> {
    let subject = message.subject().unwrap_or("").trim();
    let mut rest = subject;
    // Replies and forwards keep the request: "Re: unsubscribe", "転送: 配信停止".
    loop {
        let lower = rest.to_ascii_lowercase();
        let prefix = [
            "re:", "fwd:", "fw:", "aw:", "返信:", "転送:", "re：", "fw：",
        ]
        .iter()
        .find(|p| lower.starts_with(*p));
        match prefix {
            Some(p) => rest = rest[p.len()..].trim_start(),
            None => break,
        }
    }
    let asks = rest.to_ascii_lowercase().starts_with("unsubscribe")
        || rest.starts_with("配信停止")
        || rest.starts_with("配信解除");
    if !asks {
        return None;
    }
    let from = message.from()?.first()?.address()?.trim().to_owned();
    let mut clues = Clues::default();
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
        clues.add_token(word);
    }
    Some(UnsubscribeRequest { from, clues })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSN: &str = "From: MAILER-DAEMON@mx.example.co.jp (Mail Delivery System)\r\n\
        To: bounces@example.co.jp\r\n\
        Subject: Undelivered Mail Returned to Sender\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
        \r\n--B\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n\
        --B\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mx.example.co.jp\r\n\r\n\
        Final-Recipient: rfc822; nobody@example.jp\r\n\
        Action: failed\r\n\
        Status: 5.1.1\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.jp>:\r\n    Recipient address rejected\r\n\r\n\
        --B\r\nContent-Type: text/rfc822-headers\r\n\r\n\
        Message-ID: <abc@example.co.jp>\r\n\
        List-Unsubscribe: <https://example.co.jp/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA>,\r\n <mailto:u@example.co.jp?subject=unsubscribe>\r\n\
        \r\n--B--\r\n";

    #[test]
    fn reads_a_dsn_with_its_status_recipient_and_clues() {
        let findings = classify(DSN.as_bytes()).unwrap();
        let [Finding::Bounce(bounce)] = findings.as_slice() else {
            panic!("{findings:?}")
        };
        assert_eq!(bounce.status, "5.1.1");
        assert!(bounce.permanent);
        assert_eq!(bounce.final_recipient.as_deref(), Some("nobody@example.jp"));
        assert!(bounce.diagnostic.contains("Recipient address rejected"));
        assert_eq!(bounce.clues.message_ids, ["abc@example.co.jp"]);
        assert_eq!(bounce.clues.tokens, ["A".repeat(32)]);
    }

    #[test]
    fn finds_status_codes_and_ignores_other_numbers() {
        assert_eq!(status_code("5.1.1 (bad mailbox)").as_deref(), Some("5.1.1"));
        assert_eq!(
            status_code("smtp; 452 4.2.2 full").as_deref(),
            Some("4.2.2")
        );
        assert_eq!(status_code("version 1.2.3 and 192.168.0.1"), None);
    }

    #[test]
    fn a_verp_address_yields_its_token() {
        let mut clues = Clues::default();
        clues.tokens_from_verp(&format!("<bounces+{}@example.co.jp>", "b".repeat(32)));
        clues.tokens_from_verp("bounces@example.co.jp");
        assert_eq!(clues.tokens, ["b".repeat(32)]);
    }

    /// A deterministic xorshift, so a failure names a seed that reproduces it.
    fn noise(seed: u64, length: usize) -> Vec<u8> {
        let mut state = seed | 1;
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn random_bytes_and_truncations_never_panic() {
        for seed in 0..2000u64 {
            let _ = classify(&noise(seed, (seed as usize * 7) % 3000));
        }
        // Every truncation of a real-shaped report, and that report with
        // random bytes spliced into it.
        let dsn = DSN.as_bytes();
        for cut in 0..dsn.len() {
            let _ = classify(&dsn[..cut]);
        }
        for seed in 0..500u64 {
            let mut spliced = dsn.to_vec();
            let at = (seed as usize * 31) % spliced.len();
            spliced.splice(at..at, noise(seed, 40));
            let _ = classify(&spliced);
        }
    }
}
