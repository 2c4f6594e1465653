//! The MIME side of a message: text parts encoded as mail-builder would,
//! from canonical CRLF text; RFC 2047 words for names; header text from
//! data; the Date in the campaign's zone.

use std::borrow::Cow;

use encodify::base64::MIME as MIME_BASE64;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};

/// The Date header for `unix` seconds in `zone` (RFC 5322, e.g. `Tue, 1 Dec
/// 2026 10:00:00 +0900`); `None` without a zone or for a time jiff cannot
/// represent, where mail-builder writes it in UTC.
pub(super) fn local_date(unix: i64, zone: Option<&jiff::tz::TimeZone>) -> Option<String> {
    let zone = zone?;
    let zoned = jiff::Timestamp::from_second(unix)
        .ok()?
        .to_zoned(zone.clone());
    jiff::fmt::rfc2822::to_string(&zoned).ok()
}

/// A multipart content type whose boundary is `boundary` and `suffix`: each
/// nesting level needs one of its own.
pub(super) fn multipart(
    content_type: &'static str,
    boundary: &str,
    suffix: &str,
) -> ContentType<'static> {
    ContentType::new(content_type).attribute("boundary", [boundary, suffix].concat())
}

/// A text part of the message. mail-builder picks the shorter of
/// quoted-printable and base64 by measuring the quoted-printable form, which
/// for Japanese text costs a tenth of building the whole message. Every
/// non-ASCII byte takes three characters in quoted-printable, so when those
/// alone make it longer than base64, base64 is what mail-builder would pick:
/// the part is then encoded ahead with the encoder mail-builder itself uses,
/// and the bytes are the same. Any other text is left to mail-builder.
pub(super) fn text_part(content_type: &'static str, text: String) -> MimePart<'static> {
    let base64_len = MIME_BASE64.encoded_len(text.len());
    // Quoted-printable is longer than base64 once it holds more than this
    // many non-ASCII bytes.
    let enough = base64_len.saturating_sub(text.len()) / 2;
    if !more_non_ascii_than(text.as_bytes(), enough) {
        return MimePart::new(content_type, BodyPart::Text(text.into()));
    }
    // RFC 2045/2049: a text part is base64-encoded from its canonical form,
    // CRLF line breaks, whatever the template's line endings were (templates
    // saved on Windows have CRLF, the footer has LF).
    let canonical = crlf_lines(&text);
    let mut encoded = String::with_capacity(MIME_BASE64.encoded_len(canonical.len()));
    MIME_BASE64.encode_append(canonical.as_bytes(), &mut encoded);
    MimePart::new(content_type, BodyPart::Text(encoded.into())).transfer_encoding("base64")
}

/// `text` with every line break (CRLF, LF or a lone CR) written as CRLF.
pub(super) fn crlf_lines(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Line breaks found with memchr: this runs for every text part.
    let mut breaks = memchr::memchr2_iter(b'\r', b'\n', bytes).peekable();
    let canonical = memchr::memchr2_iter(b'\r', b'\n', bytes).all(|at| match bytes[at] {
        b'\n' => at > 0 && bytes[at - 1] == b'\r',
        _ => bytes.get(at + 1) == Some(&b'\n'),
    });
    if canonical {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut start = 0;
    while let Some(at) = breaks.next() {
        out.push_str(&text[start..at]);
        out.push_str("\r\n");
        start = at + 1;
        // CRLF is one break.
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            breaks.next();
            start = at + 2;
        }
    }
    out.push_str(&text[start..]);
    Cow::Owned(out)
}

/// Whether more than `limit` bytes of `bytes` are not ASCII: counted eight at
/// a time (the plain filter-and-count loop compiles to four bytes a step),
/// and only as far as needed, which for Japanese text is a fifth of it.
pub(super) fn more_non_ascii_than(bytes: &[u8], limit: usize) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let (blocks, tail) = bytes.as_chunks::<64>();
    let mut count = 0;
    for block in blocks {
        let (words, _) = block.as_chunks::<8>();
        count += words
            .iter()
            .map(|word| (u64::from_ne_bytes(*word) & HIGH_BITS).count_ones() as usize)
            .sum::<usize>();
        if count > limit {
            return true;
        }
    }
    count + tail.iter().filter(|b| !b.is_ascii()).count() > limit
}

