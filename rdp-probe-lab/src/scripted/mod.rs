//! A scripted RDP server on loopback that ends a connection in a chosen way at a chosen point.
//!
//! [`ScriptedServer::start`] binds `127.0.0.1:0` and serves every connection it accepts with one
//! [`Scenario`] (so a probe that reconnects meets the same server again); dropping the server stops
//! the accept loop and every connection it serves.
//!
//! The server speaks Standard RDP Security with `ENCRYPTION_LEVEL_NONE` / `ENCRYPTION_METHOD_NONE`
//! over plain TCP ([MS-RDPBCGR] 5.3.2): it answers the X.224 Connection Request with an
//! RDP_NEG_RSP selecting `PROTOCOL_RDP`, the MCS Connect Initial with a Connect Response (Server
//! Core version 0x00080004, Server Security method 0 level 0 without random or certificate, Server
//! Network I/O channel 1003 plus one id per requested static channel), reads the Erect Domain
//! Request, confirms the Attach User Request (user channel 1007) and every Channel Join Request,
//! reads the Client Info PDU, and then ends the way the scenario says. Scenarios that end earlier
//! stop the script at their point. [`Scenario::Healthy`] goes on: licensing STATUS_VALID_CLIENT, a
//! Demand Active, and the server's half of the finalization, built with `ironrdp-pdu`'s encoders.
//!
//! [`Scenario::Encrypted`] speaks Standard RDP Security with encryption instead ([MS-RDPBCGR] 5.3):
//! its Connect Response names a method and a level, the server random
//! [`rdp_probe_core::engine::transcript::standard::SERVER_RANDOM`] and a proprietary certificate
//! for [`rdp_probe_core::standard_security::lab_server_key`]; the server reads the client's
//! Security Exchange, keys itself from the client random, and requires that the Client Info PDU
//! decrypts and its MAC verifies (plain or salted, as its flags say) before it ends the way the
//! [`EncryptedEnding`] says. A client whose PDUs it cannot open ends the connection with an
//! [`io::ErrorKind::InvalidData`] error: these scenarios exist to prove the client's encryption, so
//! the server never plays along with a client it cannot read.
//!
//! The TLS scenarios ([`Scenario::uses_tls`]) instead select `PROTOCOL_HYBRID` (or
//! `PROTOCOL_SSL` when HYBRID was not requested) and then answer the ClientHello with raw records,
//! or run a real TLS server (rustls, a self-signed RSA certificate for `localhost` made once per
//! process with the `openssl` command) and end in CredSSP.
//!
//! "Close" always means an orderly close: the server shuts down its sending side (FIN) and then
//! drains what the client still sends until the client closes too, so that the client never meets a
//! reset it did not ask for. "Reset" means `SO_LINGER` 0 and a close (RST).

mod conn;
#[cfg(test)]
mod delivery_tests;
mod pdu;
pub mod tls;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rdp_probe_core::engine::transcript::standard::{
    LEVEL_CLIENT_COMPATIBLE, LEVEL_FIPS, LEVEL_HIGH, LEVEL_LOW,
};
use rdp_probe_core::standard_security::EncryptionMethod;

use crate::serve::Listening;

/// The MCS I/O channel the scripted server announces ([MS-RDPBCGR] 2.2.1.4.4).
pub const IO_CHANNEL: u16 = 1003;
/// The MCS user channel (initiator) the scripted server hands out ([MS-RDPBCGR] 2.2.1.7).
pub const USER_CHANNEL: u16 = 1007;
/// The Server Core Data version the scripted server announces (RDP 5.0 to 8.1).
pub const CORE_VERSION: u32 = 0x0008_0004;
/// Interval between two bytes in [`Hostility::Drip`].
pub const DRIP_INTERVAL: Duration = Duration::from_secs(1);
/// How many ciphertext bytes [`EncryptedEnding::Garbled`] cuts off: under FIPS, what is left is no
/// longer whole 3DES blocks.
pub const GARBLED_CUT: usize = 3;

/// Where a [`Scenario::Hostile`] server misbehaves: in place of its answer to the named client
/// message (or, for [`Point::DemandActive`], in place of the PDU it sends unprompted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Point {
    /// Right after the TCP accept, before the client's first byte is read.
    Accept,
    /// In place of the X.224 Connection Confirm.
    ConnectionRequest,
    /// In place of the MCS Connect Response.
    ConnectInitial,
    /// In place of the MCS Attach User Confirm (after the Erect Domain and Attach User Requests).
    AttachUser,
    /// TLS path: after selecting HYBRID (or SSL) and the TLS handshake, in place of the answer to
    /// the client's first TSRequest (an NTLM CHALLENGE).
    Credssp,
    /// In place of the first licensing PDU, the answer to the Client Info PDU.
    ClientInfo,
    /// After licensing STATUS_VALID_CLIENT, in place of the Demand Active PDU.
    DemandActive,
    /// After the client's Confirm Active and Font List, in place of the server's finalization PDUs.
    FontList,
}

