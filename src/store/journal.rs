//! The send journal: one row per (campaign, recipient) with its delivery state.
//! The delivery stage writes it; the plan reads it to skip what is done.

use std::fmt;

use rusqlite::{OptionalExtension, params};

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
    pub(crate) const ALL: [DeliveryState; 6] = [
        DeliveryState::Pending,
        DeliveryState::Sending,
        DeliveryState::Sent,
        DeliveryState::Deferred,
        DeliveryState::Failed,
        DeliveryState::Unknown,
    ];

    /// The name used in the store and in reports.
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn is_settled(self) -> bool {
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

/// What the store says right before a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Still allowed: the recipient is now `sending`.
    Go,
    /// Suppressed since the plan was made (an unsubscribe, a bounce…).
    Suppressed,
    /// An advertisement whose consent was revoked since the plan was made.
    NoConsent,
    /// Another run settled it since the plan was made.
    Settled,
}

/// One journal row, for reports.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// The state.
    pub state: DeliveryState,
    /// The last SMTP reply.
    pub smtp_reply: Option<String>,
    /// Attempts made.
    pub attempts: i64,
    /// When it last changed, unix seconds.
    pub updated_at: i64,
    /// The relay of the last attempt (empty before the first).
    pub relay: String,
}

impl DeliveryState {
    /// [`DeliveryState::is_settled`], except that with `retry_unknown` a
    /// recipient in doubt is offered again.
    pub(crate) fn is_settled_for(self, retry_unknown: bool) -> bool {
        match self {
            DeliveryState::Unknown | DeliveryState::Sending if retry_unknown => false,
            other => other.is_settled(),
        }
    }

