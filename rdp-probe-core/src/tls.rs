//! TLS configuration for the upgrade (rustls, session resumption disabled as CredSSP requires) and the
//! classification of TLS errors.

use std::io;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError, SignatureScheme,
};

use crate::engine::{IoFailure, TlsHandshakeError};
use crate::failure::Foreign;
use crate::failure::NetworkErrorKind;
use crate::options::CertPolicy;

/// Accepts any certificate (it is recorded and judged in the report instead), but still checks the
/// handshake signatures so the session is bound to the key the server presented.
#[derive(Debug)]
struct AcceptAny(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// [`CertPolicy::RequireValid`]: webpki's verdict against the system roots, except that a
/// self-signed certificate that no root vouches for is reported as `UnknownIssuer` (untrusted)
/// whatever else webpki tripped over first (a root with the same subject name but another key
/// type, or the CA flag on the certificate), unless the finding is more specific (expired, not yet
/// valid, wrong name, revoked).
#[derive(Debug)]
struct RequireValid(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for RequireValid {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let verdict =
            self.0
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        match verdict {
            Err(TlsError::InvalidCertificate(c))
                if !is_specific(&c) && crate::cert::is_self_signed(end_entity) =>
            {
                Err(TlsError::InvalidCertificate(
                    CertificateError::UnknownIssuer,
                ))
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Certificate findings that say more than "untrusted".
fn is_specific(c: &CertificateError) -> bool {
    matches!(
        c,
        CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. }
            | CertificateError::NotValidForName
            | CertificateError::NotValidForNameContext { .. }
            | CertificateError::Revoked
    )
}

/// The certificate verifier for `policy`.
fn verifier(
    policy: CertPolicy,
    provider: &Arc<rustls::crypto::CryptoProvider>,
    ca_roots: &[Vec<u8>],
) -> Result<Arc<dyn ServerCertVerifier>, TlsHandshakeError> {
    Ok(match policy {
        CertPolicy::RequireValid => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            for der in ca_roots {
                let _ = roots.add(CertificateDer::from(der.clone()));
            }
            Arc::new(RequireValid(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
                    .build()
                    .map_err(|e| TlsHandshakeError::Verifier(Foreign::new(e)))?,
            ))
        }
        _ => Arc::new(AcceptAny(provider.signature_verification_algorithms)),
    })
}

/// The client configuration for `policy`.
pub(crate) fn client_config(
    policy: CertPolicy,
    ca_roots: &[Vec<u8>],
) -> Result<Arc<ClientConfig>, TlsHandshakeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(TlsHandshakeError::Rustls)?;
    let verifier = verifier(policy, &provider, ca_roots)?;
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // [MS-CSSP] 3.1.5: "TLS session resumption is not supported".
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(config))
}

/// Judges a chain as the modern handshake does under [`CertPolicy::RequireValid`]: the same verifier,
/// against the system roots and `ca_roots`. Under [`CertPolicy::AcceptAny`] every chain passes. For the
/// legacy stack's handshake ([`crate::LegacyTls`]) and for the credential trust decision
/// ([`crate::Trust`]).
pub(crate) fn verify_chain(
    policy: CertPolicy,
    chain: &[Vec<u8>],
    host: &str,
    ca_roots: &[Vec<u8>],
) -> Result<(), TlsHandshakeError> {
    if policy != CertPolicy::RequireValid {
        return Ok(());
    }
    let Some((leaf, intermediates)) = chain.split_first() else {
        return Err(TlsHandshakeError::Rustls(TlsError::NoCertificatesPresented));
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = verifier(policy, &provider, ca_roots)?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    verifier
        .verify_server_cert(
            &CertificateDer::from(leaf.as_slice()),
            &intermediates,
            &server_name(host),
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
        .map_err(TlsHandshakeError::Rustls)
}

/// The name the server's certificate is checked against: the target's host, or (for an address that
/// rustls cannot name) the unspecified address, which no certificate matches.
pub(crate) fn server_name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.to_owned())
        .unwrap_or_else(|_| ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into()))
}

/// What the trust decision needs to know of the chain ([`crate::Trust`]): checked only when there
/// are credentials to protect and no `--trust-cert any` makes the answer moot.
pub(crate) fn chain_check(
    options: &crate::ProbeOptions,
    chain: &[Vec<u8>],
    host: &str,
) -> crate::engine::ChainCheck {
    use crate::engine::ChainCheck;
    if options.credentials.is_none() || options.trust.any {
        return ChainCheck::NotChecked;
    }
    match verify_chain(
        CertPolicy::RequireValid,
        chain,
        host,
        &options.trust.ca_roots,
    ) {
        Ok(()) => ChainCheck::Valid,
        Err(TlsHandshakeError::Rustls(e)) => ChainCheck::Invalid(e.to_string()),
        Err(e) => ChainCheck::Invalid(format!("{e:?}")),
    }
}

/// The rustls error inside an I/O error, if any.
pub(crate) fn rustls_error(e: &io::Error) -> Option<&TlsError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
}

/// Classifies an I/O error from a TLS stream (handshake or later).
pub(crate) fn io_failure(e: &io::Error) -> IoFailure {
    if let Some(t) = rustls_error(e) {
        return match t {
            TlsError::AlertReceived(a) => IoFailure::TlsAlert(u8::from(*a)),
            other => IoFailure::Tls(other.clone()),
        };
    }
    os_failure(e)
}

/// Classifies an OS-level I/O error.
pub(crate) fn os_failure(e: &io::Error) -> IoFailure {
    let kind = match e.kind() {
        io::ErrorKind::ConnectionRefused => NetworkErrorKind::Refused,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => NetworkErrorKind::Reset,
        io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::AddrNotAvailable => NetworkErrorKind::Unreachable,
        io::ErrorKind::UnexpectedEof => return IoFailure::Closed,
        _ => NetworkErrorKind::Other,
    };
    IoFailure::Os {
        kind,
        os_error: e.raw_os_error(),
        message: e.to_string(),
    }
}

/// Fills `bytes` from the crypto provider's secure random generator.
pub(crate) fn fill_random(bytes: &mut [u8]) -> Result<(), TlsError> {
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(bytes)
        .map_err(|_| TlsError::FailedToGetRandomBytes)
}
