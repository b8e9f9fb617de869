//! The Windows client's codes (mstsc / MsTscAx) and the derived mapping from what
//! rdp-probe observed onto the `(disconnect reason, extended reason)` pair mstsc shows.
//!
//! * [`DISCONNECT_REASONS`] — the 47 documented `IMsTscAxEvents::OnDisconnected` codes.
//! * [`EXTENDED_REASONS`] — `ExtendedDisconnectReasonCode` (`IMsRdpClient::ExtendedDisconnectReason`).
//! * [`USER_REPORTED`] — disconnect codes users have seen but Microsoft does not document.
//! * [`derive()`] / [`RULES`] — the mapping. **Microsoft publishes no such mapping**: every rule
//!   is an estimate built from the documented meaning of the code (or from user reports),
//!   so every [`MstscPair`] carries `derived: true` unless its rule is documented.
//! * [`explain`] — the offline answer for a pair a user copied from the mstsc dialog.
//!
//! Structure of a disconnect reason (inferred from the documented list, consistent for all
//! 47 values): the low byte is a *class* (0x04 network, 0x06 security layer, 0x07 TLS/NLA
//! `SSL_ERR_*`, 0x08 client core), the higher bytes a detail within the class.
//!
//! The extended reason equals the last Set Error Info code the server sent (MS-RDPBCGR
//! 2.2.5.1: the client stores it to report the disconnect that follows; values 0–12 and
//! 0x100–0x10A of both lists coincide), plus a few client-generated values (0x10B, 0x300).

use std::fmt;

use crate::phase::{self, Phase};
use crate::{CodeEntry, errinfo, license};

const SRC_DISC: &str = "learn.microsoft.com IMsTscAxEvents::OnDisconnected";
const SRC_EXT: &str = "learn.microsoft.com ExtendedDisconnectReasonCode";

const fn d(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_DISC)
}

const fn x(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_EXT)
}

const H_DNS: &str = "the host name could not be resolved: check the spelling, the client's DNS servers and search suffixes, and that a DNS record exists for the server";
const H_CONNECT: &str = "nothing accepted the TCP connection: check that the server is running, Remote Desktop is enabled, the port is right (3389 by default), and that host and network firewalls allow it";
const H_BROKEN: &str = "the established TCP connection broke: check the network path (VPN, NAT, firewalls or IPS that reset connections, MTU) and whether the server's Remote Desktop service restarted";
const H_TIMEOUT: &str = "the server stopped answering: check packet loss, firewalls that silently drop traffic, and whether the server is overloaded";
const H_CLOSED: &str = "the server closed the connection: the extended code (the server's own reason, if any) says why; with extended code 0, check the server's RemoteDesktopServices-RdpCoreTS log, its security-layer settings (e.g. it only allows Standard RDP Security) and any RDP proxy in between";
const H_STD_SEC: &str = "Standard RDP Security failed: prefer TLS/NLA ('Require use of specific security layer' = SSL or Negotiate on the server); check the server's encryption level and FIPS policy";
const H_LICENSING: &str = "licensing did not complete: check the RD Licensing configuration of the session host (RD Licensing Diagnoser) and delete the client's cached license (HKLM\\SOFTWARE\\Microsoft\\MSLicensing)";
const H_LOGON: &str = "the server rejected the credentials: check user name format (DOMAIN\\user or user@domain) and password";

