//! `consent purge` keeps what 特定電子メール法 says must be kept, on clocks the
//! test sets (HIKYAKU_NOW): one month after the last advertisement, one year
//! under a legal hold; records that still count are never touched.

use crate::smtp_server::SmtpServer;
use crate::support::{Campaign, Run, Scratch, recipients};

fn at(scratch: &Scratch, now: &str, args: &[&str]) -> Run {
    scratch.command(args).env("HIKYAKU_NOW", now).run()
}

fn purge(scratch: &Scratch, now: &str) -> serde_json::Value {
    let run = at(scratch, now, &["consent", "purge", "--format", "json"]);
    run.expect_code(0);
    serde_json::from_str(&run.stdout).unwrap()
}

fn decisions(report: &serde_json::Value) -> Vec<(String, bool)> {
    report["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["email"].as_str().unwrap().to_owned(),
                !r["kept"].is_null(),
            )
        })
        .collect()
}

#[test]
fn purge_keeps_a_month_after_the_last_advertisement_and_a_year_under_hold() {
    let server = SmtpServer::start();
    // An advertisement, sent over as many connections as hikyaku opens by default.
    let scratch = Campaign::new()
        .smtp(&server)
        .remove("smtp.connections")
        .approval(false)
        .rows(recipients(3, "example.jp"))
        .build();
    let mut consent = String::from("email,list,basis,obtained_at,method,evidence\n");
    for n in 0..3 {
        consent.push_str(&format!(
            "user{n:03}@example.jp,newsletter,opt-in,2026-01-05T10:00:00+09:00,web form,log {n}\n"
        ));
    }
    // A fourth person who consented and opted out but was never mailed.
    consent.push_str("never@example.jp,newsletter,opt-in,2026-01-05T10:00:00+09:00,event,card\n");
    scratch.write("consent.csv", consent);
    at(
        &scratch,
        "2026-01-06T00:00:00Z",
        &["consent", "import", "consent.csv"],
    )
    .expect_code(0);

    // The advertisement goes out on 1 March.
    at(
        &scratch,
        "2026-03-01T09:00:00+09:00",
        &["send", "campaign.toml"],
    )
    .expect_code(0);
    assert_eq!(server.received().len(), 3);

    // Two of them opt out on 5 March; one is under a legal hold.
    for who in [
        "user000@example.jp",
        "user001@example.jp",
        "never@example.jp",
    ] {
        at(
            &scratch,
            "2026-03-05T12:00:00+09:00",
            &["consent", "revoke", who],
        )
        .expect_code(0);
    }
    at(
        &scratch,
        "2026-03-05T12:00:00+09:00",
        &[
            "consent",
            "hold",
            "user001@example.jp",
            "--note",
            "措置命令",
        ],
    )
    .expect_code(0);

    // 20 March: both mailed records are within the month; the never-mailed one may go.
    let report = purge(&scratch, "2026-03-20T00:00:00+09:00");
    assert_eq!(
        decisions(&report),
        [
            ("never@example.jp".into(), false),
            ("user000@example.jp".into(), true),
            ("user001@example.jp".into(), true),
        ]
    );
    let kept = &report["records"][1]["kept"];
    assert_eq!(kept["last_advertisement"], "2026-03-01T00:00:00Z");
    assert_eq!(kept["until"], "2026-04-01T00:00:00Z");
    assert_eq!(
        report["records"][2]["kept"]["until"],
        "2027-03-01T00:00:00Z"
    );

    // The readable output says what was kept and why.
    let text = at(
        &scratch,
        "2026-03-21T00:00:00+09:00",
        &["consent", "purge", "--dry-run"],
    );
    text.expect_code(0);
    assert!(text.stdout.contains(
        "kept     user000@example.jp list newsletter (revoked): last advertisement 2026-03-01T00:00:00Z, kept until 2026-04-01T00:00:00Z (one month)"
    ), "{}", text.stdout);
    assert!(
        text.stdout.contains("(legal hold: one year)"),
        "{}",
        text.stdout
    );

    // 2 April: past the month; the held one stays.
    let report = purge(&scratch, "2026-04-02T00:00:00+09:00");
    assert_eq!(
        decisions(&report),
        [
            ("user000@example.jp".into(), false),
            ("user001@example.jp".into(), true),
        ]
    );
    // 2 March 2027: past the year.
    let report = purge(&scratch, "2027-03-02T00:00:00+09:00");
    assert_eq!(decisions(&report), [("user001@example.jp".into(), false)]);

    // What still counts was never touched, and the opt-outs outlive the purge:
    // re-importing the old records does not revive anyone.
    let export = at(
        &scratch,
        "2027-03-02T00:00:00+09:00",
        &["consent", "export"],
    );
    assert!(export.stdout.contains("user002@example.jp"));
    assert!(!export.stdout.contains("user000@example.jp"));
    at(
        &scratch,
        "2027-03-02T00:00:00+09:00",
        &["consent", "import", "consent.csv"],
    )
    .expect_code(0);
    let preview = at(
        &scratch,
        "2027-03-02T00:00:00+09:00",
        &["preview", "campaign.toml", "--format", "json"],
    );
    let preview: serde_json::Value = serde_json::from_str(&preview.stdout).unwrap();
    assert_eq!(preview["skipped"]["no_consent"], 2);

    // The history still tells the whole story of a purged person.
    let history = at(
        &scratch,
        "2027-03-02T00:00:00+09:00",
        &["consent", "export", "--address", "user000@example.jp"],
    );
    history.expect_code(0);
    assert!(
        history
            .stdout
            .contains("opt-outs:\n  2026-03-05T03:00:00Z  every list"),
        "{}",
        history.stdout
    );
    assert!(
        history
            .stdout
            .contains("last advertisement: 2026-03-01T00:00:00Z")
    );
}

#[test]
fn an_expired_consent_stops_counting_and_an_unreadable_clock_is_refused() {
    let scratch = Campaign::new().rows("email,name\na@example.jp,A\n").build();
    scratch.write(
        "consent.csv",
        "email,list,basis,obtained_at,method,expires_at\n\
         a@example.jp,newsletter,opt-in,2026-01-01T00:00:00+09:00,campaign form,2026-02-01T00:00:00+09:00\n",
    );
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    assert_eq!(scratch.preview_json()["skipped"]["no_consent"], 1);
    let report = purge(&scratch, "2026-11-01T00:00:00Z");
    assert_eq!(report["records"][0]["no_longer_counts"], "expired");
    assert_eq!(report["purged"], 1);

    at(&scratch, "yesterday", &["status", "campaign.toml"])
        .expect_code(2)
        .stderr_has(&["HIKYAKU_NOW"]);
}
