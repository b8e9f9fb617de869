//! Client profiles: what common RDP clients offer at their default settings, so a server
//! inventory can say which of them would connect.
//!
//! Each [`ClientProfile`] states what the client asks for in its X.224 Connection Request, whether
//! it falls back to Standard RDP Security, which TLS versions and cipher suites it can complete a
//! handshake with, and how it treats an old CredSSP peer. Every field is backed by at least one
//! [`Assumption`] row naming its source; a row whose fact no source states says so with a source
//! that starts with `"inferred: "`.
//!
//! ## CredSSP and the encryption-oracle remediation (CVE-2018-0886)
//!
//! The March 2018 CredSSP update added the *Encryption Oracle Remediation* policy
//! ([`CredsspPolicy`]); the May 2018 update changed its default from *Vulnerable* to *Mitigated*.
//! Patched peers speak TSRequest version 5 or 6 ([MS-CSSP] 2.2.1, 5.1); a peer that sends a
//! version below [`CREDSSP_FIXED_VERSION`] predates the fix. Microsoft's interoperability matrix
//! (KB4093492) blocks exactly three pairs; every other pair connects:
//!
//! | server \ client | unpatched | Force Updated Clients | Mitigated | Vulnerable |
//! |---|---|---|---|---|
//! | unpatched | allowed | **blocked** (1) | **blocked** (1) | allowed |
//! | Force Updated Clients | **blocked** (2) | allowed | allowed | allowed |
//! | Mitigated | allowed | allowed | allowed | allowed |
//! | Vulnerable | allowed | allowed | allowed | allowed |
//!
//! (1) The patched client refuses the server; mstsc shows "An authentication error has occurred.
//! The function requested is not supported", followed since the April 2018 client update
//! (KB4093120) by a line naming the CredSSP encryption oracle remediation. (2) The server refuses
//! the client; the unpatched client shows the same authentication error without that line
//! (reported by administrators, not stated by Microsoft). The table is
//! [`CREDSSP_INTEROPERABILITY`]; [`CredsspPolicy::refuses_server_version`] and
//! [`CredsspPolicy::refuses_client_version`] reproduce it from the TSRequest versions.
//!
//! [MS-CSSP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cssp/

/// `requestedProtocols` value of Standard RDP Security: no bit set ([MS-RDPBCGR] 2.2.1.1.1).
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/902b090b-9cb3-4efc-92bf-ee13373371e3
pub const PROTOCOL_RDP: u32 = 0x0000_0000;
/// `PROTOCOL_SSL`: TLS ([MS-RDPBCGR] 2.2.1.1.1).
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/902b090b-9cb3-4efc-92bf-ee13373371e3
pub const PROTOCOL_SSL: u32 = 0x0000_0001;
/// `PROTOCOL_HYBRID`: CredSSP, i.e. Network Level Authentication ([MS-RDPBCGR] 2.2.1.1.1).
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/902b090b-9cb3-4efc-92bf-ee13373371e3
pub const PROTOCOL_HYBRID: u32 = 0x0000_0002;
/// `PROTOCOL_RDSTLS` ([MS-RDPBCGR] 2.2.1.1.1).
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/902b090b-9cb3-4efc-92bf-ee13373371e3
pub const PROTOCOL_RDSTLS: u32 = 0x0000_0004;
/// `PROTOCOL_HYBRID_EX`: CredSSP with the Early User Authorization Result ([MS-RDPBCGR] 2.2.1.1.1).
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/902b090b-9cb3-4efc-92bf-ee13373371e3
pub const PROTOCOL_HYBRID_EX: u32 = 0x0000_0008;
/// `PROTOCOL_RDSAAD`: RDS AAD (Microsoft Entra ID) authentication ([MS-RDPBCGR] 2.2.1.1.1).
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/902b090b-9cb3-4efc-92bf-ee13373371e3
pub const PROTOCOL_RDSAAD: u32 = 0x0000_0010;

/// The lowest TSRequest version with the CVE-2018-0886 fix (clientNonce and the SHA-256 binding of
/// the server's public key; [MS-CSSP] 2.2.1, 5.1). A peer that sends a lower version predates it.
///
/// [MS-CSSP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cssp/57c0f867-a053-4c11-b47f-dff91c647405
pub const CREDSSP_FIXED_VERSION: u32 = 5;

/// The names of the [`ClientProfile`] fields an [`Assumption`] can be about.
pub const PROFILE_FIELDS: [&str; 7] = [
    "requested_protocols",
    "retries_with_standard_security",
    "standard_security",
    "tls_versions",
    "suites",
    "credssp",
    "credssp_version",
];

/// One sourced fact behind a [`ClientProfile`] field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assumption {
    /// The profile field it backs (one of [`PROFILE_FIELDS`]).
    pub field: &'static str,
    /// What is assumed, in this project's words.
    pub claim: &'static str,
    /// Where it comes from (document, URL, or repository, commit and path); `"inferred: ..."` with
    /// the reasoning when no source states it.
    pub source: &'static str,
}

/// What one TLS cipher suite is, as far as a client's acceptance of it goes. The caller derives it
/// from the suite's IANA code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SuiteFacts {
    /// A TLS 1.3 suite (`TLS_AES_*`, `TLS_CHACHA20_*`).
    pub tls13: bool,
    /// AEAD bulk encryption (GCM, CCM, ChaCha20-Poly1305); `false` for CBC and stream ciphers.
    pub aead: bool,
    /// Ephemeral key exchange (ECDHE or DHE); `false` for RSA key exchange. TLS 1.3 suites count
    /// as forward secret.
    pub forward_secrecy: bool,
    /// RC4 bulk encryption.
    pub rc4: bool,
    /// Triple-DES bulk encryption.
    pub triple_des: bool,
    /// NULL encryption, anonymous (unauthenticated) key exchange, or an EXPORT-grade suite.
    pub null_or_export: bool,
    /// Elliptic-curve ephemeral key exchange (ECDHE); `false` for DHE and RSA. TLS 1.3 suites leave
    /// it unset (they name no key exchange).
    pub ecdhe: bool,
}

