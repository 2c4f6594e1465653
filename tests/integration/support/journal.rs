//! What a send left behind: the journal's word on a recipient, and what the
//! test servers received.

use hikyaku::store::journal::DeliveryState;

use super::Scratch;
use crate::smtp_server::SmtpServer;

/// Where the journal of `test-campaign` says `email` stands.
pub fn journal_state(scratch: &Scratch, email: &str) -> Option<DeliveryState> {
    scratch
        .store()
        .journal_entry("test-campaign", email)
        .unwrap()
        .map(|entry| entry.state)
}

/// Every recipient the servers accepted, sorted, checked to be there once
/// only across all of them.
pub fn delivered_once(servers: &[&SmtpServer]) -> Vec<String> {
    let mut all: Vec<String> = servers.iter().flat_map(|s| s.recipients()).collect();
    all.sort();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "a recipient got two copies");
    all
}
