//! The X.224 half of the inventory: which Connection Requests are sent, how each answer is read, and
//! what they say about Network Level Authentication ([MS-RDPBCGR] 2.2.1.1, 2.2.1.2, 3.3.5.3.1).
//!
//! Pure functions over decoded answers; [`super::inventory`] moves the bytes.

use std::collections::BTreeMap;

use rdp_probe_codes::CodeSpace;
use rdp_probe_wire::mcs::{self, McsPdu};
use rdp_probe_wire::x224::{self, ConnectionConfirm, X224Pdu};
use serde::Serialize;

use crate::Protocols;

/// The cookie every inventory request carries, so server logs show who asked.
pub const COOKIE: &str = "rdp-probe";

/// The security protocols the inventory requests one at a time, by report name.
pub const PROTOCOLS_ALONE: [(&str, Protocols); 6] = [
    ("rdp", Protocols::RDP),
    ("ssl", Protocols::SSL),
    ("hybrid", Protocols::HYBRID),
    ("hybrid_ex", Protocols::HYBRID_EX),
    ("rdstls", Protocols::RDSTLS),
    ("rdsaad", Protocols::RDSAAD),
];

/// SSL | HYBRID: what FreeRDP, IronRDP and the Windows 7 client request.
pub const SSL_HYBRID: Protocols = Protocols::from_bits(0x3);

/// A Connection Request of the inventory: with an RDP_NEG_REQ for these protocols, or the legacy form
/// without negotiation data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Request {
    /// A Connection Request with only a cookie, as clients before RDP 5.2 send it.
    Legacy,
    /// A Connection Request with an RDP_NEG_REQ carrying these `requestedProtocols` bits.
    Negotiate(u32),
}

impl Request {
    /// The request for `protocols`.
    pub const fn of(protocols: Protocols) -> Self {
        Request::Negotiate(protocols.bits())
    }

    /// The bytes on the wire.
    pub fn encode(self) -> Vec<u8> {
        match self {
            Request::Legacy => x224::legacy_connection_request(Some(COOKIE)),
            Request::Negotiate(bits) => x224::connection_request(bits, Some(COOKIE)),
        }
    }

    /// `legacy`, or the requested protocols joined with `|` (`ssl|hybrid`).
    pub fn label(self) -> String {
        match self {
            Request::Legacy => "legacy".to_owned(),
            Request::Negotiate(bits) => Protocols::from_bits(bits).names().join("|"),
        }
    }

    /// The requested bits (`None` for the legacy request).
    pub fn bits(self) -> Option<u32> {
        match self {
            Request::Legacy => None,
            Request::Negotiate(bits) => Some(bits),
        }
    }
}

/// How a probe's connection ended when it brought no decodable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Silence {
    /// The TCP connection was refused or could not be made.
    ConnectFailed,
    /// The server closed the connection without a word.
    Closed,
    /// The server reset the connection.
    Reset,
    /// Nothing came within the phase limit.
    Timeout,
}

/// What the server answered to one Connection Request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A Connection Confirm: the server's decision.
    Confirm(ConnectionConfirm),
    /// An X.224 Disconnect Request.
    Disconnect {
        /// Its raw reason byte.
        reason: u8,
    },
    /// An MCS Disconnect Provider Ultimatum instead of a Connection Confirm (xrdp's answer to a request
    /// it cannot parse).
    Ultimatum {
        /// Its raw reason.
        reason: u8,
    },
    /// A well-formed TPKT that is not a Connection Confirm.
    OtherTpdu {
        /// The raw TPDU code.
        code: u8,
    },
    /// Bytes that are not X.224 (HTTP, SSH, TLS, garbage), with what they look like.
    NotRdp(String),
    /// No answer.
    Silent(Silence),
}

