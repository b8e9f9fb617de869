//! The lab's catalog: every server the lab can run, under a stable name, with the probe settings
//! to use against it and the verdict rdp-probe should give.
//!
//! One table serves `rdp-probe-lab list` and `serve`, the verdict-matrix test (which probes every
//! entry and compares the report with [`Expected`]), the generated `docs/verdict-matrix.md`, the
//! hostile-server bench and `rdp-probe demo`. The expectations are what rdp-probe reports; the
//! Windows-client pairs in them are rdp-probe's *derived* pairs (see `rdp-probe-codes/docs/mstsc-mapping.md`), not
//! something a Windows client was observed to show.

use std::fmt::Write as _;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rdp_probe_codes::{CodeSpace, format_value, lookup};
use rdp_probe_core::engine::transcript::standard::{
    LEVEL_CLIENT_COMPATIBLE, LEVEL_FIPS, LEVEL_HIGH, LEVEL_LOW,
};
use rdp_probe_core::report::Report;
use rdp_probe_core::standard_security::EncryptionMethod;
use rdp_probe_core::{CertPolicy, ProbeOptions, Protocols, Target, Timeouts};
use serde_json::Value;

use crate::acceptor::{AcceptorScenario, AcceptorServer};
use crate::real::{LAB_PASSWORD, LAB_USER};
use crate::scripted::{
    BrokenSecurityData, EncryptedEnding, Hostility, Point, Scenario, ScriptedServer,
};

/// The password a [`Login::WrongPassword`] probe sends.
pub const WRONG_PASSWORD: &str = "not-the-lab-password";

/// The phase time limit for entries that end in a timeout (hostile servers): short, so the matrix
/// stays fast; the report's `timeout` code carries it.
pub const HOSTILE_PHASE_TIMEOUT: Duration = Duration::from_secs(1);

/// The phase time limit for every other entry: long enough that a loaded machine does not turn a
/// quick answer into a timeout.
pub const DEFAULT_PHASE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which server an entry runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Server {
    /// The scripted server ([`crate::scripted`]).
    Scripted(Scenario),
    /// The real server built on `ironrdp-acceptor` ([`crate::acceptor`]).
    Acceptor(AcceptorScenario),
    /// Nothing: a loopback port where nothing listens (the TCP connect is refused).
    Refused,
    /// The acceptor with Kerberos, and a real MIT KDC ([`crate::real::KdcServer`]); the probe targets
    /// `localhost` and logs on to the realm.
    Kerberos(KerberosLab),
}

/// A Kerberos lab: what the KDC knows and how the server and the probe reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KerberosLab {
    /// Whether the KDC has the `TERMSRV/localhost` principal (else the server logs on as another
    /// account and the SPN is missing).
    pub spn: bool,
    /// Whether the probe's `--kdc` reaches the KDC (else it names a port where nothing listens,
    /// while the server still reaches its KDC).
    pub client_reaches_kdc: bool,
    /// Whether the server refuses NTLM by policy.
    pub refuse_ntlm: bool,
}

impl KerberosLab {
    /// A KDC with `TERMSRV/localhost`, reached by the probe, and a server that takes NTLM too.
    pub const HEALTHY: KerberosLab = KerberosLab {
        spn: true,
        client_reaches_kdc: true,
        refuse_ntlm: false,
    };

    /// The account the server logs on as when the KDC has no `TERMSRV/localhost`.
    const SERVICE_ACCOUNT: (&'static str, &'static str) = ("rdpsvc", "RdpSvcLab1!");

    /// The host name the probe targets: Kerberos needs a name.
    pub const HOST: &'static str = "localhost";

    fn describe(&self) -> String {
        let mut parts = vec![if self.spn {
            "IronRDP acceptor with Kerberos (user-to-user) and a real MIT KDC with TERMSRV/localhost"
        } else {
            "IronRDP acceptor with Kerberos and a real MIT KDC that has no principal for TERMSRV/localhost"
        }
        .to_owned()];
        if !self.client_reaches_kdc {
            parts.push("the probe's KDC address has nothing behind it".to_owned());
        }
        if self.refuse_ntlm {
            parts.push("the server refuses NTLM by policy (STATUS_NTLM_BLOCKED)".to_owned());
        }
        parts.join("; ")
    }

    async fn start(self, port: u16) -> io::Result<KerberosRunning> {
        let config = if self.spn {
            crate::real::KdcConfig::default()
        } else {
            crate::real::KdcConfig {
                services: vec![(
                    Self::SERVICE_ACCOUNT.0.to_owned(),
                    Self::SERVICE_ACCOUNT.1.to_owned(),
                )],
                ..crate::real::KdcConfig::default()
            }
        };
        let kdc = tokio::task::spawn_blocking(move || crate::real::KdcServer::start(config))
            .await
            .map_err(io::Error::other)?
            .map_err(io::Error::other)?;
        let account = if self.spn {
            (
                crate::real::LAB_SERVICE.to_owned(),
                crate::real::LAB_SERVICE_PASSWORD.to_owned(),
            )
        } else {
            (
                Self::SERVICE_ACCOUNT.0.to_owned(),
                Self::SERVICE_ACCOUNT.1.to_owned(),
            )
        };
        let service = crate::acceptor::KerberosService {
            kdc: kdc.addr(),
            realm: kdc.realm().to_owned(),
            host: Self::HOST.to_owned(),
            account,
            refuse_ntlm: self.refuse_ntlm,
        };
        let acceptor =
            AcceptorServer::start_kerberos_on(AcceptorScenario::Nla, service, port).await?;
        let dead = if self.client_reaches_kdc {
            None
        } else {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
            Some(RefusedPort(socket))
        };
        Ok(KerberosRunning {
            kdc,
            acceptor,
            dead,
        })
    }
}

