//! DKIM: signatures verified by mail-auth from the written bytes, with the
//! public key served by a test resolver; the body hash recomputed by a second,
//! independent implementation (mail-auth 0.13 has a relaxed body-hash bug).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use base64::Engine as _;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::{
    AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters, ResolverCache, Txt,
};
use sha2::{Digest, Sha256};
use toml::toml;

use crate::dns_server::DnsServer;
use crate::support::{Campaign, Run, Scratch};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

/// A DNS that knows only what the test put in it.
struct TestResolver(Mutex<HashMap<Box<str>, Txt>>);

impl ResolverCache<Box<str>, Txt> for TestResolver {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(name).cloned()
    }
    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(name)
    }
    fn insert(&self, key: Box<str>, value: Txt, _: std::time::Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// Verifies `message` with the key record `record` published for `name`.
fn verify(message: &[u8], name: &str, record: &str) -> Vec<DkimResult> {
    let resolver = TestResolver(Mutex::new(HashMap::new()));
    let key = DomainKey::parse(record.as_bytes()).expect("a valid key record");
    resolver.insert(
        format!("{name}.").into(),
        Txt::from(key),
        std::time::Instant::now(),
    );
    let authenticated = AuthenticatedMessage::parse(message).expect("parsable message");
    let authenticator = MessageAuthenticator::new_cloudflare().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outputs = runtime.block_on(
        authenticator.verify_dkim(Parameters::new(&authenticated).with_txt_cache(&resolver)),
    );
    outputs.iter().map(|o| o.result().clone()).collect()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{KEYS}/{name}"))
        .unwrap()
        .trim()
        .to_owned()
}

/// A notice signed with `key`, text-only.
fn signed(key: &str) -> Campaign {
    Campaign::new()
        .notice()
        .set(
            "dkim",
            toml! {
                domain = "example.co.jp"
                selector = "s2026"
                private_key = "dkim.pem"
            },
        )
        .file("dkim.pem", std::fs::read(format!("{KEYS}/{key}")).unwrap())
        // A body ending in blank lines and trailing spaces: the relaxed body-hash trap.
        .file("body.txt", "{{ name }}様  \n本文\t \n\n\n   \n")
        .rows("email,name\ntaro@example.jp,山田太郎\n")
}

/// The same with an HTML part.
fn signed_html(key: &str) -> Campaign {
    signed(key).html("<p>{{ name }}様</p>\n")
}

fn first_message(scratch: &Scratch) -> Vec<u8> {
    scratch
        .run(&["preview", "campaign.toml", "--out", "out"])
        .expect_code(0);
    let entry = std::fs::read_dir(scratch.path("out"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    std::fs::read(entry.path()).unwrap()
}

/// The tags of the DKIM-Signature header, unfolded.
fn signature_tags(message: &[u8]) -> HashMap<String, String> {
    let text = String::from_utf8_lossy(message);
    let header_end = text.find("\r\n\r\n").unwrap();
    let unfolded = text[..header_end]
        .replace("\r\n\t", " ")
        .replace("\r\n ", " ");
    let line = unfolded
        .lines()
        .find(|l| l.starts_with("DKIM-Signature:"))
        .expect("signed");
    line["DKIM-Signature:".len()..]
        .split(';')
        .filter_map(|tag| {
            let (k, v) = tag.split_once('=')?;
            Some((k.trim().to_owned(), v.split_whitespace().collect()))
        })
        .collect()
}

/// RFC 6376 §3.4.4 relaxed body canonicalization and SHA-256, written here
/// independently of mail-auth.
fn relaxed_body_hash(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|line| {
            let collapsed = line
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if line.starts_with([' ', '\t']) && !collapsed.is_empty() {
                format!(" {collapsed}")
            } else {
                collapsed
            }
        })
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let canonical: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(canonical.as_bytes()))
}

#[test]
fn rsa_and_ed25519_signatures_verify_from_the_written_bytes() {
    let rsa = format!("v=DKIM1; k=rsa; p={}", fixture("rsa2048.spki.b64"));
    let ed = format!("v=DKIM1; k=ed25519; p={}", fixture("ed25519.raw.b64"));
    for (key, record, html) in [
        ("rsa2048.pem", &rsa, true),
        ("rsa2048.pem", &rsa, false),
        ("rsa2048-pkcs1.pem", &rsa, false),
        ("ed25519.pem", &ed, true),
        ("ed25519.pem", &ed, false),
    ] {
        let campaign = if html { signed_html(key) } else { signed(key) };
        let scratch = campaign.build();
        let message = first_message(&scratch);
        assert_eq!(
            verify(&message, "s2026._domainkey.example.co.jp", record),
            [DkimResult::Pass],
            "{key} html={html}"
        );

        let tags = signature_tags(&message);
        assert_eq!(tags["c"], "relaxed/relaxed");
        assert!(!tags.contains_key("l"), "no body length limit");
        assert_eq!(
            tags["bh"],
            relaxed_body_hash(&message),
            "{key}: a second implementation agrees on the body hash"
        );
        let signed: Vec<String> = tags["h"]
            .split(':')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        assert_eq!(
            signed.iter().filter(|h| *h == "from").count(),
            2,
            "From over-signed: {signed:?}"
        );
        for header in [
            "to",
            "subject",
            "date",
            "message-id",
            "mime-version",
            "content-type",
            "list-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
        ] {
            assert!(
                signed.contains(&header.to_owned()),
                "h= lacks {header}: {signed:?}"
            );
        }
    }
}

#[test]
fn reply_to_and_feedback_id_are_signed_when_present() {
    let scratch = signed("ed25519.pem")
        .set("message.feedback_id", "newsletter:asue:hikyaku")
        .set("sender.reply_to", "support@example.co.jp")
        .build();
    let message = first_message(&scratch);
    let text = String::from_utf8_lossy(&message);
    assert!(
        text.contains("\r\nFeedback-ID: newsletter:asue:hikyaku\r\n"),
        "{text}"
    );
    let signed = signature_tags(&message)["h"].to_ascii_lowercase();
    assert!(
        signed.contains("reply-to") && signed.contains("feedback-id"),
        "{signed}"
    );
    let ed = format!("v=DKIM1; k=ed25519; p={}", fixture("ed25519.raw.b64"));
    assert_eq!(
        verify(&message, "s2026._domainkey.example.co.jp", &ed),
        [DkimResult::Pass]
    );
}

#[test]
fn tampering_breaks_the_signature() {
    let rsa = format!("v=DKIM1; k=rsa; p={}", fixture("rsa2048.spki.b64"));
    let message = first_message(&signed_html("rsa2048.pem").build());
    let text = String::from_utf8(message).unwrap();
    let header_end = text.find("\r\n\r\n").unwrap();
    let added_from = format!(
        "{}\r\nFrom: attacker@example.org{}",
        &text[..header_end],
        &text[header_end..]
    );
    let altered_subject = text.replacen("Subject:", "Subject: Re:", 1);
    assert_ne!(altered_subject, text, "a Subject to alter");
    let altered_body = format!("{}X", &text[..text.len() - 10]) + &text[text.len() - 9..];
    for tampered in [added_from, altered_subject, altered_body] {
        let results = verify(tampered.as_bytes(), "s2026._domainkey.example.co.jp", &rsa);
        assert!(!results.contains(&DkimResult::Pass), "{results:?}");
    }
    // The wrong key fails too.
    let ed = format!("v=DKIM1; k=ed25519; p={}", fixture("ed25519.raw.b64"));
    assert!(
        !verify(text.as_bytes(), "s2026._domainkey.example.co.jp", &ed).contains(&DkimResult::Pass)
    );
}

#[test]
fn unusable_keys_and_misaligned_domains_are_configuration_errors() {
    for (key, expected) in [("rsa1024.pem", "2048"), ("ec-p256.pem", "RSA or Ed25519")] {
        let scratch = signed(key).build();
        scratch
            .run(&["check", "campaign.toml"])
            .expect_code(78)
            .stderr_has(&["dkim.pem", expected]);
    }
    let scratch = signed("rsa2048.pem").build();
    std::fs::write(scratch.path("dkim.pem"), "not a key").unwrap();
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["not a PEM private key"]);
    std::fs::remove_file(scratch.path("dkim.pem")).unwrap();
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["dkim.private_key", "does not exist"]);

    let scratch = signed("rsa2048.pem")
        .set("dkim.domain", "mailer-example.com")
        .build();
    scratch
        .run(&["check", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["dkim.domain", "does not align", "example.co.jp"]);
}

