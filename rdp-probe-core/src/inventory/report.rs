//! The inventory as reported: `rdp-probe-inventory/1`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::negotiation::{Nla, ProtocolResult};
use super::standard::StandardCertificate;
use crate::cert::CertificateSummary;
use crate::report::{NtlmFacts, TargetReport};

pub use super::clients::ClientResult;
pub use super::findings::InventoryFinding;

/// What a server offers, and which clients it refuses.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Inventory {
    /// `rdp-probe-inventory/1`.
    pub schema: &'static str,
    /// The server.
    pub target: TargetReport,
    /// Why the inventory could not be taken at all (name not resolved, port closed); `null` when it ran.
    pub error: Option<InventoryError>,
    /// The answer to each security protocol requested alone, and to the request without negotiation
    /// data.
    pub protocols: ProtocolTable,
    /// Every Connection Request sent and its answer, including the combinations clients send.
    pub requests: Vec<ProtocolResult>,
    /// Network Level Authentication: `required`, `supported`, `not_supported` or `unknown`.
    pub nla: Nla,
    /// Why [`Inventory::nla`] says what it says.
    pub nla_reason: String,
    /// Whether the server selects HYBRID_EX, i.e. sends the Early User Authorization Result PDU
    /// ([MS-RDPBCGR] 2.2.10.2); `null` when unknown.
    pub early_user_authorization: Option<bool>,
    /// TLS through the X.224 upgrade; `null` when no request made the server select a TLS-based
    /// protocol.
    pub tls: Option<TlsInventory>,
    /// Standard RDP Security; `null` when the server never selects it.
    pub standard_rdp: Option<StandardRdpInventory>,
    /// The server's RDP version (Server Core Data); `null` when no connection got that far without
    /// credentials.
    pub rdp_version: Option<RdpVersion>,
    /// The server's CredSSP facts; `null` when CredSSP was not reached.
    pub credssp: Option<CredsspInventory>,
    /// What the server's NTLM CHALLENGE says about it; `null` when CredSSP was not reached.
    pub ntlm: Option<NtlmFacts>,
    /// What deserves attention, most severe first.
    pub findings: Vec<InventoryFinding>,
    /// Whether each client profile would connect.
    pub clients: Vec<ClientResult>,
    /// TCP connections the inventory opened (every attempt counts).
    pub connections: u32,
    /// The most connections open at once.
    pub max_concurrent_connections: u32,
    /// Wall time, in milliseconds.
    pub elapsed_ms: f64,
}

/// Why an inventory could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InventoryError {
    /// `resolve` or `tcp_connect`.
    pub phase: &'static str,
    /// What happened.
    pub message: String,
}

/// The protocols, each requested alone, and the legacy request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProtocolTable {
    /// Standard RDP Security (requestedProtocols 0).
    pub rdp: ProtocolResult,
    /// TLS (0x1).
    pub ssl: ProtocolResult,
    /// CredSSP (0x2).
    pub hybrid: ProtocolResult,
    /// CredSSP with Early User Authorization (0x8).
    pub hybrid_ex: ProtocolResult,
    /// RDSTLS (0x4).
    pub rdstls: ProtocolResult,
    /// RDS AAD authentication (0x10).
    pub rdsaad: ProtocolResult,
    /// A Connection Request without negotiation data; `accepted` means a Connection Confirm without
    /// negotiation data (Standard RDP Security).
    pub legacy: ProtocolResult,
}

