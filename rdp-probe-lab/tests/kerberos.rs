#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Kerberos logons against real parts: MIT Kerberos' `krb5kdc` (started per test on loopback) and
//! the IronRDP acceptor with sspi's Kerberos server, asserted through the JSON report.
//!
//! The KDC needs `scripts/install-test-deps.sh` (krb5-kdc, krb5-admin-server, faketime).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use rdp_probe_core::{Credentials, Kdc, ProbeOptions, Target, Timeouts, probe};
use rdp_probe_lab::acceptor::{AcceptorScenario, AcceptorServer, KerberosService};
use rdp_probe_lab::real::{
    KdcConfig, KdcServer, LAB_PASSWORD, LAB_REALM, LAB_SERVICE, LAB_SERVICE_PASSWORD, LAB_USER,
};
use serde_json::Value;

const WRONG_PASSWORD: &str = "not-the-lab-password";

/// The account the server logs on as when the KDC has no `TERMSRV/localhost`.
const SERVICE_ACCOUNT: (&str, &str) = ("rdpsvc", "RdpSvcLab1!");

/// The host name the probe targets: Kerberos needs a name, and `localhost` is the one every machine
/// resolves to loopback.
const HOST: &str = "localhost";

fn kdc_with_spn() -> KdcServer {
    KdcServer::start(KdcConfig::default()).expect("the lab KDC (scripts/install-test-deps.sh)")
}

/// A KDC that knows the user and a service account, but no principal for `TERMSRV/localhost`.
fn kdc_without_spn() -> KdcServer {
    let config = KdcConfig {
        services: vec![(SERVICE_ACCOUNT.0.to_owned(), SERVICE_ACCOUNT.1.to_owned())],
        ..KdcConfig::default()
    };
    KdcServer::start(config).expect("the lab KDC")
}

fn service(kdc: &KdcServer, with_spn: bool, refuse_ntlm: bool) -> KerberosService {
    let account = if with_spn {
        (LAB_SERVICE.to_owned(), LAB_SERVICE_PASSWORD.to_owned())
    } else {
        (SERVICE_ACCOUNT.0.to_owned(), SERVICE_ACCOUNT.1.to_owned())
    };
    KerberosService {
        kdc: kdc.addr(),
        realm: LAB_REALM.to_owned(),
        host: HOST.to_owned(),
        account,
        refuse_ntlm,
    }
}

