//! Replays every file under `fuzz/regressions/<target>/` through the oracle that the
//! matching cargo-fuzz target calls (`rdp_probe_wire::fuzz_oracles`). The fuzz crate also has
//! targets outside this crate ([`OTHER_TARGETS`]), whose seeds are replayed where their oracle
//! lives.

use std::fs;
use std::path::PathBuf;

use rdp_probe_wire::fuzz_oracles;

type Oracle = fn(&[u8]);

const TARGETS: [(&str, Oracle); 14] = [
    ("frame_sniff", fuzz_oracles::frame_sniff),
    ("x224", fuzz_oracles::x224),
    ("mcs_domain", fuzz_oracles::mcs_domain),
    ("connect_response", fuzz_oracles::connect_response),
    ("io_pdu", fuzz_oracles::io_pdu),
    ("ts_request", fuzz_oracles::ts_request),
    ("ntlm_challenge", fuzz_oracles::ntlm_challenge),
    ("tls_records", fuzz_oracles::tls_records),
    ("license_request", fuzz_oracles::license_request),
    ("server_redirection", fuzz_oracles::server_redirection),
    ("security_header", fuzz_oracles::security_header),
    ("kdc_reply", fuzz_oracles::kdc_reply),
    ("dns_srv", fuzz_oracles::dns_srv),
    ("tls_flight", fuzz_oracles::tls_flight),
];

/// Fuzz targets of other crates: `engine` drives rdp-probe-core's engine through the transcript
/// harness; `rdp-probe-core/tests/engine_props.rs` replays `fuzz/regressions/engine/`.
const OTHER_TARGETS: [&str; 1] = ["engine"];

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

#[test]
fn every_fuzz_target_has_a_regression_dir_with_seeds() {
    for (name, _) in TARGETS {
        let dir = regressions_dir().join(name);
        let count = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .count();
        assert!(count > 0, "{} has no seed files", dir.display());
    }
}

#[test]
fn the_fuzz_crate_declares_exactly_these_targets() {
    let manifest =
        fs::read_to_string(regressions_dir().join("../Cargo.toml")).expect("fuzz/Cargo.toml");
    let names = TARGETS.iter().map(|(name, _)| *name).chain(OTHER_TARGETS);
    for name in names {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml lacks target {name}"
        );
    }
    assert_eq!(
        manifest.matches("[[bin]]").count(),
        TARGETS.len() + OTHER_TARGETS.len()
    );
}

#[test]
fn other_targets_have_seeds_too() {
    for name in OTHER_TARGETS {
        let dir = regressions_dir().join(name);
        let count = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .count();
        assert!(count > 0, "{} has no seed files", dir.display());
    }
}

#[test]
fn replay_all_regression_inputs() {
    let mut replayed = 0;
    for (name, oracle) in TARGETS {
        let dir = regressions_dir().join(name);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // Each prefix too: crash inputs are often truncations of seeds.
            for n in 0..=data.len() {
                oracle(&data[..n]);
            }
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len());
}

/// The spec seeds decode to what the specs annotate (guards against a seed file being
/// replaced by garbage that merely does not crash).
#[test]
fn spec_seeds_decode_as_annotated() {
    use rdp_probe_wire::{mcs, ntlm, x224};
    let read = |p: &str| fs::read(regressions_dir().join(p)).expect(p);
    let cc = read("x224/spec-4.1.2-connection-confirm.bin");
    assert_eq!(
        x224::parse_x224(&cc),
        Ok(x224::X224Pdu::ConnectionConfirm(
            x224::ConnectionConfirm::Response {
                flags: 0,
                selected_protocol: 0
            }
        ))
    );
    let cr = read("connect_response/spec-4.1.4-connect-response-payload.bin");
    let r = mcs::parse_connect_response(&cr).expect("4.1.4");
    assert_eq!(r.network.map(|n| n.io_channel), Some(1003));
    let ch = read("ntlm_challenge/spec-nlmp-4.2.4.3-challenge.bin");
    let c = ntlm::parse_challenge(&ch).expect("4.2.4.3");
    assert_eq!(c.nb_computer.as_deref(), Some("Server"));
}