/// A running Kerberos lab: the KDC and the acceptor stop when it is dropped.
#[derive(Debug)]
pub struct KerberosRunning {
    kdc: crate::real::KdcServer,
    acceptor: AcceptorServer,
    dead: Option<RefusedPort>,
}

impl KerberosRunning {
    /// The KDC the probe is given.
    pub fn client_kdc(&self) -> SocketAddr {
        self.dead
            .as_ref()
            .map_or(self.kdc.addr(), RefusedPort::addr)
    }
}

/// The credentials the probe should use against an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// None: the probe stops at an NLA wall with `needs_credentials`.
    None,
    /// [`LAB_USER`] / [`LAB_PASSWORD`], which the lab's NLA servers accept.
    Lab,
    /// [`LAB_USER`] / [`WRONG_PASSWORD`].
    WrongPassword,
}

impl Login {
    /// `(user, password)`, if any.
    pub fn user_password(self) -> Option<(&'static str, &'static str)> {
        match self {
            Login::None => None,
            Login::Lab => Some((LAB_USER, LAB_PASSWORD)),
            Login::WrongPassword => Some((LAB_USER, WRONG_PASSWORD)),
        }
    }
}

/// How to probe an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSetup {
    /// Credentials to pass.
    pub credentials: Login,
    /// Request exactly these protocols (raw RDP_NEG_REQ bits; `Some(0)` is Standard RDP Security);
    /// `None` behaves like the Windows client.
    pub protocols: Option<u32>,
    /// The limit for the TCP connect and for every phase.
    pub phase_timeout: Duration,
    /// Refuse certificates that do not validate (`--require-valid-cert`).
    pub require_valid_cert: bool,
    /// With credentials, pin the lab servers' certificate (`--trust-cert sha256:`), so they may have
    /// the credentials; without the pin they are withheld.
    pub pin_lab_certificate: bool,
    /// The domain of the credentials (`--domain`), for a Kerberos logon to the lab realm.
    pub domain: Option<&'static str>,
}

impl ProbeSetup {
    /// The default: no credentials, the Windows client's protocols, [`DEFAULT_PHASE_TIMEOUT`].
    pub const DEFAULT: ProbeSetup = ProbeSetup {
        credentials: Login::None,
        protocols: None,
        phase_timeout: DEFAULT_PHASE_TIMEOUT,
        require_valid_cert: false,
        pin_lab_certificate: true,
        domain: None,
    };

    /// The probe options this setup stands for.
    pub fn options(&self) -> ProbeOptions {
        ProbeOptions {
            protocols: self.protocols.map(Protocols::from_bits),
            credentials: self.credentials.user_password().map(|(user, password)| {
                rdp_probe_core::Credentials::new(user, self.domain.map(str::to_owned), password)
            }),
            // The lab's servers present one self-signed certificate, which no root vouches for:
            // credentials go to it by its pinned fingerprint, as a user pins such a server.
            trust: rdp_probe_core::Trust {
                pins: crate::scripted::tls::certificate_sha256()
                    .ok()
                    .filter(|_| self.pin_lab_certificate)
                    .into_iter()
                    .collect(),
                ..rdp_probe_core::Trust::default()
            },
            timeouts: Timeouts::uniform(self.phase_timeout),
            cert_policy: if self.require_valid_cert {
                CertPolicy::RequireValid
            } else {
                CertPolicy::AcceptAny
            },
            ..ProbeOptions::default()
        }
    }

    /// The `rdp-probe` arguments (after the address) that reproduce this setup. A password is
    /// never on the command line: it goes through `RDP_PROBE_PASSWORD`.
    pub fn cli_args(&self) -> String {
        let mut args = format!("--timeout {}", self.phase_timeout.as_secs().max(1));
        if let Some((user, _)) = self.credentials.user_password() {
            let _ = write!(args, " -u {user}");
            if let Some(domain) = self.domain {
                let _ = write!(args, " --domain {domain}");
            }
            if self.pin_lab_certificate {
                let _ = write!(args, " --trust-cert sha256:{}", lab_pin_hex());
            }
        }
        if let Some(bits) = self.protocols {
            let _ = write!(args, " --protocols {}", protocol_names(bits));
        }
        if self.require_valid_cert {
            args.push_str(" --require-valid-cert");
        }
        args
    }
}

/// The fingerprint of the lab servers' certificate, hex (empty if it cannot be made).
fn lab_pin_hex() -> String {
    crate::scripted::tls::certificate_sha256()
        .map(|pin| rdp_probe_core::cert::hex(&pin))
        .unwrap_or_default()
}

/// `ssl,hybrid`-style names of RDP_NEG_REQ bits (`rdp` for none), as `--protocols` takes them.
pub fn protocol_names(bits: u32) -> String {
    Protocols::from_bits(bits).names().join(",")
}

/// What rdp-probe should report for an entry (fields of the `rdp-probe/1` JSON report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// `verdict`: `connected`, `failed`, `needs_credentials` or `inconclusive`.
    pub verdict: &'static str,
    /// `failure.phase` (failed) or `stop.phase` (needs_credentials, inconclusive).
    pub phase: Option<&'static str>,
    /// `failure.code`: space and raw value.
    pub code: Option<(CodeSpace, u32)>,
    /// `mstsc`: the derived disconnect reason and extended reason.
    pub mstsc: Option<(u32, u32)>,
    /// `stop.reason`.
    pub stop: Option<&'static str>,
    /// `outcome`, when it says more than the verdict (e.g. `redirected`).
    pub outcome: Option<&'static str>,
    /// Further facts: a JSON pointer into the report and the JSON text of the value expected there.
    pub facts: Vec<(&'static str, String)>,
}

