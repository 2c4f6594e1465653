//! Recipient lists as offices write them: encodings, quoting, malformed rows.

use crate::support::{Campaign, Scratch, line_of};

/// CP932 as Excel writes it: 髙 (FB FC), 橋 (8B B4), ① (87 40), ㈱ (87 8A).
const CP932_LIST: &[u8] = b"email,name,company\r\n\
    taka@example.jp,\xFB\xFC\x8B\xB4,\x87\x8A\x83\x54\x83\x93\x83\x76\x83\x8B\r\n\
    maru@example.jp,\x87\x40\x8E\x71,ok\r\n";

/// Reads the skipped file back (every row is skipped: no consent recorded).
fn skipped_rows(scratch: &Scratch) -> String {
    scratch
        .run(&["preview", "campaign.toml", "--skipped", "skipped.csv"])
        .expect_code(0);
    scratch.read("skipped.csv")
}

#[test]
fn cp932_is_decoded_when_named_and_when_detected() {
    for encoding in ["shift_jis", "auto", "cp932"] {
        let scratch = Campaign::new()
            .set("recipients.encoding", encoding)
            .rows(CP932_LIST)
            .build();
        let skipped = skipped_rows(&scratch);
        let line = |address: &str| line_of(CP932_LIST, address);
        assert!(
            skipped.contains(&format!(
                "{},no_consent,,taka@example.jp,髙橋,㈱サンプル",
                line("taka@example.jp")
            )),
            "{encoding}: {skipped}"
        );
        assert!(
            skipped.contains(&format!(
                "{},no_consent,,maru@example.jp,①子,ok",
                line("maru@example.jp")
            )),
            "{encoding}: {skipped}"
        );
    }
}

#[test]
fn utf8_with_bom_finds_the_first_column() {
    let rows = "\u{feff}email,name\r\na@example.jp,髙橋①\r\n";
    let scratch = Campaign::new().rows(rows).build();
    let skipped = skipped_rows(&scratch);
    let line = line_of(rows, "a@example.jp");
    assert!(
        skipped.contains(&format!("{line},no_consent,,a@example.jp,髙橋①")),
        "{skipped}"
    );
}

#[test]
fn quoted_commas_and_line_breaks_stay_in_their_field_and_lines_stay_true() {
    let rows = "email,name,note\na@example.jp,\"山田, 太郎\",\"一行目\n二行目\"\nbad,佐藤,x\n";
    let scratch = Campaign::new().rows(rows).build();
    let skipped = skipped_rows(&scratch);
    assert!(
        skipped.contains(&format!(
            "{},no_consent,,a@example.jp,\"山田, 太郎\",\"一行目\n二行目\"",
            line_of(rows, "a@example.jp")
        )),
        "{skipped}"
    );
    // The row after a two-line field is on the line after both of its lines.
    let bad = line_of(rows, "bad,佐藤");
    assert_eq!(bad, line_of(rows, "二行目") + 1);
    assert!(
        skipped.contains(&format!("{bad},invalid_address,")),
        "the row after a two-line field is on line {bad}: {skipped}"
    );
}

#[test]
fn a_malformed_row_stops_everything_naming_its_line() {
    let at = |rows: &[u8], row: &str| format!("recipients.csv:{}", line_of(rows, row));
    let rows = "email,name\na@example.jp,A\nb@example.jp,B,extra\n";
    let scratch = Campaign::new().rows(rows).build();
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[
            &at(rows.as_bytes(), "b@example.jp"),
            "3 fields but the header has 2",
        ]);

    let rows = b"email,name\na@example.jp,\xE9\xAB\x99\nb@example.jp,\x87\x40\n";
    scratch.write("recipients.csv", rows);
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[
            &at(rows, "b@example.jp"),
            "column \"name\" is not valid UTF-8",
        ]);

    let rows = "mail,name\na@example.jp,A\n";
    scratch.write("recipients.csv", rows);
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[
            &at(rows.as_bytes(), "mail,name"),
            "no column named \"email\"",
            "it has: mail, name",
        ]);
}

#[test]
fn the_address_column_can_be_renamed_and_idn_addresses_are_one_address() {
    let scratch = Campaign::new()
        .notice()
        .set("recipients.email_column", "メール")
        .rows("メール,name\ninfo@例え.jp,A\nINFO@xn--r8jz45g.jp,B\n")
        .build();
    let report = scratch.preview_json();
    assert_eq!(report["eligible"], 1);
    assert_eq!(report["skipped"]["duplicate"], 1);
}
