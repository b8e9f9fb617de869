//! Ground truth for the lab's Kerberos KDC, independent of rdp-probe: each test starts a real MIT
//! `krb5kdc` on loopback, asks it for tickets with MIT's own `kinit`, reads the service keys it
//! exported, stops it and checks that no process it started is left.
//!
//! These tests fail (they do not skip) when the KDC is not installed: run
//! `scripts/install-test-deps.sh`.

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use rdp_probe_lab::real::{
    CLOCK_SKEW_SECS, ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_AES256_CTS_HMAC_SHA1_96, KdcConfig,
    KdcServer, LAB_PASSWORD, LAB_REALM, LAB_SERVICE, LAB_SERVICE_PASSWORD, LAB_USER, LabError,
    check_kdc_tools, group_alive, process_alive,
};

/// What MIT `kinit` prints for a wrong password (`KDC_ERR_PREAUTH_FAILED`).
const WRONG_PASSWORD: &str = "Password incorrect";
/// What MIT `kinit` prints for `KRB_AP_ERR_SKEW`.
const CLOCK_SKEW: &str = "Clock skew too great";
/// What MIT `kinit` prints for an unknown client (`KDC_ERR_C_PRINCIPAL_UNKNOWN`).
const UNKNOWN_CLIENT: &str = "not found in Kerberos database";

fn start(cfg: KdcConfig) -> KdcServer {
    if let Err(e) = check_kdc_tools() {
        panic!("{e}");
    }
    let t = Instant::now();
    let kdc = KdcServer::start(cfg).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "krb5kdc for {} on {} ready in {:?}",
        kdc.realm(),
        kdc.addr(),
        t.elapsed()
    );
    kdc
}