impl Expected {
    /// `failed` in `phase` with `code`, and the derived pair `mstsc`.
    pub fn failed(phase: &'static str, space: CodeSpace, value: u32, mstsc: (u32, u32)) -> Self {
        Expected {
            verdict: "failed",
            phase: Some(phase),
            code: Some((space, value)),
            mstsc: Some(mstsc),
            stop: None,
            outcome: None,
            facts: Vec::new(),
        }
    }

    /// `connected`.
    pub fn connected() -> Self {
        Expected {
            verdict: "connected",
            phase: None,
            code: None,
            mstsc: None,
            stop: None,
            outcome: None,
            facts: Vec::new(),
        }
    }

    /// Stopped (`needs_credentials` or `inconclusive`) in `phase` for `reason`.
    pub fn stopped(verdict: &'static str, phase: &'static str, reason: &'static str) -> Self {
        Expected {
            verdict,
            phase: Some(phase),
            stop: Some(reason),
            ..Expected::connected()
        }
    }

    /// Adds a fact: `pointer` (e.g. `/server/credssp_version`) must hold the JSON `value`.
    pub fn fact(mut self, pointer: &'static str, value: impl Into<String>) -> Self {
        self.facts.push((pointer, value.into()));
        self
    }

    /// Sets the expected `outcome`.
    pub fn outcome(mut self, outcome: &'static str) -> Self {
        self.outcome = Some(outcome);
        self
    }

    /// Every way the JSON report `json` (schema `rdp-probe/1`) differs from this expectation, one
    /// line each; empty when it says what is expected.
    pub fn mismatches(&self, json: &Value) -> Vec<String> {
        let mut wrong = Vec::new();
        let mut expect = |what: &str, got: &Value, want: Value| {
            if *got != want {
                wrong.push(format!("{what}: expected {want}, got {got}"));
            }
        };
        expect("schema", &json["schema"], Value::from("rdp-probe/1"));
        expect("verdict", &json["verdict"], Value::from(self.verdict));
        match (self.code, self.mstsc) {
            (Some((space, value)), Some((disc, ext))) => {
                let (failure, mstsc) = (&json["failure"], &json["mstsc"]);
                expect("failure.phase", &failure["phase"], self.phase.into());
                expect(
                    "failure.code.space",
                    &failure["code"]["space"],
                    space.as_str().into(),
                );
                expect(
                    "failure.code.value",
                    &failure["code"]["value"],
                    value.into(),
                );
                expect(
                    "mstsc.disconnect_reason",
                    &mstsc["disconnect_reason"],
                    disc.into(),
                );
                expect(
                    "mstsc.extended_reason",
                    &mstsc["extended_reason"],
                    ext.into(),
                );
                expect("mstsc.derived", &mstsc["derived"], true.into());
            }
            _ => {
                expect("failure", &json["failure"], Value::Null);
                expect("mstsc", &json["mstsc"], Value::Null);
            }
        }
        if self.stop.is_some() {
            expect("stop.phase", &json["stop"]["phase"], self.phase.into());
            expect("stop.reason", &json["stop"]["reason"], self.stop.into());
        } else {
            expect("stop", &json["stop"], Value::Null);
        }
        if let Some(outcome) = self.outcome {
            expect("outcome", &json["outcome"], outcome.into());
        }
        for (pointer, value) in &self.facts {
            let want = serde_json::from_str(value)
                .unwrap_or_else(|e| Value::from(format!("(fact is not JSON: {e})")));
            expect(pointer, json.pointer(pointer).unwrap_or(&Value::Null), want);
        }
        wrong
    }

    /// One line: the verdict, where, the server's code and the derived pair.
    pub fn summary(&self) -> String {
        let mut s = self.verdict.to_owned();
        if let Some(phase) = self.phase {
            let _ = write!(s, " in {phase}");
        }
        if let Some((space, value)) = self.code {
            let _ = write!(s, ": {} {}", space.as_str(), format_code(space, value));
            // Server code spaces have tables; rdp-probe's own spaces are named in the report.
            if let Some(entry) = lookup(space, value) {
                let _ = write!(s, " {}", entry.name);
            }
        }
        if let Some(reason) = self.stop {
            let _ = write!(s, " ({reason})");
        }
        if let Some(outcome) = self.outcome {
            let _ = write!(s, " ({outcome})");
        }
        if let Some((disc, ext)) = self.mstsc {
            let _ = write!(s, "; mstsc {disc:#x}/{ext:#x} (derived)");
        }
        s
    }
}

/// A code's value as people read it: decimal for rdp-probe's `os_error` (an errno) and `timeout`
/// (milliseconds) spaces, the space's usual hex form otherwise.
pub fn format_code(space: CodeSpace, value: u32) -> String {
    match space {
        CodeSpace::OsError | CodeSpace::Timeout => value.to_string(),
        _ => format_value(space, value),
    }
}

/// One scenario of the lab.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Stable kebab-case name, safe unquoted in a shell.
    pub name: String,
    /// The server it runs.
    pub server: Server,
    /// How to probe it.
    pub setup: ProbeSetup,
    /// What rdp-probe should report.
    pub expect: Expected,
}

impl Entry {
    fn scripted(scenario: Scenario, expect: Expected) -> Self {
        Entry {
            name: scenario.name(),
            server: Server::Scripted(scenario),
            setup: ProbeSetup::DEFAULT,
            expect,
        }
    }

