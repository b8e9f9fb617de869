//! Scenario tests through the transcript harness: no sockets, scripted time.
//!
//! Where the lab's catalog (`rdp-probe-lab/src/catalog.rs`) has an entry for the same server, the expected
//! verdict, phase, code and Windows-client pair are the catalog's; the comment names the entry.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::time::Duration;

use ironrdp_connector::sspi::credssp::{
    CredSspServer, CredentialsProxy, EarlyUserAuthResult, ServerMode, ServerState, TsRequest,
};
use ironrdp_connector::sspi::generator::GeneratorState;
use ironrdp_connector::sspi::ntlm::NtlmConfig;
use ironrdp_connector::sspi::{self, AuthIdentity, Username};
use rdp_probe_core::engine::transcript::{self, Event, Sent, Server, Setup, Transcript, server};
use rdp_probe_core::phase::PhaseStatus;
use rdp_probe_core::report::{Outcome, Report, TrustDecision};
use rdp_probe_core::{
    CodeSpace, Credentials, LegacyTls, Phase, ProbeOptions, Protocols, StopReason, Target,
    Timeouts, Trust, VerdictKind,
};
use rdp_probe_wire::x224::{
    PROTOCOL_HYBRID, PROTOCOL_HYBRID_EX, PROTOCOL_RDP, PROTOCOL_RDSAAD, PROTOCOL_RDSTLS,
    PROTOCOL_SSL,
};

// ----- helpers -----

/// The lab's hostile-server phase limit (`catalog::HOSTILE_PHASE_TIMEOUT`).
const HOSTILE_LIMIT: Duration = Duration::from_secs(1);
const LAB_USER: &str = "labuser";
const LAB_PASSWORD: &str = "lab-password";
const WRONG_PASSWORD: &str = "not-the-lab-password";

/// The options every scenario starts from: the defaults, without the legacy-TLS attempt (its default
/// depends on the crate feature `legacy-tls`; `tests/legacy_tls_scenarios.rs` covers it).
fn base_options() -> ProbeOptions {
    ProbeOptions {
        legacy_tls: LegacyTls::Off,
        ..ProbeOptions::default()
    }
}

fn setup() -> Setup {
    Setup::new(Target::new("localhost", 3389).unwrap()).with_options(base_options())
}

fn options(f: impl FnOnce(&mut ProbeOptions)) -> Setup {
    let mut o = base_options();
    f(&mut o);
    setup().with_options(o)
}

fn only(bits: u32) -> Setup {
    options(|o| o.protocols = Some(Protocols::from_bits(bits)))
}

/// The lab account with `password`, trusting the harness's certificate by its pinned fingerprint.
fn with_credentials(password: &str) -> Setup {
    let password = password.to_owned();
    options(move |o| {
        o.credentials = Some(Credentials::new(LAB_USER, None, password));
        o.trust.pins = vec![localhost_pin()];
    })
}

/// The SHA-256 of [`server::LOCALHOST_CERT`], as `--trust-cert sha256:` pins it.
fn localhost_pin() -> [u8; 32] {
    Trust::parse_pin(&format!(
        "sha256:{}",
        rdp_probe_core::cert::sha256_hex(server::LOCALHOST_CERT)
    ))
    .unwrap()
}

fn hostile() -> Setup {
    options(|o| o.timeouts = Timeouts::uniform(HOSTILE_LIMIT))
}

/// Runs and checks the report contract; every scenario goes through here.
fn run_on(setup: &Setup, events: Vec<Event>) -> Transcript {
    let t = setup.run(events);
    t.check(&setup.options).unwrap();
    t
}

fn run(events: Vec<Event>) -> Transcript {
    run_on(&setup(), events)
}

fn server_tick() -> Duration {
    setup().tick
}

fn frame(bytes: Vec<u8>) -> Event {
    Event::Frame(bytes)
}

/// The failure as the catalog states it: phase, code space and value, and the derived pair.
fn failure_of(report: &Report) -> (Phase, CodeSpace, u32, (u32, u32)) {
    assert_eq!(report.verdict_kind(), VerdictKind::Failed, "{report:#?}");
    let f = report.failure().unwrap();
    let m = report.mstsc().unwrap();
    (
        f.phase,
        f.code.space,
        f.code.value,
        (m.disconnect_reason, m.extended_reason),
    )
}

fn kind_of(report: &Report) -> &'static str {
    report.failure().map_or("", |f| f.kind)
}

/// `requestedProtocols` of an X.224 Connection Request's RDP_NEG_REQ (its last 4 bytes, little-endian).
fn requested_protocols(connection_request: &[u8]) -> u32 {
    let tail: [u8; 4] = connection_request[connection_request.len() - 4..]
        .try_into()
        .unwrap();
    u32::from_le_bytes(tail)
}

fn to_licensing_then(events: impl IntoIterator<Item = Event>) -> Vec<Event> {
    let mut v = server::to_licensing();
    v.extend(events);
    v
}

fn to_capabilities_then(events: impl IntoIterator<Item = Event>) -> Vec<Event> {
    let mut v = server::to_capabilities();
    v.extend(events);
    v
}

fn to_finalization_then(events: impl IntoIterator<Item = Event>) -> Vec<Event> {
    let mut v = server::to_finalization().unwrap();
    v.extend(events);
    v
}

fn to_credssp_then(events: impl IntoIterator<Item = Event>) -> Vec<Event> {
    let mut v = server::to_credssp(PROTOCOL_HYBRID);
    v.extend(events);
    v
}

fn errinfo_then_close(v: u32) -> [Event; 2] {
    [frame(server::errinfo(v)), Event::Close]
}

// ----- the whole sequence -----

#[test]
fn healthy_standard_security_server_connects() {
    // catalog: healthy
    let t = run(server::healthy().unwrap());
    let r = &t.report;
    assert_eq!(r.verdict_kind(), VerdictKind::Connected);
    assert_eq!(r.outcome(), Some(Outcome::Connected));
    assert_eq!(r.server.selected_protocol.as_deref(), Some("rdp"));
    assert_eq!(r.server.rdp_version, Some(server::CORE_VERSION));
    assert_eq!(
        r.server.licensing.as_ref().and_then(|l| l.outcome),
        Some("valid_client")
    );
    let phases: Vec<Phase> = r.phases.iter().map(|p| p.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Resolve,
            Phase::TcpConnect,
            Phase::X224,
            Phase::BasicSettings,
            Phase::ChannelConnection,
            Phase::SecureSettings,
            Phase::Licensing,
            Phase::Capabilities,
            Phase::Finalization
        ]
    );
    assert!(r.phases.iter().all(|p| p.status == PhaseStatus::Ok));
    // What the client sent: the X.224 request for SSL | HYBRID | HYBRID_EX ...
    assert_eq!(
        requested_protocols(&t.sent[0].bytes),
        PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX
    );
    // ... one Client Info PDU in secure_settings, and the Confirm Active plus four finalization PDUs.
    assert_eq!(t.sent_in(Phase::SecureSettings).count(), 1);
    assert_eq!(t.sent_in(Phase::Capabilities).count(), 1);
    assert_eq!(t.sent_in(Phase::Finalization).count(), 4);
    assert!(t.skipped.is_empty());
    // Each received frame cost one tick; the phases' bytes add up to what was scripted.
    let received: u64 = r.phases.iter().map(|p| p.bytes_received).sum();
    let scripted: usize = server::healthy()
        .unwrap()
        .iter()
        .map(|e| match e {
            Event::Frame(b) => b.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(received, scripted as u64);
}

#[test]
fn redirected_server_is_connected_with_outcome_redirected() {
    // catalog: redirect
    let t = run(to_licensing_then([
        frame(server::license_valid_client()),
        frame(server::io_data(&redirection_user_data())),
        Event::Silence,
    ]));
    assert_eq!(t.report.verdict_kind(), VerdictKind::Connected);
    assert_eq!(t.report.outcome(), Some(Outcome::Redirected));
    assert_eq!(
        t.report.server.licensing.as_ref().and_then(|l| l.outcome),
        Some("valid_client")
    );
}

/// A Standard Security Server Redirection PDU's user data ([MS-RDPBCGR] 2.2.13.2.1): as the lab's
/// `Scenario::Redirect` sends it (session 0x2a, target 127.0.0.2).
fn redirection_user_data() -> Vec<u8> {
    const SEC_REDIRECTION_PKT: u16 = 0x0400;
    const LB_TARGET_NET_ADDRESS: u32 = 1;
    let mut address: Vec<u8> = "127.0.0.2"
        .encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut packet = Vec::new();
    packet.extend_from_slice(&SEC_REDIRECTION_PKT.to_le_bytes());
    packet.extend_from_slice(&0u16.to_le_bytes());
    packet.extend_from_slice(&0x2au32.to_le_bytes());
    packet.extend_from_slice(&LB_TARGET_NET_ADDRESS.to_le_bytes());
    packet.extend_from_slice(&(address.len() as u32).to_le_bytes());
    packet.append(&mut address);
    packet.extend_from_slice(&[0u8; 8]);
    let len = (packet.len() as u16).to_le_bytes();
    packet[2..4].copy_from_slice(&len);
    let mut out = Vec::new();
    out.extend_from_slice(&SEC_REDIRECTION_PKT.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&packet);
    out
}

#[test]
fn frames_split_and_joined_arbitrarily_give_the_same_report() {
    // The whole healthy byte stream, once as one event and once byte by byte.
    let bytes: Vec<u8> = server::healthy()
        .unwrap()
        .into_iter()
        .flat_map(|e| match e {
            Event::Frame(b) => b,
            _ => Vec::new(),
        })
        .collect();
    let joined = run(vec![Event::Frame(bytes.clone())]);
    assert_eq!(joined.report.verdict_kind(), VerdictKind::Connected);
    // One byte per event would take ~1 s of ticks per phase; a zero tick keeps the clock still.
    let mut s = setup();
    s.tick = Duration::ZERO;
    let split = run_on(&s, bytes.iter().map(|b| Event::Frame(vec![*b])).collect());
    assert_eq!(split.report.verdict_kind(), VerdictKind::Connected);
    assert_eq!(split.sent.len(), joined.sent.len());
    let counts = |t: &Transcript| {
        t.report
            .phases
            .iter()
            .map(|p| (p.phase, p.bytes_sent, p.bytes_received, p.round_trips))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&split), counts(&joined));
}

