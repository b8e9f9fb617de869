#![allow(clippy::unwrap_used, clippy::expect_used)]
//! An independent cross-check of rdp-probe against FreeRDP 2.11's client: for every scripted
//! scenario in [`CROSS_CHECKED`], the test starts the [`ScriptedServer`] in-process, runs
//! `xfreerdp +auth-only` against it, reads the server's own code out of FreeRDP's log, probes the
//! same server with [`rdp_probe_core::probe`], and asserts that both name the same server code
//! (`failure.code.space` and `.value` of the `rdp-probe/1` report). It also checks that FreeRDP
//! printed what the table expects (its name for the code, its last error, xfreerdp's exit status),
//! so a different FreeRDP build that prints something else fails loudly instead of silently
//! cross-checking nothing.
//!
//! How xfreerdp runs: `timeout -k 5 20 xfreerdp /v:127.0.0.1:PORT +auth-only /cert:ignore
//! /u:labuser /p:LabPass1! /log-level:INFO /timeout:4000`, as the leader of its own process group
//! (killed by group on drop and after a hard limit), with an empty environment except `PATH`, its
//! own `HOME` / `XDG_CONFIG_HOME` (a fresh directory per run) and `DISPLAY` — an Xvfb the test
//! starts once (`-displayfd`, `-nolisten tcp -noreset`) under a small `sh` watchdog that stops it
//! if the test process dies. `/timeout:4000` bounds FreeRDP's wait for activation (it counts
//! 100 ms sleeps up to TcpAckTimeout, libfreerdp/core/connection.c) for the scenarios where the
//! server keeps the connection open after its code. No `/sec:` option is needed: FreeRDP's default
//! request (RDP | SSL | HYBRID) accepts the scripted server's `PROTOCOL_RDP` with Standard RDP
//! Security at encryption level NONE (it warns `Server uses non-advertised encryption method
//! 0x00000000`) and runs the whole connection sequence ([`Scenario::Healthy`] exits 0).
//!
//! Against [`Scenario::Encrypted`] FreeRDP runs Standard RDP Security with encryption, and the
//! scripted server reads every PDU it sends (the server fails the connection on any PDU it cannot
//! open): the Security Exchange comes with `SEC_EXCHANGE_PKT | SEC_LICENSE_ENCRYPT_SC` (0x0201),
//! and every PDU after it carries the salted MAC (`SEC_SECURE_CHECKSUM`; the Client Info's flags
//! are 0x0848, the Confirm Active's and the finalization PDUs' 0x0808), where rdp-probe sends the
//! plain MAC as the Windows client does. FreeRDP 2.11's RC4 runs on OpenSSL 3 as Debian ships it:
//! libwinpr2 loads the `legacy` provider (it imports `OSSL_PROVIDER_load` and holds the string
//! `legacy`; `ossl-modules/legacy.so` comes with libssl3), and FIPS needs only 3DES and HMAC-SHA1
//! from the default provider. So every method completes: 40-bit at level low, 56-bit at client
//! compatible, 128-bit at high and FIPS at FIPS each exit 0 after the server's finalization PDUs,
//! and an encrypted Set Error Info in licensing is named as in the clear.
//! Two scenarios run at a time; the whole file takes about 17 s on a 2-core machine.
//!
//! # What FreeRDP 2.11.7 (Debian `freerdp2-x11`) prints — observed, and read in its source
//!
//! * Set Error Info (libfreerdp/core/errinfo.c `rdp_print_errinfo`): INFO `ERRINFO_<NAME>
//!   (0x%08X):<text>`, or ERROR `ERRINFO_UNKNOWN 0x%08X: Unknown error.`, and ERROR
//!   `rdp_set_error_info:freerdp_set_last_error_ex ERRINFO_<NAME> [0x0001xxxx]`. An MCS Disconnect
//!   Provider Ultimatum after it does not replace it (core/rdp.c maps the ultimatum to an ERRINFO
//!   only when none was received). With `+auth-only` the exit status is 131 (`XF_EXIT_CONN_FAILED`),
//!   not the ERRINFO number: xfreerdp's exit codes 1–11 mirror ERRINFO only for a disconnect after
//!   the session was up (client/X11/xf_client.c).
//! * RDP_NEG_FAILURE (core/nego.c `nego_process_negotiation_failure`): `Error: <NAME>` for codes 1–5
//!   without the number, `Error: Unknown protocol security error <decimal>` otherwise, once per
//!   attempt (FreeRDP tries NLA, then TLS, then RDP on new connections), then `Protocol Security
//!   Negotiation Failure` and `ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED` for every code (exit 133);
//!   FreeRDP 2.11 has no `ERRCONNECT_HYBRID_REQUIRED_BY_SERVER` and no `[0x..]` on these lines
//!   (FreeRDP's master branch has both). The names are mapped back to numbers with
//!   [`NEG_FAILURE_NAMES`].
//! * TSRequest errorCode (core/nla.c `nla_decode_ts_request`, `nla_recv_pdu`): WARN `SPNEGO
//!   received NTSTATUS: <NAME> [0x%08X] from server` — read only from a TSRequest of version ≥ 3 —
//!   then `ERRCONNECT_<X>` per [`ERRCONNECT_FROM_NTSTATUS`], or for any other value ERROR `SPNEGO
//!   failed with NTSTATUS: <NAME> [0x%08X]` and `ERRCONNECT_AUTHENTICATION_FAILED` (exit 132). The
//!   test takes the NTSTATUS from the `SPNEGO received` line and also maps the ERRCONNECT name back
//!   and requires the same value.
//!
//! # Scenarios not cross-checked, and why (observed with FreeRDP 2.11.7, `/log-level:INFO`)
//!
//! "147" is exit status 147 with `ERRCONNECT_CONNECT_TRANSPORT_FAILED [0x0002000D]`.
//!
//! | scenario | what FreeRDP printed | why it cannot be cross-checked |
//! |---|---|---|
//! | `LicenseError { code: 6, state_transition: 1 }` | `license connection sequence aborted.`, 147 | FreeRDP never prints `dwErrorCode`: core/license.c logs it only when built `WITH_DEBUG_LICENSE`, which Debian's build has OFF (the `/log-level:TRACE` build-configuration dump says so); nothing about it even at TRACE |
//! | `McsDisconnectInBasicSettings(1)` (and `3`) | `mcs_recv_connect_response failure`, 147 | the reason is not decoded: FreeRDP reads an ultimatum (DEBUG `DisconnectProviderUltimatum: reason: %d`) only as a domain PDU after the Connect Response (core/rdp.c), not in place of it |
//! | `TlsAlertAfterConfirm(40)` (and 48, 49) | `transport_connect_tls:freerdp_set_last_error_ex ERRCONNECT_TLS_CONNECT_FAILED [0x00020008]`, exit 143; nothing more at TRACE | the OpenSSL info callback that logs alerts (`transport_ssl_cb`, core/transport.c) is installed only after a successful handshake, so an alert during the handshake is never named |
//! | `Tls10Only` | `ERRCONNECT_TLS_CONNECT_FAILED [0x00020008]`, exit 143 | no server code (rdp-probe's `tls_version` is its own numbering); FreeRDP does not name the version |
//! | `CredsspError { version: 2, .. }` | WARN `InitializeSecurityContextA status SEC_E_INVALID_TOKEN [0x80090308]`, `BIO_read returned a system error 0: Success`, 147 | FreeRDP ignores `errorCode` in a TSRequest of version < 3 (core/nla.c `if (nla->peerVersion >= 3)`), as [MS-CSSP] defines the field from version 3; rdp-probe reports `ntstatus 0xC000006D` for it |
//! | `NtlmChallenge { version }` (2 and 6 tried) | `BIO_read returned a system error 0: Success`, 147 | no server code: the server closes after the AUTHENTICATE without `errorCode` |
//! | `McsConnectRejected(1)` | `mcs_recv_connect_response failure`, 147 | the T.125 result is not printed (rdp-probe: its own `protocol 5`) |
//! | `AttachUserRejected(1)` | `mcs_recv_attach_user_confirm failure`, 147 | the result is not printed (rdp-probe: `protocol 6`) |
//! | `ChannelJoinRejected(14)` | `rdp_recv_callback: CONNECTION_STATE_MCS_CHANNEL_JOIN - rdp_client_connect_mcs_channel_join_confirm() fail`, 147 | the result is not printed (rdp-probe: `protocol 6`) |
//! | `X224DisconnectAfterClientInfo(2)` | `transport_check_fds: transport->ReceiveCallback() - -1`, 147 | the reason is not printed (rdp-probe: `os_error 0`) |
//! | `SelectsUnrequested(4)` | `cannot connect security layer because no protocol has been selected yet.`, `ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED`, exit 133 | no server code |
//! | `Redirect` | `rdp_read_share_control_header failed`, 147 | no server code; FreeRDP 2.11 does not follow a Standard Security redirection (`SEC_REDIRECTION_PKT`) sent in place of the Demand Active (core/capabilities.c `rdp_recv_demand_active` expects a share control header), while rdp-probe reports `connected` / `redirected` |
//! | `Http`, `TlsAlert` | `tpdu length 72 > tpkt header length 0` (21 for the alert), `ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED`, exit 133 | not RDP, no server code |
//! | `SshBanner` | `BIO_read returned a system error 11: Resource temporarily unavailable`, 147 | not RDP, no server code |
//! | `Hostile { how: Close, .. }` (every point) | `BIO_read returned a system error 11` (`0: Success` over TLS, `115` at accept), 147 | a close carries no code |
//! | `Hostile { how: Reset, .. }` (every point) | `BIO_read returned a system error 104: Connection reset by peer`, 147 | an errno, no server code |
//! | `Encrypted { ending: BadMac, method: Bits128, level: 3 }` | ERROR `WARNING: invalid packet signature`, then `Timeout waiting for activation` and `ERRCONNECT_CONNECT_CANCELLED`, exit 131 after the 4 s `/timeout` | FreeRDP does not refuse a bad RC4 MAC: core/rdp.c `rdp_decrypt` logs it and goes on (its `return FALSE` is commented out, "Standard RDP Security is totally broken"), takes the licensing PDU and waits for the Demand Active; rdp-probe fails with its own `standard_security 6` (SERVER_MAC_MISMATCH), not a server code |
//! | `Encrypted { ending: BadMac, method: Fips, level: 4 }` | `FATAL: invalid packet signature`, `rdp_decrypt failed`, `ERRCONNECT_CONNECT_TRANSPORT_FAILED`, 147 | FreeRDP refuses it too (a failed FIPS signature is fatal in `rdp_decrypt`), but names no code; rdp-probe's `standard_security 6` is its own numbering |
//! | `Encrypted { ending: Garbled, method: Fips, level: 4 }` | the same as the FIPS `BadMac`: `FATAL: invalid packet signature`, `rdp_decrypt failed`, 147; never `FATAL: cannot decrypt` | no server code; FreeRDP's 3DES decrypts the whole blocks of a ciphertext cut to 13 bytes without complaint, so it fails the signature, while rdp-probe refuses the cut ciphertext itself (`standard_security 7`, DECRYPTION_FAILED) |
//! | `Hostile { how: Silence \| Garbage \| HugeLength \| Drip, .. }` from `ConnectInitial` on (and `Credssp`, except `HugeLength`) | `Timeout waiting for activation`, `ERRCONNECT_CONNECT_CANCELLED`, exit 131 | a timeout, no server code |
//! | `Hostile { how: HugeLength, at: Credssp }` | `Error reading TSRequest!`, 147 | no server code |
//! | `Hostile { how: Silence, at: Accept \| ConnectionRequest }`, `Hostile { how: Garbage \| HugeLength \| Drip, at: ConnectionRequest }` | nothing: xfreerdp waits in the X.224 exchange without a time limit (`/timeout` does not apply there) until `timeout` kills it (exit 124) | a hang, no server code |
//!
//! The acceptor (IronRDP) servers of the lab are not covered here.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rdp_probe_core::engine::transcript::standard::{
    LEVEL_CLIENT_COMPATIBLE, LEVEL_FIPS, LEVEL_HIGH, LEVEL_LOW,
};
use rdp_probe_core::standard_security::EncryptionMethod;
use rdp_probe_core::{Credentials, ProbeOptions, Target, Timeouts, probe};
use rdp_probe_lab::real::{LAB_PASSWORD, LAB_USER, group_alive};
use rdp_probe_lab::scripted::{EncryptedEnding, Scenario, ScriptedServer};
use serde_json::Value;

