//! The failure taxonomy: where the probe stopped, the server's own code, and what to do about it.
//!
//! Layered in the manner of rustls' errors: [`FailureKind`] says which layer failed, each variant keeps the
//! raw wire value (unknown values included), and [`FailureKind::code`] projects it onto one
//! [`CodeSpace`] with a JSON-stable number and name. Codes in the spaces `os_error`, `timeout`, `not_rdp`,
//! `certificate`, `credssp` and `protocol` are rdp-probe's own numbering (documented on each type); all
//! other spaces carry the server's value as sent.

use std::fmt;

use rdp_probe_codes::mstsc::{MstscPair, Trigger};
use rdp_probe_codes::{CodeSpace, lookup, name_or_unknown};
use serde::Serialize;

use crate::Phase;

/// A failure: the phase it happened in and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The phase in which the probe stopped.
    pub phase: Phase,
    /// What happened.
    pub kind: FailureKind,
}

impl Failure {
    /// A failure in `phase`.
    pub fn new(phase: Phase, kind: FailureKind) -> Self {
        Self { phase, kind }
    }

    /// The code this failure is reported under.
    pub fn code(&self) -> Code {
        self.kind.code()
    }

    /// The pair the Windows client would show (derived unless the table row is documented).
    pub fn mstsc(&self, last_errinfo: Option<u32>) -> MstscPair {
        rdp_probe_codes::mstsc::derive(self.kind.trigger(self.phase), last_errinfo)
    }

    /// What an administrator should check.
    pub fn hint(&self) -> String {
        self.kind.hint(self.phase)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.phase, self.kind)
    }
}

/// A code in one code space, as reported in JSON (`failure.code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// The code space.
    pub space: CodeSpace,
    /// The raw value.
    pub value: u32,
    /// Its name (`UNKNOWN_...` style for values no table knows).
    pub name: String,
}

impl Code {
    fn server(space: CodeSpace, value: u32) -> Self {
        Self {
            space,
            value,
            name: name_or_unknown(space, value),
        }
    }

    fn own(space: CodeSpace, value: u32, name: &str) -> Self {
        Self {
            space,
            value,
            name: name.to_owned(),
        }
    }
}

/// What happened, by layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The host name did not resolve (code space `os_error`).
    Dns {
        /// The resolver's message.
        message: String,
    },
    /// A socket operation failed or the peer closed the connection (code space `os_error`).
    Network(NetworkError),
    /// Nothing (or not enough) arrived in time (code space `timeout`).
    Timeout(Timeout),
    /// The bytes that came back are not RDP (code space `not_rdp`).
    NotRdp(NotRdp),
    /// RDP_NEG_FAILURE in the X.224 Connection Confirm (code space `neg_failure`, [MS-RDPBCGR] 2.2.1.2.2).
    Negotiation {
        /// The raw `failureCode`.
        code: u32,
    },
    /// The TLS handshake failed (code spaces `tls_alert`, `tls_version`, `protocol`).
    Tls(TlsFailure),
    /// The server's certificate was refused under [`crate::CertPolicy::RequireValid`] (code space
    /// `certificate`), with the verifier's own words.
    Certificate(CertificateProblem, String),
    /// The server answered CredSSP with a TSRequest `errorCode` ([MS-CSSP] 2.2.1; code space `ntstatus`).
    Ntstatus {
        /// The raw NTSTATUS.
        status: u32,
    },
    /// CredSSP failed without an NTSTATUS (code space `credssp`).
    Credssp(CredsspFailure),
    /// The HYBRID_EX Early User Authorization Result was not AUTHZ_SUCCESS ([MS-RDPBCGR] 2.2.10.2; code space
    /// `early_user_auth`).
    EarlyUserAuth {
        /// The raw result (5 = AUTHZ_ACCESS_DENIED).
        result: u32,
    },
    /// The server sent a Set Error Info PDU and ended the connection ([MS-RDPBCGR] 2.2.5.1.1; code space
    /// `errinfo`).
    ErrInfo {
        /// The raw `errorInfo`.
        code: u32,
        /// How the connection ended after it.
        ended_by: Ending,
    },
    /// A licensing Error Alert that is not STATUS_VALID_CLIENT ([MS-RDPBCGR] 2.2.1.12.1.3; code space
    /// `license_error`).
    License {
        /// The raw `dwErrorCode`.
        code: u32,
        /// The raw `dwStateTransition`.
        state_transition: u32,
    },
    /// MCS Disconnect Provider Ultimatum ([T.125] / [MS-RDPBCGR] 2.2.2.3; code space `mcs_disconnect`).
    McsDisconnect {
        /// The raw reason (0..7).
        reason: u8,
    },
    /// The server broke the protocol (code space `protocol`).
    Protocol(ProtocolViolation),
}

