//! The sans-IO probe engine: a state machine that never does I/O and never reads the clock.
//!
//! The driver ([`crate::probe`]) asks [`Machine::poll`] what to do next, performs it (connect, send, receive
//! one frame, TLS handshake, supply random bytes), and reports back through the `on_*` methods with the
//! time elapsed since the probe began. Everything the server says is decoded here, tolerantly and before
//! IronRDP sees it, so the raw numbers are never lost.
//!
//! The machine's state is one enum, `State`, whose variants hold exactly the data valid in them, and
//! every input goes through one transition function (`Machine::step`), in the manner of IronRDP's
//! `ClientConnectorState` and `step()`. An input the current state cannot take is a bug in rdp-probe: it
//! ends the probe as `inconclusive` with the stop reason `internal_error`, never as a server fault.

mod connector;
mod kerberos;
mod negotiation;
mod nla;
mod security;
mod session;
mod tls;
pub mod transcript;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use rdp_probe_codes::StopReason;
use rdp_probe_wire::frame::{FrameLen, Sniff};

use crate::failure::{
    AfterErrInfo, CredsspFailure, Failure, FailureKind, Foreign, NetworkError, NetworkErrorKind,
    NotRdp, NotRdpKind, Pdu, ProtocolViolation, Timeout, TimeoutKind, TlsFailure,
};
use crate::kerberos::{KdcFailure, KdcLookup, KdcLookupFailure, KdcRequest};
use crate::options::TrustQuestion;
use crate::phase::{PhaseLog, PhaseStatus};
use crate::report::{
    ErrInfoFact, FailureReport, MstscReport, Outcome, Report, StopReport, Verdict,
};
use crate::{Phase, ProbeOptions, Protocols, Target};

pub use connector::Connector;
pub use kerberos::{KDC_EXCHANGE_LIMIT, KDC_LOOKUP_LIMIT};
pub use tls::{ChainCheck, TlsEstablished, TlsHandshakeError, TlsStack};

/// How long the engine waits for the server to close after a Set Error Info PDU.
pub const ERRINFO_CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The length of the HYBRID_EX Early User Authorization Result PDU ([MS-RDPBCGR] 2.2.10.2).
const EARLY_USER_AUTH_RESULT_LEN: usize = 4;

/// ERRINFO_NONE ([MS-RDPBCGR] 2.2.5.1.1): no error; the server sends it to clear a previous one.
const ERRINFO_NONE: u32 = 0;

/// How many bytes of an unexpected answer a failure keeps.
const FIRST_BYTES_KEPT: usize = 16;

/// What the driver must do next.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Resolve the target (first time only) and open a TCP connection; report with
    /// [`Machine::on_connected`] or [`Machine::on_connect_failed`].
    Connect,
    /// Close the current connection, then open a new one as for [`Action::Connect`].
    Reconnect,
    /// Write these bytes.
    Send(Vec<u8>),
    /// Read exactly one frame of this kind, bounded by [`Machine::deadline`].
    Receive(Framing),
    /// Perform the TLS handshake now with this stack; report with [`Machine::on_tls_established`] or
    /// [`Machine::on_tls_failed`].
    UpgradeTls(TlsStack),
    /// Supply this many bytes from a cryptographically secure generator through [`Machine::on_random`]
    /// (the engine makes no randomness of its own).
    Random(usize),
    /// Ask [`crate::Trust::confirm`] whether the credentials may go to this server; report the answer
    /// with [`Machine::on_trust_answer`].
    ConfirmTrust(Box<TrustQuestion>),
    /// Carry one Kerberos exchange to the KDC over TCP, bounded by [`Machine::deadline`]; report the
    /// reply (length prefix included) with [`Machine::on_kdc_reply`], or why there is none with
    /// [`Machine::on_kdc_failed`]. The RDP connection stays open meanwhile.
    ExchangeKdc(KdcRequest),
    /// Ask a DNS server for the realm's KDCs (type SRV, over UDP), bounded by [`Machine::deadline`];
    /// report the reply with [`Machine::on_kdc_located`], or why there is none with
    /// [`Machine::on_kdc_lookup_failed`].
    LocateKdc(KdcLookup),
    /// Done: call [`Machine::finish`].
    Finish,
}

/// How the next frame is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A TPKT (slow-path) or fast-path PDU.
    Rdp,
    /// A CredSSP TSRequest (a DER SEQUENCE).
    TsRequest,
    /// The 4-byte HYBRID_EX Early User Authorization Result.
    EarlyUserAuth,
    /// One TLS record, read in the clear (the legacy-TLS check reads the server's hello itself).
    TlsRecord,
}

/// What the bytes buffered so far make.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameCheck {
    /// Not a whole frame yet.
    Incomplete,
    /// The first `n` bytes are one frame.
    Complete(usize),
    /// The bytes cannot start a frame of the expected kind.
    Invalid(FailureKind),
}

