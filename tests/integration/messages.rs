//! The exact messages: headers, parts, the legal footer, tokens, injection.

use mail_parser::{MessageParser, MimeHeaders};

use crate::support::{Campaign, Scratch, line_of};

/// A notice campaign (no consent needed) with an HTML template, a reply-to
/// and an unsubscribe address.
fn campaign() -> Campaign {
    Campaign::new()
        .notice()
        .html("<html><body><p>{{ name }}様</p></body></html>\n")
        .set("sender.reply_to", "support@example.co.jp")
        .set("unsubscribe.mailto", "unsubscribe@example.co.jp")
}

fn scratch(recipients: &str) -> Scratch {
    campaign().rows(recipients).build()
}

/// Runs `preview --out out --all` and returns the files' bytes in list order.
fn messages(scratch: &Scratch) -> Vec<Vec<u8>> {
    scratch
        .run(&["preview", "campaign.toml", "--out", "out", "--all"])
        .expect_code(0);
    let mut paths: Vec<_> = std::fs::read_dir(scratch.path("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Decodes the HTML entities the renderer writes, for searching HTML for text.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

#[test]
fn headers_carry_one_recipient_and_every_list_header() {
    let scratch = scratch("email,name\ntaro@example.jp,山田太郎\nhanako@例え.jp,髙橋花子\n");
    let all = messages(&scratch);
    assert_eq!(all.len(), 2);
    let mut message_ids = Vec::new();
    for (bytes, (address, name)) in all.iter().zip([
        ("taro@example.jp", "山田太郎"),
        ("hanako@xn--r8jz45g.jp", "髙橋花子"),
    ]) {
        let message = MessageParser::default().parse(bytes).unwrap();
        let to = message.to().unwrap().as_list().unwrap();
        assert_eq!(to.len(), 1, "one recipient per message");
        assert_eq!(to[0].address(), Some(address));
        assert_eq!(
            to[0].name(),
            Some(name),
            "Japanese display names round-trip"
        );
        assert!(message.header_raw("Cc").is_none() && message.header_raw("Bcc").is_none());
        assert_eq!(message.subject(), Some(format!("{name}様").as_str()));
        let from = message.from().unwrap().first().unwrap();
        assert_eq!(
            (from.name(), from.address()),
            (Some("ASUE株式会社"), Some("news@example.co.jp"))
        );
        assert_eq!(
            message.reply_to().unwrap().first().unwrap().address(),
            Some("support@example.co.jp")
        );
        assert!(message.date().is_some());
        assert_eq!(
            message.header_raw("MIME-Version").map(str::trim),
            Some("1.0")
        );
        assert_eq!(
            message.header_raw("List-Id").map(str::trim),
            Some("<newsletter.example.co.jp>")
        );
        assert_eq!(
            message.header_raw("List-Unsubscribe-Post").map(str::trim),
            Some("List-Unsubscribe=One-Click")
        );
        let unsubscribe = message.header_raw("List-Unsubscribe").unwrap();
        let unsubscribe: String = unsubscribe.split_whitespace().collect();
        assert!(
            unsubscribe.starts_with("<https://example.co.jp/unsubscribe/"),
            "{unsubscribe}"
        );
        // The mailto carries the same token as the URL, so a mailed
        // request traces to this recipient.
        let token = unsubscribe
            .trim_start_matches("<https://example.co.jp/unsubscribe/")
            .split('>')
            .next()
            .unwrap();
        assert_eq!(token.len(), 32, "{unsubscribe}");
        assert!(
            unsubscribe.ends_with(&format!(
                ",<mailto:unsubscribe@example.co.jp?subject=unsubscribe%20{token}>"
            )),
            "{unsubscribe}"
        );
        let message_id = message.message_id().unwrap().to_owned();
        assert!(message_id.ends_with("@example.co.jp"), "{message_id}");
        message_ids.push(message_id);
    }
    assert_ne!(message_ids[0], message_ids[1]);

    // Rendering again gives the same Message-ID: a retry is the same message.
    std::fs::remove_dir_all(scratch.path("out")).unwrap();
    let again = MessageParser::default()
        .parse(&messages(&scratch)[0])
        .unwrap()
        .message_id()
        .unwrap()
        .to_owned();
    assert_eq!(again, message_ids[0]);
}

#[test]
fn the_footer_is_in_both_parts_beside_the_url_even_when_the_template_forgets_it() {
    let scratch = scratch("email,name\ntaro@example.jp,山田\n");
    let bytes = &messages(&scratch)[0];
    let message = MessageParser::default().parse(bytes).unwrap();
    assert_eq!(
        message.root_part().content_type().unwrap().subtype(),
        Some("alternative")
    );
    let text = message.body_text(0).unwrap().replace("\r\n", "\n");
    let html = unescape(&message.body_html(0).unwrap());
    let unsubscribe = message.header_raw("List-Unsubscribe").unwrap();
    let url = unsubscribe
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let refuse = "今後このメールの配信を希望されない方は、以下のURLから配信停止（受信拒否）の手続きができます。";
    assert!(text.contains(&format!("{refuse}\n{url}\n")), "{text}");
    assert!(
        html.contains(&format!("{refuse} <a href=\"{url}\">{url}</a>")),
        "{html}"
    );
    for part in [
        "ASUE株式会社",
        "〒450-0002 愛知県名古屋市中村区名駅1-1-1",
        "052-000-0000",
        "unsubscribe@example.co.jp",
    ] {
        assert!(text.contains(part), "text lacks {part}");
        assert!(html.contains(part), "html lacks {part}");
    }
    assert!(
        html.find("配信停止").unwrap() < html.find("</body>").unwrap(),
        "footer inside the body"
    );
    assert!(!html.contains("display:none") && !html.contains("font-size:1px"));
}

#[test]
fn a_template_may_place_the_footer_but_not_drop_it() {
    let scratch = scratch("email,name\ntaro@example.jp,山田\n");
    scratch.write("body.txt", "本文\n{{ footer }}\n追伸\n");
    let message = MessageParser::default()
        .parse(&messages(&scratch)[0])
        .unwrap()
        .into_owned();
    let text = message.body_text(0).unwrap();
    assert_eq!(text.matches("配信停止（受信拒否）").count(), 1, "{text}");
    assert!(
        text.find("配信停止").unwrap() < text.find("追伸").unwrap(),
        "{text}"
    );

    // A template that prints only part of it gets the whole footer appended.
    scratch.write("body.txt", "本文\n{{ footer[:20] }}\n");
    std::fs::remove_dir_all(scratch.path("out")).unwrap();
    let message = MessageParser::default()
        .parse(&messages(&scratch)[0])
        .unwrap()
        .into_owned();
    assert!(
        message
            .body_text(0)
            .unwrap()
            .contains("配信停止（受信拒否）")
    );
}

#[test]
fn text_only_is_plain_and_attachments_make_it_mixed() {
    let scratch = Campaign::new()
        .notice()
        .rows("email,name\ntaro@example.jp,山田\n")
        .build();
    let message = MessageParser::default()
        .parse(&messages(&scratch)[0])
        .unwrap()
        .into_owned();
    let content_type = message.root_part().content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("text", Some("plain"))
    );

    let scratch = scratch_with_attachment();
    let message = MessageParser::default()
        .parse(&messages(&scratch)[0])
        .unwrap()
        .into_owned();
    assert_eq!(
        message.root_part().content_type().unwrap().subtype(),
        Some("mixed")
    );
    assert_eq!(message.attachment_count(), 1);
    assert_eq!(
        message.attachment(0).unwrap().attachment_name(),
        Some("案内.pdf")
    );
    assert_eq!(message.attachment(0).unwrap().contents(), b"%PDF-1.4 test");
    // Older Japanese clients read only Content-Type's RFC 2047 name.
    let part = message.attachment(0).unwrap();
    let content_type = part.content_type().unwrap();
    assert_eq!(content_type.attribute("name"), Some("案内.pdf"));
    let raw = String::from_utf8(messages(&scratch)[0].clone()).unwrap();
    assert!(
        raw.contains("name=\"=?UTF-8?B?5qGI5YaFLnBkZg==?=\""),
        "{raw}"
    );
    assert!(
        raw.contains("filename*=UTF-8''%E6%A1%88%E5%86%85.pdf"),
        "{raw}"
    );
}

fn scratch_with_attachment() -> Scratch {
    campaign()
        .attachments(&["案内.pdf"])
        .file("案内.pdf", "%PDF-1.4 test")
        .rows("email,name\ntaro@example.jp,山田\n")
        .build()
}

#[test]
fn the_same_recipient_gets_the_same_bytes_every_time() {
    // HTML and an attachment: multipart/mixed around multipart/alternative.
    let scratch = scratch_with_attachment();
    scratch.write(
        "recipients.csv",
        "email,name\ntaro@example.jp,山田\nhanako@example.jp,髙橋\n",
    );
    let preview = |dir: &str| {
        scratch
            .command(&["preview", "campaign.toml", "--out", dir, "--all"])
            .env("HIKYAKU_NOW", "2026-12-01T09:00:00+09:00")
            .run()
            .expect_code(0);
        let mut paths: Vec<_> = std::fs::read_dir(scratch.path(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect::<Vec<_>>()
    };
    let first = preview("first");
    assert_eq!(first.len(), 2);
    assert_eq!(
        first,
        preview("second"),
        "rendering again changed the bytes"
    );

    let boundaries = |raw: &[u8]| -> Vec<String> {
        let message = MessageParser::default().parse(raw).unwrap().into_owned();
        let mut found: Vec<String> = message
            .parts
            .iter()
            .filter_map(|part| {
                part.content_type()?
                    .attribute("boundary")
                    .map(str::to_owned)
            })
            .collect();
        found.sort();
        found
    };
    let (taro, hanako) = (boundaries(&first[0]), boundaries(&first[1]));
    assert_eq!(taro.len(), 2, "{taro:?}");
    assert_ne!(taro[0], taro[1], "each level has a boundary of its own");
    assert!(
        taro.iter().all(|b| !hanako.contains(b)),
        "{taro:?} {hanako:?}"
    );
    let message = MessageParser::default().parse(&first[0]).unwrap();
    assert!(message.body_text(0).unwrap().contains("山田様"));
    assert!(message.body_html(0).unwrap().contains("山田様"));
    assert_eq!(message.attachment_count(), 1);
}

#[test]
fn csv_data_cannot_add_headers_or_markup() {
    let scratch = campaign()
        .set("message.subject", "{{ name }}\r\nBcc: x@example.org")
        .rows(
            "email,name\ntaro@example.jp,\"Evil\r\nBcc: victim@example.org\"\nhanako@example.jp,<script>alert(1)</script>\n",
        )
        .build();
    let all = messages(&scratch);
    for bytes in &all {
        let message = MessageParser::default().parse(bytes).unwrap();
        let names: Vec<&str> = message.headers_raw().map(|(name, _)| name).collect();
        assert!(
            !names.iter().any(|n| n.eq_ignore_ascii_case("bcc")),
            "{names:?}"
        );
        assert_eq!(
            names
                .iter()
                .filter(|n| n.eq_ignore_ascii_case("to"))
                .count(),
            1
        );
        let raw = String::from_utf8_lossy(bytes);
        assert!(
            !raw.contains("\r\nBcc:") && !raw.contains("\nBcc:"),
            "{raw}"
        );
    }
    let first = MessageParser::default().parse(&all[0]).unwrap();
    assert_eq!(
        first.to().unwrap().first().unwrap().address(),
        Some("taro@example.jp")
    );
    let second = MessageParser::default().parse(&all[1]).unwrap();
    let html = second.body_html(0).unwrap();
    assert!(
        !html.contains("<script>") && html.contains("&lt;script&gt;"),
        "{html}"
    );
}

#[test]
fn tokens_reveal_no_address_and_resolve_through_the_store() {
    use base64::Engine as _;
    let scratch = scratch("email,name\ntaro.yamada@example.jp,山田\n");
    let message = MessageParser::default()
        .parse(&messages(&scratch)[0])
        .unwrap()
        .into_owned();
    let unsubscribe = message.header_raw("List-Unsubscribe").unwrap();
    let url = unsubscribe
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap();
    let token = url.rsplit('/').next().unwrap();
    let address = "taro.yamada@example.jp";
    let encodings = [
        address.to_owned(),
        address.replace('@', "%40"),
        base64::engine::general_purpose::STANDARD.encode(address),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(address),
    ];
    for encoded in &encodings {
        assert!(
            !url.contains(encoded.as_str()) && !url.contains(&encoded[..8]),
            "{url} reveals {encoded}"
        );
    }
    assert!(!token.to_ascii_lowercase().contains("yamada"));

    // The store alone can tell whom the token stands for, and an altered one is refused.
    let mut store = scratch.store();
    let keys = store.keys().unwrap();
    let id = hikyaku::token::Keys::claimed_id(token).unwrap();
    let recipient = store
        .token_recipient(id)
        .unwrap()
        .expect("recorded when the message was written");
    assert_eq!(
        (
            &*recipient.campaign,
            &*recipient.list,
            recipient.email.as_str()
        ),
        ("test-campaign", "newsletter", address)
    );
    assert!(keys.verify(token, &recipient));
    let mut altered = token.to_owned().into_bytes();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    assert!(!keys.verify(std::str::from_utf8(&altered).unwrap(), &recipient));
}

#[test]
fn an_undefined_variable_names_the_template_line_and_the_csv_line() {
    let rows = "email,name\na@example.jp,A\nb@example.jp,B\n";
    let scratch = scratch(rows);
    let body = "{{ name }}様\n{% if email == \"b@example.jp\" %}{{ company }}{% endif %}\n";
    scratch.write("body.txt", body);
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[
            &format!("body.txt:{}", line_of(body, "{{ company }}")),
            "undefined",
            "first triggered by",
            &format!("recipients.csv line {}", line_of(rows, "b@example.jp")),
        ]);
    let body = "{{ name }様\n";
    scratch.write("body.txt", body);
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(65)
        .stderr_has(&[
            &format!("body.txt:{}", line_of(body, "{{ name }様")),
            "syntax error",
        ]);
}

#[test]
fn check_renders_every_row_before_saying_ok() {
    let mut rows = String::from("email,name\n");
    for i in 0..50 {
        rows.push_str(&format!("user{i}@example.jp,User {i}\n"));
    }
    let scratch = scratch(&rows);
    let run = scratch.run(&["check", "campaign.toml"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("50 messages rendered"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_dry_run_composes_every_eligible_message_and_sends_nothing() {
    let rows = "email,name\na@example.jp,A\nbad,B\nc@example.jp,C\nd@example.jp,D\n";
    let scratch = scratch(rows);
    let run = scratch.run(&["send", "campaign.toml", "--dry-run", "--out", "outbox"]);
    run.expect_code(0);
    assert!(run.stdout.contains("dry run: 3 messages"), "{}", run.stdout);
    assert!(run.stdout.contains("nothing was sent"), "{}", run.stdout);
    let files: Vec<String> = std::fs::read_dir(scratch.path("outbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    // Each file is named after its row's line in the list.
    let line = line_of(rows, "a@example.jp");
    assert!(
        files.contains(&format!("{line:06}_a@example.jp.eml")),
        "{files:?}"
    );

    let limited = scratch.run(&["send", "campaign.toml", "--dry-run", "--limit", "1"]);
    assert!(
        limited.stdout.contains("dry run: 1 messages"),
        "{}",
        limited.stdout
    );
    // Without --dry-run it really sends, which needs [smtp].
    scratch.run(&["send", "campaign.toml"]).expect_code(78);
}

#[test]
fn preview_writes_a_sample_of_the_first_eligible_rows() {
    let scratch = scratch("email,name\na@example.jp,A\nb@example.jp,B\nc@example.jp,C\n");
    let run = scratch.run(&[
        "preview",
        "campaign.toml",
        "--out",
        "samples",
        "--sample",
        "2",
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["messages_written"], 2);
    assert_eq!(
        std::fs::read_dir(scratch.path("samples")).unwrap().count(),
        2
    );
    scratch
        .run(&["preview", "campaign.toml", "--sample", "2"])
        .expect_code(2);
}

/// The example `init` writes, previewed: every message's bytes.
fn example_messages(scratch: &Scratch) -> Vec<Vec<u8>> {
    scratch.run(&["init", "demo"]).expect_code(0);
    let store = ["--store", "example.db"];
    scratch
        .run_in(
            "demo",
            &[&store[..], &["consent", "import", "consent.csv"]].concat(),
        )
        .expect_code(0);
    scratch
        .run_in(
            "demo",
            &[
                &store[..],
                &["preview", "campaign.toml", "--out", "out", "--all"],
            ]
            .concat(),
        )
        .expect_code(0);
    let demo = scratch.path("demo");
    let mut paths: Vec<_> = std::fs::read_dir(demo.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// What a content filter's local rules look at, read with mailparse (a
/// parser independent of the mail-parser the other tests use): every text
/// part decodes to the same text in both parsers, with CRLF line breaks
/// only, encoded lines stay within 76 characters and header lines within 78,
/// and the HTML holds no entity-encoded slashes.
fn assert_clean(bytes: &[u8]) {
    let raw = String::from_utf8(bytes.to_vec()).expect("7-bit message");
    for line in raw.split("\r\n") {
        assert!(!line.contains('\n'), "a bare LF on the wire: {line:?}");
        assert!(line.len() <= 998, "line over 998: {line}");
    }
    let headers = raw.split("\r\n\r\n").next().unwrap();
    for line in headers.split("\r\n") {
        // 78 characters is a SHOULD (998 the rule): a line may pass it
        // only where it cannot be folded, one URL after the field name, or
        // the first line of mail-auth's DKIM-Signature, which it folds after.
        let value = line.split_once(": ").map_or(line, |(_, value)| value);
        let unfoldable = !value.trim().contains(' ');
        if !line.starts_with("DKIM-Signature:") && !unfoldable {
            assert!(line.len() <= 78, "header line over 78: {line}");
        }
    }
    let ours = MessageParser::default().parse(bytes).unwrap();
    let theirs = mailparse::parse_mail(bytes).expect("mailparse reads it");
    let mut leaves = Vec::new();
    let mut stack = vec![&theirs];
    while let Some(part) = stack.pop() {
        if part.subparts.is_empty() {
            leaves.push(part);
        } else {
            assert!(
                part.ctype.params.contains_key("boundary"),
                "a multipart without a boundary"
            );
            stack.extend(part.subparts.iter().rev());
        }
    }
    let mut texts = 0;
    for part in leaves {
        let encoded = part.get_body_raw().unwrap();
        let encoding = part
            .headers
            .iter()
            .find(|h| {
                h.get_key()
                    .eq_ignore_ascii_case("Content-Transfer-Encoding")
            })
            .map(|h| h.get_value().to_ascii_lowercase());
        if encoding.as_deref() == Some("base64") {
            let body = part.raw_bytes;
            let body = String::from_utf8_lossy(body);
            for line in body.split("\r\n").skip_while(|l| !l.is_empty()).skip(1) {
                assert!(line.len() <= 76, "base64 line over 76: {line}");
            }
        }
        let decoded = part.get_body().unwrap();
        match part.ctype.mimetype.as_str() {
            "text/plain" => {
                let canonical = String::from_utf8(encoded.clone()).unwrap_or_default();
                if encoding.as_deref() == Some("base64") {
                    // RFC 2049: text is encoded from its canonical form.
                    assert!(
                        !canonical.replace("\r\n", "").contains(['\r', '\n']),
                        "mixed line endings inside the text part"
                    );
                }
                let theirs = decoded.replace("\r\n", "\n");
                let ours = ours.body_text(0).unwrap().replace("\r\n", "\n");
                assert_eq!(theirs.trim_end(), ours.trim_end(), "text parts agree");
                texts += 1;
            }
            "text/html" => {
                assert!(!decoded.contains("&#x2f;"), "entity-encoded slashes");
                assert!(!decoded.contains("&#x"), "hex entities: {decoded}");
                let ours = ours.body_html(0).unwrap();
                assert_eq!(
                    decoded.replace("\r\n", "\n").trim_end(),
                    ours.replace("\r\n", "\n").trim_end()
                );
            }
            _ => {}
        }
    }
    assert_eq!(texts, 1, "one text part");
}

#[test]
fn the_example_renders_clean_for_content_filters_and_a_second_parser() {
    let scratch = Scratch::new();
    let all = example_messages(&scratch);
    assert!(!all.is_empty());
    for bytes in &all {
        assert_clean(bytes);
        let message = MessageParser::default().parse(bytes).unwrap();
        let html = message.body_html(0).unwrap();
        assert!(
            html.contains("href=\"https://example.co.jp/unsubscribe/"),
            "{html}"
        );
        // limits.timezone is Asia/Tokyo: the Date is in Japan's time.
        let date = message.header_raw("Date").unwrap().trim();
        assert!(date.ends_with("+0900"), "{date}");
    }
}

#[test]
fn a_template_saved_on_windows_gives_text_parts_with_crlf_only() {
    let scratch = scratch("email,name\ntaro@example.jp,山田太郎\n");
    // CRLF, as Notepad and Excel users save it, with enough Japanese that
    // the part is base64; the footer added after it has LF.
    scratch.write(
        "body.txt",
        "{{ name }}様\r\n\r\nいつもお世話になっております。\r\n年末年始の営業日のご案内です。\r\n",
    );
    scratch.write(
        "body.html",
        "<html>\r\n<body>\r\n<p>{{ name }}様 / いつも</p>\r\n</body>\r\n</html>\r\n",
    );
    let bytes = &messages(&scratch)[0];
    assert!(
        String::from_utf8_lossy(bytes).contains("Content-Transfer-Encoding: base64"),
        "the case that mixed line endings"
    );
    assert_clean(bytes);
    let html = MessageParser::default()
        .parse(bytes)
        .unwrap()
        .body_html(0)
        .unwrap()
        .into_owned();
    assert!(html.contains("山田太郎様 / いつも"), "{html}");
}
