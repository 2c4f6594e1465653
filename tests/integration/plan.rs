//! Every row ends up eligible or skipped with exactly one reason.

use hikyaku::store::journal::{Admission, DeliveryState};
use hikyaku::store::suppression::Suppression;

use crate::support::{Campaign, Run, line_of};

const CONSENT: &str = "email,list,basis,obtained_at,method,evidence
ok@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 1
star@example.jp,*,business-card,2025-04-01T10:00:00+09:00,trade show,card 7
sent@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 2
global@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 3
listed@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 4
other-list@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 5
revoked@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 6
";

const RECIPIENTS: &str = "email,name
ok@example.jp,有効
star@example.jp,全リスト同意
OK@EXAMPLE.JP,重複
not an address,無効
user@localhost,ドットなし
global@example.jp,全体停止
listed@example.jp,リスト停止
other-list@example.jp,他リスト停止
nobody@example.jp,同意なし
revoked@example.jp,撤回済み
sent@example.jp,送信済み
";

fn suppression(email: &str, list: &str) -> Suppression {
    Suppression {
        email: email.into(),
        list: list.into(),
        reason: "test".into(),
        source: "test".into(),
        created_at: 1,
    }
}

#[test]
fn each_skip_reason_is_counted_once_per_row() {
    let scratch = Campaign::new().rows(RECIPIENTS).build();
    scratch.write("consent.csv", CONSENT);
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    scratch
        .run(&[
            "consent",
            "revoke",
            "revoked@example.jp",
            "--list",
            "newsletter",
        ])
        .expect_code(0);
    scratch
        .run(&["suppress", "add", "global@example.jp"])
        .expect_code(0);
    scratch
        .run(&[
            "suppress",
            "add",
            "listed@example.jp",
            "--list",
            "newsletter",
        ])
        .expect_code(0);
    scratch
        .run(&[
            "suppress",
            "add",
            "other-list@example.jp",
            "--list",
            "offers",
        ])
        .expect_code(0);
    let mut store = scratch.store();
    // Journaled as a send does it: admitted, then settled.
    let mut journal = |campaign: &str, email: &str| {
        let admitted = store
            .admit(
                campaign,
                "newsletter",
                email,
                ("m@example.jp", "relay"),
                false,
                false,
                1,
            )
            .unwrap();
        assert_eq!(admitted, Admission::Go);
        store
            .settle(campaign, email, DeliveryState::Sent, ("250 ok", "relay"), 1)
            .unwrap();
    };
    journal("test-campaign", "sent@example.jp");
    // A journal row of another campaign does not count for this one.
    journal("other-campaign", "ok@example.jp");
    drop(store);

    let report = scratch.preview_json();
    assert_eq!(report["campaign"], "test-campaign");
    assert_eq!(report["total_rows"], 11);
    assert_eq!(report["eligible"], 3, "ok, star and other-list: {report}");
    let skipped = &report["skipped"];
    assert_eq!(skipped["duplicate"], 1);
    assert_eq!(skipped["invalid_address"], 2);
    assert_eq!(skipped["suppressed"], 2, "global and this list's: {report}");
    assert_eq!(skipped["no_consent"], 2, "nobody and revoked: {report}");
    assert_eq!(skipped["already_sent"], 1);
    assert_eq!(report["digest"].as_str().unwrap().len(), 64);
}

#[test]
fn skipped_file_names_line_reason_and_keeps_the_columns() {
    let scratch = Campaign::new().rows(RECIPIENTS).build();
    scratch.write("consent.csv", CONSENT);
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    let run = scratch.run(&["preview", "campaign.toml", "--skipped", "skipped.csv"]);
    run.expect_code(0);
    assert!(run.stdout.contains("eligible"), "{}", run.stdout);
    let skipped = scratch.read("skipped.csv");
    let skipped = skipped.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let lines: Vec<&str> = skipped.lines().collect();
    assert_eq!(lines[0], "line,reason,detail,email,name");
    // Each row is named by its line in the list.
    let line = |row: &str| line_of(RECIPIENTS, row);
    assert_eq!(
        lines[1],
        format!("{},duplicate,,OK@EXAMPLE.JP,重複", line("OK@EXAMPLE.JP"))
    );
    assert!(
        lines[2].starts_with(&format!("{},invalid_address,", line("not an address"))),
        "{}",
        lines[2]
    );
    assert!(
        lines.contains(
            &format!("{},no_consent,,nobody@example.jp,同意なし", line("nobody@")).as_str()
        ),
        "{skipped}"
    );
}

#[test]
fn notices_need_no_consent_but_respect_suppression() {
    let scratch = Campaign::new()
        .notice()
        .rows("email,name\na@example.jp,A\nb@example.jp,B\n")
        .build();
    scratch
        .store()
        .suppress(&suppression("b@example.jp", "*"))
        .unwrap();
    let report = scratch.preview_json();
    assert_eq!(report["eligible"], 1);
    assert_eq!(report["skipped"]["suppressed"], 1);
    assert_eq!(report["skipped"]["no_consent"], 0);
}

#[test]
fn the_digest_follows_the_recipient_list_but_not_the_store() {
    let scratch = Campaign::new().rows("email\na@example.jp\n").build();
    let first = scratch.preview_json()["digest"].clone();
    scratch
        .run(&["suppress", "add", "a@example.jp"])
        .expect_code(0);
    assert_eq!(scratch.preview_json()["digest"], first);
    scratch.write("recipients.csv", "email\na@example.jp\nb@example.jp\n");
    assert_ne!(scratch.preview_json()["digest"], first);
}

#[test]
fn check_validates_every_row_and_says_ok() {
    let scratch = Campaign::new().rows("email,name\na@example.jp,A\n").build();
    let run = scratch.run(&["check", "campaign.toml"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("recipients.csv: 1 rows"),
        "{}",
        run.stdout
    );
    let rows = "email,name\na@example.jp,A\nb@example.jp\n";
    scratch.write("recipients.csv", rows);
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[&format!("recipients.csv:{}", line_of(rows, "b@example.jp"))]);
}

#[test]
fn the_store_comes_from_the_flag_then_the_environment_then_the_campaign() {
    let scratch = Campaign::new()
        .set("store", "from-campaign.db")
        .rows("email\na@example.jp\n")
        .build();
    let store_of = |run: Run| {
        run.expect_code(0);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        report["store"].as_str().unwrap().to_owned()
    };
    let args = ["preview", "campaign.toml", "--format", "json"];
    let with_env = store_of(
        scratch
            .command(&args)
            .env("HIKYAKU_STORE", "from-env.db")
            .run(),
    );
    assert!(with_env.ends_with("from-env.db"), "{with_env}");
    let with_flag = store_of(
        scratch
            .command(&[&args[..], &["--store", "from-flag.db"]].concat())
            .env("HIKYAKU_STORE", "from-env.db")
            .run(),
    );
    assert!(with_flag.ends_with("from-flag.db"), "{with_flag}");
    let from_campaign = store_of(scratch.command(&args).env_remove("HIKYAKU_STORE").run());
    assert!(
        from_campaign.ends_with("from-campaign.db"),
        "{from_campaign}"
    );
    assert!(scratch.path("from-campaign.db").exists());
}
