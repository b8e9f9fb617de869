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

use crate::engine::IoFailure;
use crate::failure::{CertificateProblem, FailureKind, NetworkErrorKind, TlsFailure};
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

/// The client configuration for `policy`.
pub(crate) fn client_config(policy: CertPolicy) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let verifier: Arc<dyn ServerCertVerifier> = match policy {
        CertPolicy::RequireValid => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            Arc::new(RequireValid(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(|e| e.to_string())?,
            ))
        }
        _ => Arc::new(AcceptAny(provider.signature_verification_algorithms)),
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // [MS-CSSP] 3.1.5: "TLS session resumption is not supported".
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(config))
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
            other => IoFailure::Tls(other.to_string()),
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

/// What a failed handshake means: a certificate refusal, a TLS version the server lacks, an alert, or a
/// network failure. `legacy_version` is the server's answer to a legacy ClientHello, when that was tried.
pub(crate) fn handshake_failure(e: &io::Error) -> FailureKind {
    match rustls_error(e) {
        Some(TlsError::InvalidCertificate(c)) => FailureKind::Certificate(
            match c {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    CertificateProblem::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    CertificateProblem::NotYetValid
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    CertificateProblem::NameMismatch
                }
                CertificateError::UnknownIssuer => CertificateProblem::Untrusted,
                CertificateError::BadEncoding | CertificateError::BadSignature => {
                    CertificateProblem::Invalid
                }
                CertificateError::Revoked => CertificateProblem::Revoked,
                _ => CertificateProblem::Other,
            },
            certificate_error_text(c),
        ),
        Some(TlsError::PeerIncompatible(_)) => {
            FailureKind::Tls(TlsFailure::Version { server_version: 0 })
        }
        Some(TlsError::AlertReceived(a)) => FailureKind::Tls(TlsFailure::Alert(u8::from(*a))),
        Some(other) => FailureKind::Tls(TlsFailure::Other(other.to_string())),
        None => match os_failure(e) {
            IoFailure::Closed => FailureKind::Network(crate::failure::NetworkError {
                kind: NetworkErrorKind::Closed,
                os_error: None,
                message: "the server closed the connection during the TLS handshake".into(),
            }),
            other => FailureKind::from(other),
        },
    }
}

/// What the verifier said, including the webpki error rustls wraps as `Other`.
fn certificate_error_text(c: &CertificateError) -> String {
    match c {
        CertificateError::Other(other) => other.0.to_string(),
        c => format!("{c:?}"),
    }
}

/// Whether a handshake failure suggests the server only speaks TLS older than 1.2 (worth confirming with a
/// legacy ClientHello): rustls' own verdict, a protocol_version (70) or handshake_failure (40) alert, or
/// a reset/close during the handshake.
pub(crate) fn suggests_legacy_tls(kind: &FailureKind) -> bool {
    matches!(
        kind,
        FailureKind::Tls(TlsFailure::Version { .. } | TlsFailure::Alert(40 | 70))
            | FailureKind::Network(crate::failure::NetworkError {
                kind: NetworkErrorKind::Reset | NetworkErrorKind::Closed,
                ..
            })
    )
}
