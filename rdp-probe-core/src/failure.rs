//! The failure taxonomy: where the probe stopped, the server's own code, and what to do about it.
//!
//! Layered in the manner of rustls' errors: [`FailureKind`] says which layer failed, each variant keeps the
//! raw wire value (unknown values included), and [`FailureKind::code`] projects it onto one
//! [`CodeSpace`] with a JSON-stable number and name. Codes in the spaces `os_error`, `timeout`, `not_rdp`,
//! `certificate`, `credssp` and `protocol` are rdp-probe's own numbering (documented on each type); all
//! other spaces carry the server's value as sent.

use std::fmt;
use std::sync::Arc;

use rdp_probe_codes::mstsc::{MstscPair, Trigger};
use rdp_probe_codes::{
    CodeEntry, CodeSpace, Keyed, NameEntry, lookup, lookup_name, name_or_unknown,
};
use serde::Serialize;

use rdp_probe_wire::DecodeError;

use crate::Phase;
use crate::kerberos::{KdcFailure, KerberosFailure};
use crate::standard_security::{CertificateError, MacForm, OpenError};

/// A foreign error kept typed, as rustls keeps one in `OtherError`: shared, so a failure stays
/// `Clone`; equal only to itself, since the foreign types have no equality of their own.
#[derive(Debug)]
pub struct Foreign<E>(Arc<E>);

impl<E> Clone for Foreign<E> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<E> Foreign<E> {
    /// Keeps `error`.
    pub fn new(error: E) -> Self {
        Self(Arc::new(error))
    }

    /// The error.
    pub fn get(&self) -> &E {
        &self.0
    }
}

impl<E> PartialEq for Foreign<E> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<E> Eq for Foreign<E> {}

impl<E: fmt::Display> fmt::Display for Foreign<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// IronRDP's connector error.
pub type ConnectorError = Foreign<ironrdp_connector::ConnectorError>;

/// sspi's error (CredSSP and NTLM).
pub type SspiError = Foreign<ironrdp_connector::sspi::Error>;

/// A PDU the engine expected, met or failed to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Pdu {
    /// A TPKT (slow-path) or fast-path frame.
    RdpFrame,
    /// X.224 Connection Confirm ([MS-RDPBCGR] 2.2.1.2).
    X224ConnectionConfirm,
    /// X.224 Data TPDU ([X.224] 13.7).
    X224Data,
    /// Another X.224 TPDU, by its raw code byte.
    X224Tpdu {
        /// The raw code byte.
        code: u8,
    },
    /// MCS Connect Response ([MS-RDPBCGR] 2.2.1.4).
    McsConnectResponse,
    /// CredSSP TSRequest ([MS-CSSP] 2.2.1).
    TsRequest,
    /// HYBRID_EX Early User Authorization Result ([MS-RDPBCGR] 2.2.10.2).
    EarlyUserAuthResult,
    /// A TLS record ([RFC 5246] 6.2.1).
    TlsRecord,
    /// A TLS ServerHello ([RFC 5246] 7.4.1.3).
    TlsServerHello,
    /// Server Redirection Packet ([MS-RDPBCGR] 2.2.13.1).
    ServerRedirection,
    /// A Standard RDP Security header ([MS-RDPBCGR] 2.2.8.1.1.2).
    SecurityHeader,
}

impl Pdu {
    /// The PDU's name in prose.
    pub fn describe(self) -> &'static str {
        match self {
            Pdu::RdpFrame => "TPKT or fast-path frame",
            Pdu::X224ConnectionConfirm => "X.224 Connection Confirm",
            Pdu::X224Data => "X.224 Data TPDU",
            Pdu::X224Tpdu { .. } => "X.224 TPDU",
            Pdu::McsConnectResponse => "MCS Connect Response",
            Pdu::TsRequest => "TSRequest",
            Pdu::EarlyUserAuthResult => "Early User Authorization Result",
            Pdu::TlsRecord => "TLS record",
            Pdu::TlsServerHello => "TLS ServerHello",
            Pdu::ServerRedirection => "Server Redirection Packet",
            Pdu::SecurityHeader => "Standard RDP Security header",
        }
    }
}

impl fmt::Display for Pdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pdu::X224Tpdu { code } => write!(f, "X.224 TPDU with code 0x{code:02x}"),
            other => f.write_str(other.describe()),
        }
    }
}

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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Code {
    /// The code space.
    pub space: CodeSpace,
    /// The raw value.
    pub value: u32,
    /// Its name (`UNKNOWN_...` style for values no table knows).
    pub name: String,
}

