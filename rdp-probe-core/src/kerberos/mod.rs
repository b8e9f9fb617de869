//! Kerberos in the logon: what the engine asks the driver to carry to the KDC, what can go wrong on the
//! way, and how a Kerberos failure is classified.
//!
//! With credentials for a domain account and a KDC ([`crate::ProbeOptions::kdc`]), the logon is what the
//! Windows client makes: SPNEGO (Negotiate) with Kerberos first ([MS-CSSP] 3.1.5, [MS-KILE]), through
//! sspi's Negotiate client as `ironrdp_connector::sspi` re-exports it. sspi writes every Kerberos message;
//! the engine never does I/O, so each KDC exchange sspi asks for becomes an
//! [`Action::ExchangeKdc`](crate::engine::Action::ExchangeKdc): the driver sends the request over TCP
//! ([RFC 4120] 7.2.2) and hands the reply back, and the engine reads every reply itself
//! ([`rdp_probe_wire::kerberos`]) before sspi does, so the KDC's own `error-code` is never lost.
//!
//! Where rdp-probe differs from the Windows client, and why: sspi's CredSSP client uses Kerberos
//! user-to-user (its first token asks the server for its ticket-granting ticket, [MS-KILE] 3.3.5.7.8), so
//! it meets the KDC only after the server has answered, inside the TLS session. When Kerberos is not
//! possible (no KDC answers, or the KDC knows no `TERMSRV/host`), the Windows client's Negotiate falls back
//! to NTLM before its first token; the probe does the same on a new connection, and the report says so.
//!
//! [MS-CSSP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cssp/
//! [MS-KILE]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/
//! [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120

mod as_rep;

use std::fmt;

use rdp_probe_codes::CodeSpace;
use rdp_probe_wire::DecodeError;
use rdp_probe_wire::kerberos::KdcMessage;

pub use as_rep::as_rep_for_sspi;

use crate::Kdc;
use crate::failure::NetworkError;

/// The largest KDC reply the driver accepts (a ticket with a large PAC stays far below it).
pub const KDC_REPLY_MAX: usize = 1 << 20;

/// The most KDC exchanges one logon may make (AS with and without pre-authentication, a clock-skew
/// retry, the TGS exchange and its cross-realm referrals).
pub const MAX_KDC_EXCHANGES: usize = 16;

/// The KDC_ERR_S_PRINCIPAL_UNKNOWN error-code ([RFC 4120] 7.5.9): no principal holds the SPN.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub const KDC_ERR_S_PRINCIPAL_UNKNOWN: u32 = 7;

/// The KDC_ERR_PREAUTH_REQUIRED error-code ([RFC 4120] 7.5.9): the usual first answer to an AS-REQ.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub const KDC_ERR_PREAUTH_REQUIRED: u32 = 25;

/// The KRB_AP_ERR_SKEW error-code ([RFC 4120] 7.5.9): the clocks differ by more than the allowed skew.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub const KRB_AP_ERR_SKEW: u32 = 37;

/// The clock skew Kerberos allows by default, in seconds ([RFC 4120] 1.6; MIT's `clockskew` and
/// Windows' "Maximum tolerance for computer clock synchronization" default to 5 minutes).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub const MAX_CLOCK_SKEW_S: i64 = 300;

/// How to find the KDC when none is given ([`crate::ProbeOptions::find_kdc`]): the realm's DNS SRV
/// record, asked of `resolver` or of the first `nameserver` in `/etc/resolv.conf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FindKdc {
    /// The DNS server to ask (`--dns-server`); `None` is the system's.
    pub resolver: Option<std::net::SocketAddr>,
}

/// One SRV lookup for the driver: ask `resolver` (or the system's) for `name`, type SRV, over UDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdcLookup {
    /// The owner name ([`rdp_probe_wire::dns::kerberos_srv_name`]).
    pub name: String,
    /// The DNS server, if one was given.
    pub resolver: Option<std::net::SocketAddr>,
}

