use super::*;

/// Every header a message carries is one DKIM signs, and DKIM signs
/// nothing the message lacks, with every optional header configured.
#[test]
fn dkim_signs_exactly_the_headers_the_message_carries() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "id = \"c\"\nkind = \"notice\"\nlist = \"news\"\n\
        [sender]\nfrom = \"ASUE <a@example.jp>\"\nreply_to = \"r@example.jp\"\n\
        [message]\nsubject = \"s\"\ntext = \"body.txt\"\nhtml = \"body.html\"\n\
        attachments = [\"a.pdf\"]\nfeedback_id = \"c:news:asue\"\n\
        [recipients]\npath = \"list.csv\"\n\
        [unsubscribe]\nurl = \"https://example.jp/u\"\nmailto = \"u@example.jp\"\n\
        [limits]\ntimezone = \"Asia/Tokyo\"\n";
    std::fs::write(dir.path().join("body.txt"), "hello\n").unwrap();
    std::fs::write(dir.path().join("body.html"), "<p>hello</p>\n").unwrap();
    std::fs::write(dir.path().join("a.pdf"), "%PDF-1.4\n").unwrap();
    std::fs::write(dir.path().join("list.csv"), "email,name\na@example.jp,A\n").unwrap();
    let campaign = Campaign::from_source(&dir.path().join("campaign.toml"), toml).unwrap();
    let renderer = Renderer::new(&campaign, &["email".into(), "name".into()]).unwrap();
    let address = Address::parse("taro@example.jp").unwrap();
    let rendered = renderer
        .templates()
        .unwrap()
        .render(
            Recipient {
                line: 2,
                address: &address,
                fields: &["taro@example.jp".into(), "太郎".into()],
            },
            &Identity {
                token: "T",
                message_id: "m@example.jp",
                boundary: "b",
                date: 1_800_000_000,
                test_to: None,
            },
        )
        .unwrap();
    let text = String::from_utf8(rendered.bytes).unwrap();
    let head = &text[..text.find("\r\n\r\n").unwrap()];
    let mut written: Vec<&str> = head
        .split("\r\n")
        .filter(|line| !line.starts_with([' ', '\t']))
        .map(|line| line.split(':').next().unwrap())
        .collect();
    let mut signed = renderer.header_names();
    written.sort_unstable();
    signed.sort_unstable();
    assert_eq!(written, signed);
}

#[test]
fn the_token_becomes_the_last_path_segment_as_the_parser_would_put_it() {
    for (base, expected) in [
        (
            "https://example.jp/unsubscribe",
            "https://example.jp/unsubscribe/T-_9",
        ),
        ("https://example.jp/u/", "https://example.jp/u/T-_9"),
        ("https://example.jp", "https://example.jp/T-_9"),
        (
            "https://example.jp/u?lang=ja#x",
            "https://example.jp/u/T-_9?lang=ja#x",
        ),
    ] {
        let (head, tail) = around_token(&url::Url::parse(base).unwrap());
        assert_eq!(format!("{head}T-_9{tail}"), expected);
    }
}
