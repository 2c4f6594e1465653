//! Delivery: where composed messages go. For now the dry-run destination, a
//! folder of .eml files; SMTP joins it behind the same role.

pub mod eml;
pub mod lock;
pub mod log;
pub mod run;
pub mod scheduler;
pub mod smtp;
