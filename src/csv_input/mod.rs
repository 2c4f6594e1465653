//! Reading CSV files the way offices write them.
//!
//! Recipient lists and import files come out of CRMs and Excel. In Japan, Excel's
//! "CSV (comma-delimited)" writes Shift_JIS, in practice Microsoft's CP932 with
//! the NEC and IBM extensions (①, ㈱, 髙); "CSV UTF-8" writes UTF-8 with a BOM;
//! other tools write UTF-8 without one.
//!
//! The file is parsed as bytes and each field decoded on its own. That is safe
//! for CP932 because its trail bytes (0x40 and up) can never be a comma, a quote
//! or a line break, and it lets an undecodable field be reported with its line
//! and column instead of being silently replaced by U+FFFD.
//!
//! `auto` decides on the first field that is not pure ASCII: valid UTF-8 wins,
//! else valid CP932, else the row is an error. Until then both encodings agree,
//! so the decision is exact without reading the file twice. Once made, it holds
//! for the rest of the file: a mixture is reported, never guessed at.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::SHIFT_JIS;
use serde::Deserialize;

/// The character encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub(crate) enum Encoding {
    /// Decide from the content (see the module documentation).
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// UTF-8, with or without a byte order mark.
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// Shift_JIS as Windows writes it (CP932 / Windows-31J), which encoding_rs
    /// decodes per the WHATWG Encoding Standard, extensions included.
    #[serde(
        rename = "shift_jis",
        alias = "shift-jis",
        alias = "sjis",
        alias = "cp932",
        alias = "windows-31j"
    )]
    ShiftJis,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "UTF-8",
            Encoding::ShiftJis => "Shift_JIS (CP932)",
        }
    }
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Encoding::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s))
            .map_err(|_| format!("unknown encoding {s:?}: use auto, utf-8 or shift_jis"))
    }
}

/// A CSV file that cannot be read as a table.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CsvError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the file is empty; the first line must name the columns", path.display())]
    NoHeader { path: PathBuf },
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(
        "{}:{line}: the row has {found} fields but the header has {expected}\n  \
         hint: a field containing a comma or a line break must be enclosed in double quotes",
        path.display()
    )]
    FieldCount {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("{}:{line}: column {column:?} is not valid {encoding}\n  hint: {hint}", path.display())]
    Undecodable {
        path: PathBuf,
        line: u64,
        column: String,
        encoding: &'static str,
        hint: &'static str,
    },
    #[error("{}:1: the header has no column named {column:?} (it has: {available})", path.display())]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: String,
    },
    #[error("{}:1: the header names column {column:?} twice; every column needs its own name", path.display())]
    DuplicateColumn { path: PathBuf, column: String },
}

/// One data row, decoded.
#[derive(Debug, Default, Clone)]
pub(crate) struct Row {
    /// The line on which the row starts (the header is line 1).
    pub line: u64,
    /// The fields, in header order.
    pub fields: Vec<String>,
}

/// A CSV reader that decodes every field and reports problems by line.
pub(crate) struct CsvInput<R: Read> {
    path: PathBuf,
    reader: csv::Reader<BufReader<Tracked<R>>>,
    headers: Vec<String>,
    encoding: Encoding,
    record: csv::ByteRecord,
}

impl CsvInput<std::fs::File> {
    /// Opens `path` and reads its header row.
    pub(crate) fn open(path: &Path, encoding: Encoding) -> Result<Self, CsvError> {
        let file = std::fs::File::open(path).map_err(|source| CsvError::Io {
            path: path.to_owned(),
            source,
        })?;
        CsvInput::from_reader(path, file, encoding)
    }
}

impl<R: Read> CsvInput<R> {
    /// Reads the header row of `input`; `path` names the file in errors.
    pub(crate) fn from_reader(path: &Path, input: R, encoding: Encoding) -> Result<Self, CsvError> {
        let mut buffered = BufReader::with_capacity(256 * 1024, Tracked::new(input));
        let has_bom = buffered
            .fill_buf()
            .map_err(|source| CsvError::Io {
                path: path.to_owned(),
                source,
            })?
            .starts_with(b"\xEF\xBB\xBF");
        let encoding = match encoding {
            Encoding::Auto if has_bom => Encoding::Utf8,
            other => other,
        };
        // Only LF ends a record: csv's own line count then includes every
        // terminator it consumed, which is what exact line numbers need (see
        // `record_start_line`). The CR of CR-LF is removed from the last field.
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(buffered);
        let mut input = CsvInput {
            path: path.to_owned(),
            reader,
            headers: Vec::new(),
            encoding,
            record: csv::ByteRecord::new(),
        };
        let mut header = Row::default();
        if !input.read_row_unchecked(&mut header)? {
            return Err(CsvError::NoHeader {
                path: path.to_owned(),
            });
        }
        let headers: Vec<String> = header
            .fields
            .into_iter()
            .map(|h| h.trim().to_owned())
            .collect();
        for (i, name) in headers.iter().enumerate() {
            if !name.is_empty() && headers[..i].contains(name) {
                return Err(CsvError::DuplicateColumn {
                    path: path.to_owned(),
                    column: name.clone(),
                });
            }
        }
        input.headers = headers;
        Ok(input)
    }

