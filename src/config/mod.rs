//! The campaign file: what to send, to whom, as whom, and how fast.
//!
//! [`Campaign::load`] reads the TOML, resolves every path against the campaign
//! file's own folder, and checks every rule that can be checked without reading
//! the recipients. All problems are reported together, each with the file, line
//! and key, so one edit fixes them all.

mod file;
pub mod limits;
pub mod sender_rules;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

pub use self::limits::{Delay, Rate, SendWindow};
use crate::address::{Address, Mailbox};
use crate::csv_input::Encoding;

/// What kind of mail a campaign sends; it decides whether consent is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An advertisement under 特定電子メール法: opt-in consent required.
    Advertisement,
    /// A transactional or service notice: no consent needed, footer still shown.
    Notice,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Advertisement => "advertisement",
            Kind::Notice => "notice",
        })
    }
}

/// The language of the legal footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum FooterLocale {
    /// Japanese.
    #[default]
    #[serde(rename = "ja")]
    Japanese,
    /// English.
    #[serde(rename = "en")]
    English,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test server.
    None,
}

/// Defaults of `[limits]` beyond design.md's keys.
pub mod defaults {
    use std::time::Duration;
    /// Attempts for a 4xx within one run.
    pub const RETRY_ATTEMPTS: u32 = 3;
    /// The first retry waits this long, then twice as long each time.
    pub const RETRY_DELAY: Duration = Duration::from_secs(60);
    /// 5 % of the last 200 attempts failing stops a run.
    pub const MAX_FAILURE_RATE: f64 = 0.05;
    /// See [`MAX_FAILURE_RATE`].
    pub const FAILURE_WINDOW: u32 = 200;
    /// Gmail's and Yahoo's line: complaints above 0.3 % of mail sent.
    pub const MAX_COMPLAINT_RATE: f64 = 0.003;
    /// Above this a send warns (Google asks senders to stay under 0.1 %).
    pub const COMPLAINT_WARNING_RATE: f64 = 0.001;
}

/// A validated campaign with absolute paths.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The campaign file itself.
    pub path: PathBuf,
    /// The stable journal key.
    pub id: String,
    /// Advertisement or notice.
    pub kind: Kind,
    /// The consent and unsubscribe scope, and the `List-Id` label.
    pub list: String,
    /// The store named in the file, resolved; the CLI decides precedence.
    pub store: Option<PathBuf>,
    /// The JSON Lines delivery log, when the file names one.
    pub log: Option<PathBuf>,
    /// Who sends.
    pub sender: Sender,
    /// What is sent.
    pub message: Message,
    /// Where the recipients come from.
    pub recipients: Recipients,
    /// How recipients refuse further mail.
    pub unsubscribe: Unsubscribe,
    /// DKIM signing, when configured.
    pub dkim: Option<Dkim>,
    /// The relay, when configured (preview and dry runs do without).
    pub smtp: Option<Smtp>,
    /// Pacing.
    pub limits: Limits,
    /// The sign-off rule.
    pub approval: Approval,
}

/// The `[sender]` table.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The `From` mailbox.
    pub from: Mailbox,
    /// Where replies go.
    pub reply_to: Option<Address>,
    /// The envelope sender; the `From` address when absent.
    pub return_path: Option<Address>,
    /// Whether each message's envelope sender carries the recipient's token
    /// (`bounces+TOKEN@domain`), so that a bounce traces back to its
    /// recipient even when the remote server returns none of the message.
    pub verp: bool,
    /// The sender's legal name.
    pub organization: Option<String>,
    /// The sender's postal address.
    pub postal_address: Option<String>,
    /// A contact for complaints and inquiries.
    pub contact: Option<String>,
}

/// The `[message]` table.
#[derive(Debug, Clone)]
pub struct Message {
    /// The subject template.
    pub subject: String,
    /// The text template file.
    pub text: PathBuf,
    /// The HTML template file.
    pub html: Option<PathBuf>,
    /// Files attached to every message.
    pub attachments: Vec<PathBuf>,
    /// The footer's language.
    pub footer_locale: FooterLocale,
    /// The `Feedback-ID` header (Gmail's feedback loop), when set.
    pub feedback_id: Option<String>,
}

