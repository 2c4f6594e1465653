//! Rendering: one complete, unsigned RFC 5322 message per recipient.
//!
//! Templates are minijinja with strict undefined variables: a template that
//! names a column the CSV lacks fails with the template's file and line and the
//! CSV line of the first recipient that triggers it. HTML templates escape CSV
//! values. The legal footer is added to the text and HTML parts unless the
//! template already placed it with `{{ footer }}`, so no template can omit it.
//! Header values that come from CSV data lose their control characters, so a
//! line break in a name cannot add a header.

pub mod footer;
mod vars;
pub mod visibility;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use encodify::base64::MIME as MIME_BASE64;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as HeaderAddress;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};
use minijinja::{AutoEscape, Environment, Template, UndefinedBehavior, Value};

use self::footer::FooterText;
use self::vars::{FooterKind, Shared, Vars};
use crate::address::Address;
use crate::config::Campaign;

const SUBJECT: &str = "subject";
const TEXT: &str = "text";
const HTML: &str = "html";

/// The CSV column whose value becomes the recipient's display name in `To`.
pub const NAME_COLUMN: &str = "name";

/// A problem with a template or with rendering one recipient's message.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template or attachment file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A template does not compile, or fails for a recipient.
    #[error("{location}: {message}{}", csv_line.map(|l| format!("\n  first triggered by {} line {l}", recipients.display())).unwrap_or_default())]
    Template {
        location: String,
        message: String,
        recipients: PathBuf,
        csv_line: Option<u64>,
    },
    /// Legal text is in the HTML part, but where a reader would not see it.
    #[error(
        "{location}: the legal footer's {what} would not be seen: {why}. 特定電子メール法 requires \
         it to be displayed: put {{{{ footer }}}} where it shows, or leave it out and hikyaku adds \
         it before </body>"
    )]
    HiddenLegalText {
        location: String,
        what: &'static str,
        why: String,
    },
    /// The message could not be assembled.
    #[error("cannot build the message for {} line {line}: {message}", recipients.display())]
    Build {
        recipients: PathBuf,
        line: u64,
        message: String,
    },
}

/// One recipient as the renderer needs it.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The CSV line the row starts on, for errors.
    pub line: u64,
    /// The address the message goes to.
    pub address: &'a Address,
    /// The row's fields, in header order.
    pub fields: &'a [String],
}

/// What makes a message this recipient's own, decided by the caller from the
/// store's keys (see `token`).
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The unsubscribe token, appended to the unsubscribe URL.
    pub token: &'a str,
    /// The Message-ID without angle brackets.
    pub message_id: &'a str,
    /// The start of the message's MIME boundaries: the same for every
    /// rendering, so that the same recipient always gets the same bytes.
    pub boundary: &'a str,
    /// The Date header, in unix seconds.
    pub date: i64,
    /// For a test send: the only recipient, instead of the row's address, and
    /// `[TEST]` before the subject.
    pub test_to: Option<&'a Address>,
}

/// A rendered message.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The subject as rendered.
    pub subject: String,
    /// The whole message, CRLF line endings, unsigned.
    pub bytes: Vec<u8>,
}

struct Attachment {
    name: String,
    /// The RFC 2047 form of a non-ASCII name, for the Content-Type `name`
    /// parameter: mail-builder writes only RFC 2231 (`filename*=`), which
    /// older Japanese mail clients (Outlook 2010 and earlier, many feature
    /// phones) do not read, so they would show a garbled name.
    legacy_name: Option<String>,
    content_type: String,
    bytes: Vec<u8>,
}

