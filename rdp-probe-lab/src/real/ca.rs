//! A lab certificate authority and server certificates, made with the `openssl` command.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::LabError;
use super::proc::{run, tool};

/// Which server certificate a lab server presents.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum CertKind {
    /// Signed by the lab CA, CN and SAN `localhost`, `127.0.0.1`, `::1`, valid now.
    #[default]
    CaSigned,
    /// Self-signed, CN and SAN `localhost`, `127.0.0.1`, `::1`.
    SelfSigned,
    /// Signed by the lab CA, valid only from 2020-01-01 to 2020-02-01.
    Expired,
    /// Signed by the lab CA, CN and SAN [`MISMATCH_HOST`].
    NameMismatch,
    /// No certificate at all: the configured files do not exist. With xrdp's
    /// `security_layer=tls` this gives `SSL_CERT_NOT_ON_SERVER`.
    Missing,
}

/// The host name in a [`CertKind::NameMismatch`] certificate.
pub const MISMATCH_HOST: &str = "wrong-host.rdp-lab.invalid";
/// The subject CN of the lab CA.
pub const CA_NAME: &str = "rdp-lab test CA";

const LOCAL_SAN: &str = "DNS:localhost,IP:127.0.0.1,IP:::1";

/// A server certificate and its key, as PEM files.
#[derive(Clone, Debug)]
pub struct ServerCert {
    /// What kind of certificate this is.
    pub kind: CertKind,
    /// The certificate (PEM). Does not exist for [`CertKind::Missing`].
    pub cert: PathBuf,
    /// The private key (PEM, unencrypted). Does not exist for [`CertKind::Missing`].
    pub key: PathBuf,
}

/// A lab CA (RSA-2048, SHA-256) in a directory, able to issue server certificates.
#[derive(Debug)]
pub struct LabCa {
    dir: PathBuf,
    cert: PathBuf,
    config: PathBuf,
}

impl LabCa {
    /// Creates a new CA in `dir` (created if needed): `ca.crt`, `ca.key`, an `openssl ca` database.
    pub fn create(dir: impl AsRef<Path>) -> Result<LabCa, LabError> {
        let dir = dir.as_ref().to_path_buf();
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            fs::write(&path, text)
                .map_err(|e| LabError::io(format!("writing {}", path.display()), e))
        };
        fs::create_dir_all(dir.join("newcerts"))
            .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
        let config = dir.join("openssl.cnf");
        write("openssl.cnf", &openssl_config(&dir))?;
        write("index.txt", "")?;
        write("index.txt.attr", "unique_subject = no\n")?;
        write("serial", "1000\n")?;
        let cert = dir.join("ca.crt");
        run(Command::new(tool("openssl")?)
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "3650",
            ])
            .arg("-config")
            .arg(&config)
            .args(["-extensions", "v3_ca", "-subj"])
            .arg(format!("/CN={CA_NAME}"))
            .arg("-keyout")
            .arg(dir.join("ca.key"))
            .arg("-out")
            .arg(&cert))?;
        Ok(LabCa { dir, cert, config })
    }

    /// The CA certificate (PEM), for clients that should trust the lab.
    pub fn cert_path(&self) -> &Path {
        &self.cert
    }

    /// The directory holding the CA and the certificates it issued.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes a server certificate `<name>.crt` / `<name>.key` of the given kind in the CA's directory.
    ///
    /// For [`CertKind::Missing`] nothing is created and the returned paths do not exist.
    pub fn issue(&self, kind: CertKind, name: &str) -> Result<ServerCert, LabError> {
        let cert = self.dir.join(format!("{name}.crt"));
        let key = self.dir.join(format!("{name}.key"));
        let openssl = tool("openssl")?;
        let (cn, san) = match kind {
            CertKind::Missing => return Ok(ServerCert { kind, cert, key }),
            CertKind::SelfSigned => {
                run(Command::new(&openssl)
                    .args([
                        "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "825",
                    ])
                    .arg("-config")
                    .arg(&self.config)
                    .args([
                        "-extensions",
                        "self_signed",
                        "-subj",
                        "/CN=localhost",
                        "-keyout",
                    ])
                    .arg(&key)
                    .arg("-out")
                    .arg(&cert))?;
                return Ok(ServerCert { kind, cert, key });
            }
            CertKind::NameMismatch => (MISMATCH_HOST.to_owned(), format!("DNS:{MISMATCH_HOST}")),
            CertKind::CaSigned | CertKind::Expired => {
                ("localhost".to_owned(), LOCAL_SAN.to_owned())
            }
        };
        let csr = self.dir.join(format!("{name}.csr"));
        run(Command::new(&openssl)
            .args(["req", "-new", "-newkey", "rsa:2048", "-sha256", "-nodes"])
            .arg("-config")
            .arg(&self.config)
            .arg("-subj")
            .arg(format!("/CN={cn}"))
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr))?;
        let ext = self.dir.join(format!("{name}.ext"));
        fs::write(
            &ext,
            format!(
                "[server]\nbasicConstraints = critical,CA:FALSE\n\
                 keyUsage = critical,digitalSignature,keyEncipherment\n\
                 extendedKeyUsage = serverAuth\nsubjectAltName = {san}\n\
                 subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
            ),
        )
        .map_err(|e| LabError::io(format!("writing {}", ext.display()), e))?;
        let mut sign = Command::new(&openssl);
        sign.args(["ca", "-batch", "-notext", "-md", "sha256"])
            .arg("-config")
            .arg(&self.config)
            .arg("-extfile")
            .arg(&ext)
            .args(["-extensions", "server"]);
        // OpenSSL 3.0's `x509`/`req` cannot set past dates; `ca` can.
        if kind == CertKind::Expired {
            sign.args([
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20200201000000Z",
            ]);
        } else {
            sign.args(["-days", "825"]);
        }
        run(sign.arg("-in").arg(&csr).arg("-out").arg(&cert))?;
        Ok(ServerCert { kind, cert, key })
    }
}

/// A self-contained OpenSSL config: the system `openssl.cnf` plays no part.
fn openssl_config(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "[req]\ndistinguished_name = req_dn\nprompt = no\n\
         [req_dn]\nCN = unused\n\
         [ca]\ndefault_ca = lab_ca\n\
         [lab_ca]\ndatabase = {d}/index.txt\nnew_certs_dir = {d}/newcerts\nserial = {d}/serial\n\
         certificate = {d}/ca.crt\nprivate_key = {d}/ca.key\ndefault_md = sha256\n\
         policy = lab_policy\nunique_subject = no\ncopy_extensions = none\nemail_in_dn = no\n\
         [lab_policy]\ncommonName = supplied\n\
         [v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier = hash\n\
         [self_signed]\nbasicConstraints = critical,CA:FALSE\n\
         keyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\n\
         subjectAltName = {LOCAL_SAN}\nsubjectKeyIdentifier = hash\n"
    )
}