/// The Kerberos acceptor against `kdc` ([`service`]).
async fn kerberos_server(kdc: &KdcServer, with_spn: bool, refuse_ntlm: bool) -> AcceptorServer {
    AcceptorServer::start_kerberos(AcceptorScenario::Nla, service(kdc, with_spn, refuse_ntlm))
        .await
        .expect("acceptor")
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

fn options(kdc: SocketAddr, user: &str, password: &str) -> ProbeOptions {
    ProbeOptions {
        timeouts: Timeouts::uniform(Duration::from_secs(8)),
        credentials: Some(Credentials::new(user, Some(LAB_REALM.to_owned()), password)),
        kdc: Some(Kdc {
            host: kdc.ip().to_string(),
            port: kdc.port(),
        }),
        trust: rdp_probe_core::Trust {
            pins: vec![
                rdp_probe_lab::scripted::tls::certificate_sha256().expect("the lab certificate"),
            ],
            ..rdp_probe_core::Trust::default()
        },
        ..ProbeOptions::default()
    }
}

async fn run(server: &AcceptorServer, options: &ProbeOptions) -> Value {
    let target = Target::new(HOST, server.addr().port()).expect("target");
    let report = probe(&target, options).await;
    let json_text = report.to_json();
    for secret in [LAB_PASSWORD, WRONG_PASSWORD, LAB_SERVICE_PASSWORD] {
        assert!(!json_text.contains(secret), "a password in the report");
    }
    let json: Value = serde_json::from_str(&json_text).expect("report JSON");
    assert_eq!(json["schema"], "rdp-probe/1");
    json
}

fn exchanges(json: &Value) -> Vec<(String, String, Option<u64>)> {
    json["authentication"]["kerberos"]["exchanges"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["request"].as_str().unwrap_or("").to_owned(),
                        x["reply"].as_str().unwrap_or("").to_owned(),
                        x["error"]["value"].as_u64(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[track_caller]
fn assert_kerberos_failure(json: &Value, value: u64, name: &str) {
    assert_eq!(json["verdict"], "failed", "{json:#}");
    assert_eq!(json["failure"]["phase"], "credssp", "{json:#}");
    assert_eq!(json["failure"]["kind"], "kerberos", "{json:#}");
    assert_eq!(json["failure"]["code"]["space"], "kerberos", "{json:#}");
    assert_eq!(json["failure"]["code"]["value"], value, "{json:#}");
    assert_eq!(json["failure"]["code"]["name"], name, "{json:#}");
    assert_eq!(json["authentication"]["package"], "kerberos", "{json:#}");
    assert_eq!(
        json["authentication"]["kerberos"]["outcome"], "failed",
        "{json:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kerberos_logon_connects() {
    let kdc = kdc_with_spn();
    let server = kerberos_server(&kdc, true, false).await;
    let json = run(&server, &options(kdc.addr(), LAB_USER, LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "connected", "{json:#}\n{}", kdc.log_tail());
    let auth = &json["authentication"];
    assert_eq!(auth["package"], "kerberos", "{json:#}");
    assert_eq!(auth["kerberos"]["outcome"], "succeeded", "{json:#}");
    assert_eq!(auth["kerberos"]["spn"], "TERMSRV/localhost", "{json:#}");
    assert_eq!(auth["kerberos"]["realm"], LAB_REALM, "{json:#}");
    // MIT's first answer asks for pre-authentication; then the TGT and the service ticket.
    let x = exchanges(&json);
    assert!(
        x.contains(&("as_req".into(), "krb_error".into(), Some(25))),
        "{x:?}"
    );
    assert!(
        x.contains(&("as_req".into(), "as_rep".into(), None)),
        "{x:?}"
    );
    assert!(
        x.contains(&("tgs_req".into(), "tgs_rep".into(), None)),
        "{x:?}"
    );
    // Nothing NTLM was asked of the server.
    assert!(json["server"]["ntlm"].is_null(), "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_preauth_failed() {
    let kdc = kdc_with_spn();
    let server = kerberos_server(&kdc, true, false).await;
    let json = run(&server, &options(kdc.addr(), LAB_USER, WRONG_PASSWORD)).await;
    assert_kerberos_failure(&json, 24, "KDC_ERR_PREAUTH_FAILED");
    assert_eq!(json["mstsc"]["disconnect_reason"], 0x807, "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_is_client_principal_unknown() {
    let kdc = kdc_with_spn();
    let server = kerberos_server(&kdc, true, false).await;
    let json = run(&server, &options(kdc.addr(), "nosuchuser", LAB_PASSWORD)).await;
    assert_kerberos_failure(&json, 6, "KDC_ERR_C_PRINCIPAL_UNKNOWN");
    assert_eq!(json["mstsc"]["disconnect_reason"], 0xA07, "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_spn_falls_back_to_ntlm() {
    let kdc = kdc_without_spn();
    let server = kerberos_server(&kdc, false, false).await;
    let json = run(&server, &options(kdc.addr(), LAB_USER, LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    let auth = &json["authentication"];
    assert_eq!(auth["package"], "ntlm", "{json:#}");
    assert_eq!(auth["kerberos"]["outcome"], "fell_back_to_ntlm", "{json:#}");
    assert_eq!(auth["kerberos"]["failure"]["code"]["space"], "kerberos");
    assert_eq!(auth["kerberos"]["failure"]["code"]["value"], 7, "{json:#}");
    assert_eq!(
        auth["kerberos"]["failure"]["code"]["name"], "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        "{json:#}"
    );
    // Two connections: the Kerberos attempt, then the NTLM one.
    let attempts: Vec<u64> = json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["attempt"].as_u64())
        .collect();
    assert_eq!(attempts.iter().max(), Some(&2), "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_spn_and_ntlm_refused_is_ntlm_blocked() {
    let kdc = kdc_without_spn();
    let server = kerberos_server(&kdc, false, true).await;
    let json = run(&server, &options(kdc.addr(), LAB_USER, LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "failed", "{json:#}");
    assert_eq!(json["failure"]["code"]["space"], "ntstatus", "{json:#}");
    assert_eq!(
        json["failure"]["code"]["value"], 0xC000_0418_u64,
        "{json:#}"
    );
    assert_eq!(json["failure"]["code"]["name"], "STATUS_NTLM_BLOCKED");
    let kerberos = &json["authentication"]["kerberos"];
    assert_eq!(kerberos["outcome"], "fell_back_to_ntlm", "{json:#}");
    assert_eq!(kerberos["failure"]["code"]["value"], 7, "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kdc_down_falls_back_to_ntlm() {
    let kdc = kdc_with_spn();
    let server = kerberos_server(&kdc, true, false).await;
    // The server reaches its KDC; the client's KDC address has nothing behind it.
    let dead = SocketAddr::from((Ipv4Addr::LOCALHOST, dead_port()));
    let json = run(&server, &options(dead, LAB_USER, LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    let auth = &json["authentication"];
    assert_eq!(auth["package"], "ntlm", "{json:#}");
    assert_eq!(auth["kerberos"]["outcome"], "fell_back_to_ntlm", "{json:#}");
    assert_eq!(
        auth["kerberos"]["failure"]["code"]["space"], "kdc",
        "{json:#}"
    );
    assert_eq!(
        auth["kerberos"]["failure"]["code"]["name"], "KDC_UNREACHABLE",
        "{json:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kdc_down_and_ntlm_refused_is_ntlm_blocked() {
    let kdc = kdc_with_spn();
    let server = kerberos_server(&kdc, true, true).await;
    let dead = SocketAddr::from((Ipv4Addr::LOCALHOST, dead_port()));
    let json = run(&server, &options(dead, LAB_USER, LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "failed", "{json:#}");
    assert_eq!(
        json["failure"]["code"]["name"], "STATUS_NTLM_BLOCKED",
        "{json:#}"
    );
    let kerberos = &json["authentication"]["kerberos"];
    assert_eq!(
        kerberos["failure"]["code"]["name"], "KDC_UNREACHABLE",
        "{json:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew() {
    let kdc = KdcServer::start(KdcConfig {
        clock_offset_secs: Some(3600),
        ..KdcConfig::default()
    })
    .expect("the lab KDC under faketime");
    let server = kerberos_server(&kdc, true, false).await;
    let json = run(&server, &options(kdc.addr(), LAB_USER, LAB_PASSWORD)).await;
    // sspi, as the Windows client, retries with the KDC's time and gets its tickets; the server,
    // whose clock is this machine's, refuses the authenticator.
    assert_kerberos_failure(&json, 37, "KRB_AP_ERR_SKEW");
    assert!(
        json["failure"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("+3")),
        "{json:#}"
    );
    let kerberos = &json["authentication"]["kerberos"];
    let offset = kerberos["kdc_clock_offset_s"].as_i64().expect("offset");
    assert!((3500..3700).contains(&offset), "{json:#}");
    let x = exchanges(&json);
    assert!(
        x.iter()
            .any(|(_, reply, code)| reply == "krb_error" && *code == Some(37)),
        "{x:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_kerberos_gets_ntlm_on_a_second_connection() {
    // The plain NLA acceptor takes bare NTLM only: it refuses the SPNEGO Kerberos offer outright.
    let server = AcceptorServer::start(AcceptorScenario::Nla)
        .await
        .expect("acceptor");
    let dead = SocketAddr::from((Ipv4Addr::LOCALHOST, dead_port()));
    let json = run(&server, &options(dead, LAB_USER, LAB_PASSWORD)).await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    let auth = &json["authentication"];
    assert_eq!(auth["package"], "ntlm", "{json:#}");
    assert_eq!(auth["kerberos"]["outcome"], "fell_back_to_ntlm", "{json:#}");
    assert_eq!(
        auth["kerberos"]["failure"]["kind"], "kerberos_refused",
        "{json:#}"
    );
    assert_eq!(auth["kerberos"]["failure"]["code"]["space"], "ntstatus");
    // The KDC was never asked: the server refused before.
    assert_eq!(
        auth["kerberos"]["exchanges"],
        serde_json::json!([]),
        "{json:#}"
    );
}

/// Options that find the KDC through `dns` instead of naming it.
fn finding_options(dns: SocketAddr) -> ProbeOptions {
    ProbeOptions {
        kdc: None,
        find_kdc: Some(rdp_probe_core::kerberos::FindKdc {
            resolver: Some(dns),
        }),
        ..options(dns, LAB_USER, LAB_PASSWORD)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kdc_is_found_by_its_dns_srv_record() {
    use rdp_probe_lab::dns::DnsServer;
    use rdp_probe_wire::dns::SrvRecord;
    let kdc = kdc_with_spn();
    let server = kerberos_server(&kdc, true, false).await;
    // Two records: the lower priority wins (RFC 2782); the other names a port nothing listens on.
    let dns = DnsServer::start(vec![
        (
            format!("_kerberos._tcp.{LAB_REALM}"),
            SrvRecord {
                priority: 10,
                weight: 0,
                port: dead_port(),
                target: "localhost".into(),
            },
        ),
        (
            format!("_kerberos._tcp.{LAB_REALM}"),
            SrvRecord {
                priority: 0,
                weight: 100,
                port: kdc.port(),
                target: "localhost".into(),
            },
        ),
    ])
    .await
    .expect("lab DNS");
    let json = run(&server, &finding_options(dns.addr())).await;
    assert_eq!(json["verdict"], "connected", "{json:#}");
    let auth = &json["authentication"];
    assert_eq!(auth["package"], "kerberos", "{json:#}");
    let found = format!("localhost:{}", kdc.port());
    assert_eq!(auth["kerberos"]["kdc"], found.as_str(), "{json:#}");
    assert_eq!(auth["kdc_lookup"]["kdcs"][0], found.as_str(), "{json:#}");
    assert_eq!(auth["kdc_lookup"]["kdcs"].as_array().map(Vec::len), Some(2));
    assert_eq!(auth["kdc_lookup"]["rcode"], 0, "{json:#}");
    assert_eq!(
        auth["kdc_lookup"]["name"],
        format!("_kerberos._tcp.{LAB_REALM}").as_str()
    );
    assert_eq!(dns.queries(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_srv_record_or_no_dns_answer_means_ntlm_and_says_why() {
    use rdp_probe_lab::dns::DnsServer;
    let server = AcceptorServer::start(AcceptorScenario::Nla)
        .await
        .expect("acceptor");
    let nxdomain = DnsServer::start(Vec::new()).await.expect("lab DNS");
    let silent = DnsServer::silent().await.expect("lab DNS");
    for (dns, error) in [
        (nxdomain.addr(), "NXDOMAIN"),
        (silent.addr(), "did not answer"),
    ] {
        let json = run(&server, &finding_options(dns)).await;
        assert_eq!(json["verdict"], "connected", "{json:#}");
        let auth = &json["authentication"];
        assert_eq!(auth["package"], "ntlm", "{json:#}");
        assert_eq!(auth["kerberos_not_tried"], "no_kdc", "{json:#}");
        assert!(
            auth["kdc_lookup"]["error"]
                .as_str()
                .is_some_and(|e| e.contains(error)),
            "{json:#}"
        );
    }
    assert_eq!(nxdomain.queries(), 1);
    assert_eq!(silent.queries(), 1);
}
