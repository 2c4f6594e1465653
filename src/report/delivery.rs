//! `status --report`: how a send went, during or after it.

use std::path::Path;

use super::{ReportError, chart, grouped, local_time};
use crate::config::{Campaign, FooterLocale};
use crate::store::feedback::{CampaignRates, DomainBlocks};

/// Everything `status --report` shows.
pub(crate) struct DeliveryReport<'a> {
    pub campaign: &'a Campaign,
    /// (state, count) in `status` order.
    pub counts: Vec<(&'static str, u64)>,
    /// Messages accepted per minute: (unix minute, count).
    pub sent_per_minute: Vec<(i64, u64)>,
    /// (state, domain, reply, count) of what was not delivered.
    pub undelivered: Vec<(String, String, String, u64)>,
    pub rates: CampaignRates,
    pub blocks: Vec<DomainBlocks>,
    pub generated: jiff::Timestamp,
}

/// Google's and Yahoo's lines for complaint rates: stay under 0.1 %, never
/// reach 0.3 %.
const COMPLAINT_TARGET: f64 = 0.001;
const COMPLAINT_LIMIT: f64 = 0.003;

impl DeliveryReport<'_> {
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
        let minute_label = |minute: i64| {
            jiff::Timestamp::from_second(minute * 60)
                .map(|t| {
                    let zone = zone.cloned().unwrap_or(jiff::tz::TimeZone::UTC);
                    t.to_zoned(zone).strftime("%m-%d %H:%M").to_string()
                })
                .unwrap_or_default()
        };
        // Every minute from the first to the last, gaps as zero, so the
        // chart shows pauses (window, cap, cron) as they were.
        let mut series = Vec::new();
        if let (Some(first), Some(last)) =
            (self.sent_per_minute.first(), self.sent_per_minute.last())
        {
            let span = last.0 - first.0 + 1;
            // More than a day of minutes would be too many columns: hours.
            let bucket = if span > 24 * 60 { 60 } else { 1 };
            let mut index = 0;
            let mut minute = first.0 - first.0.rem_euclid(bucket);
            while minute <= last.0 {
                let mut count = 0;
                while index < self.sent_per_minute.len()
                    && self.sent_per_minute[index].0 < minute + bucket
                {
                    count += self.sent_per_minute[index].1;
                    index += 1;
                }
                series.push((minute_label(minute), count));
                minute += bucket;
            }
        }
        let per_time = if series.len() > 1
            && series.len()
                == (self.sent_per_minute.last().map_or(0, |l| l.0)
                    - self.sent_per_minute.first().map_or(0, |f| f.0)
                    + 1) as usize
        {
            if ja {
                "1分ごとの送信数"
            } else {
                "Sent per minute"
            }
        } else if ja {
            "送信数の推移"
        } else {
            "Sent over time"
        };
        let sent_chart = chart::columns(&series, per_time);
        let total: u64 = self.counts.iter().map(|(_, c)| c).sum();
        let state_chart = chart::bars(
            &self
                .counts
                .iter()
                .map(|(state, count)| (state_label(state, ja).to_owned(), *count))
                .collect::<Vec<_>>(),
            if ja {
                "状態ごとの件数"
            } else {
                "Recipients by state"
            },
        );
        let rates = self.rates;
        let rate_rows = vec![
            (
                if ja { "苦情率" } else { "Complaint rate" },
                grouped(rates.complaints),
                format!("{:.3} %", rates.complaint_rate() * 100.0),
                rate_gauge(rates.complaint_rate()),
                if rates.complaint_rate() >= COMPLAINT_LIMIT {
                    "ng"
                } else if rates.complaint_rate() >= COMPLAINT_TARGET {
                    "warn"
                } else {
                    "ok"
                },
            ),
            (
                if ja {
                    "ハードバウンス率"
                } else {
                    "Hard bounce rate"
                },
                grouped(rates.hard_bounces),
                format!("{:.2} %", rates.bounce_rate() * 100.0),
                String::new(),
                if rates.bounce_rate() >= 0.02 {
                    "warn"
                } else {
                    "ok"
                },
            ),
            (
                if ja { "配信停止" } else { "Unsubscribes" },
                grouped(rates.unsubscribes),
                super::percent(rates.unsubscribes, rates.sent),
                String::new(),
                "ok",
            ),
            (
                if ja {
                    "ソフトバウンス"
                } else {
                    "Soft bounces"
                },
                grouped(rates.soft_bounces),
                super::percent(rates.soft_bounces, rates.sent),
                String::new(),
                "ok",
            ),
        ];
        let rate_rows: Vec<minijinja::Value> = rate_rows
            .into_iter()
            .map(|(label, count, rate, gauge, class)| {
                minijinja::context! {
                    label => label, count => count, rate => rate,
                    gauge => minijinja::Value::from_safe_string(gauge), class => class,
                }
            })
            .collect();
        let undelivered: Vec<(String, String, String, String)> = self
            .undelivered
            .iter()
            .map(|(state, domain, why, count)| {
                (state.clone(), domain.clone(), why.clone(), grouped(*count))
            })
            .collect();
        let blocks: Vec<(String, String, String, String, String)> = self
            .blocks
            .iter()
            .map(|b| {
                (
                    b.domain.clone(),
                    grouped(b.blocks),
                    grouped(b.recipients),
                    jiff::Timestamp::from_second(b.last_at)
                        .map(|t| local_time(t, zone))
                        .unwrap_or_default(),
                    b.last_reason.clone(),
                )
            })
            .collect();
        super::render(
            "delivery.html",
            campaign.message.footer_locale,
            minijinja::context! {
                generated => local_time(self.generated, zone),
                campaign => minijinja::context! {
                    id => campaign.id.clone(),
                    list => campaign.list.clone(),
                    from => super::approval::mailbox_text(&campaign.sender.from),
                    kind => campaign.kind.to_string(),
                },
                total => grouped(total),
                counts => minijinja::Value::from(minijinja::value::Serde(
                    self.counts
                        .iter()
                        .map(|(s, c)| (state_label(s, ja), grouped(*c)))
                        .collect::<Vec<_>>()
                )),
                sent => grouped(rates.sent),
                state_chart => minijinja::Value::from_safe_string(state_chart),
                sent_chart => minijinja::Value::from_safe_string(sent_chart),
                has_series => !series.is_empty(),
                rates => rate_rows,
                undelivered => minijinja::Value::from(minijinja::value::Serde(&undelivered)),
                blocks => minijinja::Value::from(minijinja::value::Serde(&blocks)),
            },
        )
    }
}

