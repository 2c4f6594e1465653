//! The local SQLite store: suppression list, consent records, the send journal
//! and approvals.
//!
//! One file, opened in WAL mode with a busy timeout, so that the unsubscribe
//! endpoint, a cron run and an operator's `suppress add` can all write while a
//! send is running. The schema is created and migrated by the tool itself; the
//! version lives in SQLite's `user_version`.

pub(crate) mod approval;
pub(crate) mod consent;
pub(crate) mod feedback;
pub mod journal;
mod relays;
pub(crate) mod retention;
mod schema;
pub mod suppression;
pub(crate) mod unsubscribe;

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::address_set::AddressSet;
use schema::MIGRATIONS;

pub(crate) use relays::{RelayCounts, SetAsidePeriod};

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A store that cannot be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error("{}: cannot open the store: {source}\n  hint: pass --store PATH or set HIKYAKU_STORE to a writable file", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The schema is newer than this binary understands.
    #[error("{}: the store has schema version {found}, but this hikyaku knows only up to {known}; upgrade hikyaku", path.display())]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    /// The store holds something it should not.
    #[error("store is inconsistent: {0}")]
    Corrupt(String),
    /// The operating system gave no randomness for a new secret.
    #[error("cannot create a secret: no randomness: {0}")]
    Random(String),
    /// Any other database failure.
    #[error("{}: store error: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Whether a chunk ([`Store::begin_chunk`]) is open.
    chunk_open: bool,
}

