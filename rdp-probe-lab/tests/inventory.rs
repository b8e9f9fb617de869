//! The inventory against real servers (xrdp and FreeRDP's shadow server in every lab configuration),
//! scripted CredSSP servers and every hostile scenario of the lab. The expected inventories are written
//! from each server's configuration and the lab matrix of `rdp-inventory.md` §2.4 (xrdp
//! `libxrdp/xrdp_iso.c`, `xrdp_sec.c`; FreeRDP `libfreerdp/core/nego.c`), not from rdp-probe's output.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::time::{Duration, Instant};

use rdp_probe_codes::client_profile::CLIENT_PROFILES;
use rdp_probe_core::inventory::{Inventory, InventoryOptions, inventory};
use rdp_probe_core::{Target, Timeouts};
use rdp_probe_lab::catalog::catalog;
use rdp_probe_lab::real::{
    CertKind, CryptLevel, SecurityLayer, ShadowConfig, ShadowSec, ShadowServer, XrdpConfig,
    XrdpServer,
};
use rdp_probe_lab::scripted::{Scenario, ScriptedServer};
use serde_json::{Value, json};

#[allow(dead_code, reason = "the schema paths are tests/schema.rs's")]
mod schema_gen {
    include!("support/schema_gen.rs");
}

/// The `rdp-probe-inventory/1` schema validator (schemas/rdp-probe-inventory-1.json, kept current by
/// tests/schema.rs).
fn validator() -> &'static jsonschema::Validator {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(&schema_gen::generated::<Inventory>(
            "rdp-probe-inventory-1.json",
            "rdp-probe-inventory/1",
        ))
        .unwrap();
        jsonschema::validator_for(&schema).expect("a valid schema")
    })
}

fn options(limit: Duration) -> InventoryOptions {
    InventoryOptions {
        timeouts: Timeouts::uniform(limit),
        ..InventoryOptions::default()
    }
}

/// Takes the inventory of `addr`, checks the contract's fixed names, returns it with its JSON form.
async fn take(addr: std::net::SocketAddr, opts: &InventoryOptions) -> (Inventory, Value) {
    let target = Target::new(addr.ip().to_string(), addr.port()).unwrap();
    let inv = inventory(&target, opts).await;
    let json: Value = serde_json::from_str(&inv.to_json()).unwrap();
    assert_eq!(json["schema"], "rdp-probe-inventory/1");
    let errors: Vec<String> = validator()
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}: {json:#}");
    for key in [
        "target",
        "protocols",
        "nla",
        "tls",
        "standard_rdp",
        "rdp_version",
        "credssp",
        "ntlm",
        "findings",
        "clients",
        "connections",
        "elapsed_ms",
    ] {
        assert!(json.get(key).is_some(), "{key} missing: {json:#}");
    }
    for p in [
        "rdp",
        "ssl",
        "hybrid",
        "hybrid_ex",
        "rdstls",
        "rdsaad",
        "legacy",
    ] {
        let r = &json["protocols"][p];
        for key in ["accepted", "selected", "failure", "spec_violation"] {
            assert!(
                r.get(key).is_some(),
                "protocols.{p}.{key} missing: {json:#}"
            );
        }
    }
    assert!(
        inv.max_concurrent_connections as usize <= opts.max_connections,
        "{} open at once, cap {}",
        inv.max_concurrent_connections,
        opts.max_connections
    );
    for f in &inv.findings {
        assert!(!f.evidence.is_empty() && !f.hint.is_empty(), "{f:?}");
    }
    (inv, json)
}

/// `protocols.<name>`: accepted, selected, failure code.
fn assert_protocol(
    json: &Value,
    name: &str,
    accepted: bool,
    selected: Option<&str>,
    failure: Option<u64>,
) {
    let r = &json["protocols"][name];
    assert_eq!(r["accepted"], accepted, "{name}: {r:#}");
    assert_eq!(
        r["selected"],
        selected.map_or(Value::Null, |s| json!(s)),
        "{name}: {r:#}"
    );
    assert_eq!(r["failure"]["code"].as_u64(), failure, "{name}: {r:#}");
}

