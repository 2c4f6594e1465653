//! What a finding does to the store (design.md, "Feedback you can trust").
//!
//! - Only a report that traces to a message of ours changes anything, and
//!   only for the recipient of that message: one report never suppresses
//!   more recipients than it traces to, and a report naming another address
//!   (a forward that bounced) acts on our recipient, never on the other.
//! - A hard bounce or a complaint suppresses the recipient for every list; a
//!   soft bounce counts, and several within 30 days suppress; a block counts
//!   against the recipient's domain and suppresses nobody; a mailed
//!   unsubscribe suppresses the list of the message it answers.
//! - A report that traces to nothing is kept as `unverified`: shown, kept
//!   for review, counted nowhere (not by the complaint-rate guard, not in
//!   bounce rates, not toward soft-bounce suppression), unless the operator
//!   vouches for the source with `--accept-untraced`.

use crate::list::ListName;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::trace::{Trace, Traced};
use super::{Finding, Kind, Report};
use crate::address::Address;
use crate::store::feedback::{Applied, FeedbackEvent};
use crate::store::{Store, StoreError};

/// How the operator runs `ingest`.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Write nothing.
    pub dry_run: bool,
    /// Apply reports that trace to nothing to the address they name.
    pub accept_untraced: bool,
    /// The operator's own mail server: an untraced unsubscribe request whose
    /// From it vouches for (Authentication-Results) is honoured.
    pub trusted_authserv_id: Option<String>,
    /// Soft bounces within 30 days that suppress an address.
    pub soft_bounce_limit: u64,
}

/// What happened to one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    /// The address is now suppressed.
    Suppressed,
    /// Recorded and counted (a soft bounce under the limit, a block, a
    /// report about an address already suppressed).
    Counted,
    /// Traced to nothing of ours: kept for review, changed nothing.
    Unverified,
    /// Nothing to do: not a failure, or read before.
    Skipped,
}

/// One line of `ingest`'s output.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    /// The file (`PATH#N` inside an mbox) or `imaps://…/MAILBOX;UID=N`.
    pub message: String,
    /// What the finding is.
    pub kind: Kind,
    /// Why, in Sisimai's vocabulary.
    pub reason: &'static str,
    /// The address the report names, lower case.
    pub recipient: Option<String>,
    /// The enhanced status code.
    pub status: Option<String>,
    /// The ARF Feedback-Type.
    pub feedback_type: Option<String>,
    /// How it was tied to a message of ours.
    pub trace: Trace,
    /// The campaign it traced to.
    pub campaign: Option<String>,
    /// What was done.
    pub action: Action,
    /// One sentence for people.
    pub detail: String,
    /// The reporting server's own words (control characters removed, shortened).
    pub diagnostic: String,
    /// The address acted on (our recipient), when anything was recorded.
    pub email: Option<String>,
    /// The list a suppression covers, `*` for every list; null when
    /// nothing was suppressed.
    pub list: Option<String>,
}