/// Renders messages for one campaign.
pub struct Renderer {
    env: Environment<'static>,
    template_files: [(String, String); 3],
    has_html: bool,
    /// The HTML template's source, to name the line that hides legal text.
    html_source: String,
    recipients_path: PathBuf,
    /// What the templates of every message share, the footer included.
    common: Arc<vars::Campaign>,
    name_column: Option<usize>,
    from: (Option<String>, String),
    reply_to: Option<String>,
    list_id: String,
    /// `, <mailto:…?subject=unsubscribe%20` after the URL in
    /// List-Unsubscribe, when the campaign has a mailto address: the token
    /// and `>` follow, so that a request mailed through it traces to the
    /// recipient.
    list_unsubscribe_mailto: String,
    feedback_id: Option<String>,
    attachments: Vec<Attachment>,
    /// The zone the Date header is written in (`limits.timezone`), so that
    /// recipients and the approver see the time the company thinks in.
    timezone: Option<jiff::tz::TimeZone>,
}

impl Renderer {
    /// Compiles the campaign's templates for a list with these column headers,
    /// and reads its attachments.
    pub fn new(campaign: &Campaign, headers: &[String]) -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(crate::html::minijinja_formatter);
        env.add_filter("escape", crate::html::minijinja_escape_filter);
        env.add_filter("e", crate::html::minijinja_escape_filter);
        env.set_auto_escape_callback(|name| {
            if name == HTML {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });

        let campaign_file = campaign.path.display().to_string();
        let mut template_files = [
            (
                SUBJECT.to_owned(),
                format!("{campaign_file} (message.subject)"),
            ),
            (TEXT.to_owned(), campaign.message.text.display().to_string()),
            (HTML.to_owned(), String::new()),
        ];
        let compile =
            |env: &mut Environment<'static>, name: &'static str, source: String, file: &str| {
                env.add_template_owned(name, source)
                    .map_err(|e| template_error(&e, file, &campaign.recipients.path, None))
            };
        compile(
            &mut env,
            SUBJECT,
            campaign.message.subject.clone(),
            &template_files[0].1,
        )?;
        compile(
            &mut env,
            TEXT,
            read_text(&campaign.message.text)?,
            &template_files[1].1,
        )?;
        let mut html_source = String::new();
        if let Some(html) = &campaign.message.html {
            template_files[2].1 = html.display().to_string();
            html_source = read_text(html)?;
            compile(&mut env, HTML, html_source.clone(), &template_files[2].1)?;
        }

        let attachments = campaign
            .message
            .attachments
            .iter()
            .map(|path| {
                let bytes = std::fs::read(path).map_err(|source| RenderError::Read {
                    path: path.clone(),
                    source,
                })?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "attachment".into());
                Ok(Attachment {
                    legacy_name: encoded_words(&name),
                    name,
                    content_type: mime_guess::from_path(path)
                        .first_or_octet_stream()
                        .to_string(),
                    bytes,
                })
            })
            .collect::<Result<_, RenderError>>()?;

        let from = &campaign.sender.from;
        let unsubscribe = &campaign.unsubscribe;
        // The unsubscribe URL around the token: what the URL parser gives for
        // the configured URL with a segment appended, split where the token
        // goes, so that no message parses a URL again.
        let unsubscribe_around = around_token(&unsubscribe.url);
        let footer = FooterText::new(
            &campaign.sender,
            campaign.message.footer_locale,
            unsubscribe.mailto.as_ref().map(ToString::to_string),
            (&unsubscribe_around.0, &unsubscribe_around.1),
        );
        Ok(Renderer {
            env,
            template_files,
            has_html: campaign.message.html.is_some(),
            html_source,
            recipients_path: campaign.recipients.path.clone(),
            common: Arc::new(vars::Campaign {
                headers: headers.into(),
                campaign: campaign.id.clone(),
                list: campaign.list.clone(),
                unsubscribe_around,
                footer,
            }),
            name_column: headers.iter().position(|h| h == NAME_COLUMN),
            from: (from.name.clone(), from.address.to_string()),
            reply_to: campaign.sender.reply_to.as_ref().map(ToString::to_string),
            list_id: format!("<{}.{}>", campaign.list, from.address.domain()),
            list_unsubscribe_mailto: unsubscribe
                .mailto
                .as_ref()
                // Folded before the mailto: the URL alone fills a line.
                .map(|mailto| format!(",\r\n <mailto:{mailto}?subject=unsubscribe%20"))
                .unwrap_or_default(),
            feedback_id: campaign.message.feedback_id.clone(),
            attachments,
            timezone: campaign.limits.timezone.clone(),
        })
    }

    /// What the law requires a reader to see in the message whose token is
    /// `token`: (what, its text).
    pub fn legal_items(&self, token: &str) -> Vec<(&'static str, String)> {
        self.common.footer.legal_items(token)
    }

    /// The names of the headers every message carries, for the DKIM `h=` list.
    pub fn header_names(&self) -> Vec<&'static str> {
        let mut names = vec![
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "MIME-Version",
            "Content-Type",
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
        ];
        if self.reply_to.is_some() {
            names.push("Reply-To");
        }
        if self.feedback_id.is_some() {
            names.push("Feedback-ID");
        }
        names
    }

    /// The compiled templates, looked up once for as many messages as the
    /// caller renders with them.
    pub fn templates(&self) -> Result<Templates<'_>, RenderError> {
        let get = |index: usize| {
            let (name, file) = &self.template_files[index];
            self.env
                .get_template(name)
                .map_err(|e| template_error(&e, file, &self.recipients_path, None))
        };
        Ok(Templates {
            renderer: self,
            subject: get(0)?,
            text: get(1)?,
            html: if self.has_html { Some(get(2)?) } else { None },
            legal_text_seen: std::cell::Cell::new(false),
            date_cache: std::cell::Cell::new(None),
        })
    }
}

