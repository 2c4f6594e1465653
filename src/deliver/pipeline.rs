//! The one delivery pipeline every sending command runs: the caller walks
//! the plan and feeds eligible rows; compose workers render and sign them,
//! record their unsubscribe tokens and queue them; the connections of the
//! [`Transport`] carry them at the scheduler's pace; a journaled run records
//! each outcome. `send`, `send --dry-run [--out]`, `send --test-to` and
//! `preview --out` differ only in the transport, the pace and whether they
//! journal.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::connections::run;
use super::eml::EmlFolder;
use super::log::DeliveryLog;
use super::pool::Pool;
use super::run::{RunCounts, RunSetup, Shared};
use super::scheduler::{Job, Pushed, Scheduler, Stop};
use super::smtp::Relay;
use super::transport::{NullSink, Transport};
use crate::address::Address;
use crate::clock::now_unix;
use crate::compose::{ComposeError, Composer};
use crate::config::Campaign;
use crate::store::{Store, StoreError};

/// Threads that render and sign while the connections send.
const COMPOSE_WORKERS: usize = 2;
/// Messages composed, their tokens recorded in one transaction, then queued.
const COMPOSE_BATCH: usize = 64;
/// Rows waiting for a compose worker.
const ROWS_WAITING: usize = 1024;

/// What ends a pipeline early, besides the caller's own errors.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PipelineError {
    /// A message could not be composed.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The store could not record tokens or outcomes.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The async runtime could not start.
    #[error("cannot start the delivery threads: {0}")]
    Runtime(std::io::Error),
}

/// An eligible row on its way to a compose worker.
struct RowToCompose {
    line: u64,
    address: Address,
    fields: Vec<String>,
}

/// What the caller feeds the pipeline through.
pub(crate) struct Feed<'p> {
    rows: SyncSender<RowToCompose>,
    stopped: &'p dyn Fn() -> bool,
    left: &'p AtomicU64,
}

impl Feed<'_> {
    /// Queues an eligible row; false once the run is stopping, when the
    /// caller should stop walking.
    pub(crate) fn push(&self, line: u64, address: Address, fields: Vec<String>) -> bool {
        if (self.stopped)() {
            self.leave();
            return false;
        }
        let row = RowToCompose {
            line,
            address,
            fields,
        };
        self.rows.send(row).is_ok()
    }

    /// Counts an eligible row this run leaves for the next (over the cap).
    pub(crate) fn leave(&self) {
        self.left.fetch_add(1, Ordering::Relaxed);
    }
}

/// Shows a run's progress; the output layer implements it.
pub(crate) trait Watch: Sync {
    /// How often [`Watch::show`] is called.
    fn interval(&self) -> Duration;
    /// Shows the counts so far.
    fn show(&self, counts: &RunCounts);
    /// Shows a warning without tearing the progress display.
    fn warn(&self, notice: &str);
}

/// What a run did.
#[derive(Debug)]
pub(crate) struct Delivered {
    /// Outcomes counted.
    pub counts: RunCounts,
    /// Eligible rows this run did not get to (over the cap, stopped, a full
    /// domain lane).
    pub not_sent: u64,
    /// Why the run stopped early, if it did.
    pub stop: Option<Stop>,
    /// From the first row fed to the last outcome.
    pub elapsed: Duration,
    /// Warnings no progress display showed (see [`Watch::warn`]).
    pub notices: Vec<String>,
}

/// A pipeline ready to run. Each way of sending has its own constructor,
/// so that no combination of transport, journal and recipient is left to
/// chance: only [`Pipeline::deliver`] reaches the list's recipients through
/// a relay, and it always journals.
pub(crate) struct Pipeline<'a, T> {
    composer: &'a Composer,
    /// The campaign, for the envelope sender of each message.
    campaign: &'a Campaign,
    /// The connections, the scheduler, the store and the journal.
    shared: Arc<Shared<T>>,
    /// Every message goes to this address instead (a test send), with its
    /// own token and Message-ID.
    test_to: Option<Address>,
    /// When the send window closes; `None` = no window.
    window_closes: Option<Instant>,
}

/// What a send needs beyond the campaign and its composer.
pub(crate) struct Delivery {
    /// The store the journal is written to.
    pub store: Store,
    /// The JSON Lines log.
    pub log: DeliveryLog,
    /// Whether recipients whose outcome is unknown are tried again.
    pub retry_unknown: bool,
    /// When the send window closes.
    pub window_closes: Option<Instant>,
}