/// All 47 documented `IMsTscAxEvents::OnDisconnected` disconnect reasons.
pub static DISCONNECT_REASONS: &[CodeEntry] = &[
    d(0x0, "disconnectReasonNoInfo", "No information is available"),
    d(0x1, "disconnectReasonLocalNotError", "Local disconnection (not an error)"),
    d(0x2, "disconnectReasonRemoteByUser", "Remote disconnection by the user (not an error)"),
    d(0x3, "disconnectReasonByServer", "Remote disconnection by the server (not an error)"),
    d(0x104, "disconnectReasonDNSLookupFailed", "DNS name lookup failure").with_hint(H_DNS),
    d(0x106, "disconnectReasonOutOfMemory", "Out of memory"),
    d(0x108, "disconnectReasonConnectionTimedOut", "Connection timed out").with_hint(H_TIMEOUT),
    d(0x204, "disconnectReasonSocketConnectFailed", "Winsock connect failed").with_hint(H_CONNECT),
    d(0x206, "disconnectReasonOutOfMemory2", "Out of memory"),
    d(0x208, "disconnectReasonHostNotFound", "Host not found").with_hint(H_DNS),
    d(0x304, "disconnectReasonWinsockSendFailed", "Winsock send failed").with_hint(H_BROKEN),
    d(0x306, "disconnectReasonOutOfMemory3", "Out of memory"),
    d(0x308, "disconnectReasonInvalidIPAddr", "The IP address specified is not valid").with_hint("check the address typed in the client"),
    d(0x404, "disconnectReasonSocketRecvFailed", "Winsock recv failed").with_hint(H_BROKEN),
    d(0x406, "disconnectReasonInvalidSecurityData", "Security data is not valid").with_hint(H_STD_SEC),
    d(0x408, "disconnectReasonInternalError", "Internal error"),
    d(0x506, "disconnectReasonInvalidEncryption", "The encryption method specified is not valid").with_hint(H_STD_SEC),
    d(0x508, "disconnectReasonDNSLookupFailed2", "DNS lookup failed").with_hint(H_DNS),
    d(0x604, "disconnectReasonGetHostByNameFailed", "Winsock gethostbyname failed").with_hint(H_DNS),
    d(0x606, "disconnectReasonInvalidServerSecurityInfo", "Server security data is not valid").with_hint(H_STD_SEC),
    d(0x608, "disconnectReasonTimerError", "Internal timer error"),
    d(0x704, "disconnectReasonTimeoutOccurred", "Time-out occurred").with_hint(H_TIMEOUT),
    d(0x706, "disconnectReasonServerCertificateUnpackErr", "Failed to unpack the server certificate").with_hint("the server's Standard RDP Security certificate could not be parsed: switch the server to TLS/NLA, or re-create its RDP certificate"),
    d(0x804, "disconnectReasonInvalidIP", "Bad IP address specified").with_hint("check the address typed in the client"),
    d(0x807, "SSL_ERR_LOGON_FAILURE", "Login failed").with_hint(H_LOGON),
    d(0x808, "disconnectReasonLicensingFailed", "License negotiation failed").with_hint(H_LICENSING),
    d(0x904, "disconnectReasonAtClientWinsockFDCLOSE", "Socket closed").with_hint(H_CLOSED),
    d(0x906, "disconnectReasonInternalSecurityError", "Internal security error"),
    d(0x908, "disconnectReasonLicensingTimeout", "Licensing time-out").with_hint(H_LICENSING),
    d(0xA06, "disconnectReasonInternalSecurityError2", "Internal security error"),
    d(0xA07, "SSL_ERR_NO_SUCH_USER", "The specified user has no account").with_hint("the user name is unknown: check spelling and the domain part"),
    d(0xB06, "disconnectReasonEncryptionError", "Encryption error").with_hint(H_STD_SEC),
    d(0xB07, "SSL_ERR_ACCOUNT_DISABLED", "The account is disabled").with_hint("enable the account in Active Directory Users and Computers / Local Users and Groups"),
    d(0xC06, "disconnectReasonDecryptionError", "Decryption error").with_hint(H_STD_SEC),
    d(0xC07, "SSL_ERR_ACCOUNT_RESTRICTION", "The account is restricted").with_hint("an account restriction blocks the logon (logon hours, allowed workstations, blank password, Protected Users): check the account's properties"),
    d(0xC08, "disconnectReasonClientDecompressionError", "Decompression error"),
    d(0xD07, "SSL_ERR_ACCOUNT_LOCKED_OUT", "The account is locked out").with_hint("unlock the account (or wait for the lockout duration) and find the source of the failed logons"),
    d(0xE07, "SSL_ERR_ACCOUNT_EXPIRED", "The account has expired").with_hint("extend the account's expiry date (Active Directory Users and Computers, Account tab)"),
    d(0xF07, "SSL_ERR_PASSWORD_EXPIRED", "The password has expired").with_hint("change the password, then retry"),
    d(0x1207, "SSL_ERR_PASSWORD_MUST_CHANGE", "The password must be changed before the first logon").with_hint("change the password (or clear 'User must change password at next logon'), then retry"),
    d(0x1607, "SSL_ERR_DELEGATION_POLICY", "Policy does not allow delegating credentials to the target server").with_hint("the client's credential delegation policy blocks this server: check 'Allow delegating default/saved/fresh credentials' (Computer Configuration > Administrative Templates > System > Credentials Delegation) for TERMSRV/<server>"),
    d(0x1707, "SSL_ERR_POLICY_NTLM_ONLY", "Delegation is not allowed without mutual authentication (only NTLM was possible)").with_hint("Kerberos could not be used, so the server was not authenticated: connect by the server's DNS name within its domain, check its SPN, or allow 'NTLM-only server authentication' in the credential delegation policy"),
    d(0x1807, "SSL_ERR_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication").with_hint("no domain controller could authenticate the logon: check the domain name typed, DNS and reachability of the domain controllers, and trusts"),
    d(0x1B07, "SSL_ERR_CERT_EXPIRED", "The received certificate has expired").with_hint("the server's TLS certificate has expired: renew the Remote Desktop certificate (or delete the self-signed one and restart the Remote Desktop service to get a new one)"),
    d(0x1C07, "SSL_ERR_SMARTCARD_WRONG_PIN", "Incorrect smart-card PIN"),
    d(0x2107, "SSL_ERR_FRESH_CRED_REQUIRED_BY_SERVER", "Server policy forbids saved credentials; new ones must be entered").with_hint("the server has 'Always prompt for password upon connection' set: type the password instead of using saved credentials"),
    d(0x2207, "SSL_ERR_SMARTCARD_CARD_BLOCKED", "The smart card is blocked"),
];

/// `ExtendedDisconnectReasonCode` values (the protocol range 0x1000–0x7FFF is described by
/// its two end points; see [`extended_reason_text`] for values inside it).
pub static EXTENDED_REASONS: &[CodeEntry] = &[
    x(0, "exDiscReasonNoInfo", "No additional information"),
    x(1, "exDiscReasonAPIInitiatedDisconnect", "An application initiated the disconnection"),
    x(2, "exDiscReasonAPIInitiatedLogoff", "An application logged off the client"),
    x(3, "exDiscReasonServerIdleTimeout", "The server's idle time-out expired"),
    x(4, "exDiscReasonServerLogonTimeout", "The server's limit for the connection expired"),
    x(5, "exDiscReasonReplacedByOtherConnection", "The connection was replaced by another connection"),
    x(6, "exDiscReasonOutOfMemory", "No memory is available"),
    x(7, "exDiscReasonServerDeniedConnection", "The server denied the connection"),
    x(8, "exDiscReasonServerDeniedConnectionFips", "The server denied the connection for security reasons (FIPS)"),
    x(9, "exDiscReasonServerInsufficientPrivileges", "The server denied the connection: insufficient privileges"),
    x(10, "exDiscReasonServerFreshCredsRequired", "Fresh credentials are required"),
    x(11, "exDiscReasonRpcInitiatedDisconnectByUser", "User activity initiated the disconnection"),
    x(12, "exDiscReasonLogoffByUser", "The user logged off"),
    CodeEntry::new(25, "exDiscReasonShutdown", "The server is shutting down",
        "derived: MsTscAx type library (ExtendedDisconnectReasonCode); not on the learn.microsoft.com page").mark_derived(),
    CodeEntry::new(26, "exDiscReasonReboot", "The server is restarting",
        "derived: MsTscAx type library (ExtendedDisconnectReasonCode); not on the learn.microsoft.com page").mark_derived(),
    x(0x100, "exDiscReasonLicenseInternal", "Internal licensing error"),
    x(0x101, "exDiscReasonLicenseNoLicenseServer", "No license server is available"),
    x(0x102, "exDiscReasonLicenseNoLicense", "No valid software license is available"),
    x(0x103, "exDiscReasonLicenseErrClientMsg", "The remote computer received an invalid licensing message"),
    x(0x104, "exDiscReasonLicenseHwidDoesntMatchLicense", "The hardware id does not match the one in the license"),
    x(0x105, "exDiscReasonLicenseErrClientLicense", "Client license error"),
    x(0x106, "exDiscReasonLicenseCantFinishProtocol", "Network problems during licensing"),
    x(0x107, "exDiscReasonLicenseClientEndedProtocol", "The client ended the licensing protocol prematurely"),
    x(0x108, "exDiscReasonLicenseErrClientEncryption", "A licensing message was encrypted incorrectly"),
    x(0x109, "exDiscReasonLicenseCantUpgradeLicense", "The client access license could not be upgraded or renewed"),
    x(0x10A, "exDiscReasonLicenseNoRemoteConnections", "The remote computer is not licensed to accept remote connections"),
    x(0x10B, "exDiscReasonLicenseCreatingLicStoreAccDenied", "Access denied while creating the client's license store"),
    x(0x300, "exDiscReasonRdpEncInvalidCredentials", "Invalid credentials were encountered"),
    x(0x1000, "exDiscReasonProtocolRangeStart", "Start of the range of internal protocol errors; see the server event log"),
    x(0x7FFF, "exDiscReasonProtocolRangeEnd", "End of the range of internal protocol errors"),
];