// ----- the cross-checked scenarios (data) -----

/// A server's own code, named as the `rdp-probe/1` report names it (`failure.code.space` and
/// `failure.code.value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ServerCode {
    /// The code space: `errinfo`, `neg_failure` or `ntstatus`.
    space: &'static str,
    /// The raw value.
    value: u32,
}

impl std::fmt::Display for ServerCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:#x}", self.space, self.value)
    }
}

/// What FreeRDP 2.11's `xfreerdp +auth-only` prints for one scenario (see the module docs).
#[derive(Debug, Clone, Copy)]
struct FreeRdpEvidence {
    /// The server code FreeRDP names; `None` when the connection succeeds (then rdp-probe must say
    /// `connected`).
    code: Option<ServerCode>,
    /// FreeRDP's name for the code; `None` when FreeRDP does not know the value and prints only
    /// the number (`ERRINFO_UNKNOWN 0x..`, `Unknown protocol security error N`).
    name: Option<&'static str>,
    /// The last `freerdp_set_last_error_ex <NAME> [0x........]` in the log.
    last_error: &'static str,
    /// xfreerdp's exit status.
    exit: i32,
}

/// xfreerdp's exit statuses (`enum XF_EXIT_CODE`, FreeRDP 2.11.7 client/X11/xfreerdp.h: `XF_EXIT_`
/// + the name here, with `CONNECT_` before the names from 148 on).
mod exit {
    pub const SUCCESS: i32 = 0;
    pub const CONN_FAILED: i32 = 131;
    pub const AUTH_FAILURE: i32 = 132;
    pub const NEGO_FAILURE: i32 = 133;
    pub const LOGON_FAILURE: i32 = 134;
    pub const ACCOUNT_LOCKED_OUT: i32 = 135;
    pub const PASSWORD_EXPIRED: i32 = 148;
    pub const PASSWORD_MUST_CHANGE: i32 = 149;
    pub const ACCOUNT_DISABLED: i32 = 151;
    pub const WRONG_PASSWORD: i32 = 154;
    pub const ACCESS_DENIED: i32 = 155;
    pub const ACCOUNT_RESTRICTION: i32 = 156;
    pub const ACCOUNT_EXPIRED: i32 = 157;
    pub const LOGON_TYPE_NOT_GRANTED: i32 = 158;
}

