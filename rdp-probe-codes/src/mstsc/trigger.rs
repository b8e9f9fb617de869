//! The mapping from what rdp-probe observed ([`Trigger`]) onto the rule that decides the pair, and
//! the pair itself ([`derive`]).

use super::mstsc_text;
use super::rules::*;
use crate::kerberos;

/// The mstsc `SSL_ERR_*` disconnect reason that corresponds to an NTSTATUS by name
/// (**derived**: Microsoft documents no mapping). Unlisted values give `0x807` (login failed).
pub fn ssl_err_for_ntstatus(status: u32) -> u32 {
    ntstatus_rule(status).disconnect_reason
}

fn ntstatus_rule(status: u32) -> &'static Rule {
    match status {
        0xC000_006D | 0xC000_006A => &R_NT_LOGON_FAILURE,
        0xC000_0064 => &R_NT_NO_SUCH_USER,
        0xC000_0072 => &R_NT_ACCOUNT_DISABLED,
        0xC000_006E..=0xC000_0070 => &R_NT_ACCOUNT_RESTRICTION, // ACCOUNT_RESTRICTION, INVALID_LOGON_HOURS, INVALID_WORKSTATION
        0xC000_0234 => &R_NT_LOCKED_OUT,
        0xC000_0193 => &R_NT_ACCOUNT_EXPIRED,
        0xC000_0071 => &R_NT_PASSWORD_EXPIRED,
        0xC000_0224 => &R_NT_MUST_CHANGE,
        0xC000_005E => &R_NT_NO_LOGON_SERVERS,
        _ => &R_NT_OTHER,
    }
}

/// The rule for a KRB-ERROR `error-code` from the KDC: the codes whose corresponding NTSTATUS
/// ([`kerberos::related_ntstatus`]) has an `SSL_ERR_*` code by name, the clock skew, the missing
/// SPN, and the generic rule for the rest (**derived**, see each rule's `why`).
fn kerberos_rule(code: u32) -> &'static Rule {
    match code {
        kerberos::KDC_ERR_PREAUTH_FAILED => &R_KRB_PREAUTH_FAILED,
        kerberos::KDC_ERR_C_PRINCIPAL_UNKNOWN => &R_KRB_CLIENT_UNKNOWN,
        kerberos::KDC_ERR_CLIENT_REVOKED => &R_KRB_CLIENT_REVOKED,
        kerberos::KDC_ERR_KEY_EXPIRED => &R_KRB_KEY_EXPIRED,
        kerberos::KRB_AP_ERR_SKEW => &R_KRB_SKEW,
        kerberos::KDC_ERR_S_PRINCIPAL_UNKNOWN => &R_KRB_SERVICE_UNKNOWN,
        _ => &R_KRB_OTHER,
    }
}

/// What happened, reduced to what decides the mstsc pair (the engine maps its failures onto this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trigger {
    /// The host name did not resolve.
    DnsLookupFailed,
    /// TCP connect was refused (RST).
    ConnectRefused,
    /// TCP connect got no answer within the time budget.
    ConnectTimedOut,
    /// TCP connect failed otherwise (host/network unreachable, ...).
    ConnectFailed,
    /// Sending on the established connection failed.
    SendFailed,
    /// Receiving failed (connection reset by the peer, ...).
    ConnectionReset,
    /// The server closed the TCP connection (FD_CLOSE); the extended reason is the last errinfo.
    PeerClosed,
    /// The server answered with an X.224 Disconnect Request TPDU with this reason
    /// ([`crate::x224_disconnect`]) and closed the connection. The Windows client sees the socket
    /// close, so the pair is [`Trigger::PeerClosed`]'s (derived).
    X224Disconnect(u32),
    /// Connected, but the server stayed silent past the time budget.
    ReadTimedOut,
    /// The reply to the X.224 Connection Request is not RDP.
    NotRdp,
    /// RDP_NEG_FAILURE with this failureCode.
    NegotiationFailure(u32),
    /// The TLS handshake failed (alert, no common version/cipher, connection dropped).
    TlsHandshakeFailed,
    /// The server's TLS certificate has expired.
    CertificateExpired,
    /// The server's TLS certificate was not accepted (untrusted, name mismatch, ...).
    CertificateRejected,
    /// CredSSP returned this NTSTATUS in TSRequest.errorCode.
    Ntstatus(u32),
    /// CredSSP failed without an NTSTATUS (closed, TLS alert, malformed reply).
    CredsspFailed,
    /// A KRB-ERROR with this `error-code` ([`crate::kerberos`]) from the KDC ended a Kerberos
    /// logon (inside CredSSP/SPNEGO).
    KerberosError(u32),
    /// A Kerberos logon got no usable answer from a KDC: unreachable, no answer in time, closed,
    /// or a reply that is not Kerberos (every code of [`crate::kdc`]).
    KdcUnreachable,
    /// HYBRID_EX Early User Authorization Result was AUTHZ_ACCESS_DENIED.
    EarlyUserAuthDenied,
    /// The server sent a licensing Error Message with this dwErrorCode.
    LicenseError(u32),
    /// Licensing did not complete in time.
    LicensingTimedOut,
    /// The server sent an MCS Disconnect Provider Ultimatum with this reason.
    McsDisconnect(u32),
    /// Server Security Data (Standard RDP Security) was invalid.
    ServerSecurityDataInvalid,
    /// The server chose an encryption method the client did not offer / does not know.
    EncryptionMethodInvalid,
    /// The server's Standard RDP Security certificate could not be parsed, or its proprietary
    /// signature does not verify.
    ServerCertificateUnpackFailed,
    /// The client could not encrypt with Standard RDP Security (the client random to the server's key).
    EncryptionFailed,
    /// A server PDU under Standard RDP Security did not decrypt, failed its MAC check, or came
    /// unencrypted where encryption is required.
    DecryptionFailed,
    /// Any other malformed or out-of-sequence PDU from the server.
    ProtocolError,
}

