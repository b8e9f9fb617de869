//! The probe against the scripted RDP server, beyond the verdict matrix (`verdict_matrix.rs` checks
//! verdict, phase, code and derived pair for every catalog entry): code names, the facts a report
//! records on the way (negotiation attempts, licensing outcome, TLS round trips and bytes, CredSSP
//! version), parameters the catalog does not list, and the server's own lifecycle.

use std::time::Duration;

use rdp_probe_core::engine::transcript::standard::{
    LEVEL_CLIENT_COMPATIBLE, LEVEL_FIPS, LEVEL_HIGH, LEVEL_LOW,
};
use rdp_probe_core::report::Report;
use rdp_probe_core::standard_security::EncryptionMethod;
use rdp_probe_core::{ProbeOptions, Protocols, Target, Timeouts, VerdictKind, probe};
use rdp_probe_lab::scripted::{EncryptedEnding, Hostility, Point, Scenario, ScriptedServer};
use serde_json::Value;

/// 2 s for connect and every phase.
fn opts() -> ProbeOptions {
    ProbeOptions {
        timeouts: Timeouts::uniform(Duration::from_secs(2)),
        ..ProbeOptions::default()
    }
}

/// 1 s for connect and every phase, for scenarios that end in a timeout.
fn fast() -> ProbeOptions {
    ProbeOptions {
        timeouts: Timeouts::uniform(Duration::from_secs(1)),
        ..ProbeOptions::default()
    }
}

