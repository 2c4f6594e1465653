//! `check` and `preview`: the plan, its counts, the approval digest, and the
//! exact messages.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use super::Context;
use super::session::{Session, Walked, every_message_kept, open_folder};
use crate::cli::{PreviewArgs, ReportFormat};
use crate::clock::now_unix;
use crate::compose::{Composer, Session as ComposeSession};
use crate::csv_input::Row;
use crate::deliver::pipeline::{Feed, Pipeline};
use crate::error::Error;
use crate::estimate::{Estimate, estimate};
use crate::output::group;
use crate::plan::{SkipReason, Verdict};
use crate::report;
use crate::store::Store;

/// `hikyaku preview CAMPAIGN`.
pub(super) fn preview(context: &Context, args: &PreviewArgs) -> Result<(), Error> {
    let mut skipped = args
        .skipped
        .as_deref()
        .map(SkippedRows::create)
        .transpose()?;
    let mut session = Session::open(context, &args.campaign, "planning")?;
    if let Some(skipped) = skipped.as_mut() {
        skipped.write_header(session.plan.headers())?;
    }
    // Built even without --out: the first message is composed to check what
    // its reader sees (the legal footer visible, the size within carriers').
    let keys = session.store.keys()?;
    let campaign = session.campaign.clone();
    let store = session.store.path().to_owned();
    let composer = if args.out.is_some() || args.report.is_some() {
        Composer::new(&campaign, session.plan.headers(), keys)?
    } else {
        Composer::unsigned(&campaign, session.plan.headers(), keys)?
    };
    let mut seen = Seen {
        composer: &composer,
        messages: composer.session()?,
        date: now_unix(),
        report_samples: if args.report.is_some() {
            args.sample
        } else {
            0
        },
        to_folder: if args.all { u64::MAX } else { args.sample },
        skipped,
        first_checked: false,
        samples: Vec::new(),
        examples: vec![Vec::new(); SkipReason::ALL.len()],
        domains: BTreeMap::new(),
    };
    // With --out, the messages go through the pipeline a send runs, to a
    // folder instead of a relay.
    let (mut walked, written) = match args.out.as_deref() {
        Some(dir) => {
            let folder = open_folder(dir)?;
            let pipeline =
                Pipeline::to_folder(&composer, &campaign, folder.clone(), Store::open(&store)?);
            let (walked, delivered) = pipeline.run(None, |feed| seen.walk(session, Some(feed)))?;
            every_message_kept(&delivered, &folder)?;
            (walked, delivered.counts.sent)
        }
        None => (seen.walk(session, None)?, 0),
    };
    let Seen {
        skipped,
        samples: report_samples,
        examples,
        domains,
        ..
    } = seen;
    // What was shown can now be approved (see `approve`).
    let digest = walked.digest.hex();
    walked
        .store
        .record_preview(&walked.campaign.id, &digest, now_unix())?;
    if let Some(skipped) = skipped {
        skipped.finish()?;
    }
    let now = crate::clock::now();
    let estimate = estimate(&domains, &walked.campaign.limits, now, args.runs_every);
    if let Some(path) = &args.report {
        let approvers = walked
            .store
            .approvals(&walked.campaign.id)?
            .into_iter()
            .filter(|a| a.digest == digest)
            .map(|a| (a.approver, a.approved_at, a.note))
            .collect();
        let changed_since = super::approve::changed_since_last_approval(
            &walked.store,
            &walked.campaign,
            &walked.digest,
        )?;
        let skipped = SkipReason::ALL
            .iter()
            .zip(examples)
            .map(|(reason, examples)| (reason.as_str(), walked.counts.skipped(*reason), examples))
            .collect();
        report::ApprovalReport {
            campaign: &walked.campaign,
            digest: &walked.digest,
            approvers,
            changed_since,
            total_rows: walked.counts.total_rows,
            eligible: walked.counts.eligible,
            skipped,
            domains,
            estimate: estimate.clone(),
            cadence: args.runs_every,
            samples: report_samples,
            generated: now,
        }
        .write(path)?;
    }
    match args.format {
        ReportFormat::Json => {
            let mut report = plan_json(&walked);
            report["estimate"] = estimate_json(&estimate);
            if let Some(path) = &args.report {
                report["report"] = json!(path);
            }
            if let Some(dir) = &args.out {
                report["messages_written"] = written.into();
                report["out"] = json!(dir);
            }
            println!("{report}");
        }
        ReportFormat::Text => {
            let mut out = std::io::stdout().lock();
            write_plan(&mut out, &walked)?;
            write_estimate(&mut out, &estimate, &walked.campaign, args.runs_every)?;
            if let Some(path) = &args.report {
                writeln!(out, "\napprover's report written to {}", path.display())?;
            }
            if let Some(path) = &args.skipped {
                writeln!(out, "\nskipped rows written to {}", path.display())?;
            }
            if let Some(dir) = &args.out {
                writeln!(
                    out,
                    "\n{} messages written to {}",
                    group(written),
                    dir.display()
                )?;
            }
        }
    }
    Ok(())
}

