//! One report as text: the human-readable notice, the machine-readable
//! status fields, and the returned original, whatever MIME structure (or
//! lack of one) the reporting system used.
//!
//! Real bounces are often broken: media types in upper case, parts with no
//! headers, a whole multipart body under a plain-text header, ISO-2022-JP
//! text without a charset, the original pasted inline after a marker line.
//! This module flattens all of that into a few strings the format readers
//! can search, and never slices a string at anything but a char boundary.

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

/// How much of a notice's text is searched; reports say what matters early.
const MAX_TEXT_BYTES: usize = 256 * 1024;

/// How long a diagnostic shown to people and kept in the store may be.
pub(crate) const DIAGNOSTIC_CHARS: usize = 300;

/// Lines after which the rest of a plain-text notice is the returned original.
/// Compared case-insensitively against the trimmed line's start.
const ORIGINAL_MARKERS: &[&str] = &[
    "------ this is a copy of the message",
    "----- this is a copy of the message",
    "------ this is a copy of your message",
    "--- below this line is a copy of the message",
    "--- below this line is a copy of the mail header",
    "--- below the next line is a copy of the message",
    "--- enclosed is a copy of the message",
    "--- mensaje original adjunto",
    "--- original message follows",
    "--- the header of the original message is following",
    "----- original message -----",
    "----- message header follows -----",
    "----- original message follows -----",
    "----- unsent message follows -----",
    "----- no message was collected -----",
    "-------original message",
    "-------original mail info",
    "original message follows",
    "original message headers:",
    "original message header:",
    "included is a copy of the message header",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "en-têtes de message d'origine",
    "intestazioni originali del messaggio",
    "ursprungshuvuden",
    "message headers follow",
    "below is a copy of the original message",
    "------- returned message --------",
    "original mail as follows",
    "original message:",
    "|------------------------- message text follows",
    "|------------------------- message header follows",
    "--------------------------------------------------",
    "the attachment contains the original mail headers",
    "原文のヘッダ",
    "以下、元のメッセージ",
];

/// A report, flattened.
pub(crate) struct Mail<'a> {
    /// The parsed message.
    pub message: Message<'a>,
    /// The decoded subject.
    pub subject: String,
    /// The human-readable notice: every text part before the returned
    /// original, LF line ends, tabs as spaces.
    pub notice: String,
    /// The bodies of `message/delivery-status` parts (or DSN fields found in
    /// the notice of a report that sent them as plain text).
    pub status: String,
    /// Raw bytes of each returned original message (or its headers).
    pub originals: Vec<Vec<u8>>,
    /// A returned original that is itself a complete report (a bounce of a
    /// bounce, or one forwarded as an attachment).
    pub nested_report: Option<Vec<u8>>,
    /// Whether there is a `message/feedback-report` part.
    pub has_feedback_part: bool,
    /// The fields of the `message/feedback-report` part.
    pub feedback_report: String,
}

