//! Recipient lists as offices write them: encodings, quoting, malformed rows.

use crate::support::{CAMPAIGN, Scratch};

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
        let scratch = Scratch::new();
        scratch.write("recipients.csv", CP932_LIST);
        scratch.write(
            "campaign.toml",
            CAMPAIGN.replace(
                "path = \"recipients.csv\"",
                &format!("path = \"recipients.csv\"\nencoding = \"{encoding}\""),
            ),
        );
        let skipped = skipped_rows(&scratch);
        assert!(
            skipped.contains("2,no_consent,,taka@example.jp,髙橋,㈱サンプル"),
            "{encoding}: {skipped}"
        );
        assert!(
            skipped.contains("3,no_consent,,maru@example.jp,①子,ok"),
            "{encoding}: {skipped}"
        );
    }
}

#[test]
fn utf8_with_bom_finds_the_first_column() {
    let scratch = Scratch::with_recipients("\u{feff}email,name\r\na@example.jp,髙橋①\r\n");
    let skipped = skipped_rows(&scratch);
    assert!(
        skipped.contains("2,no_consent,,a@example.jp,髙橋①"),
        "{skipped}"
    );
}

#[test]
fn quoted_commas_and_line_breaks_stay_in_their_field_and_lines_stay_true() {
    let scratch = Scratch::with_recipients(
        "email,name,note\na@example.jp,\"山田, 太郎\",\"一行目\n二行目\"\nbad,佐藤,x\n",
    );
    let skipped = skipped_rows(&scratch);
    assert!(
        skipped.contains("2,no_consent,,a@example.jp,\"山田, 太郎\",\"一行目\n二行目\""),
        "{skipped}"
    );
    assert!(
        skipped.contains("4,invalid_address,"),
        "the row after a two-line field is on line 4: {skipped}"
    );
}

#[test]
fn a_malformed_row_stops_everything_naming_its_line() {
    let scratch = Scratch::with_recipients("email,name\na@example.jp,A\nb@example.jp,B,extra\n");
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&["recipients.csv:3", "3 fields but the header has 2"]);

    scratch.write(
        "recipients.csv",
        b"email,name\na@example.jp,\xE9\xAB\x99\nb@example.jp,\x87\x40\n",
    );
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&["recipients.csv:3", "column \"name\" is not valid UTF-8"]);

    scratch.write("recipients.csv", "mail,name\na@example.jp,A\n");
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[
            "recipients.csv:1",
            "no column named \"email\"",
            "it has: mail, name",
        ]);
}

#[test]
fn the_address_column_can_be_renamed_and_idn_addresses_are_one_address() {
    let scratch = Scratch::new();
    scratch.write(
        "recipients.csv",
        "メール,name\ninfo@例え.jp,A\nINFO@xn--r8jz45g.jp,B\n",
    );
    scratch.write(
        "campaign.toml",
        CAMPAIGN
            .replace(
                "path = \"recipients.csv\"",
                "path = \"recipients.csv\"\nemail_column = \"メール\"",
            )
            .replace("\"advertisement\"", "\"notice\""),
    );
    let report = scratch.preview_json();
    assert_eq!(report["eligible"], 1);
    assert_eq!(report["skipped"]["duplicate"], 1);
}
