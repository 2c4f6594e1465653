//! The legal footer: who sends, where they are, whom to complain to, and how
//! to refuse further mail, with the refusal sentence right beside the link.
//!
//! 特定電子メール法 (Art. 4) and its ordinance require, in every advertisement,
//! the sender's name, postal address and a contact for complaints, and the
//! opt-out URL or address together with a statement that the recipient may
//! refuse further mail. The footer is plain visible text: no hidden elements,
//! no small print (the HTML footer is 13px, the size of ordinary small text).

use crate::html::Escape;
use memchr::memmem::Finder;

use crate::config::{FooterLocale, Sender};

/// The per-campaign part of the footer, built once: everything but the
/// recipient's unsubscribe token. The URL around the token is the campaign's,
/// and a token is base64url, which neither the URL nor HTML escapes, so a
/// message's footer is these pieces with its token between them.
#[derive(Debug, Clone)]
pub(crate) struct FooterText {
    /// The text footer up to the token, and after it.
    text: (String, String),
    /// The HTML footer up to the token in the href, from there to the token
    /// in the link text, from there to the token of the mailto link (when
    /// the campaign has an unsubscribe address), and after it.
    html: (String, String, String, String),
    /// Whether the mailto link carries the token (there is a mailto link).
    mailto_token: bool,
    /// Searchers for the heads, built once: whether a template placed the
    /// footer itself is asked of every message, and building a searcher for
    /// a 600-byte needle each time cost more than the rest of the check.
    text_head: Finder<'static>,
    html_head: Finder<'static>,
    /// What the law requires a reader to see, as it reads in the HTML part
    /// (before the URL): (what it is, its text).
    legal: Vec<(&'static str, String)>,
    /// The unsubscribe URL around the token.
    url: (String, String),
}

/// The footer of one message, as text and as HTML (for tests: messages take
/// the pieces, see [`FooterText::text_parts`]).
/// The line of a template that places the footer (`{{ footer }}`, with any
/// spacing or whitespace control), if one does.
pub(super) fn footer_line(source: &str) -> Option<usize> {
    let places_footer = |line: &str| {
        line.match_indices("{{").any(|(at, _)| {
            let inner = line[at + 2..].split("}}").next().unwrap_or_default();
            inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "footer"
        })
    };
    source
        .lines()
        .position(places_footer)
        .map(|index| index + 1)
}

/// The first line of `source` holding `fragment`, if any.
pub(super) fn line_holding(source: &str, fragment: &str) -> Option<usize> {
    if fragment.is_empty() {
        return None;
    }
    source
        .lines()
        .position(|line| line.contains(fragment))
        .map(|index| index + 1)
}

/// The text part with the footer, ending in exactly one line break. Trailing
/// blank lines are removed, which also keeps clear of mail-auth 0.13's
/// relaxed body-hash bug for single-part bodies ending in blank lines.
pub(super) fn with_text_footer(mut body: String, token: &str, footer: &FooterText) -> String {
    body.truncate(body.trim_end().len());
    if !footer.text_placed(&body, token) {
        body.push_str("\n\n");
        footer
            .text_parts(token)
            .iter()
            .for_each(|p| body.push_str(p));
        body.truncate(body.trim_end().len());
    }
    body.push('\n');
    body
}

/// The HTML part with the footer: before `</body>` when there is one.
pub(super) fn with_html_footer(mut html: String, token: &str, footer: &FooterText) -> String {
    if footer.html_placed(&html, token) {
        return html;
    }
    let parts = footer.html_parts(token);
    let closing = html
        .as_bytes()
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"));
    match closing {
        Some(at) => {
            let after = html.split_off(at);
            html.reserve(parts.iter().map(|p| p.len()).sum::<usize>() + after.len());
            parts.iter().for_each(|p| html.push_str(p));
            html.push_str(&after);
        }
        None => {
            html.push('\n');
            parts.iter().for_each(|p| html.push_str(p));
        }
    }
    html
}

#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Footer {
    /// For the text/plain part.
    pub text: String,
    /// For the text/html part (already escaped).
    pub html: String,
}

