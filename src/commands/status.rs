//! `status` and `report`: where every recipient of a campaign stands. The
//! recipient list is walked through the plan; a recipient the journal knows
//! stands where the journal says (a hard bounce is `failed`, though it is now
//! also suppressed), an eligible one it does not know is `pending`, and any
//! other row is `skipped` with the plan's reason.

use std::io::Write;

use serde_json::json;

use super::Context;
use super::session::Session;
use crate::address::Address;
use crate::cli::{ReportArgs, StatusArgs};
use crate::csv_input::Row;
use crate::error::Error;
use crate::output::{RecordSink, group};
use crate::plan::{SkipReason, Verdict};
use crate::store::feedback::{CampaignRates, ComplaintWindow, DomainBlocks, Unverified};
use crate::store::journal::DeliveryState;
use crate::store::{RelayCounts, SetAsidePeriod, format_unix};

/// The states `status` counts, in order.
const STATES: [&str; 7] = [
    "pending", "sending", "sent", "deferred", "failed", "unknown", "skipped",
];

/// One recipient's standing.
struct Standing {
    email: String,
    state: &'static str,
    reason: String,
    smtp_reply: String,
    updated_at: String,
    /// The relay of the last attempt.
    relay: String,
}

/// Walks the campaign, calling `each` per row.
fn walk(
    context: &Context,
    args_campaign: &std::path::Path,
    mut each: impl FnMut(Standing) -> Result<(), Error>,
) -> Result<Walked, Error> {
    let mut session = Session::open(context, args_campaign, "reading")?;
    let campaign_id = session.campaign.id.clone();
    let mut row = Row::default();
    while let Some(verdict) = session.next(&mut row)? {
        let raw = session.plan.email(&row).trim().to_owned();
        let skipped = |reason: String| Standing {
            email: raw.clone(),
            state: "skipped",
            reason,
            smtp_reply: String::new(),
            updated_at: String::new(),
            relay: String::new(),
        };
        // A recipient the journal knows stands where the journal says, even if
        // the plan would now skip it (a hard bounce is suppressed afterwards).
        let standing = match verdict {
            Verdict::Invalid(error) => skipped(format!("{}: {error}", SkipReason::InvalidAddress)),
            Verdict::Skipped(SkipReason::Duplicate) => {
                skipped(SkipReason::Duplicate.as_str().to_owned())
            }
            verdict => {
                let address =
                    Address::parse(&raw).map_err(|e| Error::BadArgument(e.to_string()))?;
                match session.store.journal_entry(&campaign_id, &address.key())? {
                    Some(entry) => Standing {
                        email: address.to_string(),
                        state: match entry.state {
                            DeliveryState::Pending => "pending",
                            other => other.as_str(),
                        },
                        reason: String::new(),
                        smtp_reply: entry.smtp_reply.unwrap_or_default(),
                        updated_at: format_unix(entry.updated_at),
                        relay: entry.relay,
                    },
                    None => match verdict.skip_reason() {
                        Some(reason) => skipped(reason.as_str().to_owned()),
                        None => Standing {
                            email: address.to_string(),
                            state: "pending",
                            reason: String::new(),
                            smtp_reply: String::new(),
                            updated_at: String::new(),
                            relay: String::new(),
                        },
                    },
                }
            }
        };
        each(standing)?;
    }
    Ok(Walked {
        sent_per_minute: session.store.sent_per_minute(&campaign_id)?,
        undelivered: session.store.undelivered_by_domain(&campaign_id, 50)?,
        config: session.campaign.clone(),
        approvals: session.store.approvals(&campaign_id)?,
        rates: session.store.campaign_rates(&campaign_id)?,
        recent: session
            .store
            .complaint_window(crate::clock::now_unix() - 30 * 24 * 3600)?,
        blocks: session.store.blocks_by_domain(Some(&campaign_id), 0)?,
        unverified: session.store.unverified_feedback()?,
        relays: session.store.relay_counts(&campaign_id)?,
        set_asides: session.store.set_asides(&campaign_id)?,
        campaign: campaign_id,
    })
}

