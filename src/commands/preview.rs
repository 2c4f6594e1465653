//! `check` and `preview`: the plan, its counts and the approval digest.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use super::Context;
use crate::cli::{CheckArgs, PreviewArgs, ReportFormat};
use crate::config::{Campaign, ConfigError, Problem};
use crate::csv_input::Row;
use crate::digest::CampaignDigest;
use crate::error::Error;
use crate::output::group;
use crate::plan::{Plan, PlanCounts, PlanError, SkipReason, Verdict};

impl From<PlanError> for Error {
    fn from(error: PlanError) -> Self {
        match error {
            PlanError::Csv(e) => Error::Csv(e),
            PlanError::Store(e) => Error::Store(e),
        }
    }
}

/// How often the progress bar is moved; moving it costs a clock read.
const PROGRESS_EVERY_LINES: u64 = 4096;

/// A campaign taken through the plan.
struct Evaluated {
    campaign: Campaign,
    store: PathBuf,
    counts: PlanCounts,
    digest: CampaignDigest,
}

/// Loads the campaign, plans every row, and hashes every input. Skipped rows
/// go to `skipped` when given.
fn evaluate(
    context: &Context,
    path: &Path,
    mut skipped: Option<&mut SkippedRows>,
) -> Result<Evaluated, Error> {
    let campaign = Campaign::load(path)?;
    let store = context.open_store(Some(&campaign))?;
    let mut digest =
        CampaignDigest::of_campaign_files(&campaign).map_err(|source| ConfigError::Invalid {
            problems: vec![Problem {
                path: campaign.path.clone(),
                line: None,
                key: String::new(),
                message: format!("cannot read a file the campaign names: {source}"),
            }],
        })?;
    let mut plan = Plan::open(&campaign, &store)?;
    if let Some(out) = skipped.as_deref_mut() {
        out.write_header(plan.headers())?;
    }
    let list_size = std::fs::metadata(&campaign.recipients.path).map_or(0, |m| m.len());
    let progress = context.ui.byte_progress(list_size, "planning");
    let mut row = Row::default();
    while let Some(verdict) = plan.next(&mut row)? {
        if let Some(out) = skipped.as_deref_mut() {
            out.write(&row, &verdict)?;
        }
        if row.line % PROGRESS_EVERY_LINES == 0 {
            progress.set_position(plan.bytes_parsed());
        }
    }
    progress.finish_and_clear();
    let outcome = plan.finish();
    digest.push(outcome.recipients_digest);
    Ok(Evaluated {
        store: store.path().to_owned(),
        campaign,
        counts: outcome.counts,
        digest,
    })
}

/// `hikyaku check CAMPAIGN`.
pub fn check(context: &Context, args: &CheckArgs) -> Result<(), Error> {
    let evaluated = evaluate(context, &args.campaign, None)?;
    let (campaign, counts) = (&evaluated.campaign, &evaluated.counts);
    match args.format {
        ReportFormat::Json => {
            let report = json!({
                "ok": true,
                "campaign": campaign.id,
                "total_rows": counts.total_rows,
                "eligible": counts.eligible,
            });
            println!("{report}");
        }
        ReportFormat::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "ok  campaign file {}", campaign.path.display())?;
            writeln!(
                out,
                "ok  recipients    {}: {} rows, {} eligible",
                campaign.recipients.path.display(),
                group(counts.total_rows),
                group(counts.eligible)
            )?;
            writeln!(out, "ok  store         {}", evaluated.store.display())?;
        }
    }
    Ok(())
}

/// `hikyaku preview CAMPAIGN`.
pub fn preview(context: &Context, args: &PreviewArgs) -> Result<(), Error> {
    let mut skipped = args
        .skipped
        .as_deref()
        .map(SkippedRows::create)
        .transpose()?;
    let evaluated = evaluate(context, &args.campaign, skipped.as_mut())?;
    if let Some(skipped) = skipped {
        skipped.finish()?;
    }
    let (campaign, counts) = (&evaluated.campaign, &evaluated.counts);
    let digest = evaluated.digest.hex();
    match args.format {
        ReportFormat::Json => {
            let skipped: serde_json::Map<String, serde_json::Value> = SkipReason::ALL
                .iter()
                .map(|r| (r.as_str().to_owned(), counts.skipped(*r).into()))
                .collect();
            let report = json!({
                "campaign": campaign.id,
                "kind": campaign.kind,
                "list": campaign.list,
                "digest": digest,
                "total_rows": counts.total_rows,
                "eligible": counts.eligible,
                "skipped": skipped,
                "store": evaluated.store,
            });
            println!("{report}");
        }
        ReportFormat::Text => {
            let mut out = std::io::stdout().lock();
            let width = group(counts.total_rows).len();
            writeln!(
                out,
                "campaign   {} ({}, list {})",
                campaign.id, campaign.kind, campaign.list
            )?;
            writeln!(out, "recipients {}", campaign.recipients.path.display())?;
            writeln!(out, "store      {}", evaluated.store.display())?;
            writeln!(out, "digest     {digest}")?;
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
            if let Some(path) = &args.skipped {
                writeln!(out, "\nskipped rows written to {}", path.display())?;
            }
        }
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
        let mut file = BufWriter::new(File::create(path).map_err(write_error)?);
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
