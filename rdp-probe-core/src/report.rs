//! The report: the verdict, the failure, the Windows client's pair, the phase timeline and every fact learned.
//!
//! Its JSON form is the contract `rdp-probe/1` (see README.md): field names and code numbers are stable.

use rdp_probe_codes::StopReason;
use serde::Serialize;

use crate::cert::CertificateSummary;
use crate::failure::{Code, Detail, Failure};
use crate::phase::PhaseRecord;
use crate::standard_security::{ChainCertificate, MacForm, SignatureCheck};
use crate::{Phase, Protocols, Target};

/// The schema identifier of the JSON form.
pub const SCHEMA: &str = "rdp-probe/1";

/// The verdict, with exactly the data each verdict carries. In JSON it is flattened into the report:
/// `verdict` names it, and `outcome`, `failure` + `mstsc`, or `stop` follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The whole connection sequence completed, or the server redirected the client.
    Connected {
        /// Which of the two.
        outcome: Outcome,
    },
    /// The connection failed.
    Failed {
        /// Where and why.
        failure: FailureReport,
        /// The pair the Windows client would show.
        mstsc: MstscReport,
    },
    /// The server requires Network Level Authentication and no credentials were given.
    NeedsCredentials {
        /// Where the probe stopped.
        stop: StopReport,
    },
    /// The probe met something it does not implement (or a bug of its own). Not a server fault.
    Inconclusive {
        /// What it met.
        stop: StopReport,
    },
    /// The probe had credentials but sent nothing derived from the password: nothing vouched for the
    /// server's identity ([`crate::Trust`]). `trust` in the report has the fingerprint to pin.
    CredentialsWithheld {
        /// Where the probe stopped.
        stop: StopReport,
    },
}

impl Verdict {
    /// The verdict without its data.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Connected { .. } => VerdictKind::Connected,
            Verdict::Failed { .. } => VerdictKind::Failed,
            Verdict::NeedsCredentials { .. } => VerdictKind::NeedsCredentials,
            Verdict::Inconclusive { .. } => VerdictKind::Inconclusive,
            Verdict::CredentialsWithheld { .. } => VerdictKind::CredentialsWithheld,
        }
    }
}

/// The name of a verdict, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The whole connection sequence completed (or the server redirected the client: see `outcome`).
    Connected,
    /// The connection failed; `failure` says where and why.
    Failed,
    /// The server requires Network Level Authentication and no credentials were given.
    NeedsCredentials,
    /// The probe met something it does not implement; `stop` says what. Not a server fault.
    Inconclusive,
    /// The probe withheld its credentials from a server nothing vouched for; `stop` says where.
    CredentialsWithheld,
}

impl VerdictKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Connected => "connected",
            VerdictKind::Failed => "failed",
            VerdictKind::NeedsCredentials => "needs_credentials",
            VerdictKind::Inconclusive => "inconclusive",
            VerdictKind::CredentialsWithheld => "credentials_withheld",
        }
    }
}

/// How a connected probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The connection sequence completed.
    Connected,
    /// The server sent a Server Redirection PDU ([MS-RDPBCGR] 2.2.13.1); the probe does not follow it.
    Redirected,
}

impl Outcome {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Connected => "connected",
            Outcome::Redirected => "redirected",
        }
    }
}

/// The failure, as reported (`failure` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FailureReport {
    /// The phase the probe stopped in.
    pub phase: Phase,
    /// A stable snake_case kind.
    pub kind: &'static str,
    /// The code.
    pub code: Code,
    /// One line.
    pub message: String,
    /// What to check.
    pub hint: String,
    /// The typed detail behind `message`, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
}

impl From<&Failure> for FailureReport {
    fn from(f: &Failure) -> Self {
        Self {
            phase: f.phase,
            kind: f.kind.kind_str(),
            code: f.code(),
            message: f.kind.message(),
            hint: f.hint(),
            detail: f.kind.detail(),
        }
    }
}

/// Why a probe stopped without a failure (`stop` in JSON, for `needs_credentials` and `inconclusive`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StopReport {
    /// The phase.
    pub phase: Phase,
    /// Why (a stable snake_case name in JSON).
    pub reason: StopReason,
    /// One line.
    pub message: String,
    /// What to do.
    pub hint: String,
    /// For `internal_error` and `probe_limit`: the engine state the probe was in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
}

