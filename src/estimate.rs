//! How long a send will take: the pace of each recipient domain under the
//! campaign's rates, then the calendar under its window, `max_per_run`, the
//! scheduled start and the cron cadence.
//!
//! The model is fluid: the global rate is shared among domains, each domain
//! at most at its own rate, so the sending time is the longest of the total
//! at the global rate and each paced domain at its rate (the scheduler keeps
//! every lane busy, so the slowest lane decides). Deferrals and retries are
//! not foreseen. Without a global rate, unpaced domains go as fast as the
//! relay takes them, which the estimate counts as no time.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::Limits;

/// One recipient domain's share of the send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lane {
    /// The domain (lower-case ASCII).
    pub domain: String,
    /// Its eligible recipients.
    pub count: u64,
    /// Its own rate (`limits.domain_rates`), messages per second.
    pub rate: Option<f64>,
    /// Its rate as written in the campaign (`30/min`).
    pub rate_text: Option<String>,
    /// The time this lane alone needs at its own rate.
    pub alone: Duration,
}

/// The estimate for a send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Estimate {
    /// When the first run starts: now, or the first cron tick from
    /// `limits.not_before` when that is later (and inside the window).
    pub start: jiff::Timestamp,
    /// Whether the start is the scheduled one (`limits.not_before`).
    pub scheduled: bool,
    /// The time spent sending, outside pauses.
    pub sending: Duration,
    /// What sets the pace: "the global rate 10/s" or a domain.
    pub bottleneck: Option<String>,
    /// How many runs (cron invocations) it takes.
    pub runs: u64,
    /// When the last message leaves; `None` when the send would never end
    /// (no cron run falls inside the window).
    pub finish: Option<jiff::Timestamp>,
    /// Whether some mail has no rate at all (the relay decides).
    pub unpaced: bool,
    /// Domains with their own rate, slowest first.
    pub lanes: Vec<Lane>,
}

/// Estimates sending `counts` (eligible recipients by domain) under
/// `limits`, starting no earlier than `now`, with a run every `cadence`
/// (the cron job's interval, aligned to local midnight).
pub(crate) fn estimate(
    counts: &BTreeMap<String, u64>,
    limits: &Limits,
    now: jiff::Timestamp,
    cadence: Duration,
) -> Estimate {
    let total: u64 = counts.values().sum();
    let global = limits.rate.as_ref().map(|rate| rate.per_second());
    let mut lanes: Vec<Lane> = limits
        .domain_rates
        .iter()
        .filter_map(|(domain, rate)| {
            let count = *counts.get(domain)?;
            let per_second = rate.per_second();
            Some(Lane {
                domain: domain.clone(),
                count,
                rate: Some(per_second),
                rate_text: Some(rate.to_string()),
                alone: seconds(count as f64 / per_second),
            })
        })
        .collect();
    lanes.sort_by(|a, b| b.alone.cmp(&a.alone).then(a.domain.cmp(&b.domain)));

    let global_time = global.map_or(0.0, |rate| total as f64 / rate);
    let slowest_lane = lanes.first().map_or(0.0, |lane| lane.alone.as_secs_f64());
    let sending_seconds = global_time.max(slowest_lane);
    let bottleneck = if total == 0 || sending_seconds == 0.0 {
        None
    } else if slowest_lane > global_time {
        lanes.first().map(|lane| {
            format!(
                "{} at {}",
                lane.domain,
                lane.rate_text.as_deref().unwrap_or("")
            )
        })
    } else {
        limits
            .rate
            .as_ref()
            .map(|rate| format!("the global rate {rate}"))
    };
    let paced: u64 = lanes.iter().map(|lane| lane.count).sum();
    let unpaced = global.is_none() && paced < total;

    let (start, scheduled) = match limits.not_before {
        Some(at) if at > now => (at, true),
        _ => (now, false),
    };
    // A scheduled send starts with the first cron run from its time; one
    // that may start now is started by hand, or by cron within the hour.
    let (start, runs, finish) = calendar(total, sending_seconds, limits, start, scheduled, cadence);
    Estimate {
        start,
        scheduled,
        sending: seconds(sending_seconds),
        bottleneck,
        runs,
        finish,
        unpaced,
        lanes,
    }
}

fn seconds(value: f64) -> Duration {
    // A rate of zero is refused by the config; NaN or infinity still never
    // reach from_secs_f64, which panics on them.
    let value = if value.is_finite() { value } else { 1e12 };
    Duration::from_secs_f64(value.clamp(0.0, 1e12))
}

/// The most runs the calendar lays out before it gives up (a year of
/// hourly runs).
const MAX_RUNS: u64 = 10_000;

