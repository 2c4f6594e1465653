//! The flags of the commands that keep the lists: store, suppress, consent.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{ExportFormat, ListFormat, ReportFormat};
use crate::csv_input::Encoding;
use crate::list::ListName;
use crate::store::consent::Basis;

/// `store` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum StoreCommand {
    /// Make the store and its -wal and -shm files readable by their owner only (0600)
    #[command(after_help = "Examples:\n  \
        hikyaku --store /var/lib/hikyaku/hikyaku.db store secure\n\n\
        The store holds the secret behind every unsubscribe link, every address and the consent\n\
        evidence: another user who can read it can unsubscribe anyone. hikyaku creates new\n\
        stores 0600 and warns on every command about one that others can read.")]
    Secure,
    /// Copy the store to FILE, consistently, while sends, serve and ingest keep writing
    #[command(after_help = "Examples:\n  \
        hikyaku --store /var/lib/hikyaku/hikyaku.db store backup /var/backups/hikyaku-$(date +%F).db\n\n\
        The copy is one consistent snapshot (SQLite's VACUUM INTO) and is readable by its owner\n\
        only. Back up the store with its secret: without it no unsubscribe link ever sent works.\n\
        Restore by stopping serve, send and ingest and putting the copy in the store's place.")]
    Backup {
        /// The copy to write; it must not exist yet
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// `suppress` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SuppressCommand {
    /// Suppress addresses (globally unless --list is given)
    #[command(after_help = "Examples:\n  \
        hikyaku suppress add taro@example.jp --reason \"asked by phone\"\n  \
        hikyaku suppress add hanako@example.jp --list newsletter")]
    Add {
        /// The addresses
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        /// Suppress only for this list (default: every list, also written *)
        #[arg(long, value_parser = ListName::parse)]
        list: Option<ListName>,
        /// Why (kept with the entry)
        #[arg(long, default_value = "manual")]
        reason: String,
    },

    /// Lift suppressions (the global one unless --list is given)
    #[command(after_help = "Example:\n  hikyaku suppress remove taro@example.jp")]
    Remove {
        /// The addresses
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        /// Lift only the suppression for this list
        #[arg(long, value_parser = ListName::parse)]
        list: Option<ListName>,
    },

    /// Import suppressions from CSV: an `email` column, optional `list` (* = every list) and `reason`
    #[command(
        after_help = "Example:\n  hikyaku suppress import old-system-optouts.csv --reason unsubscribe\n\n\
        The file may be UTF-8 (with or without BOM) or Shift_JIS/CP932 as Excel writes it.\n\
        Entries already present keep their original reason and date."
    )]
    Import {
        /// The CSV file
        file: PathBuf,
        /// The list for rows whose `list` column is missing or empty (default: every list)
        #[arg(long, value_parser = ListName::parse)]
        list: Option<ListName>,
        /// The reason for rows whose `reason` column is missing or empty
        #[arg(long, default_value = "import")]
        reason: String,
        /// The file's encoding
        #[arg(long, default_value = "auto", value_parser = parse_encoding)]
        encoding: Encoding,
        /// Import the usable rows even if some are rejected
        #[arg(long)]
        skip_invalid: bool,
    },

    /// Write the suppression list as CSV or JSON (re-importable)
    #[command(after_help = "Examples:\n  \
        hikyaku suppress export > suppressions.csv\n  \
        hikyaku suppress export --since 2h > recent.csv     # for the other sending hosts")]
    Export {
        /// Only this list's entries
        #[arg(long, conflicts_with = "global", value_parser = ListName::parse)]
        list: Option<ListName>,
        /// Only the global entries
        #[arg(long)]
        global: bool,
        /// Only entries recorded since TIME: RFC 3339 with an offset, or a
        /// span back from now such as 2h or 30m (what other hosts have not
        /// seen yet; see "Beyond one machine" in the README)
        #[arg(long, value_name = "TIME", value_parser = parse_since)]
        since: Option<jiff::Timestamp>,
        /// Output format
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },

    /// Show the suppression list
    #[command(after_help = "Example:\n  hikyaku suppress list --list newsletter")]
    List {
        /// Only this list's entries
        #[arg(long, conflicts_with = "global", value_parser = ListName::parse)]
        list: Option<ListName>,
        /// Only the global entries
        #[arg(long)]
        global: bool,
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
}