impl<'a> Pipeline<'a, Relay> {
    /// The send: every message admitted by the journal and recorded in it,
    /// at the campaign's pace, through the relays of `pool`.
    pub(crate) fn deliver(
        composer: &'a Composer,
        campaign: &'a Campaign,
        pool: Pool<Relay>,
        delivery: Delivery,
    ) -> Pipeline<'a, Relay> {
        let setup = RunSetup::journaled(campaign, pool.members().len(), delivery.retry_unknown);
        let scheduler = Scheduler::new(&campaign.limits);
        Pipeline {
            composer,
            campaign,
            shared: Arc::new(Shared::new(
                setup,
                pool,
                scheduler,
                delivery.store,
                Some(delivery.log),
            )),
            test_to: None,
            window_closes: delivery.window_closes,
        }
    }

    /// A test send: one message, to `test_to` alone, through the relay;
    /// nothing journaled.
    pub(crate) fn test_send(
        composer: &'a Composer,
        campaign: &'a Campaign,
        relay: Relay,
        store: Store,
        test_to: Address,
    ) -> Pipeline<'a, Relay> {
        Pipeline::unjournaled(composer, campaign, relay, store, Some(test_to))
    }
}

impl<'a> Pipeline<'a, EmlFolder> {
    /// Messages written to a folder (`preview --out`, `send --dry-run
    /// --out`); their tokens are recorded, nothing is journaled.
    pub(crate) fn to_folder(
        composer: &'a Composer,
        campaign: &'a Campaign,
        folder: EmlFolder,
        store: Store,
    ) -> Pipeline<'a, EmlFolder> {
        Pipeline::unjournaled(composer, campaign, folder, store, None)
    }
}

impl<'a> Pipeline<'a, NullSink> {
    /// Messages composed and signed, then dropped: a dry run that measures.
    pub(crate) fn measure(
        composer: &'a Composer,
        campaign: &'a Campaign,
        store: Store,
    ) -> Pipeline<'a, NullSink> {
        Pipeline::unjournaled(composer, campaign, NullSink, store, None)
    }
}