/// Errors the driver met while reading or writing, as the engine needs to know them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IoFailure {
    /// The peer closed the connection (EOF, or a TLS close_notify).
    Closed,
    /// The peer sent a TLS alert (raw AlertDescription).
    TlsAlert(u8),
    /// Another error of the TLS layer, as rustls reported it.
    Tls(rustls::Error),
    /// An OS-level error.
    Os {
        /// Reset, refused, unreachable, ...
        kind: NetworkErrorKind,
        /// errno.
        os_error: Option<i32>,
        /// The OS message.
        message: String,
    },
}

/// Where the probe is, with exactly the data valid there.
#[derive(Debug)]
enum State {
    /// Nothing is open yet: resolve the name and connect.
    Connect,
    /// The server refused TLS with SSL_NOT_ALLOWED_BY_SERVER: connect again for Standard RDP Security.
    Reconnect,
    /// The X.224 Connection Request is on its way; the Connection Confirm is awaited.
    Negotiation {
        /// IronRDP's connector, waiting for the Confirm.
        connector: Connector,
    },
    /// The driver performs the TLS handshake.
    TlsHandshake {
        /// The connector, at its security upgrade.
        connector: Connector,
        /// The protocol the server selected.
        selected: Protocols,
        /// The TLS implementation the driver uses.
        stack: TlsStack,
    },
    /// The modern handshake failed the way a TLS 1.0/1.1 server makes it fail: a second connection
    /// offers a TLS 1.0 ClientHello to learn the server's version.
    LegacyTlsCheck(tls::LegacyCheck),
    /// CredSSP (Network Level Authentication).
    Credssp {
        /// The connector, at its CredSSP step.
        connector: Connector,
        /// The protocol the server selected.
        selected: Protocols,
        /// The CredSSP exchange.
        nla: nla::Nla,
    },
    /// From the MCS Connect Initial to the end of finalization, driven by the connector.
    Session {
        /// The connector.
        connector: Connector,
        /// The protocol the server selected.
        selected: Protocols,
        /// Standard RDP Security's encryption layer, once the server asked for encryption.
        encryption: Option<Box<security::Layer>>,
    },
    /// CredSSP is next and the KDC must be found first: the driver asks DNS for the realm's SRV records.
    LocateKdc {
        /// The connector, at its CredSSP step.
        connector: Connector,
        /// The protocol the server selected.
        selected: Protocols,
        /// The server's public key, for CredSSP.
        public_key: Vec<u8>,
        /// What to ask.
        lookup: KdcLookup,
        /// When the lookup was handed to the driver.
        since: Duration,
    },
    /// TLS is up, the probe has credentials and nothing vouched for the server: the user is asked.
    AwaitTrust {
        /// The connector, past its security upgrade.
        connector: Connector,
        /// The protocol the server selected.
        selected: Protocols,
        /// The server's public key, for CredSSP.
        public_key: Vec<u8>,
        /// What the user is shown.
        question: Box<TrustQuestion>,
    },
    /// The server asked for Standard RDP Security with encryption: the driver supplies the client random.
    ClientRandom {
        /// The connector, after the Connect Response.
        connector: Connector,
        /// The protocol the server selected (`rdp`).
        selected: Protocols,
        /// The checked Server Security Data.
        pending: Box<security::Pending>,
    },
    /// A Set Error Info PDU with a non-zero code arrived; the server must now disconnect
    /// ([MS-RDPBCGR] 2.2.5.1.1), and the engine waits for that, briefly.
    AwaitClose {
        /// The errorInfo.
        code: u32,
        /// When it arrived.
        since: Duration,
    },
    /// The probe has ended.
    Ended(End),
    /// Only while a transition runs (IronRDP's `Consumed`): met anywhere else, it is a bug.
    Consumed,
}

/// The names of the engine's states ([`Machine::state_name`]), in the order a probe meets them.
pub const STATE_NAMES: [&str; 13] = [
    "connect",
    "reconnect",
    "negotiation",
    "tls_handshake",
    "await_trust",
    "locate_kdc",
    "legacy_tls_check",
    "credssp",
    "session",
    "client_random",
    "await_close",
    "ended",
    "consumed",
];

impl State {
    /// The state's name, for internal-error reports.
    fn name(&self) -> &'static str {
        match self {
            State::Connect => "connect",
            State::Reconnect => "reconnect",
            State::Negotiation { .. } => "negotiation",
            State::TlsHandshake { .. } => "tls_handshake",
            State::AwaitTrust { .. } => "await_trust",
            State::LocateKdc { .. } => "locate_kdc",
            State::LegacyTlsCheck(_) => "legacy_tls_check",
            State::Credssp { .. } => "credssp",
            State::Session { .. } => "session",
            State::ClientRandom { .. } => "client_random",
            State::AwaitClose { .. } => "await_close",
            State::Ended(_) => "ended",
            State::Consumed => "consumed",
        }
    }
}

