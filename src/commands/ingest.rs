//! `ingest PATH...`: bounces, complaints and unsubscribe mails into the store.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Context;
use crate::address::Mailbox;
use crate::cli::{IngestArgs, ReportFormat};
use crate::error::Error;
use crate::ingest::{Clues, Finding, classify};
use crate::output::group;
use crate::store::feedback::{Applied, FeedbackEvent, FeedbackKind};
use crate::store::{Store, now_unix};
use crate::token::{Keys, Recipient};

/// Messages larger than this are skipped unread: reports are small, and a
/// stray 50 MB attachment in the bounce mailbox must not stop the rest.
const MAX_MESSAGE_BYTES: u64 = 25 * 1024 * 1024;

/// What happened to one message (or one recipient of a report).
#[derive(Debug, Default, Serialize)]
struct Outcome {
    /// Where the message came from: `file`, `mbox#n`, a Maildir file.
    message: String,
    /// `suppressed`, `already_suppressed`, `counted`, `already_ingested`, `skipped`.
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<FeedbackKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    list: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    reason: String,
}

#[derive(Default)]
struct Totals {
    messages: u64,
    suppressed: u64,
    counted: u64,
    unchanged: u64,
    skipped: u64,
}

/// `hikyaku ingest PATH...`.
pub fn ingest(context: &Context, args: &IngestArgs) -> Result<(), Error> {
    // Every path is checked before the first message is read.
    for path in &args.paths {
        std::fs::metadata(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
    }
    let mut store = context.open_store(None)?;
    let keys = store.keys()?;
    let mut run = Ingest {
        store: &mut store,
        keys,
        args,
        totals: Totals::default(),
        out: std::io::stdout().lock(),
    };
    for path in &args.paths {
        run.path(path)?;
    }
    let totals = &run.totals;
    context.ui.info(format_args!(
        "{} message(s): {} suppressed, {} soft bounce(s) counted, {} already known, {} skipped{}",
        group(totals.messages),
        group(totals.suppressed),
        group(totals.counted),
        group(totals.unchanged),
        group(totals.skipped),
        if args.dry_run {
            " (dry run: nothing was written)"
        } else {
            ""
        }
    ));
    Ok(())
}

struct Ingest<'a, W: Write> {
    store: &'a mut Store,
    keys: Keys,
    args: &'a IngestArgs,
    totals: Totals,
    out: W,
}