/// How many skipped rows of each reason the report shows.
const SKIPPED_EXAMPLES: usize = 5;

/// What the walk of a preview collects, row by row.
struct Seen<'c> {
    composer: &'c Composer,
    messages: ComposeSession<'c>,
    date: i64,
    /// Signed messages the report shows.
    report_samples: u64,
    /// Messages written to the --out folder.
    to_folder: u64,
    skipped: Option<SkippedRows>,
    first_checked: bool,
    samples: Vec<report::Sample>,
    examples: Vec<Vec<report::SkippedExample>>,
    domains: BTreeMap<String, u64>,
}

impl Seen<'_> {
    /// Walks every row; the first eligible ones go to `feed` when given.
    fn walk(&mut self, mut session: Session, feed: Option<&Feed>) -> Result<Walked, Error> {
        let mut fed = 0u64;
        let mut row = Row::default();
        while let Some(verdict) = session.next(&mut row)? {
            if let Some(skipped) = self.skipped.as_mut() {
                skipped.write(&row, &verdict)?;
            }
            let Verdict::Eligible(address) = verdict else {
                self.note_skipped(&session, &row, &verdict);
                continue;
            };
            match self.domains.get_mut(address.domain()) {
                Some(count) => *count += 1,
                None => {
                    self.domains.insert(address.domain().to_owned(), 1);
                }
            }
            if (self.samples.len() as u64) < self.report_samples {
                let composed = self
                    .messages
                    .compose(row.line, &address, &row.fields, self.date)?;
                self.samples.push(report::Sample {
                    line: row.line,
                    legal_items: self.composer.legal_items(&composed.unsubscribe_token),
                    token: composed.unsubscribe_token,
                    bytes: composed.bytes,
                });
            } else if !self.first_checked {
                self.messages
                    .compose_unsigned(row.line, &address, &row.fields, self.date)?;
            }
            self.first_checked = true;
            if let Some(feed) = feed
                && fed < self.to_folder
            {
                fed += 1;
                if !feed.push(row.line, address, row.fields.clone()) {
                    break;
                }
            }
        }
        Ok(session.finish())
    }

    /// Keeps the first few skipped rows of each reason for the report.
    fn note_skipped(&mut self, session: &Session, row: &Row, verdict: &Verdict) {
        if let Some(reason) = verdict.skip_reason()
            && let Some(index) = SkipReason::ALL.iter().position(|r| *r == reason)
            && self.examples[index].len() < SKIPPED_EXAMPLES
        {
            self.examples[index].push(report::SkippedExample {
                line: row.line,
                email: session.plan.email(row).to_owned(),
                detail: match verdict {
                    Verdict::Invalid(error) => error.to_string(),
                    _ => String::new(),
                },
            });
        }
    }
}

/// The estimate for scripts.
fn estimate_json(estimate: &Estimate) -> serde_json::Value {
    json!({
        "start": estimate.start.to_string(),
        "finish": estimate.finish.map(|t| t.to_string()),
        "scheduled": estimate.scheduled,
        "sending_seconds": estimate.sending.as_secs(),
        "runs": estimate.runs,
        "paced_by": estimate.bottleneck,
        "unpaced": estimate.unpaced,
    })
}

