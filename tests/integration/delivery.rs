//! Delivery over SMTP to the test server on 127.0.0.1: journal states, resume
//! after SIGKILL, pace, window, cap, lock, and an unsubscribe during the run.

use std::time::Duration;

use hikyaku::store::journal::DeliveryState;
use toml::toml;

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::{
    Campaign, busiest_second, delivered_once, finish, journal_state, line_of, recipients,
};

#[test]
fn every_recipient_gets_one_message_byte_exact_and_the_journal_says_sent() {
    let server = SmtpServer::start();
    let csv = recipients(20, "example.jp");
    let scratch = Campaign::delivery(&server).rows(&csv).build();
    scratch
        .run(&[
            "preview",
            "campaign.toml",
            "--out",
            "preview",
            "--sample",
            "1",
        ])
        .expect_code(0);
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let received = server.received();
    assert_eq!(received.len(), 20);
    let mut to: Vec<String> = received.iter().map(|m| m.to.join(",")).collect();
    to.sort();
    to.dedup();
    assert_eq!(
        to.len(),
        20,
        "one message per recipient, one recipient per message"
    );
    assert!(
        received.iter().all(|m| m.from == "bounces@example.co.jp"),
        "envelope sender is return_path"
    );
    // What arrived is what preview wrote for that recipient, byte for byte (but the date).
    // The file is named after the row's line in the list.
    let line = line_of(&csv, "user000@example.jp");
    let preview =
        std::fs::read(scratch.path(&format!("preview/{line:06}_user000@example.jp.eml"))).unwrap();
    let arrived = received
        .iter()
        .find(|m| m.to == ["user000@example.jp"])
        .unwrap();
    let strip_date = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .filter(|l| !l.starts_with("Date:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip_date(&arrived.data), strip_date(&preview));
    assert_eq!(
        journal_state(&scratch, "user007@example.jp"),
        Some(DeliveryState::Sent)
    );
    let log = std::fs::read_to_string(scratch.path("store.test-campaign.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 20);
    let event: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(event["state"], "sent");
    assert!(
        event["smtp_reply"].as_str().unwrap().starts_with("250"),
        "{event}"
    );

    // A second run sends nothing more.
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(server.received().len(), 20);
}

#[test]
fn each_reply_leads_to_its_journal_state() {
    let server = SmtpServer::start();
    server.rule(
        "user001@example.jp",
        Behaviour::RcptReply(550, "5.1.1 no such user"),
    );
    server.rule(
        "user002@example.jp",
        Behaviour::DataReply(554, "5.7.1 rejected as spam"),
    );
    server.rule(
        "user003@example.jp",
        Behaviour::RcptReply(451, "4.7.1 greylisted, try later"),
    );
    server.rule("user004@example.jp", Behaviour::DropAfterData);
    server.rule("user005@example.jp", Behaviour::DropBeforeData);
    let scratch = Campaign::delivery(&server)
        .limits(toml! { retry_attempts = 2 })
        .rows(recipients(8, "example.jp"))
        .build();
    let run = scratch.run(&["send", "campaign.toml"]);
    run.expect_code(75);
    use DeliveryState::*;
    assert_eq!(journal_state(&scratch, "user000@example.jp"), Some(Sent));
    assert_eq!(journal_state(&scratch, "user001@example.jp"), Some(Failed));
    assert_eq!(journal_state(&scratch, "user002@example.jp"), Some(Failed));
    assert_eq!(
        journal_state(&scratch, "user003@example.jp"),
        Some(Deferred)
    );
    assert_eq!(journal_state(&scratch, "user004@example.jp"), Some(Unknown));
    assert_eq!(
        journal_state(&scratch, "user005@example.jp"),
        Some(Deferred),
        "dropped before DATA: not sent, tried again later"
    );
    // The 5.1.1 is now suppressed as a hard bounce; the spam refusal is not.
    let store = scratch.store();
    assert!(
        store
            .is_suppressed("user001@example.jp", "newsletter")
            .unwrap()
    );
    assert!(
        !store
            .is_suppressed("user002@example.jp", "newsletter")
            .unwrap()
    );
    let entry = store
        .journal_entry("test-campaign", "user003@example.jp")
        .unwrap()
        .unwrap();
    assert_eq!(
        entry.attempts, 2,
        "retried within the run up to retry_attempts"
    );
    assert!(entry.smtp_reply.unwrap().starts_with("451"));
    drop(store);

    // The next run retries the deferred ones and never the unknown one.
    server.clear_rule("user003@example.jp");
    server.clear_rule("user005@example.jp");
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(journal_state(&scratch, "user003@example.jp"), Some(Sent));
    assert_eq!(journal_state(&scratch, "user005@example.jp"), Some(Sent));
    assert_eq!(journal_state(&scratch, "user004@example.jp"), Some(Unknown));
    assert_eq!(server.unacknowledged(), ["user004@example.jp"]);
    assert!(
        !server
            .recipients()
            .contains(&"user004@example.jp".to_owned())
    );

    // Only when asked.
    server.clear_rule("user004@example.jp");
    scratch
        .run(&["send", "campaign.toml", "--retry-unknown"])
        .expect_code(0);
    assert_eq!(journal_state(&scratch, "user004@example.jp"), Some(Sent));
}

#[test]
fn an_unreachable_relay_is_exit_69_with_nothing_journaled() {
    let server = SmtpServer::start();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let scratch = Campaign::delivery(&server)
        .set("smtp.port", i64::from(port))
        .rows(recipients(3, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(69)
        .stderr_has(&["127.0.0.1"]);
    assert_eq!(
        journal_state(&scratch, "user000@example.jp"),
        None,
        "still pending"
    );
}

#[test]
fn bad_input_never_half_sends() {
    let server = SmtpServer::start();
    let mut csv = recipients(30, "example.jp");
    csv.push_str("user999@example.jp\n");
    let scratch = Campaign::delivery(&server).rows(&csv).build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[&format!(
            "recipients.csv:{}",
            line_of(&csv, "user999@example.jp")
        )]);
    let csv = recipients(30, "example.jp");
    scratch.write("recipients.csv", &csv);
    scratch.write(
        "body.txt",
        "{% if email == \"user029@example.jp\" %}{{ missing }}{% endif %}\n",
    );
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[&format!(
            "recipients.csv line {}",
            line_of(&csv, "user029@example.jp")
        )]);
    assert_eq!(
        server.connections(),
        0,
        "no SMTP connection before every message rendered"
    );
}

#[test]
fn sending_needs_the_relay_and_an_approval() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .approval(true)
        .rows(recipients(2, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(77)
        .stderr_has(&["approval"]);
    // The default campaign: no [smtp] at all.
    Campaign::new().write_to(&scratch);
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["[smtp] is missing"]);
    assert_eq!(server.connections(), 0);
}

/// Asserts nobody got two copies; returns who got one.
#[test]
fn sigkill_mid_transaction_leaves_it_unknown_and_never_resends() {
    let server = SmtpServer::start();
    server.rule("user010@example.jp", Behaviour::Hold);
    let scratch = Campaign::delivery(&server)
        .limits(toml! { rate = "200/s" })
        .rows(recipients(30, "example.jp"))
        .build();
    let mut child = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(
        server.wait_until_holding(Duration::from_secs(30)),
        "the held transaction started"
    );
    child.kill().unwrap();
    finish(child);
    assert_eq!(
        journal_state(&scratch, "user010@example.jp"),
        Some(DeliveryState::Sending)
    );
    // On a loaded machine the other connection may have been mid-transaction
    // too: whoever was in flight at the kill stays unknown, never resent.
    let in_flight: Vec<String> = (0..30)
        .map(|i| format!("user{i:03}@example.jp"))
        .filter(|email| journal_state(&scratch, email) == Some(DeliveryState::Sending))
        .collect();
    // The relay accepts the held message after all: it was delivered once.
    assert!(server.release_and_wait(Duration::from_secs(30)));
    server.clear_rule("user010@example.jp");
    let before_rerun = server.recipients();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let got = delivered_once(&[&server]);
    for i in 0..30 {
        let email = format!("user{i:03}@example.jp");
        if in_flight.contains(&email) {
            assert_eq!(
                got.contains(&email),
                before_rerun.contains(&email),
                "{email} was in flight at the kill: the re-run never resends it"
            );
            assert_eq!(
                journal_state(&scratch, &email),
                Some(DeliveryState::Sending),
                "{email} stays unknown"
            );
        } else {
            assert!(
                got.contains(&email),
                "{email} was sent on the re-run: {got:?}"
            );
        }
    }
    assert!(
        got.contains(&"user010@example.jp".to_owned()),
        "the held one, once"
    );
}

#[test]
fn sigkill_at_any_moment_duplicates_nothing() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .limits(toml! { rate = "100/s" })
        .rows(recipients(40, "example.jp"))
        .build();
    for kill_after in [3, 11, 24] {
        let mut child = scratch.command(&["send", "campaign.toml"]).spawn();
        assert!(server.wait_for_messages(kill_after, Duration::from_secs(30)));
        child.kill().unwrap();
        finish(child);
        delivered_once(&[&server]);
    }
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let got = delivered_once(&[&server]);
    // Whoever was cut off mid-transaction by a kill stays in doubt, never resent.
    let store = scratch.store();
    let in_doubt: Vec<String> = (0..40)
        .map(|i| format!("user{i:03}@example.jp"))
        .filter(|e| {
            matches!(
                store
                    .journal_entry("test-campaign", e)
                    .unwrap()
                    .map(|j| j.state),
                Some(DeliveryState::Sending | DeliveryState::Unknown)
            )
        })
        .collect();
    assert!(
        in_doubt.len() <= 3 * 2,
        "at most the in-flight ones per kill: {in_doubt:?}"
    );
    assert_eq!(
        got.len() + in_doubt.iter().filter(|e| !got.contains(e)).count(),
        40
    );
}

#[test]
fn sigterm_finishes_what_is_in_flight_and_exits_75() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .limits(toml! { rate = "20/s" })
        .rows(recipients(40, "example.jp"))
        .build();
    let child = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(server.wait_for_messages(4, Duration::from_secs(30)));
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let run = finish(child);
    run.expect_code(75).stderr_has(&["interrupted"]);
    let counts = scratch.store().journal_counts("test-campaign").unwrap();
    let sending = counts
        .iter()
        .find(|(s, _)| *s == DeliveryState::Sending)
        .unwrap()
        .1;
    assert_eq!(sending, 0, "nothing left in doubt: {counts:?}");
    let sent = counts
        .iter()
        .find(|(s, _)| *s == DeliveryState::Sent)
        .unwrap()
        .1 as usize;
    assert_eq!(sent, server.received().len());
    assert!(sent < 40);
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(delivered_once(&[&server]).len(), 40);
}

#[test]
fn a_second_send_of_the_same_campaign_is_refused_with_the_holder() {
    let server = SmtpServer::start();
    server.rule("user000@example.jp", Behaviour::Hold);
    let scratch = Campaign::delivery(&server)
        .rows(recipients(3, "example.jp"))
        .build();
    let first = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(server.wait_until_holding(Duration::from_secs(30)));
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(75)
        .stderr_has(&["already being sent by process", &first.id().to_string()]);
    server.release();
    finish(first).expect_code(0);
    assert_eq!(delivered_once(&[&server]).len(), 3);
}

#[test]
fn an_unsubscribe_during_the_run_stops_the_next_send_to_that_address() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows(recipients(30, "example.jp"))
        .build();
    // The store is checked just before each transaction. The server holds
    // every transaction after the third; once both connections are held,
    // exactly the received and held messages were admitted, and every other
    // recipient is still to be checked.
    server.hold_after(3);
    let child = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(server.wait_until_holding_count(2, Duration::from_secs(30)));
    let admitted: Vec<String> = server
        .recipients()
        .into_iter()
        .chain(server.held())
        .collect();
    assert_eq!(admitted.len(), 5, "{admitted:?}");
    let unsubscribed = (0..30)
        .rev()
        .map(|i| format!("user{i:03}@example.jp"))
        .find(|address| !admitted.contains(address))
        .unwrap();
    scratch
        .run(&["suppress", "add", &unsubscribed, "--reason", "unsubscribe"])
        .expect_code(0);
    server.release();
    finish(child).expect_code(0);
    let got = delivered_once(&[&server]);
    assert!(!got.contains(&unsubscribed), "{got:?}");
    assert_eq!(got.len(), 29);
    assert_eq!(journal_state(&scratch, &unsubscribed), None);
    let log = std::fs::read_to_string(scratch.path("store.test-campaign.jsonl")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains(unsubscribed.as_str()) && l.contains("\"skipped\"")),
        "{log}"
    );
}

