//! What deserves an administrator's attention in an inventory: each finding a row of
//! `rdp_probe_codes::inventory_finding` (id, severity, rdp-sec-check's name, remediation, source),
//! raised here with the evidence that raised it.

use rdp_probe_codes::inventory_finding::{self as catalog, Severity};
use rdp_probe_codes::tls_names::{self, BulkCipher, KeyExchange};
use serde::Serialize;

use super::Inventory;
use super::negotiation::Nla;

/// The NTLM clock offset beyond which a finding is raised: Kerberos' default maximum skew, 5 minutes
/// ([MS-KILE] 3.1.1.4 via RFC 4120 "clock skew"; Windows' "Maximum tolerance for computer clock
/// synchronization" defaults to 5 minutes).
pub const MAX_CLOCK_SKEW_S: i64 = 300;
/// RSA keys below this size are weak (NIST SP 800-131A: 2048 bits since 2014).
pub const MIN_RSA_BITS: u32 = 2048;

/// One finding as the inventory reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InventoryFinding {
    /// Stable UPPER_SNAKE identifier.
    pub id: &'static str,
    /// `info`, `low`, `medium` or `high`.
    pub severity: Severity,
    /// rdp-sec-check's name for the same finding, when it has one.
    pub rdp_sec_check: Option<&'static str>,
    /// What was found.
    pub message: &'static str,
    /// The answers that show it.
    pub evidence: String,
    /// What to change.
    pub hint: &'static str,
}

