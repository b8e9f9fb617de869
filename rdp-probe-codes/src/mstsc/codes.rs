//! The Windows client's own codes: the documented disconnect reasons and extended reasons, the
//! user-reported disconnect reasons, and the text mstsc shows for a pair.

use crate::{CodeEntry, errinfo};

pub(super) const SRC_DISC: &str = "learn.microsoft.com IMsTscAxEvents::OnDisconnected";
const SRC_EXT: &str = "learn.microsoft.com ExtendedDisconnectReasonCode";

const fn d(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_DISC)
}

const fn x(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_EXT)
}

pub(super) const H_DNS: &str = "the host name could not be resolved: check the spelling, the client's DNS servers and search suffixes, and that a DNS record exists for the server";
pub(super) const H_CONNECT: &str = "nothing accepted the TCP connection: check that the server is running, Remote Desktop is enabled, the port is right (3389 by default), and that host and network firewalls allow it";
pub(super) const H_BROKEN: &str = "the established TCP connection broke: check the network path (VPN, NAT, firewalls or IPS that reset connections, MTU) and whether the server's Remote Desktop service restarted";
pub(super) const H_TIMEOUT: &str = "the server stopped answering: check packet loss, firewalls that silently drop traffic, and whether the server is overloaded";
pub(super) const H_CLOSED: &str = "the server closed the connection: the extended code (the server's own reason, if any) says why; with extended code 0, check the server's RemoteDesktopServices-RdpCoreTS log, its security-layer settings (e.g. it only allows Standard RDP Security) and any RDP proxy in between";
pub(super) const H_STD_SEC: &str = "Standard RDP Security failed: prefer TLS/NLA ('Require use of specific security layer' = SSL or Negotiate on the server); check the server's encryption level and FIPS policy";
pub(super) const H_LICENSING: &str = "licensing did not complete: check the RD Licensing configuration of the session host (RD Licensing Diagnoser) and delete the client's cached license (HKLM\\SOFTWARE\\Microsoft\\MSLicensing)";
pub(super) const H_LOGON: &str = "the server rejected the credentials: check user name format (DOMAIN\\user or user@domain) and password";

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

/// The disconnect reason's entry: documented, else user-reported.
pub(super) fn disconnect_entry(value: u32) -> Option<&'static CodeEntry> {
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