    pub(crate) fn parse(text: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl Store {
    /// Right before a transaction: checks the suppression list (and, for
    /// advertisements, consent) again, and if the recipient may still get the
    /// campaign marks it `sending`, committed before any byte of the message
    /// leaves. If the process dies from here until the outcome is recorded,
    /// the recipient stays `sending`, which later runs treat as unknown.
    /// With `retry_unknown`, a recipient whose outcome is unknown is admitted.
    #[allow(clippy::too_many_arguments)]
    pub fn admit(
        &mut self,
        campaign: &str,
        list: &str,
        email: &str,
        (message_id, relay): (&str, &str),
        needs_consent: bool,
        retry_unknown: bool,
        at: i64,
    ) -> Result<Admission, StoreError> {
        let batch = self.batch()?;
        let suppressed: bool = batch
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM suppression WHERE email = ?1 AND list IN ('*', ?2))",
            )
            .and_then(|mut s| s.query_row(params![email, list], |r| r.get(0)))
            .map_err(|e| batch.error(e))?;
        if suppressed {
            return Ok(Admission::Suppressed);
        }
        if needs_consent {
            let consented: bool = batch
                .tx
                .prepare_cached(super::consent::IS_CONSENTED)
                .and_then(|mut s| s.query_row(params![email, list], |r| r.get(0)))
                .map_err(|e| batch.error(e))?;
            if !consented {
                return Ok(Admission::NoConsent);
            }
        }
        let current: Option<String> = batch
            .tx
            .prepare_cached("SELECT state FROM journal WHERE campaign = ?1 AND email = ?2")
            .and_then(|mut s| {
                s.query_row(params![campaign, email], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| batch.error(e))?;
        let settled = |state: DeliveryState| match state {
            DeliveryState::Unknown | DeliveryState::Sending if retry_unknown => false,
            other => other.is_settled(),
        };
        if current
            .as_deref()
            .and_then(DeliveryState::parse)
            .is_some_and(settled)
        {
            return Ok(Admission::Settled);
        }
        batch
            .tx
            .prepare_cached(
                "INSERT INTO journal (campaign, email, state, message_id, attempts, updated_at, relay)
                 VALUES (?1, ?2, 'sending', ?3, 1, ?4, ?5)
                 ON CONFLICT (campaign, email) DO UPDATE SET
                     state = 'sending', message_id = excluded.message_id,
                     attempts = attempts + 1, updated_at = excluded.updated_at,
                     relay = excluded.relay",
            )
            .and_then(|mut s| s.execute(params![campaign, email, message_id, at, relay]))
            .map_err(|e| batch.error(e))?;
        batch.commit()?;
        Ok(Admission::Go)
    }

    /// Records that `campaign` of `kind` (`advertisement` or `notice`) for
    /// `list` has started sending. Retention and the complaint guard tell
    /// advertisements from notices by it.
    /// `sender` names who sends it (the organization), for the unsubscribe page.
    pub(crate) fn record_campaign(
        &mut self,
        campaign: &str,
        kind: &str,
        list: &str,
        sender: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO campaign (id, kind, list, first_sent_at, sender) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, list = excluded.list,
                                                sender = excluded.sender",
                params![campaign, kind, list, at, sender],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Checks that this store sends `campaign` as the same part of a
    /// sharded list as before (`""` = the whole list), and notes it on the
    /// first send: a host that sent part 1 of 3 and then the whole list, or
    /// part 2, would mail recipients whose journal is on another host.
    /// Returns the part recorded earlier when it differs.
    pub(crate) fn check_shard(
        &mut self,
        campaign: &str,
        shard: &str,
    ) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        let recorded: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT shard FROM campaign WHERE id = ?1")
            .and_then(|mut s| s.query_row([campaign], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))?;
        match recorded {
            Some(Some(earlier)) if earlier != shard => Ok(Some(earlier)),
            Some(_) => {
                self.conn
                    .execute(
                        "UPDATE campaign SET shard = ?2 WHERE id = ?1",
                        params![campaign, shard],
                    )
                    .map_err(|e| self.error(e))?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Who sent `campaign`, when it has sent.
    pub(crate) fn campaign_sender(&self, campaign: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .prepare_cached("SELECT sender FROM campaign WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([campaign], |r| r.get::<_, String>(0))
                    .optional()
            })
            .map(|sender| sender.filter(|s| !s.is_empty()))
            .map_err(|e| self.error(e))
    }

    /// Records the outcome of the transaction [`Store::admit`] began, and
    /// the relay that carried it.
    pub fn settle(
        &mut self,
        campaign: &str,
        email: &str,
        state: DeliveryState,
        (smtp_reply, relay): (&str, &str),
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE journal SET state = ?3, smtp_reply = ?4, updated_at = ?5, relay = ?6
                 WHERE campaign = ?1 AND email = ?2",
            )
            .and_then(|mut s| {
                s.execute(params![
                    campaign,
                    email,
                    state.as_str(),
                    smtp_reply,
                    at,
                    relay
                ])
            })
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// How many recipients of `campaign` are in each state.
    pub fn journal_counts(&self, campaign: &str) -> Result<Vec<(DeliveryState, u64)>, StoreError> {
        let mut counts: Vec<(DeliveryState, u64)> =
            DeliveryState::ALL.iter().map(|s| (*s, 0)).collect();
        self.conn
            .prepare("SELECT state, COUNT(*) FROM journal WHERE campaign = ?1 GROUP BY state")
            .and_then(|mut statement| {
                let mut rows = statement.query([campaign])?;
                while let Some(row) = rows.next()? {
                    let state: String = row.get(0)?;
                    let count: i64 = row.get(1)?;
                    if let Some(entry) = counts.iter_mut().find(|(s, _)| s.as_str() == state) {
                        entry.1 = count as u64;
                    }
                }
                Ok(())
            })
            .map_err(|e| self.error(e))?;
        Ok(counts)
    }

    /// Messages of `campaign` accepted by the relay, per minute (unix
    /// minutes, ascending), for the delivery report's chart.
    pub(crate) fn sent_per_minute(&self, campaign: &str) -> Result<Vec<(i64, u64)>, StoreError> {
        self.conn
            .prepare(
                "SELECT updated_at / 60, COUNT(*) FROM journal \
                 WHERE campaign = ?1 AND state = 'sent' GROUP BY 1 ORDER BY 1",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([campaign], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)? as u64))
                    })?
                    .collect()
            })
            .map_err(|e| self.error(e))
    }

    /// Recipients of `campaign` not delivered (deferred, failed, unknown),
    /// grouped by state, recipient domain and the relay's reply with the
    /// addresses in it replaced by `<address>` (replies name their
    /// recipient, which would make every group one person, and the report is
    /// shared), most frequent first: at most `limit` groups.
    pub(crate) fn undelivered_by_domain(
        &self,
        campaign: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, String, u64)>, StoreError> {
        let mut groups: std::collections::HashMap<(String, String, String), u64> =
            std::collections::HashMap::new();
        self.conn
            .prepare(
                "SELECT state, email, COALESCE(NULLIF(smtp_reply, ''), reason, '') FROM journal \
                 WHERE campaign = ?1 AND state IN ('deferred', 'failed', 'unknown')",
            )
            .and_then(|mut statement| {
                let mut rows = statement.query([campaign])?;
                while let Some(row) = rows.next()? {
                    let state: String = row.get(0)?;
                    let email: String = row.get(1)?;
                    let reply: String = row.get(2)?;
                    let domain = email.rsplit_once('@').map_or("", |(_, d)| d).to_owned();
                    *groups
                        .entry((state, domain, reply_without_addresses(&reply)))
                        .or_default() += 1;
                }
                Ok(())
            })
            .map_err(|e| self.error(e))?;
        let mut groups: Vec<(String, String, String, u64)> = groups
            .into_iter()
            .map(|((state, domain, reply), count)| (state, domain, reply, count))
            .collect();
        groups.sort_by(|a, b| {
            b.3.cmp(&a.3)
                .then_with(|| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)))
        });
        groups.truncate(limit);
        Ok(groups)
    }

    /// The journal row of one recipient.
    pub fn journal_entry(
        &self,
        campaign: &str,
        email: &str,
    ) -> Result<Option<JournalEntry>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT state, smtp_reply, attempts, updated_at, relay FROM journal
                  WHERE campaign = ?1 AND email = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![campaign, email], |row| {
                    let state: String = row.get(0)?;
                    Ok(JournalEntry {
                        state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Unknown),
                        smtp_reply: row.get(1)?,
                        attempts: row.get(2)?,
                        updated_at: row.get(3)?,
                        relay: row.get(4)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.error(e))
    }

    /// The recipients of `campaign` that are settled (see
    /// [`DeliveryState::is_settled`]); with `retry_unknown`, those whose outcome
    /// is unknown are left out, so that the plan offers them again.
    pub(crate) fn settled_for(
        &self,
        campaign: &str,
        retry_unknown: bool,
    ) -> Result<AddressSet, StoreError> {
        let states = if retry_unknown {
            "('sent', 'failed')"
        } else {
            "('sent', 'failed', 'sending', 'unknown')"
        };
        self.address_set(
            &format!("SELECT email FROM journal WHERE campaign = ?1 AND state IN {states}"),
            [campaign],
        )
    }
}

