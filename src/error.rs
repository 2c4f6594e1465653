//! The one place where failures become exit codes (sysexits, as mail tools use).

use std::path::PathBuf;

use crate::compose::ComposeError;
use crate::config::ConfigError;
use crate::csv_input::CsvError;
use crate::render::RenderError;
use crate::sign::SignError;
use crate::store::StoreError;

/// Exit codes of design.md.
pub(crate) mod exit {
    /// Done.
    pub(crate) const OK: u8 = 0;
    /// Usage error (clap's own code).
    pub(crate) const USAGE: u8 = 2;
    /// Bad data: CSV, template, addresses given as arguments.
    pub(crate) const DATA: u8 = 65;
    /// An input file or folder cannot be read.
    pub(crate) const NO_INPUT: u8 = 66;
    /// The SMTP server (or, for `serve`, the listening address) is unavailable.
    pub(crate) const UNAVAILABLE: u8 = 69;
    /// Internal error.
    pub(crate) const INTERNAL: u8 = 70;
    /// An output file could not be written.
    pub(crate) const IO: u8 = 74;
    /// Incomplete: run again later.
    pub(crate) const TEMPORARY: u8 = 75;
    /// Refused: not approved, compliance gate, complaint-rate guard.
    pub(crate) const REFUSED: u8 = 77;
    /// Bad configuration.
    pub(crate) const CONFIG: u8 = 78;
}

/// Every exit code with what it means, in the order `--help` lists them:
/// the one table both the mapping below and the help text come from.
pub(crate) const EXIT_CODES: &[(u8, &str)] = &[
    (exit::OK, "done"),
    (exit::DATA, "bad data"),
    (exit::NO_INPUT, "an input cannot be read"),
    (exit::UNAVAILABLE, "SMTP unavailable"),
    (exit::INTERNAL, "internal error"),
    (exit::IO, "cannot write output"),
    (exit::TEMPORARY, "run again later"),
    (exit::REFUSED, "refused"),
    (exit::CONFIG, "bad configuration"),
    (exit::USAGE, "usage"),
];

/// The exit-code paragraph of `--help`, from [`EXIT_CODES`].
pub(crate) fn exit_codes_help() -> String {
    let codes: Vec<String> = EXIT_CODES
        .iter()
        .map(|(code, meaning)| format!("{code} {meaning}"))
        .collect();
    format!("Exit codes: {}.", codes.join(", "))
}

/// How a command ended when nothing failed, named for what happened; only
/// [`Outcome::exit_code`] turns it into a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything the command had to do is done.
    Done,
    /// It stopped before the end on purpose (window closed, per-run cap,
    /// scheduled start not reached, deferrals left, a signal): run it again
    /// later; nothing is sent twice.
    RunAgainLater,
    /// The relay could not be reached, or broke off: nothing more could leave.
    RelayUnreachable,
    /// The relay refused the message itself (a test send's 5xx).
    MessageRefused,
}

impl Outcome {
    /// The exit code of design.md for this outcome.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Outcome::Done => exit::OK,
            Outcome::RunAgainLater => exit::TEMPORARY,
            Outcome::RelayUnreachable => exit::UNAVAILABLE,
            Outcome::MessageRefused => exit::DATA,
        }
    }
}

/// Rows of an import that could not be used.
#[derive(Debug)]
pub(crate) struct RejectedRows {
    /// The import file.
    pub path: PathBuf,
    /// The first rejected rows: line and reason.
    pub first: Vec<(u64, String)>,
    /// How many rows were rejected in all.
    pub total: u64,
}

/// How many rejected rows a message lists before it summarises.
pub(crate) const REJECTED_SHOWN: usize = 20;

impl std::fmt::Display for RejectedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (line, reason) in &self.first {
            writeln!(f, "{}:{line}: {reason}", self.path.display())?;
        }
        let shown = self.first.len() as u64;
        if self.total > shown {
            writeln!(f, "… and {} more rejected rows", self.total - shown)?;
        }
        Ok(())
    }
}

