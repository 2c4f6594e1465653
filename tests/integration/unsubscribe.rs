//! `serve` over real HTTP on 127.0.0.1, with tokens taken from messages the
//! project generated: one-click POST suppresses, GET does not, altered tokens
//! are refused alike, and a send on the same store is unaffected.

use std::time::Duration;

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::{Campaign, Scratch, Serving, finish, recipients};

/// `hikyaku serve` on a free port, and a client for it.
struct Endpoint {
    serving: Serving,
    agent: ureq::Agent,
}

impl Endpoint {
    fn start(scratch: &Scratch) -> Endpoint {
        Endpoint::start_at(scratch, None)
    }

    /// With `now`, the endpoint's clock is set (HIKYAKU_NOW).
    fn start_at(scratch: &Scratch, now: Option<&str>) -> Endpoint {
        let mut command = scratch.command(&["serve", "--listen", "127.0.0.1:0"]);
        if let Some(now) = now {
            command = command.env("HIKYAKU_NOW", now);
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Endpoint {
            serving: command.serve(),
            agent,
        }
    }

    fn url(&self, token: &str) -> String {
        format!("{}/unsubscribe/{token}", self.serving.base)
    }

    fn get(&self, token: &str) -> Reply {
        Reply::from(self.agent.get(&self.url(token)).call())
    }

    fn post(&self, token: &str, content_type: &str, body: &[u8]) -> Reply {
        Reply::from(
            self.agent
                .post(&self.url(token))
                .header("Content-Type", content_type)
                .send(body),
        )
    }

    fn one_click(&self, token: &str) -> Reply {
        self.post(
            token,
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click",
        )
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn from(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = result.expect("an HTTP response");
        Reply {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: response.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    }
}

/// A notice campaign (no consent needed) and its previewed messages.
fn previewed(count: usize) -> Scratch {
    let scratch = Campaign::new()
        .notice()
        .rows(recipients(count, "example.jp"))
        .build();
    scratch
        .run(&["preview", "campaign.toml", "--out", "out", "--all"])
        .expect_code(0);
    scratch
}

/// The token of each previewed message, by recipient, read from its
/// List-Unsubscribe header with a standard parser.
fn tokens(scratch: &Scratch) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(scratch.path("out")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::new().parse(&bytes).unwrap();
        let to = message.to().unwrap().first().unwrap().address().unwrap();
        let header = message.header_raw("List-Unsubscribe").unwrap();
        let url = header
            .split(['<', '>'])
            .find(|part| part.starts_with("https://"))
            .unwrap();
        let token = url.rsplit('/').next().unwrap();
        found.push((to.to_owned(), token.to_owned()));
    }
    found.sort();
    found
}

fn suppressions(scratch: &Scratch) -> Vec<(String, String, String)> {
    let store = scratch.store();
    let mut all = Vec::new();
    store
        .for_each_suppression::<hikyaku::store::StoreError>(None, |s| {
            all.push((s.email, s.list, s.source));
            Ok(())
        })
        .unwrap();
    all
}

#[test]
fn one_click_post_unsubscribes_and_a_get_never_does() {
    let scratch = previewed(4);
    let tokens = tokens(&scratch);
    assert_eq!(tokens.len(), 4);
    let endpoint = Endpoint::start(&scratch);
    let (first, token) = &tokens[0];
    let health = Reply::from(
        endpoint
            .agent
            .get(format!("{}/healthz", endpoint.serving.base))
            .call(),
    );
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));

    // A scanner following the link: a page with a button, nothing written.
    let page = endpoint.get(token);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("method=\"post\"") && page.body.contains("配信を停止する"));
    assert!(page.body.contains("Unsubscribe"));
    assert!(
        !page.body.contains(first.as_str()),
        "the page masks the address"
    );
    assert!(!page.has_header("set-cookie"));
    assert!(suppressions(&scratch).is_empty());

    // RFC 8058: 200, no redirect, no cookie; repeating it is harmless.
    for _ in 0..2 {
        let done = endpoint.one_click(token);
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(!done.has_header("location") && !done.has_header("set-cookie"));
    }
    assert_eq!(
        suppressions(&scratch),
        [(first.clone(), "newsletter".into(), "one-click".into())]
    );

    // Multipart, as some providers send it.
    let (second, token) = &tokens[1];
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n\
                One-Click\r\n--XyZ--\r\n";
    let done = endpoint.post(token, "multipart/form-data; boundary=XyZ", body.as_bytes());
    assert_eq!(done.status, 200, "{}", done.body);

    // The confirmation page's button.
    let (third, token) = &tokens[2];
    let done = endpoint.post(token, "application/x-www-form-urlencoded", b"confirm=web");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("配信を停止しました"));

    // A POST without either form is not an unsubscribe; an oversized body is refused.
    let (fourth, token) = &tokens[3];
    assert_eq!(
        endpoint
            .post(token, "application/x-www-form-urlencoded", b"")
            .status,
        400
    );
    let huge = format!("List-Unsubscribe=One-Click&pad={}", "x".repeat(10_000));
    assert_eq!(
        endpoint
            .post(token, "application/x-www-form-urlencoded", huge.as_bytes())
            .status,
        413
    );

    let sources: Vec<(String, String)> = suppressions(&scratch)
        .into_iter()
        .map(|(email, _, source)| (email, source))
        .collect();
    assert_eq!(
        sources,
        [
            (first.clone(), "one-click".into()),
            (second.clone(), "one-click".into()),
            (third.clone(), "web".into()),
        ]
    );
    assert!(!sources.iter().any(|(email, _)| email == fourth));

    // Each unsubscribe is on record with its time and source, and the
    // address's consent for the list is revoked.
    let history = scratch.run(&["consent", "export", "--address", first, "--format", "json"]);
    history.expect_code(0);
    let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let feedback = history["feedback"].as_array().unwrap();
    assert_eq!(feedback.len(), 1, "the repeat wrote nothing: {feedback:?}");
    assert_eq!(feedback[0]["source"], "one-click");
    assert_eq!(feedback[0]["campaign"], "test-campaign");
    assert!(!feedback[0]["at"].as_str().unwrap().is_empty());
    assert_eq!(history["revocations"][0]["list"], "newsletter");
}

