//! `ingest imaps://…`: a bounce mailbox on a real Dovecot.

use crate::dovecot::{self, Dovecot};
use crate::support::sent::Sent;
use crate::support::{Run, user};

const PASSWORD: &str = "s3cret-imap-pw";

fn url(dovecot: &Dovecot, tls: bool) -> String {
    if tls {
        format!("imaps://bounce@127.0.0.1:{}/INBOX", dovecot.imaps_port)
    } else {
        format!("imap://bounce@127.0.0.1:{}/INBOX", dovecot.imap_port)
    }
}

fn ingest(sent: &Sent, args: &[&str], password: &str) -> Run {
    let mut all = vec!["ingest", "--format", "json"];
    all.extend_from_slice(args);
    sent.scratch
        .command(&all)
        .env("HIKYAKU_IMAP_PASSWORD", password)
        .run()
}

#[test]
fn traced_bounces_in_an_imap_inbox_are_applied_once_and_flagged_seen() {
    if !dovecot::available() {
        eprintln!("dovecot is not installed: skipped");
        return;
    }
    let dovecot = Dovecot::start("bounce", PASSWORD);
    let sent = Sent::new(3);
    sent.scratch.write("ca.pem", &dovecot.ca_pem);
    dovecot.deliver(sent.report("postfix-5.1.1.eml", &user(0)).as_bytes());
    dovecot.deliver(
        sent.report("families/qmail-userunknown.eml", &user(1))
            .as_bytes(),
    );
    dovecot.deliver(b"not a mail at all");
    let address = url(&dovecot, true);

    let first = ingest(&sent, &[&address, "--ca-file", "ca.pem"], PASSWORD);
    first.expect_code(0);
    let lines: Vec<serde_json::Value> = first
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{}", first.stdout);
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("/INBOX;UID=1"),
        "{}",
        first.stdout
    );
    let suppressed: Vec<String> = sent.suppressions().into_keys().collect();
    assert_eq!(suppressed, [user(0), user(1)]);
    assert_eq!(dovecot.seen(), 3, "every message read is flagged \\Seen");
    assert!(!first.stderr.contains(PASSWORD) && !first.stdout.contains(PASSWORD));

    // A second run finds nothing unseen and changes nothing.
    let second = ingest(&sent, &[&address, "--ca-file", "ca.pem"], PASSWORD);
    second.expect_code(0);
    assert_eq!(second.stdout.trim(), "", "{}", second.stdout);

    // A new bounce arrives; --move-to moves what it reads, deleting nothing.
    dovecot.deliver(sent.report("postfix-5.1.1.eml", &user(2)).as_bytes());
    let plain = url(&dovecot, false);
    ingest(&sent, &[&plain, "--move-to", "Processed"], PASSWORD).expect_code(0);
    assert!(sent.suppressions().contains_key(&user(2)));
    assert_eq!(dovecot.processed(), 4, "all four messages moved");
}

#[test]
fn a_wrong_password_exits_78_and_an_unreachable_server_69() {
    if !dovecot::available() {
        eprintln!("dovecot is not installed: skipped");
        return;
    }
    let dovecot = Dovecot::start("bounce", PASSWORD);
    let sent = Sent::new(1);
    dovecot.deliver(sent.report("postfix-5.1.1.eml", &user(0)).as_bytes());
    let wrong = ingest(&sent, &[&url(&dovecot, false)], "not-the-password");
    wrong
        .expect_code(78)
        .stderr_has(&["refused the login", "bounce"]);
    assert!(!wrong.stderr.contains("not-the-password"));
    assert!(sent.suppressions().is_empty());
    assert_eq!(dovecot.seen(), 0);

    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ingest(
        &sent,
        &[&format!("imap://bounce@127.0.0.1:{port}/INBOX")],
        PASSWORD,
    )
    .expect_code(69)
    .stderr_has(&["cannot connect"]);

    // Clear text to a host that is not this machine is refused outright.
    ingest(&sent, &["imap://bounce@mail.example.co.jp/INBOX"], PASSWORD)
        .expect_code(2)
        .stderr_has(&["imaps://"]);
}
