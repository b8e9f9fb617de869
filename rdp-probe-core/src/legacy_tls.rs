//! The legacy-TLS handshake ([`crate::LegacyTls`]): OpenSSL (vendored, crate feature `legacy-tls`),
//! configured as a client of the TLS 1.0 era would be — TLS 1.0 to 1.3, every suite OpenSSL has
//! (CBC, RSA key exchange, DHE, 3DES) at security level 0 — for the servers rustls cannot reach.
//!
//! What rustls does on the modern path, the legacy path does too: no session resumption or tickets
//! ([MS-CSSP] 3.1.5), the server's chain reported leaf first, and under
//! [`CertPolicy::RequireValid`] the chain is checked by the same verifier as the modern path's (webpki
//! against the system roots), after the handshake.

use std::pin::Pin;

use openssl::ssl::{SslConnector, SslMethod, SslOptions, SslVerifyMode, SslVersion};
use tokio_openssl::SslStream;

use crate::engine::{TlsEstablished, TlsHandshakeError};
use crate::options::CertPolicy;

/// Every suite OpenSSL knows, at security level 0 (which also re-enables TLS 1.0/1.1 and SHA-1
/// signatures under OpenSSL 3).
const CIPHER_LIST: &str = "ALL:@SECLEVEL=0";

/// `SSL_OP_LEGACY_SERVER_CONNECT` (OpenSSL `ssl.h`, bit 2): connect to servers without RFC 5746 secure
/// renegotiation, as OpenSSL did by default before 3.0 and old servers need. The `openssl` crate does
/// not name it.
const SSL_OP_LEGACY_SERVER_CONNECT: u64 = 1 << 2;

/// `SSL_AD_REASON_OFFSET`: OpenSSL reports a received alert as this plus the alert's description.
const ALERT_REASON_OFFSET: i32 = 1000;

/// The OpenSSL version the probe carries, for reports and `--version`.
pub fn version() -> &'static str {
    openssl::version::version()
}

/// Performs the handshake over `io` for `host`, bounded by the caller's timeout.
pub(crate) async fn handshake<S>(
    io: S,
    host: &str,
    policy: CertPolicy,
    ca_roots: &[Vec<u8>],
) -> Result<(SslStream<S>, TlsEstablished), TlsHandshakeError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let ssl = configure(host).map_err(|e| legacy_error(&e.to_string(), None))?;
    let mut stream = SslStream::new(ssl, io).map_err(|e| legacy_error(&e.to_string(), None))?;
    if let Err(e) = Pin::new(&mut stream).connect().await {
        return Err(classify(&e));
    }
    let ssl = stream.ssl();
    let version = ssl.version2().map_or(0, wire_version);
    let cipher_suite = ssl
        .current_cipher()
        .map_or(0, |c| u16::from_be_bytes(c.protocol_id()));
    let chain: Vec<Vec<u8>> = ssl
        .peer_cert_chain()
        .map(|chain| chain.iter().filter_map(|c| c.to_der().ok()).collect())
        .unwrap_or_default();
    crate::tls::verify_chain(policy, &chain, host, ca_roots)?;
    Ok((
        stream,
        TlsEstablished {
            version,
            cipher_suite,
            chain,
            chain_check: crate::engine::ChainCheck::NotChecked,
        },
    ))
}

fn configure(host: &str) -> Result<openssl::ssl::Ssl, openssl::error::ErrorStack> {
    let mut builder = SslConnector::builder(SslMethod::tls_client())?;
    builder.set_min_proto_version(Some(SslVersion::TLS1))?;
    builder.set_cipher_list(CIPHER_LIST)?;
    // [MS-CSSP] 3.1.5: "TLS session resumption is not supported"; no renegotiation either.
    builder.set_options(
        SslOptions::NO_TICKET
            | SslOptions::NO_COMPRESSION
            | SslOptions::NO_RENEGOTIATION
            | SslOptions::from_bits_retain(SSL_OP_LEGACY_SERVER_CONNECT),
    );
    // The certificate is judged after the handshake, as on the modern path.
    builder.set_verify(SslVerifyMode::NONE);
    let connector = builder.build();
    let mut config = connector.configure()?;
    config.set_verify_hostname(false);
    let is_name = host.parse::<std::net::IpAddr>().is_err();
    config.set_use_server_name_indication(is_name);
    config.into_ssl(host)
}

/// OpenSSL's version as its number on the wire (0 for one without a name).
fn wire_version(v: SslVersion) -> u16 {
    use rdp_probe_codes::tls_names;
    match v {
        SslVersion::SSL3 => tls_names::SSL_3_0,
        SslVersion::TLS1 => tls_names::TLS_1_0,
        SslVersion::TLS1_1 => tls_names::TLS_1_1,
        SslVersion::TLS1_2 => tls_names::TLS_1_2,
        SslVersion::TLS1_3 => tls_names::TLS_1_3,
        _ => 0,
    }
}