/// Disconnect reasons seen in the field but absent from Microsoft's list (all `derived`).
pub static USER_REPORTED: &[CodeEntry] = &[
    CodeEntry::new(0x4, "UNDOCUMENTED_0x4", "Generic network-layer error (class 0x04, no detail); reported by mstsc when the server's TLS accept failed",
        "derived: user reports neutrinolabs/xrdp#3015 ('error code 0x4 extended 0x0' while xrdp logged 'SSL_accept: I/O error'), stascorp/rdpwrap#1340, #571").mark_derived()
        .with_hint("the TLS handshake with the server failed: check the server's TLS configuration (certificate and key, enabled TLS versions and cipher suites) and its log for the TLS error"),
    CodeEntry::new(0x207, "UNDOCUMENTED_0x207", "Undocumented class-0x07 (TLS/NLA) code; reported by MsTscAx hosts connecting to servers that require NLA",
        "derived: user report mRemoteNG/mRemoteNG#29 and #1820 ('RDP disconnected 519' with NLA enabled on the server)").mark_derived()
        .with_hint("NLA (CredSSP) could not be completed: check that the client has NLA/CredSSP enabled and can authenticate to the server"),
    CodeEntry::new(0xB09, "UNDOCUMENTED_0xB09", "The remote computer requires Network Level Authentication, which the client does not use",
        "derived: user reports mRemoteNG/mRemoteNG#875 and #885 (MsTscAx disconnect reason 2825 with that text, CredSSP disabled in the client)").mark_derived()
        .with_hint("the server requires Network Level Authentication: connect with NLA (CredSSP) enabled and credentials"),
    CodeEntry::new(0xD06, "UNDOCUMENTED_0xD06", "Protocol error in the security layer (class 0x06, detail 0x0D)",
        "derived: user report mRemoteNG/mRemoteNG#1194 ('3334 Because of a protocol error, this session will be disconnected')").mark_derived(),
    CodeEntry::new(0x1104, "UNDOCUMENTED_0x1104", "Protocol error detected at the client (class 0x04, detail 0x11)",
        "derived: user report stascorp/rdpwrap#363 (mstsc 'Because of a protocol error detected at the client (code 0x1104), this session will be disconnected')").mark_derived()
        .with_hint("the client could not understand the server's reply: check that the address and port really belong to an RDP server and not to another service or a proxy"),
];

/// The documented disconnect reason entry.
pub fn lookup_disconnect(value: u32) -> Option<&'static CodeEntry> {
    crate::find(DISCONNECT_REASONS, value)
}

/// The documented extended reason entry (exactly as listed; see [`extended_reason_text`]).
pub fn lookup_extended(value: u32) -> Option<&'static CodeEntry> {
    crate::find(EXTENDED_REASONS, value)
}

/// The text for an extended reason: the documented meaning, else the meaning of the
/// ERRINFO code with the same value (the extended reason is the last errorInfo received),
/// else the protocol range 0x1000–0x7FFF; `None` for anything else.
pub fn extended_reason_text(value: u32) -> Option<String> {
    if let Some(e) = lookup_extended(value) {
        return Some(e.meaning.to_owned());
    }
    if let Some(e) = crate::find(errinfo::TABLE, value) {
        return Some(format!("{} ({})", e.meaning, e.name));
    }
    if (0x1000..=0x7FFF).contains(&value) {
        return Some(
            "Internal protocol error (range 0x1000-0x7FFF); the server's event log has the details"
                .to_owned(),
        );
    }
    None
}

/// The class byte of a disconnect reason and what the class stands for (inferred from
/// the documented list, see the module docs).
pub fn class_of(disconnect_reason: u32) -> (u8, &'static str) {
    if disconnect_reason <= 3 {
        return (
            disconnect_reason as u8,
            "main reason without detail (none / local / remote by user / by server)",
        );
    }
    let class = (disconnect_reason & 0xFF) as u8;
    let text = match class {
        0x04 => "network / transport layer (DNS, connect, send, receive, time-out, socket closed)",
        0x06 => {
            "security layer (Standard RDP Security: security data, encryption method, server certificate, encrypt/decrypt)"
        }
        0x07 => "SSL_ERR_*: TLS / CredSSP (NLA) authentication outcome",
        0x08 => {
            "client core / UI layer (name resolution, connection timer, licensing, decompression)"
        }
        0x09 => {
            "not a documented class (user reports tie 0xB09 to 'the server requires Network Level Authentication')"
        }
        _ => "not a documented class",
    };
    (class, text)
}

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
    /// The server's Standard RDP Security certificate could not be parsed.
    ServerCertificateUnpackFailed,
    /// Any other malformed or out-of-sequence PDU from the server.
    ProtocolError,
}

/// The pair mstsc would (probably) show for a trigger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