/// Lays `total` messages that take `sending` seconds of sending on the
/// calendar: the first run starts at `start` (at the first cron tick from it
/// when `on_tick`), later ones at cron ticks; each sends while the window is
/// open and until `max_per_run`. Returns (when the first run starts, runs,
/// finish); the finish is `None` when it never ends: no cron tick falls
/// inside the window, or more than [`MAX_RUNS`] runs.
fn calendar(
    total: u64,
    sending: f64,
    limits: &Limits,
    start: jiff::Timestamp,
    on_tick: bool,
    cadence: Duration,
) -> (jiff::Timestamp, u64, Option<jiff::Timestamp>) {
    let zone = limits.timezone.clone().unwrap_or(jiff::tz::TimeZone::UTC);
    let window = limits.window.as_ref().filter(|_| limits.timezone.is_some());
    let per_second = if sending > 0.0 {
        total as f64 / sending
    } else {
        f64::INFINITY
    };
    let cap = if limits.max_per_run == 0 {
        f64::INFINITY
    } else {
        limits.max_per_run as f64
    };
    // Cron ticks are multiples of the cadence from local midnight, and
    // start again at midnight when the cadence does not divide the day.
    let cadence = (cadence.as_secs() as i64).clamp(60, 86_400);

    let second_of_day = |t: jiff::Timestamp| {
        let local = t.to_zoned(zone.clone());
        i64::from(local.hour()) * 3600 + i64::from(local.minute()) * 60 + i64::from(local.second())
    };
    let after = |t: jiff::Timestamp, seconds: f64| {
        t.checked_add(jiff::SignedDuration::from_secs_f64(seconds.clamp(0.0, 1e9)))
            .ok()
    };
    // The first cron tick at or after `t`.
    let next_tick = |t: jiff::Timestamp| {
        let into_day = second_of_day(t);
        let wait = (cadence - into_day.rem_euclid(cadence)).rem_euclid(cadence);
        after(t, wait.min(86_400 - into_day) as f64)
    };
    // Seconds the window stays open from `second` of the day; 0 when closed,
    // None without a window.
    let open_at = |second: i64| -> Option<i64> {
        let window = window?;
        if !window.contains((second / 60) as u16) {
            return Some(0);
        }
        Some((i64::from(window.end_minute) * 60 - second).rem_euclid(86_400))
    };
    // Without a tick inside the window, no run ever sends.
    if window.is_some()
        && !(0..86_400)
            .step_by(cadence as usize)
            .any(|tick| open_at(tick) != Some(0))
    {
        return (start, 0, None);
    }

    let first = if on_tick {
        next_tick(start)
    } else {
        Some(start)
    };
    let Some(mut t) = first else {
        return (start, 0, None);
    };
    if total == 0 {
        return (t, 0, Some(t));
    }
    let mut first_run = None;
    let mut remaining = total as f64;
    let mut runs = 0;
    while runs < MAX_RUNS {
        // A run that finds the window closed sends nothing: the first tick
        // inside it (there is one every day, checked above).
        let mut ticks = 0;
        while open_at(second_of_day(t)) == Some(0) {
            t = match next_tick(after(t, 1.0).unwrap_or(t)) {
                Some(next) if ticks < 86_400 / cadence + 2 => next,
                _ => return (first_run.unwrap_or(t), runs, None),
            };
            ticks += 1;
        }
        first_run.get_or_insert(t);
        runs += 1;
        let budget = match open_at(second_of_day(t)) {
            None => f64::INFINITY,
            Some(_) if per_second.is_infinite() => f64::INFINITY,
            Some(open) => open as f64 * per_second,
        };
        let sent = remaining.min(cap).min(budget);
        if sent <= 0.0 {
            return (first_run.unwrap_or(t), runs, None);
        }
        let elapsed = if per_second.is_infinite() {
            0.0
        } else {
            sent / per_second
        };
        remaining -= sent;
        let Some(end) = after(t, elapsed) else {
            return (first_run.unwrap_or(t), runs, None);
        };
        if remaining <= 0.5 {
            return (first_run.unwrap_or(t), runs, Some(end));
        }
        t = match after(end, 1.0).and_then(next_tick) {
            Some(next) => next,
            None => return (first_run.unwrap_or(t), runs, None),
        };
    }
    (first_run.unwrap_or(t), runs, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::limits::SendWindow;

    fn limits(rate: Option<&str>, domains: &[(&str, &str)]) -> Limits {
        Limits::for_tests(rate, domains)
    }

    fn tokyo(limits: &mut Limits, window: &str) {
        limits.window = Some(SendWindow::parse(window).unwrap());
        limits.timezone = Some(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap());
    }

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(d, c)| (d.to_string(), *c)).collect()
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn the_slowest_lane_decides_when_it_is_slower_than_the_global_rate() {
        // 3,000 recipients at 10/s, 600 of them at docomo's 30/min.
        let mut limits = limits(Some("10/s"), &[("docomo.ne.jp", "30/min")]);
        tokyo(&mut limits, "09:00-20:00");
        let counts = counts(&[("docomo.ne.jp", 600), ("example.jp", 2400)]);
        let estimate = estimate(&counts, &limits, at("2026-12-01T10:00:00+09:00"), HOUR);
        assert_eq!(estimate.lanes[0].alone, Duration::from_secs(20 * 60));
        // The global rate alone would take 300 s; docomo takes 20 minutes.
        assert_eq!(estimate.sending, Duration::from_secs(20 * 60));
        assert_eq!(
            estimate.bottleneck.as_deref(),
            Some("docomo.ne.jp at 30/min")
        );
        assert_eq!(estimate.runs, 1);
        assert_eq!(estimate.finish, Some(at("2026-12-01T10:20:00+09:00")));
    }

    #[test]
    fn the_window_pauses_the_send_until_the_next_morning() {
        // 36,000 at 10/s is one hour; starting at 19:30 leaves 30 minutes.
        let mut limits = limits(Some("10/s"), &[]);
        tokyo(&mut limits, "09:00-20:00");
        let counts = counts(&[("example.jp", 36_000)]);
        let estimate = estimate(&counts, &limits, at("2026-12-01T19:30:00+09:00"), HOUR);
        assert_eq!(estimate.sending, HOUR);
        assert_eq!(estimate.bottleneck.as_deref(), Some("the global rate 10/s"));
        assert_eq!(estimate.runs, 2);
        assert_eq!(estimate.finish, Some(at("2026-12-02T09:30:00+09:00")));
    }

    #[test]
    fn a_cap_per_run_spreads_the_send_over_cron_runs() {
        let mut limits = limits(Some("100/s"), &[]);
        limits.max_per_run = 1_000;
        let counts = counts(&[("example.jp", 3_500)]);
        let estimate = estimate(&counts, &limits, at("2026-12-01T01:00:00Z"), HOUR);
        // 1,000 + 1,000 + 1,000 + 500: four runs, the last at 04:00.
        assert_eq!(estimate.runs, 4);
        assert_eq!(estimate.finish, Some(at("2026-12-01T04:00:05Z")));
    }

    #[test]
    fn a_scheduled_start_moves_the_whole_estimate() {
        let mut limits = limits(Some("10/s"), &[]);
        limits.not_before = Some(at("2026-12-24T10:30:00+09:00"));
        let counts = counts(&[("example.jp", 600)]);
        let estimate = estimate(&counts, &limits, at("2026-12-01T00:00:00Z"), HOUR);
        // The hourly cron job's first run after 10:30 is at 11:00.
        assert!(estimate.scheduled);
        assert_eq!(estimate.start, at("2026-12-24T11:00:00+09:00"));
        assert_eq!(estimate.finish, Some(at("2026-12-24T11:01:00+09:00")));
    }

    #[test]
    fn a_window_no_cron_run_falls_in_never_finishes_and_says_so_at_once() {
        let mut limits = limits(Some("10/s"), &[]);
        tokyo(&mut limits, "12:15-12:45");
        let counts = counts(&[("example.jp", 100)]);
        let started = std::time::Instant::now();
        let first = estimate(&counts, &limits, at("2026-12-01T10:00:00+09:00"), HOUR);
        assert_eq!(first.finish, None);
        // Every 4 hours, and no rate at all: the same, without a panic.
        let mut unpaced = limits.clone();
        unpaced.rate = None;
        tokyo(&mut unpaced, "09:00-11:00");
        let second = estimate(&counts, &unpaced, at("2026-12-01T10:00:00+09:00"), 4 * HOUR);
        assert_eq!(second.finish, None);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn cadences_that_do_not_divide_the_day_start_again_at_midnight() {
        // Every 7 hours: 00:00, 07:00, 14:00, 21:00, then 00:00 again.
        let mut limits = limits(Some("1/s"), &[]);
        limits.max_per_run = 60;
        let counts = counts(&[("example.jp", 120)]);
        let estimate = estimate(&counts, &limits, at("2026-12-01T21:00:00Z"), 7 * HOUR);
        assert_eq!(estimate.runs, 2);
        assert_eq!(estimate.finish, Some(at("2026-12-02T00:01:00Z")));
    }

    #[test]
    fn without_any_rate_the_relay_decides() {
        let limits = limits(None, &[]);
        let counts = counts(&[("example.jp", 100)]);
        let estimate = estimate(&counts, &limits, at("2026-12-01T00:00:00Z"), HOUR);
        assert!(estimate.unpaced);
        assert_eq!(estimate.sending, Duration::ZERO);
        assert_eq!(estimate.runs, 1);
    }
}
