//! Sisimai's reasons from bad reputation on, the Japanese carriers, and
//! remote-host rules.

use super::super::*;
use super::Case;
use Command::*;
use Reason::*;

pub(super) const CASES: &[Case] = &[
    // badreputation
    (
        "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints",
        Some("4.7.0"),
        Some(Mail),
        None,
        BadReputation,
    ),
    (
        "451 4.7.650 The mail server [192.0.2.5] has been temporarily rate limited due to IP reputation.",
        Some("4.7.650"),
        Some(Mail),
        Some("outlook-com.olc.protection.outlook.com"),
        BadReputation,
    ),
    (
        "550 5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address",
        Some("5.7.1"),
        None,
        None,
        BadReputation,
    ),
    // requireptr
    (
        "550 5.7.25 The IP address sending this message does not have a PTR record setup",
        Some("5.7.25"),
        None,
        None,
        RequirePtr,
    ),
    (
        "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]",
        Some("4.7.1"),
        Some(Rcpt),
        None,
        RequirePtr,
    ),
    ("550 reverse DNS required", None, None, None, RequirePtr),
    // spamdetected
    (
        "550 5.7.1 Message content rejected, UBE, id=00000-00-000",
        Some("5.7.1"),
        Some(Data),
        None,
        SpamDetected,
    ),
    (
        "554 5.7.1 Message rejected as spam by Content Filtering.",
        Some("5.7.1"),
        Some(Data),
        None,
        SpamDetected,
    ),
    (
        "550 5.7.1 Our system has detected that this message is likely unsolicited mail.",
        Some("5.7.1"),
        Some(Data),
        Some("aspmx.l.google.com"),
        SpamDetected,
    ),
    // ratelimited
    (
        "421 4.7.0 Too many connections, slow down. OFR005_104 [104]",
        None,
        None,
        Some("smtp-in.orange.fr"),
        RateLimited,
    ),
    (
        "450 4.2.1 The user you are trying to contact is receiving mail too quickly.",
        Some("4.2.1"),
        None,
        Some("gmail-smtp-in.l.google.com"),
        RateLimited,
    ),
    (
        "452 4.5.3 Too many recipients",
        Some("4.5.3"),
        None,
        None,
        RateLimited,
    ),
    (
        "421 Too many concurrent SMTP connections; please try again later.",
        None,
        Some(Connect),
        None,
        RateLimited,
    ),
    // securityerror
    (
        "530 5.7.0 Authentication required",
        Some("5.7.0"),
        Some(Mail),
        None,
        SecurityError,
    ),
    (
        "535 5.7.8 Authentication credentials invalid",
        Some("5.7.8"),
        Some(Auth),
        None,
        SecurityError,
    ),
    (
        "550 5.7.1 Delivery not authorized",
        Some("5.7.1"),
        Some(Rcpt),
        None,
        SecurityError,
    ),
    // policyviolation
    (
        "570 5.7.7 Email not accepted for policy reasons",
        Some("5.7.7"),
        None,
        None,
        PolicyViolation,
    ),
    (
        "550 5.7.1 Message rejected due to local policy",
        Some("5.7.1"),
        Some(Data),
        None,
        PolicyViolation,
    ),
    (
        "554 Message not allowed - [PH01] Email not accepted for policy reasons.",
        None,
        None,
        Some("mta7.am0.yahoodns.net"),
        PolicyViolation,
    ),
    // contenterror
    (
        "554 5.6.0 Message contains invalid header",
        Some("5.6.0"),
        Some(Data),
        None,
        ContentError,
    ),
    (
        "550 5.6.9 improper use of 8-bit data in message header",
        Some("5.6.9"),
        Some(Data),
        None,
        ContentError,
    ),
    (
        "554 5.7.0 Header error",
        Some("5.7.0"),
        Some(Data),
        None,
        ContentError,
    ),
    // notcompliantrfc
    (
        "550 5.7.1 This message is not RFC 5322 compliant because it has duplicate headers.",
        Some("5.7.1"),
        Some(Data),
        None,
        NotCompliantRfc,
    ),
    (
        "550 5.7.1 Messages missing a valid Message-ID: header are not accepted.",
        Some("5.7.1"),
        Some(Data),
        Some("gmail-smtp-in.l.google.com"),
        NotCompliantRfc,
    ),
    (
        "554 the message has multiple from header fields",
        None,
        None,
        None,
        NotCompliantRfc,
    ),
    // virusdetected
    (
        "550 5.7.0 Virus detected",
        Some("5.7.0"),
        Some(Data),
        None,
        VirusDetected,
    ),
    (
        "554 Your message was infected with a virus",
        None,
        Some(Data),
        None,
        VirusDetected,
    ),
    (
        "552 5.7.1 virus Eicar detected by Zoho Mail",
        Some("5.7.1"),
        Some(Data),
        Some("mx.zoho.com"),
        VirusDetected,
    ),
    // systemerror
    (
        "451 4.3.0 Local configuration error",
        Some("4.3.0"),
        None,
        None,
        SystemError,
    ),
    (
        "554 5.3.5 System incorrectly configured",
        Some("5.3.5"),
        None,
        None,
        SystemError,
    ),
    (
        "450 Service currently unavailable",
        None,
        None,
        None,
        SystemError,
    ),
    // systemfull
    (
        "452 4.3.1 Mail system full",
        Some("4.3.1"),
        None,
        None,
        SystemFull,
    ),
    (
        "452 4.4.5 Insufficient disk space; try again later",
        Some("4.4.5"),
        None,
        None,
        SystemFull,
    ),
    // hasmoved
    (
        "550 5.1.6 recipient no longer on server: kijitora@icloud.com",
        Some("5.1.6"),
        Some(Rcpt),
        None,
        HasMoved,
    ),
    (
        "550 5.1.6 neko@example.jp has been replaced by neko@example.org",
        None,
        None,
        None,
        HasMoved,
    ),
    // mailererror
    ("X-Unix; 255", None, None, None, MailerError),
    (
        "procmail: Quota exceeded while writing",
        None,
        None,
        None,
        MailboxFull,
    ),
    (
        "Command died with status 1: \"/usr/bin/filter\"",
        None,
        None,
        None,
        MailerError,
    ),
    // failedstarttls
    (
        "530 5.7.0 Must issue a STARTTLS command first",
        Some("5.7.0"),
        None,
        Some("gmail-smtp-in.l.google.com"),
        FailedStartTls,
    ),
    (
        "421 TLS required but not supported",
        None,
        None,
        None,
        FailedStartTls,
    ),
    (
        "554 5.7.30 REQUIRETLS support required",
        Some("5.7.30"),
        None,
        None,
        FailedStartTls,
    ),
    // syntaxerror
    (
        "503 5.5.1 Bad sequence of commands",
        Some("5.5.1"),
        Some(Data),
        None,
        SyntaxError,
    ),
    (
        "501 Syntax error in parameters",
        None,
        Some(Mail),
        None,
        SyntaxError,
    ),
    // delivered
    ("250 2.1.5 OK", Some("2.1.5"), None, None, Delivered),
    (
        "250 2.0.0 Ok: queued as 12345",
        Some("2.0.0"),
        None,
        None,
        Delivered,
    ),
    // onhold / undefined
    ("Something odd happened", None, None, None, OnHold),
    ("", None, None, None, Undefined),
    // vacation
    (
        "I am out of the office until Monday",
        None,
        None,
        None,
        Vacation,
    ),
    // Japanese carriers (text in Japanese, decided by status/command/host)
    (
        "このメールは送信できませんでした。宛先のメールアドレスが見つかりません。 550 Unknown user",
        Some("5.1.1"),
        Some(Rcpt),
        Some("mfsmax.docomo.ne.jp"),
        UserUnknown,
    ),
    (
        "受信拒否設定により送信できませんでした。550 Unknown user",
        Some("5.2.0"),
        Some(Data),
        Some("mfsmax.docomo.ne.jp"),
        Filtered,
    ),
    (
        "メールボックスの容量を超えています 552 Too much mail data",
        None,
        None,
        Some("mfsmax.docomo.ne.jp"),
        MailboxFull,
    ),
    // Since 2025 DOCOMO's "550 Unknown user" means userunknown whatever the command.
    (
        "550 Unknown user ***@docomo.ne.jp (in reply to end of DATA command)",
        Some("5.0.0"),
        Some(Data),
        Some("mfsmax.docomo.ne.jp"),
        UserUnknown,
    ),
    (
        "554 5.0.0 Service unavailable (in reply to end of DATA command)",
        Some("5.0.0"),
        Some(Data),
        Some("mfsmax.docomo.ne.jp"),
        Rejected,
    ),
    (
        "ＵＳＥＲ ＵＮＫＮＯＷＮ 宛先不明",
        Some("5.1.1"),
        Some(Rcpt),
        None,
        UserUnknown,
    ),
    // remote-host codes
    (
        "554 RBL Reject. IB104 Connection refused",
        None,
        None,
        Some("p3plibsmtp01.prod.phx3.secureserver.net"),
        Blocked,
    ),
    (
        "550 5.1.1 <neko@charter.net> AUP#I-1350 too many messages",
        Some("5.1.1"),
        None,
        Some("mx.charter.net"),
        RateLimited,
    ),
    (
        "550 Mailbox not found http://mail.i.ua/err/2/",
        None,
        None,
        Some("mx.email.ua"),
        UserUnknown,
    ),
    (
        "550 5.7.1 RCP-P2 The attempted recipient's preferences prevent messages",
        None,
        None,
        Some("mx.facebook.com"),
        Filtered,
    ),
];
