//! Per-recipient identifiers derived from a secret kept in the store: the
//! unsubscribe token and the Message-ID.
//!
//! A token is `base64url(id ‖ mac)`: `id` is 8 bytes derived from the
//! recipient, `mac` the first 16 bytes of HMAC-SHA256 over the id, campaign,
//! list and address. It carries no address in any encoding; the endpoint looks
//! the id up in the store (see `store::unsubscribe`) and recomputes the MAC, so
//! a token cannot be forged or altered without the secret. Both values are pure
//! functions of the secret and the recipient: rendering the same recipient
//! twice gives the same bytes, and a retry carries the same Message-ID.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use data_encoding::HEXLOWER;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Length of the secret in bytes.
pub(crate) const SECRET_LEN: usize = 32;
const ID_LEN: usize = 8;
const MAC_LEN: usize = 16;
const TOKEN_MAC_PURPOSE: &[u8] = b"hikyaku/unsubscribe-mac/v1";
/// Characters in a token: base64 of 24 bytes.
pub(crate) const TOKEN_LEN: usize = 32;

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The campaign id (shared: every message of a campaign carries it).
    pub campaign: Arc<str>,
    /// The list (shared likewise).
    pub list: Arc<str>,
    /// The address key.
    pub email: String,
}

/// A token as issued in one message: what the store records so that the
/// unsubscribe endpoint and `ingest` can find the recipient again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The token's store id ([`Keys::token_id`]).
    pub id: i64,
    /// Whom it stands for.
    pub recipient: Recipient,
    /// The Message-ID of the message that carries it (without brackets).
    pub message_id: String,
}

/// The keyed functions of one store's secret.
#[derive(Clone)]
pub struct Keys {
    /// HMAC already keyed with the secret: cloning it skips hashing the key
    /// pads again for every recipient.
    keyed: Hmac<Sha256>,
}

impl Keys {
    /// Keys from the store's secret.
    pub fn new(secret: [u8; SECRET_LEN]) -> Keys {
        Keys {
            keyed: <Hmac<Sha256>>::new_from_slice(&secret).expect("HMAC takes any key length"),
        }
    }

