//! Rendering: one complete, unsigned RFC 5322 message per recipient.
//!
//! Templates are minijinja with strict undefined variables: a template that
//! names a column the CSV lacks fails with the template's file and line and the
//! CSV line of the first recipient that triggers it. HTML templates escape CSV
//! values. The legal footer is added to the text and HTML parts unless the
//! template already placed it with `{{ footer }}`, so no template can omit it.
//! Header values that come from CSV data lose their control characters, so a
//! line break in a name cannot add a header.

pub(crate) mod footer;
mod headers;
mod mime;
mod templates;
mod vars;
pub(crate) mod visibility;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::MimePart;
use minijinja::{AutoEscape, Environment, Template, UndefinedBehavior, Value};

use self::footer::{FooterText, footer_line, line_holding, with_html_footer, with_text_footer};
use self::headers::Header;
use self::mime::{encoded_words, header_text, local_date, multipart, text_part};
pub(crate) use self::templates::Templates;
use self::vars::{FooterKind, Shared, Vars};
use crate::address::Address;
use crate::config::Campaign;

const SUBJECT: &str = "subject";
const TEXT: &str = "text";
const HTML: &str = "html";

/// The CSV column whose value becomes the recipient's display name in `To`.
pub(crate) const NAME_COLUMN: &str = "name";

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
pub(crate) struct Recipient<'a> {
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
pub(crate) struct Identity<'a> {
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
pub(crate) struct Rendered {
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
pub(crate) struct Renderer {
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
    /// The headers every message carries, which DKIM signs.
    headers: Vec<Header>,
    attachments: Vec<Attachment>,
    /// The zone the Date header is written in (`limits.timezone`), so that
    /// recipients and the approver see the time the company thinks in.
    timezone: Option<jiff::tz::TimeZone>,
}

impl Renderer {
    /// Compiles the campaign's templates for a list with these column headers,
    /// and reads its attachments.
    pub(crate) fn new(campaign: &Campaign, headers: &[String]) -> Result<Renderer, RenderError> {
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
            headers: Header::of_campaign(
                campaign.sender.reply_to.is_some(),
                campaign.message.feedback_id.is_some(),
            ),
            attachments,
            timezone: campaign.limits.timezone.clone(),
        })
    }

    /// What the law requires a reader to see in the message whose token is
    /// `token`: (what, its text).
    pub(crate) fn legal_items(&self, token: &str) -> Vec<(&'static str, String)> {
        self.common.footer.legal_items(token)
    }

    /// The names of the headers every message carries, for the DKIM `h=` list.
    pub(crate) fn header_names(&self) -> Vec<&'static str> {
        headers::signed_names(&self.headers)
    }

    /// The compiled templates, looked up once for as many messages as the
    /// caller renders with them.
    pub(crate) fn templates(&self) -> Result<Templates<'_>, RenderError> {
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

#[cfg(test)]
mod tests;