    /// The column names from the header row, trimmed.
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The file name used in errors.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The index of the column named `name`, or an error listing the columns.
    pub(crate) fn column(&self, name: &str) -> Result<usize, CsvError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| CsvError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
                available: self.headers.join(", "),
            })
    }

    /// The underlying reader, for what it learnt on the way (a digest).
    pub(crate) fn into_inner(self) -> R {
        self.reader.into_inner().into_inner().inner
    }

    /// How many bytes of the file have been parsed, for progress.
    pub(crate) fn bytes_parsed(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The index of the column named `name`, if the file has one.
    pub(crate) fn optional_column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Reads the next data row into `row`, reusing its buffers. Returns false at
    /// the end of the file. Blank lines are skipped; a row whose field count
    /// differs from the header's is an error.
    pub(crate) fn read_row(&mut self, row: &mut Row) -> Result<bool, CsvError> {
        if !self.read_row_unchecked(row)? {
            return Ok(false);
        }
        if row.fields.len() != self.headers.len() {
            return Err(CsvError::FieldCount {
                path: self.path.clone(),
                line: row.line,
                expected: self.headers.len(),
                found: row.fields.len(),
            });
        }
        Ok(true)
    }

    fn read_row_unchecked(&mut self, row: &mut Row) -> Result<bool, CsvError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| self.csv_error(e))?;
            if !more {
                return Ok(false);
            }
            // csv skips empty lines itself; a CR-LF blank line or a line of only
            // commas is a blank row too.
            if self.record.iter().all(|f| f.is_empty() || f == b"\r") {
                continue;
            }
            break;
        }
        row.line = self.record_start_line();
        let count = self.record.len();
        row.fields.resize_with(count, String::new);
        for index in 0..count {
            let mut bytes = &self.record[index];
            if index + 1 == count {
                bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            }
            let decoded = decode(&mut self.encoding, bytes).map_err(|encoding| {
                let column = self
                    .headers
                    .get(index)
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", index + 1));
                CsvError::Undecodable {
                    path: self.path.clone(),
                    line: row.line,
                    column,
                    encoding: encoding.name(),
                    hint: match encoding {
                        Encoding::ShiftJis => {
                            "the file mixes encodings, or is neither UTF-8 nor Shift_JIS; \
                             save it again from Excel as \"CSV UTF-8\""
                        }
                        _ => {
                            "if Excel saved it as \"CSV (comma delimited)\", set \
                             encoding = \"shift_jis\"; otherwise save it as \"CSV UTF-8\""
                        }
                    },
                }
            })?;
            let field = &mut row.fields[index];
            field.clear();
            field.push_str(&decoded);
        }
        Ok(true)
    }

    /// The line on which the record just read starts. csv records a record's
    /// position before it skips blank lines, so the start is worked out from
    /// the end instead: the lines consumed so far, less the line breaks inside
    /// the record's quoted fields, less its terminating LF when it had one.
    fn record_start_line(&self) -> u64 {
        let consumed_lines = self.reader.position().line();
        let inner = self
            .record
            .as_slice()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        let tracked = self.reader.get_ref().get_ref();
        // Only a file's last record can lack its LF: it then ends at the very
        // end of a file whose last byte is something else.
        let unterminated = tracked.eof
            && tracked.last_byte != Some(b'\n')
            && self.reader.position().byte() == tracked.bytes;
        consumed_lines - inner - u64::from(!unterminated)
    }

    fn csv_error(&self, error: csv::Error) -> CsvError {
        let line = error.position().map_or(0, |p| p.line());
        match error.into_kind() {
            csv::ErrorKind::Io(source) => CsvError::Io {
                path: self.path.clone(),
                source,
            },
            other => CsvError::Malformed {
                path: self.path.clone(),
                line,
                message: format!("{other:?}"),
            },
        }
    }
}

/// A reader that remembers how much it delivered and how the input ended.
struct Tracked<R> {
    inner: R,
    bytes: u64,
    last_byte: Option<u8>,
    eof: bool,
}

impl<R> Tracked<R> {
    fn new(inner: R) -> Self {
        Tracked {
            inner,
            bytes: 0,
            last_byte: None,
            eof: false,
        }
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        } else if n > 0 {
            self.bytes += n as u64;
            self.last_byte = Some(buf[n - 1]);
        }
        Ok(n)
    }
}

/// Decodes one field, settling `auto` on the first non-ASCII field. On failure,
/// returns the encoding that was tried.
fn decode<'a>(
    encoding: &mut Encoding,
    bytes: &'a [u8],
) -> Result<std::borrow::Cow<'a, str>, Encoding> {
    // Both encodings are ASCII-compatible (encoding_rs maps 0x5C to '\').
    if let (true, Ok(text)) = (bytes.is_ascii(), std::str::from_utf8(bytes)) {
        return Ok(text.into());
    }
    match *encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(Into::into)
            .map_err(|_| Encoding::Utf8),
        Encoding::ShiftJis => SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(Encoding::ShiftJis),
        Encoding::Auto => {
            if let Ok(text) = std::str::from_utf8(bytes) {
                *encoding = Encoding::Utf8;
                Ok(text.into())
            } else if let Some(text) =
                SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
            {
                *encoding = Encoding::ShiftJis;
                Ok(text)
            } else {
                Err(Encoding::Auto)
            }
        }
    }
}

#[cfg(test)]
mod tests;