/// Starts the scenario, probes it once, checks the report's contract, returns it with its JSON form.
async fn run(scenario: Scenario, options: &ProbeOptions) -> (Report, Value) {
    let server = ScriptedServer::start(scenario)
        .await
        .expect("bind 127.0.0.1:0");
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    let target = Target::new(addr.ip().to_string(), addr.port()).expect("target");
    let report = probe(&target, options).await;
    let json: Value = serde_json::from_str(&report.to_json()).expect("report JSON");
    assert_eq!(json["schema"], "rdp-probe/1");
    assert_eq!(json["verdict"], report.verdict_kind().as_str());
    let failed = report.verdict_kind() == VerdictKind::Failed;
    let ctx = format!("{}: {json:#}", scenario.name());
    assert_eq!(json.get("failure").is_some(), failed, "{ctx}");
    assert_eq!(json.get("mstsc").is_some(), failed, "{ctx}");
    if failed {
        assert!(
            json["failure"]["hint"]
                .as_str()
                .is_some_and(|h| !h.is_empty()),
            "{ctx}"
        );
        assert!(
            json["failure"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{ctx}"
        );
        assert_eq!(json["mstsc"]["derived"], true, "{ctx}");
    }
    (report, json)
}

#[track_caller]
fn assert_failure(json: &Value, phase: &str, space: &str, value: u64) {
    assert_eq!(json["verdict"], "failed", "{json:#}");
    assert_eq!(json["failure"]["phase"], phase, "{json:#}");
    assert_eq!(json["failure"]["code"]["space"], space, "{json:#}");
    assert_eq!(json["failure"]["code"]["value"], value, "{json:#}");
}

#[track_caller]
fn assert_mstsc(json: &Value, disconnect_reason: u64, extended_reason: u64) {
    assert_eq!(
        json["mstsc"]["disconnect_reason"], disconnect_reason,
        "{json:#}"
    );
    assert_eq!(
        json["mstsc"]["extended_reason"], extended_reason,
        "{json:#}"
    );
}

/// The session got as far as licensing over Standard RDP Security without encryption.
#[track_caller]
fn assert_reached_licensing_over_rdp(json: &Value) {
    let server = &json["server"];
    assert_eq!(server["selected_protocol"], "rdp", "{json:#}");
    assert_eq!(server["rdp_version"], 0x0008_0004, "{json:#}");
    assert_eq!(
        server["standard_security"]["encryption_level"], 0,
        "{json:#}"
    );
    assert_eq!(
        server["standard_security"]["encryption_method"], 0,
        "{json:#}"
    );
    let phases: Vec<&str> = json["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    for p in [
        "x224",
        "basic_settings",
        "channel_connection",
        "secure_settings",
        "licensing",
    ] {
        assert!(phases.contains(&p), "{p} missing: {json:#}");
    }
}

// ----- after the Client Info PDU -----

#[tokio::test]
async fn errinfo_after_client_info_then_close() {
    for value in [7u32, 9, 0x101, 0x10C9, 0xBEEF] {
        let (_, json) = run(Scenario::ErrinfoAfterClientInfo(value), &opts()).await;
        assert_failure(&json, "licensing", "errinfo", u64::from(value));
        assert_mstsc(&json, 0x904, u64::from(value));
        assert_eq!(json["mstsc"]["rule"], "peer_closed", "{json:#}");
        assert_reached_licensing_over_rdp(&json);
        let received = &json["server"]["errinfo_received"];
        assert_eq!(received[0]["value"], value, "{json:#}");
        assert_eq!(received[0]["phase"], "licensing", "{json:#}");
        if value == 0xBEEF {
            assert_eq!(
                json["failure"]["code"]["name"], "UNKNOWN_ERRINFO_0x0000BEEF",
                "{json:#}"
            );
        }
    }
    let (_, json) = run(Scenario::ErrinfoAfterClientInfo(7), &opts()).await;
    assert_eq!(
        json["failure"]["code"]["name"], "ERRINFO_SERVER_DENIED_CONNECTION",
        "{json:#}"
    );
}

#[tokio::test]
async fn license_error_no_license_server() {
    let (_, json) = run(
        Scenario::LicenseError {
            code: 6,
            state_transition: 1,
        },
        &opts(),
    )
    .await;
    assert_failure(&json, "licensing", "license_error", 6);
    assert_eq!(
        json["failure"]["code"]["name"], "ERR_NO_LICENSE_SERVER",
        "{json:#}"
    );
    // No errinfo was sent: the licensing ERRINFO of the same meaning (ERRINFO_LICENSE_NO_LICENSE_SERVER).
    assert_mstsc(&json, 0x808, 0x101);
    assert_eq!(json["server"]["licensing"]["outcome"], "error", "{json:#}");
    assert_reached_licensing_over_rdp(&json);
}

#[tokio::test]
async fn license_valid_client_then_errinfo() {
    let (_, json) = run(Scenario::LicenseValidClientThenErrinfo(9), &opts()).await;
    // Licensing succeeded, so the errinfo arrives while the client waits for the Demand Active.
    assert_failure(&json, "capabilities", "errinfo", 9);
    assert_mstsc(&json, 0x904, 9);
    assert_eq!(
        json["server"]["licensing"]["outcome"], "valid_client",
        "{json:#}"
    );
    let licensing = json["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .find(|p| p["phase"] == "licensing")
        .cloned();
    assert_eq!(
        licensing.map(|p| p["status"].clone()),
        Some(Value::from("ok"))
    );
}

#[tokio::test]
async fn x224_disconnect_reason_is_reported() {
    let (_, json) = run(Scenario::X224DisconnectAfterClientInfo(2), &opts()).await;
    // The reason byte is kept as the failure's code, and as the typed detail.
    assert_failure(&json, "licensing", "x224_disconnect", 2);
    assert_eq!(json["failure"]["kind"], "x224_disconnect", "{json:#}");
    assert_eq!(
        json["failure"]["code"]["name"], "X224_DR_SESSION_ENTITY_NOT_ATTACHED",
        "{json:#}"
    );
    assert_eq!(
        json["failure"]["detail"]["type"], "x224_disconnect",
        "{json:#}"
    );
    assert_eq!(json["failure"]["detail"]["reason"], 2, "{json:#}");
}

#[tokio::test]
async fn a_redirection_never_reports_the_password_or_the_cookie() {
    use rdp_probe_lab::scripted::{REDIRECT_SECRET_COOKIE, REDIRECT_SECRET_PASSWORD};
    let (report, json) = run(Scenario::RedirectEnhanced, &opts()).await;
    let facts = report
        .server
        .redirection
        .as_ref()
        .expect("redirection facts");
    assert!(facts.password_present, "{json:#}");
    assert_eq!(
        facts.load_balance_info_len,
        Some(REDIRECT_SECRET_COOKIE.len())
    );
    let text = report.to_json();
    let cookie = String::from_utf8_lossy(REDIRECT_SECRET_COOKIE);
    assert!(!text.contains(cookie.trim_end()), "{json:#}");
    assert!(!text.contains("msts"), "{json:#}");
    let password: String = char::decode_utf16(
        REDIRECT_SECRET_PASSWORD
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]])),
    )
    .map_while(Result::ok)
    .take_while(|c| *c != '\0')
    .collect();
    assert_eq!(password, "redir-secret");
    assert!(!text.contains(&password), "{json:#}");
}