/// Stops the KDC and checks (bounded) that none of its process groups has a live process and
/// that its run directory is gone.
fn stop(kdc: KdcServer) {
    let pgids = kdc.pgids();
    let run_dir = kdc.run_dir().to_path_buf();
    assert!(!pgids.is_empty());
    assert!(
        pgids.iter().all(|&g| group_alive(g)),
        "not running: {pgids:?}"
    );
    kdc.stop();
    let deadline = Instant::now() + Duration::from_secs(2);
    while pgids.iter().any(|&g| group_alive(g) || process_alive(g)) {
        assert!(Instant::now() < deadline, "left running: {pgids:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!run_dir.exists() || std::env::var_os("RDP_PROBE_LAB_KEEP").is_some());
}

fn key(kdc: &KdcServer, enctype: i32) -> Vec<u8> {
    kdc.service_key(LAB_SERVICE, enctype)
        .unwrap_or_else(|e| panic!("{e}\n{}", kdc.log_tail()))
}

#[test]
fn kinit_right_and_wrong_password() {
    let kdc = start(KdcConfig::default());
    assert_eq!(kdc.realm(), LAB_REALM);
    assert!(kdc.krb5_conf().is_file());
    // UDP is bound on the same port (by the KDC, so we cannot bind it).
    assert!(
        UdpSocket::bind(kdc.addr()).is_err(),
        "UDP {} is free",
        kdc.addr()
    );

    let ok = kdc.kinit(LAB_USER, LAB_PASSWORD).unwrap();
    assert!(ok.success, "{ok:?}\n{}", kdc.log_tail());
    assert!(kdc.kinit_ok(LAB_USER, LAB_PASSWORD).unwrap());

    let wrong = kdc.kinit(LAB_USER, "NotThePassword1!").unwrap();
    assert!(!wrong.success, "{wrong:?}");
    assert!(wrong.stderr.contains(WRONG_PASSWORD), "{wrong:?}");
    assert!(!kdc.kinit_ok(LAB_USER, "NotThePassword1!").unwrap());

    let unknown = kdc.kinit("nosuchuser", LAB_PASSWORD).unwrap();
    assert!(
        !unknown.success && unknown.stderr.contains(UNKNOWN_CLIENT),
        "{unknown:?}"
    );

    // Pre-authentication is required: the KDC itself refused the wrong password.
    let log = kdc.log_tail();
    assert!(log.contains("PREAUTH_FAILED"), "{log}");
    assert!(log.contains("ISSUE: authtime"), "{log}");
    stop(kdc);
}

#[test]
fn service_keys_are_password_derived_and_match_klist() {
    let a = start(KdcConfig::default());
    let b = start(KdcConfig::default());
    let other_password = start(KdcConfig {
        services: vec![(LAB_SERVICE.to_owned(), "AnotherPass1!".to_owned())],
        ..KdcConfig::default()
    });
    let other_realm = start(KdcConfig {
        realm: "OTHER.TEST".to_owned(),
        ..KdcConfig::default()
    });

    let aes256 = key(&a, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    let aes128 = key(&a, ENCTYPE_AES128_CTS_HMAC_SHA1_96);
    assert_eq!(aes256.len(), 32);
    assert_eq!(aes128.len(), 16);
    // The same password and salt give the same key in another KDC (-norandkey).
    assert_eq!(aes256, key(&b, ENCTYPE_AES256_CTS_HMAC_SHA1_96));
    assert_eq!(aes128, key(&b, ENCTYPE_AES128_CTS_HMAC_SHA1_96));
    // Another password, or another realm (the salt), gives another key.
    assert_ne!(
        aes256,
        key(&other_password, ENCTYPE_AES256_CTS_HMAC_SHA1_96)
    );
    assert_ne!(aes256, key(&other_realm, ENCTYPE_AES256_CTS_HMAC_SHA1_96));
    // With the realm spelled out.
    let full = format!("{LAB_SERVICE}@{LAB_REALM}");
    assert_eq!(
        a.service_key(&full, ENCTYPE_AES256_CTS_HMAC_SHA1_96)
            .unwrap(),
        aes256
    );

    // The parser agrees with MIT's klist.
    let klist = Command::new("klist")
        .args(["-k", "-K", "-e"])
        .arg(a.keytab())
        .env("KRB5_CONFIG", a.krb5_conf())
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(klist.status.success(), "{klist:?}");
    let text = String::from_utf8_lossy(&klist.stdout);
    for (name, k) in [
        ("aes256-cts-hmac-sha1-96", &aes256),
        ("aes128-cts-hmac-sha1-96", &aes128),
    ] {
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        let line = format!("{full} ({name})  (0x{hex})");
        assert!(text.contains(&line), "{line:?} not in\n{text}");
    }

    // What is not in the keytab is an error, not a panic or an empty key.
    assert!(
        a.service_key("HTTP/localhost", ENCTYPE_AES256_CTS_HMAC_SHA1_96)
            .is_err()
    );
    assert!(a.service_key(LAB_SERVICE, 23).is_err());
    assert!(
        a.service_key(&format!("{LAB_SERVICE}@OTHER.TEST"), 18)
            .is_err()
    );

    // The service's password is a real password too.
    assert!(a.kinit_ok(LAB_SERVICE, LAB_SERVICE_PASSWORD).unwrap());

    for kdc in [a, b, other_password, other_realm] {
        stop(kdc);
    }
}

#[test]
fn a_kdc_an_hour_ahead_refuses_with_clock_skew() {
    let offset = 3600;
    assert!(offset > i64::from(CLOCK_SKEW_SECS));
    let normal = start(KdcConfig::default());
    let ahead = start(KdcConfig {
        clock_offset_secs: Some(offset),
        ..KdcConfig::default()
    });

    let ok = normal.kinit(LAB_USER, LAB_PASSWORD).unwrap();
    assert!(ok.success, "{ok:?}");
    let skewed = ahead.kinit(LAB_USER, LAB_PASSWORD).unwrap();
    assert!(!skewed.success, "{skewed:?}\n{}", ahead.log_tail());
    assert!(skewed.stderr.contains(CLOCK_SKEW), "{skewed:?}");

    // The KDC's own log is an hour ahead, and says why it refused.
    let log = ahead.log_tail();
    assert!(log.contains(CLOCK_SKEW), "{log}");

    // A small offset, within the tolerance, is no skew.
    let slightly = start(KdcConfig {
        clock_offset_secs: Some(-60),
        ..KdcConfig::default()
    });
    assert!(slightly.kinit_ok(LAB_USER, LAB_PASSWORD).unwrap());

    for kdc in [normal, ahead, slightly] {
        stop(kdc);
    }
}

#[test]
fn stop_and_drop_leave_nothing_running() {
    stop(start(KdcConfig::default()));
    stop(start(KdcConfig {
        clock_offset_secs: Some(-7200),
        ..KdcConfig::default()
    }));

    let kdc = start(KdcConfig::default());
    let pgids = kdc.pgids();
    let addr = kdc.addr();
    drop(kdc);
    let deadline = Instant::now() + Duration::from_secs(2);
    while pgids.iter().any(|&g| group_alive(g)) {
        assert!(
            Instant::now() < deadline,
            "left running after drop: {pgids:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The port is free again, for UDP and TCP.
    assert!(UdpSocket::bind(addr).is_ok());
    assert!(std::net::TcpListener::bind(addr).is_ok());
}

#[test]
fn invalid_configurations_are_refused_before_anything_starts() {
    let cases = [
        KdcConfig {
            realm: "BAD REALM".to_owned(),
            ..KdcConfig::default()
        },
        KdcConfig {
            users: vec![("user@ELSEWHERE".to_owned(), "pw".to_owned())],
            ..KdcConfig::default()
        },
        KdcConfig {
            users: vec![(LAB_USER.to_owned(), "quote\"d".to_owned())],
            ..KdcConfig::default()
        },
        KdcConfig {
            users: Vec::new(),
            services: Vec::new(),
            ..KdcConfig::default()
        },
    ];
    for cfg in cases {
        match KdcServer::start(cfg.clone()) {
            Err(LabError::InvalidConfig(why)) => eprintln!("refused: {why}"),
            Err(e) => panic!("{cfg:?}: unexpected error {e}"),
            Ok(kdc) => panic!("{cfg:?}: started on {}", kdc.addr()),
        }
    }
}

#[test]
fn passwords_with_spaces_and_a_duplicate_principal() {
    let spaced = start(KdcConfig {
        users: vec![("spaced".to_owned(), "with two spaces!".to_owned())],
        ..KdcConfig::default()
    });
    assert!(spaced.kinit_ok("spaced", "with two spaces!").unwrap());
    assert!(!spaced.kinit_ok("spaced", "with").unwrap());
    stop(spaced);

    // kadmin.local exits 0 when addprinc fails; the lab must notice.
    let twice = KdcServer::start(KdcConfig {
        users: vec![
            (LAB_USER.to_owned(), LAB_PASSWORD.to_owned()),
            (LAB_USER.to_owned(), LAB_PASSWORD.to_owned()),
        ],
        ..KdcConfig::default()
    });
    match twice {
        Err(LabError::CommandFailed { output, .. }) => {
            assert!(output.contains("already exists"), "{output}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(kdc) => panic!("started with a duplicate principal on {}", kdc.addr()),
    }
}
