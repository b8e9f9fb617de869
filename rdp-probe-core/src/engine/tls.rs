//! The TLS phase, in one place: the handshake's outcome as the driver reports it, the certificate facts,
//! the classification of a failed handshake, and the legacy-TLS check that follows a failure an older
//! client would get past.
//!
//! The driver performs the handshake it is told to perform (rustls) and reports either
//! [`TlsEstablished`] or a [`TlsHandshakeError`]. When the failure is what a TLS 1.0/1.1-only server makes
//! rustls see (no common version, a protocol_version or handshake_failure alert, a reset or close
//! during the handshake), the engine confirms it on a second connection: an X.224 Connection Request
//! with PROTOCOL_SSL, then a TLS 1.0 ClientHello whose random the driver supplies, read back as one TLS
//! record. A ServerHello below TLS 1.2 makes the failure `tls_version` with the server's version; any
//! other answer leaves the first verdict as it was. The check's bytes count in the `tls` phase.

use std::time::Duration;

use rustls::CertificateError;

use super::{Action, Connector, Framing, IoFailure, Machine, State};
use crate::failure::{
    CertificateProblem, FailureKind, Foreign, NetworkError, NetworkErrorKind, TlsFailure,
};
use crate::options::TrustQuestion;
use crate::report::{TrustDecision, TrustReport};
use crate::{Phase, Protocols};

/// The length of a ClientHello random ([RFC 5246] 7.4.1.2).
pub const CLIENT_RANDOM_LEN: usize = 32;

/// The version the legacy ClientHello offers: TLS 1.0.
const LEGACY_HELLO_VERSION: u16 = rdp_probe_wire::tls::TLS1_0;

/// The suites the legacy ClientHello offers: TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA,
/// TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
/// (RFC 5246 / RFC 4492): what TLS 1.0-era RDP servers accept.
const LEGACY_HELLO_SUITES: [u16; 5] = [0x002f, 0x0035, 0x000a, 0xc013, 0xc014];

/// TLS alert handshake_failure ([RFC 5246] 7.2).
const ALERT_HANDSHAKE_FAILURE: u8 = 40;

/// TLS alert protocol_version ([RFC 5246] 7.2).
const ALERT_PROTOCOL_VERSION: u8 = 70;

/// The TLS implementation the driver performs a handshake with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsStack {
    /// rustls: TLS 1.2 and 1.3 with modern suites. Always the first choice.
    Rustls,
    /// A TLS stack that still speaks TLS 1.0 and 1.1 and the suites of their era (OpenSSL, crate feature
    /// `legacy-tls`): only for the legacy-TLS attempt ([`crate::LegacyTls`]).
    Legacy,
}

/// The TLS session the driver established.
#[derive(Debug, Clone)]
pub struct TlsEstablished {
    /// The protocol version on the wire (`0x0304` for TLS 1.3).
    pub version: u16,
    /// The cipher suite's IANA code point (`0x1302` for TLS_AES_256_GCM_SHA384).
    pub cipher_suite: u16,
    /// The DER certificates the server sent, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// What the verifier said of the chain for the host (the system roots and [`crate::Trust::ca_roots`]),
    /// when the driver was asked to check it: the probe has credentials to protect.
    pub chain_check: ChainCheck,
}

/// Whether the server's certificate chain is valid for the host, as the driver's verifier judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Not checked (no credentials to protect, or a transcript that checks nothing).
    NotChecked,
    /// Valid for the host against the system roots and the extra roots.
    Valid,
    /// Not valid: the verifier's words.
    Invalid(String),
}

/// Why the driver's TLS handshake failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TlsHandshakeError {
    /// rustls refused the handshake (or could not be configured).
    Rustls(rustls::Error),
    /// The connection failed under the handshake.
    Io(IoFailure),
    /// The certificate verifier could not be built (e.g. no trusted roots on this machine under
    /// [`crate::CertPolicy::RequireValid`]).
    Verifier(Foreign<rustls::client::VerifierBuilderError>),
    /// The legacy stack ([`TlsStack::Legacy`]) refused the handshake, or is not built in.
    Legacy {
        /// The stack's words.
        message: String,
        /// The alert the server sent, if the handshake ended with one.
        alert: Option<u8>,
    },
}

