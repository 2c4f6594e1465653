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

use tokio::sync::{Mutex as AsyncMutex, mpsc};

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
    for (index, member) in shared.pool.members().iter().enumerate() {
        // Room for one message per connection: a relay that falls behind
        // holds back only its own share.
        let (sender, receiver) = mpsc::channel::<Job>(member.connections as usize);
        let receiver = Arc::new(AsyncMutex::new(receiver));
        for _ in 0..member.connections {
            tasks.spawn(connection_task(shared.clone(), index, receiver.clone()));
        }
        queues.push(sender);
    }
    while let Some(job) = shared.scheduler.next().await {
        match shared.pool.choose(Instant::now()) {
            Choice::Relay(index) => {
                if let Err(returned) = queues[index].send(job).await {
                    give_back(&shared, returned.0);
                }
            }
            Choice::NoneLeft => {
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
        eprintln!(
            "warning: relay {name} set aside for {} s: {why}",
            period.as_secs()
        );
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
    for attempt in 0..shared.setup.connect_attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
        }
        match member.transport.connect().await {
            Ok(connection) => {
                shared.pool.recovered(index);
                return Some(connection);
            }
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
) {
    let mut connection: Option<T::Connection> = None;
    loop {
        let next = queue.lock().await.recv().await;
        let Some(mut job) = next else { break };
        if shared.pool.is_set_aside(index, Instant::now()) {
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
        member.pace().await;
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
                &job.message_id,
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
            if let Outcome::Deferred(reply) = &outcome {
                set_aside(&shared, index, reply);
            }
            connection = None;
        }
        record(&shared, index, job, outcome, &mut connection);
        shared.scheduler.done();
    }
    if let Some(connection) = connection {
        connection.close().await;
    }
}