impl<'a, T: Transport> Pipeline<'a, T> {
    /// No pace applies: a folder or nothing takes messages as fast as they
    /// come, and a test send is one message.
    fn unjournaled(
        composer: &'a Composer,
        campaign: &'a Campaign,
        transport: T,
        store: Store,
        test_to: Option<Address>,
    ) -> Pipeline<'a, T> {
        let name = transport.describe();
        Pipeline {
            composer,
            campaign,
            shared: Arc::new(Shared::new(
                RunSetup::unjournaled(campaign),
                Pool::single(name, transport, 1),
                Scheduler::unpaced(),
                store,
                None,
            )),
            test_to,
            window_closes: None,
        }
    }

    /// Runs the pipeline while `produce` feeds it on this thread; returns
    /// what `produce` returned and what the run did.
    pub(crate) fn run<R, E>(
        self,
        watch: Option<&dyn Watch>,
        produce: impl FnOnce(&Feed) -> Result<R, E>,
    ) -> Result<(R, Delivered), E>
    where
        E: From<PipelineError>,
    {
        let started = Instant::now();
        let shared = &self.shared;
        // Two workers, so that the connections' I/O and the journal can use
        // whichever core the signing threads leave free.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| E::from(PipelineError::Runtime(e)))?;
        let left = &shared.not_sent;
        let worker_error: Mutex<Option<PipelineError>> = Mutex::new(None);
        let (rows, inbox) = sync_channel::<RowToCompose>(ROWS_WAITING);
        let inbox = Mutex::new(inbox);
        let workers_left = AtomicUsize::new(COMPOSE_WORKERS);
        let date = now_unix();
        let stopped = || shared.scheduler.stopped().is_some();

        let produced = std::thread::scope(|scope| {
            for _ in 0..COMPOSE_WORKERS {
                scope.spawn(|| {
                    if let Err(error) = self.compose_worker(&inbox, date, left) {
                        worker_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(error);
                        shared
                            .scheduler
                            .stop(Stop::Unavailable("composing failed".into()));
                        // Keep taking rows, so that a producer waiting on
                        // the full channel is released and sees the stop.
                        while inbox
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .recv()
                            .is_ok()
                        {
                            left.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    if workers_left.fetch_sub(1, Ordering::SeqCst) == 1 {
                        shared.scheduler.close();
                    }
                });
            }
            let window_closes = self.window_closes;
            let connections = scope.spawn(move || {
                runtime.block_on(supervise(shared.clone(), window_closes, watch));
            });
            let feed = Feed {
                rows,
                stopped: &stopped,
                left,
            };
            let produced = produce(&feed);
            if produced.is_err() {
                shared
                    .scheduler
                    .stop(Stop::Unavailable("reading the list failed".into()));
            }
            // Dropping the sender tells the workers that no more rows come.
            drop(feed);
            let _ = connections.join();
            produced
        })?;

        if let Some(error) = worker_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(error.into());
        }
        if let Some(error) = shared
            .store_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(PipelineError::Store(error).into());
        }
        // Retries waiting when the run ended are in the journal as deferred;
        // only messages never tried count as not sent.
        let never_tried = shared
            .scheduler
            .drain()
            .iter()
            .filter(|job| job.attempts == 0)
            .count() as u64;
        let not_sent = never_tried + left.load(Ordering::Relaxed);
        let delivered = Delivered {
            counts: shared.counts().clone(),
            not_sent,
            stop: shared.scheduler.stopped(),
            elapsed: started.elapsed(),
            notices: std::mem::take(&mut *shared.notices.lock().unwrap_or_else(|p| p.into_inner())),
        };
        Ok((produced, delivered))
    }

    /// Composes rows from `inbox`, records their tokens, and queues them.
    fn compose_worker(
        &self,
        inbox: &Mutex<Receiver<RowToCompose>>,
        date: i64,
        left: &AtomicU64,
    ) -> Result<(), PipelineError> {
        let shared = &self.shared;
        let messages = self.composer.session()?;
        let carries_tokens = shared
            .pool
            .members()
            .iter()
            .any(|member| member.transport.carries_tokens());
        let mut batch: Vec<Job> = Vec::with_capacity(COMPOSE_BATCH);
        let mut tokens = Vec::with_capacity(COMPOSE_BATCH);
        loop {
            let next = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
            let more = match next {
                Ok(row) => {
                    if shared.scheduler.stopped().is_some() {
                        left.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let (composed, recipient) = match &self.test_to {
                        Some(test_to) => (
                            self.composer.compose_test(
                                row.line,
                                &row.address,
                                &row.fields,
                                date,
                                test_to,
                            )?,
                            test_to,
                        ),
                        None => (
                            messages.compose(row.line, &row.address, &row.fields, date)?,
                            &row.address,
                        ),
                    };
                    if carries_tokens {
                        tokens.push(composed.token);
                    }
                    batch.push(Job {
                        line: row.line,
                        recipient: recipient.to_string(),
                        key: recipient.key(),
                        domain: recipient.domain().to_owned(),
                        message_id: composed.message_id,
                        // A test message bounces to the plain envelope
                        // sender: its bounce must not suppress the approver.
                        envelope_sender: match self.test_to {
                            Some(_) => None,
                            None => self.campaign.verp_sender(&composed.unsubscribe_token),
                        },
                        bytes: composed.bytes,
                        attempts: 0,
                    });
                    true
                }
                Err(_) => false,
            };
            if batch.len() == COMPOSE_BATCH || (!more && !batch.is_empty()) {
                // A token must resolve before its message can reach anyone.
                // It is written through the journal's connection: a second
                // connection would contend for SQLite's write lock, and a
                // busy wait stalls a sending thread for a millisecond or more.
                if !tokens.is_empty() {
                    shared.store().record_tokens(&tokens)?;
                    tokens.clear();
                }
                for job in batch.drain(..) {
                    match shared.scheduler.push(job) {
                        Pushed::Queued => {}
                        Pushed::Postponed | Pushed::Stopped => {
                            left.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            if !more {
                return Ok(());
            }
        }
    }
}

/// Runs the connections, with the window and progress watched, and in a
/// journaled run the signals: SIGINT and SIGTERM let the messages in flight
/// finish and be recorded. A dry run or a test send dies at once, as any
/// command does.
async fn supervise<T: Transport>(
    shared: Arc<Shared<T>>,
    window_closes: Option<Instant>,
    watch: Option<&dyn Watch>,
) {
    let signals = async {
        if !shared.setup.journaled {
            return std::future::pending::<()>().await;
        }
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let sigterm = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = sigterm => {}
        }
        shared.scheduler.stop(Stop::Signal);
        std::future::pending::<()>().await
    };
    let window = async {
        if let Some(closes) = window_closes {
            tokio::time::sleep_until(closes.into()).await;
            shared.scheduler.stop(Stop::WindowClosed);
        }
        std::future::pending::<()>().await
    };
    let progress = async {
        let Some(watch) = watch else {
            return std::future::pending::<()>().await;
        };
        let mut tick = tokio::time::interval(watch.interval());
        tick.tick().await;
        loop {
            tick.tick().await;
            let notices =
                std::mem::take(&mut *shared.notices.lock().unwrap_or_else(|p| p.into_inner()));
            for notice in &notices {
                watch.warn(notice);
            }
            let mut counts = shared.counts().clone();
            counts.relays_up = shared.pool.up(Instant::now());
            watch.show(&counts);
        }
    };
    // The watchers never finish: the run ends when the connections do.
    tokio::select! {
        _ = run(shared.clone()) => {}
        _ = signals => {}
        _ = window => {}
        _ = progress => {}
    }
}