#[test]
fn altered_truncated_and_foreign_tokens_get_the_same_refusal_and_write_nothing() {
    let scratch = previewed(2);
    let tokens = tokens(&scratch);
    let other = previewed(1);
    let foreign = tokens_of_other_store(&other);
    let endpoint = Endpoint::start(&scratch);
    let good = &tokens[0].1;

    let mut altered = good.clone().into_bytes();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let mut id_altered = good.clone().into_bytes();
    id_altered[2] = if id_altered[2] == b'A' { b'B' } else { b'A' };
    let id_altered = String::from_utf8(id_altered).unwrap();
    let cases = [
        altered,
        id_altered,
        good[..good.len() - 1].to_owned(),
        format!("{good}A"),
        foreign,
        "A".repeat(32),
        "not-a-token".to_owned(),
    ];
    let mut bodies = Vec::new();
    for token in &cases {
        let get = endpoint.get(token);
        let post = endpoint.one_click(token);
        assert_eq!((get.status, post.status), (404, 404), "{token}");
        bodies.push(post.body);
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "every refusal reads the same");
    assert!(suppressions(&scratch).is_empty());
    let history = scratch.run(&[
        "consent",
        "export",
        "--address",
        &tokens[0].0,
        "--format",
        "json",
    ]);
    let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert!(history["feedback"].as_array().unwrap().is_empty());
}

fn tokens_of_other_store(other: &Scratch) -> String {
    tokens(other).remove(0).1
}

#[test]
fn a_send_beside_serve_is_unaffected_and_skips_who_unsubscribed_meanwhile() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .set("smtp.connections", 1)
        .rows(recipients(12, "example.jp"))
        .build();
    scratch
        .run(&["preview", "campaign.toml", "--out", "out", "--all"])
        .expect_code(0);
    let tokens = tokens(&scratch);
    let endpoint = Endpoint::start(&scratch);

    // Hold the first message the send transmits, whichever it is.
    for (email, _) in &tokens {
        server.rule(email, Behaviour::Hold);
    }
    let send = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(server.wait_until_holding(Duration::from_secs(30)));
    for (email, _) in &tokens {
        server.clear_rule(email);
    }
    let in_flight = server.held();
    // While the send holds the store's journal, unsubscribe everyone else.
    let mut unsubscribed = Vec::new();
    for (email, token) in &tokens {
        if !in_flight.contains(email) {
            let reply = endpoint.one_click(token);
            assert_eq!(reply.status, 200, "{}", reply.body);
            unsubscribed.push(email.clone());
        }
    }
    server.release();
    let run = finish(send);
    run.expect_code(0);
    assert!(!run.stderr.contains("locked") && !run.stderr.contains("busy"));
    assert_eq!(
        server.recipients(),
        in_flight,
        "nobody who unsubscribed got mail"
    );
    assert_eq!(unsubscribed.len(), 11);

    // The pages name who sent the campaign (it has sent now), before and
    // after the button.
    let (email, token) = tokens
        .iter()
        .find(|(email, _)| in_flight.contains(email))
        .unwrap();
    let confirm = endpoint.get(token);
    assert!(
        confirm.body.contains("送信者: ASUE株式会社"),
        "{}",
        confirm.body
    );
    assert!(
        confirm.body.contains("Sender: ASUE株式会社"),
        "{}",
        confirm.body
    );
    let done = endpoint.post(token, "application/x-www-form-urlencoded", b"confirm=web");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("配信を停止しました") && done.body.contains("送信者: ASUE株式会社"),
        "{email}: {}",
        done.body
    );
}

#[test]
fn a_token_still_works_long_after_the_message_was_sent() {
    let scratch = previewed(1);
    let (email, token) = tokens(&scratch).remove(0);
    // Providers may act on a message weeks later; tokens never expire while
    // the store keeps its secret. 400 days on:
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(400 * 24)).to_string();
    let endpoint = Endpoint::start_at(&scratch, Some(&later));
    assert_eq!(endpoint.one_click(&token).status, 200);
    let history = scratch.run(&["consent", "export", "--address", &email, "--format", "json"]);
    let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(
        history["feedback"][0]["at"].as_str().unwrap()[..10],
        later[..10],
        "recorded at the endpoint's time"
    );
}
