//! Several relays as one way out: messages are spread over the relays in
//! proportion to their weights (smooth weighted round-robin, as nginx
//! spreads requests: over any window the shares hold to within one
//! message), and a relay that refuses connections, times out or answers 421
//! is set aside with back-off while the others take its share. The
//! campaign's pace is kept by the scheduler before a relay is chosen, so it
//! holds across the pool; a relay's own `rate` only slows that relay.
//!
//! A single `[smtp]` relay is a pool of one.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::transport::Transport;
use crate::config::Rate;

/// The longest a relay is set aside before it is tried again.
pub(crate) const MAX_BACKOFF: Duration = crate::config::defaults::MAX_RELAY_BACKOFF;

/// One relay of the pool.
pub(crate) struct Member<T> {
    /// Its name in logs and reports.
    pub name: String,
    pub transport: T,
    /// Connections kept open to it.
    pub connections: u32,
    weight: u32,
    limiter: Option<DefaultDirectRateLimiter>,
}

impl<T> Member<T> {
    /// A relay with its share and its own limit.
    pub(crate) fn new(
        name: String,
        transport: T,
        connections: u32,
        weight: u32,
        rate: Option<&Rate>,
    ) -> Member<T> {
        Member {
            name,
            transport,
            connections: connections.max(1),
            weight: weight.max(1),
            limiter: rate.map(|rate| {
                let interval = rate.period / rate.count.max(1);
                RateLimiter::direct(
                    Quota::with_period(interval.max(Duration::from_nanos(1)))
                        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                        .allow_burst(NonZeroU32::MIN),
                )
            }),
        }
    }

    /// Takes a turn of the relay's own limit; when it has none left, how
    /// long until the next.
    pub(crate) fn try_pace(&self) -> Result<(), Duration> {
        match &self.limiter {
            None => Ok(()),
            Some(limiter) => limiter.check().map_err(|not_until| {
                not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ))
            }),
        }
    }
}

struct Health {
    /// Set aside until then.
    down_until: Option<Instant>,
    /// The next back-off.
    backoff: Duration,
    /// Smooth weighted round-robin's running weight.
    current: i64,
}

/// The relays of a run.
pub(crate) struct Pool<T> {
    members: Vec<Member<T>>,
    health: Mutex<Vec<Health>>,
    first_backoff: Duration,
}

/// What [`Pool::choose`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// The relay to hand the next message to.
    Relay(usize),
    /// Every relay is set aside.
    NoneLeft,
}

impl<T: Transport> Pool<T> {
    /// A pool of `members`; a relay set aside waits `first_backoff`, then
    /// twice as long each time it fails again, up to [`MAX_BACKOFF`].
    pub(crate) fn new(members: Vec<Member<T>>, first_backoff: Duration) -> Pool<T> {
        let health = members
            .iter()
            .map(|_| Health {
                down_until: None,
                backoff: first_backoff,
                current: 0,
            })
            .collect();
        Pool {
            members,
            health: Mutex::new(health),
            first_backoff,
        }
    }