/// Why an SRV lookup brought no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KdcLookupFailure {
    /// No resolver was given and the system names none.
    NoResolver(String),
    /// The query could not be built (the realm is not a DNS name).
    BadName(String),
    /// Sending or receiving failed.
    Io(NetworkError),
    /// No reply within the limit.
    TimedOut {
        /// The limit, in milliseconds.
        limit_ms: u64,
    },
}

impl fmt::Display for KdcLookupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KdcLookupFailure::NoResolver(why) => write!(f, "no DNS server to ask: {why}"),
            KdcLookupFailure::BadName(why) => write!(f, "the realm is not a DNS name: {why}"),
            KdcLookupFailure::Io(e) => write!(f, "the DNS query failed: {}", e.message),
            KdcLookupFailure::TimedOut { limit_ms } => {
                write!(f, "the DNS server did not answer within {limit_ms} ms")
            }
        }
    }
}

/// One KDC exchange for the driver: send `data` to `kdc` over TCP and read one reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdcRequest {
    /// Where to send it.
    pub kdc: Kdc,
    /// The request, with its 4-byte TCP length prefix ([RFC 4120] 7.2.2), as sent.
    ///
    /// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
    pub data: Vec<u8>,
    /// What it is (AS-REQ, TGS-REQ).
    pub message: KdcMessage,
}

/// Why a KDC exchange brought no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KdcFailure {
    /// The KDC's name did not resolve.
    Resolve {
        /// The resolver's words.
        message: String,
    },
    /// The TCP connect failed (refused, unreachable).
    Connect(NetworkError),
    /// Sending or receiving failed after the connect.
    Io(NetworkError),
    /// The KDC closed the connection without a whole reply.
    Closed,
    /// No reply within the limit.
    TimedOut {
        /// The limit, in milliseconds.
        limit_ms: u64,
    },
    /// The reply announced more than [`KDC_REPLY_MAX`] bytes.
    Oversized {
        /// The length announced.
        announced: u64,
    },
}

impl fmt::Display for KdcFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KdcFailure::Resolve { message } => write!(f, "its name did not resolve ({message})"),
            KdcFailure::Connect(e) => write!(f, "the TCP connect failed ({})", e.message),
            KdcFailure::Closed => write!(f, "it closed the connection without a whole reply"),
            KdcFailure::Io(e) => write!(f, "the exchange failed ({})", e.message),
            KdcFailure::TimedOut { limit_ms } => write!(f, "no reply within {limit_ms} ms"),
            KdcFailure::Oversized { announced } => write!(
                f,
                "its reply announced {announced} bytes, more than the {KDC_REPLY_MAX} accepted"
            ),
        }
    }
}

/// A Kerberos failure (code spaces `kerberos`, the KDC's own `error-code`, and `kdc`, rdp-probe's
/// numbers for a KDC that gave no answer).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KerberosFailure {
    /// The KDC answered with a KRB-ERROR ([RFC 4120] 5.9.1) that ended the logon.
    ///
    /// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
    KdcError {
        /// The raw `error-code`.
        code: u32,
        /// The request it answered.
        request: KdcMessage,
        /// The realm of the error (`realm`).
        realm: String,
        /// The principal the error is about (`sname`), `/`-joined.
        sname: String,
        /// The KDC's `e-text`, if any.
        e_text: Option<String>,
    },
    /// The KDC could not be reached or gave no reply.
    Unreachable {
        /// The KDC.
        kdc: Kdc,
        /// What went wrong.
        failure: KdcFailure,
    },
    /// The server refused the logon after the KDC had said the clocks differ (KRB_AP_ERR_SKEW): sspi, as
    /// the Windows client does, retried with the KDC's time, so the Kerberos tickets came, but the
    /// server's clock is off from the KDC's by more than the skew Kerberos allows.
    ClockSkew {
        /// The KDC's clock minus this machine's, in seconds.
        kdc_offset_s: i64,
        /// The server's TSRequest `errorCode`.
        server_status: u32,
    },
    /// The server refused the Kerberos offer itself, before any KDC exchange: a TSRequest `errorCode`
    /// (`Some`) or a close (`None`) in answer to the first SPNEGO token. A CredSSP server that takes
    /// only bare NTLM does this; a Windows server's SPNEGO would pick NTLM from the offer instead.
    ServerRefused {
        /// The server's `errorCode`, if it sent one.
        status: Option<u32>,
    },
    /// The KDC's reply is not a Kerberos message.
    InvalidReply {
        /// The KDC.
        kdc: Kdc,
        /// What the decoder found.
        error: DecodeError,
    },
}

