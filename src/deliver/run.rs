//! What the connections of a run share, and what becomes of each outcome
//! (the connections themselves are in `connections`).
//!
//! For every message of a journaled run: the store admits it (suppression
//! and consent checked again, `sending` committed), the transaction runs, the
//! outcome is recorded in the journal and the log with the relay that
//! carried it. Nothing is retried that may have been delivered; what was
//! certainly not delivered is tried again. A run that is not journaled (a
//! dry run, a test send, preview files) only counts.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::log::{DeliveryLog, Event};
use super::pool::Pool;
use super::scheduler::{Job, Scheduler, Stop};
use super::transport::{Outcome, Step, Transport};
use crate::clock::now_unix;
use crate::config::Campaign;
use crate::feedback::Kind;
use crate::feedback::reason::Command;
use crate::list::ListName;
use crate::store::feedback::{FeedbackEvent, FeedbackKind};
use crate::store::journal::DeliveryState;
use crate::store::suppression::Suppression;
use crate::store::{Store, StoreError};

/// Tries to (re)connect before a lone relay counts as unavailable, in a
/// send. A test send tries once (a wrong password is not worth three AUTHs),
/// and so does a relay of a pool, whose back-off tries it again.
const CONNECT_ATTEMPTS: u32 = 3;

/// What a run needs besides the scheduler.
pub(crate) struct RunSetup {
    /// Whether each message is admitted by and recorded in the journal.
    pub journaled: bool,
    pub campaign: String,
    pub list: String,
    pub needs_consent: bool,
    pub retry_unknown: bool,
    pub envelope_sender: String,
    pub retry_attempts: u32,
    pub retry_delay: Duration,
    pub max_failure_rate: f64,
    pub failure_window: u32,
    /// Connection attempts before the destination counts as unavailable.
    pub connect_attempts: u32,
}

impl RunSetup {
    /// A run of `campaign` through one connection that records nothing in
    /// the journal and tries each message once: a dry run, a test send,
    /// preview files.
    pub(crate) fn unjournaled(campaign: &Campaign) -> RunSetup {
        RunSetup {
            journaled: false,
            campaign: campaign.id.clone(),
            list: campaign.list.clone(),
            needs_consent: false,
            retry_unknown: false,
            envelope_sender: campaign.envelope_sender().to_string(),
            retry_attempts: 1,
            retry_delay: Duration::ZERO,
            // Permanent failures never stop a run that journals nothing.
            max_failure_rate: 1.0,
            failure_window: 1,
            connect_attempts: 1,
        }
    }

    /// The delivery of `campaign` through `relays` relays.
    pub(crate) fn journaled(campaign: &Campaign, relays: usize, retry_unknown: bool) -> RunSetup {
        let limits = &campaign.limits;
        RunSetup {
            journaled: true,
            campaign: campaign.id.clone(),
            list: campaign.list.clone(),
            needs_consent: campaign.kind == crate::config::Kind::Advertisement,
            retry_unknown,
            envelope_sender: campaign.envelope_sender().to_string(),
            retry_attempts: limits.retry_attempts.max(1),
            retry_delay: limits.retry_delay,
            max_failure_rate: limits.max_failure_rate,
            failure_window: limits.failure_window,
            connect_attempts: if relays > 1 { 1 } else { CONNECT_ATTEMPTS },
        }
    }
}

/// Counts of a run, shared with the progress display.
#[derive(Debug, Default, Clone)]
pub(crate) struct RunCounts {
    pub sent: u64,
    pub deferred: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Suppressed or without consent since the plan was made.
    pub skipped: u64,
    /// Temporary failures that will be tried again in this run.
    pub retried: u64,
    /// Bytes of the messages taken.
    pub bytes: u64,
    /// The last reply, for a run of one message (a test send).
    pub last: Option<Outcome>,
    /// Relays not set aside, of how many (shown while a pool sends).
    pub relays_up: (usize, usize),
}

