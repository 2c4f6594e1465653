//! The one place hikyaku reads the time. Every command, record, window and
//! estimate asks here, so `HIKYAKU_NOW` fixes all of them at once: tests and
//! replays of an audit see one consistent "now".

/// The environment variable that fixes the clock, for tests and for
/// replaying an audit. Never set it in production.
pub(crate) const OVERRIDE_ENV: &str = "HIKYAKU_NOW";

/// Now: the real clock, or the time [`OVERRIDE_ENV`] names (RFC 3339 with an
/// offset, or unix seconds).
pub(crate) fn now() -> jiff::Timestamp {
    static FIXED: std::sync::OnceLock<Option<jiff::Timestamp>> = std::sync::OnceLock::new();
    let fixed = FIXED.get_or_init(|| fixed_time().ok().flatten());
    fixed.unwrap_or_else(jiff::Timestamp::now)
}

/// Now, in unix seconds.
pub(crate) fn now_unix() -> i64 {
    now().as_second()
}

/// Now, in the system's time zone (for values people type, such as a
/// consent's `obtained_at`).
pub(crate) fn now_local() -> jiff::Zoned {
    now().to_zoned(jiff::tz::TimeZone::system())
}

/// Checks [`OVERRIDE_ENV`] at start-up, so that a typo never silently means
/// "the real clock".
pub(crate) fn check_override() -> Result<(), String> {
    fixed_time().map(|_| ())
}

/// The time [`OVERRIDE_ENV`] fixes, if set.
fn fixed_time() -> Result<Option<jiff::Timestamp>, String> {
    let Ok(text) = std::env::var(OVERRIDE_ENV) else {
        return Ok(None);
    };
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        .or_else(|| text.parse::<jiff::Timestamp>().ok())
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{OVERRIDE_ENV}={text:?} is neither RFC 3339 with an offset \
                 (2026-03-01T09:00:00+09:00) nor unix seconds; unset it to use the real clock"
            )
        })
}