/// The legacy-TLS check on its second connection.
#[derive(Debug)]
pub(super) struct LegacyCheck {
    /// The failure of the modern handshake: the verdict unless the check learns the server's version.
    modern: FailureKind,
    /// Where the check is.
    step: LegacyStep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegacyStep {
    /// Open the second connection.
    Connect,
    /// The X.224 Connection Request is out; any Confirm will do.
    Confirm,
    /// The ClientHello needs its random.
    Random,
    /// The ClientHello is out; the server's first record is awaited.
    ServerHello,
}

impl LegacyCheck {
    /// The modern handshake's failure, the verdict when the check learns nothing.
    pub(super) fn into_modern(self) -> FailureKind {
        self.modern
    }

    /// What the driver does for the check.
    pub(super) fn action(&self) -> Action {
        match self.step {
            LegacyStep::Connect => Action::Reconnect,
            LegacyStep::Confirm => Action::Receive(Framing::Rdp),
            LegacyStep::Random => Action::Random(CLIENT_RANDOM_LEN),
            LegacyStep::ServerHello => Action::Receive(Framing::TlsRecord),
        }
    }

    fn at(self, step: LegacyStep) -> State {
        State::LegacyTlsCheck(LegacyCheck { step, ..self })
    }
}

/// What a failed handshake means: a certificate refusal, a TLS version the server lacks, an alert, or a
/// network failure.
fn classify(error: TlsHandshakeError) -> FailureKind {
    match error {
        TlsHandshakeError::Rustls(rustls::Error::InvalidCertificate(c)) => {
            FailureKind::Certificate {
                problem: certificate_problem(&c),
                error: Foreign::new(c),
            }
        }
        TlsHandshakeError::Rustls(rustls::Error::PeerIncompatible(_)) => {
            FailureKind::Tls(TlsFailure::Version { server_version: 0 })
        }
        TlsHandshakeError::Rustls(rustls::Error::AlertReceived(a)) => {
            FailureKind::Tls(TlsFailure::Alert(u8::from(a)))
        }
        TlsHandshakeError::Rustls(other) => {
            FailureKind::Tls(TlsFailure::Rustls(Foreign::new(other)))
        }
        TlsHandshakeError::Io(IoFailure::Closed) => FailureKind::Network(NetworkError {
            kind: NetworkErrorKind::Closed,
            os_error: None,
            message: "the server closed the connection during the TLS handshake".into(),
        }),
        TlsHandshakeError::Io(other) => FailureKind::from(other),
        TlsHandshakeError::Verifier(e) => FailureKind::Tls(TlsFailure::Verifier(e)),
        TlsHandshakeError::Legacy { alert: Some(a), .. } => FailureKind::Tls(TlsFailure::Alert(a)),
        TlsHandshakeError::Legacy {
            message,
            alert: None,
        } => FailureKind::Tls(TlsFailure::LegacyStack { message }),
    }
}

fn certificate_problem(c: &CertificateError) -> CertificateProblem {
    match c {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            CertificateProblem::Expired
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            CertificateProblem::NotYetValid
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            CertificateProblem::NameMismatch
        }
        CertificateError::UnknownIssuer => CertificateProblem::Untrusted,
        CertificateError::BadEncoding | CertificateError::BadSignature => {
            CertificateProblem::Invalid
        }
        CertificateError::Revoked => CertificateProblem::Revoked,
        _ => CertificateProblem::Other,
    }
}

/// TLS alert insufficient_security ([RFC 5246] 7.2): no suite both sides accept.
const ALERT_INSUFFICIENT_SECURITY: u8 = 71;

/// Whether an older client would get past this TLS failure: the server only speaks TLS 1.0/1.1, or
/// refused every suite the modern handshake offered (handshake_failure, protocol_version or
/// insufficient_security), as a server offering only CBC, RSA key exchange or DHE suites does.
fn older_client_gets_past(kind: &FailureKind) -> bool {
    matches!(kind, FailureKind::Tls(TlsFailure::Version { .. }))
        || matches!(kind, FailureKind::Tls(TlsFailure::Alert(a))
            if [ALERT_HANDSHAKE_FAILURE, ALERT_PROTOCOL_VERSION, ALERT_INSUFFICIENT_SECURITY].contains(a))
}

