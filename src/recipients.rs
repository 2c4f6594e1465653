//! The recipient list: a CSV file whose every column is available to templates
//! by its header name, and one of which holds the address.

use std::fs::File;

use crate::config::Recipients;
use crate::csv_input::{CsvError, CsvInput, Row};
use crate::digest::{FileDigest, HashingReader};

/// Streams the rows of a recipient list, hashing the bytes as they are read so
/// that the approval digest costs no second pass over a large file.
pub(crate) struct RecipientReader {
    input: CsvInput<HashingReader<File>>,
    email_index: usize,
}

impl RecipientReader {
    /// Opens the list named by `[recipients]` and finds its address column.
    pub(crate) fn open(config: &Recipients) -> Result<RecipientReader, CsvError> {
        let file = File::open(&config.path).map_err(|source| CsvError::Io {
            path: config.path.clone(),
            source,
        })?;
        let input = CsvInput::from_reader(&config.path, HashingReader::new(file), config.encoding)?;
        let email_index = input.column(&config.email_column)?;
        Ok(RecipientReader { input, email_index })
    }

    /// The column names, in order.
    pub(crate) fn headers(&self) -> &[String] {
        self.input.headers()
    }

    /// Reads the next row into `row`; false at the end of the list.
    pub(crate) fn read(&mut self, row: &mut Row) -> Result<bool, CsvError> {
        self.input.read_row(row)
    }

    /// How many bytes of the list have been parsed, for progress.
    pub(crate) fn bytes_parsed(&self) -> u64 {
        self.input.bytes_parsed()
    }

    /// The address field of `row`, as written.
    pub(crate) fn email<'r>(&self, row: &'r Row) -> &'r str {
        &row.fields[self.email_index]
    }

    /// Finishes the list: the digest of every byte read. Call after the last row.
    pub(crate) fn finish(self, role: &'static str) -> FileDigest {
        let path = self.input.path().to_owned();
        self.input.into_inner().finish(role, path)
    }
}
