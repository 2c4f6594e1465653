//! The legal checks see what the recipient sees: a footer placed where no
//! reader would see it, a From that pretends to be a reply or sits at a
//! public mailbox provider, and a message too large for a carrier are all
//! refused before anything is sent.

use toml::toml;

use crate::smtp_server::SmtpServer;
use crate::support::{Campaign, Scratch, line_of};

/// The list of most tests here.
const TARO: &str = "email,name\ntaro@example.jp,山田\n";

/// A notice campaign with an HTML template `html`.
fn with_html(html: &str) -> Scratch {
    Campaign::new().notice().html(html).rows(TARO).build()
}

#[test]
fn a_footer_placed_where_no_reader_sees_it_is_refused_with_its_line() {
    let hiding = [
        (
            "<div style=\"display:none\">{{ footer }}</div>",
            "display:none",
        ),
        (
            "<div style=\"visibility: hidden\">{{ footer }}</div>",
            "visibility:hidden",
        ),
        ("<div style=\"opacity:0\">{{ footer }}</div>", "opacity"),
        // The footer sets its own 13px and #333333: a wrapper's font-size
        // or colour cannot shrink or hide it, but zoom and a matching
        // background can.
        ("<div style=\"zoom:0.5\">{{ footer }}</div>", "font size"),
        (
            "<div style=\"background-color:#333333\">{{ footer }}</div>",
            "cannot be told apart",
        ),
        ("<div hidden>{{ footer }}</div>", "hidden attribute"),
        ("<!-- {{ footer }} -->", "comment"),
        ("<template>{{ footer }}</template>", "<template>"),
        (
            "<style>.fine { display: none }</style><div class=\"fine\">{{ footer }}</div>",
            "display:none",
        ),
    ];
    for (placement, why) in hiding {
        let html =
            format!("<html>\n<body>\n<p>{{{{ name }}}}様</p>\n{placement}\n</body>\n</html>\n");
        let at = format!("body.html:{}", line_of(&html, placement));
        let scratch = with_html(&html);
        for command in ["check", "preview"] {
            scratch
                .run(&[command, "campaign.toml"])
                .expect_code(78)
                .stderr_has(&[&at, "would not be seen", why]);
        }
        let server = SmtpServer::start();
        Campaign::delivery(&server).html(&html).write_to(&scratch);
        scratch
            .run(&["send", "campaign.toml"])
            .expect_code(78)
            .stderr_has(&[&at]);
        assert_eq!(server.connections(), 0, "{placement}");
    }

    // In <head> (title), the line is that of the footer's placement too.
    let html = "<html>\n<head><title>{{ footer }}</title></head>\n<body><p>x</p></body></html>\n";
    let scratch = with_html(html);
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&[
            &format!("body.html:{}", line_of(html, "{{ footer }}")),
            "<head>",
        ]);
}

#[test]
fn a_visible_placed_footer_and_small_but_legible_text_are_accepted() {
    let scratch = with_html(
        "<html><body><p>{{ name }}様</p>\n\
         <div style=\"font-size:12px;color:#666666;background:#ffffff\">{{ footer }}</div>\n\
         <div style=\"display:none\">preheader text</div></body></html>\n",
    );
    scratch.run(&["check", "campaign.toml"]).expect_code(0);
    // And the footer left out is added, visible, before </body>.
    let scratch = with_html("<html><body style=\"color:#222\"><p>{{ name }}様</p></body></html>\n");
    scratch.run(&["check", "campaign.toml"]).expect_code(0);
}

#[test]
fn a_from_that_implies_a_reply_or_uses_a_public_mailbox_is_refused() {
    for (from, expected) in [
        ("Re: ASUE株式会社 <news@example.co.jp>", "reply"),
        ("Fwd: ASUE <news@example.co.jp>", "reply"),
        ("{{ name }}様へ <news@example.co.jp>", "template expression"),
        (
            "ASUE株式会社 <asue.news@gmail.com>",
            "public mailbox provider",
        ),
        ("ASUE <news@yahoo.co.jp>", "public mailbox provider"),
    ] {
        let campaign = Campaign::new().set("sender.from", from).rows(TARO);
        campaign
            .build()
            .run(&["check", "campaign.toml"])
            .expect_code(78)
            .stderr_has(&[
                &format!("campaign.toml:{}", campaign.line_of("sender.from")),
                "sender.from",
                expected,
            ]);
    }
    // A campaign may name more providers' domains.
    let scratch = Campaign::new()
        .set("sender.public_mailbox_domains", vec!["example.co.jp"])
        .rows(TARO)
        .build();
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["public mailbox provider"]);
}

#[test]
fn a_message_larger_than_the_carrier_accepts_is_refused_before_sending() {
    let server = SmtpServer::start();
    let rows = "email,name\ntaro@example.jp,山田\nhanako@au.com,花子\n";
    // 2.4 MB of attachment is about 3.3 MB once base64-encoded.
    let attachment: Vec<u8> = (0..2_400_000u64).map(|i| (i * 7919 % 251) as u8).collect();
    let campaign = Campaign::delivery(&server)
        .attachments(&["brochure.pdf"])
        .file("brochure.pdf", &attachment)
        .rows(rows);
    let scratch = campaign.build();
    for command in [&["check", "campaign.toml"][..], &["send", "campaign.toml"]] {
        scratch.run(command).expect_code(78).stderr_has(&[
            &format!("recipients.csv line {}", line_of(rows, "hanako@au.com")),
            "hanako@au.com",
            "au.com accepts at most 3.0 MB",
        ]);
    }
    assert_eq!(server.connections(), 0, "nothing left before the refusal");
    // A campaign can raise (or lower) a domain's limit.
    campaign
        .limits(toml! { max_message_size = { "au.com" = "5MB" } })
        .write_to(&scratch);
    scratch.run(&["check", "campaign.toml"]).expect_code(0);
}

#[test]
fn check_warns_when_the_text_and_html_parts_say_different_things() {
    let scratch = with_html(
        "<html><body><p>Big winter sale: everything must go, this week only.</p></body></html>\n",
    );
    scratch.write("body.txt", "{{ name }}様\n年末年始の営業日のご案内です。\n");
    let run = scratch.run(&["check", "campaign.toml"]);
    run.expect_code(0);
    assert!(run.stdout.contains("warn  parts"), "{}", run.stdout);
    assert!(run.stdout.contains("MPART_ALT_DIFF"));

    scratch.write(
        "body.html",
        "<html><body><p>{{ name }}様</p><p>年末年始の営業日のご案内です。</p></body></html>\n",
    );
    let run = scratch.run(&["check", "campaign.toml"]);
    assert!(run.stdout.contains("ok    parts"), "{}", run.stdout);
}

#[test]
fn a_dry_run_where_every_message_is_too_large_ends_with_the_error() {
    // More rows than the compose workers' queue holds: when every worker
    // fails, the rows still being fed must not keep the run waiting.
    let rows = crate::support::recipients(3000, "au.com");
    let scratch = Campaign::new()
        .notice()
        .limits(toml! { max_message_size = { "au.com" = "1KB" } })
        .rows(rows)
        .build();
    for out in [&["--out", "dry"][..], &[]] {
        let mut args = vec!["send", "campaign.toml", "--dry-run"];
        args.extend_from_slice(out);
        let child = scratch.command(&args).spawn();
        crate::support::finish_within(child, std::time::Duration::from_secs(60))
            .expect_code(78)
            .stderr_has(&["au.com accepts at most 1 KB"]);
    }
}
