use super::*;

#[test]
fn recognises_the_recipient_lines_of_many_families() {
    let cases = [
        ("<kijitora@example.ne.jp>:", "kijitora@example.ne.jp"),
        ("  kijitora@example.jp", "kijitora@example.jp"),
        (
            "  mikeneko@example.jp <neko@example.org>: 550 no",
            "mikeneko@example.jp",
        ),
        ("   * rcpt@example.jp", "rcpt@example.jp"),
        (">>> RCPT To:<rcpt@example.jp>", "rcpt@example.jp"),
        ("    Recipient: <rcpt@ezweb.ne.jp>", "rcpt@ezweb.ne.jp"),
        (
            "     Could not be delivered to: <a@dion.ne.jp>",
            "a@dion.ne.jp",
        ),
        ("rcpt@example.jp [User unknown]", "rcpt@example.jp"),
        (
            "kijitora@example.com<mailto:kijitora@example.com>",
            "kijitora@example.com",
        ),
        (
            "Kijitora<mailto:kijitora@example.com>",
            "kijitora@example.com",
        ),
        (
            "The following message to <rcpt@example.jp> was undeliverable.",
            "rcpt@example.jp",
        ),
        (
            "<rcpt@example.jp>: host mx.example.jp[192.0.2.1] said: 550 5.1.1",
            "rcpt@example.jp",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(recipient_on(line).as_deref(), Some(expected), "{line}");
    }
    for line in [
        "From: sender@example.org",
        "The original message was received at Thu from <s@example.org>",
        "Message-ID: <123.456@mx.example.jp>",
        "no address here",
    ] {
        assert_eq!(recipient_on(line), None, "{line}");
    }
}

#[test]
fn finds_the_remote_host() {
    assert_eq!(
        remote_host("host mx.example.jp[192.0.2.1] said: 550").as_deref(),
        Some("mx.example.jp")
    );
    assert_eq!(
        remote_host("remote host 192.0.2.1 said: 550; host gmail-smtp-in.l.google.com [1.2.3.4]")
            .as_deref(),
        Some("gmail-smtp-in.l.google.com")
    );
    assert_eq!(remote_host("no host here"), None);
}