impl<W: Write> Ingest<'_, W> {
    fn path(&mut self, path: &Path) -> Result<(), Error> {
        let read_error = |source| Error::Read {
            path: path.to_owned(),
            source,
        };
        if path.is_dir() {
            if path.join("cur").is_dir() && path.join("new").is_dir() {
                let messages = mail_parser::mailbox::maildir::MessageIterator::new(path)
                    .map_err(read_error)?;
                for message in messages {
                    let message = message.map_err(read_error)?;
                    let label = message.path().display().to_string();
                    self.message(label, message.contents())?;
                }
                return Ok(());
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_error)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for file in files {
                self.file(&file)?;
            }
            return Ok(());
        }
        self.file(path)
    }

    fn file(&mut self, path: &Path) -> Result<(), Error> {
        let read_error = |source| Error::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut reader = BufReader::new(file);
        let mut start = [0u8; 5];
        let mut peeked = 0;
        while peeked < start.len() {
            match reader.read(&mut start[peeked..]).map_err(read_error)? {
                0 => break,
                n => peeked += n,
            }
        }
        let head = std::io::Cursor::new(start[..peeked].to_vec());
        if &start[..peeked] == b"From " {
            let messages = mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(
                head.chain(reader),
            ));
            for (index, message) in messages.enumerate() {
                let message = message.map_err(read_error)?;
                self.message(
                    format!("{}#{}", path.display(), index + 1),
                    message.contents(),
                )?;
            }
            return Ok(());
        }
        let mut raw = Vec::new();
        head.chain(reader)
            .take(MAX_MESSAGE_BYTES + 1)
            .read_to_end(&mut raw)
            .map_err(read_error)?;
        self.message(path.display().to_string(), &raw)
    }

    fn message(&mut self, label: String, raw: &[u8]) -> Result<(), Error> {
        self.totals.messages += 1;
        if raw.len() as u64 > MAX_MESSAGE_BYTES {
            return self.emit(Outcome {
                message: label,
                action: "skipped",
                reason: format!("larger than {} MB", MAX_MESSAGE_BYTES / 1024 / 1024),
                ..Outcome::default()
            });
        }
        let findings = match classify(raw) {
            Ok(findings) => findings,
            Err(reason) => {
                return self.emit(Outcome {
                    message: label,
                    action: "skipped",
                    reason,
                    ..Outcome::default()
                });
            }
        };
        let parsed = mail_parser::MessageParser::new().parse_headers(raw);
        let identity = parsed
            .as_ref()
            .and_then(|m| m.message_id())
            .map(|id| format!("message-id:{id}"))
            .unwrap_or_else(|| format!("sha256:{:x}", Sha256::digest(raw)));
        let now = now_unix();
        // The report's own date, so that re-reading an old mailbox does not
        // count old complaints as recent ones.
        let at = parsed
            .as_ref()
            .and_then(|m| m.date())
            .map(|d| d.to_timestamp())
            .filter(|t| *t > 0 && *t <= now)
            .unwrap_or(now);
        for (index, finding) in findings.into_iter().enumerate() {
            let outcome = self.apply(&label, finding, &format!("{identity}#{index}"), at)?;
            self.emit(outcome)?;
        }
        Ok(())
    }

    fn apply(
        &mut self,
        label: &str,
        finding: Finding,
        fingerprint: &str,
        at: i64,
    ) -> Result<Outcome, Error> {
        let skipped = |reason: String| Outcome {
            message: label.to_owned(),
            action: "skipped",
            reason,
            ..Outcome::default()
        };
        let (kind, source, clues, fallback, detail) = match finding {
            Finding::Bounce(bounce) => (
                if bounce.permanent {
                    FeedbackKind::HardBounce
                } else {
                    FeedbackKind::SoftBounce
                },
                bounce.source,
                bounce.clues,
                bounce.final_recipient,
                format!("{} {}", bounce.status, bounce.diagnostic)
                    .trim()
                    .to_owned(),
            ),
            Finding::Complaint(complaint) => (
                FeedbackKind::Complaint,
                "arf",
                complaint.clues,
                complaint.original_rcpt_to,
                complaint.feedback_type,
            ),
            Finding::Unsubscribe(request) => (
                FeedbackKind::Unsubscribe,
                "mailto",
                request.clues,
                Some(request.from),
                String::new(),
            ),
        };
        let traced = self.trace(&clues)?;
        let (campaign, list, email) = match traced {
            Some(recipient) => (
                Some(recipient.campaign.to_string()),
                Some(recipient.list.to_string()),
                recipient.email,
            ),
            None => {
                let Some(address) = fallback
                    .as_deref()
                    .and_then(|a| Mailbox::parse(a).ok())
                    .map(|m| m.address)
                else {
                    return Ok(skipped(format!(
                        "a {} that traces to no message of ours and names no usable address",
                        kind.describe()
                    )));
                };
                let key = address.key();
                match kind {
                    // A bounce that returned nothing of the message counts
                    // only for an address we mailed: anything else may be
                    // backscatter of mail forged in our name.
                    FeedbackKind::HardBounce | FeedbackKind::SoftBounce => {
                        match self.store.last_campaign_of(&key)? {
                            Some(campaign) => {
                                let list = self.store.campaign_list(&campaign)?;
                                (Some(campaign), list, key)
                            }
                            None => {
                                return Ok(skipped(format!(
                                    "a {} for {key}, an address this store never mailed (Message-ID and token unknown)",
                                    kind.describe()
                                )));
                            }
                        }
                    }
                    // A complaint or an unsubscribe by mail is honoured for
                    // every list when the message cannot be traced.
                    _ => (None, None, key),
                }
            }
        };
        let event = FeedbackEvent {
            kind,
            source: source.to_owned(),
            campaign: campaign.clone(),
            list: list.clone(),
            email: email.clone(),
            detail: detail.clone(),
            at,
        };
        let batch = self.store.batch()?;
        let applied = batch.apply_feedback(&event, Some(fingerprint), self.args.soft_bounces)?;
        if !self.args.dry_run {
            batch.commit()?;
        }
        let action = match applied {
            Applied::Suppressed => {
                self.totals.suppressed += 1;
                "suppressed"
            }
            Applied::AlreadySuppressed => {
                self.totals.unchanged += 1;
                "already_suppressed"
            }
            Applied::Counted { .. } => {
                self.totals.counted += 1;
                "counted"
            }
            Applied::Duplicate => {
                self.totals.unchanged += 1;
                "already_ingested"
            }
        };
        let detail = match applied {
            Applied::Counted { soft_bounces } => format!(
                "{detail} ({soft_bounces} of {} soft bounces in 30 days)",
                self.args.soft_bounces
            ),
            _ => detail,
        };
        Ok(Outcome {
            message: label.to_owned(),
            action,
            kind: Some(kind),
            email: Some(email),
            campaign,
            list: match kind {
                FeedbackKind::Unsubscribe => list.or(Some(String::new())),
                _ => Some(String::new()),
            },
            detail,
            reason: String::new(),
        })
    }

    /// The campaign and recipient the clues point at: a token that verifies
    /// first, then a Message-ID this store composed.
    fn trace(&self, clues: &Clues) -> Result<Option<Recipient>, Error> {
        for token in &clues.tokens {
            if let Some(id) = Keys::claimed_id(token)
                && let Some(recipient) = self.store.token_recipient(id)?
                && self.keys.verify(token, &recipient)
            {
                return Ok(Some(recipient));
            }
        }
        for message_id in &clues.message_ids {
            if let Some(recipient) = self.store.message_recipient(message_id)? {
                return Ok(Some(recipient));
            }
        }
        Ok(None)
    }

    fn emit(&mut self, outcome: Outcome) -> Result<(), Error> {
        if outcome.action == "skipped" {
            self.totals.skipped += 1;
        }
        match self.args.format {
            ReportFormat::Json => {
                serde_json::to_writer(&mut self.out, &outcome)?;
                writeln!(self.out)?;
            }
            ReportFormat::Text => {
                let line = match outcome.action {
                    "skipped" => format!("{}: skipped: {}", outcome.message, outcome.reason),
                    action => {
                        let scope = match outcome.list.as_deref() {
                            Some(list) if !list.is_empty() => format!(" for list {list}"),
                            _ => " for every list".to_owned(),
                        };
                        let what = match action {
                            "suppressed" => format!("suppressed{scope}"),
                            "already_suppressed" => format!("already suppressed{scope}"),
                            "counted" => "counted, not suppressed yet".to_owned(),
                            _ => "already ingested, nothing changed".to_owned(),
                        };
                        format!(
                            "{}: {} of {}{}{}: {what}",
                            outcome.message,
                            outcome.kind.map_or("", FeedbackKind::describe),
                            outcome.email.as_deref().unwrap_or(""),
                            outcome
                                .campaign
                                .as_deref()
                                .map(|c| format!(" (campaign {c})"))
                                .unwrap_or_default(),
                            if outcome.detail.is_empty() {
                                String::new()
                            } else {
                                format!(" [{}]", outcome.detail)
                            },
                        )
                    }
                };
                writeln!(self.out, "{line}")?;
            }
        }
        Ok(())
    }
}
