//! The one TLS client set-up every connection of ours uses (SMTP with
//! implicit TLS, IMAP over TLS): rustls with the aws-lc provider, the
//! platform's verifier, and an optional extra root (a private CA).

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// A client configuration that trusts the platform's roots and the
/// certificates in `extra_roots_pem`.
pub(crate) fn client_config(
    extra_roots_pem: Option<&[u8]>,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let extra_roots = match extra_roots_pem {
        Some(pem) => CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|e| e.to_string())?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}
