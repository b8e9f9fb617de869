//! A real RDP server on loopback: IronRDP's server-side connection state machine
//! (`ironrdp-acceptor` 0.12) with TLS by rustls and CredSSP by sspi's server, in-process.
//!
//! Where [`crate::scripted`] plays a script of hand-built PDUs, this server runs the whole server
//! side of the connection sequence ([MS-RDPBCGR] 1.3.1.1) as IronRDP implements it: X.224
//! negotiation, the TLS upgrade, CredSSP with NTLM ([MS-CSSP]), MCS connect, channel joins, Client
//! Info, licensing (a `STATUS_VALID_CLIENT` licensing Error Message), capabilities (a Demand
//! Active with a 1024x768 desktop) and connection finalization. It is ground truth that does not
//! come from rdp-probe's own encoders.
//!
//! [`AcceptorServer::start`] binds `127.0.0.1:0` and serves every connection it accepts with one
//! [`AcceptorScenario`] on the current tokio runtime; dropping the server stops the accept loop and
//! every connection it serves. TLS uses the scripted server's self-signed RSA certificate for
//! `localhost` (made once per process with the `openssl` command), and CredSSP binds to its
//! public key. NLA scenarios know one account, [`crate::real::LAB_USER`] /
//! [`crate::real::LAB_PASSWORD`].
//!
//! Everything is bounded: the connection sequence takes at most 30 s, an accepted session is kept
//! open (its input read and discarded) until the client closes it or for at most 10 minutes, an
//! orderly close (close_notify, FIN) waits at most 30 s for the client's close, client PDUs are at
//! most 64 KiB, and at most [`MAX_CONNECTIONS`] connections are served at once. A connection that
//! fails is only reported (on stderr) when `RDP_PROBE_LAB_DEBUG` is set.

mod conn;
mod kerberos;
mod link;
mod setup;

pub use kerberos::{KerberosService, MAX_TIME_SKEW, STATUS_NTLM_BLOCKED};

use std::fmt;
use std::io;
use std::net::SocketAddr;

use crate::serve::Listening;
pub use crate::serve::MAX_CONNECTIONS;

/// What the acceptor server accepts and how it ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcceptorScenario {
    /// Security `PROTOCOL_SSL` only ([MS-RDPBCGR] 2.2.1.1.1, 5.4.5.1): TLS, then the full connection
    /// sequence including capabilities and finalization; any client reaches the session, which
    /// stays open until the client closes it. A client that offers no SSL gets `RDP_NEG_FAILURE`
    /// `SSL_REQUIRED_BY_SERVER` (0x1, [MS-RDPBCGR] 2.2.1.2.2).
    Tls,
    /// Security `PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX`: TLS, then CredSSP with NTLM ([MS-CSSP])
    /// against [`crate::real::LAB_USER`] / [`crate::real::LAB_PASSWORD`]. The right credentials
    /// reach the session (with HYBRID_EX after an Early User Authorization Result
    /// `AUTHZ_SUCCESS`, [MS-RDPBCGR] 2.2.10.2); a wrong password gets a TSRequest with `errorCode`
    /// `STATUS_LOGON_FAILURE` (0xC000006D, [MS-CSSP] 2.2.1), then (HYBRID_EX) the Early User
    /// Authorization Result `AUTHZ_ACCESS_DENIED`, then an orderly close.
    Nla,
    /// Security `PROTOCOL_HYBRID` only: a client that offers only SSL or Standard RDP Security
    /// gets `RDP_NEG_FAILURE` `HYBRID_REQUIRED_BY_SERVER` (0x5, [MS-RDPBCGR] 2.2.1.2.2) from the
    /// acceptor itself; a client that offers HYBRID meets CredSSP as in [`AcceptorScenario::Nla`]
    /// (without HYBRID_EX).
    HybridRequired,
    /// Like [`AcceptorScenario::Nla`], but after the Client Info PDU (before licensing) the server
    /// refuses the session with the acceptor's Set Error Info PDU
    /// `ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES` (0x9, [MS-RDPBCGR] 2.2.5.1.1), then closes
    /// (close_notify, FIN).
    InsufficientPrivileges,
    /// Security `PROTOCOL_HYBRID_EX` only: CredSSP succeeds with the lab account, but the account
    /// may not log on through Remote Desktop Services, so the Early User Authorization Result is
    /// `AUTHZ_ACCESS_DENIED` (5, [MS-RDPBCGR] 2.2.10.2), then an orderly close. Only a client that
    /// logs on meets it: without credentials the probe stops at the NLA wall.
    EarlyUserAuthDenied,
}

