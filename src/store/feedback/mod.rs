//! What comes back from recipients and their providers: opt-outs (the
//! one-click link, the confirmation page, a mail to the unsubscribe address),
//! bounces and complaints. Each is kept as an event, the evidence of when and
//! how someone refused mail and the input of the complaint-rate guard, and
//! each applies its suppression in the same transaction.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::suppression::Suppression;
use super::{Batch, Store, StoreError};
use crate::list::ListName;

/// What kind of feedback an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FeedbackKind {
    /// The recipient refused further mail.
    Unsubscribe,
    /// Permanent failure (5.x.x): the address does not take mail.
    HardBounce,
    /// Temporary failure (4.x.x): counted, suppressed only after several.
    SoftBounce,
    /// The recipient reported the message as spam (an ARF report).
    Complaint,
    /// The receiver refused *us* (reputation, policy, content, rate,
    /// authentication): counted per recipient domain, never suppresses.
    Block,
}

impl FeedbackKind {
    /// The name in the store and in reports.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Unsubscribe => "unsubscribe",
            FeedbackKind::HardBounce => "hard_bounce",
            FeedbackKind::SoftBounce => "soft_bounce",
            FeedbackKind::Complaint => "complaint",
            FeedbackKind::Block => "block",
        }
    }

    /// The kind a stored name stands for.
    pub(crate) fn from_name(name: &str) -> Option<FeedbackKind> {
        [
            FeedbackKind::Unsubscribe,
            FeedbackKind::HardBounce,
            FeedbackKind::SoftBounce,
            FeedbackKind::Complaint,
            FeedbackKind::Block,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }
}

/// One piece of feedback about one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FeedbackEvent {
    /// What it says.
    pub kind: FeedbackKind,
    /// Where it came from: `one-click`, `web`, `mailto`, `dsn`, `arf`,
    /// `bounce-text`, `smtp`.
    pub source: String,
    /// The reason word (Sisimai's vocabulary: `userunknown`, `blocked`, …),
    /// empty for opt-outs.
    pub reason: String,
    /// How it was tied to a message of ours: `token`, `message_id`, `verp`,
    /// `link` (the endpoint), `smtp` (a reply during the send), `operator`
    /// (accepted untraced), `none`.
    pub trace: String,
    /// Whether it traces to a message of ours (or the operator vouched for
    /// it). An unverified event is kept for review and counts nowhere.
    pub verified: bool,
    /// The campaign of the message it answers, when known.
    pub campaign: Option<String>,
    /// The list of that campaign, when known.
    pub list: Option<String>,
    /// The address key of the recipient.
    pub email: String,
    /// Status code, diagnostic or feedback type.
    pub detail: String,
    /// When it was recorded, unix seconds.
    #[serde(skip)]
    pub at: i64,
}

/// What recording an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Recorded, and the address is now suppressed (it was not before).
    Suppressed,
    /// Recorded; the address was already suppressed for this scope.
    AlreadySuppressed,
    /// Recorded, not (yet) suppressed: a soft bounce under the limit.
    Counted {
        /// Soft bounces of the address in the counting period, this one included.
        soft_bounces: u64,
    },
    /// Recorded and counted, nothing suppressed: a block by the receiver.
    Recorded,
    /// Kept for review only: it traces to no message of ours, so it changes
    /// nothing and counts nowhere.
    Unverified,
    /// The same event (same fingerprint) was recorded before: nothing changed.
    Duplicate,
}

/// Soft bounces count toward suppression within this many seconds.
pub(crate) const SOFT_BOUNCE_PERIOD: i64 = 30 * 24 * 3600;

