//! How long consent records are kept, as 特定電子メール法 Art. 3 (2) and its
//! ordinance require: a record must be kept until one month has passed since
//! the last advertisement sent to the address on its strength, or one year
//! when the sender is under an order of the minister (措置命令). Addresses for
//! which the longer period applies carry a legal hold.
//!
//! Only records that no longer count (revoked or expired) are ever deleted;
//! revocations and suppressions themselves are never purged, because an
//! opt-out must outlive every record it overrides.

use jiff::ToSpan;
use rusqlite::params;
use serde::Serialize;

use super::consent::ConsentEntry;
use super::{Batch, Store, StoreError};

/// The time of the last advertisement that may have reached `t.email` (add
/// the condition on `t.email`): found through the token table's address index,
/// since every message sent has its token recorded before it is queued. The
/// states are those in which a message may have reached the address.
const LAST_ADVERTISEMENT: &str = "MAX(j.updated_at) FROM unsubscribe_token t
    JOIN journal j ON j.campaign = t.campaign AND j.email = t.email
    LEFT JOIN campaign k ON k.id = j.campaign
    WHERE j.state IN ('sent', 'unknown', 'sending', 'deferred')
      AND (k.kind IS NULL OR k.kind = 'advertisement') AND";

/// Why a record that no longer counts is still kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Kept {
    /// The last advertisement to the address, RFC 3339.
    pub last_advertisement: String,
    /// Whether the address is under a legal hold (one year instead of one month).
    pub legal_hold: bool,
    /// The first moment the record may be purged, RFC 3339.
    pub until: String,
}

/// One record `consent purge` looked at.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PurgeDecision {
    /// The record.
    #[serde(flatten)]
    pub entry: ConsentEntry,
    /// Why it no longer counts: `revoked` or `expired`.
    pub no_longer_counts: &'static str,
    /// `None` when it is (or would be) deleted.
    pub kept: Option<Kept>,
}

impl Batch<'_> {
    /// Places `email` under a legal hold from `since` on (one year of
    /// retention). Returns whether it was not under one before.
    pub(crate) fn hold(&self, email: &str, since: i64, note: &str) -> Result<bool, StoreError> {
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO legal_hold (email, since, note) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![email, since, note]))
            .map_err(|e| self.error(e))?;
        Ok(inserted == 1)
    }
}

impl Store {
    /// Places `email` under a legal hold; see [`Batch::hold`].
    pub(crate) fn hold(&mut self, email: &str, since: i64, note: &str) -> Result<bool, StoreError> {
        let batch = self.batch()?;
        let inserted = batch.hold(email, since, note)?;
        batch.commit()?;
        Ok(inserted)
    }

    /// Lifts the legal hold of `email`. Returns whether there was one.
    pub(crate) fn release_hold(&mut self, email: &str) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .execute("DELETE FROM legal_hold WHERE email = ?1", [email])
            .map_err(|e| self.error(e))?;
        Ok(removed > 0)
    }

    /// Whether `email` is under a legal hold.
    pub(crate) fn is_held(&self, email: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM legal_hold WHERE email = ?1)",
                [email],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// When the last advertisement to `email` was sent (unix seconds). A
    /// campaign whose kind the store does not know counts as an advertisement:
    /// keeping a record too long is safe, deleting it too early is not.
    pub(crate) fn last_advertisement(&self, email: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {LAST_ADVERTISEMENT} t.email = ?1"))
            .and_then(|mut s| s.query_row([email], |r| r.get(0)))
            .map_err(|e| self.error(e))
    }

    /// Deletes the consent records that no longer count (revoked or expired
    /// at `now`) and whose retention period has passed; with `dry_run`,
    /// deletes nothing. Returns every record looked at with its decision.
    pub(crate) fn purge_consents(
        &mut self,
        now: i64,
        dry_run: bool,
    ) -> Result<Vec<PurgeDecision>, StoreError> {
        let batch = self.batch()?;
        let mut decisions = Vec::new();
        let mut doomed = Vec::new();
        {
            let mut candidates = batch
                .tx
                .prepare(&format!(
                    "SELECT c.email, c.list, c.basis, c.obtained_at, c.obtained_at_unix, c.method, c.evidence,
                            c.recorded_at,
                            (SELECT MIN(r.revoked_at) FROM consent_revocation r
                              WHERE r.email = c.email AND r.list IN (c.list, '*')
                                AND r.revoked_at >= c.obtained_at_unix),
                            c.expires_at_unix, c.id,
                            (SELECT {LAST_ADVERTISEMENT} t.email = c.email),
                            EXISTS (SELECT 1 FROM legal_hold h WHERE h.email = c.email)
                     FROM consent c
                     WHERE c.expires_at_unix <= ?1
                        OR EXISTS (SELECT 1 FROM consent_revocation r
                              WHERE r.email = c.email AND r.list IN (c.list, '*')
                                AND r.revoked_at >= c.obtained_at_unix)
                     ORDER BY c.email, c.obtained_at_unix, c.list"
                ))
                .map_err(|e| batch.error(e))?;
            let mut rows = candidates.query([now]).map_err(|e| batch.error(e))?;
            while let Some(row) = rows.next().map_err(|e| batch.error(e))? {
                let entry = super::consent::consent_entry(row).map_err(|e| batch.error(e))?;
                let revoked: Option<i64> = row.get(8).map_err(|e| batch.error(e))?;
                let id: i64 = row.get(10).map_err(|e| batch.error(e))?;
                let last_ad: Option<i64> = row.get(11).map_err(|e| batch.error(e))?;
                let legal_hold: bool = row.get(12).map_err(|e| batch.error(e))?;
                let kept = match last_ad {
                    None => None,
                    Some(last_ad) => {
                        let until = retention_end(last_ad, legal_hold);
                        (now < until).then(|| Kept {
                            last_advertisement: super::format_unix(last_ad),
                            legal_hold,
                            until: super::format_unix(until),
                        })
                    }
                };
                if kept.is_none() {
                    doomed.push(id);
                }
                decisions.push(PurgeDecision {
                    entry,
                    no_longer_counts: if revoked.is_some() {
                        "revoked"
                    } else {
                        "expired"
                    },
                    kept,
                });
            }
        }
        if !dry_run {
            let mut delete = batch
                .tx
                .prepare("DELETE FROM consent WHERE id = ?1")
                .map_err(|e| batch.error(e))?;
            for id in doomed {
                delete.execute([id]).map_err(|e| batch.error(e))?;
            }
            drop(delete);
            batch.commit()?;
        }
        Ok(decisions)
    }
}