/// The Windows client's pair (`mstsc` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MstscReport {
    /// `IMsTscAxEvents::OnDisconnected` discReason.
    pub disconnect_reason: u32,
    /// `ExtendedDisconnectReason`.
    pub extended_reason: u32,
    /// Whether the mapping is derived rather than documented.
    pub derived: bool,
    /// What the Windows client would say.
    pub text: String,
    /// The id of the mapping rule.
    pub rule: &'static str,
}

impl From<rdp_probe_codes::mstsc::MstscPair> for MstscReport {
    fn from(pair: rdp_probe_codes::mstsc::MstscPair) -> Self {
        MstscReport {
            disconnect_reason: pair.disconnect_reason,
            extended_reason: pair.extended_reason,
            derived: pair.derived,
            text: pair.text,
            rule: pair.rule,
        }
    }
}

/// The target as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TargetReport {
    /// Host as given.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The address connected to, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// One RDP_NEG_FAILURE met on the way (a probe that falls back records the first answer here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NegotiationFailureFact {
    /// What the client requested.
    pub requested: Protocols,
    /// The raw `failureCode`.
    pub code: u32,
    /// Its name.
    pub name: String,
}

/// The negotiated TLS session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TlsFacts {
    /// The protocol version, as admin tools write it: `TLSv1.0` ... `TLSv1.3`
    /// ([`rdp_probe_codes::tls_names::version_report_name`]).
    pub version: String,
    /// Its number on the wire (`0x0304` = 772 for TLS 1.3).
    pub version_id: u16,
    /// The cipher suite's IANA name, e.g. `TLS_AES_256_GCM_SHA384`
    /// ([`rdp_probe_codes::tls_names::cipher_suite_report_name`]).
    pub cipher_suite: String,
    /// Its IANA code point (`0x1302` = 4866).
    pub cipher_suite_id: u16,
}

impl TlsFacts {
    /// The facts of a session with protocol version `version` and cipher suite `cipher_suite` (wire
    /// numbers), named as [`rdp_probe_codes::tls_names`] names them.
    ///
    /// ```
    /// let t = rdp_probe_core::report::TlsFacts::new(0x0304, 0x1302);
    /// assert_eq!((t.version.as_str(), t.cipher_suite.as_str()), ("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
    /// ```
    pub fn new(version: u16, cipher_suite: u16) -> Self {
        use rdp_probe_codes::tls_names;
        Self {
            version: tls_names::version_report_name(version).into_owned(),
            version_id: version,
            cipher_suite: tls_names::cipher_suite_report_name(cipher_suite).into_owned(),
            cipher_suite_id: cipher_suite,
        }
    }
}

/// Standard RDP Security parameters from the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StandardSecurityFacts {
    /// Raw `encryptionMethod`.
    pub encryption_method: u32,
    /// Its name.
    pub encryption_method_name: &'static str,
    /// Raw `encryptionLevel`.
    pub encryption_level: u32,
    /// Its name.
    pub encryption_level_name: &'static str,
    /// Length of the server random, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_random_len: Option<usize>,
    /// `proprietary` or `x509` or `unknown_N`, if a certificate was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<String>,
    /// RSA key size of the server's key (the proprietary certificate's, or the X.509 chain's last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsa_key_bits: Option<u32>,
    /// Certificate length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_len: Option<usize>,
    /// Whether a proprietary certificate is signed with the Terminal Services signing key
    /// ([MS-RDPBCGR] 5.3.3.1.3). A valid signature proves nothing about the server's identity: the
    /// signing key's private half is published in the specification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_signature: Option<SignatureCheck>,
    /// An X.509 chain's certificates, root first ([MS-RDPBCGR] 5.3.3.2); not validated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub x509_chain: Vec<ChainCertificate>,
    /// What crossed the encryption layer, once the Security Exchange was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<StandardSecurityTraffic>,
}

/// What crossed the Standard RDP Security encryption layer ([MS-RDPBCGR] 5.3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StandardSecurityTraffic {
    /// Length of the Security Exchange's encrypted client random, padding included.
    pub encrypted_client_random_len: usize,
    /// The MAC form the probe sends (the plain MAC, as the Windows client of [MS-RDPBCGR] 4.1 does).
    pub mac_sent: MacForm,
    /// Client PDUs encrypted.
    pub sealed: u32,
    /// Server PDUs decrypted, MAC verified.
    pub opened: u32,
    /// Server PDUs whose flags asked for the salted MAC (`SEC_SECURE_CHECKSUM`).
    pub salted_macs_received: u32,
    /// RC4 key updates made for sending ([MS-RDPBCGR] 5.3.7).
    pub key_updates_sent: u32,
    /// RC4 key updates made for receiving.
    pub key_updates_received: u32,
    /// Whether the probe encrypted its own licensing PDUs (the server said it takes them so).
    pub licensing_encrypted: bool,
}