/// A campaign's compiled templates: looking them up by name for every
/// message took a thirtieth of the time it takes to build one.
pub struct Templates<'r> {
    renderer: &'r Renderer,
    subject: Template<'r, 'r>,
    text: Template<'r, 'r>,
    html: Option<Template<'r, 'r>>,
    /// Whether the HTML part's legal text was checked for visibility: once
    /// per session, on its first message (parsing every message's HTML
    /// would cost more than rendering it).
    legal_text_seen: std::cell::Cell<bool>,
    /// The last Date header written, by its unix seconds.
    date_cache: std::cell::Cell<Option<(i64, String)>>,
}

impl Templates<'_> {
    /// Renders the message for `recipient`.
    pub fn render(
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

        let mut builder = MessageBuilder::new()
            .from(HeaderAddress::new_address(
                renderer.from.0.as_deref(),
                renderer.from.1.as_str(),
            ))
            .to(HeaderAddress::new_address(display_name, to.as_str()))
            .subject(subject.as_str());
        builder = match self.local_date(identity.date) {
            Some(date) => builder.header("Date", Raw::new(date)),
            None => builder.date(identity.date),
        };
        builder = builder.message_id(identity.message_id);
        if let Some(reply_to) = &renderer.reply_to {
            builder = builder.reply_to(reply_to.as_str());
        }
        builder = builder
            .header("List-Id", Raw::new(renderer.list_id.as_str()))
            .header("List-Unsubscribe", Raw::new(list_unsubscribe))
            .header(
                "List-Unsubscribe-Post",
                Raw::new("List-Unsubscribe=One-Click"),
            );
        if let Some(feedback_id) = &renderer.feedback_id {
            builder = builder.header("Feedback-ID", Raw::new(feedback_id.as_str()));
        }
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
        Ok(Rendered { subject, bytes })
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

/// The line of a template that places the footer (`{{ footer }}`, with any
/// spacing or whitespace control), if one does.
fn footer_line(source: &str) -> Option<usize> {
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
fn line_holding(source: &str, fragment: &str) -> Option<usize> {
    if fragment.is_empty() {
        return None;
    }
    source
        .lines()
        .position(|line| line.contains(fragment))
        .map(|index| index + 1)
}

/// The Date header for `unix` seconds in `zone` (RFC 5322, e.g. `Tue, 1 Dec
/// 2026 10:00:00 +0900`); `None` without a zone or for a time jiff cannot
/// represent, where mail-builder writes it in UTC.
fn local_date(unix: i64, zone: Option<&jiff::tz::TimeZone>) -> Option<String> {
    let zone = zone?;
    let zoned = jiff::Timestamp::from_second(unix)
        .ok()?
        .to_zoned(zone.clone());
    jiff::fmt::rfc2822::to_string(&zoned).ok()
}

/// A multipart content type whose boundary is `boundary` and `suffix`: each
/// nesting level needs one of its own.
fn multipart(content_type: &'static str, boundary: &str, suffix: &str) -> ContentType<'static> {
    ContentType::new(content_type).attribute("boundary", [boundary, suffix].concat())
}

/// A text part of the message. mail-builder picks the shorter of
/// quoted-printable and base64 by measuring the quoted-printable form, which
/// for Japanese text costs a tenth of building the whole message. Every
/// non-ASCII byte takes three characters in quoted-printable, so when those
/// alone make it longer than base64, base64 is what mail-builder would pick:
/// the part is then encoded ahead with the encoder mail-builder itself uses,
/// and the bytes are the same. Any other text is left to mail-builder.
fn text_part(content_type: &'static str, text: String) -> MimePart<'static> {
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
fn crlf_lines(text: &str) -> Cow<'_, str> {
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
fn more_non_ascii_than(bytes: &[u8], limit: usize) -> bool {
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

fn read_text(path: &Path) -> Result<String, RenderError> {
    std::fs::read_to_string(path).map_err(|source| RenderError::Read {
        path: path.to_owned(),
        source,
    })
}

fn template_error(
    error: &minijinja::Error,
    file: &str,
    recipients: &Path,
    csv_line: Option<u64>,
) -> RenderError {
    let location = match error.line() {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    };
    let mut message = error.kind().to_string();
    if let Some(detail) = error.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    if error.kind() == minijinja::ErrorKind::UndefinedError {
        message.push_str(" (templates may use the CSV's column names, email, campaign, list, unsubscribe_url and footer)");
    }
    RenderError::Template {
        location,
        message,
        recipients: recipients.to_owned(),
        csv_line,
    }
}

/// `url` with a last path segment appended, split around that segment.
fn around_token(url: &url::Url) -> (String, String) {
    // Base64url characters only, so the parser leaves it as it is.
    const MARK: &str = "hikyakuTokenGoesHere";
    let mut with_mark = url.clone();
    if let Ok(mut segments) = with_mark.path_segments_mut() {
        segments.pop_if_empty().push(MARK);
    }
    let text: String = with_mark.into();
    match text.rsplit_once(MARK) {
        Some((head, tail)) => (head.to_owned(), tail.to_owned()),
        // A URL that cannot take a path (never an https one): token at the end.
        None => (text, String::new()),
    }
}

/// `text` as RFC 2047 base64 encoded-words (`=?UTF-8?B?…?=`, each at most
/// 75 characters, split between characters), or `None` when it is ASCII and
/// needs none.
fn encoded_words(text: &str) -> Option<String> {
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
fn header_text(value: &str) -> Cow<'_, str> {
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

/// The text part with the footer, ending in exactly one line break. Trailing
/// blank lines are removed, which also keeps clear of mail-auth 0.13's
/// relaxed body-hash bug for single-part bodies ending in blank lines.
fn with_text_footer(mut body: String, token: &str, footer: &FooterText) -> String {
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
fn with_html_footer(mut html: String, token: &str, footer: &FooterText) -> String {
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
    fn the_token_becomes_the_last_path_segment_as_the_parser_would_put_it() {
        for (base, expected) in [
            (
                "https://example.jp/unsubscribe",
                "https://example.jp/unsubscribe/T-_9",
            ),
            ("https://example.jp/u/", "https://example.jp/u/T-_9"),
            ("https://example.jp", "https://example.jp/T-_9"),
            (
                "https://example.jp/u?lang=ja#x",
                "https://example.jp/u/T-_9?lang=ja#x",
            ),
        ] {
            let (head, tail) = around_token(&url::Url::parse(base).unwrap());
            assert_eq!(format!("{head}T-_9{tail}"), expected);
        }
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