/// Which cipher suites a client offers by default (so which of a server's suites it can use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SuitePolicy {
    /// Windows 7-era SChannel: everything but NULL, anonymous and EXPORT suites, RC4 and 3DES
    /// included; no TLS 1.3.
    LegacyWithRc4,
    /// A broad SChannel list (Windows 10/11): TLS 1.3, AEAD and CBC suites, ECDHE, DHE and RSA key
    /// exchange, 3DES; no RC4, NULL, anonymous or EXPORT suites.
    Any,
    /// OpenSSL's `DEFAULT` list since OpenSSL 1.1.0: like [`SuitePolicy::Any`] without 3DES.
    OpenSslDefault,
    /// rustls: TLS 1.3 suites, and TLS 1.2 AEAD suites with ECDHE key exchange only (rustls has no
    /// DHE suites).
    ModernAeadEcdhe,
}

impl SuitePolicy {
    /// Every policy.
    pub const ALL: [SuitePolicy; 4] = [
        SuitePolicy::LegacyWithRc4,
        SuitePolicy::Any,
        SuitePolicy::OpenSslDefault,
        SuitePolicy::ModernAeadEcdhe,
    ];

    /// The stable snake_case name (identical to the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            SuitePolicy::LegacyWithRc4 => "legacy_with_rc4",
            SuitePolicy::Any => "any",
            SuitePolicy::OpenSslDefault => "open_ssl_default",
            SuitePolicy::ModernAeadEcdhe => "modern_aead_ecdhe",
        }
    }

    /// Whether a client with this policy offers (so can negotiate) the suite described by `suite`.
    pub fn accepts_suite(self, suite: SuiteFacts) -> bool {
        if suite.null_or_export {
            return false;
        }
        match self {
            SuitePolicy::LegacyWithRc4 => !suite.tls13,
            SuitePolicy::Any => !suite.rc4,
            SuitePolicy::OpenSslDefault => !suite.rc4 && !suite.triple_des,
            SuitePolicy::ModernAeadEcdhe => {
                suite.tls13 || (suite.aead && suite.ecdhe && !suite.rc4 && !suite.triple_des)
            }
        }
    }
}

/// How a client (or server) treats a CredSSP peer that predates the CVE-2018-0886 fix: the
/// *Encryption Oracle Remediation* policy of the March 2018 CredSSP update (KB4093492), or
/// [`CredsspPolicy::NoOracleCheck`] for a CredSSP implementation without that policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CredsspPolicy {
    /// *Force Updated Clients* (`AllowEncryptionOracle` = 0): as a client, never falls back to the
    /// old protocol; as a server, refuses clients that predate the fix.
    ForceUpdatedClients,
    /// *Mitigated* (`AllowEncryptionOracle` = 1), the default of patched Windows since the May 2018
    /// update: as a client, never falls back to the old protocol; as a server, accepts old clients.
    Mitigated,
    /// *Vulnerable* (`AllowEncryptionOracle` = 2), the default between the March and May 2018
    /// updates: falls back to the old protocol in both roles.
    Vulnerable,
    /// No remediation policy at all: Windows without the March 2018 update, or a non-Microsoft
    /// implementation (FreeRDP, sspi-rs) that speaks both protocol generations. Refuses no peer for
    /// its version.
    NoOracleCheck,
}

impl CredsspPolicy {
    /// Every policy.
    pub const ALL: [CredsspPolicy; 4] = [
        CredsspPolicy::ForceUpdatedClients,
        CredsspPolicy::Mitigated,
        CredsspPolicy::Vulnerable,
        CredsspPolicy::NoOracleCheck,
    ];

    /// The stable snake_case name (identical to the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            CredsspPolicy::ForceUpdatedClients => "force_updated_clients",
            CredsspPolicy::Mitigated => "mitigated",
            CredsspPolicy::Vulnerable => "vulnerable",
            CredsspPolicy::NoOracleCheck => "no_oracle_check",
        }
    }

    /// The `AllowEncryptionOracle` registry value of the policy
    /// (`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\CredSSP\Parameters`), or
    /// `None` for [`CredsspPolicy::NoOracleCheck`] ([`ALLOW_ENCRYPTION_ORACLE_SOURCE`]).
    pub fn registry_value(self) -> Option<u32> {
        match self {
            CredsspPolicy::ForceUpdatedClients => Some(0),
            CredsspPolicy::Mitigated => Some(1),
            CredsspPolicy::Vulnerable => Some(2),
            CredsspPolicy::NoOracleCheck => None,
        }
    }

    /// The policy whose `AllowEncryptionOracle` value is `value`, or `None`.
    pub fn from_registry_value(value: u32) -> Option<CredsspPolicy> {
        CredsspPolicy::ALL
            .into_iter()
            .find(|p| p.registry_value() == Some(value))
    }

    /// As a client: whether it refuses a server whose TSRequest `version` is `server_version`.
    /// *Force Updated Clients* and *Mitigated* refuse a server that predates the fix (version below
    /// [`CREDSSP_FIXED_VERSION`]); *Vulnerable* and [`CredsspPolicy::NoOracleCheck`] refuse none.
    pub fn refuses_server_version(self, server_version: u32) -> bool {
        match self {
            CredsspPolicy::ForceUpdatedClients | CredsspPolicy::Mitigated => {
                server_version < CREDSSP_FIXED_VERSION
            }
            CredsspPolicy::Vulnerable | CredsspPolicy::NoOracleCheck => false,
        }
    }

    /// As a server: whether it refuses a client whose TSRequest `version` is `client_version`. Only
    /// *Force Updated Clients* refuses a client that predates the fix.
    pub fn refuses_client_version(self, client_version: u32) -> bool {
        match self {
            CredsspPolicy::ForceUpdatedClients => client_version < CREDSSP_FIXED_VERSION,
            CredsspPolicy::Mitigated | CredsspPolicy::Vulnerable | CredsspPolicy::NoOracleCheck => {
                false
            }
        }
    }
}

