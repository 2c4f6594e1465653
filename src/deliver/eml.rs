//! A folder of .eml files: what a dry run delivers to, and what `preview
//! --out` writes. The files hold the exact bytes SMTP would carry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::transport::{Connection, Envelope, Outcome, Transport};

/// Writes one file per message into a folder.
#[derive(Debug, Clone)]
pub(crate) struct EmlFolder {
    dir: Arc<Path>,
}

impl EmlFolder {
    /// Creates the folder (and its parents) if needed, readable by its
    /// owner only: the messages carry unsubscribe tokens.
    pub(crate) fn create(dir: &Path) -> std::io::Result<EmlFolder> {
        crate::files::create_dir_all(dir)?;
        Ok(EmlFolder { dir: dir.into() })
    }

    /// Writes the message of the row on `line`; returns the file's path. Names
    /// sort in list order and say whose message it is: `000042_taro@example.jp.eml`.
    pub(crate) fn write(
        &self,
        line: u64,
        recipient: &str,
        bytes: &[u8],
    ) -> std::io::Result<PathBuf> {
        let safe: String = recipient
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.+-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{line:06}_{safe}.eml"));
        std::io::Write::write_all(&mut crate::files::create(&path)?, bytes)?;
        Ok(path)
    }

    /// The folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Transport for EmlFolder {
    type Connection = EmlFolder;

    async fn connect(&self) -> Result<EmlFolder, String> {
        Ok(self.clone())
    }

    fn describe(&self) -> String {
        format!("the folder {}", self.dir.display())
    }
}

impl Connection for EmlFolder {
    async fn send(&mut self, envelope: Envelope<'_>, message: &[u8]) -> Outcome {
        // Small files on a local disk: writing them inline costs less than
        // handing each to a blocking thread.
        match self.write(envelope.line, envelope.recipient, message) {
            Ok(path) => Outcome::Accepted(format!("written to {}", path.display())),
            Err(error) => Outcome::NotSent(format!("{}: {error}", self.dir.display())),
        }
    }

    async fn close(self) {}
}
