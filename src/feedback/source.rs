//! Where reports come from: .eml files, mbox files, Maildir folders, folders
//! of .eml files, and IMAP mailboxes ([`super::imap`]).
//!
//! Each message is handed on by itself, and its size is known before it is
//! read into memory: a stray 50 MB attachment in the bounce mailbox is an
//! [`Content::TooLarge`] message, not an allocation. mail-parser's own mbox
//! and Maildir iterators read whole messages first, so the readers here are
//! our own, and small.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Messages larger than this are not read: reports are small.
pub(crate) const MAX_MESSAGE_BYTES: u64 = 10 * 1024 * 1024;

/// One message as a source gives it.
#[derive(Debug)]
pub(crate) enum Content {
    /// The raw bytes.
    Bytes(Vec<u8>),
    /// Larger than [`MAX_MESSAGE_BYTES`]; this many bytes at least.
    TooLarge(u64),
    /// It could not be read; why.
    Failed(String),
}

/// A SOURCE argument of `ingest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A local file or folder.
    Path(PathBuf),
    /// A mailbox on an IMAP server.
    Imap(super::imap::MailboxUrl),
}

impl Source {
    /// Reads a SOURCE argument: an `imaps://` or `imap://` URL, else a path.
    pub(crate) fn parse(argument: &str) -> Result<Source, String> {
        let lower = argument.get(..8).unwrap_or(argument).to_ascii_lowercase();
        if lower.starts_with("imaps://") || lower.starts_with("imap://") {
            super::imap::MailboxUrl::parse(argument).map(Source::Imap)
        } else {
            Ok(Source::Path(PathBuf::from(argument)))
        }
    }
}