/// Source of the encryption-oracle policy semantics and the interoperability matrix.
const SRC_KB4093492: &str = "Microsoft KB4093492 'CredSSP updates for CVE-2018-0886' (support.microsoft.com/help/4093492; archived at mskb.pkisolutions.com/kb/4093492): the March 13 2018 update adds the Encryption Oracle Remediation policy, the May 8 2018 update changes its default from Vulnerable to Mitigated; the blocked pairs of its interoperability matrix as quoted at itinlegal.wordpress.com/tag/patches; policy wording paraphrased from the CredSsp.admx text quoted by the CIS benchmark item 18.8.4.1 (tenable.com/audits)";
/// Where the `AllowEncryptionOracle` values of [`CredsspPolicy::registry_value`] come from.
pub const ALLOW_ENCRYPTION_ORACLE_SOURCE: &str = "support.microsoft.com/topic/credssp-updates-for-cve-2018-0886-5cbf9e5f-dc6d-744f-9e97-7ba400d6d3ea as cited in wazuh/wazuh#17897 and #17941 and NVISOsecurity/posh-dsc-windows-hardening#27: 0 = Force Updated Clients, 1 = Mitigated, 2 = Vulnerable";

/// One cell of the KB4093492 interoperability matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CredsspInterop {
    /// The client's policy; `None` = a Windows client without the March 2018 update.
    pub client: Option<CredsspPolicy>,
    /// The server's policy; `None` = a Windows server without the March 2018 update.
    pub server: Option<CredsspPolicy>,
    /// Whether the connection is refused.
    pub blocked: bool,
    /// What the Windows client shows when it is refused, if blocked.
    pub client_error: Option<&'static str>,
    /// Where the cell comes from.
    pub source: &'static str,
}

/// The error mstsc shows when a patched client refuses an unpatched server (wording of the dialog,
/// as reported by administrators: serverfault.com/questions/911590, etechgoodness.wordpress.com
/// 2018-05-22).
pub const ORACLE_REMEDIATION_CLIENT_ERROR: &str = "An authentication error has occurred. The function requested is not supported. ... This could be due to CredSSP encryption oracle remediation.";
/// The error an unpatched client shows when a *Force Updated Clients* server refuses it (inferred:
/// the same SSPI 'function not supported' failure, without the remediation line that only updated
/// clients add).
pub const UNPATCHED_CLIENT_ERROR: &str =
    "An authentication error has occurred. The function requested is not supported.";

const fn cell(
    client: Option<CredsspPolicy>,
    server: Option<CredsspPolicy>,
    client_error: Option<&'static str>,
) -> CredsspInterop {
    CredsspInterop {
        client,
        server,
        blocked: client_error.is_some(),
        client_error,
        source: SRC_KB4093492,
    }
}

/// The KB4093492 interoperability matrix: every (client, server) pair of unpatched Windows and the
/// three policies. Only the three blocked pairs carry an error.
pub static CREDSSP_INTEROPERABILITY: &[CredsspInterop] = {
    use CredsspPolicy::{ForceUpdatedClients as F, Mitigated as M, Vulnerable as V};
    &[
        cell(None, None, None),
        cell(None, Some(F), Some(UNPATCHED_CLIENT_ERROR)),
        cell(None, Some(M), None),
        cell(None, Some(V), None),
        cell(Some(F), None, Some(ORACLE_REMEDIATION_CLIENT_ERROR)),
        cell(Some(F), Some(F), None),
        cell(Some(F), Some(M), None),
        cell(Some(F), Some(V), None),
        cell(Some(M), None, Some(ORACLE_REMEDIATION_CLIENT_ERROR)),
        cell(Some(M), Some(F), None),
        cell(Some(M), Some(M), None),
        cell(Some(M), Some(V), None),
        cell(Some(V), None, None),
        cell(Some(V), Some(F), None),
        cell(Some(V), Some(M), None),
        cell(Some(V), Some(V), None),
    ]
};

/// What one RDP client offers at its default settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientProfile {
    /// Stable lower-case identifier, e.g. `windows11`.
    pub id: &'static str,
    /// Human-readable name and version.
    pub name: &'static str,
    /// `requestedProtocols` of its first RDP_NEG_REQ: [`PROTOCOL_SSL`], [`PROTOCOL_HYBRID`],
    /// [`PROTOCOL_RDSTLS`], [`PROTOCOL_HYBRID_EX`], [`PROTOCOL_RDSAAD`] bits.
    pub requested_protocols: u32,
    /// After RDP_NEG_FAILURE `SSL_NOT_ALLOWED_BY_SERVER` it reconnects (possibly after further
    /// attempts) requesting [`PROTOCOL_RDP`], as mstsc does.
    pub retries_with_standard_security: bool,
    /// It can do Standard RDP Security (RC4 with the server's RSA key) at all.
    pub standard_security: bool,
    /// The TLS versions (`0x0300` SSL 3.0, `0x0301` TLS 1.0 ... `0x0304` TLS 1.3) it can complete a
    /// handshake with at its defaults, ascending.
    pub tls_versions: &'static [u16],
    /// The cipher suites it offers.
    pub suites: SuitePolicy,
    /// How it treats a CredSSP server that predates the CVE-2018-0886 fix.
    pub credssp: CredsspPolicy,
    /// The TSRequest `version` it sends (a server with *Force Updated Clients* refuses one below
    /// [`CREDSSP_FIXED_VERSION`]).
    pub credssp_version: u32,
    /// The facts behind every field, with their sources.
    pub sources: &'static [Assumption],
}

impl ClientProfile {
    /// Whether its Connection Request asks for any of the `protocols` bits.
    pub fn requests(&self, protocols: u32) -> bool {
        self.requested_protocols & protocols != 0
    }

    /// Whether it asks for CredSSP (HYBRID or HYBRID_EX).
    pub fn requests_nla(&self) -> bool {
        self.requests(PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX)
    }

    /// Whether it can complete a TLS handshake at `version` (a TLS `ProtocolVersion`, e.g. `0x0303`).
    pub fn offers_tls_version(&self, version: u16) -> bool {
        self.tls_versions.contains(&version)
    }

    /// The assumptions backing `field` (one of [`PROFILE_FIELDS`]).
    pub fn assumptions_for<'a>(
        &'a self,
        field: &'a str,
    ) -> impl Iterator<Item = &'static Assumption> + 'a {
        self.sources.iter().filter(move |a| a.field == field)
    }
}

const fn a(field: &'static str, claim: &'static str, source: &'static str) -> Assumption {
    Assumption {
        field,
        claim,
        source,
    }
}