/// How the connection ended after a Set Error Info PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The server closed TCP (what the Windows client reports as "socket closed", 0x904).
    Closed,
    /// The server reset the connection.
    Reset,
    /// The server sent MCS Disconnect Provider Ultimatum with this reason.
    McsDisconnect(u8),
    /// The server kept the connection open without sending anything more.
    StillOpen,
}

/// A socket-level failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkError {
    /// What kind.
    pub kind: NetworkErrorKind,
    /// The OS error number, when there is one.
    pub os_error: Option<i32>,
    /// The OS message.
    pub message: String,
}

/// Kinds of socket-level failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkErrorKind {
    /// Connection refused: nothing listens on the port, or a firewall rejects (RST).
    Refused,
    /// Host or network unreachable.
    Unreachable,
    /// The peer reset the connection.
    Reset,
    /// The peer closed the connection (EOF).
    Closed,
    /// A send failed.
    SendFailed,
    /// Anything else.
    Other,
}

/// A phase or connect that took too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeout {
    /// The limit that ran out, in milliseconds.
    pub limit_ms: u64,
    /// Which limit.
    pub which: TimeoutKind,
    /// Bytes of the awaited PDU that had arrived (0 = the server was silent).
    pub partial_bytes: usize,
}

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    /// TCP connect.
    Connect,
    /// A phase.
    Phase,
    /// The whole probe.
    Overall,
}

/// What answered instead of RDP. Code values: 1 HTTP, 2 SSH, 3 TLS record, 4 other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRdp {
    /// What it looks like.
    pub looks_like: NotRdpKind,
    /// The first bytes received (at most 16).
    pub first_bytes: Vec<u8>,
}

/// Kinds of non-RDP answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotRdpKind {
    /// An HTTP server.
    Http,
    /// An SSH server.
    Ssh,
    /// A TLS server that expects TLS without X.224 first.
    Tls,
    /// Something else.
    Other,
}

/// TLS handshake failures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server sent this alert (raw AlertDescription, code space `tls_alert`).
    Alert(u8),
    /// The server only speaks an older TLS version than the probe supports (TLS 1.2 and 1.3); `server_version`
    /// is the raw version the server offered when it could be learned, else 0 (code space `tls_version`).
    Version {
        /// The raw `legacy_version` of the server's hello (0x0301 = TLS 1.0, 0x0302 = TLS 1.1), 0 if unknown.
        server_version: u16,
    },
    /// Anything else the TLS layer reported (code space `protocol`, value 20).
    Other(String),
}

/// Certificate problems (code space `certificate`): 1 expired, 2 not yet valid, 3 name mismatch, 4 untrusted
/// issuer or self-signed, 5 invalid, 6 revoked, 7 other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Past its validity.
    Expired,
    /// Before its validity.
    NotYetValid,
    /// Does not name the host.
    NameMismatch,
    /// Issued by an unknown CA, or self-signed.
    Untrusted,
    /// Malformed or bad signature.
    Invalid,
    /// Revoked.
    Revoked,
    /// Anything else.
    Other,
}

/// CredSSP failures without an NTSTATUS (code space `credssp`): 1 rejected without a code, 2 public key
/// binding mismatch, 3 malformed server message, 4 local error before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredsspFailure {
    /// The server ended the connection after the client's NTLM AUTHENTICATE without an `errorCode`
    /// (servers speaking CredSSP < 3 and FreeRDP do this for a rejected logon).
    RejectedWithoutCode {
        /// The server's CredSSP version.
        server_version: u32,
    },
    /// The server's `pubKeyAuth` did not match the TLS key: a TLS-intercepting middlebox or a broken server.
    PublicKeyMismatch,
    /// The server's message could not be decoded.
    Malformed(String),
    /// The CredSSP client failed locally (e.g. an invalid user name).
    Local(String),
}

