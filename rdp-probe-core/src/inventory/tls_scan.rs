//! TLS through the X.224 upgrade, one raw ClientHello per connection: which versions the server
//! accepts, and which suites, without a TLS library (the server's ServerHello or alert decides; the
//! handshake is never finished). The hellos and the flight reader are `rdp_probe_wire::tls_scan`'s.

use rdp_probe_codes::tls_names;
use rdp_probe_wire::tls_scan::{self as wire, FlightProgress, ServerFlight};

use super::TlsVersionResult;
use super::negotiation::Silence;

/// The versions probed, with their report names.
pub const VERSIONS: [(u16, &str); 5] = [
    (tls_names::SSL_3_0, "SSLv3"),
    (tls_names::TLS_1_0, "TLSv1.0"),
    (tls_names::TLS_1_1, "TLSv1.1"),
    (tls_names::TLS_1_2, "TLSv1.2"),
    (tls_names::TLS_1_3, "TLSv1.3"),
];

/// Length of the ClientHello random, session id and x25519 key share.
const RANDOM_LEN: usize = 32;

/// How the server answered one ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloOutcome {
    /// A ServerHello (with the certificate chain for TLS 1.2 and older, when it came).
    Hello(Box<ServerFlight>),
    /// A TLS alert.
    Alert {
        /// Alert level.
        level: u8,
        /// Alert description ([RFC 8446] 6).
        description: u8,
    },
    /// Bytes that are not TLS.
    NotTls(String),
    /// Nothing usable: closed, reset or silent.
    Silent(Silence),
    /// The X.224 answer before the ClientHello was not the one the scan relies on.
    Negotiation(String),
}

/// Reads the buffered bytes of a server's first flight: `Some` once they decide, or at the end
/// (`done`) whatever they are.
pub fn judge_flight(buf: &[u8], done: bool) -> Option<HelloOutcome> {
    let progress = if done {
        wire::read_server_flight_at_close(buf)
    } else {
        wire::read_server_flight(buf)
    };
    match progress {
        FlightProgress::NeedMore if !done => None,
        FlightProgress::NeedMore if buf.is_empty() => None,
        FlightProgress::NeedMore => Some(HelloOutcome::NotTls(format!(
            "{} bytes of an unfinished TLS flight",
            buf.len()
        ))),
        FlightProgress::ServerHello(flight) => Some(HelloOutcome::Hello(Box::new(flight))),
        FlightProgress::Alert { level, description } => {
            Some(HelloOutcome::Alert { level, description })
        }
        FlightProgress::NotTls => Some(HelloOutcome::NotTls(format!(
            "{:?}",
            rdp_probe_wire::frame::sniff(buf)
        ))),
        FlightProgress::Invalid(e) => Some(HelloOutcome::NotTls(e.to_string())),
    }
}

/// A ClientHello for `version` offering `suites`, with fresh randoms; `None` when the system has no
/// secure random source.
pub fn client_hello_for(version: u16, suites: &[u16]) -> Option<Vec<u8>> {
    let mut random = [0u8; RANDOM_LEN];
    let mut session_id = [0u8; RANDOM_LEN];
    let mut key_share = [0u8; RANDOM_LEN];
    crate::tls::fill_random(&mut random).ok()?;
    crate::tls::fill_random(&mut session_id).ok()?;
    crate::tls::fill_random(&mut key_share).ok()?;
    let tls13 = version >= tls_names::TLS_1_3;
    Some(wire::client_hello(&wire::ClientHelloSpec {
        version,
        cipher_suites: suites,
        random: &random,
        session_id: if tls13 { &session_id } else { &[] },
        server_name: None,
        key_share_x25519: tls13.then_some(&key_share),
    }))
}

/// Whether `outcome` is a ServerHello for `version` (for TLS 1.3: `supported_versions` says 0x0304 —
/// a 1.2 ServerHello to a 1.3-only hello, as Windows Server 2019 sends, is a refusal); else why not.
pub fn accepted(version: u16, outcome: &HelloOutcome) -> Result<&ServerFlight, String> {
    match outcome {
        HelloOutcome::Hello(flight) if flight.negotiated_version() == version => Ok(flight),
        HelloOutcome::Hello(flight) => Err(format!(
            "answered with {}",
            tls_names::version_report_name(flight.negotiated_version())
        )),
        HelloOutcome::Alert { description, .. } => Err(format!(
            "alert {}",
            rdp_probe_codes::name_or_unknown(
                rdp_probe_codes::CodeSpace::TlsAlert,
                u32::from(*description)
            )
        )),
        HelloOutcome::NotTls(what) => Err(format!("not TLS: {what}")),
        HelloOutcome::Silent(s) => Err(format!("{s:?}").to_lowercase()),
        HelloOutcome::Negotiation(what) => Err(format!("X.224 answer changed: {what}")),
    }
}

/// One version's scan in progress: the suites still to offer and what was found.
#[derive(Debug, Clone)]
pub struct VersionScan {
    version: u16,
    remaining: Vec<u16>,
    /// The result so far.
    pub result: TlsVersionResult,
    /// The certificate chain (DER, leaf first) of the first ServerHello flight that carried one.
    pub chain: Option<Vec<Vec<u8>>>,
    /// Whether the server answered with renegotiation_info.
    pub secure_renegotiation: Option<bool>,
    /// Whether the last round ended cleanly (a refusal, not silence).
    clean_end: bool,
}