    fn acceptor(scenario: AcceptorScenario, expect: Expected) -> Self {
        Entry {
            name: scenario.name().to_owned(),
            server: Server::Acceptor(scenario),
            setup: ProbeSetup::DEFAULT,
            expect,
        }
    }

    fn kerberos(name: &str, lab: KerberosLab, credentials: Login, expect: Expected) -> Self {
        Entry {
            name: format!("kerberos-{name}"),
            server: Server::Kerberos(lab),
            setup: ProbeSetup {
                credentials,
                domain: Some(crate::real::LAB_REALM),
                ..ProbeSetup::DEFAULT
            },
            expect,
        }
    }

    fn named(mut self, suffix: &str) -> Self {
        self.name = format!("{}-{suffix}", self.name);
        self
    }

    fn credentials(mut self, credentials: Login) -> Self {
        self.setup.credentials = credentials;
        self
    }

    fn protocols(mut self, bits: u32) -> Self {
        self.setup.protocols = Some(bits);
        self
    }

    fn require_valid_cert(mut self) -> Self {
        self.setup.require_valid_cert = true;
        self
    }

    fn unpinned(mut self) -> Self {
        self.setup.pin_lab_certificate = false;
        self
    }

    fn hostile_timeout(mut self) -> Self {
        self.setup.phase_timeout = HOSTILE_PHASE_TIMEOUT;
        self
    }

    /// One line saying what the server does (and, where it matters, how it is probed).
    pub fn describe(&self) -> String {
        let server = match self.server {
            Server::Scripted(s) => s.describe(),
            Server::Acceptor(s) => s.describe().to_owned(),
            Server::Refused => "nothing listens on the port: the TCP connect is refused".into(),
            Server::Kerberos(k) => k.describe(),
        };
        let mut how = Vec::new();
        match self.setup.credentials {
            Login::None => {}
            Login::Lab if !self.setup.pin_lab_certificate => {
                how.push("the lab's credentials, its certificate not pinned".to_owned());
            }
            Login::Lab => how.push("the lab's credentials".to_owned()),
            Login::WrongPassword => how.push("a wrong password".to_owned()),
        }
        if let Some(bits) = self.setup.protocols {
            how.push(format!("only {}", protocol_names(bits)));
        }
        if self.setup.require_valid_cert {
            how.push("--require-valid-cert".to_owned());
        }
        if how.is_empty() {
            server
        } else {
            format!("{server} [probed with {}]", how.join(", "))
        }
    }

    /// Whether this entry is a hostile server: one that should end in a bounded time with a typed
    /// verdict however it misbehaves (used by the hostile-server bench). Besides
    /// [`Scenario::Hostile`], the encrypted servers that damage their own PDUs
    /// ([`EncryptedEnding::BadMac`], [`EncryptedEnding::Garbled`]) are hostile: what the probe
    /// reports against them names MACs of the session keys, which differ from probe to probe with
    /// the client random, so (like the timing a time limit meets) it is not the same on a second
    /// probe.
    pub fn is_hostile(&self) -> bool {
        matches!(
            self.server,
            Server::Scripted(
                Scenario::Hostile { .. }
                    | Scenario::Encrypted {
                        ending: EncryptedEnding::BadMac | EncryptedEnding::Garbled,
                        ..
                    }
            )
        )
    }

    /// Starts the entry's server on `127.0.0.1:port` (0 picks a free port) on the current tokio
    /// runtime.
    pub async fn start_on(&self, port: u16) -> io::Result<Running> {
        Ok(match self.server {
            Server::Scripted(s) => Running::Scripted(ScriptedServer::start_on(s, port).await?),
            Server::Acceptor(s) => Running::Acceptor(AcceptorServer::start_on(s, port).await?),
            Server::Refused => {
                // Bound but never listening: connects are refused (RST), and no other server can
                // take the port while the entry runs.
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
                Running::Refused(RefusedPort(socket))
            }
            Server::Kerberos(k) => Running::Kerberos(Box::new(k.start(port).await?)),
        })
    }

    /// Whether the entry needs a KDC (the lab's `krb5kdc`): its probe targets `localhost` and is
    /// given the KDC ([`Running::kdc`]).
    pub fn needs_kdc(&self) -> bool {
        matches!(self.server, Server::Kerberos(_))
    }

    /// The probe options for this entry against `running` ([`ProbeSetup::options`], with the KDC).
    pub fn options_for(&self, running: &Running) -> ProbeOptions {
        ProbeOptions {
            kdc: running.kdc(),
            ..self.setup.options()
        }
    }

    /// [`Entry::start_on`] a free port.
    pub async fn start(&self) -> io::Result<Running> {
        self.start_on(0).await
    }

    /// Starts the server, probes it with [`ProbeSetup::options`], stops it, and returns the report.
    pub async fn probe(&self) -> io::Result<Report> {
        let running = self.start().await?;
        let target = running.target().map_err(io::Error::other)?;
        let report = rdp_probe_core::probe(&target, &self.options_for(&running)).await;
        drop(running);
        Ok(report)
    }
}

/// A started entry; its server stops when this is dropped.
#[derive(Debug)]
#[non_exhaustive]
pub enum Running {
    /// A scripted server.
    Scripted(ScriptedServer),
    /// An IronRDP-acceptor server.
    Acceptor(AcceptorServer),
    /// A port where nothing listens.
    Refused(RefusedPort),
    /// A Kerberos lab.
    Kerberos(Box<KerberosRunning>),
}

/// A loopback port held by a bound socket that never listens.
#[derive(Debug)]
pub struct RefusedPort(tokio::net::TcpSocket);