struct Labels {
    rule: &'static str,
    organization: &'static str,
    postal_address: &'static str,
    contact: &'static str,
    refuse: &'static str,
    mailto: &'static str,
    separator: &'static str,
    open: &'static str,
    close: &'static str,
}

const JAPANESE: Labels = Labels {
    rule: "――――――――――――――――――――――――――――――",
    organization: "発行者",
    postal_address: "住所",
    contact: "お問い合わせ・苦情窓口",
    refuse: "今後このメールの配信を希望されない方は、以下のURLから配信停止（受信拒否）の手続きができます。",
    mailto: "メールでの配信停止",
    separator: "：",
    open: "（",
    close: "）",
};

const ENGLISH: Labels = Labels {
    rule: "------------------------------------------------------------",
    organization: "Sent by",
    postal_address: "Address",
    contact: "Contact for inquiries and complaints",
    refuse: "You may refuse further mail from us at any time. To unsubscribe, use this link:",
    mailto: "or unsubscribe by e-mail",
    separator: ": ",
    open: "(",
    close: ")",
};

impl FooterText {
    /// The campaign's footer; `url` is the unsubscribe URL before and after
    /// the token.
    pub(crate) fn new(
        sender: &Sender,
        locale: FooterLocale,
        mailto: Option<String>,
        url: (&str, &str),
    ) -> FooterText {
        let labels = match locale {
            FooterLocale::Japanese => &JAPANESE,
            FooterLocale::English => &ENGLISH,
        };
        let (separator, open, close) = (labels.separator, labels.open, labels.close);
        let identity: Vec<(&str, &str)> = [
            (labels.organization, &sender.organization),
            (labels.postal_address, &sender.postal_address),
            (labels.contact, &sender.contact),
        ]
        .into_iter()
        .filter_map(|(label, value)| value.as_deref().map(|v| (label, v)))
        .collect();

        let mut text_head = format!("{}\n", labels.rule);
        for (label, value) in &identity {
            text_head.push_str(&format!("{label}{separator}{value}\n"));
        }
        text_head.push_str(&format!("{}\n", labels.refuse));
        let mut text_tail = String::from("\n");
        if let Some(mailto) = &mailto {
            text_tail.push_str(&format!(
                "{open}{}{separator}{mailto}{close}\n",
                labels.mailto
            ));
        }

        let mut html_head = String::from(
            "<div style=\"margin-top:24px;padding-top:12px;border-top:1px solid #999999;\
             color:#333333;font-size:13px;line-height:1.6\">\n<p style=\"margin:0\">",
        );
        let identity: Vec<String> = identity
            .iter()
            .map(|(label, value)| format!("{label}{separator}{}", Escape(value)))
            .collect();
        html_head.push_str(&identity.join("<br>\n"));
        html_head.push_str(&format!(
            "</p>\n<p style=\"margin:8px 0 0\">{} <a href=\"",
            labels.refuse
        ));
        // The mailto link's subject carries the token, so that a request
        // mailed through it traces to this recipient (ingest trusts only
        // what traces).
        let mut html_tail = String::from("</a></p>\n");
        let mut html_after_mailto_token = String::new();
        if let Some(mailto) = &mailto {
            html_tail.push_str(&format!(
                "<p style=\"margin:4px 0 0\">{open}{}{separator}<a href=\"mailto:{m}?subject=unsubscribe%20",
                labels.mailto,
                m = Escape(mailto)
            ));
            html_after_mailto_token
                .push_str(&format!("\">{m}</a>{close}</p>\n", m = Escape(mailto)));
        }
        html_after_mailto_token.push_str("</div>\n");
        let (url_head, url_tail) = url;
        let mut legal: Vec<(&'static str, String)> = ["organization", "postal address", "contact"]
            .into_iter()
            .zip([
                (labels.organization, &sender.organization),
                (labels.postal_address, &sender.postal_address),
                (labels.contact, &sender.contact),
            ])
            .filter_map(|(what, (label, value))| {
                value
                    .as_deref()
                    .map(|value| (what, format!("{label}{separator}{value}")))
            })
            .collect();
        legal.push(("opt-out statement", labels.refuse.to_owned()));
        let (escaped_head, escaped_tail) =
            (Escape(url_head).to_string(), Escape(url_tail).to_string());
        FooterText {
            text_head: Finder::new(text_head.as_bytes()).into_owned(),
            html_head: Finder::new(html_head.as_bytes()).into_owned(),
            text: (
                [text_head.as_str(), url_head].concat(),
                [url_tail, &text_tail].concat(),
            ),
            html: (
                [html_head.as_str(), &escaped_head].concat(),
                [escaped_tail.as_str(), "\">", &escaped_head].concat(),
                [escaped_tail.as_str(), &html_tail].concat(),
                html_after_mailto_token,
            ),
            mailto_token: mailto.is_some(),
            legal,
            url: (url_head.to_owned(), url_tail.to_owned()),
        }
    }

    /// What a reader must see in the HTML part of the message whose token is
    /// `token`: (what it is, its text), the opt-out link's URL last.
    pub(crate) fn legal_items(&self, token: &str) -> Vec<(&'static str, String)> {
        // As HTML parsers read text: CR and CRLF become LF.
        let mut items: Vec<(&'static str, String)> = self
            .legal
            .iter()
            .map(|(what, text)| (*what, text.replace("\r\n", "\n").replace('\r', "\n")))
            .collect();
        items.push((
            "opt-out link",
            [self.url.0.as_str(), token, &self.url.1].concat(),
        ));
        items
    }

    /// The text footer of the message whose unsubscribe token is `token`,
    /// in pieces.
    pub(crate) fn text_parts<'a>(&'a self, token: &'a str) -> [&'a str; 3] {
        [&self.text.0, token, &self.text.1]
    }

    /// The HTML footer of the message whose unsubscribe token is `token`, in
    /// pieces (already escaped).
    pub(crate) fn html_parts<'a>(&'a self, token: &'a str) -> [&'a str; 7] {
        let (head, middle, tail, after_mailto) = &self.html;
        let mailto_token = if self.mailto_token { token } else { "" };
        [head, token, middle, token, tail, mailto_token, after_mailto]
    }

