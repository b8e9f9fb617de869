//! A socket-free transcript harness: the [`Machine`] against a scripted server, in scripted time.
//!
//! A script is a list of server [`Event`]s: bytes the server sends ([`Event::Frame`], split or joined as
//! the script likes), how the connection ends ([`Event::Close`], [`Event::Reset`]), time passing
//! ([`Event::Advance`], [`Event::Silence`]), the outcome of the next TLS handshake ([`Event::TlsOk`],
//! [`Event::TlsFail`]) and of the TCP connect ([`Event::ConnectRefused`], [`Event::ConnectUnanswered`],
//! [`Event::ResolveFails`]). [`Setup::run`] drives one probe through it and returns a [`Transcript`]: the
//! [`Report`] and every PDU the client sent, with the phase it was sent in.
//!
//! Time is scripted: the harness keeps a virtual clock that starts at zero. Each event that arrives
//! (bytes, a close, a TLS outcome, an accepted connect) costs one [`Setup::tick`]; [`Event::Advance`] adds
//! its duration; [`Event::Silence`] jumps to the engine's deadline ([`Machine::deadline`]). Whenever a
//! wait would run past the deadline, the harness stops the clock exactly at the deadline and reports a
//! timeout, as the tokio driver does, and an event that would have arrived later is kept for the next wait.
//! When the script runs out the server closes the connection (EOF). When the engine reconnects (the
//! fallback after SSL_NOT_ALLOWED_BY_SERVER) while a [`Event::Close`] or [`Event::Reset`] is next in the
//! script, that event ends the old connection; the events after it serve the new one.
//!
//! What the harness models of the driver: a connect is accepted unless the script says otherwise; received
//! bytes count when the engine takes a frame (and, when a read fails, the bytes it held), as over plain TCP;
//! under TLS the frames are the plaintext (the harness has no TLS records); after a close every read ends in
//! EOF, after a reset every read and write fails with ECONNRESET; bytes buffered before a TLS upgrade are
//! dropped, as the driver drops them. Events that do not fit what the engine waits for (a TLS outcome while
//! it reads a frame, say) are skipped and listed in [`Transcript::skipped`].
//!
//! ```
//! use rdp_probe_core::engine::transcript::{server, Event, Setup};
//! use rdp_probe_core::{CodeSpace, Phase, Target, VerdictKind};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A server that refuses the security negotiation with HYBRID_REQUIRED_BY_SERVER (5).
//! let setup = Setup::new(Target::new("rdp.example.com", 3389)?);
//! let transcript = setup.run([Event::Frame(server::neg_failure(5)), Event::Close]);
//!
//! let report = &transcript.report;
//! assert_eq!(report.verdict_kind(), VerdictKind::Failed);
//! let failure = report.failure().ok_or("no failure")?;
//! assert_eq!((failure.phase, failure.code.space, failure.code.value), (Phase::X224, CodeSpace::NegFailure, 5));
//! assert_eq!(report.mstsc().map(|m| (m.disconnect_reason, m.extended_reason)), Some((0xB09, 0)));
//! // The client sent one X.224 Connection Request, in the x224 phase.
//! assert_eq!(transcript.sent.len(), 1);
//! assert_eq!(transcript.sent[0].phase, Phase::X224);
//! // The invariants every report must meet hold.
//! transcript.check(&setup.options)?;
//! # Ok(())
//! # }
//! ```

pub mod fuzz;
pub mod server;
pub mod standard;

use std::collections::VecDeque;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::{Action, FrameCheck, IoFailure, Machine, TlsEstablished, TlsHandshakeError, TlsStack};
use crate::failure::NetworkErrorKind;
use crate::phase::{PhaseRecord, PhaseStatus};
use crate::report::Report;
use crate::{CodeSpace, Phase, ProbeOptions, Target, VerdictKind};

/// How many actions ([`Machine::poll`] results) one probe may take before the harness stops it and
/// [`Transcript::step_limit_reached`] is set. A probe to the end of finalization takes about 40.
pub const DEFAULT_MAX_STEPS: usize = 10_000;

/// How many server events one probe may consume (a bound for servers that never run out).
pub const DEFAULT_MAX_EVENTS: usize = 10_000;

