//! The sans-IO probe engine: a state machine that never does I/O and never reads the clock.
//!
//! The driver ([`crate::probe`]) asks [`Machine::poll`] what to do next, performs it (connect, send, receive
//! one frame, TLS upgrade), and reports back through the `on_*` methods with the time elapsed since the
//! probe began. Everything the server says is decoded here, tolerantly and before IronRDP sees it, so the
//! raw numbers are never lost.

mod negotiation;
mod nla;
mod session;
pub mod transcript;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use ironrdp_connector::ClientConnector;
use rdp_probe_wire::frame::{FrameLen, Sniff};

use crate::failure::{
    CredsspFailure, Ending, Failure, FailureKind, NetworkError, NetworkErrorKind, NotRdp,
    NotRdpKind, ProtocolViolation, Timeout, TimeoutKind, TlsFailure,
};
use crate::phase::{PhaseLog, PhaseStatus};
use crate::report::{
    ErrInfoFact, FailureReport, MstscReport, Outcome, Report, StopReport, TlsFacts, Verdict,
};
use crate::{Phase, ProbeOptions, Protocols, Target};

/// The largest TSRequest the engine accepts (a Kerberos ticket fits comfortably).
pub const MAX_TS_REQUEST_LEN: usize = 64 * 1024;

/// How long the engine waits for the server to close after a Set Error Info PDU.
const ERRINFO_CLOSE_WAIT: Duration = Duration::from_secs(2);

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
    /// Perform the TLS handshake now; report with [`Machine::on_tls_established`] or
    /// [`Machine::on_tls_failed`].
    UpgradeTls,
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoFailure {
    /// The peer closed the connection (EOF, or a TLS close_notify).
    Closed,
    /// The peer sent a TLS alert (raw AlertDescription).
    TlsAlert(u8),
    /// Another TLS-layer error.
    Tls(String),
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

/// The TLS session the driver established.
#[derive(Debug, Clone)]
pub struct TlsEstablished {
    /// e.g. `TLSv1_3`.
    pub version: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The DER certificates the server sent, leaf first.
    pub chain: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Connect,
    Reconnect,
    X224,
    Tls,
    Nla,
    Session,
    AwaitClose,
}

#[derive(Debug)]
enum End {
    Failed(Failure),
    Stopped { verdict: Verdict, stop: StopReport },
    Connected(Outcome),
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
    selected: Protocols,
    step: Step,
    connector: Option<ClientConnector>,
    nla: Option<nla::Nla>,
    outgoing: VecDeque<Vec<u8>>,
    end: Option<End>,
    errinfo_pending: Option<(u32, Duration)>,
}

impl Machine {
    /// A machine for one probe. `now_unix` (seconds since the epoch) is only used to judge the certificate's
    /// validity period.
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
            selected: Protocols::RDP,
            step: Step::Connect,
            connector: None,
            nla: None,
            outgoing: VecDeque::new(),
            end: None,
            errinfo_pending: None,
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
        if self.step == Step::Session && self.end.is_none() {
            // The session advances one written PDU at a time, so each PDU's bytes count in its own phase.
            self.advance_session(now);
            if let Some(bytes) = self.outgoing.pop_front() {
                return Action::Send(bytes);
            }
        }
        if self.end.is_some() {
            return Action::Finish;
        }
        match self.step {
            Step::Connect => Action::Connect,
            Step::Reconnect => Action::Reconnect,
            Step::X224 | Step::Session | Step::AwaitClose => Action::Receive(Framing::Rdp),
            Step::Tls => Action::UpgradeTls,
            Step::Nla => Action::Receive(
                self.nla
                    .as_ref()
                    .map_or(Framing::TsRequest, nla::Nla::framing),
            ),
        }
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
        if let Some((_, at)) = self.errinfo_pending {
            d = d.min(at.saturating_add(ERRINFO_CLOSE_WAIT));
        }
        d
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
        match framing {
            Framing::EarlyUserAuth => {
                if buf.len() >= 4 {
                    FrameCheck::Complete(4)
                } else {
                    FrameCheck::Incomplete
                }
            }
            Framing::TsRequest => match rdp_probe_wire::credssp::ts_request_len(buf) {
                FrameLen::Incomplete { .. } => FrameCheck::Incomplete,
                FrameLen::TooLarge { claimed, max } => {
                    FrameCheck::Invalid(FailureKind::Protocol(ProtocolViolation::TooLarge {
                        claimed,
                        max,
                    }))
                }
                FrameLen::Complete(n) => FrameCheck::Complete(n),
                FrameLen::Invalid(_) => {
                    FrameCheck::Invalid(FailureKind::Credssp(CredsspFailure::Malformed(format!(
                        "expected a TSRequest, got bytes starting {}",
                        hex_prefix(buf)
                    ))))
                }
            },
            Framing::Rdp => match rdp_probe_wire::frame::rdp_frame_len(buf) {
                FrameLen::Incomplete { .. } => FrameCheck::Incomplete,
                FrameLen::Complete(n) => FrameCheck::Complete(n),
                FrameLen::Invalid(sniff) => FrameCheck::Invalid(self.invalid_rdp(&sniff, buf)),
                FrameLen::TooLarge { claimed, max } => {
                    FrameCheck::Invalid(FailureKind::Protocol(ProtocolViolation::TooLarge {
                        claimed,
                        max,
                    }))
                }
            },
        }
    }

    fn invalid_rdp(&self, sniff: &Sniff, buf: &[u8]) -> FailureKind {
        let looks_like = match sniff {
            Sniff::Http => NotRdpKind::Http,
            Sniff::SshBanner => NotRdpKind::Ssh,
            Sniff::TlsRecord { .. } => NotRdpKind::Tls,
            _ => NotRdpKind::Other,
        };
        if self.step == Step::X224 {
            FailureKind::NotRdp(NotRdp {
                looks_like,
                first_bytes: buf.iter().take(16).copied().collect(),
            })
        } else {
            FailureKind::Protocol(ProtocolViolation::Malformed(format!(
                "bytes that are neither TPKT nor fast-path: {}",
                hex_prefix(buf)
            )))
        }
    }

    // ----- inputs from the driver -----

    /// The driver starts name resolution.
    pub fn on_resolving(&mut self, now: Duration) {
        self.log.new_attempt();
        self.log.enter(Phase::Resolve, now);
    }

    /// The driver starts a TCP connect (after resolution, or directly on a reconnect).
    pub fn on_connecting(&mut self, now: Duration) {
        if self.log.current().is_none() {
            self.log.new_attempt();
        }
        self.log.enter(Phase::TcpConnect, now);
    }

    /// The driver tries this address (recorded even if the connect fails).
    pub fn on_trying(&mut self, addr: SocketAddr) {
        self.report.target.address = Some(addr.to_string());
    }

    /// Name resolution failed.
    pub fn on_resolve_failed(&mut self, message: String, now: Duration) {
        self.fail(FailureKind::Dns { message }, now);
    }

    /// The TCP connect failed (all addresses).
    pub fn on_connect_failed(&mut self, error: IoFailure, now: Duration) {
        self.fail(FailureKind::from(error), now);
    }

    /// The TCP connection is up.
    pub fn on_connected(&mut self, addr: SocketAddr, now: Duration) {
        self.report.target.address = Some(addr.to_string());
        self.log.enter(Phase::X224, now);
        self.step = Step::X224;
        self.begin_negotiation(addr, now);
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
        match self.step {
            Step::X224 => self.negotiation_frame(frame, now),
            Step::Nla => self.nla_frame(frame, now),
            Step::Session => self.session_frame(frame, now),
            Step::AwaitClose => self.await_close_frame(frame, now),
            Step::Connect | Step::Reconnect | Step::Tls => {
                self.fail(
                    FailureKind::Protocol(ProtocolViolation::UnexpectedPdu(
                        "data before it was asked for".into(),
                    )),
                    now,
                );
            }
        }
    }

    /// The frame could not be delimited (see [`FrameCheck::Invalid`]).
    pub fn on_invalid_frame(&mut self, kind: FailureKind, now: Duration) {
        self.fail(kind, now);
    }

    /// Reading or writing failed, or the peer closed.
    pub fn on_io_failure(&mut self, error: IoFailure, now: Duration) {
        if let Some((code, _)) = self.errinfo_pending {
            let ended_by = match &error {
                IoFailure::Os {
                    kind: NetworkErrorKind::Reset,
                    ..
                } => Ending::Reset,
                _ => Ending::Closed,
            };
            self.fail(FailureKind::ErrInfo { code, ended_by }, now);
            return;
        }
        if self.step == Step::Nla
            && let Some(kind) = self.nla_io_failure(&error)
        {
            self.fail(kind, now);
            return;
        }
        self.fail(FailureKind::from(error), now);
    }

    /// The wait in [`Machine::deadline`] ran out with `partial` bytes of the next frame buffered.
    pub fn on_timeout(&mut self, partial: usize, now: Duration) {
        if let Some((code, _)) = self.errinfo_pending {
            self.fail(
                FailureKind::ErrInfo {
                    code,
                    ended_by: Ending::StillOpen,
                },
                now,
            );
            return;
        }
        let (which, limit) = self.deadline_kind();
        let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.fail(
            FailureKind::Timeout(Timeout {
                limit_ms,
                which,
                partial_bytes: partial,
            }),
            now,
        );
    }

    /// The TLS handshake completed.
    pub fn on_tls_established(&mut self, tls: TlsEstablished, now: Duration) {
        self.report.server.tls = Some(TlsFacts {
            version: tls.version,
            cipher_suite: tls.cipher_suite,
        });
        let Some(leaf) = tls.chain.first() else {
            self.fail(
                FailureKind::Tls(TlsFailure::Other("the server sent no certificate".into())),
                now,
            );
            return;
        };
        self.report.server.certificate = Some(crate::cert::summarize(
            leaf,
            tls.chain.len(),
            self.target.host(),
            self.now_unix,
        ));
        let public_key = crate::cert::subject_public_key(leaf).unwrap_or_default();
        self.after_tls(public_key, now);
    }

    /// The TLS handshake failed.
    pub fn on_tls_failed(&mut self, kind: FailureKind, now: Duration) {
        self.fail(kind, now);
    }

    // ----- outputs -----

    /// Ends the probe and returns the report.
    pub fn finish(mut self, now: Duration) -> Report {
        let last_errinfo = self.report.last_errinfo();
        match self.end.take() {
            Some(End::Failed(failure)) => {
                self.log.close(PhaseStatus::Failed, now);
                let pair = failure.mstsc(last_errinfo);
                self.report.verdict = Verdict::Failed;
                self.report.failure = Some(FailureReport::from(&failure));
                self.report.mstsc = Some(MstscReport {
                    disconnect_reason: pair.disconnect_reason,
                    extended_reason: pair.extended_reason,
                    derived: pair.derived,
                    text: pair.text,
                    rule: pair.rule,
                });
            }
            Some(End::Stopped { verdict, stop }) => {
                self.log.close(PhaseStatus::Stopped, now);
                self.report.verdict = verdict;
                self.report.stop = Some(stop);
            }
            Some(End::Connected(outcome)) => {
                self.log.close(PhaseStatus::Ok, now);
                self.report.verdict = Verdict::Connected;
                self.report.outcome = Some(outcome);
            }
            None => {
                let phase = self.phase();
                self.log.close(PhaseStatus::Stopped, now);
                self.report.verdict = Verdict::Inconclusive;
                self.report.stop = Some(StopReport {
                    phase,
                    reason: "probe_limit",
                    message: "the probe ended before reaching a verdict".into(),
                    hint: "this is a bug in rdp-probe; please report it with the -v log".into(),
                });
            }
        }
        self.report.phases = std::mem::take(&mut self.log).into_records();
        #[expect(clippy::cast_precision_loss, reason = "milliseconds for display")]
        let ms = now.as_micros() as f64 / 1000.0;
        self.report.elapsed_ms = ms;
        std::mem::replace(&mut self.report, Report::new(&self.target))
    }

    /// Whether the probe has ended.
    pub fn is_finished(&self) -> bool {
        self.end.is_some()
    }

    // ----- shared helpers for the phase modules -----

    fn fail(&mut self, kind: FailureKind, _now: Duration) {
        if self.end.is_none() {
            let phase = self.phase();
            tracing::debug!(%phase, kind = kind.kind_str(), "Probe failed");
            self.outgoing.clear();
            self.end = Some(End::Failed(Failure::new(phase, kind)));
        }
    }

    fn stop(&mut self, verdict: Verdict, reason: &'static str, message: String, hint: String) {
        if self.end.is_none() {
            let phase = self.phase();
            self.outgoing.clear();
            self.end = Some(End::Stopped {
                verdict,
                stop: StopReport {
                    phase,
                    reason,
                    message,
                    hint,
                },
            });
        }
    }

    fn connected(&mut self, outcome: Outcome) {
        if self.end.is_none() {
            self.end = Some(End::Connected(outcome));
        }
    }

    fn record_errinfo(&mut self, value: u32, now: Duration) {
        let phase = self.phase();
        self.report.server.errinfo_received.push(ErrInfoFact {
            value,
            name: rdp_probe_codes::name_or_unknown(rdp_probe_codes::CodeSpace::Errinfo, value),
            phase,
        });
        if value != 0 && self.errinfo_pending.is_none() {
            // [MS-RDPBCGR] 2.2.5.1: after this PDU the server MUST disconnect; wait for that, briefly.
            self.errinfo_pending = Some((value, now));
            self.step = Step::AwaitClose;
        }
    }

    fn await_close_frame(&mut self, frame: &[u8], now: Duration) {
        let Some((code, _)) = self.errinfo_pending else {
            return;
        };
        if let Ok(rdp_probe_wire::share::SlowPath::Disconnect { reason }) =
            rdp_probe_wire::share::classify_slow_path_frame(frame, false)
        {
            self.fail(
                FailureKind::ErrInfo {
                    code,
                    ended_by: Ending::McsDisconnect(reason),
                },
                now,
            );
        }
        // Anything else: keep waiting for the close, within the deadline.
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.outgoing.push_back(bytes);
        }
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
            IoFailure::Tls(m) => FailureKind::Tls(TlsFailure::Other(m)),
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

fn hex_prefix(buf: &[u8]) -> String {
    buf.iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Drop for Machine {
    /// IronRDP's `Config` keeps the password as a plain `String`; wipe it with the machine.
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Some(connector) = self.connector.as_mut()
            && let ironrdp_connector::Credentials::UsernamePassword { password, .. } =
                &mut connector.config.credentials
        {
            password.zeroize();
        }
    }
}