    /// Whether `body` holds this token's text footer (without its trailing
    /// line breaks): the same answer as `contains`, found through the head.
    pub(crate) fn text_placed(&self, body: &str, token: &str) -> bool {
        let [head, token, tail] = self.text_parts(token);
        placed(&self.text_head, body, &[head, token, tail.trim_end()])
    }

    /// Whether `html` holds this token's HTML footer.
    pub(crate) fn html_placed(&self, html: &str, token: &str) -> bool {
        placed(&self.html_head, html, &self.html_parts(token))
    }

    /// The footer of the message whose unsubscribe token is `token`.
    #[cfg(test)]
    pub(crate) fn for_token(&self, token: &str) -> Footer {
        Footer {
            text: self.text_parts(token).concat(),
            html: self.html_parts(token).concat(),
        }
    }
}

/// Whether `haystack` holds the concatenation of `parts` at a place where
/// `head` (a prefix of the first part) is found.
fn placed(head: &Finder<'static>, haystack: &str, parts: &[&str]) -> bool {
    head.find_iter(haystack.as_bytes()).any(|at| {
        let mut rest = &haystack.as_bytes()[at..];
        parts
            .iter()
            .all(|part| match rest.strip_prefix(part.as_bytes()) {
                Some(after) => {
                    rest = after;
                    true
                }
                None => false,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Mailbox;

    fn sender() -> Sender {
        Sender {
            from: Mailbox::parse("A <a@example.jp>").unwrap(),
            reply_to: None,
            return_path: None,
            verp: false,
            organization: Some("ASUE株式会社 <R&D>".into()),
            postal_address: Some("〒450-0002 名古屋市".into()),
            contact: Some("052-000-0000".into()),
        }
    }

    #[test]
    fn the_refusal_sentence_stands_right_before_the_url() {
        for locale in [FooterLocale::Japanese, FooterLocale::English] {
            let footer = FooterText::new(
                &sender(),
                locale,
                Some("stop@example.jp".into()),
                ("https://example.jp/u/", ""),
            )
            .for_token("TOKEN");
            let labels = match locale {
                FooterLocale::Japanese => &JAPANESE,
                FooterLocale::English => &ENGLISH,
            };
            assert!(
                footer
                    .text
                    .contains(&format!("{}\nhttps://example.jp/u/TOKEN\n", labels.refuse))
            );
            let url = Escape("https://example.jp/u/TOKEN").to_string();
            assert!(
                footer
                    .html
                    .contains(&format!("{} <a href=\"{url}\">", labels.refuse))
            );
            for part in [
                "ASUE株式会社",
                "〒450-0002 名古屋市",
                "052-000-0000",
                "stop@example.jp",
            ] {
                assert!(
                    footer.text.contains(part) && footer.html.contains(part),
                    "{part}"
                );
            }
            assert!(footer.html.contains("&lt;R&amp;D&gt;"), "{}", footer.html);
            if locale == FooterLocale::English {
                assert!(!footer.text.contains('（'), "{}", footer.text);
            }
            assert!(!footer.html.contains("display:none"));
        }
    }

    #[test]
    fn footers_are_added_once() {
        let sender = crate::config::Sender {
            from: crate::address::Mailbox::parse("A <a@example.jp>").unwrap(),
            reply_to: None,
            return_path: None,
            verp: false,
            organization: Some("ASUE".into()),
            postal_address: Some("Nagoya".into()),
            contact: Some("052".into()),
        };
        let campaign = FooterText::new(
            &sender,
            crate::config::FooterLocale::English,
            None,
            ("https://x.jp/u/", "?lang=en"),
        );
        let footer = campaign.for_token("T1");
        assert!(footer.text.contains("https://x.jp/u/T1?lang=en\n"));
        let text = footer.text.trim_end();
        assert_eq!(
            with_text_footer("Hello\n\n\n".into(), "T1", &campaign),
            format!("Hello\n\n{text}\n")
        );
        let placed = format!("Hi\n{text}\n\nBye\n");
        assert_eq!(with_text_footer(placed.clone(), "T1", &campaign), placed);
        // Another recipient's footer in the body is not this one's.
        let other = campaign.for_token("T2");
        let wrong = format!("Hi\n{}\nBye\n", other.text.trim_end());
        assert!(with_text_footer(wrong, "T1", &campaign).ends_with(&format!("{text}\n")));
        let html = &footer.html;
        assert!(
            html.contains("T1?lang=en\">https://x.jp/u/T1?lang=en</a>"),
            "{html}"
        );
        assert_eq!(
            with_html_footer("<html><BODY><p>x</p></BODY></html>".into(), "T1", &campaign),
            format!("<html><BODY><p>x</p>{html}</BODY></html>")
        );
        assert_eq!(
            with_html_footer("<p>x</p>".into(), "T1", &campaign),
            format!("<p>x</p>\n{html}")
        );
        let placed = format!("<p>x</p>{html}<p>y</p>");
        assert_eq!(with_html_footer(placed.clone(), "T1", &campaign), placed);
        let wrong = format!("<p>x</p>{}<p>y</p>", other.html);
        assert!(with_html_footer(wrong, "T1", &campaign).ends_with(html.as_str()));
    }
}