impl Point {
    /// Every point, in connection order.
    pub const ALL: [Point; 8] = [
        Point::Accept,
        Point::ConnectionRequest,
        Point::ConnectInitial,
        Point::AttachUser,
        Point::Credssp,
        Point::ClientInfo,
        Point::DemandActive,
        Point::FontList,
    ];

    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Point::Accept => "accept",
            Point::ConnectionRequest => "connection-request",
            Point::ConnectInitial => "connect-initial",
            Point::AttachUser => "attach-user",
            Point::Credssp => "credssp",
            Point::ClientInfo => "client-info",
            Point::DemandActive => "demand-active",
            Point::FontList => "font-list",
        }
    }

    /// The probe phase the client is in while it waits at this point (the `rdp-probe/1` JSON name).
    pub fn phase(self) -> &'static str {
        match self {
            Point::Accept | Point::ConnectionRequest => "x224",
            Point::ConnectInitial => "basic_settings",
            Point::AttachUser => "channel_connection",
            Point::Credssp => "credssp",
            Point::ClientInfo => "licensing",
            Point::DemandActive => "capabilities",
            Point::FontList => "finalization",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Point::Accept => "right after the TCP accept",
            Point::ConnectionRequest => "instead of the X.224 Connection Confirm",
            Point::ConnectInitial => "instead of the MCS Connect Response",
            Point::AttachUser => "instead of the MCS Attach User Confirm",
            Point::Credssp => "after TLS, instead of the CredSSP CHALLENGE",
            Point::ClientInfo => "instead of licensing (after Client Info)",
            Point::DemandActive => "after licensing, instead of the Demand Active",
            Point::FontList => "after the client's Font List, instead of finalization",
        }
    }
}

/// How a [`Scenario::Hostile`] server misbehaves at its [`Point`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hostility {
    /// Orderly close (FIN; over TLS, close_notify first).
    Close,
    /// Reset (RST).
    Reset,
    /// Say nothing and keep the connection open.
    Silence,
    /// Send the normal answer one byte every [`DRIP_INTERVAL`], then go on as [`Scenario::Healthy`].
    Drip,
    /// Send bytes that are not RDP (not TPKT, not fast-path, not DER over TLS), then stay open.
    Garbage,
    /// Send a header whose length field claims the largest size it can express (TPKT 0xFFFF; over
    /// TLS a DER length of 0x7FFFFFFF), then stay silent.
    HugeLength,
}

impl Hostility {
    /// Every kind, in a fixed order.
    pub const ALL: [Hostility; 6] = [
        Hostility::Close,
        Hostility::Reset,
        Hostility::Silence,
        Hostility::Drip,
        Hostility::Garbage,
        Hostility::HugeLength,
    ];

    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Hostility::Close => "close",
            Hostility::Reset => "reset",
            Hostility::Silence => "silence",
            Hostility::Drip => "drip",
            Hostility::Garbage => "garbage",
            Hostility::HugeLength => "huge-length",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Hostility::Close => "close",
            Hostility::Reset => "reset (RST)",
            Hostility::Silence => "say nothing, stay open",
            Hostility::Drip => "send the normal answer one byte per second",
            Hostility::Garbage => "send non-RDP bytes, stay open",
            Hostility::HugeLength => "send a header claiming a huge length, then nothing",
        }
    }
}

/// How a [`Scenario::Encrypted`] server goes on once the client's Client Info PDU has opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptedEnding {
    /// The rest of the connection sequence, every server PDU sealed at the scenario's level:
    /// licensing `STATUS_VALID_CLIENT` (flagged `SEC_LICENSE_ENCRYPT_CS`, as the Windows server of
    /// [MS-RDPBCGR] 4.1.11 sends it), the Demand Active, and after the client's Font List (every
    /// client PDU before it must open too) the finalization PDUs; then the connection stays open,
    /// as [`Scenario::Healthy`].
    Healthy,
    /// A Set Error Info PDU with this `errorInfo`, sealed at the scenario's level, in place of
    /// licensing; then an orderly close. With 7 (`ERRINFO_SERVER_DENIED_CONNECTION`) this is the
    /// classic "0x904 / 0x7" of a server that speaks only Standard RDP Security.
    ErrinfoInLicensing(u32),
    /// Licensing `STATUS_VALID_CLIENT`, encrypted, with one bit of its `dataSignature` (the MAC)
    /// flipped; then the connection stays open. At `ENCRYPTION_LEVEL_LOW`, where a server sends in
    /// the clear, this PDU is encrypted anyway so that it has a MAC to damage.
    BadMac,
    /// Licensing `STATUS_VALID_CLIENT`, encrypted, with the last [`GARBLED_CUT`] bytes of its
    /// ciphertext cut off (the MCS and TPKT lengths fit what is left); then the connection stays
    /// open. Under FIPS the ciphertext is then no longer whole 3DES blocks and cannot be decrypted;
    /// under RC4 anything decrypts, and the cut PDU fails its MAC instead. At
    /// `ENCRYPTION_LEVEL_LOW` the PDU is encrypted anyway, as for [`EncryptedEnding::BadMac`].
    Garbled,
    /// Licensing `STATUS_VALID_CLIENT` as [`EncryptedEnding::Healthy`] sends it, then the Demand
    /// Active in the clear (a basic security header without `SEC_ENCRYPT`), which a level above low
    /// forbids ([MS-RDPBCGR] 5.3.1; the condition of ERRINFO_DECRYPT_FAILED2); then the connection
    /// stays open.
    UnencryptedDemandActive,
}

