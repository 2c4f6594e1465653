//! `ingest` on real-world-shaped reports kept as fixtures (Postfix, Exim,
//! Gmail and Microsoft DSNs, an ARF complaint, a mailto request), read from
//! mbox, Maildir, a folder and single files; the complaint-rate guard; VERP.
//! `support::sent` sends the campaign the reports are about.

use toml::{Table, toml};

use crate::support::sent::{FIXTURES, Sent, mbox};
use crate::support::user;

#[test]
fn ingest_suppresses_from_every_providers_reports_and_is_idempotent() {
    let sent = Sent::new(8);
    let scratch = &sent.scratch;
    scratch.write(
        "bounces.mbox",
        mbox(&[
            sent.report("postfix-5.1.1.eml", &user(0)),
            sent.report("exim-5.1.1.eml", &user(1)),
        ]),
    );
    for folder in ["Maildir/cur", "Maildir/new", "Maildir/tmp", "soft"] {
        std::fs::create_dir_all(scratch.path(folder)).unwrap();
    }
    scratch.write(
        "Maildir/new/1763774140.M1P1.mx",
        sent.report("gmail-5.1.1.eml", &user(2)),
    );
    scratch.write(
        "Maildir/cur/1763774150.M2P1.mx:2,S",
        sent.report("microsoft-5.1.10.eml", &user(3)),
    );
    for serial in 1..=3 {
        scratch.write(
            &format!("soft/{serial}.eml"),
            sent.report("postfix-4.4.1-expired.eml", &user(4))
                .replace("{{SERIAL}}", &serial.to_string()),
        );
    }
    scratch.write(
        "soft/delayed.eml",
        sent.report("postfix-delayed.eml", &user(7)),
    );
    scratch.write(
        "soft/reply.eml",
        sent.report("ordinary-reply.eml", &user(7)),
    );
    scratch.write("arf.eml", sent.report("arf-abuse.eml", &user(5)));
    scratch.write(
        "unsubscribe.eml",
        sent.report("mailto-unsubscribe.eml", &user(6)),
    );
    let paths = [
        "bounces.mbox",
        "Maildir",
        "soft",
        "arf.eml",
        "unsubscribe.eml",
    ];

    let first = sent.ingest(&paths);
    let by_action = |lines: &[serde_json::Value], action: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["action"] == action)
            .map(|l| {
                format!(
                    "{} {}",
                    l["kind"].as_str().unwrap_or("-"),
                    l["email"].as_str().unwrap_or("-")
                )
            })
            .collect()
    };
    let mut suppressed = by_action(&first, "suppressed");
    suppressed.sort();
    assert_eq!(
        suppressed,
        [
            format!("complaint {}", user(5)),
            format!("hard_bounce {}", user(0)),
            format!("hard_bounce {}", user(1)),
            format!("hard_bounce {}", user(2)),
            format!("hard_bounce {}", user(3)),
            format!("soft_bounce {}", user(4)),
            format!("unsubscribe {}", user(6)),
        ]
    );
    assert_eq!(by_action(&first, "counted").len(), 2, "{first:?}");
    let skipped: Vec<&str> = first
        .iter()
        .filter(|l| l["action"] == "skipped")
        .map(|l| l["detail"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped.iter().any(|r| r.contains("delay warning")));
    assert!(skipped.iter().any(|r| r.contains("neither")));
    // Every report here traces by the returned message's token or Message-ID.
    assert!(
        first
            .iter()
            .filter(|l| l["action"] != "skipped")
            .all(|l| l["trace"] == "token" || l["trace"] == "message_id"),
        "{first:?}"
    );
    // Every line names the campaign it traced the report to.
    assert!(
        first
            .iter()
            .filter(|l| l["action"] != "skipped")
            .all(|l| l["campaign"] == "test-campaign"),
        "{first:?}"
    );

    let suppressions = sent.suppressions();
    let reason = |n: usize| suppressions.get(&user(n)).cloned();
    for n in 0..4 {
        assert_eq!(
            reason(n),
            Some(("*".into(), "hard_bounce".into(), "dsn".into()))
        );
    }
    assert_eq!(
        reason(4),
        Some(("*".into(), "soft_bounce".into(), "dsn".into()))
    );
    assert_eq!(
        reason(5),
        Some(("*".into(), "complaint".into(), "arf".into()))
    );
    assert_eq!(
        reason(6),
        Some(("newsletter".into(), "unsubscribe".into(), "mailto".into()))
    );
    assert_eq!(reason(7), None, "a delay warning suppresses nobody");

    // Reading everything again changes nothing.
    let second = sent.ingest(&paths);
    assert!(by_action(&second, "suppressed").is_empty(), "{second:?}");
    assert!(by_action(&second, "counted").is_empty(), "{second:?}");
    assert_eq!(sent.suppressions(), suppressions);
    let text = scratch.run(&["ingest", "unsubscribe.eml", "soft"]);
    text.expect_code(0);
    assert!(
        text.stdout.contains(&format!(
            "unsubscribe.eml: skipped: read before: already ingested, nothing changed \
             [unsubscribe, undefined, {}, campaign test-campaign by message_id]",
            user(6)
        )),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("delayed.eml: skipped: a delay warning"),
        "{}",
        text.stdout
    );

    // status shows the campaign's rates.
    let status = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    status.expect_code(0);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let feedback = &status["feedback"];
    assert_eq!(feedback["hard_bounces"], 4);
    assert_eq!(feedback["complaints"], 1);
    assert_eq!(feedback["unsubscribes"], 1);
    assert_eq!(feedback["complaint_rate"], 0.125);
    assert_eq!(feedback["bounce_rate"], 0.5);
    let text = scratch.run(&["status", "campaign.toml"]);
    assert!(
        text.stdout.contains("complaint rate 12.500 %"),
        "{}",
        text.stdout
    );
}