/// Sources shared by the Windows 11 profiles.
const W11_TLS_VERSIONS: Assumption = a(
    "tls_versions",
    "TLS 1.2 and 1.3 only: Windows releases after the September 2023 Insider builds ship TLS 1.0 and 1.1 disabled in SChannel, client side included (releases already in market keep them on)",
    "techcommunity.microsoft.com/t5/windows-it-pro-blog/tls-1-0-and-tls-1-1-soon-to-be-disabled-in-windows/ba-p/3887947 (Aug 2023); learn.microsoft.com/windows-server/security/tls/tls-ssl-schannel-ssp-overview (deprecation note)",
);
const W11_TLS13: Assumption = a(
    "tls_versions",
    "TLS 1.3 is offered: SChannel on Windows 11 enables the TLS 1.3 suites by default; that mstsc's TLS credential enables TLS 1.3 for RDP is not stated anywhere read",
    "learn.microsoft.com/windows/win32/secauthn/tls-cipher-suites-in-windows-11 (TLS_AES_256_GCM_SHA384 and TLS_AES_128_GCM_SHA256 first in the default order); inferred: mstsc uses SChannel's defaults",
);
const W11_SUITES: Assumption = a(
    "suites",
    "SChannel's default list: TLS 1.3, ECDHE/DHE AES-GCM, ECDHE AES-CBC and TLS_RSA_* suites; RC4, DES, NULL and EXPORT suites are not enabled; 3DES (TLS_RSA_WITH_3DES_EDE_CBC_SHA) at the end of the default list is unverified (the copy read stopped before the end of the table)",
    "learn.microsoft.com/windows/win32/secauthn/tls-cipher-suites-in-windows-11 and tls-cipher-suites-in-windows-11-v22h2",
);
const W11_CREDSSP: Assumption = a(
    "credssp",
    "Mitigated: the default of every patched Windows since the May 8 2018 update; the client refuses a server that predates the fix",
    SRC_KB4093492,
);
const W11_CREDSSP_VERSION: Assumption = a(
    "credssp_version",
    "TSRequest version 6",
    "inferred: FreeRDP#4502 logs show patched Windows peers at versions 6 and 5 (rdp-codes-and-peers.md 1.7); sspi-rs, written to match Windows, sends 6 (TS_REQUEST_VERSION)",
);
const W11_RETRY: Assumption = a(
    "retries_with_standard_security",
    "after SSL_NOT_ALLOWED_BY_SERVER mstsc reconnects with a Connection Request for PROTOCOL_RDP",
    "inferred: rdp-probe's model of the Windows client (rdp-probe-core engine/negotiation.rs); servers set to the RDP security layer (SecurityLayer=0) answer SSL_NOT_ALLOWED_BY_SERVER (MS-RDPBCGR 2.2.1.2.2) and remain reachable from mstsc, which needs such a reconnect; no Microsoft document describes it",
);
const W11_STANDARD: Assumption = a(
    "standard_security",
    "can still use Standard RDP Security",
    "inferred: current Windows keeps the RDP security layer setting (SecurityLayer 0, learn.microsoft.com unattend microsoft-windows-terminalservices-rdp-winstationextensions-securitylayer) and nothing read says the in-box client dropped it",
);

