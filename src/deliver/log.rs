//! The delivery log: one JSON object per attempt, one per line, appended to a
//! file per campaign, for people and log collectors alike.

use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// One attempt.
#[derive(Debug, Serialize)]
pub(crate) struct Event<'a> {
    /// RFC 3339, UTC.
    pub time: String,
    pub campaign: &'a str,
    pub recipient: &'a str,
    /// sent, deferred, failed, unknown, or skipped (suppressed since the plan).
    pub state: &'a str,
    pub smtp_reply: &'a str,
    pub message_id: &'a str,
    pub attempt: u32,
    /// The relay that carried the attempt (its `name`, or `host:port`).
    pub relay: &'a str,
}

/// An open log file.
pub(crate) struct DeliveryLog {
    path: PathBuf,
    file: LineWriter<File>,
}

impl DeliveryLog {
    /// Opens `path` for appending, creating it and its folder.
    pub(crate) fn open(path: &Path) -> std::io::Result<DeliveryLog> {
        if let Some(parent) = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty() && !p.exists())
        {
            crate::files::create_dir_all(parent)?;
        }
        // Addresses and replies: readable by the owner only.
        let file = crate::files::append(path)?;
        Ok(DeliveryLog {
            path: path.to_owned(),
            file: LineWriter::new(file),
        })
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event (a whole line, so a crash never leaves half of one).
    pub(crate) fn write(&mut self, event: &Event<'_>) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }
}

/// The default log path: `<store>.<campaign>.jsonl`, next to the store.
pub(crate) fn default_path(store: &Path, campaign: &str) -> PathBuf {
    let mut name = store
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{campaign}.jsonl"));
    store.with_file_name(name)
}
