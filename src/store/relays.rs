//! What the journal knows of the relays of a pool: which carried each
//! attempt, and when one was set aside.

use rusqlite::params;
use serde::Serialize;

use super::journal::DeliveryState;
use super::{Store, StoreError};

/// The outcomes one relay carried for a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct RelayCounts {
    pub relay: String,
    pub sent: u64,
    pub deferred: u64,
    pub failed: u64,
    pub unknown: u64,
}

/// A period a relay was set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SetAsidePeriod {
    pub relay: String,
    /// When, unix seconds.
    pub at: i64,
    /// For how long.
    pub seconds: u64,
    /// The connection error or the 421 that set it aside.
    pub reason: String,
}

impl Store {
    /// Notes that `relay` was set aside while sending `campaign`.
    pub(crate) fn record_set_aside(
        &mut self,
        campaign: &str,
        period: &SetAsidePeriod,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO relay_set_aside (campaign, relay, at, seconds, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    campaign,
                    period.relay,
                    period.at,
                    period.seconds as i64,
                    period.reason
                ])
            })
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The outcomes of `campaign` per relay, by name (recipients of
    /// unfinished transactions, and those no relay carried yet, are left out).
    pub(crate) fn relay_counts(&self, campaign: &str) -> Result<Vec<RelayCounts>, StoreError> {
        let rows: Vec<(String, String, i64)> = self.all_rows(
            "SELECT relay, state, COUNT(*) FROM journal
              WHERE campaign = ?1 AND relay != '' GROUP BY relay, state ORDER BY relay",
            [campaign],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut counts: Vec<RelayCounts> = Vec::new();
        for (relay, state, count) in rows {
            if counts.last().is_none_or(|c| c.relay != relay) {
                counts.push(RelayCounts {
                    relay: relay.clone(),
                    ..RelayCounts::default()
                });
            }
            let Some(entry) = counts.last_mut() else {
                continue;
            };
            let count = count as u64;
            match DeliveryState::parse(&state) {
                Some(DeliveryState::Sent) => entry.sent += count,
                Some(DeliveryState::Deferred) => entry.deferred += count,
                Some(DeliveryState::Failed) => entry.failed += count,
                Some(DeliveryState::Unknown) => entry.unknown += count,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// When relays were set aside while sending `campaign`, oldest first.
    pub(crate) fn set_asides(&self, campaign: &str) -> Result<Vec<SetAsidePeriod>, StoreError> {
        self.all_rows(
            "SELECT relay, at, seconds, reason FROM relay_set_aside
              WHERE campaign = ?1 ORDER BY at, rowid",
            [campaign],
            |r| {
                Ok(SetAsidePeriod {
                    relay: r.get(0)?,
                    at: r.get(1)?,
                    seconds: r.get::<_, i64>(2)? as u64,
                    reason: r.get(3)?,
                })
            },
        )
    }
}
