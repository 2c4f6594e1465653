//! Delivery: where composed messages go. For now the dry-run destination, a
//! folder of .eml files; SMTP joins it behind the same role.

pub mod eml;
