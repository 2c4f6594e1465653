//! The approver's pages: `preview --report` before a send and `status
//! --report` after it, each one self-contained HTML file.

use crate::smtp_server::SmtpServer;
use crate::support::{Scratch, every_skip_reason};

#[test]
fn the_preview_report_shows_every_skip_reason_the_digest_and_the_samples() {
    let server = SmtpServer::start();
    let (campaign, scratch) = every_skip_reason(&server);
    let digest = scratch.preview_json()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = scratch.run(&["preview", "campaign.toml", "--report", "report.html"]);
    run.expect_code(0);
    // The estimate is on the terminal too: 1 docomo recipient at 30/min.
    assert!(run.stdout.contains("estimate "), "{}", run.stdout);
    assert!(run.stdout.contains("report written to report.html"));
    let html = scratch.read("report.html");

    assert!(html.contains(&digest), "the digest");
    for (label, count) in [
        ("配信停止・抑止リスト", 1),
        ("同意の記録なし", 1),
        ("アドレスが不正", 1),
        ("重複", 1),
        ("送信済み", 1),
    ] {
        assert!(
            html.contains(&format!("<h3>{label}（{count}）</h3>")),
            "{label} with its count"
        );
    }
    assert!(html.contains("not-an-address"), "the invalid row is shown");
    assert!(html.contains("不要"), "approval is not required here");
    // Self-contained: nothing is fetched or run.
    for external in [
        "<script",
        "<link",
        "<img src=\"http",
        "url(http",
        "src=\"http",
    ] {
        assert!(!html.contains(external), "external resource {external:?}");
    }
    // The samples, as they will look: the HTML in a sandboxed frame, the
    // legal checklist, the DKIM-less warning.
    assert_eq!(
        html.matches("<iframe class=\"html\" sandbox=\"\" srcdoc=")
            .count(),
        0,
        "text-only campaign"
    );
    assert_eq!(
        html.matches("class=\"sample\"").count(),
        2,
        "both eligible rows"
    );
    assert!(html.contains("山田様"), "a sample's subject");
    assert!(html.contains("受信拒否ができる旨の表示"));
    // Tokens are hidden: a forwarded report unsubscribes nobody.
    for (at, _) in html.match_indices("/unsubscribe/") {
        let after = &html[at + "/unsubscribe/".len()..];
        assert!(
            after.starts_with("TOKEN-HIDDEN-IN-REPORT"),
            "{}",
            &after[..40.min(after.len())]
        );
    }
    assert!(html.contains("TOKEN-HIDDEN-IN-REPORT"));
    assert!(!html.contains("class=\"ng\""), "every check passes: {html}");
    // The docomo lane: 1 recipient at 30/min.
    assert!(html.contains("docomo.ne.jp"));
    assert!(html.len() < 200_000, "{} bytes", html.len());
    // Owner-only, like every output naming recipients.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(scratch.path("report.html"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // With approval required: how many are needed, and the exact command.
    campaign.approval(true).write_to(&scratch);
    scratch
        .run(&["preview", "campaign.toml", "--report", "report.html"])
        .expect_code(0);
    let html = scratch.read("report.html");
    assert!(
        html.contains("承認 0 / 1"),
        "no approval yet of the one needed"
    );
    assert!(
        html.contains("campaign.toml --by 氏名</pre>"),
        "the approve command"
    );
    scratch
        .run(&["approve", "campaign.toml", "--by", "佐藤"])
        .expect_code(0);
    scratch
        .run(&["preview", "campaign.toml", "--report", "report.html"])
        .expect_code(0);
    let html = scratch.read("report.html");
    assert!(html.contains("承認済み") && html.contains("<td>佐藤</td>"));
}

#[test]
fn the_preview_report_shows_html_samples_in_a_sandbox_and_failed_checks_as_crosses() {
    let server = SmtpServer::start();
    let (campaign, scratch) = every_skip_reason(&server);
    campaign
        .html("<html><body><p>{{ name }}様</p><p><a href=\"https://example.co.jp/sale\">セール</a></p></body></html>\n")
        .write_to(&scratch);
    scratch.write("body.txt", "{{ name }}様\nセール\n");
    let report = |scratch: &Scratch| {
        scratch
            .run(&[
                "preview",
                "campaign.toml",
                "--report",
                "report.html",
                "--sample",
                "1",
            ])
            .expect_code(0);
        scratch.read("report.html")
    };
    let html = report(&scratch);
    let frames = html.matches("<iframe class=\"html\" sandbox=\"\" srcdoc=");
    assert_eq!(frames.count(), 1);
    // The message's own markup is escaped inside srcdoc, links and all.
    assert!(html.contains("&lt;a href=&quot;https://example.co.jp/sale&quot;&gt;"));
    assert!(!html.contains("<a href=\"https://example.co.jp/sale\">"));
    assert!(!html.contains("class=\"ng\""), "every check passes");

    // A text part that says something else: the checklist shows ✗.
    scratch.write(
        "body.txt",
        "{{ name }}様\nDifferent words entirely, nothing alike.\n",
    );
    let html = report(&scratch);
    let row = html
        .split("<tr>")
        .find(|row| row.contains("MPART_ALT_DIFF"))
        .expect("the parts row");
    assert!(row.contains("class=\"ng\">✗"), "{row}");
}

#[test]
fn the_status_report_after_a_send_shows_the_sent_count() {
    let server = SmtpServer::start();
    let (_, scratch) = every_skip_reason(&server);
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    assert_eq!(server.received().len(), 3);
    scratch
        .run(&["status", "campaign.toml", "--report", "status.html"])
        .expect_code(0);
    let html = scratch.read("status.html");
    assert!(html.contains("id=\"sent-count\">3<"), "three sent");
    assert!(html.contains("苦情率") && html.contains("0.3%"));
    for external in ["<script", "<link", "src=\"http", "url(http"] {
        assert!(!html.contains(external), "external resource {external:?}");
    }
}
