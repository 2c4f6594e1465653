//! A campaign already sent to the test SMTP server, where the feedback tests
//! start: what each recipient received, the report fixtures filled in for
//! them, and `ingest` to read the reports back.
//!
//! The fixtures carry placeholders for what only a real send knows: the
//! recipient, the Message-ID our store derived, and the whole message as the
//! SMTP server received it.

use std::collections::BTreeMap;

use super::{Campaign, Scratch, recipients, user};
use crate::smtp_server::SmtpServer;

/// The feedback report fixtures.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feedback");

/// A campaign sent to `count` recipients, with what each received.
pub struct Sent {
    pub server: SmtpServer,
    pub scratch: Scratch,
    /// The campaign that was sent.
    pub campaign: Campaign,
    /// Recipient → the bytes the server received.
    pub originals: BTreeMap<String, String>,
}

impl Sent {
    /// [`Campaign::delivery`] sent to `count` generated recipients.
    pub fn new(count: usize) -> Sent {
        Sent::with(count, |campaign| campaign)
    }

    /// The same, with the campaign changed by `change` before the send.
    pub fn with(count: usize, change: impl FnOnce(Campaign) -> Campaign) -> Sent {
        let server = SmtpServer::start();
        let campaign = change(Campaign::delivery(&server).rows(recipients(count, "example.jp")));
        let scratch = campaign.build();
        scratch.run(&["send", "campaign.toml"]).expect_code(0);
        let originals = server
            .received()
            .into_iter()
            .map(|m| (m.to[0].clone(), String::from_utf8(m.data).unwrap()))
            .collect();
        Sent {
            server,
            scratch,
            campaign,
            originals,
        }
    }

    pub fn message_id(&self, recipient: &str) -> String {
        let original = &self.originals[recipient];
        let message = mail_parser::MessageParser::new()
            .parse(original.as_bytes())
            .unwrap();
        message.message_id().unwrap().to_owned()
    }

    /// A fixture filled in for `recipient`.
    pub fn report(&self, fixture: &str, recipient: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{fixture}"))
            .unwrap()
            .replace("{{RECIPIENT}}", recipient)
            .replace("{{MESSAGE_ID}}", &self.message_id(recipient))
            .replace("{{ORIGINAL}}", &self.originals[recipient])
    }

    pub fn ingest(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = vec!["ingest", "--format", "json"];
        all.extend_from_slice(args);
        let run = self.scratch.run(&all);
        run.expect_code(0);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        run.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Address → (list, reason, source) of every suppression.
    pub fn suppressions(&self) -> BTreeMap<String, (String, String, String)> {
        let mut all = BTreeMap::new();
        self.scratch
            .store()
            .for_each_suppression::<hikyaku::store::StoreError>(None, |s| {
                all.insert(s.email, (s.list, s.reason, s.source));
                Ok(())
            })
            .unwrap();
        all
    }

    /// An advertisement `ad.toml` to the same eight recipients, consented,
    /// not yet sent, with these `[limits]`.
    pub fn next_advertisement(&self, limits: toml::Table) {
        let mut consent = String::from("email,list,basis,obtained_at,method\n");
        for n in 0..8 {
            consent.push_str(&format!(
                "{},newsletter,opt-in,2026-01-01T00:00:00+09:00,web form\n",
                user(n)
            ));
        }
        self.scratch.write("consent.csv", consent);
        self.scratch
            .run(&["consent", "import", "consent.csv"])
            .expect_code(0);
        Campaign::new()
            .id("next-ad")
            .smtp(&self.server)
            // As many connections as hikyaku opens by default.
            .remove("smtp.connections")
            .approval(false)
            .limits(limits)
            .saved_as("ad.toml")
            .write_to(&self.scratch);
    }
}

/// Messages in one mbox file.
pub fn mbox(messages: &[String]) -> String {
    messages
        .iter()
        .map(|m| format!("From MAILER-DAEMON  Sun Nov 22 10:15:31 2026\n{m}\n"))
        .collect()
}
