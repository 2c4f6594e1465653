//! `send`: the whole pipeline. Everything that can be wrong with the input is
//! found before the first SMTP connection: a first pass plans every row and
//! renders every eligible message. The second pass plans again (the store may
//! have changed), composes and signs on worker threads, records each message's
//! unsubscribe token, and hands the messages to the connections.
//!
//! `--dry-run` is the same pipeline with delivery swapped for "write .eml
//! files" (or for nothing, to measure).

mod trial;

use std::path::Path;
use std::time::{Duration, Instant};

use super::Context;
use super::session::{Session, Walked};
use crate::cli::SendArgs;
use crate::clock::now_unix;
use crate::compose::Composer;
use crate::config::{Campaign, Limits};
use crate::csv_input::Row;
use crate::deliver::lock::{LockError, SendLock};
use crate::deliver::log::{DeliveryLog, default_path};
use crate::deliver::pipeline::{Delivered, Delivery, Feed, Pipeline, Watch};
use crate::deliver::pool::{Member, Pool};
use crate::deliver::scheduler::Stop;
use crate::deliver::smtp::{Relay, SmtpError};
use crate::deliver::transport::Transport;
use crate::digest::CampaignDigest;
use crate::error::{Error, Outcome};
use crate::feedback::guard::Verdict as GuardVerdict;
use crate::output::group;
use crate::plan::{Shard, Verdict};
use crate::store::Store;
use crate::store::journal::DeliveryState;

/// `hikyaku send CAMPAIGN`.
pub(super) fn send(context: &Context, args: &SendArgs) -> Result<Outcome, Error> {
    if let Some(to) = &args.test_to {
        return trial::test_send(context, args, to);
    }
    if args.dry_run {
        trial::dry_run(context, args)?;
        return Ok(Outcome::Done);
    }
    deliver(context, args)
}

/// Hashes every input again, the recipient list included, and refuses (exit
/// 75, "run again") when any differs from the validation pass: the new bytes
/// were neither checked nor approved. A run again validates them, and the
/// approval gate then asks for a new sign-off if one is required.
fn unchanged_since_validation(
    campaign: &Campaign,
    validated: &CampaignDigest,
) -> Result<(), Error> {
    let read_error = |source| Error::Read {
        path: campaign.path.clone(),
        source,
    };
    let mut now = CampaignDigest::of_campaign_files(campaign).map_err(read_error)?;
    now.push(
        crate::digest::hash_file("recipients", &campaign.recipients.path).map_err(|source| {
            Error::Read {
                path: campaign.recipients.path.clone(),
                source,
            }
        })?,
    );
    if now.hex() == validated.hex() {
        return Ok(());
    }
    let changed: Vec<String> = now
        .files
        .iter()
        .filter(|file| !validated.files.contains(file))
        .map(|file| file.path.display().to_string())
        .collect();
    Err(Error::InputsChanged(format!(
        "{} changed after the validation pass; nothing was sent. Run send again: it checks \
         the new contents (and asks for a new approval if the campaign requires one)",
        if changed.is_empty() {
            "an input".to_owned()
        } else {
            changed.join(", ")
        }
    )))
}

/// The complaint-rate guard (see [`crate::feedback::guard`]), told on the
/// terminal; with `enforce` off (dry runs) a refusal is only a warning.
fn complaint_guard(
    context: &Context,
    store: &Store,
    campaign: &Campaign,
    enforce: bool,
) -> Result<(), Error> {
    match crate::feedback::guard::complaint_guard(store, campaign, now_unix())? {
        GuardVerdict::Clear => {}
        GuardVerdict::Warn(message) => context.ui.warn(message),
        GuardVerdict::Refuse(message) if enforce => {
            return Err(Error::Refused(format!(
                "the complaint-rate guard refuses this advertisement: {message}"
            )));
        }
        GuardVerdict::Refuse(message) => context
            .ui
            .warn(format_args!("a real send would be refused: {message}")),
    }
    Ok(())
}