impl Answer {
    /// Reads one TPKT frame received in answer to a Connection Request.
    pub fn from_frame(frame: &[u8]) -> Answer {
        match x224::parse_x224(frame) {
            Ok(X224Pdu::ConnectionConfirm(cc)) => Answer::Confirm(cc),
            Ok(X224Pdu::Disconnect { reason }) => Answer::Disconnect { reason },
            Ok(X224Pdu::Data(payload)) => match mcs::parse_domain_pdu(payload) {
                Ok(McsPdu::DisconnectProviderUltimatum { reason }) => Answer::Ultimatum { reason },
                _ => Answer::OtherTpdu {
                    code: x224::TPDU_DATA,
                },
            },
            Ok(X224Pdu::Other { tpdu_code }) => Answer::OtherTpdu { code: tpdu_code },
            Err(e) => Answer::NotRdp(e.to_string()),
        }
    }

    /// The protocol the server selected, if it selected one.
    pub fn selected(&self) -> Option<u32> {
        match self {
            Answer::Confirm(ConnectionConfirm::Response {
                selected_protocol, ..
            }) => Some(*selected_protocol),
            _ => None,
        }
    }

    /// The RDP_NEG_FAILURE code, if the server refused with one.
    pub fn failure(&self) -> Option<u32> {
        match self {
            Answer::Confirm(ConnectionConfirm::Failure { code, .. }) => Some(*code),
            _ => None,
        }
    }

    /// Whether the answer is a Connection Confirm without negotiation data (a server that predates
    /// negotiation, or one answering the legacy request as the specification says).
    pub fn is_bare_confirm(&self) -> bool {
        matches!(self, Answer::Confirm(ConnectionConfirm::NoNegotiationData))
    }

    /// Whether the server gave a decision (selected, refused, or confirmed without negotiation data),
    /// as opposed to silence, a disconnect or bytes of another protocol.
    pub fn is_decision(&self) -> bool {
        matches!(self, Answer::Confirm(_))
    }

    /// Whether the server ended the connection instead of answering: closed, reset, an X.224
    /// Disconnect Request or an MCS Disconnect Provider Ultimatum.
    pub fn is_drop(&self) -> bool {
        matches!(
            self,
            Answer::Silent(Silence::Closed | Silence::Reset)
                | Answer::Disconnect { .. }
                | Answer::Ultimatum { .. }
        )
    }

    /// The RDP_NEG_RSP flags, when the answer is one.
    pub fn flags(&self) -> Option<u8> {
        match self {
            Answer::Confirm(ConnectionConfirm::Response { flags, .. }) => Some(*flags),
            _ => None,
        }
    }

    /// A short machine-readable kind: `selected`, `refused`, `no_negotiation_data`,
    /// `unknown_negotiation`, `disconnect`, `disconnect_provider_ultimatum`, `other_tpdu`, `not_rdp`,
    /// or the [`Silence`] (`connect_failed`, `closed`, `reset`, `timeout`).
    pub fn kind(&self) -> &'static str {
        match self {
            Answer::Confirm(ConnectionConfirm::Response { .. }) => "selected",
            Answer::Confirm(ConnectionConfirm::Failure { .. }) => "refused",
            Answer::Confirm(ConnectionConfirm::NoNegotiationData) => "no_negotiation_data",
            Answer::Confirm(ConnectionConfirm::UnknownNegotiation { .. }) => "unknown_negotiation",
            Answer::Disconnect { .. } => "disconnect",
            Answer::Ultimatum { .. } => "disconnect_provider_ultimatum",
            Answer::OtherTpdu { .. } => "other_tpdu",
            Answer::NotRdp(_) => "not_rdp",
            Answer::Silent(Silence::ConnectFailed) => "connect_failed",
            Answer::Silent(Silence::Closed) => "closed",
            Answer::Silent(Silence::Reset) => "reset",
            Answer::Silent(Silence::Timeout) => "timeout",
        }
    }

    /// Whether the answer is one the specification does not allow for `request`: a protocol that was
    /// not requested ([MS-RDPBCGR] 2.2.1.2.1: "one of the client-requested security protocols"),
    /// negotiation data in answer to a request without any (3.3.5.3.2: "left empty if the client did
    /// not append any negotiation data"), or negotiation data of an unknown type.
    pub fn violates_spec(&self, request: Request) -> bool {
        match (self, request) {
            (Answer::Confirm(ConnectionConfirm::UnknownNegotiation { .. }), _) => true,
            (
                Answer::Confirm(
                    ConnectionConfirm::Response { .. } | ConnectionConfirm::Failure { .. },
                ),
                Request::Legacy,
            ) => true,
            (
                Answer::Confirm(ConnectionConfirm::Response {
                    selected_protocol, ..
                }),
                Request::Negotiate(bits),
            ) => !selection_was_requested(*selected_protocol, bits),
            _ => false,
        }
    }
}

