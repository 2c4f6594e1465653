//! The one place where failures become exit codes (sysexits, as mail tools use).

use std::path::PathBuf;

use crate::compose::ComposeError;
use crate::config::ConfigError;
use crate::csv_input::CsvError;
use crate::render::RenderError;
use crate::sign::SignError;
use crate::store::StoreError;

/// Exit codes of design.md.
pub mod exit {
    /// Done.
    pub const OK: u8 = 0;
    /// Usage error (clap's own code).
    pub const USAGE: u8 = 2;
    /// Bad data: CSV, template, addresses given as arguments.
    pub const DATA: u8 = 65;
    /// An input file or folder cannot be read.
    pub const NO_INPUT: u8 = 66;
    /// The SMTP server (or, for `serve`, the listening address) is unavailable.
    pub const UNAVAILABLE: u8 = 69;
    /// Internal error.
    pub const INTERNAL: u8 = 70;
    /// An output file could not be written.
    pub const IO: u8 = 74;
    /// Incomplete: run again later.
    pub const TEMPORARY: u8 = 75;
    /// Refused: not approved, compliance gate, complaint-rate guard.
    pub const REFUSED: u8 = 77;
    /// Bad configuration.
    pub const CONFIG: u8 = 78;
}

/// Rows of an import that could not be used.
#[derive(Debug)]
pub struct RejectedRows {
    /// The import file.
    pub path: PathBuf,
    /// The first rejected rows: line and reason.
    pub first: Vec<(u64, String)>,
    /// How many rows were rejected in all.
    pub total: u64,
}

/// How many rejected rows a message lists before it summarises.
pub const REJECTED_SHOWN: usize = 20;

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
pub enum Error {
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
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    BadDns(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Busy(String),
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
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) => exit::CONFIG,
            Error::Csv(_) | Error::Rejected { .. } | Error::BadArgument(_) => exit::DATA,
            Error::Store(StoreError::Open { .. } | StoreError::TooNew { .. }) => exit::CONFIG,
            Error::Store(StoreError::Sqlite { source, .. }) if is_busy(source) => exit::TEMPORARY,
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
            Error::Unavailable(_) => exit::TEMPORARY,
            Error::BadDns(_) | Error::Misconfigured(_) => exit::CONFIG,
            Error::Refused(_) => exit::REFUSED,
            Error::Usage(_) => exit::USAGE,
            Error::Busy(_) => exit::TEMPORARY,
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

    /// Whether this is the reader of our output going away (`| head`), which
    /// is no failure of ours.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
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
