//! The TLS server side of the scripted server's TLS scenarios: one self-signed certificate for
//! `localhost` (made once per process with the `openssl` command), one rustls configuration.

use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

static CONFIG: OnceLock<Result<Arc<ServerConfig>, String>> = OnceLock::new();

/// A TLS acceptor presenting a self-signed ECDSA P-256 certificate for `localhost`.
pub(super) fn acceptor() -> io::Result<TlsAcceptor> {
    match CONFIG.get_or_init(|| make_config().map(Arc::new)) {
        Ok(config) => Ok(TlsAcceptor::from(Arc::clone(config))),
        Err(e) => Err(io::Error::other(e.clone())),
    }
}

fn make_config() -> Result<ServerConfig, String> {
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
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .map_err(|e| e.to_string())
        });
    let _ = std::fs::remove_dir_all(&dir);
    result
}
