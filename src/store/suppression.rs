//! The suppression list: addresses that must not receive mail, globally or for
//! one list. It is checked by the plan and again before every SMTP transaction.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Batch, Store, StoreError};
use crate::address_set::AddressSet;

/// One suppression entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The address key.
    pub email: String,
    /// The list, or `*` for every list (see [`crate::list::ListName`]).
    pub list: String,
    /// Why: `unsubscribe`, `hard_bounce`, `complaint`, `manual`, or the import's text.
    pub reason: String,
    /// Where it came from: `manual`, `import`, `one-click`, `web`, `ingest`…
    pub source: String,
    /// When, in unix seconds.
    #[serde(skip)]
    pub created_at: i64,
}

impl Suppression {
    /// `created_at` as RFC 3339.
    pub(crate) fn created_at_rfc3339(&self) -> String {
        super::format_unix(self.created_at)
    }
}

impl Batch<'_> {
    /// Suppresses `entry.email` for `entry.list`. The first entry wins: an
    /// existing one keeps its original reason and time. Returns whether it was new.
    pub(crate) fn suppress(&self, entry: &Suppression) -> Result<bool, StoreError> {
        let mut statement = self
            .tx
            .prepare_cached(
                "INSERT INTO suppression (email, list, reason, source, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )
            .map_err(|e| self.error(e))?;
        let inserted = statement
            .execute(params![
                entry.email,
                entry.list,
                entry.reason,
                entry.source,
                entry.created_at
            ])
            .map_err(|e| self.error(e))?;
        Ok(inserted == 1)
    }
}

impl Store {
    /// Suppresses one address; see [`Batch::suppress`].
    pub fn suppress(&mut self, entry: &Suppression) -> Result<bool, StoreError> {
        let batch = self.batch()?;
        let inserted = batch.suppress(entry)?;
        batch.commit()?;
        Ok(inserted)
    }

    /// Removes the suppression of `email` for `list` (`*` = every list).
    /// Returns whether there was one.
    pub(crate) fn unsuppress(&mut self, email: &str, list: &str) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .execute(
                "DELETE FROM suppression WHERE email = ?1 AND list = ?2",
                params![email, list],
            )
            .map_err(|e| self.error(e))?;
        Ok(removed > 0)
    }

    /// Whether `email` may not receive mail for `list`: a global or a list entry.
    pub fn is_suppressed(&self, email: &str, list: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT 1 FROM suppression WHERE email = ?1 AND list IN ('*', ?2) LIMIT 1",
            )
            .and_then(|mut s| s.query_row(params![email, list], |_| Ok(())).optional())
            .map(|found| found.is_some())
            .map_err(|e| self.error(e))
    }

    /// Every address suppressed for `list`, globally or for that list.
    pub(crate) fn suppressed_for(&self, list: &str) -> Result<AddressSet, StoreError> {
        self.address_set(
            "SELECT email FROM suppression WHERE list IN ('*', ?1)",
            [list],
        )
    }

    /// Calls `each` for every entry, ordered by address, optionally only those
    /// of one list (`Some("*")` = only the entries for every list).
    pub fn for_each_suppression<E: From<StoreError>>(
        &self,
        list: Option<&str>,
        each: impl FnMut(Suppression) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each_suppression_since(list, i64::MIN, each)
    }

    /// As [`Store::for_each_suppression`], only entries recorded at or after
    /// `since` (unix seconds): what another host has not seen yet.
    pub(crate) fn for_each_suppression_since<E: From<StoreError>>(
        &self,
        list: Option<&str>,
        since: i64,
        mut each: impl FnMut(Suppression) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT email, list, reason, source, created_at FROM suppression
                 WHERE (?1 IS NULL OR list = ?1) AND created_at >= ?2 ORDER BY email, list",
            )
            .map_err(|e| self.error(e))?;
        let mut rows = statement
            .query(rusqlite::params![list, since])
            .map_err(|e| self.error(e))?;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let entry = Suppression {
                email: row.get(0).map_err(|e| self.error(e))?,
                list: row.get(1).map_err(|e| self.error(e))?,
                reason: row.get(2).map_err(|e| self.error(e))?,
                source: row.get(3).map_err(|e| self.error(e))?,
                created_at: row.get(4).map_err(|e| self.error(e))?,
            };
            each(entry)?;
        }
        Ok(())
    }
}

impl Store {
    /// The suppression entries of one address (global and per list).
    pub(crate) fn suppressions_of(&self, email: &str) -> Result<Vec<Suppression>, StoreError> {
        self.all_rows(
            "SELECT email, list, reason, source, created_at FROM suppression
                 WHERE email = ?1 ORDER BY created_at, list",
            [email],
            |row| {
                Ok(Suppression {
                    email: row.get(0)?,
                    list: row.get(1)?,
                    reason: row.get(2)?,
                    source: row.get(3)?,
                    created_at: row.get(4)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(email: &str, list: &str) -> Suppression {
        Suppression {
            email: email.into(),
            list: list.into(),
            reason: "manual".into(),
            source: "test".into(),
            created_at: 1_700_000_000,
        }
    }

    #[test]
    fn a_global_suppression_from_before_schema_7_still_covers_every_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &super::super::schema::MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO suppression (email, list, reason, source, created_at)
             VALUES ('old@example.jp', '', 'hard_bounce', 'ingest', 100);",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert!(store.is_suppressed("old@example.jp", "newsletter").unwrap());
        let mut lists = Vec::new();
        store
            .for_each_suppression::<StoreError>(None, |entry| {
                lists.push(entry.list);
                Ok(())
            })
            .unwrap();
        assert_eq!(lists, [crate::list::ListName::EVERY]);
    }

    #[test]
    fn global_entries_cover_every_list_and_list_entries_only_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        assert!(
            store
                .suppress(&entry("all@example.jp", crate::list::ListName::EVERY))
                .unwrap()
        );
        assert!(
            store
                .suppress(&entry("news@example.jp", "newsletter"))
                .unwrap()
        );
        assert!(
            !store
                .suppress(&entry("all@example.jp", crate::list::ListName::EVERY))
                .unwrap()
        );

        assert!(store.is_suppressed("all@example.jp", "newsletter").unwrap());
        assert!(
            store
                .is_suppressed("news@example.jp", "newsletter")
                .unwrap()
        );
        assert!(!store.is_suppressed("news@example.jp", "offers").unwrap());

        let offers = store.suppressed_for("offers").unwrap();
        assert!(offers.contains("all@example.jp") && !offers.contains("news@example.jp"));

        assert!(store.unsuppress("news@example.jp", "newsletter").unwrap());
        assert!(
            !store
                .is_suppressed("news@example.jp", "newsletter")
                .unwrap()
        );
    }
}