// ----- tcp_connect, resolve -----

#[test]
fn connect_refused() {
    // catalog: refused
    let t = run(vec![Event::ConnectRefused]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::TcpConnect, CodeSpace::OsError, 111, (0x204, 0))
    );
    assert!(t.sent.is_empty());
}

#[test]
fn connect_unanswered_times_out_at_the_connect_limit() {
    let s = options(|o| {
        o.timeouts = Timeouts {
            connect: Duration::from_secs(3),
            ..Timeouts::default()
        }
    });
    let t = run_on(&s, vec![Event::ConnectUnanswered]);
    let (phase, space, value, _) = failure_of(&t.report);
    assert_eq!(
        (phase, space, value),
        (Phase::TcpConnect, CodeSpace::Timeout, 3000)
    );
    assert_eq!(t.report.failure().unwrap().code.name, "CONNECT_TIMEOUT");
    assert_eq!(t.clock, Duration::from_secs(3));
}

#[test]
fn name_resolution_failure() {
    let t = run(vec![Event::ResolveFails("no such host".into())]);
    let (phase, space, value, _) = failure_of(&t.report);
    assert_eq!(
        (phase, space, value),
        (Phase::Resolve, CodeSpace::OsError, 0)
    );
    assert_eq!(kind_of(&t.report), "dns");
    assert_eq!(t.connections, 0);
}

// ----- x224 -----

#[test]
fn every_neg_failure_code() {
    // catalog: neg-failure-0x1 ... 0x6 (0x2 probed with only ssl, so there is no fallback), neg-failure-0x99
    for code in [1u32, 2, 3, 4, 5, 6, 0x99] {
        let s = if code == 2 {
            only(PROTOCOL_SSL)
        } else {
            setup()
        };
        let t = run_on(&s, vec![frame(server::neg_failure(code)), Event::Close]);
        let pair = if code == 5 { (0xB09, 0) } else { (0x906, 0) };
        assert_eq!(
            failure_of(&t.report),
            (Phase::X224, CodeSpace::NegFailure, code, pair),
            "code {code}"
        );
        let facts = &t.report.server.negotiation_failures;
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].code, code);
        assert_eq!(t.connections, 1, "code {code}: no fallback");
        assert_eq!(
            t.report.failure().unwrap().code.name.starts_with("UNKNOWN"),
            code == 0x99,
            "code {code}"
        );
    }
}

#[test]
fn ssl_not_allowed_falls_back_to_standard_security() {
    // catalog: ssl-not-allowed-then-errinfo-0x7
    let mut events = vec![frame(server::neg_failure(2)), Event::Close];
    events.extend(to_licensing_then(errinfo_then_close(7)));
    let t = run(events);
    let r = &t.report;
    assert_eq!(
        failure_of(r),
        (Phase::Licensing, CodeSpace::Errinfo, 7, (0x904, 7))
    );
    assert_eq!(r.server.negotiation_failures[0].code, 2);
    assert_eq!(
        r.server.negotiation_failures[0].requested,
        Protocols::MSTSC_DEFAULT
    );
    assert_eq!(r.server.requested_protocols, Some(Protocols::RDP));
    // Two attempts: the first x224 failed, the second starts at tcp_connect.
    let first: Vec<_> = r.phases.iter().filter(|p| p.attempt == 1).collect();
    assert_eq!(
        first
            .iter()
            .map(|p| (p.phase, p.status))
            .collect::<Vec<_>>(),
        [
            (Phase::Resolve, PhaseStatus::Ok),
            (Phase::TcpConnect, PhaseStatus::Ok),
            (Phase::X224, PhaseStatus::Failed)
        ]
    );
    assert_eq!(
        r.phases.iter().find(|p| p.attempt == 2).map(|p| p.phase),
        Some(Phase::TcpConnect)
    );
    // The client bytes: two Connection Requests, the second for PROTOCOL_RDP only.
    assert_eq!(t.connections, 2);
    let requests: Vec<&Sent> = t.sent_in(Phase::X224).collect();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requested_protocols(&requests[0].bytes),
        Protocols::MSTSC_DEFAULT.bits()
    );
    assert_eq!(requested_protocols(&requests[1].bytes), PROTOCOL_RDP);
    assert_eq!(requests[1].connection, 2);
}

#[test]
fn ssl_not_allowed_with_explicit_protocols_does_not_fall_back() {
    let t = run_on(
        &only(PROTOCOL_SSL | PROTOCOL_HYBRID),
        vec![frame(server::neg_failure(2)), Event::Close],
    );
    assert_eq!(
        failure_of(&t.report),
        (Phase::X224, CodeSpace::NegFailure, 2, (0x906, 0))
    );
    assert_eq!(t.connections, 1);
}

#[test]
fn x224_disconnect_request_instead_of_the_confirm() {
    // The reason byte is the failure's code, never lost; every reason keeps its value.
    for (reason, name) in [
        (2u8, "X224_DR_SESSION_ENTITY_NOT_ATTACHED"),
        (0, "X224_DR_NOT_SPECIFIED"),
        (0x85, "X224_DR_PROTOCOL_ERROR"),
        (0x7f, "UNKNOWN_X224_DISCONNECT_0x7F"),
    ] {
        let t = run(vec![frame(server::x224_disconnect(reason))]);
        assert_eq!(
            failure_of(&t.report),
            (
                Phase::X224,
                CodeSpace::X224Disconnect,
                u32::from(reason),
                (0x904, 0)
            )
        );
        assert_eq!(kind_of(&t.report), "x224_disconnect");
        let failure = t.report.failure().unwrap();
        assert_eq!(failure.code.name, name);
        assert_eq!(
            failure.detail,
            Some(rdp_probe_core::failure::Detail::X224Disconnect { reason })
        );
    }
}

#[test]
fn legacy_confirm_without_negotiation_data() {
    // catalog: legacy-no-negotiation
    let mut events = vec![frame(server::legacy_confirm())];
    events.extend(server::to_licensing().into_iter().skip(1));
    events.extend(errinfo_then_close(7));
    let t = run(events);
    assert_eq!(
        failure_of(&t.report),
        (Phase::Licensing, CodeSpace::Errinfo, 7, (0x904, 7))
    );
    assert!(t.report.server.legacy_negotiation);
    assert_eq!(t.report.server.selected_protocol.as_deref(), Some("rdp"));
}

#[test]
fn selected_protocol_not_offered() {
    // catalog: selects-unrequested-0x4-ssl-only
    let t = run_on(
        &only(PROTOCOL_SSL),
        vec![frame(server::confirm(PROTOCOL_RDSTLS)), Event::Close],
    );
    assert_eq!(
        failure_of(&t.report),
        (Phase::X224, CodeSpace::Protocol, 1, (0x1104, 0))
    );
    assert_eq!(t.report.server.selected_protocol.as_deref(), Some("rdstls"));
    // Two bits at once are never a valid selection, even when both were requested.
    let t = run(vec![frame(server::confirm(PROTOCOL_SSL | PROTOCOL_HYBRID))]);
    assert_eq!(t.report.failure().unwrap().code.value, 1);
}

#[test]
fn rdstls_or_rdsaad_selected_without_being_requested() {
    // The Windows client's protocols do not include them: a protocol violation, as for any unrequested one.
    for selected in [PROTOCOL_RDSTLS, PROTOCOL_RDSAAD] {
        let t = run(vec![frame(server::confirm(selected))]);
        assert_eq!(
            failure_of(&t.report),
            (Phase::X224, CodeSpace::Protocol, 1, (0x1104, 0))
        );
    }
}

#[test]
fn requesting_rdstls_or_rdsaad_asks_for_them_and_stops_where_the_probe_cannot_follow() {
    // IronRDP's connector cannot request RDSTLS or RDSAAD; the Connection Request on the wire still asks
    // for what the user asked for, and a server that selects one of them meets the probe's own
    // "not implemented" stop, never a failure blamed on the server.
    for requested in [PROTOCOL_RDSTLS, PROTOCOL_RDSAAD] {
        let t = run_on(
            &only(PROTOCOL_SSL | requested),
            vec![frame(server::confirm(requested))],
        );
        assert_eq!(t.report.verdict_kind(), VerdictKind::Inconclusive);
        let stop = t.report.stop().unwrap();
        assert_eq!(
            (stop.phase, stop.reason),
            (Phase::X224, StopReason::ProtocolNotImplemented)
        );
        let request = &t.sent.first().unwrap().bytes;
        let neg_req = request.get(request.len() - 4..).unwrap();
        assert_eq!(neg_req, (PROTOCOL_SSL | requested).to_le_bytes());
        // A server that selects SSL from the same request goes on to TLS as usual.
        let t = run_on(
            &only(PROTOCOL_SSL | requested),
            vec![frame(server::confirm(PROTOCOL_SSL)), Event::tls_ok()],
        );
        assert!(
            t.report.phases.iter().any(|p| p.phase == Phase::Tls),
            "{:?}",
            t.report.phases
        );
    }
}

