//! `send`: the whole pipeline. Everything that can be wrong with the input is
//! found before the first SMTP connection: a first pass plans every row and
//! renders every eligible message. The second pass plans again (the store may
//! have changed), composes and signs on worker threads, records each message's
//! unsubscribe token, and hands the messages to the connections.
//!
//! `--dry-run` is the same pipeline with delivery swapped for "write .eml
//! files" (or for nothing, to measure).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Context;
use super::preview::write_plan;
use super::session::{Outbox, Session};
use crate::address::Address;
use crate::cli::SendArgs;
use crate::clock::now_unix;
use crate::compose::Composer;
use crate::config::{Campaign, Kind, Limits};
use crate::csv_input::Row;
use crate::deliver::lock::{LockError, SendLock};
use crate::deliver::log::{DeliveryLog, default_path};
use crate::deliver::run::{RunCounts, RunSetup, Shared, run};
use crate::deliver::scheduler::{Job, Pushed, Scheduler, Stop};
use crate::deliver::smtp::{Relay, SmtpError};
use crate::digest::CampaignDigest;
use crate::error::{Error, Outcome};
use crate::feedback::guard::Verdict as GuardVerdict;
use crate::output::group;
use crate::plan::Verdict;
use crate::store::Store;
use crate::store::journal::DeliveryState;

/// Threads that render and sign while the connections send.
const COMPOSE_WORKERS: usize = 2;
/// Messages composed, their tokens recorded in one transaction, then queued.
const COMPOSE_BATCH: usize = 64;

