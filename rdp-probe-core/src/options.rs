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
}
