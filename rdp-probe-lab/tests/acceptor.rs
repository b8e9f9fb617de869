#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The probe against the lab's real RDP server built on `ironrdp-acceptor` (in-process, loopback):
//! every scenario, asserted through the JSON report (the `rdp-probe/1` contract).

use std::time::Duration;

use rdp_probe_core::report::Report;
use rdp_probe_core::{Credentials, ProbeOptions, Protocols, Target, Timeouts, VerdictKind, probe};
use rdp_probe_lab::acceptor::{AcceptorScenario, AcceptorServer};
use rdp_probe_lab::real::{LAB_PASSWORD, LAB_USER};
use serde_json::Value;

const WRONG_PASSWORD: &str = "not-the-lab-password";

/// 5 s for connect and every phase (15 s overall): a full connection on a busy 2-core machine
/// takes well under a second.
fn opts() -> ProbeOptions {
    ProbeOptions {
        timeouts: Timeouts::uniform(Duration::from_secs(5)),
        ..ProbeOptions::default()
    }
}

fn with_credentials(password: &str) -> ProbeOptions {
    // The acceptor's certificate is the lab's self-signed one: pinned, as a user pins it.
    ProbeOptions {
        credentials: Some(Credentials::new(LAB_USER, None, password)),
        trust: rdp_probe_core::Trust {
            pins: vec![
                rdp_probe_lab::scripted::tls::certificate_sha256().expect("the lab certificate"),
            ],
            ..rdp_probe_core::Trust::default()
        },
        ..opts()
    }
}

/// Starts the scenario, probes it once, checks the report's contract, returns it with its JSON form.
async fn run(scenario: AcceptorScenario, options: &ProbeOptions) -> (Report, Value) {
    let server = AcceptorServer::start(scenario)
        .await
        .expect("bind 127.0.0.1:0");
    assert_eq!(server.scenario(), scenario);
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    let target = Target::new(addr.ip().to_string(), addr.port()).expect("target");
    let report = probe(&target, options).await;
    let json: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    let ctx = format!("{scenario}: {json:#}");
    assert_eq!(json["schema"], "rdp-probe/1", "{ctx}");
    assert_eq!(json["verdict"], report.verdict_kind().as_str(), "{ctx}");
    let failed = report.verdict_kind() == VerdictKind::Failed;
    if failed {
        for field in ["message", "hint"] {
            assert!(
                json["failure"][field]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{field}: {ctx}"
            );
        }
        assert_eq!(json["mstsc"]["derived"], true, "{ctx}");
    }
    // The password never reaches the report.
    for secret in [LAB_PASSWORD, WRONG_PASSWORD] {
        assert!(!report.to_json().contains(secret), "{ctx}");
    }
    (report, json)
}

#[track_caller]
fn assert_failure(json: &Value, phase: &str, space: &str, value: u64, name: &str) {
    assert_eq!(json["verdict"], "failed", "{json:#}");
    assert_eq!(json["failure"]["phase"], phase, "{json:#}");
    assert_eq!(json["failure"]["code"]["space"], space, "{json:#}");
    assert_eq!(json["failure"]["code"]["value"], value, "{json:#}");
    assert_eq!(json["failure"]["code"]["name"], name, "{json:#}");
}

#[track_caller]
fn assert_mstsc(json: &Value, disconnect_reason: u64, extended_reason: u64, rule: &str) {
    assert_eq!(
        json["mstsc"]["disconnect_reason"], disconnect_reason,
        "{json:#}"
    );
    assert_eq!(
        json["mstsc"]["extended_reason"], extended_reason,
        "{json:#}"
    );
    assert_eq!(json["mstsc"]["rule"], rule, "{json:#}");
}