impl Code {
    pub(crate) fn server(space: CodeSpace, value: u32) -> Self {
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

    /// A row of one of rdp-probe's value-keyed spaces.
    fn entry(space: CodeSpace, entry: &CodeEntry) -> Self {
        Self::own(space, entry.value, entry.name)
    }

    /// A row of a name-keyed space (`os_error`, `timeout`): the name says what, the value is a number
    /// about it.
    fn named(space: CodeSpace, value: u32, entry: &NameEntry) -> Self {
        Self::own(space, value, entry.name)
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
    /// `certificate`), with the verifier's own finding.
    Certificate {
        /// The problem, as rdp-probe classifies it.
        problem: CertificateProblem,
        /// What the verifier said.
        error: Foreign<rustls::CertificateError>,
    },
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
        ended_by: AfterErrInfo,
    },
    /// A licensing Error Alert that is not STATUS_VALID_CLIENT ([MS-RDPBCGR] 2.2.1.12.1.3; code space
    /// `license_error`).
    License {
        /// The raw `dwErrorCode`.
        code: u32,
        /// The raw `dwStateTransition`.
        state_transition: u32,
    },
    /// The server answered with an X.224 Disconnect Request TPDU ([X.224] 13.5; code space
    /// `x224_disconnect`, the raw reason byte).
    X224Disconnect {
        /// The raw reason byte.
        reason: u8,
    },
    /// MCS Disconnect Provider Ultimatum ([T.125] / [MS-RDPBCGR] 2.2.2.3; code space `mcs_disconnect`).
    McsDisconnect {
        /// The raw reason (0..7).
        reason: u8,
    },
    /// The server broke the protocol (code space `protocol`).
    Protocol(ProtocolViolation),
    /// Standard RDP Security failed (code space `standard_security`, [MS-RDPBCGR] 5.3).
    StandardSecurity(StandardSecurityFailure),
    /// Kerberos ended the logon: a KRB-ERROR from the KDC (code space `kerberos`), or a KDC that gave no
    /// answer (code space `kdc`).
    Kerberos(KerberosFailure),
}

/// A failure of Standard RDP Security ([MS-RDPBCGR] 5.3; code space `standard_security`).
///
/// Values: 1 invalid Server Security Data, 2 method not offered, 3 certificate unpack, 4 certificate
/// signature, 5 client random encryption, 6 server MAC mismatch, 7 decryption, 8 unencrypted PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StandardSecurityFailure {
    /// The Server Security Data's level and method do not go together, or its random is missing or
    /// not 32 bytes ([MS-RDPBCGR] 2.2.1.4.3, 5.3.2).
    InvalidServerData {
        /// Raw `encryptionMethod`.
        method: u32,
        /// Raw `encryptionLevel`.
        level: u32,
        /// `serverRandomLen` as sent, if any.
        random_len: Option<usize>,
    },
    /// The server selected a method the client did not offer, or an unknown one ([MS-RDPBCGR] 5.3.2.1).
    MethodNotOffered {
        /// Raw `encryptionMethod`.
        method: u32,
        /// What the client offered (raw `encryptionMethods` bits).
        offered: u32,
    },
    /// The server certificate cannot be unpacked ([MS-RDPBCGR] 2.2.1.4.3.1).
    Certificate(CertificateError),
    /// The proprietary certificate's signature does not verify with the Terminal Services signing key
    /// ([MS-RDPBCGR] 5.3.3.1.3).
    CertificateSignature,
    /// The client random cannot be encrypted to the server's key ([MS-RDPBCGR] 5.3.4.1).
    ClientRandom(CertificateError),
    /// A server PDU decrypted, but its MAC does not verify ([MS-RDPBCGR] 5.3.6.1, 5.3.6.2).
    MacMismatch {
        /// The PDU's security header flags.
        flags: u16,
        /// The MAC form the flags asked for.
        form: MacForm,
        /// The MAC the keys give.
        expected: [u8; 8],
        /// The MAC the server sent.
        received: [u8; 8],
    },
    /// A server PDU cannot be decrypted ([MS-RDPBCGR] 5.3.6).
    Decryption {
        /// The PDU's security header flags.
        flags: u16,
        /// Why.
        error: OpenError,
    },
    /// A server PDU's security header is cut short ([MS-RDPBCGR] 2.2.8.1.1.2).
    Header(DecodeError),
    /// A server PDU came unencrypted where the encryption level requires encryption ([MS-RDPBCGR] 5.3.2).
    Unencrypted {
        /// The PDU's security header flags.
        flags: u16,
    },
}