#[test]
fn not_rdp_answers() {
    // catalog: http, ssh-banner, tls-alert
    let cases: [(&[u8], u32, &str); 4] = [
        (
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            1,
            "HTTP",
        ),
        (b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", 2, "SSH"),
        (
            &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28],
            3,
            "TLS_WITHOUT_X224",
        ),
        (b"\xff\xfe\xfd\xfc garbage", 4, "NOT_TPKT"),
    ];
    for (bytes, value, name) in cases {
        let t = run(vec![frame(bytes.to_vec()), Event::Close]);
        assert_eq!(
            failure_of(&t.report),
            (Phase::X224, CodeSpace::NotRdp, value, (0x1104, 0)),
            "{name}"
        );
        assert_eq!(t.report.failure().unwrap().code.name, name);
        // The bytes it held count as received.
        assert_eq!(
            t.report.phases.last().unwrap().bytes_received,
            bytes.len() as u64
        );
    }
}

#[test]
fn unexpected_pdu_instead_of_the_confirm() {
    let t = run(vec![frame(server::connect_response())]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::X224, CodeSpace::Protocol, 2, (0x1104, 0))
    );
}

// ----- tls -----

#[test]
fn tls_alerts() {
    // catalog: tls-alert-after-confirm-40, -48
    for alert in [40u8, 48, 70] {
        let t = run(vec![
            frame(server::confirm(PROTOCOL_HYBRID)),
            Event::tls_alert(alert),
        ]);
        assert_eq!(
            failure_of(&t.report),
            (Phase::Tls, CodeSpace::TlsAlert, u32::from(alert), (0x4, 0))
        );
    }
}

#[test]
fn tls_version_too_old() {
    // catalog: tls10-only
    for (version, name) in [
        (0x0301u16, "TLS_1_0"),
        (0x0302, "TLS_1_1"),
        (0x0300, "SSL_3_0"),
    ] {
        let mut script = vec![frame(server::confirm(PROTOCOL_HYBRID))];
        script.extend(Event::legacy_tls_server(version));
        let t = run(script);
        assert_eq!(
            failure_of(&t.report),
            (
                Phase::Tls,
                CodeSpace::TlsVersion,
                u32::from(version),
                (0x4, 0)
            )
        );
        assert_eq!(t.report.failure().unwrap().code.name, name);
        // The check is the engine's own: a second connection, an X.224 Connection Request for
        // PROTOCOL_SSL, then a TLS 1.0 ClientHello carrying the random the driver supplied.
        assert_eq!(t.connections, 2);
        let second: Vec<_> = t.sent.iter().filter(|s| s.connection == 2).collect();
        assert_eq!(second.len(), 2, "{second:?}");
        assert!(second.iter().all(|s| s.phase == Phase::Tls));
        assert_eq!(
            second[0].bytes.get(11),
            Some(&0x01),
            "requests PROTOCOL_SSL"
        );
        let hello = &second[1].bytes;
        assert_eq!(hello.first(), Some(&22), "a handshake record");
        assert_eq!(
            hello.get(9..11),
            Some(&[0x03, 0x01][..]),
            "client_version TLS 1.0"
        );
        assert_eq!(hello.get(11..43), Some(&[transcript::RANDOM_FILL; 32][..]));
        let tls = t
            .report
            .phases
            .iter()
            .find(|p| p.phase == Phase::Tls)
            .unwrap();
        assert_eq!(
            tls.round_trips, 2,
            "the X.224 exchange and the hello exchange"
        );
    }
}

#[test]
fn a_legacy_check_that_learns_nothing_keeps_the_first_verdict() {
    // A TLS 1.2 ServerHello on the second connection: not a legacy server, whatever rustls saw.
    let mut script = vec![frame(server::confirm(PROTOCOL_HYBRID))];
    script.extend(Event::legacy_tls_server(0x0303));
    let t = run(script);
    assert_eq!(
        failure_of(&t.report),
        (Phase::Tls, CodeSpace::TlsVersion, 0, (0x4, 0))
    );
    // An alert that is no sign of an old server starts no check.
    let t = run(vec![
        frame(server::confirm(PROTOCOL_HYBRID)),
        Event::tls_alert(48),
    ]);
    assert_eq!(t.connections, 1);
}

#[test]
fn tls_closed_or_reset_during_the_handshake() {
    let t = run(vec![frame(server::confirm(PROTOCOL_SSL)), Event::Close]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::Tls, CodeSpace::OsError, 0, (0x904, 0))
    );
    let t = run(vec![frame(server::confirm(PROTOCOL_SSL)), Event::Reset]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::Tls, CodeSpace::OsError, 104, (0x404, 0))
    );
}

#[test]
fn tls_without_a_certificate_fails() {
    let t = run(vec![
        frame(server::confirm(PROTOCOL_SSL)),
        Event::tls_ok_with(Vec::new()),
    ]);
    let (phase, space, value, _) = failure_of(&t.report);
    assert_eq!((phase, space, value), (Phase::Tls, CodeSpace::Protocol, 20));
    assert!(t.report.server.tls.is_some());
}

#[test]
fn certificate_facts_are_recorded() {
    // PROTOCOL_SSL: after TLS, straight on to basic_settings; the server then closes.
    let t = run(vec![
        frame(server::confirm(PROTOCOL_SSL)),
        Event::tls_ok(),
        Event::Close,
    ]);
    let (phase, ..) = failure_of(&t.report);
    assert_eq!(phase, Phase::BasicSettings);
    let tls = t.report.server.tls.as_ref().unwrap();
    // Named as admin tools name them, with the numbers beside.
    assert_eq!(
        (tls.version.as_str(), tls.cipher_suite.as_str()),
        ("TLSv1.3", "TLS_AES_256_GCM_SHA384")
    );
    assert_eq!((tls.version_id, tls.cipher_suite_id), (0x0304, 4866));
    let cert = t.report.server.certificate.as_ref().unwrap();
    assert!(cert.subject.contains("localhost"), "{}", cert.subject);
    assert!(cert.self_signed);
    assert_eq!((cert.key_type.as_str(), cert.key_bits), ("RSA", 2048));
    assert_eq!(cert.chain_len, 1);
    assert_eq!(cert.findings, ["self_signed"]);
    // The Connect Initial went out under TLS, in basic_settings.
    assert_eq!(t.sent_in(Phase::BasicSettings).count(), 1);
}

#[test]
fn certificate_findings_depend_on_host_and_time() {
    let events = || {
        vec![
            frame(server::confirm(PROTOCOL_SSL)),
            Event::tls_ok(),
            Event::Close,
        ]
    };
    let findings = |s: &Setup| {
        let t = run_on(s, events());
        t.report.server.certificate.unwrap().findings
    };
    let other_host = Setup::new(Target::new("rdp.example.com", 3389).unwrap());
    assert!(findings(&other_host).contains(&"name_mismatch"));
    // 2040: after notAfter; 2020: before notBefore.
    assert!(findings(&setup().with_now_unix(2_208_988_800)).contains(&"expired"));
    assert!(findings(&setup().with_now_unix(1_577_836_800)).contains(&"not_yet_valid"));
}

// ----- credssp -----

#[test]
fn credential_less_nla_stops_at_the_wall_with_ntlm_facts() {
    // catalog: ntlm-challenge-v2 ... -v6
    for version in 2..=6u32 {
        let t = run(to_credssp_then([frame(server::ntlm_challenge(version))]));
        let r = &t.report;
        assert_eq!(r.verdict_kind(), VerdictKind::NeedsCredentials);
        let stop = r.stop().unwrap();
        assert_eq!(
            (stop.phase, stop.reason),
            (Phase::Credssp, StopReason::NlaRequiresCredentials)
        );
        assert_eq!(r.server.credssp_version, Some(version));
        let ntlm = r.server.ntlm.as_ref().unwrap();
        assert_eq!(ntlm.netbios_computer.as_deref(), Some("LABHOST"));
        assert_eq!(ntlm.netbios_domain.as_deref(), Some("RDPLAB"));
        assert_eq!(ntlm.os_version.as_deref(), Some("10.0.20348"));
        // The client sent one TSRequest, an NTLM NEGOTIATE: no logon attempt.
        let sent: Vec<&Sent> = t.sent_in(Phase::Credssp).collect();
        assert_eq!(sent.len(), 1);
        let info = rdp_probe_wire::credssp::parse_ts_request(&sent[0].bytes).unwrap();
        let token = info.nego_token.unwrap();
        assert_eq!(&token[..8], b"NTLMSSP\0");
        assert_eq!(token[8], 1, "message type NEGOTIATE");
    }
}

#[test]
fn credssp_error_codes() {
    // catalog: credssp-error-v3-0xc000006d, -v6-0xc000006d, -0xc0000071, -0xc0000072, -0xc0000234,
    // -0x80090308
    for (version, status, disc) in [
        (3u32, 0xC000_006Du32, 0x807u32),
        (6, 0xC000_006D, 0x807),
        (6, 0xC000_0071, 0xF07),
        (6, 0xC000_0072, 0xB07),
        (6, 0xC000_0234, 0xD07),
        (6, 0x8009_0308, 0x807),
    ] {
        let t = run(to_credssp_then([
            frame(server::credssp_error(version, status)),
            Event::Close,
        ]));
        assert_eq!(
            failure_of(&t.report),
            (Phase::Credssp, CodeSpace::Ntstatus, status, (disc, 0)),
            "{status:#x}"
        );
        assert_eq!(t.report.server.credssp_version, Some(version));
    }
}