/// One input to the transition function.
#[derive(Debug)]
enum Input<'a> {
    /// The driver asks what to do: the session may write what needs no input.
    Poll,
    /// The TCP connection is up.
    Connected(SocketAddr),
    /// One complete frame.
    Frame(&'a [u8]),
    /// The TLS handshake completed.
    TlsEstablished(TlsEstablished),
    /// The TLS handshake failed.
    TlsFailed(TlsHandshakeError),
    /// Random bytes asked for with [`Action::Random`].
    Random(&'a [u8]),
    /// The answer to [`Action::ConfirmTrust`].
    TrustAnswer(bool),
    /// The KDC's reply to [`Action::ExchangeKdc`].
    KdcReply(&'a [u8]),
    /// Why [`Action::ExchangeKdc`] brought no reply.
    KdcFailed(KdcFailure),
    /// The DNS reply to [`Action::LocateKdc`], or why there is none.
    KdcLocated(Result<&'a [u8], KdcLookupFailure>),
    /// Name resolution failed.
    ResolveFailed(String),
    /// The TCP connect failed.
    ConnectFailed(IoFailure),
    /// The bytes received cannot start the frame awaited.
    InvalidFrame(FailureKind),
    /// Reading or writing failed, or the peer closed.
    IoFailed(IoFailure),
    /// The wait ran out with this many bytes of the next frame buffered.
    TimedOut {
        /// Bytes buffered.
        partial: usize,
    },
}

impl Input<'_> {
    fn name(&self) -> &'static str {
        match self {
            Input::Poll => "poll",
            Input::Connected(_) => "connected",
            Input::Frame(_) => "frame",
            Input::TlsEstablished(_) => "tls_established",
            Input::TlsFailed(_) => "tls_failed",
            Input::Random(_) => "random",
            Input::TrustAnswer(_) => "trust_answer",
            Input::KdcReply(_) => "kdc_reply",
            Input::KdcFailed(_) => "kdc_failed",
            Input::KdcLocated(_) => "kdc_located",
            Input::ResolveFailed(_) => "resolve_failed",
            Input::ConnectFailed(_) => "connect_failed",
            Input::InvalidFrame(_) => "invalid_frame",
            Input::IoFailed(_) => "io_failed",
            Input::TimedOut { .. } => "timed_out",
        }
    }
}

/// Which verdict a stop without a failure gives.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// `needs_credentials`.
    NeedsCredentials,
    /// `inconclusive`.
    Inconclusive,
    /// `credentials_withheld`.
    CredentialsWithheld,
}

/// How the probe ended, before the report is written.
#[derive(Debug)]
enum End {
    Failed(Failure),
    /// Credentials are needed to go further.
    NeedsCredentials(StopReport),
    /// The probe met something it does not implement, or a bug of its own.
    Inconclusive(StopReport),
    /// The probe withheld its credentials from a server nothing vouched for.
    CredentialsWithheld(StopReport),
    Connected(Outcome),
}

/// The legacy-TLS attempt ([`crate::LegacyTls`]): what started it, and its number.
#[derive(Debug)]
struct LegacyAttempt {
    /// The modern TLS failure: the verdict unless the attempt decides it.
    modern: Failure,
    /// The attempt's number in the phase log (a fallback inside it opens later ones).
    attempt: u32,
}

/// The probe state machine.
#[derive(Debug)]
pub struct Machine {
    target: Target,
    options: ProbeOptions,
    now_unix: i64,
    log: PhaseLog,
    report: Report,
    requested: Protocols,
    may_fall_back: bool,
    /// The legacy-TLS attempt, once it started.
    legacy: Option<LegacyAttempt>,
    /// Kerberos across attempts.
    kerberos: kerberos::KerberosRun,
    outgoing: VecDeque<Vec<u8>>,
    state: State,
}

