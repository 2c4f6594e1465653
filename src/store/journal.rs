//! The send journal: one row per (campaign, recipient) with its delivery state.
//! The delivery stage writes it; the plan reads it to skip what is done.

use std::fmt;

use rusqlite::params;

use super::{Store, StoreError};
use crate::address_set::AddressSet;

/// Where a recipient of a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Planned, not yet attempted.
    Pending,
    /// Committed before DATA; if a run dies here the outcome is unknown.
    Sending,
    /// The server accepted the message.
    Sent,
    /// A temporary failure; due again.
    Deferred,
    /// A permanent failure.
    Failed,
    /// The connection broke before the server's final reply.
    Unknown,
}

impl DeliveryState {
    /// Every state, in the order reports list them.
    pub const ALL: [DeliveryState; 6] = [
        DeliveryState::Pending,
        DeliveryState::Sending,
        DeliveryState::Sent,
        DeliveryState::Deferred,
        DeliveryState::Failed,
        DeliveryState::Unknown,
    ];

    /// The name used in the store and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Deferred => "deferred",
            DeliveryState::Failed => "failed",
            DeliveryState::Unknown => "unknown",
        }
    }

    /// Whether a recipient in this state is finished for the plan: it was sent,
    /// failed for good, or may have been sent (`sending`, `unknown`), which must
    /// never be repeated without the operator asking.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            DeliveryState::Sent
                | DeliveryState::Failed
                | DeliveryState::Sending
                | DeliveryState::Unknown
        )
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Store {
    /// Records `state` for `email` in `campaign`, with the server's reply if any.
    pub fn record_delivery(
        &mut self,
        campaign: &str,
        email: &str,
        state: DeliveryState,
        smtp_reply: Option<&str>,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO journal (campaign, email, state, smtp_reply, attempts, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5)
                 ON CONFLICT (campaign, email) DO UPDATE SET
                     state = excluded.state, smtp_reply = excluded.smtp_reply,
                     attempts = attempts + 1, updated_at = excluded.updated_at",
            )
            .and_then(|mut s| s.execute(params![campaign, email, state.as_str(), smtp_reply, at]))
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The recipients of `campaign` that are settled (see [`DeliveryState::is_settled`]).
    pub fn settled_for(&self, campaign: &str) -> Result<AddressSet, StoreError> {
        let mut set = AddressSet::new();
        self.conn
            .prepare(
                "SELECT email FROM journal
                 WHERE campaign = ?1 AND state IN ('sent', 'failed', 'sending', 'unknown')",
            )
            .and_then(|mut statement| {
                let mut rows = statement.query([campaign])?;
                while let Some(row) = rows.next()? {
                    set.insert(row.get_ref(0)?.as_str()?);
                }
                Ok(())
            })
            .map_err(|e| self.error(e))?;
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_states_are_the_ones_never_repeated() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("j.db")).unwrap();
        for (i, state) in DeliveryState::ALL.iter().enumerate() {
            store
                .record_delivery("c1", &format!("{i}@example.jp"), *state, None, 1)
                .unwrap();
        }
        let settled = store.settled_for("c1").unwrap();
        for (i, state) in DeliveryState::ALL.iter().enumerate() {
            assert_eq!(
                settled.contains(&format!("{i}@example.jp")),
                state.is_settled(),
                "{state}"
            );
        }
        assert!(store.settled_for("c2").unwrap().is_empty());
    }
}
