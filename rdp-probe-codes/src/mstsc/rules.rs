//! The rules: for each kind of failure, the pair mstsc would show, with the reasoning and sources.
//! Microsoft documents no such mapping, so every rule is derived.

use std::fmt;

use super::codes::{
    H_BROKEN, H_CLOSED, H_CONNECT, H_DNS, H_LICENSING, H_LOGON, H_STD_SEC, H_TIMEOUT, SRC_DISC,
};
use crate::license;
use crate::phase::Phase;

/// One row of the mapping from [`Trigger`](super::Trigger) to the mstsc pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Stable id (also [`MstscPair::rule`](super::MstscPair::rule)).
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
    /// `true` if the disconnect reason itself is in Microsoft's list ([`DISCONNECT_REASONS`](super::DISCONNECT_REASONS)).
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

pub(super) const R_DNS: Rule = Rule {
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
pub(super) const R_REFUSED: Rule = Rule {
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
pub(super) const R_CONNECT_FAILED: Rule = Rule {
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
pub(super) const R_CONNECT_TIMEOUT: Rule = Rule {
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
pub(super) const R_SEND: Rule = Rule {
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
pub(super) const R_RESET: Rule = Rule {
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
pub(super) const R_PEER_CLOSED: Rule = Rule {
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
pub(super) const R_READ_TIMEOUT: Rule = Rule {
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
pub(super) const R_NOT_RDP: Rule = Rule {
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
pub(super) const R_NEG_HYBRID: Rule = Rule {
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
pub(super) const R_NEG_OTHER: Rule = Rule {
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
pub(super) const R_TLS: Rule = Rule {
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
pub(super) const R_CERT_EXPIRED: Rule = Rule {
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
pub(super) const R_CERT_REJECTED: Rule = Rule {
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
pub(super) const R_NT_LOGON_FAILURE: Rule = Rule {
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
pub(super) const R_NT_NO_SUCH_USER: Rule = Rule {
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
pub(super) const R_NT_ACCOUNT_DISABLED: Rule = Rule {
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
pub(super) const R_NT_ACCOUNT_RESTRICTION: Rule = Rule {
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
pub(super) const R_NT_LOCKED_OUT: Rule = Rule {
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
pub(super) const R_NT_ACCOUNT_EXPIRED: Rule = Rule {
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
pub(super) const R_NT_PASSWORD_EXPIRED: Rule = Rule {
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
pub(super) const R_NT_MUST_CHANGE: Rule = Rule {
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
pub(super) const R_NT_NO_LOGON_SERVERS: Rule = Rule {
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
pub(super) const R_NT_OTHER: Rule = Rule {
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
const SRC_KRB: &str = "RFC 4120 5.9.1, 7.5.9 (KRB-ERROR error-code); learn.microsoft.com IMsTscAxEvents::OnDisconnected (SSL_ERR_* names); MS-ERREF 2.3.1";

pub(super) const R_KRB_PREAUTH_FAILED: Rule = Rule {
    id: "kerberos_preauth_failed",
    trigger: "the KDC answered the Kerberos logon with KRB-ERROR 24 KDC_ERR_PREAUTH_FAILED (a wrong password)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_KRB,
    why: "derived chain: KDC_ERR_PREAUTH_FAILED -> STATUS_WRONG_PASSWORD (a pre-authentication timestamp that does not decrypt with the account's key is a wrong password; LSA reports it to callers as STATUS_LOGON_FAILURE) -> SSL_ERR_LOGON_FAILURE 0x807, the pair of ntstatus_logon_failure",
    check: "the password is wrong: check it and the keyboard layout; repeated failures lock the account out",
};
pub(super) const R_KRB_CLIENT_UNKNOWN: Rule = Rule {
    id: "kerberos_client_unknown",
    trigger: "the KDC answered the Kerberos logon with KRB-ERROR 6 KDC_ERR_C_PRINCIPAL_UNKNOWN (no such user in the realm)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xA07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_KRB,
    why: "derived chain: KDC_ERR_C_PRINCIPAL_UNKNOWN -> STATUS_NO_SUCH_USER (by meaning) -> SSL_ERR_NO_SUCH_USER 0xA07, the pair of ntstatus_no_such_user",
    check: "the user does not exist in the realm: check the user name, the domain given, and the form (UPN user@domain vs SAM name DOMAIN\\user)",
};
pub(super) const R_KRB_CLIENT_REVOKED: Rule = Rule {
    id: "kerberos_client_revoked",
    trigger: "the KDC answered the Kerberos logon with KRB-ERROR 18 KDC_ERR_CLIENT_REVOKED (account disabled, locked out, expired, or outside its logon hours)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xB07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: "MS-KILE 3.3.5.7.1 (disabled, expired, locked out or outside logon hours -> KDC_ERR_CLIENT_REVOKED), MS-KILE 2.2.1 (KERB-EXT-ERROR); RFC 4120 7.5.9; learn.microsoft.com IMsTscAxEvents::OnDisconnected (SSL_ERR_ACCOUNT_DISABLED)",
    why: "derived chain: a Windows KDC sends KDC_ERR_CLIENT_REVOKED for four account states, and only the KERB-EXT-ERROR in its e-data (not decoded by rdp-probe) names the precise NTSTATUS; the first state MS-KILE lists, STATUS_ACCOUNT_DISABLED -> SSL_ERR_ACCOUNT_DISABLED 0xB07 (the pair of ntstatus_account_disabled), stands for all. Low confidence: mstsc may show 0xD07 (locked out), 0xE07 (expired) or 0xC07 (logon hours) instead",
    check: "the account may not log on now: check whether it is disabled, locked out or expired, and its logon hours, in Active Directory Users and Computers",
};
pub(super) const R_KRB_KEY_EXPIRED: Rule = Rule {
    id: "kerberos_password_expired",
    trigger: "the KDC answered the Kerberos logon with KRB-ERROR 23 KDC_ERR_KEY_EXPIRED (the password has expired)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0xF07,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_KRB,
    why: "derived chain: KDC_ERR_KEY_EXPIRED -> STATUS_PASSWORD_EXPIRED (by name) -> SSL_ERR_PASSWORD_EXPIRED 0xF07, the pair of ntstatus_password_expired",
    check: "change the password (on another machine, or have it reset), then retry",
};
pub(super) const R_KRB_SKEW: Rule = Rule {
    id: "kerberos_clock_skew",
    trigger: "the KDC answered the Kerberos logon with KRB-ERROR 37 KRB_AP_ERR_SKEW (clock skew too great)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_KRB,
    why: "derived chain: KRB_AP_ERR_SKEW -> STATUS_TIME_DIFFERENCE_AT_DC (by meaning) -> no SSL_ERR_* code names a clock difference, so, as for any NTSTATUS without one (ntstatus_other), the pair is the generic 0x807 'Login failed'. mstsc's dialog speaks of a time and/or date difference between client and server here, but the numeric pair behind that text is not documented",
    check: "synchronise the clocks of client, KDC and server (w32tm /resync), within the allowed skew (5 minutes by default)",
};
pub(super) const R_KRB_SERVICE_UNKNOWN: Rule = Rule {
    id: "kerberos_service_unknown",
    trigger: "the KDC answered the Kerberos logon with KRB-ERROR 7 KDC_ERR_S_PRINCIPAL_UNKNOWN (no account holds TERMSRV/<host>)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x1807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_KRB,
    why: "derived, low confidence: no document says what the Windows Kerberos package returns for KDC_ERR_S_PRINCIPAL_UNKNOWN, and Negotiate usually falls back to NTLM (leaving the server unauthenticated, which the delegation policy may refuse with 0x1707 SSL_ERR_POLICY_NTLM_ONLY). For a Kerberos-only logon no authority can vouch for the target, as with an unreachable KDC (SEC_E_NO_AUTHENTICATING_AUTHORITY / STATUS_NO_LOGON_SERVERS), so the pair is that of ntstatus_no_logon_servers: SSL_ERR_NO_AUTHENTICATING_AUTHORITY 0x1807",
    check: "the SPN TERMSRV/<host> is missing: connect by the computer's DNS name, or register the name used with 'setspn -S TERMSRV/<name> <computer>'",
};
pub(super) const R_KRB_OTHER: Rule = Rule {
    id: "kerberos_other",
    trigger: "the KDC answered the Kerberos logon with any other KRB-ERROR code",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_KRB,
    why: "no SSL_ERR_* code matches the error (or the NTSTATUS it corresponds to) by name; 0x807 'Login failed' is the generic NLA logon failure, as for ntstatus_other",
    check: "rdp-probe reports the KDC's error-code: its name and hint say what the KDC objected to",
};
pub(super) const R_KDC_UNREACHABLE: Rule = Rule {
    id: "kdc_unreachable",
    trigger: "the Kerberos logon got no usable answer from a KDC (unreachable, no answer in time, connection closed, or a reply that is not Kerberos)",
    phases: &[Phase::Credssp],
    disconnect_reason: 0x1807,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: "learn.microsoft.com IMsTscAxEvents::OnDisconnected (SSL_ERR_NO_AUTHENTICATING_AUTHORITY); MS-ERREF 2.1.1 (SEC_E_NO_AUTHENTICATING_AUTHORITY), 2.3.1 (STATUS_NO_LOGON_SERVERS); Samba krb5_to_nt_status (KRB5_KDC_UNREACH -> NT_STATUS_NO_LOGON_SERVERS)",
    why: "derived chain: a KDC that cannot be talked to leaves the Kerberos client with SEC_E_NO_AUTHENTICATING_AUTHORITY / STATUS_NO_LOGON_SERVERS, which mstsc names SSL_ERR_NO_AUTHENTICATING_AUTHORITY 0x1807 'No authority could be contacted for authentication', the pair of ntstatus_no_logon_servers",
    check: "no KDC answered: check the --kdc address (or the DNS SRV records _kerberos._tcp.<domain>) and that firewalls allow TCP and UDP port 88 to the domain controller",
};
pub(super) const R_CREDSSP: Rule = Rule {
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
pub(super) const R_EARLY_AUTH: Rule = Rule {
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
pub(super) const R_LICENSE: Rule = Rule {
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
pub(super) const R_LICENSE_TIMEOUT: Rule = Rule {
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
pub(super) const R_MCS: Rule = Rule {
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
pub(super) const R_SEC_DATA: Rule = Rule {
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
pub(super) const R_ENCRYPTION: Rule = Rule {
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
pub(super) const R_CERT_UNPACK: Rule = Rule {
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
pub(super) const R_ENCRYPT_ERROR: Rule = Rule {
    id: "encryption_error",
    trigger: "the client could not encrypt the client random (Standard RDP Security) with the server's public key",
    phases: &[Phase::BasicSettings, Phase::ChannelConnection],
    disconnect_reason: 0xB06,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0xB06 is 'Encryption error', the class-06 (security layer) reason for a failed encryption",
    check: H_STD_SEC,
};
pub(super) const R_DECRYPT_ERROR: Rule = Rule {
    id: "decryption_error",
    trigger: "a server PDU under Standard RDP Security did not decrypt, failed its MAC check, or came unencrypted where encryption is required",
    phases: &[
        Phase::SecureSettings,
        Phase::Licensing,
        Phase::Capabilities,
        Phase::Finalization,
    ],
    disconnect_reason: 0xC06,
    extended: Extended::Fixed(0),
    documented: false,
    code_documented: true,
    source: SRC_DISC,
    why: "0xC06 is 'Decryption error', the class-06 (security layer) reason for a failed decryption; a MAC mismatch is detected at the same step (MS-RDPBCGR 5.3.6.1: the connection is dropped)",
    check: H_STD_SEC,
};
pub(super) const R_PROTOCOL: Rule = Rule {
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
    R_KRB_PREAUTH_FAILED,
    R_KRB_CLIENT_UNKNOWN,
    R_KRB_CLIENT_REVOKED,
    R_KRB_KEY_EXPIRED,
    R_KRB_SKEW,
    R_KRB_SERVICE_UNKNOWN,
    R_KRB_OTHER,
    R_KDC_UNREACHABLE,
    R_CREDSSP,
    R_EARLY_AUTH,
    R_LICENSE,
    R_LICENSE_TIMEOUT,
    R_MCS,
    R_SEC_DATA,
    R_ENCRYPTION,
    R_CERT_UNPACK,
    R_ENCRYPT_ERROR,
    R_DECRYPT_ERROR,
    R_PROTOCOL,
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