/// `consent` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ConsentCommand {
    /// Record one consent with its evidence
    #[command(after_help = "Example:\n  \
        hikyaku consent add taro@example.jp --list newsletter --basis opt-in \\\n      \
        --method \"web form\" --evidence \"form log 2026-11-01 #4411\" --obtained-at 2026-11-01T10:00:00+09:00")]
    Add(ConsentAddArgs),

    /// Import consent records from CSV: email,list,basis,obtained_at,method,evidence
    #[command(after_help = "Example:\n  hikyaku consent import consent.csv\n\n\
        basis is one of opt-in, business-card, transaction, published; obtained_at is RFC 3339\n\
        with an offset (2025-04-01T10:00:00+09:00); list may be * for every list. An optional\n\
        expires_at column (RFC 3339) ends a time-limited consent.\n\
        Rows missing obtained_at or method are rejected with their lines; nothing is imported\n\
        unless --skip-invalid. An old record never revives an address that opted out later.")]
    Import(ConsentImportArgs),

    /// Record that an address withdrew consent (an opt-out)
    #[command(after_help = "Examples:\n  \
        hikyaku consent revoke taro@example.jp                  # every list\n  \
        hikyaku consent revoke taro@example.jp --list newsletter")]
    Revoke(ConsentRevokeArgs),

    /// Write consent records as CSV or JSON (re-importable), or one person's whole history
    #[command(after_help = "Examples:\n  \
        hikyaku consent export > consent-backup.csv\n  \
        hikyaku consent export --address taro@example.jp            # the full history, readable\n  \
        hikyaku consent export --address taro@example.jp --format json\n\n\
        With --address the default is a readable history: every consent record, opt-out,\n\
        suppression, bounce and complaint of the address, the last advertisement sent and\n\
        any legal hold. --format json gives the same as one object; --format csv only the\n\
        consent records, re-importable.")]
    Export(ConsentExportArgs),

    /// Delete consent records that no longer count, once the law lets them go
    #[command(after_help = "Examples:\n  \
        hikyaku consent purge --dry-run     # what would go and what is kept, and why\n  \
        hikyaku consent purge\n\n\
        A record is deleted only when it was revoked or has expired AND the last\n\
        advertisement to the address was sent more than one month ago (one year for\n\
        addresses under a legal hold), as 特定電子メール法 Art. 3 (2) requires. Opt-outs and\n\
        suppressions are never deleted. Records that still count are never touched.")]
    Purge(ConsentPurgeArgs),

    /// Place an address under a legal hold (one year of retention), or lift it
    #[command(after_help = "Examples:\n  \
        hikyaku consent hold taro@example.jp --note \"措置命令 2026-11-01\"\n  \
        hikyaku consent hold taro@example.jp --release")]
    Hold(ConsentHoldArgs),
}

/// Arguments of `consent add`.
#[derive(Debug, Args)]
pub(crate) struct ConsentAddArgs {
    /// The address
    pub address: String,
    /// The list, or * for every list
    #[arg(long, value_parser = ListName::parse)]
    pub list: ListName,
    /// The legal basis under 特定電子メール法
    #[arg(long, value_parser = parse_basis)]
    pub basis: Basis,
    /// How consent was obtained (web form, event, contract…)
    #[arg(long)]
    pub method: String,
    /// The evidence, or where it is kept
    #[arg(long, default_value = "")]
    pub evidence: String,
    /// When consent was obtained, RFC 3339 with offset (default: now)
    #[arg(long, value_name = "TIME")]
    pub obtained_at: Option<String>,
    /// When the consent stops counting, RFC 3339 with offset (default: never)
    #[arg(long, value_name = "TIME")]
    pub expires_at: Option<String>,
    /// Keep this address's records one year after the last advertisement
    /// instead of one month (senders under a 措置命令)
    #[arg(long)]
    pub legal_hold: bool,
}

/// Arguments of `consent import`.
#[derive(Debug, Args)]
pub(crate) struct ConsentImportArgs {
    /// The CSV file
    pub file: PathBuf,
    /// The file's encoding
    #[arg(long, default_value = "auto", value_parser = parse_encoding)]
    pub encoding: Encoding,
    /// Import the usable rows even if some are rejected
    #[arg(long)]
    pub skip_invalid: bool,
    /// Place every imported address under a legal hold (one year of retention)
    #[arg(long)]
    pub legal_hold: bool,
}

/// Arguments of `consent revoke`.
#[derive(Debug, Args)]
pub(crate) struct ConsentRevokeArgs {
    /// The address
    pub address: String,
    /// The list, or * for every list
    #[arg(long, default_value = ListName::EVERY, value_parser = ListName::parse)]
    pub list: ListName,
    /// Why (kept with the revocation)
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// Arguments of `consent export`.
#[derive(Debug, Args)]
pub(crate) struct ConsentExportArgs {
    /// Only records that cover this list (including * records)
    #[arg(long, value_parser = ListName::parse)]
    pub list: Option<ListName>,
    /// Only this address's records, with its opt-out history
    #[arg(long)]
    pub address: Option<String>,
    /// Output format (default: csv; text with --address)
    #[arg(long, value_enum)]
    pub format: Option<HistoryFormat>,
}

/// Arguments of `consent purge`.
#[derive(Debug, Args)]
pub(crate) struct ConsentPurgeArgs {
    /// Show the decisions without deleting anything
    #[arg(long)]
    pub dry_run: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// Arguments of `consent hold`.
#[derive(Debug, Args)]
pub(crate) struct ConsentHoldArgs {
    /// The address
    pub address: String,
    /// Why (kept with the hold)
    #[arg(long, default_value = "")]
    pub note: String,
    /// Lift the hold instead
    #[arg(long)]
    pub release: bool,
}

/// Formats of `consent export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum HistoryFormat {
    /// CSV with a header row (consent records only, re-importable)
    Csv,
    /// JSON (with --address: one object with the whole history)
    Json,
    /// A readable history (only with --address)
    Text,
}

fn parse_encoding(text: &str) -> Result<Encoding, String> {
    text.parse()
}

fn parse_basis(text: &str) -> Result<Basis, String> {
    text.parse()
}

/// `--since`: a time, or a span back from now.
fn parse_since(text: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    let span: jiff::SignedDuration = text.parse().map_err(|_| {
        format!(
            "{text:?}: write a time with its offset (2026-12-01T10:00:00+09:00) or a span back from now (2h, 30m)"
        )
    })?;
    crate::clock::now()
        .checked_sub(span.abs())
        .map_err(|e| format!("{text:?}: {e}"))
}