impl VersionScan {
    /// A scan of `version` offering every candidate suite.
    pub fn new(version: u16) -> Self {
        VersionScan {
            version,
            remaining: tls_names::candidate_suites(version),
            result: TlsVersionResult {
                accepted: false,
                cipher_suites: Vec::new(),
                cipher_suite_ids: Vec::new(),
                complete: false,
                refusal: None,
                downgrade_sentinel: false,
                server_preference: None,
            },
            chain: None,
            secure_renegotiation: None,
            clean_end: false,
        }
    }

    /// The version scanned.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The suites to offer next.
    pub fn remaining(&self) -> &[u16] {
        &self.remaining
    }

    /// Takes one round's outcome; `true` when another round should follow.
    pub fn record(&mut self, outcome: HelloOutcome) -> bool {
        match accepted(self.version, &outcome) {
            Ok(flight) => {
                let suite = flight.cipher_suite;
                self.result.accepted = true;
                if self.version < tls_names::TLS_1_3 {
                    self.secure_renegotiation
                        .get_or_insert(flight.secure_renegotiation);
                    if flight.downgrade_sentinel.is_some() {
                        self.result.downgrade_sentinel = true;
                    }
                }
                if self.chain.is_none() && !flight.certificates.is_empty() {
                    self.chain = Some(flight.certificates.clone());
                }
                let Some(at) = self.remaining.iter().position(|s| *s == suite) else {
                    // A suite that was not offered: the server is broken or lying; stop here.
                    self.clean_end = false;
                    return false;
                };
                self.remaining.remove(at);
                self.push_suite(suite);
                !self.remaining.is_empty()
            }
            Err(reason) => {
                self.clean_end = matches!(
                    outcome,
                    HelloOutcome::Alert { .. }
                        | HelloOutcome::Silent(Silence::Closed | Silence::Reset)
                );
                if !self.result.accepted {
                    self.result.refusal = Some(reason);
                }
                false
            }
        }
    }

    /// Reads the answer to every candidate offered in reverse order, after the first pick: a server
    /// that picks by its own order picks the same suite again (`Some(true)`); one that takes the client's
    /// first acceptable suite picks another (`Some(false)`, and that suite is recorded too); no clear
    /// answer gives `None`.
    pub fn record_order_check(&mut self, outcome: &HelloOutcome) -> Option<bool> {
        let first = self.result.cipher_suite_ids.first().copied()?;
        let flight = accepted(self.version, outcome).ok()?;
        let suite = flight.cipher_suite;
        let preference = if suite == first {
            true
        } else {
            let at = self.remaining.iter().position(|s| *s == suite)?;
            self.remaining.remove(at);
            self.push_suite(suite);
            false
        };
        self.result.server_preference = Some(preference);
        Some(preference)
    }

    /// A scan of `version` that offers only `candidates`: one share of an enumeration split into
    /// parallel parts.
    pub fn with_candidates(version: u16, candidates: Vec<u16>) -> Self {
        VersionScan {
            remaining: candidates,
            ..VersionScan::new(version)
        }
    }

    /// Splits the suites still to offer into `parts` shares (taking them from this scan).
    pub fn split(&mut self, parts: usize) -> Vec<VersionScan> {
        let parts = parts.max(1);
        let size = self.remaining.len().div_ceil(parts).max(1);
        // From here the shares decide whether the list ends cleanly.
        self.clean_end = true;
        let remaining = std::mem::take(&mut self.remaining);
        remaining
            .chunks(size)
            .map(|c| VersionScan::with_candidates(self.version, c.to_vec()))
            .collect()
    }

    /// Takes in what a share found; the list is complete only if every share ended cleanly.
    pub fn merge(&mut self, share: VersionScan) {
        for suite in share.result.cipher_suite_ids {
            if !self.result.cipher_suite_ids.contains(&suite) {
                self.push_suite(suite);
            }
        }
        self.remaining.extend(share.remaining.iter().copied());
        self.clean_end &= share.clean_end || share.remaining.is_empty();
        if self.chain.is_none() {
            self.chain = share.chain;
        }
    }

    /// Puts the suites in the order they were offered (`candidates`): the order a server that takes
    /// the client's first acceptable suite would pick them in.
    pub fn sort_by(&mut self, candidates: &[u16]) {
        let rank = |s: &u16| candidates.iter().position(|c| c == s).unwrap_or(usize::MAX);
        self.result.cipher_suite_ids.sort_by_key(rank);
        self.result.cipher_suites = self
            .result
            .cipher_suite_ids
            .iter()
            .map(|s| tls_names::cipher_suite_report_name(*s).into_owned())
            .collect();
    }

    fn push_suite(&mut self, suite: u16) {
        self.result.cipher_suite_ids.push(suite);
        self.result
            .cipher_suites
            .push(tls_names::cipher_suite_report_name(suite).into_owned());
    }

    /// Marks the list complete when the enumeration ran to a clean refusal (or offered everything).
    pub fn finish(&mut self, enumerated: bool) {
        self.result.complete =
            enumerated && self.result.accepted && (self.clean_end || self.remaining.is_empty());
    }
}