/// `text` as RFC 2047 base64 encoded-words (`=?UTF-8?B?…?=`, each at most
/// 75 characters, split between characters), or `None` when it is ASCII and
/// needs none.
pub(super) fn encoded_words(text: &str) -> Option<String> {
    use base64::Engine as _;
    if text.is_ascii() {
        return None;
    }
    // 45 bytes of UTF-8 become 60 base64 characters: 72 with the delimiters.
    const CHUNK: usize = 45;
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + CHUNK).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        words.push(format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(&text[start..end])
        ));
        start = end;
    }
    Some(words.join(" "))
}

/// A header value from data: control characters (CR, LF, TAB…) become spaces.
pub(super) fn header_text(value: &str) -> Cow<'_, str> {
    // Control characters are C0, DEL and C1 (U+0080–U+009F, which UTF-8
    // writes after a 0xC2 byte). Most values have none of those bytes and
    // need neither decoding nor a copy.
    if !value.bytes().any(|b| b < b' ' || b == 0x7f || b == 0xc2) {
        return Cow::Borrowed(value.trim());
    }
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Cow::Owned(cleaned.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_japanese_names_become_several_short_encoded_words() {
        assert_eq!(encoded_words("report.pdf"), None);
        assert_eq!(
            encoded_words("案内.pdf").as_deref(),
            Some("=?UTF-8?B?5qGI5YaFLnBkZg==?=")
        );
        let long = "二〇二六年十二月のお知らせと新製品のご案内について.pdf";
        let words = encoded_words(long).unwrap();
        let mut decoded = String::new();
        for word in words.split(' ') {
            assert!(word.len() <= 75, "{word}");
            let inner = word
                .strip_prefix("=?UTF-8?B?")
                .unwrap()
                .strip_suffix("?=")
                .unwrap();
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(inner)
                .unwrap();
            decoded.push_str(std::str::from_utf8(&bytes).expect("split between characters"));
        }
        assert_eq!(decoded, long);
    }

    #[test]
    fn text_parts_encoded_ahead_are_what_mail_builder_writes() {
        let japanese = "いつもお世話になっております。\n年末年始のご案内です。\n".repeat(20);
        let mixed = format!("{}\nHello {}\n", "a".repeat(300), "é".repeat(40));
        for text in [
            japanese.as_str(),
            "Hello\r\nplain ASCII\n",
            mixed.as_str(),
            "",
            "日",
        ] {
            let mut ours = Vec::new();
            text_part("text/plain", text.to_owned()).write_part(&mut ours);
            // mail-builder given the canonical (CRLF) text.
            let canonical = crlf_lines(text).into_owned();
            let mut theirs = Vec::new();
            MimePart::new("text/plain", BodyPart::Text(canonical.into())).write_part(&mut theirs);
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{text}"
            );
        }
        let mut ours = Vec::new();
        text_part("text/plain", japanese.clone()).write_part(&mut ours);
        assert!(
            String::from_utf8_lossy(&ours).contains("Content-Transfer-Encoding: base64\r\n\r\n")
        );
    }

    #[test]
    fn line_breaks_become_crlf_whatever_the_template_used() {
        assert_eq!(crlf_lines("a\r\nb\nc\rd\n"), "a\r\nb\r\nc\r\nd\r\n");
        assert!(matches!(crlf_lines("a\r\nb\r\n"), Cow::Borrowed(_)));
        assert_eq!(crlf_lines(""), "");
        assert_eq!(crlf_lines("\n\n"), "\r\n\r\n");
    }

    #[test]
    fn the_date_is_written_in_the_campaign_zone() {
        let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        // 2026-12-01T01:00:00Z
        assert_eq!(
            local_date(1_796_086_800, Some(&tokyo)).as_deref(),
            Some("Tue, 1 Dec 2026 10:00:00 +0900")
        );
        assert_eq!(local_date(1_796_086_800, None), None);
    }

    #[test]
    fn non_ascii_bytes_are_counted() {
        let long = "é".repeat(100);
        for text in ["", "abc", "日本語", "a日b本c語d e f g h", &long] {
            let count = text.bytes().filter(|b| !b.is_ascii()).count();
            assert!(more_non_ascii_than(text.as_bytes(), count.wrapping_sub(1)) || count == 0);
            assert!(!more_non_ascii_than(text.as_bytes(), count), "{text}");
        }
    }

    #[test]
    fn header_text_removes_line_breaks() {
        assert_eq!(
            header_text(" Evil\r\nBcc: victim@example.org\t"),
            "Evil  Bcc: victim@example.org"
        );
        assert_eq!(header_text("A\u{85}B\u{7f}C"), "A B C");
        assert_eq!(header_text(" 山田\u{a0}太郎 "), "山田\u{a0}太郎");
    }
}