#[test]
fn the_complaint_guard_refuses_an_advertisement_and_warns_below_its_limit() {
    let sent = Sent::new(8);
    sent.scratch
        .write("arf.eml", sent.report("arf-abuse.eml", &user(5)));
    sent.ingest(&["arf.eml"]);
    let connections = sent.server.connections();

    // 1 complaint over 8 sent is far above 0.3 %.
    sent.next_advertisement(Table::new());
    sent.scratch
        .run(&["send", "ad.toml"])
        .expect_code(77)
        .stderr_has(&["complaint-rate guard", "12.50 %", "0.30 %"]);
    assert_eq!(
        sent.server.connections(),
        connections,
        "refused before connecting"
    );
    // A dry run says the same, as a warning.
    sent.scratch
        .run(&["send", "ad.toml", "--dry-run"])
        .expect_code(0)
        .stderr_has(&["a real send would be refused"]);
    // A notice is never held back.
    sent.campaign
        .clone()
        .id("notice-2")
        .saved_as("notice.toml")
        .write_to(&sent.scratch);
    sent.scratch.run(&["send", "notice.toml"]).expect_code(0);

    // Under a raised limit it goes, with a warning above 0.1 %.
    sent.next_advertisement(toml! { max_complaint_rate = 0.2 });
    let before = sent.server.received().len();
    sent.scratch
        .run(&["send", "ad.toml"])
        .expect_code(0)
        .stderr_has(&["0.1 %"]);
    // user005 complained: suppressed, so not mailed again.
    let ad_recipients: Vec<String> = sent
        .server
        .received()
        .iter()
        .skip(before)
        .map(|m| m.to[0].clone())
        .collect();
    assert_eq!(ad_recipients.len(), 7);
    assert!(!ad_recipients.contains(&user(5)));
}

#[test]
fn a_verp_return_path_traces_a_bounce_that_returns_nothing_of_the_message() {
    let sent = Sent::with(2, |campaign| campaign.set("sender.verp", true));
    let received = sent.server.received();
    let to_user1 = received.iter().find(|m| m.to[0] == user(1)).unwrap();
    let message = mail_parser::MessageParser::new()
        .parse(&to_user1.data)
        .unwrap();
    let unsubscribe = message.header_raw("List-Unsubscribe").unwrap();
    let token = unsubscribe
        .split(['<', '>'])
        .find(|p| p.starts_with("https://"))
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    assert_eq!(to_user1.from, format!("bounces+{token}@example.co.jp"));
    assert!(received.iter().all(|m| m.from.starts_with("bounces+")));

    // The remote server names a forwarding address and returns no headers.
    sent.scratch.write(
        "bare.eml",
        format!(
            "From: MAILER-DAEMON@mx.example.net\nTo: bounces+{token}@example.co.jp\n\
             Subject: failure notice\nMIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n\
             --b\nContent-Type: text/plain\n\nNo such user.\n\n\
             --b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n\
             Final-Recipient: rfc822; alias@forwarded.example.net\nAction: failed\nStatus: 5.1.1\n\n--b--\n"
        ),
    );
    let lines = sent.ingest(&["bare.eml"]);
    assert_eq!(lines[0]["action"], "suppressed", "{lines:?}");
    assert_eq!(lines[0]["email"], user(1).as_str());
    assert!(sent.suppressions().contains_key(&user(1)));
    assert!(!sent.suppressions().contains_key(&user(0)));
}

#[test]
fn a_bounce_that_traces_to_no_message_of_ours_is_only_kept_for_review() {
    let sent = Sent::new(1);
    sent.scratch.write(
        "backscatter.eml",
        std::fs::read_to_string(format!("{FIXTURES}/postfix-4.4.1-expired.eml"))
            .unwrap()
            .replace("{{RECIPIENT}}", "stranger@example.org")
            .replace("{{MESSAGE_ID}}", "forged@elsewhere.example")
            .replace("{{SERIAL}}", "9"),
    );
    let lines = sent.ingest(&["backscatter.eml"]);
    assert_eq!(lines[0]["action"], "unverified", "{lines:?}");
    assert_eq!(lines[0]["recipient"], "stranger@example.org");
    assert!(sent.suppressions().is_empty());
}

#[test]
fn truncated_and_random_inputs_never_crash_ingest() {
    let sent = Sent::new(1);
    let folder = sent.scratch.path("garbage");
    std::fs::create_dir_all(&folder).unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().into_string().unwrap();
        let full = sent.report(&name, &user(0)).replace("{{SERIAL}}", "1");
        let bytes = full.as_bytes();
        for cut in (0..bytes.len()).step_by(97) {
            std::fs::write(folder.join(format!("{name}.{cut}")), &bytes[..cut]).unwrap();
            count += 1;
        }
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for n in 0..200 {
        let noise: Vec<u8> = (0..(n * 13) % 4000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        std::fs::write(folder.join(format!("noise.{n}")), noise).unwrap();
        count += 1;
    }
    let lines = sent.ingest(&["garbage"]);
    assert!(lines.len() >= count, "one line per message at least");
}
