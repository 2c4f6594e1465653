//! The campaign file: what to send, to whom, as whom, and how fast.
//!
//! [`Campaign::load`] reads the TOML, resolves every path against the campaign
//! file's own folder, and checks every rule that can be checked without reading
//! the recipients. All problems are reported together, each with the file, line
//! and key, so one edit fixes them all.

mod checks;
mod delivery_checks;
mod error;
mod file;
pub(crate) mod limits;
mod model;
pub(crate) mod sender_rules;
#[cfg(test)]
mod tests;

use std::path::Path;

use self::checks::{Checker, key_path};
pub(crate) use self::error::{ConfigError, Problem};
pub(crate) use self::limits::Rate;
pub use self::model::Campaign;
pub(crate) use self::model::*;
use crate::address::Address;

/// What a campaign id or list name may look like.
pub(crate) const NAME_RULE: &str =
    "use 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

/// Whether `text` is a valid campaign id or list name (see [`NAME_RULE`]).
pub(crate) fn is_valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl Campaign {
    /// Reads and checks the campaign file at `path`.
    pub(crate) fn load(path: &Path) -> Result<Campaign, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Campaign::from_source(path, &source)
    }

    /// Checks the campaign whose text is `source`, read from `path`.
    pub fn from_source(path: &Path, source: &str) -> Result<Campaign, ConfigError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
        let mut checker = Checker {
            path: &path,
            dir: &dir,
            source,
            problems: Vec::new(),
        };
        let raw: file::CampaignFile = match toml::from_str(source) {
            Ok(raw) => raw,
            Err(error) => {
                let span = error.span();
                let key = key_path(&error).unwrap_or_default();
                checker.report(span.as_ref(), &key, error.message().trim_end());
                return Err(ConfigError::Invalid {
                    problems: checker.problems,
                });
            }
        };
        let campaign = checker.campaign(raw);
        match campaign {
            Some(campaign) if checker.problems.is_empty() => Ok(campaign),
            _ => Err(ConfigError::Invalid {
                problems: checker.problems,
            }),
        }
    }

    /// The envelope sender: `return_path`, else the `From` address.
    pub(crate) fn envelope_sender(&self) -> &Address {
        self.sender
            .return_path
            .as_ref()
            .unwrap_or(&self.sender.from.address)
    }

    /// With `sender.verp`, the envelope sender of the message carrying
    /// `token`: `local+TOKEN@domain`. `None` means [`Campaign::envelope_sender`].
    pub(crate) fn verp_sender(&self, token: &str) -> Option<String> {
        if !self.sender.verp {
            return None;
        }
        let sender = self.envelope_sender();
        Some(format!(
            "{}+{token}@{}",
            sender.local_part(),
            sender.domain()
        ))
    }
}

/// DMARC relaxed alignment: both names have the same organizational domain
/// (the registrable domain of the Public Suffix List).
pub(crate) fn aligned(a: &str, b: &str) -> bool {
    let organizational = |name: &str| psl::domain_str(name).map(str::to_ascii_lowercase);
    matches!((organizational(a), organizational(b)), (Some(x), Some(y)) if x == y)
}
