//! Where composed messages go. As lettre puts its transports behind a trait,
//! every sending command runs the same pipeline (plan → compose workers →
//! transport → journal) and differs only in the [`Transport`] it hands the
//! messages to: the SMTP relay ([`super::smtp::Relay`]), a folder of .eml
//! files ([`super::eml::EmlFolder`]), or nothing ([`NullSink`], to measure).

use std::future::Future;

/// One message on its way: who it is from and to, and its row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Envelope<'a> {
    /// The envelope sender (MAIL FROM).
    pub sender: &'a str,
    /// The envelope recipient (RCPT TO).
    pub recipient: &'a str,
    /// The CSV line of the row, so that files can be named after it.
    pub line: u64,
}

/// What became of one message handed to a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Taken; the reply (for SMTP, the relay's words).
    Accepted(String),
    /// A temporary refusal (4xx); its reply.
    Deferred(String),
    /// A permanent refusal (5xx); its reply, and the step it answered.
    Failed(String, Step),
    /// The connection broke after the message was on its way: it may or may
    /// not have been delivered.
    Unknown(String),
    /// The message certainly did not leave (a broken connection before
    /// DATA, a file that could not be written).
    NotSent(String),
}

/// The step of an SMTP transaction a refusal answered: a refusal of the
/// sender (MAIL) says nothing about the recipient, a refusal at RCPT or
/// after DATA may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Refused before it reached the relay (the address cannot be written).
    Local,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA, or the reply to the message.
    Data,
}

/// A destination for messages. Each connection task of a run opens one
/// [`Connection`] and reuses it while it stays usable.
pub(crate) trait Transport: Send + Sync + 'static {
    /// One open way to the destination.
    type Connection: Connection;

    /// Opens a connection; the error says why the destination is unusable.
    fn connect(&self) -> impl Future<Output = Result<Self::Connection, String>> + Send;

    /// Where the messages go, as the prompt and the summary name it.
    fn describe(&self) -> String;

    /// Whether messages leave hikyaku through it, so their unsubscribe
    /// tokens must resolve before they do.
    fn carries_tokens(&self) -> bool {
        true
    }
}

/// An open connection of a [`Transport`].
pub(crate) trait Connection: Send + 'static {
    /// Hands over one message, exactly these bytes.
    fn send(
        &mut self,
        envelope: Envelope<'_>,
        message: &[u8],
    ) -> impl Future<Output = Outcome> + Send;

    /// Whether it can carry another message.
    fn is_usable(&self) -> bool {
        true
    }

    /// Closes it politely.
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// Takes every message and keeps none: a dry run that only measures
/// composing and signing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NullSink;

impl Transport for NullSink {
    type Connection = NullSink;

    async fn connect(&self) -> Result<NullSink, String> {
        Ok(NullSink)
    }

    fn describe(&self) -> String {
        "nowhere (dry run)".into()
    }

    fn carries_tokens(&self) -> bool {
        false
    }
}

impl Connection for NullSink {
    async fn send(&mut self, _: Envelope<'_>, _: &[u8]) -> Outcome {
        Outcome::Accepted("kept nowhere".into())
    }

    async fn close(self) {}
}
