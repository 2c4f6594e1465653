//! `consent add|import|revoke|export`.

mod history;

use super::import::{field, import_rows};
use super::{Context, address_key};
use crate::address::Address;
use std::io::Write;

use serde::Serialize;

use crate::cli::{
    ConsentAddArgs, ConsentCommand, ConsentExportArgs, ConsentHoldArgs, ConsentImportArgs,
    ConsentPurgeArgs, ConsentRevokeArgs, HistoryFormat, ListFormat, ReportFormat,
};
use crate::clock::now_unix;
use crate::csv_input::CsvInput;
use crate::error::Error;
use crate::list::ListName;
use crate::output::{RecordSink, group};
use crate::store::consent::{Basis, Consent, ConsentEntry, Recorded, Revocation};
use crate::store::feedback::FeedbackEvent;
use crate::store::retention::PurgeDecision;
use crate::store::suppression::Suppression;
use crate::store::{Store, format_unix};

const COLUMNS: &[&str] = &[
    "email",
    "list",
    "basis",
    "obtained_at",
    "method",
    "evidence",
    "revoked_at",
    "recorded_at",
    "expires_at",
];

/// How far in the future an `obtained_at` may lie before it is taken for a
/// mistake (clocks drift; a typo in the year does not).
const FUTURE_TOLERANCE_SECONDS: i64 = 300;

/// Runs one `consent` subcommand.
pub(super) fn run(context: &Context, command: ConsentCommand) -> Result<(), Error> {
    match command {
        ConsentCommand::Add(args) => add(context, args),
        ConsentCommand::Import(args) => import(context, args),
        ConsentCommand::Revoke(args) => revoke(context, args),
        ConsentCommand::Export(args) => export(context, args),
        ConsentCommand::Purge(args) => purge(context, args),
        ConsentCommand::Hold(args) => hold(context, args),
    }
}

/// `consent add`: one consent with its evidence.
fn add(context: &Context, args: ConsentAddArgs) -> Result<(), Error> {
    let ConsentAddArgs {
        address,
        list,
        basis,
        method,
        evidence,
        obtained_at,
        expires_at,
        legal_hold,
    } = args;
    let now = now_unix();
    let obtained_at = obtained_at.unwrap_or_else(|| {
        crate::clock::now_local()
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    });
    let consent = ConsentFields {
        email: &address,
        list: list.as_str(),
        basis,
        obtained_at: &obtained_at,
        method: &method,
        evidence: &evidence,
        expires_at: expires_at.as_deref().unwrap_or(""),
    }
    .check(now)
    .map_err(Error::BadArgument)?;
    let mut store = context.open_store(None)?;
    if legal_hold && store.hold(&consent.email, now, "consent add --legal-hold")? {
        context
            .ui
            .info(format_args!("{} is now under a legal hold", consent.email));
    }
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
    Ok(())
}