#[test]
fn the_global_rate_holds_over_every_second_and_on_average() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .limits(toml! { rate = "20/s" })
        .rows(recipients(61, "example.jp"))
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let mut times: Vec<_> = server.received().iter().map(|m| m.at).collect();
    times.sort();
    assert_eq!(times.len(), 61);
    assert!(
        busiest_second(&times) <= 20 + 2,
        "at most rate + connections in any second: {}",
        busiest_second(&times)
    );
    let span = times[60].duration_since(times[0]).as_secs_f64();
    let rate = 60.0 / span;
    assert!(
        (rate - 20.0).abs() / 20.0 <= 0.03,
        "average {rate:.2}/s is not within 3 % of 20/s"
    );
}

#[test]
fn a_slow_domain_does_not_stall_the_fast_ones() {
    let server = SmtpServer::start();
    // The slow domain's rows come first: a queue that made the fast ones
    // wait behind them would send the fast ones after the slow ones.
    let mut csv = String::from("email,name\n");
    for i in 0..4 {
        csv.push_str(&format!("slow{i}@slow.example,Slow\n"));
    }
    csv.push_str(recipients(30, "fast.example").trim_start_matches("email,name\n"));
    let scratch = Campaign::delivery(&server)
        .limits(toml! { domain_rates = { "slow.example" = "2/s" } })
        .rows(csv)
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let received = server.received();
    let fast_done = received
        .iter()
        .filter(|m| m.to[0].ends_with("fast.example"))
        .map(|m| m.at)
        .max()
        .unwrap();
    let mut slow: Vec<_> = received
        .iter()
        .filter(|m| m.to[0].ends_with("slow.example"))
        .map(|m| m.at)
        .collect();
    slow.sort();
    assert_eq!(slow.len(), 4);
    assert!(
        fast_done < slow[3],
        "the fast domain waited for the slow one's pace: its last message came after the slow domain's last"
    );
    for pair in slow.windows(2) {
        assert!(
            pair[1].duration_since(pair[0]) >= Duration::from_millis(450),
            "slow domain too fast"
        );
    }
}

