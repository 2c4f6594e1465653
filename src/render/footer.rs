//! The legal footer: who sends, where they are, whom to complain to, and how
//! to refuse further mail, with the refusal sentence right beside the link.
//!
//! 特定電子メール法 (Art. 4) and its ordinance require, in every advertisement,
//! the sender's name, postal address and a contact for complaints, and the
//! opt-out URL or address together with a statement that the recipient may
//! refuse further mail. The footer is plain visible text: no hidden elements,
//! no small print (the HTML footer is 13px, the size of ordinary small text).

use minijinja::HtmlEscape;

use crate::config::{FooterLocale, Sender};

/// The per-campaign part of the footer; [`FooterText::for_recipient`] adds the
/// recipient's own unsubscribe URL.
#[derive(Debug, Clone)]
pub struct FooterText {
    locale: FooterLocale,
    organization: Option<String>,
    postal_address: Option<String>,
    contact: Option<String>,
    mailto: Option<String>,
}

/// The footer of one message, as text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footer {
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
    /// The campaign's footer fields.
    pub fn new(sender: &Sender, locale: FooterLocale, mailto: Option<String>) -> FooterText {
        FooterText {
            locale,
            organization: sender.organization.clone(),
            postal_address: sender.postal_address.clone(),
            contact: sender.contact.clone(),
            mailto,
        }
    }

    fn labels(&self) -> &'static Labels {
        match self.locale {
            FooterLocale::Japanese => &JAPANESE,
            FooterLocale::English => &ENGLISH,
        }
    }

    fn identity(&self) -> Vec<(&'static str, &str)> {
        let labels = self.labels();
        [
            (labels.organization, &self.organization),
            (labels.postal_address, &self.postal_address),
            (labels.contact, &self.contact),
        ]
        .into_iter()
        .filter_map(|(label, value)| value.as_deref().map(|v| (label, v)))
        .collect()
    }

    /// The footer for a recipient whose unsubscribe URL is `url`.
    pub fn for_recipient(&self, url: &str) -> Footer {
        let labels = self.labels();
        let separator = labels.separator;
        let (open, close) = (labels.open, labels.close);

        let mut text = format!("{}\n", labels.rule);
        for (label, value) in self.identity() {
            text.push_str(&format!("{label}{separator}{value}\n"));
        }
        text.push_str(&format!("{}\n{url}\n", labels.refuse));
        if let Some(mailto) = &self.mailto {
            text.push_str(&format!(
                "{open}{}{separator}{mailto}{close}\n",
                labels.mailto
            ));
        }

        let mut html = String::from(
            "<div style=\"margin-top:24px;padding-top:12px;border-top:1px solid #999999;\
             color:#333333;font-size:13px;line-height:1.6\">\n<p style=\"margin:0\">",
        );
        let identity: Vec<String> = self
            .identity()
            .into_iter()
            .map(|(label, value)| format!("{label}{separator}{}", HtmlEscape(value)))
            .collect();
        html.push_str(&identity.join("<br>\n"));
        html.push_str(&format!(
            "</p>\n<p style=\"margin:8px 0 0\">{} <a href=\"{url}\">{url}</a></p>\n",
            labels.refuse,
            url = HtmlEscape(url)
        ));
        if let Some(mailto) = &self.mailto {
            html.push_str(&format!(
                "<p style=\"margin:4px 0 0\">{open}{}{separator}<a href=\"mailto:{m}?subject=unsubscribe\">{m}</a>{close}</p>\n",
                labels.mailto,
                m = HtmlEscape(mailto)
            ));
        }
        html.push_str("</div>\n");
        Footer { text, html }
    }
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
            organization: Some("ASUE株式会社 <R&D>".into()),
            postal_address: Some("〒450-0002 名古屋市".into()),
            contact: Some("052-000-0000".into()),
        }
    }

    #[test]
    fn the_refusal_sentence_stands_right_before_the_url() {
        for locale in [FooterLocale::Japanese, FooterLocale::English] {
            let footer = FooterText::new(&sender(), locale, Some("stop@example.jp".into()))
                .for_recipient("https://example.jp/u/TOKEN");
            let labels = match locale {
                FooterLocale::Japanese => &JAPANESE,
                FooterLocale::English => &ENGLISH,
            };
            assert!(
                footer
                    .text
                    .contains(&format!("{}\nhttps://example.jp/u/TOKEN\n", labels.refuse))
            );
            let url = HtmlEscape("https://example.jp/u/TOKEN").to_string();
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
}