/// The `[recipients]` table.
#[derive(Debug, Clone)]
pub struct Recipients {
    /// The CSV file.
    pub path: PathBuf,
    /// The header of the address column.
    pub email_column: String,
    /// The CSV's encoding.
    pub encoding: Encoding,
}

/// The `[unsubscribe]` table.
#[derive(Debug, Clone)]
pub struct Unsubscribe {
    /// The https base URL; a per-recipient token is appended as a path segment.
    pub url: url::Url,
    /// An address that unsubscribes whoever writes to it.
    pub mailto: Option<Address>,
}

/// The `[dkim]` table.
#[derive(Debug, Clone)]
pub struct Dkim {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// The PEM private key file.
    pub private_key: PathBuf,
}

/// Where the SMTP password comes from. Never from the campaign file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// No authentication.
    None,
    /// The named environment variable.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
}

/// The `[smtp]` table.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// The relay's host name.
    pub host: String,
    /// The port; by default 587, 465 or 25 according to `security`.
    pub port: u16,
    /// STARTTLS, TLS or none.
    pub security: Security,
    /// The AUTH user.
    pub username: Option<String>,
    /// Where the AUTH password comes from.
    pub password: PasswordSource,
    /// Concurrent connections.
    pub connections: u32,
    /// A PEM certificate (an internal CA) to trust beside the system's roots.
    pub ca_file: Option<PathBuf>,
}

/// The `[limits]` table.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The global rate; unlimited when absent.
    pub rate: Option<Rate>,
    /// Rates per recipient domain (lower-case ASCII).
    pub domain_rates: BTreeMap<String, Rate>,
    /// Messages per run; 0 means no cap.
    pub max_per_run: u64,
    /// The daily send window.
    pub window: Option<SendWindow>,
    /// The time zone the window is read in.
    pub timezone: Option<jiff::tz::TimeZone>,
    /// Size limits by recipient domain beyond the carriers' built-in ones
    /// (`sender_rules::CARRIER_SIZE_LIMITS`), which these override.
    pub max_message_size: Vec<(String, u64)>,
    /// The scheduled start (配信予約): before it `send` sends nothing and
    /// exits 75, so the cron job can be installed when the campaign is
    /// approved.
    pub not_before: Option<jiff::Timestamp>,
    /// Attempts per recipient within one run for temporary failures (4xx).
    pub retry_attempts: u32,
    /// The wait before the first retry; it doubles with each further one.
    pub retry_delay: Duration,
    /// The share of permanent failures among the last `failure_window`
    /// attempts above which a run stops.
    pub max_failure_rate: f64,
    /// How many recent attempts `max_failure_rate` looks at.
    pub failure_window: u32,
    /// The complaint rate over the last 30 days (every campaign of the
    /// store) above which an advertisement is refused.
    pub max_complaint_rate: f64,
}

/// The `[approval]` table.
#[derive(Debug, Clone)]
pub struct Approval {
    /// Whether a send needs an approval of the current digest.
    pub required: bool,
    /// Distinct approvers needed.
    pub min_approvers: u32,
}

/// The most connections a campaign may open; more only gets the sender throttled.
const MAX_CONNECTIONS: u32 = 64;

/// A campaign file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read the campaign file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// One or more problems in the file.
    #[error("{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid { problems: Vec<Problem> },
}

/// One problem in a campaign file.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The campaign file.
    pub path: PathBuf,
    /// The line, when the problem has one.
    pub line: Option<usize>,
    /// The dotted key, such as `sender.organization`.
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.key, self.message)
        }
    }
}