impl Machine {
    /// A machine for one probe. `now_unix` (seconds since the epoch, when the probe starts) is only used
    /// to judge the certificate's validity period and to measure the KDC's and the NTLM server's clock
    /// offsets.
    pub fn new(target: Target, options: ProbeOptions, now_unix: i64) -> Self {
        let requested = options.protocols.unwrap_or(Protocols::MSTSC_DEFAULT);
        let may_fall_back = options.protocols.is_none();
        let report = Report::new(&target);
        Self {
            target,
            options,
            now_unix,
            log: PhaseLog::default(),
            report,
            requested,
            may_fall_back,
            legacy: None,
            kerberos: kerberos::KerberosRun::default(),
            outgoing: VecDeque::new(),
            state: State::Connect,
        }
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The options.
    pub fn options(&self) -> &ProbeOptions {
        &self.options
    }

    /// The protocols the current attempt requests.
    pub fn requested(&self) -> Protocols {
        self.requested
    }

    /// What to do next, `now` being the time since the probe began.
    pub fn poll(&mut self, now: Duration) -> Action {
        if let Some(bytes) = self.outgoing.pop_front() {
            return Action::Send(bytes);
        }
        // The session advances one written PDU at a time, so each PDU's bytes count in its own phase.
        self.step(Input::Poll, now);
        if let Some(bytes) = self.outgoing.pop_front() {
            return Action::Send(bytes);
        }
        match &self.state {
            State::Connect => Action::Connect,
            State::Reconnect => Action::Reconnect,
            State::Negotiation { .. } | State::Session { .. } | State::AwaitClose { .. } => {
                Action::Receive(Framing::Rdp)
            }
            State::TlsHandshake { stack, .. } => Action::UpgradeTls(*stack),
            State::AwaitTrust { question, .. } => Action::ConfirmTrust(question.clone()),
            State::LocateKdc { lookup, .. } => Action::LocateKdc(lookup.clone()),
            State::ClientRandom { .. } => Action::Random(crate::standard_security::RANDOM_LEN),
            State::LegacyTlsCheck(check) => check.action(),
            State::Credssp {
                nla: nla::Nla::Kdc { pending, .. },
                ..
            } => Action::ExchangeKdc(pending.request.clone()),
            State::Credssp { nla, .. } => Action::Receive(nla.framing()),
            State::Ended(_) => Action::Finish,
            State::Consumed => {
                self.state = self.internal("consumed", "poll");
                Action::Finish
            }
        }
    }

    /// The name of the engine's state (one of [`STATE_NAMES`]): for diagnostics and coverage counts,
    /// not for decisions.
    pub fn state_name(&self) -> &'static str {
        self.state.name()
    }

    /// The phase in progress.
    pub fn phase(&self) -> Phase {
        self.log.current().unwrap_or(Phase::Resolve)
    }

    /// When the current wait must end (time since the probe began): the phase limit, the overall limit, and
    /// after a Set Error Info PDU a short wait for the close.
    pub fn deadline(&self) -> Duration {
        let (_, phase_end) = self.phase_limit();
        let mut d = phase_end.min(self.options.timeouts.overall);
        match &self.state {
            State::AwaitClose { since, .. } => {
                d = d.min(since.saturating_add(ERRINFO_CLOSE_WAIT));
            }
            State::Credssp {
                nla: nla::Nla::Kdc { pending, .. },
                ..
            } => d = d.min(pending.since.saturating_add(kerberos::KDC_EXCHANGE_LIMIT)),
            State::LocateKdc { since, .. } => {
                d = d.min(since.saturating_add(kerberos::KDC_LOOKUP_LIMIT));
            }
            _ => {}
        }
        d
    }

    /// Whether the phase's or the whole probe's limit has run out at `now`.
    fn phase_expired(&self, now: Duration) -> bool {
        let (_, phase_end) = self.phase_limit();
        now >= phase_end.min(self.options.timeouts.overall)
    }

    /// The limit of the phase in progress (the connect limit while resolving and connecting) and when it
    /// runs out.
    fn phase_limit(&self) -> (Duration, Duration) {
        let t = &self.options.timeouts;
        let limit = if matches!(self.phase(), Phase::Resolve | Phase::TcpConnect) {
            t.connect
        } else {
            t.phase
        };
        let started = self.log.current_started().unwrap_or_default();
        (limit, started.saturating_add(limit))
    }

    /// Which limit [`Machine::deadline`] is (for timeout reports).
    fn deadline_kind(&self) -> (TimeoutKind, Duration) {
        let overall = self.options.timeouts.overall;
        let (limit, phase_end) = self.phase_limit();
        if overall < phase_end {
            (TimeoutKind::Overall, overall)
        } else if self.phase() == Phase::TcpConnect {
            (TimeoutKind::Connect, limit)
        } else {
            (TimeoutKind::Phase, limit)
        }
    }

    /// Decides whether `buf` starts with a complete frame of kind `framing`.
    pub fn check_frame(&self, framing: Framing, buf: &[u8]) -> FrameCheck {
        let len = match framing {
            Framing::EarlyUserAuth => {
                return if buf.len() >= EARLY_USER_AUTH_RESULT_LEN {
                    FrameCheck::Complete(EARLY_USER_AUTH_RESULT_LEN)
                } else {
                    FrameCheck::Incomplete
                };
            }
            Framing::TsRequest => rdp_probe_wire::credssp::ts_request_len(buf),
            Framing::Rdp => rdp_probe_wire::frame::rdp_frame_len(buf),
            Framing::TlsRecord => rdp_probe_wire::tls::record_len(buf),
        };
        match len {
            FrameLen::Incomplete { .. } => FrameCheck::Incomplete,
            FrameLen::Complete(n) => FrameCheck::Complete(n),
            FrameLen::TooLarge { claimed, max } => {
                FrameCheck::Invalid(FailureKind::Protocol(ProtocolViolation::TooLarge {
                    claimed,
                    max,
                }))
            }
            FrameLen::Invalid(sniff) => {
                FrameCheck::Invalid(self.invalid_frame(framing, &sniff, buf))
            }
        }
    }

