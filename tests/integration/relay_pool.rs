//! Several relays: three of the project's own SMTP servers on 127.0.0.1 as
//! one `[[smtp]]` pool. Messages are spread by weight, a relay that stops or
//! answers 421 is set aside and its share goes to the others, nothing is
//! delivered twice across relays, the pace holds across the pool, and
//! `--shard K/N` splits a list into disjoint parts.

use std::collections::BTreeMap;
use std::time::Duration;

use hikyaku::store::journal::DeliveryState;
use toml::toml;

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::{
    Campaign, Scratch, busiest_second, delivered_once, finish_within, journal_state, recipients,
};

fn status_json(scratch: &Scratch) -> serde_json::Value {
    let run = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    run.expect_code(0);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn messages_are_spread_by_weight_and_every_record_names_its_relay() {
    let (main, backup, peak) = (
        SmtpServer::start(),
        SmtpServer::start(),
        SmtpServer::start(),
    );
    let scratch = Campaign::delivery(&main)
        .pool(&[
            (&main, "main", 2),
            (&backup, "backup", 1),
            (&peak, "peak", 1),
        ])
        .rows(recipients(3000, "example.jp"))
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(delivered_once(&[&main, &backup, &peak]).len(), 3000);
    for (server, weight) in [(&main, 2.0), (&backup, 1.0), (&peak, 1.0)] {
        let share = server.received().len() as f64 / 3000.0;
        assert!(
            (share - weight / 4.0).abs() <= 0.05,
            "share {share:.3} for weight {weight} of 4"
        );
    }

    // `report` names the relay of every recipient, as the servers saw it.
    let report = scratch.run(&["report", "campaign.toml", "--format", "json"]);
    report.expect_code(0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&report.stdout).unwrap();
    let mut by_relay: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows {
        *by_relay
            .entry(row["relay"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(by_relay["main"], main.received().len());
    assert_eq!(by_relay["backup"], backup.received().len());
    assert_eq!(by_relay["peak"], peak.received().len());

    // So do the JSON Lines log and `status`.
    let log = std::fs::read_to_string(scratch.path("store.test-campaign.jsonl")).unwrap();
    assert!(log.lines().all(|line| {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        ["main", "backup", "peak"].contains(&event["relay"].as_str().unwrap())
    }));
    let status = status_json(&scratch);
    let relays = status["relays"].as_array().unwrap();
    assert_eq!(relays.len(), 3, "{status}");
    let sent: u64 = relays.iter().map(|r| r["sent"].as_u64().unwrap()).sum();
    assert_eq!(sent, 3000);
}

#[test]
fn a_relay_stopped_mid_run_loses_only_what_was_in_flight_and_resends_nothing() {
    let (a, b, c) = (
        SmtpServer::start(),
        SmtpServer::start(),
        SmtpServer::start(),
    );
    // Once b has taken 20 messages it holds the next ones unanswered.
    b.hold_after(20);
    let scratch = Campaign::delivery(&a)
        .pool(&[(&a, "a", 1), (&b, "b", 1), (&c, "c", 1)])
        .rows(recipients(300, "example.jp"))
        .build();
    let child = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(
        b.wait_until_holding(Duration::from_secs(30)),
        "b never got busy"
    );
    b.stop();
    let run = finish_within(child, Duration::from_secs(120));
    run.expect_code(0);

    // In flight: the transactions b held, and any cut while its body was
    // on the wire. The journal calls them unknown, and no relay got them again.
    let delivered = delivered_once(&[&a, &b, &c]);
    let unknown: Vec<String> = (0..300)
        .map(|i| format!("user{i:03}@example.jp"))
        .filter(|email| journal_state(&scratch, email) == Some(DeliveryState::Unknown))
        .collect();
    assert!(!unknown.is_empty(), "the held transactions were cut");
    for email in b.unacknowledged() {
        assert!(unknown.contains(&email), "{email} was held, so unknown");
    }
    for email in &unknown {
        assert!(!delivered.contains(email), "{email} was resent");
        let entry = scratch
            .store()
            .journal_entry("test-campaign", email)
            .unwrap();
        assert_eq!(entry.unwrap().relay, "b", "{email}");
    }
    assert_eq!(
        delivered.len() + unknown.len(),
        300,
        "all but the in-flight ones delivered"
    );
    let status = status_json(&scratch);
    let set_aside = status["relays_set_aside"].as_array().unwrap();
    assert!(
        set_aside.iter().any(|p| p["relay"] == "b"),
        "b was set aside: {status}"
    );
    assert!(run.stderr.contains("relay b set aside"), "{}", run.stderr);
}

#[test]
fn a_relay_back_from_a_stop_gets_work_again_after_its_back_off() {
    let (a, b) = (SmtpServer::start(), SmtpServer::start());
    b.stop();
    let scratch = Campaign::delivery(&a)
        .pool(&[(&a, "a", 1), (&b, "b", 1)])
        // Paced, so that the run outlasts b's back-off.
        .limits(toml! { retry_delay = "10ms" relay_backoff = "1s" rate = "100/s" })
        .rows(recipients(400, "example.jp"))
        .build();
    let child = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(
        b.wait_for_connections(1, Duration::from_secs(30)),
        "b was never tried"
    );
    b.restart();
    let run = finish_within(child, Duration::from_secs(120));
    run.expect_code(0);
    assert_eq!(delivered_once(&[&a, &b]).len(), 400);
    assert!(!b.received().is_empty(), "b got nothing after its back-off");
    assert!(b.connections() >= 2, "b was tried again");
    let status = status_json(&scratch);
    let set_aside = status["relays_set_aside"].as_array().unwrap();
    assert!(
        set_aside
            .iter()
            .any(|p| p["relay"] == "b" && p["seconds"] == 1),
        "b was set aside for its first back-off: {status}"
    );
}

#[test]
fn a_hung_relay_holds_up_only_its_own_messages() {
    let (a, hung) = (SmtpServer::start(), SmtpServer::start());
    // Every transaction to `hung` waits for a reply that does not come
    // until the test lets it.
    hung.hold_after(0);
    let scratch = Campaign::delivery(&a)
        .pool(&[(&a, "a", 1), (&hung, "hung", 1)])
        .rows(recipients(300, "example.jp"))
        .build();
    let child = scratch.command(&["send", "campaign.toml"]).spawn();
    // Its two connections hold one message each, and one waits for it.
    assert!(
        a.wait_for_messages(300 - 3, Duration::from_secs(60)),
        "the other relay was held up: {} delivered",
        a.received().len()
    );
    assert!(hung.received().is_empty());
    hung.release();
    finish_within(child, Duration::from_secs(60)).expect_code(0);
    assert_eq!(delivered_once(&[&a, &hung]).len(), 300);
}

#[test]
fn a_relay_with_its_own_rate_is_slowed_alone() {
    let (limited, free) = (SmtpServer::start(), SmtpServer::start());
    let scratch = Campaign::delivery(&limited)
        .pool(&[(&limited, "limited", 1), (&free, "free", 1)])
        .relay(0, "rate", "5/s")
        .rows(recipients(60, "example.jp"))
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(delivered_once(&[&limited, &free]).len(), 60);
    let mut times: Vec<_> = limited.received().iter().map(|m| m.at).collect();
    times.sort();
    assert!(
        times.len() < 30,
        "the limited relay kept its share: {}",
        times.len()
    );
    for pair in times.windows(2) {
        assert!(
            pair[1].duration_since(pair[0]) >= Duration::from_millis(180),
            "faster than its own 5/s"
        );
    }
}

#[test]
fn a_relay_that_answers_421_mid_session_is_set_aside_and_its_message_goes_elsewhere() {
    let (a, throttling) = (SmtpServer::start(), SmtpServer::start());
    let rows = recipients(40, "example.jp");
    for i in 0..40 {
        throttling.rule(
            &format!("user{i:03}@example.jp"),
            Behaviour::RcptReply(421, "4.7.0 Too many connections, try later"),
        );
    }
    let scratch = Campaign::delivery(&a)
        .pool(&[(&a, "a", 1), (&throttling, "throttling", 1)])
        .rows(rows)
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert!(throttling.received().is_empty());
    assert_eq!(delivered_once(&[&a]).len(), 40);
    let status = status_json(&scratch);
    assert!(
        status["relays_set_aside"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["relay"] == "throttling"
                && p["reason"].as_str().unwrap().starts_with("421")),
        "{status}"
    );
    assert_eq!(status["sent"], 40, "{status}");
}

#[test]
fn with_every_relay_stopped_the_run_exits_69_and_leaves_everyone_pending() {
    let (a, b) = (SmtpServer::start(), SmtpServer::start());
    a.stop();
    b.stop();
    let scratch = Campaign::delivery(&a)
        .pool(&[(&a, "a", 1), (&b, "b", 1)])
        .rows(recipients(10, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(69)
        .stderr_has(&["every relay of the pool is set aside"]);
    assert_eq!(journal_state(&scratch, "user000@example.jp"), None);
    let status = status_json(&scratch);
    assert_eq!(status["pending"], 10, "{status}");
}

#[test]
fn a_relay_that_greets_with_421_is_set_aside() {
    let (a, busy) = (SmtpServer::start(), SmtpServer::start());
    busy.greet_with("421 4.3.2 Service not available, closing transmission channel");
    let scratch = Campaign::delivery(&a)
        .pool(&[(&a, "a", 1), (&busy, "busy", 1)])
        .rows(recipients(40, "example.jp"))
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert!(busy.received().is_empty());
    assert!(busy.connections() >= 1, "busy was tried");
    assert_eq!(delivered_once(&[&a]).len(), 40);
    let status = status_json(&scratch);
    let set_aside = status["relays_set_aside"].as_array().unwrap();
    assert!(
        set_aside
            .iter()
            .any(|p| p["relay"] == "busy" && p["reason"].as_str().unwrap().contains("421")),
        "{status}"
    );
}

#[test]
fn the_global_rate_holds_across_the_pool() {
    let servers = [
        SmtpServer::start(),
        SmtpServer::start(),
        SmtpServer::start(),
    ];
    let scratch = Campaign::delivery(&servers[0])
        .pool(&[
            (&servers[0], "one", 1),
            (&servers[1], "two", 1),
            (&servers[2], "three", 1),
        ])
        .limits(toml! { retry_delay = "10ms" rate = "20/s" })
        .rows(recipients(61, "example.jp"))
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let mut times: Vec<_> = servers
        .iter()
        .flat_map(|s| s.received())
        .map(|m| m.at)
        .collect();
    times.sort();
    assert_eq!(times.len(), 61);
    assert!(servers.iter().all(|s| !s.received().is_empty()));
    assert!(
        busiest_second(&times) <= 20 + 2,
        "at most rate + connections in any second: {}",
        busiest_second(&times)
    );
    let rate = 60.0 / times[60].duration_since(times[0]).as_secs_f64();
    assert!(
        (rate - 20.0).abs() / 20.0 <= 0.03,
        "{rate:.2}/s across the pool"
    );
}

/// The recipients of the .eml files in `dir`, from their names.
fn recipients_in(scratch: &Scratch, dir: &str) -> Vec<String> {
    std::fs::read_dir(scratch.path(dir))
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let (_, address) = name.trim_end_matches(".eml").split_once('_').unwrap();
            address.to_owned()
        })
        .collect()
}

/// The unsubscribe URL of the first message in `dir`.
fn a_link_in(scratch: &Scratch, dir: &str) -> String {
    let entry = std::fs::read_dir(scratch.path(dir))
        .unwrap()
        .next()
        .unwrap();
    let bytes = std::fs::read(entry.unwrap().path()).unwrap();
    let message = mail_parser::MessageParser::new().parse(&bytes).unwrap();
    let header = message.header_raw("List-Unsubscribe").unwrap();
    let url = header
        .split(['<', '>'])
        .find(|part| part.starts_with("https://"))
        .unwrap();
    url.to_owned()
}

/// The status of a GET of `token`'s page from `serve` on `store`.
fn page_status(scratch: &Scratch, store: &str, token: &str) -> u16 {
    let serving = scratch
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .env("HIKYAKU_STORE", scratch.path(store))
        .serve();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent
        .get(&format!("{}/unsubscribe/{token}", serving.base))
        .call()
        .expect("an HTTP response");
    response.status().as_u16()
}

#[test]
fn shards_cover_the_list_once_and_each_store_honours_only_its_own_tokens() {
    let scratch = Campaign::new()
        .notice()
        .rows(recipients(300, "example.jp"))
        .build();
    let mut parts = Vec::new();
    for k in 1..=3 {
        let (shard, store, out) = (format!("{k}/3"), format!("host{k}.db"), format!("out{k}"));
        scratch
            .command(&[
                "send",
                "campaign.toml",
                "--dry-run",
                "--out",
                &out,
                "--shard",
                &shard,
            ])
            .env("HIKYAKU_STORE", scratch.path(&store))
            .run()
            .expect_code(0);
        parts.push(recipients_in(&scratch, &out));
    }
    assert!(
        parts.iter().all(|part| part.len() > 50),
        "parts of about a third"
    );
    let mut all: Vec<String> = parts.concat();
    all.sort();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(unique, all, "no address in two parts");
    let expected: Vec<String> = (0..300).map(|i| format!("user{i:03}@example.jp")).collect();
    assert_eq!(all, expected, "the parts together are the whole list");

    // Each part's links carry its number, for the proxy to route them to
    // the host that issued them; each host resolves its own tokens only.
    let link = a_link_in(&scratch, "out1");
    assert!(
        link.starts_with("https://example.co.jp/unsubscribe/1/"),
        "{link}"
    );
    assert!(a_link_in(&scratch, "out3").starts_with("https://example.co.jp/unsubscribe/3/"));
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(page_status(&scratch, "host1.db", token), 200);
    assert_eq!(page_status(&scratch, "host2.db", token), 404);

    scratch
        .run(&["send", "campaign.toml", "--dry-run", "--shard", "4/3"])
        .expect_code(2)
        .stderr_has(&["K must be between 1 and N"]);
}

#[test]
fn a_host_sends_its_part_and_keeps_to_it() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows(recipients(90, "example.jp"))
        .build();
    scratch
        .run(&[
            "send",
            "campaign.toml",
            "--dry-run",
            "--out",
            "part",
            "--shard",
            "2/3",
        ])
        .expect_code(0);
    let mut part = recipients_in(&scratch, "part");
    part.sort();
    scratch
        .run(&["send", "campaign.toml", "--shard", "2/3"])
        .expect_code(0);
    assert_eq!(
        delivered_once(&[&server]),
        part,
        "the real send sends the same part"
    );
    // The whole list, or another part, from the same store would mail
    // recipients journaled on other hosts.
    for other in [&["--shard", "1/3"][..], &[]] {
        let mut args = vec!["send", "campaign.toml"];
        args.extend_from_slice(other);
        scratch
            .run(&args)
            .expect_code(77)
            .stderr_has(&["this store sent part 2/3"]);
    }
    assert_eq!(server.received().len(), part.len());
}
