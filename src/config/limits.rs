//! The pacing values of `[limits]`: rates and the send window.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// A sending rate such as `10/s`, `30/min` or `2000/h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rate {
    /// Messages allowed per `period`.
    pub count: u32,
    /// The period the count applies to.
    pub period: Duration,
}

impl Rate {
    /// Parses `N/s`, `N/min` or `N/h` with N a positive whole number.
    pub(crate) fn parse(text: &str) -> Result<Rate, String> {
        let hint = "write it as N/s, N/min or N/h, for example \"10/s\" or \"30/min\"";
        let (count, unit) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a rate: {hint}"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{text:?}: the count must be a whole number above 0; {hint}"))?;
        let period = match unit.trim() {
            "s" | "sec" => Duration::from_secs(1),
            "min" | "m" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => return Err(format!("{text:?}: unknown unit {other:?}; {hint}")),
        };
        Ok(Rate { count, period })
    }

    /// The rate in messages per second.
    pub(crate) fn per_second(&self) -> f64 {
        f64::from(self.count) / self.period.as_secs_f64()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            60 => "min",
            _ => "h",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Rate::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A duration written as `500ms`, `30s`, `5min` or `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Delay(pub Duration);

impl Delay {
    /// Parses `N` followed by `ms`, `s`, `min` or `h`.
    pub(crate) fn parse(text: &str) -> Result<Delay, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().map_err(|_| {
            format!("{text:?} is not a duration: write it as 500ms, 30s, 5min or 1h")
        })?;
        let too_long = || format!("{text:?} is too long a duration");
        let duration = match unit.trim() {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "min" => Duration::from_secs(number.checked_mul(60).ok_or_else(too_long)?),
            "h" => Duration::from_secs(number.checked_mul(3600).ok_or_else(too_long)?),
            other => {
                return Err(format!(
                    "{text:?}: unknown unit {other:?}; write it as 500ms, 30s, 5min or 1h"
                ));
            }
        };
        Ok(Delay(duration))
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Delay::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A daily window such as `09:00-20:00`, in minutes after midnight. A window
/// whose end is before its start runs past midnight (`22:00-06:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SendWindow {
    /// First minute of the day on which sending may start.
    pub start_minute: u16,
    /// The minute at which sending stops (exclusive).
    pub end_minute: u16,
}

impl SendWindow {
    /// Parses `HH:MM-HH:MM`.
    pub(crate) fn parse(text: &str) -> Result<SendWindow, String> {
        let hint = "write it as HH:MM-HH:MM, for example \"09:00-20:00\"";
        let minute = |part: &str| -> Option<u16> {
            let (h, m) = part.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            // 24:00 is allowed as an end meaning midnight.
            ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
        };
        let (start, end) = text
            .split_once('-')
            .and_then(|(s, e)| Some((minute(s)?, minute(e)?)))
            .ok_or_else(|| format!("{text:?} is not a time window: {hint}"))?;
        if start % 1440 == end % 1440 {
            return Err(format!(
                "{text:?} starts and ends at the same time; leave window out to send at any hour"
            ));
        }
        Ok(SendWindow {
            start_minute: start % 1440,
            end_minute: end % 1440,
        })
    }

    /// How long the window stays open from `now` (a time in the window's
    /// zone); `None` when it is closed. A pure function of its inputs, so the
    /// caller decides where "now" comes from.
    pub(crate) fn time_left(&self, now: &jiff::Zoned) -> Option<Duration> {
        let minute = u16::from(now.hour() as u8) * 60 + u16::from(now.minute() as u8);
        if !self.contains(minute) {
            return None;
        }
        let minutes_left = (i64::from(self.end_minute) - i64::from(minute)).rem_euclid(1440);
        let seconds_left = minutes_left * 60 - i64::from(now.second());
        Some(Duration::from_secs(seconds_left.max(1) as u64))
    }

    /// Whether `minute` (after local midnight) lies inside the window.
    pub(crate) fn contains(&self, minute: u16) -> bool {
        if self.start_minute < self.end_minute {
            (self.start_minute..self.end_minute).contains(&minute)
        } else {
            minute >= self.start_minute || minute < self.end_minute
        }
    }
}

impl fmt::Display for SendWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, e) = (self.start_minute, self.end_minute);
        write!(f, "{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60)
    }
}

impl<'de> Deserialize<'de> for SendWindow {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SendWindow::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        assert_eq!(Rate::parse("10/s").unwrap().per_second(), 10.0);
        assert_eq!(Rate::parse("30/min").unwrap().per_second(), 0.5);
        assert_eq!(Rate::parse(" 3600 / h ").unwrap().per_second(), 1.0);
        assert_eq!(Rate::parse("30/min").unwrap().to_string(), "30/min");
        for bad in ["10", "0/s", "-1/s", "ten/s", "10/day", ""] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_delays() {
        assert_eq!(Delay::parse("250ms").unwrap().0, Duration::from_millis(250));
        assert_eq!(Delay::parse("2min").unwrap().0, Duration::from_secs(120));
        assert!(Delay::parse("2 days").is_err() && Delay::parse("s").is_err());
    }

    #[test]
    fn parses_windows_including_ones_past_midnight() {
        let day = SendWindow::parse("09:00-20:00").unwrap();
        assert!(day.contains(9 * 60) && day.contains(20 * 60 - 1));
        assert!(!day.contains(20 * 60) && !day.contains(8 * 60 + 59));
        let night = SendWindow::parse("22:00-06:00").unwrap();
        assert!(night.contains(23 * 60) && night.contains(0) && !night.contains(12 * 60));
        assert_eq!(
            SendWindow::parse("08:00-24:00").unwrap().to_string(),
            "08:00-00:00"
        );
        for bad in ["9-20", "09:00", "25:00-26:00", "09:00-09:00", "09:60-10:00"] {
            assert!(SendWindow::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_time_left_in_a_window_is_a_function_of_now_alone() {
        let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let at = |text: &str| {
            text.parse::<jiff::Timestamp>()
                .unwrap()
                .to_zoned(tokyo.clone())
        };
        let day = SendWindow::parse("09:00-20:00").unwrap();
        assert_eq!(
            day.time_left(&at("2026-12-01T19:30:15+09:00")),
            Some(Duration::from_secs(29 * 60 + 45))
        );
        assert_eq!(day.time_left(&at("2026-12-01T20:00:00+09:00")), None);
        assert_eq!(day.time_left(&at("2026-12-01T08:59:59+09:00")), None);
        // Past midnight: 22:00-02:00 at 23:00 leaves three hours.
        let night = SendWindow::parse("22:00-02:00").unwrap();
        assert_eq!(
            night.time_left(&at("2026-12-01T23:00:00+09:00")),
            Some(Duration::from_secs(3 * 3600))
        );
        assert_eq!(
            night.time_left(&at("2026-12-02T01:59:30+09:00")),
            Some(Duration::from_secs(30))
        );
        assert_eq!(night.time_left(&at("2026-12-02T12:00:00+09:00")), None);
    }
}
