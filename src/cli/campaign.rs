//! The flags of the commands that work on one campaign: check, preview,
//! send, approve, status, report.

use std::path::PathBuf;

use clap::Args;

use super::{ListFormat, ReportFormat};
use crate::plan::Shard;

/// Arguments of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Also look up SPF of the envelope domain, the DKIM key record and DMARC in DNS
    #[arg(long)]
    pub dns: bool,
}

/// Arguments of `preview`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("sample_output").args(["out", "report"]).multiple(true)))]
pub(crate) struct PreviewArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Write every skipped row to this CSV (UTF-8 with a BOM, so Excel opens it):
    /// its line, the reason, and the row's own columns
    #[arg(long, value_name = "FILE.csv")]
    pub skipped: Option<PathBuf>,

    /// Write the exact (signed) message of eligible recipients as .eml files into DIR
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// With --out or --report: how many sample messages, from the first eligible row
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        requires = "sample_output"
    )]
    pub sample: u64,

    /// With --out: write every eligible recipient's message
    #[arg(long, requires = "out", conflicts_with = "sample")]
    pub all: bool,

    /// Write the approver's page to FILE.html: the campaign, who receives it and
    /// why others do not, where it goes and how long the send will take, the
    /// sample messages as they will look, and the legal checklist. One
    /// self-contained file (no script, nothing fetched) to mail or print
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,

    /// How often cron runs `send` (for the estimate with a window or
    /// max_per_run): 1h, 30min, …
    #[arg(long, value_name = "INTERVAL", default_value = "1h", value_parser = parse_interval)]
    pub runs_every: std::time::Duration,
}

/// An interval such as `1h`, `30min` or `90s`.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let interval = crate::config::limits::Delay::parse(text)?.0;
    if interval < std::time::Duration::from_secs(60) {
        return Err(format!(
            "{text:?} is shorter than a minute; cron runs at most every minute"
        ));
    }
    Ok(interval)
}

/// Arguments of `send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Do everything but SMTP: plan, render and sign every eligible message
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: write the messages as .eml files into DIR
    #[arg(long, value_name = "DIR", requires = "dry_run")]
    pub out: Option<PathBuf>,

    /// Send (or compose) at most N messages in this run
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Do not ask before sending (a send without a terminal never asks)
    #[arg(long, short)]
    pub yes: bool,

    /// Also send to recipients whose earlier transaction was cut off before the
    /// server's reply (state unknown); they may get the message twice
    #[arg(long)]
    pub retry_unknown: bool,

    /// Send one message, rendered for a row of the list, to this address only,
    /// with [TEST] before the subject; not journaled, allowed before approval
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["dry_run", "limit", "retry_unknown"])]
    pub test_to: Option<String>,

    /// With --test-to: the row starting on CSV line N (as in error messages and
    /// preview file names); default the first eligible row
    #[arg(long, value_name = "N", requires = "test_to")]
    pub row: Option<u64>,

    /// Send only part K of N of the list, chosen by a hash of each address:
    /// N hosts, each with its own store, run --shard 1/N … N/N and together
    /// send the whole list once (see "Beyond one machine" in the README)
    #[arg(long, value_name = "K/N", value_parser = Shard::parse, conflicts_with = "test_to")]
    pub shard: Option<Shard>,
}

/// Arguments of `approve`.
#[derive(Debug, Args)]
pub(crate) struct ApproveArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Your name, as it should stand in the record
    #[arg(long, value_name = "NAME")]
    pub by: String,

    /// What you checked, or anything the record should say
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,

    /// Also write the delivery page to FILE.html: counts per state, sent per
    /// minute, what was not delivered by reason and domain, complaint and
    /// bounce rates against Gmail's and Yahoo's lines, blocks per domain
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ListFormat,
}
