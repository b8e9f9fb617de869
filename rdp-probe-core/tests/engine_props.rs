//! Property: whatever a server sends, the sans-IO engine never panics and always ends with a report whose
//! verdict matches its fields. The frames are fed after valid prefixes built with the wire encoders, so
//! the hostile bytes reach every step (X.224, NLA after TLS, MCS, the session).

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use rdp_probe_core::engine::{Action, FrameCheck, Machine, TlsEstablished};
use rdp_probe_core::report::Report;
use rdp_probe_core::{ProbeOptions, Target, VerdictKind};
use rdp_probe_wire::mcs::{ConnectResponseSpec, connect_response_frame};
use rdp_probe_wire::x224::{ConnectionConfirm, connection_confirm};

fn cc(selected: u32) -> Vec<u8> {
    connection_confirm(&ConnectionConfirm::Response {
        flags: 1,
        selected_protocol: selected,
    })
}

fn connect_response() -> Vec<u8> {
    connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: 0x0008_0004,
        client_requested_protocols: 0,
        encryption: (0, 0),
        io_channel: 1003,
        channel_ids: Vec::new(),
    })
}

/// Runs the machine, answering each receive with the next scripted frame; when the script runs out the
/// server "closes".
fn drive(frames: &[Vec<u8>]) -> Report {
    let addr: SocketAddr = "127.0.0.1:3389".parse().unwrap();
    let mut m = Machine::new(
        Target::new("127.0.0.1", 3389).unwrap(),
        ProbeOptions::default(),
        0,
    );
    let mut next = frames.iter();
    let mut now = Duration::ZERO;
    for _ in 0..200 {
        now += Duration::from_millis(1);
        match m.poll(now) {
            Action::Connect | Action::Reconnect => {
                m.on_connecting(now);
                m.on_connected(addr, now);
            }
            Action::Send(bytes) => m.on_io(bytes.len(), 0),
            Action::UpgradeTls => m.on_tls_established(
                TlsEstablished {
                    version: "TLSv1_3".into(),
                    cipher_suite: "x".into(),
                    chain: vec![b"not a cert".to_vec()],
                },
                now,
            ),
            Action::Receive(framing) => match next.next() {
                None => m.on_io_failure(rdp_probe_core::engine::IoFailure::Closed, now),
                Some(frame) => {
                    m.on_io(0, frame.len());
                    match m.check_frame(framing, frame) {
                        FrameCheck::Complete(n) => m.on_frame(&frame[..n], now),
                        FrameCheck::Invalid(kind) => m.on_invalid_frame(kind, now),
                        FrameCheck::Incomplete => m.on_timeout(frame.len(), now),
                    }
                }
            },
            Action::Finish => break,
            _ => break,
        }
    }
    m.finish(now)
}

fn check(report: &Report) {
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["schema"], "rdp-probe/1");
    assert_eq!(
        report.failure().is_some(),
        report.verdict_kind() == VerdictKind::Failed
    );
    assert_eq!(
        report.mstsc().is_some(),
        report.verdict_kind() == VerdictKind::Failed
    );
    assert!(!report.phases.is_empty());
}

fn frames() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..6)
}

/// Frames that at least start like TPKT, so they get past framing into the decoders.
fn tpkt_frames() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|body| {
            let len = u16::try_from(body.len() + 4).unwrap();
            let mut f = vec![3, 0];
            f.extend_from_slice(&len.to_be_bytes());
            f.extend_from_slice(&body);
            f
        }),
        0..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_at_x224(script in frames()) {
        check(&drive(&script));
    }

    #[test]
    fn arbitrary_tpkt_after_selecting_standard_security(script in tpkt_frames()) {
        let mut all = vec![cc(0)];
        all.extend(script);
        check(&drive(&all));
    }

    #[test]
    fn arbitrary_tpkt_after_the_connect_response(script in tpkt_frames()) {
        let mut all = vec![cc(0), connect_response()];
        all.extend(script);
        check(&drive(&all));
    }

    #[test]
    fn arbitrary_bytes_during_nla(script in frames()) {
        let mut all = vec![cc(2)];
        all.extend(script);
        check(&drive(&all));
    }
}

#[test]
fn a_server_that_closes_after_the_connect_response_fails_in_channel_connection() {
    let report = drive(&[cc(0), connect_response()]);
    let f = report.failure().unwrap();
    assert_eq!(
        (f.phase.as_str(), f.kind),
        ("channel_connection", "connection_closed")
    );
    assert_eq!(report.mstsc().map(|m| m.disconnect_reason), Some(0x904));
}
