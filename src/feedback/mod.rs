//! The feedback side: what comes back after a send. Bounces (RFC 3464 and
//! the plain-text and vendor formats of real mail systems), complaints (RFC
//! 5965 ARF), mailed unsubscribe requests and auto-replies are read from
//! files, mailboxes and IMAP servers ([`source`]), classified by format into
//! findings with a reason word from Sisimai's vocabulary ([`classify`],
//! [`reason`]), traced back to the message of ours they answer ([`trace`]),
//! and turned into store writes by a policy that only trusts what traces
//! ([`policy`]).
//!
//! Everything that reads a report takes arbitrary bytes: a message that
//! cannot be read is a finding of kind [`Kind::Unreadable`], never a panic,
//! and never the end of the run.

mod arf;
pub(crate) mod classify;
pub(crate) mod clues;
mod dsn;
pub(crate) mod guard;
pub(crate) mod imap;
pub(crate) mod mail;
pub(crate) mod policy;
pub(crate) mod reason;
mod reply;
mod ses;
pub(crate) mod source;
mod text;
pub(crate) mod trace;

use serde::Serialize;

pub use classify::classify;
pub(crate) use clues::Clues;
pub(crate) use reason::Reason;

/// What one finding is, and so what it may do (design.md, "Feedback you can
/// trust"): only a hard bounce and a complaint suppress at once; a soft bounce
/// counts toward suppression; a block counts against the recipient's domain;
/// the rest change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The address or its domain does not exist, has moved, or takes no mail.
    HardBounce,
    /// The mailbox is full, suspended, or the relay gave up after retrying.
    SoftBounce,
    /// The receiver refused *us*: reputation, policy, content, rate,
    /// authentication. Never the recipient's fault.
    Block,
    /// The recipient reported the message as spam (ARF abuse, fraud, opt-out).
    Complaint,
    /// The recipient asked by mail to receive no more.
    Unsubscribe,
    /// The relay is still trying (a delay warning).
    Delay,
    /// A vacation notice or other automatic reply.
    AutoReply,
    /// A report about SPF, DKIM or DMARC results: nobody complained.
    AuthReport,
    /// A delivery confirmation.
    Delivered,
    /// A readable message that is none of the above.
    NotAReport,
    /// A message that cannot be read (too large, not a mail message).
    Unreadable,
}

impl Kind {
    /// The name in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::HardBounce => "hard_bounce",
            Kind::SoftBounce => "soft_bounce",
            Kind::Block => "block",
            Kind::Complaint => "complaint",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Delay => "delay",
            Kind::AutoReply => "auto_reply",
            Kind::AuthReport => "auth_report",
            Kind::Delivered => "delivered",
            Kind::NotAReport => "not_a_report",
            Kind::Unreadable => "unreadable",
        }
    }

    /// The name in sentences.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::HardBounce => "hard bounce",
            Kind::SoftBounce => "soft bounce",
            Kind::Block => "block by the receiver",
            Kind::Complaint => "complaint",
            Kind::Unsubscribe => "unsubscribe request",
            Kind::Delay => "delay warning",
            Kind::AutoReply => "automatic reply",
            Kind::AuthReport => "authentication report",
            Kind::Delivered => "delivery confirmation",
            Kind::NotAReport => "message that is no report",
            Kind::Unreadable => "unreadable message",
        }
    }

    /// The kind of store event it becomes, for the kinds that act at all.
    pub(crate) fn event_kind(self) -> Option<crate::store::feedback::FeedbackKind> {
        use crate::store::feedback::FeedbackKind;
        match self {
            Kind::HardBounce => Some(FeedbackKind::HardBounce),
            Kind::SoftBounce => Some(FeedbackKind::SoftBounce),
            Kind::Block => Some(FeedbackKind::Block),
            Kind::Complaint => Some(FeedbackKind::Complaint),
            Kind::Unsubscribe => Some(FeedbackKind::Unsubscribe),
            _ => None,
        }
    }
}

/// The format a finding was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// RFC 3464 delivery status notification.
    Dsn,
    /// RFC 5965 feedback report.
    Arf,
    /// A plain-text bounce of an MTA that writes no RFC 3464 fields.
    BounceText,
    /// A mail to the unsubscribe address.
    Mailto,
    /// RFC 3834 automatic reply.
    AutoReply,
    /// Anything else.
    #[default]
    Other,
}

impl Format {
    /// The name stored as an event's `source`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Dsn => "dsn",
            Format::Arf => "arf",
            Format::BounceText => "bounce-text",
            Format::Mailto => "mailto",
            Format::AutoReply => "auto-reply",
            Format::Other => "other",
        }
    }
}

/// What a report says about one recipient (or about the message, when it
/// names nobody).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is.
    pub kind: Kind,
    /// Why, in Sisimai's vocabulary.
    pub reason: Reason,
    /// The failed or complaining address, lower case, when the report names one.
    pub recipient: Option<String>,
    /// The enhanced status code (`5.1.1`), when known.
    pub status: Option<String>,
    /// The ARF Feedback-Type of a feedback report.
    pub feedback_type: Option<String>,
    /// The remote server's words or a sentence of ours, control characters
    /// removed, shortened.
    pub diagnostic: String,
    /// Where it was read from.
    pub format: Format,
}

impl Finding {
    /// A finding about a whole message that names nobody.
    pub(crate) fn about_message(kind: Kind, reason: Reason, format: Format, why: &str) -> Finding {
        Finding {
            kind,
            reason,
            recipient: None,
            status: None,
            feedback_type: None,
            diagnostic: mail::clean_text(why, mail::DIAGNOSTIC_CHARS),
            format,
        }
    }
}

/// Everything one message says: its findings and the clues to the message
/// of ours it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One finding per recipient, at least one.
    pub findings: Vec<Finding>,
    /// What ties it to a message of ours.
    pub clues: Clues,
    /// The report's own Message-ID, for recognising it when read again.
    pub message_id: Option<String>,
    /// The report's own Date, unix seconds.
    pub date: Option<i64>,
    /// For a mailed request: the authserv-ids of Authentication-Results
    /// headers that vouch for its From address (DMARC or aligned DKIM pass).
    pub authenticated_by: Vec<String>,
}
