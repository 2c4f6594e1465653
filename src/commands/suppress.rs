//! `suppress add|remove|import|export|list`.

use super::import::{field, import_rows};
use super::{Context, address_key};
use crate::address::Address;
use crate::cli::{ListFormat, SuppressCommand};
use crate::clock::now_unix;
use crate::csv_input::CsvInput;
use crate::error::Error;
use crate::list::ListName;
use crate::output::{RecordSink, group};
use crate::store::suppression::Suppression;

const COLUMNS: &[&str] = &["email", "list", "reason", "source", "created_at"];

/// Runs one `suppress` subcommand.
pub(super) fn run(context: &Context, command: SuppressCommand) -> Result<(), Error> {
    match command {
        SuppressCommand::Add {
            addresses,
            list,
            reason,
        } => {
            let list = list.unwrap_or(ListName::Every);
            let keys = addresses
                .iter()
                .map(|a| address_key(a))
                .collect::<Result<Vec<_>, _>>()?;
            let mut store = context.open_store(None)?;
            let now = now_unix();
            for key in keys {
                let entry = Suppression {
                    email: key,
                    list: list.to_string(),
                    reason: reason.clone(),
                    source: "manual".into(),
                    created_at: now,
                };
                let scope = list.describe();
                if store.suppress(&entry)? {
                    context
                        .ui
                        .info(format_args!("suppressed {} for {scope}", entry.email));
                } else {
                    context.ui.info(format_args!(
                        "{} was already suppressed for {scope}",
                        entry.email
                    ));
                }
            }
        }
        SuppressCommand::Remove { addresses, list } => {
            let list = list.unwrap_or(ListName::Every);
            let keys = addresses
                .iter()
                .map(|a| address_key(a))
                .collect::<Result<Vec<_>, _>>()?;
            let mut store = context.open_store(None)?;
            for key in keys {
                let scope = list.describe();
                if store.unsuppress(&key, list.as_str())? {
                    context
                        .ui
                        .info(format_args!("{key} is no longer suppressed for {scope}"));
                } else {
                    context
                        .ui
                        .warn(format_args!("{key} was not suppressed for {scope}"));
                }
            }
        }
        SuppressCommand::Import {
            file,
            list,
            reason,
            encoding,
            skip_invalid,
        } => {
            let default_list = list.unwrap_or(ListName::Every);
            let input = CsvInput::open(&file, encoding)?;
            let email = input.column("email")?;
            let (list_column, reason_column) = (
                input.optional_column("list"),
                input.optional_column("reason"),
            );
            let mut store = context.open_store(None)?;
            let now = now_unix();
            let (mut added, mut present) = (0u64, 0u64);
            let saved = import_rows(
                input,
                &mut store,
                skip_invalid,
                context.ui,
                |row| {
                    let address = Address::parse(&row.fields[email])
                        .map_err(|e| format!("email {:?}: {e}", row.fields[email].trim()))?;
                    // Empty (as exports before schema 7 wrote every list): the default.
                    let list = match field(row, list_column) {
                        "" => default_list.to_string(),
                        given => ListName::parse(given)?.to_string(),
                    };
                    let reason = match field(row, reason_column) {
                        "" => reason.clone(),
                        given => given.to_owned(),
                    };
                    Ok(Suppression {
                        email: address.key(),
                        list,
                        reason,
                        source: "import".into(),
                        created_at: now,
                    })
                },
                |batch, entry| {
                    if batch.suppress(&entry)? {
                        added += 1;
                    } else {
                        present += 1;
                    }
                    Ok(())
                },
            )?;
            context.ui.info(format_args!(
                "imported {} rows from {}: {} new, {} already suppressed",
                group(saved),
                file.display(),
                group(added),
                group(present)
            ));
        }
        SuppressCommand::Export {
            list,
            global,
            since,
            format,
        } => write_list(context, list, global, since, format.into())?,
        SuppressCommand::List {
            list,
            global,
            format,
        } => write_list(context, list, global, None, format)?,
    }
    Ok(())
}

fn write_list(
    context: &Context,
    list: Option<ListName>,
    global: bool,
    since: Option<jiff::Timestamp>,
    format: ListFormat,
) -> Result<(), Error> {
    let filter = if global { Some(ListName::Every) } else { list };
    let store = context.open_store(None)?;
    let mut sink = RecordSink::new(format, COLUMNS, std::io::stdout().lock())?;
    let since = since.map_or(i64::MIN, |at| at.as_second());
    store.for_each_suppression_since(filter.as_ref().map(ListName::as_str), since, |entry| {
        let created = entry.created_at_rfc3339();
        sink.write(&[
            &entry.email,
            &entry.list,
            &entry.reason,
            &entry.source,
            &created,
        ])
    })?;
    let count = sink.finish()?;
    context.ui.detail(format_args!("{} entries", group(count)));
    Ok(())
}
