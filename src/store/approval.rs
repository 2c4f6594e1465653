//! Approvals: who signed off which digest of a campaign, and the previews
//! that make a sign-off possible.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// The hash of one input file, as an approval keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ApprovedFile {
    /// campaign, text, html, attachment, recipients.
    pub role: String,
    /// The file's path when it was approved.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
}

/// One sign-off.
#[derive(Debug, Clone)]
pub(crate) struct Approval {
    pub campaign: String,
    pub digest: String,
    pub approver: String,
    pub os_user: String,
    pub host: String,
    pub approved_at: i64,
    pub note: String,
    pub files: Vec<ApprovedFile>,
}

impl Store {
    /// Notes that `digest` of `campaign` was previewed.
    pub(crate) fn record_preview(
        &mut self,
        campaign: &str,
        digest: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO preview_record (campaign, digest, previewed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO UPDATE SET previewed_at = excluded.previewed_at",
                params![campaign, digest, at],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Whether `digest` of `campaign` was ever previewed with this store.
    pub(crate) fn was_previewed(&self, campaign: &str, digest: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM preview_record WHERE campaign = ?1 AND digest = ?2)",
                params![campaign, digest],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Records a sign-off.
    pub(crate) fn approve(&mut self, approval: &Approval) -> Result<(), StoreError> {
        let files = serde_json::to_string(&approval.files).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT INTO approval (campaign, digest, approver, os_user, host, approved_at, note, files)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    approval.campaign,
                    approval.digest,
                    approval.approver,
                    approval.os_user,
                    approval.host,
                    approval.approved_at,
                    approval.note,
                    files
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Every sign-off of `campaign`, oldest first.
    pub(crate) fn approvals(&self, campaign: &str) -> Result<Vec<Approval>, StoreError> {
        self.all_rows(
            "SELECT digest, approver, os_user, host, approved_at, note, files FROM approval
                 WHERE campaign = ?1 ORDER BY approved_at, id",
            [campaign],
            |row| {
                let files: String = row.get(6)?;
                Ok(Approval {
                    campaign: campaign.to_owned(),
                    digest: row.get(0)?,
                    approver: row.get(1)?,
                    os_user: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    host: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    approved_at: row.get(4)?,
                    note: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    files: serde_json::from_str(&files).unwrap_or_default(),
                })
            },
        )
    }
}
