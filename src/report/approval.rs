//! `preview --report`: the page an approver signs off from.

use std::path::Path;

use serde::Serialize;

use super::sample::{Sample, SampleView, sample_view};
use super::{ReportError, chart, duration_text, grouped, local_time, percent};
use crate::config::{Campaign, FooterLocale};
use crate::estimate::Estimate;

/// What the page shows in place of a recipient's unsubscribe token.
pub(super) const REDACTED_TOKEN: &str = "TOKEN-HIDDEN-IN-REPORT";

/// How many recipient domains the page names before "other".
pub(super) const TOP_DOMAINS: usize = 20;

/// A skipped row shown as an example of its reason.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SkippedExample {
    /// The CSV line.
    pub line: u64,
    /// The row's address column, as written.
    pub email: String,
    /// More on the reason (why an address is invalid).
    pub detail: String,
}

/// Everything `preview --report` shows.
pub(crate) struct ApprovalReport<'a> {
    pub campaign: &'a Campaign,
    pub digest: &'a crate::digest::CampaignDigest,
    /// Names that approved this exact digest.
    pub approvers: Vec<(String, i64, String)>,
    /// The last approval of another digest: who, when, and the files that
    /// changed since.
    pub changed_since: Option<(String, i64, Vec<String>)>,
    pub total_rows: u64,
    pub eligible: u64,
    /// Skip reasons with their counts and first rows.
    pub skipped: Vec<(&'static str, u64, Vec<SkippedExample>)>,
    /// Eligible recipients by domain.
    pub domains: std::collections::BTreeMap<String, u64>,
    pub estimate: Estimate,
    /// The cron cadence the estimate assumed.
    pub cadence: std::time::Duration,
    pub samples: Vec<Sample>,
    pub generated: jiff::Timestamp,
}

#[derive(Serialize)]
struct Row {
    label: String,
    count: String,
    share: String,
    pace: String,
}