/// `consent import`: consent records from CSV, all or nothing unless --skip-invalid.
fn import(context: &Context, args: ConsentImportArgs) -> Result<(), Error> {
    let ConsentImportArgs {
        file,
        encoding,
        skip_invalid,
        legal_hold,
    } = args;
    let input = CsvInput::open(&file, encoding)?;
    let columns = [
        input.column("email")?,
        input.column("list")?,
        input.column("basis")?,
        input.column("obtained_at")?,
        input.column("method")?,
    ];
    let evidence = input.optional_column("evidence");
    let expires_at = input.optional_column("expires_at");
    let mut store = context.open_store(None)?;
    let now = now_unix();
    let (mut added, mut present, mut superseded) = (0u64, 0u64, 0u64);
    let saved = import_rows(
        input,
        &mut store,
        skip_invalid,
        context.ui,
        |row| {
            let [email, list, basis, obtained_at, method] = columns.map(|i| row.fields[i].trim());
            let basis = basis.parse::<Basis>()?;
            ConsentFields {
                email,
                list,
                basis,
                obtained_at,
                method,
                evidence: field(row, evidence),
                expires_at: field(row, expires_at),
            }
            .check(now)
        },
        |batch, consent| {
            if legal_hold {
                batch.hold(&consent.email, now, "consent import --legal-hold")?;
            }
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
    Ok(())
}

/// `consent revoke`: an opt-out, recorded even without a consent that counted.
fn revoke(context: &Context, args: ConsentRevokeArgs) -> Result<(), Error> {
    let ConsentRevokeArgs {
        address,
        list,
        reason,
    } = args;
    let key = address_key(&address)?;
    let mut store = context.open_store(None)?;
    let revoked = store.revoke_consent(&key, list.as_str(), now_unix(), &reason)?;
    if revoked > 0 {
        context.ui.info(format_args!(
            "revoked {revoked} consent record(s) of {key} for {}",
            list.describe()
        ));
    } else {
        context.ui.info(format_args!(
            "{key} had no consent that counted for {}; the opt-out is recorded anyway, so an older record imported later will not count",
            list.describe()
        ));
    }
    Ok(())
}

/// `consent export`: records as CSV or JSON, or one person's history.
fn export(context: &Context, args: ConsentExportArgs) -> Result<(), Error> {
    let ConsentExportArgs {
        list,
        address,
        format,
    } = args;
    let key = address.as_deref().map(address_key).transpose()?;
    let store = context.open_store(None)?;
    match (format, &key) {
        (Some(HistoryFormat::Text), None) => {
            return Err(Error::Usage(
                "--format text shows one person's history: add --address ADDRESS".into(),
            ));
        }
        (None | Some(HistoryFormat::Text), Some(key)) => {
            let history = History::of(&store, key)?;
            history
                .write_text(&mut std::io::stdout().lock())
                .map_err(Error::Output)?;
        }
        (Some(HistoryFormat::Json), Some(key)) => {
            let history = History::of(&store, key)?;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &history)?;
            writeln!(out).map_err(Error::Output)?;
        }
        (format, _) => {
            let format = match format {
                Some(HistoryFormat::Json) => ListFormat::Json,
                _ => ListFormat::Csv,
            };
            let mut sink = RecordSink::new(format, COLUMNS, std::io::stdout().lock())?;
            store.for_each_consent(
                list.as_ref().map(ListName::as_str),
                key.as_deref(),
                |entry| write_consent(&mut sink, &entry),
            )?;
            let count = sink.finish()?;
            context.ui.detail(format_args!("{} records", group(count)));
        }
    }
    Ok(())
}

/// `consent purge`: delete what the law lets go.
fn purge(context: &Context, args: ConsentPurgeArgs) -> Result<(), Error> {
    let ConsentPurgeArgs { dry_run, format } = args;
    let mut store = context.open_store(None)?;
    let now = now_unix();
    let decisions = store.purge_consents(now, dry_run)?;
    report_purge(context, &decisions, dry_run, format)?;
    Ok(())
}

/// `consent hold`: place or lift a legal hold.
fn hold(context: &Context, args: ConsentHoldArgs) -> Result<(), Error> {
    let ConsentHoldArgs {
        address,
        note,
        release,
    } = args;
    let key = address_key(&address)?;
    let mut store = context.open_store(None)?;
    let message = match (release, store.is_held(&key)?) {
        (false, false) => {
            store.hold(&key, now_unix(), &note)?;
            format!(
                "{key} is now under a legal hold: its consent records are kept one year after the last advertisement"
            )
        }
        (false, true) => format!("{key} is already under a legal hold"),
        (true, true) => {
            store.release_hold(&key)?;
            format!("lifted the legal hold of {key}")
        }
        (true, false) => format!("{key} was not under a legal hold"),
    };
    context.ui.info(message);
    Ok(())
}

/// Checks one consent's fields; the error names the field.
/// One consent as given on the command line or in a CSV row.
struct ConsentFields<'a> {
    email: &'a str,
    list: &'a str,
    basis: Basis,
    obtained_at: &'a str,
    method: &'a str,
    evidence: &'a str,
    /// Empty when the consent does not expire.
    expires_at: &'a str,
}

impl ConsentFields<'_> {
    /// The record, or what is wrong with it (naming the field).
    fn check(self, now: i64) -> Result<Consent, String> {
        let ConsentFields {
            email,
            list,
            basis,
            obtained_at,
            method,
            evidence,
            expires_at,
        } = self;
        let address =
            Address::parse(email).map_err(|e| format!("email {:?}: {e}", email.trim()))?;
        let list = list.trim();
        if list.is_empty() {
            return Err("list is empty: name the list, or * for every list".into());
        }
        let list = ListName::parse(list)?;
        let obtained_at = obtained_at.trim();
        if obtained_at.is_empty() {
            return Err(
                "obtained_at is missing: the Act requires a record of when consent was given"
                    .into(),
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
            return Err(
                "method is missing: the Act requires a record of how consent was given".into(),
            );
        }
        let expires_at = expires_at.trim();
        let expires_at_unix = if expires_at.is_empty() {
            None
        } else {
            let end: jiff::Timestamp = expires_at.parse().map_err(|_| {
            format!("expires_at {expires_at:?} is not RFC 3339 with an offset, such as 2027-03-31T23:59:59+09:00")
        })?;
            if end <= timestamp {
                return Err(format!(
                    "expires_at {expires_at:?} is not after obtained_at {obtained_at:?}"
                ));
            }
            Some(end.as_second())
        };
        Ok(Consent {
            email: address.key(),
            list: list.to_string(),
            basis,
            obtained_at: obtained_at.to_owned(),
            obtained_at_unix: timestamp.as_second(),
            method: method.to_owned(),
            evidence: evidence.trim().to_owned(),
            expires_at_unix,
        })
    }
}

/// A stored list as a sentence names it.
fn list_label(list: &str) -> String {
    ListName::parse(list).map_or_else(|_| format!("list {list}"), |list| list.describe())
}

fn write_consent<W: Write>(sink: &mut RecordSink<W>, entry: &ConsentEntry) -> Result<(), Error> {
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
        &entry.expires_at,
    ])
}

use history::{History, report_purge};
