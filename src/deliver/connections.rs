//! The connections of a run. A dispatcher takes each message from the
//! scheduler when the campaign's pace allows and hands it to the relay the
//! pool chooses; each relay has exactly `connections` tasks, each holding one
//! connection that it reuses.
//!
//! A relay that cannot be reached, or answers 421, is set aside: the
//! messages waiting for it go back to the scheduler, unsent and unjournaled,
//! and reach another relay. A message whose transaction broke after DATA is
//! `unknown` and never goes anywhere again in the run. When every relay is
//! set aside the run stops.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex as AsyncMutex, Notify, mpsc};

use super::pool::Choice;
use super::run::{Shared, record};
use super::scheduler::{Job, Stop};
use super::transport::{Connection, Envelope, Outcome, Transport};
use crate::clock::now_unix;
use crate::store::SetAsidePeriod;
use crate::store::journal::Admission;

/// Runs the connection tasks until the scheduler has nothing more.
pub(crate) async fn run<T: Transport>(shared: Arc<Shared<T>>) {
    let mut tasks = tokio::task::JoinSet::new();
    let mut queues = Vec::new();
    let space = Arc::new(Notify::new());
    for (index, member) in shared.pool.members().iter().enumerate() {
        // One message waits for each relay, beside those its connections
        // carry: a paced message leaves soon after its turn, and a relay
        // that falls behind keeps back nobody else's.
        let (sender, receiver) = mpsc::channel::<Job>(1);
        let receiver = Arc::new(AsyncMutex::new(receiver));
        for _ in 0..member.connections {
            tasks.spawn(connection_task(
                shared.clone(),
                index,
                receiver.clone(),
                space.clone(),
            ));
        }
        queues.push(sender);
    }
    let mut lagging = vec![false; queues.len()];
    while let Some(job) = shared.scheduler.next().await {
        match hand_over(&shared, &queues, &space, &mut lagging, job).await {
            Ok(()) => {}
            Err(job) => {
                give_back(&shared, job);
                let reason = if shared.pool.members().len() == 1 {
                    last_error(&shared)
                } else {
                    format!(
                        "every relay of the pool is set aside ({})",
                        last_error(&shared)
                    )
                };
                shared.scheduler.stop(Stop::Unavailable(reason));
            }
        }
    }
    // The relays' queues close; their tasks finish what they hold.
    drop(queues);
    while tasks.join_next().await.is_some() {}
}

/// How long the dispatcher waits for the relay whose turn it is before it
/// passes it over as lagging (hung, or far slower than the others).
const LAG: Duration = Duration::from_secs(1);

/// Hands `job` to the relay whose turn it is by weight, waiting for it while
/// it carries its last message: the shares follow the weights even when
/// every relay is busy. A relay whose own `rate` has no turn left is passed
/// over for this message, and one that took no message for [`LAG`] is passed
/// over until it takes one, so that neither holds up the others. The job
/// comes back when every relay is set aside.
async fn hand_over<T: Transport>(
    shared: &Shared<T>,
    queues: &[mpsc::Sender<Job>],
    space: &Notify,
    lagging: &mut [bool],
    job: Job,
) -> Result<(), Job> {
    loop {
        let freed = space.notified();
        tokio::pin!(freed);
        freed.as_mut().enable();
        for (index, queue) in queues.iter().enumerate() {
            if lagging[index] && queue.capacity() > 0 {
                lagging[index] = false;
            }
        }
        let mut skip = lagging.to_vec();
        let mut next_turn: Option<Duration> = None;
        loop {
            let index = match shared.pool.choose(Instant::now(), &skip) {
                Choice::Relay(index) => index,
                Choice::NoneLeft if skip.iter().any(|s| *s) => break,
                Choice::NoneLeft => return Err(job),
            };
            if let Err(wait) = shared.pool.members()[index].try_pace() {
                skip[index] = true;
                next_turn = Some(next_turn.map_or(wait, |w| w.min(wait)));
                continue;
            }
            match tokio::time::timeout(LAG, queues[index].reserve()).await {
                Ok(Ok(permit)) => {
                    permit.send(job);
                    return Ok(());
                }
                // Its connections ended (the store failed), or it lags.
                Ok(Err(_)) | Err(_) => {
                    lagging[index] = true;
                    skip[index] = true;
                }
            }
        }
        if shared.scheduler.stopped().is_some() {
            return Err(job);
        }
        // Look again when a relay takes a message, when a relay's own rate
        // has a turn again, or after a while anyway: a relay set aside may
        // have come back meanwhile.
        tokio::select! {
            _ = freed => {}
            _ = tokio::time::sleep(next_turn.unwrap_or(LAG)) => {}
        }
    }
}

/// Puts a message that did not reach a relay back to the scheduler, as if
/// never taken: it goes to another relay, or stays for the next run.
fn give_back<T: Transport>(shared: &Shared<T>, job: Job) {
    shared.scheduler.retry_at(job, Instant::now());
    shared.scheduler.done();
}