#[test]
fn credssp_error_code_with_credentials() {
    // The engine reads errorCode before sspi sees the TSRequest.
    let t = run_on(
        &with_credentials(WRONG_PASSWORD),
        to_credssp_then([frame(server::credssp_error(6, 0xC000_006D))]),
    );
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::Ntstatus, 0xC000_006D, (0x807, 0))
    );
}

#[test]
fn close_after_authenticate_is_a_rejection_without_code() {
    // catalog: ntlm-challenge-v2-with-credentials, -v6-with-credentials
    for version in [2u32, 6] {
        for ending in [Event::Close, Event::Reset] {
            let t = run_on(
                &with_credentials(LAB_PASSWORD),
                to_credssp_then([frame(server::ntlm_challenge(version)), ending.clone()]),
            );
            assert_eq!(
                failure_of(&t.report),
                (Phase::Credssp, CodeSpace::Credssp, 1, (0x807, 0)),
                "v{version} {ending:?}"
            );
            assert_eq!(
                t.report.failure().unwrap().code.name,
                "CREDSSP_REJECTED_WITHOUT_CODE"
            );
            // NEGOTIATE, then AUTHENTICATE with pubKeyAuth.
            let sent: Vec<&Sent> = t.sent_in(Phase::Credssp).collect();
            assert_eq!(sent.len(), 2);
            let authenticate = rdp_probe_wire::credssp::parse_ts_request(&sent[1].bytes).unwrap();
            assert!(authenticate.has_pub_key_auth);
            assert_eq!(
                authenticate.nego_token.map(|t| t[8]),
                Some(3),
                "AUTHENTICATE"
            );
        }
    }
}

#[test]
fn close_before_authenticate_is_a_plain_close() {
    let t = run_on(
        &with_credentials(LAB_PASSWORD),
        to_credssp_then([Event::Close]),
    );
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::OsError, 0, (0x904, 0))
    );
}

#[test]
fn malformed_ts_requests() {
    // Not DER at all: the framing refuses it.
    let t = run(to_credssp_then([frame(b"\xff\xfe garbage".to_vec())]));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::Credssp, 3, (0x807, 0))
    );
    // A SEQUENCE that is no TSRequest (no version).
    let t = run(to_credssp_then([frame(vec![0x30, 0x03, 0x02, 0x01, 0x05])]));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::Credssp, 3, (0x807, 0))
    );
    // A CHALLENGE that sspi cannot use (a token that is not NTLM), with credentials.
    let t = run_on(
        &with_credentials(LAB_PASSWORD),
        to_credssp_then([frame(rdp_probe_wire::credssp::encode_ts_request_negotiate(
            6,
            b"not an ntlm token",
        ))]),
    );
    let (phase, space, ..) = failure_of(&t.report);
    assert_eq!((phase, space), (Phase::Credssp, CodeSpace::Credssp));
}

#[test]
fn ts_request_too_large() {
    // catalog: hostile-huge-length-at-credssp
    let t = run(to_credssp_then([frame(vec![
        0x30, 0x84, 0x7f, 0xff, 0xff, 0xff,
    ])]));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::Protocol, 4, (0x1104, 0))
    );
    assert_eq!(t.report.failure().unwrap().kind, "protocol_violation");
}

/// A CredSSP server for the lab account (sspi's, as the lab's acceptor runs it): selects `selected`,
/// completes TLS with the lab certificate, answers every client TSRequest, and for HYBRID_EX sends the
/// Early User Authorization Result (`denied`: AUTHZ_ACCESS_DENIED even after a successful logon). After
/// CredSSP it plays `after`.
struct NlaServer {
    selected: u32,
    denied: bool,
    server: CredSspServer<LabAccount>,
    started: bool,
    answered: usize,
    queue: Vec<Event>,
    finished: bool,
    after: Vec<Event>,
    /// Only TLS 1.0: rustls fails, the version check confirms it, and CredSSP runs on the legacy-TLS
    /// attempt's connection.
    tls10_only: bool,
}

/// The client messages before the first TSRequest: the Connection Request, and for a TLS 1.0-only
/// server also the version check's Connection Request and ClientHello and the legacy attempt's
/// Connection Request.
const BEFORE_CREDSSP: usize = 1;
const BEFORE_CREDSSP_AFTER_LEGACY_TLS: usize = 4;

#[derive(Debug)]
struct LabAccount;

impl CredentialsProxy for LabAccount {
    type AuthenticationData = AuthIdentity;
    fn auth_data_by_user(&mut self, username: &Username) -> std::io::Result<AuthIdentity> {
        Ok(AuthIdentity {
            username: username.clone(),
            password: LAB_PASSWORD.to_owned().into(),
        })
    }

    fn auth_data(&mut self) -> std::io::Result<Vec<AuthIdentity>> {
        let username = Username::new(LAB_USER, None).map_err(std::io::Error::other)?;
        self.auth_data_by_user(&username).map(|a| vec![a])
    }
}

impl NlaServer {
    fn new(selected: u32, denied: bool, after: Vec<Event>) -> Self {
        let public_key = rdp_probe_core::cert::subject_public_key(server::LOCALHOST_CERT).unwrap();
        let server = CredSspServer::new(
            public_key,
            LabAccount,
            ServerMode::Ntlm(NtlmConfig::new("LABHOST".into())),
        )
        .unwrap();
        Self {
            selected,
            denied,
            server,
            started: false,
            answered: 0,
            queue: Vec::new(),
            finished: false,
            after,
            tls10_only: false,
        }
    }

    /// The same server speaking only TLS 1.0.
    fn tls10_only(self) -> Self {
        Self {
            tls10_only: true,
            ..self
        }
    }
}

impl Server for NlaServer {
    fn next_event(&mut self, client: &[Sent]) -> Option<Event> {
        if !self.started {
            self.started = true;
            // Popped from the end.
            self.queue = vec![Event::tls_ok(), frame(server::confirm(self.selected))];
            if self.tls10_only {
                self.queue = vec![
                    Event::TlsOk {
                        // TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA.
                        version: 0x0301,
                        cipher_suite: 0x002F,
                        chain: vec![server::LOCALHOST_CERT.to_vec()],
                    },
                    frame(server::confirm(self.selected)),
                ];
                let mut legacy = Event::legacy_tls_server(0x0301).to_vec();
                legacy.reverse();
                self.queue.extend(legacy);
                self.queue.push(frame(server::confirm(self.selected)));
            }
        }
        if let Some(e) = self.queue.pop() {
            return Some(e);
        }
        if self.finished {
            return (!self.after.is_empty()).then(|| self.after.remove(0));
        }
        // Every client message after the Connection Request is a TSRequest until CredSSP ends.
        let before = if self.tls10_only {
            BEFORE_CREDSSP_AFTER_LEGACY_TLS
        } else {
            BEFORE_CREDSSP
        };
        let request = client.get(before + self.answered)?;
        self.answered += 1;
        let request = TsRequest::from_buffer(&request.bytes).unwrap();
        let mut generator = self.server.process(request);
        let state = match generator.start() {
            GeneratorState::Completed(state) => state,
            GeneratorState::Suspended(_) => panic!("NTLM does no network I/O"),
        };
        match state {
            Ok(ServerState::ReplyNeeded(reply)) => {
                let mut out = Vec::new();
                reply.encode_ts_request(&mut out).unwrap();
                Some(frame(out))
            }
            Ok(ServerState::Finished(_)) => {
                self.finished = true;
                if self.selected & PROTOCOL_HYBRID_EX == 0 {
                    return (!self.after.is_empty()).then(|| self.after.remove(0));
                }
                let result = if self.denied {
                    EarlyUserAuthResult::AccessDenied
                } else {
                    EarlyUserAuthResult::Success
                };
                let mut out = Vec::new();
                result.to_buffer(&mut out).unwrap();
                Some(frame(out))
            }
            Err(e) => {
                let code = match e.error.error_type {
                    sspi::ErrorKind::LogonDenied => 0xC000_006D,
                    _ => 0xC000_0001,
                };
                self.finished = true;
                Some(frame(server::credssp_error(6, code)))
            }
        }
    }
}

#[test]
fn nla_logon_then_the_session() {
    // catalog: acceptor-nla-with-credentials (the session part scripted: errinfo 9 in licensing)
    let s = with_credentials(LAB_PASSWORD);
    let mut after = server::to_licensing()
        .into_iter()
        .skip(1)
        .collect::<Vec<_>>();
    after.extend(errinfo_then_close(9));
    let mut nla = NlaServer::new(PROTOCOL_HYBRID, false, after);
    let t = s.run_with(&mut nla);
    t.check(&s.options).unwrap();
    assert_eq!(
        failure_of(&t.report),
        (Phase::Licensing, CodeSpace::Errinfo, 9, (0x904, 9))
    );
    assert!(
        t.report
            .phases
            .iter()
            .any(|p| p.phase == Phase::Credssp && p.status == PhaseStatus::Ok)
    );
    // NEGOTIATE, AUTHENTICATE + pubKeyAuth, then authInfo with the credentials.
    let ts_requests: Vec<_> = t.sent[1..4]
        .iter()
        .map(|s| rdp_probe_wire::credssp::parse_ts_request(&s.bytes).unwrap())
        .collect();
    assert!(ts_requests[0].nego_token.is_some() && !ts_requests[0].has_pub_key_auth);
    assert!(ts_requests[1].has_pub_key_auth);
    assert!(ts_requests[2].has_auth_info);
    // All three, the credentials included, belong to credssp, in bytes and in round trips.
    assert!(t.sent[1..4].iter().all(|s| s.phase == Phase::Credssp));
    let sent: usize = t.sent[1..4].iter().map(|s| s.bytes.len()).sum();
    let credssp = t
        .report
        .phases
        .iter()
        .find(|p| p.phase == Phase::Credssp)
        .unwrap();
    assert_eq!(credssp.bytes_sent, sent as u64);
    let basic = t
        .report
        .phases
        .iter()
        .find(|p| p.phase == Phase::BasicSettings)
        .unwrap();
    assert_eq!(
        basic.bytes_sent,
        t.sent_in(Phase::BasicSettings)
            .map(|s| s.bytes.len() as u64)
            .sum::<u64>()
    );
}

