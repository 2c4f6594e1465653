//! Delivery: where composed messages go, and at what pace. `pipeline` is
//! the one path every sending command takes (compose workers → transport →
//! journal); `transport` is what a destination implements: `smtp` speaks to
//! the relay, `eml` writes a folder of .eml files, a null sink keeps nothing.
//! `scheduler` paces messages globally and per domain, `run` drives the
//! connections and the journal, `lock` keeps one send per campaign, `log`
//! writes the JSON Lines record.

pub(crate) mod eml;
pub(crate) mod lock;
pub(crate) mod log;
pub(crate) mod pipeline;
pub(crate) mod run;
pub(crate) mod scheduler;
pub(crate) mod smtp;
pub(crate) mod transport;