impl<'a> Mail<'a> {
    /// Flattens `raw`; `None` when it has no headers at all.
    pub(crate) fn read(raw: &'a [u8]) -> Option<Mail<'a>> {
        let message = MessageParser::new().parse(raw)?;
        // Bytes that happen to parse give no header with a field name.
        let named = |name: &str| {
            name.len() >= 2 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !message.headers_raw().any(|(name, _)| named(name)) {
            return None;
        }
        let body_start = message.root_part().offset_body as usize;
        let subject = message.subject().unwrap_or("").to_owned();
        let mut mail = Mail {
            subject,
            notice: String::new(),
            status: String::new(),
            originals: Vec::new(),
            nested_report: None,
            has_feedback_part: false,
            feedback_report: String::new(),
            message,
        };
        mail.flatten();
        if mail.status.trim().is_empty() && !mail.notice.contains('@') {
            // A multipart report whose boundary lines are missing or do not
            // match (redacted, mangled by a relay): its body, read as text,
            // still holds the words and the status fields.
            let body = raw.get(body_start..).unwrap_or_default();
            let body = &body[..body.len().min(MAX_TEXT_BYTES)];
            let body = decode_jis(String::from_utf8_lossy(body).into_owned());
            let body = normalise(&body);
            if body.contains('@') {
                let (notice, original) = split_at_original(&body);
                mail.notice = notice.to_owned();
                if let Some(original) = original {
                    mail.originals.push(original.as_bytes().to_vec());
                }
            }
        }
        Some(mail)
    }

    fn flatten(&mut self) {
        let has_plain = self
            .message
            .parts
            .iter()
            .skip(1)
            .any(|part| is_type(part, "text", "plain"));
        let mut notice = String::new();
        let mut status = String::new();
        let mut originals = Vec::new();
        let mut nested = None;
        let mut seen_original = false;
        for (index, part) in self.message.parts.iter().enumerate() {
            let (ctype, subtype) = media_type(part);
            match (ctype.as_str(), subtype.as_str()) {
                ("multipart", _) => {}
                ("message", "delivery-status" | "global-delivery-status" | "xdelivery-status")
                | ("message", "disposition-notification") => {
                    push_text(&mut status, &String::from_utf8_lossy(part.contents()));
                }
                ("message", "feedback-report") => {
                    self.has_feedback_part = true;
                    let fields = String::from_utf8_lossy(part.contents());
                    push_text(&mut self.feedback_report, &normalise(&fields));
                }
                ("message", "rfc822" | "global" | "partial") | ("text", "rfc822-headers") => {
                    seen_original = true;
                    let bytes = part.contents().to_vec();
                    if nested.is_none()
                        && matches!(&part.body, PartType::Message(m) if is_report(m))
                    {
                        nested = Some(bytes.clone());
                    }
                    originals.push(bytes);
                }
                ("text", "html") if !has_plain && !seen_original => {
                    push_text(&mut notice, &html_to_text(&part_text(part)));
                }
                ("text", "plain") | ("text", "") if !seen_original || index == 0 => {
                    push_text(&mut notice, &part_text(part));
                }
                ("text", "plain") => {
                    // A text attachment after the original: its headers, at times.
                    originals.push(part.contents().to_vec());
                }
                _ => {}
            }
            if notice.len() > MAX_TEXT_BYTES {
                truncate(&mut notice, MAX_TEXT_BYTES);
            }
        }
        let notice = normalise(&notice);
        // A plain-text notice that quotes the original inline.
        let (notice, inline_original) = split_at_original(&notice);
        if let Some(original) = inline_original {
            originals.push(original.as_bytes().to_vec());
        }
        self.notice = notice.to_owned();
        self.status = normalise(&status);
        self.originals = originals;
        self.nested_report = nested;
    }

    /// The first value of a header, trimmed.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(&self.message, name)
    }

    /// The first From address, lower case.
    pub(crate) fn sender_address(&self) -> Option<String> {
        self.message
            .from()
            .and_then(|from| from.first())
            .and_then(|a| a.address())
            .map(|a| a.trim().to_ascii_lowercase())
    }

    /// Header blocks of the returned originals, parsed.
    pub(crate) fn original_headers(&self) -> impl Iterator<Item = Message<'_>> {
        self.originals
            .iter()
            .filter_map(|raw| MessageParser::new().parse_headers(raw.as_slice()))
    }
}

/// The first value of a header, trimmed.
pub(crate) fn header<'m>(message: &'m Message<'_>, name: &str) -> Option<&'m str> {
    message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

fn is_type(part: &MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    let (c, s) = media_type(part);
    c == ctype && s == subtype
}

/// The media type of a part in lower case; a part without one is text/plain.
fn media_type(part: &MessagePart<'_>) -> (String, String) {
    match part.content_type() {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        ),
        None => match part.body {
            PartType::Multipart(_) => ("multipart".into(), "mixed".into()),
            PartType::Message(_) => ("message".into(), "rfc822".into()),
            _ => ("text".into(), "plain".into()),
        },
    }
}

/// Whether a returned message is itself a bounce or complaint report.
fn is_report(message: &Message<'_>) -> bool {
    message.parts.iter().any(|part| {
        let (c, s) = media_type(part);
        c == "message" && (s == "delivery-status" || s == "feedback-report")
    }) || header(message, "From").is_some_and(|from| {
        let from = from.to_ascii_lowercase();
        from.contains("mailer-daemon") || from.contains("postmaster")
    })
}

/// A text part's decoded text. ISO-2022-JP is 7-bit, so a part that
/// declares no charset arrives with its escape sequences intact: decode it.
fn part_text(part: &MessagePart<'_>) -> String {
    let text = match &part.body {
        PartType::Text(text) | PartType::Html(text) => text.to_string(),
        _ => String::from_utf8_lossy(part.contents()).into_owned(),
    };
    decode_jis(text)
}

