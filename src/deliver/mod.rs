//! Delivery: where composed messages go, and at what pace. `pipeline` is
//! the one path every sending command takes (compose workers → transport →
//! journal); `transport` is what a destination implements: `smtp` speaks to
//! the relay, `eml` writes a folder of .eml files, a null sink keeps nothing.
//! `scheduler` paces messages globally and per domain, `pool` spreads them
//! over the relays and sets aside those that fail, `connections` drives the
//! connections, `run` records each outcome in the journal, `lock` keeps one
//! send per campaign, `log` writes the JSON Lines record.

pub(crate) mod connections;
pub(crate) mod eml;
pub(crate) mod lock;
pub(crate) mod log;
pub(crate) mod pipeline;
pub(crate) mod pool;
pub(crate) mod run;
pub(crate) mod scheduler;
pub(crate) mod smtp;
pub(crate) mod transport;