/// The connection succeeds: exit 0 (the abort after `+auth-only` sets CONNECT_CANCELLED).
const fn connected() -> FreeRdpEvidence {
    FreeRdpEvidence {
        code: None,
        name: None,
        last_error: "ERRCONNECT_CONNECT_CANCELLED",
        exit: exit::SUCCESS,
    }
}

/// A Set Error Info PDU: FreeRDP's last error is the ERRINFO itself, exit 131.
const fn errinfo(value: u32, name: Option<&'static str>) -> FreeRdpEvidence {
    FreeRdpEvidence {
        code: Some(ServerCode {
            space: "errinfo",
            value,
        }),
        name,
        last_error: match name {
            Some(n) => n,
            None => "ERRINFO_UNKNOWN",
        },
        exit: exit::CONN_FAILED,
    }
}

/// An RDP_NEG_FAILURE: always ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED, exit 133.
const fn neg_failure(value: u32, name: Option<&'static str>) -> FreeRdpEvidence {
    FreeRdpEvidence {
        code: Some(ServerCode {
            space: "neg_failure",
            value,
        }),
        name,
        last_error: "ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED",
        exit: exit::NEGO_FAILURE,
    }
}

/// A TSRequest errorCode.
const fn ntstatus(
    value: u32,
    name: &'static str,
    last_error: &'static str,
    exit: i32,
) -> FreeRdpEvidence {
    FreeRdpEvidence {
        code: Some(ServerCode {
            space: "ntstatus",
            value,
        }),
        name: Some(name),
        last_error,
        exit,
    }
}