/// What one arriving event costs on the scripted clock by default.
pub const DEFAULT_TICK: Duration = Duration::from_millis(1);

/// The wall-clock time (seconds since the epoch) certificates are judged at by default:
/// 2028-01-01T00:00:00Z, inside the validity of [`server::LOCALHOST_CERT`].
pub const DEFAULT_NOW_UNIX: i64 = 1_830_297_600;

/// The byte the harness fills [`Action::Random`] requests with: scripted runs are deterministic.
pub const RANDOM_FILL: u8 = 0x5a;

/// `ECONNRESET` (Linux errno), what a reset reads as.
pub const ECONNRESET: i32 = 104;

/// `ECONNREFUSED` (Linux errno), what [`Event::ConnectRefused`] reads as.
pub const ECONNREFUSED: i32 = 111;

/// The TLS version [`Event::tls_ok`] reports: TLS 1.3.
pub const DEFAULT_TLS_VERSION: u16 = rdp_probe_codes::tls_names::TLS_1_3;

/// The cipher suite [`Event::tls_ok`] reports: TLS_AES_256_GCM_SHA384.
pub const DEFAULT_CIPHER_SUITE: u16 = 0x1302;

/// One thing the scripted server (or the network) does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The server sends these bytes: a whole frame, part of one, or several.
    Frame(Vec<u8>),
    /// The server closes the connection (FIN; every later read ends in EOF).
    Close,
    /// The server resets the connection (every later read or write fails with ECONNRESET).
    Reset,
    /// The server says nothing until the engine's deadline: the wait in progress times out.
    Silence,
    /// This much time passes before the next event (a wait that would outlast its deadline times out).
    Advance(Duration),
    /// The next TLS handshake succeeds with this session.
    TlsOk {
        /// The protocol version on the wire, e.g. `0x0304`.
        version: u16,
        /// The cipher suite's code point, e.g. `0x1302`.
        cipher_suite: u16,
        /// DER certificates, leaf first.
        chain: Vec<Vec<u8>>,
    },
    /// The next TLS handshake fails so, as the driver reports it (rustls' error, or the connection's).
    /// Where the failure suggests a TLS 1.0/1.1 server, the engine then checks on a second connection:
    /// the events after this one serve it (an X.224 Confirm, then the server's first TLS record).
    TlsFail(TlsHandshakeError),
    /// Name resolution fails with this message (only at the first connect).
    ResolveFails(String),
    /// The TCP connect is refused (ECONNREFUSED).
    ConnectRefused,
    /// The TCP connect gets no answer until the connect deadline.
    ConnectUnanswered,
    /// The KDC answers the pending [`Action::ExchangeKdc`] with these bytes (length prefix included).
    KdcReply(Vec<u8>),
    /// The pending [`Action::ExchangeKdc`] brings no reply, for this reason.
    KdcFails(crate::kerberos::KdcFailure),
    /// The DNS server answers the pending [`Action::LocateKdc`] with these bytes.
    DnsReply(Vec<u8>),
    /// The pending [`Action::LocateKdc`] brings no reply, for this reason.
    DnsFails(crate::kerberos::KdcLookupFailure),
    /// A driver bug, for tests of the engine's own guard: before the engine is asked what to do next,
    /// the harness hands it this frame whatever it waits for (a frame it never asked for ends the probe
    /// as rdp-probe's internal error).
    Unasked(Vec<u8>),
}

impl Event {
    /// [`Event::TlsOk`] with [`DEFAULT_TLS_VERSION`], [`DEFAULT_CIPHER_SUITE`] and
    /// [`server::LOCALHOST_CERT`].
    pub fn tls_ok() -> Self {
        Event::tls_ok_with(vec![server::LOCALHOST_CERT.to_vec()])
    }

    /// [`Event::TlsOk`] with [`DEFAULT_TLS_VERSION`], [`DEFAULT_CIPHER_SUITE`] and this chain.
    pub fn tls_ok_with(chain: Vec<Vec<u8>>) -> Self {
        Event::TlsOk {
            version: DEFAULT_TLS_VERSION,
            cipher_suite: DEFAULT_CIPHER_SUITE,
            chain,
        }
    }