impl Batch<'_> {
    /// Records `event` and applies what it means:
    /// - an unsubscribe suppresses the address for the event's list (every
    ///   list when unknown) and revokes consent for it, so a later consent
    ///   import of an older record cannot revive it;
    /// - a hard bounce or a complaint suppresses the address for every list;
    /// - a soft bounce suppresses it (reason `soft_bounce`) once the address
    ///   has `soft_bounce_limit` of them within [`SOFT_BOUNCE_PERIOD`].
    ///
    /// With a `fingerprint` already recorded nothing happens, so feeding the
    /// same mailbox twice is harmless.
    pub(crate) fn apply_feedback(
        &self,
        event: &FeedbackEvent,
        fingerprint: Option<&str>,
        soft_bounce_limit: u64,
    ) -> Result<Applied, StoreError> {
        // The same report read again changes nothing, whatever it says.
        if let Some(fingerprint) = fingerprint
            && self.is_recorded(fingerprint)?
        {
            return Ok(Applied::Duplicate);
        }
        if event.verified
            && event.kind == FeedbackKind::Unsubscribe
            && self.already_unsubscribed(event)?
        {
            return Ok(Applied::AlreadySuppressed);
        }
        let domain = event.email.rsplit_once('@').map_or("", |(_, d)| d);
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO feedback_event
                    (fingerprint, kind, reason, source, trace, verified, campaign, list, email, domain, detail, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (fingerprint) DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    fingerprint,
                    event.kind.as_str(),
                    event.reason,
                    event.source,
                    event.trace,
                    event.verified,
                    event.campaign,
                    event.list,
                    event.email,
                    domain,
                    event.detail,
                    event.at
                ])
            })
            .map_err(|e| self.error(e))?;
        if inserted == 0 {
            return Ok(Applied::Duplicate);
        }
        if !event.verified {
            return Ok(Applied::Unverified);
        }
        if event.kind == FeedbackKind::Block {
            return Ok(Applied::Recorded);
        }
        let scope = match event.kind {
            FeedbackKind::Unsubscribe => event
                .list
                .clone()
                .unwrap_or_else(|| ListName::EVERY.to_owned()),
            _ => ListName::EVERY.to_owned(),
        };
        if event.kind == FeedbackKind::SoftBounce {
            let soft_bounces: i64 = self
                .tx
                .prepare_cached(
                    "SELECT COUNT(*) FROM feedback_event
                     WHERE email = ?1 AND kind = 'soft_bounce' AND verified = 1
                       AND at BETWEEN ?2 - ?3 AND ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![event.email, event.at, SOFT_BOUNCE_PERIOD], |r| {
                        r.get(0)
                    })
                })
                .map_err(|e| self.error(e))?;
            if (soft_bounces as u64) < soft_bounce_limit {
                return Ok(Applied::Counted {
                    soft_bounces: soft_bounces as u64,
                });
            }
        }
        if event.kind == FeedbackKind::Unsubscribe {
            let revoked_list = scope.as_str();
            self.tx
                .prepare_cached(
                    "INSERT INTO consent_revocation (email, list, revoked_at, reason)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                )
                .and_then(|mut s| {
                    // Now, not the report's own Date, which its sender wrote.
                    s.execute(params![
                        event.email,
                        revoked_list,
                        crate::clock::now_unix(),
                        format!("unsubscribe ({})", event.source)
                    ])
                })
                .map_err(|e| self.error(e))?;
        }
        let newly = self.suppress(&Suppression {
            email: event.email.clone(),
            list: scope,
            reason: event.kind.as_str().to_owned(),
            source: event.source.clone(),
            created_at: crate::clock::now_unix(),
        })?;
        Ok(if newly {
            Applied::Suppressed
        } else {
            Applied::AlreadySuppressed
        })
    }
}