impl KerberosFailure {
    /// The code space: `kerberos` for the KDC's `error-code`, `kdc` for the rest.
    pub fn space(&self) -> CodeSpace {
        match self {
            KerberosFailure::KdcError { .. } | KerberosFailure::ClockSkew { .. } => {
                CodeSpace::Kerberos
            }
            KerberosFailure::ServerRefused { status: Some(_) } => CodeSpace::Ntstatus,
            KerberosFailure::ServerRefused { status: None } => CodeSpace::Credssp,
            _ => CodeSpace::Kdc,
        }
    }

    /// Whether the Windows client's Negotiate would give up on Kerberos here and use NTLM instead: no KDC
    /// answered (or what answered is not a KDC), or the KDC knows no principal for the SPN (**derived**
    /// from [MS-SPNG] and the Negotiate package's documented behaviour; a wrong password, an unknown
    /// user or a clock skew does not fall back).
    ///
    /// [MS-SPNG]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-spng/
    pub fn falls_back_to_ntlm(&self) -> bool {
        match self {
            KerberosFailure::KdcError { code, .. } => *code == KDC_ERR_S_PRINCIPAL_UNKNOWN,
            KerberosFailure::Unreachable { .. }
            | KerberosFailure::InvalidReply { .. }
            | KerberosFailure::ServerRefused { .. } => true,
            KerberosFailure::ClockSkew { .. } => false,
        }
    }
}

impl fmt::Display for KerberosFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KerberosFailure::KdcError {
                code,
                request,
                realm,
                sname,
                e_text,
            } => {
                write!(
                    f,
                    "the KDC answered the {} with {} ({code})",
                    request.rfc_name(),
                    rdp_probe_codes::name_or_unknown(CodeSpace::Kerberos, *code)
                )?;
                if !sname.is_empty() {
                    write!(f, " for {sname}")?;
                    if !realm.is_empty() {
                        write!(f, "@{realm}")?;
                    }
                }
                if let Some(text) = e_text.as_deref().filter(|t| !t.is_empty()) {
                    write!(f, ": {text}")?;
                }
                Ok(())
            }
            KerberosFailure::Unreachable { kdc, failure } => {
                write!(f, "the KDC {kdc} did not answer: {failure}")
            }
            KerberosFailure::ClockSkew {
                kdc_offset_s,
                server_status,
            } => write!(
                f,
                "the server refused the Kerberos logon (errorCode 0x{server_status:08X}) after the KDC answered KRB_AP_ERR_SKEW: the KDC's clock is {kdc_offset_s:+} s from this machine's, more than the {} s Kerberos allows, and the server's clock disagrees with the KDC's",
                MAX_CLOCK_SKEW_S
            ),
            KerberosFailure::ServerRefused {
                status: Some(status),
            } => write!(
                f,
                "the server refused the Kerberos offer with {} (0x{status:08X}) before any KDC exchange: it takes no Kerberos",
                rdp_probe_codes::name_or_unknown(CodeSpace::Ntstatus, *status)
            ),
            KerberosFailure::ServerRefused { status: None } => write!(
                f,
                "the server closed the connection on the Kerberos offer, before any KDC exchange: it takes no Kerberos"
            ),
            KerberosFailure::InvalidReply { kdc, error } => {
                write!(
                    f,
                    "the KDC {kdc} answered with something that is not Kerberos: {error}"
                )
            }
        }
    }
}
