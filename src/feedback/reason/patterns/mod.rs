//! Per-reason message fragment tables (matched by `scan`).

mod conditions;
mod refusals;

use super::Reason;
use conditions::*;
use refusals::*;

/// Message fragments for one reason.  `not`: vetoes checked first; `any`: one fragment suffices;
/// `seq`: all fragments of one entry appear in this order.
pub(super) struct Pat {
    pub(super) not: &'static [&'static str],
    pub(super) any: &'static [&'static str],
    pub(super) seq: &'static [&'static [&'static str]],
}

const NONE: Pat = Pat {
    not: &[],
    any: &[],
    seq: &[],
};

/// The fragment table of a reason (reasons without text evidence get an empty table).
pub(super) fn pat(r: Reason) -> &'static Pat {
    use Reason::*;
    match r {
        UserUnknown => &USERUNKNOWN,
        Filtered => &FILTERED,
        Rejected => &REJECTED,
        Blocked => &BLOCKED,
        PolicyViolation => &POLICYVIOLATION,
        SpamDetected => &SPAMDETECTED,
        MailboxFull => &MAILBOXFULL,
        HostUnknown => &HOSTUNKNOWN,
        Suspend => &SUSPEND,
        HasMoved => &HASMOVED,
        NotAccept => &NOTACCEPT,
        NoRelaying => &NORELAYING,
        AuthFailure => &AUTHFAILURE,
        BadReputation => &BADREPUTATION,
        RequirePtr => &REQUIREPTR,
        NotCompliantRfc => &NOTCOMPLIANTRFC,
        ContentError => &CONTENTERROR,
        RateLimited => &RATELIMITED,
        EmailTooLarge => &EMAILTOOLARGE,
        Expired => &EXPIRED,
        NetworkError => &NETWORKERROR,
        SystemError => &SYSTEMERROR,
        SystemFull => &SYSTEMFULL,
        SecurityError => &SECURITYERROR,
        VirusDetected => &VIRUSDETECTED,
        MailerError => &MAILERERROR,
        FailedStartTls => &FAILEDSTARTTLS,
        Vacation => &VACATION,
        _ => &NONE,
    }
}

/// Reasons that have a fragment table, in the order their fragments are numbered.
pub(super) const PATTERNED: [Reason; 28] = [
    Reason::UserUnknown,
    Reason::Filtered,
    Reason::Rejected,
    Reason::Blocked,
    Reason::PolicyViolation,
    Reason::SpamDetected,
    Reason::MailboxFull,
    Reason::HostUnknown,
    Reason::Suspend,
    Reason::HasMoved,
    Reason::NotAccept,
    Reason::NoRelaying,
    Reason::AuthFailure,
    Reason::BadReputation,
    Reason::RequirePtr,
    Reason::NotCompliantRfc,
    Reason::ContentError,
    Reason::RateLimited,
    Reason::EmailTooLarge,
    Reason::Expired,
    Reason::NetworkError,
    Reason::SystemError,
    Reason::SystemFull,
    Reason::SecurityError,
    Reason::VirusDetected,
    Reason::MailerError,
    Reason::FailedStartTls,
    Reason::Vacation,
];