/// How long the send window stays open from now, or why sending must wait.
fn window_open_for(limits: &Limits) -> Result<Option<Duration>, String> {
    let (Some(window), Some(tz)) = (&limits.window, &limits.timezone) else {
        return Ok(None);
    };
    let now = crate::clock::now().to_zoned(tz.clone());
    match window.time_left(&now) {
        Some(left) => Ok(Some(left)),
        None => Err(format!(
            "outside the send window {window} ({}): it is {} there; nothing was sent, run again inside the window",
            tz.iana_name().unwrap_or("the configured time zone"),
            now.strftime("%H:%M")
        )),
    }
}

/// `at` as people read it: in the campaign's zone when it has one.
fn scheduled_time(at: jiff::Timestamp, zone: Option<&jiff::tz::TimeZone>) -> String {
    let zone = zone.cloned().unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(zone).strftime("%Y-%m-%d %H:%M %:z").to_string()
}

/// Asks on a terminal before sending; true to go on.
fn confirm(
    context: &Context,
    args: &SendArgs,
    eligible: u64,
    campaign: &Campaign,
    pool: &Pool<Relay>,
) -> Result<bool, Error> {
    if args.yes {
        return Ok(true);
    }
    let relays: Vec<&str> = pool.members().iter().map(|m| m.name.as_str()).collect();
    Ok(context.ui.confirm(format_args!(
        "Send campaign {} to {} recipients through {}?",
        campaign.id,
        group(eligible),
        relays.join(", ")
    ))?)
}

