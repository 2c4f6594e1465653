use super::*;
use Command::*;
use Reason::*;

/// (diagnostic text, status, command, remote host, expected reason)
type Case = (
    &'static str,
    Option<&'static str>,
    Option<Command>,
    Option<&'static str>,
    Reason,
);

const CASES: &[Case] = &[
    // userunknown
    (
        "550 5.1.1 <kijitora@example.jp>... User Unknown",
        Some("5.1.1"),
        Some(Rcpt),
        None,
        UserUnknown,
    ),
    (
        "host mx.example.jp[192.0.2.1] said: 550 5.1.1 <neko@example.jp>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)",
        None,
        None,
        None,
        UserUnknown,
    ),
    (
        "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address",
        Some("5.1.1"),
        None,
        Some("gmail-smtp-in.l.google.com"),
        UserUnknown,
    ),
    ("550 No such user here", None, Some(Rcpt), None, UserUnknown),
    (
        "550 Unknown user kijitora@docomo.ne.jp",
        Some("5.0.0"),
        Some(Rcpt),
        Some("mfsmax.docomo.ne.jp"),
        UserUnknown,
    ),
    (
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        Some("5.1.10"),
        None,
        None,
        UserUnknown,
    ),
    (
        "Remote host said: 550 5.2.1 <kijitora@example.co.jp>... User Unknown [RCPT_TO]",
        Some("5.2.1"),
        None,
        None,
        UserUnknown,
    ),
    (
        "The response was: 550 <neko@ezweb.ne.jp>: User unknown",
        None,
        None,
        Some("lsean.ezweb.ne.jp"),
        UserUnknown,
    ),
    // filtered
    (
        "550 Unknown user kijitora@ntt.example.ne.jp",
        Some("5.2.0"),
        Some(Data),
        None,
        Filtered,
    ),
    (
        "host mfsmax.docomo.ne.jp said: 550 Unknown user ***@docomo.ne.jp (in reply to end of DATA command)",
        Some("5.2.0"),
        None,
        Some("mfsmax.docomo.ne.jp"),
        Filtered,
    ),
    (
        "550 5.2.1 <kijitora@example.jp>... User refuses to receive this mail",
        Some("5.2.1"),
        None,
        None,
        Filtered,
    ),
    (
        "The response was: 550 : User unknown",
        None,
        None,
        Some("lsean.ezweb.ne.jp"),
        Filtered,
    ),
    (
        "550 user unknown (in reply to end of DATA command)",
        None,
        None,
        None,
        Filtered,
    ),
    // rejected
    (
        "550 5.1.8 <root@nijo.example.jp>... Domain of sender address root@nijo.example.jp does not exist",
        Some("5.1.8"),
        Some(Mail),
        None,
        Rejected,
    ),
    (
        "Connected to 192.0.2.225 but sender was rejected. Remote host said: 550 5.7.1 <root@nijo.example.jp>... Access denied (in reply to MAIL FROM command)",
        Some("5.7.1"),
        None,
        None,
        Rejected,
    ),
    (
        "553 5.1.7 Sender address rejected: not owned by user",
        None,
        Some(Mail),
        None,
        Rejected,
    ),
    (
        "550 5.0.0 Sender rejected",
        Some("5.0.0"),
        Some(Mail),
        None,
        Rejected,
    ),
    // blocked
    (
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
        Some("5.7.1"),
        Some(Rcpt),
        None,
        Blocked,
    ),
    (
        "SMTP error from remote mail server after initial connection: 554 mx.example.jp ESMTP not accepting connections",
        None,
        None,
        None,
        Blocked,
    ),
    (
        "Connected to 192.0.2.112 but my name was rejected. Remote host said: 501 5.0.0 Invalid domain name",
        Some("5.0.0"),
        Some(Helo),
        None,
        Blocked,
    ),
    (
        "451 4.7.1 Temporary blocked",
        Some("4.7.1"),
        Some(Rcpt),
        None,
        Blocked,
    ),
    (
        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.25, because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html",
        Some("5.7.1"),
        Some(Connect),
        Some("mta5.am0.yahoodns.net"),
        Blocked,
    ),
    // mailboxfull
    (
        "552 5.2.2 <kijitora@example.jp>... Mailbox Full",
        Some("5.2.2"),
        Some(Rcpt),
        None,
        MailboxFull,
    ),
    (
        "550 5.0.0 <neko@example.jp>... user's mailbox is over quota",
        Some("5.0.0"),
        None,
        None,
        MailboxFull,
    ),
    (
        "452 4.2.2 The email account that you tried to reach is over quota.",
        Some("4.2.2"),
        None,
        Some("gmail-smtp-in.l.google.com"),
        MailboxFull,
    ),
    ("maildir over quota", None, None, None, MailboxFull),
    // emailtoolarge
    (
        "552 5.3.4 Error: message file too big",
        Some("5.3.4"),
        Some(Data),
        None,
        EmailTooLarge,
    ),
    (
        "552 5.2.3 Message length exceeds administrative limit",
        Some("5.2.3"),
        None,
        None,
        EmailTooLarge,
    ),
    (
        "552 message size exceeds fixed maximum message size (10485760)",
        None,
        Some(Mail),
        None,
        EmailTooLarge,
    ),
    // hostunknown
    (
        "550 5.1.2 Host unknown (Name server: example.invalid: host not found)",
        Some("5.1.2"),
        None,
        None,
        HostUnknown,
    ),
    (
        "Remote host said: 553 5.1.2 ... No such domain",
        None,
        None,
        None,
        HostUnknown,
    ),
    (
        "554 5.4.4 <neko@nyaan.example> ... unrouteable address",
        Some("5.4.4"),
        None,
        None,
        HostUnknown,
    ),
    // suspend
    (
        "550 5.2.1 The email account that you tried to reach is disabled.",
        Some("5.2.1"),
        None,
        Some("gmail-smtp-in.l.google.com"),
        Suspend,
    ),
    (
        "550 5.7.13 User account disabled",
        Some("5.7.13"),
        None,
        None,
        Suspend,
    ),
    (
        "550 5.0.0 <kijitora@example.jp>: Recipient rejected: Temporarily inactive",
        Some("5.0.0"),
        Some(Rcpt),
        None,
        Suspend,
    ),
    (
        "554 delivery error: dd neko@example.jp is no longer valid.",
        None,
        None,
        Some("mta6.am0.yahoodns.net"),
        Suspend,
    ),
    // expired
    ("Connection timed out", None, None, None, Expired),
    ("retry timeout exceeded", None, None, None, Expired),
    (
        "Message expired after sitting in queue for 5 days",
        None,
        None,
        None,
        Expired,
    ),
    (
        "Delivery to the following recipient has been delayed",
        Some("4.4.7"),
        None,
        None,
        Expired,
    ),
    (
        "451 4.4.1 No answer from host",
        Some("4.4.1"),
        None,
        None,
        Expired,
    ),
    // networkerror
    (
        "Network error on destination MXs",
        Some("4.4.2"),
        None,
        None,
        NetworkError,
    ),
    (
        "554 5.4.6 Hop count exceeded - possible mail loop",
        Some("5.4.6"),
        None,
        None,
        NetworkError,
    ),
    (
        "DNS Error: 80335577 DNS type 'mx' lookup of example.jp responded with code NXDOMAIN Domain name not found: example.jp",
        Some("4.0.0"),
        None,
        None,
        NetworkError,
    ),
    ("Host name lookup failure", None, None, None, NetworkError),
    // notaccept
    (
        "DNS Error: 24275403 DNS type 'mx' lookup of libsisimai.org responded with code NOERROR The domain libsisimai.org doesn't receive email according to the administrator: returned Null MX",
        Some("4.0.0"),
        None,
        None,
        NotAccept,
    ),
    (
        "556 5.1.10 Recipient address has null MX",
        Some("5.1.10"),
        None,
        None,
        NotAccept,
    ),
    (
        "550 5.3.2 Service currently unavailable? no: host does not accept mail",
        None,
        None,
        None,
        NotAccept,
    ),
    // norelaying
    (
        "554 5.7.1 <kijitora@example.org>: Relay access denied",
        Some("5.7.1"),
        Some(Rcpt),
        None,
        NoRelaying,
    ),
    ("550 relaying denied", None, Some(Rcpt), None, NoRelaying),
    (
        "550 5.7.1 Unable to relay for neko@example.org",
        Some("5.7.1"),
        None,
        None,
        NoRelaying,
    ),
    // authfailure
    (
        "550 5.7.26 This message does not have authentication information or fails to pass authentication checks (SPF or DKIM).",
        Some("5.7.26"),
        Some(Data),
        Some("gmail-smtp-in.l.google.com"),
        AuthFailure,
    ),
    (
        "550 5.7.1 Email rejected per DMARC policy for example.com",
        Some("5.7.1"),
        None,
        None,
        AuthFailure,
    ),
    (
        "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
        Some("5.7.23"),
        None,
        None,
        AuthFailure,
    ),
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

/// Rules that need no remote host: service signatures in the text, local delivery agents,
/// folded multi-line replies.
const MORE: &[Case] = &[
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

#[test]
fn table_more() {
    for (text, status, command, host, want) in MORE {
        let text = text.replace("\\n", "\n");
        let ev = Evidence {
            status: *status,
            reply_code: None,
            command: *command,
            action: Some("failed"),
            text: &text,
            remote_host: *host,
            hint: None,
        };
        assert_eq!(decide(&ev), *want, "{text:?}");
    }
}

#[test]
fn table() {
    let mut bad = Vec::new();
    for (text, status, command, host, want) in CASES {
        let ev = Evidence {
            status: *status,
            reply_code: None,
            command: *command,
            action: Some("failed"),
            text,
            remote_host: *host,
            hint: None,
        };
        let got = decide(&ev);
        if got != *want {
            bad.push(format!("{text:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn hints() {
    let ev = |hint, status, text| Evidence {
        status,
        reply_code: None,
        command: None,
        action: Some("failed"),
        text,
        remote_host: None,
        hint: Some(hint),
    };
    // A definite hint is final.
    assert_eq!(
        decide(&ev(Filtered, Some("5.1.1"), "550 user unknown")),
        Filtered
    );
    assert_eq!(
        decide(&ev(Expired, None, "retry timeout exceeded")),
        Expired
    );
    assert_eq!(decide(&ev(Feedback, None, "")), Feedback);
    assert_eq!(decide(&ev(Vacation, None, "I am away")), Vacation);
    assert_eq!(decide(&ev(MailerError, None, "")), MailerError);
    assert_eq!(
        decide(&ev(
            Suppressed,
            None,
            "Amazon SES has suppressed sending to this address"
        )),
        Suppressed
    );
    // A retried hint yields to stronger evidence met earlier in Sisimai's order.
    assert_eq!(
        decide(&ev(UserUnknown, Some("5.2.2"), "552 5.2.2 Mailbox full")),
        MailboxFull
    );
    assert_eq!(
        decide(&ev(UserUnknown, None, "550 5.1.1 <a@b.c>... User unknown")),
        UserUnknown
    );
    assert_eq!(decide(&ev(Expired, None, "Connection refused")), Expired);
    assert_eq!(
        decide(&ev(HostUnknown, Some("5.0.0"), "Host unknown")),
        HostUnknown
    );
}

#[test]
fn delivered_and_delayed() {
    let ev = Evidence {
        status: None,
        reply_code: None,
        command: None,
        action: Some("delivered"),
        text: "",
        remote_host: None,
        hint: None,
    };
    assert_eq!(decide(&ev), Delivered);
    let ev = Evidence {
        status: Some("4.0.0"),
        reply_code: Some(451),
        command: None,
        action: Some("delayed"),
        text: "451 Try again",
        remote_host: None,
        hint: None,
    };
    assert_eq!(decide(&ev), Expired);
}

#[test]
fn words_round_trip() {
    for (r, w) in WORDS {
        assert_eq!(r.as_str(), w);
        assert_eq!(Reason::from_word(w), Some(r));
        assert_eq!(Reason::from_word(&w.to_uppercase()), Some(r));
    }
    assert_eq!(Reason::from_word("MesgTooBig"), Some(EmailTooLarge));
    assert_eq!(Reason::from_word("toomanyconn"), Some(RateLimited));
    assert_eq!(Reason::from_word("nonsense"), None);
}

#[test]
fn hard_bounces() {
    assert!(UserUnknown.is_hard(Some("4.1.1"), "451 4.1.1 try later"));
    assert!(HostUnknown.is_hard(None, ""));
    assert!(HasMoved.is_hard(Some("5.1.6"), ""));
    assert!(NotAccept.is_hard(Some("5.1.10"), "556 null MX"));
    assert!(NotAccept.is_hard(None, ""));
    assert!(NotAccept.is_hard(None, "host does not accept mail"));
    assert!(!NotAccept.is_hard(Some("4.3.2"), "453 not now"));
    assert!(!NotAccept.is_hard(None, "421 4.3.2 System not accepting network messages"));
    assert!(!NotAccept.is_hard(None, "the server is temporarily not accepting mail"));
    assert!(!NotAccept.is_hard(None, "a persistent failure"));
    assert!(!MailboxFull.is_hard(Some("5.2.2"), "552 mailbox full"));
    assert!(!Filtered.is_hard(Some("5.2.0"), ""));
    assert!(!Delivered.is_hard(Some("2.1.5"), ""));
}

#[test]
fn status_finding() {
    assert_eq!(
        find_status("550 5.1.1 <a@b.c>... User unknown"),
        Some("5.1.1")
    );
    assert_eq!(find_status("host 192.168.0.1 said: 550 no"), None);
    assert_eq!(find_status("192.168.0.1"), None);
    assert_eq!(find_status("version 1.2.3"), None);
    assert_eq!(find_status("Exim 4.72 ready"), None);
    assert_eq!(find_status("from 10.5.1.1 port 25"), None);
    assert_eq!(find_status("v5.1.1 build"), None);
    assert_eq!(find_status("550-5.7.1 [192.0.2.1] blocked"), Some("5.7.1"));
    assert_eq!(find_status("(#5.1.1)"), Some("5.1.1"));
    assert_eq!(find_status("Status: 4.4.7 (delayed)"), Some("4.4.7"));
    assert_eq!(find_status("550 5.7.606 Access denied"), Some("5.7.606"));
    assert_eq!(find_status("dsn=5.1.10,"), Some("5.1.10"));
    assert_eq!(find_status("ending with 5.1.1."), Some("5.1.1"));
    assert_eq!(find_status("3.1.1 not a class"), None);
    assert_eq!(find_status("日本語 5.2.2 満杯"), Some("5.2.2"));
    assert_eq!(find_status(""), None);
}

#[test]
fn reply_code_finding() {
    assert_eq!(find_reply_code("550 5.1.1 User unknown"), Some(550));
    assert_eq!(find_reply_code("550-5.7.1 blocked"), Some(550));
    assert_eq!(find_reply_code("host x said: 452 4.2.2 full"), Some(452));
    assert_eq!(find_reply_code("Remote host said: 554 rejected"), Some(554));
    assert_eq!(find_reply_code("id 12550 at 5504"), None);
    assert_eq!(find_reply_code("192.0.2.250 said nothing"), None);
    assert_eq!(find_reply_code("no code here"), None);
    assert_eq!(find_reply_code("日本語 421 混雑"), Some(421));
    assert_eq!(find_reply_code("599 x"), None);
}

#[test]
fn status_table() {
    assert_eq!(from_status("5.1.1"), Some(UserUnknown));
    assert_eq!(from_status("5.3.4"), Some(EmailTooLarge));
    assert_eq!(from_status("5.5.3"), Some(RateLimited));
    assert_eq!(from_status("5.7.26"), Some(AuthFailure));
    assert_eq!(from_status("5.0.0"), None);
    assert_eq!(from_status("4.7.0"), None);
    assert_eq!(from_status("garbage"), None);
}

#[test]
fn commands() {
    assert_eq!(
        Command::from_text("(in reply to RCPT TO command)"),
        Some(Rcpt)
    );
    assert_eq!(
        Command::from_text("host x said: 550 no (in reply to end of DATA command)"),
        Some(Data)
    );
    assert_eq!(
        Command::from_text("SMTP error from remote mail server after end of data:"),
        Some(Data)
    );
    assert_eq!(
        Command::from_text("SMTP error from remote mail server after RCPT TO:<a@b.c>:"),
        Some(Rcpt)
    );
    assert_eq!(
        Command::from_text("SMTP error from remote mail server after MAIL FROM:<a@b.c> SIZE=1:"),
        Some(Mail)
    );
    assert_eq!(
        Command::from_text("SMTP error from remote mail server after initial connection:"),
        Some(Connect)
    );
    assert_eq!(
        Command::from_text("(in reply to MAIL FROM command)"),
        Some(Mail)
    );
    assert_eq!(
        Command::from_text(">>> RCPT To:<a@b.c>\n<<< 550 nope"),
        Some(Rcpt)
    );
    assert_eq!(Command::from_text(">>> DATA\n<<< 554 nope"), Some(Data));
    assert_eq!(Command::from_text("error after HELO"), Some(Helo));
    assert_eq!(
        Command::from_text("in reply to STARTTLS command"),
        Some(StartTls)
    );
    assert_eq!(
        Command::from_text("improper use of 8-bit data in message header"),
        None
    );
    assert_eq!(Command::from_text("DATABASE@EXAMPLE.JP is full"), None);
    assert_eq!(Command::from_text(""), None);
}

#[test]
fn never_panics_on_random_input() {
    // Deterministic pseudo-random texts mixing ASCII, digits, dots and multi-byte characters.
    const ALPHABET: [&str; 16] = [
        "5",
        ".",
        "1",
        "4",
        " ",
        "a",
        "\n",
        "é",
        "日",
        "-",
        ">>> ",
        "aup#",
        "in reply to ",
        "lpn",
        "#",
        ":",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..(seed % 40) {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(ALPHABET[(seed >> 60) as usize]);
        }
        let ev = Evidence {
            status: find_status(&text),
            reply_code: find_reply_code(&text),
            command: None,
            action: None,
            text: &text,
            remote_host: Some("x.laposte.net"),
            hint: None,
        };
        let _ = decide(&ev);
        let ev = Evidence {
            remote_host: None,
            ..ev
        };
        let _ = decide(&ev);
    }
}

#[test]
fn never_panics_on_odd_input() {
    let odd = [
        "5",
        "5.",
        "5.1",
        "5.1.",
        "550",
        "55",
        "\u{0}\u{ffff}",
        "５.１.１",
        "é5.1.1é",
        ">>> ",
        "in reply to ",
        "aup#",
        ".i.ua/err/",
        "dns type '",
    ];
    for t in odd {
        let ev = Evidence {
            status: Some(t),
            reply_code: Some(999),
            command: None,
            action: Some(t),
            text: t,
            remote_host: Some(t),
            hint: None,
        };
        let _ = decide(&ev);
        let _ = find_status(t);
        let _ = find_reply_code(t);
        let _ = Command::from_text(t);
    }
}
