//! DKIM signing with mail-auth: RSA-SHA256 (PKCS#1 or PKCS#8 PEM) or
//! Ed25519-SHA256 (PKCS#8 PEM), relaxed/relaxed, no `l=`, and `From` listed
//! twice in `h=` so that a second From added in transit breaks the signature.
//!
//! mail-auth signs through aws-lc-rs, which takes RSA keys of 2048 to 8192
//! bits; smaller keys are refused as a configuration error (RFC 8301 forbids
//! under 1024 bits, and 1024-bit keys are no longer safe either).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization, DkimSigner, Done};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

use crate::config::Dkim;

/// A key or signature problem.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The key file cannot be used.
    #[error("{}: cannot use the DKIM key: {message}", path.display())]
    Key { path: PathBuf, message: String },
    /// Signing failed.
    #[error("DKIM signing failed: {0}")]
    Sign(String),
}

enum Key {
    Rsa(Box<DkimSigner<RsaKey<Sha256>, Done>>),
    Ed25519(Box<DkimSigner<Ed25519Key, Done>>),
}

/// Signs messages for one campaign.
pub struct Signer {
    key: Key,
    domain: String,
    selector: String,
    public_key: Vec<u8>,
}

impl Signer {
    /// Loads the key of `[dkim]` and prepares to sign `headers` (From is
    /// over-signed whatever the list says).
    pub(crate) fn load(dkim: &Dkim, headers: &[&str]) -> Result<Signer, SignError> {
        let pem = std::fs::read(&dkim.private_key)
            .map_err(|e| key_error(&dkim.private_key, e.to_string()))?;
        let der = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
            key_error(
                &dkim.private_key,
                format!("not a PEM private key ({e}); expected RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8)"),
            )
        })?;
        let mut signed: Vec<String> = vec!["From".into()];
        signed.extend(headers.iter().map(|h| (*h).to_owned()));
        let (domain, selector) = (dkim.domain.clone(), dkim.selector.clone());

        let (key, public_key) =
            match &der {
                PrivateKeyDer::Pkcs1(_) | PrivateKeyDer::Pkcs8(_) => {
                    match RsaKey::<Sha256>::from_key_der(der.clone_key()) {
                        Ok(rsa) => {
                            let public_key = spki_from_pkcs1(&rsa.public_key());
                            let signer = configure(rsa, &domain, &selector, signed);
                            (Key::Rsa(Box::new(signer)), public_key)
                        }
                        Err(rsa_error) => {
                            let PrivateKeyDer::Pkcs8(pkcs8) = &der else {
                                return Err(key_error(
                                    &dkim.private_key,
                                    rsa_refusal(&rsa_error.to_string()),
                                ));
                            };
                            let ed = Ed25519Key::from_pkcs8_maybe_unchecked_der(
                                pkcs8.secret_pkcs8_der(),
                            )
                            .map_err(|_| {
                                key_error(&dkim.private_key, rsa_refusal(&rsa_error.to_string()))
                            })?;
                            let public_key = ed.public_key();
                            let signer = configure(ed, &domain, &selector, signed);
                            (Key::Ed25519(Box::new(signer)), public_key)
                        }
                    }
                }
                _ => {
                    return Err(key_error(
                        &dkim.private_key,
                        "an EC key: DKIM signs with RSA or Ed25519 only".into(),
                    ));
                }
            };
        Ok(Signer {
            key,
            domain,
            selector,
            public_key,
        })
    }

    /// Returns `message` with a `DKIM-Signature` header in front.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let signature = match &self.key {
            Key::Rsa(signer) => signer.sign(message),
            Key::Ed25519(signer) => signer.sign(message),
        }
        .map_err(|e| SignError::Sign(e.to_string()))?;
        let header = signature.to_header();
        let mut signed = Vec::with_capacity(header.len() + message.len());
        signed.extend_from_slice(header.as_bytes());
        signed.extend_from_slice(message);
        Ok(signed)
    }

    /// The DNS name of the key record: `selector._domainkey.domain`.
    pub(crate) fn dns_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }

    /// The TXT record to publish at [`Signer::dns_name`].
    pub(crate) fn dns_record(&self) -> String {
        let kind = match self.key {
            Key::Rsa(_) => "rsa",
            Key::Ed25519(_) => "ed25519",
        };
        format!("v=DKIM1; k={kind}; p={}", STANDARD.encode(&self.public_key))
    }

    /// Whether a published `p=` value (base64, spaces allowed) is this key.
    pub(crate) fn matches_published_key(&self, published: &str) -> bool {
        let compact: String = published.chars().filter(|c| !c.is_whitespace()).collect();
        STANDARD.decode(compact).is_ok_and(|bytes| {
            bytes == self.public_key || spki_from_pkcs1(&bytes) == self.public_key
        })
    }
}

/// A signer for `key`: relaxed/relaxed, no body length, `headers` in `h=`.
fn configure<K: SigningKey>(
    key: K,
    domain: &str,
    selector: &str,
    headers: Vec<String>,
) -> DkimSigner<K, Done> {
    DkimSigner::from_key(key)
        .domain(domain)
        .selector(selector)
        .headers(headers)
        .header_canonicalization(Canonicalization::Relaxed)
        .body_canonicalization(Canonicalization::Relaxed)
}

fn key_error(path: &Path, message: String) -> SignError {
    SignError::Key {
        path: path.to_owned(),
        message,
    }
}

fn rsa_refusal(detail: &str) -> String {
    format!(
        "{detail}; hikyaku signs with RSA keys of 2048 to 8192 bits or with Ed25519 \
         (generate one with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)"
    )
}

/// Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo, the form DKIM
/// records publish (RFC 6376 §3.6.1). Anything else is returned unchanged.
fn spki_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    if pkcs1.first() != Some(&0x30) {
        return pkcs1.to_vec();
    }
    // AlgorithmIdentifier: rsaEncryption with NULL parameters.
    const ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = vec![0x00];
    bit_string.extend_from_slice(pkcs1);
    let mut body = ALGORITHM.to_vec();
    body.push(0x03);
    push_der_len(&mut body, bit_string.len());
    body.extend_from_slice(&bit_string);
    let mut spki = vec![0x30];
    push_der_len(&mut spki, body.len());
    spki.extend_from_slice(&body);
    spki
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}
