//! The campaign digest: SHA-256 over every input a send depends on, so that an
//! approval binds to exactly what was checked.
//!
//! Covered: the campaign file, the templates, the attachments and the recipient
//! CSV, each as the bytes read. Not covered: the store, because suppressions and
//! opt-outs only ever remove recipients and must not force a new approval.
//! Each file keeps its own hash too, so a refusal can name the file that changed.

use std::fmt::Write as _;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::config::Campaign;

/// The hash of one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileDigest {
    /// What the file is to the campaign: `campaign`, `text`, `html`, `attachment`, `recipients`.
    pub role: &'static str,
    /// The file.
    pub path: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: [u8; 32],
}

impl FileDigest {
    /// The SHA-256 in lower-case hex.
    pub(crate) fn hex(&self) -> String {
        to_hex(&self.sha256)
    }
}

/// The digest of a whole campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CampaignDigest {
    /// Every input, in a fixed order.
    pub files: Vec<FileDigest>,
}

impl CampaignDigest {
    /// Hashes the campaign file, templates and attachments; the recipient list
    /// is added by whoever streams it (see [`HashingReader`]).
    pub(crate) fn of_campaign_files(campaign: &Campaign) -> io::Result<CampaignDigest> {
        let mut files = vec![
            hash_file("campaign", &campaign.path)?,
            hash_file("text", &campaign.message.text)?,
        ];
        if let Some(html) = &campaign.message.html {
            files.push(hash_file("html", html)?);
        }
        for attachment in &campaign.message.attachments {
            files.push(hash_file("attachment", attachment)?);
        }
        Ok(CampaignDigest { files })
    }

    /// Adds a file hashed elsewhere.
    pub(crate) fn push(&mut self, file: FileDigest) {
        self.files.push(file);
    }

    /// The combined digest in lower-case hex: SHA-256 over each file's role and hash.
    pub(crate) fn hex(&self) -> String {
        let mut hasher = Sha256::new();
        for file in &self.files {
            hasher.update(file.role.as_bytes());
            hasher.update([0]);
            hasher.update(file.sha256);
        }
        to_hex(&hasher.finalize())
    }
}

/// Hashes the file at `path`.
pub(crate) fn hash_file(role: &'static str, path: &Path) -> io::Result<FileDigest> {
    let mut reader = HashingReader::new(std::fs::File::open(path)?);
    io::copy(&mut reader, &mut io::sink())?;
    Ok(reader.finish(role, path.to_owned()))
}

/// A reader that hashes everything read through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The hash of what was read so far.
    pub(crate) fn finish(self, role: &'static str, path: PathBuf) -> FileDigest {
        FileDigest {
            role,
            path,
            sha256: self.hasher.finalize().into(),
        }
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_reader_matches_a_direct_hash() {
        let data = b"email,name\na@example.jp,A\n";
        let mut reader = HashingReader::new(&data[..]);
        io::copy(&mut reader, &mut io::sink()).unwrap();
        let digest = reader.finish("recipients", PathBuf::from("r.csv"));
        assert_eq!(digest.sha256, <[u8; 32]>::from(Sha256::digest(data)));
    }

    #[test]
    fn combined_digest_changes_with_any_file() {
        let file = |role, byte| FileDigest {
            role,
            path: PathBuf::new(),
            sha256: [byte; 32],
        };
        let a = CampaignDigest {
            files: vec![file("campaign", 1), file("recipients", 2)],
        };
        let b = CampaignDigest {
            files: vec![file("campaign", 1), file("recipients", 3)],
        };
        assert_ne!(a.hex(), b.hex());
        assert_eq!(a.hex().len(), 64);
    }
}