/// Decodes ISO-2022-JP escape sequences left in a string.
pub(crate) fn decode_jis(text: String) -> String {
    if !text.contains("\u{1b}$B") && !text.contains("\u{1b}$@") {
        return text;
    }
    let (decoded, _, _) = encoding_rs::ISO_2022_JP.decode(text.as_bytes());
    decoded.into_owned()
}

fn push_text(out: &mut String, text: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(text);
}

fn truncate(text: &mut String, max: usize) {
    let mut cut = max.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
}

/// LF line ends, tabs as spaces, no NULs.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace(['\r', '\t', '\0'], " ")
}

/// The notice before an inline original, and the original.
fn split_at_original(notice: &str) -> (&str, Option<&str>) {
    let mut offset = 0;
    let mut lines = notice.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let lower: String = trimmed.chars().take(64).collect::<String>().to_lowercase();
        let marker = ORIGINAL_MARKERS.iter().find(|m| lower.starts_with(*m));
        // A bare rule of dashes separates many things; it starts the
        // original only when header fields follow it.
        let is_original = match marker {
            Some(m) if m.bytes().all(|b| b == b'-') => lines
                .peek()
                .is_some_and(|next| looks_like_header_field(next)),
            Some(_) => true,
            None => false,
        };
        if is_original {
            let rest = &notice[offset + line.len()..];
            return (&notice[..offset], Some(rest.trim_start_matches('\n')));
        }
        offset += line.len();
    }
    (notice, None)
}

/// `Name: value` with a field name of header characters.
fn looks_like_header_field(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// The text of an HTML notice, for reports that send no text/plain part.
fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let tag = &rest[open..];
        let close = tag.find('>').map_or(tag.len(), |c| c + 1);
        let name = tag
            .get(1..close)
            .unwrap_or("")
            .trim_end_matches('>')
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table"
        ) {
            text.push('\n');
        }
        // Skip style and script bodies entirely.
        rest = if name == "style" || name == "script" {
            let end = format!("</{name}");
            let after = &tag[close..];
            match after.to_ascii_lowercase().find(&end) {
                Some(at) => &after[at..],
                None => "",
            }
        } else {
            &tag[close..]
        };
        if rest.starts_with("</style") || rest.starts_with("</script") {
            rest = rest.find('>').map_or("", |c| &rest[c + 1..]);
        }
    }
    text.push_str(rest);
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Text for people and for the store: control characters (and bidi
/// overrides, which can disguise text on a terminal) become spaces, white
/// space is folded, and it is cut at `max` characters.
pub(crate) fn clean_text(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() || is_bidi_control(c) || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            if count + 1 >= max {
                break;
            }
            out.push(' ');
            count += 1;
            space = false;
        }
        if count >= max {
            out.push('…');
            return out;
        }
        out.push(c);
        count += 1;
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_removes_control_characters_and_cuts_at_chars() {
        assert_eq!(
            clean_text("a\u{1b}[31mred\u{7}\r\n  b\u{202e}c", 100),
            "a [31mred b c"
        );
        assert_eq!(clean_text("日本語のテキスト", 3), "日本語…");
        assert_eq!(clean_text("  ", 10), "");
    }

    #[test]
    fn an_inline_original_is_split_off() {
        let (notice, original) = split_at_original(
            "Hi.\n<a@b.jp>:\n550 no\n\n--- Below this line is a copy of the message.\n\nMessage-ID: <x@y>\n",
        );
        assert_eq!(notice, "Hi.\n<a@b.jp>:\n550 no\n\n");
        assert_eq!(original, Some("Message-ID: <x@y>\n"));
    }

    #[test]
    fn jis_without_a_charset_is_decoded() {
        let (bytes, _, _) = encoding_rs::ISO_2022_JP.encode("送信できませんでした");
        let text = String::from_utf8(bytes.into_owned()).unwrap();
        assert_eq!(decode_jis(text), "送信できませんでした");
    }

    #[test]
    fn html_notices_become_text() {
        assert_eq!(
            html_to_text("<style>p{}</style><p>User&nbsp;unknown</p><b>x</b>"),
            "\nUser unknown\nx"
        );
        // A tag cut off by the end of the part, in the middle of Japanese.
        assert_eq!(html_to_text("宛先<p日本"), "宛先");
        assert_eq!(html_to_text("<"), "");
    }
}