impl Default for StandardSecurityTraffic {
    fn default() -> Self {
        Self {
            encrypted_client_random_len: 0,
            mac_sent: MacForm::Plain,
            sealed: 0,
            opened: 0,
            salted_macs_received: 0,
            key_updates_sent: 0,
            key_updates_received: 0,
            licensing_encrypted: false,
        }
    }
}

/// NTLM CHALLENGE facts (learned without credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NtlmFacts {
    /// NetBIOS computer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netbios_computer: Option<String>,
    /// NetBIOS domain name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netbios_domain: Option<String>,
    /// DNS computer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_computer: Option<String>,
    /// DNS domain name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_domain: Option<String>,
    /// DNS tree name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_tree: Option<String>,
    /// OS version `major.minor.build`, as the CHALLENGE's `Version` field states it ([MS-NLMP]
    /// 2.2.2.10). WinPR-based servers (FreeRDP) put a fixed value there, so it names the NTLM
    /// implementation's claim, not necessarily the OS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// `TargetName` of the CHALLENGE ([MS-NLMP] 2.2.1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// The server's clock from `MsvAvTimestamp` (AV_PAIR 7, [MS-NLMP] 2.2.2.1), RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_time: Option<String>,
    /// The server's clock minus the probe's when the CHALLENGE arrived, in seconds (from
    /// `MsvAvTimestamp`; positive: the server is ahead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_offset_s: Option<i64>,
}

/// 100-ns FILETIME ticks per second ([MS-DTYP] 2.3.3).
const FILETIME_TICKS_PER_SECOND: u64 = 10_000_000;
/// Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01 (the Unix epoch).
const FILETIME_UNIX_OFFSET_S: i64 = 11_644_473_600;

/// Seconds since the Unix epoch of a FILETIME ([MS-DTYP] 2.3.3).
///
/// ```
/// // 2024-01-01T00:00:00Z
/// assert_eq!(rdp_probe_core::report::filetime_to_unix(133_485_408_000_000_000), 1_704_067_200);
/// ```
pub fn filetime_to_unix(filetime: u64) -> i64 {
    i64::try_from(filetime / FILETIME_TICKS_PER_SECOND).unwrap_or(i64::MAX) - FILETIME_UNIX_OFFSET_S
}

/// An errorInfo value the server sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrInfoFact {
    /// The raw value.
    pub value: u32,
    /// Its name.
    pub name: String,
    /// The phase it arrived in.
    pub phase: Phase,
}

/// Licensing as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LicensingFacts {
    /// `valid_client` (the server needed no license exchange), `license_exchange`, `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// The licensing message types received (bMsgType).
    pub messages: Vec<u8>,
}

/// A Server Redirection PDU as received ([MS-RDPBCGR] 2.2.13.1): where the server sends the client.
/// The password and the load-balance cookie's contents are never kept, only whether they were sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RedirectionFacts {
    /// `enhanced` (a Share Control PDU, [MS-RDPBCGR] 2.2.13.3.1) or `standard` (a security header
    /// with SEC_REDIRECTION_PKT, 2.2.13.2.1).
    pub form: &'static str,
    /// The raw `pduType` (enhanced form) or security header flags (standard form).
    pub form_bits: u16,
    /// The packet's `SessionID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<u32>,
    /// The raw `RedirFlags` (LB_* bits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redir_flags: Option<u32>,
    /// `TargetNetAddress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_net_address: Option<String>,
    /// `TargetNetAddresses`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_net_addresses: Vec<String>,
    /// `TargetFQDN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_fqdn: Option<String>,
    /// `TargetNetBiosName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_netbios_name: Option<String>,
    /// The length of `LoadBalanceInfo` (the routing token or cookie; its contents are not kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balance_info_len: Option<usize>,
    /// `UserName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `Domain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Whether a password (or cookie in its place) was sent; it is never kept.
    pub password_present: bool,
    /// Where the packet stopped decoding, if it did not decode whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed: Option<Detail>,
}

