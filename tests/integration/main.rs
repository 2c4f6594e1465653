//! Integration tests: the built binary on files the tests write.

mod configuration;
mod consent;
mod dkim;
mod messages;
mod plan;
mod recipients;
mod support;
mod suppression;