impl RefusedPort {
    /// The port's address.
    pub fn addr(&self) -> SocketAddr {
        self.0
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }
}

impl Running {
    /// Where to probe.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Running::Scripted(s) => s.addr(),
            Running::Acceptor(s) => s.addr(),
            Running::Refused(p) => p.addr(),
            Running::Kerberos(k) => k.acceptor.addr(),
        }
    }

    /// The target to probe: the address, or for a Kerberos lab `localhost` and the port (Kerberos
    /// needs a name).
    pub fn target(&self) -> Result<Target, rdp_probe_core::TargetError> {
        let addr = self.addr();
        match self {
            Running::Kerberos(_) => Target::new(KerberosLab::HOST, addr.port()),
            _ => Target::new(addr.ip().to_string(), addr.port()),
        }
    }

    /// The KDC to give the probe, for a Kerberos lab.
    pub fn kdc(&self) -> Option<rdp_probe_core::Kdc> {
        match self {
            Running::Kerberos(k) => {
                let addr = k.client_kdc();
                Some(rdp_probe_core::Kdc {
                    host: addr.ip().to_string(),
                    port: addr.port(),
                })
            }
            _ => None,
        }
    }
}

/// The entry named `name`.
pub fn find(name: &str) -> Option<Entry> {
    catalog().into_iter().find(|e| e.name == name)
}

/// What a hostile server leads to, by how it misbehaves and where (phase timeout
/// [`HOSTILE_PHASE_TIMEOUT`]).
fn hostile_expectation(at: Point, how: Hostility) -> Expected {
    use CodeSpace::*;
    let phase = at.phase();
    let timeout_ms = HOSTILE_PHASE_TIMEOUT.as_millis() as u32;
    // The derived pair for a timeout: licensing has its own ([MS-RDPBCGR] gives none).
    let timeout_pair = if at == Point::ClientInfo {
        (0x908, 0)
    } else {
        (0x704, 0)
    };
    match how {
        // [MS-RDPBCGR] gives no code for a close; rdp-probe's derived pair for a peer close.
        Hostility::Close => Expected::failed(phase, OsError, 0, (0x904, 0)),
        // ECONNRESET (Linux errno 104).
        Hostility::Reset => Expected::failed(phase, OsError, 104, (0x404, 0)),
        Hostility::HugeLength if at == Point::Credssp => {
            Expected::failed(phase, Protocol, 4, (0x1104, 0))
        }
        Hostility::Silence | Hostility::Drip | Hostility::HugeLength => {
            Expected::failed(phase, Timeout, timeout_ms, timeout_pair)
        }
        Hostility::Garbage if matches!(at, Point::Accept | Point::ConnectionRequest) => {
            Expected::failed(phase, NotRdp, 4, (0x1104, 0))
        }
        Hostility::Garbage if at == Point::Credssp => {
            Expected::failed(phase, Credssp, 3, (0x807, 0))
        }
        Hostility::Garbage => Expected::failed(phase, Protocol, 3, (0x1104, 0)),
    }
}