/// Whether `selected` is one of the protocols in `requested` (Standard RDP Security, 0, is always
/// acceptable: a client that sends negotiation data can always fall back to it, 3.3.5.3.1 —
/// except that selecting it for a request that did not include it is what xrdp does, and the
/// specification's RSP rule says the selected protocol is one the client requested; RDP is "requested"
/// only by the request with no bits).
pub fn selection_was_requested(selected: u32, requested: u32) -> bool {
    if selected == 0 {
        return requested == 0;
    }
    selected.count_ones() == 1 && requested & selected == selected
}

/// One protocol as the inventory reports it (`protocols.<name>` in `rdp-probe-inventory/1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProtocolResult {
    /// What was requested (`ssl`, `ssl|hybrid`, `legacy`).
    pub requested: String,
    /// Whether the server selected the requested protocol.
    pub accepted: bool,
    /// The protocol the server selected (`rdp`, `ssl`, ...), or `null`.
    pub selected: Option<String>,
    /// The RDP_NEG_FAILURE, or `null`.
    pub failure: Option<NegFailure>,
    /// Whether the answer breaks the specification's negotiation rules (see
    /// [`Answer::violates_spec`]).
    pub spec_violation: bool,
    /// The RDP_NEG_RSP flags (raw), when the answer carried them.
    pub flags: Option<u8>,
    /// The names of those flags.
    pub flag_names: Vec<&'static str>,
    /// What came back: `selected`, `refused`, `no_negotiation_data`, `closed`, `reset`, `timeout`,
    /// `not_rdp`, ...
    pub answer: &'static str,
    /// More on the answer, when there is more to say (the bytes' description, a disconnect reason).
    pub detail: Option<String>,
}

/// A negotiation failure code and its name ([MS-RDPBCGR] 2.2.1.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NegFailure {
    /// The raw `failureCode`.
    pub code: u32,
    /// Its name, or `UNKNOWN_0x...`.
    pub name: String,
}

impl ProtocolResult {
    /// The report of `answer` to `request`, where "accepted" means the server selected exactly
    /// `wanted` (for the legacy request: confirmed without negotiation data, i.e. Standard RDP Security).
    pub fn new(request: Request, wanted: Option<u32>, answer: &Answer) -> Self {
        let selected = answer.selected();
        let accepted = match (request, wanted) {
            (Request::Legacy, _) => answer.is_bare_confirm(),
            (_, Some(w)) => selected == Some(w),
            (_, None) => false,
        };
        let detail = match answer {
            Answer::NotRdp(what) => Some(what.clone()),
            Answer::Disconnect { reason } => {
                Some(format!("X.224 Disconnect Request, reason {reason}"))
            }
            Answer::Ultimatum { reason } => Some(format!(
                "MCS Disconnect Provider Ultimatum, reason {reason}"
            )),
            Answer::OtherTpdu { code } => Some(format!(
                "X.224 TPDU 0x{code:02x} instead of a Connection Confirm"
            )),
            Answer::Confirm(ConnectionConfirm::UnknownNegotiation {
                neg_type, value, ..
            }) => Some(format!(
                "negotiation data of type {neg_type} (value 0x{value:x})"
            )),
            _ => None,
        };
        let flags = answer.flags();
        ProtocolResult {
            requested: request.label(),
            accepted,
            selected: selected.map(|s| Protocols::from_bits(s).selected_name()),
            failure: answer.failure().map(|code| NegFailure {
                code,
                name: rdp_probe_codes::name_or_unknown(CodeSpace::NegFailure, code),
            }),
            spec_violation: answer.violates_spec(request),
            flags,
            flag_names: flags
                .map(rdp_probe_codes::rdp::neg_rsp_flag_names)
                .unwrap_or_default(),
            answer: answer.kind(),
            detail,
        }
    }
}

