//! The checks of how mail leaves: the relay, the pace and the approval.

use std::collections::BTreeMap;
use std::time::Duration;

use toml::Spanned;

use super::checks::Checker;
use super::limits::Delay;
use super::*;
use crate::address::Address;

/// The most connections a campaign may open; more only gets the sender throttled.
const MAX_CONNECTIONS: u32 = 64;

impl Checker<'_> {
    /// `[smtp]` or `[[smtp]]`: the relays, each checked and named.
    pub(super) fn smtp(&mut self, raw: Spanned<file::SmtpTables>) -> Vec<Smtp> {
        let span = raw.span();
        match raw.into_inner() {
            file::SmtpTables::One(table) => vec![self.relay(*table, span, "smtp")],
            file::SmtpTables::Pool(tables) => {
                if tables.is_empty() {
                    self.report(Some(&span), "smtp", "names no relay");
                }
                let mut relays: Vec<Smtp> = Vec::with_capacity(tables.len());
                for (index, table) in tables.into_iter().enumerate() {
                    let table_span = table.span();
                    let key = format!("smtp[{}]", index + 1);
                    let relay = self.relay(table.into_inner(), table_span.clone(), &key);
                    if relays.iter().any(|other| other.name == relay.name) {
                        self.report(
                            Some(&table_span),
                            &format!("{key}.name"),
                            format!(
                                "{:?} names two relays of the pool: give each its own name",
                                relay.name
                            ),
                        );
                    }
                    relays.push(relay);
                }
                relays
            }
        }
    }

    /// One relay's table; `key` names it in errors (`smtp`, or `smtp[2]`
    /// in a pool).
    fn relay(&mut self, raw: file::Smtp, table_span: std::ops::Range<usize>, key: &str) -> Smtp {
        if let Some(password) = &raw.password {
            self.report(
                Some(&password.span()),
                &format!("{key}.password"),
                "a password may not be written into the campaign file (it would travel with copies, \
                 backups and version control); put it in an environment variable and set \
                 password_env = \"SMTP_PASSWORD\", or in a file only you can read and set password_file",
            );
        }
        let password = match (raw.password_env, raw.password_file) {
            (Some(var), Some(file)) => {
                self.report(
                    Some(&file.span()),
                    &format!("{key}.password_file"),
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
                    &format!("{key}.password_env"),
                    "must name an environment variable",
                );
                PasswordSource::None
            }
            (Some(var), None) => PasswordSource::Env(var.into_inner()),
            (None, Some(file)) => {
                PasswordSource::File(self.existing_file(&format!("{key}.password_file"), &file))
            }
            (None, None) => PasswordSource::None,
        };
        if raw.username.is_some() && password == PasswordSource::None && raw.password.is_none() {
            self.report(
                Some(&table_span),
                &format!("{key}.username"),
                "is set but no password source is: add password_env or password_file",
            );
        }
        let connections = *raw.connections.get_ref();
        if !(1..=MAX_CONNECTIONS).contains(&connections) {
            self.report(
                Some(&raw.connections.span()),
                &format!("{key}.connections"),
                format!("must be between 1 and {MAX_CONNECTIONS}"),
            );
        }
        if raw.host.get_ref().trim().is_empty() {
            self.report(
                Some(&raw.host.span()),
                &format!("{key}.host"),
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
                &format!("{key}.security"),
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
            .map(|ca| self.existing_file(&format!("{key}.ca_file"), &ca));
        let host = raw.host.into_inner().trim().to_owned();
        let weight = match raw.weight {
            Some(weight) if *weight.get_ref() == 0 => {
                self.report(
                    Some(&weight.span()),
                    &format!("{key}.weight"),
                    "must be 1 or more (leave a relay out of the pool to stop using it)",
                );
                1
            }
            Some(weight) => weight.into_inner(),
            None => 1,
        };
        Smtp {
            name: raw
                .name
                .map(|name| name.into_inner().trim().to_owned())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| format!("{host}:{port}")),
            weight,
            rate: raw.rate,
            ca_file,
            host,
            port,
            security: raw.security,
            username: raw.username,
            password,
            connections,
        }
    }

    /// `limits.relay_backoff`: at least a second (a relay never set aside
    /// would be retried in a tight loop), at most the longest back-off.
    fn relay_backoff(&mut self, raw: Option<Delay>) -> Duration {
        let Some(Delay(backoff)) = raw else {
            return defaults::RELAY_BACKOFF;
        };
        if backoff < Duration::from_secs(1) {
            self.report(
                None,
                "limits.relay_backoff",
                "must be at least 1s (a relay that fails is then set aside that long, twice as long each further time)",
            );
        }
        backoff.clamp(Duration::from_secs(1), defaults::MAX_RELAY_BACKOFF)
    }

    /// A share between 0 and 1 (`default` when absent); `example` shows one.
    pub(super) fn share(
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

    pub(super) fn limits(&mut self, raw: file::Limits) -> Limits {
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
            relay_backoff: self.relay_backoff(raw.relay_backoff),
            max_failure_rate,
            failure_window,
            max_complaint_rate,
        }
    }

    pub(super) fn approval(&mut self, raw: file::Approval) -> Approval {
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