/// One row of the mapping from [`Trigger`] to the mstsc pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Stable id (also [`MstscPair::rule`]).
    pub id: &'static str,
    /// Human description of the trigger.
    pub trigger: &'static str,
    /// Phases in which the trigger can occur.
    pub phases: &'static [Phase],
    /// The disconnect reason produced.
    pub disconnect_reason: u32,
    /// How the extended reason is obtained.
    pub extended: Extended,
    /// `true` only if a Microsoft document states this trigger-to-code correspondence.
    pub documented: bool,
    /// `true` if the disconnect reason itself is in Microsoft's list ([`DISCONNECT_REASONS`]).
    pub code_documented: bool,
    /// Where the numbers and the reasoning come from.
    pub source: &'static str,
    /// Why this code was chosen.
    pub why: &'static str,
    /// What the administrator should check.
    pub check: &'static str,
}

/// How a [`Rule`] obtains the extended reason of its pair.
///
/// Displayed (and serialized) as the prose of the mapping table, e.g. `last errinfo, else 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Extended {
    /// Always this value.
    Fixed(u32),
    /// The last Set Error Info value received, else this value.
    LastErrinfoElse(u32),
    /// The last Set Error Info value received, else the licensing ERRINFO that corresponds to the
    /// licensing error code of the trigger ([`license::related_errinfo`]), else 0.
    LastErrinfoElseLicensing,
}

impl Extended {
    /// The extended reason for a trigger whose licensing error code (if any) is `license_code`,
    /// given the last Set Error Info value received.
    pub fn resolve(self, last_errinfo: Option<u32>, license_code: Option<u32>) -> u32 {
        match self {
            Extended::Fixed(v) => v,
            Extended::LastErrinfoElse(v) => last_errinfo.unwrap_or(v),
            Extended::LastErrinfoElseLicensing => last_errinfo
                .or_else(|| license_code.and_then(license::related_errinfo))
                .unwrap_or(0),
        }
    }

    /// Whether this can give `extended` (a last Set Error Info can be any value).
    pub fn can_give(self, extended: u32) -> bool {
        match self {
            Extended::Fixed(v) => v == extended,
            Extended::LastErrinfoElse(_) | Extended::LastErrinfoElseLicensing => true,
        }
    }

    /// Whether a received Set Error Info value becomes the extended reason.
    pub fn uses_last_errinfo(self) -> bool {
        !matches!(self, Extended::Fixed(_))
    }
}

impl fmt::Display for Extended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extended::Fixed(v) => write!(f, "{v}"),
            Extended::LastErrinfoElse(v) => write!(f, "last errinfo, else {v}"),
            Extended::LastErrinfoElseLicensing => f.write_str(
                "last errinfo, else the licensing ERRINFO for the error code (e.g. ERR_NO_LICENSE_SERVER -> 0x101), else 0",
            ),
        }
    }
}