/// What a walk learned beside the rows.
struct Walked {
    campaign: String,
    /// The campaign as loaded, for the report.
    config: crate::config::Campaign,
    /// Messages accepted per minute, for the report.
    sent_per_minute: Vec<(i64, u64)>,
    /// What was not delivered, by state, domain and reply, for the report.
    undelivered: Vec<(String, String, String, u64)>,
    approvals: Vec<crate::store::approval::Approval>,
    rates: CampaignRates,
    /// Every campaign of the store, the last 30 days: what the guard reads.
    recent: ComplaintWindow,
    /// Blocks by the receivers, per recipient domain, of this campaign.
    blocks: Vec<DomainBlocks>,
    /// Reports that traced to nothing of ours, kept for review.
    unverified: Unverified,
    /// What each relay carried.
    relays: Vec<RelayCounts>,
    /// When relays of a pool were set aside.
    set_asides: Vec<SetAsidePeriod>,
}

/// `hikyaku status CAMPAIGN`.
pub(super) fn status(context: &Context, args: &StatusArgs) -> Result<(), Error> {
    let mut counts = [0u64; STATES.len()];
    let Walked {
        campaign,
        config,
        sent_per_minute,
        undelivered,
        approvals,
        rates,
        recent,
        blocks,
        unverified,
        relays,
        set_asides,
    } = walk(context, &args.campaign, |standing| {
        if let Some(i) = STATES.iter().position(|s| *s == standing.state) {
            counts[i] += 1;
        }
        Ok(())
    })?;
    if let Some(path) = &args.report {
        crate::report::DeliveryReport {
            campaign: &config,
            counts: STATES.iter().copied().zip(counts).collect(),
            sent_per_minute,
            undelivered,
            rates,
            blocks: blocks.clone(),
            generated: crate::clock::now(),
        }
        .write(path)?;
        if matches!(args.format, crate::cli::ReportFormat::Text) {
            eprintln!("delivery report written to {}", path.display());
        }
    }
    match args.format {
        crate::cli::ReportFormat::Json => {
            let mut report = serde_json::Map::new();
            report.insert("campaign".into(), json!(campaign));
            let approvals: Vec<serde_json::Value> = approvals
                .iter()
                .map(|a| {
                    json!({"digest": a.digest, "by": a.approver, "os_user": a.os_user, "host": a.host,
                           "at": format_unix(a.approved_at), "note": a.note})
                })
                .collect();
            report.insert("approvals".into(), json!(approvals));
            for (state, count) in STATES.iter().zip(counts) {
                report.insert((*state).into(), json!(count));
            }
            report.insert(
                "feedback".into(),
                json!({
                    "hard_bounces": rates.hard_bounces,
                    "soft_bounces": rates.soft_bounces,
                    "complaints": rates.complaints,
                    "unsubscribes": rates.unsubscribes,
                    "bounce_rate": rates.bounce_rate(),
                    "complaint_rate": rates.complaint_rate(),
                    "store_complaint_rate_30d": recent.rate(),
                    "store_sent_30d": recent.sent,
                    "store_complaints_30d": recent.complaints,
                    "blocks_by_domain": blocks.iter().map(|b| json!({
                        "domain": b.domain, "blocks": b.blocks, "recipients": b.recipients,
                        "last_reason": b.last_reason, "last_at": format_unix(b.last_at),
                    })).collect::<Vec<_>>(),
                    "unverified": unverified.by_kind.iter()
                        .map(|(kind, count)| (kind.clone(), json!(count)))
                        .collect::<serde_json::Map<_, _>>(),
                    "unsubscribe_requests_awaiting_review": unverified.pending_unsubscribes,
                }),
            );
            report.insert("relays".into(), json!(relays));
            report.insert(
                "relays_set_aside".into(),
                json!(
                    set_asides
                        .iter()
                        .map(|p| json!({"relay": p.relay, "at": format_unix(p.at),
                                        "seconds": p.seconds, "reason": p.reason}))
                        .collect::<Vec<_>>()
                ),
            );
            println!("{}", serde_json::Value::Object(report));
        }
        crate::cli::ReportFormat::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "campaign {campaign}")?;
            let width = counts.iter().map(|c| group(*c).len()).max().unwrap_or(1);
            for (state, count) in STATES.iter().zip(counts) {
                writeln!(out, "  {state:<9} {:>width$}", group(count))?;
            }
            writeln!(
                out,
                "feedback: {} hard bounce(s), bounce rate {:.2} %; {} complaint(s), complaint rate {:.3} %; \
                 {} unsubscribe(s); {} soft bounce(s)",
                group(rates.hard_bounces),
                rates.bounce_rate() * 100.0,
                group(rates.complaints),
                rates.complaint_rate() * 100.0,
                group(rates.unsubscribes),
                group(rates.soft_bounces),
            )?;
            writeln!(
                out,
                "store, last 30 days: {} complaint(s) over {} sent = {:.3} % (advertisements are refused above limits.max_complaint_rate)",
                group(recent.complaints),
                group(recent.sent),
                recent.rate() * 100.0
            )?;
            if relays.len() > 1 || !set_asides.is_empty() {
                writeln!(out, "relays:")?;
                for r in &relays {
                    writeln!(
                        out,
                        "  {:<24} sent {}  deferred {}  failed {}  unknown {}",
                        r.relay,
                        group(r.sent),
                        group(r.deferred),
                        group(r.failed),
                        group(r.unknown)
                    )?;
                }
                for p in &set_asides {
                    writeln!(
                        out,
                        "  {} set aside at {} for {} s: {}",
                        p.relay,
                        format_unix(p.at),
                        p.seconds,
                        p.reason
                    )?;
                }
            }
            if !blocks.is_empty() {
                writeln!(
                    out,
                    "blocked by the receiving side (our sending reputation, policy or content, not the address; nobody is suppressed for it):"
                )?;
                for b in &blocks {
                    writeln!(
                        out,
                        "  {:<28} {:>6} block(s) of {} recipient(s), last {} ({})",
                        b.domain,
                        group(b.blocks),
                        group(b.recipients),
                        format_unix(b.last_at),
                        b.last_reason
                    )?;
                }
            }
            if !unverified.by_kind.is_empty() {
                let kinds: Vec<String> = unverified
                    .by_kind
                    .iter()
                    .map(|(kind, count)| format!("{} {kind}", group(*count)))
                    .collect();
                writeln!(
                    out,
                    "unverified reports in this store, every campaign (traced to no message of ours, counted nowhere): {}",
                    kinds.join(", ")
                )?;
            }
            if !unverified.pending_unsubscribes.is_empty() {
                const SHOWN: usize = 20;
                let pending = &unverified.pending_unsubscribes;
                writeln!(
                    out,
                    "{} unsubscribe request(s) by mail await review, every campaign (they answer no \
                     message of ours, so hikyaku did not act; the Act obliges you to honour a real \
                     opt-out): {}{}\n  run `hikyaku suppress add ADDRESS` for each person who asked \
                     (`status --format json` lists them all)",
                    pending.len(),
                    pending[..pending.len().min(SHOWN)].join(", "),
                    if pending.len() > SHOWN { ", …" } else { "" }
                )?;
            }
            for a in &approvals {
                writeln!(
                    out,
                    "approved by {} ({}@{}) at {} for digest {}{}",
                    a.approver,
                    a.os_user,
                    a.host,
                    format_unix(a.approved_at),
                    &a.digest[..a.digest.len().min(16)],
                    if a.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", a.note)
                    }
                )?;
            }
            if counts[1] > 0 {
                writeln!(
                    out,
                    "\n'sending' recipients are in flight, or were cut off by a crash: if no send is running, \
                     their outcome is unknown and they are not resent unless you pass send --retry-unknown"
                )?;
            }
        }
    }
    Ok(())
}

/// `hikyaku report CAMPAIGN`.
pub(super) fn report(context: &Context, args: &ReportArgs) -> Result<(), Error> {
    let columns: &'static [&'static str] = &[
        "email",
        "state",
        "reason",
        "smtp_reply",
        "updated_at",
        "relay",
    ];
    let mut sink = RecordSink::new(args.format, columns, std::io::stdout().lock())?;
    walk(context, &args.campaign, |s| {
        sink.write(&[
            &s.email,
            s.state,
            &s.reason,
            &s.smtp_reply,
            &s.updated_at,
            &s.relay,
        ])
    })?;
    sink.finish()?;
    Ok(())
}
