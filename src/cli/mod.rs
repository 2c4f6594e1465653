//! The command line: flags and their help, kept apart from the work they start.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod campaign;
mod lists;

pub(crate) use campaign::*;
pub(crate) use lists::*;

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
pub(crate) struct Cli {
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
pub(crate) enum Command {
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
pub(crate) struct ServeArgs {
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
pub(crate) struct IngestArgs {
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
pub(crate) enum ReportFormat {
    /// For people
    Text,
    /// For scripts
    Json,
}

/// Formats for commands that list records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    /// An aligned table for people
    Text,
    /// CSV with a header row, re-importable
    Csv,
    /// A JSON array
    Json,
}

/// Formats for exports, which must be re-importable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