/// What is wrong with a [`Scenario::BrokenSecurityData`] server's Server Security Data
/// ([MS-RDPBCGR] 2.2.1.4.3). Each is refused by the probe before the Security Exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BrokenSecurityData {
    /// `ENCRYPTION_LEVEL_FIPS` with `ENCRYPTION_METHOD_128BIT`: a level and method that do not go
    /// together ([MS-RDPBCGR] 5.3.2).
    LevelMismatch,
    /// A server random of 16 bytes (32 required).
    ShortRandom,
    /// `encryptionMethod` 0x04, which no specification defines.
    UnknownMethod,
    /// A certificate of version 9, which is neither proprietary nor X.509.
    GarbageCertificate,
    /// The lab's proprietary certificate with one bit of its signature flipped ([MS-RDPBCGR]
    /// 5.3.3.1.3).
    BadSignature,
    /// A proprietary certificate whose RSA key has 256 bits: too small to hold the 32-byte client
    /// random ([MS-RDPBCGR] 5.3.4.1).
    TinyKey,
}

impl BrokenSecurityData {
    /// Every kind, for the catalog.
    pub const ALL: [BrokenSecurityData; 6] = [
        BrokenSecurityData::LevelMismatch,
        BrokenSecurityData::ShortRandom,
        BrokenSecurityData::UnknownMethod,
        BrokenSecurityData::GarbageCertificate,
        BrokenSecurityData::BadSignature,
        BrokenSecurityData::TinyKey,
    ];

    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BrokenSecurityData::LevelMismatch => "level-mismatch",
            BrokenSecurityData::ShortRandom => "short-random",
            BrokenSecurityData::UnknownMethod => "unknown-method",
            BrokenSecurityData::GarbageCertificate => "garbage-certificate",
            BrokenSecurityData::BadSignature => "bad-signature",
            BrokenSecurityData::TinyKey => "tiny-key",
        }
    }

    fn what(self) -> &'static str {
        match self {
            BrokenSecurityData::LevelMismatch => "FIPS level with the 128-bit method",
            BrokenSecurityData::ShortRandom => "a 16-byte server random",
            BrokenSecurityData::UnknownMethod => "encryption method 0x04",
            BrokenSecurityData::GarbageCertificate => "a certificate of version 9",
            BrokenSecurityData::BadSignature => {
                "a proprietary certificate whose signature does not verify"
            }
            BrokenSecurityData::TinyKey => "a proprietary certificate with a 256-bit RSA key",
        }
    }
}

impl EncryptedEnding {
    /// The kebab-case suffix of the scenario's name (empty for [`EncryptedEnding::Healthy`]).
    fn as_suffix(self) -> String {
        match self {
            EncryptedEnding::Healthy => String::new(),
            EncryptedEnding::ErrinfoInLicensing(v) => format!("-errinfo-{v:#x}"),
            EncryptedEnding::BadMac => "-bad-mac".into(),
            EncryptedEnding::Garbled => "-garbled".into(),
            EncryptedEnding::UnencryptedDemandActive => "-unencrypted-demand-active".into(),
        }
    }

    /// What the server does after the Client Info PDU, for [`Scenario::describe`].
    fn what(self) -> String {
        let after = "after the encrypted Client Info";
        match self {
            EncryptedEnding::Healthy => {
                "the whole connection sequence, every PDU encrypted at that level, then stay open"
                    .into()
            }
            EncryptedEnding::ErrinfoInLicensing(v) => {
                format!("{after}: an encrypted Set Error Info {v:#x}, then close")
            }
            EncryptedEnding::BadMac => format!(
                "{after}: licensing STATUS_VALID_CLIENT with one bit of its MAC flipped, then stay open"
            ),
            EncryptedEnding::Garbled => format!(
                "{after}: licensing STATUS_VALID_CLIENT with its ciphertext cut by {GARBLED_CUT} bytes (lengths fixed), then stay open"
            ),
            EncryptedEnding::UnencryptedDemandActive => format!(
                "{after}: licensing STATUS_VALID_CLIENT encrypted, then the Demand Active in the clear, then stay open"
            ),
        }
    }
}

/// The kebab-case name of an encryption method in scenario names: `rc4-40`, `rc4-56`, `rc4-128`,
/// `fips`.
fn method_name(method: EncryptionMethod) -> &'static str {
    match method {
        EncryptionMethod::Bits40 => "rc4-40",
        EncryptionMethod::Bits56 => "rc4-56",
        EncryptionMethod::Bits128 => "rc4-128",
        EncryptionMethod::Fips => "fips",
    }
}