/// Protocol violations and engine limits (code space `protocol`).
///
/// Values: 1 selected protocol not offered, 2 unexpected PDU, 3 malformed PDU, 4 PDU too large, 5 MCS
/// Connect Response rejected, 6 channel join or attach user rejected, 7 connector error, 20 TLS other.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// The server selected a protocol the client did not request.
    SelectedNotOffered {
        /// What was requested (raw bits).
        requested: u32,
        /// What the server selected (raw bits).
        selected: u32,
    },
    /// A PDU that has no place here.
    UnexpectedPdu(String),
    /// A PDU that does not decode.
    Malformed(String),
    /// A length field claims more than the engine accepts.
    TooLarge {
        /// The claimed length.
        claimed: usize,
        /// The engine's maximum.
        max: usize,
    },
    /// MCS Connect Response with a result other than rt-successful.
    McsConnectRejected {
        /// The raw T.125 result.
        result: u8,
    },
    /// Attach User Confirm or Channel Join Confirm with a failure result.
    ChannelRejected {
        /// The raw T.125 result.
        result: u8,
    },
    /// IronRDP's connector rejected what the server sent.
    Connector(String),
}

impl FailureKind {
    /// The server answered with an X.224 Disconnect Request TPDU ([X.224] 13.5): a close with a reason byte.
    pub fn x224_disconnect(reason: u8) -> Self {
        FailureKind::Network(NetworkError {
            kind: NetworkErrorKind::Closed,
            os_error: None,
            message: format!("the server sent an X.224 Disconnect Request (reason {reason})"),
        })
    }

