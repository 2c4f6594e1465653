//! The command line: flags and their help, kept apart from the work they start.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::csv_input::Encoding;
use crate::store::consent::Basis;

/// hikyaku (飛脚): send e-mail campaigns the way the law and the mailbox providers require.
///
/// One message per recipient, only to people who consented (for advertisements),
/// never to anyone on the suppression list, with the sender's identity and an
/// opt-out link in every message, at a pace that keeps the sender off blocklists.
#[derive(Debug, Parser)]
#[command(name = "hikyaku", version, max_term_width = 100)]
#[command(after_help = format!("Start here:\n  \
    hikyaku check campaign.toml        validate the campaign file and the recipient list\n  \
    hikyaku preview campaign.toml      who would receive it, and why the others would not\n\n{}",
    crate::error::exit_codes_help()))]
pub struct Cli {
    /// The SQLite store (suppressions, consent, journal). Default: the campaign's
    /// `store` key, else ./hikyaku.db
    #[arg(long, global = true, env = "HIKYAKU_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,

    /// Print only errors and the final result
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Print more detail about what is done
    #[arg(long, short, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a runnable example campaign (file, templates, CSVs, a test DKIM key) into DIR
    #[command(after_help = "Example:\n  \
        hikyaku init my-campaign && cd my-campaign\n  \
        hikyaku --store example.db consent import consent.csv\n  \
        hikyaku preview campaign.toml --out preview/")]
    Init {
        /// The folder to write into (created if needed; existing files are never overwritten)
        #[arg(default_value = ".")]
        dir: PathBuf,
    },

