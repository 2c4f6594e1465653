//! Sisimai 5's reason vocabulary and its words.

use super::{find_reply_code, find_status};

/// Sisimai 5's reason vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Rejected for SPF / DKIM / DMARC / ARC failure.
    AuthFailure,
    /// Rejected because of the sending IP's or domain's reputation.
    BadReputation,
    /// Rejected because of the client IP address / hostname / HELO (block lists, connection level).
    Blocked,
    /// Rejected for header or MIME format of the message.
    ContentError,
    /// Delivered successfully (not a bounce).
    Delivered,
    /// Message size (or header size) too big.
    EmailTooLarge,
    /// Delivery time expired; the sending MTA gave up retrying.
    Expired,
    /// STARTTLS / TLS negotiation problem or TLS required.
    FailedStartTls,
    /// ARF feedback report (not a bounce).
    Feedback,
    /// Rejected after DATA by a recipient-side filter.
    Filtered,
    /// Mailbox has moved, no forwarding address.
    HasMoved,
    /// Recipient domain does not exist or cannot be routed.
    HostUnknown,
    /// Recipient mailbox is full.
    MailboxFull,
    /// Local mailer program (pipe, procmail, ...) failed.
    MailerError,
    /// DNS lookup failure, routing loop, other network problem.
    NetworkError,
    /// Relaying denied.
    NoRelaying,
    /// Destination accepts no mail at all (null MX and similar).
    NotAccept,
    /// Message is not RFC 5322 compliant.
    NotCompliantRfc,
    /// Not enough information to decide.
    OnHold,
    /// Rejected by a policy of the destination.
    PolicyViolation,
    /// Rate limit, too many connections, too fast.
    RateLimited,
    /// Rejected because of the envelope sender.
    Rejected,
    /// Client IP has no or a bad PTR record.
    RequirePtr,
    /// Security violation, authentication required, generic X.7.x.
    SecurityError,
    /// Rejected by a spam filter.
    SpamDetected,
    /// Not sent because the recipient is on a suppression list.
    Suppressed,
    /// Recipient account suspended or disabled.
    Suspend,
    /// SMTP command syntax error.
    SyntaxError,
    /// Error on the remote system.
    SystemError,
    /// Remote system's disk is full.
    SystemFull,
    /// No reason could be detected at all.
    Undefined,
    /// Local part does not exist.
    UserUnknown,
    /// Auto-reply / out of office (not a bounce).
    Vacation,
    /// Rejected by a virus scanner.
    VirusDetected,
}

/// Every reason with its word, in one table so that no two share a word.
pub(super) const WORDS: [(Reason, &str); 34] = [
    (Reason::AuthFailure, "authfailure"),
    (Reason::BadReputation, "badreputation"),
    (Reason::Blocked, "blocked"),
    (Reason::ContentError, "contenterror"),
    (Reason::Delivered, "delivered"),
    (Reason::EmailTooLarge, "emailtoolarge"),
    (Reason::Expired, "expired"),
    (Reason::FailedStartTls, "failedstarttls"),
    (Reason::Feedback, "feedback"),
    (Reason::Filtered, "filtered"),
    (Reason::HasMoved, "hasmoved"),
    (Reason::HostUnknown, "hostunknown"),
    (Reason::MailboxFull, "mailboxfull"),
    (Reason::MailerError, "mailererror"),
    (Reason::NetworkError, "networkerror"),
    (Reason::NoRelaying, "norelaying"),
    (Reason::NotAccept, "notaccept"),
    (Reason::NotCompliantRfc, "notcompliantrfc"),
    (Reason::OnHold, "onhold"),
    (Reason::PolicyViolation, "policyviolation"),
    (Reason::RateLimited, "ratelimited"),
    (Reason::Rejected, "rejected"),
    (Reason::RequirePtr, "requireptr"),
    (Reason::SecurityError, "securityerror"),
    (Reason::SpamDetected, "spamdetected"),
    (Reason::Suppressed, "suppressed"),
    (Reason::Suspend, "suspend"),
    (Reason::SyntaxError, "syntaxerror"),
    (Reason::SystemError, "systemerror"),
    (Reason::SystemFull, "systemfull"),
    (Reason::Undefined, "undefined"),
    (Reason::UserUnknown, "userunknown"),
    (Reason::Vacation, "vacation"),
    (Reason::VirusDetected, "virusdetected"),
];

impl Reason {
    /// The lower-case reason word Sisimai prints ("userunknown", "emailtoolarge", ...).
    pub fn as_str(self) -> &'static str {
        WORDS
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, w)| *w)
            .unwrap_or("undefined")
    }

    /// Sisimai's hard-bounce rule: userunknown/hostunknown/hasmoved always; notaccept unless the
    /// evidence is temporary (4xx, " temporar", " persistent").
    ///
    /// `status` is the enhanced status (or `None`), `text` the diagnostic text.  For notaccept the
    /// code that decides is the status, else the first status code in the text, else the first
    /// reply code in the text; with no evidence at all a notaccept counts as hard, like Sisimai.
    pub(crate) fn is_hard(self, status: Option<&str>, text: &str) -> bool {
        match self {
            Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved => true,
            Reason::NotAccept => {
                let code: Option<char> = status
                    .filter(|s| !s.is_empty())
                    .and_then(|s| s.chars().next())
                    .or_else(|| find_status(text).and_then(|s| s.chars().next()))
                    .or_else(|| find_reply_code(text).map(|c| if c >= 500 { '5' } else { '4' }));
                match code {
                    Some('5') => true,
                    Some('4') => false,
                    _ => {
                        let lc = text.to_lowercase();
                        !(lc.contains(" temporar") || lc.contains(" persistent"))
                    }
                }
            }
            _ => false,
        }
    }
}