fn finding_ids(inv: &Inventory) -> Vec<&'static str> {
    inv.findings.iter().map(|f| f.id).collect()
}

fn rdp_sec_check_names(inv: &Inventory) -> Vec<&'static str> {
    inv.findings
        .iter()
        .filter_map(|f| f.rdp_sec_check)
        .collect()
}

fn tls_versions(json: &Value) -> Vec<String> {
    json["tls"]["versions"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v["accepted"] == true)
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn client<'a>(json: &'a Value, profile: &str) -> &'a Value {
    json["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["profile"] == profile)
        .unwrap_or_else(|| panic!("no profile {profile}: {json:#}"))
}

/// Whether a profile offers `version` (from the profile table, not from the inventory).
fn offers(profile: &str, version: u16) -> bool {
    CLIENT_PROFILES
        .iter()
        .find(|p| p.id == profile)
        .unwrap()
        .tls_versions
        .contains(&version)
}

fn ten_seconds() -> InventoryOptions {
    options(Duration::from_secs(10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrdp_negotiate() {
    let server = XrdpServer::start(XrdpConfig::default()).unwrap();
    let (inv, json) = take(server.addr(), &ten_seconds()).await;
    // §2.4: bare CC / RSP RDP / RSP SSL / HYBRID alone → RSP RDP; RDSAAD → dropped.
    assert_protocol(&json, "legacy", true, None, None);
    assert_protocol(&json, "rdp", true, Some("rdp"), None);
    assert_protocol(&json, "ssl", true, Some("ssl"), None);
    assert_protocol(&json, "hybrid", false, Some("rdp"), None);
    assert_eq!(json["protocols"]["hybrid"]["spec_violation"], true);
    assert_protocol(&json, "hybrid_ex", false, Some("rdp"), None);
    assert_protocol(&json, "rdstls", false, Some("rdp"), None);
    assert_eq!(json["protocols"]["rdsaad"]["accepted"], false);
    // xrdp rejects requestedProtocols above 0x0B: an MCS Disconnect Provider Ultimatum instead of a
    // Connection Confirm.
    assert_eq!(
        json["protocols"]["rdsaad"]["answer"], "disconnect_provider_ultimatum",
        "{json:#}"
    );
    // xrdp's RSP flags: always EXTENDED_CLIENT_DATA_SUPPORTED.
    assert_eq!(json["protocols"]["ssl"]["flags"], 1);
    assert_eq!(json["nla"], "not_supported", "{json:#}");
    // ssl_protocols = TLSv1.2, TLSv1.3.
    assert_eq!(tls_versions(&json), ["TLSv1.2", "TLSv1.3"], "{json:#}");
    let tls12 = &json["tls"]["versions"]["TLSv1.2"];
    assert_eq!(tls12["complete"], true, "{json:#}");
    assert!(
        tls12["cipher_suites"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        "{json:#}"
    );
    assert!(
        json["tls"]["versions"]["TLSv1.3"]["cipher_suites"]
            .as_array()
            .unwrap()
            .len()
            >= 3,
        "{json:#}"
    );
    assert_eq!(
        json["tls"]["certificate"]["subject"], "CN=localhost",
        "{json:#}"
    );
    // crypt_level = high: 128-bit only, level high (xrdp_sec.c).
    assert_eq!(json["standard_rdp"]["encryption_level"], "high", "{json:#}");
    assert_eq!(
        json["standard_rdp"]["encryption_methods"],
        json!(["128bit"]),
        "{json:#}"
    );
    assert!(json["rdp_version"]["raw"].is_u64(), "{json:#}");
    assert_eq!(json["credssp"], Value::Null);
    let ids = finding_ids(&inv);
    for id in [
        "SSL_SUPPORTED_BUT_NOT_MANDATED",
        "NLA_NOT_SUPPORTED",
        "NEGOTIATION_SELECTED_UNREQUESTED",
        "NEGOTIATION_DROPS_UNKNOWN_REQUEST",
    ] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    for id in [
        "TLS_1_0_ENABLED",
        "ONLY_RDP_SUPPORTED",
        "WEAK_RDP_ENCRYPTION_SUPPORTED",
        "NULL_RDP_ENCRYPTION_SUPPORTED",
    ] {
        assert!(!ids.contains(&id), "{id}: {ids:?}");
    }
    let names = rdp_sec_check_names(&inv);
    for n in [
        "SSL_SUPPORTED_BUT_NOT_MANDATED_MITM",
        "NLA_NOT_SUPPORTED_DOS",
    ] {
        assert!(names.contains(&n), "{n}: {names:?}");
    }
    assert_eq!(client(&json, "no_nla")["connects"], true, "{json:#}");
    assert_eq!(client(&json, "ironrdp")["connects"], true, "{json:#}");
    // Each profile that offers TLS 1.2 or 1.3 gets in; one that offers neither fails in tls.
    for p in CLIENT_PROFILES {
        let c = client(&json, p.id);
        let tls_ok = offers(p.id, 0x0303) || offers(p.id, 0x0304);
        assert_eq!(c["connects"], tls_ok, "{}: {c:#}", p.id);
        if !tls_ok {
            assert_eq!(c["phase"], "tls", "{c:#}");
        }
    }
    assert!(inv.connections >= 9, "{}", inv.connections);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrdp_rdp_layer_at_every_crypt_level() {
    for (level, name, methods) in [
        (CryptLevel::None, "none", json!(["none"])),
        (CryptLevel::Low, "low", json!(["40bit"])),
        (CryptLevel::Client, "client_compatible", json!(["40bit"])),
        (CryptLevel::High, "high", json!(["128bit"])),
        (CryptLevel::Fips, "fips", json!(["fips"])),
    ] {
        let server = XrdpServer::start(XrdpConfig {
            security_layer: SecurityLayer::Rdp,
            crypt_level: level,
            ..XrdpConfig::default()
        })
        .unwrap();
        let (inv, json) = take(server.addr(), &ten_seconds()).await;
        let ctx = format!("crypt_level {name}: {json:#}");
        // §2.4: every request gets RSP RDP.
        assert_protocol(&json, "rdp", true, Some("rdp"), None);
        assert_protocol(&json, "ssl", false, Some("rdp"), None);
        assert_eq!(json["protocols"]["ssl"]["spec_violation"], true, "{ctx}");
        assert_eq!(json["nla"], "not_supported", "{ctx}");
        assert_eq!(json["tls"], Value::Null, "{ctx}");
        assert_eq!(json["standard_rdp"]["encryption_level"], name, "{ctx}");
        assert_eq!(json["standard_rdp"]["encryption_methods"], methods, "{ctx}");
        // At level none the Server Security Data carries no random and no certificate (MS-RDPBCGR
        // 2.2.1.4.3); above it xrdp sends a proprietary certificate.
        if level == CryptLevel::None {
            assert_eq!(json["standard_rdp"]["certificate"], Value::Null, "{ctx}");
        } else {
            assert_eq!(
                json["standard_rdp"]["certificate"]["type"], "proprietary",
                "{ctx}"
            );
        }
        let ids = finding_ids(&inv);
        assert!(ids.contains(&"ONLY_RDP_SUPPORTED"), "{ctx}");
        assert_eq!(
            ids.contains(&"WEAK_RDP_ENCRYPTION_SUPPORTED"),
            matches!(level, CryptLevel::Low | CryptLevel::Client),
            "{ctx}"
        );
        assert_eq!(
            ids.contains(&"NULL_RDP_ENCRYPTION_SUPPORTED"),
            level == CryptLevel::None,
            "{ctx}"
        );
        assert!(
            rdp_sec_check_names(&inv).contains(&"ONLY_RDP_SUPPORTED_MITM"),
            "{ctx}"
        );
        // IronRDP has no Standard RDP Security; a Windows client has.
        assert_eq!(client(&json, "ironrdp")["connects"], false, "{ctx}");
        assert_eq!(client(&json, "windows11")["connects"], true, "{ctx}");
        server.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrdp_tls_layer() {
    let server = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        ..XrdpConfig::default()
    })
    .unwrap();
    let (inv, json) = take(server.addr(), &ten_seconds()).await;
    // §2.4: legacy → bare CC then MCS Disconnect Provider Ultimatum; RDP and HYBRID alone → FAIL 1.
    assert_eq!(json["protocols"]["legacy"]["accepted"], false, "{json:#}");
    assert_eq!(
        json["protocols"]["legacy"]["answer"], "no_negotiation_data",
        "{json:#}"
    );
    assert_protocol(&json, "rdp", false, None, Some(1));
    assert_protocol(&json, "ssl", true, Some("ssl"), None);
    assert_protocol(&json, "hybrid", false, None, Some(1));
    assert_eq!(json["nla"], "not_supported");
    assert_eq!(tls_versions(&json), ["TLSv1.2", "TLSv1.3"], "{json:#}");
    let ids = finding_ids(&inv);
    assert!(ids.contains(&"NLA_NOT_SUPPORTED"), "{ids:?}");
    assert!(!ids.contains(&"SSL_SUPPORTED_BUT_NOT_MANDATED"), "{ids:?}");
    assert!(!ids.contains(&"ONLY_RDP_SUPPORTED"), "{ids:?}");
    // The RDP version comes from behind TLS.
    assert_eq!(json["rdp_version"]["source"], "tls", "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrdp_tls10_only_names_the_clients_it_refuses() {
    let server = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        tls_protocols: "TLSv1",
        tls_ciphers: Some("DEFAULT@SECLEVEL=0"),
        ..XrdpConfig::default()
    })
    .unwrap();
    let (inv, json) = take(server.addr(), &ten_seconds()).await;
    assert_eq!(tls_versions(&json), ["TLSv1.0"], "{json:#}");
    let ids = finding_ids(&inv);
    for id in ["TLS_1_0_ENABLED", "TLS_NO_1_2_OR_LATER", "TLS_CBC_SUITES"] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    for p in CLIENT_PROFILES {
        let c = client(&json, p.id);
        assert_eq!(c["connects"], offers(p.id, 0x0301), "{}: {c:#}", p.id);
        if !offers(p.id, 0x0301) {
            assert_eq!(c["phase"], "tls", "{c:#}");
            assert!(c["mstsc"]["derived"] == true, "{c:#}");
        }
    }
    assert_eq!(client(&json, "ironrdp")["connects"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrdp_tls13_only() {
    let server = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        tls_protocols: "TLSv1.3",
        ..XrdpConfig::default()
    })
    .unwrap();
    let (_inv, json) = take(server.addr(), &ten_seconds()).await;
    assert_eq!(tls_versions(&json), ["TLSv1.3"], "{json:#}");
    // TLS 1.3 encrypts the certificate: it comes from the handshake behind the RDP version.
    assert_eq!(
        json["tls"]["certificate"]["subject"], "CN=localhost",
        "{json:#}"
    );
    for p in CLIENT_PROFILES {
        assert_eq!(
            client(&json, p.id)["connects"],
            offers(p.id, 0x0304),
            "{}: {json:#}",
            p.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrdp_without_certificate() {
    let server = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        cert: CertKind::Missing,
        ..XrdpConfig::default()
    })
    .unwrap();
    let (_inv, json) = take(server.addr(), &ten_seconds()).await;
    // §2.4: FAIL 3 to everything with negotiation data.
    for p in ["rdp", "ssl", "hybrid"] {
        assert_protocol(&json, p, false, None, Some(3));
    }
    assert_eq!(json["nla"], "not_supported", "{json:#}");
    assert_eq!(json["tls"], Value::Null);
    for c in json["clients"].as_array().unwrap() {
        assert_eq!(c["connects"], false, "{c:#}");
        assert_eq!(c["phase"], "x224", "{c:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_nla_required() {
    let server = ShadowServer::start(ShadowConfig::default()).unwrap();
    let (inv, json) = take(server.addr(), &ten_seconds()).await;
    // §2.4: FAIL 5 to legacy, RDP and SSL; RSP HYBRID to HYBRID.
    assert_protocol(&json, "rdp", false, None, Some(5));
    assert_protocol(&json, "ssl", false, None, Some(5));
    assert_protocol(&json, "hybrid", true, Some("hybrid"), None);
    assert_eq!(json["protocols"]["legacy"]["failure"]["code"], 5);
    assert_eq!(json["protocols"]["legacy"]["spec_violation"], true);
    assert_eq!(json["nla"], "required", "{json:#}");
    assert!(
        json["credssp"]["version"].as_u64().is_some_and(|v| v >= 2),
        "{json:#}"
    );
    assert_eq!(json["standard_rdp"], Value::Null);
    // NLA required: nothing reaches MCS without credentials.
    assert_eq!(json["rdp_version"], Value::Null);
    assert!(
        tls_versions(&json).contains(&"TLSv1.2".to_owned()),
        "{json:#}"
    );
    let ids = finding_ids(&inv);
    assert!(
        !ids.contains(&"NLA_NOT_SUPPORTED") && !ids.contains(&"NLA_SUPPORTED_BUT_NOT_MANDATED"),
        "{ids:?}"
    );
    let no_nla = client(&json, "no_nla");
    assert_eq!(no_nla["connects"], false, "{no_nla:#}");
    assert_eq!(no_nla["phase"], "x224");
    assert!(
        no_nla["reason"]
            .as_str()
            .unwrap()
            .contains("HYBRID_REQUIRED_BY_SERVER"),
        "{no_nla:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_without_nla_tls_and_rdp_only() {
    // No NLA: RSP RDP to legacy (negotiation data without a request), SSL selected, HYBRID alone FAIL 2.
    let server = ShadowServer::start(ShadowConfig {
        nla: None,
        sec: ShadowSec::NoNla,
    })
    .unwrap();
    let (inv, json) = take(server.addr(), &ten_seconds()).await;
    assert_protocol(&json, "rdp", true, Some("rdp"), None);
    assert_protocol(&json, "ssl", true, Some("ssl"), None);
    assert_protocol(&json, "hybrid", false, None, Some(2));
    assert_eq!(
        json["protocols"]["legacy"]["spec_violation"], true,
        "{json:#}"
    );
    assert_eq!(json["nla"], "not_supported");
    // The shadow server has no encryption level: Standard RDP Security without encryption.
    assert_eq!(json["standard_rdp"]["encryption_level"], "none", "{json:#}");
    let ids = finding_ids(&inv);
    for id in [
        "NULL_RDP_ENCRYPTION_SUPPORTED",
        "SSL_SUPPORTED_BUT_NOT_MANDATED",
        "NLA_NOT_SUPPORTED",
        "NEGOTIATION_DATA_WITHOUT_REQUEST",
    ] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    server.stop();

    let server = ShadowServer::start(ShadowConfig {
        nla: None,
        sec: ShadowSec::Tls,
    })
    .unwrap();
    let (_inv, json) = take(server.addr(), &ten_seconds()).await;
    assert_protocol(&json, "rdp", false, None, Some(1));
    assert_protocol(&json, "ssl", true, Some("ssl"), None);
    assert_protocol(&json, "hybrid", false, None, Some(1));
    assert_eq!(json["nla"], "not_supported");
    assert_eq!(json["standard_rdp"], Value::Null);
    assert_eq!(json["rdp_version"]["source"], "tls", "{json:#}");
    server.stop();

    // RDP only: FAIL 2 to everything with TLS; no TLS scan after a refusal (the shadow server would
    // complete a handshake anyway, §2.4).
    let server = ShadowServer::start(ShadowConfig {
        nla: None,
        sec: ShadowSec::Rdp,
    })
    .unwrap();
    let (inv, json) = take(server.addr(), &ten_seconds()).await;
    assert_protocol(&json, "rdp", true, Some("rdp"), None);
    assert_protocol(&json, "ssl", false, None, Some(2));
    assert_eq!(json["tls"], Value::Null);
    assert_eq!(json["nla"], "not_supported");
    assert!(finding_ids(&inv).contains(&"ONLY_RDP_SUPPORTED"));
    // The Windows client reconnects with Standard RDP Security after SSL_NOT_ALLOWED_BY_SERVER.
    assert_eq!(client(&json, "windows11")["connects"], true, "{json:#}");
    assert_eq!(client(&json, "ironrdp")["connects"], false, "{json:#}");
}

/// A scripted CredSSP server announcing versions 2 to 6 in its first TSRequest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credssp_versions_before_the_oracle_fix_are_found_and_refused_by_patched_clients() {
    for version in 2..=6u32 {
        let server = ScriptedServer::start(Scenario::NtlmChallenge { version })
            .await
            .unwrap();
        let (inv, json) = take(server.addr(), &options(Duration::from_secs(3))).await;
        assert_eq!(json["credssp"]["version"], version, "{json:#}");
        let old = version < 5;
        assert_eq!(json["credssp"]["predates_cve_2018_0886_fix"], old);
        assert_eq!(
            finding_ids(&inv).contains(&"CREDSSP_ORACLE_UNPATCHED"),
            old,
            "{json:#}"
        );
        // The scripted server speaks TLS 1.2 and 1.3 only (rustls): the profiles that get through TLS
        // meet CredSSP, where the encryption oracle policy decides.
        for p in CLIENT_PROFILES.iter().filter(|p| p.requests_nla()) {
            let c = client(&json, p.id);
            if !(p.offers_tls_version(0x0303) || p.offers_tls_version(0x0304)) {
                assert_eq!(c["phase"], "tls", "v{version} {}: {c:#}", p.id);
                continue;
            }
            let refused = p.credssp.refuses_server_version(version);
            assert_eq!(c["connects"], !refused, "v{version} {}: {c:#}", p.id);
            if refused {
                assert_eq!(c["phase"], "credssp", "{c:#}");
            }
        }
        // A current Windows client (policy Mitigated since May 2018) refuses an unpatched server.
        assert_eq!(client(&json, "windows11")["connects"], !old, "{json:#}");
        assert!(json["ntlm"].is_object(), "{json:#}");
    }
}

/// Every hostile scenario of the lab, a refused port, and the non-RDP speakers: each ends with typed
/// answers within its bound, never more connections at once than the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_end_every_item_within_its_limit() {
    let limit = Duration::from_millis(600);
    let opts = InventoryOptions {
        max_connections: 3,
        ..options(limit)
    };
    let entries: Vec<_> = catalog()
        .into_iter()
        .filter(|e| {
            e.is_hostile()
                || ["refused", "http", "ssh-banner", "tls-alert"].contains(&e.name.as_str())
        })
        .collect();
    assert!(entries.len() >= 40, "{}", entries.len());
    for entry in entries {
        let running = entry.start().await.unwrap();
        let started = Instant::now();
        let (inv, json) = take(running.addr(), &opts).await;
        let took = started.elapsed();
        // X.224 (connect + read), then at most a few rounds of continuations, each bounded; never the
        // overall default of 30 s.
        assert!(took < Duration::from_secs(15), "{}: {took:?}", entry.name);
        match entry.name.as_str() {
            "refused" => {
                assert_eq!(json["error"]["phase"], "tcp_connect", "{json:#}");
                assert_eq!(inv.connections, 1, "one clear answer, not thirty");
            }
            "http" | "ssh-banner" | "tls-alert" => {
                assert_eq!(json["error"], Value::Null);
                assert_eq!(
                    json["protocols"]["rdp"]["answer"], "not_rdp",
                    "{}: {json:#}",
                    entry.name
                );
                assert_eq!(json["nla"], "unknown", "{}: {json:#}", entry.name);
            }
            _ => assert_eq!(json["error"], Value::Null, "{}: {json:#}", entry.name),
        }
        drop(running);
    }
}
