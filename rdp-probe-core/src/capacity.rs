//! The capacity check: from how many pre-authentication connections on does a server refuse the
//! next one? One of the causes the "0x904" advice names is a server that refuses connections while
//! too many are outstanding (connected, not yet logged on); this opens them one after another, holds
//! each as the Windows client does while its user types a password (X.224 answered, TLS established
//! where selected), and reports where the server started refusing, resetting or staying silent.
//!
//! It is load on the server: at most [`MAX_CONNECTIONS`] connections, every one closed at the end.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use rdp_probe_core::capacity::{capacity, CapacityOptions};
//! let report = capacity(&"10.0.0.5".parse().unwrap(), &CapacityOptions::new(200)).await;
//! if let Some(n) = report.limit {
//!     println!("the server holds {n} outstanding connections, then: {}", report.hint);
//! }
//! # }
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::framed::FrameReader;
use crate::inventory::negotiation::{Answer, COOKIE, Silence};
use crate::report::TargetReport;
use crate::{CertPolicy, Protocols, Target, Timeouts};

/// The most connections a capacity check opens.
pub const MAX_CONNECTIONS: u16 = 1000;
/// Consecutive refusals after which the check stops opening more (the limit is found).
pub const DEFAULT_STOP_AFTER: u16 = 5;
/// The contract name of the report.
pub const CAPACITY_SCHEMA: &str = "rdp-probe-capacity/1";

/// What to do.
#[derive(Debug, Clone)]
pub struct CapacityOptions {
    /// Connections to open, at most [`MAX_CONNECTIONS`] (more are cut to it).
    pub connections: u16,
    /// Limits for each connect, read and TLS handshake; `overall` bounds the whole check.
    pub timeouts: Timeouts,
    /// The protocols each Connection Request asks for (default: the Windows client's).
    pub protocols: Protocols,
    /// Stop after this many refusals in a row.
    pub stop_after: u16,
}

impl CapacityOptions {
    /// `connections` connections with the default limits.
    pub fn new(connections: u16) -> Self {
        CapacityOptions {
            connections: connections.min(MAX_CONNECTIONS),
            timeouts: Timeouts::default(),
            protocols: Protocols::MSTSC_DEFAULT,
            stop_after: DEFAULT_STOP_AFTER,
        }
    }
}

/// How one connection went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Held {
    /// Answered (and TLS established where selected), and held open.
    Held,
    /// Answered with an RDP_NEG_FAILURE.
    Refused,
    /// The TCP connect failed or was refused.
    ConnectFailed,
    /// Closed by the server.
    Closed,
    /// Reset by the server.
    Reset,
    /// No answer within the phase limit.
    Timeout,
    /// Answered with something else (not RDP, a disconnect, a failed TLS handshake).
    Other,
}

/// One connection of the check.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attempt {
    /// 1-based.
    pub index: u32,
    /// How it went.
    pub outcome: Held,
    /// Connections held open when it was tried.
    pub held_before: u32,
    /// Time to the answer, in milliseconds.
    pub elapsed_ms: f64,
}

/// The capacity report (`rdp-probe-capacity/1`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CapacityReport {
    /// `rdp-probe-capacity/1`.
    pub schema: &'static str,
    /// The server.
    pub target: TargetReport,
    /// Connections the check asked for.
    pub requested: u16,
    /// Connections tried.
    pub attempted: u32,
    /// The most held open at once.
    pub max_held: u32,
    /// The first connection the server did not hold (1-based), when there was one.
    pub first_refused: Option<u32>,
    /// How many it held before refusing: the outstanding-connection limit the check found, `null`
    /// when it held every connection asked for.
    pub limit: Option<u32>,
    /// How the refusals looked: `reset`, `closed`, `timeout`, `refused` ...; empty without refusals.
    pub refused_with: Vec<Held>,
    /// Every connection, in order.
    pub attempts: Vec<Attempt>,
    /// What it means and what to check.
    pub hint: String,
    /// That the check was load on the server.
    pub warning: String,
    /// Why the check could not run at all, if it could not.
    pub error: Option<String>,
    /// Wall time, in milliseconds.
    pub elapsed_ms: f64,
}

impl CapacityReport {
    /// The JSON form, indented.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"schema\":\"{CAPACITY_SCHEMA}\",\"error\":\"{e}\"}}"))
    }
}

