//! The legacy-TLS attempt through the transcript harness: a server an older client gets into (TLS 1.0
//! only, or only suites rustls lacks) keeps the modern verdict and is followed on a second connection
//! over the legacy stack; with `LegacyTls::Allow` that attempt decides.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use rdp_probe_core::engine::TlsStack;
use rdp_probe_core::engine::transcript::{Event, Setup, Transcript, server};
use rdp_probe_core::report::{Finding, Outcome};
use rdp_probe_core::{CodeSpace, LegacyTls, Phase, ProbeOptions, Target, VerdictKind};
use rdp_probe_wire::x224::{PROTOCOL_HYBRID, PROTOCOL_SSL};

/// What the legacy handshake gets from a TLS 1.0-era server.
/// TLS 1.0 and TLS_RSA_WITH_AES_128_CBC_SHA, on the wire.
const LEGACY_VERSION: u16 = 0x0301;
const LEGACY_SUITE: u16 = 0x002F;

fn run(legacy_tls: LegacyTls, events: Vec<Event>) -> Transcript {
    let options = ProbeOptions {
        legacy_tls,
        ..ProbeOptions::default()
    };
    let setup = Setup::new(Target::new("localhost", 3389).unwrap()).with_options(options);
    let t = setup.run(events);
    t.check(&setup.options).unwrap();
    t
}

fn legacy_tls_ok() -> Event {
    Event::TlsOk {
        version: LEGACY_VERSION,
        cipher_suite: LEGACY_SUITE,
        chain: vec![server::LOCALHOST_CERT.to_vec()],
    }
}

/// A TLS 1.0-only server: rustls fails, the check confirms TLS 1.0, then on the legacy attempt the
/// server selects SSL, the legacy handshake succeeds, and the session runs to the end.
fn tls10_server_then_healthy_session() -> Vec<Event> {
    let mut events = vec![Event::Frame(server::confirm(PROTOCOL_HYBRID))];
    events.extend(Event::legacy_tls_server(0x0301));
    events.push(Event::Frame(server::confirm(PROTOCOL_SSL)));
    events.push(legacy_tls_ok());
    // The session after TLS: the healthy script without its Connection Confirm.
    events.extend(server::healthy().unwrap().into_iter().skip(1));
    events
}

#[test]
fn the_modern_verdict_stands_and_the_legacy_attempt_connects() {
    let t = run(LegacyTls::Follow, tls10_server_then_healthy_session());
    let r = &t.report;
    // The verdict is what a current client meets: TLS 1.0 only.
    assert_eq!(r.verdict_kind(), VerdictKind::Failed);
    let f = r.failure().unwrap();
    assert_eq!(
        (f.phase, f.code.space, f.code.value),
        (Phase::Tls, CodeSpace::TlsVersion, 0x0301)
    );
    // The legacy attempt got through, over the legacy stack, on a third connection (after the
    // modern attempt and the version check).
    assert_eq!(t.tls_stacks, [TlsStack::Rustls, TlsStack::Legacy]);
    assert_eq!(t.connections, 3);
    let legacy = r.legacy_tls.as_ref().unwrap();
    assert!(!legacy.decides_verdict);
    assert_eq!(legacy.attempt, 2);
    assert_eq!(legacy.reached, Phase::Finalization);
    assert_eq!(legacy.ending.kind(), VerdictKind::Connected);
    assert_eq!(legacy.modern_failure.code.value, 0x0301);
    let tls = legacy.tls.as_ref().unwrap();
    assert_eq!(
        (tls.version.as_str(), tls.cipher_suite.as_str()),
        ("TLSv1.0", "TLS_RSA_WITH_AES_128_CBC_SHA")
    );
    assert_eq!(
        (tls.version_id, tls.cipher_suite_id),
        (LEGACY_VERSION, LEGACY_SUITE)
    );
    assert_eq!(r.findings, [Finding::OnlyLegacyTls]);
    // Its phases follow the modern attempt's, numbered 2.
    let attempts: Vec<(Phase, u32)> = r.phases.iter().map(|p| (p.phase, p.attempt)).collect();
    assert!(attempts.contains(&(Phase::Tls, 1)));
    assert!(attempts.contains(&(Phase::Finalization, 2)));
    // What the server said behind TLS is in the report: its licensing.
    assert_eq!(
        r.server.licensing.as_ref().and_then(|l| l.outcome),
        Some("valid_client")
    );
}

#[test]
fn allow_makes_the_legacy_attempt_the_verdict() {
    let t = run(LegacyTls::Allow, tls10_server_then_healthy_session());
    let r = &t.report;
    assert_eq!(r.verdict_kind(), VerdictKind::Connected);
    assert_eq!(r.outcome(), Some(Outcome::Connected));
    let legacy = r.legacy_tls.as_ref().unwrap();
    assert!(legacy.decides_verdict);
    assert_eq!(legacy.modern_failure.phase, Phase::Tls);
    assert_eq!(r.findings, [Finding::OnlyLegacyTls]);
}