#[test]
fn outside_the_window_nothing_is_sent() {
    let server = SmtpServer::start();
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let start = (now.hour() as i32 + 2) % 24;
    let window = format!("{start:02}:00-{:02}:00", (start + 1) % 24);
    let scratch = Campaign::delivery(&server)
        .limits(toml! { timezone = "UTC" })
        .set("limits.window", window)
        .rows(recipients(3, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(75)
        .stderr_has(&["outside the send window"]);
    assert_eq!(server.connections(), 0);
}

#[test]
fn a_scheduled_start_holds_the_send_until_its_time() {
    let server = SmtpServer::start();
    let campaign = Campaign::delivery(&server)
        .limits(toml! {
            not_before = "2026-12-01T10:00:00+09:00"
            timezone = "Asia/Tokyo"
        })
        .rows(recipients(3, "example.jp"));
    let scratch = campaign.build();
    // An hour before: nothing leaves, and cron is told to come back.
    scratch
        .command(&["send", "campaign.toml"])
        .env("HIKYAKU_NOW", "2026-12-01T09:00:00+09:00")
        .run()
        .expect_code(75)
        .stderr_has(&[
            "scheduled to start at 2026-12-01 10:00 +09:00",
            "nothing was sent",
        ]);
    assert_eq!(server.connections(), 0);
    // Once the time has come, it sends.
    scratch
        .command(&["send", "campaign.toml"])
        .env("HIKYAKU_NOW", "2026-12-01T10:00:00+09:00")
        .run()
        .expect_code(0);
    assert_eq!(server.received().len(), 3);

    campaign
        .set("limits.not_before", "2026-12-01 10:00")
        .write_to(&scratch);
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["limits.not_before", "with an offset"]);
}

#[test]
fn the_per_run_cap_leaves_the_rest_for_the_next_run() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .limits(toml! { max_per_run = 5 })
        .rows(recipients(12, "example.jp"))
        .build();
    let run = scratch.run(&["send", "campaign.toml"]);
    run.expect_code(75);
    assert!(
        run.stdout.contains("7 left for the next run"),
        "{}",
        run.stdout
    );
    assert_eq!(server.received().len(), 5);
    scratch
        .run(&["send", "campaign.toml", "--limit", "3"])
        .expect_code(75);
    assert_eq!(server.received().len(), 8);
    // The last four fit under the cap: the campaign is done.
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(delivered_once(&[&server]).len(), 12);
}