/// Every entry of the lab, in connection order (hostile servers last).
pub fn catalog() -> Vec<Entry> {
    use CodeSpace::*;
    let mut v = vec![
        // ----- healthy servers -----
        Entry::scripted(
            Scenario::Healthy,
            Expected::connected().fact("/server/selected_protocol", "\"rdp\""),
        ),
    ];
    // Standard RDP Security with encryption: one method at each level ([MS-RDPBCGR] 5.3.1). Above
    // low level the server seals its 6 PDUs (licensing, the Demand Active, 4 finalization PDUs)
    // and the probe opens them; the probe seals its own 6 (Client Info, Confirm Active,
    // Synchronize, two Controls, Font List), and the server requires every one to open.
    for (method, level) in [
        (EncryptionMethod::Bits40, LEVEL_LOW),
        (EncryptionMethod::Bits56, LEVEL_CLIENT_COMPATIBLE),
        (EncryptionMethod::Bits128, LEVEL_HIGH),
        (EncryptionMethod::Fips, LEVEL_FIPS),
    ] {
        let opened = if level == LEVEL_LOW { 0 } else { 6 };
        v.push(Entry::scripted(
            Scenario::Encrypted {
                method,
                level,
                ending: EncryptedEnding::Healthy,
            },
            Expected::connected()
                .fact("/server/selected_protocol", "\"rdp\"")
                .fact(
                    "/server/standard_security/encryption_method",
                    method.wire().to_string(),
                )
                .fact(
                    "/server/standard_security/encryption_level",
                    level.to_string(),
                )
                .fact(
                    "/server/standard_security/certificate_type",
                    "\"proprietary\"",
                )
                .fact(
                    "/server/standard_security/certificate_signature",
                    "\"valid\"",
                )
                .fact("/server/standard_security/traffic/sealed", "6")
                .fact(
                    "/server/standard_security/traffic/opened",
                    opened.to_string(),
                ),
        ));
    }
    v.extend([
        Entry::acceptor(
            AcceptorScenario::Tls,
            Expected::connected().fact("/server/selected_protocol", "\"ssl\""),
        ),
        Entry::acceptor(AcceptorScenario::Nla, Expected::connected())
            .credentials(Login::Lab)
            .named("with-credentials"),
        // ----- Kerberos, against a real MIT KDC -----
        Entry::kerberos(
            "logon",
            KerberosLab::HEALTHY,
            Login::Lab,
            Expected::connected()
                .fact("/authentication/package", "\"kerberos\"")
                .fact("/authentication/kerberos/outcome", "\"succeeded\""),
        ),
        Entry::kerberos(
            "wrong-password",
            KerberosLab::HEALTHY,
            Login::WrongPassword,
            // KDC_ERR_PREAUTH_FAILED: no NTLM fallback, as Windows' Negotiate does not fall back.
            Expected::failed("credssp", Kerberos, 24, (0x807, 0)),
        ),
        Entry::kerberos(
            "missing-spn",
            KerberosLab {
                spn: false,
                ..KerberosLab::HEALTHY
            },
            Login::Lab,
            // KDC_ERR_S_PRINCIPAL_UNKNOWN, then NTLM on a new connection, as Windows falls back.
            Expected::connected()
                .fact("/authentication/package", "\"ntlm\"")
                .fact("/authentication/kerberos/outcome", "\"fell_back_to_ntlm\"")
                .fact(
                    "/authentication/kerberos/failure/code/space",
                    "\"kerberos\"",
                )
                .fact("/authentication/kerberos/failure/code/value", "7"),
        ),
        Entry::kerberos(
            "kdc-down-ntlm-refused",
            KerberosLab {
                client_reaches_kdc: false,
                refuse_ntlm: true,
                ..KerberosLab::HEALTHY
            },
            Login::Lab,
            // Kerberos is not possible (no KDC answers) and the server refuses NTLM.
            Expected::failed("credssp", Ntstatus, 0xC000_0418, (0x807, 0))
                .fact("/authentication/kerberos/outcome", "\"fell_back_to_ntlm\"")
                .fact("/authentication/kerberos/failure/code/space", "\"kdc\"")
                .fact("/authentication/kerberos/failure/code/value", "1"),
        ),
        // ----- tcp_connect -----
        Entry {
            name: "refused".into(),
            server: Server::Refused,
            setup: ProbeSetup::DEFAULT,
            // ECONNREFUSED (Linux errno 111).
            expect: Expected::failed("tcp_connect", OsError, 111, (0x204, 0)),
        },
        // ----- x224 -----
        Entry::scripted(
            Scenario::Http,
            Expected::failed("x224", NotRdp, 1, (0x1104, 0)),
        ),
        Entry::scripted(
            Scenario::SshBanner,
            Expected::failed("x224", NotRdp, 2, (0x1104, 0)),
        ),
        Entry::scripted(
            Scenario::TlsAlert,
            Expected::failed("x224", NotRdp, 3, (0x1104, 0)),
        ),
    ]);
    // RDP_NEG_FAILURE ([MS-RDPBCGR] 2.2.1.2.2): 1 SSL_REQUIRED_BY_SERVER, 2 SSL_NOT_ALLOWED_BY_SERVER
    // (pinned to SSL so there is no fallback), 3 SSL_CERT_NOT_ON_SERVER, 4 INCONSISTENT_FLAGS,
    // 5 HYBRID_REQUIRED_BY_SERVER, 6 SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER, and an unknown one.
    for code in [1u32, 2, 3, 4, 5, 6, 0x99] {
        let pair = if code == 5 { (0xB09, 0) } else { (0x906, 0) };
        let e = Entry::scripted(
            Scenario::NegFailure(code),
            Expected::failed("x224", NegFailure, code, pair),
        );
        v.push(if code == 2 {
            e.protocols(0x1).named("ssl-only")
        } else {
            e
        });
    }
    v.extend([
        Entry::acceptor(
            AcceptorScenario::HybridRequired,
            Expected::failed("x224", NegFailure, 5, (0xB09, 0)),
        )
        .protocols(0x1)
        .named("ssl-only"),
        Entry::scripted(
            Scenario::SelectsUnrequested(4),
            Expected::failed("x224", Protocol, 1, (0x1104, 0))
                .fact("/server/selected_protocol", "\"rdstls\""),
        )
        .protocols(0x1)
        .named("ssl-only"),
        Entry::scripted(
            Scenario::SslNotAllowedThenErrinfo(7),
            Expected::failed("licensing", Errinfo, 7, (0x904, 7))
                .fact("/server/negotiation_failures/0/code", "2")
                .fact("/server/requested_protocols", "[\"rdp\"]"),
        ),
        Entry::scripted(
            Scenario::LegacyNoNegotiation,
            Expected::failed("licensing", Errinfo, 7, (0x904, 7))
                .fact("/server/legacy_negotiation", "true"),
        ),
        // ----- tls -----
        Entry::scripted(
            Scenario::TlsAlertAfterConfirm(40),
            Expected::failed("tls", TlsAlert, 40, (0x4, 0)),
        ),
        Entry::scripted(
            Scenario::TlsAlertAfterConfirm(48),
            Expected::failed("tls", TlsAlert, 48, (0x4, 0)),
        ),
        Entry::scripted(
            Scenario::Tls10Only,
            Expected::failed("tls", TlsVersion, 0x0301, (0x4, 0)),
        ),
        Entry::scripted(
            Scenario::NtlmChallenge { version: 6 },
            // 4: issued by an unknown CA, or self-signed; mstsc would ask, and declining is 0x1.
            Expected::failed("tls", Certificate, 4, (0x1, 0)),
        )
        .require_valid_cert()
        .named("require-valid-cert"),
    ]);
    // ----- credssp -----
    for version in 2..=6u32 {
        v.push(Entry::scripted(
            Scenario::NtlmChallenge { version },
            Expected::stopped("needs_credentials", "credssp", "nla_requires_credentials")
                .fact("/server/credssp_version", version.to_string())
                .fact("/server/ntlm/netbios_computer", "\"LABHOST\"")
                .fact("/server/ntlm/os_version", "\"10.0.20348\""),
        ));
    }
    for version in [2u32, 6] {
        v.push(
            Entry::scripted(
                Scenario::NtlmChallenge { version },
                // 1: rejected without an errorCode.
                Expected::failed("credssp", Credssp, 1, (0x807, 0)),
            )
            .credentials(Login::Lab)
            .named("with-credentials"),
        );
    }
    // The credential trust policy: the lab's certificate, not pinned, vouches for nothing; the probe
    // sends the NEGOTIATE, reads the CHALLENGE and withholds the AUTHENTICATE.
    v.push(
        Entry::scripted(
            Scenario::NtlmChallenge { version: 6 },
            Expected::stopped("credentials_withheld", "credssp", "credentials_withheld")
                .fact("/trust/decision", "\"withheld\"")
                .fact("/server/ntlm/netbios_computer", "\"LABHOST\""),
        )
        .credentials(Login::Lab)
        .unpinned()
        .named("credentials-withheld"),
    );
    for (version, ntstatus, disc) in [
        // STATUS_LOGON_FAILURE, STATUS_PASSWORD_EXPIRED, STATUS_ACCOUNT_DISABLED ([MS-ERREF] 2.3.1).
        (3u32, 0xC000_006Du32, 0x807u32),
        (6, 0xC000_006D, 0x807),
        (6, 0xC000_0071, 0xF07),
        (6, 0xC000_0072, 0xB07),
        (6, 0xC000_0234, 0xD07),
        // SEC_E_INVALID_TOKEN, an SSPI HRESULT some servers send ([MS-ERREF] 2.1.1).
        (6, 0x8009_0308, 0x807),
    ] {
        v.push(Entry::scripted(
            Scenario::CredsspError { version, ntstatus },
            Expected::failed("credssp", Ntstatus, ntstatus, (disc, 0))
                .fact("/server/credssp_version", version.to_string()),
        ));
    }
    v.extend([
        Entry::acceptor(
            AcceptorScenario::Nla,
            Expected::stopped("needs_credentials", "credssp", "nla_requires_credentials"),
        ),
        Entry::acceptor(
            AcceptorScenario::Nla,
            Expected::failed("credssp", Ntstatus, 0xC000_006D, (0x807, 0)),
        )
        .credentials(Login::WrongPassword)
        .named("wrong-password"),
        Entry::acceptor(
            AcceptorScenario::EarlyUserAuthDenied,
            // AUTHZ_ACCESS_DENIED ([MS-RDPBCGR] 2.2.10.2).
            Expected::failed("credssp", EarlyUserAuth, 5, (0x904, 0x9))
                .fact("/server/selected_protocol", "\"hybrid_ex\""),
        )
        .credentials(Login::Lab),
        // ----- basic settings, channel connection -----
        Entry::scripted(
            Scenario::McsDisconnectInBasicSettings(1),
            Expected::failed("basic_settings", McsDisconnect, 1, (0x3, 0)),
        ),
        Entry::scripted(
            Scenario::McsConnectRejected(1),
            // 5: MCS Connect Response rejected.
            Expected::failed("basic_settings", Protocol, 5, (0x1104, 0)),
        ),
        Entry::scripted(
            Scenario::AttachUserRejected(1),
            // 6: channel join or attach user rejected.
            Expected::failed("channel_connection", Protocol, 6, (0x1104, 0)),
        ),
        Entry::scripted(
            Scenario::ChannelJoinRejected(14),
            Expected::failed("channel_connection", Protocol, 6, (0x1104, 0)),
        ),
    ]);
    // ----- licensing: Set Error Info after the Client Info PDU -----
    for value in [7u32, 9, 0x101, 0x10C9, 0xBEEF] {
        v.push(Entry::scripted(
            Scenario::ErrinfoAfterClientInfo(value),
            Expected::failed("licensing", Errinfo, value, (0x904, value)),
        ));
    }
    v.extend([
        // The same "0x904 / 0x7" from a server that encrypts: the probe must open the Set Error
        // Info.
        Entry::scripted(
            Scenario::Encrypted {
                method: EncryptionMethod::Bits128,
                level: LEVEL_CLIENT_COMPATIBLE,
                ending: EncryptedEnding::ErrinfoInLicensing(7),
            },
            Expected::failed("licensing", Errinfo, 7, (0x904, 7))
                .fact("/server/standard_security/traffic/opened", "1"),
        ),
        // A MAC that does not verify (6), a FIPS PDU that does not decrypt (7).
        Entry::scripted(
            Scenario::Encrypted {
                method: EncryptionMethod::Bits128,
                level: LEVEL_HIGH,
                ending: EncryptedEnding::BadMac,
            },
            Expected::failed("licensing", StandardSecurity, 6, (0xC06, 0))
                .fact("/failure/detail/type", "\"mac\""),
        ),
        Entry::scripted(
            Scenario::Encrypted {
                method: EncryptionMethod::Fips,
                level: LEVEL_FIPS,
                ending: EncryptedEnding::BadMac,
            },
            Expected::failed("licensing", StandardSecurity, 6, (0xC06, 0))
                .fact("/failure/detail/type", "\"mac\""),
        ),
        Entry::scripted(
            Scenario::Encrypted {
                method: EncryptionMethod::Fips,
                level: LEVEL_FIPS,
                ending: EncryptedEnding::Garbled,
            },
            Expected::failed("licensing", StandardSecurity, 7, (0xC06, 0)),
        ),
        // A PDU in the clear where the level requires encryption (8).
        Entry::scripted(
            Scenario::Encrypted {
                method: EncryptionMethod::Bits128,
                level: LEVEL_HIGH,
                ending: EncryptedEnding::UnencryptedDemandActive,
            },
            Expected::failed("capabilities", StandardSecurity, 8, (0xC06, 0)),
        ),
        // Server Security Data the probe refuses before the Security Exchange (1 to 5).
        Entry::scripted(
            Scenario::BrokenSecurityData(BrokenSecurityData::LevelMismatch),
            Expected::failed("basic_settings", StandardSecurity, 1, (0x606, 0)),
        ),
        Entry::scripted(
            Scenario::BrokenSecurityData(BrokenSecurityData::ShortRandom),
            Expected::failed("basic_settings", StandardSecurity, 1, (0x606, 0)),
        ),
        Entry::scripted(
            Scenario::BrokenSecurityData(BrokenSecurityData::UnknownMethod),
            Expected::failed("basic_settings", StandardSecurity, 2, (0x506, 0)),
        ),
        Entry::scripted(
            Scenario::BrokenSecurityData(BrokenSecurityData::GarbageCertificate),
            Expected::failed("basic_settings", StandardSecurity, 3, (0x706, 0)),
        ),
        Entry::scripted(
            Scenario::BrokenSecurityData(BrokenSecurityData::BadSignature),
            Expected::failed("basic_settings", StandardSecurity, 4, (0x706, 0)).fact(
                "/server/standard_security/certificate_signature",
                "\"invalid\"",
            ),
        ),
        Entry::scripted(
            Scenario::BrokenSecurityData(BrokenSecurityData::TinyKey),
            Expected::failed("basic_settings", StandardSecurity, 5, (0xB06, 0)),
        ),
        Entry::scripted(
            Scenario::ErrinfoThenUltimatum(7),
            Expected::failed("licensing", Errinfo, 7, (0x3, 7)),
        ),
        Entry::scripted(
            Scenario::ErrinfoThenReset(9),
            Expected::failed("licensing", Errinfo, 9, (0x404, 9)),
        ),
        Entry::scripted(
            Scenario::ErrinfoThenHold(0x10C9),
            Expected::failed("licensing", Errinfo, 0x10C9, (0x904, 0x10C9)),
        ),
        Entry::scripted(
            Scenario::X224DisconnectAfterClientInfo(2),
            Expected::failed("licensing", X224Disconnect, 2, (0x904, 0)),
        ),
        Entry::scripted(
            Scenario::LicenseError {
                code: 6,
                state_transition: 1,
            },
            // No errinfo was sent: the licensing ERRINFO of the same meaning.
            Expected::failed("licensing", LicenseError, 6, (0x808, 0x101)),
        ),
        Entry::scripted(
            Scenario::Redirect,
            Expected::connected()
                .outcome("redirected")
                .fact("/server/licensing/outcome", "\"valid_client\"")
                .fact("/server/redirection/form", "\"standard\"")
                .fact("/server/redirection/session_id", "42")
                .fact("/server/redirection/target_net_address", "\"127.0.0.2\""),
        ),
        Entry::scripted(
            Scenario::RedirectEnhanced,
            Expected::connected()
                .outcome("redirected")
                .fact("/server/redirection/form", "\"enhanced\"")
                .fact("/server/redirection/form_bits", "10")
                .fact("/server/redirection/target_net_address", "\"127.0.0.2\"")
                .fact("/server/redirection/user_name", "\"alice\"")
                .fact("/server/redirection/domain", "\"RDPLAB\"")
                .fact("/server/redirection/password_present", "true")
                .fact("/server/redirection/load_balance_info_len", "36"),
        ),
        // ----- capabilities, finalization -----
        Entry::scripted(
            Scenario::LicenseValidClientThenErrinfo(9),
            Expected::failed("capabilities", Errinfo, 9, (0x904, 9)),
        ),
        Entry::scripted(
            Scenario::FinalizationErrinfo(5),
            Expected::failed("finalization", Errinfo, 5, (0x904, 5)),
        ),
        Entry::acceptor(
            AcceptorScenario::InsufficientPrivileges,
            Expected::failed("licensing", Errinfo, 9, (0x904, 9)),
        )
        .credentials(Login::Lab),
    ]);
    // ----- hostile servers -----
    for at in Point::ALL {
        for how in Hostility::ALL {
            // Right after the accept only these make sense (a reset there races with the
            // client's first write, so its code is not deterministic).
            if at == Point::Accept && !matches!(how, Hostility::Close | Hostility::Silence) {
                continue;
            }
            v.push(
                Entry::scripted(Scenario::Hostile { at, how }, hostile_expectation(at, how))
                    .hostile_timeout(),
            );
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_shell_safe() {
        let mut seen = HashSet::new();
        for e in catalog() {
            assert!(
                !e.name.is_empty()
                    && e.name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                e.name
            );
            assert!(seen.insert(e.name.clone()), "duplicate {}", e.name);
            assert!(!e.describe().is_empty());
            assert_eq!(find(&e.name).map(|f| f.name), Some(e.name.clone()));
        }
    }

    #[test]
    fn summary_names_the_code_and_pair() {
        let e = find("errinfo-after-client-info-0x7").expect("entry");
        assert_eq!(
            e.expect.summary(),
            "failed in licensing: errinfo 0x00000007 ERRINFO_SERVER_DENIED_CONNECTION; mstsc 0x904/0x7 (derived)"
        );
    }

    #[test]
    fn cli_args_never_carry_a_password() {
        for e in catalog() {
            let args = e.setup.cli_args();
            assert!(
                !args.contains(LAB_PASSWORD) && !args.contains(WRONG_PASSWORD),
                "{args}"
            );
        }
    }
}