    /// A pool of one relay, never set aside for long: a dry run, a test send.
    pub(crate) fn single(name: String, transport: T, connections: u32) -> Pool<T> {
        Pool::new(
            vec![Member::new(name, transport, connections, 1, None)],
            Duration::from_secs(30),
        )
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Vec<Health>> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The relays.
    pub(crate) fn members(&self) -> &[Member<T>] {
        &self.members
    }

    /// The relay for the next message: by weight among those not set aside
    /// and not `busy`.
    pub(crate) fn choose(&self, now: Instant, busy: &[bool]) -> Choice {
        let mut health = self.health();
        let up: Vec<usize> = (0..self.members.len())
            .filter(|&i| health[i].down_until.is_none_or(|until| until <= now))
            .filter(|&i| !busy.get(i).copied().unwrap_or(false))
            .collect();
        let total: i64 = up.iter().map(|&i| i64::from(self.members[i].weight)).sum();
        let mut best: Option<usize> = None;
        for &i in &up {
            health[i].current += i64::from(self.members[i].weight);
            if best.is_none_or(|b| health[i].current > health[b].current) {
                best = Some(i);
            }
        }
        match best {
            Some(i) => {
                health[i].current -= total;
                Choice::Relay(i)
            }
            None => Choice::NoneLeft,
        }
    }

    /// Whether relay `index` is set aside at `now`.
    pub(crate) fn is_set_aside(&self, index: usize, now: Instant) -> bool {
        self.health()[index]
            .down_until
            .is_some_and(|until| until > now)
    }

    /// Sets relay `index` aside for its back-off, which then doubles; None
    /// when another connection already did (one failure, one period).
    pub(crate) fn set_aside(&self, index: usize, now: Instant) -> Option<Duration> {
        let mut health = self.health();
        let relay = &mut health[index];
        if relay.down_until.is_some_and(|until| until > now) {
            return None;
        }
        let period = relay.backoff;
        relay.down_until = Some(now + period);
        relay.backoff = (period * 2).min(MAX_BACKOFF);
        // Back in the rotation with no credit from before.
        relay.current = 0;
        Some(period)
    }

    /// Relay `index` completed a transaction: its next failure starts the
    /// back-off afresh.
    pub(crate) fn recovered(&self, index: usize) {
        self.health()[index].backoff = self.first_backoff;
    }

    /// How many relays are not set aside, of how many.
    pub(crate) fn up(&self, now: Instant) -> (usize, usize) {
        let health = self.health();
        let up = health
            .iter()
            .filter(|h| h.down_until.is_none_or(|until| until <= now))
            .count();
        (up, health.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::transport::NullSink;

    fn pool(weights: &[u32]) -> Pool<NullSink> {
        Pool::new(
            weights
                .iter()
                .enumerate()
                .map(|(i, w)| Member::new(format!("r{i}"), NullSink, 1, *w, None))
                .collect(),
            Duration::from_secs(30),
        )
    }

    #[test]
    fn messages_are_spread_by_weight_in_every_window() {
        let pool = pool(&[2, 1, 1]);
        let now = Instant::now();
        let picks: Vec<usize> = (0..400)
            .map(|_| match pool.choose(now, &[]) {
                Choice::Relay(i) => i,
                Choice::NoneLeft => unreachable!(),
            })
            .collect();
        for window in picks.chunks(4) {
            let mut counts = [0; 3];
            for &i in window {
                counts[i] += 1;
            }
            assert_eq!(counts, [2, 1, 1], "{picks:?}");
        }
    }

    #[test]
    fn a_relay_set_aside_gets_nothing_until_its_back_off_ends_and_then_doubles() {
        let pool = pool(&[1, 1]);
        let now = Instant::now();
        assert_eq!(pool.set_aside(0, now), Some(Duration::from_secs(30)));
        assert_eq!(pool.set_aside(0, now), None, "one failure, one period");
        assert!((0..10).all(|_| pool.choose(now, &[]) == Choice::Relay(1)));
        assert_eq!(pool.up(now), (1, 2));
        let later = now + Duration::from_secs(31);
        assert!((0..10).any(|_| pool.choose(later, &[]) == Choice::Relay(0)));
        assert_eq!(pool.set_aside(0, later), Some(Duration::from_secs(60)));
        pool.set_aside(1, later);
        assert_eq!(pool.choose(later, &[]), Choice::NoneLeft);
        pool.recovered(0);
        assert_eq!(
            pool.set_aside(0, later + Duration::from_secs(61)),
            Some(Duration::from_secs(30)),
            "a completed transaction resets the back-off"
        );
        assert_eq!(
            pool.choose(later + Duration::from_secs(61), &[false, true]),
            Choice::NoneLeft,
            "relay 1 busy, relay 0 set aside"
        );
        for k in 0..10 {
            pool.set_aside(0, later + MAX_BACKOFF * (3 + k));
        }
        assert!(pool.health()[0].backoff <= MAX_BACKOFF);
    }
}