#[test]
fn too_many_permanent_failures_stop_the_run() {
    let server = SmtpServer::start();
    // Eight refusals at the head of the list: whichever way the compose
    // workers interleave the rows, more than 2 land within 20 attempts.
    for i in 0..8 {
        server.rule(
            &format!("user{i:03}@example.jp"),
            Behaviour::RcptReply(550, "5.7.1 refused"),
        );
    }
    let scratch = Campaign::delivery(&server)
        .limits(toml! {
            rate = "50/s"
            max_failure_rate = 0.1
            failure_window = 20
        })
        .rows(recipients(40, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(75)
        .stderr_has(&["failed permanently", "max_failure_rate"]);
    assert!(server.received().len() < 32, "stopped early");
}

#[test]
fn a_slow_server_is_waited_for() {
    let server = SmtpServer::start();
    server.rule(
        "user001@example.jp",
        Behaviour::Slow(Duration::from_millis(700)),
    );
    let scratch = Campaign::delivery(&server)
        .rows(recipients(4, "example.jp"))
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(delivered_once(&[&server]).len(), 4);
}

#[test]
fn status_and_report_say_where_every_recipient_stands() {
    let server = SmtpServer::start();
    server.rule(
        "user001@example.jp",
        Behaviour::RcptReply(550, "5.1.1 no such user"),
    );
    server.rule(
        "user002@example.jp",
        Behaviour::RcptReply(451, "4.7.1 try later"),
    );
    let mut csv = recipients(5, "example.jp");
    csv.push_str("broken-address,X\n");
    let scratch = Campaign::delivery(&server)
        .limits(toml! {
            retry_attempts = 1
            max_per_run = 4
        })
        .rows(csv)
        .build();
    scratch
        .run(&["suppress", "add", "user004@example.jp"])
        .expect_code(0);
    scratch.run(&["send", "campaign.toml"]).expect_code(75);

    let run = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    run.expect_code(0);
    let status: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(status["sent"], 2, "{status}");
    assert_eq!(status["failed"], 1);
    assert_eq!(status["deferred"], 1);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["unknown"], 0);
    assert_eq!(
        status["skipped"], 2,
        "the suppressed and the invalid row: {status}"
    );

    let report = scratch.run(&["report", "campaign.toml"]);
    report.expect_code(0);
    let lines: Vec<&str> = report.stdout.lines().collect();
    assert_eq!(lines[0], "email,state,reason,smtp_reply,updated_at,relay");
    assert_eq!(lines.len(), 7);
    // A lone [smtp] relay is named by its host and port.
    let relay = format!("127.0.0.1:{}", server.port());
    assert!(
        lines[1].ends_with(&format!(",{relay}")),
        "{}",
        report.stdout
    );
    assert!(
        lines[1].starts_with("user000@example.jp,sent,,250 "),
        "{}",
        report.stdout
    );
    assert!(
        lines[2].starts_with("user001@example.jp,failed,,550 5.1.1 no such user,20"),
        "{}",
        report.stdout
    );
    assert!(
        lines[3].starts_with("user002@example.jp,deferred,,451 "),
        "{}",
        report.stdout
    );
    assert!(
        report
            .stdout
            .contains("user004@example.jp,skipped,suppressed,,"),
        "{}",
        report.stdout
    );
    assert!(
        report
            .stdout
            .contains("broken-address,skipped,invalid_address: there is no @,,"),
        "{}",
        report.stdout
    );
}

/// A tiny CA and a leaf for 127.0.0.1: the server's TLS config and the CA's PEM.
fn test_tls() -> (std::sync::Arc<rustls::ServerConfig>, String) {
    let certificates = crate::certificates::Certificates::for_names(&["127.0.0.1"]);
    (certificates.server_config(), certificates.ca_pem)
}

/// `[smtp]` over TLS (`security`) trusting the test CA, saved as `ca.pem`,
/// and logging in with the password in HIKYAKU_TEST_SMTP_PASSWORD.
fn with_login(campaign: Campaign, security: &str, ca_pem: &str) -> Campaign {
    campaign
        .set("smtp.security", security)
        .set("smtp.ca_file", "ca.pem")
        .set("smtp.username", "news")
        .set("smtp.password_env", "HIKYAKU_TEST_SMTP_PASSWORD")
        .file("ca.pem", ca_pem)
}

#[test]
fn starttls_and_auth_with_a_password_from_the_environment() {
    let (tls, ca_pem) = test_tls();
    let server = SmtpServer::start_with(Some(tls));
    let scratch = with_login(Campaign::delivery(&server), "starttls", &ca_pem)
        .rows(recipients(3, "example.jp"))
        .build();
    let missing = scratch
        .command(&["send", "campaign.toml"])
        .env_remove("HIKYAKU_TEST_SMTP_PASSWORD")
        .run();
    missing
        .expect_code(78)
        .stderr_has(&["HIKYAKU_TEST_SMTP_PASSWORD", "not set"]);

    let run = scratch
        .command(&["send", "campaign.toml"])
        .env("HIKYAKU_TEST_SMTP_PASSWORD", "s3cret-pw")
        .run();
    run.expect_code(0);
    assert!(!run.stdout.contains("s3cret-pw") && !run.stderr.contains("s3cret-pw"));
    let received = server.received();
    assert_eq!(received.len(), 3);
    assert!(
        received.iter().all(|m| m.tls),
        "every message went over TLS"
    );
    assert!(
        server.logins().iter().all(|l| l == "news:s3cret-pw"),
        "{:?}",
        server.logins()
    );
    let log = std::fs::read_to_string(scratch.path("store.test-campaign.jsonl")).unwrap();
    assert!(!log.contains("s3cret-pw"));
}

#[test]
fn implicit_tls_sends_every_message_over_tls_on_our_own_socket() {
    let (tls, ca_pem) = test_tls();
    let server = SmtpServer::start_implicit_tls(tls);
    let scratch = with_login(Campaign::delivery(&server), "tls", &ca_pem)
        .rows(recipients(200, "example.jp"))
        .build();
    scratch
        .command(&["send", "campaign.toml"])
        .env("HIKYAKU_TEST_SMTP_PASSWORD", "pw")
        .run()
        .expect_code(0);
    let received = server.received();
    assert_eq!(received.len(), 200);
    assert!(
        received.iter().all(|m| m.tls),
        "every message went over TLS"
    );
    assert!(server.logins().iter().all(|l| l == "news:pw"));
}

#[test]
fn a_certificate_nobody_vouches_for_is_refused() {
    let (tls, _) = test_tls();
    let server = SmtpServer::start_with(Some(tls));
    let scratch = Campaign::delivery(&server)
        .set("smtp.security", "starttls")
        .rows(recipients(2, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(69)
        .stderr_has(&["TLS"]);
    assert!(server.received().is_empty());
    assert_eq!(journal_state(&scratch, "user000@example.jp"), None);
}

#[test]
fn duplicate_rows_get_one_message_when_the_journal_catches_them() {
    let server = SmtpServer::start();
    let mut csv = recipients(6, "example.jp");
    csv.push_str("USER001@EXAMPLE.JP,Again\nuser003@example.jp,Again\n");
    let scratch = Campaign::delivery(&server).rows(csv).build();
    let run = scratch.run(&["send", "campaign.toml"]);
    run.expect_code(0);
    assert_eq!(delivered_once(&[&server]).len(), 6);
    assert!(run.stdout.contains("skipped 2"), "{}", run.stdout);
}