/// The kebab-case name of an encryption level in scenario names ([MS-RDPBCGR] 2.2.1.4.3): `low`,
/// `client-compatible`, `high`, `fips`, or `level-N`.
fn level_name(level: u32) -> String {
    match level {
        LEVEL_LOW => "low".into(),
        LEVEL_CLIENT_COMPATIBLE => "client-compatible".into(),
        LEVEL_HIGH => "high".into(),
        LEVEL_FIPS => "fips".into(),
        other => format!("level-{other}"),
    }
}

/// How and where the scripted server ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scenario {
    /// The whole connection sequence over Standard RDP Security without encryption: licensing
    /// STATUS_VALID_CLIENT, Demand Active (General, Bitmap 1024x768, Input), the finalization PDUs
    /// (Synchronize, Control Cooperate, Granted Control, Font Map); then the connection stays open.
    Healthy,
    /// After the Client Info PDU, a Set Error Info PDU with this `errorInfo` on the I/O channel, then
    /// an orderly close ([MS-RDPBCGR] 2.2.5.1.1).
    ErrinfoAfterClientInfo(u32),
    /// After the Client Info PDU, a Set Error Info PDU with this value, then an MCS Disconnect
    /// Provider Ultimatum (reason rn-user-requested, 3), then an orderly close.
    ErrinfoThenUltimatum(u32),
    /// After the Client Info PDU, a Set Error Info PDU with this value, then a reset (RST).
    ErrinfoThenReset(u32),
    /// After the Client Info PDU, a Set Error Info PDU with this value; the connection stays open.
    ErrinfoThenHold(u32),
    /// After the Client Info PDU, a licensing Error Message with this `dwErrorCode` and
    /// `dwStateTransition` ([MS-RDPBCGR] 2.2.1.12.1.3), then an orderly close.
    LicenseError {
        /// Raw `dwErrorCode` (e.g. 6 `ERR_NO_LICENSE_SERVER`).
        code: u32,
        /// Raw `dwStateTransition` (e.g. 1 `ST_TOTAL_ABORT`).
        state_transition: u32,
    },
    /// After the Client Info PDU, a licensing `STATUS_VALID_CLIENT` Error Message (licensing
    /// succeeded, `ST_NO_TRANSITION`), then a Set Error Info PDU with this value, then an orderly close.
    LicenseValidClientThenErrinfo(u32),
    /// Like [`Scenario::Healthy`] up to the client's Font List, then a Set Error Info PDU with this
    /// value instead of the server's finalization PDUs, then an orderly close.
    FinalizationErrinfo(u32),
    /// The MCS Connect Initial is answered with a Disconnect Provider Ultimatum with this raw 3-bit
    /// reason ([MS-RDPBCGR] 2.2.2.3), then an orderly close.
    McsDisconnectInBasicSettings(u8),
    /// The MCS Connect Initial is answered with a Connect Response carrying this non-zero T.125
    /// `Result` and nothing else, then an orderly close.
    McsConnectRejected(u8),
    /// The Attach User Request is answered with an Attach User Confirm with this non-zero result
    /// (1 = rt-domain-merging) and no initiator, then an orderly close.
    AttachUserRejected(u8),
    /// The first Channel Join Request is answered with a Channel Join Confirm with this non-zero
    /// result (e.g. 14 = rt-too-many-channels) and no channel id, then an orderly close.
    ChannelJoinRejected(u8),
    /// The X.224 Connection Request is answered with RDP_NEG_FAILURE with this `failureCode`
    /// ([MS-RDPBCGR] 2.2.1.2.2), then an orderly close. Every connection gets the same answer.
    NegFailure(u32),
    /// Like a Windows server with "SSL not allowed": a Connection Request that asks for anything
    /// but `PROTOCOL_RDP` gets RDP_NEG_FAILURE 2 (`SSL_NOT_ALLOWED_BY_SERVER`) and an orderly close;
    /// one that asks for `PROTOCOL_RDP` only proceeds and ends like
    /// [`Scenario::ErrinfoAfterClientInfo`] with this value.
    SslNotAllowedThenErrinfo(u32),
    /// A Connection Confirm without negotiation data (a legacy server), then the session as usual,
    /// ending like [`Scenario::ErrinfoAfterClientInfo`] with 7 (`ERRINFO_SERVER_DENIED_CONNECTION`).
    LegacyNoNegotiation,
    /// An RDP_NEG_RSP selecting this raw `selectedProtocol` whatever the client asked for, then an
    /// orderly close.
    SelectsUnrequested(u32),
    /// After the Client Info PDU, an X.224 Disconnect Request with this raw reason byte, then an
    /// orderly close.
    X224DisconnectAfterClientInfo(u8),
    /// Answer the Connection Request with `HTTP/1.1 400 Bad Request`, then an orderly close.
    Http,
    /// Answer the Connection Request with an SSH server banner, then an orderly close.
    SshBanner,
    /// Answer the Connection Request with a TLS alert record (handshake_failure), then an orderly
    /// close: a TLS-only listener.
    TlsAlert,
    /// After the Client Info PDU, licensing `STATUS_VALID_CLIENT`, then a Standard Security Server
    /// Redirection PDU ([MS-RDPBCGR] 2.2.13.2.1: session id [`REDIRECT_SESSION_ID`], target net
    /// address [`REDIRECT_TARGET`]); the connection stays open until the client closes it.
    Redirect,
    /// As [`Scenario::Redirect`], but the Server Redirection PDU comes in the Enhanced Security form
    /// ([MS-RDPBCGR] 2.2.13.3.1) as Windows sends it: a Share Control header whose `pduType` is
    /// 0x000A, the version bits zero, and the packet also names user [`REDIRECT_USER`] in domain
    /// [`REDIRECT_DOMAIN`], the password [`REDIRECT_SECRET_PASSWORD`] and the load-balance cookie
    /// [`REDIRECT_SECRET_COOKIE`].
    RedirectEnhanced,
    /// An RDP_NEG_RSP selecting `PROTOCOL_HYBRID` (or `PROTOCOL_SSL` when the client did not ask for
    /// HYBRID), then the client's ClientHello is answered with a plaintext fatal TLS alert record
    /// (version 0x0303) with this description ([RFC 5246] 7.2), then an orderly close. Every
    /// connection (including a legacy-ClientHello retry) gets the same answer.
    TlsAlertAfterConfirm(u8),
    /// An RDP_NEG_RSP selecting `PROTOCOL_HYBRID` (or `PROTOCOL_SSL` when the client did not ask for
    /// HYBRID), then the ClientHello is answered with a TLS 1.0 ServerHello record (cipher
    /// `TLS_RSA_WITH_AES_128_CBC_SHA`) and nothing more; the connection stays open.
    Tls10Only,
    /// An RDP_NEG_RSP selecting `PROTOCOL_HYBRID` (or `PROTOCOL_SSL`), a real TLS handshake with a
    /// self-signed certificate for `localhost`, then the client's first TSRequest is answered with
    /// a TSRequest carrying this `version` and `errorCode` ([MS-CSSP] 2.2.1), then close_notify and an
    /// orderly close.
    CredsspError {
        /// The TSRequest `version` the server claims.
        version: u32,
        /// The NTSTATUS `errorCode` (e.g. 0xC000006D `STATUS_LOGON_FAILURE`).
        ntstatus: u32,
    },
    /// A CredSSP server of this `version` ([MS-CSSP] 2.2.1; 2 to 6): after selecting HYBRID and
    /// TLS, the client's NTLM NEGOTIATE is answered with a TSRequest of this version carrying an
    /// NTLM CHALLENGE ([MS-NLMP] 2.2.1.2) that names [`NTLM_NB_DOMAIN`] / [`NTLM_NB_COMPUTER`] /
    /// [`NTLM_DNS_COMPUTER`] and version 10.0.[`NTLM_BUILD`]; the client's AUTHENTICATE is answered
    /// with close_notify and an orderly close and no `errorCode`, as CredSSP servers before version 3
    /// (and FreeRDP's) reject a logon.
    NtlmChallenge {
        /// The TSRequest `version` the server speaks.
        version: u32,
    },
    /// As [`Scenario::NtlmChallenge`] version 6, but the CHALLENGE's names are markup and terminal
    /// control sequences ([`NTLM_HOSTILE_NB_DOMAIN`], [`NTLM_HOSTILE_NB_COMPUTER`],
    /// [`NTLM_HOSTILE_DNS_DOMAIN`], [`NTLM_HOSTILE_DNS_COMPUTER`]): a report, a terminal or a page
    /// must show them as text.
    NtlmHostileNames,
    /// Standard RDP Security with encryption ([MS-RDPBCGR] 5.3): the Connect Response names
    /// `method` and `level`, the server random
    /// [`SERVER_RANDOM`](rdp_probe_core::engine::transcript::standard::SERVER_RANDOM) and a
    /// proprietary certificate for
    /// [`lab_server_key`](rdp_probe_core::standard_security::lab_server_key) signed with the
    /// Terminal Services signing key; after the channel joins the server reads the Security
    /// Exchange, decrypts the client random with the lab key, and requires that the Client Info PDU
    /// decrypts, its MAC verifies and its flags hold `SEC_INFO_PKT | SEC_ENCRYPT` (else the
    /// connection ends with an [`io::ErrorKind::InvalidData`] error); then it goes on as `ending`
    /// says.
    Encrypted {
        /// The encryption method the server selects.
        method: EncryptionMethod,
        /// The raw `encryptionLevel` (1 low, 2 client compatible, 3 high, 4 FIPS); at low level the
        /// server's own PDUs go in the clear ([MS-RDPBCGR] 5.3.1).
        level: u32,
        /// What happens after the Client Info PDU.
        ending: EncryptedEnding,
    },
    /// Standard RDP Security whose Server Security Data is broken this way; then the connection
    /// stays open until the client closes it.
    BrokenSecurityData(BrokenSecurityData),
    /// Misbehave in one way at one point; until then, and (for [`Hostility::Drip`]) after it,
    /// behave as [`Scenario::Healthy`].
    Hostile {
        /// Where.
        at: Point,
        /// How.
        how: Hostility,
    },
}

