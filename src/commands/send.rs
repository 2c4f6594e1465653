//! `send`: for now the dry run, which is the whole pipeline with the delivery
//! stage swapped for "write .eml files" (or for nothing, to measure).

use std::io::Write;
use std::time::Instant;

use serde_json::json;

use super::Context;
use super::preview::{plan_json, write_plan};
use super::session::{Session, TokenLog};
use crate::cli::SendArgs;
use crate::compose::Composer;
use crate::csv_input::Row;
use crate::deliver::eml::EmlFolder;
use crate::error::Error;
use crate::output::group;
use crate::plan::Verdict;
use crate::store::now_unix;

/// `hikyaku send CAMPAIGN --dry-run`.
pub fn send(context: &Context, args: &SendArgs) -> Result<(), Error> {
    let started = Instant::now();
    let mut session = Session::open(context, &args.campaign, "composing")?;
    let keys = session.store.keys()?;
    let composer = Composer::new(&session.campaign, session.plan.headers(), keys)?;
    let folder = args
        .out
        .as_deref()
        .map(|dir| {
            EmlFolder::create(dir).map_err(|source| Error::Write {
                path: dir.to_owned(),
                source,
            })
        })
        .transpose()?;
    let limit = args.limit.unwrap_or(u64::MAX);
    let date = now_unix();
    let (mut composed, mut bytes) = (0u64, 0u64);
    let mut tokens = TokenLog::default();
    let mut row = Row::default();
    while let Some(verdict) = session.next(&mut row)? {
        let Verdict::Eligible(address) = verdict else {
            continue;
        };
        if composed == limit {
            continue;
        }
        let message = composer.compose(row.line, &address, &row.fields, date)?;
        bytes += message.bytes.len() as u64;
        if let Some(folder) = &folder {
            folder
                .write(row.line, &address, &message.bytes)
                .map_err(|source| Error::Write {
                    path: folder.dir().to_owned(),
                    source,
                })?;
            tokens.push(&mut session.store, message.token)?;
        }
        composed += 1;
    }
    tokens.flush(&mut session.store)?;
    let walked = session.finish();
    let seconds = started.elapsed().as_secs_f64();
    let rate = composed as f64 / seconds.max(f64::EPSILON);
    let signing = composer
        .signer()
        .map(|s| s.dns_name())
        .unwrap_or_else(|| "unsigned (no [dkim])".into());
    if context.ui.quiet {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    write_plan(&mut out, &walked)?;
    writeln!(
        out,
        "\ndry run: {} messages ({:.1} MB) composed and signed in {seconds:.2} s, {rate:.0} messages/s; \
         nothing was sent",
        group(composed),
        bytes as f64 / 1e6,
    )?;
    writeln!(out, "signature: {signing}")?;
    if let Some(folder) = &folder {
        writeln!(out, "messages written to {}", folder.dir().display())?;
    }
    context
        .ui
        .detail(json!({"plan": plan_json(&walked), "composed": composed, "seconds": seconds}));
    Ok(())
}