impl StandardSecurityFailure {
    fn entry(&self) -> &'static CodeEntry {
        use rdp_probe_codes::standard_security as c;
        match self {
            StandardSecurityFailure::InvalidServerData { .. } => &c::INVALID_SERVER_SECURITY_DATA,
            StandardSecurityFailure::MethodNotOffered { .. } => &c::ENCRYPTION_METHOD_NOT_OFFERED,
            StandardSecurityFailure::Certificate(_) => &c::CERTIFICATE_UNPACK_FAILED,
            StandardSecurityFailure::CertificateSignature => &c::CERTIFICATE_SIGNATURE_INVALID,
            StandardSecurityFailure::ClientRandom(_) => &c::CLIENT_RANDOM_ENCRYPTION_FAILED,
            StandardSecurityFailure::MacMismatch { .. } => &c::SERVER_MAC_MISMATCH,
            StandardSecurityFailure::Decryption { .. } | StandardSecurityFailure::Header(_) => {
                &c::DECRYPTION_FAILED
            }
            StandardSecurityFailure::Unencrypted { .. } => &c::UNENCRYPTED_PDU,
        }
    }

    fn trigger(&self) -> Trigger {
        match self {
            StandardSecurityFailure::InvalidServerData { .. } => Trigger::ServerSecurityDataInvalid,
            StandardSecurityFailure::MethodNotOffered { .. } => Trigger::EncryptionMethodInvalid,
            StandardSecurityFailure::Certificate(_)
            | StandardSecurityFailure::CertificateSignature => {
                Trigger::ServerCertificateUnpackFailed
            }
            StandardSecurityFailure::ClientRandom(_) => Trigger::EncryptionFailed,
            StandardSecurityFailure::MacMismatch { .. }
            | StandardSecurityFailure::Decryption { .. }
            | StandardSecurityFailure::Header(_)
            | StandardSecurityFailure::Unencrypted { .. } => Trigger::DecryptionFailed,
        }
    }
}

impl fmt::Display for StandardSecurityFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StandardSecurityFailure::InvalidServerData {
                method,
                level,
                random_len,
            } => {
                write!(
                    f,
                    "the server's Standard RDP Security data is invalid: {} with {}",
                    rdp_probe_codes::rdp::encryption_level_name(*level),
                    rdp_probe_codes::rdp::encryption_method_name(*method)
                )?;
                match random_len {
                    None => write!(f, ", and no server random"),
                    Some(32) => Ok(()),
                    Some(n) => write!(f, ", and a server random of {n} bytes (32 required)"),
                }
            }
            StandardSecurityFailure::MethodNotOffered { method, offered } => write!(
                f,
                "the server selected encryption method {} (0x{method:08x}), which the client did not offer (offered 0x{offered:08x})",
                rdp_probe_codes::rdp::encryption_method_name(*method)
            ),
            StandardSecurityFailure::Certificate(e) => {
                write!(f, "the server's RDP certificate cannot be unpacked: {e}")
            }
            StandardSecurityFailure::CertificateSignature => write!(
                f,
                "the server's proprietary certificate is not signed with the Terminal Services signing key"
            ),
            StandardSecurityFailure::ClientRandom(e) => write!(
                f,
                "the client random cannot be encrypted with the server's public key: {e}"
            ),
            StandardSecurityFailure::MacMismatch {
                flags,
                form,
                expected,
                received,
            } => write!(
                f,
                "a server PDU (security flags 0x{flags:04x}) failed its {} MAC check: received {}, the session keys give {}",
                match form {
                    MacForm::Plain => "plain",
                    MacForm::Salted => "salted",
                },
                Hex(received),
                Hex(expected)
            ),
            StandardSecurityFailure::Decryption { flags, error } => write!(
                f,
                "a server PDU (security flags 0x{flags:04x}) cannot be decrypted: {error}"
            ),
            StandardSecurityFailure::Header(e) => {
                write!(f, "a server PDU's security header is cut short: {e}")
            }
            StandardSecurityFailure::Unencrypted { flags } => write!(
                f,
                "the server sent an unencrypted PDU (security flags 0x{flags:04x}) where its encryption level requires encryption"
            ),
        }
    }
}

/// How the connection ended after a Set Error Info PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AfterErrInfo {
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
    /// The server's handshake completed without a certificate (code space `protocol`, value 20).
    NoCertificate,
    /// Anything else rustls reported (code space `protocol`, value 20).
    Rustls(Foreign<rustls::Error>),
    /// The probe could not build its certificate verifier: a problem of this machine (no trusted
    /// roots), not of the server (code space `protocol`, value 20).
    Verifier(Foreign<rustls::client::VerifierBuilderError>),
    /// The legacy TLS stack (the legacy-TLS attempt) failed without an alert, in its own words.
    LegacyStack {
        /// The stack's words.
        message: String,
    },
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
    /// The server's TSRequest could not be decoded.
    Malformed {
        /// What was being decoded.
        pdu: Pdu,
        /// Where and why decoding failed.
        error: DecodeError,
    },
    /// The server answered with bytes that do not start a TSRequest.
    NotTsRequest {
        /// The first bytes received (at most 16).
        first_bytes: Vec<u8>,
    },
    /// The CredSSP client could not read the server's message.
    ServerMessage(ConnectorError),
    /// sspi (NTLM) rejected what the server sent, or failed.
    Sspi(SspiError),
    /// The CredSSP client failed locally (e.g. an invalid user name).
    Local(ConnectorError),
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
    UnexpectedPdu {
        /// What the engine waited for.
        expected: Pdu,
        /// What came.
        got: Pdu,
    },
    /// An X.224 Connection Confirm with negotiation data of a type [MS-RDPBCGR] does not define.
    UnknownNegotiation {
        /// The raw `type` byte.
        neg_type: u8,
        /// The raw 32-bit value after it.
        value: u32,
    },
    /// A PDU that does not decode.
    Malformed {
        /// What was being decoded.
        pdu: Pdu,
        /// Where and why decoding failed.
        error: DecodeError,
    },
    /// Bytes that cannot start the frame the engine waited for.
    Unframed {
        /// The frame awaited.
        expected: Pdu,
        /// The first bytes received (at most 16).
        first_bytes: Vec<u8>,
    },
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
    Connector(ConnectorError),
}