/// Every finding `inv` supports, most severe first.
pub fn derive(inv: &Inventory) -> Vec<InventoryFinding> {
    let mut out = Vec::new();
    let mut raise = |id: &'static str, evidence: String| {
        if let Some(kind) = catalog::inventory_finding(id) {
            out.push(InventoryFinding {
                id: kind.id,
                severity: kind.severity,
                rdp_sec_check: kind.rdp_sec_check,
                message: kind.title,
                evidence,
                hint: kind.remediation,
            });
        }
    };
    let p = &inv.protocols;
    // A Connection Confirm to the legacy request proves Standard RDP Security only once a Connect
    // Initial after it was answered (xrdp with security_layer=tls confirms, then disconnects; a
    // negotiate-only inventory never asks).
    let rdp = p.rdp.accepted
        || (p.legacy.accepted
            && inv
                .standard_rdp
                .as_ref()
                .is_some_and(|s| s.error.is_none() && s.via == "legacy"));
    let ssl = p.ssl.accepted || inv.tls.is_some();
    let nla = matches!(inv.nla, Nla::Required | Nla::Supported);

    // Security protocols (rdp-sec-check's rules, with NLA read from the selection).
    if rdp && !ssl && !nla {
        raise(
            catalog::ONLY_RDP_SUPPORTED,
            format!(
                "rdp: {}; ssl: {}; hybrid: {}",
                p.rdp.answer, p.ssl.answer, p.hybrid.answer
            ),
        );
    }
    if rdp && (ssl || nla) {
        raise(
            catalog::SSL_SUPPORTED_BUT_NOT_MANDATED,
            format!(
                "a request for Standard RDP Security ({}) was accepted",
                if p.rdp.accepted {
                    "requestedProtocols 0"
                } else {
                    "legacy request"
                }
            ),
        );
    }
    match inv.nla {
        Nla::NotSupported => raise(catalog::NLA_NOT_SUPPORTED, inv.nla_reason.clone()),
        Nla::Supported => raise(
            catalog::NLA_SUPPORTED_BUT_NOT_MANDATED,
            inv.nla_reason.clone(),
        ),
        Nla::Required | Nla::Unknown => {}
    }
    if p.legacy.spec_violation {
        raise(
            catalog::NEGOTIATION_DATA_WITHOUT_REQUEST,
            format!(
                "the request without negotiation data was answered with {}",
                p.legacy.answer
            ),
        );
    }
    let unrequested: Vec<String> = inv
        .requests
        .iter()
        .filter(|r| r.spec_violation && r.requested != "legacy" && r.selected.is_some())
        .map(|r| format!("{} → {}", r.requested, r.selected.as_deref().unwrap_or("?")))
        .collect();
    if !unrequested.is_empty() {
        raise(
            catalog::NEGOTIATION_SELECTED_UNREQUESTED,
            unrequested.join(", "),
        );
    }
    let decided = inv
        .requests
        .iter()
        .any(|r| r.answer == "selected" || r.answer == "refused");
    let dropped: Vec<&str> = inv
        .requests
        .iter()
        .filter(|r| {
            matches!(
                r.answer,
                "closed" | "reset" | "disconnect" | "disconnect_provider_ultimatum"
            )
        })
        .map(|r| r.requested.as_str())
        .collect();
    if decided && !dropped.is_empty() {
        raise(
            catalog::NEGOTIATION_DROPS_UNKNOWN_REQUEST,
            format!(
                "ended the connection instead of answering: {}",
                dropped.join(", ")
            ),
        );
    }
    let negotiating: Vec<_> = inv
        .requests
        .iter()
        .filter(|r| r.requested != "legacy")
        .collect();
    if !negotiating.is_empty()
        && negotiating
            .iter()
            .all(|r| r.answer == "no_negotiation_data")
    {
        raise(
            catalog::PRE_NEGOTIATION_SERVER,
            "every request was confirmed without negotiation data".to_owned(),
        );
    }

    // Standard RDP Security.
    if let Some(s) = &inv.standard_rdp {
        let has = |m: &str| s.encryption_methods.contains(&m);
        let weak: Vec<&str> = ["40bit", "56bit"].into_iter().filter(|m| has(m)).collect();
        if !weak.is_empty() {
            raise(
                catalog::WEAK_RDP_ENCRYPTION_SUPPORTED,
                format!("accepted alone: {}", weak.join(", ")),
            );
        }
        if has("none") {
            raise(
                catalog::NULL_RDP_ENCRYPTION_SUPPORTED,
                format!(
                    "a Connect Initial offering no method was answered with method none (level {})",
                    s.encryption_level.as_deref().unwrap_or("unknown")
                ),
            );
        }
        if has("fips") && ["none", "40bit", "56bit", "128bit"].iter().any(|m| has(m)) {
            raise(
                catalog::FIPS_SUPPORTED_BUT_NOT_MANDATED,
                format!("accepted alone: {}", s.encryption_methods.join(", ")),
            );
        }
        if let Some(bits) = s.certificate.as_ref().and_then(|c| c.rsa_key_bits)
            && bits < MIN_RSA_BITS
        {
            raise(
                catalog::STANDARD_RDP_WEAK_SERVER_KEY,
                format!("proprietary certificate with a {bits}-bit RSA key"),
            );
        }
    }

    // TLS.
    if let Some(tls) = &inv.tls {
        let on = |v: &str| tls.versions.get(v).is_some_and(|r| r.accepted);
        if on("SSLv3") {
            raise(
                catalog::SSL_3_0_ENABLED,
                "an SSL 3.0 ClientHello got an SSL 3.0 ServerHello".to_owned(),
            );
        }
        if on("TLSv1.0") {
            raise(
                catalog::TLS_1_0_ENABLED,
                "a TLS 1.0 ClientHello got a TLS 1.0 ServerHello".to_owned(),
            );
        }
        if on("TLSv1.1") {
            raise(
                catalog::TLS_1_1_ENABLED,
                "a TLS 1.1 ClientHello got a TLS 1.1 ServerHello".to_owned(),
            );
        }
        if (on("SSLv3") || on("TLSv1.0") || on("TLSv1.1")) && !on("TLSv1.2") && !on("TLSv1.3") {
            raise(
                catalog::TLS_NO_1_2_OR_LATER,
                "neither TLS 1.2 nor TLS 1.3 was accepted".to_owned(),
            );
        }
        let mut suites: Vec<(u16, &str)> = Vec::new();
        for r in tls.versions.values() {
            for (id, name) in r.cipher_suite_ids.iter().zip(&r.cipher_suites) {
                if !suites.iter().any(|(i, _)| i == id) {
                    suites.push((*id, name.as_str()));
                }
            }
        }
        let named = |pred: &dyn Fn(&tls_names::SuiteTraits) -> bool| -> Vec<&str> {
            suites
                .iter()
                .filter(|(id, _)| tls_names::suite_traits(*id).is_some_and(|t| pred(&t)))
                .map(|(_, n)| *n)
                .collect()
        };
        let groups: [(&'static str, Vec<&str>); 5] = [
            (
                catalog::TLS_NULL_OR_EXPORT_SUITES,
                named(&|t| matches!(t.cipher, BulkCipher::Null) || t.export),
            ),
            (
                catalog::TLS_RC4_SUITES,
                named(&|t| matches!(t.cipher, BulkCipher::Rc4)),
            ),
            (
                catalog::TLS_3DES_SUITES,
                named(&|t| matches!(t.cipher, BulkCipher::TripleDes)),
            ),
            (
                catalog::TLS_RSA_KEY_EXCHANGE,
                named(&|t| matches!(t.key_exchange, KeyExchange::Rsa)),
            ),
            (
                catalog::TLS_CBC_SUITES,
                named(&|t| !t.aead && !matches!(t.cipher, BulkCipher::Rc4 | BulkCipher::Null)),
            ),
        ];
        for (id, list) in groups {
            if !list.is_empty() {
                raise(id, list.join(", "));
            }
        }
        if tls.secure_renegotiation == Some(false) {
            raise(
                catalog::TLS_NO_SECURE_RENEGOTIATION,
                "no renegotiation_info in the ServerHello".to_owned(),
            );
        }
        if let Some(cert) = &tls.certificate {
            let f = |name: &str| cert.findings.contains(&name);
            if f("expired") {
                raise(
                    catalog::CERT_EXPIRED,
                    format!("not after {}", cert.not_after),
                );
            }
            if f("not_yet_valid") {
                raise(
                    catalog::CERT_NOT_YET_VALID,
                    format!("not before {}", cert.not_before),
                );
            }
            if f("self_signed") {
                raise(
                    catalog::CERT_SELF_SIGNED,
                    format!("subject and issuer: {}", cert.subject),
                );
            }
            if f("weak_key") {
                raise(
                    catalog::CERT_WEAK_KEY,
                    format!("{} {} bits", cert.key_type, cert.key_bits),
                );
            }
            if f("name_mismatch") {
                raise(
                    catalog::CERT_NAME_MISMATCH,
                    format!(
                        "{} is not among subject {} / {}",
                        inv.target.host,
                        cert.subject,
                        cert.subject_alt_names.join(", ")
                    ),
                );
            }
            let sig = cert.signature_algorithm.to_ascii_lowercase();
            if sig.contains("sha1") || sig.contains("md5") {
                raise(
                    catalog::CERT_WEAK_SIGNATURE,
                    cert.signature_algorithm.clone(),
                );
            }
        }
    }

    // CredSSP and NTLM.
    if let Some(c) = &inv.credssp
        && c.predates_cve_2018_0886_fix
    {
        raise(
            catalog::CREDSSP_ORACLE_UNPATCHED,
            format!("the server's TSRequest version is {}", c.version),
        );
    }
    if let Some(offset) = inv.ntlm.as_ref().and_then(|n| n.clock_offset_s)
        && offset.abs() > MAX_CLOCK_SKEW_S
    {
        raise(
            catalog::NTLM_CLOCK_SKEW,
            format!("the server's clock is {offset} s off (MsvAvTimestamp)"),
        );
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}
