//! The reason table against known diagnostics, hints, commands, and input
//! that must never panic.

mod cases_a;
mod cases_b;
mod more;

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

#[test]
fn table_more() {
    for (text, status, command, host, want) in more::MORE {
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
    for (text, status, command, host, want) in cases_a::CASES.iter().chain(cases_b::CASES) {
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
fn every_reason_has_its_own_word() {
    let mut words = std::collections::HashSet::new();
    for (r, w) in WORDS {
        assert_eq!(r.as_str(), w);
        assert!(words.insert(w), "{w} twice");
    }
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
