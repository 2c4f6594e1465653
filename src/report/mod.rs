//! The approver's pages: `preview --report` (what will be sent, to whom, how
//! long it takes) and `status --report` (how it went). Each is one
//! self-contained HTML file: inline CSS and SVG, no script, nothing fetched
//! from elsewhere, so it can be mailed or attached to an approval ticket and
//! printed. The page is in the campaign's `footer_locale` language.

mod approval;
mod chart;
mod delivery;
mod sample;

pub(crate) use approval::{ApprovalReport, SkippedExample};
pub(crate) use delivery::DeliveryReport;
pub(crate) use sample::Sample;

use std::path::{Path, PathBuf};

use crate::config::FooterLocale;

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    /// The page template failed (a bug, not an input problem).
    #[error("cannot render the report: {0}")]
    Template(#[from] minijinja::Error),
    /// The file could not be written.
    #[error("{}: cannot write the report: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The page shell both reports share: styles, header, and the printed look.
const LAYOUT: &str = include_str!("layout.html");
const APPROVAL: &str = include_str!("approval.html");
const DELIVERY: &str = include_str!("delivery.html");

/// Renders the page `name` with `context`, in `locale`.
fn render(
    name: &'static str,
    locale: FooterLocale,
    context: minijinja::Value,
) -> Result<String, ReportError> {
    let mut env = minijinja::Environment::new();
    env.set_formatter(crate::html::minijinja_formatter);
    env.add_filter("escape", crate::html::minijinja_escape_filter);
    env.add_filter("e", crate::html::minijinja_escape_filter);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("layout.html", LAYOUT)?;
    env.add_template("approval.html", APPROVAL)?;
    env.add_template("delivery.html", DELIVERY)?;
    let ja = matches!(locale, FooterLocale::Japanese);
    let template = env.get_template(name)?;
    Ok(template.render(
        minijinja::context! { ja => ja, lang => if ja { "ja" } else { "en" }, ..context },
    )?)
}

/// Writes `html` to `path`, readable by its owner only (reports name
/// recipients).
fn write(path: &Path, html: &str) -> Result<(), ReportError> {
    use std::io::Write as _;
    let write_error = |source| ReportError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = crate::files::create(path).map_err(write_error)?;
    file.write_all(html.as_bytes()).map_err(write_error)
}

/// A count with thousands separators.
fn grouped(n: u64) -> String {
    crate::output::group(n)
}

/// A share as a percentage with one decimal.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0.0 %".into()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / whole as f64)
    }
}

/// A duration for people, in the page's language.
fn duration_text(duration: std::time::Duration, ja: bool) -> String {
    if duration.as_secs() < 60 {
        return if ja { "1分未満" } else { "under a minute" }.to_owned();
    }
    let minutes = duration.as_secs().div_ceil(60);
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut parts = Vec::new();
    if ja {
        if days > 0 {
            parts.push(format!("{days}日"));
        }
        if hours > 0 {
            parts.push(format!("{hours}時間"));
        }
        if minutes > 0 || parts.is_empty() {
            parts.push(format!("{minutes}分"));
        }
        parts.concat()
    } else {
        if days > 0 {
            parts.push(format!("{days} d"));
        }
        if hours > 0 {
            parts.push(format!("{hours} h"));
        }
        if minutes > 0 || parts.is_empty() {
            parts.push(format!("{minutes} min"));
        }
        parts.join(" ")
    }
}

/// A time in `zone` (UTC without one), as the approver reads it.
fn local_time(at: jiff::Timestamp, zone: Option<&jiff::tz::TimeZone>) -> String {
    let zone = zone.cloned().unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(zone).strftime("%Y-%m-%d %H:%M %:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally_in_both_languages() {
        let d = std::time::Duration::from_secs(26 * 3600 + 20 * 60);
        assert_eq!(duration_text(d, true), "1日2時間20分");
        assert_eq!(duration_text(d, false), "1 d 2 h 20 min");
        assert_eq!(
            duration_text(std::time::Duration::ZERO, false),
            "under a minute"
        );
        assert_eq!(
            duration_text(std::time::Duration::from_secs(61), true),
            "2分"
        );
        assert_eq!(percent(1, 3), "33.3 %");
    }
}