    /// The code space, raw value and name.
    pub fn code(&self) -> Code {
        use CodeSpace as S;
        match self {
            FailureKind::Dns { .. } => Code::own(S::OsError, 0, "DNS_LOOKUP_FAILED"),
            FailureKind::Network(e) => {
                let name = match e.kind {
                    NetworkErrorKind::Refused => "ECONNREFUSED",
                    NetworkErrorKind::Unreachable => "EHOSTUNREACH",
                    NetworkErrorKind::Reset => "ECONNRESET",
                    NetworkErrorKind::Closed => "EOF",
                    NetworkErrorKind::SendFailed => "SEND_FAILED",
                    NetworkErrorKind::Other => "OS_ERROR",
                };
                let value = e.os_error.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
                Code::own(S::OsError, value, name)
            }
            FailureKind::Timeout(t) => {
                let name = match t.which {
                    TimeoutKind::Connect => "CONNECT_TIMEOUT",
                    TimeoutKind::Phase => "PHASE_TIMEOUT",
                    TimeoutKind::Overall => "OVERALL_TIMEOUT",
                };
                Code::own(
                    S::Timeout,
                    u32::try_from(t.limit_ms).unwrap_or(u32::MAX),
                    name,
                )
            }
            FailureKind::NotRdp(n) => {
                let (v, name) = match n.looks_like {
                    NotRdpKind::Http => (1, "HTTP"),
                    NotRdpKind::Ssh => (2, "SSH"),
                    NotRdpKind::Tls => (3, "TLS_WITHOUT_X224"),
                    NotRdpKind::Other => (4, "NOT_TPKT"),
                };
                Code::own(S::NotRdp, v, name)
            }
            FailureKind::Negotiation { code } => Code::server(S::NegFailure, *code),
            FailureKind::Tls(TlsFailure::Alert(a)) => Code::server(S::TlsAlert, u32::from(*a)),
            FailureKind::Tls(TlsFailure::Version { server_version }) => {
                let name = match server_version {
                    0x0300 => "SSL_3_0",
                    0x0301 => "TLS_1_0",
                    0x0302 => "TLS_1_1",
                    _ => "TLS_VERSION_UNSUPPORTED",
                };
                Code::own(S::TlsVersion, u32::from(*server_version), name)
            }
            FailureKind::Tls(TlsFailure::Other(_)) => Code::own(S::Protocol, 20, "TLS_ERROR"),
            FailureKind::Certificate(p, _) => {
                let (v, name) = match p {
                    CertificateProblem::Expired => (1, "CERT_EXPIRED"),
                    CertificateProblem::NotYetValid => (2, "CERT_NOT_YET_VALID"),
                    CertificateProblem::NameMismatch => (3, "CERT_NAME_MISMATCH"),
                    CertificateProblem::Untrusted => (4, "CERT_UNTRUSTED"),
                    CertificateProblem::Invalid => (5, "CERT_INVALID"),
                    CertificateProblem::Revoked => (6, "CERT_REVOKED"),
                    CertificateProblem::Other => (7, "CERT_OTHER"),
                };
                Code::own(S::Certificate, v, name)
            }
            FailureKind::Ntstatus { status } => Code::server(S::Ntstatus, *status),
            FailureKind::Credssp(c) => {
                let (v, name) = match c {
                    CredsspFailure::RejectedWithoutCode { .. } => {
                        (1, "CREDSSP_REJECTED_WITHOUT_CODE")
                    }
                    CredsspFailure::PublicKeyMismatch => (2, "CREDSSP_PUBLIC_KEY_MISMATCH"),
                    CredsspFailure::Malformed(_) => (3, "CREDSSP_MALFORMED"),
                    CredsspFailure::Local(_) => (4, "CREDSSP_LOCAL_ERROR"),
                };
                Code::own(S::Credssp, v, name)
            }
            FailureKind::EarlyUserAuth { result } => Code::server(S::EarlyUserAuth, *result),
            FailureKind::ErrInfo { code, .. } => Code::server(S::Errinfo, *code),
            FailureKind::License { code, .. } => Code::server(S::LicenseError, *code),
            FailureKind::McsDisconnect { reason } => {
                Code::server(S::McsDisconnect, u32::from(*reason))
            }
            FailureKind::Protocol(p) => {
                let (v, name) = match p {
                    ProtocolViolation::SelectedNotOffered { .. } => {
                        (1, "SELECTED_PROTOCOL_NOT_OFFERED")
                    }
                    ProtocolViolation::UnexpectedPdu(_) => (2, "UNEXPECTED_PDU"),
                    ProtocolViolation::Malformed(_) => (3, "MALFORMED_PDU"),
                    ProtocolViolation::TooLarge { .. } => (4, "PDU_TOO_LARGE"),
                    ProtocolViolation::McsConnectRejected { .. } => (5, "MCS_CONNECT_REJECTED"),
                    ProtocolViolation::ChannelRejected { .. } => (6, "MCS_CHANNEL_REJECTED"),
                    ProtocolViolation::Connector(_) => (7, "CONNECTOR_ERROR"),
                };
                Code::own(S::Protocol, v, name)
            }
        }
    }