    fn invalid_frame(&self, framing: Framing, sniff: &Sniff, buf: &[u8]) -> FailureKind {
        let first_bytes = buf.iter().take(FIRST_BYTES_KEPT).copied().collect();
        match framing {
            Framing::Rdp if matches!(self.state, State::Negotiation { .. }) => {
                let looks_like = match sniff {
                    Sniff::Http => NotRdpKind::Http,
                    Sniff::SshBanner => NotRdpKind::Ssh,
                    Sniff::TlsRecord { .. } => NotRdpKind::Tls,
                    _ => NotRdpKind::Other,
                };
                FailureKind::NotRdp(NotRdp {
                    looks_like,
                    first_bytes,
                })
            }
            Framing::TsRequest | Framing::EarlyUserAuth => {
                FailureKind::Credssp(CredsspFailure::NotTsRequest { first_bytes })
            }
            Framing::Rdp => FailureKind::Protocol(ProtocolViolation::Unframed {
                expected: Pdu::RdpFrame,
                first_bytes,
            }),
            Framing::TlsRecord => FailureKind::Protocol(ProtocolViolation::Unframed {
                expected: Pdu::TlsRecord,
                first_bytes,
            }),
        }
    }

    // ----- inputs from the driver -----

    /// The driver starts name resolution.
    pub fn on_resolving(&mut self, now: Duration) {
        self.log.new_attempt();
        self.log.enter(Phase::Resolve, now);
    }

    /// The driver starts a TCP connect (after resolution, or directly on a reconnect). The legacy-TLS
    /// check's connection belongs to the `tls` phase and opens no phase of its own.
    pub fn on_connecting(&mut self, now: Duration) {
        if matches!(self.state, State::LegacyTlsCheck(_)) {
            return;
        }
        if self.log.current().is_none() {
            self.log.new_attempt();
        }
        self.log.enter(Phase::TcpConnect, now);
    }

    /// The driver tries this address (recorded even if the connect fails).
    pub fn on_trying(&mut self, addr: SocketAddr) {
        if !matches!(self.state, State::LegacyTlsCheck(_)) {
            self.report.target.address = Some(addr.to_string());
        }
    }

    /// Name resolution failed.
    pub fn on_resolve_failed(&mut self, message: String, now: Duration) {
        self.step(Input::ResolveFailed(message), now);
    }

    /// The TCP connect failed (all addresses).
    pub fn on_connect_failed(&mut self, error: IoFailure, now: Duration) {
        self.step(Input::ConnectFailed(error), now);
    }

    /// The TCP connection is up.
    pub fn on_connected(&mut self, addr: SocketAddr, now: Duration) {
        self.step(Input::Connected(addr), now);
    }

    /// Bytes moved on the socket since the last call (TCP payload, TLS records included).
    pub fn on_io(&mut self, sent: usize, received: usize) {
        if sent > 0 {
            self.log.sent(sent);
        }
        if received > 0 {
            self.log.received(received);
        }
    }

    /// One complete frame, as delimited by [`Machine::check_frame`].
    pub fn on_frame(&mut self, frame: &[u8], now: Duration) {
        self.step(Input::Frame(frame), now);
    }

    /// The frame could not be delimited (see [`FrameCheck::Invalid`]).
    pub fn on_invalid_frame(&mut self, kind: FailureKind, now: Duration) {
        self.step(Input::InvalidFrame(kind), now);
    }

    /// Random bytes, as asked for with [`Action::Random`].
    pub fn on_random(&mut self, bytes: &[u8], now: Duration) {
        self.step(Input::Random(bytes), now);
    }

    /// The answer to [`Action::ConfirmTrust`]: `true` sends the credentials.
    pub fn on_trust_answer(&mut self, yes: bool, now: Duration) {
        self.step(Input::TrustAnswer(yes), now);
    }

    /// The KDC's reply to [`Action::ExchangeKdc`], its 4-byte length prefix included.
    pub fn on_kdc_reply(&mut self, reply: &[u8], now: Duration) {
        self.step(Input::KdcReply(reply), now);
    }

    /// The DNS server's reply to [`Action::LocateKdc`].
    pub fn on_kdc_located(&mut self, reply: &[u8], now: Duration) {
        self.step(Input::KdcLocated(Ok(reply)), now);
    }

    /// [`Action::LocateKdc`] brought no reply.
    pub fn on_kdc_lookup_failed(&mut self, failure: KdcLookupFailure, now: Duration) {
        self.step(Input::KdcLocated(Err(failure)), now);
    }

    /// [`Action::ExchangeKdc`] brought no reply.
    pub fn on_kdc_failed(&mut self, failure: KdcFailure, now: Duration) {
        self.step(Input::KdcFailed(failure), now);
    }

