//! Integration tests: the built binary on files the tests write.

mod approval;
mod bounce_formats;
mod browser;
mod certificates;
mod configuration;
mod consent;
mod delivery;
mod deploy;
mod dkim;
mod dns_server;
mod dovecot;
mod feedback;
mod feedback_trust;
mod getting_started;
mod hardening;
mod imap;
mod legal_display;
mod messages;
mod plan;
mod recipients;
mod retention;
mod serve_limits;
mod smtp_server;
mod support;
mod suppression;
mod unsubscribe;