    fn keyed(&self, purpose: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(purpose);
        for part in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    fn mac(&self, purpose: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        self.keyed(purpose, parts).finalize().into_bytes().into()
    }

    /// The MAC of a token: over the id and the recipient, so neither can change.
    fn token_mac_tag(&self, id: i64, recipient: &Recipient) -> Hmac<Sha256> {
        let id = id.to_be_bytes();
        self.keyed(
            TOKEN_MAC_PURPOSE,
            &[
                &id,
                recipient.campaign.as_bytes(),
                recipient.list.as_bytes(),
                recipient.email.as_bytes(),
            ],
        )
    }

    /// The store id of a recipient's token: 63 bits, so it fits SQLite's INTEGER.
    pub(crate) fn token_id(&self, recipient: &Recipient) -> i64 {
        let digest = self.mac(
            b"hikyaku/unsubscribe-id/v1",
            &[
                recipient.campaign.as_bytes(),
                recipient.list.as_bytes(),
                recipient.email.as_bytes(),
            ],
        );
        let mut id = [0; ID_LEN];
        id.copy_from_slice(&digest[..ID_LEN]);
        (u64::from_be_bytes(id) >> 1) as i64
    }

    fn token_mac(&self, id: i64, recipient: &Recipient) -> [u8; MAC_LEN] {
        let digest: [u8; 32] = self
            .token_mac_tag(id, recipient)
            .finalize()
            .into_bytes()
            .into();
        let mut mac = [0; MAC_LEN];
        mac.copy_from_slice(&digest[..MAC_LEN]);
        mac
    }

    /// The recipient's unsubscribe token and its store id.
    pub fn token(&self, recipient: &Recipient) -> (i64, String) {
        let id = self.token_id(recipient);
        let mut bytes = [0; ID_LEN + MAC_LEN];
        bytes[..ID_LEN].copy_from_slice(&id.to_be_bytes());
        bytes[ID_LEN..].copy_from_slice(&self.token_mac(id, recipient));
        (id, URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The id a token claims, if it has the shape of one. Say nothing more
    /// until [`Keys::verify`] has checked it.
    pub fn claimed_id(token: &str) -> Option<i64> {
        if token.len() != TOKEN_LEN {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let id = i64::from_be_bytes(bytes.get(..ID_LEN)?.try_into().ok()?);
        (id >= 0).then_some(id)
    }

    /// Whether `token` was minted by these keys for `recipient` (constant time).
    pub fn verify(&self, token: &str, recipient: &Recipient) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        if bytes.len() != ID_LEN + MAC_LEN {
            return false;
        }
        let id = self.token_id(recipient);
        // The verifying API compares in constant time.
        bytes[..ID_LEN] == id.to_be_bytes()
            && self
                .token_mac_tag(id, recipient)
                .verify_truncated_left(&bytes[ID_LEN..])
                .is_ok()
    }

    /// The names of one message: the left part of its Message-ID,
    /// `campaign.hash`, stable across retries and revealing no address; and
    /// its MIME boundary, from the same MAC.
    pub(crate) fn message_names(&self, campaign: &str, email: &str) -> MessageNames {
        let digest = self.mac(
            b"hikyaku/message-id/v1",
            &[campaign.as_bytes(), email.as_bytes()],
        );
        let mut id_local = String::with_capacity(campaign.len() + 25);
        id_local.push_str(campaign);
        id_local.push('.');
        HEXLOWER.encode_append(&digest[..12], &mut id_local);
        // "=_" can occur in neither base64 nor quoted-printable text, and the
        // rest comes from MAC bytes that nothing shows, so no CSV value can
        // hold the boundary: it cannot be known before the message exists.
        let mut boundary = String::with_capacity(2 + 32);
        boundary.push_str("=_");
        HEXLOWER.encode_append(&digest[12..28], &mut boundary);
        MessageNames { id_local, boundary }
    }
}

/// The names [`Keys::message_names`] gives one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MessageNames {
    /// The Message-ID's left part.
    pub id_local: String,
    /// A MIME boundary for the message: the same for every rendering of it.
    pub boundary: String,
}

/// A fresh random secret.
pub(crate) fn new_secret() -> Result<[u8; SECRET_LEN], getrandom::Error> {
    let mut secret = [0; SECRET_LEN];
    getrandom::fill(&mut secret)?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient(email: &str) -> Recipient {
        Recipient {
            campaign: "c1".into(),
            list: "newsletter".into(),
            email: email.into(),
        }
    }

    #[test]
    fn tokens_verify_only_for_their_recipient_and_secret() {
        let keys = Keys::new([7; SECRET_LEN]);
        let taro = recipient("taro@example.jp");
        let (id, token) = keys.token(&taro);
        assert_eq!(token.len(), TOKEN_LEN);
        assert_eq!(Keys::claimed_id(&token), Some(id));
        assert!(keys.verify(&token, &taro));
        assert!(!keys.verify(&token, &recipient("hanako@example.jp")));
        assert!(!Keys::new([8; SECRET_LEN]).verify(&token, &taro));
        assert_eq!(keys.token(&taro), (id, token.clone()), "stable");

        // Any altered character breaks it.
        for i in 0..token.len() {
            let mut altered: Vec<char> = token.chars().collect();
            altered[i] = if altered[i] == 'A' { 'B' } else { 'A' };
            let altered: String = altered.into_iter().collect();
            assert!(!keys.verify(&altered, &taro), "position {i}");
        }
        assert!(!keys.verify(&token[..TOKEN_LEN - 1], &taro));
        assert_eq!(Keys::claimed_id("short"), None);
    }

    #[test]
    fn tokens_and_message_ids_reveal_no_address() {
        let keys = Keys::new([1; SECRET_LEN]);
        let (_, token) = keys.token(&recipient("taro@example.jp"));
        let message_id = keys.message_names("c1", "taro@example.jp").id_local;
        for text in [&token, &message_id] {
            let lower = text.to_ascii_lowercase();
            assert!(
                !lower.contains("taro") && !lower.contains("example"),
                "{text}"
            );
            assert!(
                !lower
                    .contains(&URL_SAFE_NO_PAD.encode("taro@example.jp")[..8].to_ascii_lowercase())
            );
        }
        assert_ne!(
            message_id,
            keys.message_names("c1", "hanako@example.jp").id_local
        );
        assert_ne!(
            message_id,
            keys.message_names("c2", "taro@example.jp").id_local
        );
    }

    #[test]
    fn a_boundary_is_stable_and_shows_nothing_of_the_message_id() {
        let keys = Keys::new([1; SECRET_LEN]);
        let names = keys.message_names("c1", "taro@example.jp");
        assert_eq!(names, keys.message_names("c1", "taro@example.jp"));
        let hex = names.boundary.strip_prefix("=_").unwrap();
        assert_eq!(hex.len(), 32);
        let id_hex = names.id_local.strip_prefix("c1.").unwrap();
        assert!(!hex.contains(&id_hex[..8]) && !id_hex.contains(&hex[..8]));
        assert_ne!(
            names.boundary,
            keys.message_names("c1", "hanako@example.jp").boundary
        );
    }

    #[test]
    fn message_ids_keep_their_form_across_versions() {
        // A retry after an upgrade must carry the same Message-ID.
        let keys = Keys::new([1; SECRET_LEN]);
        let digest = keys.mac(
            b"hikyaku/message-id/v1",
            &[b"c1".as_slice(), b"taro@example.jp".as_slice()],
        );
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            keys.message_names("c1", "taro@example.jp").id_local,
            format!("c1.{hex}")
        );
    }
}
