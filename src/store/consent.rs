//! Consent records: who agreed to receive advertisements, for which list, when,
//! how, and on what evidence, as 特定電子メール法 requires senders to keep.
//!
//! Revocations are kept as events beside the records. A consent counts for a
//! list when it was obtained after every revocation covering that list, so
//! importing an old record never revives an address that opted out later, while
//! a genuinely new opt-in does count.

use std::fmt;
use std::str::FromStr;

use rusqlite::params;
use serde::Serialize;

use super::{Batch, Store, StoreError};
use crate::address_set::AddressSet;

/// Whether ?1 has a consent that counts for list ?2.
pub(super) const IS_CONSENTED: &str = "SELECT EXISTS (SELECT 1 FROM consent c WHERE c.email = ?1 AND c.list IN (?2, '*')
       AND (c.expires_at_unix IS NULL OR c.expires_at_unix > unixepoch())
       AND NOT EXISTS (SELECT 1 FROM consent_revocation r
           WHERE r.email = c.email AND r.list IN (?2, '*') AND r.revoked_at >= c.obtained_at_unix))";

/// The legal basis of a consent: the Act's opt-in or one of its exceptions
/// (Art. 3 (1) (ii)–(iv)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Basis {
    /// The recipient asked for or agreed to the mail.
    #[serde(rename = "opt-in")]
    OptIn,
    /// The recipient handed over a business card or otherwise gave the address in writing.
    #[serde(rename = "business-card")]
    BusinessCard,
    /// The recipient has a business relationship (a purchase, a contract).
    #[serde(rename = "transaction")]
    Transaction,
    /// The address is published for business purposes (organisations, sole traders).
    #[serde(rename = "published")]
    Published,
}

impl Basis {
    /// The name used in the store and in CSV files.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Basis::OptIn => "opt-in",
            Basis::BusinessCard => "business-card",
            Basis::Transaction => "transaction",
            Basis::Published => "published",
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Basis {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "opt-in" => Ok(Basis::OptIn),
            "business-card" => Ok(Basis::BusinessCard),
            "transaction" => Ok(Basis::Transaction),
            "published" => Ok(Basis::Published),
            other => Err(format!(
                "basis {other:?} is not one of opt-in, business-card, transaction, published"
            )),
        }
    }
}

/// A consent as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Consent {
    /// The address key.
    pub email: String,
    /// The list, or `*` for every list.
    pub list: String,
    /// The legal basis.
    pub basis: Basis,
    /// When it was obtained, RFC 3339 with the offset it was given in.
    pub obtained_at: String,
    /// `obtained_at` in unix seconds.
    #[serde(skip)]
    pub obtained_at_unix: i64,
    /// How: a web form, an event, a contract…
    pub method: String,
    /// The evidence, or a reference to where it is kept.
    pub evidence: String,
    /// When the consent stops counting (a campaign-limited or time-limited
    /// opt-in), unix seconds; `None` = until revoked.
    #[serde(skip)]
    pub expires_at_unix: Option<i64>,
}

/// A consent with what the store knows about it, for exports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConsentEntry {
    /// The record.
    #[serde(flatten)]
    pub consent: Consent,
    /// When a revocation of its whole scope happened, RFC 3339; empty if none.
    pub revoked_at: String,
    /// When the record entered the store, RFC 3339.
    pub recorded_at: String,
    /// When it stops counting, RFC 3339; empty if never.
    pub expires_at: String,
}

/// What recording a consent did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// A new record that counts.
    Added,
    /// The same address, list and time were already recorded.
    AlreadyPresent,
    /// Recorded for the evidence trail, but an opt-out made later still applies.
    Superseded,
}

impl Batch<'_> {
    /// Records `consent`.
    pub(crate) fn add_consent(
        &self,
        consent: &Consent,
        recorded_at: i64,
    ) -> Result<Recorded, StoreError> {
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO consent (email, list, basis, obtained_at, obtained_at_unix, method, evidence, recorded_at, expires_at_unix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    consent.email,
                    consent.list,
                    consent.basis.as_str(),
                    consent.obtained_at,
                    consent.obtained_at_unix,
                    consent.method,
                    consent.evidence,
                    recorded_at,
                    consent.expires_at_unix,
                ])
            })
            .map_err(|e| self.error(e))?;
        if inserted == 0 {
            return Ok(Recorded::AlreadyPresent);
        }
        let superseded: bool = self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM consent_revocation
                 WHERE email = ?1 AND list IN (?2, '*') AND revoked_at >= ?3)",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![consent.email, consent.list, consent.obtained_at_unix],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.error(e))?;
        Ok(if superseded {
            Recorded::Superseded
        } else {
            Recorded::Added
        })
    }
}

