//! Feedback that forgers cannot abuse: reports that trace to no message of
//! ours change nothing; a message that cannot be read does not stop the
//! rest; a receiver that blocks *us* never gets the recipient suppressed.

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::sent::{Sent, mbox};
use crate::support::{Campaign, recipients, user};

/// A DSN anyone could write: four of our real recipients in four status
/// groups, and nothing of the original message.
fn forged_dsn(recipients: &[String]) -> String {
    let groups: String = recipients
        .iter()
        .map(|r| format!("Final-Recipient: rfc822; {r}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"))
        .collect();
    format!(
        "From: MAILER-DAEMON@attacker.example\nTo: bounces@example.co.jp\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <forged-dsn@attacker.example>\n\
         MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=F\n\n\
         --F\nContent-Type: text/plain\n\nUser unknown.\n\n\
         --F\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; attacker.example\n\n{groups}--F--\n"
    )
}

fn forged_arf(recipient: &str, serial: usize) -> String {
    format!(
        "From: fbl@attacker.example\nTo: abuse@example.co.jp\nSubject: Abuse report\n\
         Message-ID: <forged-arf-{serial}@attacker.example>\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=feedback-report; boundary=A\n\n\
         --A\nContent-Type: text/plain\n\nThis is an abuse report.\n\n\
         --A\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: fake/1.0\n\
         Version: 1\nOriginal-Rcpt-To: {recipient}\n\n\
         --A\nContent-Type: text/rfc822-headers\n\nFrom: news@example.co.jp\nTo: {recipient}\n\
         Message-ID: <made-up@example.co.jp>\nSubject: spam\n\n--A--\n"
    )
}

fn forged_unsubscribe(from: &str) -> String {
    format!(
        "From: {from}\nTo: unsubscribe@example.co.jp\nSubject: 配信停止\n\
         Message-ID: <forged-unsub@attacker.example>\n\nplease stop\n"
    )
}

#[test]
fn forged_reports_naming_our_recipients_change_nothing_and_do_not_trip_the_guard() {
    let sent = Sent::new(8);
    let scratch = &sent.scratch;
    scratch.write(
        "forged.mbox",
        mbox(&[
            forged_dsn(&[user(1), user(2), user(3), user(4)]),
            forged_arf(&user(5), 1),
            forged_arf(&user(6), 2),
            forged_unsubscribe(&user(7)),
        ]),
    );
    let lines = sent.ingest(&["forged.mbox"]);
    assert_eq!(lines.len(), 7, "{lines:?}");
    for line in &lines {
        assert_eq!(line["action"], "unverified", "{line}");
        assert_eq!(line["trace"], "none", "{line}");
        assert!(line["campaign"].is_null(), "{line}");
    }
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "hard_bounce",
            "hard_bounce",
            "hard_bounce",
            "hard_bounce",
            "complaint",
            "complaint",
            "unsubscribe"
        ]
    );
    assert!(sent.suppressions().is_empty(), "{:?}", sent.suppressions());

    // The next advertisement is not refused by the complaint-rate guard,
    // and everybody gets it.
    sent.next_advertisement(toml::Table::new());
    let before = sent.server.received().len();
    scratch.run(&["send", "ad.toml"]).expect_code(0);
    assert_eq!(sent.server.received().len() - before, 8);

    // The mailed request is not dropped: status lists it for review.
    let status = scratch.run(&["status", "campaign.toml"]);
    status.expect_code(0);
    assert!(
        status.stdout.contains("await review") && status.stdout.contains(&user(7)),
        "{}",
        status.stdout
    );
    let json = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["feedback"]["unsubscribe_requests_awaiting_review"],
        serde_json::json!([user(7)])
    );
    assert_eq!(json["feedback"]["complaints"], 0);
    assert_eq!(json["feedback"]["hard_bounces"], 0);

    // Once the operator suppresses the address, as status tells them to,
    // the request no longer waits.
    scratch.run(&["suppress", "add", &user(7)]).expect_code(0);
    let json = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["feedback"]["unsubscribe_requests_awaiting_review"],
        serde_json::json!([])
    );

    // Reading them again records nothing more.
    let again = sent.ingest(&["forged.mbox"]);
    assert!(again.iter().all(|l| l["action"] == "skipped"), "{again:?}");
}

