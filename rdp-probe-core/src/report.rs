//! The report: the verdict, the failure, the Windows client's pair, the phase timeline and every fact learned.
//!
//! Its JSON form is the contract `rdp-probe/1` (see README.md): field names and code numbers are stable.

use serde::Serialize;

use crate::cert::CertificateSummary;
use crate::failure::{Code, Failure};
use crate::phase::PhaseRecord;
use crate::{Phase, Protocols, Target};

/// The schema identifier of the JSON form.
pub const SCHEMA: &str = "rdp-probe/1";

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole connection sequence completed (or the server redirected the client: see `outcome`).
    Connected,
    /// The connection failed; `failure` says where and why.
    Failed,
    /// The server requires Network Level Authentication and no credentials were given.
    NeedsCredentials,
    /// The probe met something it does not implement; `stop` says what. Not a server fault.
    Inconclusive,
}

impl Verdict {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Connected => "connected",
            Verdict::Failed => "failed",
            Verdict::NeedsCredentials => "needs_credentials",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// The verdict without its data (the name of each verdict).
pub type VerdictKind = Verdict;

/// How a connected probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

impl From<&Failure> for FailureReport {
    fn from(f: &Failure) -> Self {
        Self {
            phase: f.phase,
            kind: f.kind.kind_str(),
            code: f.code(),
            message: f.kind.message(),
            hint: f.hint(),
        }
    }
}

/// Why a probe stopped without a failure (`stop` in JSON, for `needs_credentials` and `inconclusive`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopReport {
    /// The phase.
    pub phase: Phase,
    /// A stable snake_case reason: `nla_requires_credentials`, `standard_security_encryption`,
    /// `protocol_not_implemented`, `probe_limit`.
    pub reason: &'static str,
    /// One line.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// The Windows client's pair (`mstsc` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// The target as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
pub struct TlsFacts {
    /// e.g. `TLSv1_3`.
    pub version: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
}

/// Standard RDP Security parameters from the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// RSA key size of a proprietary certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsa_key_bits: Option<u32>,
    /// Certificate length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_len: Option<usize>,
}

/// NTLM CHALLENGE facts (learned without credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
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
    /// OS version `major.minor.build`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
}

/// An errorInfo value the server sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
pub struct LicensingFacts {
    /// `valid_client` (the server needed no license exchange), `license_exchange`, `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// The licensing message types received (bMsgType).
    pub messages: Vec<u8>,
}

/// Every fact learned about the server on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
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
    /// Every Set Error Info received, in order.
    pub errinfo_received: Vec<ErrInfoFact>,
    /// Logon error notifications (Save Session Info, type and data).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logon_errors: Vec<(u32, u32)>,
}

/// The result of one probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The target.
    pub target: TargetReport,
    /// The verdict.
    pub verdict: Verdict,
    /// For `connected`: whether the server completed the sequence or redirected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Present only when the verdict is `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureReport>,
    /// Present only for `needs_credentials` and `inconclusive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReport>,
    /// The Windows client's pair; present only when the verdict is `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mstsc: Option<MstscReport>,
    /// The phase timeline.
    pub phases: Vec<PhaseRecord>,
    /// What was learned about the server.
    pub server: ServerFacts,
    /// Total time, in milliseconds.
    pub elapsed_ms: f64,
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
            verdict: Verdict::Inconclusive,
            outcome: None,
            failure: None,
            stop: None,
            mstsc: None,
            phases: Vec::new(),
            server: ServerFacts::default(),
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
        self.verdict
    }

    /// The failure; present exactly when the verdict is `failed`.
    pub fn failure(&self) -> Option<&FailureReport> {
        self.failure.as_ref()
    }

    /// The Windows client's pair; present exactly when the verdict is `failed`.
    pub fn mstsc(&self) -> Option<&MstscReport> {
        self.mstsc.as_ref()
    }

    /// Why the probe stopped; present exactly for `needs_credentials` and `inconclusive`.
    pub fn stop(&self) -> Option<&StopReport> {
        self.stop.as_ref()
    }

    /// How a `connected` probe ended.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
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
