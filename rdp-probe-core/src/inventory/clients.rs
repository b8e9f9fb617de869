//! Client compatibility: for each profile of `rdp_probe_codes::client_profile` (what a client requests,
//! which TLS versions and suites it offers, its CredSSP oracle policy — each assumption with its
//! source), whether it would connect to the inventoried server, and if not where, why, and what the
//! Windows client would show (derived).

use std::collections::BTreeMap;

use rdp_probe_codes::client_profile::{CLIENT_PROFILES, ClientProfile, SuiteFacts};
use rdp_probe_codes::mstsc::{self, Trigger};
use rdp_probe_codes::tls_names::{self, BulkCipher, KeyExchange};
use serde::Serialize;

use super::Inventory;
use super::negotiation::{Answer, Request};
use crate::Protocols;
use crate::report::MstscReport;

/// RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER ([MS-RDPBCGR] 2.2.1.2.2): the Windows client reconnects
/// with Standard RDP Security.
const SSL_NOT_ALLOWED_BY_SERVER: u32 = 2;

/// One client profile against the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientResult {
    /// The profile's id (`windows11`, `windows7`, `freerdp2`, `freerdp3`, `ironrdp`, `no_nla`).
    pub profile: &'static str,
    /// The profile's name.
    pub name: &'static str,
    /// Whether the client would get past the security layer (NLA then asks for credentials).
    pub connects: bool,
    /// Whether the answer rests on complete evidence (`false`: a probe went unanswered, or the suite
    /// list was cut short).
    pub certain: bool,
    /// The phase where it would stop (`x224`, `tls`, `credssp`, `security`), or `null`.
    pub phase: Option<&'static str>,
    /// Why.
    pub reason: String,
    /// The pair the Windows client would show (derived), when it would fail.
    pub mstsc: Option<MstscReport>,
}

/// The requests the profiles send, for the X.224 plan.
pub fn profile_requests() -> Vec<Request> {
    CLIENT_PROFILES
        .iter()
        .map(|p| Request::Negotiate(p.requested_protocols))
        .collect()
}

/// Every profile against `inv`; `answers` are the X.224 answers the inventory collected.
pub fn evaluate(inv: &Inventory, answers: &BTreeMap<Request, Answer>) -> Vec<ClientResult> {
    CLIENT_PROFILES
        .iter()
        .map(|p| one(p, inv, answers))
        .collect()
}

fn fail(
    p: &ClientProfile,
    phase: &'static str,
    reason: String,
    trigger: Trigger,
    certain: bool,
) -> ClientResult {
    ClientResult {
        profile: p.id,
        name: p.name,
        connects: false,
        certain,
        phase: Some(phase),
        reason,
        mstsc: Some(MstscReport::from(mstsc::derive(trigger, None))),
    }
}

fn ok(p: &ClientProfile, reason: String, certain: bool) -> ClientResult {
    ClientResult {
        profile: p.id,
        name: p.name,
        connects: true,
        certain,
        phase: None,
        reason,
        mstsc: None,
    }
}