impl RedirectionFacts {
    /// The facts of a decoded (or undecodable) redirection.
    pub fn new(
        form: rdp_probe_wire::share::RedirectionForm,
        packet: Result<
            Box<rdp_probe_wire::redirection::ServerRedirection>,
            rdp_probe_wire::DecodeError,
        >,
    ) -> Self {
        use rdp_probe_wire::share::RedirectionForm;
        let (form, form_bits) = match form {
            RedirectionForm::Enhanced { pdu_type } => ("enhanced", pdu_type),
            RedirectionForm::Standard { sec_flags } => ("standard", sec_flags),
        };
        let mut facts = Self {
            form,
            form_bits,
            session_id: None,
            redir_flags: None,
            target_net_address: None,
            target_net_addresses: Vec::new(),
            target_fqdn: None,
            target_netbios_name: None,
            load_balance_info_len: None,
            user_name: None,
            domain: None,
            password_present: false,
            malformed: None,
        };
        match packet {
            Ok(r) => {
                let r = *r;
                facts.session_id = Some(r.session_id);
                facts.redir_flags = Some(r.redir_flags);
                facts.target_net_address = r.target_net_address;
                facts.target_net_addresses = r.target_net_addresses;
                facts.target_fqdn = r.target_fqdn;
                facts.target_netbios_name = r.target_netbios_name;
                facts.load_balance_info_len = r.load_balance_info_len;
                facts.user_name = r.user_name;
                facts.domain = r.domain;
                facts.password_present = r.password_present;
            }
            Err(error) => {
                facts.malformed = Some(Detail::decode(
                    crate::failure::Pdu::ServerRedirection,
                    &error,
                ));
            }
        }
        facts
    }
}

/// Every fact learned about the server on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServerFacts {
    /// What the client requested in its (last) X.224 Connection Request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_protocols: Option<Protocols>,
    /// The selected protocol: `rdp`, `ssl`, `hybrid`, `hybrid_ex`, `rdstls`, `rdsaad` or `unknown_0x..`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_protocol: Option<String>,
    /// Raw RDP_NEG_RSP flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiation_flags: Option<u8>,
    /// Names of the RDP_NEG_RSP flags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub negotiation_flag_names: Vec<&'static str>,
    /// The server answered without negotiation data (Windows 2000/XP/2003-era servers).
    pub legacy_negotiation: bool,
    /// Every RDP_NEG_FAILURE met.
    pub negotiation_failures: Vec<NegotiationFailureFact>,
    /// TLS session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFacts>,
    /// The TLS certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSummary>,
    /// The server's CredSSP (TSRequest) version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credssp_version: Option<u32>,
    /// NTLM host facts from the CHALLENGE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntlm: Option<NtlmFacts>,
    /// Early User Authorization Result (HYBRID_EX).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_user_auth_result: Option<u32>,
    /// Server Core Data `version` ([MS-RDPBCGR] 2.2.1.4.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdp_version: Option<u32>,
    /// Its name, e.g. `RDP 10.7`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdp_version_name: Option<String>,
    /// Server Core Data `earlyCapabilityFlags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_capability_flags: Option<u32>,
    /// Server Core Data `clientRequestedProtocols` echo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_requested_protocols_echo: Option<u32>,
    /// Standard RDP Security parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard_security: Option<StandardSecurityFacts>,
    /// Licensing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licensing: Option<LicensingFacts>,
    /// The Server Redirection PDU, when the server redirected the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirection: Option<RedirectionFacts>,
    /// Every Set Error Info received, in order.
    pub errinfo_received: Vec<ErrInfoFact>,
    /// Logon error notifications (Save Session Info, type and data).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logon_errors: Vec<(u32, u32)>,
}

/// The result of one probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The target.
    pub target: TargetReport,
    /// The verdict and its data.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The phase timeline.
    pub phases: Vec<PhaseRecord>,
    /// What was learned about the server.
    pub server: ServerFacts,
    /// Conclusions about the server beyond the verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Whether the server's identity was trusted with the credentials, when the probe had some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustReport>,
    /// The legacy-TLS attempt, when the modern TLS handshake failed the way an older client would get
    /// past ([`crate::LegacyTls`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_tls: Option<LegacyTlsReport>,
    /// How the logon authenticated (Kerberos or NTLM, and why), when the probe had credentials and
    /// reached CredSSP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication: Option<AuthenticationReport>,
    /// Total time, in milliseconds.
    pub elapsed_ms: f64,
}