/// Applies every finding of one report and says what each did. `identity`
/// names the report for recognising it when read again; `at` is when it
/// happened (unix seconds).
pub(crate) fn apply(
    store: &mut Store,
    label: &str,
    report: &Report,
    traced: &[Traced],
    identity: &str,
    at: i64,
    options: &Options,
) -> Result<Vec<Outcome>, StoreError> {
    let targets = assign(&report.findings, traced);
    let mut outcomes = Vec::with_capacity(report.findings.len());
    for (index, (finding, target)) in report.findings.iter().zip(targets).enumerate() {
        let mut outcome = Outcome {
            message: label.to_owned(),
            kind: finding.kind,
            reason: finding.reason.as_str(),
            recipient: finding.recipient.clone(),
            status: finding.status.clone(),
            feedback_type: finding.feedback_type.clone(),
            trace: Trace::None,
            campaign: None,
            action: Action::Skipped,
            detail: String::new(),
            diagnostic: finding.diagnostic.clone(),
            email: None,
            list: None,
        };
        let Some(event_kind) = finding.kind.event_kind() else {
            outcome.detail = skipped_detail(finding);
            outcomes.push(outcome);
            continue;
        };
        // The report and the recipient it names: two reports that share a
        // Message-ID (a relay's, or a forger's) stay apart. Hashed, so that
        // nothing a report wrote is stored raw. Before version 5 the
        // fingerprint was the report and the index alone: a mailbox read
        // before the upgrade is still recognised by it.
        let fingerprint = format!(
            "v2:{:x}",
            Sha256::digest(format!(
                "{identity}#{index}:{}",
                finding.recipient.as_deref().unwrap_or("")
            ))
        );
        let legacy_fingerprint = format!("{identity}#{index}");
        let mut event = FeedbackEvent {
            kind: event_kind,
            source: finding.format.as_str().to_owned(),
            reason: finding.reason.as_str().to_owned(),
            trace: Trace::None.as_str().to_owned(),
            verified: true,
            campaign: None,
            list: None,
            email: String::new(),
            detail: event_detail(finding),
            at,
        };
        match target {
            Some(traced) => {
                outcome.trace = traced.via;
                event.trace = traced.via.as_str().to_owned();
                event.campaign = Some(traced.recipient.campaign.to_string());
                event.list = Some(traced.recipient.list.to_string());
                event.email = traced.recipient.email.clone();
            }
            None => {
                let named = finding
                    .recipient
                    .as_deref()
                    .and_then(|r| Address::parse(r).ok())
                    .map(|a| a.key());
                // The operator vouches only for reports that trace to
                // nothing: a report that traces to one of ours acts on that
                // recipient alone, whatever else it names. A mailed request
                // whose From the operator's own server authenticated is the
                // person asking.
                let authenticated = finding.kind == Kind::Unsubscribe
                    && traced.is_empty()
                    && options
                        .trusted_authserv_id
                        .as_ref()
                        .is_some_and(|id| report.authenticated_by.contains(id));
                if authenticated && let Some(address) = &named {
                    event.trace = "authenticated".to_owned();
                    event.email = address.clone();
                    outcome.trace = Trace::Authenticated;
                } else {
                    match (options.accept_untraced && traced.is_empty(), named) {
                        (true, Some(address)) => {
                            event.trace = "operator".to_owned();
                            if finding.kind != Kind::Unsubscribe {
                                // Even a trusted source may relay backscatter.
                                match store.last_campaign_of(&address)? {
                                    Some(campaign) => {
                                        event.list = store.campaign_list(&campaign)?;
                                        event.campaign = Some(campaign);
                                    }
                                    None => {
                                        outcome.detail = format!(
                                            "{} {} for {address}, an address this store never mailed: \
                                         possibly backscatter of mail forged in our name",
                                            article(finding.kind.describe()),
                                            finding.kind.describe()
                                        );
                                        outcomes.push(outcome);
                                        continue;
                                    }
                                }
                            }
                            event.email = address;
                        }
                        (_, named) => {
                            event.verified = false;
                            event.email = named.unwrap_or_default();
                        }
                    }
                }
            }
        }
        outcome.campaign = event.campaign.clone();
        // Read before: nothing to write.
        let applied = if store.is_feedback_recorded(&fingerprint)?
            || store.is_feedback_recorded(&legacy_fingerprint)?
        {
            Applied::Duplicate
        } else {
            let batch = store.batch()?;
            let applied =
                batch.apply_feedback(&event, Some(&fingerprint), options.soft_bounce_limit)?;
            if !options.dry_run {
                batch.commit()?;
            }
            applied
        };
        describe(&mut outcome, &event, applied, options);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Which traced recipient each finding acts on: first the finding that
/// names a traced address, then, in order, any finding that names another
/// (a forwarding address), while traced recipients remain. Each traced
/// recipient serves one finding at most.
fn assign<'t>(findings: &[Finding], traced: &'t [Traced]) -> Vec<Option<&'t Traced>> {
    let mut targets: Vec<Option<&Traced>> = vec![None; findings.len()];
    let mut used = vec![false; traced.len()];
    let acts = |f: &Finding| f.kind.event_kind().is_some();
    // First the findings that name a traced address, acting or not: a
    // report saying our recipient's copy was delivered (or is delayed)
    // while another address failed must not pin the failure on ours.
    for (index, finding) in findings.iter().enumerate() {
        if let Some(at) = traced.iter().enumerate().position(|(i, t)| {
            !used[i] && finding.recipient.as_deref() == Some(t.recipient.email.as_str())
        }) {
            used[at] = true;
            if acts(finding) {
                targets[index] = Some(&traced[at]);
            }
        }
    }
    for (index, finding) in findings.iter().enumerate() {
        if !acts(finding) || targets[index].is_some() {
            continue;
        }
        if let Some(at) = used.iter().position(|u| !u) {
            used[at] = true;
            targets[index] = Some(&traced[at]);
        }
    }
    targets
}