/// The estimate for people: one line, two with a caveat.
fn write_estimate(
    out: &mut impl Write,
    estimate: &Estimate,
    campaign: &crate::config::Campaign,
    cadence: std::time::Duration,
) -> Result<(), Error> {
    let zone = campaign
        .limits
        .timezone
        .clone()
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let at = |t: jiff::Timestamp| {
        t.to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M %:z")
            .to_string()
    };
    let minutes = estimate.sending.as_secs().div_ceil(60);
    let sending = if estimate.sending.as_secs() < 60 {
        "under a minute".to_owned()
    } else if minutes >= 120 {
        format!("{}h{:02}", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    };
    writeln!(out)?;
    match estimate.finish {
        Some(finish) => writeln!(
            out,
            "estimate   {sending} of sending from {}{}, done about {} in {} run(s){}",
            at(estimate.start),
            if estimate.scheduled {
                " (not_before)"
            } else {
                ""
            },
            at(finish),
            estimate.runs,
            estimate
                .bottleneck
                .as_ref()
                .map(|b| format!("; paced by {b}"))
                .unwrap_or_default()
        )?,
        None => writeln!(
            out,
            "warn       the send would never finish: no run of cron every {} min falls inside the \
             window {} ({} after {} run(s)); widen the window or run cron more often",
            cadence.as_secs() / 60,
            campaign
                .limits
                .window
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            sending,
            estimate.runs
        )?,
    }
    if campaign.limits.window.is_some() || campaign.limits.max_per_run > 0 {
        writeln!(
            out,
            "           (assuming cron runs send every {} min: --runs-every)",
            cadence.as_secs() / 60
        )?;
    }
    if estimate.unpaced {
        writeln!(
            out,
            "           mail without any rate goes as fast as the relay takes it, counted as no time"
        )?;
    }
    Ok(())
}

/// The plan for scripts: the fields design.md names, and a few more.
pub(super) fn plan_json(walked: &Walked) -> serde_json::Value {
    let (campaign, counts) = (&walked.campaign, &walked.counts);
    let skipped: serde_json::Map<String, serde_json::Value> = SkipReason::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), counts.skipped(*r).into()))
        .collect();
    json!({
        "campaign": campaign.id,
        "kind": campaign.kind,
        "list": campaign.list,
        "digest": walked.digest.hex(),
        "total_rows": counts.total_rows,
        "eligible": counts.eligible,
        "skipped": skipped,
        "store": walked.store.path(),
    })
}

/// The plan for people.
pub(super) fn write_plan(out: &mut impl Write, walked: &Walked) -> Result<(), Error> {
    let (campaign, counts) = (&walked.campaign, &walked.counts);
    let width = group(counts.total_rows).len();
    writeln!(
        out,
        "campaign   {} ({}, list {})",
        campaign.id, campaign.kind, campaign.list
    )?;
    writeln!(out, "recipients {}", campaign.recipients.path.display())?;
    writeln!(out, "store      {}", walked.store.path().display())?;
    writeln!(out, "digest     {}", walked.digest.hex())?;
    writeln!(out)?;
    writeln!(
        out,
        "  rows              {:>width$}",
        group(counts.total_rows)
    )?;
    writeln!(
        out,
        "  eligible          {:>width$}",
        group(counts.eligible)
    )?;
    writeln!(
        out,
        "  skipped           {:>width$}",
        group(counts.skipped_total())
    )?;
    for reason in SkipReason::ALL {
        writeln!(
            out,
            "    {:<16}{:>width$}",
            reason.as_str(),
            group(counts.skipped(reason))
        )?;
    }
    Ok(())
}

/// The `--skipped` file: every skipped row with its line, reason and columns.
struct SkippedRows {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl SkippedRows {
    fn create(path: &Path) -> Result<SkippedRows, Error> {
        let write_error = |source| Error::Write {
            path: path.to_owned(),
            source,
        };
        let mut file = BufWriter::new(crate::files::create(path).map_err(write_error)?);
        // A BOM, so that Excel in Japan opens the file as UTF-8.
        file.write_all("\u{feff}".as_bytes()).map_err(write_error)?;
        Ok(SkippedRows {
            path: path.to_owned(),
            writer: csv::Writer::from_writer(file),
        })
    }

    fn write_header(&mut self, headers: &[String]) -> Result<(), Error> {
        let fixed = ["line", "reason", "detail"].map(String::from);
        let record = fixed.iter().chain(headers);
        self.writer.write_record(record).map_err(|e| self.error(e))
    }

    fn write(&mut self, row: &Row, verdict: &Verdict) -> Result<(), Error> {
        let Some(reason) = verdict.skip_reason() else {
            return Ok(());
        };
        let detail = match verdict {
            Verdict::Invalid(error) => error.to_string(),
            _ => String::new(),
        };
        let line = row.line.to_string();
        let fixed = [line.as_str(), reason.as_str(), detail.as_str()];
        let record = fixed
            .into_iter()
            .chain(row.fields.iter().map(String::as_str));
        self.writer.write_record(record).map_err(|e| self.error(e))
    }

    fn finish(mut self) -> Result<(), Error> {
        self.writer.flush().map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    fn error(&self, error: csv::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source: std::io::Error::other(error),
        }
    }
}