impl Batch<'_> {
    fn is_recorded(&self, fingerprint: &str) -> Result<bool, StoreError> {
        self.tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM feedback_event WHERE fingerprint = ?1)")
            .and_then(|mut s| s.query_row([fingerprint], |r| r.get(0)))
            .map_err(|e| self.error(e))
    }

    /// Whether this opt-out is already on record and still in force: a click
    /// repeated, or the same request mailed twice, writes nothing more.
    fn already_unsubscribed(&self, event: &FeedbackEvent) -> Result<bool, StoreError> {
        let list = event.list.as_deref().unwrap_or(ListName::EVERY);
        self.tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM feedback_event
                        WHERE email = ?1 AND kind = 'unsubscribe' AND verified = 1
                          AND IFNULL(list, '*') = ?2)
                    AND EXISTS (SELECT 1 FROM suppression WHERE email = ?1 AND list = ?2)",
            )
            .and_then(|mut s| s.query_row(params![event.email, list], |r| r.get(0)))
            .map_err(|e| self.error(e))
    }
}

impl Store {
    /// Whether an event with this fingerprint is on record: a report read
    /// before.
    pub(crate) fn is_feedback_recorded(&self, fingerprint: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM feedback_event WHERE fingerprint = ?1)")
            .and_then(|mut s| s.query_row([fingerprint], |r| r.get(0)))
            .map_err(|e| self.error(e))
    }

    /// Records one event in its own transaction; see [`Batch::apply_feedback`].
    pub(crate) fn apply_feedback(
        &mut self,
        event: &FeedbackEvent,
        fingerprint: Option<&str>,
        soft_bounce_limit: u64,
    ) -> Result<Applied, StoreError> {
        let batch = self.batch()?;
        let applied = batch.apply_feedback(event, fingerprint, soft_bounce_limit)?;
        batch.commit()?;
        Ok(applied)
    }

    /// The campaign that last mailed `email`, for a bounce that names the
    /// address but returned nothing of the message.
    pub(crate) fn last_campaign_of(&self, email: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT j.campaign FROM unsubscribe_token t
                   JOIN journal j ON j.campaign = t.campaign AND j.email = t.email
                  WHERE t.email = ?1 ORDER BY j.updated_at DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row([email], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))
    }

    /// The list a campaign sent to, when it has sent.
    pub(crate) fn campaign_list(&self, campaign: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT list FROM campaign WHERE id = ?1")
            .and_then(|mut s| s.query_row([campaign], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))
    }

    /// Bounce, complaint and unsubscribe figures of `campaign`.
    pub(crate) fn campaign_rates(&self, campaign: &str) -> Result<CampaignRates, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT
                    (SELECT COUNT(*) FROM journal WHERE campaign = ?1 AND state = 'sent'),
                    (SELECT COUNT(*) FROM (
                        SELECT email FROM journal WHERE campaign = ?1 AND state = 'failed'
                        UNION
                        SELECT email FROM feedback_event WHERE campaign = ?1 AND kind = 'hard_bounce' AND verified = 1)),
                    (SELECT COUNT(DISTINCT email) FROM feedback_event WHERE campaign = ?1 AND kind = 'soft_bounce' AND verified = 1),
                    (SELECT COUNT(DISTINCT email) FROM feedback_event WHERE campaign = ?1 AND kind = 'complaint' AND verified = 1),
                    (SELECT COUNT(DISTINCT email) FROM feedback_event WHERE campaign = ?1 AND kind = 'unsubscribe' AND verified = 1),
                    (SELECT COUNT(*) FROM journal WHERE campaign = ?1 AND state = 'failed')",
            )
            .and_then(|mut s| {
                s.query_row([campaign], |r| {
                    Ok(CampaignRates {
                        sent: r.get::<_, i64>(0)? as u64,
                        hard_bounces: r.get::<_, i64>(1)? as u64,
                        soft_bounces: r.get::<_, i64>(2)? as u64,
                        complaints: r.get::<_, i64>(3)? as u64,
                        unsubscribes: r.get::<_, i64>(4)? as u64,
                        failed: r.get::<_, i64>(5)? as u64,
                    })
                })
            })
            .map_err(|e| self.error(e))
    }

    /// Complaints and sent messages, every campaign, from `since` (unix seconds) on.
    pub(crate) fn complaint_window(&self, since: i64) -> Result<ComplaintWindow, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT
                    (SELECT COUNT(*) FROM journal WHERE state = 'sent' AND updated_at >= ?1),
                    (SELECT COUNT(DISTINCT email) FROM feedback_event
                      WHERE kind = 'complaint' AND verified = 1 AND at >= ?1)",
            )
            .and_then(|mut s| {
                s.query_row([since], |r| {
                    Ok(ComplaintWindow {
                        sent: r.get::<_, i64>(0)? as u64,
                        complaints: r.get::<_, i64>(1)? as u64,
                    })
                })
            })
            .map_err(|e| self.error(e))
    }

    /// Every feedback event about `email`, oldest first, unverified ones included.
    pub(crate) fn feedback_for(&self, email: &str) -> Result<Vec<FeedbackEvent>, StoreError> {
        self.all_rows(
            "SELECT kind, source, campaign, list, email, detail, at, reason, trace, verified
               FROM feedback_event WHERE email = ?1 ORDER BY at, id",
            [email],
            |r| {
                let kind: String = r.get(0)?;
                Ok(FeedbackEvent {
                    kind: FeedbackKind::from_name(&kind).unwrap_or(FeedbackKind::Complaint),
                    source: r.get(1)?,
                    campaign: r.get(2)?,
                    list: r.get(3)?,
                    email: r.get(4)?,
                    detail: r.get(5)?,
                    at: r.get(6)?,
                    reason: r.get(7)?,
                    trace: r.get(8)?,
                    verified: r.get(9)?,
                })
            },
        )
    }

    /// Blocks by the receiver per recipient domain, most first: of one
    /// campaign, or of every campaign since `since` (unix seconds).
    pub(crate) fn blocks_by_domain(
        &self,
        campaign: Option<&str>,
        since: i64,
    ) -> Result<Vec<DomainBlocks>, StoreError> {
        self.all_rows(
            "SELECT domain, COUNT(*), COUNT(DISTINCT email), MAX(at),
                    (SELECT reason FROM feedback_event l
                      WHERE l.kind = 'block' AND l.verified = 1 AND l.domain = f.domain
                        AND (?1 IS NULL OR l.campaign = ?1) AND l.at >= ?2
                      ORDER BY l.at DESC, l.id DESC LIMIT 1)
               FROM feedback_event f
              WHERE kind = 'block' AND verified = 1 AND (?1 IS NULL OR campaign = ?1) AND at >= ?2
              GROUP BY domain ORDER BY COUNT(*) DESC, domain",
            params![campaign, since],
            |r| {
                Ok(DomainBlocks {
                    domain: r.get(0)?,
                    blocks: r.get::<_, i64>(1)? as u64,
                    recipients: r.get::<_, i64>(2)? as u64,
                    last_at: r.get(3)?,
                    last_reason: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                })
            },
        )
    }

    /// Reports kept for review because they trace to no message of ours:
    /// how many of each kind, and the unsubscribe requests among them whose
    /// address is not suppressed yet (the Act obliges the sender to honour
    /// an opt-out, so a person must look at them).
    pub(crate) fn unverified_feedback(&self) -> Result<Unverified, StoreError> {
        let by_kind = self.all_rows(
            "SELECT kind, COUNT(*) FROM feedback_event WHERE verified = 0 GROUP BY kind ORDER BY kind",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
        )?;
        let pending_unsubscribes = self.all_rows(
            "SELECT DISTINCT email FROM feedback_event f
              WHERE kind = 'unsubscribe' AND verified = 0 AND email != ''
                AND NOT EXISTS (SELECT 1 FROM suppression s
                                 WHERE s.email = f.email AND s.list IN ('*', IFNULL(f.list, '*')))
              ORDER BY email",
            [],
            |r| r.get(0),
        )?;
        Ok(Unverified {
            by_kind,
            pending_unsubscribes,
        })
    }
}

mod figures;
#[cfg(test)]
mod tests;

pub(crate) use figures::{CampaignRates, ComplaintWindow, DomainBlocks, Unverified};
