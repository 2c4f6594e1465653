//! The plan: which rows of the recipient list receive the campaign, and why
//! each other row does not.
//!
//! Every row gets exactly one verdict. The reasons are tried in this order, and
//! the first that applies is the one reported:
//!
//! 1. `invalid_address`: the address is not RFC 5321 mailbox syntax;
//! 2. `duplicate`: an earlier row has the same address (case-insensitively);
//!    the first row wins, whatever its own verdict;
//! 3. `suppressed`: on the suppression list, globally or for this list;
//! 4. `no_consent`: an advertisement, and no consent for this list counts;
//! 5. `already_sent`: the journal has settled this recipient for this campaign.
//!
//! Suppression comes before `already_sent` because it is what the law cares
//! about: the report should say "opted out", not "done".
//!
//! The list is streamed. What the plan keeps in memory is the set of addresses
//! seen so far and the store's sets for this list (suppressed, consented,
//! settled), all as compact exact [`AddressSet`]s; row size never matters.

mod shard;

use std::fmt;

use serde::Serialize;

use crate::address::{Address, AddressError};
use crate::address_set::AddressSet;
use crate::config::{Campaign, Kind};
use crate::csv_input::{CsvError, Row};
use crate::digest::FileDigest;
use crate::recipients::RecipientReader;
use crate::store::{Store, StoreError};

pub(crate) use shard::Shard;

/// Why a row receives nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SkipReason {
    /// On the suppression list.
    Suppressed,
    /// An advertisement without consent.
    NoConsent,
    /// Not a usable address.
    InvalidAddress,
    /// An earlier row has the same address.
    Duplicate,
    /// The journal already settled it.
    AlreadySent,
}

impl SkipReason {
    /// Every reason, in the order reports list them.
    pub(crate) const ALL: [SkipReason; 5] = [
        SkipReason::Suppressed,
        SkipReason::NoConsent,
        SkipReason::InvalidAddress,
        SkipReason::Duplicate,
        SkipReason::AlreadySent,
    ];

    /// The name used in reports and JSON.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SkipReason::Suppressed => "suppressed",
            SkipReason::NoConsent => "no_consent",
            SkipReason::InvalidAddress => "invalid_address",
            SkipReason::Duplicate => "duplicate",
            SkipReason::AlreadySent => "already_sent",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict on one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The row receives the campaign at this address.
    Eligible(Address),
    /// The row receives nothing.
    Skipped(SkipReason),
    /// The row's address is unusable, and why.
    Invalid(AddressError),
}

impl Verdict {
    /// The skip reason, if the row is skipped.
    pub(crate) fn skip_reason(&self) -> Option<SkipReason> {
        match self {
            Verdict::Eligible(_) => None,
            Verdict::Skipped(reason) => Some(*reason),
            Verdict::Invalid(_) => Some(SkipReason::InvalidAddress),
        }
    }
}

/// What the store says about this campaign's audience.
pub(crate) enum Audience {
    /// The store's sets for this campaign, held in memory: fastest, for
    /// previews and checks.
    Loaded {
        suppressed: AddressSet,
        /// None for notices, which need no consent.
        consented: Option<AddressSet>,
        settled: AddressSet,
    },
    /// The store asked row by row (indexed lookups): memory does not grow
    /// with the list or the store, for sends of any size.
    Lookup(StoreLookup),
}

/// Per-row questions to the store.
pub(crate) struct StoreLookup {
    store: Store,
    campaign: String,
    list: String,
    needs_consent: bool,
    retry_unknown: bool,
}

impl Audience {
    /// Loads the sets for `campaign` from `store`; with `retry_unknown`,
    /// recipients whose outcome is unknown are offered again.
    pub(crate) fn load(
        store: &Store,
        campaign: &Campaign,
        retry_unknown: bool,
    ) -> Result<Audience, StoreError> {
        Ok(Audience::Loaded {
            suppressed: store.suppressed_for(&campaign.list)?,
            consented: match campaign.kind {
                Kind::Advertisement => Some(store.consented_for(&campaign.list)?),
                Kind::Notice => None,
            },
            settled: store.settled_for(&campaign.id, retry_unknown)?,
        })
    }