    /// Print shell completions
    #[command(after_help = "Examples:\n  \
        hikyaku completions bash > /etc/bash_completion.d/hikyaku\n  \
        hikyaku completions zsh > \"${fpath[1]}/_hikyaku\"")]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff)
    #[command(after_help = "Example:\n  hikyaku man > /usr/local/share/man/man1/hikyaku.1")]
    Man,

    /// Validate a campaign as a send would: the campaign file, the recipient list, the store
    #[command(after_help = "Example:\n  hikyaku check campaign.toml && echo ready")]
    Check(CheckArgs),

    /// Show who would receive the campaign, and why every other row would not
    #[command(after_help = "Examples:\n  \
        hikyaku preview campaign.toml\n  \
        hikyaku preview campaign.toml --skipped skipped.csv   # every skipped row, with its line and reason\n  \
        hikyaku preview campaign.toml --format json | jq .skipped\n  \
        hikyaku preview campaign.toml --out preview/ --sample 5  # the exact signed messages of 5 recipients")]
    Preview(PreviewArgs),

    /// Send what is due: plan, render, sign and deliver over SMTP at the configured pace
    #[command(after_help = "Examples:\n  \
        hikyaku send campaign.toml                             # asks first on a terminal\n  \
        hikyaku send campaign.toml --yes --limit 1000          # from cron: run until done (exit 0) or 75\n  \
        hikyaku send campaign.toml --dry-run                   # build and sign every message, report the rate\n  \
        hikyaku send campaign.toml --dry-run --out outbox/     # and write them as .eml files\n  \
        hikyaku send campaign.toml --test-to me@example.co.jp  # one [TEST] message to yourself\n\n\
        Exit 0: every eligible recipient is settled. 75: run again later (cap, window, deferrals,\n\
        interrupted). 69: the relay could not be reached. A re-run never resends what was sent.")]
    Send(SendArgs),

    /// Record your sign-off of exactly what `preview` showed (the digest)
    #[command(after_help = "Example:\n  \
        hikyaku preview campaign.toml --out preview/      # look at the plan and the messages\n  \
        hikyaku approve campaign.toml --by \"Sato Hanako\" --note \"checked footer and list\"\n\n\
        The approval binds to the SHA-256 of the campaign file, templates, attachments and\n\
        recipient list. Changing any of them needs a new preview and approval; new suppressions\n\
        and opt-outs do not.")]
    Approve(ApproveArgs),

    /// Count the campaign's recipients per state: pending, sent, deferred, failed, unknown, skipped
    #[command(after_help = "Examples:\n  \
        hikyaku status campaign.toml\n  \
        hikyaku status campaign.toml --format json | jq .pending")]
    Status(StatusArgs),

    /// One row per recipient: email, state, reason, smtp reply, time
    #[command(after_help = "Examples:\n  \
        hikyaku report campaign.toml > report.csv\n  \
        hikyaku report campaign.toml --format json")]
    Report(ReportArgs),

    /// Manage the suppression list: addresses that must never receive mail
    #[command(subcommand)]
    Suppress(SuppressCommand),

    /// Manage consent records (who agreed to advertisements, when, how, with what evidence)
    #[command(subcommand)]
    Consent(ConsentCommand),

    /// Look after the store file itself
    #[command(subcommand)]
    Store(StoreCommand),

    /// Answer the unsubscribe links of sent messages over HTTP (RFC 8058 one-click)
    #[command(after_help = "Examples:\n  \
        hikyaku --store /var/lib/hikyaku/hikyaku.db serve --listen 127.0.0.1:8025\n\n\
        Run it behind the HTTPS reverse proxy that serves unsubscribe.url; any path whose last\n\
        segment is a token works, so the proxy may keep the URL's prefix. POST with\n\
        List-Unsubscribe=One-Click (what Gmail and Yahoo send) unsubscribes at once; GET shows a\n\
        confirmation page (Japanese and English) whose button unsubscribes, because mail\n\
        scanners open links. It writes to the same store as a running send, which stops mailing\n\
        an address the moment it unsubscribes. One line per unsubscribe goes to stdout.\n\
        Stop it with Ctrl-C or SIGTERM.")]
    Serve(ServeArgs),

    /// Read bounces, complaints and unsubscribe mails, and act on those that trace to us
    #[command(after_help = "Examples:\n  \
        hikyaku ingest bounces.mbox\n  \
        hikyaku ingest ~/Maildir/.Bounces returned/*.eml --dry-run\n  \
        HIKYAKU_IMAP_PASSWORD=... hikyaku ingest imaps://bounces@mail.example.co.jp/INBOX\n\n\
        SOURCE is an .eml file, an mbox, a Maildir folder (cur/ and new/), a folder of .eml files,\n\
        or a mailbox on an IMAP server (imaps://USER@HOST[:PORT]/MAILBOX; imap:// only to a\n\
        loopback host). The IMAP password comes from HIKYAKU_IMAP_PASSWORD or --password-file;\n\
        read messages are flagged \\Seen (or moved with --move-to), never deleted.\n\n\
        Each message is classified (RFC 3464 DSNs, the plain-text bounces of Exim, qmail,\n\
        Exchange, Gmail, Japanese carriers and more, RFC 5965 complaints, Amazon SES\n\
        notifications, auto-replies, mailed unsubscribe requests) into a kind and a reason.\n\
        Only a report that traces to a message of ours (its unsubscribe token, its Message-ID,\n\
        or the VERP address it came back to) changes the store, and only for that message's\n\
        recipient: a hard bounce or a complaint suppresses them for every list, a soft bounce\n\
        counts (--soft-bounces within 30 days suppress), a block (the receiver refused us, not\n\
        the address) counts against the recipient's domain, an unsubscribe request suppresses\n\
        the list. Anyone can mail the bounce address, so a report that traces to nothing is\n\
        unverified: kept for review, counted nowhere, unless --accept-untraced. Reading the\n\
        same mail again changes nothing. Exit 0 when every source was read; 66 when a source\n\
        cannot be read; 69 when the IMAP server cannot be reached; 78 when it refuses the login.")]
    Ingest(IngestArgs),
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen (HOST:PORT); port 0 picks a free one
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8025")]
    pub listen: std::net::SocketAddr,
    /// Connections served at once; more wait until one ends
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub max_connections: u32,
    /// The whole time a client has to send a request's head (and again its body)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub read_timeout: std::time::Duration,
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let duration = crate::config::limits::Delay::parse(text)?.0;
    if duration.is_zero() {
        return Err("must be longer than 0".into());
    }
    Ok(duration)
}

/// Arguments of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// .eml files, mbox files, Maildir folders, folders of .eml files, or imaps://USER@HOST/MAILBOX
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Soft bounces of one address within 30 days that suppress it
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub soft_bounces: u64,
    /// Show what would be recorded without writing to the store (or flagging IMAP messages)
    #[arg(long)]
    pub dry_run: bool,
    /// Also act on reports that trace to no message of ours, for the address they name
    /// (only for a mailbox that nobody outside can write to)
    #[arg(long)]
    pub accept_untraced: bool,
    /// Also honour an unsubscribe request that answers no message of ours when this
    /// mail server (its authserv-id) vouches for its From: DMARC or aligned DKIM pass
    #[arg(long, value_name = "AUTHSERV_ID")]
    pub trust_authserv_id: Option<String>,
    /// Output format of the per-finding lines
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// File holding the IMAP password (else HIKYAKU_IMAP_PASSWORD)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Move ingested IMAP messages to this folder instead of flagging them \Seen
    #[arg(long, value_name = "FOLDER")]
    pub move_to: Option<String>,
    /// A CA certificate (PEM) to trust for imaps://, besides the system's
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// Formats for commands that report a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people
    Text,
    /// For scripts
    Json,
}

/// Formats for commands that list records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// An aligned table for people
    Text,
    /// CSV with a header row, re-importable
    Csv,
    /// A JSON array
    Json,
}

/// Formats for exports, which must be re-importable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV with a header row
    Csv,
    /// A JSON array
    Json,
}

impl From<ExportFormat> for ListFormat {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::Csv => ListFormat::Csv,
            ExportFormat::Json => ListFormat::Json,
        }
    }
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
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
pub struct PreviewArgs {
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
pub struct SendArgs {
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
}

/// Arguments of `approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
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
pub struct StatusArgs {
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
pub struct ReportArgs {
    /// The campaign file
    pub campaign: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ListFormat,
}

/// `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
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
pub enum SuppressCommand {
    /// Suppress addresses (globally unless --list is given)
    #[command(after_help = "Examples:\n  \
        hikyaku suppress add taro@example.jp --reason \"asked by phone\"\n  \
        hikyaku suppress add hanako@example.jp --list newsletter")]
    Add {
        /// The addresses
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        /// Suppress only for this list
        #[arg(long)]
        list: Option<String>,
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
        #[arg(long)]
        list: Option<String>,
    },

    /// Import suppressions from CSV: an `email` column, optional `list` (empty = global) and `reason`
    #[command(
        after_help = "Example:\n  hikyaku suppress import old-system-optouts.csv --reason unsubscribe\n\n\
        The file may be UTF-8 (with or without BOM) or Shift_JIS/CP932 as Excel writes it.\n\
        Entries already present keep their original reason and date."
    )]
    Import {
        /// The CSV file
        file: PathBuf,
        /// The list for rows whose `list` column is missing or empty (default: global)
        #[arg(long)]
        list: Option<String>,
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
    #[command(after_help = "Example:\n  hikyaku suppress export > suppressions.csv")]
    Export {
        /// Only this list's entries
        #[arg(long, conflicts_with = "global")]
        list: Option<String>,
        /// Only the global entries
        #[arg(long)]
        global: bool,
        /// Output format
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },

    /// Show the suppression list
    #[command(after_help = "Example:\n  hikyaku suppress list --list newsletter")]
    List {
        /// Only this list's entries
        #[arg(long, conflicts_with = "global")]
        list: Option<String>,
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
pub enum ConsentCommand {
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
pub struct ConsentAddArgs {
    /// The address
    pub address: String,
    /// The list, or * for every list
    #[arg(long)]
    pub list: String,
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
pub struct ConsentImportArgs {
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
pub struct ConsentRevokeArgs {
    /// The address
    pub address: String,
    /// The list, or * for every list
    #[arg(long, default_value = "*")]
    pub list: String,
    /// Why (kept with the revocation)
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// Arguments of `consent export`.
#[derive(Debug, Args)]
pub struct ConsentExportArgs {
    /// Only records that cover this list (including * records)
    #[arg(long)]
    pub list: Option<String>,
    /// Only this address's records, with its opt-out history
    #[arg(long)]
    pub address: Option<String>,
    /// Output format (default: csv; text with --address)
    #[arg(long, value_enum)]
    pub format: Option<HistoryFormat>,
}

/// Arguments of `consent purge`.
#[derive(Debug, Args)]
pub struct ConsentPurgeArgs {
    /// Show the decisions without deleting anything
    #[arg(long)]
    pub dry_run: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// Arguments of `consent hold`.
#[derive(Debug, Args)]
pub struct ConsentHoldArgs {
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
pub enum HistoryFormat {
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