#[test]
fn nla_over_legacy_tls_binds_the_legacy_sessions_key() {
    // A TLS 1.0-only server with NLA: the legacy attempt's CredSSP proves the key of the certificate
    // the legacy handshake saw (the server checks pubKeyAuth), logs on, and meets errinfo 9.
    let s = options(|o| {
        o.credentials = Some(Credentials::new(LAB_USER, None, LAB_PASSWORD));
        o.trust.pins = vec![localhost_pin()];
        o.legacy_tls = LegacyTls::Follow;
    });
    let mut after = server::to_licensing()
        .into_iter()
        .skip(1)
        .collect::<Vec<_>>();
    after.extend(errinfo_then_close(9));
    let mut nla = NlaServer::new(PROTOCOL_HYBRID, false, after).tls10_only();
    let t = s.run_with(&mut nla);
    t.check(&s.options).unwrap();
    // The verdict is what a current client meets; the legacy attempt logged on.
    assert_eq!(
        failure_of(&t.report),
        (Phase::Tls, CodeSpace::TlsVersion, 0x0301, (0x4, 0))
    );
    let legacy = t.report.legacy_tls.as_ref().unwrap();
    assert_eq!(legacy.reached, Phase::Licensing);
    let ending = serde_json::to_value(&legacy.ending).unwrap();
    assert_eq!(ending["failure"]["code"]["value"], 9, "{ending:#}");
    assert!(
        t.report
            .phases
            .iter()
            .any(|p| p.phase == Phase::Credssp && p.status == PhaseStatus::Ok && p.attempt == 2)
    );
    assert_eq!(
        t.tls_stacks,
        [
            rdp_probe_core::engine::TlsStack::Rustls,
            rdp_probe_core::engine::TlsStack::Legacy
        ]
    );
}

#[test]
fn early_user_authorization_denied() {
    // catalog: acceptor-early-user-auth-denied
    let s = with_credentials(LAB_PASSWORD);
    let mut nla = NlaServer::new(PROTOCOL_HYBRID_EX, true, Vec::new());
    let t = s.run_with(&mut nla);
    t.check(&s.options).unwrap();
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::EarlyUserAuth, 5, (0x904, 0x9))
    );
    assert_eq!(
        t.report.server.selected_protocol.as_deref(),
        Some("hybrid_ex")
    );
    assert_eq!(t.report.server.early_user_auth_result, Some(5));
}

#[test]
fn early_user_authorization_granted_goes_on() {
    let s = with_credentials(LAB_PASSWORD);
    let mut nla = NlaServer::new(PROTOCOL_HYBRID_EX, false, vec![Event::Close]);
    let t = s.run_with(&mut nla);
    t.check(&s.options).unwrap();
    assert_eq!(t.report.server.early_user_auth_result, Some(0));
    let (phase, ..) = failure_of(&t.report);
    assert_eq!(phase, Phase::BasicSettings);
}

#[test]
fn wrong_password_against_a_real_ntlm_server() {
    // catalog: acceptor-nla-wrong-password
    let s = with_credentials(WRONG_PASSWORD);
    let mut nla = NlaServer::new(PROTOCOL_HYBRID, false, Vec::new());
    let t = s.run_with(&mut nla);
    t.check(&s.options).unwrap();
    assert_eq!(
        failure_of(&t.report),
        (Phase::Credssp, CodeSpace::Ntstatus, 0xC000_006D, (0x807, 0))
    );
}

// ----- basic settings, channel connection -----

#[test]
fn mcs_connect_response_rejected() {
    // catalog: mcs-connect-rejected-1
    let t = run(vec![
        frame(server::confirm(PROTOCOL_RDP)),
        frame(server::connect_response_rejected(1)),
        Event::Close,
    ]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::BasicSettings, CodeSpace::Protocol, 5, (0x1104, 0))
    );
}

#[test]
fn attach_user_or_channel_join_rejected() {
    // catalog: attach-user-rejected-1, channel-join-rejected-14
    let prefix = || {
        vec![
            frame(server::confirm(PROTOCOL_RDP)),
            frame(server::connect_response()),
        ]
    };
    let mut attach = prefix();
    attach.extend([frame(server::attach_user_confirm(1)), Event::Close]);
    let mut join = prefix();
    join.extend([
        frame(server::attach_user_confirm(0)),
        frame(server::channel_join_confirm(14, server::USER_CHANNEL)),
        Event::Close,
    ]);
    for events in [attach, join] {
        let t = run(events);
        assert_eq!(
            failure_of(&t.report),
            (
                Phase::ChannelConnection,
                CodeSpace::Protocol,
                6,
                (0x1104, 0)
            )
        );
    }
}

#[test]
fn mcs_disconnect_provider_ultimatum_in_each_phase() {
    // catalog: mcs-disconnect-in-basic-settings-1 (and the same PDU later on)
    let ultimatum = |reason| [frame(server::disconnect_ultimatum(reason)), Event::Close];
    let cases: Vec<(Phase, Vec<Event>)> = vec![
        (Phase::BasicSettings, {
            let mut v = vec![frame(server::confirm(PROTOCOL_RDP))];
            v.extend(ultimatum(1));
            v
        }),
        (Phase::ChannelConnection, {
            let mut v = server::to_licensing();
            v.truncate(2);
            v.extend(ultimatum(1));
            v
        }),
        (Phase::Licensing, to_licensing_then(ultimatum(1))),
        (Phase::Capabilities, to_capabilities_then(ultimatum(1))),
        (Phase::Finalization, to_finalization_then(ultimatum(1))),
    ];
    for (phase, events) in cases {
        let t = run(events);
        assert_eq!(
            failure_of(&t.report),
            (phase, CodeSpace::McsDisconnect, 1, (0x3, 0)),
            "{phase}"
        );
    }
    // Reason 3 (rn-user-requested), named.
    let t = run(to_licensing_then(ultimatum(3)));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Licensing, CodeSpace::McsDisconnect, 3, (0x3, 0))
    );
    assert!(!t.report.failure().unwrap().code.name.starts_with("UNKNOWN"));
}

// ----- Set Error Info -----

#[test]
fn errinfo_after_client_info_then_close() {
    // catalog: errinfo-after-client-info-0x7, -0x9, -0x101, -0x10c9, -0xbeef
    for value in [7u32, 9, 0x101, 0x10C9, 0xBEEF] {
        let t = run(to_licensing_then(errinfo_then_close(value)));
        assert_eq!(
            failure_of(&t.report),
            (Phase::Licensing, CodeSpace::Errinfo, value, (0x904, value)),
            "{value:#x}"
        );
        let facts = &t.report.server.errinfo_received;
        assert_eq!(facts.len(), 1);
        assert_eq!((facts[0].value, facts[0].phase), (value, Phase::Licensing));
        assert_eq!(kind_of(&t.report), "server_error_info");
    }
}

#[test]
fn errinfo_ended_four_ways() {
    // catalog: errinfo-then-ultimatum-0x7, errinfo-then-reset-0x9, errinfo-then-hold-0x10c9
    let cases: [(u32, Event, (u32, u32)); 4] = [
        (7, Event::Close, (0x904, 7)),
        (9, Event::Reset, (0x404, 9)),
        (7, frame(server::disconnect_ultimatum(3)), (0x3, 7)),
        (0x10C9, Event::Silence, (0x904, 0x10C9)),
    ];
    for (value, ending, pair) in cases {
        let t = run(to_licensing_then([
            frame(server::errinfo(value)),
            ending.clone(),
        ]));
        assert_eq!(
            failure_of(&t.report),
            (Phase::Licensing, CodeSpace::Errinfo, value, pair),
            "{ending:?}"
        );
    }
}

#[test]
fn errinfo_then_silence_waits_two_seconds_not_the_phase_limit() {
    let t = run(to_licensing_then([
        frame(server::errinfo(7)),
        Event::Silence,
    ]));
    let last = t.report.phases.last().unwrap();
    assert_eq!(last.phase, Phase::Licensing);
    // The errinfo arrived one tick into licensing; the close wait is 2 s from there.
    assert_eq!(
        last.elapsed_ms,
        Duration::from_secs(2) + Duration::from_millis(1)
    );
    assert!(last.elapsed_ms < ProbeOptions::default().timeouts.phase);
}

#[test]
fn errinfo_then_other_pdus_keeps_waiting_for_the_close() {
    let t = run(to_licensing_then([
        frame(server::errinfo(9)),
        frame(server::license_valid_client()),
        Event::Advance(Duration::from_millis(500)),
        Event::Close,
    ]));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Licensing, CodeSpace::Errinfo, 9, (0x904, 9))
    );
    // Nothing was sent after the Set Error Info.
    assert!(t.sent.iter().all(|s| s.phase != Phase::Capabilities));
}

