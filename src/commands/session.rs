//! What check, preview and send share: the campaign loaded, the store open,
//! the inputs hashed, and the plan walked with progress on a terminal.

use std::path::Path;

use indicatif::ProgressBar;

use super::Context;
use crate::config::{Campaign, ConfigError, Problem};
use crate::csv_input::Row;
use crate::deliver::eml::EmlFolder;
use crate::deliver::pipeline::Delivered;
use crate::deliver::scheduler::Stop;
use crate::digest::CampaignDigest;
use crate::error::Error;
use crate::output::group;
use crate::plan::{Plan, PlanCounts, PlanError, Verdict};
use crate::store::Store;

/// How often the progress bar is moved; moving it costs a clock read.
const PROGRESS_EVERY_ROWS: u64 = 4096;

impl From<PlanError> for Error {
    fn from(error: PlanError) -> Self {
        match error {
            PlanError::Csv(e) => Error::Csv(e),
            PlanError::Store(e) => Error::Store(e),
        }
    }
}

/// A campaign being walked row by row.
pub(super) struct Session {
    pub campaign: Campaign,
    pub store: Store,
    pub plan: Plan,
    digest: CampaignDigest,
    progress: ProgressBar,
    rows: u64,
}

/// A finished walk.
pub(super) struct Walked {
    pub campaign: Campaign,
    pub store: Store,
    pub counts: PlanCounts,
    pub digest: CampaignDigest,
}

impl Session {
    /// Loads the campaign at `path`, opens its store and hashes its files.
    /// `what` labels the progress bar; empty hides it.
    pub(super) fn open(context: &Context, path: &Path, what: &str) -> Result<Session, Error> {
        Session::open_with(context, path, what, false)
    }

    /// As [`Session::open`]; with `retry_unknown`, recipients whose outcome is
    /// unknown count as eligible again.
    pub(super) fn open_with(
        context: &Context,
        path: &Path,
        what: &str,
        retry_unknown: bool,
    ) -> Result<Session, Error> {
        Session::start(context, Campaign::load(path)?, what, retry_unknown, false)
    }

    /// For sending `campaign`, loaded once by the caller for both passes:
    /// the plan asks the store row by row and leaves duplicates to the
    /// journal, so memory does not grow with the list (see
    /// [`Plan::open_for_sending`]).
    pub(crate) fn for_sending(
        context: &Context,
        campaign: Campaign,
        what: &str,
        retry_unknown: bool,
    ) -> Result<Session, Error> {
        Session::start(context, campaign, what, retry_unknown, true)
    }

    fn start(
        context: &Context,
        campaign: Campaign,
        what: &str,
        retry_unknown: bool,
        for_sending: bool,
    ) -> Result<Session, Error> {
        let store = context.open_store(Some(&campaign))?;
        let digest = CampaignDigest::of_campaign_files(&campaign).map_err(|source| {
            ConfigError::Invalid {
                problems: vec![Problem {
                    path: campaign.path.clone(),
                    line: None,
                    key: String::new(),
                    message: format!("cannot read a file the campaign names: {source}"),
                }],
            }
        })?;
        let plan = if for_sending {
            let lookups = Store::open(store.path())?;
            Plan::open_for_sending(&campaign, lookups, retry_unknown)?
        } else {
            Plan::open(&campaign, &store, retry_unknown)?
        };
        let list_size = std::fs::metadata(&campaign.recipients.path).map_or(0, |m| m.len());
        let progress = if what.is_empty() {
            ProgressBar::hidden()
        } else {
            context.ui.byte_progress(list_size, what)
        };
        Ok(Session {
            campaign,
            store,
            plan,
            digest,
            progress,
            rows: 0,
        })
    }

    /// The next row and its verdict.
    pub(super) fn next(&mut self, row: &mut Row) -> Result<Option<Verdict>, Error> {
        let verdict = self.plan.next(row)?;
        self.rows += 1;
        if self.rows.is_multiple_of(PROGRESS_EVERY_ROWS) {
            self.progress.set_position(self.plan.bytes_parsed());
        }
        Ok(verdict)
    }

    /// Ends the walk; call after [`Session::next`] returned None.
    pub(super) fn finish(self) -> Walked {
        self.progress.finish_and_clear();
        let outcome = self.plan.finish();
        let mut digest = self.digest;
        digest.push(outcome.recipients_digest);
        Walked {
            campaign: self.campaign,
            store: self.store,
            counts: outcome.counts,
            digest,
        }
    }
}

/// A folder that could not take a message (a full disk) fails the command.
/// The folder of `--out`, created readable by its owner only.
pub(super) fn open_folder(dir: &Path) -> Result<EmlFolder, Error> {
    EmlFolder::create(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })
}

/// The run stops at the first file it cannot write.
pub(super) fn every_message_kept(delivered: &Delivered, folder: &EmlFolder) -> Result<(), Error> {
    if let Some(Stop::Unavailable(why)) = &delivered.stop {
        return Err(Error::Write {
            path: folder.dir().to_owned(),
            source: std::io::Error::other(format!(
                "{why}; {} messages were written, {} were not",
                group(delivered.counts.sent),
                group(delivered.counts.deferred + delivered.not_sent)
            )),
        });
    }
    Ok(())
}