/// A relay's reply without the addresses in it, at most 100 characters.
fn reply_without_addresses(reply: &str) -> String {
    let words: Vec<&str> = reply
        .split_whitespace()
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &joined[..at]),
        None => joined,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Journals `state` the way a send does: admitted, then settled.
    pub(crate) fn journal(
        store: &mut Store,
        campaign: &str,
        email: &str,
        state: DeliveryState,
        at: i64,
    ) {
        let admitted = store
            .admit(
                campaign,
                "news",
                email,
                (&format!("{email}.m"), "r"),
                false,
                false,
                at,
            )
            .unwrap();
        assert_eq!(admitted, Admission::Go);
        store.settle(campaign, email, state, ("", "r"), at).unwrap();
    }

    #[test]
    fn settled_states_are_the_ones_never_repeated() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("j.db")).unwrap();
        for (i, state) in DeliveryState::ALL.iter().enumerate() {
            journal(&mut store, "c1", &format!("{i}@example.jp"), *state, 1);
        }
        let settled = store.settled_for("c1", false).unwrap();
        for (i, state) in DeliveryState::ALL.iter().enumerate() {
            assert_eq!(
                settled.contains(&format!("{i}@example.jp")),
                state.is_settled(),
                "{state}"
            );
        }
        assert!(store.settled_for("c2", false).unwrap().is_empty());
        let retrying = store.settled_for("c1", true).unwrap();
        assert!(!retrying.contains("5@example.jp") && !retrying.contains("1@example.jp"));
        assert!(retrying.contains("2@example.jp"));
    }

    #[test]
    fn replies_lose_their_addresses_so_groups_are_reasons_not_people() {
        assert_eq!(
            reply_without_addresses("550 5.1.1 <taro@example.jp>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
        assert_eq!(
            reply_without_addresses(&"あ".repeat(150)).chars().count(),
            101
        );
    }
}