/// Every failure a command can end with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(
        "{rows}nothing was imported: {} of the rows are unusable\n  \
         hint: fix them, or pass --skip-invalid to import the other rows",
        rows.total
    )]
    Rejected { rows: RejectedRows },
    #[error("{0}")]
    BadArgument(String),
    /// Something outside is unavailable for now (DNS cannot be reached):
    /// run again later.
    #[error("{0}")]
    TryLater(String),
    #[error("{0}")]
    BadDns(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Usage(String),
    /// Another run holds the campaign's lock.
    #[error("{0}")]
    Busy(String),
    /// An input changed between validation and sending.
    #[error("{0}")]
    InputsChanged(String),
    #[error("{0}")]
    Misconfigured(String),
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Serve(#[from] crate::serve::ServeError),
    #[error(transparent)]
    Imap(#[from] crate::feedback::imap::ImapError),
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// The exit code this failure ends the process with.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) => exit::CONFIG,
            Error::Csv(_) | Error::Rejected { .. } | Error::BadArgument(_) => exit::DATA,
            Error::Store(StoreError::Open { .. } | StoreError::TooNew { .. }) => exit::CONFIG,
            Error::Store(StoreError::Sqlite { source, .. }) if is_busy(source) => exit::TEMPORARY,
            Error::Store(StoreError::Sqlite { source, .. }) if is_full(source) => exit::IO,
            Error::Store(
                StoreError::Sqlite { .. } | StoreError::Corrupt(_) | StoreError::Random(_),
            ) => exit::INTERNAL,
            Error::Write { .. } | Error::Output(_) => exit::IO,
            Error::Report(crate::report::ReportError::Write { .. }) => exit::IO,
            Error::Report(crate::report::ReportError::Template(_)) => exit::INTERNAL,
            // The port is taken or not ours to bind: the endpoint cannot be offered.
            Error::Serve(_) => exit::UNAVAILABLE,
            Error::Read { .. } => exit::NO_INPUT,
            Error::Imap(crate::feedback::imap::ImapError::Unavailable(_)) => exit::UNAVAILABLE,
            Error::Imap(crate::feedback::imap::ImapError::Login(_)) => exit::CONFIG,
            Error::TryLater(_) => exit::TEMPORARY,
            Error::BadDns(_) | Error::Misconfigured(_) => exit::CONFIG,
            Error::Refused(_) => exit::REFUSED,
            Error::Usage(_) => exit::USAGE,
            Error::Busy(_) | Error::InputsChanged(_) => exit::TEMPORARY,
            Error::Compose(ComposeError::Render(RenderError::Read { .. })) => exit::CONFIG,
            Error::Compose(ComposeError::Render(RenderError::HiddenLegalText { .. })) => {
                exit::CONFIG
            }
            Error::Compose(ComposeError::Render(_)) => exit::DATA,
            Error::Compose(ComposeError::TooLarge { .. }) => exit::CONFIG,
            Error::Compose(ComposeError::Sign(SignError::Key { .. })) => exit::CONFIG,
            Error::Compose(ComposeError::Sign(SignError::Sign(_))) => exit::INTERNAL,
        }
    }

    /// What a person should do, where the error alone does not say it.
    pub(crate) fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Store(StoreError::Sqlite { source, .. }) if is_full(source) => Some(
                "the disk holding the store is full: free space and run again; \
                 nothing that was sent will be sent twice",
            ),
            _ => None,
        }
    }

    /// Whether this is the reader of our output going away (`| head`), which
    /// is no failure of ours.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

fn is_full(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl From<crate::deliver::pipeline::PipelineError> for Error {
    fn from(error: crate::deliver::pipeline::PipelineError) -> Self {
        use crate::deliver::pipeline::PipelineError;
        match error {
            PipelineError::Compose(e) => Error::Compose(e),
            PipelineError::Store(e) => Error::Store(e),
            PipelineError::Runtime(e) => Error::Output(e),
        }
    }
}

impl From<csv::Error> for Error {
    fn from(error: csv::Error) -> Self {
        match error.into_kind() {
            csv::ErrorKind::Io(e) => Error::Output(e),
            other => Error::Output(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Output(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_every_exit_code_from_the_one_table() {
        let help = exit_codes_help();
        for (code, meaning) in EXIT_CODES {
            assert!(help.contains(&format!("{code} {meaning}")), "{help}");
        }
        let mut codes: Vec<u8> = EXIT_CODES.iter().map(|(code, _)| *code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), EXIT_CODES.len(), "each code once");
        for outcome in [
            Outcome::Done,
            Outcome::RunAgainLater,
            Outcome::RelayUnreachable,
            Outcome::MessageRefused,
        ] {
            assert!(codes.contains(&outcome.exit_code()), "{outcome:?}");
        }
    }

    #[test]
    fn a_full_disk_under_the_store_is_an_io_error_with_what_to_do() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        );
        let error = Error::Store(StoreError::Sqlite {
            path: "hikyaku.db".into(),
            source: full,
        });
        assert_eq!(error.exit_code(), exit::IO);
        assert!(
            error
                .hint()
                .is_some_and(|h| h.contains("disk holding the store is full"))
        );
    }
}