/// The client profiles rdp-probe knows.
pub static CLIENT_PROFILES: &[ClientProfile] = &[
    ClientProfile {
        id: "windows11",
        name: "Windows 11 Remote Desktop Connection (mstsc), current release, default settings",
        requested_protocols: PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX,
        retries_with_standard_security: true,
        standard_security: true,
        tls_versions: &[0x0303, 0x0304],
        suites: SuitePolicy::Any,
        credssp: CredsspPolicy::Mitigated,
        credssp_version: 6,
        sources: &[
            a(
                "requested_protocols",
                "SSL | HYBRID | HYBRID_EX (0x0B)",
                "Devolutions/IronRDP#314 (maintainer's capture of an mstsc Connection Request: the SSL, HYBRID and HYBRID_EX bits are set)",
            ),
            W11_RETRY,
            W11_STANDARD,
            W11_TLS_VERSIONS,
            W11_TLS13,
            W11_SUITES,
            W11_CREDSSP,
            W11_CREDSSP_VERSION,
        ],
    },
    ClientProfile {
        id: "windows7",
        name: "Windows 7 SP1 Remote Desktop Connection 7.1 (mstsc) as shipped, without later updates",
        requested_protocols: PROTOCOL_SSL | PROTOCOL_HYBRID,
        retries_with_standard_security: true,
        standard_security: true,
        tls_versions: &[0x0300, 0x0301],
        suites: SuitePolicy::LegacyWithRc4,
        credssp: CredsspPolicy::NoOracleCheck,
        credssp_version: 2,
        sources: &[
            a(
                "requested_protocols",
                "SSL | HYBRID (0x03): no HYBRID_EX, whose Early User Authorization Result (MS-RDPBCGR 2.2.10.2) came with later clients",
                "inferred: HYBRID_EX is absent from RDP 7.1-era implementations; no capture of a Windows 7 Connection Request was read",
            ),
            a(
                "retries_with_standard_security",
                "reconnects requesting PROTOCOL_RDP after SSL_NOT_ALLOWED_BY_SERVER, like later mstsc",
                "inferred: same client logic as mstsc on later Windows (see the windows11 profile); not documented",
            ),
            a(
                "standard_security",
                "supports Standard RDP Security (RDP 7.1 still connects to Windows 2000/2003-era servers)",
                "inferred: MS-RDPBCGR appendix A lists Windows 7 for the Standard RDP Security behaviours (learn.microsoft.com/openspecs/windows_protocols/ms-rdpbcgr/cbe1ed0a-d320-4ea5-be5a-f2eb6e032853)",
            ),
            a(
                "tls_versions",
                "SSL 3.0 and TLS 1.0 only: SChannel on Windows 7 SP1 has the SSL 3.0 and TLS 1.0 clients on and the TLS 1.1/1.2 clients off by default; KB3080079 (not read) adds TLS 1.1/1.2 to Remote Desktop on Windows 7 / 2008 R2",
                "Microsoft's SChannel protocol defaults table (learn.microsoft.com 'Protocols in TLS/SSL (Schannel SSP)'), as reproduced at cnblogs.com/ganting/p/11937047.html; inferred: mstsc uses SChannel's client defaults",
            ),
            a(
                "suites",
                "SChannel's Windows 7 list: AES-CBC with RSA and ECDHE key exchange, RC4 (TLS_RSA_WITH_RC4_128_SHA, _MD5) and 3DES; no TLS 1.3",
                "IE 9 ClientHello on Windows 7 SP1 (pastebin.com/Hr1YFppk); gist.github.com/jltrem/bf233dc2f7737c1f08cd87e3e1d4db1d (KB3042058 later changed the order); inferred: mstsc uses the same SChannel list",
            ),
            a(
                "credssp",
                "no remediation policy: Windows 7 as shipped predates the March 2018 CredSSP update, so it refuses no server; a server with Force Updated Clients refuses it",
                SRC_KB4093492,
            ),
            a(
                "credssp_version",
                "TSRequest version 2",
                "FreeRDP PR #3250 quoting MS-CSSP (2016): Windows XP SP3 to Windows Server 2012 implement only version 2 (rdp-codes-and-peers.md 1.7)",
            ),
        ],
    },
    ClientProfile {
        id: "freerdp2",
        name: "FreeRDP 2.11 (xfreerdp) built with OpenSSL 3, default settings",
        requested_protocols: PROTOCOL_SSL | PROTOCOL_HYBRID,
        retries_with_standard_security: true,
        standard_security: true,
        tls_versions: &[0x0303, 0x0304],
        suites: SuitePolicy::OpenSslDefault,
        credssp: CredsspPolicy::NoOracleCheck,
        credssp_version: 6,
        sources: &[
            a(
                "requested_protocols",
                "SSL | HYBRID (0x03): NLA, TLS and RDP security on, extended NLA (HYBRID_EX) off; the first attempt is nego_attempt_nla",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/core/settings.c (NlaSecurity, TlsSecurity, RdpSecurity TRUE, ExtSecurity FALSE) and libfreerdp/core/nego.c nego_attempt_nla",
            ),
            a(
                "retries_with_standard_security",
                "after a failure it reconnects requesting SSL, then PROTOCOL_RDP (two more connections); SSL_NOT_ALLOWED_BY_SERVER makes the RDP attempt carry an RDP_NEG_REQ",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/core/nego.c (nego_attempt_nla, nego_attempt_tls, nego_attempt_rdp; sendNegoData on SSL_NOT_ALLOWED_BY_SERVER)",
            ),
            a(
                "standard_security",
                "Standard RDP Security is on by default (RdpSecurity TRUE)",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/core/settings.c",
            ),
            a(
                "tls_versions",
                "TLS 1.2 and 1.3: FreeRDP sets minimum TLS 1.0 and security level 1, but OpenSSL 3 refuses SSL 3, TLS 1.0 and 1.1 at level 1 (connecting to Windows 7 / 2008 R2 needs /tls-seclevel:0); builds on OpenSSL 1.1.1 still do TLS 1.0 and 1.1",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/core/settings.c (TLSMinVersion TLS1_VERSION, TlsSecLevel 1) and libfreerdp/crypto/tls.c tls_prepare; openssl/openssl commit aba03ae (CHANGES for 3.0); FreeRDP/FreeRDP#7839",
            ),
            a(
                "suites",
                "OpenSSL's DEFAULT list (no AllowedTlsCiphers by default): AEAD and CBC, ECDHE and RSA key exchange; 3DES and RC4 left out since OpenSSL 1.1.0",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/crypto/tls.c (SSL_CTX_set_cipher_list only when AllowedTlsCiphers is set); openssl/openssl commit ef28891 (SWEET32, CVE-2016-2183)",
            ),
            a(
                "credssp",
                "no remediation policy: for a peer below version 5 it uses the pre-2018 public-key echo instead of refusing",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/core/nla.c (peerVersion < 5 branches)",
            ),
            a(
                "credssp_version",
                "TSRequest version 6",
                "FreeRDP/FreeRDP tag 2.11.7 libfreerdp/core/nla.c (nla->version = 6)",
            ),
        ],
    },
    ClientProfile {
        id: "freerdp3_early",
        name: "FreeRDP 3.0 to 3.26 (xfreerdp3, sdl-freerdp3) built with OpenSSL 3, default settings",
        requested_protocols: PROTOCOL_SSL | PROTOCOL_HYBRID,
        retries_with_standard_security: true,
        standard_security: true,
        tls_versions: &[0x0303, 0x0304],
        suites: SuitePolicy::OpenSslDefault,
        credssp: CredsspPolicy::NoOracleCheck,
        credssp_version: 6,
        sources: &[
            a(
                "requested_protocols",
                "SSL | HYBRID (0x03): AAD, RDSTLS and extended NLA off by default",
                "FreeRDP/FreeRDP tag 3.26.0 libfreerdp/core/settings.c and libfreerdp/core/nego.c nego_attempt_nla",
            ),
            a(
                "retries_with_standard_security",
                "reconnects requesting PROTOCOL_RDP: 3.0.0 walks SSL then RDP after a failure as 2.x does; by 3.26.0 SSL_NOT_ALLOWED_BY_SERVER disables every protocol but RDP and the next attempt sends an RDP_NEG_REQ for it",
                "FreeRDP/FreeRDP tags 3.0.0 and 3.26.0 libfreerdp/core/nego.c (nego_attempt_nla, nego_attempt_tls, nego_attempt_rdp; 3.26.0 nego_process_negotiation_failure: nego_disable_all_except(nego, PROTOCOL_RDP), sendNegoData)",
            ),
            a(
                "standard_security",
                "Standard RDP Security is on by default (RdpSecurity TRUE)",
                "FreeRDP/FreeRDP tags 3.0.0 and 3.26.0 libfreerdp/core/settings.c",
            ),
            a(
                "tls_versions",
                "as FreeRDP 2: minimum TLS 1.0 at security level 1, which OpenSSL 3 turns into TLS 1.2 and 1.3 in practice",
                "FreeRDP/FreeRDP tags 3.0.0 to 3.26.0 libfreerdp/core/settings.c (TLSMinVersion TLS1_VERSION, TlsSecLevel 1); FreeRDP/FreeRDP#11234 and #11039 (Windows 7 / 2008 need /tls:seclevel:0 on 3.x)",
            ),
            a(
                "suites",
                "OpenSSL's DEFAULT list: no 3DES, no RC4",
                "FreeRDP/FreeRDP tag 3.26.0 libfreerdp/crypto/tls.c; openssl/openssl commit ef28891",
            ),
            a(
                "credssp",
                "no remediation policy: falls back to the pre-2018 scheme for a peer below version 5",
                "FreeRDP/FreeRDP tag 3.26.0 libfreerdp/core/nla.c (peerVersion < 5 branches)",
            ),
            a(
                "credssp_version",
                "TSRequest version 6",
                "FreeRDP/FreeRDP tag 3.26.0 libfreerdp/core/nla.c (nla->version = 6)",
            ),
        ],
    },
    ClientProfile {
        id: "freerdp3",
        name: "FreeRDP 3.27 or later (xfreerdp3, sdl-freerdp3), default settings",
        requested_protocols: PROTOCOL_SSL | PROTOCOL_HYBRID,
        retries_with_standard_security: true,
        standard_security: true,
        tls_versions: &[0x0303, 0x0304],
        suites: SuitePolicy::OpenSslDefault,
        credssp: CredsspPolicy::NoOracleCheck,
        credssp_version: 6,
        sources: &[
            a(
                "requested_protocols",
                "SSL | HYBRID (0x03): NLA, TLS and RDP security on; AAD, RDSTLS and extended NLA off",
                "FreeRDP/FreeRDP tag 3.30.0 libfreerdp/core/settings.c and libfreerdp/core/nego.c nego_attempt_nla (RequestedProtocols = PROTOCOL_HYBRID | PROTOCOL_SSL)",
            ),
            a(
                "retries_with_standard_security",
                "SSL_NOT_ALLOWED_BY_SERVER disables every protocol but RDP and the next attempt requests PROTOCOL_RDP",
                "FreeRDP/FreeRDP tag 3.30.0 libfreerdp/core/nego.c nego_process_negotiation_failure",
            ),
            a(
                "standard_security",
                "Standard RDP Security is still on by default (RdpSecurity TRUE)",
                "FreeRDP/FreeRDP tag 3.30.0 libfreerdp/core/settings.c",
            ),
            a(
                "tls_versions",
                "minimum TLS 1.2 and OpenSSL security level 2 since 3.27.0 (overridable with /tls:enforce and /tls:seclevel)",
                "FreeRDP/FreeRDP commit c09281f34 '[core,settings] Raise default security level' (#12752), ChangeLog of 3.27.0 (2026-06-15); libfreerdp/core/settings.c (TLS1_2_VERSION, FREERDP_TLS_SECLEVEL_112BIT)",
            ),
            a(
                "suites",
                "OpenSSL's DEFAULT list: no 3DES, no RC4; security level 2 also refuses RSA keys below 2048 bits and SHA-1 signatures",
                "FreeRDP/FreeRDP tag 3.30.0 libfreerdp/crypto/tls.c; openssl/openssl commit ef28891; OpenSSL SSL_CTX_set_security_level(3) (level 2 = 112 bits, RSA 2048)",
            ),
            a(
                "credssp",
                "no remediation policy: falls back to the pre-2018 scheme for a peer below version 5",
                "FreeRDP/FreeRDP tag 3.30.0 libfreerdp/core/nla.c (peerVersion < 5 branches)",
            ),
            a(
                "credssp_version",
                "TSRequest version 6",
                "FreeRDP/FreeRDP tag 3.30.0 libfreerdp/core/nla.c (nla->version = 6)",
            ),
        ],
    },
    ClientProfile {
        id: "ironrdp",
        name: "IronRDP client (ironrdp-connector 0.10, ironrdp-tls with rustls), default settings",
        requested_protocols: PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX,
        retries_with_standard_security: false,
        standard_security: false,
        tls_versions: &[0x0303, 0x0304],
        suites: SuitePolicy::ModernAeadEcdhe,
        credssp: CredsspPolicy::NoOracleCheck,
        credssp_version: 6,
        sources: &[
            a(
                "requested_protocols",
                "SSL | HYBRID | HYBRID_EX (0x0B): enable_tls adds SSL, enable_credssp adds HYBRID and HYBRID_EX, both default to true in the client",
                "Devolutions/IronRDP 18e259cd crates/ironrdp-connector/src/connection.rs (enabled_security_protocols) and crates/ironrdp-client/src/config.rs (enable_tls/enable_credssp unwrap_or(true))",
            ),
            a(
                "retries_with_standard_security",
                "no fallback: an RDP_NEG_FAILURE ends the connector with a negotiation error",
                "Devolutions/IronRDP 18e259cd crates/ironrdp-connector/src/connection.rs (ConnectionConfirm::Failure returns ConnectorErrorKind::Negotiation)",
            ),
            a(
                "standard_security",
                "no Standard RDP Security over TCP: only the unencrypted ENCRYPTION_LEVEL_NONE variant, opt-in for local named pipes",
                "Devolutions/IronRDP 18e259cd crates/ironrdp-connector/src/lib.rs (Config::enable_standard_rdp_security) and connection.rs",
            ),
            a(
                "tls_versions",
                "TLS 1.2 and 1.3 (rustls supports neither SSL nor TLS 1.0/1.1)",
                "Devolutions/IronRDP 18e259cd crates/ironrdp-tls/Cargo.toml (tokio-rustls with tls12) and src/rustls.rs; rustls manual 'Non-features' (rustls/src/manual/features.rs) as quoted in rdp-inventory.md 6.2",
            ),
            a(
                "suites",
                "rustls' suites: TLS 1.3, and TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305; no CBC, RSA key exchange, DHE, 3DES or RC4",
                "rustls manual 'Non-features' (rustls/src/manual/features.rs) as quoted in rdp-inventory.md 6.2; IronRDP#714 (no suite in common with Windows Server 2012 R2)",
            ),
            a(
                "credssp",
                "no remediation policy: sspi-rs uses the pre-2018 public-key echo for a peer below version 5",
                "sspi 0.23 src/credssp/mod.rs (encrypt_public_key / decrypt_public_key), as read for rdp-codes-and-peers.md 1.7",
            ),
            a(
                "credssp_version",
                "TSRequest version 6",
                "sspi 0.23 src/credssp (TS_REQUEST_VERSION = 6), as read for rdp-codes-and-peers.md 1.7",
            ),
        ],
    },
    ClientProfile {
        id: "no_nla",
        name: "Windows 11 mstsc with NLA turned off (enablecredsspsupport:i:0 in the .rdp file)",
        requested_protocols: PROTOCOL_SSL,
        retries_with_standard_security: true,
        standard_security: true,
        tls_versions: &[0x0303, 0x0304],
        suites: SuitePolicy::Any,
        credssp: CredsspPolicy::Mitigated,
        credssp_version: 6,
        sources: &[
            a(
                "requested_protocols",
                "SSL only (0x01): with CredSSP off the client cannot offer HYBRID or HYBRID_EX; a server that requires NLA answers HYBRID_REQUIRED_BY_SERVER",
                "learn.microsoft.com/windows/win32/termserv/imsrdpclientnonscriptable3-enablecredsspsupport (the property behind the .rdp setting turns CredSSP off); inferred: the remaining request is SSL, as FreeRDP with NLA off requests (FreeRDP/FreeRDP#9323 log: 'Attempting TLS security'); no capture of mstsc read",
            ),
            W11_RETRY,
            W11_STANDARD,
            W11_TLS_VERSIONS,
            W11_TLS13,
            W11_SUITES,
            a(
                "credssp",
                "Mitigated (the Windows default), never exercised: the profile does not request CredSSP",
                SRC_KB4093492,
            ),
            a(
                "credssp_version",
                "version 6 as in the windows11 profile, never sent",
                "inferred: same CredSSP package as the windows11 profile",
            ),
        ],
    },
];