    /// An audience that asks `store` about each row.
    pub(crate) fn lookup(store: Store, campaign: &Campaign, retry_unknown: bool) -> Audience {
        Audience::Lookup(StoreLookup {
            store,
            campaign: campaign.id.clone(),
            list: campaign.list.clone(),
            needs_consent: campaign.kind == Kind::Advertisement,
            retry_unknown,
        })
    }

    fn reason(&self, key: &str) -> Result<Option<SkipReason>, StoreError> {
        match self {
            Audience::Loaded {
                suppressed,
                consented,
                settled,
            } => Ok(if suppressed.contains(key) {
                Some(SkipReason::Suppressed)
            } else if consented.as_ref().is_some_and(|c| !c.contains(key)) {
                Some(SkipReason::NoConsent)
            } else if settled.contains(key) {
                Some(SkipReason::AlreadySent)
            } else {
                None
            }),
            Audience::Lookup(lookup) => {
                let store = &lookup.store;
                Ok(if store.is_suppressed(key, &lookup.list)? {
                    Some(SkipReason::Suppressed)
                } else if lookup.needs_consent && !store.is_consented(key, &lookup.list)? {
                    Some(SkipReason::NoConsent)
                } else if store
                    .journal_entry(&lookup.campaign, key)?
                    .is_some_and(|entry| entry.state.is_settled_for(lookup.retry_unknown))
                {
                    Some(SkipReason::AlreadySent)
                } else {
                    None
                })
            }
        }
    }
}

/// Gives each row its verdict, remembering the addresses seen.
pub(crate) struct Planner {
    audience: Audience,
    /// None when duplicates are left to the journal (see [`Plan::open_for_sending`]).
    seen: Option<AddressSet>,
}

impl Planner {
    /// A planner for one pass over the list.
    pub(crate) fn new(audience: Audience) -> Planner {
        Planner {
            audience,
            seen: Some(AddressSet::new()),
        }
    }

    /// The verdict on a row whose address field holds `raw`.
    pub(crate) fn classify(&mut self, raw: &str) -> Result<Verdict, StoreError> {
        let address = match Address::parse(raw) {
            Ok(address) => address,
            Err(error) => return Ok(Verdict::Invalid(error)),
        };
        let key = address.key();
        if self.seen.as_mut().is_some_and(|seen| !seen.insert(&key)) {
            return Ok(Verdict::Skipped(SkipReason::Duplicate));
        }
        Ok(match self.audience.reason(&key)? {
            Some(reason) => Verdict::Skipped(reason),
            None => Verdict::Eligible(address),
        })
    }
}

/// The counts of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PlanCounts {
    /// Data rows read.
    pub total_rows: u64,
    /// Rows that receive the campaign.
    pub eligible: u64,
    skipped: [u64; 5],
}

impl PlanCounts {
    /// Counts one verdict.
    pub(crate) fn add(&mut self, verdict: &Verdict) {
        self.total_rows += 1;
        match verdict.skip_reason() {
            None => self.eligible += 1,
            Some(reason) => self.skipped[reason.index()] += 1,
        }
    }

    /// Rows skipped for `reason`.
    pub(crate) fn skipped(&self, reason: SkipReason) -> u64 {
        self.skipped[reason.index()]
    }

    /// Rows skipped for any reason.
    pub(crate) fn skipped_total(&self) -> u64 {
        self.skipped.iter().sum()
    }
}

/// A plan that cannot be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
    /// The recipient list is unusable.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of a full pass over the list.
pub(crate) struct PlanOutcome {
    /// The counts.
    pub counts: PlanCounts,
    /// The digest of the list's bytes.
    pub recipients_digest: FileDigest,
}

/// A pass over the recipient list of a campaign, one verdict per row.
pub(crate) struct Plan {
    reader: RecipientReader,
    planner: Planner,
    counts: PlanCounts,
}

impl Plan {
    /// Opens the list for sending: memory stays flat whatever the size of the
    /// list, because the store is asked about each row and a second row with
    /// the same address is left to the journal, which admits one transaction
    /// per address and campaign (it is reported as skipped when its turn comes).
    pub(crate) fn open_for_sending(
        campaign: &Campaign,
        store: Store,
        retry_unknown: bool,
    ) -> Result<Plan, PlanError> {
        let reader = RecipientReader::open(&campaign.recipients)?;
        Ok(Plan {
            reader,
            planner: Planner {
                audience: Audience::lookup(store, campaign, retry_unknown),
                seen: None,
            },
            counts: PlanCounts::default(),
        })
    }