/// Everything the connection tasks share.
pub(crate) struct Shared<T> {
    pub setup: RunSetup,
    pub pool: Pool<T>,
    pub scheduler: Scheduler,
    pub store: Mutex<Store>,
    pub log: Mutex<Option<DeliveryLog>>,
    pub counts: Mutex<RunCounts>,
    recent_failures: Mutex<VecDeque<bool>>,
    /// The first store error, which ends the run.
    pub store_error: Mutex<Option<StoreError>>,
    /// Eligible messages this run did not attempt: over the cap, in a full
    /// domain lane, or left when the run stopped.
    pub not_sent: AtomicU64,
    /// With `retry_unknown`, the addresses admitted in this run: the journal
    /// then lets `sending` and `unknown` through again, and a duplicate row
    /// must not be sent twice within the run.
    admitted: Option<Mutex<HashSet<String>>>,
    /// Why a relay was last set aside, for the message when none is left.
    pub last_relay_error: Mutex<Option<String>>,
    /// Warnings for the person watching (a relay set aside), shown by the
    /// progress display as they come, or after the run.
    pub notices: Mutex<Vec<String>>,
}

impl<T: Transport> Shared<T> {
    /// Bundles what the tasks share.
    pub(crate) fn new(
        setup: RunSetup,
        pool: Pool<T>,
        scheduler: Scheduler,
        store: Store,
        log: Option<DeliveryLog>,
    ) -> Shared<T> {
        Shared {
            pool,
            scheduler,
            store: Mutex::new(store),
            log: Mutex::new(log),
            counts: Mutex::default(),
            recent_failures: Mutex::default(),
            store_error: Mutex::default(),
            not_sent: AtomicU64::new(0),
            admitted: (setup.journaled && setup.retry_unknown).then(Mutex::default),
            last_relay_error: Mutex::default(),
            notices: Mutex::default(),
            setup,
        }
    }

    /// The store: the journal's connection, which also records tokens.
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counts so far.
    pub(crate) fn counts(&self) -> std::sync::MutexGuard<'_, RunCounts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn log(&self, job: &Job, state: &str, reply: &str, relay: &str) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(log) = log.as_mut() {
            let event = Event {
                time: crate::store::format_unix(now_unix()),
                campaign: &self.setup.campaign,
                recipient: &job.recipient,
                state,
                smtp_reply: reply,
                message_id: &job.message_id,
                attempt: job.attempts,
                relay,
            };
            // The journal is the record; a log that cannot be written only warns.
            if let Err(e) = log.write(&event) {
                eprintln!(
                    "warning: {}: cannot write the log: {e}",
                    log.path().display()
                );
            }
        }
    }

    /// Ends the run on the first store error, which it keeps.
    pub(crate) fn store_failed(&self, error: StoreError) {
        let mut slot = self.store_error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(error);
        drop(slot);
        self.scheduler
            .stop(Stop::Unavailable("the store could not be written".into()));
    }

    /// Whether `key` was admitted earlier in this run (tracked only with
    /// `retry_unknown`, when the journal alone cannot tell); notes it.
    pub(super) fn admitted_before(&self, key: &str) -> bool {
        match &self.admitted {
            Some(admitted) => !admitted
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key.to_owned()),
            None => false,
        }
    }

    /// Notes a final outcome for the failure-rate guard; stops the run when
    /// permanent failures pass the threshold.
    fn note_outcome(&self, failed: bool) {
        let window = self.setup.failure_window.max(1) as usize;
        let mut recent = self
            .recent_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        recent.push_back(failed);
        if recent.len() > window {
            recent.pop_front();
        }
        let failures = recent.iter().filter(|f| **f).count();
        let allowed = (self.setup.max_failure_rate * window as f64).floor() as usize;
        if failures > allowed {
            drop(recent);
            self.scheduler.stop(Stop::FailureRate(format!(
                "{failures} of the last {window} attempts failed permanently (limit {:.1} %); \
                 check the list before sending more (limits.max_failure_rate)",
                self.setup.max_failure_rate * 100.0
            )));
        }
    }
}