/// Every scenario cross-checked, with what FreeRDP 2.11 is expected to print for it.
const CROSS_CHECKED: &[(Scenario, FreeRdpEvidence)] = &[
    // Control: FreeRDP gets through the scripted server's whole connection sequence.
    (Scenario::Healthy, connected()),
    // Set Error Info.
    (
        Scenario::ErrinfoAfterClientInfo(7),
        errinfo(7, Some("ERRINFO_SERVER_DENIED_CONNECTION")),
    ),
    (
        Scenario::ErrinfoAfterClientInfo(9),
        errinfo(9, Some("ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES")),
    ),
    (
        Scenario::ErrinfoAfterClientInfo(0x101),
        errinfo(0x101, Some("ERRINFO_LICENSE_NO_LICENSE_SERVER")),
    ),
    (
        Scenario::ErrinfoAfterClientInfo(0x10C9),
        errinfo(0x10C9, Some("ERRINFO_UNKNOWN_DATA_PDU_TYPE")),
    ),
    (
        Scenario::ErrinfoAfterClientInfo(0xBEEF),
        errinfo(0xBEEF, None),
    ),
    (
        Scenario::ErrinfoThenUltimatum(7),
        errinfo(7, Some("ERRINFO_SERVER_DENIED_CONNECTION")),
    ),
    (
        Scenario::ErrinfoThenReset(9),
        errinfo(9, Some("ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES")),
    ),
    (
        // FreeRDP names the code at once, then waits for activation until /timeout.
        Scenario::ErrinfoThenHold(0x10C9),
        errinfo(0x10C9, Some("ERRINFO_UNKNOWN_DATA_PDU_TYPE")),
    ),
    (
        Scenario::LicenseValidClientThenErrinfo(9),
        errinfo(9, Some("ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES")),
    ),
    (
        Scenario::FinalizationErrinfo(5),
        errinfo(5, Some("ERRINFO_DISCONNECTED_BY_OTHER_CONNECTION")),
    ),
    (
        // FreeRDP meets SSL_NOT_ALLOWED_BY_SERVER for NLA and TLS, then connects with RDP.
        Scenario::SslNotAllowedThenErrinfo(7),
        errinfo(7, Some("ERRINFO_SERVER_DENIED_CONNECTION")),
    ),
    (
        Scenario::LegacyNoNegotiation,
        errinfo(7, Some("ERRINFO_SERVER_DENIED_CONNECTION")),
    ),
    // Standard RDP Security with encryption: FreeRDP seals with the salted MAC, and the server
    // opens everything it sends.
    (
        Scenario::Encrypted {
            method: EncryptionMethod::Bits40,
            level: LEVEL_LOW,
            ending: EncryptedEnding::Healthy,
        },
        connected(),
    ),
    (
        Scenario::Encrypted {
            method: EncryptionMethod::Bits56,
            level: LEVEL_CLIENT_COMPATIBLE,
            ending: EncryptedEnding::Healthy,
        },
        connected(),
    ),
    (
        Scenario::Encrypted {
            method: EncryptionMethod::Bits128,
            level: LEVEL_HIGH,
            ending: EncryptedEnding::Healthy,
        },
        connected(),
    ),
    (
        Scenario::Encrypted {
            method: EncryptionMethod::Fips,
            level: LEVEL_FIPS,
            ending: EncryptedEnding::Healthy,
        },
        connected(),
    ),
    (
        // The encrypted "0x904 / 0x7": both decrypt the Set Error Info.
        Scenario::Encrypted {
            method: EncryptionMethod::Bits128,
            level: LEVEL_CLIENT_COMPATIBLE,
            ending: EncryptedEnding::ErrinfoInLicensing(7),
        },
        errinfo(7, Some("ERRINFO_SERVER_DENIED_CONNECTION")),
    ),
    // RDP_NEG_FAILURE.
    (
        Scenario::NegFailure(1),
        neg_failure(1, Some("SSL_REQUIRED_BY_SERVER")),
    ),
    (
        Scenario::NegFailure(2),
        neg_failure(2, Some("SSL_NOT_ALLOWED_BY_SERVER")),
    ),
    (
        Scenario::NegFailure(3),
        neg_failure(3, Some("SSL_CERT_NOT_ON_SERVER")),
    ),
    (
        Scenario::NegFailure(4),
        neg_failure(4, Some("INCONSISTENT_FLAGS")),
    ),
    (
        Scenario::NegFailure(5),
        neg_failure(5, Some("HYBRID_REQUIRED_BY_SERVER")),
    ),
    // 6 is SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER, which FreeRDP 2.11 does not know.
    (Scenario::NegFailure(6), neg_failure(6, None)),
    (Scenario::NegFailure(0x99), neg_failure(0x99, None)),
    // TSRequest errorCode.
    (
        Scenario::CredsspError {
            version: 3,
            ntstatus: 0xC000_006D,
        },
        ntstatus(
            0xC000_006D,
            "STATUS_LOGON_FAILURE",
            "ERRCONNECT_LOGON_FAILURE",
            exit::LOGON_FAILURE,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_006D,
        },
        ntstatus(
            0xC000_006D,
            "STATUS_LOGON_FAILURE",
            "ERRCONNECT_LOGON_FAILURE",
            exit::LOGON_FAILURE,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_006A,
        },
        ntstatus(
            0xC000_006A,
            "STATUS_WRONG_PASSWORD",
            "ERRCONNECT_WRONG_PASSWORD",
            exit::WRONG_PASSWORD,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_006E,
        },
        ntstatus(
            0xC000_006E,
            "STATUS_ACCOUNT_RESTRICTION",
            "ERRCONNECT_ACCOUNT_RESTRICTION",
            exit::ACCOUNT_RESTRICTION,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0071,
        },
        ntstatus(
            0xC000_0071,
            "STATUS_PASSWORD_EXPIRED",
            "ERRCONNECT_PASSWORD_EXPIRED",
            exit::PASSWORD_EXPIRED,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0072,
        },
        ntstatus(
            0xC000_0072,
            "STATUS_ACCOUNT_DISABLED",
            "ERRCONNECT_ACCOUNT_DISABLED",
            exit::ACCOUNT_DISABLED,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0022,
        },
        ntstatus(
            0xC000_0022,
            "STATUS_ACCESS_DENIED",
            "ERRCONNECT_ACCESS_DENIED",
            exit::ACCESS_DENIED,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_015B,
        },
        ntstatus(
            0xC000_015B,
            "STATUS_LOGON_TYPE_NOT_GRANTED",
            "ERRCONNECT_LOGON_TYPE_NOT_GRANTED",
            exit::LOGON_TYPE_NOT_GRANTED,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0193,
        },
        ntstatus(
            0xC000_0193,
            "STATUS_ACCOUNT_EXPIRED",
            "ERRCONNECT_ACCOUNT_EXPIRED",
            exit::ACCOUNT_EXPIRED,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0224,
        },
        ntstatus(
            0xC000_0224,
            "STATUS_PASSWORD_MUST_CHANGE",
            "ERRCONNECT_PASSWORD_MUST_CHANGE",
            exit::PASSWORD_MUST_CHANGE,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 3,
            ntstatus: 0xC000_0234,
        },
        ntstatus(
            0xC000_0234,
            "STATUS_ACCOUNT_LOCKED_OUT",
            "ERRCONNECT_ACCOUNT_LOCKED_OUT",
            exit::ACCOUNT_LOCKED_OUT,
        ),
    ),
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0234,
        },
        ntstatus(
            0xC000_0234,
            "STATUS_ACCOUNT_LOCKED_OUT",
            "ERRCONNECT_ACCOUNT_LOCKED_OUT",
            exit::ACCOUNT_LOCKED_OUT,
        ),
    ),
    // Not in FreeRDP's switch: ERRCONNECT_AUTHENTICATION_FAILED, which does not name the value.
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0xC000_0064,
        },
        ntstatus(
            0xC000_0064,
            "STATUS_NO_SUCH_USER",
            "ERRCONNECT_AUTHENTICATION_FAILED",
            exit::AUTH_FAILURE,
        ),
    ),
    // An SSPI status in the errorCode field (what FreeRDP itself fails with locally).
    (
        Scenario::CredsspError {
            version: 6,
            ntstatus: 0x8009_0308,
        },
        ntstatus(
            0x8009_0308,
            "SEC_E_INVALID_TOKEN",
            "ERRCONNECT_AUTHENTICATION_FAILED",
            exit::AUTH_FAILURE,
        ),
    ),
];

