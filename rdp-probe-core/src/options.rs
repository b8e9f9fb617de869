//! How to probe: protocols to request, credentials, time limits, certificate policy.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::Protocols;

/// Logon credentials for CredSSP (NLA). The password is zeroized on drop and never printed.
#[derive(Clone)]
pub struct Credentials {
    /// User name, without domain.
    pub username: String,
    /// Domain (or `None` for a local account).
    pub domain: Option<String>,
    password: Zeroizing<String>,
}

impl Credentials {
    /// Credentials from a user name, an optional domain and a password.
    ///
    /// A user given as `DOMAIN\user` or `user@domain` is split when `domain` is `None`.
    pub fn new(
        username: impl Into<String>,
        domain: Option<String>,
        password: impl Into<String>,
    ) -> Self {
        let username = username.into();
        let (username, domain) = match (domain, username.split_once('\\')) {
            (None, Some((d, u))) => (u.to_owned(), Some(d.to_owned())),
            (domain, _) => (username, domain),
        };
        Self {
            username,
            domain,
            password: Zeroizing::new(password.into()),
        }
    }

    /// The password (kept out of `Debug` and of every report).
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("domain", &self.domain)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// What to do with the server's TLS certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CertPolicy {
    /// Accept any certificate but record it and judge it in the report (what most RDP clients do after a prompt).
    #[default]
    AcceptAny,
    /// Fail in the `tls` phase unless the chain verifies against the system roots and names the host.
    RequireValid,
}

/// Time limits. Every read and every phase is bounded; so is the whole probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect (per address tried).
    pub connect: Duration,
    /// The most one phase may take (waiting for the server's next PDU included).
    pub phase: Duration,
    /// The most the whole probe may take, reconnects included.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            phase: Duration::from_secs(10),
            overall: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    /// One limit for connect and for each phase, with an overall limit of three times that.
    pub fn uniform(limit: Duration) -> Self {
        Self {
            connect: limit,
            phase: limit,
            overall: limit.saturating_mul(3),
        }
    }
}

/// Options for one probe.
///
/// ```
/// use rdp_probe_core::{ProbeOptions, Protocols, Credentials};
/// let opts = ProbeOptions {
///     protocols: Some(Protocols::SSL),
///     credentials: Some(Credentials::new("EXAMPLE\\alice", None, "s3cret")),
///     ..ProbeOptions::default()
/// };
/// assert_eq!(opts.credentials.as_ref().unwrap().domain.as_deref(), Some("EXAMPLE"));
/// assert!(!format!("{opts:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    /// Request exactly these protocols and never fall back. `None` behaves like the Windows client:
    /// request SSL | HYBRID | HYBRID_EX and react to the answer as it does (after SSL_NOT_ALLOWED_BY_SERVER,
    /// reconnect with Standard RDP Security).
    pub protocols: Option<Protocols>,
    /// Credentials for NLA. Without them the probe stops at the NLA wall with `needs_credentials`.
    pub credentials: Option<Credentials>,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Certificate policy.
    pub cert_policy: CertPolicy,
    /// Client computer name sent to the server (default `rdp-probe`).
    pub client_name: Option<String>,
    /// What to do when TLS fails the way an older client would get past.
    pub legacy_tls: LegacyTls,
    /// Which servers may receive what is derived from the password.
    pub trust: Trust,
    /// The KDC for Kerberos (`--kdc`). With it and credentials for a domain account, the logon tries
    /// Kerberos first, as the Windows client does, and falls back to NTLM where the Windows client
    /// would; without it the logon is NTLM only and the report says why.
    pub kdc: Option<Kdc>,
    /// Without [`ProbeOptions::kdc`], find the realm's KDC as the Windows DC locator does, from the DNS
    /// SRV record `_kerberos._tcp.<REALM>` (`--find-kdc`, `--dns-server`). Off by default: the probe
    /// sends no DNS query it was not asked for.
    pub find_kdc: Option<crate::kerberos::FindKdc>,
}

/// Where the Key Distribution Center listens ([RFC 4120] 7.2.2, TCP).
///
/// ```
/// use rdp_probe_core::Kdc;
/// let kdc: Kdc = "dc1.example.com".parse().unwrap();
/// assert_eq!((kdc.host.as_str(), kdc.port), ("dc1.example.com", 88));
/// let kdc: Kdc = "[::1]:8888".parse().unwrap();
/// assert_eq!((kdc.host.as_str(), kdc.port), ("::1", 8888));
/// assert!("dc1:0".parse::<Kdc>().is_err());
/// assert_eq!("127.0.0.1:8888".parse::<Kdc>().unwrap().to_string(), "127.0.0.1:8888");
/// ```
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kdc {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Kdc {
    /// The Kerberos port ([RFC 4120] 7.2.3.1).
    ///
    /// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
    pub const DEFAULT_PORT: u16 = 88;
}

impl std::str::FromStr for Kdc {
    type Err = crate::TargetError;

    /// `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address, as a probe target is written; the
    /// port defaults to 88.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let with_default = crate::Target::parse_with_port(s, Kdc::DEFAULT_PORT)?;
        Ok(Kdc {
            host: with_default.host().to_owned(),
            port: with_default.port(),
        })
    }
}

