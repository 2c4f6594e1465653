//! Composing: an eligible row becomes the exact bytes its recipient receives.
//! The recipient's identity (unsubscribe token, Message-ID) comes from the
//! store's keys, the message from the renderer, the signature from the signer.
//! Preview files, dry runs and delivery all go through here, so what a preview
//! shows is what a send sends.

use std::sync::Arc;

use crate::address::Address;
use crate::config::Campaign;
use crate::config::sender_rules;
use crate::render::{Identity, RenderError, Renderer, Templates};
use crate::sign::{SignError, Signer};
use crate::token::{Issued, Keys, Recipient as TokenRecipient};

/// A message that cannot be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A template or the message itself.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The DKIM key or signature.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The message is larger than the recipient's carrier accepts.
    #[error(
        "{path} line {line}: the message for {address} is {size}; {domain} accepts at most {limit}: \
         make the attachments smaller or link to them (limits.max_message_size sets a domain's limit)",
        path = recipients.display(),
        size = sender_rules::human_size(*size),
        limit = sender_rules::human_size(*limit)
    )]
    TooLarge {
        recipients: std::path::PathBuf,
        line: u64,
        address: String,
        domain: String,
        size: u64,
        limit: u64,
    },
}

/// Room for the DKIM-Signature header a message gets after the size check.
const SIGNATURE_ALLOWANCE: u64 = 1_000;

/// One composed message.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The unsubscribe token as the store must record it.
    pub token: Issued,
    /// The recipient's unsubscribe token (its URL's last segment).
    pub unsubscribe_token: String,
    /// The Message-ID without angle brackets.
    pub message_id: String,
    /// The message as it goes on the wire (signed when DKIM is configured).
    pub bytes: Vec<u8>,
}

/// Composes the messages of one campaign.
pub struct Composer {
    renderer: Renderer,
    signer: Option<Signer>,
    keys: Keys,
    campaign: Arc<str>,
    list: Arc<str>,
    message_id_domain: String,
    recipients_path: std::path::PathBuf,
    size_limits: Vec<(String, u64)>,
}

impl Composer {
    /// Prepares templates, attachments and the DKIM key.
    pub fn new(
        campaign: &Campaign,
        headers: &[String],
        keys: Keys,
    ) -> Result<Composer, ComposeError> {
        Composer::build(campaign, headers, keys, true)
    }

    /// As [`Composer::new`], without loading the DKIM key: for checks of the
    /// messages that never leave (a plain `preview` needs no key access).
    pub(crate) fn unsigned(
        campaign: &Campaign,
        headers: &[String],
        keys: Keys,
    ) -> Result<Composer, ComposeError> {
        Composer::build(campaign, headers, keys, false)
    }

    fn build(
        campaign: &Campaign,
        headers: &[String],
        keys: Keys,
        signed: bool,
    ) -> Result<Composer, ComposeError> {
        let renderer = Renderer::new(campaign, headers)?;
        let signer = campaign
            .dkim
            .as_ref()
            .filter(|_| signed)
            .map(|dkim| Signer::load(dkim, &renderer.header_names()))
            .transpose()?;
        Ok(Composer {
            renderer,
            signer,
            keys,
            campaign: campaign.id.as_str().into(),
            list: campaign.list.as_str().into(),
            message_id_domain: campaign.sender.from.address.domain().to_owned(),
            recipients_path: campaign.recipients.path.clone(),
            size_limits: campaign.limits.max_message_size.clone(),
        })
    }

    /// What the law requires a reader to see in the message whose
    /// unsubscribe token is `token`: (what, its text).
    pub(crate) fn legal_items(&self, token: &str) -> Vec<(&'static str, String)> {
        self.renderer.legal_items(token)
    }

    /// The signer, when DKIM is configured.
    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// A session for composing many messages: the templates are looked up
    /// once for all of them.
    pub fn session(&self) -> Result<Session<'_>, ComposeError> {
        Ok(Session {
            composer: self,
            templates: self.renderer.templates()?,
        })
    }

    /// The message of the row on `line`, signed, for a test send to
    /// `test_to` alone: `[TEST]` before the subject, and the unsubscribe token
    /// and Message-ID of the test address, so that unsubscribing from a test
    /// message can never opt out the real recipient.
    pub(crate) fn compose_test(
        &self,
        line: u64,
        address: &Address,
        fields: &[String],
        date: i64,
        test_to: &Address,
    ) -> Result<Composed, ComposeError> {
        let session = self.session()?;
        session.sign(session.build(line, address, fields, date, Some(test_to))?)
    }
}

/// Composes many messages of one campaign (see [`Composer::session`]).
pub struct Session<'c> {
    composer: &'c Composer,
    templates: Templates<'c>,
}

impl Session<'_> {
    /// Renders and signs the message for the row on `line` whose address is
    /// `address`, dated `date` (unix seconds).
    pub fn compose(
        &self,
        line: u64,
        address: &Address,
        fields: &[String],
        date: i64,
    ) -> Result<Composed, ComposeError> {
        self.sign(self.build(line, address, fields, date, None)?)
    }

    /// Renders the message without signing it, for checks that must cover
    /// every row without paying for a signature each.
    pub fn compose_unsigned(
        &self,
        line: u64,
        address: &Address,
        fields: &[String],
        date: i64,
    ) -> Result<Composed, ComposeError> {
        self.build(line, address, fields, date, None)
    }

    /// Signs a built message when DKIM is configured.
    fn sign(&self, mut composed: Composed) -> Result<Composed, ComposeError> {
        if let Some(signer) = &self.composer.signer {
            composed.bytes = signer.sign(&composed.bytes)?;
        }
        Ok(composed)
    }

    fn build(
        &self,
        line: u64,
        address: &Address,
        fields: &[String],
        date: i64,
        test_to: Option<&Address>,
    ) -> Result<Composed, ComposeError> {
        let key = test_to.unwrap_or(address).key();
        let recipient = TokenRecipient {
            campaign: self.composer.campaign.clone(),
            list: self.composer.list.clone(),
            email: key,
        };
        let (token_id, token) = self.composer.keys.token(&recipient);
        // A test message is a message of its own: never the real one's ID.
        let test_scope;
        let id_scope = match test_to {
            Some(_) => {
                test_scope = format!("{}-test-{date}", self.composer.campaign);
                &test_scope
            }
            None => &*self.composer.campaign,
        };
        let names = self.composer.keys.message_names(id_scope, &recipient.email);
        let message_id = [
            names.id_local.as_str(),
            "@",
            &self.composer.message_id_domain,
        ]
        .concat();
        let identity = Identity {
            token: &token,
            message_id: &message_id,
            boundary: &names.boundary,
            date,
            test_to,
        };
        let rendered = self.templates.render(
            crate::render::Recipient {
                line,
                address,
                fields,
            },
            &identity,
        )?;
        // Address keeps its domain in lower-case ASCII already.
        let domain = test_to.unwrap_or(address).domain();
        if let Some(limit) = sender_rules::size_limit_for(domain, &self.composer.size_limits) {
            let size = rendered.bytes.len() as u64 + SIGNATURE_ALLOWANCE;
            if size > limit {
                return Err(ComposeError::TooLarge {
                    recipients: self.composer.recipients_path.clone(),
                    line,
                    address: test_to.unwrap_or(address).to_string(),
                    domain: domain.to_owned(),
                    size,
                    limit,
                });
            }
        }
        Ok(Composed {
            token: Issued {
                id: token_id,
                recipient,
                message_id: message_id.clone(),
            },
            unsubscribe_token: token,
            message_id,
            bytes: rendered.bytes,
        })
    }
}