    /// Reading or writing failed, or the peer closed.
    pub fn on_io_failure(&mut self, error: IoFailure, now: Duration) {
        self.step(Input::IoFailed(error), now);
    }

    /// The wait in [`Machine::deadline`] ran out with `partial` bytes of the next frame buffered.
    pub fn on_timeout(&mut self, partial: usize, now: Duration) {
        self.step(Input::TimedOut { partial }, now);
    }

    /// The TLS handshake completed.
    pub fn on_tls_established(&mut self, tls: TlsEstablished, now: Duration) {
        self.step(Input::TlsEstablished(tls), now);
    }

    /// The TLS handshake failed.
    pub fn on_tls_failed(&mut self, error: TlsHandshakeError, now: Duration) {
        self.step(Input::TlsFailed(error), now);
    }

    // ----- the transition function -----

    /// Moves the machine by one input. Each arm takes the state's data by value and returns the next
    /// state; a pair no arm takes is a bug in rdp-probe.
    fn step(&mut self, input: Input<'_>, now: Duration) {
        let state = std::mem::replace(&mut self.state, State::Consumed);
        let next = match (state, input) {
            (State::Ended(end), _) => State::Ended(end),
            (
                State::Session {
                    connector,
                    selected,
                    encryption,
                },
                Input::Poll,
            ) => self.advance_session(connector, selected, encryption, now),
            (state, Input::Poll) => state,
            (State::Connect | State::Reconnect, Input::Connected(addr)) => {
                self.report.target.address = Some(addr.to_string());
                self.log.enter(Phase::X224, now);
                self.begin_negotiation(addr)
            }
            (State::Negotiation { connector }, Input::Frame(frame)) => {
                self.negotiation_frame(connector, frame, now)
            }
            (
                State::TlsHandshake {
                    connector,
                    selected,
                    ..
                },
                Input::TlsEstablished(tls),
            ) => self.tls_established(connector, selected, tls, now),
            (State::TlsHandshake { .. }, Input::TlsFailed(error)) => self.tls_failed(error, now),
            (State::LegacyTlsCheck(check), Input::Connected(_)) => self.legacy_connected(check),
            (State::LegacyTlsCheck(check), Input::Frame(frame)) => {
                self.legacy_frame(check, frame, now)
            }
            (State::LegacyTlsCheck(check), Input::Random(random)) => {
                self.legacy_random(check, random)
            }
            (
                State::Credssp {
                    connector,
                    selected,
                    nla,
                },
                Input::Frame(frame),
            ) => self.nla_frame(connector, selected, nla, frame, now),
            (
                State::Credssp {
                    connector,
                    selected,
                    nla: nla::Nla::Kdc { pending, sent },
                },
                Input::KdcReply(reply),
            ) => self.nla_kdc(connector, selected, *pending, sent, Ok(reply), now),
            (
                State::Credssp {
                    connector,
                    selected,
                    nla: nla::Nla::Kdc { pending, sent },
                },
                Input::KdcFailed(failure),
            ) => self.nla_kdc(connector, selected, *pending, sent, Err(failure), now),
            (
                State::LocateKdc {
                    connector,
                    selected,
                    public_key,
                    lookup,
                    ..
                },
                Input::KdcLocated(reply),
            ) => {
                self.kdc_located(&lookup, reply);
                self.begin_nla(connector, selected, public_key, now)
            }
            (
                State::Session {
                    connector,
                    selected,
                    encryption,
                },
                Input::Frame(frame),
            ) => self.session_frame(connector, selected, encryption, frame, now),
            (
                State::ClientRandom {
                    connector,
                    selected,
                    pending,
                },
                Input::Random(random),
            ) => self.client_random(connector, selected, *pending, random),
            (
                State::AwaitTrust {
                    connector,
                    selected,
                    public_key,
                    ..
                },
                Input::TrustAnswer(yes),
            ) => self.trust_answered(connector, selected, public_key, yes, now),
            (State::AwaitClose { code, since }, Input::Frame(frame)) => {
                self.await_close_frame(code, since, frame)
            }
            // How each state ends when the connection or the wait fails.
            (State::Connect, Input::ResolveFailed(message)) => {
                self.failed(FailureKind::Dns { message })
            }
            (
                State::LegacyTlsCheck(check),
                Input::ConnectFailed(_)
                | Input::InvalidFrame(_)
                | Input::IoFailed(_)
                | Input::TimedOut { .. },
            ) => {
                // The check only confirms: what it could not learn leaves the first verdict standing.
                let modern = check.into_modern();
                self.tls_ended(modern, now)
            }
            (State::Connect | State::Reconnect, Input::ConnectFailed(error)) => {
                self.failed(FailureKind::from(error))
            }
            (State::AwaitClose { code, .. }, Input::IoFailed(error)) => {
                let ended_by = match error {
                    IoFailure::Os {
                        kind: NetworkErrorKind::Reset,
                        ..
                    } => AfterErrInfo::Reset,
                    _ => AfterErrInfo::Closed,
                };
                self.failed(FailureKind::ErrInfo { code, ended_by })
            }
            (State::AwaitClose { code, .. }, Input::TimedOut { .. }) => {
                self.failed(FailureKind::ErrInfo {
                    code,
                    ended_by: AfterErrInfo::StillOpen,
                })
            }
            (State::Credssp { nla, .. }, Input::IoFailed(IoFailure::Closed))
                if nla.after_first_token() && self.kerberos_offer_pending() =>
            {
                let failure = crate::kerberos::KerberosFailure::ServerRefused { status: None };
                self.kerberos_failed(failure, now)
            }
            (State::Credssp { nla, .. }, Input::IoFailed(error)) => {
                let kind = nla
                    .io_failure(&error, self.report.server.credssp_version)
                    .unwrap_or_else(|| FailureKind::from(error));
                self.failed(kind)
            }
            (State::Consumed, input) => self.internal("consumed", input.name()),
            (_, Input::InvalidFrame(kind)) => self.failed(kind),
            (_, Input::IoFailed(error)) => self.failed(FailureKind::from(error)),
            (_, Input::TimedOut { partial }) => {
                let kind = self.timeout(partial);
                self.failed(kind)
            }
            (state, input) => self.internal(state.name(), input.name()),
        };
        self.state = match next {
            State::Consumed => self.internal("step", "a transition that returned no state"),
            next => next,
        };
    }