impl Store {
    /// Records one consent; see [`Batch::add_consent`].
    pub(crate) fn add_consent(
        &mut self,
        consent: &Consent,
        recorded_at: i64,
    ) -> Result<Recorded, StoreError> {
        let batch = self.batch()?;
        let recorded = batch.add_consent(consent, recorded_at)?;
        batch.commit()?;
        Ok(recorded)
    }

    /// Revokes every consent of `email` for `list` (`*` = every list) obtained
    /// up to `at`. Returns how many records counted before and no longer do.
    pub(crate) fn revoke_consent(
        &mut self,
        email: &str,
        list: &str,
        at: i64,
        reason: &str,
    ) -> Result<usize, StoreError> {
        let batch = self.batch()?;
        let active_before = batch.active_consents(email, list)?;
        batch
            .tx
            .execute(
                "INSERT INTO consent_revocation (email, list, revoked_at, reason)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![email, list, at, reason],
            )
            .map_err(|e| batch.error(e))?;
        let active_after = batch.active_consents(email, list)?;
        batch.commit()?;
        Ok(active_before - active_after)
    }

    /// Whether `email` has a consent that counts for `list`.
    pub(crate) fn is_consented(&self, email: &str, list: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(IS_CONSENTED)
            .and_then(|mut s| s.query_row(params![email, list], |r| r.get(0)))
            .map_err(|e| self.error(e))
    }

    /// Every address whose consent counts for `list`.
    pub(crate) fn consented_for(&self, list: &str) -> Result<AddressSet, StoreError> {
        self.address_set(
            "SELECT c.email FROM consent c
                 WHERE c.list IN (?1, '*')
                   AND (c.expires_at_unix IS NULL OR c.expires_at_unix > unixepoch())
                   AND NOT EXISTS (SELECT 1 FROM consent_revocation r
                       WHERE r.email = c.email AND r.list IN (?1, '*')
                         AND r.revoked_at >= c.obtained_at_unix)",
            [list],
        )
    }

    /// Calls `each` for every record, ordered by address and time, optionally
    /// only one list's (`*` records included) or one address's.
    pub(crate) fn for_each_consent<E: From<StoreError>>(
        &self,
        list: Option<&str>,
        email: Option<&str>,
        mut each: impl FnMut(ConsentEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT c.email, c.list, c.basis, c.obtained_at, c.obtained_at_unix, c.method, c.evidence,
                        c.recorded_at,
                        (SELECT MIN(r.revoked_at) FROM consent_revocation r
                          WHERE r.email = c.email AND r.list IN (c.list, '*')
                            AND r.revoked_at >= c.obtained_at_unix),
                        c.expires_at_unix
                 FROM consent c
                 WHERE (?1 IS NULL OR c.list IN (?1, '*')) AND (?2 IS NULL OR c.email = ?2)
                 ORDER BY c.email, c.obtained_at_unix, c.list",
            )
            .map_err(|e| self.error(e))?;
        let mut rows = statement
            .query(params![list, email])
            .map_err(|e| self.error(e))?;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let entry = consent_entry(row).map_err(|e| self.error(e))?;
            each(entry)?;
        }
        Ok(())
    }
}

/// One opt-out event, for an address's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Revocation {
    /// The list, or `*` for every list.
    pub list: String,
    /// When, RFC 3339.
    pub revoked_at: String,
    /// Why, as recorded.
    pub reason: String,
}

impl Store {
    /// Every revocation of `email`, oldest first.
    pub(crate) fn revocations_for(&self, email: &str) -> Result<Vec<Revocation>, StoreError> {
        self.all_rows(
            "SELECT list, revoked_at, reason FROM consent_revocation
                 WHERE email = ?1 ORDER BY revoked_at, list",
            [email],
            |r| {
                Ok(Revocation {
                    list: r.get(0)?,
                    revoked_at: super::format_unix(r.get(1)?),
                    reason: r.get(2)?,
                })
            },
        )
    }
}

impl Batch<'_> {
    fn active_consents(&self, email: &str, list: &str) -> Result<usize, StoreError> {
        // For '*' a revocation of any list counts as covering, so that the
        // before/after difference of a global revocation is complete.
        self.tx
            .query_row(
                "SELECT COUNT(*) FROM consent c
                 WHERE c.email = ?1 AND (?2 = '*' OR c.list IN (?2, '*'))
                   AND (c.expires_at_unix IS NULL OR c.expires_at_unix > unixepoch())
                   AND NOT EXISTS (SELECT 1 FROM consent_revocation r
                       WHERE r.email = c.email AND r.list IN (c.list, '*')
                         AND r.revoked_at >= c.obtained_at_unix)",
                params![email, list],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| self.error(e))
    }
}

