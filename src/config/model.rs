//! The campaign as the rest of hikyaku sees it, after every check passed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::limits::{Rate, SendWindow};
use crate::address::{Address, Mailbox};
use crate::csv_input::Encoding;

/// What kind of mail a campaign sends; it decides whether consent is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
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
pub(crate) enum FooterLocale {
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
pub(crate) enum Security {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test server.
    None,
}

/// Defaults of `[limits]` beyond design.md's keys.
pub(crate) mod defaults {
    use std::time::Duration;
    /// Attempts for a 4xx within one run.
    pub(crate) const RETRY_ATTEMPTS: u32 = 3;
    /// The first retry waits this long, then twice as long each time.
    pub(crate) const RETRY_DELAY: Duration = Duration::from_secs(60);
    /// A relay of a pool that failed is set aside this long at first...
    pub(crate) const RELAY_BACKOFF: Duration = Duration::from_secs(30);
    /// ...doubling with each further failure up to this.
    pub(crate) const MAX_RELAY_BACKOFF: Duration = Duration::from_secs(600);
    /// 5 % of the last 200 attempts failing stops a run.
    pub(crate) const MAX_FAILURE_RATE: f64 = 0.05;
    /// See [`MAX_FAILURE_RATE`].
    pub(crate) const FAILURE_WINDOW: u32 = 200;
    /// Gmail's and Yahoo's line: complaints above 0.3 % of mail sent.
    pub(crate) const MAX_COMPLAINT_RATE: f64 = 0.003;
    /// Above this a send warns (Google asks senders to stay under 0.1 %).
    pub(crate) const COMPLAINT_WARNING_RATE: f64 = 0.001;
}

/// A validated campaign with absolute paths.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The campaign file itself.
    pub(crate) path: PathBuf,
    /// The stable journal key.
    pub(crate) id: String,
    /// Advertisement or notice.
    pub(crate) kind: Kind,
    /// The consent and unsubscribe scope, and the `List-Id` label.
    pub(crate) list: String,
    /// The store named in the file, resolved; the CLI decides precedence.
    pub(crate) store: Option<PathBuf>,
    /// The JSON Lines delivery log, when the file names one.
    pub(crate) log: Option<PathBuf>,
    /// Who sends.
    pub(crate) sender: Sender,
    /// What is sent.
    pub(crate) message: Message,
    /// Where the recipients come from.
    pub(crate) recipients: Recipients,
    /// How recipients refuse further mail.
    pub(crate) unsubscribe: Unsubscribe,
    /// DKIM signing, when configured.
    pub(crate) dkim: Option<Dkim>,
    /// The relays: one from `[smtp]`, several from `[[smtp]]`; none when
    /// not configured (preview and dry runs do without).
    pub(crate) relays: Vec<Smtp>,
    /// Pacing.
    pub(crate) limits: Limits,
    /// The sign-off rule.
    pub(crate) approval: Approval,
}

/// The `[sender]` table.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
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
pub(crate) struct Message {
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
pub(crate) struct Recipients {
    /// The CSV file.
    pub path: PathBuf,
    /// The header of the address column.
    pub email_column: String,
    /// The CSV's encoding.
    pub encoding: Encoding,
}

/// The `[unsubscribe]` table.
#[derive(Debug, Clone)]
pub(crate) struct Unsubscribe {
    /// The https base URL; a per-recipient token is appended as a path segment.
    pub url: url::Url,
    /// An address that unsubscribes whoever writes to it.
    pub mailto: Option<Address>,
}

impl Unsubscribe {
    /// The URL of part `number` of a sharded send: the part's number as
    /// one more path segment (`…/unsubscribe/2/TOKEN`), so that a proxy can
    /// route each part's links to the host whose store issued them, while
    /// every host keeps the same (approved) campaign file.
    pub(crate) fn for_part(&mut self, number: u64) {
        if let Ok(mut segments) = self.url.path_segments_mut() {
            segments.pop_if_empty().push(&number.to_string());
        }
    }
}

/// The `[dkim]` table.
#[derive(Debug, Clone)]
pub(crate) struct Dkim {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// The PEM private key file.
    pub private_key: PathBuf,
}

/// Where the SMTP password comes from. Never from the campaign file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PasswordSource {
    /// No authentication.
    None,
    /// The named environment variable.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
}

/// One `[smtp]` table: a relay.
#[derive(Debug, Clone)]
pub(crate) struct Smtp {
    /// Its name in logs and reports: `name`, or `host:port`.
    pub name: String,
    /// Its share of a pool's messages (1 when alone).
    pub weight: u32,
    /// Its own limit, on top of the campaign's pace.
    pub rate: Option<Rate>,
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
pub(crate) struct Limits {
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
    /// How long a relay of a pool that failed is set aside the first time;
    /// it doubles with each further failure, up to ten minutes.
    pub relay_backoff: Duration,
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
pub(crate) struct Approval {
    /// Whether a send needs an approval of the current digest.
    pub required: bool,
    /// Distinct approvers needed.
    pub min_approvers: u32,
}

#[cfg(test)]
impl Limits {
    /// Limits for unit tests: `rate` and `domain_rates` as written in a
    /// campaign file, the defaults for the rest, no window.
    pub(crate) fn for_tests(rate: Option<&str>, domains: &[(&str, &str)]) -> Limits {
        let parse = |text: &str| Rate::parse(text).expect("a rate");
        Limits {
            rate: rate.map(parse),
            domain_rates: domains
                .iter()
                .map(|(domain, rate)| (domain.to_string(), parse(rate)))
                .collect(),
            max_per_run: 0,
            window: None,
            timezone: None,
            max_message_size: Vec::new(),
            not_before: None,
            retry_attempts: 3,
            retry_delay: Duration::ZERO,
            relay_backoff: Duration::from_secs(30),
            max_failure_rate: 0.05,
            failure_window: 200,
            max_complaint_rate: 0.003,
        }
    }
}