/// `hikyaku send CAMPAIGN`.
pub fn send(context: &Context, args: &SendArgs) -> Result<Outcome, Error> {
    if let Some(to) = &args.test_to {
        return test_send(context, args, to);
    }
    if args.dry_run {
        dry_run(context, args)?;
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

fn dry_run(context: &Context, args: &SendArgs) -> Result<(), Error> {
    let started = Instant::now();
    let mut session = Session::open_with(context, &args.campaign, "composing", args.retry_unknown)?;
    complaint_guard(context, &session.store, &session.campaign, false)?;
    let keys = session.store.keys()?;
    let composer = Composer::new(&session.campaign, session.plan.headers(), keys)?;
    let messages = composer.session()?;
    let mut outbox = args.out.as_deref().map(Outbox::create).transpose()?;
    let limit = args.limit.unwrap_or(u64::MAX);
    let date = now_unix();
    let (mut composed, mut bytes) = (0u64, 0u64);
    let mut row = Row::default();
    while let Some(verdict) = session.next(&mut row)? {
        let Verdict::Eligible(address) = verdict else {
            continue;
        };
        if composed == limit {
            continue;
        }
        let message = messages.compose(row.line, &address, &row.fields, date)?;
        bytes += message.bytes.len() as u64;
        if let Some(outbox) = outbox.as_mut() {
            outbox.write(&mut session.store, row.line, &address, message)?;
        }
        composed += 1;
    }
    if let Some(outbox) = outbox.as_mut() {
        outbox.flush(&mut session.store)?;
    }
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
    if let Some(outbox) = &outbox {
        writeln!(out, "messages written to {}", outbox.dir().display())?;
    }
    Ok(())
}

/// `send --test-to ADDR [--row N]`: one message, for approvers' eyes.
fn test_send(context: &Context, args: &SendArgs, to: &str) -> Result<Outcome, Error> {
    let test_to = Address::parse(to).map_err(|e| {
        Error::BadArgument(format!("--test-to {to:?} is not a usable address: {e}"))
    })?;
    let mut session = Session::open(context, &args.campaign, "")?;
    let Some(smtp) = session.campaign.smtp.clone() else {
        return Err(Error::Misconfigured(format!(
            "{}: [smtp] is missing: a test send needs the relay",
            session.campaign.path.display()
        )));
    };
    let relay = Relay::from_config(&smtp)?;
    let keys = session.store.keys()?;
    let composer = Composer::new(&session.campaign, session.plan.headers(), keys)?;
    let mut row = Row::default();
    let chosen = loop {
        let Some(verdict) = session.next(&mut row)? else {
            return Err(Error::BadArgument(match args.row {
                Some(line) => format!("no row of the list starts on line {line}"),
                None => "no row of the list is eligible, so there is nothing to test".into(),
            }));
        };
        match (args.row, verdict) {
            (None, Verdict::Eligible(address)) => break address,
            (Some(line), verdict) if row.line == line => match verdict {
                Verdict::Eligible(address) => break address,
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
                    break Address::parse(&raw).map_err(|e| Error::BadArgument(e.to_string()))?;
                }
            },
            _ => {}
        }
    };
    let message = composer.compose_test(row.line, &chosen, &row.fields, now_unix(), &test_to)?;
    // The test address's own token must resolve if someone clicks it.
    session
        .store
        .record_tokens(std::slice::from_ref(&message.token))?;
    let envelope = session.campaign.envelope_sender().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Output)?;
    let outcome = runtime.block_on(async {
        let mut connection = relay.connect().await?;
        let outcome = connection
            .transmit(&envelope, test_to.as_str(), &message.bytes)
            .await;
        connection.quit().await;
        Ok::<_, SmtpError>(outcome)
    });
    match outcome {
        Ok(crate::deliver::smtp::Outcome::Accepted(reply)) => {
            context.ui.info(format!(
                "test message for line {} ({}) sent to {test_to}: \"{}\"; relay said {reply}",
                row.line, chosen, message.subject
            ));
            Ok(Outcome::Done)
        }
        Ok(crate::deliver::smtp::Outcome::Failed(reply, step)) => {
            context.ui.warn(format!(
                "the relay refused the test message at {step:?}: {reply}"
            ));
            Ok(Outcome::MessageRefused)
        }
        Ok(crate::deliver::smtp::Outcome::Deferred(reply)) => {
            context.ui.warn(format!(
                "the relay deferred the test message: {reply}; try again later"
            ));
            Ok(Outcome::RunAgainLater)
        }
        Ok(other) => {
            context.ui.warn(format!(
                "the relay did not take the test message: {other:?}"
            ));
            Ok(Outcome::RelayUnreachable)
        }
        Err(error) => {
            context.ui.warn(error);
            Ok(Outcome::RelayUnreachable)
        }
    }
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
) -> Result<bool, Error> {
    if args.yes {
        return Ok(true);
    }
    let smtp = campaign
        .smtp
        .as_ref()
        .map(|s| format!("{}:{}", s.host, s.port))
        .unwrap_or_default();
    Ok(context.ui.confirm(format_args!(
        "Send campaign {} to {} recipients through {smtp}?",
        campaign.id,
        group(eligible)
    ))?)
}