impl AcceptorScenario {
    /// The stable kebab-case name (e.g. `ironrdp-tls`).
    pub fn name(&self) -> &'static str {
        match self {
            AcceptorScenario::Tls => "ironrdp-tls",
            AcceptorScenario::Nla => "ironrdp-nla",
            AcceptorScenario::HybridRequired => "ironrdp-hybrid-required",
            AcceptorScenario::InsufficientPrivileges => "ironrdp-insufficient-privileges",
            AcceptorScenario::EarlyUserAuthDenied => "ironrdp-early-user-auth-denied",
        }
    }

    /// One line saying what the server does.
    pub fn describe(&self) -> &'static str {
        match self {
            AcceptorScenario::Tls => {
                "IronRDP acceptor, SSL only: TLS, then the full connection sequence; any client connects"
            }
            AcceptorScenario::Nla => {
                "IronRDP acceptor, HYBRID|HYBRID_EX: TLS and CredSSP/NTLM for the lab account; a wrong password gets STATUS_LOGON_FAILURE"
            }
            AcceptorScenario::HybridRequired => {
                "IronRDP acceptor, HYBRID only: a client without HYBRID gets RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER"
            }
            AcceptorScenario::InsufficientPrivileges => {
                "IronRDP acceptor, NLA: the lab account logs on, then Set Error Info ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES after Client Info, then close"
            }
            AcceptorScenario::EarlyUserAuthDenied => {
                "IronRDP acceptor, HYBRID_EX only: the lab account authenticates, then Early User Authorization Result ACCESS_DENIED, then close"
            }
        }
    }

    /// Every scenario.
    pub fn all() -> &'static [AcceptorScenario] {
        &[
            AcceptorScenario::Tls,
            AcceptorScenario::Nla,
            AcceptorScenario::HybridRequired,
            AcceptorScenario::InsufficientPrivileges,
            AcceptorScenario::EarlyUserAuthDenied,
        ]
    }
}

impl fmt::Display for AcceptorScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An IronRDP acceptor server listening on `127.0.0.1`; stops when dropped.
#[derive(Debug)]
pub struct AcceptorServer {
    scenario: AcceptorScenario,
    listening: Listening,
}

impl AcceptorServer {
    /// Binds `127.0.0.1:0` and serves every accepted connection with `scenario`, on the current
    /// tokio runtime (must be called within one).
    pub async fn start(scenario: AcceptorScenario) -> io::Result<AcceptorServer> {
        AcceptorServer::start_on(scenario, 0).await
    }

    /// Like [`AcceptorServer::start`], on `127.0.0.1:port` (0: any free port).
    pub async fn start_on(scenario: AcceptorScenario, port: u16) -> io::Result<AcceptorServer> {
        AcceptorServer::start_with(scenario, port, None).await
    }

    /// Starts a server for `scenario` whose CredSSP also takes Kerberos logons ([`KerberosService`]);
    /// the scenario must be an NLA one.
    pub async fn start_kerberos(
        scenario: AcceptorScenario,
        kerberos: KerberosService,
    ) -> io::Result<AcceptorServer> {
        AcceptorServer::start_kerberos_on(scenario, kerberos, 0).await
    }

    /// Like [`AcceptorServer::start_kerberos`], on `127.0.0.1:port` (0: any free port).
    pub async fn start_kerberos_on(
        scenario: AcceptorScenario,
        kerberos: KerberosService,
        port: u16,
    ) -> io::Result<AcceptorServer> {
        AcceptorServer::start_with(scenario, port, Some(std::sync::Arc::new(kerberos))).await
    }

    async fn start_with(
        scenario: AcceptorScenario,
        port: u16,
        kerberos: Option<std::sync::Arc<KerberosService>>,
    ) -> io::Result<AcceptorServer> {
        let label = format!("acceptor server {scenario}");
        let listening = Listening::start(port, label, move |stream| {
            conn::serve(stream, scenario, kerberos.clone())
        })
        .await?;
        Ok(AcceptorServer {
            scenario,
            listening,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }

    /// The scenario it plays.
    pub fn scenario(&self) -> AcceptorScenario {
        self.scenario
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    #[test]
    fn names_are_stable_kebab_case_and_unique() {
        let mut seen = HashSet::new();
        for s in AcceptorScenario::all() {
            let name = s.name();
            assert!(name.starts_with("ironrdp-"), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
            assert!(seen.insert(name), "duplicate {name}");
            assert!(!s.describe().is_empty() && !s.describe().contains('\n'));
            assert_eq!(s.to_string(), name);
        }
        assert_eq!(seen.len(), 5);
        assert_eq!(
            AcceptorScenario::InsufficientPrivileges.name(),
            "ironrdp-insufficient-privileges"
        );
    }

    #[tokio::test]
    async fn binds_loopback_and_stops_when_dropped() {
        let server = AcceptorServer::start(AcceptorScenario::Tls)
            .await
            .expect("bind");
        let addr = server.addr();
        assert_eq!(addr.ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(server.scenario(), AcceptorScenario::Tls);
        let mut held = tokio::net::TcpStream::connect(addr).await.expect("connect");
        // Let the accept loop take the connection before the server goes away.
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(server);
        tokio::task::yield_now().await;
        let mut buf = [0u8; 1];
        let n = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::io::AsyncReadExt::read(&mut held, &mut buf),
        )
        .await
        .expect("closed in time");
        assert!(matches!(n, Ok(0) | Err(_)));
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