#[test]
fn errinfo_in_several_phases() {
    // catalog: license-valid-client-then-errinfo-0x9 (capabilities), finalization-errinfo-0x5
    let in_channel_connection = {
        let mut v = server::to_licensing();
        v.truncate(3);
        v.extend(errinfo_then_close(0x0C));
        v
    };
    let cases: Vec<(Phase, u32, Vec<Event>)> = vec![
        (Phase::ChannelConnection, 0x0C, in_channel_connection),
        (
            Phase::Licensing,
            3,
            to_licensing_then(errinfo_then_close(3)),
        ),
        (
            Phase::Capabilities,
            9,
            to_capabilities_then(errinfo_then_close(9)),
        ),
        (
            Phase::Finalization,
            5,
            to_finalization_then(errinfo_then_close(5)),
        ),
    ];
    for (phase, value, events) in cases {
        let t = run(events);
        assert_eq!(
            failure_of(&t.report),
            (phase, CodeSpace::Errinfo, value, (0x904, value)),
            "{phase}"
        );
        assert_eq!(t.report.server.errinfo_received[0].phase, phase);
    }
}

#[test]
fn errinfo_none_is_recorded_but_not_a_failure() {
    // ERRINFO_NONE (0) before a healthy licensing: recorded, and the probe goes on to a close.
    let t = run(to_licensing_then([frame(server::errinfo(0)), Event::Close]));
    let (phase, space, ..) = failure_of(&t.report);
    assert_eq!((phase, space), (Phase::Licensing, CodeSpace::OsError));
    assert_eq!(t.report.server.errinfo_received.len(), 1);
    assert_eq!(t.report.server.errinfo_received[0].value, 0);
}

#[test]
fn x224_disconnect_after_client_info() {
    // catalog: x224-disconnect-after-client-info-2
    let t = run(to_licensing_then([
        frame(server::x224_disconnect(2)),
        Event::Close,
    ]));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Licensing, CodeSpace::X224Disconnect, 2, (0x904, 0))
    );
}

// ----- licensing -----

#[test]
fn licensing_error_alerts() {
    // catalog: license-error-6-1
    let t = run(to_licensing_then([
        frame(server::license_error(6, 1)),
        Event::Close,
    ]));
    assert_eq!(
        failure_of(&t.report),
        (Phase::Licensing, CodeSpace::LicenseError, 6, (0x808, 0x101))
    );
    let licensing = t.report.server.licensing.as_ref().unwrap();
    assert_eq!(licensing.outcome, Some("error"));
    assert_eq!(licensing.messages, [0xFF]);
    // STATUS_VALID_CLIENT is not an error: the probe goes on to capabilities.
    let t = run(to_licensing_then([
        frame(server::license_error(7, 2)),
        Event::Close,
    ]));
    let (phase, ..) = failure_of(&t.report);
    assert_eq!(phase, Phase::Capabilities);
    assert_eq!(
        t.report.server.licensing.as_ref().unwrap().outcome,
        Some("valid_client")
    );
}

#[test]
fn logon_errors_are_recorded() {
    // LOGON_MSG_SESSION_CONTINUE / LOGON_FAILED_OTHER style notifications before the Demand Active.
    let t = run(to_capabilities_then([
        frame(server::logon_error(0xFFFF_FFFE, 0)),
        Event::Close,
    ]));
    assert_eq!(t.report.server.logon_errors, [(0xFFFF_FFFE, 0)]);
    let (phase, ..) = failure_of(&t.report);
    assert_eq!(phase, Phase::Capabilities);
}

// ----- hostile servers -----

/// Where the lab's hostile server misbehaves, as events that bring the probe there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    Accept,
    ConnectionRequest,
    ConnectInitial,
    AttachUser,
    Credssp,
    ClientInfo,
    DemandActive,
    FontList,
}

impl Point {
    const ALL: [Point; 8] = [
        Point::Accept,
        Point::ConnectionRequest,
        Point::ConnectInitial,
        Point::AttachUser,
        Point::Credssp,
        Point::ClientInfo,
        Point::DemandActive,
        Point::FontList,
    ];

    fn phase(self) -> Phase {
        match self {
            Point::Accept | Point::ConnectionRequest => Phase::X224,
            Point::ConnectInitial => Phase::BasicSettings,
            Point::AttachUser => Phase::ChannelConnection,
            Point::Credssp => Phase::Credssp,
            Point::ClientInfo => Phase::Licensing,
            Point::DemandActive => Phase::Capabilities,
            Point::FontList => Phase::Finalization,
        }
    }