fn one(p: &ClientProfile, inv: &Inventory, answers: &BTreeMap<Request, Answer>) -> ClientResult {
    let request = Request::Negotiate(p.requested_protocols);
    let Some(mut answer) = answers.get(&request).cloned() else {
        return fail(
            p,
            "x224",
            format!("the request {} was not probed", request.label()),
            Trigger::NotRdp,
            false,
        );
    };
    let mut via = request;
    if answer.failure() == Some(SSL_NOT_ALLOWED_BY_SERVER) && p.retries_with_standard_security {
        via = Request::of(Protocols::RDP);
        answer = answers
            .get(&via)
            .cloned()
            .unwrap_or(Answer::Silent(super::negotiation::Silence::Timeout));
    }
    if let Some(code) = answer.failure() {
        let name = rdp_probe_codes::name_or_unknown(rdp_probe_codes::CodeSpace::NegFailure, code);
        return fail(
            p,
            "x224",
            format!("the server refuses {} with {name}", via.label()),
            Trigger::NegotiationFailure(code),
            true,
        );
    }
    let Some(selected) = answer
        .selected()
        .or_else(|| answer.is_bare_confirm().then_some(0))
    else {
        let trigger = match answer {
            Answer::Silent(super::negotiation::Silence::Timeout) => Trigger::ReadTimedOut,
            Answer::Silent(super::negotiation::Silence::Reset) => Trigger::ConnectionReset,
            Answer::Silent(super::negotiation::Silence::ConnectFailed) => Trigger::ConnectFailed,
            Answer::Silent(super::negotiation::Silence::Closed) | Answer::Disconnect { .. } => {
                Trigger::PeerClosed
            }
            _ => Trigger::NotRdp,
        };
        return fail(
            p,
            "x224",
            format!("the server answered {} with {}", via.label(), answer.kind()),
            trigger,
            false,
        );
    };
    let requested = via.bits().unwrap_or(0);
    if selected != 0 && requested & selected != selected {
        return fail(
            p,
            "x224",
            format!(
                "the server selected {}, which the client did not request",
                Protocols::from_bits(selected).selected_name()
            ),
            Trigger::NotRdp,
            true,
        );
    }
    if selected == 0 {
        return standard(p, inv);
    }
    // TLS-based: a version and a suite in common.
    let Some(tls) = &inv.tls else {
        return ok(
            p,
            "TLS was selected (its versions and suites were not probed)".to_owned(),
            false,
        );
    };
    // The highest version in common, with the suites the client would take.
    let mut certain = true;
    let mut common = None;
    let mut versions: Vec<u16> = p.tls_versions.to_vec();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    for v in versions {
        let name = tls_names::version_report_name(v);
        let Some(r) = tls.versions.get(name.as_ref()) else {
            continue;
        };
        if !r.accepted {
            continue;
        }
        certain &= r.complete;
        let usable: Vec<u16> = r
            .cipher_suite_ids
            .iter()
            .copied()
            .filter(|s| p.suites.accepts_suite(facts(*s, v)))
            .collect();
        if let Some(first) = usable.first() {
            common = Some((name.into_owned(), *first, usable.len()));
            break;
        }
    }
    let Some((version, suite, count)) = common else {
        let offered: Vec<String> = p
            .tls_versions
            .iter()
            .map(|v| tls_names::version_report_name(*v).into_owned())
            .collect();
        return fail(
            p,
            "tls",
            format!(
                "no TLS version and suite in common (the client offers {})",
                offered.join(", ")
            ),
            Trigger::TlsHandshakeFailed,
            certain,
        );
    };
    let nla_bits = Protocols::HYBRID.bits() | Protocols::HYBRID_EX.bits();
    if selected & nla_bits != 0 {
        if let Some(c) = &inv.credssp
            && p.credssp.refuses_server_version(c.version)
        {
            return fail(
                p,
                "credssp",
                format!(
                    "the server's CredSSP version {} predates the CVE-2018-0886 fix, which the client's encryption oracle policy refuses",
                    c.version
                ),
                Trigger::CredsspFailed,
                true,
            );
        }
        return ok(
            p,
            format!(
                "{version}, {count} suites in common (e.g. {}), then NLA asks for credentials",
                tls_names::cipher_suite_report_name(suite)
            ),
            certain,
        );
    }
    ok(
        p,
        format!(
            "{version}, {count} suites in common (e.g. {})",
            tls_names::cipher_suite_report_name(suite)
        ),
        certain,
    )
}

fn standard(p: &ClientProfile, inv: &Inventory) -> ClientResult {
    if !p.standard_security {
        return fail(
            p,
            "security",
            "the server selects Standard RDP Security, which the client does not implement"
                .to_owned(),
            Trigger::NegotiationFailure(SSL_NOT_ALLOWED_BY_SERVER),
            true,
        );
    }
    match &inv.standard_rdp {
        Some(s) if s.error.is_none() => ok(
            p,
            format!(
                "Standard RDP Security at level {}",
                s.encryption_level.as_deref().unwrap_or("unknown")
            ),
            true,
        ),
        Some(s) => fail(
            p,
            "security",
            format!(
                "Standard RDP Security: {}",
                s.error.as_deref().unwrap_or("no Connect Response")
            ),
            Trigger::PeerClosed,
            false,
        ),
        None => ok(p, "Standard RDP Security".to_owned(), false),
    }
}

fn facts(id: u16, version: u16) -> SuiteFacts {
    let t = tls_names::suite_traits(id);
    SuiteFacts {
        tls13: version >= tls_names::TLS_1_3,
        aead: t.as_ref().is_some_and(|t| t.aead),
        forward_secrecy: t.as_ref().is_some_and(|t| t.forward_secrecy),
        rc4: t
            .as_ref()
            .is_some_and(|t| matches!(t.cipher, BulkCipher::Rc4)),
        triple_des: t
            .as_ref()
            .is_some_and(|t| matches!(t.cipher, BulkCipher::TripleDes)),
        null_or_export: t
            .as_ref()
            .is_some_and(|t| t.export || matches!(t.cipher, BulkCipher::Null)),
        ecdhe: t
            .as_ref()
            .is_some_and(|t| matches!(t.key_exchange, KeyExchange::Ecdhe)),
    }
}