    /// [`Event::TlsFail`] with a TLS alert the server sent (raw AlertDescription).
    pub fn tls_alert(description: u8) -> Self {
        Event::TlsFail(TlsHandshakeError::Rustls(rustls::Error::AlertReceived(
            rustls::AlertDescription::from(description),
        )))
    }

    /// [`Event::TlsFail`] as rustls reports a server hello below TLS 1.2.
    pub fn tls_incompatible() -> Self {
        Event::TlsFail(TlsHandshakeError::Rustls(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13,
        )))
    }

    /// A server that only speaks this older TLS version (e.g. 0x0301, TLS 1.0), as the probe meets it:
    /// rustls refuses its hello, then on the legacy-TLS check's connection it confirms PROTOCOL_SSL
    /// and answers the legacy ClientHello with a ServerHello of that version.
    pub fn legacy_tls_server(server_version: u16) -> [Event; 3] {
        [
            Event::tls_incompatible(),
            Event::Frame(server::confirm(rdp_probe_wire::x224::PROTOCOL_SSL)),
            Event::Frame(server::legacy_server_hello(server_version)),
        ]
    }
}

/// What the client sent: one [`Action::Send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Scripted time of the send.
    pub at: Duration,
    /// The TCP connection it went out on (1 for the first).
    pub connection: u32,
    /// The phase the engine was in.
    pub phase: Phase,
    /// The bytes (plaintext under TLS).
    pub bytes: Vec<u8>,
}

/// A scripted server: it is asked for its next event whenever the engine waits for one.
pub trait Server {
    /// The next event, knowing everything the client has sent so far (on every connection). `None`: the
    /// server has nothing more to say, and closes.
    fn next_event(&mut self, client: &[Sent]) -> Option<Event>;
}

/// A fixed list of events, played in order whatever the client sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    events: VecDeque<Event>,
}

impl Script {
    /// A script of these events.
    pub fn new(events: impl IntoIterator<Item = Event>) -> Self {
        Self {
            events: events.into_iter().collect(),
        }
    }

    /// The events not played yet.
    pub fn remaining(&self) -> usize {
        self.events.len()
    }
}

impl Server for Script {
    fn next_event(&mut self, _client: &[Sent]) -> Option<Event> {
        self.events.pop_front()
    }
}

/// How to run a probe against a scripted server.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The target (its host name is what the certificate is judged against).
    pub target: Target,
    /// The address the TCP connect reaches.
    pub address: SocketAddr,
    /// The probe options.
    pub options: ProbeOptions,
    /// Wall-clock time for judging certificates (seconds since the epoch).
    pub now_unix: i64,
    /// What one arriving event costs on the scripted clock.
    pub tick: Duration,
    /// See [`DEFAULT_MAX_STEPS`].
    pub max_steps: usize,
    /// See [`DEFAULT_MAX_EVENTS`].
    pub max_events: usize,
    /// Whether the server's chains count as valid for the host (as the driver's verifier would judge
    /// a chain to a trusted root) when the trust decision asks; by default every chain is invalid.
    pub valid_chains: bool,
}

impl Setup {
    /// Default options against `target`, which is reached at its address when it is an IP literal, else
    /// at 127.0.0.1.
    pub fn new(target: Target) -> Self {
        let ip = target.ip().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Self {
            address: SocketAddr::new(ip, target.port()),
            target,
            options: ProbeOptions::default(),
            now_unix: DEFAULT_NOW_UNIX,
            tick: DEFAULT_TICK,
            max_steps: DEFAULT_MAX_STEPS,
            max_events: DEFAULT_MAX_EVENTS,
            valid_chains: false,
        }
    }

    /// Chains count as valid for the host ([`Setup::valid_chains`]).
    #[must_use]
    pub fn with_valid_chains(mut self) -> Self {
        self.valid_chains = true;
        self
    }

    /// These options instead.
    #[must_use]
    pub fn with_options(mut self, options: ProbeOptions) -> Self {
        self.options = options;
        self
    }

    /// Judge certificates at this time (seconds since the epoch).
    #[must_use]
    pub fn with_now_unix(mut self, now_unix: i64) -> Self {
        self.now_unix = now_unix;
        self
    }

    /// Runs one probe against a fixed script.
    pub fn run(&self, events: impl IntoIterator<Item = Event>) -> Transcript {
        drive(self, &mut Script::new(events))
    }

