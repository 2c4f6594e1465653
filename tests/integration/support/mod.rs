//! Test support: a campaign built as data, a scratch folder to write it
//! into, a way to run the built binary there and look at what it did, and
//! the scenes several test modules start from.

mod campaign;
mod rows;
mod run;
mod scratch;
pub mod sent;
mod skip_reasons;

mod journal;
mod pace;
pub use campaign::Campaign;
pub use journal::{delivered_once, journal_state};
pub use pace::busiest_second;
pub use rows::{recipients, user};
pub use run::{Run, Serving, finish, finish_within};
pub use scratch::Scratch;
pub use skip_reasons::every_skip_reason;

/// The 1-based line of `text` on which `needle` starts: how tests name the
/// line an error message should point at, in a list, template or campaign
/// they wrote. Panics unless `needle` occurs exactly once.
#[track_caller]
pub fn line_of(text: impl AsRef<[u8]>, needle: impl AsRef<[u8]>) -> usize {
    let (text, needle) = (text.as_ref(), needle.as_ref());
    assert!(!needle.is_empty(), "an empty needle");
    let mut at =
        (0..=text.len().saturating_sub(needle.len())).filter(|&i| text[i..].starts_with(needle));
    let first = at.next().unwrap_or_else(|| {
        panic!(
            "{:?} is not in:\n{}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(text)
        )
    });
    assert!(
        at.next().is_none(),
        "{:?} occurs more than once in:\n{}",
        String::from_utf8_lossy(needle),
        String::from_utf8_lossy(text)
    );
    text[..first].iter().filter(|&&b| b == b'\n').count() + 1
}
