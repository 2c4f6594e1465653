//! `ingest SOURCE...`: bounces, complaints and unsubscribe mails into the store.

use std::io::Write;

use sha2::{Digest, Sha256};

use super::Context;
use crate::cli::{IngestArgs, ReportFormat};
use crate::clock::now_unix;
use crate::error::Error;
use crate::feedback::policy::{self, Action, Options, Outcome};
use crate::feedback::source::{self, Content, Source, SourceError};
use crate::feedback::{Finding, Format, Kind, Reason, Report, classify, imap, trace};
use crate::output::group;
use crate::store::Store;
use crate::token::Keys;

/// `hikyaku ingest SOURCE...`.
pub(super) fn ingest(context: &Context, args: &IngestArgs) -> Result<(), Error> {
    let sources = args
        .sources
        .iter()
        .map(|s| Source::parse(s).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let imap_password = if sources.iter().any(|s| matches!(s, Source::Imap(_))) {
        Some(imap::password(args.password_file.as_deref())?)
    } else {
        None
    };
    let mut store = context.open_store(None)?;
    let keys = store.keys()?;
    let mut run = Run {
        store: &mut store,
        keys,
        options: Options {
            dry_run: args.dry_run,
            accept_untraced: args.accept_untraced,
            trusted_authserv_id: args
                .trust_authserv_id
                .as_deref()
                .map(str::to_ascii_lowercase),
            soft_bounce_limit: args.soft_bounces,
        },
        format: args.format,
        totals: Totals::default(),
        out: std::io::stdout().lock(),
        chunk: Chunk::default(),
    };
    // A source that cannot be read (a missing file, an IMAP server down or
    // refusing the login) does not stop the others; the first one decides
    // the exit code.
    let mut failed_source: Option<Error> = None;
    for source in &sources {
        let result = match source {
            Source::Path(path) => {
                source::read_path::<Error>(path, &mut |label, content| run.message(&label, content))
            }
            Source::Imap(url) => imap::ingest(
                url,
                &imap::Login {
                    password: imap_password.as_deref().unwrap_or_default(),
                    ca_file: args.ca_file.as_deref(),
                    move_to: args.move_to.as_deref(),
                    dry_run: args.dry_run,
                },
                // A message is flagged on the server only once its findings
                // are committed.
                &mut |label, content| {
                    run.message(&label, content)?;
                    run.flush()
                },
            ),
        };
        match result {
            Ok(()) => {}
            Err(error @ (Error::Read { .. } | Error::Imap(_))) => match failed_source {
                // The first one is the error the run ends with.
                None => failed_source = Some(error),
                Some(_) => context.ui.warn(format_args!("{error}")),
            },
            Err(error) => {
                // The store failed: what the open chunk did is undone, and
                // its lines are not printed.
                run.abandon();
                return Err(error);
            }
        }
    }
    run.flush()?;
    let totals = &run.totals;
    context.ui.info(format_args!(
        "{} message(s): {} suppressed, {} counted, {} unverified (traced to nothing of ours), {} skipped{}",
        group(totals.messages),
        group(totals.suppressed),
        group(totals.counted),
        group(totals.unverified),
        group(totals.skipped),
        if args.dry_run {
            " (dry run: nothing was written)"
        } else {
            ""
        }
    ));
    if totals.unverified_unsubscribes > 0 {
        context.ui.warn(format_args!(
            "{} unsubscribe request(s) could not be traced to a message of ours: the Act obliges \
             you to honour an opt-out, so review them (hikyaku status shows them) and run \
             `hikyaku suppress add ADDRESS` for each person who asked",
            group(totals.unverified_unsubscribes)
        ));
    }
    match failed_source {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

impl From<SourceError> for Error {
    fn from(error: SourceError) -> Self {
        Error::Read {
            path: error.path,
            source: error.source,
        }
    }
}

#[derive(Default)]
struct Totals {
    messages: u64,
    suppressed: u64,
    counted: u64,
    unverified: u64,
    unverified_unsubscribes: u64,
    skipped: u64,
}

/// Messages whose writes share one transaction: a mailbox of 100,000
/// bounces takes the store's lock 100,000 times otherwise. Kept short, since
/// a running send and the endpoint wait for the lock meanwhile, and its
/// lines are printed only once it is committed, so the output never claims
/// what a crash undid (reading the same mail again is harmless).
#[derive(Default)]
struct Chunk {
    open: bool,
    since: Option<std::time::Instant>,
    messages: usize,
    lines: Vec<Outcome>,
}

/// The most messages, and the longest time, one chunk holds the lock.
const CHUNK_MESSAGES: usize = 500;
const CHUNK_TIME: std::time::Duration = std::time::Duration::from_millis(100);

struct Run<'a, W: Write> {
    store: &'a mut Store,
    keys: Keys,
    options: Options,
    format: ReportFormat,
    totals: Totals,
    out: W,
    chunk: Chunk,
}

impl<W: Write> Run<'_, W> {
    /// Classifies, traces and applies one message, in the open chunk.
    fn message(&mut self, label: &str, content: Content) -> Result<(), Error> {
        self.totals.messages += 1;
        if !self.chunk.open {
            self.store.begin_chunk()?;
            self.chunk.open = true;
            self.chunk.since = Some(std::time::Instant::now());
        }
        self.classify_and_apply(label, content)?;
        self.chunk.messages += 1;
        // A dry run undoes every message on its own, as it always did.
        if self.options.dry_run
            || self.chunk.messages >= CHUNK_MESSAGES
            || self.chunk.since.is_some_and(|t| t.elapsed() >= CHUNK_TIME)
        {
            self.flush()?;
        }
        Ok(())
    }

    /// Undoes the open chunk after a failure; its lines are dropped.
    fn abandon(&mut self) {
        if self.chunk.open {
            let _ = self.store.end_chunk(false);
        }
        self.chunk = Chunk::default();
    }

    /// Ends the open chunk (committing it, or undoing it in a dry run) and
    /// prints its lines.
    fn flush(&mut self) -> Result<(), Error> {
        if self.chunk.open
            && let Err(error) = self.store.end_chunk(!self.options.dry_run)
        {
            self.chunk = Chunk::default();
            return Err(error.into());
        }
        let chunk = std::mem::take(&mut self.chunk);
        for outcome in &chunk.lines {
            self.emit(outcome)?;
        }
        Ok(())
    }

    fn classify_and_apply(&mut self, label: &str, content: Content) -> Result<(), Error> {
        let raw = match content {
            Content::Bytes(raw) => raw,
            Content::TooLarge(size) => {
                let why = format!(
                    "larger than {} MB ({} bytes): reports are small, so it was not read",
                    source::MAX_MESSAGE_BYTES / 1024 / 1024,
                    group(size)
                );
                return self.unreadable(label, &why);
            }
            Content::Failed(why) => return self.unreadable(label, &format!("cannot read: {why}")),
        };
        let report = classify(&raw);
        let identity = report
            .message_id
            .as_deref()
            .map(|id| format!("message-id:{id}"))
            .unwrap_or_else(|| format!("sha256:{:x}", Sha256::digest(&raw)));
        let now = now_unix();
        // The report's own date, so that re-reading an old mailbox does not
        // count old complaints as recent ones.
        let at = report.date.filter(|t| *t <= now).unwrap_or(now);
        let traced = trace::trace(self.store, &self.keys, &report.clues)?;
        let outcomes = policy::apply(
            self.store,
            label,
            &report,
            &traced,
            &identity,
            at,
            &self.options,
        )?;
        self.chunk.lines.extend(outcomes);
        Ok(())
    }

    fn unreadable(&mut self, label: &str, why: &str) -> Result<(), Error> {
        let report = Report {
            findings: vec![Finding::about_message(
                Kind::Unreadable,
                Reason::Undefined,
                Format::Other,
                why,
            )],
            clues: Default::default(),
            message_id: None,
            date: None,
            authenticated_by: Vec::new(),
        };
        let outcomes = policy::apply(self.store, label, &report, &[], "", 0, &self.options)?;
        self.chunk.lines.extend(outcomes);
        Ok(())
    }

    fn emit(&mut self, outcome: &Outcome) -> Result<(), Error> {
        match outcome.action {
            Action::Suppressed => self.totals.suppressed += 1,
            Action::Counted => self.totals.counted += 1,
            Action::Unverified => {
                self.totals.unverified += 1;
                if outcome.kind == Kind::Unsubscribe {
                    self.totals.unverified_unsubscribes += 1;
                }
            }
            Action::Skipped => self.totals.skipped += 1,
        }
        match self.format {
            ReportFormat::Json => {
                serde_json::to_writer(&mut self.out, outcome)?;
                writeln!(self.out)?;
            }
            ReportFormat::Text => {
                let action = match outcome.action {
                    Action::Suppressed => "suppressed",
                    Action::Counted => "counted",
                    Action::Unverified => "unverified",
                    Action::Skipped => "skipped",
                };
                let mut facts = vec![outcome.kind.as_str().to_owned(), outcome.reason.to_owned()];
                facts.extend(outcome.status.clone());
                if let Some(recipient) = &outcome.recipient {
                    facts.push(recipient.clone());
                }
                if let Some(campaign) = &outcome.campaign {
                    facts.push(format!("campaign {campaign} by {}", outcome.trace.as_str()));
                }
                writeln!(
                    self.out,
                    "{}: {action}: {} [{}]",
                    // A file name is the one thing here no report wrote, but
                    // it reaches the terminal all the same.
                    crate::feedback::mail::clean_text(&outcome.message, 1000),
                    outcome.detail,
                    facts.join(", ")
                )?;
            }
        }
        Ok(())
    }
}