    /// The ending of an impossible (state, input) pair: a bug in rdp-probe, never the server's fault.
    fn internal(&mut self, state: &'static str, input: &'static str) -> State {
        tracing::error!(
            state,
            input,
            "Internal error: the engine cannot take this input here"
        );
        self.outgoing.clear();
        State::Ended(End::Inconclusive(StopReport {
                phase: self.phase(),
                reason: StopReason::InternalError,
                message: format!(
                    "internal error in rdp-probe: input '{input}' in engine state '{state}'; the probe cannot tell anything about the server from here"
                ),
                hint: "this is a bug in rdp-probe, not a fault of the server; please report it with the -v log".into(),
                state: Some(state),
        }))
    }

    // ----- outputs -----

    /// Ends the probe and returns the report.
    pub fn finish(mut self, now: Duration) -> Report {
        let last_errinfo = self.report.last_errinfo();
        let reached = self.phase();
        let state = std::mem::replace(&mut self.state, State::Consumed);
        let verdict = match state {
            State::Ended(End::Failed(failure)) => {
                self.log.close(PhaseStatus::Failed, now);
                failed_verdict(&failure, last_errinfo)
            }
            State::Ended(End::NeedsCredentials(stop)) => {
                self.log.close(PhaseStatus::Stopped, now);
                Verdict::NeedsCredentials { stop }
            }
            State::Ended(End::Inconclusive(stop)) => {
                self.log.close(PhaseStatus::Stopped, now);
                Verdict::Inconclusive { stop }
            }
            State::Ended(End::CredentialsWithheld(stop)) => {
                self.log.close(PhaseStatus::Stopped, now);
                Verdict::CredentialsWithheld { stop }
            }
            State::Ended(End::Connected(outcome)) => {
                self.log.close(PhaseStatus::Ok, now);
                Verdict::Connected { outcome }
            }
            other => {
                let phase = self.phase();
                self.log.close(PhaseStatus::Stopped, now);
                Verdict::Inconclusive {
                    stop: StopReport {
                        phase,
                        reason: StopReason::ProbeLimit,
                        message: format!(
                            "the probe ended before reaching a verdict (engine state {})",
                            other.name()
                        ),
                        hint: "this is a bug in rdp-probe; please report it with the -v log".into(),
                        state: Some(other.name()),
                    },
                }
            }
        };
        self.report.verdict = match self.legacy.take() {
            None => verdict,
            Some(LegacyAttempt { modern, attempt }) => {
                let decides_verdict = self.options.legacy_tls == crate::LegacyTls::Allow;
                let tls = self.report.server.tls.clone();
                if tls.is_some() {
                    self.report
                        .findings
                        .push(crate::report::Finding::OnlyLegacyTls);
                }
                self.report.legacy_tls = Some(crate::report::LegacyTlsReport {
                    attempt,
                    decides_verdict,
                    modern_failure: FailureReport::from(&modern),
                    tls,
                    reached,
                    ending: verdict.clone(),
                });
                if decides_verdict {
                    verdict
                } else {
                    // The Windows client met only the modern failure: no errinfo of the second attempt.
                    failed_verdict(&modern, None)
                }
            }
        };
        self.report.phases = std::mem::take(&mut self.log).into_records();
        #[expect(clippy::cast_precision_loss, reason = "milliseconds for display")]
        let ms = now.as_micros() as f64 / 1000.0;
        self.report.elapsed_ms = ms;
        std::mem::replace(&mut self.report, Report::new(&self.target))
    }