/// The first moment a record may go: one calendar month (one year under a
/// legal hold) after the last advertisement, counted in Japan's time zone.
fn retention_end(last_advertisement: i64, legal_hold: bool) -> i64 {
    let period = if legal_hold { 1.year() } else { 1.month() };
    jiff::Timestamp::from_second(last_advertisement)
        .ok()
        .and_then(|t| {
            let zone = jiff::tz::TimeZone::get("Asia/Tokyo").ok()?;
            t.to_zoned(zone).checked_add(period).ok()
        })
        .map(|z| z.timestamp().as_second())
        // Out of jiff's range (year 9999): keep it.
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::consent::{Basis, Consent};
    use crate::store::journal::DeliveryState;

    const DAY: i64 = 24 * 3600;
    /// 2026-01-10T00:00:00Z
    const T0: i64 = 1_768_003_200;

    fn consent(email: &str, at: i64) -> Consent {
        Consent {
            email: email.into(),
            list: "news".into(),
            basis: Basis::OptIn,
            obtained_at: crate::store::format_unix(at),
            obtained_at_unix: at,
            method: "form".into(),
            evidence: String::new(),
            expires_at_unix: None,
        }
    }

    #[test]
    fn a_month_after_the_last_advertisement_or_a_year_under_hold() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("r.db")).unwrap();
        for email in ["plain@example.jp", "held@example.jp", "never@example.jp"] {
            store.add_consent(&consent(email, T0), T0).unwrap();
            store
                .revoke_consent(email, "news", T0 + 20 * DAY, "")
                .unwrap();
        }
        for (id, email) in [(1, "plain@example.jp"), (2, "held@example.jp")] {
            // As a send does: the token first, then the journal.
            store
                .record_tokens(&[crate::token::Issued {
                    id,
                    recipient: crate::token::Recipient {
                        campaign: "ad".into(),
                        list: "news".into(),
                        email: email.into(),
                    },
                    message_id: format!("ad.{id}@example.jp"),
                }])
                .unwrap();
            crate::store::journal::tests::journal(
                &mut store,
                "ad",
                email,
                DeliveryState::Sent,
                T0 + 10 * DAY,
            );
        }
        store.hold("held@example.jp", T0, "order 2026-1").unwrap();
        let decide = |store: &mut Store, now, dry_run| -> Vec<(String, bool)> {
            store
                .purge_consents(now, dry_run)
                .unwrap()
                .into_iter()
                .map(|d| (d.entry.consent.email, d.kept.is_some()))
                .collect()
        };

        // 29 days after the last ad: only the never-mailed record may go.
        let early = decide(&mut store, T0 + 39 * DAY, true);
        assert_eq!(
            early,
            [
                ("held@example.jp".into(), true),
                ("never@example.jp".into(), false),
                ("plain@example.jp".into(), true)
            ]
        );
        // 32 days after: the plain one may go, the held one stays a year.
        let later = decide(&mut store, T0 + 42 * DAY, false);
        assert_eq!(
            later,
            [
                ("held@example.jp".into(), true),
                ("never@example.jp".into(), false),
                ("plain@example.jp".into(), false)
            ]
        );
        assert_eq!(
            decide(&mut store, T0 + 42 * DAY, true),
            [("held@example.jp".into(), true)]
        );
        assert_eq!(
            decide(&mut store, T0 + 376 * DAY, false),
            [("held@example.jp".into(), false)]
        );
        assert!(decide(&mut store, T0 + 400 * DAY, true).is_empty());
        // The opt-out itself outlives the purge.
        store
            .add_consent(&consent("plain@example.jp", T0), T0)
            .unwrap();
        assert!(!store.is_consented("plain@example.jp", "news").unwrap());
    }

    #[test]
    fn a_counting_consent_is_never_purged_and_an_expired_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("r.db")).unwrap();
        store
            .add_consent(&consent("live@example.jp", T0), T0)
            .unwrap();
        let mut expiring = consent("expiring@example.jp", T0);
        expiring.expires_at_unix = Some(T0 + 5 * DAY);
        store.add_consent(&expiring, T0).unwrap();
        assert!(store.purge_consents(T0 + DAY, true).unwrap().is_empty());
        let decisions = store.purge_consents(T0 + 6 * DAY, false).unwrap();
        assert_eq!(decisions.len(), 1);
        assert_eq!(decisions[0].entry.consent.email, "expiring@example.jp");
        assert_eq!(decisions[0].no_longer_counts, "expired");
        assert!(store.is_consented("live@example.jp", "news").unwrap());
    }
}
