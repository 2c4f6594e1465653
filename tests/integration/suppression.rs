//! The suppression list: scope, import, export.

use crate::support::{Campaign, Scratch, line_of};

fn notice_campaign(scratch: &Scratch, list: &str) {
    Campaign::new().notice().list(list).write_to(scratch);
}

#[test]
fn a_global_entry_covers_every_list_and_a_list_entry_only_its_own() {
    let scratch = Campaign::new()
        .rows("email,name\nglobal@example.jp,G\nnews@example.jp,N\n")
        .build();
    scratch
        .run(&["suppress", "add", "Global@Example.jp"])
        .expect_code(0);
    scratch
        .run(&["suppress", "add", "news@example.jp", "--list", "newsletter"])
        .expect_code(0);

    notice_campaign(&scratch, "newsletter");
    let report = scratch.preview_json();
    assert_eq!(
        (
            report["eligible"].as_u64(),
            report["skipped"]["suppressed"].as_u64()
        ),
        (Some(0), Some(2))
    );

    notice_campaign(&scratch, "offers");
    let report = scratch.preview_json();
    assert_eq!(
        (
            report["eligible"].as_u64(),
            report["skipped"]["suppressed"].as_u64()
        ),
        (Some(1), Some(1))
    );

    scratch
        .run(&["suppress", "remove", "global@example.jp"])
        .expect_code(0);
    assert_eq!(scratch.preview_json()["eligible"], 2);
}

#[test]
fn import_takes_list_and_reason_columns_and_rejects_bad_rows_by_line() {
    let scratch = Scratch::new();
    let csv = "email,list,reason,extra\na@example.jp,,unsubscribe,x\nb@example.jp,newsletter,,y\nnot-an-address,,,z\n";
    scratch.write("suppress.csv", csv);
    scratch
        .run(&["suppress", "import", "suppress.csv"])
        .expect_code(65)
        .stderr_has(&[
            &format!(
                "suppress.csv:{}: email \"not-an-address\"",
                line_of(csv, "not-an-address")
            ),
            "nothing was imported",
        ]);
    scratch
        .run(&["suppress", "import", "suppress.csv", "--skip-invalid"])
        .expect_code(0);
    let run = scratch.run(&["suppress", "export"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "email,list,reason,source,created_at");
    assert!(
        lines[1].starts_with("a@example.jp,*,unsubscribe,import,20"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("b@example.jp,newsletter,import,import,20"),
        "{}",
        run.stdout
    );
    assert_eq!(lines.len(), 3);

    // The export re-imports into an empty store unchanged.
    let other = Scratch::new();
    other.write("suppress.csv", &run.stdout);
    other
        .run(&["suppress", "import", "suppress.csv"])
        .expect_code(0);
    let again = other.run(&["suppress", "export"]);
    let without_time = |s: &str| {
        s.lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_owned())
            .collect::<Vec<_>>()
    };
    let mut expected = without_time(&run.stdout);
    // Re-imported entries come from an import.
    expected[1] = expected[1].clone();
    assert_eq!(without_time(&again.stdout), expected);
}

#[test]
fn list_filters_and_formats() {
    let scratch = Scratch::new();
    scratch
        .run(&["suppress", "add", "a@example.jp", "b@example.jp"])
        .expect_code(0);
    scratch
        .run(&[
            "suppress",
            "add",
            "c@example.jp",
            "--list",
            "newsletter",
            "--reason",
            "asked",
        ])
        .expect_code(0);
    let run = scratch.run(&["suppress", "list", "--global", "--format", "json"]);
    let entries: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 2);
    let run = scratch.run(&["suppress", "list", "--list", "newsletter"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with("email"), "{}", run.stdout);
    assert!(
        run.stdout.contains("c@example.jp") && !run.stdout.contains("a@example.jp"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_arguments_write_nothing() {
    let scratch = Scratch::new();
    scratch
        .run(&["suppress", "add", "ok@example.jp", "broken@"])
        .expect_code(65)
        .stderr_has(&["\"broken@\" is not a usable address"]);
    scratch
        .run(&["suppress", "add", "a@example.jp", "--list", "bad list"])
        .expect_code(2)
        .stderr_has(&["\"bad list\" is not a valid list name"]);
    let run = scratch.run(&["suppress", "export"]);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    scratch.run(&["suppress", "frobnicate"]).expect_code(2);
}

#[test]
fn export_since_gives_what_other_hosts_have_not_seen() {
    let scratch = Scratch::new();
    let at = |time: &str, address: &str| {
        scratch
            .command(&["suppress", "add", address])
            .env("HIKYAKU_NOW", time)
            .run()
            .expect_code(0);
    };
    at("2026-12-01T09:00:00+09:00", "early@example.jp");
    at("2026-12-01T11:00:00+09:00", "late@example.jp");
    let since = |since: &str| {
        let run = scratch
            .command(&["suppress", "export", "--since", since])
            .env("HIKYAKU_NOW", "2026-12-01T12:00:00+09:00")
            .run();
        run.expect_code(0);
        run.stdout
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(since("2026-12-01T10:00:00+09:00"), ["late@example.jp"]);
    assert_eq!(since("2h"), ["late@example.jp"]);
    assert_eq!(since("4h"), ["early@example.jp", "late@example.jp"]);
    scratch
        .run(&["suppress", "export", "--since", "yesterday-ish"])
        .expect_code(2)
        .stderr_has(&["a span back from now"]);
}