/// The decision on sending credentials to the server ([`crate::Trust`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TrustReport {
    /// What decided.
    pub decision: TrustDecision,
    /// SHA-256 of the server's certificate (lowercase hex), as `--trust-cert sha256:` takes it; absent
    /// under Standard RDP Security, which has no such certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Why the chain did not vouch for the server, when it did not (the verifier's words).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_problem: Option<String>,
}

/// What decided whether the credentials went to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrustDecision {
    /// The chain is valid for the host against the system roots and the extra roots.
    ChainValid,
    /// The certificate matches a pinned fingerprint.
    Pinned,
    /// Any server may have them (`--trust-cert any`).
    Any,
    /// The user said yes after seeing the certificate.
    Confirmed,
    /// Withheld: nothing vouched for the server (or the user said no).
    Withheld,
}

impl TrustDecision {
    /// The snake_case name (`trust.decision` in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            TrustDecision::ChainValid => "chain_valid",
            TrustDecision::Pinned => "pinned",
            TrustDecision::Any => "any",
            TrustDecision::Confirmed => "confirmed",
            TrustDecision::Withheld => "withheld",
        }
    }
}

/// A conclusion about the server beyond the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// The server completes TLS only with a TLS stack of the TLS 1.0/1.1 era (an old version, or only
    /// CBC, RSA key exchange or DHE suites): current clients that disable those fail in `tls`.
    OnlyLegacyTls,
}

/// The second attempt over a legacy TLS stack ([`crate::LegacyTls`]): what it got and how far.
///
/// The facts it learned (`server.tls`, the certificate, CredSSP, licensing, errinfo) are in `server`;
/// its phases are those of `phases` with its `attempt` number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LegacyTlsReport {
    /// The attempt's number in `phases`.
    pub attempt: u32,
    /// Whether the attempt's ending is the report's verdict (`--allow-legacy-tls`); otherwise the
    /// verdict is the modern TLS failure, `modern_failure`.
    pub decides_verdict: bool,
    /// The modern handshake's failure, which started the attempt.
    pub modern_failure: FailureReport,
    /// The TLS session the legacy handshake established, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFacts>,
    /// The last phase the attempt reached.
    pub reached: Phase,
    /// How the attempt ended, as a verdict with its data.
    pub ending: Verdict,
}

/// How the logon authenticated (`authentication` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuthenticationReport {
    /// The security package of the last logon attempt, the one the verdict comes from.
    pub package: AuthPackage,
    /// Why Kerberos was not tried, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kerberos_not_tried: Option<KerberosSkip>,
    /// The Kerberos attempt, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kerberos: Option<KerberosReport>,
    /// The DNS SRV lookup for the KDC, when one was made ([`crate::ProbeOptions::find_kdc`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kdc_lookup: Option<KdcLookupReport>,
}

/// The DNS SRV lookup for the realm's KDC (`authentication.kdc_lookup` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KdcLookupReport {
    /// The name asked (`_kerberos._tcp.<REALM>`).
    pub name: String,
    /// The DNS server asked, when one was given (else the system's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// The DNS RCODE of the reply (0 no error, 3 NXDOMAIN, ...), when one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode: Option<u8>,
    /// The KDCs the SRV records name, in RFC 2782 order (`host:port`); the first is used.
    pub kdcs: Vec<String>,
    /// Why there is no usable answer, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A security package inside SPNEGO / CredSSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthPackage {
    /// Kerberos ([MS-KILE]).
    ///
    /// [MS-KILE]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/
    Kerberos,
    /// NTLM ([MS-NLMP]).
    ///
    /// [MS-NLMP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/
    Ntlm,
}

/// Why the logon did not try Kerberos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KerberosSkip {
    /// No KDC was given (`--kdc`), and none was found in DNS (`--find-kdc`, when asked:
    /// `kdc_lookup` says what DNS answered).
    NoKdc,
    /// The target is an IP address: no `TERMSRV/<address>` SPN exists by default, and the Windows client
    /// uses NTLM for it.
    TargetIsAddress,
    /// The credentials name no domain (a local account): there is no realm to ask.
    NoRealm,
}

/// The Kerberos attempt (`authentication.kerberos` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KerberosReport {
    /// The KDC asked (`host:port`).
    pub kdc: String,
    /// The realm, as sspi derives it from the domain (upper case).
    pub realm: String,
    /// The service principal asked for (`TERMSRV/<host>`).
    pub spn: String,
    /// How it ended.
    pub outcome: KerberosOutcome,
    /// The Kerberos failure, when it failed or fell back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureReport>,
    /// The KDC's clock minus this machine's, in seconds, when a KRB_AP_ERR_SKEW told it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kdc_clock_offset_s: Option<i64>,
    /// Every KDC exchange, in order.
    pub exchanges: Vec<KdcExchangeReport>,
}

