//! Pacing: which composed message a free connection sends next, and when.
//!
//! Messages to a domain with its own rate (`limits.domain_rates`) wait in that
//! domain's lane; everything else waits in one common queue. A connection
//! takes the first lane whose rate allows a message now, else the head of the
//! common queue, so a slow domain never holds up the others. The global rate
//! (`limits.rate`) applies to every message on top. Rate limiters (governor)
//! have a burst of one: messages are spaced evenly, never sent in clumps.
//!
//! Composing runs ahead of sending only as far as the queues' bounds allow. A
//! lane that is full does not block the common queue: the message is handed
//! back as postponed, left pending in the journal for the next run.

use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Notify;

use crate::config::{Limits, Rate};

/// How many messages may wait in the common queue.
const QUEUE_BOUND: usize = 256;
/// How many messages may wait in one domain's lane.
const LANE_BOUND: usize = 256;

/// A rate limiter that spaces messages evenly at `rate`.
fn limiter(rate: &Rate) -> DefaultDirectRateLimiter {
    let interval = rate.period / rate.count.max(1);
    let quota = Quota::with_period(interval.max(Duration::from_nanos(1)))
        .expect("a positive interval")
        .allow_burst(NonZeroU32::MIN);
    RateLimiter::direct(quota)
}

/// Why the scheduler hands out nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// SIGINT or SIGTERM.
    Signal,
    /// The send window closed.
    WindowClosed,
    /// The relay could not be reached.
    Unavailable(String),
    /// Too many permanent failures.
    FailureRate(String),
}

struct Lane {
    limiter: DefaultDirectRateLimiter,
    queue: VecDeque<Job>,
}

/// A message waiting to be sent.
pub(crate) struct Job {
    /// The CSV line, for the log.
    pub line: u64,
    /// The envelope recipient.
    pub recipient: String,
    /// The address key (journal and suppression).
    pub key: String,
    /// The recipient's domain.
    pub domain: String,
    /// The Message-ID.
    pub message_id: String,
    /// The message's own envelope sender (VERP); `None` = the run's.
    pub envelope_sender: Option<String>,
    /// The bytes to send.
    pub bytes: Vec<u8>,
    /// Attempts made in this run.
    pub attempts: u32,
}

struct Delayed {
    due: Instant,
    sequence: u64,
    job: Job,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.sequence) == (other.due, other.sequence)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    // Reversed, so that the BinaryHeap pops the earliest.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.due, other.sequence).cmp(&(self.due, self.sequence))
    }
}

#[derive(Default)]
struct State {
    common: VecDeque<Job>,
    lanes: HashMap<String, Lane>,
    delayed: BinaryHeap<Delayed>,
    sequence: u64,
    in_flight: usize,
    closed: bool,
    stop: Option<Stop>,
}

/// Hands out messages to connections at the configured pace.
pub(crate) struct Scheduler {
    state: Mutex<State>,
    space: Condvar,
    work: Notify,
    global: Option<DefaultDirectRateLimiter>,
    lane_rates: Vec<(String, Rate)>,
}

enum Next {
    Job(Job),
    Wait(Option<Duration>),
    Done,
}

/// What became of a pushed message.
pub(crate) enum Pushed {
    /// Queued for sending.
    Queued,
    /// Its domain's lane is full; the message stays pending for a later run.
    Postponed,
    /// The run is stopping.
    Stopped,
}

impl Scheduler {
    /// A scheduler for `[limits]`.
    pub(crate) fn new(limits: &Limits) -> Scheduler {
        Scheduler {
            state: Mutex::default(),
            space: Condvar::new(),
            work: Notify::new(),
            global: limits.rate.as_ref().map(limiter),
            lane_rates: limits
                .domain_rates
                .iter()
                .map(|(d, r)| (d.clone(), *r))
                .collect(),
        }
    }