    /// A stable snake_case name for the kind (`failure.kind` in JSON).
    pub fn kind_str(&self) -> &'static str {
        match self {
            FailureKind::Dns { .. } => "dns",
            FailureKind::Network(e) => match e.kind {
                NetworkErrorKind::Refused => "connection_refused",
                NetworkErrorKind::Unreachable => "unreachable",
                NetworkErrorKind::Reset => "connection_reset",
                NetworkErrorKind::Closed => "connection_closed",
                NetworkErrorKind::SendFailed => "send_failed",
                NetworkErrorKind::Other => "network_error",
            },
            FailureKind::Timeout(_) => "timeout",
            FailureKind::NotRdp(_) => "not_rdp",
            FailureKind::Negotiation { .. } => "negotiation_failure",
            FailureKind::Tls(TlsFailure::Alert(_)) => "tls_alert",
            FailureKind::Tls(TlsFailure::Version { .. }) => "tls_version",
            FailureKind::Tls(TlsFailure::Other(_)) => "tls_error",
            FailureKind::Certificate(..) => "certificate",
            FailureKind::Ntstatus { .. } => "logon_failure",
            FailureKind::Credssp(_) => "credssp",
            FailureKind::EarlyUserAuth { .. } => "early_user_auth",
            FailureKind::ErrInfo { .. } => "server_error_info",
            FailureKind::License { .. } => "license_error",
            FailureKind::McsDisconnect { .. } => "mcs_disconnect",
            FailureKind::Protocol(_) => "protocol_violation",
        }
    }

    /// The Windows-client trigger this failure corresponds to.
    pub fn trigger(&self, phase: Phase) -> Trigger {
        match self {
            FailureKind::Dns { .. } => Trigger::DnsLookupFailed,
            FailureKind::Network(e) => match (e.kind, phase) {
                (NetworkErrorKind::Refused, _) => Trigger::ConnectRefused,
                (_, Phase::TcpConnect) => Trigger::ConnectFailed,
                (NetworkErrorKind::Closed, _) => Trigger::PeerClosed,
                (NetworkErrorKind::SendFailed, _) => Trigger::SendFailed,
                _ => Trigger::ConnectionReset,
            },
            FailureKind::Timeout(t) => match (t.which, phase) {
                (TimeoutKind::Connect, _) | (_, Phase::TcpConnect) => Trigger::ConnectTimedOut,
                (_, Phase::Licensing) => Trigger::LicensingTimedOut,
                _ => Trigger::ReadTimedOut,
            },
            FailureKind::NotRdp(_) => Trigger::NotRdp,
            FailureKind::Negotiation { code } => Trigger::NegotiationFailure(*code),
            FailureKind::Tls(_) => Trigger::TlsHandshakeFailed,
            FailureKind::Certificate(CertificateProblem::Expired, _) => Trigger::CertificateExpired,
            FailureKind::Certificate(..) => Trigger::CertificateRejected,
            FailureKind::Ntstatus { status } => Trigger::Ntstatus(*status),
            FailureKind::Credssp(_) => Trigger::CredsspFailed,
            FailureKind::EarlyUserAuth { .. } => Trigger::EarlyUserAuthDenied,
            FailureKind::ErrInfo { ended_by, .. } => match ended_by {
                Ending::Closed | Ending::StillOpen => Trigger::PeerClosed,
                Ending::Reset => Trigger::ConnectionReset,
                Ending::McsDisconnect(r) => Trigger::McsDisconnect(u32::from(*r)),
            },
            FailureKind::License { code, .. } => Trigger::LicenseError(*code),
            FailureKind::McsDisconnect { reason } => Trigger::McsDisconnect(u32::from(*reason)),
            FailureKind::Protocol(_) => Trigger::ProtocolError,
        }
    }

    /// What an administrator should check.
    pub fn hint(&self, phase: Phase) -> String {
        let code = self.code();
        if let Some(h) = lookup(code.space, code.value).and_then(|e| e.hint) {
            return h.to_owned();
        }
        let s = match self {
            FailureKind::Dns { .. } => {
                "the name does not resolve: check the spelling, the DNS suffix and the resolver"
            }
            FailureKind::Network(e) => match e.kind {
                NetworkErrorKind::Refused => {
                    "nothing accepts connections on this port: check that Remote Desktop is enabled and listening on it, and that no firewall rejects the connection"
                }
                NetworkErrorKind::Unreachable => {
                    "the host or network is unreachable: check routing, VPN and the address"
                }
                NetworkErrorKind::Reset if phase <= Phase::Tls => {
                    "something resets connections to the port: a firewall, an endpoint security product or a load balancer in between, or a server that only speaks TLS 1.0/1.1"
                }
                NetworkErrorKind::Reset => {
                    "the server reset the connection: check the server's event log (RemoteDesktopServices-RdpCoreTS) and any gateway or proxy in between"
                }
                NetworkErrorKind::Closed if phase == Phase::X224 => {
                    "the server accepted TCP and closed it without answering the X.224 request: the listener may not be an RDP server, or a filter closes connections from this client"
                }
                NetworkErrorKind::Closed => {
                    "the server closed the connection without giving a reason: check the server's event log"
                }
                _ => "a socket error ended the connection: check the network path",
            },
            FailureKind::Timeout(t) if t.which == TimeoutKind::Connect => {
                "no answer to the TCP connection request: a firewall silently drops packets to the port, or the host is down"
            }
            FailureKind::Timeout(t) if t.partial_bytes > 0 => {
                "the server started a PDU and stalled: a saturated link, an overloaded server or a broken middlebox"
            }
            FailureKind::Timeout(_) => {
                "the server accepted the connection but stopped answering: the RDP service may be hung or overloaded, or a middlebox swallows the traffic"
            }
            FailureKind::NotRdp(_) => {
                "the port is served by something that is not RDP: check the port number and any port forwarding"
            }
            FailureKind::Tls(TlsFailure::Version { .. }) => {
                "the server only speaks TLS 1.0/1.1: enable TLS 1.2 on the server (Windows Server 2008 R2 needs KB3080079), or connect with Standard RDP Security"
            }
            FailureKind::Tls(_) => {
                "the TLS handshake failed: check the server's TLS configuration (versions, cipher suites, certificate)"
            }
            FailureKind::Certificate(..) => {
                "the server's certificate is not valid for this host: install a certificate issued for this name by a trusted CA, or accept it explicitly"
            }
            FailureKind::Credssp(CredsspFailure::RejectedWithoutCode { .. }) => {
                "the server rejected the NLA logon without saying why: check user name, domain and password, and whether the account may log on"
            }
            FailureKind::Credssp(CredsspFailure::PublicKeyMismatch) => {
                "the CredSSP public-key binding failed: a TLS-intercepting device sits between client and server"
            }
            FailureKind::Credssp(_) => {
                "CredSSP failed: check the server's CredSSP configuration and the 'Encryption Oracle Remediation' policy on both sides"
            }
            FailureKind::Protocol(ProtocolViolation::SelectedNotOffered { .. }) => {
                "the server chose a security protocol the client did not offer: a non-conforming server or a proxy; try requesting other protocols"
            }
            FailureKind::Protocol(_) => {
                "the server sent something the RDP protocol does not allow here: check the server's event log and any RDP proxy or gateway"
            }
            _ => {
                "check the server's event log (RemoteDesktopServices-RdpCoreTS, TerminalServices-LocalSessionManager)"
            }
        };
        s.to_owned()
    }

    /// A one-line description.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