/// A consent row whose first ten columns are email, list, basis,
/// obtained_at, obtained_at_unix, method, evidence, recorded_at, the first
/// revocation covering it, and expires_at_unix.
pub(super) fn consent_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<ConsentEntry> {
    let basis: String = row.get(2)?;
    let basis = basis.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
    })?;
    let revoked_at: Option<i64> = row.get(8)?;
    let expires_at_unix: Option<i64> = row.get(9)?;
    Ok(ConsentEntry {
        consent: Consent {
            email: row.get(0)?,
            list: row.get(1)?,
            basis,
            obtained_at: row.get(3)?,
            obtained_at_unix: row.get(4)?,
            method: row.get(5)?,
            evidence: row.get(6)?,
            expires_at_unix,
        },
        revoked_at: revoked_at.map(super::format_unix).unwrap_or_default(),
        recorded_at: super::format_unix(row.get(7)?),
        expires_at: expires_at_unix.map(super::format_unix).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(email: &str, list: &str, obtained_at_unix: i64) -> Consent {
        Consent {
            email: email.into(),
            list: list.into(),
            basis: Basis::OptIn,
            obtained_at: super::super::format_unix(obtained_at_unix),
            obtained_at_unix,
            method: "web form".into(),
            evidence: "form-log-1".into(),
            expires_at_unix: None,
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn consent_counts_for_its_list_and_star_for_all() {
        let (_dir, mut store) = store();
        store
            .add_consent(&consent("a@example.jp", "newsletter", 100), 1)
            .unwrap();
        store
            .add_consent(&consent("b@example.jp", "*", 100), 1)
            .unwrap();
        let news = store.consented_for("newsletter").unwrap();
        assert!(news.contains("a@example.jp") && news.contains("b@example.jp"));
        let offers = store.consented_for("offers").unwrap();
        assert!(!offers.contains("a@example.jp") && offers.contains("b@example.jp"));
    }

    #[test]
    fn an_old_consent_never_revives_a_later_opt_out_but_a_new_one_does() {
        let (_dir, mut store) = store();
        store
            .add_consent(&consent("a@example.jp", "newsletter", 100), 1)
            .unwrap();
        assert_eq!(
            store
                .revoke_consent("a@example.jp", "newsletter", 200, "asked")
                .unwrap(),
            1
        );
        assert!(
            !store
                .consented_for("newsletter")
                .unwrap()
                .contains("a@example.jp")
        );

        let old = consent("a@example.jp", "newsletter", 150);
        assert_eq!(store.add_consent(&old, 2).unwrap(), Recorded::Superseded);
        assert!(
            !store
                .consented_for("newsletter")
                .unwrap()
                .contains("a@example.jp")
        );
        assert_eq!(
            store.add_consent(&old, 3).unwrap(),
            Recorded::AlreadyPresent
        );

        let fresh = consent("a@example.jp", "newsletter", 300);
        assert_eq!(store.add_consent(&fresh, 4).unwrap(), Recorded::Added);
        assert!(
            store
                .consented_for("newsletter")
                .unwrap()
                .contains("a@example.jp")
        );
    }

    #[test]
    fn revoking_one_list_leaves_a_star_consent_for_the_others() {
        let (_dir, mut store) = store();
        store
            .add_consent(&consent("a@example.jp", "*", 100), 1)
            .unwrap();
        store
            .revoke_consent("a@example.jp", "newsletter", 200, "")
            .unwrap();
        assert!(
            !store
                .consented_for("newsletter")
                .unwrap()
                .contains("a@example.jp")
        );
        assert!(
            store
                .consented_for("offers")
                .unwrap()
                .contains("a@example.jp")
        );
        store.revoke_consent("a@example.jp", "*", 300, "").unwrap();
        assert!(
            !store
                .consented_for("offers")
                .unwrap()
                .contains("a@example.jp")
        );

        let mut exported = Vec::new();
        store
            .for_each_consent::<StoreError>(None, Some("a@example.jp"), |e| {
                exported.push(e);
                Ok(())
            })
            .unwrap();
        assert_eq!(exported.len(), 1);
        assert_eq!(exported[0].revoked_at, super::super::format_unix(300));
    }
}
