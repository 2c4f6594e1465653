use super::super::*;
use super::Case;
use Command::*;
use Reason::*;

/// Rules that need no remote host: service signatures in the text, local delivery agents,
/// folded multi-line replies.
pub(super) const MORE: &[Case] = &[
    (
        "550 5.1.0 <bounce@example.com> sender rejected. Refer to https://www.cox.com/residential/support/email-error-codes.html AUP#CDRBL",
        Some("5.1.0"),
        Some(Mail),
        Some("cxr.mx.a.cloudfilter.net"),
        Blocked,
    ),
    (
        "550 5.1.0 <x@amazonses.com> sender rejected. Please see https://www.spectrum.net/support/internet/understanding-email-error-codes AUP#In-1310",
        Some("5.1.0"),
        None,
        None,
        RateLimited,
    ),
    (
        "550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426",
        Some("5.5.0"),
        Some(Rcpt),
        Some("smtpz4.laposte.net"),
        Suspend,
    ),
    (
        "550 mwinf5c10 ME Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
        None,
        Some(Rcpt),
        Some("smtp-in.orange.fr"),
        UserUnknown,
    ),
    (
        "550-5.2.1 The user you are trying to contact is\n    receiving mail at a rate that 550-5.2.1 prevents additional messages from\n    being delivered.",
        Some("5.2.1"),
        Some(Rcpt),
        Some("alt1.gmail-smtp-in.l.google.com"),
        RateLimited,
    ),
    (
        "maildrop: maildir over quota.",
        None,
        None,
        None,
        MailboxFull,
    ),
    (
        "mail.local: unknown user: neko",
        None,
        None,
        None,
        UserUnknown,
    ),
    (
        "procmail: Error while writing to /var/mail/x",
        None,
        None,
        None,
        MailerError,
    ),
    (
        "Your message to <neko@example.jp> was automatically rejected: Quota exceeded (mailbox for user is full)",
        None,
        None,
        None,
        MailboxFull,
    ),
    (
        "550 5.6.7 Non-ASCII addresses not permitted for that sender",
        Some("5.6.7"),
        Some(Mail),
        None,
        Rejected,
    ),
    (
        "554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.",
        Some("5.7.1"),
        Some(Rcpt),
        Some("smtpin.zoho.com"),
        Rejected,
    ),
    (
        "553 5.7.1 Sorry, that domain isn't in my list of allowed rcpthosts.",
        Some("5.7.1"),
        Some(Rcpt),
        None,
        NoRelaying,
    ),
    (
        "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
        Some("5.7.606"),
        Some(Rcpt),
        Some("mx.prod.outlook.com"),
        Blocked,
    ),
];