/// RDP_NEG_FAILURE `failureCode` names FreeRDP 2.11 prints (`Error: <NAME>`), with their values
/// ([MS-RDPBCGR] 2.2.1.2.2; FreeRDP 2.11.7 libfreerdp/core/nego.c
/// `nego_process_negotiation_failure`, the values in libfreerdp/core/nego.h).
const NEG_FAILURE_NAMES: &[(&str, u32)] = &[
    ("SSL_REQUIRED_BY_SERVER", 1),
    ("SSL_NOT_ALLOWED_BY_SERVER", 2),
    ("SSL_CERT_NOT_ON_SERVER", 3),
    ("INCONSISTENT_FLAGS", 4),
    ("HYBRID_REQUIRED_BY_SERVER", 5),
];

/// The ERRCONNECT_* name FreeRDP sets for a TSRequest `errorCode`, mapped back to the NTSTATUS.
///
/// Source: FreeRDP 2.11.7 libfreerdp/core/nla.c `nla_recv_pdu` (the `switch (nla->errorCode)`;
/// every other value gives `ERRCONNECT_AUTHENTICATION_FAILED`, which names no value); NTSTATUS
/// values from [MS-ERREF] 2.3.1 (the same as winpr/include/winpr/nt.h).
const ERRCONNECT_FROM_NTSTATUS: &[(&str, u32)] = &[
    ("ERRCONNECT_PASSWORD_MUST_CHANGE", 0xC000_0224), // STATUS_PASSWORD_MUST_CHANGE
    ("ERRCONNECT_PASSWORD_EXPIRED", 0xC000_0071),     // STATUS_PASSWORD_EXPIRED
    ("ERRCONNECT_ACCOUNT_DISABLED", 0xC000_0072),     // STATUS_ACCOUNT_DISABLED
    ("ERRCONNECT_LOGON_FAILURE", 0xC000_006D),        // STATUS_LOGON_FAILURE
    ("ERRCONNECT_WRONG_PASSWORD", 0xC000_006A),       // STATUS_WRONG_PASSWORD
    ("ERRCONNECT_ACCESS_DENIED", 0xC000_0022),        // STATUS_ACCESS_DENIED
    ("ERRCONNECT_ACCOUNT_RESTRICTION", 0xC000_006E),  // STATUS_ACCOUNT_RESTRICTION
    ("ERRCONNECT_ACCOUNT_LOCKED_OUT", 0xC000_0234),   // STATUS_ACCOUNT_LOCKED_OUT
    ("ERRCONNECT_ACCOUNT_EXPIRED", 0xC000_0193),      // STATUS_ACCOUNT_EXPIRED
    ("ERRCONNECT_LOGON_TYPE_NOT_GRANTED", 0xC000_015B), // STATUS_LOGON_TYPE_NOT_GRANTED
];

// ----- limits -----

/// `timeout -k 5 <this>` around every xfreerdp run.
const XFREERDP_LIMIT_SECS: u64 = 20;
/// After this the test kills xfreerdp's process group itself (`timeout` should have done it).
const XFREERDP_HARD_LIMIT: Duration = Duration::from_secs(XFREERDP_LIMIT_SECS + 10);
/// xfreerdp's `/timeout` (ms): how long it waits for activation.
const XFREERDP_ACTIVATION_TIMEOUT_MS: u32 = 4000;
/// rdp-probe's limit for the TCP connect and every phase.
const PROBE_PHASE_TIMEOUT: Duration = Duration::from_secs(5);
/// How many scenarios run at a time.
const PARALLEL: usize = 2;
/// How long Xvfb gets to announce its display.
const XVFB_READY_TIMEOUT: Duration = Duration::from_secs(20);

// ----- tools -----

/// The binaries the test runs.
#[derive(Debug)]
struct Tools {
    xfreerdp: PathBuf,
    xvfb: PathBuf,
    timeout: PathBuf,
    kill: PathBuf,
    sh: PathBuf,
}

/// Finds an executable on `PATH` or in the usual system directories.
fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
                .iter()
                .map(PathBuf::from),
        )
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The tools, or a panic naming what is missing and how to install it.
fn tools() -> Tools {
    let names = ["xfreerdp", "Xvfb", "timeout", "kill", "sh"];
    let found: Vec<Option<PathBuf>> = names.iter().map(|n| find_tool(n)).collect();
    let missing: Vec<&str> = names
        .iter()
        .zip(&found)
        .filter(|(_, p)| p.is_none())
        .map(|(n, _)| *n)
        .collect();
    assert!(
        missing.is_empty(),
        "the FreeRDP cross-check needs {missing:?}, which is not installed: run \
         scripts/install-test-deps.sh as root (xfreerdp comes from freerdp2-x11, Xvfb from xvfb)"
    );
    let mut found = found.into_iter().map(Option::unwrap);
    Tools {
        xfreerdp: found.next().unwrap(),
        xvfb: found.next().unwrap(),
        timeout: found.next().unwrap(),
        kill: found.next().unwrap(),
        sh: found.next().unwrap(),
    }
}

// ----- process groups -----

/// A child that leads its own process group; the group is killed when this is dropped.
struct Group {
    child: Child,
    kill: PathBuf,
    reaped: Option<ExitStatus>,
}

impl Group {
    fn spawn(cmd: &mut Command, kill: &Path) -> Group {
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
        Group {
            child,
            kill: kill.to_owned(),
            reaped: None,
        }
    }

    fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// The leader's exit status, if it has exited (reaps it).
    fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.reaped.is_none() {
            self.reaped = self.child.try_wait().ok().flatten();
        }
        self.reaped
    }

    fn signal(&self, signal: &str) {
        let _ = Command::new(&self.kill)
            .arg(format!("-{signal}"))
            .arg("--")
            .arg(format!("-{}", self.pgid()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Whether the leader is reaped and nothing is left in its group.
    fn gone(&mut self) -> bool {
        self.try_wait().is_some() && !group_alive(self.pgid())
    }

    /// SIGTERM to the group, up to `grace` for it to go, then SIGKILL; reaps the leader.
    fn stop(&mut self, grace: Duration) {
        // Once the leader is reaped and the group is empty, its id may be reused: send nothing.
        if self.gone() {
            return;
        }
        self.signal("TERM");
        let deadline = Instant::now() + grace;
        while !self.gone() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        if !self.gone() {
            self.signal("KILL");
            if self.reaped.is_none() {
                self.reaped = self.child.wait().ok();
            }
            let deadline = Instant::now() + Duration::from_secs(2);
            while group_alive(self.pgid()) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(2));
    }
}

/// An Xvfb display for the xfreerdp runs, with a watchdog.
///
/// The group leader is a small `sh` script: it starts Xvfb (`-displayfd`, so Xvfb picks a free
/// display and announces it when it accepts clients) and stops it when the test process is gone
/// (SIGKILL, abort) or Xvfb exits. Dropping the display stops the group.
struct Xvfb {
    group: Group,
    display: u32,
}

impl Xvfb {
    fn start(tools: &Tools, dir: &Path) -> Xvfb {
        const SCRIPT: &str = r#"p=$1; f=$2; x=$3
alive() {
  read -r l 2>/dev/null <"/proc/$1/stat" || return 1
  case "${l##*) }" in Z*|X*) return 1 ;; esac
}
"$x" -displayfd 3 -nolisten tcp -noreset -screen 0 800x600x24 3>"$f" &
c=$!
while alive "$p" && alive "$c"; do sleep 1; done
kill -TERM "$c" 2>/dev/null; sleep 2; kill -KILL "$c" 2>/dev/null"#;
        let display_file = dir.join("xvfb.display");
        let log = dir.join("xvfb.log");
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let mut group = Group::spawn(
            Command::new(&tools.sh)
                .arg("-c")
                .arg(SCRIPT)
                .arg("freerdp-crosscheck-xvfb")
                .arg(std::process::id().to_string())
                .arg(&display_file)
                .arg(&tools.xvfb)
                .stdout(out)
                .stderr(err),
            &tools.kill,
        );
        let deadline = Instant::now() + XVFB_READY_TIMEOUT;
        let display = loop {
            let text = fs::read_to_string(&display_file).unwrap_or_default();
            if let Some(line) = text.strip_suffix('\n') {
                break line
                    .trim()
                    .parse::<u32>()
                    .unwrap_or_else(|e| panic!("Xvfb announced display {line:?}: {e}"));
            }
            let exited = group.try_wait();
            if exited.is_some() || Instant::now() > deadline {
                group.stop(Duration::from_secs(2));
                panic!(
                    "Xvfb did not start ({}): {}",
                    exited.map_or("no display after 20 s".to_owned(), |s| s.to_string()),
                    fs::read_to_string(&log).unwrap_or_default()
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        Xvfb { group, display }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        self.group.stop(Duration::from_secs(5));
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

// ----- running xfreerdp and reading its log -----

/// What one xfreerdp run left behind.
#[derive(Debug)]
struct FreeRdpRun {
    /// Exit status (`None`: killed by a signal, or by the test after the hard limit).
    exit: Option<i32>,
    /// stdout and stderr (FreeRDP logs ERROR and up to stderr, the rest to stdout).
    log: String,
    elapsed: Duration,
}

/// Runs xfreerdp against `127.0.0.1:port`, bounded; never leaves a process behind.
async fn run_xfreerdp(tools: &Tools, display: u32, port: u16, dir: &Path) -> FreeRdpRun {
    let home = dir.join("home");
    let config = home.join(".config");
    fs::create_dir_all(&config).unwrap();
    let (out_path, err_path) = (dir.join("xfreerdp.out"), dir.join("xfreerdp.err"));
    let started = Instant::now();
    let mut group = Group::spawn(
        Command::new(&tools.timeout)
            .args(["-k", "5", &XFREERDP_LIMIT_SECS.to_string()])
            .arg(&tools.xfreerdp)
            .arg(format!("/v:127.0.0.1:{port}"))
            .args(["+auth-only", "/cert:ignore"])
            .arg(format!("/u:{LAB_USER}"))
            .arg(format!("/p:{LAB_PASSWORD}"))
            .arg("/log-level:INFO")
            .arg(format!("/timeout:{XFREERDP_ACTIVATION_TIMEOUT_MS}"))
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &config)
            .env("DISPLAY", format!(":{display}"))
            .stdout(File::create(&out_path).unwrap())
            .stderr(File::create(&err_path).unwrap()),
        &tools.kill,
    );
    let status = loop {
        if let Some(status) = group.try_wait() {
            break Some(status);
        }
        if started.elapsed() > XFREERDP_HARD_LIMIT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let elapsed = started.elapsed();
    drop(group); // Stops whatever is left of the group.
    let log = format!(
        "{}{}",
        fs::read_to_string(&out_path).unwrap_or_default(),
        fs::read_to_string(&err_path).unwrap_or_default()
    );
    FreeRdpRun {
        exit: status.and_then(|s| s.code()),
        log,
        elapsed,
    }
}

/// What FreeRDP's log says about the server's codes.
#[derive(Debug, Default)]
struct FreeRdpLog {
    /// `(name, value)` of every ERRINFO it printed; the name is `None` for `ERRINFO_UNKNOWN`.
    errinfo: Vec<(Option<String>, u32)>,
    /// `(name, value)` of every RDP_NEG_FAILURE; the value is `None` for a name not in
    /// [`NEG_FAILURE_NAMES`], the name `None` for `Unknown protocol security error N`.
    neg_failures: Vec<(Option<String>, Option<u32>)>,
    /// `(name, value)` of every TSRequest errorCode.
    ntstatus: Vec<(String, u32)>,
    /// The last `freerdp_set_last_error_ex <NAME> [..]`.
    last_error: Option<String>,
    /// The log lines the above came from.
    evidence: Vec<String>,
}

impl FreeRdpLog {
    /// Parses WLog lines: `[time] [pid:tid] [LEVEL][tag] - message`.
    fn parse(log: &str) -> FreeRdpLog {
        let mut parsed = FreeRdpLog::default();
        for line in log.lines() {
            let Some((header, message)) = line.split_once("] - ") else {
                continue;
            };
            let tag = header.rsplit('[').next().unwrap_or_default();
            let mut used = true;
            if let Some(rest) = message.strip_prefix("ERRINFO_UNKNOWN 0x") {
                let hex = rest.split(':').next().unwrap_or_default();
                match u32::from_str_radix(hex, 16) {
                    Ok(v) => parsed.errinfo.push((None, v)),
                    Err(_) => used = false,
                }
            } else if message.starts_with("ERRINFO_") && message.contains(" (0x") {
                // ERRINFO_<NAME> (0x%08X):<text>
                let (name, rest) = message.split_once(" (0x").unwrap();
                let hex = rest.split(')').next().unwrap_or_default();
                match u32::from_str_radix(hex, 16) {
                    Ok(v) => parsed.errinfo.push((Some(name.to_owned()), v)),
                    Err(_) => used = false,
                }
            } else if let Some(what) = message
                .strip_prefix("Error: ")
                .filter(|_| tag == "com.freerdp.core.nego")
            {
                if let Some(n) = what.strip_prefix("Unknown protocol security error ") {
                    parsed.neg_failures.push((None, n.trim().parse().ok()));
                } else {
                    let name = what.trim();
                    let value = NEG_FAILURE_NAMES
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| *v);
                    parsed.neg_failures.push((Some(name.to_owned()), value));
                }
            } else if let Some(rest) = message.strip_prefix("SPNEGO received NTSTATUS: ") {
                // <NAME> [0x%08X] from server
                let parsed_status = rest.split_once(" [0x").and_then(|(name, rest)| {
                    let hex = rest.split(']').next()?;
                    Some((name.to_owned(), u32::from_str_radix(hex, 16).ok()?))
                });
                match parsed_status {
                    Some(s) => parsed.ntstatus.push(s),
                    None => used = false,
                }
            } else if let Some((_, rest)) = message.split_once("freerdp_set_last_error_ex ") {
                let name = rest.split(' ').next().unwrap_or_default();
                if name.starts_with("ERR") {
                    parsed.last_error = Some(name.to_owned());
                } else {
                    used = false;
                }
            } else {
                used = message.starts_with("Authentication only, exit status")
                    || message.starts_with("SPNEGO failed");
            }
            if used {
                parsed.evidence.push(message.to_owned());
            }
        }
        parsed
    }

    /// The server's code that ended the connection, from the latest stage that produced one:
    /// Set Error Info (after MCS), else the TSRequest errorCode, else RDP_NEG_FAILURE. An
    /// RDP_NEG_FAILURE named in a way this test cannot map gives an error.
    fn server_code(&self) -> Result<Option<(ServerCode, Option<String>)>, String> {
        if let Some((name, value)) = self.errinfo.last() {
            let code = ServerCode {
                space: "errinfo",
                value: *value,
            };
            return Ok(Some((code, name.clone())));
        }
        if let Some((name, value)) = self.ntstatus.last() {
            let code = ServerCode {
                space: "ntstatus",
                value: *value,
            };
            return Ok(Some((code, Some(name.clone()))));
        }
        if let Some((name, value)) = self.neg_failures.last() {
            let value = value.ok_or_else(|| {
                format!("FreeRDP printed an RDP_NEG_FAILURE this test cannot map: {name:?}")
            })?;
            let code = ServerCode {
                space: "neg_failure",
                value,
            };
            return Ok(Some((code, name.clone())));
        }
        Ok(None)
    }
}

// ----- one scenario -----

/// The outcome of one cross-checked scenario.
struct Outcome {
    summary: String,
    problems: Vec<String>,
}

fn probe_options() -> ProbeOptions {
    ProbeOptions {
        credentials: Some(Credentials::new(LAB_USER, None, LAB_PASSWORD)),
        timeouts: Timeouts::uniform(PROBE_PHASE_TIMEOUT),
        // As xfreerdp runs here (/cert:ignore): the credentials go to the scripted server whatever
        // vouches for it, Standard RDP Security included, so both clients meet the same server.
        trust: rdp_probe_core::Trust {
            any: true,
            ..rdp_probe_core::Trust::default()
        },
        ..ProbeOptions::default()
    }
}

async fn cross_check(
    tools: Arc<Tools>,
    display: u32,
    dir: PathBuf,
    scenario: Scenario,
    expected: FreeRdpEvidence,
) -> Outcome {
    let name = scenario.name();
    let mut problems = Vec::new();
    let server = ScriptedServer::start(scenario)
        .await
        .expect("bind 127.0.0.1:0");
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    fs::create_dir_all(&dir).unwrap();

    // FreeRDP.
    let run = run_xfreerdp(&tools, display, addr.port(), &dir).await;
    let log = FreeRdpLog::parse(&run.log);
    let freerdp = log.server_code();
    if run.exit != Some(expected.exit) {
        problems.push(format!(
            "xfreerdp exited with {:?} after {:?}, expected {}",
            run.exit, run.elapsed, expected.exit
        ));
    }
    if log.last_error.as_deref() != Some(expected.last_error) {
        problems.push(format!(
            "FreeRDP's last error is {:?}, expected {}",
            log.last_error, expected.last_error
        ));
    }
    let freerdp_code = match &freerdp {
        Ok(Some((code, freerdp_name))) => {
            if expected.code != Some(*code) || freerdp_name.as_deref() != expected.name {
                problems.push(format!(
                    "FreeRDP named {code} {freerdp_name:?}, the table expects {:?} {:?}",
                    expected.code, expected.name
                ));
            }
            Some(*code)
        }
        Ok(None) => {
            if expected.code.is_some() {
                problems.push(format!(
                    "FreeRDP named no server code, the table expects {:?}",
                    expected.code
                ));
            }
            None
        }
        Err(e) => {
            problems.push(e.clone());
            None
        }
    };
    // FreeRDP's ERRCONNECT name for a TSRequest errorCode, mapped back, must agree with the
    // NTSTATUS it printed.
    if let (Some(code), Some(last)) = (freerdp_code, log.last_error.as_deref())
        && code.space == "ntstatus"
    {
        match ERRCONNECT_FROM_NTSTATUS.iter().find(|(n, _)| *n == last) {
            Some((_, v)) if *v != code.value => problems.push(format!(
                "FreeRDP set {last} (NTSTATUS {v:#010x}) but printed NTSTATUS {:#010x}",
                code.value
            )),
            None if last != "ERRCONNECT_AUTHENTICATION_FAILED" => problems.push(format!(
                "FreeRDP set {last}, which is not an NTSTATUS error"
            )),
            _ => {}
        }
    }

    // rdp-probe, against the same server.
    let target = Target::new(addr.ip().to_string(), addr.port()).expect("target");
    let report = probe(&target, &probe_options()).await;
    drop(server);
    let json: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    let verdict = json["verdict"].as_str().unwrap_or_default().to_owned();
    let probe_code = json["failure"]["code"]["space"]
        .as_str()
        .zip(json["failure"]["code"]["value"].as_u64());
    let probe_name = json["failure"]["code"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    match (freerdp_code, probe_code) {
        (Some(code), Some((space, value)))
            if code.space == space && u64::from(code.value) == value => {}
        (None, None) if verdict == "connected" && freerdp.is_ok() => {}
        _ => problems.push(format!(
            "DISAGREEMENT: FreeRDP names {}, rdp-probe reports {verdict} with {}",
            freerdp_code.map_or("no server code".to_owned(), |c| c.to_string()),
            probe_code.map_or("no code".to_owned(), |(s, v)| format!(
                "{s} {v:#x} {probe_name}"
            )),
        )),
    }
    // The RDP_NEG_FAILURE codes FreeRDP met are those rdp-probe records (both retry on new
    // connections, with different requests, so only the set of codes is compared).
    let mut freerdp_negs: Vec<u64> = log
        .neg_failures
        .iter()
        .filter_map(|(_, v)| v.map(u64::from))
        .collect();
    freerdp_negs.sort_unstable();
    freerdp_negs.dedup();
    let mut probe_negs: Vec<u64> = json["server"]["negotiation_failures"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["code"].as_u64()).collect())
        .unwrap_or_default();
    probe_negs.sort_unstable();
    probe_negs.dedup();
    if freerdp_negs != probe_negs {
        problems.push(format!(
            "RDP_NEG_FAILURE codes: FreeRDP met {freerdp_negs:?}, rdp-probe recorded {probe_negs:?}"
        ));
    }

    let mut summary = format!(
        "{name}: FreeRDP {} (exit {:?}, {} ms) | rdp-probe {verdict} {} ({:.0} ms)\n",
        freerdp_code.map_or("-".to_owned(), |c| c.to_string()),
        run.exit,
        run.elapsed.as_millis(),
        probe_code.map_or("-".to_owned(), |(s, v)| format!("{s} {v:#x} {probe_name}")),
        report.elapsed_ms,
    );
    for line in &log.evidence {
        summary.push_str(&format!("    freerdp: {line}\n"));
    }
    if !problems.is_empty() {
        summary.push_str(&format!(
            "    rdp-probe report: {json}\n    xfreerdp log:\n"
        ));
        for line in run.log.lines() {
            summary.push_str(&format!("      {line}\n"));
        }
    }
    Outcome { summary, problems }
}

// ----- the test -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freerdp_and_rdp_probe_name_the_same_server_code() {
    let started = Instant::now();
    let tools = Arc::new(tools());
    let dir = TempDir::new("rdp-probe-freerdp-crosscheck");
    let xvfb = Xvfb::start(&tools, &dir.0);

    let permits = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, &(scenario, expected)) in CROSS_CHECKED.iter().enumerate() {
        let tools = Arc::clone(&tools);
        let permits = Arc::clone(&permits);
        let run_dir = dir.0.join(format!("{i:02}"));
        let display = xvfb.display;
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            let outcome = cross_check(tools, display, run_dir, scenario, expected).await;
            (i, outcome)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        outcomes.push(joined.expect("scenario task"));
    }
    outcomes.sort_by_key(|(i, _)| *i);
    drop(xvfb);

    let mut failures = Vec::new();
    for (_, outcome) in &outcomes {
        print!("{}", outcome.summary);
        if !outcome.problems.is_empty() {
            failures.push(format!(
                "{}  => {}",
                outcome.summary,
                outcome.problems.join("\n  => ")
            ));
        }
    }
    println!(
        "{} scenarios cross-checked in {:.1} s",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed the FreeRDP cross-check:\n\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

#[test]
fn freerdp_log_parsing() {
    let log = "\
[21:04:14:903] [11671:11672] [ERROR][com.freerdp.core] - rdp_set_error_info:freerdp_set_last_error_ex ERRINFO_SERVER_DENIED_CONNECTION [0x00010007]
[21:04:14:903] [11671:11672] [INFO][com.freerdp.core] - ERRINFO_SERVER_DENIED_CONNECTION (0x00000007):The server denied the connection.
[21:04:18:606] [11991:12012] [ERROR][com.freerdp.core] - ERRINFO_UNKNOWN 0x0000BEEF: Unknown error.
[21:04:55:972] [12947:12948] [WARN][com.freerdp.core.nego] - Error: SSL_NOT_ALLOWED_BY_SERVER
[21:04:56:781] [13084:13085] [ERROR][com.freerdp.core.nego] - Error: Unknown protocol security error 6
[21:04:55:973] [12947:12948] [ERROR][com.freerdp.core.connection] - Error: protocol security negotiation or connection failure
[21:05:13:156] [13495:13496] [WARN][com.freerdp.core.nla] - SPNEGO received NTSTATUS: STATUS_LOGON_FAILURE [0xC000006D] from server
[21:05:13:156] [13495:13496] [ERROR][com.freerdp.core] - nla_recv_pdu:freerdp_set_last_error_ex ERRCONNECT_LOGON_FAILURE [0x00020014]
";
    let parsed = FreeRdpLog::parse(log);
    assert_eq!(
        parsed.errinfo,
        vec![
            (Some("ERRINFO_SERVER_DENIED_CONNECTION".to_owned()), 7),
            (None, 0xBEEF)
        ]
    );
    assert_eq!(
        parsed.neg_failures,
        vec![
            (Some("SSL_NOT_ALLOWED_BY_SERVER".to_owned()), Some(2)),
            (None, Some(6))
        ]
    );
    assert_eq!(
        parsed.ntstatus,
        vec![("STATUS_LOGON_FAILURE".to_owned(), 0xC000_006D)]
    );
    assert_eq!(
        parsed.last_error.as_deref(),
        Some("ERRCONNECT_LOGON_FAILURE")
    );
    // Set Error Info is the latest stage.
    let (code, name) = parsed.server_code().unwrap().unwrap();
    assert_eq!(
        code,
        ServerCode {
            space: "errinfo",
            value: 0xBEEF
        }
    );
    assert_eq!(name, None);
}
