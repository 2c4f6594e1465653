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

use super::run::{RunCounts, Shared, run};
use super::scheduler::{Job, Pushed, Stop};
use super::transport::Transport;
use crate::address::Address;
use crate::clock::now_unix;
use crate::compose::{ComposeError, Composer};
use crate::config::Campaign;
use crate::store::StoreError;

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
}

/// A pipeline ready to run.
pub(crate) struct Pipeline<'a, T> {
    /// Composes the messages.
    pub composer: &'a Composer,
    /// The campaign, for the envelope sender of each message.
    pub campaign: &'a Campaign,
    /// The connections, the scheduler, the store and the journal.
    pub shared: Arc<Shared<T>>,
    /// Every message goes to this address instead of its row's (a test
    /// send), with its own token and Message-ID.
    pub test_to: Option<Address>,
    /// How long the send window stays open; `None` = no window.
    pub window_left: Option<Duration>,
}

impl<T: Transport> Pipeline<'_, T> {
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
        let left = AtomicU64::new(0);
        let worker_error: Mutex<Option<PipelineError>> = Mutex::new(None);
        let (rows, inbox) = sync_channel::<RowToCompose>(ROWS_WAITING);
        let inbox = Mutex::new(inbox);
        let workers_left = AtomicUsize::new(COMPOSE_WORKERS);
        let date = now_unix();
        let stopped = || shared.scheduler.stopped().is_some();

        let produced = std::thread::scope(|scope| {
            for _ in 0..COMPOSE_WORKERS {
                scope.spawn(|| {
                    if let Err(error) = self.compose_worker(&inbox, date, &left) {
                        worker_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(error);
                        shared
                            .scheduler
                            .stop(Stop::Unavailable("composing failed".into()));
                    }
                    if workers_left.fetch_sub(1, Ordering::SeqCst) == 1 {
                        shared.scheduler.close();
                    }
                });
            }
            let window_left = self.window_left;
            let connections = scope.spawn(move || {
                runtime.block_on(supervise(shared.clone(), window_left, watch));
            });
            let feed = Feed {
                rows,
                stopped: &stopped,
                left: &left,
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
        let not_sent = shared.scheduler.drain().len() as u64 + left.load(Ordering::Relaxed);
        let delivered = Delivered {
            counts: shared.counts().clone(),
            not_sent,
            stop: shared.scheduler.stopped(),
            elapsed: started.elapsed(),
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
        let carries_tokens = shared.transport.carries_tokens();
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
                        envelope_sender: self.campaign.verp_sender(&composed.unsubscribe_token),
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

/// Runs the connections, with signals, the window and progress watched.
async fn supervise<T: Transport>(
    shared: Arc<Shared<T>>,
    window_left: Option<Duration>,
    watch: Option<&dyn Watch>,
) {
    let signals = async {
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
        if let Some(left) = window_left {
            tokio::time::sleep(left).await;
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
            let counts = shared.counts().clone();
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