fn deliver(context: &Context, args: &SendArgs) -> Result<Outcome, Error> {
    let campaign = Campaign::load(&args.campaign)?;
    let Some(smtp) = campaign.smtp.clone() else {
        return Err(Error::Misconfigured(format!(
            "{}: [smtp] is missing: sending needs the relay (host, port, security, username and \
             password_env); use --dry-run to do everything else",
            campaign.path.display()
        )));
    };
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
    let window_left = match window_open_for(&campaign.limits) {
        Ok(left) => left,
        Err(message) => {
            context.ui.warn(message);
            return Ok(Outcome::RunAgainLater);
        }
    };
    let relay = Relay::from_config(&smtp).map_err(|e| Error::Misconfigured(e.to_string()))?;

    // Pass 1: every row planned and every message rendered before any connection.
    let (eligible, digest) = validate(context, &args.campaign, args.retry_unknown)?;
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
    drop(store);
    if !confirm(context, args, eligible, &campaign)? {
        context.ui.info("not sent");
        return Ok(Outcome::Done);
    }
    // The prompt may have waited minutes: what is sent must still be what
    // was validated (and approved).
    unchanged_since_validation(&campaign, &digest)?;

    // Pass 2: plan again, compose, send.
    let started = Instant::now();
    let mut session = Session::open_for_sending(context, &args.campaign, "", args.retry_unknown)?;
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
    let shared = Arc::new(Shared::new(
        RunSetup {
            campaign: campaign.id.clone(),
            list: campaign.list.clone(),
            needs_consent: campaign.kind == Kind::Advertisement,
            retry_unknown: args.retry_unknown,
            envelope_sender: campaign.envelope_sender().to_string(),
            connections: smtp.connections,
            retry_attempts: campaign.limits.retry_attempts.max(1),
            retry_delay: campaign.limits.retry_delay,
            max_failure_rate: campaign.limits.max_failure_rate,
            failure_window: campaign.limits.failure_window,
        },
        relay,
        Scheduler::new(&campaign.limits),
        Store::open(&store_path)?,
        Some(log),
    ));
    let left = AtomicU64::new(0);
    let producer_error: Mutex<Option<Error>> = Mutex::new(None);
    // Two workers, so that the connections' I/O and the journal can use
    // whichever core the signing threads leave free.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Output)?;
    let date = now_unix();
    let (rows, inbox) = std::sync::mpsc::sync_channel::<(u64, Address, Vec<String>)>(1024);
    let inbox = Mutex::new(inbox);
    let workers_left = AtomicUsize::new(COMPOSE_WORKERS);
    let fail = |error: Error| {
        producer_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(error);
        shared
            .scheduler
            .stop(Stop::Unavailable("composing failed".into()));
    };

    std::thread::scope(|scope| {
        for _ in 0..COMPOSE_WORKERS {
            scope.spawn(|| {
                if let Err(error) =
                    compose_worker(&composer, &campaign, &inbox, &shared, date, &left)
                {
                    fail(error);
                }
                if workers_left.fetch_sub(1, Ordering::SeqCst) == 1 {
                    shared.scheduler.close();
                }
            });
        }
        let producer_shared = &shared;
        let (left, fail) = (&left, &fail);
        scope.spawn(move || {
            let mut row = Row::default();
            let mut queued = 0u64;
            loop {
                if producer_shared.scheduler.stopped().is_some() {
                    break;
                }
                match session.next(&mut row) {
                    Ok(Some(Verdict::Eligible(address))) => {
                        if queued == cap {
                            left.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        queued += 1;
                        if rows.send((row.line, address, row.fields.clone())).is_err() {
                            break;
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => {
                        fail(error);
                        break;
                    }
                }
            }
        });
        runtime.block_on(supervise(
            context,
            shared.clone(),
            window_left,
            eligible.min(cap),
        ));
    });

    if let Some(error) = producer_error
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        return Err(error);
    }
    if let Some(error) = shared
        .store_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        return Err(error.into());
    }
    let not_sent = shared.scheduler.drain().len() as u64 + left.load(Ordering::Relaxed);
    let counts = shared
        .counts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let deferred_total = shared
        .store
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .journal_counts(&campaign.id)?
        .into_iter()
        .find(|(s, _)| *s == DeliveryState::Deferred)
        .map_or(0, |(_, n)| n);
    let stop = shared.scheduler.stopped();
    summarize(
        context,
        &counts,
        started.elapsed(),
        not_sent,
        deferred_total,
        stop.as_ref(),
        &log_path,
    );
    Ok(match stop {
        Some(Stop::Unavailable(_)) => Outcome::RelayUnreachable,
        Some(_) => Outcome::RunAgainLater,
        None if not_sent > 0 || deferred_total > 0 => Outcome::RunAgainLater,
        None => Outcome::Done,
    })
}

/// Pass 1: plans every row and renders every eligible message; returns how
/// many are eligible. Any bad row or template stops the send here.
fn validate(
    context: &Context,
    path: &Path,
    retry_unknown: bool,
) -> Result<(u64, CampaignDigest), Error> {
    let mut session = Session::open_for_sending(context, path, "checking", retry_unknown)?;
    let keys = session.store.keys()?;
    let composer = Composer::new(&session.campaign, session.plan.headers(), keys)?;
    let messages = composer.session()?;
    let date = now_unix();
    let mut row = Row::default();
    let mut eligible = 0;
    while let Some(verdict) = session.next(&mut row)? {
        if let Verdict::Eligible(address) = verdict {
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

/// Composes rows from `inbox`, records their tokens, and queues them.
fn compose_worker(
    composer: &Composer,
    campaign: &Campaign,
    inbox: &Mutex<std::sync::mpsc::Receiver<(u64, Address, Vec<String>)>>,
    shared: &Shared,
    date: i64,
    left: &AtomicU64,
) -> Result<(), Error> {
    let messages = composer.session()?;
    let mut batch: Vec<Job> = Vec::with_capacity(COMPOSE_BATCH);
    let mut tokens = Vec::with_capacity(COMPOSE_BATCH);
    loop {
        let next = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let more = match next {
            Ok((line, address, fields)) => {
                if shared.scheduler.stopped().is_some() {
                    left.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let composed = messages.compose(line, &address, &fields, date)?;
                tokens.push(composed.token);
                batch.push(Job {
                    line,
                    recipient: address.to_string(),
                    key: address.key(),
                    domain: address.domain().to_owned(),
                    message_id: composed.message_id,
                    envelope_sender: campaign.verp_sender(&composed.unsubscribe_token),
                    bytes: composed.bytes,
                    attempts: 0,
                });
                true
            }
            Err(_) => false,
        };
        if batch.len() == COMPOSE_BATCH || (!more && !batch.is_empty()) {
            // A token must resolve before its message can reach anyone. It is
            // written through the journal's connection: a second connection
            // would contend for SQLite's write lock, and a busy wait stalls a
            // sending thread for a millisecond or more.
            shared
                .store
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .record_tokens(&tokens)?;
            tokens.clear();
            for job in batch.drain(..) {
                match shared.scheduler.push(job) {
                    Pushed::Queued => {}
                    Pushed::Postponed(_) | Pushed::Stopped(_) => {
                        left.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        if !more {
            return Ok(());
        }
    }
}

/// Runs the connections, with signals, the window and progress watched.
async fn supervise(
    context: &Context,
    shared: Arc<Shared>,
    window_left: Option<Duration>,
    total: u64,
) {
    let watcher = shared.clone();
    let signals = tokio::spawn(async move {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let sigterm = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = sigterm => {}
        }
        watcher.scheduler.stop(Stop::Signal);
    });
    let closer = shared.clone();
    let window = tokio::spawn(async move {
        if let Some(left) = window_left {
            tokio::time::sleep(left).await;
            closer.scheduler.stop(Stop::WindowClosed);
        }
    });
    let reporter = shared.clone();
    let ui = context.ui;
    let progress = tokio::spawn(async move {
        let terminal = std::io::stderr().is_terminal();
        if ui.quiet {
            return;
        }
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "sending [{bar:30}] {pos}/{len} {rate} eta {eta} {msg}",
            ) {
                // indicatif's {per_sec} prints 191.8812/s; whole messages read better.
                let style = style.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                        let _ = write!(out, "{:.0}/s", state.per_sec());
                    },
                );
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        let started = Instant::now();
        let mut tick = tokio::time::interval(if terminal {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(10)
        });
        tick.tick().await;
        loop {
            tick.tick().await;
            let counts = reporter
                .counts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            let done =
                counts.sent + counts.failed + counts.unknown + counts.deferred + counts.skipped;
            let message = format!(
                "sent {} deferred {} failed {}",
                group(counts.sent),
                group(counts.deferred + counts.retried),
                group(counts.failed)
            );
            match &bar {
                Some(bar) => {
                    bar.set_position(done);
                    bar.set_message(message);
                }
                None => eprintln!(
                    "{:>6.0}s  {message}  of {}  ({:.0} msg/s)",
                    started.elapsed().as_secs_f64(),
                    group(total),
                    counts.sent as f64 / started.elapsed().as_secs_f64().max(1.0)
                ),
            }
        }
    });
    run(shared).await;
    signals.abort();
    window.abort();
    progress.abort();
    let _ = progress.await;
}

fn summarize(
    context: &Context,
    counts: &RunCounts,
    elapsed: Duration,
    not_sent: u64,
    deferred_total: u64,
    stop: Option<&Stop>,
    log: &Path,
) {
    let seconds = elapsed.as_secs_f64();
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