    /// Runs one probe against a server that may answer what the client sent.
    pub fn run_with(&self, server: &mut dyn Server) -> Transcript {
        drive(self, server)
    }
}

/// What a scripted probe produced.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// The report.
    pub report: Report,
    /// What the client sent, one entry per send, in order.
    pub sent: Vec<Sent>,
    /// Events that did not fit what the engine was waiting for, in order.
    pub skipped: Vec<Event>,
    /// The TLS stack of each handshake the engine asked for, in order.
    pub tls_stacks: Vec<TlsStack>,
    /// Actions taken.
    pub steps: usize,
    /// Whether the harness stopped the probe after [`Setup::max_steps`] actions (an engine that never
    /// finishes).
    pub step_limit_reached: bool,
    /// TCP connections opened.
    pub connections: u32,
    /// The scripted clock when the probe finished.
    pub clock: Duration,
    /// The engine states the probe passed through ([`Machine::state_name`]), each once, in the order
    /// first met.
    pub states: Vec<&'static str>,
}

impl Transcript {
    /// The sends made in `phase`.
    pub fn sent_in(&self, phase: Phase) -> impl Iterator<Item = &Sent> + '_ {
        self.sent.iter().filter(move |s| s.phase == phase)
    }

    /// [`check_invariants`], and that the probe finished within the step limit.
    pub fn check(&self, options: &ProbeOptions) -> Result<(), InvariantViolation> {
        let mut problems = match check_invariants(&self.report, options) {
            Ok(()) => Vec::new(),
            Err(v) => v.problems,
        };
        if self.step_limit_reached {
            problems.push(format!(
                "the probe did not finish within {} steps",
                self.steps
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvariantViolation { problems })
        }
    }
}

/// How the scripted connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    Open,
    Closed,
    Reset,
}

/// What a wait ended with.
enum Waited {
    /// An event other than time passing.
    Event(Event),
    /// The deadline came first; the clock stands at it.
    TimedOut,
    /// The server has nothing more (or the event limit was reached): it closes.
    End,
}

/// The scripted side of the connection: clock, server, buffered bytes. Never touches the engine.
struct Wire<'a> {
    server: &'a mut dyn Server,
    pending: Option<Event>,
    events: usize,
    max_events: usize,
    now: Duration,
    tick: Duration,
    conn: Conn,
    resolved: bool,
    connections: u32,
    /// What was received and not yet taken by the engine.
    rbuf: Vec<u8>,
    /// How many bytes at the front of `rbuf` are already counted as received.
    rbuf_counted: usize,
    sent: Vec<Sent>,
    skipped: Vec<Event>,
    tls_stacks: Vec<TlsStack>,
}

impl Wire<'_> {
    fn next(&mut self) -> Option<Event> {
        if let Some(e) = self.pending.take() {
            return Some(e);
        }
        if self.events >= self.max_events {
            return None;
        }
        self.events += 1;
        self.server.next_event(&self.sent)
    }

    fn peek(&mut self) -> Option<&Event> {
        if self.pending.is_none() {
            self.pending = self.next();
        }
        self.pending.as_ref()
    }

    /// Lets one event arrive: false (and the clock at the deadline) when it would come too late.
    fn arrive(&mut self, deadline: Duration) -> bool {
        let at = self.now.saturating_add(self.tick);
        if at > deadline {
            self.now = self.now.max(deadline);
            false
        } else {
            self.now = at;
            true
        }
    }

    /// Waits for the next event that is not time passing, until `deadline`.
    fn wait(&mut self, deadline: Duration) -> Waited {
        loop {
            let Some(event) = self.next() else {
                return Waited::End;
            };
            match event {
                Event::Advance(d) => {
                    let at = self.now.saturating_add(d);
                    if at >= deadline {
                        self.now = self.now.max(deadline);
                        return Waited::TimedOut;
                    }
                    self.now = at;
                }
                Event::Silence => {
                    self.now = self.now.max(deadline);
                    return Waited::TimedOut;
                }
                other => {
                    if !self.arrive(deadline) {
                        self.pending = Some(other);
                        return Waited::TimedOut;
                    }
                    return Waited::Event(other);
                }
            }
        }
    }

    /// A new TCP connection: nothing buffered.
    fn new_connection(&mut self) {
        self.rbuf.clear();
        self.rbuf_counted = 0;
        self.conn = Conn::Open;
    }

    /// Takes the first `n` bytes of `rbuf` as a frame; returns it and how many bytes are newly received.
    fn take(&mut self, n: usize) -> (Vec<u8>, usize) {
        let n = n.min(self.rbuf.len());
        let frame: Vec<u8> = self.rbuf.drain(..n).collect();
        let fresh = n.saturating_sub(self.rbuf_counted);
        self.rbuf_counted = self.rbuf_counted.saturating_sub(n);
        (frame, fresh)
    }

    /// Counts what `rbuf` holds when a read ends in a failure; returns how many bytes are newly received.
    fn hold(&mut self) -> usize {
        let fresh = self.rbuf.len().saturating_sub(self.rbuf_counted);
        self.rbuf_counted = self.rbuf.len();
        fresh
    }
}