/// The session id a [`Scenario::Redirect`] server names.
pub const REDIRECT_SESSION_ID: u32 = 0x2a;
/// The target net address a [`Scenario::Redirect`] server names.
pub const REDIRECT_TARGET: &str = "127.0.0.2";
/// The user a [`Scenario::RedirectEnhanced`] server names.
pub const REDIRECT_USER: &str = "alice";
/// The domain a [`Scenario::RedirectEnhanced`] server names.
pub const REDIRECT_DOMAIN: &str = "RDPLAB";
/// The password bytes a [`Scenario::RedirectEnhanced`] server sends (a probe must never report them).
pub const REDIRECT_SECRET_PASSWORD: &[u8] = b"r\0e\0d\0i\0r\0-\0s\0e\0c\0r\0e\0t\0\0\0";
/// The load-balance cookie a [`Scenario::RedirectEnhanced`] server sends (a probe reports only its
/// length).
pub const REDIRECT_SECRET_COOKIE: &[u8] = b"Cookie: msts=3640205228.15629.0000\r\n";
/// The NetBIOS domain a [`Scenario::NtlmChallenge`] server names.
pub const NTLM_NB_DOMAIN: &str = "RDPLAB";
/// The NetBIOS computer name a [`Scenario::NtlmChallenge`] server names.
pub const NTLM_NB_COMPUTER: &str = "LABHOST";
/// The DNS computer name a [`Scenario::NtlmChallenge`] server names.
pub const NTLM_DNS_COMPUTER: &str = "labhost.rdp-lab.invalid";
/// The Windows build a [`Scenario::NtlmChallenge`] server claims (Windows Server 2022).
pub const NTLM_BUILD: u16 = 20348;
/// The NetBIOS domain a [`Scenario::NtlmHostileNames`] server names: markup, and a terminal
/// sequence that would retitle the window.
pub const NTLM_HOSTILE_NB_DOMAIN: &str = "<b>LAB</b>\u{1b}]0;owned\u{7}";
/// The NetBIOS computer name a [`Scenario::NtlmHostileNames`] server names.
pub const NTLM_HOSTILE_NB_COMPUTER: &str = "<script>alert(2)</script>";
/// The DNS domain a [`Scenario::NtlmHostileNames`] server names: an attribute breakout, and a
/// right-to-left override.
pub const NTLM_HOSTILE_DNS_DOMAIN: &str = "lab.invalid' onmouseover='alert(4)\u{202e}";
/// The DNS computer name a [`Scenario::NtlmHostileNames`] server names.
pub const NTLM_HOSTILE_DNS_COMPUTER: &str = "\"><img src=x onerror=alert(3)>&amp;";