/// The profile with this id, or `None`.
pub fn client_profile(id: &str) -> Option<&'static ClientProfile> {
    CLIENT_PROFILES.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const KNOWN_BITS: u32 =
        PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_RDSTLS | PROTOCOL_HYBRID_EX | PROTOCOL_RDSAAD;

    #[test]
    fn ids_are_unique_and_lower_snake() {
        let mut ids = HashSet::new();
        for p in CLIENT_PROFILES {
            assert!(ids.insert(p.id), "duplicate id {}", p.id);
            assert!(
                !p.id.is_empty()
                    && p.id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "bad id {}",
                p.id
            );
            assert!(!p.name.trim().is_empty());
        }
        for id in [
            "windows11",
            "windows7",
            "freerdp2",
            "freerdp3",
            "ironrdp",
            "no_nla",
        ] {
            assert!(ids.contains(id), "missing profile {id}");
        }
    }

    #[test]
    fn every_field_has_a_sourced_assumption() {
        for p in CLIENT_PROFILES {
            for field in PROFILE_FIELDS {
                assert!(
                    p.assumptions_for(field).next().is_some(),
                    "{}: no assumption for {field}",
                    p.id
                );
            }
            for a in p.sources {
                assert!(
                    PROFILE_FIELDS.contains(&a.field),
                    "{}: unknown field {}",
                    p.id,
                    a.field
                );
                assert!(!a.claim.trim().is_empty(), "{}: empty claim", p.id);
                assert!(!a.source.trim().is_empty(), "{}: empty source", p.id);
                if a.source.to_ascii_lowercase().starts_with("inferred") {
                    assert!(a.source.starts_with("inferred: "), "{}: {}", p.id, a.source);
                }
            }
        }
    }

    #[test]
    fn profiles_are_consistent() {
        for p in CLIENT_PROFILES {
            assert_eq!(p.requested_protocols & !KNOWN_BITS, 0, "{}", p.id);
            if p.requests(PROTOCOL_HYBRID_EX) {
                assert!(
                    p.requests(PROTOCOL_HYBRID),
                    "{}: HYBRID_EX without HYBRID",
                    p.id
                );
            }
            if p.retries_with_standard_security {
                assert!(p.standard_security, "{}", p.id);
            }
            if !p.standard_security {
                assert_ne!(p.requested_protocols, PROTOCOL_RDP, "{}", p.id);
            }
            // Every enhanced protocol runs over TLS, so a profile requesting one offers TLS versions.
            assert_eq!(
                p.requested_protocols != PROTOCOL_RDP,
                !p.tls_versions.is_empty(),
                "{}",
                p.id
            );
            assert!(p.tls_versions.windows(2).all(|w| w[0] < w[1]), "{}", p.id);
            assert!(
                p.tls_versions.iter().all(|v| (0x0300..=0x0304).contains(v)),
                "{}",
                p.id
            );
            assert!(p.credssp_version >= 2 && p.credssp_version <= 6, "{}", p.id);
            // A client with a remediation policy is a patched Windows client.
            if p.credssp != CredsspPolicy::NoOracleCheck {
                assert!(p.credssp_version >= CREDSSP_FIXED_VERSION, "{}", p.id);
            }
            // TLS 1.3 suites only matter to a client that offers TLS 1.3.
            let tls13 = SuiteFacts {
                tls13: true,
                aead: true,
                forward_secrecy: true,
                ..SuiteFacts::default()
            };
            assert_eq!(
                p.suites.accepts_suite(tls13),
                p.offers_tls_version(0x0304),
                "{}",
                p.id
            );
        }
    }

    #[test]
    fn key_facts() {
        let get = |id| client_profile(id).expect("profile");
        assert_eq!(get("windows11").requested_protocols, 0x0B);
        assert_eq!(get("ironrdp").requested_protocols, 0x0B);
        assert_eq!(get("freerdp2").requested_protocols, 0x03);
        assert_eq!(get("no_nla").requested_protocols, PROTOCOL_SSL);
        assert!(!get("no_nla").requests_nla());
        assert!(get("windows7").offers_tls_version(0x0301));
        assert!(!get("windows7").offers_tls_version(0x0303));
        assert!(!get("freerdp3").offers_tls_version(0x0301));
        assert!(!get("ironrdp").standard_security);
        assert!(!get("ironrdp").retries_with_standard_security);
        assert_eq!(get("windows11").credssp, CredsspPolicy::Mitigated);
        assert_eq!(get("windows7").credssp_version, 2);
        assert_eq!(client_profile("nope"), None);
    }

    #[test]
    fn credssp_policy_behaviour() {
        use CredsspPolicy::*;
        for v in 2..5 {
            assert!(ForceUpdatedClients.refuses_server_version(v));
            assert!(Mitigated.refuses_server_version(v));
            assert!(!Vulnerable.refuses_server_version(v));
            assert!(!NoOracleCheck.refuses_server_version(v));
            assert!(ForceUpdatedClients.refuses_client_version(v));
            assert!(!Mitigated.refuses_client_version(v));
            assert!(!Vulnerable.refuses_client_version(v));
            assert!(!NoOracleCheck.refuses_client_version(v));
        }
        for p in CredsspPolicy::ALL {
            for v in [5, 6, 7] {
                assert!(!p.refuses_server_version(v), "{p:?} {v}");
                assert!(!p.refuses_client_version(v), "{p:?} {v}");
            }
        }
        assert_eq!(ForceUpdatedClients.registry_value(), Some(0));
        assert_eq!(Mitigated.registry_value(), Some(1));
        assert_eq!(Vulnerable.registry_value(), Some(2));
        assert_eq!(NoOracleCheck.registry_value(), None);
        for p in [ForceUpdatedClients, Mitigated, Vulnerable] {
            assert_eq!(
                p.registry_value()
                    .and_then(CredsspPolicy::from_registry_value),
                Some(p)
            );
        }
        assert_eq!(CredsspPolicy::from_registry_value(3), None);
        assert!(ALLOW_ENCRYPTION_ORACLE_SOURCE.contains("0 = Force Updated Clients"));
    }

    /// The methods reproduce every cell of the KB4093492 matrix: an unpatched peer speaks version 2
    /// (Windows 7 era) and has no policy; a patched one speaks 6.
    #[test]
    fn interoperability_matrix_matches_the_methods() {
        assert_eq!(CREDSSP_INTEROPERABILITY.len(), 16);
        let mut pairs = HashSet::new();
        for cell in CREDSSP_INTEROPERABILITY {
            assert!(pairs.insert((cell.client, cell.server)));
            let version = |p: Option<CredsspPolicy>| if p.is_some() { 6 } else { 2 };
            let policy = |p: Option<CredsspPolicy>| p.unwrap_or(CredsspPolicy::NoOracleCheck);
            let blocked = policy(cell.client).refuses_server_version(version(cell.server))
                || policy(cell.server).refuses_client_version(version(cell.client));
            assert_eq!(
                blocked, cell.blocked,
                "{:?} x {:?}",
                cell.client, cell.server
            );
            assert_eq!(cell.blocked, cell.client_error.is_some());
        }
        let blocked: Vec<_> = CREDSSP_INTEROPERABILITY
            .iter()
            .filter(|c| c.blocked)
            .map(|c| (c.client, c.server))
            .collect();
        assert_eq!(
            blocked,
            [
                (None, Some(CredsspPolicy::ForceUpdatedClients)),
                (Some(CredsspPolicy::ForceUpdatedClients), None),
                (Some(CredsspPolicy::Mitigated), None),
            ]
        );
    }

    #[test]
    fn suite_policies() {
        let f = |tls13, aead, fs, rc4, des3, null| SuiteFacts {
            tls13,
            aead,
            forward_secrecy: fs,
            rc4,
            triple_des: des3,
            null_or_export: null,
            ecdhe: false,
        };
        let ecdhe = |s: SuiteFacts| SuiteFacts { ecdhe: true, ..s };
        let tls13 = f(true, true, true, false, false, false);
        let ecdhe_gcm = ecdhe(f(false, true, true, false, false, false));
        let ecdhe_cbc = ecdhe(f(false, false, true, false, false, false));
        let dhe_gcm = f(false, true, true, false, false, false);
        let rsa_gcm = f(false, true, false, false, false, false);
        let rsa_cbc = f(false, false, false, false, false, false);
        let rsa_3des = f(false, false, false, false, true, false);
        let rsa_rc4 = f(false, false, false, true, false, false);
        let null = f(false, false, false, false, false, true);
        use SuitePolicy::*;
        let expect: [(SuitePolicy, [bool; 8]); 4] = [
            (
                LegacyWithRc4,
                [false, true, true, true, true, true, true, false],
            ),
            (Any, [true, true, true, true, true, true, false, false]),
            (
                OpenSslDefault,
                [true, true, true, true, true, false, false, false],
            ),
            (
                ModernAeadEcdhe,
                [true, true, false, false, false, false, false, false],
            ),
        ];
        let suites = [
            tls13, ecdhe_gcm, ecdhe_cbc, rsa_gcm, rsa_cbc, rsa_3des, rsa_rc4, null,
        ];
        for (policy, row) in expect {
            for (suite, want) in suites.iter().zip(row) {
                assert_eq!(policy.accepts_suite(*suite), want, "{policy:?} {suite:?}");
            }
        }
        // rustls has no DHE suites; everyone else takes DHE with AES-GCM.
        assert!(!ModernAeadEcdhe.accepts_suite(dhe_gcm));
        for policy in [LegacyWithRc4, Any, OpenSslDefault] {
            assert!(policy.accepts_suite(dhe_gcm), "{policy:?}");
        }
    }

    #[test]
    fn serde_names() {
        for p in SuitePolicy::ALL {
            let json = serde_json::to_string(&p).expect("serialize");
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(
                serde_json::from_str::<SuitePolicy>(&json).expect("deserialize"),
                p
            );
        }
        for p in CredsspPolicy::ALL {
            let json = serde_json::to_string(&p).expect("serialize");
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(
                serde_json::from_str::<CredsspPolicy>(&json).expect("deserialize"),
                p
            );
        }
        let v = serde_json::to_value(client_profile("windows11").expect("profile")).expect("json");
        assert_eq!(v["id"], "windows11");
        assert_eq!(v["suites"], "any");
        assert_eq!(v["credssp"], "mitigated");
        assert_eq!(v["requested_protocols"], 11);
    }
}
