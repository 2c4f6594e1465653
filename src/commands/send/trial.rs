//! The sends that record nothing in the journal: `send --dry-run [--out]`
//! (every message composed and signed, kept nowhere or written as .eml
//! files) and `send --test-to` (one message, to an approver). Both run the
//! pipeline a real send runs, with another transport or recipient.

use std::io::Write;

use super::{complaint_guard, feed_eligible};
use crate::address::Address;
use crate::cli::SendArgs;
use crate::commands::Context;
use crate::commands::preview::write_plan;
use crate::commands::session::{Session, Walked, every_message_kept, open_folder};
use crate::compose::Composer;
use crate::csv_input::Row;
use crate::deliver::eml::EmlFolder;
use crate::deliver::pipeline::{Delivered, Pipeline};
use crate::deliver::scheduler::Stop;
use crate::deliver::smtp::Relay;
use crate::deliver::transport::Outcome as Delivery;
use crate::error::{Error, Outcome};
use crate::output::group;
use crate::plan::Verdict;
use crate::store::Store;

/// `send --dry-run [--out DIR] [--limit N]`.
pub(super) fn dry_run(context: &Context, args: &SendArgs) -> Result<(), Error> {
    let mut session = Session::open_with(context, &args.campaign, "composing", args.retry_unknown)?;
    complaint_guard(context, &session.store, &session.campaign, false)?;
    if let Some(shard) = args.shard {
        session.campaign.unsubscribe.for_part(shard.number());
    }
    let keys = session.store.keys()?;
    let campaign = session.campaign.clone();
    let store = session.store.path().to_owned();
    let composer = Composer::new(&campaign, session.plan.headers(), keys)?;
    let limit = args.limit.unwrap_or(u64::MAX);
    let ((walked, delivered), folder) = match args.out.as_deref() {
        Some(dir) => {
            let folder = open_folder(dir)?;
            let pipeline =
                Pipeline::to_folder(&composer, &campaign, folder.clone(), Store::open(&store)?);
            (
                feed_eligible(pipeline, session, (limit, args.shard), None)?,
                Some(folder),
            )
        }
        None => {
            let pipeline = Pipeline::measure(&composer, &campaign, Store::open(&store)?);
            (
                feed_eligible(pipeline, session, (limit, args.shard), None)?,
                None,
            )
        }
    };
    if let Some(folder) = &folder {
        every_message_kept(&delivered, folder)?;
    }
    if context.ui.quiet {
        return Ok(());
    }
    report_dry_run(&walked, &delivered, &composer, folder.as_ref())
}

fn report_dry_run(
    walked: &Walked,
    delivered: &Delivered,
    composer: &Composer,
    folder: Option<&EmlFolder>,
) -> Result<(), Error> {
    let seconds = delivered.elapsed.as_secs_f64();
    let composed = delivered.counts.sent;
    let rate = composed as f64 / seconds.max(f64::EPSILON);
    let signing = composer
        .signer()
        .map(|s| s.dns_name())
        .unwrap_or_else(|| "unsigned (no [dkim])".into());
    let mut out = std::io::stdout().lock();
    write_plan(&mut out, walked)?;
    writeln!(
        out,
        "\ndry run: {} messages ({:.1} MB) composed and signed in {seconds:.2} s, {rate:.0} messages/s; \
         nothing was sent",
        group(composed),
        delivered.counts.bytes as f64 / 1e6,
    )?;
    writeln!(out, "signature: {signing}")?;
    if let Some(folder) = folder {
        writeln!(out, "messages written to {}", folder.dir().display())?;
    }
    Ok(())
}

/// `send --test-to ADDR [--row N]`: one message, for approvers' eyes.
pub(super) fn test_send(context: &Context, args: &SendArgs, to: &str) -> Result<Outcome, Error> {
    let test_to = Address::parse(to).map_err(|e| {
        Error::BadArgument(format!("--test-to {to:?} is not a usable address: {e}"))
    })?;
    let mut session = Session::open(context, &args.campaign, "")?;
    let Some(smtp) = session.campaign.relays.first().cloned() else {
        return Err(Error::Misconfigured(format!(
            "{}: [smtp] is missing: a test send needs the relay",
            session.campaign.path.display()
        )));
    };
    let relay = Relay::from_config(&smtp)?;
    let keys = session.store.keys()?;
    let campaign = session.campaign.clone();
    let composer = Composer::new(&campaign, session.plan.headers(), keys)?;
    let (row, chosen) = choose_row(context, &mut session, args.row)?;
    let pipeline = Pipeline::test_send(
        &composer,
        &campaign,
        relay,
        Store::open(session.store.path())?,
        test_to.clone(),
    );
    let ((), delivered) = pipeline.run(None, |feed| {
        feed.push(row.line, chosen.clone(), row.fields.clone());
        Ok::<_, Error>(())
    })?;
    Ok(match (&delivered.counts.last, &delivered.stop) {
        (Some(Delivery::Accepted(reply)), _) => {
            context.ui.info(format!(
                "test message for line {} ({chosen}) sent to {test_to}; relay said {reply}",
                row.line
            ));
            Outcome::Done
        }
        (Some(Delivery::Failed(reply, step)), _) => {
            context.ui.warn(format!(
                "the relay refused the test message at {step:?}: {reply}"
            ));
            Outcome::MessageRefused
        }
        (Some(Delivery::Deferred(reply)), _) => {
            context.ui.warn(format!(
                "the relay deferred the test message: {reply}; try again later"
            ));
            Outcome::RunAgainLater
        }
        (Some(other), _) => {
            context.ui.warn(format!(
                "the relay did not take the test message: {other:?}"
            ));
            Outcome::RelayUnreachable
        }
        (None, Some(Stop::Unavailable(why))) => {
            context.ui.warn(why);
            Outcome::RelayUnreachable
        }
        (None, _) => {
            context.ui.warn("the test message was not sent");
            Outcome::RunAgainLater
        }
    })
}

/// The row a test send uses: `--row N`, or the first eligible one.
fn choose_row(
    context: &Context,
    session: &mut Session,
    wanted: Option<u64>,
) -> Result<(Row, Address), Error> {
    let mut row = Row::default();
    loop {
        let Some(verdict) = session.next(&mut row)? else {
            return Err(Error::BadArgument(match wanted {
                Some(line) => format!("no row of the list starts on line {line}"),
                None => "no row of the list is eligible, so there is nothing to test".into(),
            }));
        };
        match (wanted, verdict) {
            (None, Verdict::Eligible(address)) => return Ok((row, address)),
            (Some(line), verdict) if row.line == line => match verdict {
                Verdict::Eligible(address) => return Ok((row, address)),
                Verdict::Invalid(error) => {
                    return Err(Error::BadArgument(format!(
                        "line {line} has no usable address: {error}"
                    )));
                }
                Verdict::Skipped(reason) => {
                    context.ui.warn(format!(
                        "line {line} would be skipped in a send ({reason}); testing its message anyway"
                    ));
                    let raw = session.plan.email(&row).to_owned();
                    let address =
                        Address::parse(&raw).map_err(|e| Error::BadArgument(e.to_string()))?;
                    return Ok((row, address));
                }
            },
            _ => {}
        }
    }
}
