//! Delivery: where composed messages go, and at what pace. `smtp` speaks to
//! the relay, `scheduler` paces messages globally and per domain, `run` drives
//! the connections and the journal, `lock` keeps one send per campaign, `log`
//! writes the JSON Lines record; `eml` is the dry run's destination, a folder
//! of .eml files.

pub mod eml;
pub mod lock;
pub mod log;
pub mod run;
pub mod scheduler;
pub mod smtp;