/// A source that could not be read as a whole (the run goes on with the others).
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot read: {source}", path.display())]
pub(crate) struct SourceError {
    /// The file or folder.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// Hands every message below `path` to `each` with its label (the file, or
/// `FILE#N` for the Nth message of an mbox holding several). `each` may stop
/// the walk by returning an error.
pub(crate) fn read_path<E: From<SourceError>>(
    path: &Path,
    each: &mut dyn FnMut(String, Content) -> Result<(), E>,
) -> Result<(), E> {
    let error = |source| SourceError {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(error)?;
    if !metadata.is_dir() {
        // The source itself: a file that cannot be opened fails the source.
        if let Err(source) = File::open(path) {
            return Err(SourceError {
                path: path.to_owned(),
                source,
            }
            .into());
        }
        return read_file(path, each);
    }
    let maildir = ["cur", "new"].iter().all(|sub| path.join(sub).is_dir());
    let folders: Vec<PathBuf> = if maildir {
        vec![path.join("new"), path.join("cur")]
    } else {
        vec![path.to_owned()]
    };
    for folder in folders {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|source| SourceError {
                path: folder.clone(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !is_hidden(p))
            .collect();
        files.sort();
        for file in files {
            if maildir {
                // Maildir files are single messages whatever their first line.
                let label = file.display().to_string();
                let content = read_single(&file);
                each(label, content)?;
            } else {
                read_file(&file, each)?;
            }
        }
    }
    Ok(())
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// One file: an mbox when it starts with `From `, else one message.
fn read_file<E: From<SourceError>>(
    path: &Path,
    each: &mut dyn FnMut(String, Content) -> Result<(), E>,
) -> Result<(), E> {
    let label = path.display().to_string();
    // One file of a folder that cannot be opened is one unreadable message.
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => return each(label, Content::Failed(error.to_string())),
    };
    let mut reader = BufReader::new(file);
    let is_mbox = match reader.fill_buf() {
        Ok(start) => start.starts_with(b"From "),
        Err(error) => return each(label, Content::Failed(error.to_string())),
    };
    if is_mbox {
        return read_mbox(path, reader, each);
    }
    each(label, read_capped(reader, None))
}

fn read_single(path: &Path) -> Content {
    match File::open(path) {
        Ok(file) => read_capped(BufReader::new(file), None),
        Err(error) => Content::Failed(error.to_string()),
    }
}

fn read_capped(reader: impl Read, known_size: Option<u64>) -> Content {
    if let Some(size) = known_size.filter(|s| *s > MAX_MESSAGE_BYTES) {
        return Content::TooLarge(size);
    }
    let mut raw = Vec::new();
    match reader.take(MAX_MESSAGE_BYTES + 1).read_to_end(&mut raw) {
        Ok(_) if raw.len() as u64 > MAX_MESSAGE_BYTES => Content::TooLarge(raw.len() as u64),
        Ok(_) => Content::Bytes(raw),
        Err(error) => Content::Failed(error.to_string()),
    }
}

/// An mbox (mboxo or mboxrd): a `From ` line at the start or after a blank
/// line begins a message; `>From ` lines lose one `>`. A message over the
/// limit is skipped line by line, never held in memory.
fn read_mbox<E: From<SourceError>>(
    path: &Path,
    mut reader: impl BufRead,
    each: &mut dyn FnMut(String, Content) -> Result<(), E>,
) -> Result<(), E> {
    let mut current = Vec::new();
    let mut size: u64 = 0;
    let mut previous_blank = true;
    let mut index = 0usize;
    // The first message waits until a second appears, so that a file with
    // one message is labelled by its path alone.
    let mut first: Option<Content> = None;
    let mut line = Vec::new();
    let label = |n: usize| format!("{}#{n}", path.display());
    loop {
        line.clear();
        let truncated = match read_line_capped(&mut reader, &mut line, MAX_MESSAGE_BYTES as usize) {
            Ok(truncated) => truncated,
            Err(source) => {
                return Err(SourceError {
                    path: path.to_owned(),
                    source,
                }
                .into());
            }
        };
        let end = line.is_empty() && !truncated;
        let separator = !end
            && line.starts_with(b"From ")
            && (previous_blank || index == 0 || is_postmark(&line));
        if (end || separator) && index > 0 {
            let content = if size > MAX_MESSAGE_BYTES {
                Content::TooLarge(size)
            } else {
                Content::Bytes(std::mem::take(&mut current))
            };
            current.clear();
            size = 0;
            if index == 1 {
                first = Some(content);
            } else {
                if let Some(content) = first.take() {
                    each(label(1), content)?;
                }
                each(label(index), content)?;
            }
        }
        if end {
            break;
        }
        if separator {
            index += 1;
            previous_blank = false;
            continue;
        }
        if index == 0 {
            // Text before the first separator (not an mbox after all): skip.
            continue;
        }
        let body = unescape_from(&line);
        previous_blank = body == b"\n" || body == b"\r\n";
        size += body.len() as u64 + u64::from(truncated);
        if size <= MAX_MESSAGE_BYTES {
            current.extend_from_slice(body);
        } else {
            current = Vec::new();
        }
    }
    if let Some(content) = first {
        each(path.display().to_string(), content)?;
    }
    Ok(())
}

/// Whether a `From ` line is an mbox postmark (`From sender Thu Jul  2
/// 12:05:05 2020`): some writers put one right after a MIME boundary, with
/// no blank line before it.
fn is_postmark(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let words: Vec<&str> = text.split_whitespace().collect();
    let has_time = words.iter().any(|w| {
        w.len() == 8
            && w.bytes().enumerate().all(|(i, b)| {
                if i == 2 || i == 5 {
                    b == b':'
                } else {
                    b.is_ascii_digit()
                }
            })
    });
    let has_year = words
        .iter()
        .any(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()));
    words.len() >= 5 && has_time && has_year
}

/// `>From ` (any number of `>`) loses one `>`, as mboxrd writers escape.
fn unescape_from(line: &[u8]) -> &[u8] {
    let quoted = line.iter().take_while(|b| **b == b'>').count();
    if quoted > 0 && line[quoted..].starts_with(b"From ") {
        &line[1..]
    } else {
        line
    }
}

/// Appends one line (with its newline) to `line`, keeping at most `cap`
/// bytes and discarding the rest of an overlong line. Returns whether bytes
/// were discarded.
fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<bool> {
    let mut truncated = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(truncated);
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let room = cap.saturating_sub(line.len());
        if chunk.len() > room {
            truncated = true;
        }
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        reader.consume(used);
        if done {
            return Ok(truncated);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(path: &Path) -> Vec<(String, String)> {
        let mut all = Vec::new();
        read_path::<SourceError>(path, &mut |label, content| {
            let text = match content {
                Content::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Content::TooLarge(size) => format!("too large: {size}"),
                Content::Failed(why) => format!("failed: {why}"),
            };
            all.push((label, text));
            Ok(())
        })
        .unwrap();
        all
    }

    #[test]
    fn an_mbox_gives_each_message_unescaped_and_labelled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("box");
        std::fs::write(
            &path,
            "From a Sun Nov 22 10:15:31 2026\nSubject: one\n\n>From here\nFrom there\n\n\
             From b Sun Nov 22 10:15:32 2026\nSubject: two\n\nbody\n",
        )
        .unwrap();
        let messages = collect(&path);
        let labels: Vec<&str> = messages.iter().map(|(l, _)| l.as_str()).collect();
        let name = path.display().to_string();
        assert_eq!(labels, [format!("{name}#1"), format!("{name}#2")]);
        // "From there" follows a non-blank line: body text, not a separator.
        assert_eq!(messages[0].1, "Subject: one\n\nFrom here\nFrom there\n\n");
        assert_eq!(messages[1].1, "Subject: two\n\nbody\n");
    }

    #[test]
    fn a_file_with_one_mbox_message_is_labelled_by_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.eml");
        std::fs::write(
            &path,
            "From x Sun Nov 22 10:15:31 2026\nSubject: one\n\nhi\n",
        )
        .unwrap();
        let messages = collect(&path);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].0, path.display().to_string());
    }

    #[test]
    fn oversized_messages_are_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let huge = "x".repeat(MAX_MESSAGE_BYTES as usize + 10);
        std::fs::write(
            &path,
            format!(
                "From a Sun Nov 22 10:15:31 2026\nSubject: big\n\n{huge}\n\n\
                 From b Sun Nov 22 10:15:32 2026\nSubject: small\n\nok\n"
            ),
        )
        .unwrap();
        let messages = collect(&path);
        assert!(messages[0].1.starts_with("too large"), "{}", messages[0].0);
        assert_eq!(messages[1].1, "Subject: small\n\nok\n");
        let single = dir.path().join("single.eml");
        std::fs::write(&single, &huge).unwrap();
        assert!(collect(&single)[0].1.starts_with("too large"));
    }

    #[test]
    fn a_maildir_gives_new_then_cur_and_skips_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("new/2.x"), "Subject: new\n\n").unwrap();
        std::fs::write(dir.path().join("cur/1.x:2,S"), "From me\nSubject: cur\n\n").unwrap();
        std::fs::write(dir.path().join("cur/.hidden"), "Subject: no\n\n").unwrap();
        let texts: Vec<String> = collect(dir.path()).into_iter().map(|(_, t)| t).collect();
        assert_eq!(texts, ["Subject: new\n\n", "From me\nSubject: cur\n\n"]);
    }
}