// ----- Standard RDP Security with encryption -----

#[tokio::test]
async fn encrypted_sessions_report_the_security_layer() {
    // The server seals its PDUs above low level only ([MS-RDPBCGR] 5.3.1): licensing, the Demand
    // Active and four finalization PDUs.
    for (method, level, opened) in [
        (EncryptionMethod::Bits40, LEVEL_LOW, 0),
        (EncryptionMethod::Bits56, LEVEL_CLIENT_COMPATIBLE, 6),
        (EncryptionMethod::Bits128, LEVEL_HIGH, 6),
        (EncryptionMethod::Fips, LEVEL_FIPS, 6),
    ] {
        let scenario = Scenario::Encrypted {
            method,
            level,
            ending: EncryptedEnding::Healthy,
        };
        let (_, json) = run(scenario, &opts()).await;
        assert_eq!(json["verdict"], "connected", "{json:#}");
        assert_eq!(json["server"]["selected_protocol"], "rdp", "{json:#}");
        let sec = &json["server"]["standard_security"];
        assert_eq!(sec["encryption_method"], method.wire(), "{json:#}");
        assert_eq!(sec["encryption_level"], level, "{json:#}");
        assert_eq!(sec["server_random_len"], 32, "{json:#}");
        assert_eq!(sec["certificate_type"], "proprietary", "{json:#}");
        assert_eq!(sec["certificate_signature"], "valid", "{json:#}");
        assert_eq!(sec["rsa_key_bits"], 512, "{json:#}");
        let traffic = &sec["traffic"];
        // 512-bit key: 64 bytes of modulus and 8 of padding ([MS-RDPBCGR] 2.2.1.10.1).
        assert_eq!(traffic["encrypted_client_random_len"], 72, "{json:#}");
        assert_eq!(traffic["mac_sent"], "plain", "{json:#}");
        // Client Info, Confirm Active, Synchronize, two Controls, Font List: the server opened
        // them.
        assert_eq!(traffic["sealed"], 6, "{json:#}");
        assert_eq!(traffic["opened"], opened, "{json:#}");
        assert_eq!(traffic["salted_macs_received"], 0, "{json:#}");
    }
}

#[tokio::test]
async fn an_encrypted_errinfo_in_licensing_is_read() {
    let scenario = Scenario::Encrypted {
        method: EncryptionMethod::Bits128,
        level: LEVEL_CLIENT_COMPATIBLE,
        ending: EncryptedEnding::ErrinfoInLicensing(7),
    };
    let (_, json) = run(scenario, &opts()).await;
    assert_failure(&json, "licensing", "errinfo", 7);
    assert_mstsc(&json, 0x904, 7);
    assert_eq!(json["mstsc"]["rule"], "peer_closed", "{json:#}");
    assert_eq!(
        json["server"]["errinfo_received"][0]["value"], 7,
        "{json:#}"
    );
    let traffic = &json["server"]["standard_security"]["traffic"];
    assert_eq!(traffic["sealed"], 1, "{json:#}");
    assert_eq!(traffic["opened"], 1, "{json:#}");
}

#[tokio::test]
async fn damaged_encrypted_pdus_fail_the_security_layer() {
    use EncryptionMethod::{Bits40, Bits128, Fips};
    for (method, level, ending, value, name) in [
        (
            Bits128,
            LEVEL_HIGH,
            EncryptedEnding::BadMac,
            6,
            "SERVER_MAC_MISMATCH",
        ),
        (
            Fips,
            LEVEL_FIPS,
            EncryptedEnding::BadMac,
            6,
            "SERVER_MAC_MISMATCH",
        ),
        // At low level the damaged PDU is encrypted anyway, and the probe opens it.
        (
            Bits40,
            LEVEL_LOW,
            EncryptedEnding::BadMac,
            6,
            "SERVER_MAC_MISMATCH",
        ),
        (
            Fips,
            LEVEL_FIPS,
            EncryptedEnding::Garbled,
            7,
            "DECRYPTION_FAILED",
        ),
        // RC4 decrypts any length: the cut PDU fails its MAC.
        (
            Bits128,
            LEVEL_HIGH,
            EncryptedEnding::Garbled,
            6,
            "SERVER_MAC_MISMATCH",
        ),
    ] {
        let scenario = Scenario::Encrypted {
            method,
            level,
            ending,
        };
        let (_, json) = run(scenario, &opts()).await;
        assert_failure(&json, "licensing", "standard_security", value);
        assert_eq!(json["failure"]["code"]["name"], name, "{json:#}");
        assert_eq!(json["failure"]["kind"], "standard_security", "{json:#}");
        assert_mstsc(&json, 0xC06, 0);
        assert_eq!(json["mstsc"]["rule"], "decryption_error", "{json:#}");
        if value == 6 {
            assert_eq!(json["failure"]["detail"]["type"], "mac", "{json:#}");
            assert_eq!(json["failure"]["detail"]["form"], "plain", "{json:#}");
        }
    }
}