/// Journals and logs an outcome, and decides what happens next to the message.
pub(super) fn record<T: Transport>(
    shared: &Shared<T>,
    relay: usize,
    job: Job,
    outcome: Outcome,
    connection: &mut Option<T::Connection>,
) {
    let setup = &shared.setup;
    let relay_name = &shared.pool.members()[relay].name;
    if setup.journaled && !journal(shared, relay_name, &job, &outcome) {
        return;
    }
    {
        let mut counts = shared.counts();
        match &outcome {
            Outcome::Accepted(_) => {
                counts.sent += 1;
                counts.bytes += job.bytes.len() as u64;
            }
            Outcome::Failed(..) => counts.failed += 1,
            Outcome::Unknown(_) => counts.unknown += 1,
            _ => {}
        }
        counts.last = Some(outcome.clone());
    }
    match outcome {
        Outcome::Accepted(_) => shared.note_outcome(false),
        Outcome::Failed(..) => shared.note_outcome(true),
        Outcome::Unknown(_) => *connection = None,
        Outcome::Deferred(_) | Outcome::NotSent(_) => {
            if matches!(outcome, Outcome::NotSent(_)) {
                *connection = None;
            }
            if !setup.journaled {
                // A folder that cannot be written, or a relay that broke off
                // a test send: nothing after it would fare better.
                if let Outcome::NotSent(why) = &outcome {
                    shared.scheduler.stop(Stop::Unavailable(why.clone()));
                }
            }
            if job.attempts < setup.retry_attempts {
                shared.counts().retried += 1;
                let backoff = setup.retry_delay * 2u32.saturating_pow(job.attempts - 1);
                shared.scheduler.retry_at(job, Instant::now() + backoff);
            } else {
                shared.counts().deferred += 1;
            }
        }
    }
}

/// Records an outcome in the journal and the log, and what a permanent
/// refusal says about the recipient; false when the store failed, which
/// ends the run.
fn journal<T: Transport>(shared: &Shared<T>, relay: &str, job: &Job, outcome: &Outcome) -> bool {
    let setup = &shared.setup;
    let (state, reply) = match outcome {
        Outcome::Accepted(reply) => (DeliveryState::Sent, reply.clone()),
        Outcome::Deferred(reply) => (DeliveryState::Deferred, reply.clone()),
        Outcome::Failed(reply, _) => (DeliveryState::Failed, reply.clone()),
        Outcome::Unknown(reply) => (DeliveryState::Unknown, reply.clone()),
        Outcome::NotSent(reply) => (DeliveryState::Deferred, format!("not sent: {reply}")),
    };
    let at = now_unix();
    let mut store = shared.store();
    let mut result = store.settle(&setup.campaign, &job.key, state, (&reply, relay), at);
    // A permanent refusal of this recipient (at RCPT, or of the message)
    // means what the same words in a bounce would: the address does not
    // exist (suppressed for every list), or the receiver refused *us*
    // (counted against the recipient's domain, never suppresses), or
    // neither. A refusal of our sender at MAIL says nothing about anyone.
    let refused_at = match outcome {
        Outcome::Failed(reply, Step::Rcpt) => Some((reply, Command::Rcpt)),
        Outcome::Failed(reply, Step::Data) => Some((reply, Command::Data)),
        _ => None,
    };
    if let (Some((reply, command)), Ok(())) = (refused_at, &result) {
        let (kind, reason) = crate::feedback::classify::classify_reply(reply, Some(command));
        result = match kind {
            Kind::HardBounce => store
                .suppress(&Suppression {
                    email: job.key.clone(),
                    list: ListName::EVERY.to_owned(),
                    reason: "hard_bounce".into(),
                    source: format!("smtp: {}", setup.campaign),
                    created_at: at,
                })
                .map(|_| ()),
            Kind::Block => store
                .apply_feedback(
                    &FeedbackEvent {
                        kind: FeedbackKind::Block,
                        source: "smtp".into(),
                        reason: reason.as_str().to_owned(),
                        trace: "smtp".into(),
                        verified: true,
                        campaign: Some(setup.campaign.clone()),
                        list: Some(setup.list.clone()),
                        email: job.key.clone(),
                        detail: crate::feedback::mail::clean_text(reply, 300),
                        at,
                    },
                    None,
                    0,
                )
                .map(|_| ()),
            _ => Ok(()),
        };
    }
    drop(store);
    if let Err(error) = result {
        shared.store_failed(error);
        return false;
    }
    shared.log(job, state.as_str(), &reply, relay);
    true
}
