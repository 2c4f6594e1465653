//! List names: what campaigns (`list = "newsletter"`), consents, opt-outs
//! and suppressions are scoped by, and the one name that means every list.
//!
//! Every list is written `*` everywhere: on the command line (`consent
//! revoke --list '*'`), in exports, in the store and in JSON output.
//! `suppress import` still reads an empty `list` (what its exports wrote
//! for every list before schema 7) as its `--list`, every list by default.

use std::fmt;

use crate::config::{NAME_RULE, is_valid_name};

/// A list, or every list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ListName {
    /// Every list, present and future.
    Every,
    /// One list, by its name.
    Named(String),
}

impl ListName {
    /// How every list is written.
    pub(crate) const EVERY: &'static str = "*";

    /// A list name or `*`, as people type them on the command line or in a
    /// CSV file; the error says what a name may look like.
    pub(crate) fn parse(text: &str) -> Result<ListName, String> {
        match text {
            ListName::EVERY => Ok(ListName::Every),
            name if is_valid_name(name) => Ok(ListName::Named(name.to_owned())),
            _ => Err(format!(
                "{text:?} is not a valid list name: {NAME_RULE} (or * for every list)"
            )),
        }
    }

    /// The list as it is stored and exported.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            ListName::Every => ListName::EVERY,
            ListName::Named(name) => name,
        }
    }

    /// The list as a sentence names it: "every list" or "list newsletter".
    pub(crate) fn describe(&self) -> String {
        match self {
            ListName::Every => "every list".to_owned(),
            ListName::Named(name) => format!("list {name}"),
        }
    }
}

impl fmt::Display for ListName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_has_one_written_form_and_names_are_checked_once() {
        assert_eq!(ListName::parse("*"), Ok(ListName::Every));
        assert_eq!(ListName::Every.as_str(), "*");
        assert_eq!(
            ListName::parse("newsletter"),
            Ok(ListName::Named("newsletter".into()))
        );
        assert!(
            ListName::parse("news letter")
                .unwrap_err()
                .contains("not a valid list name")
        );
        assert!(ListName::parse("").is_err());
        assert_eq!(ListName::Named("news".into()).describe(), "list news");
    }
}