#[test]
fn what_fails_behind_legacy_tls_is_reported() {
    // The classic: TLS 1.0 only, and behind it the server denies the connection (errinfo 7).
    let mut events = vec![Event::Frame(server::confirm(PROTOCOL_HYBRID))];
    events.extend(Event::legacy_tls_server(0x0301));
    events.push(Event::Frame(server::confirm(PROTOCOL_SSL)));
    events.push(legacy_tls_ok());
    events.extend(server::to_licensing().into_iter().skip(1));
    events.push(Event::Frame(server::errinfo(7)));
    events.push(Event::Close);
    for mode in [LegacyTls::Follow, LegacyTls::Allow] {
        let t = run(mode, events_clone(&events));
        let legacy = t.report.legacy_tls.as_ref().unwrap();
        assert_eq!(legacy.reached, Phase::Licensing);
        assert_eq!(legacy.ending.kind(), VerdictKind::Failed);
        let report = serde_json::to_value(&t.report).unwrap();
        let ending = &report["legacy_tls"]["ending"];
        assert_eq!(ending["failure"]["code"]["space"], "errinfo", "{ending:#}");
        assert_eq!(ending["mstsc"]["disconnect_reason"], 0x904);
        assert_eq!(ending["mstsc"]["extended_reason"], 7);
        match mode {
            // The modern verdict's pair carries no errinfo: the Windows client never got that far.
            LegacyTls::Follow => {
                assert_eq!(report["failure"]["code"]["space"], "tls_version");
                assert_eq!(report["mstsc"]["extended_reason"], 0);
            }
            _ => assert_eq!(report["failure"]["code"]["space"], "errinfo"),
        }
    }
}

fn events_clone(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .map(|e| match e {
            Event::Frame(f) => Event::Frame(f.clone()),
            Event::Close => Event::Close,
            Event::TlsOk {
                version,
                cipher_suite,
                chain,
            } => Event::TlsOk {
                version: *version,
                cipher_suite: *cipher_suite,
                chain: chain.clone(),
            },
            Event::TlsFail(e) => Event::TlsFail(e.clone()),
            _ => unreachable!("not in these scripts"),
        })
        .collect()
}

#[test]
fn a_server_without_a_common_suite_is_followed_too() {
    // A TLS 1.2 server offering only CBC/RSA suites answers rustls' hello with handshake_failure;
    // the version check (a TLS 1.0 hello) meets a protocol_version alert record and learns nothing.
    let mut events = vec![
        Event::Frame(server::confirm(PROTOCOL_HYBRID)),
        Event::tls_alert(40),
        Event::Frame(server::confirm(PROTOCOL_SSL)),
        Event::Close,
        Event::Frame(server::confirm(PROTOCOL_SSL)),
        Event::TlsOk {
            // TLS 1.2, TLS_RSA_WITH_AES_256_CBC_SHA.
            version: 0x0303,
            cipher_suite: 0x0035,
            chain: vec![server::LOCALHOST_CERT.to_vec()],
        },
    ];
    events.extend(server::healthy().unwrap().into_iter().skip(1));
    let t = run(LegacyTls::Follow, events);
    let f = t.report.failure().unwrap();
    assert_eq!(
        (f.phase, f.code.space, f.code.value),
        (Phase::Tls, CodeSpace::TlsAlert, 40)
    );
    let legacy = t.report.legacy_tls.as_ref().unwrap();
    assert_eq!(
        legacy.ending.kind(),
        VerdictKind::Connected,
        "{:#?}",
        t.report
    );
    assert_eq!(legacy.tls.as_ref().unwrap().version, "TLSv1.2");
}

#[test]
fn off_keeps_one_attempt_and_other_tls_failures_are_not_followed() {
    let mut events = vec![Event::Frame(server::confirm(PROTOCOL_HYBRID))];
    events.extend(Event::legacy_tls_server(0x0301));
    let t = run(LegacyTls::Off, events);
    assert!(t.report.legacy_tls.is_none());
    assert_eq!(t.tls_stacks, [TlsStack::Rustls]);
    // A bad certificate alert (42) is no reason for an older client to do better.
    let t = run(
        LegacyTls::Follow,
        vec![
            Event::Frame(server::confirm(PROTOCOL_HYBRID)),
            Event::tls_alert(42),
        ],
    );
    assert!(t.report.legacy_tls.is_none());
    assert_eq!(t.connections, 1);
}

#[test]
fn a_failed_legacy_handshake_ends_the_attempt_in_tls() {
    let mut events = vec![Event::Frame(server::confirm(PROTOCOL_HYBRID))];
    events.extend(Event::legacy_tls_server(0x0301));
    events.push(Event::Frame(server::confirm(PROTOCOL_SSL)));
    events.push(Event::tls_alert(40));
    let t = run(LegacyTls::Allow, events);
    let legacy = t.report.legacy_tls.as_ref().unwrap();
    assert_eq!(
        (legacy.reached, legacy.ending.kind()),
        (Phase::Tls, VerdictKind::Failed)
    );
    assert!(t.report.findings.is_empty());
    // No third attempt, no second version check.
    assert_eq!(t.connections, 3);
}

#[test]
fn a_fallback_inside_the_legacy_attempt_keeps_its_number() {
    // Found by the engine fuzzer: the legacy attempt meets SSL_NOT_ALLOWED_BY_SERVER and falls back to
    // Standard RDP Security on a third connection of the phase log; the legacy attempt is still the
    // second, and the modern verdict's phases are the first attempt's alone.
    let mut events = vec![
        Event::Frame(server::confirm(PROTOCOL_HYBRID)),
        Event::tls_alert(40),
        Event::Frame(server::confirm(PROTOCOL_SSL)),
        Event::Close,
        Event::Frame(server::neg_failure(2)),
        Event::Close,
    ];
    events.extend(server::to_licensing());
    events.push(Event::Frame(server::errinfo(7)));
    events.push(Event::Close);
    let t = run(LegacyTls::Follow, events);
    let legacy = t.report.legacy_tls.as_ref().unwrap();
    assert_eq!(legacy.attempt, 2);
    assert_eq!(legacy.reached, Phase::Licensing);
    let f = t.report.failure().unwrap();
    assert_eq!(
        (f.phase, f.code.space, f.code.value),
        (Phase::Tls, CodeSpace::TlsAlert, 40)
    );
    assert_eq!(t.report.phases.last().map(|p| p.attempt), Some(3));
}