impl Store {
    /// Opens the store at `path`, creating and migrating it as needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        // The store holds the secret behind every unsubscribe token and
        // every address: a new one is its owner's alone. SQLite gives the
        // -wal and -shm files the mode of the database file.
        if let Err(source) = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(crate::files::FILE_MODE)
            .open(path)
            && source.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(StoreError::Open {
                path: path.to_owned(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(source.to_string()),
                ),
            });
        }
        let conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        // WAL lets readers and one writer work at once across processes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        // In WAL mode, NORMAL makes a commit durable against the process being
        // killed (the journal's promise) without an fsync per commit; only a
        // power cut can lose the last commits before a checkpoint.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            chunk_open: false,
        };
        store.migrate()?;
        Ok(store)
    }

    /// The file behind the store.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a consistent copy of the store to `target`, which must not
    /// exist: one snapshot, taken while other processes keep writing
    /// (SQLite's `VACUUM INTO`), readable by its owner only.
    pub(crate) fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        let open_error = |source: std::io::Error| StoreError::Open {
            path: target.to_owned(),
            source: rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(source.to_string()),
            ),
        };
        // VACUUM INTO writes a file created here, private, under a
        // temporary name beside the target: a backup cut short never looks
        // finished, and the finished one never replaces an existing file.
        let absolute = std::path::absolute(target).map_err(open_error)?;
        let Some(name) = absolute.to_str() else {
            return Err(open_error(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the backup path is not UTF-8",
            )));
        };
        if absolute.exists() {
            return Err(open_error(std::io::Error::from(
                std::io::ErrorKind::AlreadyExists,
            )));
        }
        let partial = format!("{name}.partial");
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(crate::files::FILE_MODE)
            .open(&partial)
            .map_err(open_error)?;
        let result = self
            .conn
            .execute("VACUUM INTO ?1", [partial.as_str()])
            .map_err(|e| self.error(e))
            .and_then(|_| std::fs::hard_link(&partial, &absolute).map_err(open_error));
        let _ = std::fs::remove_file(&partial);
        result
    }

    /// The store file and the -wal and -shm files beside it.
    pub(crate) fn files(path: &Path) -> [PathBuf; 3] {
        let with = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        [path.to_owned(), with("-wal"), with("-shm")]
    }

    /// The schema version the store is at.
    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.error(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        // IMMEDIATE takes the write lock first, so two processes opening a new
        // store at once cannot both run the same migration.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|source| StoreError::Open {
                path: self.path.clone(),
                source,
            })?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|source| StoreError::Sqlite {
                path: self.path.clone(),
                source,
            })?;
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", index as i64 + 1))
                .map_err(|source| StoreError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
        }
        tx.commit().map_err(|source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        })
    }

    /// Starts a transaction for many writes at once (imports); it is rolled
    /// back unless [`Batch::commit`] is called. Inside a chunk
    /// ([`Store::begin_chunk`]) it is a savepoint of the chunk's transaction.
    pub(crate) fn batch(&mut self) -> Result<Batch<'_>, StoreError> {
        let path = &self.path;
        let error = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = if self.conn.is_autocommit() {
            Tx::Transaction(
                self.conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(error)?,
            )
        } else {
            Tx::Savepoint(self.conn.savepoint().map_err(error)?)
        };
        Ok(Batch { tx, path })
    }

    /// How long a write waits for another process's transaction before it
    /// fails (30 s unless set): the endpoint answers within its own
    /// deadline, so it waits less.
    pub(crate) fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        self.conn.busy_timeout(timeout).map_err(|e| self.error(e))
    }

    /// Starts a chunk: one write transaction around many batches, so that a
    /// long run of small writes (ingesting a mailbox) takes the lock and
    /// syncs once per chunk instead of once per write. Keep chunks short:
    /// a running send and the endpoint wait for the lock meanwhile.
    pub(crate) fn begin_chunk(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.error(e))?;
        self.chunk_open = true;
        Ok(())
    }

    /// Ends the chunk: commits it, or with `keep = false` rolls it back. A
    /// chunk SQLite already rolled back by itself (disk full, I/O error) is
    /// an error when it was to be kept: none of its writes landed.
    pub(crate) fn end_chunk(&mut self, keep: bool) -> Result<(), StoreError> {
        if !std::mem::take(&mut self.chunk_open) {
            return Ok(());
        }
        if self.conn.is_autocommit() {
            return if keep {
                Err(StoreError::Corrupt(
                    "the store undid the last writes by itself (disk full or an I/O error); \
                     none of them was kept: free space and run again"
                        .into(),
                ))
            } else {
                Ok(())
            };
        }
        self.conn
            .execute_batch(if keep { "COMMIT" } else { "ROLLBACK" })
            .map_err(|e| self.error(e))
    }

    /// The addresses (first column) that `sql` selects with `params`.
    fn address_set(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<AddressSet, StoreError> {
        let mut set = AddressSet::new();
        self.conn
            .prepare(sql)
            .and_then(|mut statement| {
                let mut rows = statement.query(params)?;
                while let Some(row) = rows.next()? {
                    set.insert(row.get_ref(0)?.as_str()?);
                }
                Ok(())
            })
            .map_err(|e| self.error(e))?;
        Ok(set)
    }

    /// Every row `sql` selects with `params`, each made into a `T` by `row`.
    fn all_rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.conn
            .prepare(sql)
            .and_then(|mut statement| statement.query_map(params, row)?.collect())
            .map_err(|e| self.error(e))
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

/// Writes made in one transaction: all of them land, or none.
pub(crate) struct Batch<'a> {
    tx: Tx<'a>,
    path: &'a Path,
}

/// A transaction of its own, or a savepoint inside a chunk.
enum Tx<'a> {
    Transaction(rusqlite::Transaction<'a>),
    Savepoint(rusqlite::Savepoint<'a>),
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Tx::Transaction(tx) => tx,
            Tx::Savepoint(savepoint) => savepoint,
        }
    }
}

impl Batch<'_> {
    /// Makes every write of the batch permanent (inside a chunk: part of
    /// the chunk, which commits them).
    pub(crate) fn commit(self) -> Result<(), StoreError> {
        let path = self.path.to_owned();
        match self.tx {
            Tx::Transaction(tx) => tx.commit(),
            Tx::Savepoint(savepoint) => savepoint.commit(),
        }
        .map_err(|source| StoreError::Sqlite { path, source })
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.to_owned(),
            source,
        }
    }
}

/// Formats unix seconds as RFC 3339 in UTC, as exports write them.
pub(crate) fn format_unix(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(store);
        assert!(Store::open(&path).is_ok());
    }

    #[test]
    fn refuses_a_store_from_a_newer_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
