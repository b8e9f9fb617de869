//! The TLS server side of the scripted server's TLS scenarios (and of the acceptor server): one
//! self-signed certificate for `localhost` (made once per process with the `openssl` command), one
//! rustls configuration.

use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The rustls configuration and the certificate's public key, made once per process.
struct Identity {
    config: Arc<ServerConfig>,
    /// The `subjectPublicKey` BIT STRING contents of the certificate (what CredSSP binds to).
    public_key: Vec<u8>,
}

static CONFIG: OnceLock<Result<Identity, String>> = OnceLock::new();

fn identity() -> io::Result<&'static Identity> {
    CONFIG
        .get_or_init(make_config)
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

/// A TLS acceptor presenting a self-signed ECDSA P-256 certificate for `localhost`.
pub(crate) fn acceptor() -> io::Result<TlsAcceptor> {
    identity().map(|id| TlsAcceptor::from(Arc::clone(&id.config)))
}

/// The certificate's SubjectPublicKey (the contents of the `subjectPublicKey` BIT STRING of its
/// SubjectPublicKeyInfo): the key a CredSSP server binds the TLS channel to ([MS-CSSP] 3.1.5).
pub(crate) fn public_key() -> io::Result<Vec<u8>> {
    identity().map(|id| id.public_key.clone())
}

fn subject_public_key(der: &[u8]) -> Result<Vec<u8>, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("parsing the certificate: {e}"))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

fn make_config() -> Result<Identity, String> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rdp-probe-scripted-tls-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let result = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-sha256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .map_err(|e| format!("running openssl: {e}"))
        .and_then(|out| {
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "openssl req failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        })
        .and_then(|()| {
            let certs = CertificateDer::pem_file_iter(&cert)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("reading {}: {e}", cert.display()))?;
            let key = PrivateKeyDer::from_pem_file(&key)
                .map_err(|e| format!("reading {}: {e}", key.display()))?;
            let public_key = subject_public_key(
                certs
                    .first()
                    .ok_or_else(|| format!("no certificate in {}", cert.display()))?,
            )?;
            let config = ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| e.to_string())?;
            Ok(Identity {
                config: Arc::new(config),
                public_key,
            })
        });
    let _ = std::fs::remove_dir_all(&dir);
    result
}