/// Whether the server requires, supports or does without Network Level Authentication.
///
/// ```
/// use rdp_probe_core::inventory::negotiation::Nla;
/// assert_eq!(Nla::NotSupported.as_str(), "not_supported");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Nla {
    /// Every request without CredSSP was refused, and CredSSP was selected.
    Required,
    /// CredSSP was selected, and so was a protocol without it.
    Supported,
    /// No request with CredSSP had it selected.
    NotSupported,
    /// The answers do not decide it (silence, resets, bytes of another protocol).
    Unknown,
}

impl Nla {
    /// The name the JSON form uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Nla::Required => "required",
            Nla::Supported => "supported",
            Nla::NotSupported => "not_supported",
            Nla::Unknown => "unknown",
        }
    }
}

/// The NLA verdict and the sentence that justifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NlaVerdict {
    /// The verdict.
    pub nla: Nla,
    /// Why, in one sentence naming the answers.
    pub reason: String,
}

/// Decides [`Nla`] from the answers, by the decision table of the inventory reference (§5): CredSSP is
/// *supported* when a request including HYBRID or HYBRID_EX gets it selected; *required* when, in
/// addition, the requests for Standard RDP Security and for TLS alone are both refused (an upgrade to
/// CredSSP counts as a refusal of what was asked); never decided by silence.
pub fn nla_verdict(answers: &BTreeMap<Request, Answer>) -> NlaVerdict {
    let nla_bits = Protocols::HYBRID.bits() | Protocols::HYBRID_EX.bits();
    let with_nla: Vec<(&Request, &Answer)> = answers
        .iter()
        .filter(|(r, _)| r.bits().is_some_and(|b| b & nla_bits != 0))
        .collect();
    let supported_by = with_nla.iter().find(|(_, a)| {
        a.selected()
            .is_some_and(|s| s & nla_bits != 0 && s.count_ones() == 1)
    });
    let answer_to = |p: Protocols| answers.get(&Request::of(p));
    let Some((req, _)) = supported_by else {
        let decided = with_nla.iter().filter(|(_, a)| a.is_decision()).count();
        return if decided > 0 {
            NlaVerdict {
                nla: Nla::NotSupported,
                reason: format!(
                    "no request offering CredSSP had it selected ({decided} of {} answered with another protocol or a refusal)",
                    with_nla.len()
                ),
            }
        } else {
            NlaVerdict {
                nla: Nla::Unknown,
                reason: "no request offering CredSSP was answered".to_owned(),
            }
        };
    };
    let refuses = |a: Option<&Answer>| match a {
        Some(a) => a.failure().is_some() || a.selected().is_some_and(|s| s & nla_bits != 0),
        None => false,
    };
    // Only requests with negotiation data count: a server that negotiates may still confirm the legacy
    // request and then refuse what follows (xrdp with security_layer=tls).
    let without_nla_accepted = answers.iter().find(|(r, a)| match r {
        Request::Legacy => false,
        Request::Negotiate(bits) => {
            bits & nla_bits == 0 && a.selected().is_some_and(|s| s & nla_bits == 0)
        }
    });
    if let Some((r, a)) = without_nla_accepted {
        return NlaVerdict {
            nla: Nla::Supported,
            reason: format!(
                "CredSSP was selected for {}, but {} was answered with {} (no NLA needed)",
                req.label(),
                r.label(),
                a.selected().map_or_else(
                    || "a Connection Confirm without negotiation".to_owned(),
                    |s| Protocols::from_bits(s).selected_name()
                )
            ),
        };
    }
    let (rdp, ssl) = (answer_to(Protocols::RDP), answer_to(Protocols::SSL));
    if refuses(rdp) && refuses(ssl) {
        NlaVerdict {
            nla: Nla::Required,
            reason: format!(
                "CredSSP was selected for {}, and the requests for Standard RDP Security and TLS alone were refused",
                req.label()
            ),
        }
    } else {
        NlaVerdict {
            nla: Nla::Unknown,
            reason: format!(
                "CredSSP was selected for {}, but the requests without it were not all answered",
                req.label()
            ),
        }
    }
}

