//! Consent records: import with rejections, revocation, export round trip.

use crate::support::{Campaign, Scratch, line_of};

const HEADER: &str = "email,list,basis,obtained_at,method,evidence\n";

fn export(scratch: &Scratch) -> String {
    let run = scratch.run(&["consent", "export"]);
    run.expect_code(0);
    run.stdout
}

#[test]
fn rows_without_time_or_method_are_rejected_by_line_and_nothing_is_imported() {
    let scratch = Scratch::new();
    let consent = format!(
        "{HEADER}a@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 1\n\
         b@example.jp,newsletter,opt-in,,web form,log 2\n\
         c@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,,log 3\n\
         d@example.jp,newsletter,opt-in,2025-04-01 10:00,web form,no offset\n\
         e@example.jp,newsletter,spam,2025-04-01T10:00:00+09:00,web form,bad basis\n\
         f@example.jp,newsletter,opt-in,2999-01-01T00:00:00Z,web form,future\n\
         g@example.jp,,opt-in,2025-04-01T10:00:00+09:00,web form,no list\n"
    );
    scratch.write("consent.csv", &consent);
    // consent.csv:LINE, the line of `who`'s row.
    let at = |who: &str| {
        format!(
            "consent.csv:{}",
            line_of(&consent, format!("{who}@example.jp"))
        )
    };
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(65)
        .stderr_has(&[
            &format!("{}: obtained_at is missing", at("b")),
            &format!("{}: method is missing", at("c")),
            &format!(
                "{}: obtained_at \"2025-04-01 10:00\" is not RFC 3339 with an offset",
                at("d")
            ),
            &format!("{}: basis \"spam\"", at("e")),
            &format!(
                "{}: obtained_at \"2999-01-01T00:00:00Z\" is in the future",
                at("f")
            ),
            &format!("{}: list is empty", at("g")),
            "nothing was imported",
            "--skip-invalid",
        ]);
    assert_eq!(
        export(&scratch),
        "email,list,basis,obtained_at,method,evidence,revoked_at,recorded_at,expires_at\n"
    );

    let run = scratch.run(&["consent", "import", "consent.csv", "--skip-invalid"]);
    run.expect_code(0)
        .stderr_has(&["6 rows rejected", &at("b")]);
    let exported = export(&scratch);
    assert_eq!(exported.lines().count(), 2, "{exported}");
    assert!(
        exported
            .contains("a@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 1,,")
    );
}

#[test]
fn an_old_consent_imported_after_an_opt_out_does_not_count() {
    let scratch = Campaign::new().rows("email,name\na@example.jp,A\n").build();
    let row = "a@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log 1\n";
    scratch.write("consent.csv", format!("{HEADER}{row}"));
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    assert_eq!(scratch.preview_json()["eligible"], 1);

    scratch
        .run(&["consent", "revoke", "A@example.jp"])
        .expect_code(0)
        .stderr_has(&["revoked 1"]);
    assert_eq!(scratch.preview_json()["skipped"]["no_consent"], 1);

    // The same record again, and an older one from another system: neither revives it.
    let older = "a@example.jp,newsletter,opt-in,2024-01-01T09:00:00+09:00,paper form,scan 9\n";
    scratch.write("consent.csv", format!("{HEADER}{row}{older}"));
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0)
        .stderr_has(&["1 new, 1 already recorded", "predate an opt-out"]);
    assert_eq!(scratch.preview_json()["skipped"]["no_consent"], 1);
    let history = scratch.run(&[
        "consent",
        "export",
        "--address",
        "a@example.jp",
        "--format",
        "json",
    ]);
    let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let consents = history["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 2);
    assert!(
        consents
            .iter()
            .all(|r| !r["revoked_at"].as_str().unwrap().is_empty())
    );
    assert_eq!(history["revocations"].as_array().unwrap().len(), 1);

    // A new opt-in given after the opt-out counts. (One given in the same second
    // does not: a tie goes to the opt-out.)
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
    let later = later.to_string();
    scratch
        .run(&[
            "consent",
            "add",
            "a@example.jp",
            "--list",
            "newsletter",
            "--basis",
            "opt-in",
            "--method",
            "web form",
            "--obtained-at",
            &later,
        ])
        .expect_code(0);
    assert_eq!(scratch.preview_json()["eligible"], 1);
}

#[test]
fn export_can_be_imported_again_unchanged() {
    let first = Scratch::new();
    first.write(
        "consent.csv",
        format!(
            "{HEADER}a@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,\"log 1, page 2\"\n\
             b@example.jp,*,published,2025-05-01T00:00:00Z,company website,https://example.jp/contact\n"
        ),
    );
    first
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    let exported = export(&first);
    let second = Scratch::new();
    second.write("consent.csv", &exported);
    second
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    // Every column but the time of recording, which differs between the
    // two stores (and more so on a slow machine).
    let strip_recorded = |s: &str| {
        let mut reader = csv::Reader::from_reader(s.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let recorded = headers.iter().position(|h| h == "recorded_at").unwrap();
        let keep = |record: &csv::StringRecord| -> Vec<String> {
            (0..record.len())
                .filter(|&i| i != recorded)
                .map(|i| record[i].to_owned())
                .collect()
        };
        let mut rows = vec![keep(&headers)];
        rows.extend(reader.records().map(|r| keep(&r.unwrap())));
        rows
    };
    assert_eq!(strip_recorded(&export(&second)), strip_recorded(&exported));
}

#[test]
fn cp932_consent_files_import() {
    let scratch = Campaign::new()
        .rows("email,name\ntaka@example.jp,T\n")
        .build();
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"taka@example.jp,newsletter,business-card,2025-04-01T10:00:00+09:00,\x96\xBC\x8E\x68\x8C\xF0\x8A\xB7,\xFB\xFC\x8B\xB4\r\n");
    scratch.write("consent.csv", bytes);
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    assert!(export(&scratch).contains("名刺交換,髙橋"));
    assert_eq!(scratch.preview_json()["eligible"], 1);
}

#[test]
fn a_consent_for_another_list_does_not_count() {
    let scratch = Campaign::new()
        .list("offers")
        .rows("email,name\na@example.jp,A\n")
        .build();
    scratch.write(
        "consent.csv",
        format!("{HEADER}a@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,\n"),
    );
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    assert_eq!(scratch.preview_json()["skipped"]["no_consent"], 1);
}

#[test]
fn consent_add_without_a_time_takes_the_fixed_clock_like_everything_else() {
    let scratch = Campaign::new().rows("email,name\na@example.jp,A\n").build();
    // HIKYAKU_NOW in the past: the default obtained_at is that time, not the
    // real clock's (which would be "in the future" of every other record).
    scratch
        .command(&[
            "consent",
            "add",
            "a@example.jp",
            "--list",
            "newsletter",
            "--basis",
            "opt-in",
            "--method",
            "web form",
        ])
        .env("HIKYAKU_NOW", "2025-04-01T10:00:00+09:00")
        .env("TZ", "Asia/Tokyo")
        .run()
        .expect_code(0);
    let exported = export(&scratch);
    assert!(
        exported.contains("2025-04-01T10:00:00+09:00") || exported.contains("2025-04-01T01:00:00Z"),
        "{exported}"
    );
}