impl serde::Serialize for Extended {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

const CONNECTED: &[Phase] = &[
    Phase::X224,
    Phase::Tls,
    Phase::Credssp,
    Phase::BasicSettings,
    Phase::ChannelConnection,
    Phase::SecureSettings,
    Phase::Licensing,
    Phase::Capabilities,
    Phase::Finalization,
];
const AFTER_MCS: &[Phase] = &[
    Phase::BasicSettings,
    Phase::ChannelConnection,
    Phase::SecureSettings,
    Phase::Licensing,
    Phase::Capabilities,
    Phase::Finalization,
];
const DECODING: &[Phase] = &[
    Phase::X224,
    Phase::BasicSettings,
    Phase::ChannelConnection,
    Phase::SecureSettings,
    Phase::Licensing,
    Phase::Capabilities,
    Phase::Finalization,
];

const SRC_NT: &str = "learn.microsoft.com IMsTscAxEvents::OnDisconnected (SSL_ERR_* names); MS-ERREF 2.3.1; MS-CSSP 2.2.1 (errorCode)";
const WHY_NT: &str = "name-based correspondence between the NTSTATUS and the SSL_ERR_* code; mstsc reports NLA logon outcomes in class 0x07";

const R_DNS: Rule = Rule {
    id: "dns_lookup_failed",
    trigger: "the host name did not resolve",
    phases: &[Phase::Resolve],
    disconnect_reason: 0x104,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x104 is the network-layer (class 0x04) 'DNS name lookup failure'; 0x208 'Host not found' and 0x508 'DNS lookup failed' are client-core (class 0x08) variants with no public description of when each is used, so the class of the failing call (the resolver) decides",
    check: H_DNS,
};
const R_REFUSED: Rule = Rule {
    id: "tcp_connect_refused",
    trigger: "TCP connect refused (RST): nothing listens on the port",
    phases: &[Phase::TcpConnect],
    disconnect_reason: 0x204,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x204 is 'Winsock connect failed', which a refused connect is; users report 0x204 / ext 0x0 for unreachable RDP ports (sebaxakerhtc/rdpwrap.ini#305)",
    check: H_CONNECT,
};
const R_CONNECT_FAILED: Rule = Rule {
    id: "tcp_connect_failed",
    trigger: "TCP connect failed otherwise (host or network unreachable, ICMP error)",
    phases: &[Phase::TcpConnect],
    disconnect_reason: 0x204,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x204 is 'Winsock connect failed'; an unreachable host makes connect fail the same way as a refusal",
    check: "the server's network is unreachable from here: check routing, VPN and firewalls, and that the address is right",
};
const R_CONNECT_TIMEOUT: Rule = Rule {
    id: "tcp_connect_timed_out",
    trigger: "TCP connect got no answer within the time budget (SYN dropped)",
    phases: &[Phase::TcpConnect],
    disconnect_reason: 0x108,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x108 'Connection timed out' is the client's connection timer (class 0x08), which fires when connect never completes; 0x704 is kept for a connected but silent server",
    check: "no answer to the TCP connection attempt: a firewall probably drops the traffic silently, or the host is down; check firewalls/NSGs and that the server is up",
};
const R_SEND: Rule = Rule {
    id: "send_failed",
    trigger: "sending on the established connection failed",
    phases: CONNECTED,
    disconnect_reason: 0x304,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x304 is 'Winsock send failed'",
    check: H_BROKEN,
};
const R_RESET: Rule = Rule {
    id: "connection_reset",
    trigger: "receiving failed: the connection was reset (RST) or broke",
    phases: CONNECTED,
    disconnect_reason: 0x404,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x404 is 'Winsock recv failed', which a reset connection produces; an orderly close (FIN) is 0x904 instead",
    check: H_BROKEN,
};
const R_PEER_CLOSED: Rule = Rule {
    id: "peer_closed",
    trigger: "the server closed the TCP connection (FD_CLOSE), possibly after a Set Error Info PDU or an X.224 Disconnect Request",
    phases: CONNECTED,
    disconnect_reason: 0x904,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (0x904 Socket closed); learn.microsoft.com ExtendedDisconnectReasonCode (7 = server denied the connection); MS-RDPBCGR 2.2.5.1 / 2.2.5.1.1 (server MUST disconnect after Set Error Info; client stores errorInfo to report the disconnect)",
    why: "each link is documented: the server sends Set Error Info and then closes the socket, the client reports the closed socket (0x904) and keeps the errorInfo as the extended reason; this is how the well-known 0x904 / 0x7 pair arises",
    check: H_CLOSED,
};
const R_READ_TIMEOUT: Rule = Rule {
    id: "read_timed_out",
    trigger: "connected, but the server stayed silent past the time budget",
    phases: CONNECTED,
    disconnect_reason: 0x704,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x704 is the network-layer (class 0x04) 'Time-out occurred', i.e. a transport-level wait that expired",
    check: H_TIMEOUT,
};
const R_NOT_RDP: Rule = Rule {
    id: "not_rdp",
    trigger: "the reply to the X.224 Connection Request is not RDP (HTTP, SSH, TLS, garbage)",
    phases: &[Phase::X224],
    disconnect_reason: 0x1104,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: false,
    source: "user report stascorp/rdpwrap#363 (0x1104, 'protocol error detected at the client'); class byte per learn.microsoft.com IMsTscAxEvents::OnDisconnected list",
    why: "0x1104 is not in Microsoft's list; users see it with the text 'protocol error detected at the client', which is what an unparseable reply to the first request is; class 0x04 = network/transport layer",
    check: "the port answered, but not with RDP: check the port number, and whether another service, a reverse proxy or a load balancer sits on it",
};
const R_NEG_HYBRID: Rule = Rule {
    id: "negotiation_hybrid_required",
    trigger: "RDP_NEG_FAILURE 5 HYBRID_REQUIRED_BY_SERVER: the server requires NLA and it was not offered",
    phases: &[Phase::X224],
    disconnect_reason: 0xB09,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: false,
    source: "MS-RDPBCGR 2.2.1.2.2; user reports mRemoteNG/mRemoteNG#875 and #885 (MsTscAx reason 2825 = 0xB09, 'The remote computer requires Network Level Authentication ...')",
    why: "MsTscAx hosts with CredSSP disabled report 2825 (0xB09) with the NLA-required text; the code is not in Microsoft's list",
    check: "the server requires Network Level Authentication: connect with NLA (CredSSP) enabled and credentials",
};
const R_NEG_OTHER: Rule = Rule {
    id: "negotiation_failure",
    trigger: "RDP_NEG_FAILURE other than 5 (SSL required / not allowed, no certificate, inconsistent flags, client certificate or Entra required)",
    phases: &[Phase::X224],
    disconnect_reason: 0x906,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: "MS-RDPBCGR 2.2.1.2.2; learn.microsoft.com IMsTscAxEvents::OnDisconnected (0x906)",
    why: "no documented or user-reported code exists; the security protocol could not be agreed, which belongs to the security layer (class 0x06), and 0x906 'Internal security error' is that class's generic code. Low confidence: with default settings mstsc retries for codes 1 and 2 and may not fail at all",
    check: "the server refused every security protocol offered: the failure code's hint says which one it wants",
};
const R_TLS: Rule = Rule {
    id: "tls_handshake_failed",
    trigger: "the TLS handshake failed (alert, no common version or cipher suite, dropped mid-handshake)",
    phases: &[Phase::Tls],
    disconnect_reason: 0x4,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: false,
    source: "user reports neutrinolabs/xrdp#3015 (mstsc 'error code 0x4, extended 0x0' while the server logged a failed TLS accept), stascorp/rdpwrap#1340",
    why: "0x4 (class 0x04 without detail) is not in Microsoft's list, but is what mstsc showed when the server's TLS accept failed",
    check: "the TLS handshake failed: check the server's TLS versions and cipher suites (TLS 1.2 must be enabled), its certificate and private key, and any TLS-inspecting middlebox",
};
const R_CERT_EXPIRED: Rule = Rule {
    id: "certificate_expired",
    trigger: "the server's TLS certificate has expired",
    phases: &[Phase::Tls],
    disconnect_reason: 0x1B07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (SSL_ERR_CERT_EXPIRED)",
    why: "0x1B07 SSL_ERR_CERT_EXPIRED 'The received certificate is expired' names exactly this condition (interactive mstsc may show a certificate prompt first)",
    check: "renew the server's Remote Desktop certificate (or delete the self-signed one and restart the Remote Desktop service)",
};
const R_CERT_REJECTED: Rule = Rule {
    id: "certificate_rejected",
    trigger: "the server's TLS certificate was not accepted (untrusted issuer, name mismatch, revoked)",
    phases: &[Phase::Tls],
    disconnect_reason: 0x1,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "mstsc does not fail on an untrusted certificate: it asks the user, and declining ends the attempt as a local disconnection (0x1, not an error); no SSL_ERR_* code names trust or name problems",
    check: "the certificate is not trusted for this name: deploy a certificate from a trusted CA whose subject/SAN matches the name clients use, or connect by that name",
};
const R_NT_LOGON_FAILURE: Rule = Rule {
    id: "ntstatus_logon_failure",
    trigger: "CredSSP errorCode STATUS_LOGON_FAILURE or STATUS_WRONG_PASSWORD",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: H_LOGON,
};
const R_NT_NO_SUCH_USER: Rule = Rule {
    id: "ntstatus_no_such_user",
    trigger: "CredSSP errorCode STATUS_NO_SUCH_USER",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xA07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: "the user name is unknown: check spelling and the domain part",
};
const R_NT_ACCOUNT_DISABLED: Rule = Rule {
    id: "ntstatus_account_disabled",
    trigger: "CredSSP errorCode STATUS_ACCOUNT_DISABLED",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xB07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: "enable the account",
};
const R_NT_ACCOUNT_RESTRICTION: Rule = Rule {
    id: "ntstatus_account_restriction",
    trigger: "CredSSP errorCode STATUS_ACCOUNT_RESTRICTION, STATUS_INVALID_LOGON_HOURS or STATUS_INVALID_WORKSTATION",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xC07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: "name-based correspondence; logon-hours and workstation limits are account restrictions (Windows logs them as STATUS_ACCOUNT_RESTRICTION with that sub-status)",
    check: "an account restriction blocks the logon (logon hours, 'Log On To' workstations, blank password, Protected Users): check the account's properties",
};
const R_NT_LOCKED_OUT: Rule = Rule {
    id: "ntstatus_account_locked_out",
    trigger: "CredSSP errorCode STATUS_ACCOUNT_LOCKED_OUT",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xD07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: "unlock the account and find the source of the failed logons",
};
const R_NT_ACCOUNT_EXPIRED: Rule = Rule {
    id: "ntstatus_account_expired",
    trigger: "CredSSP errorCode STATUS_ACCOUNT_EXPIRED",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xE07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: "extend the account's expiry date",
};
const R_NT_PASSWORD_EXPIRED: Rule = Rule {
    id: "ntstatus_password_expired",
    trigger: "CredSSP errorCode STATUS_PASSWORD_EXPIRED",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xF07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: "change the password, then retry",
};
const R_NT_MUST_CHANGE: Rule = Rule {
    id: "ntstatus_password_must_change",
    trigger: "CredSSP errorCode STATUS_PASSWORD_MUST_CHANGE",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x1207,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: WHY_NT,
    check: "change the password (or clear 'User must change password at next logon'), then retry",
};
const R_NT_NO_LOGON_SERVERS: Rule = Rule {
    id: "ntstatus_no_logon_servers",
    trigger: "CredSSP errorCode STATUS_NO_LOGON_SERVERS",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x1807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: "0x1807 'No authority could be contacted for authentication' describes a server that cannot reach a domain controller",
    check: "the server could not reach a domain controller: check the domain name typed, DNS, the server's secure channel and trusts",
};
const R_NT_OTHER: Rule = Rule {
    id: "ntstatus_other",
    trigger: "CredSSP errorCode with any other NTSTATUS",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_NT,
    why: "no SSL_ERR_* code matches by name; 0x807 'Login failed' is the generic NLA logon failure",
    check: "rdp-probe reports the server's NTSTATUS: its name and hint say what the server objected to",
};
const R_CREDSSP: Rule = Rule {
    id: "credssp_failed",
    trigger: "CredSSP failed without an NTSTATUS (server closed TLS, TLS alert such as access_denied, or a malformed reply)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (0x807); MS-CSSP 2.2.1 (errorCode only from version 3); FreeRDP #2760 (servers answer a bad NLA password with a TLS access-denied alert)",
    why: "servers older than CredSSP version 3 cannot send an NTSTATUS and reject a logon by closing TLS or sending an alert; 0x807 'Login failed' is the generic NLA logon failure",
    check: "NLA failed without a reason code: check the credentials first; then the CredSSP version/encryption-oracle settings of client and server (KB4093492) and the server's System log",
};
const R_EARLY_AUTH: Rule = Rule {
    id: "early_user_auth_denied",
    trigger: "HYBRID_EX Early User Authorization Result AUTHZ_ACCESS_DENIED, then the server closes the connection",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x904,
    extended: Extended::Fixed(9),
    documented: false,
    code_documented: true,
    source: "MS-RDPBCGR 2.2.10.2 (AUTHZ_ACCESS_DENIED); MS-RDPBCGR 2.2.5.1.1 (ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES = 9); learn.microsoft.com ExtendedDisconnectReasonCode (9)",
    why: "the result means the same as ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES, which servers without HYBRID_EX send before closing; no MCS layer exists yet, so the server can only close the socket (0x904)",
    check: "the account authenticated but lacks the right to log on through Remote Desktop: add it to Remote Desktop Users / the 'Allow log on through Remote Desktop Services' policy",
};
const R_LICENSE: Rule = Rule {
    id: "license_error",
    trigger: "the server sent a licensing Error Message (not STATUS_VALID_CLIENT)",
    phases: &[Phase::Licensing],
    disconnect_reason: 0x808,
    extended: Extended::LastErrinfoElseLicensing,
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (0x808 License negotiation failed); MS-RDPBCGR 2.2.1.12.1.3; MS-RDPBCGR 2.2.5.1.1 (ERRINFO_LICENSE_*)",
    why: "0x808 'License negotiation failed' names the phase; the licensing ERRINFO with the same meaning stands in for the extended reason when the server sent none",
    check: H_LICENSING,
};
const R_LICENSE_TIMEOUT: Rule = Rule {
    id: "licensing_timed_out",
    trigger: "licensing did not complete within the time budget",
    phases: &[Phase::Licensing],
    disconnect_reason: 0x908,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x908 is 'Licensing time-out'",
    check: "the server did not finish licensing: check that the session host can reach its license server quickly, and the server's load",
};
const R_MCS: Rule = Rule {
    id: "mcs_disconnect",
    trigger: "the server sent an MCS Disconnect Provider Ultimatum",
    phases: AFTER_MCS,
    disconnect_reason: 0x3,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (0x3 Remote disconnection by server); T.125 / MS-RDPBCGR 2.2.2.3",
    why: "a Disconnect Provider Ultimatum is the server ending the connection deliberately at the MCS layer rather than dropping the socket, which is 'Remote disconnection by server'; the reason travels in the errorInfo sent before it",
    check: "the server ended the connection: the extended code (the server's Set Error Info) says why; with 0, check the server's RemoteDesktopServices-RdpCoreTS log",
};
const R_SEC_DATA: Rule = Rule {
    id: "server_security_data_invalid",
    trigger: "Server Security Data (Standard RDP Security) is malformed or inconsistent",
    phases: &[Phase::BasicSettings],
    disconnect_reason: 0x606,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x606 is 'Server security data is not valid'",
    check: H_STD_SEC,
};
const R_ENCRYPTION: Rule = Rule {
    id: "encryption_method_invalid",
    trigger: "the server selected an encryption method that was not offered or is unknown",
    phases: &[Phase::BasicSettings],
    disconnect_reason: 0x506,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0x506 is 'Encryption method specified is not valid'",
    check: H_STD_SEC,
};
const R_CERT_UNPACK: Rule = Rule {
    id: "server_certificate_unpack_failed",
    trigger: "the server's Standard RDP Security certificate could not be parsed",
    phases: &[Phase::BasicSettings],
    disconnect_reason: 0x706,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (0x706); user report neutrinolabs/xrdp#195 (Reason= 1798)",
    why: "0x706 is 'Failed to unpack server certificate'",
    check: "the server's Standard RDP Security certificate is unusable: switch the server to TLS/NLA, or re-create its RDP certificate",
};
const R_PROTOCOL: Rule = Rule {
    id: "protocol_error",
    trigger: "a PDU from the server could not be decoded or arrived out of sequence",
    phases: DECODING,
    disconnect_reason: 0x1104,
    extended: Extended::LastErrinfoElse(0),
    documented: false,
    code_documented: false,
    source: "user report stascorp/rdpwrap#363 (0x1104, 'protocol error detected at the client')",
    why: "0x1104 is not in Microsoft's list; it is the code users see with 'protocol error detected at the client'; the detail mstsc uses for errors in later layers is unknown",
    check: "the server (or a proxy in between) sent something the client could not understand: check for RDP proxies/gateways, and compare with a direct connection",
};

/// Every mapping rule, in phase order.
pub static RULES: &[Rule] = &[
    R_DNS,
    R_REFUSED,
    R_CONNECT_FAILED,
    R_CONNECT_TIMEOUT,
    R_SEND,
    R_RESET,
    R_PEER_CLOSED,
    R_READ_TIMEOUT,
    R_NOT_RDP,
    R_NEG_HYBRID,
    R_NEG_OTHER,
    R_TLS,
    R_CERT_EXPIRED,
    R_CERT_REJECTED,
    R_NT_LOGON_FAILURE,
    R_NT_NO_SUCH_USER,
    R_NT_ACCOUNT_DISABLED,
    R_NT_ACCOUNT_RESTRICTION,
    R_NT_LOCKED_OUT,
    R_NT_ACCOUNT_EXPIRED,
    R_NT_PASSWORD_EXPIRED,
    R_NT_MUST_CHANGE,
    R_NT_NO_LOGON_SERVERS,
    R_NT_OTHER,
    R_CREDSSP,
    R_EARLY_AUTH,
    R_LICENSE,
    R_LICENSE_TIMEOUT,
    R_MCS,
    R_SEC_DATA,
    R_ENCRYPTION,
    R_CERT_UNPACK,
    R_PROTOCOL,
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
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
        Trigger::EarlyUserAuthDenied => &R_EARLY_AUTH,
        Trigger::LicenseError(_) => &R_LICENSE,
        Trigger::LicensingTimedOut => &R_LICENSE_TIMEOUT,
        Trigger::McsDisconnect(_) => &R_MCS,
        Trigger::ServerSecurityDataInvalid => &R_SEC_DATA,
        Trigger::EncryptionMethodInvalid => &R_ENCRYPTION,
        Trigger::ServerCertificateUnpackFailed => &R_CERT_UNPACK,
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

fn disconnect_entry(value: u32) -> Option<&'static CodeEntry> {
    lookup_disconnect(value).or_else(|| crate::find(USER_REPORTED, value))
}

/// The one-line text for a pair, e.g. `Socket closed (0x904); The server denied the connection (0x7)`.
pub fn mstsc_text(disconnect_reason: u32, extended_reason: u32) -> String {
    let disc = match disconnect_entry(disconnect_reason) {
        Some(e) => e.meaning.to_owned(),
        None => "Undocumented disconnect reason".to_owned(),
    };
    let ext = extended_reason_text(extended_reason)
        .unwrap_or_else(|| "Undocumented extended reason".to_owned());
    format!("{disc} (0x{disconnect_reason:X}); {ext} (0x{extended_reason:X})")
}

/// The offline explanation of a `(disconnect reason, extended reason)` pair.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explanation {
    /// The raw disconnect reason.
    pub disconnect_reason: u32,
    /// The raw extended reason.
    pub extended_reason: u32,
    /// The disconnect reason's entry: documented, or user-reported (then `derived`).
    pub disconnect: Option<&'static CodeEntry>,
    /// Class byte (low byte) of the disconnect reason.
    pub class: u8,
    /// What the class stands for.
    pub class_meaning: &'static str,
    /// Text for the extended reason (see [`extended_reason_text`]).
    pub extended_text: Option<String>,
    /// The documented `ExtendedDisconnectReasonCode` entry.
    pub extended_entry: Option<&'static CodeEntry>,
    /// The ERRINFO entry with the same value (the extended reason is the last errorInfo).
    pub extended_errinfo: Option<&'static CodeEntry>,
    /// Rules that produce this disconnect reason.
    pub rules: Vec<&'static Rule>,
    /// Further remarks (undocumented codes, where the reason came from).
    pub notes: Vec<String>,
}

/// Explain a pair copied from the mstsc dialog ("Error code: 0x904, Extended error code: 0x7").
pub fn explain(disconnect_reason: u32, extended_reason: u32) -> Explanation {
    let disconnect = disconnect_entry(disconnect_reason);
    let (class, class_meaning) = class_of(disconnect_reason);
    let extended_entry = lookup_extended(extended_reason);
    // ERRINFO_NONE adds nothing to "no additional information".
    let extended_errinfo = match extended_reason {
        0 => None,
        v => crate::find(errinfo::TABLE, v),
    };
    let producing: Vec<&'static Rule> = RULES
        .iter()
        .filter(|r| r.disconnect_reason == disconnect_reason)
        .collect();
    // Prefer the rules that can also give this extended reason; keep all if none can.
    let matching: Vec<&'static Rule> = producing
        .iter()
        .copied()
        .filter(|r| r.extended.can_give(extended_reason))
        .collect();
    let rules = if matching.is_empty() {
        producing
    } else {
        matching
    };
    let mut notes = Vec::new();

    match disconnect {
        Some(e) if e.derived => notes.push(format!(
            "0x{disconnect_reason:X} is undocumented: it is not in Microsoft's list of disconnect reasons; known only from user reports ({}). Its low byte 0x{class:02X} puts it in class {class:02X}: {class_meaning}.",
            e.source.trim_start_matches("derived: ")
        )),
        Some(_) => {}
        None => notes.push(format!(
            "0x{disconnect_reason:X} is undocumented: it is not in Microsoft's list of disconnect reasons. Its low byte 0x{class:02X} puts it in class {class:02X} ({class_meaning}), detail 0x{:X}. The class structure is inferred from the documented list.",
            disconnect_reason >> 8
        )),
    }

    if extended_reason != 0 {
        if let Some(info) = extended_errinfo {
            notes.push(format!(
                "The extended reason is the last Set Error Info code the server sent: {} (MS-RDPBCGR 2.2.5.1.1). That PDU can only arrive after X.224, TLS/CredSSP and the MCS channel join succeeded, so the server ended the connection late (secure_settings, licensing, capabilities, finalization, or during the session).",
                info.name
            ));
            if matches!(extended_reason, 0x1..=0x5 | 0xB | 0xC) {
                notes.push(
                    "This errorInfo reports a deliberate end of the session (administrator, policy time limit, other connection or the user), not a connection failure."
                        .to_owned(),
                );
            }
        } else if extended_entry.is_some() {
            notes.push(
                "The extended reason was generated by the client itself (it is not a server errorInfo)."
                    .to_owned(),
            );
        } else if (0x1000..=0x7FFF).contains(&extended_reason) {
            notes.push(format!(
                "Extended reason 0x{extended_reason:X} lies in the internal protocol error range 0x1000-0x7FFF but is not a documented errorInfo: the server's event log has the details."
            ));
        } else {
            notes.push(format!(
                "Extended reason 0x{extended_reason:X} is undocumented (neither an ExtendedDisconnectReasonCode nor an errorInfo)."
            ));
        }
    } else if disconnect_reason == 0x904 {
        notes.push(
            "Extended reason 0: the server closed the connection without sending a Set Error Info PDU first (or before the client could receive one)."
                .to_owned(),
        );
    }

    if rules.is_empty() {
        notes.push(format!(
            "No rdp-probe rule produces 0x{disconnect_reason:X}; run rdp-probe against the server to see the phase that fails."
        ));
    } else {
        notes.push(
            "The rules below are rdp-probe's derived estimates: Microsoft publishes no mapping from failures to these codes."
                .to_owned(),
        );
    }

    Explanation {
        disconnect_reason,
        extended_reason,
        disconnect,
        class,
        class_meaning,
        extended_text: extended_reason_text(extended_reason),
        extended_entry,
        extended_errinfo,
        rules,
        notes,
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let disc = self.disconnect_reason;
        let ext = self.extended_reason;
        writeln!(f, "mstsc would say: {}", mstsc_text(disc, ext))?;
        writeln!(f)?;
        match self.disconnect {
            Some(e) if e.derived => writeln!(
                f,
                "Disconnect reason 0x{disc:X} ({disc}): {} [undocumented; user-reported]",
                e.meaning
            )?,
            Some(e) => writeln!(
                f,
                "Disconnect reason 0x{disc:X} ({disc}): {} - {} [{}]",
                e.name, e.meaning, e.source
            )?,
            None => writeln!(
                f,
                "Disconnect reason 0x{disc:X} ({disc}): undocumented code"
            )?,
        }
        writeln!(f, "  class 0x{:02X}: {}", self.class, self.class_meaning)?;
        match (self.extended_entry, self.extended_errinfo) {
            (Some(x), Some(i)) => writeln!(
                f,
                "Extended reason 0x{ext:X} ({ext}): {} - {} = {} [{}; {}]",
                x.name, x.meaning, i.name, x.source, i.source
            )?,
            (Some(x), None) => writeln!(
                f,
                "Extended reason 0x{ext:X} ({ext}): {} - {} [{}]",
                x.name, x.meaning, x.source
            )?,
            (None, Some(i)) => writeln!(
                f,
                "Extended reason 0x{ext:X} ({ext}): {} - {} [{}]",
                i.name, i.meaning, i.source
            )?,
            (None, None) => writeln!(
                f,
                "Extended reason 0x{ext:X} ({ext}): {}",
                self.extended_text
                    .as_deref()
                    .unwrap_or("undocumented extended reason")
            )?,
        }

        if !self.rules.is_empty() {
            writeln!(f)?;
            writeln!(f, "What produces this code (derived rules):")?;
            for r in &self.rules {
                writeln!(f, "  - {}: {}", r.id, r.trigger)?;
                writeln!(f, "    phases: {}", phase::join(r.phases))?;
                writeln!(f, "    extended reason: {}", r.extended)?;
            }
        }

        let mut checks: Vec<&str> = Vec::new();
        for hint in [
            self.extended_errinfo.and_then(|e| e.hint),
            self.disconnect.and_then(|e| e.hint),
        ]
        .into_iter()
        .flatten()
        {
            if !checks.contains(&hint) {
                checks.push(hint);
            }
        }
        for r in &self.rules {
            if !checks.contains(&r.check) {
                checks.push(r.check);
            }
        }
        if !checks.is_empty() {
            writeln!(f)?;
            writeln!(f, "What to check:")?;
            for c in checks {
                writeln!(f, "  - {c}")?;
            }
        }

        if !self.notes.is_empty() {
            writeln!(f)?;
            writeln!(f, "Notes:")?;
            for n in &self.notes {
                writeln!(f, "  - {n}")?;
            }
        }
        Ok(())
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// [`RULES`] as a Markdown table (rule, trigger, phases, disconnect, extended,
/// documented/derived, source, why).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| rule | trigger | phases | disconnect | extended | documented/derived | source | why |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let disc = match disconnect_entry(r.disconnect_reason) {
            Some(e) if !e.derived => format!("0x{:X} {}", r.disconnect_reason, e.name),
            _ => format!("0x{:X} (undocumented, user-reported)", r.disconnect_reason),
        };
        let status = if r.documented {
            "documented"
        } else {
            "derived"
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            md_cell(r.trigger),
            phase::join(r.phases),
            md_cell(&disc),
            md_cell(&r.extended.to_string()),
            status,
            md_cell(r.source),
            md_cell(r.why),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