/// The pair mstsc would (probably) show for a trigger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MstscPair {
    /// `discReason` of `OnDisconnected`.
    pub disconnect_reason: u32,
    /// `ExtendedDisconnectReason`.
    pub extended_reason: u32,
    /// `true` unless the rule that produced the pair is documented by Microsoft.
    pub derived: bool,
    /// What mstsc would say, e.g. `Socket closed (0x904); The server denied the connection (0x7)`.
    pub text: String,
    /// Id of the [`Rule`] that produced the pair.
    pub rule: &'static str,
}

/// The rule that decides the pair for `trigger`.
pub fn rule_for(trigger: Trigger) -> &'static Rule {
    match trigger {
        Trigger::DnsLookupFailed => &R_DNS,
        Trigger::ConnectRefused => &R_REFUSED,
        Trigger::ConnectTimedOut => &R_CONNECT_TIMEOUT,
        Trigger::ConnectFailed => &R_CONNECT_FAILED,
        Trigger::SendFailed => &R_SEND,
        Trigger::ConnectionReset => &R_RESET,
        Trigger::PeerClosed | Trigger::X224Disconnect(_) => &R_PEER_CLOSED,
        Trigger::ReadTimedOut => &R_READ_TIMEOUT,
        Trigger::NotRdp => &R_NOT_RDP,
        Trigger::NegotiationFailure(5) => &R_NEG_HYBRID,
        Trigger::NegotiationFailure(_) => &R_NEG_OTHER,
        Trigger::TlsHandshakeFailed => &R_TLS,
        Trigger::CertificateExpired => &R_CERT_EXPIRED,
        Trigger::CertificateRejected => &R_CERT_REJECTED,
        Trigger::Ntstatus(s) => ntstatus_rule(s),
        Trigger::CredsspFailed => &R_CREDSSP,
        Trigger::KerberosError(code) => kerberos_rule(code),
        Trigger::KdcUnreachable => &R_KDC_UNREACHABLE,
        Trigger::EarlyUserAuthDenied => &R_EARLY_AUTH,
        Trigger::LicenseError(_) => &R_LICENSE,
        Trigger::LicensingTimedOut => &R_LICENSE_TIMEOUT,
        Trigger::McsDisconnect(_) => &R_MCS,
        Trigger::ServerSecurityDataInvalid => &R_SEC_DATA,
        Trigger::EncryptionMethodInvalid => &R_ENCRYPTION,
        Trigger::ServerCertificateUnpackFailed => &R_CERT_UNPACK,
        Trigger::EncryptionFailed => &R_ENCRYPT_ERROR,
        Trigger::DecryptionFailed => &R_DECRYPT_ERROR,
        Trigger::ProtocolError => &R_PROTOCOL,
    }
}

/// The pair mstsc would show for `trigger`, given the last Set Error Info value received
/// (if any): the rule's disconnect reason, and the extended reason its [`Extended`] gives.
pub fn derive(trigger: Trigger, last_errinfo: Option<u32>) -> MstscPair {
    let rule = rule_for(trigger);
    let license_code = match trigger {
        Trigger::LicenseError(code) => Some(code),
        _ => None,
    };
    let extended_reason = rule.extended.resolve(last_errinfo, license_code);
    MstscPair {
        disconnect_reason: rule.disconnect_reason,
        extended_reason,
        derived: !rule.documented,
        text: mstsc_text(rule.disconnect_reason, extended_reason),
        rule: rule.id,
    }
}