impl ProtocolTable {
    /// Every row with its name, in the contract's order: `rdp`, `ssl`, `hybrid`, `hybrid_ex`,
    /// `rdstls`, `rdsaad`, `legacy`.
    pub fn rows(&self) -> [(&'static str, &ProtocolResult); 7] {
        [
            ("rdp", &self.rdp),
            ("ssl", &self.ssl),
            ("hybrid", &self.hybrid),
            ("hybrid_ex", &self.hybrid_ex),
            ("rdstls", &self.rdstls),
            ("rdsaad", &self.rdsaad),
            ("legacy", &self.legacy),
        ]
    }
}

/// TLS as the inventory found it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TlsInventory {
    /// The request repeated before each ClientHello (`ssl`, `ssl|hybrid`, ...).
    pub via: String,
    /// `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub versions: BTreeMap<String, TlsVersionResult>,
    /// The server's certificate (from a TLS 1.2-or-older ServerHello flight, or the CredSSP step's
    /// handshake); `null` when none was seen.
    pub certificate: Option<CertificateSummary>,
    /// Whether the server answered with RFC 5746 renegotiation_info (secure renegotiation) on a TLS
    /// 1.2-or-older handshake; `null` when no such handshake was accepted.
    pub secure_renegotiation: Option<bool>,
}

/// One TLS version.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TlsVersionResult {
    /// Whether a ClientHello offering only this version got a ServerHello for it.
    pub accepted: bool,
    /// The suites accepted, by IANA name, in the order the server picked them while the ones it picked
    /// before were taken away: its preference when [`TlsVersionResult::server_preference`] is `true`,
    /// else the order of the probe's offer.
    pub cipher_suites: Vec<String>,
    /// The same suites by number.
    pub cipher_suite_ids: Vec<u16>,
    /// Whether [`TlsVersionResult::cipher_suites`] is the whole list (`false`: only the suite preferred
    /// out of all, or the enumeration stopped early).
    pub complete: bool,
    /// Why the version was not accepted: the alert, a close, or the version the server answered with.
    pub refusal: Option<String>,
    /// Whether a ServerHello for this version carried the RFC 8446 4.1.3 downgrade sentinel in its
    /// random (the server also speaks a higher version than it chose).
    pub downgrade_sentinel: bool,
    /// Whether the server picks suites by its own order (`true`) or takes the client's first
    /// acceptable one (`false`), from one more ClientHello offering the accepted suites in reverse;
    /// `null` with fewer than two suites or no clear answer.
    pub server_preference: Option<bool>,
}

/// Standard RDP Security as the inventory found it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StandardRdpInventory {
    /// The request the Connect Initials followed (`rdp` or `legacy`).
    pub via: String,
    /// Methods accepted when offered alone: a subset of `40bit`, `56bit`, `128bit`, `fips`; `none`
    /// when the level is none (the server encrypts nothing whatever is offered).
    pub encryption_methods: Vec<&'static str>,
    /// Methods the server refused (or answered with another method) when offered alone.
    pub methods_refused: Vec<&'static str>,
    /// `none`, `low`, `client_compatible`, `high`, `fips`, or `unknown_<n>`; `null` when no Connect
    /// Response came.
    pub encryption_level: Option<String>,
    /// The method chosen when every method was offered (raw).
    pub preferred_method: Option<u32>,
    /// The server certificate's form and key size.
    pub certificate: Option<StandardCertificate>,
    /// Why no Connect Response was read, when none was.
    pub error: Option<String>,
}

/// The server's RDP version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RdpVersion {
    /// Server Core Data `version`, raw.
    pub raw: u32,
    /// `RDP 10.7`, or `unknown 0x...`.
    pub name: String,
    /// Where it was read: `standard_rdp` or `tls`.
    pub source: &'static str,
}

/// The server's CredSSP facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CredsspInventory {
    /// The `version` of the server's first TSRequest ([MS-CSSP] 2.2.1).
    pub version: u32,
    /// Whether that version predates the CVE-2018-0886 fix (below 5).
    pub predates_cve_2018_0886_fix: bool,
    /// The request that reached CredSSP.
    pub via: String,
    /// How the CredSSP step ended without credentials (`nla_requires_credentials` when the server
    /// answered as expected).
    pub outcome: String,
}

impl Inventory {
    /// The JSON form (`rdp-probe-inventory/1`), indented.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            format!(
                "{{\"schema\":\"{}\",\"error\":\"{e}\"}}",
                super::INVENTORY_SCHEMA
            )
        })
    }

    /// The JSON form on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                "{{\"schema\":\"{}\",\"error\":\"{e}\"}}",
                super::INVENTORY_SCHEMA
            )
        })
    }
}