/// What a failed OpenSSL handshake means: a received alert, or OpenSSL's words.
fn classify(e: &openssl::ssl::Error) -> TlsHandshakeError {
    if let Some(stack) = e.ssl_error() {
        for err in stack.errors() {
            let alert = err.reason_code() - ALERT_REASON_OFFSET;
            if let Ok(alert) = u8::try_from(alert) {
                return TlsHandshakeError::Legacy {
                    message: stack.to_string(),
                    alert: Some(alert),
                };
            }
        }
        return legacy_error(&stack.to_string(), None);
    }
    match e.io_error() {
        Some(io) => TlsHandshakeError::Io(crate::tls::os_failure(io)),
        // SSL_ERROR_SYSCALL with no error: the peer closed.
        None => TlsHandshakeError::Io(crate::engine::IoFailure::Closed),
    }
}

fn legacy_error(message: &str, alert: Option<u8>) -> TlsHandshakeError {
    TlsHandshakeError::Legacy {
        message: message.to_owned(),
        alert,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_their_wire_numbers() {
        assert_eq!(wire_version(SslVersion::TLS1), 0x0301);
        assert_eq!(wire_version(SslVersion::TLS1_1), 0x0302);
        assert_eq!(wire_version(SslVersion::TLS1_2), 0x0303);
        assert_eq!(wire_version(SslVersion::TLS1_3), 0x0304);
    }

    /// A self-signed RSA certificate and key for `localhost`, made with OpenSSL.
    fn self_signed() -> (
        openssl::x509::X509,
        openssl::pkey::PKey<openssl::pkey::Private>,
    ) {
        use openssl::{asn1::Asn1Time, bn::BigNum, hash::MessageDigest, pkey::PKey, rsa::Rsa};
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "localhost").unwrap();
        let name = name.build();
        let mut cert = openssl::x509::X509Builder::new().unwrap();
        cert.set_version(2).unwrap();
        cert.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
            .unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        cert.sign(&key, MessageDigest::sha256()).unwrap();
        (cert.build(), key)
    }

    /// A server that speaks only `version` with only `ciphers` (OpenSSL names), on loopback.
    async fn legacy_server(
        version: SslVersion,
        ciphers: &str,
    ) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
        use openssl::ssl::SslAcceptor;
        let (cert, key) = self_signed();
        let mut acceptor = SslAcceptor::mozilla_intermediate(SslMethod::tls_server()).unwrap();
        acceptor.set_min_proto_version(Some(version)).unwrap();
        acceptor.set_max_proto_version(Some(version)).unwrap();
        acceptor
            .set_cipher_list(&format!("{ciphers}:@SECLEVEL=0"))
            .unwrap();
        acceptor.set_certificate(&cert).unwrap();
        acceptor.set_private_key(&key).unwrap();
        let acceptor = acceptor.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let ssl = openssl::ssl::Ssl::new(acceptor.context()).unwrap();
            let mut stream = SslStream::new(ssl, tcp).unwrap();
            let _ = Pin::new(&mut stream).accept().await;
        });
        (addr, task)
    }

    #[tokio::test]
    async fn reaches_a_tls_1_0_server_with_rsa_key_exchange_and_cbc() {
        let (addr, server) = legacy_server(SslVersion::TLS1, "AES128-SHA").await;
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (_, established) = handshake(tcp, "localhost", CertPolicy::AcceptAny, &[])
            .await
            .unwrap();
        // TLS_RSA_WITH_AES_128_CBC_SHA.
        assert_eq!(
            (established.version, established.cipher_suite),
            (0x0301, 0x002F)
        );
        assert_eq!(established.chain.len(), 1);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn reaches_a_tls_1_2_server_with_only_cbc_suites() {
        let (addr, server) = legacy_server(SslVersion::TLS1_2, "AES256-SHA").await;
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (_, established) = handshake(tcp, "localhost", CertPolicy::AcceptAny, &[])
            .await
            .unwrap();
        // TLS_RSA_WITH_AES_256_CBC_SHA.
        assert_eq!(
            (established.version, established.cipher_suite),
            (0x0303, 0x0035)
        );
        server.await.unwrap();
    }

    #[tokio::test]
    async fn a_self_signed_certificate_fails_under_require_valid() {
        let (addr, server) = legacy_server(SslVersion::TLS1, "AES128-SHA").await;
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let error = handshake(tcp, "localhost", CertPolicy::RequireValid, &[])
            .await
            .err()
            .unwrap();
        assert!(
            matches!(
                error,
                TlsHandshakeError::Rustls(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer
                )) | TlsHandshakeError::Verifier(_)
            ),
            "{error:?}"
        );
        server.abort();
    }
}
