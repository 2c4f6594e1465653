//! The complaint-rate guard: Gmail and Yahoo throttle or reject senders
//! whose complaint rate passes 0.3 %, so an advertisement is held back
//! while the store's own rate is above `limits.max_complaint_rate`.

use crate::config::{Campaign, Kind};
use crate::output::group;
use crate::store::{Store, StoreError};

/// The period the guard looks back over.
pub(crate) const COMPLAINT_PERIOD_SECONDS: i64 = 30 * 24 * 3600;

/// What the guard says about sending now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing to say.
    Clear,
    /// Allowed, but above the 0.1 % Google asks bulk senders to stay under.
    Warn(String),
    /// Above `limits.max_complaint_rate`: an advertisement must not go.
    Refuse(String),
}

/// Judges an advertisement by the complaints of the last 30 days over
/// everything this store sent in them (`now` in unix seconds). Notices are
/// never held back: they are mail people need. Each run of a campaign asks
/// again, so a campaign under way stops too when complaints climb.
pub(crate) fn complaint_guard(
    store: &Store,
    campaign: &Campaign,
    now: i64,
) -> Result<Verdict, StoreError> {
    if campaign.kind != Kind::Advertisement {
        return Ok(Verdict::Clear);
    }
    let window = store.complaint_window(now - COMPLAINT_PERIOD_SECONDS)?;
    let rate = window.rate();
    let limit = campaign.limits.max_complaint_rate;
    let figures = format!(
        "{} complaint(s) over {} message(s) sent in the last 30 days = {:.2} %",
        group(window.complaints),
        group(window.sent),
        rate * 100.0
    );
    Ok(if rate > limit {
        Verdict::Refuse(format!(
            "{figures}, above limits.max_complaint_rate ({:.2} %). Gmail and Yahoo throttle or \
             reject senders above 0.3 %. Find the cause first (status shows the rate per \
             campaign; consent export --address shows who complained and why they were mailed)",
            limit * 100.0
        ))
    } else if rate > crate::config::defaults::COMPLAINT_WARNING_RATE {
        Verdict::Warn(format!(
            "{figures}: above the 0.1 % that Google asks bulk senders to stay under"
        ))
    } else {
        Verdict::Clear
    })
}
