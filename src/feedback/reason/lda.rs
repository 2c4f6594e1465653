//! Local delivery agent rules (procmail, maildrop, mail.local, vpopmail, ...).

use super::rhost::table_hit;
use super::{Command, Reason};

/// Local delivery agents: (agent markers, [(fragment, reason)]).  An agent recognised without a
/// known message is a mailer error.
type Lda = (&'static [&'static str], &'static [(&'static str, Reason)]);
const LDAS: [Lda; 6] = [
    (
        &["your message to <", "> was automatically rejected:"],
        &[
            ("not enough disk space", Reason::MailboxFull),
            ("quota exceeded", Reason::MailboxFull),
            ("mailbox doesn't exist: ", Reason::UserUnknown),
        ],
    ),
    (
        &["mail.local: "],
        &[
            ("disc quota exceeded", Reason::MailboxFull),
            ("mailbox full or quota exceeded", Reason::MailboxFull),
            ("temporary file write error", Reason::SystemError),
            (": invalid mailbox path", Reason::UserUnknown),
            (": unknown user:", Reason::UserUnknown),
            (": user missing home directory", Reason::UserUnknown),
            (": user unknown", Reason::UserUnknown),
        ],
    ),
    (
        &["procmail: ", "/procmail "],
        &[
            ("quota exceeded while writing", Reason::MailboxFull),
            ("user over quota", Reason::MailboxFull),
            ("service unavailable", Reason::SystemError),
            ("no space left to finish writing", Reason::SystemFull),
        ],
    ),
    (
        &["maildrop: "],
        &[
            ("maildir over quota.", Reason::MailboxFull),
            ("cannot find system user", Reason::UserUnknown),
            ("invalid user specified.", Reason::UserUnknown),
        ],
    ),
    (
        &["vdelivermail: "],
        &[
            (
                "user does not exist, but will deliver to ",
                Reason::Filtered,
            ),
            ("domain is over quota", Reason::MailboxFull),
            ("user is over quota", Reason::MailboxFull),
            ("account is locked email bounced", Reason::Suspend),
            ("sorry, no mailbox here by that name.", Reason::UserUnknown),
        ],
    ),
    (
        &["vdeliver: "],
        &[
            (
                "delivery failed due to system quota violation",
                Reason::MailboxFull,
            ),
            (
                "invalid or unknown base user or domain",
                Reason::UserUnknown,
            ),
            ("invalid or unknown virtual user", Reason::UserUnknown),
            (
                "user name does not refer to a virtual user",
                Reason::UserUnknown,
            ),
        ],
    ),
];

/// Sisimai's local-delivery-agent rules (tried before the remote-host and text rules, only when
/// the failure was not answered to an SMTP command before DATA).
pub(super) fn lda_reason(lc: &str, cmd: Option<Command>) -> Option<Reason> {
    if lc.is_empty() || !matches!(cmd, None | Some(Command::Data)) {
        return None;
    }
    let (_, rules) = LDAS
        .iter()
        .find(|(marks, _)| marks.iter().any(|m| lc.contains(m)))?;
    Some(table_hit(rules, lc).unwrap_or(Reason::MailerError))
}
