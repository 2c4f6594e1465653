//! `suppress add|remove|import|export|list`.

use super::import::{field, import_rows};
use super::{Context, address_key, check_list_name};
use crate::address::Address;
use crate::cli::{ListFormat, SuppressCommand};
use crate::clock::now_unix;
use crate::csv_input::CsvInput;
use crate::error::Error;
use crate::output::{RecordSink, group};
use crate::store::suppression::{GLOBAL, Suppression};

const COLUMNS: &[&str] = &["email", "list", "reason", "source", "created_at"];

/// Runs one `suppress` subcommand.
pub fn run(context: &Context, command: SuppressCommand) -> Result<(), Error> {
    match command {
        SuppressCommand::Add {
            addresses,
            list,
            reason,
        } => {
            let list = list_or_global(list)?;
            let keys = addresses
                .iter()
                .map(|a| address_key(a))
                .collect::<Result<Vec<_>, _>>()?;
            let mut store = context.open_store(None)?;
            let now = now_unix();
            for key in keys {
                let entry = Suppression {
                    email: key,
                    list: list.clone(),
                    reason: reason.clone(),
                    source: "manual".into(),
                    created_at: now,
                };
                let scope = scope(&list);
                if store.suppress(&entry)? {
                    context
                        .ui
                        .info(format_args!("suppressed {} {scope}", entry.email));
                } else {
                    context.ui.info(format_args!(
                        "{} was already suppressed {scope}",
                        entry.email
                    ));
                }
            }
        }
        SuppressCommand::Remove { addresses, list } => {
            let list = list_or_global(list)?;
            let keys = addresses
                .iter()
                .map(|a| address_key(a))
                .collect::<Result<Vec<_>, _>>()?;
            let mut store = context.open_store(None)?;
            for key in keys {
                let scope = scope(&list);
                if store.unsuppress(&key, &list)? {
                    context
                        .ui
                        .info(format_args!("{key} is no longer suppressed {scope}"));
                } else {
                    context
                        .ui
                        .warn(format_args!("{key} was not suppressed {scope}"));
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
            let default_list = list_or_global(list)?;
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
                    let list = match field(row, list_column) {
                        "" => default_list.clone(),
                        named if crate::config::is_valid_name(named) => named.to_owned(),
                        bad => return Err(format!("list {bad:?}: {}", crate::config::NAME_RULE)),
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
            format,
        } => write_list(context, list, global, format.into())?,
        SuppressCommand::List {
            list,
            global,
            format,
        } => write_list(context, list, global, format)?,
    }
    Ok(())
}

fn write_list(
    context: &Context,
    list: Option<String>,
    global: bool,
    format: ListFormat,
) -> Result<(), Error> {
    if let Some(list) = &list {
        check_list_name(list, false)?;
    }
    let filter = if global {
        Some(GLOBAL.to_owned())
    } else {
        list
    };
    let store = context.open_store(None)?;
    let mut sink = RecordSink::new(format, COLUMNS, std::io::stdout().lock())?;
    store.for_each_suppression(filter.as_deref(), |entry| {
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

fn list_or_global(list: Option<String>) -> Result<String, Error> {
    match list {
        Some(list) => {
            check_list_name(&list, false)?;
            Ok(list)
        }
        None => Ok(GLOBAL.to_owned()),
    }
}

fn scope(list: &str) -> String {
    if list == GLOBAL {
        "for every list".to_owned()
    } else {
        format!("for list {list}")
    }
}
