//! The TLS server side of the scripted server's TLS scenarios (and of the acceptor server): one
//! self-signed certificate for `localhost` and `127.0.0.1` (made once per process with `rcgen`), one
//! rustls configuration.

use std::io;
use std::sync::{Arc, OnceLock};

use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The rustls configuration and the certificate's public key, made once per process.
struct Identity {
    config: Arc<ServerConfig>,
    /// The `subjectPublicKey` BIT STRING contents of the certificate (what CredSSP binds to).
    public_key: Vec<u8>,
    /// The certificate, DER.
    der: Vec<u8>,
}

static CONFIG: OnceLock<Result<Identity, String>> = OnceLock::new();

fn identity() -> io::Result<&'static Identity> {
    CONFIG
        .get_or_init(make_config)
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

/// A TLS acceptor presenting a self-signed RSA certificate for `localhost` and `127.0.0.1`.
pub(crate) fn acceptor() -> io::Result<TlsAcceptor> {
    identity().map(|id| TlsAcceptor::from(Arc::clone(&id.config)))
}

/// The certificate's SubjectPublicKey (the contents of the `subjectPublicKey` BIT STRING of its
/// SubjectPublicKeyInfo): the key a CredSSP server binds the TLS channel to ([MS-CSSP] 3.1.5).
pub(crate) fn public_key() -> io::Result<Vec<u8>> {
    identity().map(|id| id.public_key.clone())
}

/// The SHA-256 of the certificate the scripted and acceptor servers present: what a probe with the
/// lab's credentials pins (`--trust-cert sha256:`), as a user pins a server whose certificate no root
/// vouches for. The certificate is the same in every process (a fixed key, rcgen's fixed validity and
/// a serial derived from the key, a deterministic RSA signature), so is its fingerprint.
pub fn certificate_sha256() -> io::Result<[u8; 32]> {
    identity().map(|id| rdp_probe_core::cert::sha256(&id.der))
}

/// The lab's RSA 2048 private key (PKCS #8 DER, unencrypted). It protects nothing: it exists only so
/// that the lab's servers present a certificate on loopback. Made with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | openssl pkcs8 -topk8 -nocrypt -outform DER`.
const LAB_KEY: &[u8] = include_bytes!("lab-rsa-2048.pk8");

fn make_config() -> Result<Identity, String> {
    // RSA 2048 with SHA-256, as Windows' self-signed RDP certificates are; SANs localhost and
    // 127.0.0.1, no basicConstraints; made in-process, so the lab (and `rdp-probe demo`) needs no
    // `openssl` command. The key is a fixed one, generated once for the lab (LAB_KEY), because ring
    // cannot generate RSA keys; RSA rather than a fresh ECDSA key because an RSA signature has a
    // fixed length, whereas an ECDSA signature's DER length varies by a byte or two per handshake:
    // the `tls` phase's byte counts would then differ between two probes of the same server, and
    // reports could not be compared byte for byte (the cross-language check of the C ABI does).
    // (Ed25519 would be fixed-length too, but FreeRDP 2.11's CredSSP cannot take its public key.)
    let fail = |e: rcgen::Error| format!("making the lab certificate: {e}");
    let signing_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(LAB_KEY),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(fail)?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(fail)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params.self_signed(&signing_key).map_err(fail)?;
    // The DER RSAPublicKey: the contents of the subjectPublicKey BIT STRING.
    let public_key = signing_key.public_key_raw().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .map_err(|e| e.to_string())?;
    Ok(Identity {
        config: Arc::new(config),
        public_key,
        der: cert.der().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_the_same_in_every_process() {
        let made = [make_config().unwrap(), make_config().unwrap()];
        assert_eq!(made[0].der, made[1].der);
        assert_eq!(certificate_sha256().unwrap().len(), 32);
    }
}
