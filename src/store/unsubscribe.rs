//! What the unsubscribe endpoint needs from the store: the secret that keys
//! tokens and Message-IDs, and which recipient each issued token id stands for.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::token::{Issued, Keys, Recipient, SECRET_LEN, new_secret};

const SECRET_NAME: &str = "unsubscribe";

impl Store {
    /// The keys of this store, creating the secret on first use. The secret
    /// never leaves the store: whoever can read the store can unsubscribe anyone.
    pub fn keys(&mut self) -> Result<Keys, StoreError> {
        let fresh = new_secret().map_err(|e| StoreError::Random(e.to_string()))?;
        // Insert-if-absent then read, so two processes creating it at once agree.
        let stored: Vec<u8> = self
            .conn
            .execute(
                "INSERT INTO secret (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![SECRET_NAME, &fresh[..]],
            )
            .and_then(|_| {
                self.conn.query_row(
                    "SELECT value FROM secret WHERE name = ?1",
                    [SECRET_NAME],
                    |row| row.get(0),
                )
            })
            .map_err(|e| self.error(e))?;
        let secret: [u8; SECRET_LEN] = stored.try_into().map_err(|_| {
            StoreError::Corrupt("the unsubscribe secret has the wrong length".into())
        })?;
        Ok(Keys::new(secret))
    }

    /// Records which recipient each token id stands for, in one transaction.
    /// Ids are derived from the recipient, so recording one twice is harmless;
    /// two recipients with one id (a 2^-63 chance per pair) is refused rather
    /// than letting one of them be unable to unsubscribe.
    /// A test message re-uses its address's token under a new Message-ID;
    /// the latest is kept.
    pub(crate) fn record_tokens(&mut self, tokens: &[Issued]) -> Result<(), StoreError> {
        let batch = self.batch()?;
        {
            let mut insert = batch
                .tx
                .prepare_cached(
                    "INSERT INTO unsubscribe_token (id, campaign, list, email, message_id)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )
                .map_err(|e| batch.error(e))?;
            for Issued {
                id,
                recipient,
                message_id,
            } in tokens
            {
                let inserted = insert
                    .execute(params![
                        id,
                        recipient.campaign,
                        recipient.list,
                        recipient.email,
                        message_id
                    ])
                    .map_err(|e| batch.error(e))?;
                if inserted == 0 {
                    let existing = token_recipient(&batch.tx, *id).map_err(|e| batch.error(e))?;
                    if existing.as_ref() != Some(recipient) {
                        return Err(StoreError::Corrupt(format!(
                            "unsubscribe token id {id} is already taken by another recipient"
                        )));
                    }
                    batch
                        .tx
                        .prepare_cached(
                            "UPDATE unsubscribe_token SET message_id = ?2
                             WHERE id = ?1 AND message_id IS NOT ?2",
                        )
                        .and_then(|mut s| s.execute(params![id, message_id]))
                        .map_err(|e| batch.error(e))?;
                }
            }
        }
        batch.commit()
    }

    /// The recipient of the message with this Message-ID (without brackets),
    /// if this store composed it.
    pub(crate) fn message_recipient(
        &self,
        message_id: &str,
    ) -> Result<Option<Recipient>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT campaign, list, email FROM unsubscribe_token WHERE message_id = ?1 LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([message_id], |row| {
                    Ok(Recipient {
                        campaign: row.get(0)?,
                        list: row.get(1)?,
                        email: row.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.error(e))
    }

    /// The recipient a token id was issued for.
    pub fn token_recipient(&self, id: i64) -> Result<Option<Recipient>, StoreError> {
        token_recipient(&self.conn, id).map_err(|e| self.error(e))
    }
}

fn token_recipient(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Option<Recipient>> {
    // Cached: ingest and the endpoint ask once per report or click.
    conn.prepare_cached("SELECT campaign, list, email FROM unsubscribe_token WHERE id = ?1")?
        .query_row([id], |row| {
            Ok(Recipient {
                campaign: row.get(0)?,
                list: row.get(1)?,
                email: row.get(2)?,
            })
        })
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_created_once_and_tokens_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.db");
        let mut store = Store::open(&path).unwrap();
        let keys = store.keys().unwrap();
        let taro = Recipient {
            campaign: "c1".into(),
            list: "newsletter".into(),
            email: "taro@example.jp".into(),
        };
        let (id, token) = keys.token(&taro);
        let issued = |recipient: &Recipient, message_id: &str| Issued {
            id,
            recipient: recipient.clone(),
            message_id: message_id.into(),
        };
        store.record_tokens(&[issued(&taro, "m1@x")]).unwrap();
        store.record_tokens(&[issued(&taro, "m1@x")]).unwrap();
        store.record_tokens(&[issued(&taro, "m2@x")]).unwrap();
        assert_eq!(store.message_recipient("m2@x").unwrap(), Some(taro.clone()));
        assert_eq!(store.message_recipient("m1@x").unwrap(), None);
        drop(store);

        let mut reopened = Store::open(&path).unwrap();
        let same_keys = reopened.keys().unwrap();
        let found = reopened
            .token_recipient(Keys::claimed_id(&token).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(found, taro);
        assert!(same_keys.verify(&token, &found));

        let mut other = taro.clone();
        other.email = "hanako@example.jp".into();
        assert!(reopened.record_tokens(&[issued(&other, "m3@x")]).is_err());
        assert_eq!(reopened.token_recipient(12345).unwrap(), None);
    }
}
