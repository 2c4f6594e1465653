//! The approval gate: nothing leaves unless enough distinct people approved
//! exactly what was previewed.

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::{Campaign, Scratch, line_of, recipients};

/// A campaign to three recipients on the test server that needs
/// `approvers` approvals.
fn gated(server: &SmtpServer, approvers: u32) -> Campaign {
    Campaign::delivery(server)
        .approvers(approvers)
        .rows(recipients(3, "example.jp"))
}

/// What an approver does: look at the preview, then sign it off.
fn preview_and_approve(scratch: &Scratch, name: &str) {
    scratch.run(&["preview", "campaign.toml"]).expect_code(0);
    scratch
        .run(&["approve", "campaign.toml", "--by", name])
        .expect_code(0);
}

#[test]
fn an_unapproved_campaign_opens_no_connection() {
    let server = SmtpServer::start();
    let scratch = gated(&server, 1).build();
    scratch
        .run(&["send", "campaign.toml", "--yes"])
        .expect_code(77)
        .stderr_has(&["not approved", "0 of the 1 approvals", "hikyaku approve"]);
    assert_eq!(server.connections(), 0);
    // A dry run needs no approval.
    scratch
        .run(&["send", "campaign.toml", "--dry-run"])
        .expect_code(0);
}

#[test]
fn approving_needs_a_preview_of_the_same_digest() {
    let server = SmtpServer::start();
    let scratch = gated(&server, 1).build();
    scratch
        .run(&["approve", "campaign.toml", "--by", "Sato"])
        .expect_code(77)
        .stderr_has(&["nobody has previewed"]);
    scratch.run(&["preview", "campaign.toml"]).expect_code(0);
    let run = scratch.run(&[
        "approve",
        "campaign.toml",
        "--by",
        "Sato",
        "--note",
        "checked",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("approved by Sato: 1 of 1"),
        "{}",
        run.stdout
    );
    let status = scratch.run(&["status", "campaign.toml", "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["approvals"][0]["by"], "Sato");
    assert_eq!(status["approvals"][0]["note"], "checked");
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(server.received().len(), 3);
}

#[test]
fn two_approvals_means_two_different_people() {
    let server = SmtpServer::start();
    let scratch = gated(&server, 2).build();
    preview_and_approve(&scratch, "Sato");
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(77)
        .stderr_has(&["1 of the 2"]);
    scratch
        .run(&["approve", "campaign.toml", "--by", " sato "])
        .expect_code(0);
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(77)
        .stderr_has(&["1 of the 2"]);
    assert_eq!(server.connections(), 0);
    scratch
        .run(&["approve", "campaign.toml", "--by", "Tanaka"])
        .expect_code(0);
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(server.received().len(), 3);
}

#[test]
fn a_change_after_approval_needs_a_new_one_and_is_named() {
    for (file, contents) in [
        ("body.txt", "{{ name }}様\n新しい本文\n".to_owned()),
        ("recipients.csv", recipients(4, "example.jp")),
    ] {
        let server = SmtpServer::start();
        let scratch = gated(&server, 1).build();
        preview_and_approve(&scratch, "Sato");
        scratch.write(file, &contents);
        scratch
            .run(&["send", "campaign.toml"])
            .expect_code(77)
            .stderr_has(&["changed since the approval by Sato", file]);
        assert_eq!(server.connections(), 0, "{file}");
    }
}

#[test]
fn a_changed_attachment_after_approval_needs_a_new_one() {
    let server = SmtpServer::start();
    let scratch = gated(&server, 1)
        .attachments(&["案内.pdf"])
        .file("案内.pdf", "%PDF-1.4 v1")
        .build();
    preview_and_approve(&scratch, "Sato");
    scratch.write("案内.pdf", "%PDF-1.4 v2");
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(77)
        .stderr_has(&["changed since the approval by Sato", "案内.pdf"]);
    assert_eq!(server.connections(), 0);
}

#[test]
fn a_new_suppression_keeps_the_approval() {
    let server = SmtpServer::start();
    let scratch = gated(&server, 1).build();
    preview_and_approve(&scratch, "Sato");
    scratch
        .run(&["suppress", "add", "user001@example.jp"])
        .expect_code(0);
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(
        server.recipients(),
        ["user000@example.jp", "user002@example.jp"]
    );
}

#[test]
fn a_test_send_reaches_only_the_test_address_before_any_approval() {
    let server = SmtpServer::start();
    let scratch = gated(&server, 1).build();
    let line = line_of(recipients(3, "example.jp"), "user001@example.jp").to_string();
    scratch
        .run(&[
            "send",
            "campaign.toml",
            "--test-to",
            "checker@example.co.jp",
            "--row",
            &line,
        ])
        .expect_code(0)
        .stderr_has(&[&format!("line {line}"), "user001@example.jp"]);
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["checker@example.co.jp"]);
    let message = mail_parser::MessageParser::default()
        .parse(&received[0].data)
        .unwrap();
    assert_eq!(message.subject(), Some("[TEST] User 1様"));
    assert_eq!(
        message.to().unwrap().first().unwrap().address(),
        Some("checker@example.co.jp")
    );
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains("ASUE株式会社"),
        "the legal footer is there: {text}"
    );
    // Not journaled: the real send still goes to everyone once approved.
    assert!(
        scratch
            .store()
            .journal_entry("test-campaign", "user001@example.jp")
            .unwrap()
            .is_none()
    );
    scratch
        .run(&["send", "campaign.toml", "--test-to", "not-an-address"])
        .expect_code(65);
    scratch
        .run(&[
            "send",
            "campaign.toml",
            "--test-to",
            "a@example.jp",
            "--row",
            "99",
        ])
        .expect_code(65);
}

#[test]
fn a_test_message_the_relay_refuses_is_bad_data_not_an_unreachable_relay() {
    let server = SmtpServer::start();
    server.rule(
        "me@example.co.jp",
        Behaviour::RcptReply(550, "5.1.1 no such user"),
    );
    let scratch = Campaign::delivery(&server)
        .rows(recipients(2, "example.jp"))
        .build();
    scratch
        .run(&["send", "campaign.toml", "--test-to", "me@example.co.jp"])
        .expect_code(65)
        .stderr_has(&["refused the test message", "5.1.1 no such user"]);
}