impl Scenario {
    /// The stable kebab-case name, parameters included and safe to pass unquoted in a shell
    /// (e.g. `errinfo-after-client-info-0x7`, `hostile-silence-at-accept`).
    pub fn name(&self) -> String {
        match *self {
            Scenario::Healthy => "healthy".into(),
            Scenario::ErrinfoAfterClientInfo(v) => format!("errinfo-after-client-info-{v:#x}"),
            Scenario::ErrinfoThenUltimatum(v) => format!("errinfo-then-ultimatum-{v:#x}"),
            Scenario::ErrinfoThenReset(v) => format!("errinfo-then-reset-{v:#x}"),
            Scenario::ErrinfoThenHold(v) => format!("errinfo-then-hold-{v:#x}"),
            Scenario::LicenseError {
                code,
                state_transition,
            } => format!("license-error-{code:#x}-{state_transition:#x}"),
            Scenario::LicenseValidClientThenErrinfo(v) => {
                format!("license-valid-client-then-errinfo-{v:#x}")
            }
            Scenario::FinalizationErrinfo(v) => format!("finalization-errinfo-{v:#x}"),
            Scenario::McsDisconnectInBasicSettings(r) => {
                format!("mcs-disconnect-in-basic-settings-{r}")
            }
            Scenario::McsConnectRejected(r) => format!("mcs-connect-rejected-{r}"),
            Scenario::AttachUserRejected(r) => format!("attach-user-rejected-{r}"),
            Scenario::ChannelJoinRejected(r) => format!("channel-join-rejected-{r}"),
            Scenario::NegFailure(c) => format!("neg-failure-{c:#x}"),
            Scenario::SslNotAllowedThenErrinfo(v) => {
                format!("ssl-not-allowed-then-errinfo-{v:#x}")
            }
            Scenario::LegacyNoNegotiation => "legacy-no-negotiation".into(),
            Scenario::SelectsUnrequested(p) => format!("selects-unrequested-{p:#x}"),
            Scenario::X224DisconnectAfterClientInfo(r) => {
                format!("x224-disconnect-after-client-info-{r}")
            }
            Scenario::Http => "http".into(),
            Scenario::SshBanner => "ssh-banner".into(),
            Scenario::TlsAlert => "tls-alert".into(),
            Scenario::Redirect => "redirect".into(),
            Scenario::RedirectEnhanced => "redirect-enhanced".into(),
            Scenario::TlsAlertAfterConfirm(d) => format!("tls-alert-after-confirm-{d}"),
            Scenario::Tls10Only => "tls10-only".into(),
            Scenario::CredsspError { version, ntstatus } => {
                format!("credssp-error-v{version}-{ntstatus:#010x}")
            }
            Scenario::NtlmChallenge { version } => format!("ntlm-challenge-v{version}"),
            Scenario::NtlmHostileNames => "ntlm-hostile-names".into(),
            Scenario::Encrypted {
                method,
                level,
                ending,
            } => format!(
                "encrypted-{}-{}{}",
                method_name(method),
                level_name(level),
                ending.as_suffix()
            ),
            Scenario::BrokenSecurityData(kind) => format!("broken-security-data-{}", kind.as_str()),
            Scenario::Hostile { at, how } => {
                format!("hostile-{}-at-{}", how.as_str(), at.as_str())
            }
        }
    }