    /// Opens the list and loads the store's sets for `campaign`.
    pub(crate) fn open(
        campaign: &Campaign,
        store: &Store,
        retry_unknown: bool,
    ) -> Result<Plan, PlanError> {
        let reader = RecipientReader::open(&campaign.recipients)?;
        let planner = Planner::new(Audience::load(store, campaign, retry_unknown)?);
        Ok(Plan {
            reader,
            planner,
            counts: PlanCounts::default(),
        })
    }

    /// The column names of the list.
    pub(crate) fn headers(&self) -> &[String] {
        self.reader.headers()
    }

    /// How many bytes of the list have been parsed, for progress.
    pub(crate) fn bytes_parsed(&self) -> u64 {
        self.reader.bytes_parsed()
    }

    /// The address field of `row`, as written.
    pub(crate) fn email<'r>(&self, row: &'r Row) -> &'r str {
        self.reader.email(row)
    }

    /// Reads the next row into `row` and returns its verdict; None at the end.
    pub(crate) fn next(&mut self, row: &mut Row) -> Result<Option<Verdict>, PlanError> {
        if !self.reader.read(row)? {
            return Ok(None);
        }
        let verdict = self.planner.classify(self.reader.email(row))?;
        self.counts.add(&verdict);
        Ok(Some(verdict))
    }

    /// Ends the pass. Call after [`Plan::next`] returned None.
    pub(crate) fn finish(self) -> PlanOutcome {
        PlanOutcome {
            counts: self.counts,
            recipients_digest: self.reader.finish("recipients"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audience(suppressed: &[&str], consented: Option<&[&str]>, settled: &[&str]) -> Audience {
        Audience::Loaded {
            suppressed: suppressed.iter().copied().collect(),
            consented: consented.map(|c| c.iter().copied().collect()),
            settled: settled.iter().copied().collect(),
        }
    }

    #[test]
    fn each_row_gets_the_first_reason_that_applies() {
        let mut planner = Planner::new(audience(
            &["opted-out@example.jp", "both@example.jp"],
            Some(&["ok@example.jp", "done@example.jp", "both@example.jp"]),
            &["done@example.jp", "both@example.jp"],
        ));
        let verdicts: Vec<Option<SkipReason>> = [
            "ok@example.jp",
            "not an address",
            "OK@Example.JP",
            "opted-out@example.jp",
            "stranger@example.jp",
            "done@example.jp",
            "both@example.jp",
        ]
        .iter()
        .map(|raw| planner.classify(raw).unwrap().skip_reason())
        .collect();
        use SkipReason::*;
        assert_eq!(
            verdicts,
            [
                None,
                Some(InvalidAddress),
                Some(Duplicate),
                Some(Suppressed),
                Some(NoConsent),
                Some(AlreadySent),
                Some(Suppressed),
            ]
        );
    }

    #[test]
    fn notices_need_no_consent_and_duplicates_of_skipped_rows_stay_duplicates() {
        let mut planner = Planner::new(audience(&["x@example.jp"], None, &[]));
        assert!(matches!(
            planner.classify("anyone@example.jp").unwrap(),
            Verdict::Eligible(_)
        ));
        assert_eq!(
            planner.classify("x@example.jp").unwrap().skip_reason(),
            Some(SkipReason::Suppressed)
        );
        assert_eq!(
            planner.classify("X@example.jp").unwrap().skip_reason(),
            Some(SkipReason::Duplicate)
        );
    }

    #[test]
    fn counts_add_up() {
        let mut counts = PlanCounts::default();
        counts.add(&Verdict::Skipped(SkipReason::Duplicate));
        counts.add(&Verdict::Invalid(AddressError::Empty));
        counts.add(&Verdict::Eligible(Address::parse("a@example.jp").unwrap()));
        assert_eq!(
            (counts.total_rows, counts.eligible, counts.skipped_total()),
            (3, 1, 2)
        );
        assert_eq!(counts.skipped(SkipReason::InvalidAddress), 1);
    }
}