fn phases(json: &Value) -> Vec<String> {
    json["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["phase"].as_str().map(str::to_owned))
        .collect()
}

/// Every phase of the connection sequence is in the report, and all of them succeeded.
#[track_caller]
fn assert_full_sequence(json: &Value, nla: bool) {
    let seen = phases(json);
    let mut expected = vec!["tcp_connect", "x224", "tls"];
    if nla {
        expected.push("credssp");
    }
    expected.extend([
        "basic_settings",
        "channel_connection",
        "secure_settings",
        "licensing",
        "capabilities",
        "finalization",
    ]);
    for p in expected {
        assert!(seen.iter().any(|s| s == p), "{p} missing: {json:#}");
    }
    for p in json["phases"].as_array().expect("phases") {
        assert_eq!(p["status"], "ok", "{json:#}");
    }
}

/// The certificate the acceptor presents: the lab's self-signed `localhost` one.
#[track_caller]
fn assert_lab_certificate(json: &Value) {
    let cert = &json["server"]["certificate"];
    assert_eq!(cert["self_signed"], true, "{json:#}");
    assert!(
        cert["subject"]
            .as_str()
            .is_some_and(|s| s.contains("localhost")),
        "{json:#}"
    );
    assert!(json["server"]["tls"]["version"].is_string(), "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_connects_through_the_whole_sequence() {
    let (_, json) = run(AcceptorScenario::Tls, &opts()).await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    assert_eq!(json["outcome"], "connected", "{json:#}");
    assert_eq!(json["server"]["selected_protocol"], "ssl", "{json:#}");
    assert_eq!(
        json["server"]["requested_protocols"],
        serde_json::json!(["ssl", "hybrid", "hybrid_ex"]),
        "{json:#}"
    );
    assert!(json["server"].get("credssp_version").is_none(), "{json:#}");
    assert_full_sequence(&json, false);
    assert_lab_certificate(&json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_only_server_refuses_an_nla_only_client_with_ssl_required() {
    let o = ProbeOptions {
        protocols: Some(Protocols::HYBRID),
        ..opts()
    };
    let (_, json) = run(AcceptorScenario::Tls, &o).await;
    assert_failure(&json, "x224", "neg_failure", 1, "SSL_REQUIRED_BY_SERVER");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nla_with_the_right_credentials_connects() {
    let (_, json) = run(AcceptorScenario::Nla, &with_credentials(LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    let selected = json["server"]["selected_protocol"]
        .as_str()
        .expect("selected");
    assert!(selected == "hybrid" || selected == "hybrid_ex", "{json:#}");
    // The probe offers HYBRID_EX like mstsc, and the acceptor prefers it.
    assert_eq!(selected, "hybrid_ex", "{json:#}");
    assert_eq!(json["server"]["early_user_auth_result"], 0, "{json:#}");
    assert!(
        json["server"]["credssp_version"]
            .as_u64()
            .is_some_and(|v| v >= 2),
        "{json:#}"
    );
    assert_full_sequence(&json, true);
    assert_lab_certificate(&json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nla_without_credentials_needs_credentials() {
    let (_, json) = run(AcceptorScenario::Nla, &opts()).await;
    assert_eq!(json["verdict"], "needs_credentials", "{json:#}");
    assert_eq!(json["stop"]["phase"], "credssp", "{json:#}");
    assert_eq!(
        json["stop"]["reason"], "nla_requires_credentials",
        "{json:#}"
    );
    assert!(
        json["server"]["credssp_version"].as_u64().is_some(),
        "{json:#}"
    );
    let selected = json["server"]["selected_protocol"]
        .as_str()
        .expect("selected");
    assert!(selected == "hybrid" || selected == "hybrid_ex", "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nla_with_a_wrong_password_gets_status_logon_failure() {
    let (_, json) = run(AcceptorScenario::Nla, &with_credentials(WRONG_PASSWORD)).await;
    assert_failure(
        &json,
        "credssp",
        "ntstatus",
        0xC000_006D,
        "STATUS_LOGON_FAILURE",
    );
    assert_mstsc(&json, 0x807, 0, "ntstatus_logon_failure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_required_refuses_a_client_without_nla() {
    for (protocols, requested) in [(Protocols::SSL, "ssl"), (Protocols::RDP, "rdp")] {
        let o = ProbeOptions {
            protocols: Some(protocols),
            ..opts()
        };
        let (_, json) = run(AcceptorScenario::HybridRequired, &o).await;
        assert_failure(&json, "x224", "neg_failure", 5, "HYBRID_REQUIRED_BY_SERVER");
        assert_mstsc(&json, 0xB09, 0, "negotiation_hybrid_required");
        assert_eq!(
            json["server"]["requested_protocols"],
            serde_json::json!([requested]),
            "{json:#}"
        );
        let failures = json["server"]["negotiation_failures"]
            .as_array()
            .expect("negotiation_failures");
        assert_eq!(failures.len(), 1, "{json:#}");
        assert_eq!(failures[0]["code"], 5, "{json:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_required_connects_a_client_with_nla_over_plain_hybrid() {
    let (_, json) = run(
        AcceptorScenario::HybridRequired,
        &with_credentials(LAB_PASSWORD),
    )
    .await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    assert_eq!(json["server"]["selected_protocol"], "hybrid", "{json:#}");
    assert!(
        json["server"].get("early_user_auth_result").is_none(),
        "{json:#}"
    );
    assert_full_sequence(&json, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insufficient_privileges_after_a_good_logon_is_errinfo_9() {
    let (_, json) = run(
        AcceptorScenario::InsufficientPrivileges,
        &with_credentials(LAB_PASSWORD),
    )
    .await;
    assert_failure(
        &json,
        "licensing",
        "errinfo",
        9,
        "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
    );
    assert_mstsc(&json, 0x904, 9, "peer_closed");
    // NLA itself succeeded.
    assert_eq!(json["server"]["early_user_auth_result"], 0, "{json:#}");
    assert_eq!(json["server"]["selected_protocol"], "hybrid_ex", "{json:#}");
    let received = &json["server"]["errinfo_received"];
    assert_eq!(received[0]["value"], 9, "{json:#}");
    assert_eq!(received[0]["phase"], "licensing", "{json:#}");
    let seen = phases(&json);
    for p in ["credssp", "secure_settings"] {
        assert!(seen.iter().any(|s| s == p), "{p} missing: {json:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_serves_several_clients_in_turn() {
    for &scenario in AcceptorScenario::all() {
        let server = AcceptorServer::start(scenario).await.expect("bind");
        let target = Target::new("127.0.0.1", server.addr().port()).expect("target");
        let o = with_credentials(LAB_PASSWORD);
        let first = probe(&target, &o).await;
        let second = probe(&target, &o).await;
        assert_eq!(first.verdict_kind(), second.verdict_kind(), "{scenario}");
        let expected = match scenario {
            AcceptorScenario::InsufficientPrivileges | AcceptorScenario::EarlyUserAuthDenied => {
                VerdictKind::Failed
            }
            _ => VerdictKind::Connected,
        };
        assert_eq!(
            first.verdict_kind(),
            expected,
            "{scenario}: {}",
            first.to_json()
        );
    }
}
