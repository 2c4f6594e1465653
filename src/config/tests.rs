//! The campaign file's checks, on files written to a temporary folder.

use super::*;
use crate::csv_input::Encoding;

/// Writes the files a minimal campaign refers to and returns its folder.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.txt"), "本文").unwrap();
    std::fs::write(dir.path().join("list.csv"), "email\n").unwrap();
    dir
}

const VALID: &str = r#"
id = "2026-12-news"
kind = "advertisement"
list = "newsletter"

[sender]
from = "ASUE株式会社 <news@example.co.jp>"
organization = "ASUE株式会社"
postal_address = "〒450-0002 愛知県名古屋市"
contact = "052-000-0000"

[message]
subject = "{{ name }}様"
text = "body.txt"

[recipients]
path = "list.csv"

[unsubscribe]
url = "https://example.co.jp/unsubscribe"
"#;

fn load(dir: &tempfile::TempDir, source: &str) -> Result<Campaign, ConfigError> {
    Campaign::from_source(&dir.path().join("campaign.toml"), source)
}

fn problems(dir: &tempfile::TempDir, source: &str) -> String {
    load(dir, source).unwrap_err().to_string()
}

#[test]
fn loads_a_minimal_campaign_with_defaults() {
    let dir = folder();
    let campaign = load(&dir, VALID).unwrap();
    assert_eq!(campaign.recipients.email_column, "email");
    assert_eq!(campaign.recipients.encoding, Encoding::Auto);
    assert_eq!(campaign.recipients.path, dir.path().join("list.csv"));
    assert!(campaign.approval.required);
    assert_eq!(campaign.approval.min_approvers, 1);
    assert_eq!(campaign.envelope_sender().as_str(), "news@example.co.jp");
}

#[test]
fn names_file_line_and_key_of_unknown_keys() {
    let dir = folder();
    let text = VALID.replace("text = \"body.txt\"", "text = \"body.txt\"\nsubjct = \"x\"");
    let message = problems(&dir, &text);
    assert!(message.contains("campaign.toml:15"), "{message}");
    assert!(message.contains("unknown field `subjct`"), "{message}");
}

#[test]
fn reports_every_missing_identity_field_with_the_law() {
    let dir = folder();
    let text = VALID
        .replace("organization = \"ASUE株式会社\"\n", "")
        .replace("contact = \"052-000-0000\"\n", "contact = \"  \"\n");
    let message = problems(&dir, &text);
    assert!(
        message.contains("sender.organization: is missing"),
        "{message}"
    );
    assert!(
        message.contains("campaign.toml:9: sender.contact: must not be empty"),
        "{message}"
    );
    assert!(message.contains("特定電子メール法"), "{message}");
    // A notice needs no identity fields.
    let notice = text.replace("kind = \"advertisement\"", "kind = \"notice\"");
    assert!(load(&dir, &notice).is_ok());
}

#[test]
fn refuses_a_password_in_the_file() {
    let dir = folder();
    let text = format!(
        "{VALID}\n[smtp]\nhost = \"smtp.example.co.jp\"\nusername = \"u\"\npassword = \"hunter2\"\n"
    );
    let message = problems(&dir, &text);
    assert!(
        message.contains("smtp.password: a password may not be written"),
        "{message}"
    );
    assert!(message.contains("password_env"), "{message}");
    assert!(
        !message.contains("hunter2"),
        "the password leaked: {message}"
    );
}

#[test]
fn refuses_bad_values_at_their_lines() {
    let dir = folder();
    let text = format!("{VALID}\n[limits]\nrate = \"10/day\"\n");
    let message = problems(&dir, &text);
    assert!(message.contains("campaign.toml:23"), "{message}");
    assert!(message.contains("unknown unit"), "{message}");

    let text = VALID.replace(
        "https://example.co.jp/unsubscribe",
        "http://example.co.jp/u",
    );
    assert!(problems(&dir, &text).contains("must be an https:// URL"));

    let text = VALID.replace("body.txt", "missing.txt");
    let message = problems(&dir, &text);
    assert!(
        message.contains("campaign.toml:14: message.text"),
        "{message}"
    );

    let text = format!("{VALID}\n[limits]\nwindow = \"09:00-20:00\"\n");
    assert!(problems(&dir, &text).contains("needs limits.timezone"));

    let text = VALID.replace("kind = \"advertisement\"", "kind = \"advert\"");
    assert!(problems(&dir, &text).contains("campaign.toml:3"));
}

#[test]
fn dkim_alignment_follows_the_organizational_domain() {
    assert!(aligned("example.co.jp", "mail.example.co.jp"));
    assert!(aligned("news.example.co.jp", "example.co.jp"));
    assert!(!aligned("co.jp", "example.co.jp"));
    assert!(!aligned("example.jp", "example.co.jp"));
    assert!(!aligned("other.co.jp", "example.co.jp"));
}

#[test]
fn resolves_smtp_defaults() {
    let dir = folder();
    let text = format!("{VALID}\n[smtp]\nhost = \"smtp.example.co.jp\"\nsecurity = \"tls\"\n");
    let smtp = load(&dir, &text).unwrap().relays.remove(0);
    assert_eq!((smtp.port, smtp.connections), (465, 4));
    assert_eq!(smtp.password, PasswordSource::None);
}

#[test]
fn a_pool_names_each_relay_and_its_mistakes() {
    let dir = folder();
    let pool = "\n[[smtp]]\nname = \"main\"\nhost = \"mx1.example.co.jp\"\nsecurity = \"tls\"\nweight = 2\nrate = \"50/s\"\n\
                [[smtp]]\nhost = \"mx2.example.co.jp\"\nsecurity = \"tls\"\n";
    let relays = load(&dir, &format!("{VALID}{pool}")).unwrap().relays;
    let summary: Vec<(&str, u32, bool)> = relays
        .iter()
        .map(|r| (r.name.as_str(), r.weight, r.rate.is_some()))
        .collect();
    assert_eq!(
        summary,
        [("main", 2, true), ("mx2.example.co.jp:465", 1, false)]
    );

    // A misspelt key keeps its line in a pool too.
    let text = format!("{VALID}{pool}[[smtp]]\nhots = \"mx3.example.co.jp\"\n");
    let line = text.lines().position(|l| l.starts_with("hots")).unwrap() + 1;
    let message = problems(&dir, &text);
    assert!(message.contains("unknown field `hots`"), "{message}");
    assert!(message.contains(&format!(":{line}")), "{message}");

    // And in a lone [smtp].
    let text = format!("{VALID}\n[smtp]\nhost = \"mx1.example.co.jp\"\nhots = \"x\"\n");
    let line = text.lines().position(|l| l.starts_with("hots")).unwrap() + 1;
    let message = problems(&dir, &text);
    assert!(message.contains(&format!(":{line}")), "{message}");

    // Two relays of one name, and a weight of 0, are each named.
    let text = format!(
        "{VALID}\n[[smtp]]\nname = \"a\"\nhost = \"mx1.example.co.jp\"\nsecurity = \"tls\"\n\
         [[smtp]]\nname = \"a\"\nhost = \"mx2.example.co.jp\"\nsecurity = \"tls\"\nweight = 0\n"
    );
    let message = problems(&dir, &text);
    assert!(message.contains("smtp[2].name"), "{message}");
    assert!(message.contains("smtp[2].weight"), "{message}");
}