/// Whether a handshake failure suggests the server only speaks TLS older than 1.2 (worth confirming with a
/// legacy ClientHello): rustls' own verdict, a protocol_version or handshake_failure alert, or a
/// reset/close during the handshake.
fn suggests_legacy_tls(kind: &FailureKind) -> bool {
    matches!(
        kind,
        FailureKind::Tls(TlsFailure::Version { .. })
            | FailureKind::Network(NetworkError {
                kind: NetworkErrorKind::Reset | NetworkErrorKind::Closed,
                ..
            })
    ) || matches!(kind, FailureKind::Tls(TlsFailure::Alert(a)) if *a == ALERT_HANDSHAKE_FAILURE || *a == ALERT_PROTOCOL_VERSION)
}

impl Machine {
    pub(super) fn tls_established(
        &mut self,
        connector: Connector,
        selected: Protocols,
        tls: TlsEstablished,
        now: Duration,
    ) -> State {
        self.report.server.tls = Some(crate::report::TlsFacts::new(tls.version, tls.cipher_suite));
        let Some(leaf) = tls.chain.first() else {
            return self.failed(FailureKind::Tls(TlsFailure::NoCertificate));
        };
        self.report.server.certificate = Some(crate::cert::summarize(
            leaf,
            tls.chain.len(),
            self.target.host(),
            self.now_unix,
        ));
        let public_key = crate::cert::subject_public_key(leaf).unwrap_or_default();
        let connector = match self.upgrade_done(connector) {
            Ok(c) => c,
            Err(state) => return state,
        };
        let decision = self.trust_decision(leaf, &tls.chain_check);
        if let Some(question) = decision {
            return State::AwaitTrust {
                connector,
                selected,
                public_key,
                question: Box::new(question),
            };
        }
        self.after_tls(connector, selected, public_key, now)
    }

    /// Where the session goes after TLS, the trust decision made.
    pub(super) fn after_tls(
        &mut self,
        connector: Connector,
        selected: Protocols,
        public_key: Vec<u8>,
        now: Duration,
    ) -> State {
        if selected.has_nla() {
            self.log.enter(Phase::Credssp, now);
            self.begin_nla(connector, selected, public_key, now)
        } else if self.withheld() {
            // The Client Info would carry the password, over a TLS session nothing vouched for.
            self.withhold(format!(
                "the server selected {} (TLS without NLA): the Client Info would carry the password to a server whose identity nothing vouched for",
                selected.selected_name()
            ))
        } else {
            self.log.enter(Phase::BasicSettings, now);
            State::Session {
                connector,
                selected,
                encryption: None,
            }
        }
    }

    /// The user's answer to [`Action::ConfirmTrust`].
    pub(super) fn trust_answered(
        &mut self,
        connector: Connector,
        selected: Protocols,
        public_key: Vec<u8>,
        yes: bool,
        now: Duration,
    ) -> State {
        if let Some(trust) = self.report.trust.as_mut() {
            trust.decision = if yes {
                TrustDecision::Confirmed
            } else {
                TrustDecision::Withheld
            };
        }
        self.after_tls(connector, selected, public_key, now)
    }

    /// With credentials, decides whether the server behind `leaf` may have them and records it; a
    /// question when only the user can say.
    fn trust_decision(&mut self, leaf: &[u8], chain: &ChainCheck) -> Option<TrustQuestion> {
        self.options.credentials.as_ref()?;
        let sha256 = crate::cert::sha256_hex(leaf);
        // A reconnect (the NTLM fallback) meets the same certificate: the user is not asked twice.
        if self.report.trust.as_ref().is_some_and(|t| {
            t.decision == TrustDecision::Confirmed && t.sha256.as_deref() == Some(sha256.as_str())
        }) {
            return None;
        }
        let trust = &self.options.trust;
        let pinned = trust.pins.iter().any(|pin| crate::cert::hex(pin) == sha256);
        let (decision, chain_problem) = match chain {
            ChainCheck::Valid => (TrustDecision::ChainValid, None),
            ChainCheck::Invalid(problem) => (TrustDecision::Withheld, Some(problem.clone())),
            ChainCheck::NotChecked => (
                TrustDecision::Withheld,
                Some("the chain was not checked".to_owned()),
            ),
        };
        let decision = match decision {
            TrustDecision::ChainValid => decision,
            _ if trust.any => TrustDecision::Any,
            _ if pinned => TrustDecision::Pinned,
            other => other,
        };
        self.report.trust = Some(TrustReport {
            decision,
            sha256: Some(sha256.clone()),
            chain_problem: chain_problem.clone(),
        });
        if decision != TrustDecision::Withheld || trust.confirm.is_none() {
            return None;
        }
        let summary = self.report.server.certificate.as_ref();
        Some(TrustQuestion {
            host: self.target.host().to_owned(),
            subject: summary.map(|c| c.subject.clone()).unwrap_or_default(),
            issuer: summary.map(|c| c.issuer.clone()).unwrap_or_default(),
            sha256,
            problem: chain_problem.unwrap_or_default(),
        })
    }