/// The request to repeat for a TLS probe: one that made the server select a TLS-based protocol
/// (SSL alone first, then the CredSSP requests), `None` when no request did. After a refusal or a
/// selection of Standard RDP Security no TLS is started (a server may complete a handshake it refused
/// at X.224; that is not its configuration).
pub fn tls_request(answers: &BTreeMap<Request, Answer>) -> Option<(Request, u32)> {
    let tls_based = Protocols::SSL.bits() | Protocols::HYBRID.bits() | Protocols::HYBRID_EX.bits();
    [
        Request::of(Protocols::SSL),
        Request::of(SSL_HYBRID),
        Request::of(Protocols::MSTSC_DEFAULT),
        Request::of(Protocols::HYBRID),
        Request::of(Protocols::HYBRID_EX),
    ]
    .into_iter()
    .find_map(|r| {
        let s = answers.get(&r)?.selected()?;
        (s & tls_based != 0 && s.count_ones() == 1 && r.bits().is_some_and(|b| b & s == s))
            .then_some((r, s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsp(selected: u32) -> Answer {
        Answer::Confirm(ConnectionConfirm::Response {
            flags: 1,
            selected_protocol: selected,
        })
    }

    fn fail(code: u32) -> Answer {
        Answer::Confirm(ConnectionConfirm::Failure { flags: 0, code })
    }

    const BARE: Answer = Answer::Confirm(ConnectionConfirm::NoNegotiationData);

    /// Answers to 0x00, 0x01 and 0x03 (the reference's columns B, A and C), plus 0x02 alone.
    fn answers(
        rdp: Answer,
        ssl: Answer,
        ssl_hybrid: Answer,
        hybrid: Answer,
    ) -> BTreeMap<Request, Answer> {
        BTreeMap::from([
            (Request::of(Protocols::RDP), rdp),
            (Request::of(Protocols::SSL), ssl),
            (Request::of(SSL_HYBRID), ssl_hybrid),
            (Request::of(Protocols::HYBRID), hybrid),
        ])
    }

    /// The decision table of `rdp-inventory.md` §5, row by row.
    #[test]
    fn nla_decision_table() {
        let hybrid = Protocols::HYBRID.bits();
        let ssl = Protocols::SSL.bits();
        let rows = [
            // FAIL 5, FAIL 5, RSP HYBRID: required (Windows 2008/2016 NLA required, shadow NLA).
            (
                answers(fail(5), fail(5), rsp(hybrid), rsp(hybrid)),
                Nla::Required,
            ),
            // RSP SSL, FAIL 1, RSP HYBRID: supported, not required.
            (
                answers(fail(1), rsp(ssl), rsp(hybrid), rsp(hybrid)),
                Nla::Supported,
            ),
            // RSP SSL to SSL|HYBRID: not supported (xrdp, shadow TLS / no NLA).
            (
                answers(rsp(0), rsp(ssl), rsp(ssl), fail(1)),
                Nla::NotSupported,
            ),
            // FAIL 2 everywhere but RDP: Standard RDP only.
            (
                answers(rsp(0), fail(2), fail(2), fail(2)),
                Nla::NotSupported,
            ),
            // RDP selected for everything (xrdp security_layer=rdp).
            (answers(rsp(0), rsp(0), rsp(0), rsp(0)), Nla::NotSupported),
            // A pre-negotiation server.
            (answers(BARE, BARE, BARE, BARE), Nla::NotSupported),
            // No certificate: FAIL 3.
            (
                answers(fail(3), fail(3), fail(3), fail(3)),
                Nla::NotSupported,
            ),
            // SSL requested alone, HYBRID selected (an upgrade): counts as refusing TLS alone.
            (
                answers(fail(5), rsp(hybrid), rsp(hybrid), rsp(hybrid)),
                Nla::Required,
            ),
            // Silence never decides.
            (
                answers(
                    Answer::Silent(Silence::Timeout),
                    Answer::Silent(Silence::Timeout),
                    Answer::Silent(Silence::Reset),
                    Answer::Silent(Silence::Closed),
                ),
                Nla::Unknown,
            ),
            // CredSSP selected, but the requests without it unanswered: not proven required.
            (
                answers(
                    Answer::Silent(Silence::Timeout),
                    fail(5),
                    rsp(hybrid),
                    rsp(hybrid),
                ),
                Nla::Unknown,
            ),
        ];
        for (i, (a, want)) in rows.into_iter().enumerate() {
            let v = nla_verdict(&a);
            assert_eq!(v.nla, want, "row {i}: {}", v.reason);
            assert!(!v.reason.is_empty());
        }
    }

    #[test]
    fn a_legacy_confirm_does_not_make_nla_optional() {
        // xrdp with security_layer=tls confirms the legacy request, then refuses what follows.
        let mut a = answers(fail(5), fail(5), rsp(2), rsp(2));
        a.insert(Request::Legacy, BARE);
        assert_eq!(nla_verdict(&a).nla, Nla::Required);
    }

    #[test]
    fn spec_violations() {
        let neg = |bits| Request::Negotiate(bits);
        // RDP for a HYBRID request (xrdp); RDP for RDP is fine.
        assert!(rsp(0).violates_spec(neg(2)));
        assert!(!rsp(0).violates_spec(neg(0)));
        assert!(!rsp(1).violates_spec(neg(3)));
        // Two bits selected at once, or a bit not requested.
        assert!(rsp(3).violates_spec(neg(3)));
        assert!(rsp(4).violates_spec(neg(1)));
        // Negotiation data to a request without any (FreeRDP's shadow server).
        assert!(rsp(0).violates_spec(Request::Legacy));
        assert!(fail(5).violates_spec(Request::Legacy));
        assert!(!BARE.violates_spec(Request::Legacy));
        // A refusal is always allowed.
        assert!(!fail(1).violates_spec(neg(0)));
    }

    #[test]
    fn answers_read_from_frames() {
        let cc = x224::connection_confirm(&ConnectionConfirm::Failure { flags: 0, code: 5 });
        assert_eq!(Answer::from_frame(&cc).failure(), Some(5));
        assert_eq!(
            Answer::from_frame(&x224::disconnect_request(2)),
            Answer::Disconnect { reason: 2 }
        );
        let ultimatum = mcs::disconnect_provider_ultimatum(1);
        assert!(matches!(
            Answer::from_frame(&ultimatum),
            Answer::Ultimatum { .. }
        ));
        assert!(Answer::from_frame(&ultimatum).is_drop());
        assert_eq!(Answer::from_frame(b"HTTP/1.1 400 Bad").kind(), "not_rdp");
    }

    #[test]
    fn tls_is_only_started_after_a_tls_selection() {
        let ssl = Protocols::SSL.bits();
        let a = answers(rsp(0), fail(2), rsp(2), rsp(2));
        assert_eq!(tls_request(&a), Some((Request::of(SSL_HYBRID), 2)));
        let a = answers(rsp(0), rsp(ssl), rsp(ssl), rsp(0));
        assert_eq!(tls_request(&a), Some((Request::of(Protocols::SSL), ssl)));
        // RDP selected for SSL (xrdp rdp layer), or refusals: no TLS.
        let a = answers(rsp(0), rsp(0), rsp(0), rsp(0));
        assert_eq!(tls_request(&a), None);
        let a = answers(rsp(0), fail(2), fail(2), fail(2));
        assert_eq!(tls_request(&a), None);
    }

    #[test]
    fn legacy_request_has_no_negotiation_data() {
        assert_eq!(
            Request::Legacy.encode(),
            x224::legacy_connection_request(Some(COOKIE))
        );
        assert_eq!(Request::of(SSL_HYBRID).label(), "ssl|hybrid");
        assert_eq!(Request::Legacy.label(), "legacy");
    }
}
