//! The campaign file exactly as written, before paths are resolved and the
//! rules that span several keys are checked. Every table refuses unknown keys,
//! so a misspelt key is an error instead of a silently ignored setting.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::limits::{Delay, Rate, SendWindow};
use super::{FooterLocale, Kind, Security};
use crate::address::{Address, Mailbox};
use crate::csv_input::Encoding;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CampaignFile {
    pub id: Spanned<String>,
    pub kind: Kind,
    pub list: Spanned<String>,
    pub store: Option<PathBuf>,
    pub log: Option<PathBuf>,
    pub sender: Sender,
    pub message: Message,
    pub recipients: Recipients,
    pub unsubscribe: Option<Unsubscribe>,
    pub dkim: Option<Spanned<Dkim>>,
    pub smtp: Option<Spanned<SmtpTables>>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub approval: Approval,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Sender {
    pub from: Spanned<Mailbox>,
    pub reply_to: Option<Address>,
    pub return_path: Option<Address>,
    pub verp: Option<Spanned<bool>>,
    pub organization: Option<Spanned<String>>,
    pub postal_address: Option<Spanned<String>>,
    pub contact: Option<Spanned<String>>,
    #[serde(default)]
    pub public_mailbox_domains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Message {
    pub subject: Spanned<String>,
    pub text: Spanned<PathBuf>,
    pub html: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub attachments: Vec<Spanned<PathBuf>>,
    #[serde(default)]
    pub footer_locale: FooterLocale,
    pub feedback_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Recipients {
    pub path: Spanned<PathBuf>,
    #[serde(default = "default_email_column")]
    pub email_column: Spanned<String>,
    #[serde(default)]
    pub encoding: Encoding,
}

fn default_email_column() -> Spanned<String> {
    Spanned::new(0..0, "email".to_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Unsubscribe {
    pub url: Option<Spanned<String>>,
    pub mailto: Option<Address>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Dkim {
    pub domain: String,
    pub selector: String,
    pub private_key: Spanned<PathBuf>,
}

/// `[smtp]`, one relay, or `[[smtp]]`, a pool of them.
pub(super) enum SmtpTables {
    One(Box<Smtp>),
    Pool(Vec<Spanned<Smtp>>),
}

impl<'de> Deserialize<'de> for SmtpTables {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Tables;
        impl<'de> serde::de::Visitor<'de> for Tables {
            type Value = SmtpTables;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an [smtp] table or [[smtp]] tables")
            }

            // Read through the toml deserializer's own map and sequence, so
            // that unknown keys and wrong types keep their line.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<SmtpTables, A::Error> {
                Smtp::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|table| SmtpTables::One(Box::new(table)))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<SmtpTables, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(SmtpTables::Pool)
            }
        }
        deserializer.deserialize_any(Tables)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Smtp {
    /// The relay's name in logs and reports (a pool's relays need one).
    pub name: Option<Spanned<String>>,
    /// Its share of a pool's messages.
    pub weight: Option<Spanned<u32>>,
    /// The relay's own limit (a provider's), on top of the campaign's pace.
    pub rate: Option<Rate>,
    pub host: Spanned<String>,
    pub port: Option<u16>,
    #[serde(default)]
    pub security: Security,
    pub username: Option<String>,
    pub password_env: Option<Spanned<String>>,
    pub password_file: Option<Spanned<PathBuf>>,
    /// Present only so that a password written into the file gets its own
    /// explanation instead of "unknown field".
    pub password: Option<Spanned<toml::Value>>,
    #[serde(default = "default_connections")]
    pub connections: Spanned<u32>,
    pub ca_file: Option<Spanned<PathBuf>>,
}

fn default_connections() -> Spanned<u32> {
    Spanned::new(0..0, 4)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Limits {
    pub rate: Option<Rate>,
    #[serde(default)]
    pub domain_rates: BTreeMap<String, Rate>,
    #[serde(default)]
    pub max_per_run: u64,
    pub window: Option<Spanned<SendWindow>>,
    pub timezone: Option<Spanned<String>>,
    pub retry_attempts: Option<u32>,
    pub retry_delay: Option<Delay>,
    pub relay_backoff: Option<Delay>,
    pub max_failure_rate: Option<Spanned<f64>>,
    pub failure_window: Option<Spanned<u32>>,
    pub max_complaint_rate: Option<Spanned<f64>>,
    pub not_before: Option<Spanned<String>>,
    #[serde(default)]
    pub max_message_size: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Approval {
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default = "one")]
    pub min_approvers: Spanned<u32>,
}

impl Default for Approval {
    fn default() -> Self {
        Approval {
            required: true,
            min_approvers: Spanned::new(0..0, 1),
        }
    }
}

fn yes() -> bool {
    true
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}
