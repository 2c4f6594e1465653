//! Integration tests: the built binary on files the tests write.

mod approval;
mod configuration;
mod consent;
mod delivery;
mod dkim;
mod dns_server;
mod feedback;
mod getting_started;
mod messages;
mod plan;
mod recipients;
mod retention;
mod smtp_server;
mod support;
mod suppression;
mod unsubscribe;