#[test]
fn a_subdomain_key_aligns_with_the_parent_from_domain() {
    let scratch = signed("ed25519.pem")
        .set("dkim.domain", "mail.example.co.jp")
        .build();
    scratch.run(&["check", "campaign.toml"]).expect_code(0);
}

#[test]
fn check_dns_says_plainly_when_dns_cannot_be_reached() {
    let scratch = signed("ed25519.pem").build();
    // Port 9 on loopback: nothing answers DNS there.
    let run = scratch
        .command(&["check", "campaign.toml", "--dns"])
        .env("HIKYAKU_DNS_SERVER", "127.0.0.1:9")
        .run();
    run.expect_code(75)
        .stderr_has(&["DNS could not be reached"]);
    assert!(run.stdout.contains("unreachable"), "{}", run.stdout);
}

/// `check --dns --format json` against `dns`: the run and each record's
/// (status, detail) by record kind.
fn check_dns(scratch: &Scratch, dns: &DnsServer) -> (Run, HashMap<String, (String, String)>) {
    let run = scratch
        .command(&["check", "campaign.toml", "--dns", "--format", "json"])
        .env("HIKYAKU_DNS_SERVER", dns.address())
        .run();
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    let verdicts = report["dns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| {
            let text = |key: &str| check[key].as_str().unwrap().to_owned();
            (text("record"), (text("status"), text("detail")))
        })
        .collect();
    (run, verdicts)
}

