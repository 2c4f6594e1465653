//! `check`: everything a send would check, over every row, without sending.

use std::io::Write;

use serde_json::json;

use super::Context;
use super::session::Session;
use crate::cli::{CheckArgs, ReportFormat};
use crate::clock::now_unix;
use crate::compose::Composer;
use crate::csv_input::Row;
use crate::error::Error;
use crate::output::group;
use crate::plan::Verdict;
use crate::render::visibility::MIN_AGREEMENT;

/// `hikyaku check CAMPAIGN`: everything a send would check, over every row.
pub(super) fn check(context: &Context, args: &CheckArgs) -> Result<(), Error> {
    let mut session = Session::open(context, &args.campaign, "checking")?;
    let keys = session.store.keys()?;
    let composer = Composer::new(&session.campaign, session.plan.headers(), keys)?;
    let messages = composer.session()?;
    let date = now_unix();
    let mut rendered = 0u64;
    let mut agreement = None;
    let mut row = Row::default();
    while let Some(verdict) = session.next(&mut row)? {
        if let Verdict::Eligible(address) = verdict {
            // Every message is rendered; one is signed, which proves the key.
            if rendered == 0 {
                let composed = messages.compose(row.line, &address, &row.fields, date)?;
                let shared = composer.legal_items(&composed.unsubscribe_token);
                agreement = parts_agreement(&composed.bytes, &shared);
            } else {
                messages.compose_unsigned(row.line, &address, &row.fields, date)?;
            }
            rendered += 1;
        }
    }
    let walked = session.finish();
    let dkim = composer.signer().map(|s| s.dns_name());
    let dns = if args.dns {
        Some(super::dns::check(&walked.campaign, composer.signer())?)
    } else {
        None
    };
    let (campaign, counts) = (&walked.campaign, &walked.counts);
    match args.format {
        ReportFormat::Json => {
            let report = json!({
                "ok": dns.as_ref().is_none_or(|d| d.all_ok()),
                "campaign": campaign.id,
                "total_rows": counts.total_rows,
                "eligible": counts.eligible,
                "rendered": rendered,
                "parts_agreement": agreement,
                "dkim": dkim,
                "dns": dns.as_ref().map(|d| d.to_json()),
            });
            println!("{report}");
        }
        ReportFormat::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "ok    campaign file  {}", campaign.path.display())?;
            writeln!(
                out,
                "ok    recipients     {}: {} rows, {} eligible",
                campaign.recipients.path.display(),
                group(counts.total_rows),
                group(counts.eligible)
            )?;
            writeln!(
                out,
                "ok    templates      {} messages rendered with the legal footer",
                group(rendered)
            )?;
            match agreement {
                Some(share) if share < MIN_AGREEMENT => writeln!(
                    out,
                    "warn  parts          the text part says little of what the HTML part shows \
                     ({:.0} % in common): content filters score that (MPART_ALT_DIFF); say the same in both",
                    share * 100.0
                )?,
                Some(share) => writeln!(
                    out,
                    "ok    parts          text and HTML parts say the same ({:.0} % in common)",
                    share * 100.0
                )?,
                None => {}
            }
            match &dkim {
                Some(name) => writeln!(
                    out,
                    "ok    dkim           key loads and signs; publish it at {name}"
                )?,
                None => writeln!(
                    out,
                    "warn  dkim           not configured: Gmail and Yahoo reject unsigned bulk mail"
                )?,
            }
            writeln!(
                out,
                "ok    store          {}",
                walked.store.path().display()
            )?;
            if let Some(dns) = &dns {
                dns.write_text(&mut out)?;
            }
        }
    }
    match dns {
        Some(dns) => dns.into_result(),
        None => Ok(()),
    }
}

/// How much the text part of `message` says of what its HTML part shows;
/// `None` without an HTML part.
fn parts_agreement(message: &[u8], shared: &[(&'static str, String)]) -> Option<f64> {
    let parsed = mail_parser::MessageParser::default().parse(message)?;
    parsed.html_part(0).filter(|part| part.is_text_html())?;
    let html = parsed.body_html(0)?;
    let text = parsed.body_text(0).unwrap_or_default();
    let document = crate::render::visibility::Document::parse(&html);
    let shared: Vec<&str> = shared.iter().map(|(_, text)| text.as_str()).collect();
    Some(crate::render::visibility::alternative_agreement(
        &text, &document, &shared,
    ))
}