fn hex8(v: u32) -> String {
    format!("0x{v:08X}")
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        let meaning = lookup(code.space, code.value).map(|e| e.meaning);
        match self {
            FailureKind::Dns { message } => write!(f, "name resolution failed: {message}"),
            FailureKind::Network(e) if e.message.is_empty() => {
                write!(f, "the server closed the connection")
            }
            FailureKind::Network(e) => write!(f, "{}", e.message),
            FailureKind::Timeout(t) => {
                let what = match t.which {
                    TimeoutKind::Connect => "TCP connect",
                    TimeoutKind::Phase => "phase",
                    TimeoutKind::Overall => "overall probe",
                };
                if t.partial_bytes > 0 {
                    write!(
                        f,
                        "{what} time limit of {} ms ran out with {} bytes of a PDU received",
                        t.limit_ms, t.partial_bytes
                    )
                } else {
                    write!(
                        f,
                        "{what} time limit of {} ms ran out with no answer from the server",
                        t.limit_ms
                    )
                }
            }
            FailureKind::NotRdp(n) => {
                let what = match n.looks_like {
                    NotRdpKind::Http => "an HTTP server",
                    NotRdpKind::Ssh => "an SSH server",
                    NotRdpKind::Tls => "a TLS server that does not speak X.224 first",
                    NotRdpKind::Other => "something that is not RDP",
                };
                let hex: Vec<String> = n.first_bytes.iter().map(|b| format!("{b:02x}")).collect();
                write!(
                    f,
                    "the port answered like {what} (first bytes: {})",
                    hex.join(" ")
                )
            }
            FailureKind::Negotiation { code: c } => {
                write!(
                    f,
                    "the server refused the security negotiation with {} ({c})",
                    code.name
                )?;
                if let Some(m) = meaning {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            FailureKind::Tls(TlsFailure::Alert(a)) => {
                write!(f, "the server sent TLS alert {} ({a})", code.name)
            }
            FailureKind::Tls(TlsFailure::Version { server_version: 0 }) => {
                write!(f, "the server does not speak TLS 1.2 or 1.3")
            }
            FailureKind::Tls(TlsFailure::Version { server_version }) => {
                write!(
                    f,
                    "the server only speaks {} (0x{server_version:04x}); TLS 1.2 or 1.3 is required",
                    code.name
                )
            }
            FailureKind::Tls(TlsFailure::Other(m)) => write!(f, "TLS handshake failed: {m}"),
            FailureKind::Certificate(p, detail) => {
                write!(f, "the server's certificate was refused ({p:?}): {detail}")
            }
            FailureKind::Ntstatus { status } => {
                write!(
                    f,
                    "the server rejected the logon with {} ({})",
                    code.name,
                    hex8(*status)
                )?;
                if let Some(m) = meaning {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            FailureKind::Credssp(CredsspFailure::RejectedWithoutCode { server_version }) => write!(
                f,
                "the server ended the connection after the NTLM AUTHENTICATE without an error code (CredSSP version {server_version})"
            ),
            FailureKind::Credssp(CredsspFailure::PublicKeyMismatch) => {
                write!(
                    f,
                    "the server's CredSSP public key proof does not match the TLS certificate"
                )
            }
            FailureKind::Credssp(CredsspFailure::Malformed(m)) => {
                write!(f, "malformed CredSSP message from the server: {m}")
            }
            FailureKind::Credssp(CredsspFailure::Local(m)) => {
                write!(f, "CredSSP failed locally: {m}")
            }
            FailureKind::EarlyUserAuth { result } => {
                write!(
                    f,
                    "the server denied authorization after authentication: {} ({})",
                    code.name,
                    hex8(*result)
                )
            }
            FailureKind::ErrInfo { code: c, ended_by } => {
                write!(
                    f,
                    "the server sent Set Error Info {} ({})",
                    code.name,
                    hex8(*c)
                )?;
                if let Some(m) = meaning {
                    write!(f, ": {m}")?;
                }
                match ended_by {
                    Ending::Closed => write!(f, "; then it closed the connection"),
                    Ending::Reset => write!(f, "; then it reset the connection"),
                    Ending::McsDisconnect(r) => write!(
                        f,
                        "; then it sent MCS Disconnect Provider Ultimatum (reason {r})"
                    ),
                    Ending::StillOpen => write!(f, "; the connection stayed open"),
                }
            }
            FailureKind::License {
                code: c,
                state_transition,
            } => {
                write!(
                    f,
                    "licensing failed: {} ({}), state transition {}",
                    code.name,
                    hex8(*c),
                    state_transition
                )?;
                if let Some(m) = meaning {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            FailureKind::McsDisconnect { reason } => {
                write!(
                    f,
                    "the server sent MCS Disconnect Provider Ultimatum {} ({reason})",
                    code.name
                )
            }
            FailureKind::Protocol(p) => match p {
                ProtocolViolation::SelectedNotOffered {
                    requested,
                    selected,
                } => write!(
                    f,
                    "the server selected {} although the client requested {}",
                    crate::Protocols::from_bits(*selected).selected_name(),
                    crate::Protocols::from_bits(*requested)
                ),
                ProtocolViolation::UnexpectedPdu(m) => write!(f, "unexpected PDU: {m}"),
                ProtocolViolation::Malformed(m) => write!(f, "malformed PDU: {m}"),
                ProtocolViolation::TooLarge { claimed, max } => {
                    write!(
                        f,
                        "a PDU claims {claimed} bytes, more than the {max} bytes accepted"
                    )
                }
                ProtocolViolation::McsConnectRejected { result } => {
                    write!(
                        f,
                        "the server rejected the MCS Connect Initial (T.125 result {result})"
                    )
                }
                ProtocolViolation::ChannelRejected { result } => {
                    write!(
                        f,
                        "the server rejected an MCS attach user or channel join (T.125 result {result})"
                    )
                }
                ProtocolViolation::Connector(m) => {
                    write!(f, "the RDP connection sequence failed: {m}")
                }
            },
        }
    }
}
