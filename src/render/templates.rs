//! Rendering one recipient's message with the campaign's compiled templates:
//! subject, text and HTML parts with the legal footer, the headers, the MIME
//! structure.

use super::*;

/// A campaign's compiled templates: looking them up by name for every
/// message took a thirtieth of the time it takes to build one.
pub(crate) struct Templates<'r> {
    pub(super) renderer: &'r Renderer,
    pub(super) subject: Template<'r, 'r>,
    pub(super) text: Template<'r, 'r>,
    pub(super) html: Option<Template<'r, 'r>>,
    /// Whether the HTML part's legal text was checked for visibility: once
    /// per session, on its first message (parsing every message's HTML
    /// would cost more than rendering it).
    pub(super) legal_text_seen: std::cell::Cell<bool>,
    /// The last Date header written, by its unix seconds.
    pub(super) date_cache: std::cell::Cell<Option<(i64, String)>>,
}

impl Templates<'_> {
    /// Renders the message for `recipient`.
    pub(crate) fn render(
        &self,
        recipient: Recipient<'_>,
        identity: &Identity<'_>,
    ) -> Result<Rendered, RenderError> {
        let renderer = self.renderer;
        let token = identity.token;
        let shared = Arc::new(Shared {
            campaign: renderer.common.clone(),
            fields: recipient.fields.to_vec(),
            email: recipient.address.as_str().to_owned(),
            token: token.to_owned(),
        });
        let vars = |footer| {
            Value::from_object(Vars {
                shared: shared.clone(),
                footer,
            })
        };

        let rendered =
            self.render_template(&self.subject, 0, vars(FooterKind::Empty), recipient.line)?;
        let mut subject = match header_text(&rendered) {
            Cow::Borrowed(clean) if clean.len() == rendered.len() => rendered,
            cleaned => cleaned.into_owned(),
        };
        if identity.test_to.is_some() {
            subject.insert_str(0, "[TEST] ");
        }
        if subject.is_empty() {
            return Err(RenderError::Build {
                recipients: renderer.recipients_path.clone(),
                line: recipient.line,
                message: "the subject renders empty".into(),
            });
        }
        let footer = &renderer.common.footer;
        let text = self.render_template(&self.text, 1, vars(FooterKind::Text), recipient.line)?;
        let text = with_text_footer(text, token, footer);
        let html = match &self.html {
            Some(template) => {
                let html =
                    self.render_template(template, 2, vars(FooterKind::Html), recipient.line)?;
                let html = with_html_footer(html, token, footer);
                if !self.legal_text_seen.get() {
                    self.check_legal_text_visible(&html, token)?;
                    self.legal_text_seen.set(true);
                }
                Some(html)
            }
            None => None,
        };

        let display_name = renderer
            .name_column
            .and_then(|i| recipient.fields.get(i))
            .map(|name| header_text(name))
            .filter(|name| !name.is_empty() && identity.test_to.is_none());
        let to = identity.test_to.unwrap_or(recipient.address);
        let (url_head, url_tail) = &renderer.common.unsubscribe_around;
        let mailto = &renderer.list_unsubscribe_mailto;
        let (mailto_token, mailto_end) = if mailto.is_empty() {
            ("", "")
        } else {
            (token, ">")
        };
        let list_unsubscribe = [
            "<",
            url_head,
            token,
            url_tail,
            ">",
            mailto,
            mailto_token,
            mailto_end,
        ]
        .concat();

        let builder = headers::write(
            &renderer.headers,
            headers::Values {
                from: (renderer.from.0.as_deref(), renderer.from.1.as_str()),
                to: (display_name, to.as_str()),
                subject: subject.as_str(),
                date: self.local_date(identity.date).ok_or(identity.date),
                message_id: identity.message_id,
                reply_to: renderer.reply_to.as_deref(),
                list_id: renderer.list_id.as_str(),
                list_unsubscribe,
                feedback_id: renderer.feedback_id.as_deref(),
            },
        );
        // The structure MessageBuilder gives text_body, html_body and
        // attachment, built here so that each text part can be encoded ahead.
        let mut body = text_part("text/plain", text);
        if let Some(html) = html {
            body = MimePart::new(
                multipart("multipart/alternative", identity.boundary, ".a"),
                vec![body, text_part("text/html", html)],
            );
        }
        if !renderer.attachments.is_empty() {
            let mut parts = Vec::with_capacity(renderer.attachments.len() + 1);
            parts.push(body);
            parts.extend(renderer.attachments.iter().map(|attachment| {
                let mut content_type = ContentType::new(attachment.content_type.as_str());
                if let Some(legacy) = &attachment.legacy_name {
                    content_type = content_type.attribute("name", legacy.as_str());
                }
                MimePart::new(content_type, attachment.bytes.as_slice())
                    .attachment(attachment.name.as_str())
            }));
            body = MimePart::new(multipart("multipart/mixed", identity.boundary, ".m"), parts);
        }
        let bytes = builder
            .body(body)
            .write_to_vec()
            .map_err(|e| RenderError::Build {
                recipients: renderer.recipients_path.clone(),
                line: recipient.line,
                message: e.to_string(),
            })?;
        Ok(Rendered { bytes })
    }

    /// The Date header in the campaign's zone, formatted once for the
    /// messages of a run (they share their date).
    fn local_date(&self, unix: i64) -> Option<String> {
        let mut cached = self.date_cache.take();
        if cached.as_ref().is_none_or(|(at, _)| *at != unix) {
            cached = local_date(unix, self.renderer.timezone.as_ref()).map(|text| (unix, text));
        }
        let text = cached.as_ref().map(|(_, text)| text.clone());
        self.date_cache.set(cached);
        text
    }

    /// Refuses an HTML part whose legal text a reader would not see.
    fn check_legal_text_visible(&self, html: &str, token: &str) -> Result<(), RenderError> {
        let renderer = self.renderer;
        let document = visibility::Document::parse(html);
        for (what, text) in renderer.common.footer.legal_items(token) {
            let (why, locate) = match document.seen(&text) {
                visibility::Seen::Visible => continue,
                visibility::Seen::Hidden { why, locate } => (why, locate),
                visibility::Seen::Missing => (
                    "it is not shown as text (inside an attribute, or cut by broken markup)"
                        .to_owned(),
                    String::new(),
                ),
            };
            let line = footer_line(&renderer.html_source)
                .or_else(|| line_holding(&renderer.html_source, &locate));
            let file = &renderer.template_files[2].1;
            return Err(RenderError::HiddenLegalText {
                location: match line {
                    Some(line) => format!("{file}:{line}"),
                    None => file.clone(),
                },
                what,
                why,
            });
        }
        Ok(())
    }

    /// Renders `template`, number `index` of the renderer's template files.
    fn render_template(
        &self,
        template: &Template<'_, '_>,
        index: usize,
        vars: Value,
        csv_line: u64,
    ) -> Result<String, RenderError> {
        let renderer = self.renderer;
        template.render(vars).map_err(|e| {
            let file = &renderer.template_files[index].1;
            template_error(&e, file, &renderer.recipients_path, Some(csv_line))
        })
    }
}