#[test]
fn an_operator_may_accept_untraced_reports_for_addresses_we_mailed() {
    let sent = Sent::new(3);
    sent.scratch.write("arf.eml", forged_arf(&user(1), 1));
    sent.scratch
        .write("stranger.eml", forged_arf("stranger@example.org", 2));
    let lines = sent.ingest(&["--accept-untraced", "arf.eml", "stranger.eml"]);
    assert_eq!(lines[0]["action"], "suppressed", "{lines:?}");
    assert_eq!(lines[0]["email"], user(1).as_str());
    assert_eq!(lines[1]["action"], "skipped", "{lines:?}");
    assert!(
        lines[1]["detail"]
            .as_str()
            .unwrap()
            .contains("never mailed"),
        "{lines:?}"
    );
    let suppressed: Vec<String> = sent.suppressions().into_keys().collect();
    assert_eq!(suppressed, [user(1)]);
}

#[test]
fn one_report_suppresses_only_the_recipient_it_traces_to() {
    let sent = Sent::new(4);
    // A real bounce of user000's message whose DSN also names three other
    // recipients of ours: only user000 may be suppressed.
    let original = &sent.originals[&user(0)];
    let dsn = forged_dsn(&[user(1), user(0), user(2), user(3)]);
    assert!(dsn.ends_with("--F--\n"), "{dsn}");
    let report = dsn.replace(
        "--F--\n",
        &format!("--F\nContent-Type: message/rfc822\n\n{original}\n--F--\n"),
    );
    sent.scratch.write("mixed.eml", report);
    let lines = sent.ingest(&["mixed.eml"]);
    let suppressed: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["action"] == "suppressed")
        .collect();
    assert_eq!(suppressed.len(), 1, "{lines:?}");
    assert_eq!(suppressed[0]["email"], user(0).as_str());
    assert_eq!(suppressed[0]["trace"], "token");
    let others: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["action"] == "unverified")
        .collect();
    assert_eq!(others.len(), 3, "{lines:?}");
    let suppressed: Vec<String> = sent.suppressions().into_keys().collect();
    assert_eq!(suppressed, [user(0)]);
}

#[test]
fn an_unreadable_message_in_a_maildir_does_not_stop_the_good_ones() {
    let sent = Sent::new(3);
    let scratch = &sent.scratch;
    for folder in ["Maildir/cur", "Maildir/new", "Maildir/tmp"] {
        std::fs::create_dir_all(scratch.path(folder)).unwrap();
    }
    // Not a mail at all, then mail whose Cyrillic and Japanese text is cut
    // mid-character, then two traced bounces.
    scratch.write("Maildir/new/1.garbage", [0xff, 0xfe, 0x00, 0x01, 0x80]);
    let mut cut = "From: MAILER-DAEMON@x.example\nSubject: Недоставленное сообщение 配信\n\n\
                   <a@b.example>:\nПользователь не найден 宛先不明"
        .as_bytes()
        .to_vec();
    cut.truncate(cut.len() - 2);
    scratch.write("Maildir/new/2.cut", cut);
    scratch.write(
        "Maildir/new/3.bounce",
        sent.report("postfix-5.1.1.eml", &user(0)),
    );
    scratch.write(
        "Maildir/cur/4.bounce:2,S",
        sent.report("families/qmail-userunknown.eml", &user(1)),
    );
    let lines = sent.ingest(&["Maildir"]);
    assert_eq!(lines[0]["kind"], "unreadable", "{lines:?}");
    let suppressed: Vec<String> = sent.suppressions().into_keys().collect();
    assert_eq!(suppressed, [user(0), user(1)], "{lines:?}");
}

#[test]
fn a_block_during_the_send_counts_against_the_domain_and_suppresses_nobody() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows(recipients(3, "example.jp"))
        .build();
    server.rule(
        &user(1),
        Behaviour::RcptReply(
            554,
            "5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org",
        ),
    );
    server.rule(
        &user(2),
        Behaviour::RcptReply(550, "5.1.1 <user002@example.jp>: User unknown"),
    );
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let mut suppressed = Vec::new();
    scratch
        .store()
        .for_each_suppression::<hikyaku::store::StoreError>(None, |s| {
            suppressed.push(s.email);
            Ok(())
        })
        .unwrap();
    assert_eq!(suppressed, [user(2)], "a block suppresses nobody");
    let status = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let blocks = &status["feedback"]["blocks_by_domain"];
    assert_eq!(blocks[0]["domain"], "example.jp", "{status}");
    assert_eq!(blocks[0]["blocks"], 1, "{status}");
    assert_eq!(blocks[0]["last_reason"], "blocked", "{status}");
    let text = scratch.run(&["status", "campaign.toml"]);
    assert!(text.stdout.contains("example.jp"), "{}", text.stdout);
}

