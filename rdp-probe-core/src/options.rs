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