    /// The healthy events before the point, and the normal answer at it.
    fn script(self) -> (Vec<Event>, Vec<u8>) {
        let healthy = server::healthy().unwrap();
        let bytes = |e: &Event| match e {
            Event::Frame(b) => b.clone(),
            _ => Vec::new(),
        };
        let at = |n: usize| (healthy[..n].to_vec(), bytes(&healthy[n]));
        match self {
            Point::Accept => (Vec::new(), server::confirm(PROTOCOL_RDP)),
            Point::ConnectionRequest => at(0),
            Point::ConnectInitial => at(1),
            Point::AttachUser => at(2),
            Point::Credssp => (
                server::to_credssp(PROTOCOL_HYBRID),
                server::ntlm_challenge(6),
            ),
            Point::ClientInfo => at(5),
            Point::DemandActive => at(6),
            Point::FontList => (
                healthy[..7].to_vec(),
                healthy[7..].iter().flat_map(bytes).collect(),
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hostility {
    Close,
    Reset,
    Silence,
    Drip,
    Garbage,
    HugeLength,
}

const GARBAGE: &[u8] = b"\xff\xfe\xfd\xfc garbage, not RDP \x01\x02\x03";

fn hostile_events(at: Point, how: Hostility) -> Vec<Event> {
    let (mut events, normal) = at.script();
    let over_tls = at == Point::Credssp;
    match how {
        Hostility::Close => events.push(Event::Close),
        Hostility::Reset => events.push(Event::Reset),
        Hostility::Silence => events.push(Event::Silence),
        Hostility::Drip => {
            // One byte per second (the lab's DRIP_INTERVAL): the phase limit runs out after one.
            for b in normal {
                events.push(frame(vec![b]));
                events.push(Event::Advance(Duration::from_secs(1)));
            }
        }
        Hostility::Garbage => events.extend([frame(GARBAGE.to_vec()), Event::Silence]),
        Hostility::HugeLength => {
            let header = if over_tls {
                vec![0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]
            } else {
                vec![0x03, 0x00, 0xff, 0xff]
            };
            events.extend([frame(header), Event::Silence]);
        }
    }
    events
}

/// `catalog::hostile_expectation`.
fn hostile_expectation(at: Point, how: Hostility) -> (CodeSpace, u32, (u32, u32)) {
    let timeout_pair = if at == Point::ClientInfo {
        (0x908, 0)
    } else {
        (0x704, 0)
    };
    match how {
        Hostility::Close => (CodeSpace::OsError, 0, (0x904, 0)),
        Hostility::Reset => (CodeSpace::OsError, 104, (0x404, 0)),
        Hostility::HugeLength if at == Point::Credssp => (CodeSpace::Protocol, 4, (0x1104, 0)),
        Hostility::Silence | Hostility::Drip | Hostility::HugeLength => {
            (CodeSpace::Timeout, 1000, timeout_pair)
        }
        Hostility::Garbage if matches!(at, Point::Accept | Point::ConnectionRequest) => {
            (CodeSpace::NotRdp, 4, (0x1104, 0))
        }
        Hostility::Garbage if at == Point::Credssp => (CodeSpace::Credssp, 3, (0x807, 0)),
        Hostility::Garbage => (CodeSpace::Protocol, 3, (0x1104, 0)),
    }
}

#[test]
fn every_hostile_point_and_hostility() {
    // catalog: hostile-*-at-* (all 44 entries)
    let mut checked = 0;
    for at in Point::ALL {
        for how in [
            Hostility::Close,
            Hostility::Reset,
            Hostility::Silence,
            Hostility::Drip,
            Hostility::Garbage,
            Hostility::HugeLength,
        ] {
            if at == Point::Accept && !matches!(how, Hostility::Close | Hostility::Silence) {
                continue;
            }
            let t = run_on(&hostile(), hostile_events(at, how));
            let (space, value, pair) = hostile_expectation(at, how);
            assert_eq!(
                failure_of(&t.report),
                (at.phase(), space, value, pair),
                "{how:?} at {at:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 44);
}

#[test]
fn silence_at_each_phase_times_out_at_the_phase_limit() {
    for at in Point::ALL {
        let t = run_on(&hostile(), hostile_events(at, Hostility::Silence));
        let last = t.report.phases.last().unwrap();
        assert_eq!(last.phase, at.phase());
        // Scripted time: the phase lasted exactly its limit.
        assert_eq!(last.elapsed_ms, HOSTILE_LIMIT, "{at:?}");
        assert_eq!(t.report.failure().unwrap().code.name, "PHASE_TIMEOUT");
    }
}

#[test]
fn partial_pdu_then_silence_reports_the_bytes_held() {
    let cc = server::confirm(PROTOCOL_RDP);
    let t = run(vec![frame(cc[..3].to_vec()), Event::Silence]);
    let (phase, space, value, pair) = failure_of(&t.report);
    assert_eq!(
        (phase, space, value, pair),
        (Phase::X224, CodeSpace::Timeout, 10_000, (0x704, 0))
    );
    assert_eq!(t.report.phases.last().unwrap().bytes_received, 3);
    // A partial Connect Response, then silence, under the hostile limit.
    let cr = server::connect_response();
    let t = run_on(
        &hostile(),
        vec![
            frame(cc.clone()),
            frame(cr[..cr.len() - 1].to_vec()),
            Event::Silence,
        ],
    );
    assert_eq!(
        failure_of(&t.report),
        (Phase::BasicSettings, CodeSpace::Timeout, 1000, (0x704, 0))
    );
    assert_eq!(
        t.report.phases.last().unwrap().bytes_received,
        (cr.len() - 1) as u64
    );
}

#[test]
fn overall_timeout_before_the_phase_timeout() {
    let s = options(|o| {
        o.timeouts = Timeouts {
            connect: Duration::from_secs(5),
            phase: Duration::from_secs(10),
            overall: Duration::from_secs(12),
        }
    });
    // 9 s in x224, then silence in basic_settings: its phase limit would end at 19 s, the overall at 12 s.
    let t = run_on(
        &s,
        vec![
            Event::Advance(Duration::from_secs(9)),
            frame(server::confirm(PROTOCOL_RDP)),
            Event::Silence,
        ],
    );
    let (phase, space, value, _) = failure_of(&t.report);
    assert_eq!(
        (phase, space, value),
        (Phase::BasicSettings, CodeSpace::Timeout, 12_000)
    );
    assert_eq!(t.report.failure().unwrap().code.name, "OVERALL_TIMEOUT");
    assert_eq!(t.clock, Duration::from_secs(12));
    assert_eq!(t.report.phases.last().unwrap().attempt, 1);
    // The same with a generous overall limit: the phase limit.
    let t = run(vec![
        Event::Advance(Duration::from_secs(9)),
        frame(server::confirm(PROTOCOL_RDP)),
        Event::Silence,
    ]);
    assert_eq!(t.report.failure().unwrap().code.name, "PHASE_TIMEOUT");
    // The connect and the confirm each cost one tick.
    assert_eq!(t.clock, Duration::from_secs(19) + 2 * server_tick());
}

#[test]
fn advancing_past_the_deadline_times_out_exactly_at_it() {
    let t = run_on(
        &hostile(),
        vec![
            Event::Advance(Duration::from_secs(5)),
            frame(server::confirm(PROTOCOL_RDP)),
        ],
    );
    assert_eq!(
        failure_of(&t.report),
        (Phase::X224, CodeSpace::Timeout, 1000, (0x704, 0))
    );
    // x224 began when the connect completed, one tick in.
    assert_eq!(t.clock, server_tick() + HOSTILE_LIMIT);
    // A frame due one tick after the deadline misses it too.
    let t = run_on(
        &hostile(),
        vec![
            Event::Advance(HOSTILE_LIMIT - Duration::from_micros(500)),
            frame(server::confirm(PROTOCOL_RDP)),
        ],
    );
    assert_eq!(t.report.failure().unwrap().code.space, CodeSpace::Timeout);
}

#[test]
fn script_running_out_means_the_server_closed() {
    let t = run(vec![
        frame(server::confirm(PROTOCOL_RDP)),
        frame(server::connect_response()),
    ]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::ChannelConnection, CodeSpace::OsError, 0, (0x904, 0))
    );
}

#[test]
fn a_reset_after_the_confirm_fails_basic_settings() {
    // The server resets right after the Connection Confirm: the Connect Initial goes out, the read fails.
    let t = run(vec![frame(server::confirm(PROTOCOL_RDP)), Event::Reset]);
    assert_eq!(
        failure_of(&t.report),
        (Phase::BasicSettings, CodeSpace::OsError, 104, (0x404, 0))
    );
    assert_eq!(t.sent_in(Phase::BasicSettings).count(), 1);
}

#[test]
fn events_that_do_not_fit_are_skipped() {
    let t = run(vec![
        Event::tls_alert(40),
        frame(server::neg_failure(1)),
        Event::Close,
    ]);
    assert_eq!(t.skipped, [Event::tls_alert(40)]);
    assert_eq!(t.report.failure().unwrap().code.value, 1);
}

// ----- the credential trust policy -----

/// The lab account and `trust`, nothing else.
fn trusting(trust: Trust) -> Setup {
    options(move |o| {
        o.credentials = Some(Credentials::new(LAB_USER, None, LAB_PASSWORD));
        o.trust = trust;
    })
}

/// The NTLM messages the client sent in its TSRequests: 1 NEGOTIATE, 3 AUTHENTICATE.
fn ntlm_message_types(t: &Transcript) -> Vec<u32> {
    t.sent
        .iter()
        .filter_map(|s| rdp_probe_wire::credssp::parse_ts_request(&s.bytes).ok())
        .filter_map(|ts| ts.nego_token.map(<[u8]>::to_vec))
        .filter_map(|token| {
            let ntlm = rdp_probe_wire::ntlm::find_ntlmssp(&token)
                .unwrap_or(&token)
                .to_vec();
            ntlm.get(8..12)
                .map(|t| u32::from_le_bytes(t.try_into().unwrap()))
        })
        .collect()
}

fn nla_to_licensing() -> NlaServer {
    let mut after = server::to_licensing()
        .into_iter()
        .skip(1)
        .collect::<Vec<_>>();
    after.extend(errinfo_then_close(9));
    NlaServer::new(PROTOCOL_HYBRID, false, after)
}

#[test]
fn credentials_are_withheld_from_a_server_nothing_vouches_for() {
    let s = trusting(Trust::default());
    let t = s.run_with(&mut nla_to_licensing());
    t.check(&s.options).unwrap();
    let r = &t.report;
    assert_eq!(r.verdict_kind(), VerdictKind::CredentialsWithheld, "{r:#?}");
    let stop = r.stop().unwrap();
    assert_eq!(
        (stop.phase, stop.reason),
        (Phase::Credssp, StopReason::CredentialsWithheld)
    );
    let sha256 = rdp_probe_core::cert::sha256_hex(server::LOCALHOST_CERT);
    assert!(
        stop.hint.contains(&format!("--trust-cert sha256:{sha256}")),
        "{}",
        stop.hint
    );
    let trust = r.trust.as_ref().unwrap();
    assert_eq!(trust.decision, TrustDecision::Withheld);
    assert_eq!(trust.sha256.as_deref(), Some(sha256.as_str()));
    // The NEGOTIATE went out (the server's CredSSP facts are in the report); no AUTHENTICATE did.
    assert_eq!(ntlm_message_types(&t), [1]);
    assert!(r.server.ntlm.is_some());
    // And the password appears nowhere in what was sent.
    assert!(t.sent.iter().all(|s| {
        !s.bytes
            .windows(LAB_PASSWORD.len())
            .any(|w| w == LAB_PASSWORD.as_bytes())
    }));
}

#[test]
fn a_valid_chain_a_pin_any_or_a_yes_lets_them_go() {
    let logged_on = |s: &Setup| {
        let t = s.run_with(&mut nla_to_licensing());
        t.check(&s.options).unwrap();
        assert_eq!(
            failure_of(&t.report),
            (Phase::Licensing, CodeSpace::Errinfo, 9, (0x904, 9))
        );
        assert_eq!(ntlm_message_types(&t), [1, 3]);
        t.report.trust.unwrap().decision
    };
    assert_eq!(
        logged_on(&trusting(Trust::default()).with_valid_chains()),
        TrustDecision::ChainValid
    );
    let pinned = Trust {
        pins: vec![localhost_pin()],
        ..Trust::default()
    };
    assert_eq!(logged_on(&trusting(pinned)), TrustDecision::Pinned);
    let any = Trust {
        any: true,
        ..Trust::default()
    };
    assert_eq!(logged_on(&trusting(any)), TrustDecision::Any);
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&asked);
    let yes = Trust {
        confirm: Some(std::sync::Arc::new(
            move |q: &rdp_probe_core::TrustQuestion| {
                log.lock().unwrap().push(q.clone());
                true
            },
        )),
        ..Trust::default()
    };
    assert_eq!(logged_on(&trusting(yes)), TrustDecision::Confirmed);
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].sha256,
        rdp_probe_core::cert::sha256_hex(server::LOCALHOST_CERT)
    );
    assert_eq!(asked[0].host, "localhost");
    assert!(asked[0].subject.contains("localhost"), "{:?}", asked[0]);
}

#[test]
fn a_wrong_pin_or_a_no_withholds_them() {
    let wrong = Trust {
        pins: vec![[0x42; 32]],
        ..Trust::default()
    };
    let no = Trust {
        confirm: Some(std::sync::Arc::new(|_: &rdp_probe_core::TrustQuestion| {
            false
        })),
        ..Trust::default()
    };
    for trust in [wrong, no] {
        let s = trusting(trust);
        let t = s.run_with(&mut nla_to_licensing());
        t.check(&s.options).unwrap();
        assert_eq!(t.report.verdict_kind(), VerdictKind::CredentialsWithheld);
        assert_eq!(ntlm_message_types(&t), [1]);
    }
}

#[test]
fn tls_without_nla_withholds_before_the_client_info() {
    let s = trusting(Trust::default());
    let t = s.run(vec![frame(server::confirm(PROTOCOL_SSL)), Event::tls_ok()]);
    t.check(&s.options).unwrap();
    let stop = t.report.stop().unwrap();
    assert_eq!(
        (t.report.verdict_kind(), stop.phase),
        (VerdictKind::CredentialsWithheld, Phase::Tls)
    );
    // Nothing after the Connection Request: no MCS Connect Initial, no Client Info.
    assert_eq!(t.sent.len(), 1);
}

#[test]
fn standard_rdp_security_gets_credentials_only_with_any() {
    let s = trusting(Trust {
        pins: vec![localhost_pin()],
        ..Trust::default()
    });
    let t = s.run(server::healthy().unwrap());
    t.check(&s.options).unwrap();
    let stop = t.report.stop().unwrap();
    assert_eq!(
        (t.report.verdict_kind(), stop.phase),
        (VerdictKind::CredentialsWithheld, Phase::BasicSettings)
    );
    assert!(stop.hint.contains("--trust-cert any"), "{}", stop.hint);
    // The Standard Security facts are in; no Client Info went out (nothing in secure_settings).
    assert!(t.report.server.standard_security.is_some());
    assert_eq!(t.sent_in(Phase::SecureSettings).count(), 0);
    let s = trusting(Trust {
        any: true,
        ..Trust::default()
    });
    let t = s.run(server::healthy().unwrap());
    t.check(&s.options).unwrap();
    assert_eq!(t.report.verdict_kind(), VerdictKind::Connected);
    assert_eq!(t.report.trust.unwrap().decision, TrustDecision::Any);
}

#[test]
fn without_credentials_nothing_is_decided() {
    let t = run(server::healthy().unwrap());
    assert_eq!(t.report.verdict_kind(), VerdictKind::Connected);
    assert!(t.report.trust.is_none());
}

#[test]
fn pins_parse_as_the_cli_takes_them() {
    let hex = rdp_probe_core::cert::sha256_hex(server::LOCALHOST_CERT);
    assert_eq!(
        Trust::parse_pin(&format!("sha256:{hex}")),
        Ok(localhost_pin())
    );
    let with_colons: Vec<String> = hex
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8(c.to_vec()).unwrap().to_uppercase())
        .collect();
    assert_eq!(
        Trust::parse_pin(&format!("sha256:{}", with_colons.join(":"))),
        Ok(localhost_pin())
    );
    for bad in [
        "",
        "sha256:",
        "md5:00",
        &format!("sha256:{}", &hex[1..]),
        "sha256:zz",
    ] {
        assert!(Trust::parse_pin(bad).is_err(), "{bad}");
    }
}

/// The lab account in `realm` (or none), a KDC at 127.0.0.1:88, against `host`.
fn kerberos_setup(host: &str, realm: Option<&str>, kdc: bool) -> Setup {
    let mut o = base_options();
    o.credentials = Some(Credentials::new(
        LAB_USER,
        realm.map(str::to_owned),
        LAB_PASSWORD,
    ));
    o.trust.pins = vec![localhost_pin()];
    o.kdc = kdc.then(|| "127.0.0.1".parse().unwrap());
    Setup::new(Target::new(host, 3389).unwrap()).with_options(o)
}

/// The first client message of CredSSP, as the transcript shows it.
fn first_credssp_token(t: &Transcript) -> Vec<u8> {
    let first = t.sent_in(Phase::Credssp).next().expect("a CredSSP message");
    rdp_probe_wire::credssp::parse_ts_request(&first.bytes)
        .unwrap()
        .nego_token
        .unwrap()
        .to_vec()
}

#[test]
fn kerberos_is_not_tried_and_the_report_says_why() {
    use rdp_probe_core::report::{AuthPackage, KerberosSkip};
    for (host, realm, kdc, why) in [
        (
            "localhost",
            Some("RDP-PROBE.TEST"),
            false,
            KerberosSkip::NoKdc,
        ),
        (
            "127.0.0.1",
            Some("RDP-PROBE.TEST"),
            true,
            KerberosSkip::TargetIsAddress,
        ),
        ("localhost", None, true, KerberosSkip::NoRealm),
    ] {
        let t = run_on(
            &kerberos_setup(host, realm, kdc),
            to_credssp_then([Event::Close]),
        );
        let auth = t.report.authentication.as_ref().expect("authentication");
        assert_eq!(auth.package, AuthPackage::Ntlm, "{host} {realm:?} {kdc}");
        assert_eq!(auth.kerberos_not_tried, Some(why), "{host} {realm:?} {kdc}");
        assert!(auth.kerberos.is_none());
        // A bare NTLM NEGOTIATE, as before.
        let token = first_credssp_token(&t);
        assert!(token.starts_with(b"NTLMSSP\0"), "{token:02x?}");
        assert_eq!(token[8], 1, "NEGOTIATE");
    }
}

#[test]
fn kerberos_offers_spnego_user_to_user_before_any_kdc_traffic() {
    use rdp_probe_core::report::{AuthPackage, KerberosOutcome};
    let t = run_on(
        &kerberos_setup("localhost", Some("rdp-probe.test"), true),
        to_credssp_then([Event::Silence]),
    );
    let auth = t.report.authentication.as_ref().expect("authentication");
    assert_eq!(auth.package, AuthPackage::Kerberos);
    let kerberos = auth.kerberos.as_ref().expect("a Kerberos attempt");
    assert_eq!(kerberos.spn, "TERMSRV/localhost");
    assert_eq!(kerberos.realm, "RDP-PROBE.TEST", "the realm is upper case");
    assert_eq!(kerberos.kdc, "127.0.0.1:88");
    // The server said nothing: the KDC was never asked.
    assert_eq!(kerberos.outcome, KerberosOutcome::Unfinished);
    assert!(kerberos.exchanges.is_empty());
    // SPNEGO NegTokenInit ([APPLICATION 0]) carrying the krb5 user-to-user OID
    // 1.2.840.113554.1.2.2.3, and no NTLM message.
    let token = first_credssp_token(&t);
    assert_eq!(token[0], 0x60, "{token:02x?}");
    let u2u = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03];
    assert!(token.windows(u2u.len()).any(|w| w == u2u), "{token:02x?}");
    assert!(rdp_probe_wire::ntlm::find_ntlmssp(&token).is_none());
    let failure = t.report.failure().expect("a failure");
    assert_eq!(
        (failure.phase, failure.code.space),
        (Phase::Credssp, CodeSpace::Timeout)
    );
}

#[test]
fn a_server_that_refuses_the_kerberos_offer_gets_ntlm_on_a_new_connection() {
    use rdp_probe_core::report::{AuthPackage, KerberosOutcome};
    // The offer is refused with an errorCode (as sspi's NTLM-only server does) or a close.
    for refusal in [frame(server::credssp_error(6, 0xC007_0308)), Event::Close] {
        let mut events = to_credssp_then([refusal.clone()]);
        events.extend(to_credssp_then([
            frame(server::ntlm_challenge(6)),
            Event::Close,
        ]));
        let t = run_on(
            &kerberos_setup("localhost", Some("RDP-PROBE.TEST"), true),
            events,
        );
        let auth = t.report.authentication.as_ref().expect("authentication");
        assert_eq!(auth.package, AuthPackage::Ntlm, "{refusal:?}");
        let kerberos = auth.kerberos.as_ref().expect("the Kerberos attempt");
        assert_eq!(kerberos.outcome, KerberosOutcome::FellBackToNtlm);
        assert_eq!(kerberos.failure.as_ref().unwrap().kind, "kerberos_refused");
        assert!(kerberos.exchanges.is_empty());
        // The second connection's logon is a bare NTLM NEGOTIATE, then the AUTHENTICATE.
        let second: Vec<&Sent> = t
            .sent_in(Phase::Credssp)
            .filter(|s| s.connection == 2)
            .collect();
        let token = rdp_probe_wire::credssp::parse_ts_request(&second[0].bytes)
            .unwrap()
            .nego_token
            .unwrap()
            .to_vec();
        assert!(token.starts_with(b"NTLMSSP\0"), "{refusal:?}");
        assert_eq!(second.len(), 2, "NEGOTIATE and AUTHENTICATE");
        // The NTLM server closed after the AUTHENTICATE: a rejection without a code.
        assert_eq!(
            failure_of(&t.report),
            (Phase::Credssp, CodeSpace::Credssp, 1, (0x807, 0))
        );
    }
}

#[test]
fn finding_the_kdc_asks_dns_once_and_reports_what_it_said() {
    use rdp_probe_core::kerberos::{FindKdc, KdcLookupFailure};
    use rdp_probe_core::report::{AuthPackage, KerberosSkip};
    let mut setup = kerberos_setup("localhost", Some("RDP-PROBE.TEST"), false);
    setup.options.find_kdc = Some(FindKdc {
        resolver: Some("127.0.0.1:5353".parse().unwrap()),
    });
    for (answer, error) in [
        (
            Event::DnsFails(KdcLookupFailure::TimedOut { limit_ms: 2000 }),
            "did not answer within 2000 ms",
        ),
        (Event::DnsReply(b"\x12".to_vec()), "does not decode"),
    ] {
        let t = run_on(&setup, to_credssp_then([answer, Event::Close]));
        let auth = t.report.authentication.as_ref().expect("authentication");
        assert_eq!(auth.package, AuthPackage::Ntlm);
        assert_eq!(auth.kerberos_not_tried, Some(KerberosSkip::NoKdc));
        let lookup = auth.kdc_lookup.as_ref().expect("the lookup");
        assert_eq!(lookup.name, "_kerberos._tcp.RDP-PROBE.TEST");
        assert_eq!(lookup.resolver.as_deref(), Some("127.0.0.1:5353"));
        assert!(lookup.kdcs.is_empty());
        assert!(
            lookup.error.as_deref().is_some_and(|e| e.contains(error)),
            "{lookup:?}"
        );
        // Then the logon goes on with NTLM.
        assert!(first_credssp_token(&t).starts_with(b"NTLMSSP\0"));
    }
    // Not asked: no lookup at all.
    let t = run_on(
        &kerberos_setup("localhost", Some("RDP-PROBE.TEST"), false),
        to_credssp_then([Event::Close]),
    );
    assert!(t.report.authentication.unwrap().kdc_lookup.is_none());
}