fn last_error<T: Transport>(shared: &Shared<T>) -> String {
    shared
        .last_relay_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(|| "no relay answered".into())
}

/// Sets relay `index` aside after `why`, and records it.
fn set_aside<T: Transport>(shared: &Shared<T>, index: usize, why: &str) {
    let name = &shared.pool.members()[index].name;
    *shared
        .last_relay_error
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(why.to_owned());
    let Some(period) = shared.pool.set_aside(index, Instant::now()) else {
        return;
    };
    if shared.pool.members().len() > 1 {
        shared
            .notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(format!(
                "relay {name} set aside for {} s: {why}",
                period.as_secs()
            ));
    }
    if shared.setup.journaled {
        let recorded = shared.store().record_set_aside(
            &shared.setup.campaign,
            &SetAsidePeriod {
                relay: name.clone(),
                at: now_unix(),
                seconds: period.as_secs(),
                reason: why.to_owned(),
            },
        );
        if let Err(error) = recorded {
            shared.store_failed(error);
        }
    }
}

async fn connect<T: Transport>(shared: &Shared<T>, index: usize) -> Option<T::Connection> {
    let member = &shared.pool.members()[index];
    let mut last_error = String::new();
    // The last relay standing of a send gets the patience a lone relay
    // always had (a test send still tries once).
    let attempts = if shared.setup.journaled && shared.pool.up(Instant::now()).0 <= 1 {
        shared.setup.connect_attempts.max(3)
    } else {
        shared.setup.connect_attempts
    };
    for attempt in 0..attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
        }
        match member.transport.connect().await {
            Ok(connection) => return Some(connection),
            Err(error) => last_error = error,
        }
    }
    set_aside(shared, index, &last_error);
    None
}

/// A 421 says the relay is closing the connection for everyone, not that
/// this recipient must wait.
fn relay_closing(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Deferred(reply) if reply.starts_with("421"))
}

async fn connection_task<T: Transport>(
    shared: Arc<Shared<T>>,
    index: usize,
    queue: Arc<AsyncMutex<mpsc::Receiver<Job>>>,
    space: Arc<Notify>,
) {
    let mut connection: Option<T::Connection> = None;
    loop {
        let next = queue.lock().await.recv().await;
        let Some(mut job) = next else { break };
        space.notify_one();
        // After a stop (a signal, the window, the failure rate, no relay
        // left) nothing more leaves, not even what waited here.
        if shared.scheduler.stopped().is_some() || shared.pool.is_set_aside(index, Instant::now()) {
            give_back(&shared, job);
            continue;
        }
        if connection.as_ref().is_none_or(|c| !c.is_usable()) {
            connection = connect(&shared, index).await;
        }
        let Some(open) = connection.as_mut() else {
            // Not admitted, so the journal is untouched: it goes elsewhere,
            // or stays pending for the next run.
            give_back(&shared, job);
            continue;
        };
        let member = &shared.pool.members()[index];
        let setup = &shared.setup;
        let admission = if !setup.journaled {
            Ok(Admission::Go)
        } else if job.attempts == 0 && shared.admitted_before(&job.key) {
            Ok(Admission::Settled)
        } else {
            shared.store().admit(
                &setup.campaign,
                &setup.list,
                &job.key,
                (&job.message_id, &member.name),
                setup.needs_consent,
                setup.retry_unknown,
                now_unix(),
            )
        };
        match admission {
            Ok(Admission::Go) => {}
            Ok(refused) => {
                let reason = match refused {
                    Admission::Suppressed => "suppressed since the plan was made",
                    Admission::NoConsent => "consent revoked since the plan was made",
                    _ => {
                        "already sent to this address in this campaign (a duplicate row, or another run)"
                    }
                };
                shared.counts().skipped += 1;
                shared.log(&job, "skipped", reason, &member.name);
                shared.scheduler.done();
                continue;
            }
            Err(error) => {
                shared.store_failed(error);
                shared.not_sent.fetch_add(1, Ordering::Relaxed);
                shared.scheduler.done();
                break;
            }
        }
        job.attempts += 1;
        let envelope = Envelope {
            sender: job
                .envelope_sender
                .as_deref()
                .unwrap_or(&setup.envelope_sender),
            recipient: &job.recipient,
            line: job.line,
        };
        let outcome = open.send(envelope, &job.bytes).await;
        if relay_closing(&outcome) {
            // A lone relay's 421 stays this message's deferral, as it always
            // was: setting the last relay aside would end the run.
            if let Outcome::Deferred(reply) = &outcome
                && shared.pool.up(Instant::now()).0 > 1
            {
                set_aside(&shared, index, reply);
            }
            connection = None;
        } else if matches!(outcome, Outcome::Accepted(_) | Outcome::Failed(..)) {
            // A completed transaction, not a mere connection, ends the
            // back-off: a relay that greets and then throttles keeps doubling.
            shared.pool.recovered(index);
        }
        record(&shared, index, job, outcome, &mut connection);
        shared.scheduler.done();
    }
    if let Some(connection) = connection {
        connection.close().await;
    }
}