    pub(super) fn tls_failed(&mut self, error: TlsHandshakeError, now: Duration) -> State {
        let modern = classify(error);
        if self.legacy.is_some() {
            // The legacy attempt's own handshake failed: that is its ending.
            return self.failed(modern);
        }
        if suggests_legacy_tls(&modern) {
            tracing::debug!("Checking for a legacy-TLS server on a second connection");
            return State::LegacyTlsCheck(LegacyCheck {
                modern,
                step: LegacyStep::Connect,
            });
        }
        self.tls_ended(modern, now)
    }

    /// The modern TLS phase ended in `kind`. Where an older client would get past it and the options
    /// allow, the failure is kept and a second attempt starts over the legacy stack; otherwise it is the
    /// verdict.
    pub(super) fn tls_ended(&mut self, kind: FailureKind, now: Duration) -> State {
        if self.legacy.is_some()
            || self.options.legacy_tls == crate::LegacyTls::Off
            || !older_client_gets_past(&kind)
        {
            return self.failed(kind);
        }
        tracing::debug!(
            kind = kind.kind_str(),
            "TLS failed as an older client would get past: a second attempt over legacy TLS"
        );
        self.outgoing.clear();
        // The modern attempt's tls phase ends as failed; the next attempt starts at tcp_connect.
        self.log.close(crate::phase::PhaseStatus::Failed, now);
        self.legacy = Some(super::LegacyAttempt {
            modern: crate::failure::Failure::new(Phase::Tls, kind),
            attempt: self.log.attempt() + 1,
        });
        State::Reconnect
    }

    pub(super) fn legacy_connected(&mut self, check: LegacyCheck) -> State {
        if check.step != LegacyStep::Connect {
            return self.internal("legacy_tls_check", "connected");
        }
        self.queue(rdp_probe_wire::x224::connection_request(
            rdp_probe_wire::x224::PROTOCOL_SSL,
            None,
        ));
        check.at(LegacyStep::Confirm)
    }

    pub(super) fn legacy_frame(
        &mut self,
        check: LegacyCheck,
        frame: &[u8],
        now: Duration,
    ) -> State {
        match check.step {
            // Whatever the Confirm says, the ClientHello tells more.
            LegacyStep::Confirm => check.at(LegacyStep::Random),
            LegacyStep::ServerHello => {
                let kind = match rdp_probe_wire::tls::parse_server_hello_record(frame) {
                    Ok(hello) if hello.negotiated_version() < rdp_probe_wire::tls::TLS1_2 => {
                        FailureKind::Tls(TlsFailure::Version {
                            server_version: hello.negotiated_version(),
                        })
                    }
                    _ => check.modern,
                };
                self.tls_ended(kind, now)
            }
            LegacyStep::Connect | LegacyStep::Random => self.internal("legacy_tls_check", "frame"),
        }
    }

    pub(super) fn legacy_random(&mut self, check: LegacyCheck, random: &[u8]) -> State {
        let random: Result<[u8; CLIENT_RANDOM_LEN], _> = random.try_into();
        match (check.step, random) {
            (LegacyStep::Random, Ok(random)) => {
                self.queue(rdp_probe_wire::tls::legacy_client_hello(
                    LEGACY_HELLO_VERSION,
                    &LEGACY_HELLO_SUITES,
                    &random,
                ));
                check.at(LegacyStep::ServerHello)
            }
            _ => self.internal("legacy_tls_check", "random"),
        }
    }
}