impl FailureKind {
    /// The code space, raw value and name. rdp-probe's own spaces take their rows from
    /// [`rdp_probe_codes`], the one source of every code.
    pub fn code(&self) -> Code {
        use CodeSpace as S;
        use rdp_probe_codes::{certificate, credssp, kdc, not_rdp, os_error, protocol, timeout};
        match self {
            FailureKind::Dns { .. } => Code::named(S::OsError, 0, &os_error::DNS_LOOKUP_FAILED),
            FailureKind::Network(e) => {
                let entry = match e.kind {
                    NetworkErrorKind::Refused => &os_error::ECONNREFUSED,
                    NetworkErrorKind::Unreachable => &os_error::EHOSTUNREACH,
                    NetworkErrorKind::Reset => &os_error::ECONNRESET,
                    NetworkErrorKind::Closed => &os_error::EOF,
                    NetworkErrorKind::SendFailed => &os_error::SEND_FAILED,
                    NetworkErrorKind::Other => &os_error::OS_ERROR,
                };
                let value = e.os_error.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
                Code::named(S::OsError, value, entry)
            }
            FailureKind::Timeout(t) => {
                let entry = match t.which {
                    TimeoutKind::Connect => &timeout::CONNECT_TIMEOUT,
                    TimeoutKind::Phase => &timeout::PHASE_TIMEOUT,
                    TimeoutKind::Overall => &timeout::OVERALL_TIMEOUT,
                };
                let value = u32::try_from(t.limit_ms).unwrap_or(u32::MAX);
                Code::named(S::Timeout, value, entry)
            }
            FailureKind::NotRdp(n) => Code::entry(
                S::NotRdp,
                match n.looks_like {
                    NotRdpKind::Http => &not_rdp::HTTP,
                    NotRdpKind::Ssh => &not_rdp::SSH,
                    NotRdpKind::Tls => &not_rdp::TLS_WITHOUT_X224,
                    NotRdpKind::Other => &not_rdp::NOT_TPKT,
                },
            ),
            FailureKind::Negotiation { code } => Code::server(S::NegFailure, *code),
            FailureKind::Tls(TlsFailure::Alert(a)) => Code::server(S::TlsAlert, u32::from(*a)),
            FailureKind::Tls(TlsFailure::Version { server_version }) => {
                let value = u32::from(*server_version);
                Code::own(
                    S::TlsVersion,
                    value,
                    rdp_probe_codes::tls_version::report_name(value),
                )
            }
            FailureKind::Tls(
                TlsFailure::NoCertificate
                | TlsFailure::Rustls(_)
                | TlsFailure::Verifier(_)
                | TlsFailure::LegacyStack { .. },
            ) => Code::entry(S::Protocol, &protocol::TLS_ERROR),
            FailureKind::Certificate { problem, .. } => Code::entry(
                S::Certificate,
                match problem {
                    CertificateProblem::Expired => &certificate::CERT_EXPIRED,
                    CertificateProblem::NotYetValid => &certificate::CERT_NOT_YET_VALID,
                    CertificateProblem::NameMismatch => &certificate::CERT_NAME_MISMATCH,
                    CertificateProblem::Untrusted => &certificate::CERT_UNTRUSTED,
                    CertificateProblem::Invalid => &certificate::CERT_INVALID,
                    CertificateProblem::Revoked => &certificate::CERT_REVOKED,
                    CertificateProblem::Other => &certificate::CERT_OTHER,
                },
            ),
            FailureKind::Ntstatus { status } => Code::server(S::Ntstatus, *status),
            FailureKind::Credssp(c) => Code::entry(
                S::Credssp,
                match c {
                    CredsspFailure::RejectedWithoutCode { .. } => {
                        &credssp::CREDSSP_REJECTED_WITHOUT_CODE
                    }
                    CredsspFailure::PublicKeyMismatch => &credssp::CREDSSP_PUBLIC_KEY_MISMATCH,
                    CredsspFailure::Malformed { .. }
                    | CredsspFailure::NotTsRequest { .. }
                    | CredsspFailure::ServerMessage(_) => &credssp::CREDSSP_MALFORMED,
                    CredsspFailure::Sspi(e) if sspi_reads_server_message(e) => {
                        &credssp::CREDSSP_MALFORMED
                    }
                    CredsspFailure::Sspi(_) | CredsspFailure::Local(_) => {
                        &credssp::CREDSSP_LOCAL_ERROR
                    }
                },
            ),
            FailureKind::EarlyUserAuth { result } => Code::server(S::EarlyUserAuth, *result),
            FailureKind::ErrInfo { code, .. } => Code::server(S::Errinfo, *code),
            FailureKind::License { code, .. } => Code::server(S::LicenseError, *code),
            FailureKind::X224Disconnect { reason } => {
                Code::server(S::X224Disconnect, u32::from(*reason))
            }
            FailureKind::McsDisconnect { reason } => {
                Code::server(S::McsDisconnect, u32::from(*reason))
            }
            FailureKind::Protocol(p) => Code::entry(
                S::Protocol,
                match p {
                    ProtocolViolation::SelectedNotOffered { .. } => {
                        &protocol::SELECTED_PROTOCOL_NOT_OFFERED
                    }
                    ProtocolViolation::UnexpectedPdu { .. }
                    | ProtocolViolation::UnknownNegotiation { .. } => &protocol::UNEXPECTED_PDU,
                    ProtocolViolation::Malformed { .. } | ProtocolViolation::Unframed { .. } => {
                        &protocol::MALFORMED_PDU
                    }
                    ProtocolViolation::TooLarge { .. } => &protocol::PDU_TOO_LARGE,
                    ProtocolViolation::McsConnectRejected { .. } => &protocol::MCS_CONNECT_REJECTED,
                    ProtocolViolation::ChannelRejected { .. } => &protocol::MCS_CHANNEL_REJECTED,
                    ProtocolViolation::Connector(_) => &protocol::CONNECTOR_ERROR,
                },
            ),
            FailureKind::StandardSecurity(s) => Code::entry(S::StandardSecurity, s.entry()),
            FailureKind::Kerberos(KerberosFailure::KdcError { code, .. }) => {
                Code::server(S::Kerberos, *code)
            }
            FailureKind::Kerberos(KerberosFailure::ClockSkew { .. }) => {
                Code::server(S::Kerberos, crate::kerberos::KRB_AP_ERR_SKEW)
            }
            FailureKind::Kerberos(KerberosFailure::ServerRefused {
                status: Some(status),
            }) => Code::server(S::Ntstatus, *status),
            FailureKind::Kerberos(KerberosFailure::ServerRefused { status: None }) => {
                Code::entry(S::Credssp, &credssp::CREDSSP_REJECTED_WITHOUT_CODE)
            }
            FailureKind::Kerberos(KerberosFailure::Unreachable { failure, .. }) => Code::entry(
                S::Kdc,
                match failure {
                    KdcFailure::TimedOut { .. } => &kdc::KDC_NO_ANSWER,
                    KdcFailure::Closed => &kdc::KDC_CLOSED,
                    KdcFailure::Oversized { .. } => &kdc::KDC_REPLY_INVALID,
                    _ => &kdc::KDC_UNREACHABLE,
                },
            ),
            FailureKind::Kerberos(KerberosFailure::InvalidReply { .. }) => {
                Code::entry(S::Kdc, &kdc::KDC_REPLY_INVALID)
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
            FailureKind::Tls(
                TlsFailure::NoCertificate
                | TlsFailure::Rustls(_)
                | TlsFailure::Verifier(_)
                | TlsFailure::LegacyStack { .. },
            ) => "tls_error",
            FailureKind::Certificate { .. } => "certificate",
            FailureKind::Ntstatus { .. } => "logon_failure",
            FailureKind::Credssp(_) => "credssp",
            FailureKind::EarlyUserAuth { .. } => "early_user_auth",
            FailureKind::ErrInfo { .. } => "server_error_info",
            FailureKind::License { .. } => "license_error",
            FailureKind::X224Disconnect { .. } => "x224_disconnect",
            FailureKind::McsDisconnect { .. } => "mcs_disconnect",
            FailureKind::Protocol(_) => "protocol_violation",
            FailureKind::StandardSecurity(_) => "standard_security",
            FailureKind::Kerberos(
                KerberosFailure::KdcError { .. } | KerberosFailure::ClockSkew { .. },
            ) => "kerberos",
            FailureKind::Kerberos(KerberosFailure::ServerRefused { .. }) => "kerberos_refused",
            FailureKind::Kerberos(_) => "kdc_unreachable",
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
            FailureKind::Certificate {
                problem: CertificateProblem::Expired,
                ..
            } => Trigger::CertificateExpired,
            FailureKind::Certificate { .. } => Trigger::CertificateRejected,
            FailureKind::Ntstatus { status } => Trigger::Ntstatus(*status),
            FailureKind::Credssp(_) => Trigger::CredsspFailed,
            FailureKind::EarlyUserAuth { .. } => Trigger::EarlyUserAuthDenied,
            FailureKind::ErrInfo { ended_by, .. } => match ended_by {
                AfterErrInfo::Closed | AfterErrInfo::StillOpen => Trigger::PeerClosed,
                AfterErrInfo::Reset => Trigger::ConnectionReset,
                AfterErrInfo::McsDisconnect(r) => Trigger::McsDisconnect(u32::from(*r)),
            },
            FailureKind::License { code, .. } => Trigger::LicenseError(*code),
            FailureKind::X224Disconnect { reason } => Trigger::X224Disconnect(u32::from(*reason)),
            FailureKind::McsDisconnect { reason } => Trigger::McsDisconnect(u32::from(*reason)),
            FailureKind::Protocol(_) => Trigger::ProtocolError,
            FailureKind::StandardSecurity(s) => s.trigger(),
            FailureKind::Kerberos(KerberosFailure::KdcError { code, .. }) => {
                Trigger::KerberosError(*code)
            }
            FailureKind::Kerberos(KerberosFailure::ClockSkew { .. }) => {
                Trigger::KerberosError(crate::kerberos::KRB_AP_ERR_SKEW)
            }
            FailureKind::Kerberos(KerberosFailure::ServerRefused {
                status: Some(status),
            }) => Trigger::Ntstatus(*status),
            FailureKind::Kerberos(KerberosFailure::ServerRefused { status: None }) => {
                Trigger::CredsspFailed
            }
            FailureKind::Kerberos(_) => Trigger::KdcUnreachable,
        }
    }

    /// The typed detail behind the message, for the report's `failure.detail`.
    pub fn detail(&self) -> Option<Detail> {
        let decode = |pdu: &Pdu, error: &DecodeError| Detail::decode(*pdu, error);
        Some(match self {
            FailureKind::X224Disconnect { reason } => Detail::X224Disconnect { reason: *reason },
            FailureKind::Protocol(ProtocolViolation::UnexpectedPdu { expected, got }) => {
                Detail::UnexpectedPdu {
                    expected: *expected,
                    got: *got,
                }
            }
            FailureKind::Protocol(ProtocolViolation::UnknownNegotiation { neg_type, value }) => {
                Detail::UnknownNegotiation {
                    neg_type: *neg_type,
                    value: *value,
                }
            }
            FailureKind::Protocol(ProtocolViolation::Malformed { pdu, error })
            | FailureKind::Credssp(CredsspFailure::Malformed { pdu, error }) => decode(pdu, error),
            FailureKind::Protocol(ProtocolViolation::Unframed {
                expected,
                first_bytes,
            }) => Detail::Unframed {
                expected: *expected,
                first_bytes: Hex(first_bytes).to_string(),
            },
            FailureKind::Credssp(CredsspFailure::NotTsRequest { first_bytes }) => {
                Detail::Unframed {
                    expected: Pdu::TsRequest,
                    first_bytes: Hex(first_bytes).to_string(),
                }
            }
            FailureKind::Protocol(ProtocolViolation::Connector(e))
            | FailureKind::Credssp(CredsspFailure::ServerMessage(e) | CredsspFailure::Local(e)) => {
                let e = e.get();
                Detail::Connector {
                    kind: connector_kind_name(e.kind()),
                    message: ErrorChain(e).to_string(),
                }
            }
            FailureKind::Credssp(CredsspFailure::Sspi(e)) => {
                let e = e.get();
                Detail::Sspi {
                    error_kind: format!("{:?}", e.error_type),
                    hresult: e.error_type as u32,
                    description: e.description.clone(),
                }
            }
            FailureKind::Tls(TlsFailure::Rustls(e)) => Detail::Rustls {
                error: format!("{:?}", e.get()),
            },
            FailureKind::Tls(TlsFailure::Verifier(e)) => Detail::Rustls {
                error: format!("{:?}", e.get()),
            },
            FailureKind::Certificate { error, .. } => Detail::Certificate {
                error: certificate_error_text(error.get()),
            },
            FailureKind::StandardSecurity(StandardSecurityFailure::Header(error)) => {
                decode(&Pdu::SecurityHeader, error)
            }
            FailureKind::StandardSecurity(StandardSecurityFailure::MacMismatch {
                flags,
                form,
                expected,
                received,
            }) => Detail::Mac {
                flags: *flags,
                form: *form,
                expected: Hex(expected).to_string(),
                received: Hex(received).to_string(),
            },
            FailureKind::StandardSecurity(
                StandardSecurityFailure::Certificate(e) | StandardSecurityFailure::ClientRandom(e),
            ) => Detail::ServerCertificate {
                error: format!("{e:?}"),
            },
            _ => return None,
        })
    }

    /// What an administrator should check: the code's row in [`rdp_probe_codes`] when it has a hint,
    /// else advice that depends on the phase or on what arrived.
    pub fn hint(&self, phase: Phase) -> String {
        if let FailureKind::Tls(TlsFailure::Verifier(_)) = self {
            return "this machine has no usable trusted root certificates to check the server's against: install the system's CA certificates, or probe without --require-valid-cert".to_owned();
        }
        let code = self.code();
        let row = match code.space.keyed_by() {
            Keyed::Value => lookup(code.space, code.value).and_then(|e| e.hint),
            Keyed::Name => lookup_name(code.space, &code.name).and_then(|e| e.hint),
        };
        if let Some(h) = row {
            return h.to_owned();
        }
        let s = match self {
            FailureKind::Network(e) => match e.kind {
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
            FailureKind::Timeout(t) if t.partial_bytes > 0 => {
                "the server started a PDU and stalled: a saturated link, an overloaded server or a broken middlebox"
            }
            FailureKind::Timeout(_) => {
                "the server accepted the connection but stopped answering: the RDP service may be hung or overloaded, or a middlebox swallows the traffic"
            }
            FailureKind::Kerberos(_) => {
                "Kerberos failed at the KDC: check the KDC's log for this request, the account and its realm, and the TERMSRV/<host> SPN (setspn -Q TERMSRV/<host>)"
            }
            FailureKind::X224Disconnect { .. } => {
                "the server refused the connection at the X.224 layer before any negotiation: the listener may not be an RDP server, or it refuses connections from this client"
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

/// The typed detail of a failure, as the report's JSON carries it (`failure.detail`, tagged by `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Detail {
    /// A PDU did not decode.
    Decode {
        /// The PDU.
        pdu: Pdu,
        /// The field the decoder was reading.
        field: &'static str,
        /// Its byte offset in the PDU.
        offset: usize,
        /// What was wrong.
        problem: DecodeProblem,
    },
    /// A PDU came where another was expected.
    UnexpectedPdu {
        /// What the engine waited for.
        expected: Pdu,
        /// What came.
        got: Pdu,
    },
    /// Negotiation data of an undefined type.
    UnknownNegotiation {
        /// The raw type byte.
        neg_type: u8,
        /// The raw value.
        value: u32,
    },
    /// Bytes that cannot start the awaited frame.
    Unframed {
        /// The frame awaited.
        expected: Pdu,
        /// The first bytes received, in hex.
        first_bytes: String,
    },
    /// The X.224 Disconnect Request's reason byte.
    X224Disconnect {
        /// The raw reason.
        reason: u8,
    },
    /// IronRDP's connector error.
    Connector {
        /// The connector's error kind.
        kind: &'static str,
        /// The connector's words, with their sources.
        message: String,
    },
    /// sspi's error.
    Sspi {
        /// sspi's error kind.
        error_kind: String,
        /// Its HRESULT.
        hresult: u32,
        /// sspi's words.
        description: String,
    },
    /// rustls' error.
    Rustls {
        /// The error, as rustls names it.
        error: String,
    },
    /// The certificate verifier's finding.
    Certificate {
        /// The verifier's words.
        error: String,
    },
    /// Why a Standard RDP Security server certificate or its key is unusable.
    ServerCertificate {
        /// The unpacking error, as rdp-probe names it.
        error: String,
    },
    /// A MAC that does not verify ([MS-RDPBCGR] 5.3.6).
    Mac {
        /// The PDU's security header flags.
        flags: u16,
        /// The form the flags asked for.
        form: MacForm,
        /// The MAC the session keys give, hex.
        expected: String,
        /// The MAC the server sent, hex.
        received: String,
    },
}

impl Detail {
    /// The detail of a PDU that did not decode.
    pub fn decode(pdu: Pdu, error: &DecodeError) -> Self {
        Detail::Decode {
            pdu,
            field: error.what,
            offset: error.offset,
            problem: DecodeProblem::from(error.kind),
        }
    }
}

/// What was wrong with a field, as [`rdp_probe_wire::DecodeErrorKind`] says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecodeProblem {
    /// The PDU ended before the field.
    Truncated {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes there were.
        available: usize,
    },
    /// A structural value the decoder does not handle.
    Unexpected {
        /// The raw value.
        found: u32,
    },
    /// A length beyond the decoder's cap.
    TooLarge {
        /// The claimed length.
        claimed: usize,
        /// The cap.
        max: usize,
    },
}

impl From<rdp_probe_wire::DecodeErrorKind> for DecodeProblem {
    fn from(kind: rdp_probe_wire::DecodeErrorKind) -> Self {
        use rdp_probe_wire::DecodeErrorKind as K;
        match kind {
            K::Truncated { needed, available } => DecodeProblem::Truncated { needed, available },
            K::Unexpected { found } => DecodeProblem::Unexpected { found },
            K::TooLarge { claimed, max } => DecodeProblem::TooLarge { claimed, max },
        }
    }
}

/// The name of an IronRDP connector error kind.
fn connector_kind_name(kind: &ironrdp_connector::ConnectorErrorKind) -> &'static str {
    use ironrdp_connector::ConnectorErrorKind as K;
    match kind {
        K::Encode(_) => "encode",
        K::Decode(_) => "decode",
        K::Credssp(_) => "credssp",
        K::EntraAuth(_) => "entra_auth",
        K::Reason(_) => "reason",
        K::AccessDenied => "access_denied",
        K::General => "general",
        K::Custom => "custom",
        K::Negotiation(_) => "negotiation",
        _ => "other",
    }
}

/// Bytes as space-separated hex.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// An error and its sources, on one line.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// Whether an sspi error says the server's message was unreadable (rather than a local failure).
fn sspi_reads_server_message(e: &SspiError) -> bool {
    use ironrdp_connector::sspi::ErrorKind;
    matches!(
        e.get().error_type,
        ErrorKind::InvalidToken | ErrorKind::DecryptFailure
    )
}

/// What the certificate verifier said, including the webpki error rustls wraps as `Other`.
fn certificate_error_text(c: &rustls::CertificateError) -> String {
    match c {
        rustls::CertificateError::Other(other) => other.0.to_string(),
        c => format!("{c:?}"),
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
                write!(
                    f,
                    "the port answered like {what} (first bytes: {})",
                    Hex(&n.first_bytes)
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
            FailureKind::Tls(TlsFailure::NoCertificate) => {
                write!(
                    f,
                    "the server completed the TLS handshake without a certificate"
                )
            }
            FailureKind::Tls(TlsFailure::Rustls(e)) => write!(f, "TLS handshake failed: {e}"),
            FailureKind::Tls(TlsFailure::LegacyStack { message }) => {
                write!(f, "TLS handshake failed (legacy TLS stack): {message}")
            }
            FailureKind::Tls(TlsFailure::Verifier(e)) => write!(
                f,
                "the probe could not check the server's certificate on this machine: {e}"
            ),
            FailureKind::Certificate { problem, error } => {
                write!(
                    f,
                    "the server's certificate was refused ({problem:?}): {}",
                    certificate_error_text(error.get())
                )
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
            FailureKind::Credssp(CredsspFailure::Malformed { pdu, error }) => {
                write!(
                    f,
                    "malformed CredSSP message from the server: {pdu}: {error}"
                )
            }
            FailureKind::Credssp(CredsspFailure::NotTsRequest { first_bytes }) => {
                write!(
                    f,
                    "malformed CredSSP message from the server: expected a TSRequest, got bytes starting {}",
                    Hex(first_bytes)
                )
            }
            FailureKind::Credssp(CredsspFailure::ServerMessage(e)) => {
                write!(
                    f,
                    "malformed CredSSP message from the server: {}",
                    ErrorChain(e.get())
                )
            }
            FailureKind::Credssp(CredsspFailure::Sspi(e)) if sspi_reads_server_message(e) => {
                write!(
                    f,
                    "malformed CredSSP message from the server: {}",
                    e.get().description
                )
            }
            FailureKind::Credssp(CredsspFailure::Sspi(e)) => {
                write!(
                    f,
                    "CredSSP failed locally: {:?}: {}",
                    e.get().error_type,
                    e.get().description
                )
            }
            FailureKind::Credssp(CredsspFailure::Local(e)) => {
                write!(f, "CredSSP failed locally: {}", ErrorChain(e.get()))
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
                    AfterErrInfo::Closed => write!(f, "; then it closed the connection"),
                    AfterErrInfo::Reset => write!(f, "; then it reset the connection"),
                    AfterErrInfo::McsDisconnect(r) => write!(
                        f,
                        "; then it sent MCS Disconnect Provider Ultimatum (reason {r})"
                    ),
                    AfterErrInfo::StillOpen => write!(f, "; the connection stayed open"),
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
            FailureKind::X224Disconnect { reason } => {
                write!(
                    f,
                    "the server sent an X.224 Disconnect Request {} (reason {reason})",
                    code.name
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
            FailureKind::StandardSecurity(s) => s.fmt(f),
            FailureKind::Kerberos(k) => k.fmt(f),
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
                ProtocolViolation::UnexpectedPdu { expected, got } => {
                    write!(f, "unexpected PDU: expected an {expected}, got an {got}")
                }
                ProtocolViolation::UnknownNegotiation { neg_type, value } => write!(
                    f,
                    "unexpected PDU: negotiation data of unknown type {neg_type} (value 0x{value:08x})"
                ),
                ProtocolViolation::Malformed { pdu, error } => {
                    write!(f, "malformed PDU: {pdu}: {error}")
                }
                ProtocolViolation::Unframed {
                    expected,
                    first_bytes,
                } => write!(
                    f,
                    "malformed PDU: bytes that do not start a {expected}: {}",
                    Hex(first_bytes)
                ),
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
                ProtocolViolation::Connector(e) => {
                    write!(
                        f,
                        "the RDP connection sequence failed: {}",
                        ErrorChain(e.get())
                    )
                }
            },
        }
    }
}