fn reset_failure() -> IoFailure {
    IoFailure::Os {
        kind: NetworkErrorKind::Reset,
        os_error: Some(ECONNRESET),
        message: "Connection reset by peer (os error 104)".into(),
    }
}

fn refused_failure() -> IoFailure {
    IoFailure::Os {
        kind: NetworkErrorKind::Refused,
        os_error: Some(ECONNREFUSED),
        message: "Connection refused (os error 111)".into(),
    }
}

/// Drives one probe against `server`: the one place that talks to [`Machine`].
/// The chain check the driver would report for any chain under `setup` ([`Setup::valid_chains`]): made
/// only with credentials to protect and without `trust.any`, as the driver does.
fn chain_check(setup: &Setup) -> super::ChainCheck {
    let options = &setup.options;
    if options.credentials.is_none() || options.trust.any {
        super::ChainCheck::NotChecked
    } else if setup.valid_chains {
        super::ChainCheck::Valid
    } else {
        super::ChainCheck::Invalid("the transcript harness trusts no chain".to_owned())
    }
}

fn drive(setup: &Setup, server: &mut dyn Server) -> Transcript {
    let mut m = Machine::new(setup.target.clone(), setup.options.clone(), setup.now_unix);
    let mut w = Wire {
        server,
        pending: None,
        events: 0,
        max_events: setup.max_events,
        now: Duration::ZERO,
        tick: setup.tick,
        conn: Conn::Open,
        resolved: false,
        connections: 0,
        rbuf: Vec::new(),
        rbuf_counted: 0,
        sent: Vec::new(),
        skipped: Vec::new(),
        tls_stacks: Vec::new(),
    };
    let mut steps = 0;
    let mut states: Vec<&'static str> = Vec::new();
    let mut step_limit_reached = false;
    loop {
        if steps >= setup.max_steps {
            step_limit_reached = true;
            break;
        }
        steps += 1;
        if !states.contains(&m.state_name()) {
            states.push(m.state_name());
        }
        if let Some(Event::Unasked(_)) = w.peek()
            && let Some(Event::Unasked(frame)) = w.next()
        {
            m.on_frame(&frame, w.now);
            continue;
        }
        match m.poll(w.now) {
            action @ (Action::Connect | Action::Reconnect) => {
                // A close or reset next in the script ends the old connection, which the engine left
                // without reading to its end.
                if action == Action::Reconnect
                    && w.conn == Conn::Open
                    && matches!(w.peek(), Some(Event::Close | Event::Reset))
                {
                    w.pending = None;
                }
                w.new_connection();
                if !w.resolved && action == Action::Connect {
                    m.on_resolving(w.now);
                    if let Some(Event::ResolveFails(_)) = w.peek() {
                        let message = match w.next() {
                            Some(Event::ResolveFails(message)) => message,
                            _ => String::new(),
                        };
                        if w.arrive(m.deadline()) {
                            m.on_resolve_failed(message, w.now);
                        } else {
                            m.on_timeout(0, w.now);
                        }
                        continue;
                    }
                    w.resolved = true;
                }
                m.on_connecting(w.now);
                m.on_trying(setup.address);
                match w.peek() {
                    Some(Event::ConnectRefused) => {
                        w.pending = None;
                        if w.arrive(m.deadline()) {
                            m.on_connect_failed(refused_failure(), w.now);
                        } else {
                            m.on_timeout(0, w.now);
                        }
                    }
                    Some(Event::ConnectUnanswered) => {
                        w.pending = None;
                        w.now = w.now.max(m.deadline());
                        m.on_timeout(0, w.now);
                    }
                    _ => {
                        if w.arrive(m.deadline()) {
                            w.connections += 1;
                            m.on_connected(setup.address, w.now);
                        } else {
                            m.on_timeout(0, w.now);
                        }
                    }
                }
            }
            Action::Send(bytes) => {
                if w.conn == Conn::Reset {
                    m.on_io_failure(reset_failure(), w.now);
                } else {
                    m.on_io(bytes.len(), 0);
                    w.sent.push(Sent {
                        at: w.now,
                        connection: w.connections,
                        phase: m.phase(),
                        bytes,
                    });
                }
            }
            Action::Receive(framing) => loop {
                match m.check_frame(framing, &w.rbuf) {
                    FrameCheck::Complete(n) => {
                        let (frame, fresh) = w.take(n);
                        m.on_io(0, fresh);
                        m.on_frame(&frame, w.now);
                        break;
                    }
                    FrameCheck::Invalid(kind) => {
                        m.on_io(0, w.hold());
                        m.on_invalid_frame(kind, w.now);
                        break;
                    }
                    FrameCheck::Incomplete => {}
                }
                let waited = match w.conn {
                    Conn::Open => w.wait(m.deadline()),
                    Conn::Closed => Waited::Event(Event::Close),
                    Conn::Reset => Waited::Event(Event::Reset),
                };
                match waited {
                    Waited::Event(Event::Frame(bytes)) => w.rbuf.extend_from_slice(&bytes),
                    Waited::Event(Event::Close) | Waited::End => {
                        w.conn = Conn::Closed;
                        m.on_io(0, w.hold());
                        m.on_io_failure(IoFailure::Closed, w.now);
                        break;
                    }
                    Waited::Event(Event::Reset) => {
                        w.conn = Conn::Reset;
                        m.on_io(0, w.hold());
                        m.on_io_failure(reset_failure(), w.now);
                        break;
                    }
                    Waited::Event(other) => w.skipped.push(other),
                    Waited::TimedOut => {
                        m.on_io(0, w.hold());
                        m.on_timeout(w.rbuf.len(), w.now);
                        break;
                    }
                }
            },
            Action::UpgradeTls(stack) => {
                w.tls_stacks.push(stack);
                // The driver hands the socket to the TLS client: bytes behind the last frame are dropped.
                w.rbuf.clear();
                w.rbuf_counted = 0;
                loop {
                    let waited = match w.conn {
                        Conn::Open => w.wait(m.deadline()),
                        Conn::Closed => Waited::Event(Event::Close),
                        Conn::Reset => Waited::Event(Event::Reset),
                    };
                    match waited {
                        Waited::Event(Event::TlsOk {
                            version,
                            cipher_suite,
                            chain,
                        }) => {
                            let tls = TlsEstablished {
                                version,
                                cipher_suite,
                                chain,
                                chain_check: chain_check(setup),
                            };
                            m.on_tls_established(tls, w.now);
                        }
                        Waited::Event(Event::TlsFail(error)) => m.on_tls_failed(error, w.now),
                        // What rustls makes of bytes that are not a TLS record.
                        Waited::Event(Event::Frame(_)) => m.on_tls_failed(
                            TlsHandshakeError::Rustls(rustls::Error::InvalidMessage(
                                rustls::InvalidMessage::InvalidContentType,
                            )),
                            w.now,
                        ),
                        Waited::Event(Event::Close) | Waited::End => {
                            w.conn = Conn::Closed;
                            m.on_tls_failed(TlsHandshakeError::Io(IoFailure::Closed), w.now);
                        }
                        Waited::Event(Event::Reset) => {
                            w.conn = Conn::Reset;
                            m.on_tls_failed(TlsHandshakeError::Io(reset_failure()), w.now);
                        }
                        Waited::Event(other) => {
                            w.skipped.push(other);
                            continue;
                        }
                        Waited::TimedOut => m.on_timeout(0, w.now),
                    }
                    break;
                }
            }
            Action::Random(len) => m.on_random(&vec![RANDOM_FILL; len], w.now),
            Action::ExchangeKdc(_) => loop {
                // The KDC is another host: the RDP connection's state does not matter here.
                match w.wait(m.deadline()) {
                    Waited::Event(Event::KdcReply(bytes)) => m.on_kdc_reply(&bytes, w.now),
                    Waited::Event(Event::KdcFails(failure)) => m.on_kdc_failed(failure, w.now),
                    Waited::TimedOut => m.on_kdc_failed(
                        crate::kerberos::KdcFailure::TimedOut {
                            limit_ms: u64::try_from(super::KDC_EXCHANGE_LIMIT.as_millis())
                                .unwrap_or(u64::MAX),
                        },
                        w.now,
                    ),
                    Waited::End => m.on_kdc_failed(crate::kerberos::KdcFailure::Closed, w.now),
                    Waited::Event(other) => {
                        w.skipped.push(other);
                        continue;
                    }
                }
                break;
            },
            Action::LocateKdc(_) => loop {
                match w.wait(m.deadline()) {
                    Waited::Event(Event::DnsReply(bytes)) => m.on_kdc_located(&bytes, w.now),
                    Waited::Event(Event::DnsFails(failure)) => {
                        m.on_kdc_lookup_failed(failure, w.now);
                    }
                    Waited::TimedOut | Waited::End => m.on_kdc_lookup_failed(
                        crate::kerberos::KdcLookupFailure::TimedOut {
                            limit_ms: u64::try_from(super::KDC_LOOKUP_LIMIT.as_millis())
                                .unwrap_or(u64::MAX),
                        },
                        w.now,
                    ),
                    Waited::Event(other) => {
                        w.skipped.push(other);
                        continue;
                    }
                }
                break;
            },
            Action::ConfirmTrust(question) => {
                let yes = setup
                    .options
                    .trust
                    .confirm
                    .as_ref()
                    .is_some_and(|confirm| confirm(&question));
                m.on_trust_answer(yes, w.now);
            }
            Action::Finish => break,
        }
    }
    if !states.contains(&m.state_name()) {
        states.push(m.state_name());
    }
    let report = m.finish(w.now);
    Transcript {
        report,
        sent: w.sent,
        skipped: w.skipped,
        tls_stacks: w.tls_stacks,
        steps,
        step_limit_reached,
        connections: w.connections,
        clock: w.now,
        states,
    }
}

