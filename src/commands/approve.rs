//! `approve` and the approval gate of `send`: a second person's sign-off,
//! bound to the digest of exactly what was previewed.

use std::collections::BTreeSet;
use std::io::Write;

use super::Context;
use super::preview::write_plan;
use super::session::Session;
use crate::cli::ApproveArgs;
use crate::clock::now_unix;
use crate::config::Campaign;
use crate::csv_input::Row;
use crate::digest::CampaignDigest;
use crate::error::Error;
use crate::store::approval::{Approval, ApprovedFile};
use crate::store::{Store, format_unix};

/// `hikyaku approve CAMPAIGN --by NAME`.
pub(super) fn approve(context: &Context, args: &ApproveArgs) -> Result<(), Error> {
    let name = args.by.trim();
    if name.is_empty() {
        return Err(Error::BadArgument("--by needs your name".into()));
    }
    let mut session = Session::open(context, &args.campaign, "reading")?;
    let mut row = Row::default();
    while session.next(&mut row)?.is_some() {}
    let mut walked = session.finish();
    let (campaign, digest) = (&walked.campaign, walked.digest.hex());
    if !walked.store.was_previewed(&campaign.id, &digest)? {
        return Err(Error::Refused(format!(
            "nobody has previewed this exact campaign (digest {digest}) with this store, so there is \
             nothing to approve; run `hikyaku preview {}` and look at the result first",
            args.campaign.display()
        )));
    }
    let approval = Approval {
        campaign: campaign.id.clone(),
        digest: digest.clone(),
        approver: name.to_owned(),
        os_user: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_default(),
        host: std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        approved_at: now_unix(),
        note: args.note.clone().unwrap_or_default(),
        files: approved_files(&walked.digest),
    };
    walked.store.approve(&approval)?;
    let approvers = approvers_of(&walked.store, &campaign.id, &digest)?;
    let mut out = std::io::stdout().lock();
    write_plan(&mut out, &walked)?;
    writeln!(
        out,
        "\napproved by {name}: {} of {} required approvals of this digest ({})",
        approvers.len(),
        campaign.approval.min_approvers,
        approvers.into_iter().collect::<Vec<_>>().join(", ")
    )?;
    Ok(())
}

fn approved_files(digest: &CampaignDigest) -> Vec<ApprovedFile> {
    digest
        .files
        .iter()
        .map(|f| ApprovedFile {
            role: f.role.to_owned(),
            path: f.path.display().to_string(),
            sha256: f.hex(),
        })
        .collect()
}

/// The last approval of another digest of the campaign: who, when, and the
/// files (paths) that changed since.
pub(super) fn changed_since_last_approval(
    store: &Store,
    campaign: &Campaign,
    digest: &CampaignDigest,
) -> Result<Option<(String, i64, Vec<String>)>, Error> {
    let current = digest.hex();
    let approvals = store.approvals(&campaign.id)?;
    let Some(last) = approvals.iter().rev().find(|a| a.digest != current) else {
        return Ok(None);
    };
    let changed = approved_files(digest)
        .into_iter()
        .filter(|file| {
            !last
                .files
                .iter()
                .any(|old| old.role == file.role && old.sha256 == file.sha256)
        })
        .map(|file| file.path)
        .collect();
    Ok(Some((last.approver.clone(), last.approved_at, changed)))
}

/// The distinct approvers (compared without case) of `digest`.
fn approvers_of(store: &Store, campaign: &str, digest: &str) -> Result<BTreeSet<String>, Error> {
    Ok(store
        .approvals(campaign)?
        .into_iter()
        .filter(|a| a.digest == digest)
        .map(|a| a.approver.trim().to_lowercase())
        .collect())
}

/// The gate of `send`: enough distinct people approved exactly `digest`, or
/// a refusal that says what changed since the last approval and what to do.
pub(super) fn gate(
    store: &Store,
    campaign: &Campaign,
    digest: &CampaignDigest,
) -> Result<(), Error> {
    if !campaign.approval.required {
        return Ok(());
    }
    let current = digest.hex();
    let approvers = approvers_of(store, &campaign.id, &current)?;
    let needed = campaign.approval.min_approvers as usize;
    if approvers.len() >= needed {
        return Ok(());
    }
    let path = campaign.path.display();
    let mut message = format!(
        "{path}: not approved: this exact campaign (digest {current}) has {} of the {needed} approvals \
         it needs (distinct names); nothing was sent",
        approvers.len()
    );
    if let Some((by, at, changed)) = changed_since_last_approval(store, campaign, digest)?
        && !changed.is_empty()
        && approvers.is_empty()
    {
        message.push_str(&format!(
            "\n  changed since the approval by {by} at {}: {}",
            format_unix(at),
            changed.join(", ")
        ));
    }
    message.push_str(&format!(
        "\n  hint: run `hikyaku preview {path}`, then have {} approve it with `hikyaku approve {path} --by NAME`",
        if needed > 1 { format!("{needed} different people") } else { "someone".into() }
    ));
    Err(Error::Refused(message))
}
