//! Every configuration error is refused with exit 78, naming file, line and key.

use crate::support::{CAMPAIGN, Scratch};

fn refused(campaign: &str, expected: &[&str]) {
    let scratch = Scratch::with_recipients("email\na@example.jp\n");
    scratch.write("campaign.toml", campaign);
    for command in ["check", "preview"] {
        scratch
            .run(&[command, "campaign.toml"])
            .expect_code(78)
            .stderr_has(expected);
    }
}

#[test]
fn unknown_keys_are_named_with_their_line() {
    refused(
        &CAMPAIGN.replace(
            "text = \"body.txt\"",
            "text = \"body.txt\"\nsubjet = \"typo\"",
        ),
        &["campaign.toml:14", "unknown field `subjet`"],
    );
}

#[test]
fn wrong_types_and_syntax_errors_are_named_with_their_line() {
    refused(
        &CAMPAIGN.replace("kind = \"advertisement\"", "kind = 3"),
        &["campaign.toml:2"],
    );
    refused(
        &CAMPAIGN.replace("kind = \"advertisement\"", "kind = \"advert\""),
        &["campaign.toml:2", "advertisement"],
    );
    refused(
        &CAMPAIGN.replace("[message]", "[message"),
        &["campaign.toml:11"],
    );
}

#[test]
fn missing_required_fields_are_named() {
    refused(
        &CAMPAIGN.replace("subject = \"{{ name }}様\"\n", ""),
        &["missing field `subject`"],
    );
    refused(
        &CAMPAIGN.replace("id = \"test-campaign\"\n", ""),
        &["missing field `id`"],
    );
}

#[test]
fn advertisements_without_the_legal_identity_are_refused_with_the_reason() {
    for (key, line) in [
        ("organization", "organization = \"ASUE株式会社\"\n"),
        (
            "postal_address",
            "postal_address = \"〒450-0002 愛知県名古屋市中村区名駅1-1-1\"\n",
        ),
        ("contact", "contact = \"052-000-0000\"\n"),
    ] {
        refused(
            &CAMPAIGN.replace(line, ""),
            &[&format!("sender.{key}: is missing"), "特定電子メール法"],
        );
    }
    refused(
        &CAMPAIGN.replace(
            "[unsubscribe]\nurl = \"https://example.co.jp/unsubscribe\"\n",
            "",
        ),
        &["unsubscribe.url: is missing", "配信停止", "RFC 8058"],
    );
}

#[test]
fn a_password_in_the_file_is_refused_without_being_printed() {
    let campaign = format!(
        "{CAMPAIGN}\n[smtp]\nhost = \"smtp.example.co.jp\"\nusername = \"news\"\npassword = \"s3cret-pw\"\n"
    );
    let scratch = Scratch::with_recipients("email\na@example.jp\n");
    scratch.write("campaign.toml", campaign);
    let run = scratch.run(&["check", "campaign.toml"]);
    run.expect_code(78).stderr_has(&[
        "campaign.toml:24",
        "smtp.password",
        "password_env",
        "password_file",
    ]);
    assert!(!run.stderr.contains("s3cret-pw") && !run.stdout.contains("s3cret-pw"));
}

#[test]
fn bad_values_are_named_with_their_line() {
    let with_limits = |limits: &str| format!("{CAMPAIGN}\n[limits]\n{limits}\n");
    refused(
        &with_limits("rate = \"fast\""),
        &["campaign.toml:22", "N/s, N/min or N/h"],
    );
    refused(
        &with_limits("domain_rates = { \"docomo.ne.jp\" = \"30/week\" }"),
        &["campaign.toml:22"],
    );
    refused(
        &with_limits("window = \"9-20\"\ntimezone = \"Asia/Tokyo\""),
        &["campaign.toml:22", "HH:MM-HH:MM"],
    );
    refused(
        &with_limits("window = \"09:00-20:00\"\ntimezone = \"Asia/Nagoya\""),
        &["campaign.toml:23", "time zone"],
    );
    refused(
        &CAMPAIGN.replace("https://example.co.jp", "http://example.co.jp"),
        &["campaign.toml:19", "https://"],
    );
    refused(
        &CAMPAIGN.replace("news@example.co.jp", "news@localhost"),
        &["campaign.toml:6", "sender.from", "no dot"],
    );
    refused(
        &CAMPAIGN.replace("id = \"test-campaign\"", "id = \"test campaign\""),
        &["campaign.toml:1", "id"],
    );
}

#[test]
fn missing_files_are_named_with_the_key_that_names_them() {
    let scratch = Scratch::with_recipients("email\n");
    std::fs::remove_file(scratch.path("recipients.csv")).unwrap();
    scratch
        .run(&["preview", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["campaign.toml:16: recipients.path", "does not exist"]);
    scratch
        .run(&["preview", "nonexistent.toml"])
        .expect_code(78)
        .stderr_has(&["nonexistent.toml"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let campaign = CAMPAIGN
        .replace("organization = \"ASUE株式会社\"\n", "")
        .replace("contact = \"052-000-0000\"\n", "");
    refused(&campaign, &["sender.organization", "sender.contact"]);
}

#[test]
fn a_login_without_tls_is_refused_except_to_a_relay_on_this_machine() {
    let smtp = |host: &str| {
        format!(
            "{CAMPAIGN}\n[smtp]\nhost = \"{host}\"\nsecurity = \"none\"\nusername = \"news\"\n\
             password_env = \"HIKYAKU_TEST_SMTP_PASSWORD\"\n\n[approval]\nrequired = false\n"
        )
    };
    refused(
        &smtp("smtp.example.co.jp"),
        &["smtp.security", "clear text", "starttls"],
    );
    // send refuses too, before any connection (nothing listens there).
    let scratch = Scratch::with_recipients("email\na@example.jp\n");
    scratch.write("campaign.toml", smtp("smtp.example.co.jp"));
    scratch
        .command(&["send", "campaign.toml", "--yes"])
        .env("HIKYAKU_TEST_SMTP_PASSWORD", "pw")
        .run()
        .expect_code(78)
        .stderr_has(&["clear text"]);
    // To this machine, a login without TLS is allowed.
    for host in ["127.0.0.1", "localhost", "::1"] {
        let scratch = Scratch::with_recipients("email\na@example.jp\n");
        scratch.write("campaign.toml", smtp(host));
        let run = scratch.run(&["check", "campaign.toml"]);
        assert!(!run.stderr.contains("clear text"), "{host}: {}", run.stderr);
    }
}