impl fmt::Display for Kdc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Which servers may receive anything derived from the password: the NTLM AUTHENTICATE (an
/// offline-crackable response), the TSCredentials, the Client Info's password. The Windows client
/// asks before it sends them to a server whose certificate does not validate; the probe, which often
/// runs unattended, withholds them unless something here vouches for the server, and then stops with the
/// verdict `credentials_withheld` (without credentials nothing changes: none are sent).
///
/// A server is trusted when its certificate chain is valid for the host against the system roots and
/// [`Trust::ca_roots`]; or its certificate's SHA-256 is one of [`Trust::pins`]; or [`Trust::any`]; or
/// [`Trust::confirm`] says yes. Standard RDP Security proves no identity (its signing key is public):
/// there only [`Trust::any`] lets the credentials go.
///
/// ```
/// use rdp_probe_core::{ProbeOptions, Trust};
/// let pin: [u8; 32] = Trust::parse_pin("sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff").unwrap();
/// let opts = ProbeOptions { trust: Trust { pins: vec![pin], ..Trust::default() }, ..ProbeOptions::default() };
/// assert!(!opts.trust.any);
/// assert!(Trust::parse_pin("sha256:00").is_err());
/// ```
#[derive(Clone, Default)]
pub struct Trust {
    /// SHA-256 fingerprints of certificates to trust whatever their chain (`--trust-cert sha256:HEX`).
    pub pins: Vec<[u8; 32]>,
    /// Send to any server (`--trust-cert any`), Standard RDP Security included.
    pub any: bool,
    /// Extra trust roots, DER (`--ca-file PEM`); they also count for [`CertPolicy::RequireValid`].
    pub ca_roots: Vec<Vec<u8>>,
    /// Asked when nothing else vouches for a TLS server (an interactive terminal): true sends.
    pub confirm: Option<ConfirmTrust>,
}

/// The question [`Trust::confirm`] answers.
pub type ConfirmTrust = std::sync::Arc<dyn Fn(&TrustQuestion) -> bool + Send + Sync>;

/// What the user sees before deciding whether to send the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustQuestion {
    /// The target host.
    pub host: String,
    /// The certificate's subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// Why the chain does not vouch for the server.
    pub problem: String,
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("pins", &self.pins.len())
            .field("any", &self.any)
            .field("ca_roots", &self.ca_roots.len())
            .field("confirm", &self.confirm.is_some())
            .finish()
    }
}

/// A `--trust-cert` value that is not `sha256:` and 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a pin is sha256: followed by 64 hex digits (colons allowed), got {0:?}")]
pub struct PinError(pub String);

impl Trust {
    /// Parses `sha256:HEX` (64 hex digits; colons and case ignored), as `--trust-cert` takes it.
    pub fn parse_pin(s: &str) -> Result<[u8; 32], PinError> {
        let err = || PinError(s.to_owned());
        let hex: String = s
            .trim()
            .strip_prefix("sha256:")
            .ok_or_else(err)?
            .chars()
            .filter(|c| *c != ':')
            .collect();
        if hex.len() != 64 {
            return Err(err());
        }
        let mut pin = [0u8; 32];
        for (i, byte) in pin.iter_mut().enumerate() {
            *byte = hex
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(err)?;
        }
        Ok(pin)
    }

    /// Reads PEM certificates (`--ca-file`) into [`Trust::ca_roots`]; the number read. All or nothing:
    /// a block that is not PEM, or a certificate that is not X.509, leaves the roots as they were.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<usize, PinError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        use x509_parser::prelude::{FromDer, X509Certificate};
        let mut read = Vec::new();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| PinError(format!("PEM: {e}")))?;
            X509Certificate::from_der(&cert).map_err(|e| {
                PinError(format!("certificate {} is not X.509: {e}", read.len() + 1))
            })?;
            read.push(cert.to_vec());
        }
        let n = read.len();
        self.ca_roots.extend(read);
        Ok(n)
    }
}

/// What the probe does when the TLS handshake fails the way an older client would get past: the server
/// only speaks TLS 1.0 or 1.1, or only offers suites rustls does not implement (CBC, RSA key exchange,
/// DHE). The modern handshake (rustls) is always tried first.
///
/// The second attempt runs over OpenSSL and needs the crate feature `legacy-tls`; without it a
/// requested second attempt ends in the `tls` phase with the driver's error.
///
/// ```
/// use rdp_probe_core::{LegacyTls, ProbeOptions};
/// let opts = ProbeOptions { legacy_tls: LegacyTls::Allow, ..ProbeOptions::default() };
/// assert_eq!(opts.legacy_tls, LegacyTls::Allow);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegacyTls {
    /// No second attempt: the modern failure is the verdict.
    Off,
    /// The modern failure stays the verdict, and a second connection follows the server through a
    /// TLS stack that still speaks TLS 1.0/1.1 and those suites, to the end of the sequence; the
    /// report's `legacy_tls` says how far it got. The default with the `legacy-tls` feature.
    Follow,
    /// As [`LegacyTls::Follow`], but the second attempt's verdict is the probe's, with the finding that
    /// only legacy TLS works (`--allow-legacy-tls`).
    Allow,
}

impl Default for LegacyTls {
    fn default() -> Self {
        if cfg!(feature = "legacy-tls") {
            LegacyTls::Follow
        } else {
            LegacyTls::Off
        }
    }
}