    /// One line saying what the server does.
    pub fn describe(&self) -> String {
        match *self {
            Scenario::Healthy => {
                "the whole connection sequence (Standard RDP Security, no encryption), then stay open".into()
            }
            Scenario::ErrinfoAfterClientInfo(v) => {
                format!("after Client Info: Set Error Info {v:#x}, then close")
            }
            Scenario::ErrinfoThenUltimatum(v) => format!(
                "after Client Info: Set Error Info {v:#x}, then MCS Disconnect Provider Ultimatum, then close"
            ),
            Scenario::ErrinfoThenReset(v) => {
                format!("after Client Info: Set Error Info {v:#x}, then reset (RST)")
            }
            Scenario::ErrinfoThenHold(v) => {
                format!("after Client Info: Set Error Info {v:#x}, then keep the connection open")
            }
            Scenario::LicenseError {
                code,
                state_transition,
            } => format!(
                "after Client Info: licensing Error Message (code {code:#x}, state transition {state_transition:#x}), then close"
            ),
            Scenario::LicenseValidClientThenErrinfo(v) => format!(
                "after Client Info: licensing STATUS_VALID_CLIENT, then Set Error Info {v:#x}, then close"
            ),
            Scenario::FinalizationErrinfo(v) => format!(
                "after the client's Font List: Set Error Info {v:#x} instead of finalization, then close"
            ),
            Scenario::McsDisconnectInBasicSettings(r) => format!(
                "MCS Connect Initial answered with Disconnect Provider Ultimatum (reason {r}), then close"
            ),
            Scenario::McsConnectRejected(r) => {
                format!("MCS Connect Response with T.125 result {r}, then close")
            }
            Scenario::AttachUserRejected(r) => {
                format!("MCS Attach User Confirm with result {r}, then close")
            }
            Scenario::ChannelJoinRejected(r) => {
                format!("first MCS Channel Join Confirm with result {r}, then close")
            }
            Scenario::NegFailure(c) => format!("X.224 RDP_NEG_FAILURE {c:#x}, then close"),
            Scenario::SslNotAllowedThenErrinfo(v) => format!(
                "RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER unless only PROTOCOL_RDP is requested; then Set Error Info {v:#x} after Client Info, then close"
            ),
            Scenario::LegacyNoNegotiation => {
                "X.224 Connection Confirm without negotiation data; Set Error Info 0x7 after Client Info, then close".into()
            }
            Scenario::SelectsUnrequested(p) => {
                format!("RDP_NEG_RSP selecting protocol {p:#x} whatever was requested, then close")
            }
            Scenario::X224DisconnectAfterClientInfo(r) => {
                format!("after Client Info: X.224 Disconnect Request (reason {r}), then close")
            }
            Scenario::Http => {
                "answer the Connection Request with HTTP/1.1 400 Bad Request, then close".into()
            }
            Scenario::SshBanner => {
                "answer the Connection Request with an SSH banner, then close".into()
            }
            Scenario::TlsAlert => {
                "answer the Connection Request with a TLS handshake_failure alert, then close".into()
            }
            Scenario::TlsAlertAfterConfirm(d) => format!(
                "select HYBRID (or SSL), then answer the ClientHello with a fatal TLS alert {d}, then close"
            ),
            Scenario::Tls10Only => {
                "select HYBRID (or SSL), then answer the ClientHello with a TLS 1.0 ServerHello, then stay open".into()
            }
            Scenario::CredsspError { version, ntstatus } => format!(
                "select HYBRID (or SSL), TLS, then answer the first TSRequest with CredSSP version {version} errorCode {ntstatus:#010x}, then close"
            ),
            Scenario::NtlmChallenge { version } => format!(
                "select HYBRID, TLS, CredSSP version {version} with an NTLM CHALLENGE; close after the client's AUTHENTICATE, without errorCode"
            ),
            Scenario::NtlmHostileNames => {
                "as ntlm-challenge-v6, with HTML markup and terminal controls in the NTLM CHALLENGE's names".into()
            }
            Scenario::Redirect => format!(
                "after Client Info: licensing STATUS_VALID_CLIENT, then Server Redirection to {REDIRECT_TARGET} (session {REDIRECT_SESSION_ID})"
            ),
            Scenario::RedirectEnhanced => format!(
                "after Client Info: licensing STATUS_VALID_CLIENT, then an Enhanced Security Server Redirection (pduType 0x000A, as Windows sends it) to {REDIRECT_TARGET} for {REDIRECT_DOMAIN}\\{REDIRECT_USER}, with a password and a {}-byte cookie",
                REDIRECT_SECRET_COOKIE.len()
            ),
            Scenario::Encrypted {
                method,
                level,
                ending,
            } => format!(
                "Standard RDP Security with {method} at level {level} ({}), a proprietary certificate: {}",
                level_name(level),
                ending.what()
            ),
            Scenario::BrokenSecurityData(kind) => format!(
                "Standard RDP Security whose Server Security Data has {}; then stay open",
                kind.what()
            ),
            Scenario::Hostile { at, how } => format!("{}: {}", at.what(), how.what()),
        }
    }