    /// Whether the probe has ended.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Ended(_))
    }

    // ----- shared helpers for the phase modules -----

    /// The ending of a failure in the phase in progress.
    fn failed(&mut self, kind: FailureKind) -> State {
        let phase = self.phase();
        tracing::debug!(%phase, kind = kind.kind_str(), "Probe failed");
        self.outgoing.clear();
        State::Ended(End::Failed(Failure::new(phase, kind)))
    }

    /// The timeout the deadline in force makes, with `partial` bytes of a frame buffered.
    fn timeout(&self, partial: usize) -> FailureKind {
        let (which, limit) = self.deadline_kind();
        FailureKind::Timeout(Timeout {
            limit_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
            which,
            partial_bytes: partial,
        })
    }

    /// Ends the probe without a failure: credentials are needed, or the probe cannot follow.
    fn stop(&mut self, why: Stop, reason: StopReason, message: String, hint: String) -> State {
        self.outgoing.clear();
        let stop = StopReport {
            phase: self.phase(),
            reason,
            message,
            hint,
            state: None,
        };
        State::Ended(match why {
            Stop::NeedsCredentials => End::NeedsCredentials(stop),
            Stop::Inconclusive => End::Inconclusive(stop),
            Stop::CredentialsWithheld => End::CredentialsWithheld(stop),
        })
    }

    /// Whether the credentials are withheld from this server (the trust decision said so).
    fn withheld(&self) -> bool {
        self.options.credentials.is_some()
            && self
                .report
                .trust
                .as_ref()
                .is_some_and(|t| t.decision == crate::report::TrustDecision::Withheld)
    }

    /// Ends the probe before anything derived from the password leaves: `why` it would have.
    fn withhold(&mut self, why: String) -> State {
        let hint = match self.report.trust.as_ref().and_then(|t| t.sha256.as_deref()) {
            Some(sha256) => format!(
                "if this is the server you mean, pin its certificate: --trust-cert sha256:{sha256} (or trust its CA with --ca-file PEM; --trust-cert any sends to any server)"
            ),
            None => "Standard RDP Security proves no server identity: only --trust-cert any sends the credentials here (prefer enabling TLS and NLA on the server)".to_owned(),
        };
        self.stop(
            Stop::CredentialsWithheld,
            StopReason::CredentialsWithheld,
            format!("credentials withheld: {why}"),
            hint,
        )
    }

    /// Records a Set Error Info PDU; a non-zero code leads to waiting for the close.
    fn record_errinfo(&mut self, value: u32, now: Duration) -> Option<State> {
        let phase = self.phase();
        self.report.server.errinfo_received.push(ErrInfoFact {
            value,
            name: rdp_probe_codes::name_or_unknown(rdp_probe_codes::CodeSpace::Errinfo, value),
            phase,
        });
        // [MS-RDPBCGR] 2.2.5.1: after this PDU the server MUST disconnect; wait for that, briefly.
        (value != ERRINFO_NONE).then_some(State::AwaitClose {
            code: value,
            since: now,
        })
    }

    fn await_close_frame(&mut self, code: u32, since: Duration, frame: &[u8]) -> State {
        match rdp_probe_wire::share::classify_slow_path_frame(frame, false) {
            Ok(rdp_probe_wire::share::SlowPath::Disconnect { reason }) => {
                self.failed(FailureKind::ErrInfo {
                    code,
                    ended_by: AfterErrInfo::McsDisconnect(reason),
                })
            }
            // Anything else: keep waiting for the close, within the deadline.
            _ => State::AwaitClose { code, since },
        }
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.outgoing.push_back(bytes);
        }
    }
}

/// The `failed` verdict of `failure`, with the pair the Windows client would show.
fn failed_verdict(failure: &Failure, last_errinfo: Option<u32>) -> Verdict {
    let pair = failure.mstsc(last_errinfo);
    Verdict::Failed {
        failure: FailureReport::from(failure),
        mstsc: MstscReport::from(pair),
    }
}

impl From<IoFailure> for FailureKind {
    fn from(error: IoFailure) -> Self {
        match error {
            IoFailure::Closed => FailureKind::Network(NetworkError {
                kind: NetworkErrorKind::Closed,
                os_error: None,
                message: "the server closed the connection".into(),
            }),
            IoFailure::TlsAlert(a) => FailureKind::Tls(TlsFailure::Alert(a)),
            IoFailure::Tls(e) => FailureKind::Tls(TlsFailure::Rustls(Foreign::new(e))),
            IoFailure::Os {
                kind,
                os_error,
                message,
            } => FailureKind::Network(NetworkError {
                kind,
                os_error,
                message,
            }),
        }
    }
}