/// Ways a report breaks the contract that [`check_invariants`] checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvariantViolation {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "report invariants violated: {}",
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for InvariantViolation {}

/// The time limit of `phase` under `options` (the connect limit while resolving and connecting).
fn phase_limit(phase: Phase, options: &ProbeOptions) -> Duration {
    match phase {
        Phase::Resolve | Phase::TcpConnect => options.timeouts.connect,
        _ => options.timeouts.phase,
    }
}

/// Milliseconds of `d`, as the report's codes carry them.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The contract every report meets, whatever the server did (that `failure` and `mstsc` come exactly
/// with a failed verdict, and so on, holds by construction: [`crate::Verdict`] carries them):
///
/// - the phase timeline is not empty; every phase but the last completed, except an `x224` phase that a
///   fallback reconnect followed; the last phase ended as the verdict says (failed, stopped, ok) and is the
///   phase the failure or stop names; attempts count up from 1;
/// - no phase took longer than its limit, and the probe not longer than the overall limit (scripted time
///   honours deadlines exactly, so these are exact);
/// - a timeout's code is one of the limits, in milliseconds;
/// - the report serializes to JSON.
pub fn check_invariants(report: &Report, options: &ProbeOptions) -> Result<(), InvariantViolation> {
    let mut problems = Vec::new();
    let verdict = report.verdict_kind();
    let failed = verdict == VerdictKind::Failed;
    let stopped = matches!(
        verdict,
        VerdictKind::NeedsCredentials
            | VerdictKind::Inconclusive
            | VerdictKind::CredentialsWithheld
    );
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    let all_phases: &[PhaseRecord] = &report.phases;
    // With a legacy-TLS attempt that does not decide the verdict, the verdict is the modern attempt's:
    // its phases end where the verdict says, and the legacy attempt's follow.
    let phases: &[PhaseRecord] = match &report.legacy_tls {
        Some(legacy) if !legacy.decides_verdict => {
            let modern = all_phases
                .iter()
                .take_while(|r| r.attempt < legacy.attempt)
                .count();
            expect(
                all_phases
                    .get(modern..)
                    .is_some_and(|rest| rest.last().is_some_and(|r| r.phase == legacy.reached)),
                format!(
                    "the legacy attempt's phases do not end in {}",
                    legacy.reached
                ),
            );
            expect(
                legacy.modern_failure.phase == Phase::Tls,
                "a legacy-TLS attempt after a failure outside tls".into(),
            );
            all_phases.get(..modern).unwrap_or_default()
        }
        _ => all_phases,
    };
    match phases.split_last() {
        None => expect(false, "no phase records".into()),
        Some((last, earlier)) => {
            let want = if failed {
                PhaseStatus::Failed
            } else if stopped {
                PhaseStatus::Stopped
            } else {
                PhaseStatus::Ok
            };
            expect(
                last.status == want,
                format!(
                    "last phase {} ended {:?}, verdict {}",
                    last.phase,
                    last.status,
                    verdict.as_str()
                ),
            );
            if let Some(f) = report.failure() {
                expect(
                    f.phase == last.phase,
                    format!("failure in {}, last phase {}", f.phase, last.phase),
                );
            }
            if let Some(s) = report.stop() {
                expect(
                    s.phase == last.phase,
                    format!("stop in {}, last phase {}", s.phase, last.phase),
                );
            }
            // Kerberos that fell back to NTLM ends its credssp phase failed, and a new attempt follows.
            let kerberos_fell_back = report
                .authentication
                .as_ref()
                .and_then(|a| a.kerberos.as_ref())
                .is_some_and(|k| k.outcome == crate::report::KerberosOutcome::FellBackToNtlm);
            for (i, r) in earlier.iter().enumerate() {
                let retried = (matches!(r.phase, Phase::X224 | Phase::Tls)
                    || (r.phase == Phase::Credssp && kerberos_fell_back))
                    && r.status == PhaseStatus::Failed
                    && phases
                        .get(i + 1)
                        .is_some_and(|next| next.attempt > r.attempt);
                expect(
                    r.status == PhaseStatus::Ok || retried,
                    format!(
                        "phase {} (attempt {}) ended {:?} before the last phase",
                        r.phase, r.attempt, r.status
                    ),
                );
            }
        }
    }
    let mut attempt = 1;
    for r in all_phases {
        expect(
            r.attempt == attempt || r.attempt == attempt + 1,
            format!(
                "phase {} has attempt {} after attempt {attempt}",
                r.phase, r.attempt
            ),
        );
        attempt = r.attempt;
        let limit = phase_limit(r.phase, options);
        expect(
            r.elapsed_ms <= limit,
            format!(
                "phase {} took {:?}, more than its limit {limit:?}",
                r.phase, r.elapsed_ms
            ),
        );
    }
    let overall = options.timeouts.overall;
    let spent: Duration = all_phases.iter().map(|r| r.elapsed_ms).sum();
    expect(
        spent <= overall,
        format!("the phases took {spent:?} together, more than the overall limit {overall:?}"),
    );
    #[expect(clippy::cast_precision_loss, reason = "milliseconds for a comparison")]
    let overall_ms = overall.as_micros() as f64 / 1000.0;
    expect(
        report.elapsed_ms <= overall_ms,
        format!(
            "the probe took {} ms, more than the overall limit {overall_ms} ms",
            report.elapsed_ms
        ),
    );
    if let Some(f) = report.failure() {
        expect(
            !f.code.name.is_empty(),
            "a failure code without a name".into(),
        );
        if f.code.space == CodeSpace::Timeout {
            let limits = [
                options.timeouts.connect,
                options.timeouts.phase,
                options.timeouts.overall,
            ];
            expect(
                limits.iter().any(|l| millis(*l) == u64::from(f.code.value)),
                format!(
                    "timeout code {} ms is none of the limits {limits:?}",
                    f.code.value
                ),
            );
        }
    }
    expect(
        serde_json::to_value(report).is_ok(),
        "the report does not serialize to JSON".into(),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(InvariantViolation { problems })
    }
}
