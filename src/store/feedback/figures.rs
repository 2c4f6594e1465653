//! The figures the feedback yields: rates per campaign, the complaint
//! window of the guard, blocks per domain, what waits for review.

use serde::Serialize;

/// Bounce and complaint figures of one campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub(crate) struct CampaignRates {
    /// Recipients whose mail was accepted by the relay.
    pub sent: u64,
    /// Recipients the relay refused permanently.
    pub failed: u64,
    /// Distinct recipients refused permanently, at SMTP time or by a later bounce.
    pub hard_bounces: u64,
    /// Distinct recipients with a soft bounce report.
    pub soft_bounces: u64,
    /// Distinct recipients who complained.
    pub complaints: u64,
    /// Distinct recipients who unsubscribed through its link or address.
    pub unsubscribes: u64,
}

impl CampaignRates {
    /// Hard bounces per message attempted (sent or failed).
    pub(crate) fn bounce_rate(&self) -> f64 {
        ratio(self.hard_bounces, self.sent + self.failed)
    }

    /// Complaints per message sent.
    pub(crate) fn complaint_rate(&self) -> f64 {
        ratio(self.complaints, self.sent)
    }
}

/// Complaints against messages sent over a period, for the guard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub(crate) struct ComplaintWindow {
    /// Messages accepted by the relay in the period, every campaign.
    pub sent: u64,
    /// Distinct recipients who complained in the period.
    pub complaints: u64,
}

impl ComplaintWindow {
    /// Complaints per message sent; zero when nothing was sent.
    pub(crate) fn rate(&self) -> f64 {
        ratio(self.complaints, self.sent)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Blocks by the receivers of one recipient domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DomainBlocks {
    /// The recipient domain.
    pub domain: String,
    /// Blocks recorded (SMTP refusals and traced reports).
    pub blocks: u64,
    /// Distinct recipients refused.
    pub recipients: u64,
    /// When the last one was recorded, unix seconds.
    #[serde(skip)]
    pub last_at: i64,
    /// The reason word of the last one (`blocked`, `spamdetected`, …).
    pub last_reason: String,
}

/// What waits for review among the reports that trace to nothing of ours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Unverified {
    /// Unverified events per kind.
    pub by_kind: Vec<(String, u64)>,
    /// Addresses that asked by mail to unsubscribe, untraced, not yet suppressed.
    pub pending_unsubscribes: Vec<String>,
}
