//! What the store shows of one person (`consent export --email`), and what
//! a purge did.

use super::*;

/// Everything the store knows about one person's consent and opt-outs: what
/// a company must be able to show when asked why it mailed someone.
#[derive(Serialize)]
pub(super) struct History {
    email: String,
    consents: Vec<ConsentEntry>,
    revocations: Vec<Revocation>,
    suppressions: Vec<SuppressionView>,
    feedback: Vec<FeedbackView>,
    last_advertisement: Option<String>,
    legal_hold: bool,
}

#[derive(Serialize)]
struct SuppressionView {
    #[serde(flatten)]
    entry: Suppression,
    created_at: String,
}

#[derive(Serialize)]
struct FeedbackView {
    #[serde(flatten)]
    event: FeedbackEvent,
    at: String,
}

impl History {
    pub(super) fn of(store: &Store, email: &str) -> Result<History, Error> {
        let mut consents = Vec::new();
        store.for_each_consent::<Error>(None, Some(email), |entry| {
            consents.push(entry);
            Ok(())
        })?;
        Ok(History {
            email: email.to_owned(),
            consents,
            revocations: store.revocations_for(email)?,
            suppressions: store
                .suppressions_of(email)?
                .into_iter()
                .map(|entry| SuppressionView {
                    created_at: entry.created_at_rfc3339(),
                    entry,
                })
                .collect(),
            feedback: store
                .feedback_for(email)?
                .into_iter()
                .map(|event| FeedbackView {
                    at: format_unix(event.at),
                    event,
                })
                .collect(),
            last_advertisement: store.last_advertisement(email)?.map(format_unix),
            legal_hold: store.is_held(email)?,
        })
    }

    pub(super) fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.email)?;
        writeln!(out, "consent records:")?;
        if self.consents.is_empty() {
            writeln!(out, "  (none)")?;
        }
        for entry in &self.consents {
            let c = &entry.consent;
            write!(
                out,
                "  {}  {} for {}  by {}",
                c.obtained_at,
                c.basis,
                list_label(&c.list),
                c.method
            )?;
            if !c.evidence.is_empty() {
                write!(out, "  evidence: {}", c.evidence)?;
            }
            if !entry.expires_at.is_empty() {
                write!(out, "  expires {}", entry.expires_at)?;
            }
            if !entry.revoked_at.is_empty() {
                write!(out, "  (revoked {})", entry.revoked_at)?;
            }
            writeln!(out)?;
        }
        writeln!(out, "opt-outs:")?;
        if self.revocations.is_empty() {
            writeln!(out, "  (none)")?;
        }
        for revocation in &self.revocations {
            writeln!(
                out,
                "  {}  {}{}",
                revocation.revoked_at,
                list_label(&revocation.list),
                if revocation.reason.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", revocation.reason)
                }
            )?;
        }
        writeln!(out, "suppressions:")?;
        if self.suppressions.is_empty() {
            writeln!(out, "  (none)")?;
        }
        for view in &self.suppressions {
            let list = list_label(&view.entry.list);
            writeln!(
                out,
                "  {}  {list}: {} (from {})",
                view.created_at, view.entry.reason, view.entry.source
            )?;
        }
        writeln!(out, "unsubscribes, bounces and complaints:")?;
        if self.feedback.is_empty() {
            writeln!(out, "  (none)")?;
        }
        for view in &self.feedback {
            let event = &view.event;
            writeln!(
                out,
                "  {}  {}{} via {}{}{}",
                view.at,
                event.kind.as_str(),
                if event.verified {
                    ""
                } else {
                    " (unverified: traced to no message of ours, changed nothing)"
                },
                event.source,
                event
                    .campaign
                    .as_deref()
                    .map(|c| format!(", campaign {c}"))
                    .unwrap_or_default(),
                if event.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", event.detail)
                }
            )?;
        }
        writeln!(
            out,
            "last advertisement: {}",
            self.last_advertisement.as_deref().unwrap_or("never")
        )?;
        writeln!(
            out,
            "legal hold: {}",
            if self.legal_hold {
                "yes (records kept one year after the last advertisement)"
            } else {
                "no"
            }
        )
    }
}

pub(super) fn report_purge(
    context: &Context,
    decisions: &[PurgeDecision],
    dry_run: bool,
    format: ReportFormat,
) -> Result<(), Error> {
    let purged = decisions.iter().filter(|d| d.kept.is_none()).count() as u64;
    let kept = decisions.len() as u64 - purged;
    if format == ReportFormat::Json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({
                "dry_run": dry_run,
                "purged": purged,
                "kept": kept,
                "records": decisions,
            }),
        )?;
        writeln!(out).map_err(Error::Output)?;
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let verb = if dry_run { "would delete" } else { "deleted" };
    for decision in decisions {
        let c = &decision.entry.consent;
        let line = match &decision.kept {
            None => format!(
                "{verb}  {} {} ({}, obtained {})",
                c.email,
                list_label(&c.list),
                decision.no_longer_counts,
                c.obtained_at
            ),
            Some(kept) => format!(
                "kept     {} {} ({}): last advertisement {}, kept until {}{}",
                c.email,
                list_label(&c.list),
                decision.no_longer_counts,
                kept.last_advertisement,
                kept.until,
                if kept.legal_hold {
                    " (legal hold: one year)"
                } else {
                    " (one month)"
                }
            ),
        };
        writeln!(out, "{line}").map_err(Error::Output)?;
    }
    context.ui.info(format_args!(
        "{} {} record(s) that no longer count; kept {} the law still requires; records that still count were not touched",
        verb,
        group(purged),
        group(kept)
    ));
    Ok(())
}