/// The relays of `[smtp]` or `[[smtp]]`, with their passwords read.
fn relay_pool(campaign: &Campaign) -> Result<Pool<Relay>, Error> {
    let members = campaign
        .relays
        .iter()
        .map(|smtp| {
            let relay = Relay::from_config(smtp)
                .map_err(|e| Error::Misconfigured(format!("relay {}: {e}", smtp.name)))?;
            Ok(Member::new(
                smtp.name.clone(),
                relay,
                smtp.connections,
                smtp.weight,
                smtp.rate.as_ref(),
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Pool::new(members, campaign.limits.relay_backoff))
}

fn deliver(context: &Context, args: &SendArgs) -> Result<Outcome, Error> {
    let mut campaign = Campaign::load(&args.campaign)?;
    if campaign.relays.is_empty() {
        return Err(Error::Misconfigured(format!(
            "{}: [smtp] is missing: sending needs the relay (host, port, security, username and \
             password_env); use --dry-run to do everything else",
            campaign.path.display()
        )));
    }
    let store_path = context.store_path(Some(&campaign));
    let _lock = SendLock::acquire(&store_path, &campaign.id).map_err(|e| match e {
        LockError::Held { .. } => Error::Busy(e.to_string()),
        LockError::Io { path, source } => Error::Write { path, source },
        LockError::NotOurs { .. } => Error::Misconfigured(e.to_string()),
    })?;
    if let Some(start) = campaign.limits.not_before
        && now_unix() < start.as_second()
    {
        context.ui.warn(format!(
            "scheduled to start at {} (limits.not_before): nothing was sent; run again then \
             (the hourly cron job may stay installed)",
            scheduled_time(start, campaign.limits.timezone.as_ref())
        ));
        return Ok(Outcome::RunAgainLater);
    }
    // An instant, not a duration: validation and the prompt take time
    // before the first message leaves.
    let window_closes = match window_open_for(&campaign.limits) {
        Ok(left) => left.map(|left| Instant::now() + left),
        Err(message) => {
            context.ui.warn(message);
            return Ok(Outcome::RunAgainLater);
        }
    };
    let pool = relay_pool(&campaign)?;

    if let Some(shard) = args.shard {
        campaign.unsubscribe.for_part(shard.number());
    }
    // Pass 1: every row planned and every message rendered before any connection.
    let (eligible, digest) = validate(context, campaign.clone(), args.retry_unknown, args.shard)?;
    // The sign-off binds to exactly these bytes; --yes never bypasses it.
    let mut store = Store::open(&store_path)?;
    super::approve::gate(&store, &campaign, &digest)?;
    if eligible == 0 {
        context
            .ui
            .info("nothing to send: every eligible recipient is settled");
        return Ok(Outcome::Done);
    }
    // Asked only when something would leave: a finished campaign's cron
    // job keeps exiting 0 whatever the complaint rate.
    complaint_guard(context, &store, &campaign, true)?;
    let sender = campaign
        .sender
        .organization
        .clone()
        .or_else(|| campaign.sender.from.name.clone())
        .unwrap_or_else(|| campaign.sender.from.address.to_string());
    store.record_campaign(
        &campaign.id,
        &campaign.kind.to_string(),
        &campaign.list,
        &sender,
        now_unix(),
    )?;
    let part = args
        .shard
        .map(|shard| shard.to_string())
        .unwrap_or_default();
    if let Some(earlier) = store.check_shard(&campaign.id, &part)? {
        let named = |part: &str| {
            if part.is_empty() {
                "the whole list".to_owned()
            } else {
                format!("part {part} (--shard {part})")
            }
        };
        return Err(Error::Refused(format!(
            "this store sent {} of campaign {} before, and this run asks for {}: the other \
             parts' recipients are journaled on other hosts, so they could get the message \
             twice; run with the same --shard as before",
            named(&earlier),
            campaign.id,
            named(&part)
        )));
    }
    drop(store);
    if !confirm(context, args, eligible, &campaign, &pool)? {
        context.ui.info("not sent");
        return Ok(Outcome::Done);
    }
    // The prompt may have waited minutes: what is sent must still be what
    // was validated (and approved).
    unchanged_since_validation(&campaign, &digest)?;
    if window_closes.is_some_and(|closes| closes <= Instant::now()) {
        context
            .ui
            .warn("the send window closed before sending began; run again when it opens");
        return Ok(Outcome::RunAgainLater);
    }

    // Pass 2: plan again, compose, send.
    let mut session = Session::for_sending(context, campaign, "", args.retry_unknown)?;
    let campaign = session.campaign.clone();
    let keys = session.store.keys()?;
    let composer = Composer::new(&campaign, session.plan.headers(), keys)?;
    let log_path = campaign
        .log
        .clone()
        .unwrap_or_else(|| default_path(&store_path, &campaign.id));
    let log = DeliveryLog::open(&log_path).map_err(|source| Error::Write {
        path: log_path.clone(),
        source,
    })?;
    let cap = match (args.limit, campaign.limits.max_per_run) {
        (Some(limit), 0) => limit,
        (Some(limit), max) => limit.min(max),
        (None, 0) => u64::MAX,
        (None, max) => max,
    };
    let pipeline = Pipeline::deliver(
        &composer,
        &campaign,
        pool,
        Delivery {
            store: Store::open(&store_path)?,
            log,
            retry_unknown: args.retry_unknown,
            window_closes,
        },
    );
    let progress = context.ui.delivery_progress(eligible.min(cap));
    let (_, delivered) = feed_eligible(
        pipeline,
        session,
        (cap, args.shard),
        progress.as_ref().map(|p| p as &dyn Watch),
    )?;
    drop(progress);
    let deferred_total = Store::open(&store_path)?
        .journal_counts(&campaign.id)?
        .into_iter()
        .find(|(s, _)| *s == DeliveryState::Deferred)
        .map_or(0, |(_, n)| n);
    summarize(context, &delivered, deferred_total, &log_path);
    Ok(match delivered.stop {
        Some(Stop::Unavailable(_)) => Outcome::RelayUnreachable,
        Some(_) => Outcome::RunAgainLater,
        None if delivered.not_sent > 0 || deferred_total > 0 => Outcome::RunAgainLater,
        None => Outcome::Done,
    })
}

/// Walks the plan and feeds the pipeline every eligible row, the first
/// `cap` of them to send and the rest counted as left for the next run.
fn feed_eligible<T: Transport>(
    pipeline: Pipeline<'_, T>,
    mut session: Session,
    (cap, shard): (u64, Option<Shard>),
    watch: Option<&dyn Watch>,
) -> Result<(Walked, Delivered), Error> {
    pipeline.run(watch, |feed: &Feed| {
        let mut row = Row::default();
        let mut fed = 0u64;
        while let Some(verdict) = session.next(&mut row)? {
            let Verdict::Eligible(address) = verdict else {
                continue;
            };
            if shard.is_some_and(|shard| !shard.contains(&address.key())) {
                continue;
            }
            if fed == cap {
                feed.leave();
                continue;
            }
            fed += 1;
            if !feed.push(row.line, address, row.fields.clone()) {
                break;
            }
        }
        Ok(session.finish())
    })
}

/// Pass 1: plans every row and renders every eligible message; returns how
/// many are eligible. Any bad row or template stops the send here.
fn validate(
    context: &Context,
    campaign: Campaign,
    retry_unknown: bool,
    shard: Option<Shard>,
) -> Result<(u64, CampaignDigest), Error> {
    let mut session = Session::for_sending(context, campaign, "checking", retry_unknown)?;
    let keys = session.store.keys()?;
    let composer = Composer::new(&session.campaign, session.plan.headers(), keys)?;
    let messages = composer.session()?;
    let date = now_unix();
    let mut row = Row::default();
    let mut eligible = 0;
    while let Some(verdict) = session.next(&mut row)? {
        if let Verdict::Eligible(address) = verdict {
            // Other hosts send (and check) the other parts.
            if shard.is_some_and(|shard| !shard.contains(&address.key())) {
                continue;
            }
            if eligible == 0 {
                // One signature proves the key before anything leaves.
                messages.compose(row.line, &address, &row.fields, date)?;
            } else {
                messages.compose_unsigned(row.line, &address, &row.fields, date)?;
            }
            eligible += 1;
        }
    }
    Ok((eligible, session.finish().digest))
}

fn summarize(context: &Context, delivered: &Delivered, deferred_total: u64, log: &Path) {
    let counts = &delivered.counts;
    let not_sent = delivered.not_sent;
    let stop = delivered.stop.as_ref();
    let seconds = delivered.elapsed.as_secs_f64();
    for notice in &delivered.notices {
        context.ui.warn(notice);
    }
    let mut line = format!(
        "sent {}, failed {}, unknown {}, skipped {} (opted out since the plan), deferred {} in {seconds:.1} s ({:.0} msg/s)",
        group(counts.sent),
        group(counts.failed),
        group(counts.unknown),
        group(counts.skipped),
        group(deferred_total),
        counts.sent as f64 / seconds.max(0.001)
    );
    if not_sent > 0 {
        line.push_str(&format!("; {} left for the next run", group(not_sent)));
    }
    println!("{line}");
    match stop {
        Some(Stop::Signal) => context.ui.warn(
            "interrupted: the messages in flight were finished and recorded; run again to continue",
        ),
        Some(Stop::WindowClosed) => context
            .ui
            .warn("the send window closed; run again when it opens"),
        Some(Stop::Unavailable(why)) => context.ui.warn(format!("stopped: {why}")),
        Some(Stop::FailureRate(why)) => context.ui.warn(format!("stopped: {why}")),
        None => {}
    }
    if deferred_total > 0 && stop.is_none() {
        context.ui.info(format!(
            "{} deferred recipients will be tried again by the next run",
            group(deferred_total)
        ));
    }
    context.ui.detail(format!("log: {}", log.display()));
}

impl From<SmtpError> for Error {
    fn from(error: SmtpError) -> Self {
        Error::Misconfigured(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_changed_after_validation_is_named_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let toml = "id = \"c\"\nkind = \"notice\"\nlist = \"news\"\n\
            [sender]\nfrom = \"a@example.jp\"\n\
            [message]\nsubject = \"s\"\ntext = \"body.txt\"\n\
            [recipients]\npath = \"list.csv\"\n\
            [unsubscribe]\nurl = \"https://example.jp/u\"\n";
        std::fs::write(dir.path().join("campaign.toml"), toml).unwrap();
        std::fs::write(dir.path().join("body.txt"), "hello\n").unwrap();
        std::fs::write(dir.path().join("list.csv"), "email\na@example.jp\n").unwrap();
        let campaign = Campaign::from_source(&dir.path().join("campaign.toml"), toml).unwrap();
        let mut validated = CampaignDigest::of_campaign_files(&campaign).unwrap();
        validated.push(crate::digest::hash_file("recipients", &campaign.recipients.path).unwrap());
        assert!(unchanged_since_validation(&campaign, &validated).is_ok());

        std::fs::write(dir.path().join("list.csv"), "email\nb@example.jp\n").unwrap();
        let error = unchanged_since_validation(&campaign, &validated).unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::TEMPORARY);
        let message = error.to_string();
        assert!(
            message.contains("list.csv") && !message.contains("body.txt"),
            "{message}"
        );
    }
}
