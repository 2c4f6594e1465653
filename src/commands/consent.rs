//! `consent add|import|revoke|export`.

use super::import::{field, import_rows};
use super::{Context, address_key, check_list_name};
use crate::address::Address;
use crate::cli::ConsentCommand;
use crate::csv_input::CsvInput;
use crate::error::Error;
use crate::output::{RecordSink, group};
use crate::store::consent::{Basis, Consent, EVERY_LIST, Recorded};
use crate::store::now_unix;

const COLUMNS: &[&str] = &[
    "email",
    "list",
    "basis",
    "obtained_at",
    "method",
    "evidence",
    "revoked_at",
    "recorded_at",
];

/// How far in the future an `obtained_at` may lie before it is taken for a
/// mistake (clocks drift; a typo in the year does not).
const FUTURE_TOLERANCE_SECONDS: i64 = 300;

/// Runs one `consent` subcommand.
pub fn run(context: &Context, command: ConsentCommand) -> Result<(), Error> {
    match command {
        ConsentCommand::Add {
            address,
            list,
            basis,
            method,
            evidence,
            obtained_at,
        } => {
            let now = now_unix();
            let obtained_at = obtained_at.unwrap_or_else(|| {
                jiff::Zoned::now()
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string()
            });
            let consent = consent_record(
                &address,
                &list,
                basis,
                &obtained_at,
                &method,
                &evidence,
                now,
            )
            .map_err(Error::BadArgument)?;
            let mut store = context.open_store(None)?;
            let message = match store.add_consent(&consent, now)? {
                Recorded::Added => format!(
                    "recorded consent of {} for {}",
                    consent.email,
                    list_label(&consent.list)
                ),
                Recorded::AlreadyPresent => {
                    format!("{} already has this consent record", consent.email)
                }
                Recorded::Superseded => format!(
                    "recorded consent of {}, but it does not count: the address opted out after {obtained_at}",
                    consent.email
                ),
            };
            context.ui.info(message);
        }
        ConsentCommand::Import {
            file,
            encoding,
            skip_invalid,
        } => {
            let input = CsvInput::open(&file, encoding)?;
            let columns = [
                input.column("email")?,
                input.column("list")?,
                input.column("basis")?,
                input.column("obtained_at")?,
                input.column("method")?,
            ];
            let evidence = input.optional_column("evidence");
            let mut store = context.open_store(None)?;
            let now = now_unix();
            let (mut added, mut present, mut superseded) = (0u64, 0u64, 0u64);
            let saved = import_rows(
                input,
                &mut store,
                skip_invalid,
                context.ui,
                |row| {
                    let [email, list, basis, obtained_at, method] =
                        columns.map(|i| row.fields[i].trim());
                    let basis = basis.parse::<Basis>()?;
                    consent_record(
                        email,
                        list,
                        basis,
                        obtained_at,
                        method,
                        field(row, evidence),
                        now,
                    )
                },
                |batch, consent| {
                    match batch.add_consent(&consent, now)? {
                        Recorded::Added => added += 1,
                        Recorded::AlreadyPresent => present += 1,
                        Recorded::Superseded => {
                            added += 1;
                            superseded += 1;
                        }
                    }
                    Ok(())
                },
            )?;
            context.ui.info(format_args!(
                "imported {} rows from {}: {} new, {} already recorded",
                group(saved),
                file.display(),
                group(added),
                group(present)
            ));
            if superseded > 0 {
                context.ui.info(format_args!(
                    "{} of the new records predate an opt-out of the same address; they are kept as evidence but do not count",
                    group(superseded)
                ));
            }
        }
        ConsentCommand::Revoke {
            address,
            list,
            reason,
        } => {
            check_list_name(&list, true)?;
            let key = address_key(&address)?;
            let mut store = context.open_store(None)?;
            let revoked = store.revoke_consent(&key, &list, now_unix(), &reason)?;
            if revoked > 0 {
                context.ui.info(format_args!(
                    "revoked {revoked} consent record(s) of {key} for {}",
                    list_label(&list)
                ));
            } else {
                context.ui.info(format_args!(
                    "{key} had no consent that counted for {}; the opt-out is recorded anyway, so an older record imported later will not count",
                    list_label(&list)
                ));
            }
        }
        ConsentCommand::Export {
            list,
            address,
            format,
        } => {
            if let Some(list) = &list {
                check_list_name(list, true)?;
            }
            let key = address.as_deref().map(address_key).transpose()?;
            let store = context.open_store(None)?;
            let mut sink = RecordSink::new(format.into(), COLUMNS, std::io::stdout().lock())?;
            store.for_each_consent(list.as_deref(), key.as_deref(), |entry| {
                let c = &entry.consent;
                sink.write(&[
                    &c.email,
                    &c.list,
                    c.basis.as_str(),
                    &c.obtained_at,
                    &c.method,
                    &c.evidence,
                    &entry.revoked_at,
                    &entry.recorded_at,
                ])
            })?;
            let count = sink.finish()?;
            context.ui.detail(format_args!("{} records", group(count)));
        }
    }
    Ok(())
}

/// Checks one consent's fields; the error names the field.
fn consent_record(
    email: &str,
    list: &str,
    basis: Basis,
    obtained_at: &str,
    method: &str,
    evidence: &str,
    now: i64,
) -> Result<Consent, String> {
    let address = Address::parse(email).map_err(|e| format!("email {:?}: {e}", email.trim()))?;
    let list = list.trim();
    if list.is_empty() {
        return Err("list is empty: name the list, or * for every list".into());
    }
    if list != EVERY_LIST && !crate::config::is_valid_name(list) {
        return Err(format!("list {list:?}: {}", crate::config::NAME_RULE));
    }
    let obtained_at = obtained_at.trim();
    if obtained_at.is_empty() {
        return Err(
            "obtained_at is missing: the Act requires a record of when consent was given".into(),
        );
    }
    let timestamp: jiff::Timestamp = obtained_at.parse().map_err(|_| {
        format!("obtained_at {obtained_at:?} is not RFC 3339 with an offset, such as 2025-04-01T10:00:00+09:00")
    })?;
    if timestamp.as_second() > now + FUTURE_TOLERANCE_SECONDS {
        return Err(format!("obtained_at {obtained_at:?} is in the future"));
    }
    let method = method.trim();
    if method.is_empty() {
        return Err("method is missing: the Act requires a record of how consent was given".into());
    }
    Ok(Consent {
        email: address.key(),
        list: list.to_owned(),
        basis,
        obtained_at: obtained_at.to_owned(),
        obtained_at_unix: timestamp.as_second(),
        method: method.to_owned(),
        evidence: evidence.trim().to_owned(),
    })
}

fn list_label(list: &str) -> String {
    if list == EVERY_LIST {
        "every list".to_owned()
    } else {
        format!("list {list}")
    }
}