/// A state as the page's reader calls it.
fn state_label(state: &str, ja: bool) -> &str {
    if !ja {
        return state;
    }
    match state {
        "pending" => "未送信 (pending)",
        "sending" => "送信中 (sending)",
        "sent" => "送信済み (sent)",
        "deferred" => "再試行待ち (deferred)",
        "failed" => "失敗 (failed)",
        "unknown" => "結果不明 (unknown)",
        "skipped" => "除外 (skipped)",
        other => other,
    }
}

/// A bar for a complaint rate on a 0–0.5 % scale, with Google's and
/// Yahoo's 0.1 % and 0.3 % lines.
fn rate_gauge(rate: f64) -> String {
    const WIDTH: f64 = 300.0;
    const SCALE: f64 = 0.005;
    let x = |value: f64| (value / SCALE).min(1.0) * WIDTH;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"30\" viewBox=\"0 0 {WIDTH} 30\" role=\"img\">\
         <title>{:.3} % (0.1 % / 0.3 %)</title>\
         <rect x=\"0\" y=\"6\" width=\"{WIDTH}\" height=\"12\" fill=\"#eef1f5\"/>\
         <rect x=\"0\" y=\"6\" width=\"{:.1}\" height=\"12\" class=\"bar\"/>\
         <line x1=\"{:.1}\" y1=\"2\" x2=\"{:.1}\" y2=\"22\" class=\"limit\" style=\"stroke:#8a5a00\"/>\
         <line x1=\"{:.1}\" y1=\"2\" x2=\"{:.1}\" y2=\"22\" class=\"limit\"/>\
         <text x=\"{:.1}\" y=\"30\" font-size=\"9\">0.1%</text><text x=\"{:.1}\" y=\"30\" font-size=\"9\">0.3%</text></svg>",
        rate * 100.0,
        x(rate).max(1.0),
        x(COMPLAINT_TARGET),
        x(COMPLAINT_TARGET),
        x(COMPLAINT_LIMIT),
        x(COMPLAINT_LIMIT),
        x(COMPLAINT_TARGET) - 10.0,
        x(COMPLAINT_LIMIT) - 10.0,
    )
}
