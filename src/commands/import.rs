//! The part of `suppress import` and `consent import` that is the same: read
//! every row, reject the unusable ones with their lines, and write the rest in
//! one transaction, or nothing at all unless --skip-invalid.

use std::io::Read;

use crate::csv_input::{CsvError, CsvInput, Row};
use crate::error::{Error, REJECTED_SHOWN, RejectedRows};
use crate::output::Ui;
use crate::store::{Batch, Store, StoreError};

/// Reads `input` row by row: `parse` turns a row into a record or says why it
/// is unusable; `save` writes a record. Returns how many rows were saved.
pub(super) fn import_rows<R: Read, T>(
    mut input: CsvInput<R>,
    store: &mut Store,
    skip_invalid: bool,
    ui: Ui,
    mut parse: impl FnMut(&Row) -> Result<T, String>,
    mut save: impl FnMut(&Batch<'_>, T) -> Result<(), StoreError>,
) -> Result<u64, Error> {
    let mut rejected = RejectedRows {
        path: input.path().to_owned(),
        first: Vec::new(),
        total: 0,
    };
    let mut reject = |line: u64, reason: String| {
        if rejected.first.len() < REJECTED_SHOWN {
            rejected.first.push((line, reason));
        }
        rejected.total += 1;
    };
    let batch = store.batch()?;
    let mut saved = 0;
    let mut row = Row::default();
    loop {
        match input.read_row(&mut row) {
            Ok(false) => break,
            Ok(true) => match parse(&row) {
                Ok(record) => {
                    save(&batch, record)?;
                    saved += 1;
                }
                Err(reason) => reject(row.line, reason),
            },
            // A row the CSV layer cannot use is a rejected row like any other;
            // the reader has moved past it.
            Err(CsvError::FieldCount {
                line,
                expected,
                found,
                ..
            }) => {
                reject(
                    line,
                    format!("the row has {found} fields but the header has {expected}"),
                );
            }
            Err(CsvError::Undecodable {
                line,
                column,
                encoding,
                ..
            }) => {
                reject(line, format!("column {column:?} is not valid {encoding}"));
            }
            Err(other) => return Err(other.into()),
        }
    }
    if rejected.total > 0 {
        if !skip_invalid {
            // Dropping the batch rolls every write back.
            return Err(Error::Rejected { rows: rejected });
        }
        ui.warn(format_args!(
            "{} rows rejected and left out:\n{rejected}",
            rejected.total
        ));
    }
    batch.commit()?;
    Ok(saved)
}

/// The trimmed text of an optional column, empty when the file lacks it.
pub(super) fn field(row: &Row, column: Option<usize>) -> &str {
    column.map_or("", |i| row.fields[i].trim())
}
