//! The checks: the raw file becomes the model, and every problem is
//! reported with its line on the way.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::*;

/// Collects problems with their lines while the file is checked.
pub(super) struct Checker<'a> {
    pub(super) path: &'a Path,
    pub(super) dir: &'a Path,
    pub(super) source: &'a str,
    pub(super) problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn line_of(&self, span: &Range<usize>) -> Option<usize> {
        // Defaults carry the empty span 0..0: they have no line of their own.
        (span.end > 0).then(|| {
            self.source[..span.start.min(self.source.len())]
                .matches('\n')
                .count()
                + 1
        })
    }

    pub(super) fn report(
        &mut self,
        span: Option<&Range<usize>>,
        key: &str,
        message: impl Into<String>,
    ) {
        let line = span.and_then(|s| self.line_of(s));
        self.problems.push(Problem {
            path: self.path.to_owned(),
            line,
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// Resolves a path from the file and checks that it names a readable file.
    pub(super) fn existing_file(&mut self, key: &str, value: &Spanned<PathBuf>) -> PathBuf {
        let resolved = self.dir.join(value.get_ref());
        if !resolved.is_file() {
            self.report(
                Some(&value.span()),
                key,
                format!(
                    "{} does not exist or is not a file (paths are relative to the campaign file's folder)",
                    resolved.display()
                ),
            );
        }
        resolved
    }

    /// A required text that must not be blank.
    pub(super) fn required_text(
        &mut self,
        key: &str,
        value: Option<Spanned<String>>,
        why: &str,
    ) -> Option<String> {
        match value {
            Some(v) if !v.get_ref().trim().is_empty() => Some(v.into_inner()),
            Some(v) => {
                self.report(Some(&v.span()), key, format!("must not be empty: {why}"));
                None
            }
            None => {
                self.report(None, key, format!("is missing: {why}"));
                None
            }
        }
    }

    pub(super) fn identifier(&mut self, key: &str, value: &Spanned<String>) {
        let text = value.get_ref();
        if !is_valid_name(text) {
            self.report(
                Some(&value.span()),
                key,
                format!("{text:?} is not valid: {NAME_RULE} (it becomes part of Message-IDs, List-Id and file names)"),
            );
        }
    }
}

/// Why the 特定電子メール法 needs each identity field (Article 4 and its ordinance).
const WHY_ORGANIZATION: &str = "特定電子メール法 (Art. 4) requires every advertisement to show the sender's \
     name (氏名又は名称); set it to the legal name of the company";
const WHY_POSTAL_ADDRESS: &str = "特定電子メール法 requires every advertisement to show the sender's \
     postal address (住所)";
const WHY_CONTACT: &str = "特定電子メール法 requires every advertisement to show a telephone number, e-mail \
     address or URL that takes complaints and inquiries (苦情・問合せ先)";
const WHY_UNSUBSCRIBE: &str = "特定電子メール法 requires every advertisement to show how to refuse further \
     mail (配信停止), and Gmail and Yahoo reject bulk mail without RFC 8058 one-click unsubscribe; \
     set [unsubscribe] url = \"https://…\" to the endpoint `hikyaku serve` answers behind";

/// The dotted key a deserialization error is about, when toml knows it.
/// toml keeps the path private but prints it (as ``in `a.b` ``) when the error
/// carries no source text, so a copy without the text reveals it.
pub(super) fn key_path(error: &toml::de::Error) -> Option<String> {
    let mut bare = error.clone();
    bare.set_input(None);
    let text = bare.to_string();
    let line = text.lines().last()?;
    let path = line.strip_prefix("in `")?.strip_suffix('`')?;
    (!path.is_empty()).then(|| path.to_owned())
}

impl Checker<'_> {
    /// Builds the model from the raw file, reporting every problem on the way.
    /// Returns None when a problem left a required part without a value.
    pub(super) fn campaign(&mut self, raw: file::CampaignFile) -> Option<Campaign> {
        self.identifier("id", &raw.id);
        self.identifier("list", &raw.list);
        let advertisement = raw.kind == Kind::Advertisement;

        let sender = self.sender(raw.sender, advertisement);
        let message = self.message(raw.message);
        let recipients = self.recipients(raw.recipients);
        let unsubscribe = self.unsubscribe(raw.unsubscribe);
        let dkim = raw
            .dkim
            .map(|dkim| self.dkim(dkim, sender.from.address.domain()));
        let relays = raw.smtp.map(|smtp| self.smtp(smtp)).unwrap_or_default();
        let limits = self.limits(raw.limits);
        let approval = self.approval(raw.approval);

        Some(Campaign {
            path: self.path.to_owned(),
            id: raw.id.into_inner(),
            kind: raw.kind,
            list: raw.list.into_inner(),
            store: raw.store.map(|store| self.dir.join(store)),
            log: raw.log.map(|log| self.dir.join(log)),
            sender,
            message,
            recipients,
            unsubscribe: unsubscribe?,
            dkim,
            relays,
            limits,
            approval,
        })
    }

    fn sender(&mut self, raw: file::Sender, advertisement: bool) -> Sender {
        let (organization, postal_address, contact) = if advertisement {
            (
                self.required_text("sender.organization", raw.organization, WHY_ORGANIZATION),
                self.required_text(
                    "sender.postal_address",
                    raw.postal_address,
                    WHY_POSTAL_ADDRESS,
                ),
                self.required_text("sender.contact", raw.contact, WHY_CONTACT),
            )
        } else {
            let optional = |v: Option<Spanned<String>>| {
                v.map(Spanned::into_inner).filter(|t| !t.trim().is_empty())
            };
            (
                optional(raw.organization),
                optional(raw.postal_address),
                optional(raw.contact),
            )
        };
        let verp = match &raw.verp {
            Some(verp) if *verp.get_ref() => {
                let envelope = raw
                    .return_path
                    .as_ref()
                    .unwrap_or(&raw.from.get_ref().address);
                let local = envelope.as_str().rsplit_once('@').map_or("", |(l, _)| l);
                // RFC 5321 caps a local part at 64 octets; "+" and a token add 33.
                if local.len() + 1 + crate::token::TOKEN_LEN > 64 {
                    self.report(
                        Some(&verp.span()),
                        "sender.verp",
                        format!(
                            "the envelope sender's local part {local:?} is too long for VERP: with \"+\" and the \
                             32-character token it must stay within 64 characters; use a shorter return_path"
                        ),
                    );
                }
                true
            }
            _ => false,
        };
        let from_span = raw.from.span();
        let from = raw.from.into_inner();
        if let Some(problem) = from
            .name
            .as_deref()
            .and_then(sender_rules::display_name_problem)
        {
            self.report(Some(&from_span), "sender.from", problem);
        }
        let domain = from.address.domain().to_ascii_lowercase();
        if sender_rules::is_public_mailbox(&domain, &raw.public_mailbox_domains) {
            self.report(
                Some(&from_span),
                "sender.from",
                format!(
                    "{domain} is a public mailbox provider's domain: mail From it fails DMARC at every \
                     receiver (its owner publishes the policy, you cannot sign for it); send From a \
                     domain of your own with SPF, DKIM and DMARC"
                ),
            );
        }
        Sender {
            from,
            reply_to: raw.reply_to,
            return_path: raw.return_path,
            verp,
            organization,
            postal_address,
            contact,
        }
    }

    fn message(&mut self, raw: file::Message) -> Message {
        if raw.subject.get_ref().trim().is_empty() {
            self.report(
                Some(&raw.subject.span()),
                "message.subject",
                "must not be empty",
            );
        }
        Message {
            subject: raw.subject.into_inner(),
            text: self.existing_file("message.text", &raw.text),
            html: raw
                .html
                .map(|html| self.existing_file("message.html", &html)),
            attachments: raw
                .attachments
                .iter()
                .map(|a| self.existing_file("message.attachments", a))
                .collect(),
            footer_locale: raw.footer_locale,
            feedback_id: raw
                .feedback_id
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty()),
        }
    }

    fn recipients(&mut self, raw: file::Recipients) -> Recipients {
        if raw.email_column.get_ref().trim().is_empty() {
            self.report(
                Some(&raw.email_column.span()),
                "recipients.email_column",
                "must name the CSV column that holds the addresses",
            );
        }
        Recipients {
            path: self.existing_file("recipients.path", &raw.path),
            email_column: raw.email_column.into_inner().trim().to_owned(),
            encoding: raw.encoding,
        }
    }

    fn unsubscribe(&mut self, raw: Option<file::Unsubscribe>) -> Option<Unsubscribe> {
        let (url, mailto) = match raw {
            Some(raw) => (raw.url, raw.mailto),
            None => (None, None),
        };
        let Some(url) = url else {
            self.report(
                None,
                "unsubscribe.url",
                format!("is missing: {WHY_UNSUBSCRIBE}"),
            );
            return None;
        };
        match url::Url::parse(url.get_ref()) {
            Ok(parsed) if parsed.scheme() == "https" && parsed.host().is_some() => {
                Some(Unsubscribe {
                    url: parsed,
                    mailto,
                })
            }
            Ok(_) => {
                self.report(
                    Some(&url.span()),
                    "unsubscribe.url",
                    "must be an https:// URL: RFC 8058 one-click unsubscribe is only honoured over HTTPS",
                );
                None
            }
            Err(e) => {
                self.report(
                    Some(&url.span()),
                    "unsubscribe.url",
                    format!("{:?} is not a URL: {e}", url.get_ref()),
                );
                None
            }
        }
    }

    fn dkim(&mut self, raw: Spanned<file::Dkim>, from_domain: &str) -> Dkim {
        let span = raw.span();
        let raw = raw.into_inner();
        let domain = raw.domain.trim().trim_end_matches('.').to_ascii_lowercase();
        if domain.is_empty() || !domain.contains('.') {
            self.report(
                Some(&span),
                "dkim.domain",
                "must be the signing domain, such as example.co.jp",
            );
        } else if !aligned(&domain, from_domain) {
            self.report(
                Some(&span),
                "dkim.domain",
                format!(
                    "{domain:?} does not align with the From domain {from_domain:?}: DMARC passes only when \
                     the signing domain shares the From address's organizational domain (sign as {from_domain:?} \
                     or a parent of it)"
                ),
            );
        }
        if raw.selector.trim().is_empty() {
            self.report(
                Some(&span),
                "dkim.selector",
                "must name the selector of the DNS key record",
            );
        }
        Dkim {
            domain,
            selector: raw.selector.trim().to_owned(),
            private_key: self.existing_file("dkim.private_key", &raw.private_key),
        }
    }
}