/// How the Kerberos attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KerberosOutcome {
    /// Under way (the probe ended before CredSSP did).
    Unfinished,
    /// The CredSSP exchange completed with Kerberos.
    Succeeded,
    /// Kerberos ended the logon; the verdict is its failure.
    Failed,
    /// Kerberos was not possible, and the probe fell back to NTLM on a new connection, as the Windows
    /// client's Negotiate does.
    FellBackToNtlm,
    /// The server answered Kerberos with NTLM (it has no Kerberos, or refused it).
    ServerChoseNtlm,
}

/// One KDC exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KdcExchangeReport {
    /// The request (`as_req`, `tgs_req`).
    pub request: &'static str,
    /// The reply (`as_rep`, `tgs_rep`, `krb_error`, ...), if one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<&'static str>,
    /// A KRB-ERROR's code, in code space `kerberos`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Code>,
    /// Bytes sent (TCP length prefix included).
    pub sent_bytes: usize,
    /// Bytes received.
    pub received_bytes: usize,
    /// Why no reply came, when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl Report {
    /// A report skeleton for `target`.
    pub fn new(target: &Target) -> Self {
        Self {
            schema: SCHEMA,
            target: TargetReport {
                host: target.host().to_owned(),
                port: target.port(),
                address: None,
            },
            verdict: Verdict::Inconclusive {
                stop: StopReport {
                    phase: Phase::Resolve,
                    reason: StopReason::ProbeLimit,
                    message: "the probe has not run".into(),
                    hint: String::new(),
                    state: None,
                },
            },
            phases: Vec::new(),
            server: ServerFacts::default(),
            findings: Vec::new(),
            trust: None,
            legacy_tls: None,
            authentication: None,
            elapsed_ms: 0.0,
        }
    }

    /// The JSON form (contract `rdp-probe/1`), pretty-printed.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"schema\":\"{SCHEMA}\",\"error\":\"{e}\"}}"))
    }

    /// The JSON form (contract `rdp-probe/1`), on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| format!("{{\"schema\":\"{SCHEMA}\",\"error\":\"{e}\"}}"))
    }

    /// The verdict without its data.
    pub fn verdict_kind(&self) -> VerdictKind {
        self.verdict.kind()
    }

    /// The failure; present exactly when the verdict is `failed`.
    pub fn failure(&self) -> Option<&FailureReport> {
        match &self.verdict {
            Verdict::Failed { failure, .. } => Some(failure),
            _ => None,
        }
    }

    /// The Windows client's pair; present exactly when the verdict is `failed`.
    pub fn mstsc(&self) -> Option<&MstscReport> {
        match &self.verdict {
            Verdict::Failed { mstsc, .. } => Some(mstsc),
            _ => None,
        }
    }

    /// Why the probe stopped; present exactly for `needs_credentials`, `inconclusive` and
    /// `credentials_withheld`.
    pub fn stop(&self) -> Option<&StopReport> {
        match &self.verdict {
            Verdict::NeedsCredentials { stop }
            | Verdict::Inconclusive { stop }
            | Verdict::CredentialsWithheld { stop } => Some(stop),
            _ => None,
        }
    }

    /// How a `connected` probe ended.
    pub fn outcome(&self) -> Option<Outcome> {
        match &self.verdict {
            Verdict::Connected { outcome } => Some(*outcome),
            _ => None,
        }
    }

    /// The last errorInfo received, if any (0 = ERRINFO_NONE is skipped).
    pub fn last_errinfo(&self) -> Option<u32> {
        self.server
            .errinfo_received
            .iter()
            .rev()
            .map(|e| e.value)
            .find(|v| *v != 0)
    }
}

#[cfg(test)]
mod trust_decision_tests {
    use super::TrustDecision;

    #[test]
    fn names_are_the_json_names() {
        for d in [
            TrustDecision::ChainValid,
            TrustDecision::Pinned,
            TrustDecision::Any,
            TrustDecision::Confirmed,
            TrustDecision::Withheld,
        ] {
            assert_eq!(
                serde_json::to_value(d).unwrap_or_default(),
                serde_json::Value::from(d.as_str())
            );
        }
    }
}