/// What a held connection keeps open until the end of the check.
enum Open {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// Runs the capacity check on `target`. Every connection it opened is closed before it returns.
pub async fn capacity(target: &Target, options: &CapacityOptions) -> CapacityReport {
    let start = Instant::now();
    let deadline = start + options.timeouts.overall;
    let requested = options.connections.min(MAX_CONNECTIONS);
    let mut report = CapacityReport {
        schema: CAPACITY_SCHEMA,
        target: TargetReport {
            host: target.host().to_owned(),
            port: target.port(),
            address: None,
        },
        requested,
        attempted: 0,
        max_held: 0,
        first_refused: None,
        limit: None,
        refused_with: Vec::new(),
        attempts: Vec::new(),
        hint: String::new(),
        warning: format!(
            "this check opened up to {requested} connections to the server and held them until the end: load that can lock out real users while it runs"
        ),
        error: None,
        elapsed_ms: 0.0,
    };
    let addr = match tokio::time::timeout(
        options.timeouts.connect,
        tokio::net::lookup_host((target.host(), target.port())),
    )
    .await
    {
        Ok(Ok(mut a)) => a.next(),
        _ => None,
    };
    let Some(addr) = addr else {
        report.error = Some(format!("{} could not be resolved", target.host()));
        return finish(report, start);
    };
    report.target.address = Some(addr.to_string());
    let tls = match crate::tls::client_config(CertPolicy::AcceptAny, &[]) {
        Ok(c) => tokio_rustls::TlsConnector::from(c),
        Err(e) => {
            report.error = Some(format!("no TLS configuration: {e:?}"));
            return finish(report, start);
        }
    };
    let mut held: Vec<Open> = Vec::new();
    let mut in_a_row = 0u16;
    for index in 1..=u32::from(requested) {
        if Instant::now() >= deadline {
            break;
        }
        let began = Instant::now();
        let (outcome, open) = one(addr, target, options, &tls, deadline).await;
        report.attempts.push(Attempt {
            index,
            outcome,
            held_before: u32::try_from(held.len()).unwrap_or(u32::MAX),
            elapsed_ms: began.elapsed().as_secs_f64() * 1000.0,
        });
        report.attempted = index;
        if let Some(open) = open {
            held.push(open);
            report.max_held = report
                .max_held
                .max(u32::try_from(held.len()).unwrap_or(u32::MAX));
            in_a_row = 0;
            continue;
        }
        if report.first_refused.is_none() {
            report.first_refused = Some(index);
            report.limit = Some(u32::try_from(held.len()).unwrap_or(u32::MAX));
        }
        if !report.refused_with.contains(&outcome) {
            report.refused_with.push(outcome);
        }
        in_a_row += 1;
        if in_a_row >= options.stop_after.max(1) {
            break;
        }
    }
    for open in held.drain(..) {
        match open {
            Open::Plain(mut s) => {
                let _ = s.shutdown().await;
            }
            Open::Tls(mut s) => {
                let _ = s.shutdown().await;
            }
        }
    }
    report.hint = hint(&report);
    finish(report, start)
}

fn finish(mut report: CapacityReport, start: Instant) -> CapacityReport {
    report.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    report
}

/// One connection: connect, Connection Request, answer, TLS where selected.
async fn one(
    addr: SocketAddr,
    target: &Target,
    options: &CapacityOptions,
    tls: &tokio_rustls::TlsConnector,
    deadline: Instant,
) -> (Held, Option<Open>) {
    let limit = |d: Duration| (Instant::now() + d).min(deadline);
    let mut stream =
        match tokio::time::timeout_at(limit(options.timeouts.connect), TcpStream::connect(addr))
            .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (Held::Reset, None);
            }
            Ok(Err(_)) => return (Held::ConnectFailed, None),
            Err(_) => return (Held::Timeout, None),
        };
    let _ = stream.set_nodelay(true);
    let request = rdp_probe_wire::x224::connection_request(options.protocols.bits(), Some(COOKIE));
    let phase = limit(options.timeouts.phase);
    if tokio::time::timeout_at(phase, stream.write_all(&request))
        .await
        .map_or(true, |r| r.is_err())
    {
        return (Held::Reset, None);
    }
    let mut reader = FrameReader::new();
    let frame = tokio::time::timeout_at(
        phase,
        reader.read_frame(&mut stream, rdp_probe_wire::frame::rdp_frame_len),
    )
    .await;
    let answer = match frame {
        Ok(Ok(f)) => Answer::from_frame(&f),
        Ok(Err(e)) => Answer::Silent(match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Silence::Closed,
            std::io::ErrorKind::InvalidData => return (Held::Other, None),
            _ => Silence::Reset,
        }),
        Err(_) => Answer::Silent(Silence::Timeout),
    };
    match answer {
        Answer::Silent(Silence::Closed) => (Held::Closed, None),
        Answer::Silent(Silence::Reset) => (Held::Reset, None),
        Answer::Silent(Silence::Timeout) => (Held::Timeout, None),
        Answer::Silent(Silence::ConnectFailed) => (Held::ConnectFailed, None),
        a if a.failure().is_some() => (Held::Refused, None),
        a if a.selected().is_some_and(|s| s != 0) => {
            let name = crate::tls::server_name(target.host());
            match tokio::time::timeout_at(phase, tls.connect(name, stream)).await {
                Ok(Ok(s)) => (Held::Held, Some(Open::Tls(Box::new(s)))),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    (Held::Reset, None)
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => (Held::Closed, None),
                Ok(Err(_)) => (Held::Other, None),
                Err(_) => (Held::Timeout, None),
            }
        }
        a if a.is_decision() => (Held::Held, Some(Open::Plain(stream))),
        _ => (Held::Other, None),
    }
}

fn hint(report: &CapacityReport) -> String {
    match (report.limit, report.error.as_ref()) {
        (_, Some(e)) => e.clone(),
        (Some(0), _) => "the server refused the first connection: this is not a capacity limit; run the diagnosis (rdp-probe HOST) for the cause".to_owned(),
        (Some(n), _) => format!(
            "the server held {n} outstanding (connected, not logged on) connections and {} the next: it limits outstanding connections. On Windows this limit is a Terminal Server registry value (KB 908912; MaxOutstandingConnections under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server, derived: the value name is not confirmed in a source read here); raise it, or find what holds connections open (scanners, a load balancer's health checks, clients stuck at the credentials prompt). The session limit ('Limit number of connections', MaxInstanceCount) counts logged-on sessions, not these",
            match report.refused_with.first() {
                Some(Held::Reset) => "reset",
                Some(Held::Closed) => "closed",
                Some(Held::Timeout) => "did not answer",
                Some(Held::Refused) => "refused at X.224",
                _ => "refused",
            }
        ),
        (None, None) => format!(
            "the server held all {} connections: no outstanding-connection limit at or below that number",
            report.max_held
        ),
    }
}