/// "a" or "an" before a kind's name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn skipped_detail(finding: &Finding) -> String {
    let what = match finding.kind {
        Kind::Delay => "a delay warning: the relay is still trying, nothing to do yet",
        Kind::AutoReply => "an automatic reply: the address works, nothing to do",
        Kind::AuthReport => {
            "an authentication report: check SPF, DKIM and DMARC of the sending domain; nobody complained"
        }
        Kind::Delivered => "a delivery confirmation: nothing to do",
        Kind::Unreadable => "unreadable",
        _ => "not a bounce, complaint or unsubscribe request: nothing to do",
    };
    if finding.diagnostic.is_empty() || finding.kind == Kind::NotAReport {
        if finding.kind == Kind::NotAReport && !finding.diagnostic.is_empty() {
            return finding.diagnostic.clone();
        }
        what.to_owned()
    } else if finding.kind == Kind::Unreadable {
        format!("unreadable: {}", finding.diagnostic)
    } else {
        format!("{what} ({})", finding.diagnostic)
    }
}

fn event_detail(finding: &Finding) -> String {
    let mut detail = String::new();
    if let Some(status) = &finding.status {
        detail.push_str(status);
        detail.push(' ');
    }
    if let Some(feedback_type) = &finding.feedback_type {
        detail.push_str(feedback_type);
    } else {
        detail.push_str(&finding.diagnostic);
    }
    detail.trim().to_owned()
}

fn describe(outcome: &mut Outcome, event: &FeedbackEvent, applied: Applied, options: &Options) {
    let scope = match event.list.as_deref() {
        Some(list) if outcome.kind == Kind::Unsubscribe && list != ListName::EVERY => {
            format!("list {list}")
        }
        _ => "every list".to_owned(),
    };
    outcome.email = Some(event.email.clone()).filter(|e| !e.is_empty());
    // The scope of a suppression, when there is one.
    outcome.list =
        matches!(applied, Applied::Suppressed | Applied::AlreadySuppressed).then(|| match outcome
            .kind
        {
            Kind::Unsubscribe => event
                .list
                .clone()
                .unwrap_or_else(|| ListName::EVERY.to_owned()),
            _ => ListName::EVERY.to_owned(),
        });
    let what = outcome.kind.describe();
    let email = &event.email;
    let (action, detail) = match applied {
        Applied::Suppressed => (
            Action::Suppressed,
            format!("{what}: {email} is suppressed for {scope}"),
        ),
        Applied::AlreadySuppressed => (
            Action::Counted,
            format!("{what}: {email} was already suppressed for {scope}"),
        ),
        Applied::Counted { soft_bounces } => (
            Action::Counted,
            format!(
                "{what}: {soft_bounces} of {} within 30 days before {email} is suppressed",
                options.soft_bounce_limit
            ),
        ),
        Applied::Recorded => (
            Action::Counted,
            format!(
                "the receiver refused our message ({}): counted against {}; {email} stays on the list",
                outcome.reason,
                email.rsplit_once('@').map_or("its domain", |(_, d)| d)
            ),
        ),
        Applied::Unverified => (
            Action::Unverified,
            if outcome.kind == Kind::Unsubscribe && !email.is_empty() {
                format!(
                    "an unsubscribe request that answers no message of ours (no token or Message-ID): \
                     kept for review; if {email} asked, run: hikyaku suppress add {email}"
                )
            } else {
                format!(
                    "{} {what} that traces to no message of ours (no token, Message-ID or VERP \
                     address of this store): kept for review, changed nothing",
                    article(what)
                )
            },
        ),
        Applied::Duplicate => (
            Action::Skipped,
            "read before: already ingested, nothing changed".to_owned(),
        ),
    };
    outcome.action = action;
    outcome.detail = if options.dry_run {
        format!("{detail} (dry run: nothing written)")
    } else {
        detail
    };
}