// ----- MCS -----

#[tokio::test]
async fn mcs_connect_rejected() {
    for result in [1u8, 5, 14] {
        let (_, json) = run(Scenario::McsConnectRejected(result), &opts()).await;
        assert_failure(&json, "basic_settings", "protocol", 5);
        assert_mstsc(&json, 0x1104, 0);
    }
}

// ----- X.224 negotiation -----

#[tokio::test]
async fn neg_failure_codes() {
    for code in [1u32, 3, 4, 5, 6, 0x99] {
        let (_, json) = run(Scenario::NegFailure(code), &opts()).await;
        assert_failure(&json, "x224", "neg_failure", u64::from(code));
        let expected = if code == 5 { 0xB09 } else { 0x906 };
        assert_mstsc(&json, expected, 0);
        let failures = json["server"]["negotiation_failures"]
            .as_array()
            .expect("negotiation_failures");
        assert_eq!(failures.len(), 1, "{json:#}");
        assert_eq!(failures[0]["code"], code, "{json:#}");
        if code == 0x99 {
            assert_eq!(
                json["failure"]["code"]["name"], "UNKNOWN_NEG_FAILURE_0x00000099",
                "{json:#}"
            );
        }
    }
}

#[tokio::test]
async fn neg_failure_ssl_not_allowed_falls_back_to_rdp() {
    // The server refuses every attempt, so the fallback attempt with PROTOCOL_RDP is refused too.
    let (_, json) = run(Scenario::NegFailure(2), &opts()).await;
    assert_failure(&json, "x224", "neg_failure", 2);
    let failures = json["server"]["negotiation_failures"]
        .as_array()
        .expect("negotiation_failures");
    assert_eq!(failures.len(), 2, "{json:#}");
    assert_eq!(
        failures[0]["requested"],
        serde_json::json!(["ssl", "hybrid", "hybrid_ex"])
    );
    assert_eq!(failures[1]["requested"], serde_json::json!(["rdp"]));
    let attempts: Vec<u64> = json["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["attempt"].as_u64())
        .collect();
    assert_eq!(attempts.iter().max(), Some(&2), "{json:#}");
}

#[tokio::test]
async fn ssl_not_allowed_then_rdp_reaches_errinfo() {
    let (_, json) = run(Scenario::SslNotAllowedThenErrinfo(7), &opts()).await;
    assert_failure(&json, "licensing", "errinfo", 7);
    assert_mstsc(&json, 0x904, 7);
    assert_eq!(
        json["server"]["requested_protocols"],
        serde_json::json!(["rdp"])
    );
    assert_eq!(
        json["server"]["negotiation_failures"][0]["code"], 2,
        "{json:#}"
    );
    assert_eq!(json["server"]["client_requested_protocols_echo"], 0);
    assert_reached_licensing_over_rdp(&json);
}

#[tokio::test]
async fn selects_unrequested_protocol() {
    let options = ProbeOptions {
        protocols: Some(Protocols::SSL),
        ..opts()
    };
    let (_, json) = run(Scenario::SelectsUnrequested(4), &options).await;
    assert_failure(&json, "x224", "protocol", 1);
    assert_eq!(json["server"]["selected_protocol"], "rdstls", "{json:#}");
    assert_mstsc(&json, 0x1104, 0);
    // With the default request (SSL | HYBRID | HYBRID_EX) an unknown bit is not offered either.
    let (_, json) = run(Scenario::SelectsUnrequested(0x20), &opts()).await;
    assert_failure(&json, "x224", "protocol", 1);
}

// ----- transport and non-RDP answers -----

#[tokio::test]
async fn reset_after_accept() {
    // The RST may meet the probe's read (ECONNRESET) or, in principle, its send of the Connection Request.
    let (_, json) = run(
        Scenario::Hostile {
            at: Point::Accept,
            how: Hostility::Reset,
        },
        &opts(),
    )
    .await;
    assert_eq!(json["failure"]["phase"], "x224", "{json:#}");
    assert_eq!(json["failure"]["code"]["space"], "os_error", "{json:#}");
    let name = json["failure"]["code"]["name"].as_str().unwrap_or_default();
    match name {
        "ECONNRESET" => assert_mstsc(&json, 0x404, 0),
        "SEND_FAILED" => assert_mstsc(&json, 0x304, 0),
        other => panic!("unexpected {other}: {json:#}"),
    }
}

#[tokio::test]
async fn huge_tpkt_length_times_out() {
    let (_, json) = run(
        Scenario::Hostile {
            at: Point::ConnectionRequest,
            how: Hostility::HugeLength,
        },
        &fast(),
    )
    .await;
    assert_failure(&json, "x224", "timeout", 1000);
    assert!(
        json["failure"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("4 bytes")),
        "{json:#}"
    );
    assert_mstsc(&json, 0x704, 0);
}

// ----- the server itself -----

#[tokio::test]
async fn every_connection_is_served_and_drop_stops_the_server() {
    let server = ScriptedServer::start(Scenario::ErrinfoAfterClientInfo(7))
        .await
        .expect("bind");
    let addr = server.addr();
    let target = Target::new(addr.ip().to_string(), addr.port()).expect("target");
    for _ in 0..3 {
        let report = probe(&target, &opts()).await;
        let json: Value = serde_json::from_str(&report.to_json()).expect("json");
        assert_failure(&json, "licensing", "errinfo", 7);
    }
    drop(server);
    tokio::task::yield_now().await;
    let report = probe(&target, &opts()).await;
    let json: Value = serde_json::from_str(&report.to_json()).expect("json");
    assert_eq!(json["failure"]["phase"], "tcp_connect", "{json:#}");
}

// ----- TLS and CredSSP after a Connection Confirm selecting HYBRID -----

/// The (single) `tls` phase record of the first attempt, the modern (rustls) handshake. A
/// legacy-TLS attempt on a new connection may follow it (attempt 2, `legacy_tls` in the report).
#[track_caller]
fn tls_phase(json: &Value) -> Value {
    let tls: Vec<&Value> = json["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter(|p| p["phase"] == "tls" && p["attempt"] == 1)
        .collect();
    assert_eq!(tls.len(), 1, "{json:#}");
    tls[0].clone()
}

fn with_credentials(options: ProbeOptions) -> ProbeOptions {
    ProbeOptions {
        credentials: Some(rdp_probe_core::Credentials::new("u", None, "p")),
        trust: rdp_probe_core::Trust {
            pins: vec![
                rdp_probe_lab::scripted::tls::certificate_sha256().expect("the lab certificate"),
            ],
            ..rdp_probe_core::Trust::default()
        },
        ..options
    }
}

#[tokio::test]
async fn tls_alert_after_confirm_handshake_failure() {
    // handshake_failure makes the probe retry with a legacy ClientHello on a second connection,
    // which meets the same alert.
    let (_, json) = run(Scenario::TlsAlertAfterConfirm(40), &opts()).await;
    assert_failure(&json, "tls", "tls_alert", 40);
    assert_eq!(
        json["failure"]["code"]["name"], "handshake_failure",
        "{json:#}"
    );
    assert_mstsc(&json, 0x4, 0);
    let tls = tls_phase(&json);
    // Three exchanges, all the engine's own: the modern ClientHello, then on a second connection
    // the X.224 Connection Request (a 19-byte Confirm) and the legacy ClientHello (a 7-byte alert).
    assert_eq!(tls["round_trips"], 3, "{json:#}");
    assert_eq!(tls["bytes_received"], 7 + 19 + 7, "{json:#}");
}

#[tokio::test]
async fn tls_alert_after_confirm_unknown_ca() {
    let (_, json) = run(Scenario::TlsAlertAfterConfirm(48), &opts()).await;
    assert_failure(&json, "tls", "tls_alert", 48);
    assert_eq!(json["failure"]["code"]["name"], "unknown_ca", "{json:#}");
    assert_mstsc(&json, 0x4, 0);
    // No legacy retry for unknown_ca: one ClientHello, one 7-byte alert.
    let tls = tls_phase(&json);
    assert_eq!(tls["round_trips"], 1, "{json:#}");
    assert_eq!(tls["bytes_received"], 7, "{json:#}");
}

#[tokio::test]
async fn tls10_only() {
    let (_, json) = run(Scenario::Tls10Only, &opts()).await;
    assert_failure(&json, "tls", "tls_version", 0x0301);
    assert_eq!(json["failure"]["code"]["name"], "TLS_1_0", "{json:#}");
    assert_mstsc(&json, 0x4, 0);
    // rustls rejects the TLS 1.0 ServerHello; on a second connection the X.224 Connection Request
    // for SSL (a 19-byte Confirm) and the legacy ClientHello meet the same 47-byte ServerHello.
    let tls = tls_phase(&json);
    assert_eq!(tls["round_trips"], 3, "{json:#}");
    assert_eq!(tls["bytes_received"], 47 + 19 + 47, "{json:#}");
}

#[tokio::test]
async fn credssp_error_ntstatus() {
    for with_creds in [false, true] {
        for (version, ntstatus, disconnect_reason) in [
            (3u32, 0xC000_006Du32, 0x807u64),
            (6, 0xC000_006D, 0x807),
            (6, 0xC000_0071, 0xF07),
            (3, 0xC000_0234, 0xD07),
            (6, 0xC000_0234, 0xD07),
        ] {
            let options = if with_creds {
                with_credentials(opts())
            } else {
                opts()
            };
            let (_, json) = run(Scenario::CredsspError { version, ntstatus }, &options).await;
            assert_failure(&json, "credssp", "ntstatus", u64::from(ntstatus));
            assert_mstsc(&json, disconnect_reason, 0);
            assert_eq!(json["server"]["credssp_version"], version, "{json:#}");
            assert_eq!(json["server"]["selected_protocol"], "hybrid", "{json:#}");
        }
    }
}

#[tokio::test]
async fn close_after_tls() {
    // The server closes after the handshake, before answering the NTLM NEGOTIATE: with or without
    // credentials no logon was attempted, so this is a plain close in phase credssp.
    for options in [opts(), with_credentials(opts())] {
        let (_, json) = run(
            Scenario::Hostile {
                at: Point::Credssp,
                how: Hostility::Close,
            },
            &options,
        )
        .await;
        assert_failure(&json, "credssp", "os_error", 0);
        assert_eq!(json["failure"]["code"]["name"], "EOF", "{json:#}");
        assert_eq!(json["failure"]["kind"], "connection_closed", "{json:#}");
        assert_mstsc(&json, 0x904, 0);
        assert_eq!(json["mstsc"]["rule"], "peer_closed", "{json:#}");
        assert_eq!(tls_phase(&json)["status"], "ok", "{json:#}");
        assert_eq!(json["server"]["selected_protocol"], "hybrid", "{json:#}");
        assert_eq!(
            json["server"]["certificate"]["self_signed"], true,
            "{json:#}"
        );
    }
}

/// The credential trust policy against a real CredSSP exchange over TCP: a server whose certificate
/// nothing vouches for gets the NEGOTIATE (its CHALLENGE names it in the report) and never an NTLM
/// AUTHENTICATE; with its certificate pinned it gets one.
#[tokio::test]
async fn withheld_credentials_send_no_authenticate() {
    let server = ScriptedServer::start(Scenario::NtlmChallenge { version: 6 })
        .await
        .unwrap();
    let target = Target::new("127.0.0.1", server.addr().port()).unwrap();
    let credentials = || Some(rdp_probe_core::Credentials::new("u", None, "p"));
    let withheld = ProbeOptions {
        credentials: credentials(),
        ..opts()
    };
    let report = rdp_probe_core::probe(&target, &withheld).await;
    assert_eq!(
        report.verdict_kind(),
        rdp_probe_core::VerdictKind::CredentialsWithheld,
        "{}",
        report.to_json_pretty()
    );
    assert!(report.server.ntlm.is_some());
    // Let the server finish reading what the client sent before it closed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.authenticates_received(), 0);
    let pinned = with_credentials(opts());
    let report = rdp_probe_core::probe(&target, &pinned).await;
    assert_eq!(
        report.failure().map(|f| f.phase),
        Some(rdp_probe_core::Phase::Credssp)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.authenticates_received(), 1);
}