    /// Whether this scenario selects a TLS-based protocol (HYBRID or SSL) and runs the TLS part.
    pub fn uses_tls(&self) -> bool {
        matches!(
            self,
            Scenario::TlsAlertAfterConfirm(_)
                | Scenario::Tls10Only
                | Scenario::CredsspError { .. }
                | Scenario::NtlmChallenge { .. }
                | Scenario::NtlmHostileNames
                | Scenario::Hostile {
                    at: Point::Credssp,
                    ..
                }
        )
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A scripted RDP server listening on `127.0.0.1`; stops when dropped.
#[derive(Debug)]
pub struct ScriptedServer {
    scenario: Scenario,
    listening: Listening,
    seen: Arc<Seen>,
}

/// What a scripted server received, over all its connections.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// NTLM AUTHENTICATE messages ([`Scenario::NtlmChallenge`]): the offline-crackable response a
    /// client sends only to a server it trusts with its credentials.
    pub(crate) authenticate: AtomicUsize,
}

impl ScriptedServer {
    /// Binds `127.0.0.1:0` and serves every accepted connection with `scenario`, on the current
    /// tokio runtime (must be called within one).
    pub async fn start(scenario: Scenario) -> io::Result<ScriptedServer> {
        Self::start_on(scenario, 0).await
    }

    /// Like [`ScriptedServer::start`] on `127.0.0.1:port` (0 picks a free port).
    pub async fn start_on(scenario: Scenario, port: u16) -> io::Result<ScriptedServer> {
        Self::start_at(scenario, SocketAddr::from(([127, 0, 0, 1], port))).await
    }

    /// Like [`ScriptedServer::start`] on `addr`, a loopback address (any of 127.0.0.0/8, or ::1;
    /// port 0 picks a free one): a fleet of lab servers on distinct addresses.
    pub async fn start_at(scenario: Scenario, addr: SocketAddr) -> io::Result<ScriptedServer> {
        let label = format!("scripted server {scenario}");
        let seen = Arc::new(Seen::default());
        let counted = Arc::clone(&seen);
        let listening = Listening::start_at(addr, label, move |stream| {
            conn::serve(stream, scenario, Arc::clone(&counted))
        })
        .await?;
        Ok(ScriptedServer {
            scenario,
            listening,
            seen,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }

    /// The scenario it plays.
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// How many NTLM AUTHENTICATE messages it received so far ([`Scenario::NtlmChallenge`]).
    pub fn authenticates_received(&self) -> usize {
        self.seen.authenticate.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[tokio::test]
    async fn binds_loopback_and_stops_when_dropped() {
        let server = ScriptedServer::start(Scenario::Hostile {
            at: Point::Accept,
            how: Hostility::Silence,
        })
        .await
        .expect("bind");
        let addr = server.addr();
        assert_eq!(addr.ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        let held = tokio::net::TcpStream::connect(addr).await.expect("connect");
        drop(server);
        tokio::task::yield_now().await;
        // The accept loop and the connection it served are gone.
        let mut held = held;
        let mut buf = [0u8; 1];
        let n = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::io::AsyncReadExt::read(&mut held, &mut buf),
        )
        .await
        .expect("closed in time");
        assert!(matches!(n, Ok(0) | Err(_)));
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
