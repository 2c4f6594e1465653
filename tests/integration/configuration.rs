//! Every configuration error is refused with exit 78, naming file, line and key.

use toml::toml;

use crate::support::{Campaign, line_of};

/// The list every campaign here points at.
const ROWS: &str = "email\na@example.jp\n";

/// Asserts that `check` and `preview` refuse `campaign` with exit 78, their
/// message holding each of `expected`.
fn refused(campaign: &Campaign, expected: &[&str]) {
    refused_text(&campaign.text(), expected);
}

/// The same for a campaign file no builder would write.
fn refused_text(campaign: &str, expected: &[&str]) {
    let scratch = Campaign::new().rows(ROWS).build();
    scratch.write("campaign.toml", campaign);
    for command in ["check", "preview"] {
        scratch
            .run(&[command, "campaign.toml"])
            .expect_code(78)
            .stderr_has(expected);
    }
}

/// `campaign.toml:LINE`, the line of the value at `path`.
fn at(campaign: &Campaign, path: &str) -> String {
    format!("campaign.toml:{}", campaign.line_of(path))
}

#[test]
fn unknown_keys_are_named_with_their_line() {
    let campaign = Campaign::new().set("message.subjet", "typo");
    refused(
        &campaign,
        &[&at(&campaign, "message.subjet"), "unknown field `subjet`"],
    );
}

#[test]
fn wrong_types_and_syntax_errors_are_named_with_their_line() {
    let campaign = Campaign::new().set("kind", 3);
    refused(&campaign, &[&at(&campaign, "kind")]);
    let campaign = Campaign::new().set("kind", "advert");
    refused(&campaign, &[&at(&campaign, "kind"), "advertisement"]);
    // A table header left unclosed: not TOML, so written as text.
    let broken = format!(
        "{}\n[message\nsubject = \"{{{{ name }}}}様\"\ntext = \"body.txt\"\n",
        Campaign::new().remove("message").text()
    );
    refused_text(
        &broken,
        &[&format!("campaign.toml:{}", line_of(&broken, "[message"))],
    );
}

#[test]
fn missing_required_fields_are_named() {
    refused(
        &Campaign::new().remove("message.subject"),
        &["missing field `subject`"],
    );
    refused(&Campaign::new().remove("id"), &["missing field `id`"]);
}

#[test]
fn advertisements_without_the_legal_identity_are_refused_with_the_reason() {
    for key in ["organization", "postal_address", "contact"] {
        refused(
            &Campaign::new().remove(&format!("sender.{key}")),
            &[&format!("sender.{key}: is missing"), "特定電子メール法"],
        );
    }
    refused(
        &Campaign::new().remove("unsubscribe"),
        &["unsubscribe.url: is missing", "配信停止", "RFC 8058"],
    );
}

#[test]
fn a_password_in_the_file_is_refused_without_being_printed() {
    let campaign = Campaign::new()
        .set(
            "smtp",
            toml! {
                host = "smtp.example.co.jp"
                username = "news"
                password = "s3cret-pw"
            },
        )
        .rows(ROWS);
    let scratch = campaign.build();
    let run = scratch.run(&["check", "campaign.toml"]);
    run.expect_code(78).stderr_has(&[
        &at(&campaign, "smtp.password"),
        "smtp.password",
        "password_env",
        "password_file",
    ]);
    assert!(!run.stderr.contains("s3cret-pw") && !run.stdout.contains("s3cret-pw"));
}

#[test]
fn bad_values_are_named_with_their_line() {
    let campaign = Campaign::new().limits(toml! { rate = "fast" });
    refused(
        &campaign,
        &[&at(&campaign, "limits.rate"), "N/s, N/min or N/h"],
    );
    let campaign = Campaign::new().limits(toml! {
        domain_rates = { "docomo.ne.jp" = "30/week" }
    });
    refused(
        &campaign,
        &[&at(&campaign, "limits.domain_rates.\"docomo.ne.jp\"")],
    );
    let campaign = Campaign::new().limits(toml! {
        window = "9-20"
        timezone = "Asia/Tokyo"
    });
    refused(&campaign, &[&at(&campaign, "limits.window"), "HH:MM-HH:MM"]);
    let campaign = Campaign::new().limits(toml! {
        window = "09:00-20:00"
        timezone = "Asia/Nagoya"
    });
    refused(&campaign, &[&at(&campaign, "limits.timezone"), "time zone"]);
    let campaign = Campaign::new().set("unsubscribe.url", "http://example.co.jp/unsubscribe");
    refused(&campaign, &[&at(&campaign, "unsubscribe.url"), "https://"]);
    let campaign = Campaign::new().set("sender.from", "ASUE株式会社 <news@localhost>");
    refused(
        &campaign,
        &[&at(&campaign, "sender.from"), "sender.from", "no dot"],
    );
    let campaign = Campaign::new().id("test campaign");
    refused(&campaign, &[&at(&campaign, "id"), "id"]);
}

#[test]
fn missing_files_are_named_with_the_key_that_names_them() {
    let campaign = Campaign::new().rows("email\n");
    let scratch = campaign.build();
    std::fs::remove_file(scratch.path("recipients.csv")).unwrap();
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&[
            &format!("{}: recipients.path", at(&campaign, "recipients.path")),
            "does not exist",
        ]);
    scratch
        .run(&["preview", "nonexistent.toml"])
        .expect_code(78)
        .stderr_has(&["nonexistent.toml"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let campaign = Campaign::new()
        .remove("sender.organization")
        .remove("sender.contact");
    refused(&campaign, &["sender.organization", "sender.contact"]);
}

#[test]
fn a_login_without_tls_is_refused_except_to_a_relay_on_this_machine() {
    let smtp = |host: &str| {
        Campaign::new()
            .set(
                "smtp",
                toml! {
                    security = "none"
                    username = "news"
                    password_env = "HIKYAKU_TEST_SMTP_PASSWORD"
                },
            )
            .set("smtp.host", host)
            .approval(false)
            .rows(ROWS)
    };
    refused(
        &smtp("smtp.example.co.jp"),
        &["smtp.security", "clear text", "starttls"],
    );
    // send refuses too, before any connection (nothing listens there).
    let scratch = smtp("smtp.example.co.jp").build();
    scratch
        .command(&["send", "campaign.toml", "--yes"])
        .env("HIKYAKU_TEST_SMTP_PASSWORD", "pw")
        .run()
        .expect_code(78)
        .stderr_has(&["clear text"]);
    // To this machine, a login without TLS is allowed.
    for host in ["127.0.0.1", "localhost", "::1"] {
        let scratch = smtp(host).build();
        let run = scratch.run(&["check", "campaign.toml"]);
        assert!(!run.stderr.contains("clear text"), "{host}: {}", run.stderr);
    }
}
