//! A folder of .eml files: what a dry run delivers to, and what `preview
//! --out` writes. The files hold the exact bytes SMTP would carry.

use std::path::{Path, PathBuf};

use crate::address::Address;

/// Writes one file per message into a folder.
pub struct EmlFolder {
    dir: PathBuf,
}

impl EmlFolder {
    /// Creates the folder (and its parents) if needed, readable by its
    /// owner only: the messages carry unsubscribe tokens.
    pub fn create(dir: &Path) -> std::io::Result<EmlFolder> {
        crate::files::create_dir_all(dir)?;
        Ok(EmlFolder {
            dir: dir.to_owned(),
        })
    }

    /// Writes the message of the row on `line`; returns the file's path. Names
    /// sort in list order and say whose message it is: `000042_taro@example.jp.eml`.
    pub fn write(&self, line: u64, address: &Address, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let safe: String = address
            .as_str()
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
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