/// The seeds added with the Server Redirection decoder decode to what their names say.
#[test]
fn redirection_and_licensing_seeds_decode_as_named() {
    use rdp_probe_wire::redirection::{self, parse_server_redirection_packet};
    use rdp_probe_wire::share::{self, IoPdu, RedirectionForm, SlowPath};
    use rdp_probe_wire::tls;
    let read = |p: &str| fs::read(regressions_dir().join(p)).expect(p);
    let broker = parse_server_redirection_packet(&read("server_redirection/broker-packet.bin"))
        .expect("broker packet");
    assert_eq!(broker.user_name.as_deref(), Some("alice"));
    assert_eq!(broker.target_net_addresses, ["10.0.0.7", "fe80::7"]);
    assert!(broker.password_present);
    let noredirect =
        parse_server_redirection_packet(&read("server_redirection/noredirect-fqdn-no-pad.bin"))
            .expect("no pad");
    assert!(noredirect.has(redirection::LB_NOREDIRECT));
    assert_eq!(noredirect.target_fqdn.as_deref(), Some("host.example"));
    let frame = read("io_pdu/enhanced-redirection-pdutype-0x000a-frame.bin");
    let Ok(SlowPath::Io {
        pdu:
            IoPdu::Redirection {
                form: RedirectionForm::Enhanced { pdu_type: 0x000a },
                packet: Ok(r),
            },
        ..
    }) = share::classify_slow_path_frame(&frame, false)
    else {
        panic!("not the redirection PDU");
    };
    assert_eq!(r.target_net_address.as_deref(), Some("10.1.2.3"));
    let lic = read("io_pdu/license-request-flagshi-0x0011.bin");
    assert_eq!(
        share::classify_io_payload(&lic, false),
        Ok(IoPdu::License {
            msg_type: share::LICENSE_REQUEST
        })
    );
    let hello = tls::parse_server_hello_record(&read("tls_records/server-hello-tls13.bin"))
        .expect("tls 1.3 hello");
    assert_eq!(hello.negotiated_version(), tls::TLS1_3);
}

/// The server-flight seeds decode to what their names say.
#[test]
fn tls_flight_seeds_decode_as_named() {
    use rdp_probe_wire::tls_scan::{self, Downgrade, FlightProgress};
    let read = |p: &str| fs::read(regressions_dir().join("tls_flight").join(p)).expect(p);
    for name in [
        "flight-tls12-cert-done.bin",
        "flight-tls12-cert-done-split-7.bin",
    ] {
        let FlightProgress::ServerHello(f) = tls_scan::read_server_flight(&read(name)) else {
            panic!("{name}: no ServerHello");
        };
        assert_eq!(
            (f.negotiated_version(), f.cipher_suite),
            (0x0303, 0xc030),
            "{name}"
        );
        assert_eq!(f.downgrade_sentinel, Some(Downgrade::Tls12), "{name}");
        assert!(f.secure_renegotiation && f.extended_master_secret, "{name}");
        assert_eq!(f.certificates.len(), 1, "{name}");
    }
    let FlightProgress::ServerHello(hrr) =
        tls_scan::read_server_flight(&read("hello-retry-request.bin"))
    else {
        panic!("no HelloRetryRequest");
    };
    assert!(hrr.is_hello_retry_request());
    assert_eq!(
        tls_scan::read_server_flight(&read("warning-then-fatal-alert.bin")),
        FlightProgress::Alert {
            level: 2,
            description: 70
        }
    );
}

/// The KDC reply seeds decode to what their names say.
#[test]
fn kdc_reply_seeds_decode_as_named() {
    use rdp_probe_wire::kerberos::{self, KdcMessage, KdcReply};
    let read = |p: &str| fs::read(regressions_dir().join("kdc_reply").join(p)).expect(p);
    let Ok(KdcReply::Error(e)) =
        kerberos::parse_kdc_reply(&read("krb-error-preauth-required-tcp.bin"))
    else {
        panic!("not a KRB-ERROR");
    };
    assert_eq!(e.error_code, 25);
    let e = kerberos::parse_krb_error(&read("krb-error-client-not-found-picky-krb.bin"))
        .expect("client not found");
    assert_eq!(e.error_code, 6);
    let Ok(KdcReply::Error(e)) =
        kerberos::parse_kdc_reply(&read("krb-error-skew-cname-etext-tcp.bin"))
    else {
        panic!("not a KRB-ERROR");
    };
    assert_eq!(e.error_code, 37);
    assert_eq!(e.sname.join("/"), "TERMSRV/rdsh01.corp.example.com");
    assert_eq!(e.cname, Some(vec!["alice".to_owned()]));
    assert_eq!(
        kerberos::kdc_message_kind(&read("as-rep-shape-tcp.bin")),
        Some(KdcMessage::AsRep)
    );
}