impl ApprovalReport<'_> {
    /// Writes the page to `path`.
    pub(crate) fn write(&self, path: &Path) -> Result<(), ReportError> {
        let html = self.render()?;
        super::write(path, &html)
    }

    /// The page.
    pub(crate) fn render(&self) -> Result<String, ReportError> {
        let campaign = self.campaign;
        let ja = matches!(campaign.message.footer_locale, FooterLocale::Japanese);
        let zone = campaign.limits.timezone.as_ref();
        let skipped_total: u64 = self.skipped.iter().map(|(_, count, _)| count).sum();
        let skip_chart = chart::bars(
            &self
                .skipped
                .iter()
                .map(|(reason, count, _)| (reason_label(reason, ja).to_owned(), *count))
                .collect::<Vec<_>>(),
            if ja {
                "除外の理由"
            } else {
                "Skip reasons"
            },
        );

        let mut by_count: Vec<(&String, &u64)> = self.domains.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let global = campaign.limits.rate.as_ref().map(|rate| rate.to_string());
        let pace_of = |domain: &str| match campaign.limits.domain_rates.get(domain) {
            Some(rate) => match &global {
                Some(global) => format!("{rate} ({} {global})", if ja { "全体" } else { "global" }),
                None => rate.to_string(),
            },
            None => global
                .clone()
                .map(|g| format!("{g} ({})", if ja { "全体" } else { "global" }))
                .unwrap_or_else(|| if ja { "制限なし" } else { "unlimited" }.into()),
        };
        let mut domains: Vec<Row> = by_count
            .iter()
            .take(super::approval::TOP_DOMAINS)
            .map(|(domain, count)| Row {
                label: (*domain).clone(),
                count: grouped(**count),
                share: percent(**count, self.eligible),
                pace: pace_of(domain),
            })
            .collect();
        let other: u64 = by_count.iter().skip(TOP_DOMAINS).map(|(_, c)| **c).sum();
        if other > 0 {
            domains.push(Row {
                label: format!(
                    "{} ({} {})",
                    if ja { "その他" } else { "other" },
                    by_count.len() - TOP_DOMAINS,
                    if ja { "ドメイン" } else { "domains" }
                ),
                count: grouped(other),
                share: percent(other, self.eligible),
                pace: pace_of(""),
            });
        }
        let domain_chart = chart::bars(
            &by_count
                .iter()
                .take(10)
                .map(|(d, c)| ((*d).clone(), **c))
                .collect::<Vec<_>>(),
            if ja {
                "宛先ドメイン"
            } else {
                "Recipient domains"
            },
        );

        let estimate = &self.estimate;
        let lanes: Vec<Row> = estimate
            .lanes
            .iter()
            .map(|lane| Row {
                label: lane.domain.clone(),
                count: grouped(lane.count),
                share: duration_text(lane.alone, ja),
                pace: lane.rate_text.clone().unwrap_or_default(),
            })
            .collect();

        let samples: Vec<SampleView> = self
            .samples
            .iter()
            .map(|sample| sample_view(sample, campaign, ja))
            .collect();

        // As the send gate counts them: distinct names, without case.
        let distinct_approvers = self
            .approvers
            .iter()
            .map(|(name, _, _)| name.trim().to_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let approve_command = format!(
            "hikyaku approve {} --by {}",
            shell_quote(&campaign.path.display().to_string()),
            if ja { "氏名" } else { "NAME" }
        );
        let files: Vec<(String, String, String)> = self
            .digest
            .files
            .iter()
            .map(|f| (f.role.to_owned(), f.path.display().to_string(), f.hex()))
            .collect();
        let approvers: Vec<(String, String, String)> = self
            .approvers
            .iter()
            .map(|(name, at, note)| (name.clone(), format_at(*at, zone), note.clone()))
            .collect();
        // Once this digest is approved, what changed before it is history.
        let changed = self
            .changed_since
            .as_ref()
            .filter(|(_, _, files)| !files.is_empty() && self.approvers.is_empty())
            .map(|(name, at, files)| (name.clone(), format_at(*at, zone), files.clone()));
        let skipped: Vec<(String, String, Vec<SkippedExample>)> = self
            .skipped
            .iter()
            .map(|(reason, count, examples)| {
                (
                    reason_label(reason, ja).to_owned(),
                    grouped(*count),
                    examples.clone(),
                )
            })
            .collect();

        super::render(
            "approval.html",
            campaign.message.footer_locale,
            minijinja::context! {
                generated => local_time(self.generated, zone),
                campaign => minijinja::context! {
                    id => campaign.id.clone(),
                    kind => campaign.kind.to_string(),
                    list => campaign.list.clone(),
                    from => mailbox_text(&campaign.sender.from),
                    subject => campaign.message.subject.clone(),
                    path => campaign.path.display().to_string(),
                },
                files => minijinja::Value::from(minijinja::value::Serde(&files)),
                digest => self.digest.hex(),
                required => campaign.approval.required,
                min_approvers => campaign.approval.min_approvers,
                approvers => minijinja::Value::from(minijinja::value::Serde(&approvers)),
                approved => !campaign.approval.required
                    || distinct_approvers >= campaign.approval.min_approvers as usize,
                approval_count => distinct_approvers,
                approve_command => approve_command,
                changed => minijinja::Value::from(minijinja::value::Serde(&changed)),
                total_rows => grouped(self.total_rows),
                eligible => grouped(self.eligible),
                skipped_total => grouped(skipped_total),
                skipped => minijinja::Value::from(minijinja::value::Serde(&skipped)),
                skip_chart => minijinja::Value::from_safe_string(skip_chart),
                domains => minijinja::Value::from(minijinja::value::Serde(&domains)),
                domain_count => self.domains.len(),
                domain_chart => minijinja::Value::from_safe_string(domain_chart),
                lanes => minijinja::Value::from(minijinja::value::Serde(&lanes)),
                estimate => minijinja::context! {
                    start => local_time(estimate.start, zone),
                    finish => estimate.finish.map(|t| local_time(t, zone)),
                    scheduled => estimate.scheduled,
                    sending => duration_text(estimate.sending, ja),
                    runs => estimate.runs,
                    bottleneck => estimate.bottleneck.clone(),
                    unpaced => estimate.unpaced,
                    window => campaign.limits.window.as_ref().map(|w| w.to_string()),
                    zone => zone.and_then(|z| z.iana_name()).map(str::to_owned),
                    max_per_run => campaign.limits.max_per_run,
                    cadence => duration_text(self.cadence, ja),
                    global => global,
                    not_before => campaign.limits.not_before.map(|t| local_time(t, zone)),
                },
                samples => minijinja::Value::from(minijinja::value::Serde(&samples)),
            },
        )
    }
}

/// `Name <address>`, as people read a From.
pub(super) fn mailbox_text(mailbox: &crate::address::Mailbox) -> String {
    match &mailbox.name {
        Some(name) => format!("{name} <{}>", mailbox.address),
        None => mailbox.address.to_string(),
    }
}

fn format_at(unix: i64, zone: Option<&jiff::tz::TimeZone>) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| local_time(t, zone))
        .unwrap_or_default()
}

/// A path as the shell reads it.
fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn reason_label(reason: &str, ja: bool) -> &'static str {
    match (reason, ja) {
        ("suppressed", true) => "配信停止・抑止リスト",
        ("no_consent", true) => "同意の記録なし",
        ("invalid_address", true) => "アドレスが不正",
        ("duplicate", true) => "重複",
        ("already_sent", true) => "送信済み",
        ("suppressed", false) => "suppressed",
        ("no_consent", false) => "no consent on record",
        ("invalid_address", false) => "invalid address",
        ("duplicate", false) => "duplicate",
        ("already_sent", false) => "already sent",
        _ => "other",
    }
}
