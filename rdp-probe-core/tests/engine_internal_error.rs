//! An input the engine's state cannot take is a bug in rdp-probe: the probe ends `inconclusive` with
//! the stop reason `internal_error` and the state named, never with a failure blamed on the server.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::net::SocketAddr;
use std::time::Duration;

use rdp_probe_codes::StopReason;
use rdp_probe_core::engine::{Action, ChainCheck, Machine, TlsEstablished};
use rdp_probe_core::{Phase, ProbeOptions, Target, VerdictKind};

const NOW: Duration = Duration::from_millis(1);

fn machine() -> Machine {
    Machine::new(
        Target::new("127.0.0.1", 3389).unwrap(),
        ProbeOptions::default(),
        0,
    )
}

fn addr() -> SocketAddr {
    "127.0.0.1:3389".parse().unwrap()
}

#[test]
fn a_frame_before_any_connection_is_an_internal_error() {
    let mut m = machine();
    m.on_frame(&[0x03, 0x00, 0x00, 0x04], NOW);
    assert!(m.is_finished());
    assert_eq!(m.poll(NOW), Action::Finish);
    let report = m.finish(NOW);
    assert_eq!(report.verdict_kind(), VerdictKind::Inconclusive);
    assert!(report.failure().is_none());
    let stop = report.stop().unwrap();
    assert_eq!(stop.reason, StopReason::InternalError);
    assert_eq!(stop.state, Some("connect"));
    assert!(stop.message.contains("'frame'"), "{}", stop.message);
    assert!(stop.hint.contains("bug in rdp-probe"), "{}", stop.hint);
    let json = report.to_json();
    assert!(json.contains(r#""reason":"internal_error""#), "{json}");
}

#[test]
fn a_tls_session_the_engine_did_not_ask_for_is_an_internal_error() {
    let mut m = machine();
    assert_eq!(m.poll(NOW), Action::Connect);
    m.on_connecting(NOW);
    m.on_connected(addr(), NOW);
    // The engine waits for the X.224 Connection Confirm, not for a TLS session.
    assert!(matches!(m.poll(NOW), Action::Send(_)));
    m.on_tls_established(
        TlsEstablished {
            version: 0x0304,
            cipher_suite: 0x1301,
            chain: Vec::new(),
            chain_check: ChainCheck::NotChecked,
        },
        NOW,
    );
    let report = m.finish(NOW);
    let stop = report.stop().unwrap();
    assert_eq!(stop.reason, StopReason::InternalError);
    assert_eq!(stop.state, Some("negotiation"));
    assert_eq!(stop.phase, Phase::X224);
}

#[test]
fn random_bytes_nobody_asked_for_are_an_internal_error() {
    let mut m = machine();
    m.on_connecting(NOW);
    m.on_connected(addr(), NOW);
    m.on_random(&[0; 32], NOW);
    let report = m.finish(NOW);
    assert_eq!(report.stop().unwrap().reason, StopReason::InternalError);
}

#[test]
fn inputs_after_the_end_change_nothing() {
    let mut m = machine();
    m.on_frame(&[0x03], NOW);
    // Whatever the driver reports after the end, the first ending stands.
    m.on_connected(addr(), NOW);
    m.on_timeout(0, NOW);
    let report = m.finish(NOW);
    assert_eq!(report.stop().unwrap().state, Some("connect"));
}

#[test]
fn a_resolve_failure_once_connected_is_an_internal_error() {
    let mut m = machine();
    m.on_connecting(NOW);
    m.on_connected(addr(), NOW);
    m.on_resolve_failed("no such host".into(), NOW);
    let report = m.finish(NOW);
    assert!(report.failure().is_none(), "never blamed on the server");
    let stop = report.stop().unwrap();
    assert_eq!(stop.reason, StopReason::InternalError);
    assert!(
        stop.message.contains("'resolve_failed'"),
        "{}",
        stop.message
    );
}

#[test]
fn through_the_harness_a_frame_the_engine_never_asked_for_is_an_internal_error() {
    use rdp_probe_core::engine::transcript::{Event, Setup, server};
    // The driver hands the engine the Connection Confirm before the engine has even connected.
    let setup = Setup::new(Target::new("127.0.0.1", 3389).unwrap());
    let t = setup.run([Event::Unasked(server::confirm(
        rdp_probe_wire::x224::PROTOCOL_SSL,
    ))]);
    assert_eq!(t.report.verdict_kind(), VerdictKind::Inconclusive);
    let stop = t.report.stop().unwrap();
    assert_eq!(stop.reason, StopReason::InternalError);
    assert_eq!(stop.state, Some("connect"));
    assert!(t.report.failure().is_none());
    assert!(!t.step_limit_reached, "the probe ended at once");
}