#[test]
fn a_report_that_says_our_copy_was_delivered_never_pins_another_failure_on_it() {
    let sent = Sent::new(2);
    let original = &sent.originals[&user(0)];
    // Our recipient's copy was delivered; an alias it expanded to failed.
    let report = format!(
        "From: MAILER-DAEMON@mx.example.jp\nTo: bounces@example.co.jp\nSubject: Delivery report\n\
         Message-ID: <mixed-delivered@mx.example.jp>\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=M\n\n\
         --M\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\n\
         Final-Recipient: rfc822; {}\nAction: delivered\nStatus: 2.0.0\n\n\
         Final-Recipient: rfc822; dead-alias@elsewhere.example\nAction: failed\nStatus: 5.1.1\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n\
         --M\nContent-Type: message/rfc822\n\n{original}\n--M--\n",
        user(0)
    );
    sent.scratch.write("mixed.eml", report);
    // Even an operator's --accept-untraced leaves the other address alone:
    // the report traces to one of ours, and acts on that one only.
    let lines = sent.ingest(&["--accept-untraced", "mixed.eml"]);
    assert!(
        lines.iter().all(|l| l["action"] != "suppressed"),
        "{lines:?}"
    );
    assert!(sent.suppressions().is_empty(), "{:?}", sent.suppressions());
}

#[test]
fn an_automatic_reply_to_a_message_about_unsubscribing_is_no_request() {
    let sent = Sent::new(1);
    sent.scratch.write(
        "ooo.eml",
        format!(
            "From: {}\nTo: news@example.co.jp\nSubject: Re: 配信停止のお知らせ\n\
             Auto-Submitted: auto-replied\nIn-Reply-To: <{}>\nMessage-ID: <ooo@example.jp>\n\n\
             I am away until Monday.\n",
            user(0),
            sent.message_id(&user(0))
        ),
    );
    let lines = sent.ingest(&["ooo.eml"]);
    assert_eq!(lines[0]["kind"], "auto_reply", "{lines:?}");
    assert!(sent.suppressions().is_empty());
}

#[test]
fn a_request_our_own_mail_server_authenticated_is_honoured_when_trusted() {
    let sent = Sent::new(3);
    let request = |from: &str, authserv: &str, result: &str| {
        format!(
            "Authentication-Results: {authserv}; spf=pass smtp.mailfrom={from};\n \
             dkim=pass (2048-bit key) header.d=example.jp header.s=s1;\n dmarc={result} header.from=example.jp\n\
             From: {from}\nTo: unsubscribe@example.co.jp\nSubject: 配信停止\n\
             Message-ID: <req-{authserv}-{result}@example.jp>\n\nplease stop\n"
        )
    };
    sent.scratch
        .write("ours.eml", request(&user(0), "mx.example.co.jp", "pass"));
    // A header claiming another server's word, as anyone could write.
    sent.scratch.write(
        "theirs.eml",
        request(&user(1), "mx.attacker.example", "pass"),
    );
    let untrusted = sent.ingest(&["ours.eml"]);
    assert_eq!(untrusted[0]["action"], "unverified", "{untrusted:?}");
    assert!(sent.suppressions().is_empty());
    let lines = sent.ingest(&[
        "--trust-authserv-id",
        "mx.example.co.jp",
        "ours.eml",
        "theirs.eml",
    ]);
    // ours.eml was read before (kept as unverified): read again, it is
    // recognised; a new run over a fresh copy shows it honoured.
    assert_eq!(lines[1]["action"], "unverified", "{lines:?}");
    let fresh = request(&user(0), "mx.example.co.jp", "pass").replace("<req-", "<req2-");
    assert!(fresh.contains("Message-ID: <req2-"), "{fresh}");
    sent.scratch.write("ours-again.eml", fresh);
    let again = sent.ingest(&["--trust-authserv-id", "mx.example.co.jp", "ours-again.eml"]);
    assert_eq!(again[0]["action"], "suppressed", "{again:?}");
    assert_eq!(again[0]["trace"], "authenticated");
    let suppressed: Vec<String> = sent.suppressions().into_keys().collect();
    assert_eq!(suppressed, [user(0)]);
}
