//! Tying a report to the message of ours it answers. Only what an outsider
//! cannot invent counts: a token whose MAC verifies, a Message-ID this store
//! composed (derived from the same secret), a VERP return path carrying a
//! token. Whatever a report merely names (an address, a campaign) proves
//! nothing, because anyone can mail the bounce address.

use serde::Serialize;

use super::clues::{Clues, TokenOrigin};
use crate::store::{Store, StoreError};
use crate::token::{Keys, Recipient};

/// How a report was tied to a message of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Trace {
    /// The unsubscribe token of the returned message (or of a mailed request).
    Token,
    /// The returned message's Message-ID.
    MessageId,
    /// The VERP address the report was delivered to.
    Verp,
    /// A mailed request whose From the operator's own mail server
    /// authenticated (`--trust-authserv-id`).
    Authenticated,
    /// Nothing of ours.
    None,
}

impl Trace {
    /// The name in JSON output and the store.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Trace::Token => "token",
            Trace::MessageId => "message_id",
            Trace::Verp => "verp",
            Trace::Authenticated => "authenticated",
            Trace::None => "none",
        }
    }
}

/// A recipient of ours a report traces to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Traced {
    /// The campaign, list and address the message went to.
    pub recipient: Recipient,
    /// By what.
    pub via: Trace,
}

/// Every distinct recipient of ours the clues point at, most specific clue
/// first. Forged clues resolve to nothing: a token must verify, a
/// Message-ID must be one the store recorded.
pub(crate) fn trace(store: &Store, keys: &Keys, clues: &Clues) -> Result<Vec<Traced>, StoreError> {
    let mut traced: Vec<Traced> = Vec::new();
    let mut add = |recipient: Recipient, via: Trace| {
        if !traced.iter().any(|t| {
            t.recipient.campaign == recipient.campaign && t.recipient.email == recipient.email
        }) {
            traced.push(Traced { recipient, via });
        }
    };
    for (token, origin) in &clues.tokens {
        if let Some(id) = Keys::claimed_id(token)
            && let Some(recipient) = store.token_recipient(id)?
            && keys.verify(token, &recipient)
        {
            let via = match origin {
                TokenOrigin::Message => Trace::Token,
                TokenOrigin::Verp => Trace::Verp,
            };
            add(recipient, via);
        }
    }
    for message_id in &clues.message_ids {
        if let Some(recipient) = store.message_recipient(message_id)? {
            add(recipient, Trace::MessageId);
        }
    }
    Ok(traced)
}