    /// A scheduler without pace, for messages that do not leave through a
    /// relay (a dry run, preview files).
    pub(crate) fn unpaced() -> Scheduler {
        Scheduler {
            state: Mutex::default(),
            space: Condvar::new(),
            work: Notify::new(),
            global: None,
            lane_rates: Vec::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere must not stop the journal from being completed.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The domain rate that applies to `domain`: its own, or a parent's.
    fn lane_of(&self, domain: &str) -> Option<&(String, Rate)> {
        self.lane_rates
            .iter()
            .find(|(d, _)| domain == d || domain.ends_with(&format!(".{d}")))
    }

    /// Queues a composed message, waiting while the common queue is full.
    pub(crate) fn push(&self, job: Job) -> Pushed {
        let lane = self.lane_of(&job.domain).cloned();
        let mut state = self.lock();
        loop {
            if state.stop.is_some() {
                return Pushed::Stopped;
            }
            match &lane {
                Some((domain, rate)) => {
                    let lane = state.lanes.entry(domain.clone()).or_insert_with(|| Lane {
                        limiter: limiter(rate),
                        queue: VecDeque::new(),
                    });
                    if lane.queue.len() >= LANE_BOUND {
                        return Pushed::Postponed;
                    }
                    lane.queue.push_back(job);
                    break;
                }
                None if state.common.len() < QUEUE_BOUND => {
                    state.common.push_back(job);
                    break;
                }
                None => {
                    state = self.space.wait(state).unwrap_or_else(|p| p.into_inner());
                }
            }
        }
        drop(state);
        self.work.notify_waiters();
        Pushed::Queued
    }

    /// No more messages will be pushed.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.work.notify_waiters();
    }

    /// Hands out nothing more; the first reason given is kept.
    pub(crate) fn stop(&self, reason: Stop) {
        let mut state = self.lock();
        state.stop.get_or_insert(reason);
        drop(state);
        self.space.notify_all();
        self.work.notify_waiters();
    }

    /// Why the run stopped early, if it did.
    pub(crate) fn stopped(&self) -> Option<Stop> {
        self.lock().stop.clone()
    }

    /// Puts a message back to be tried again at `due`.
    pub(crate) fn retry_at(&self, job: Job, due: Instant) {
        let mut state = self.lock();
        state.sequence += 1;
        let sequence = state.sequence;
        state.delayed.push(Delayed { due, sequence, job });
        drop(state);
        self.work.notify_waiters();
    }

    /// A connection finished the message it took.
    pub(crate) fn done(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.work.notify_waiters();
    }

    /// Messages that were queued but will not be sent in this run (after a stop).
    pub(crate) fn drain(&self) -> Vec<Job> {
        let mut state = self.lock();
        let mut left: Vec<Job> = state.common.drain(..).collect();
        for lane in state.lanes.values_mut() {
            left.extend(lane.queue.drain(..));
        }
        left.extend(
            std::mem::take(&mut state.delayed)
                .into_iter()
                .map(|d| d.job),
        );
        left
    }

    /// The next message to send, when its rates allow; None when everything
    /// is sent or the run stops.
    pub(crate) async fn next(&self) -> Option<Job> {
        loop {
            let notified = self.work.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let next = {
                let mut state = self.lock();
                if state.stop.is_some() {
                    return None;
                }
                let now = Instant::now();
                while state.delayed.peek().is_some_and(|d| d.due <= now) {
                    if let Some(delayed) = state.delayed.pop() {
                        let job = delayed.job;
                        match self.lane_of(&job.domain).map(|(d, _)| d.clone()) {
                            Some(domain) if state.lanes.contains_key(&domain) => {
                                if let Some(lane) = state.lanes.get_mut(&domain) {
                                    lane.queue.push_front(job);
                                }
                            }
                            _ => state.common.push_front(job),
                        }
                    }
                }
                let mut wait: Option<Duration> = state.delayed.peek().map(|d| d.due - now);
                let clock = DefaultClock::default();
                let mut taken = None;
                for lane in state.lanes.values_mut().filter(|l| !l.queue.is_empty()) {
                    match lane.limiter.check() {
                        Ok(()) => {
                            taken = lane.queue.pop_front();
                            break;
                        }
                        Err(not_until) => {
                            let until = not_until.wait_time_from(clock.now());
                            wait = Some(wait.map_or(until, |w| w.min(until)));
                        }
                    }
                }
                let taken = taken.or_else(|| state.common.pop_front());
                if let Some(job) = taken {
                    state.in_flight += 1;
                    Next::Job(job)
                } else {
                    let idle = state.common.is_empty()
                        && state.lanes.values().all(|l| l.queue.is_empty())
                        && state.delayed.is_empty();
                    if state.closed && idle && state.in_flight == 0 {
                        Next::Done
                    } else {
                        Next::Wait(wait)
                    }
                }
            };
            let wait = match next {
                Next::Done => return None,
                Next::Job(job) => {
                    self.space.notify_one();
                    if let Some(global) = &self.global {
                        global.until_ready().await;
                    }
                    return Some(job);
                }
                Next::Wait(wait) => wait,
            };
            match wait {
                Some(wait) => {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(domain: &str, n: u64) -> Job {
        Job {
            line: n,
            recipient: format!("u{n}@{domain}"),
            key: format!("u{n}@{domain}"),
            domain: domain.into(),
            message_id: String::new(),
            envelope_sender: None,
            bytes: Vec::new(),
            attempts: 0,
        }
    }

    fn limits(rate: Option<&str>, domains: &[(&str, &str)]) -> Limits {
        Limits::for_tests(rate, domains)
    }

    // governor keeps real time, so these tests use rates that take about a second.
    #[tokio::test]
    async fn a_slow_domain_does_not_hold_up_the_others() {
        let scheduler = Scheduler::new(&limits(None, &[("docomo.ne.jp", "2/s")]));
        for n in 0..3 {
            assert!(matches!(
                scheduler.push(job("docomo.ne.jp", n)),
                Pushed::Queued
            ));
        }
        for n in 0..5 {
            scheduler.push(job("example.jp", n));
        }
        scheduler.close();
        let mut order = Vec::new();
        let started = Instant::now();
        while let Some(job) = scheduler.next().await {
            order.push(job.domain.clone());
            scheduler.done();
        }
        // One docomo message at once, all the others right after it; the other
        // two docomo messages half a second apart.
        assert_eq!(order[0], "docomo.ne.jp");
        assert!(order[1..6].iter().all(|d| d == "example.jp"), "{order:?}");
        assert_eq!(order.len(), 8);
        assert!(
            started.elapsed() >= Duration::from_millis(990),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn delayed_retries_come_back_when_due() {
        let scheduler = Scheduler::new(&limits(None, &[]));
        scheduler.push(job("example.jp", 1));
        let first = scheduler.next().await.unwrap();
        scheduler.retry_at(first, Instant::now() + Duration::from_millis(10));
        scheduler.done();
        scheduler.close();
        let again = scheduler.next().await.unwrap();
        assert_eq!(again.line, 1);
        scheduler.done();
        assert!(scheduler.next().await.is_none());
    }

    #[test]
    fn a_full_lane_postpones_instead_of_blocking() {
        let scheduler = Scheduler::new(&limits(None, &[("docomo.ne.jp", "1/h")]));
        for n in 0..LANE_BOUND as u64 {
            assert!(matches!(
                scheduler.push(job("docomo.ne.jp", n)),
                Pushed::Queued
            ));
        }
        assert!(matches!(
            scheduler.push(job("sub.docomo.ne.jp", 999)),
            Pushed::Postponed
        ));
        assert!(matches!(
            scheduler.push(job("example.jp", 1)),
            Pushed::Queued
        ));
    }
}