/// Collects problems with their lines while the file is checked.
struct Checker<'a> {
    path: &'a Path,
    dir: &'a Path,
    source: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn line_of(&self, span: &Range<usize>) -> Option<usize> {
        // Defaults carry the empty span 0..0: they have no line of their own.
        (span.end > 0).then(|| {
            self.source[..span.start.min(self.source.len())]
                .matches('\n')
                .count()
                + 1
        })
    }

    fn report(&mut self, span: Option<&Range<usize>>, key: &str, message: impl Into<String>) {
        let line = span.and_then(|s| self.line_of(s));
        self.problems.push(Problem {
            path: self.path.to_owned(),
            line,
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// Resolves a path from the file and checks that it names a readable file.
    fn existing_file(&mut self, key: &str, value: &Spanned<PathBuf>) -> PathBuf {
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
    fn required_text(
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

    fn identifier(&mut self, key: &str, value: &Spanned<String>) {
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

/// What a campaign id or list name may look like.
pub const NAME_RULE: &str =
    "use 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

/// Whether `text` is a valid campaign id or list name (see [`NAME_RULE`]).
pub fn is_valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
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

impl Campaign {
    /// Reads and checks the campaign file at `path`.
    pub fn load(path: &Path) -> Result<Campaign, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Campaign::from_source(path, &source)
    }

    /// Checks the campaign whose text is `source`, read from `path`.
    pub fn from_source(path: &Path, source: &str) -> Result<Campaign, ConfigError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
        let mut checker = Checker {
            path: &path,
            dir: &dir,
            source,
            problems: Vec::new(),
        };
        let raw: file::CampaignFile = match toml::from_str(source) {
            Ok(raw) => raw,
            Err(error) => {
                let span = error.span();
                let key = key_path(&error).unwrap_or_default();
                checker.report(span.as_ref(), &key, error.message().trim_end());
                return Err(ConfigError::Invalid {
                    problems: checker.problems,
                });
            }
        };
        let campaign = checker.campaign(raw);
        match campaign {
            Some(campaign) if checker.problems.is_empty() => Ok(campaign),
            _ => Err(ConfigError::Invalid {
                problems: checker.problems,
            }),
        }
    }

    /// The envelope sender: `return_path`, else the `From` address.
    pub fn envelope_sender(&self) -> &Address {
        self.sender
            .return_path
            .as_ref()
            .unwrap_or(&self.sender.from.address)
    }

    /// With `sender.verp`, the envelope sender of the message carrying
    /// `token`: `local+TOKEN@domain`. `None` means [`Campaign::envelope_sender`].
    pub fn verp_sender(&self, token: &str) -> Option<String> {
        if !self.sender.verp {
            return None;
        }
        let sender = self.envelope_sender();
        Some(format!(
            "{}+{token}@{}",
            sender.local_part(),
            sender.domain()
        ))
    }
}

/// DMARC relaxed alignment: both names have the same organizational domain
/// (the registrable domain of the Public Suffix List).
pub fn aligned(a: &str, b: &str) -> bool {
    let organizational = |name: &str| psl::domain_str(name).map(str::to_ascii_lowercase);
    matches!((organizational(a), organizational(b)), (Some(x), Some(y)) if x == y)
}

/// The dotted key a deserialization error is about, when toml knows it.
/// toml keeps the path private but prints it (as ``in `a.b` ``) when the error
/// carries no source text, so a copy without the text reveals it.
fn key_path(error: &toml::de::Error) -> Option<String> {
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
    fn campaign(&mut self, raw: file::CampaignFile) -> Option<Campaign> {
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
        let smtp = raw.smtp.and_then(|smtp| self.smtp(smtp));
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
            smtp,
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

    fn smtp(&mut self, raw: Spanned<file::Smtp>) -> Option<Smtp> {
        let table_span = raw.span();
        let raw = raw.into_inner();
        if let Some(password) = &raw.password {
            self.report(
                Some(&password.span()),
                "smtp.password",
                "a password may not be written into the campaign file (it would travel with copies, \
                 backups and version control); put it in an environment variable and set \
                 password_env = \"SMTP_PASSWORD\", or in a file only you can read and set password_file",
            );
        }
        let password = match (raw.password_env, raw.password_file) {
            (Some(var), Some(file)) => {
                self.report(
                    Some(&file.span()),
                    "smtp.password_file",
                    format!(
                        "set either password_env (line {}) or password_file, not both",
                        self.line_of(&var.span()).unwrap_or(0)
                    ),
                );
                PasswordSource::None
            }
            (Some(var), None) if var.get_ref().trim().is_empty() => {
                self.report(
                    Some(&var.span()),
                    "smtp.password_env",
                    "must name an environment variable",
                );
                PasswordSource::None
            }
            (Some(var), None) => PasswordSource::Env(var.into_inner()),
            (None, Some(file)) => {
                PasswordSource::File(self.existing_file("smtp.password_file", &file))
            }
            (None, None) => PasswordSource::None,
        };
        if raw.username.is_some() && password == PasswordSource::None && raw.password.is_none() {
            self.report(
                Some(&table_span),
                "smtp.username",
                "is set but no password source is: add password_env or password_file",
            );
        }
        let connections = *raw.connections.get_ref();
        if !(1..=MAX_CONNECTIONS).contains(&connections) {
            self.report(
                Some(&raw.connections.span()),
                "smtp.connections",
                format!("must be between 1 and {MAX_CONNECTIONS}"),
            );
        }
        if raw.host.get_ref().trim().is_empty() {
            self.report(
                Some(&raw.host.span()),
                "smtp.host",
                "must name the SMTP relay",
            );
        }
        // A password over an unencrypted connection can be read by anyone
        // on the path; only a relay on this machine is on no path.
        let credentials = raw.username.is_some() || password != PasswordSource::None;
        if raw.security == Security::None
            && credentials
            && !crate::address::is_loopback_host(raw.host.get_ref().trim())
        {
            self.report(
                Some(&table_span),
                "smtp.security",
                format!(
                    "is \"none\" but the campaign logs in to {}: the password would cross the network \
                     in clear text. Set security = \"starttls\" (port 587) or \"tls\" (port 465); \
                     \"none\" with a login is allowed only to a relay on this machine (127.0.0.1, ::1, localhost)",
                    raw.host.get_ref().trim()
                ),
            );
        }
        let port = raw.port.unwrap_or(match raw.security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        });
        let ca_file = raw
            .ca_file
            .map(|ca| self.existing_file("smtp.ca_file", &ca));
        Some(Smtp {
            ca_file,
            host: raw.host.into_inner().trim().to_owned(),
            port,
            security: raw.security,
            username: raw.username,
            password,
            connections,
        })
    }

    /// A share between 0 and 1 (`default` when absent); `example` shows one.
    fn share(
        &mut self,
        value: Option<Spanned<f64>>,
        key: &str,
        default: f64,
        example: &str,
    ) -> f64 {
        let Some(value) = value else {
            return default;
        };
        let share = *value.get_ref();
        if !(0.0..=1.0).contains(&share) {
            self.report(
                Some(&value.span()),
                key,
                format!("must be a share between 0.0 and 1.0, such as {example}"),
            );
        }
        share
    }

    fn limits(&mut self, raw: file::Limits) -> Limits {
        let mut domain_rates = BTreeMap::new();
        for (domain, rate) in raw.domain_rates {
            match Address::parse(&format!("postmaster@{domain}")) {
                Ok(address) => {
                    domain_rates.insert(address.domain().to_owned(), rate);
                }
                Err(e) => self.report(
                    None,
                    &format!("limits.domain_rates.{domain}"),
                    format!("{domain:?} is not a domain: {e}"),
                ),
            }
        }
        let timezone =
            raw.timezone
                .as_ref()
                .and_then(|name| match jiff::tz::TimeZone::get(name.get_ref()) {
                    Ok(tz) => Some(tz),
                    Err(_) => {
                        self.report(
                            Some(&name.span()),
                            "limits.timezone",
                            format!(
                                "{:?} is not a known IANA time zone, such as \"Asia/Tokyo\"",
                                name.get_ref()
                            ),
                        );
                        None
                    }
                });
        if let (Some(window), None) = (&raw.window, &raw.timezone) {
            self.report(
                Some(&window.span()),
                "limits.window",
                "needs limits.timezone, so that 09:00 means the recipients' morning and not the server's \
                 (for Japan: timezone = \"Asia/Tokyo\")",
            );
        }
        let not_before = raw.not_before.as_ref().and_then(|text| {
            // An offset is required: "10:00" alone would mean the server's
            // zone, which is rarely the recipients'.
            match text.get_ref().parse::<jiff::Timestamp>() {
                Ok(at) => Some(at),
                Err(_) => {
                    self.report(
                        Some(&text.span()),
                        "limits.not_before",
                        format!(
                            "{:?} is not an RFC 3339 time with an offset, such as \"2026-12-01T10:00:00+09:00\"",
                            text.get_ref()
                        ),
                    );
                    None
                }
            }
        });
        let mut max_message_size = Vec::new();
        for (domain, size) in &raw.max_message_size {
            // Written as the journal keeps domains: IDNA, lower case.
            let key = match Address::parse(&format!("postmaster@{}", domain.trim_end_matches('.')))
            {
                Ok(address) => address.domain().to_owned(),
                Err(e) => {
                    self.report(
                        Some(&size.span()),
                        &format!("limits.max_message_size.{domain}"),
                        format!("{domain:?} is not a domain: {e}"),
                    );
                    continue;
                }
            };
            match sender_rules::parse_size(size.get_ref()) {
                Ok(bytes) => max_message_size.push((key, bytes)),
                Err(problem) => self.report(
                    Some(&size.span()),
                    &format!("limits.max_message_size.{domain}"),
                    problem,
                ),
            }
        }
        let max_failure_rate = self.share(
            raw.max_failure_rate,
            "limits.max_failure_rate",
            defaults::MAX_FAILURE_RATE,
            "0.05 for 5 %",
        );
        let max_complaint_rate = self.share(
            raw.max_complaint_rate,
            "limits.max_complaint_rate",
            defaults::MAX_COMPLAINT_RATE,
            "0.003 for 0.3 %",
        );
        let failure_window = raw
            .failure_window
            .map_or(defaults::FAILURE_WINDOW, |window| {
                if *window.get_ref() == 0 {
                    self.report(
                        Some(&window.span()),
                        "limits.failure_window",
                        "must be at least 1",
                    );
                }
                *window.get_ref()
            });
        Limits {
            rate: raw.rate,
            domain_rates,
            max_per_run: raw.max_per_run,
            window: raw.window.map(Spanned::into_inner),
            timezone,
            max_message_size,
            not_before,
            retry_attempts: raw.retry_attempts.unwrap_or(defaults::RETRY_ATTEMPTS),
            retry_delay: raw.retry_delay.map_or(defaults::RETRY_DELAY, |d| d.0),
            max_failure_rate,
            failure_window,
            max_complaint_rate,
        }
    }

    fn approval(&mut self, raw: file::Approval) -> Approval {
        let min_approvers = *raw.min_approvers.get_ref();
        if min_approvers == 0 {
            self.report(
                Some(&raw.min_approvers.span()),
                "approval.min_approvers",
                "must be at least 1; set required = false to send without approval",
            );
        }
        Approval {
            required: raw.required,
            min_approvers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the files a minimal campaign refers to and returns its folder.
    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("body.txt"), "本文").unwrap();
        std::fs::write(dir.path().join("list.csv"), "email\n").unwrap();
        dir
    }

    const VALID: &str = r#"
id = "2026-12-news"
kind = "advertisement"
list = "newsletter"

[sender]
from = "ASUE株式会社 <news@example.co.jp>"
organization = "ASUE株式会社"
postal_address = "〒450-0002 愛知県名古屋市"
contact = "052-000-0000"

[message]
subject = "{{ name }}様"
text = "body.txt"

[recipients]
path = "list.csv"

[unsubscribe]
url = "https://example.co.jp/unsubscribe"
"#;

    fn load(dir: &tempfile::TempDir, source: &str) -> Result<Campaign, ConfigError> {
        Campaign::from_source(&dir.path().join("campaign.toml"), source)
    }

    fn problems(dir: &tempfile::TempDir, source: &str) -> String {
        load(dir, source).unwrap_err().to_string()
    }

    #[test]
    fn loads_a_minimal_campaign_with_defaults() {
        let dir = folder();
        let campaign = load(&dir, VALID).unwrap();
        assert_eq!(campaign.recipients.email_column, "email");
        assert_eq!(campaign.recipients.encoding, Encoding::Auto);
        assert_eq!(campaign.recipients.path, dir.path().join("list.csv"));
        assert!(campaign.approval.required);
        assert_eq!(campaign.approval.min_approvers, 1);
        assert_eq!(campaign.envelope_sender().as_str(), "news@example.co.jp");
    }

    #[test]
    fn names_file_line_and_key_of_unknown_keys() {
        let dir = folder();
        let text = VALID.replace("text = \"body.txt\"", "text = \"body.txt\"\nsubjct = \"x\"");
        let message = problems(&dir, &text);
        assert!(message.contains("campaign.toml:15"), "{message}");
        assert!(message.contains("unknown field `subjct`"), "{message}");
    }

    #[test]
    fn reports_every_missing_identity_field_with_the_law() {
        let dir = folder();
        let text = VALID
            .replace("organization = \"ASUE株式会社\"\n", "")
            .replace("contact = \"052-000-0000\"\n", "contact = \"  \"\n");
        let message = problems(&dir, &text);
        assert!(
            message.contains("sender.organization: is missing"),
            "{message}"
        );
        assert!(
            message.contains("campaign.toml:9: sender.contact: must not be empty"),
            "{message}"
        );
        assert!(message.contains("特定電子メール法"), "{message}");
        // A notice needs no identity fields.
        let notice = text.replace("kind = \"advertisement\"", "kind = \"notice\"");
        assert!(load(&dir, &notice).is_ok());
    }

    #[test]
    fn refuses_a_password_in_the_file() {
        let dir = folder();
        let text = format!(
            "{VALID}\n[smtp]\nhost = \"smtp.example.co.jp\"\nusername = \"u\"\npassword = \"hunter2\"\n"
        );
        let message = problems(&dir, &text);
        assert!(
            message.contains("smtp.password: a password may not be written"),
            "{message}"
        );
        assert!(message.contains("password_env"), "{message}");
        assert!(
            !message.contains("hunter2"),
            "the password leaked: {message}"
        );
    }

    #[test]
    fn refuses_bad_values_at_their_lines() {
        let dir = folder();
        let text = format!("{VALID}\n[limits]\nrate = \"10/day\"\n");
        let message = problems(&dir, &text);
        assert!(message.contains("campaign.toml:23"), "{message}");
        assert!(message.contains("unknown unit"), "{message}");

        let text = VALID.replace(
            "https://example.co.jp/unsubscribe",
            "http://example.co.jp/u",
        );
        assert!(problems(&dir, &text).contains("must be an https:// URL"));

        let text = VALID.replace("body.txt", "missing.txt");
        let message = problems(&dir, &text);
        assert!(
            message.contains("campaign.toml:14: message.text"),
            "{message}"
        );

        let text = format!("{VALID}\n[limits]\nwindow = \"09:00-20:00\"\n");
        assert!(problems(&dir, &text).contains("needs limits.timezone"));

        let text = VALID.replace("kind = \"advertisement\"", "kind = \"advert\"");
        assert!(problems(&dir, &text).contains("campaign.toml:3"));
    }

    #[test]
    fn dkim_alignment_follows_the_organizational_domain() {
        assert!(aligned("example.co.jp", "mail.example.co.jp"));
        assert!(aligned("news.example.co.jp", "example.co.jp"));
        assert!(!aligned("co.jp", "example.co.jp"));
        assert!(!aligned("example.jp", "example.co.jp"));
        assert!(!aligned("other.co.jp", "example.co.jp"));
    }

    #[test]
    fn resolves_smtp_defaults() {
        let dir = folder();
        let text = format!("{VALID}\n[smtp]\nhost = \"smtp.example.co.jp\"\nsecurity = \"tls\"\n");
        let smtp = load(&dir, &text).unwrap().smtp.unwrap();
        assert_eq!((smtp.port, smtp.connections), (465, 4));
        assert_eq!(smtp.password, PasswordSource::None);
    }
}