#[test]
fn check_dns_reads_each_record_through_the_resolver() {
    // From a subdomain: DMARC falls back to the organizational domain.
    let scratch = signed("rsa2048.pem")
        .set("sender.from", "ASUE株式会社 <news@mail.example.co.jp>")
        .build();
    let dns = DnsServer::start();

    let (run, verdicts) = check_dns(&scratch, &dns);
    run.expect_code(78).stderr_has(&["missing or do not match"]);
    for record in ["spf", "dkim", "dmarc"] {
        assert_eq!(verdicts[record].0, "missing", "{record}: {verdicts:?}");
    }
    // What to publish is printed in full; publish exactly that.
    let dkim_record = verdicts["dkim"]
        .1
        .split_once("publish: ")
        .unwrap()
        .1
        .to_owned();
    assert!(
        dkim_record.starts_with("v=DKIM1; k=rsa; p=MII"),
        "{dkim_record}"
    );

    dns.txt("mail.example.co.jp", &["google-site-verification=abc"]);
    // Long records travel as several strings; the resolver joins them.
    dns.txt("mail.example.co.jp", &["v=spf1 ip4:192.0.2.1", " -all"]);
    let chunks: Vec<&str> = dkim_record
        .as_bytes()
        .chunks(255)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    assert!(chunks.len() > 1, "an RSA-2048 record needs several strings");
    dns.txt("s2026._domainkey.example.co.jp", &chunks);
    dns.txt("_dmarc.example.co.jp", &["v=DMARC1; p=none"]);
    let (run, verdicts) = check_dns(&scratch, &dns);
    run.expect_code(0);
    assert_eq!(
        verdicts["spf"],
        ("ok".into(), "v=spf1 ip4:192.0.2.1 -all".into())
    );
    assert_eq!(verdicts["dkim"].0, "ok", "{verdicts:?}");
    assert_eq!(verdicts["dmarc"], ("ok".into(), "v=DMARC1; p=none".into()));

    // Another key at the selector is a mismatch, with the record to publish.
    dns.remove("s2026._domainkey.example.co.jp");
    dns.txt(
        "s2026._domainkey.example.co.jp",
        &["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
    );
    let (run, verdicts) = check_dns(&scratch, &dns);
    run.expect_code(78);
    assert_eq!(verdicts["dkim"].0, "mismatched", "{verdicts:?}");
    assert!(verdicts["dkim"].1.ends_with(&dkim_record), "{verdicts:?}");
    assert_eq!(verdicts["spf"].0, "ok");
}
