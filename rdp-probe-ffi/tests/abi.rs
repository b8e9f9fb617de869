//! The C ABI from Rust: every non-hostile lab scenario probed through `rdp_probe_run` yields the
//! verdict the lab's catalog expects, and the same JSON as the Rust API once timings are removed;
//! the result codes keep their numbers; the checked-in header agrees with the enums; the legacy-TLS
//! mode is checked and reaches the probe; the credential trust policy (pins, CA roots, "any") is
//! checked and decides whether the credentials go; the KDC is checked and decides whether the
//! logon tries Kerberos; the inventory through `rdp_probe_inventory_run` says what the Rust API's
//! says, and its accessors what its JSON says; a fleet scan through `rdp_probe_scan_*` gives each
//! host of a lab fleet exactly its single-host report, pauses while its reports are not fetched,
//! stops cleanly and joins its thread when freed.

// Tests play the C caller: one unsafe block per call sequence, unwrap on fixtures.
#![allow(clippy::unwrap_used, clippy::multiple_unsafe_ops_per_block)]

use std::ffi::{CString, c_char};
use std::ptr;

use rdp_probe::*;
use rdp_probe_core::Target;
use rdp_probe_lab::catalog::{self, Entry, Running};
use serde_json::Value;

/// A CA certificate (PEM, its key discarded) shared with the C, Python and C# tests.
const TEST_CA_PEM: &[u8] = include_bytes!("data/test-ca.pem");

/// The pin of the certificate every scripted and acceptor lab server presents, as
/// `rdp_probe_config_builder_add_trust_pin` takes it.
fn lab_pin() -> CString {
    let sha256 = rdp_probe_lab::scripted::tls::certificate_sha256().unwrap();
    CString::new(format!("sha256:{}", rdp_probe_core::cert::hex(&sha256))).unwrap()
}

/// Reads one string output through the buffer convention (size query, then fetch).
fn string(get: impl Fn(*mut c_char, usize, *mut usize) -> rdp_probe_result) -> Option<String> {
    let mut needed = 0usize;
    match get(ptr::null_mut(), 0, &mut needed) {
        rdp_probe_result::BufferTooSmall => {}
        rdp_probe_result::NotPresent => return None,
        other => panic!("size query returned {other:?}"),
    }
    let mut buf = vec![0u8; needed];
    let r = get(buf.as_mut_ptr().cast(), buf.len(), &mut needed);
    assert_eq!(r, rdp_probe_result::Ok);
    assert_eq!(buf.pop(), Some(0), "NUL-terminated");
    Some(String::from_utf8(buf).expect("UTF-8"))
}

/// A config for `entry`'s setup against `running`, made through the C ABI only: its target (the
/// address, or `localhost` for a Kerberos lab), credentials (with the setup's domain) and KDC.
fn config_for(entry: &Entry, running: &Running) -> *const rdp_probe_config {
    let setup = &entry.setup;
    let target = running.target().unwrap();
    let b = rdp_probe_config_builder_new();
    let host = CString::new(target.host()).unwrap();
    let domain = setup.domain.map(|d| CString::new(d).unwrap());
    let kdc = running.kdc().map(|k| CString::new(k.to_string()).unwrap());
    // SAFETY: `b` is a live builder and every string a live CString for the call.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, host.as_ptr(), target.port()),
            rdp_probe_result::Ok
        );
        if let Some((user, password)) = setup.credentials.user_password() {
            let (user, password) = (CString::new(user).unwrap(), CString::new(password).unwrap());
            let r = rdp_probe_config_builder_set_credentials(
                b,
                user.as_ptr(),
                domain.as_ref().map_or(ptr::null(), |d| d.as_ptr()),
                password.as_ptr(),
            );
            assert_eq!(r, rdp_probe_result::Ok);
            // The lab's certificate vouches for nothing: it is pinned, as the catalog's setup does.
            if setup.pin_lab_certificate {
                assert_eq!(
                    rdp_probe_config_builder_add_trust_pin(b, lab_pin().as_ptr()),
                    rdp_probe_result::Ok
                );
            }
        }
        if let Some(bits) = setup.protocols {
            assert_eq!(
                rdp_probe_config_builder_set_protocols(b, bits),
                rdp_probe_result::Ok
            );
        }
        let ms = u32::try_from(setup.phase_timeout.as_millis()).unwrap();
        assert_eq!(
            rdp_probe_config_builder_set_timeouts(b, ms, ms, ms * 3),
            rdp_probe_result::Ok
        );
        if let Some(kdc) = &kdc {
            assert_eq!(
                rdp_probe_config_builder_set_kdc(b, kdc.as_ptr()),
                rdp_probe_result::Ok
            );
        }
        let policy = if setup.require_valid_cert {
            rdp_probe_cert_policy::RequireValid
        } else {
            rdp_probe_cert_policy::AcceptAny
        };
        assert_eq!(
            rdp_probe_config_builder_set_cert_policy(b, policy as u32),
            rdp_probe_result::Ok
        );
        let mut config = ptr::null();
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        rdp_probe_config_builder_free(b);
        config
    }
}

/// The JSON without its timings (every `elapsed_ms`), as `scripts/test-bindings.sh` compares the
/// languages. Byte counts stay: they do not depend on how the kernel delivered the segments.
fn without_timings(json: &str) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("elapsed_ms");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(json).expect("valid JSON");
    strip(&mut v);
    v
}

#[test]
fn every_lab_scenario_gets_the_catalogs_verdict_through_the_c_abi() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let entries: Vec<Entry> = catalog::catalog()
        .into_iter()
        .filter(|e| !e.is_hostile())
        .collect();
    assert!(entries.len() > 50, "only {} scenarios", entries.len());
    let mut wrong = Vec::new();
    for entry in &entries {
        let running = runtime.block_on(entry.start()).expect("lab server starts");
        let config = config_for(entry, &running);
        let mut report = ptr::null_mut();
        // SAFETY: `config` is live; `report` is a valid out-pointer.
        let r = unsafe { rdp_probe_run(config, ptr::null(), &mut report) };
        assert_eq!(r, rdp_probe_result::Ok, "{}", entry.name);
        // SAFETY: `report` is live until freed below; the buffers come from `string`.
        let json = string(|b, l, n| unsafe { rdp_probe_report_json(report, b, l, n) }).unwrap();
        let value: Value = serde_json::from_str(&json).unwrap();
        for m in entry.expect.mismatches(&value) {
            wrong.push(format!("{}: {m}", entry.name));
        }
        // The accessors say what the JSON says.
        let mut verdict = rdp_probe_verdict::Inconclusive;
        // SAFETY: as above.
        unsafe {
            assert_eq!(
                rdp_probe_report_verdict(report, &mut verdict),
                rdp_probe_result::Ok
            )
        };
        let name = format!("{verdict:?}");
        let expected_name = value["verdict"].as_str().unwrap().replace('_', "");
        assert!(
            name.eq_ignore_ascii_case(&expected_name),
            "{}: {name}",
            entry.name
        );
        // SAFETY: as above.
        let phase = string(|b, l, n| unsafe { rdp_probe_report_phase(report, b, l, n) });
        let json_phase = value["failure"]["phase"]
            .as_str()
            .or(value["stop"]["phase"].as_str());
        assert_eq!(phase.as_deref(), json_phase, "{}", entry.name);
        // SAFETY: as above.
        let outcome = string(|b, l, n| unsafe { rdp_probe_report_outcome(report, b, l, n) });
        assert_eq!(
            outcome.as_deref(),
            value["outcome"].as_str(),
            "{}",
            entry.name
        );
        let mut code = 0u32;
        // SAFETY: as above.
        let r = unsafe { rdp_probe_report_code_value(report, &mut code) };
        match value["failure"]["code"]["value"].as_u64() {
            Some(v) => assert_eq!((r, u64::from(code)), (rdp_probe_result::Ok, v)),
            None => assert_eq!(r, rdp_probe_result::NotPresent),
        }
        let (mut disc, mut ext, mut derived) = (0u32, 0u32, false);
        // SAFETY: as above.
        let r = unsafe { rdp_probe_report_mstsc(report, &mut disc, &mut ext, &mut derived) };
        match value["mstsc"]["disconnect_reason"].as_u64() {
            Some(d) => {
                assert_eq!(r, rdp_probe_result::Ok);
                assert_eq!(u64::from(disc), d);
                assert_eq!(
                    Some(u64::from(ext)),
                    value["mstsc"]["extended_reason"].as_u64()
                );
                assert_eq!(Some(derived), value["mstsc"]["derived"].as_bool());
            }
            None => assert_eq!(r, rdp_probe_result::NotPresent),
        }
        // SAFETY: each handle is freed once.
        unsafe {
            rdp_probe_report_free(report);
            rdp_probe_config_free(config);
        }
        drop(running);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_c_abi_and_the_rust_api_write_the_same_json() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for name in [
        "ironrdp-tls",
        "ironrdp-nla",
        "ironrdp-nla-wrong-password",
        "ntlm-challenge-v6-credentials-withheld",
        "errinfo-after-client-info-0x7",
    ] {
        let entry = catalog::find(name).unwrap();
        let running = runtime.block_on(entry.start()).unwrap();
        let port = running.addr().port();
        let target = Target::new("127.0.0.1", port).unwrap();
        let rust = runtime.block_on(rdp_probe_core::probe(&target, &entry.options_for(&running)));
        let config = config_for(&entry, &running);
        let mut report = ptr::null_mut();
        // SAFETY: live config, valid out-pointer; the report is freed once.
        let ffi = unsafe {
            assert_eq!(
                rdp_probe_run(config, ptr::null(), &mut report),
                rdp_probe_result::Ok
            );
            let json = string(|b, l, n| rdp_probe_report_json(report, b, l, n)).unwrap();
            rdp_probe_report_free(report);
            rdp_probe_config_free(config);
            json
        };
        // Timings out, and the server's NTLM clock (a second may tick between the two probes).
        assert_eq!(
            inventory_without_run_facts(&rust.to_json()),
            inventory_without_run_facts(&ffi),
            "{name}"
        );
        drop(running);
    }
}

#[test]
fn result_codes_keep_their_numbers() {
    // These numbers are the ABI: a change here breaks every binding. Add, never renumber or reuse.
    let expected: &[(rdp_probe_result, u32)] = &[
        (rdp_probe_result::Ok, 0),
        (rdp_probe_result::NullParameter, 100),
        (rdp_probe_result::BufferTooSmall, 101),
        (rdp_probe_result::NoTarget, 102),
        (rdp_probe_result::IndexOutOfRange, 103),
        (rdp_probe_result::InvalidUtf8, 200),
        (rdp_probe_result::InvalidHost, 201),
        (rdp_probe_result::InvalidPort, 202),
        (rdp_probe_result::InvalidTimeout, 203),
        (rdp_probe_result::InvalidProtocols, 204),
        (rdp_probe_result::InvalidCertPolicy, 205),
        (rdp_probe_result::InvalidCredentials, 206),
        (rdp_probe_result::InvalidClientName, 207),
        (rdp_probe_result::InvalidLegacyTls, 208),
        (rdp_probe_result::InvalidTrustPin, 209),
        (rdp_probe_result::InvalidCaPem, 210),
        (rdp_probe_result::InvalidKdc, 211),
        (rdp_probe_result::InvalidMaxConnections, 212),
        (rdp_probe_result::InvalidScanMode, 213),
        (rdp_probe_result::InvalidConcurrency, 214),
        (rdp_probe_result::TooManyTargets, 215),
        (rdp_probe_result::InvalidRate, 216),
        (rdp_probe_result::InvalidShard, 217),
        (rdp_probe_result::InvalidMaxTargets, 218),
        (rdp_probe_result::Panic, 300),
        (rdp_probe_result::Runtime, 301),
        (rdp_probe_result::Cancelled, 400),
        (rdp_probe_result::NotPresent, 401),
        (rdp_probe_result::ScanDone, 402),
        (rdp_probe_result::ScanDeadline, 403),
    ];
    for (code, number) in expected {
        assert_eq!(*code as u32, *number, "{code:?}");
        assert_eq!(rdp_probe_result::from_u32(*number), Some(*code));
    }
    for n in 0..1000 {
        if !expected.iter().any(|(_, m)| *m == n) {
            assert_eq!(rdp_probe_result::from_u32(n), None, "{n} is not a code");
        }
    }
    assert_eq!(rdp_probe_verdict::Connected as u32, 1);
    assert_eq!(rdp_probe_verdict::Failed as u32, 2);
    assert_eq!(rdp_probe_verdict::NeedsCredentials as u32, 3);
    assert_eq!(rdp_probe_verdict::Inconclusive as u32, 4);
    assert_eq!(rdp_probe_verdict::CredentialsWithheld as u32, 5);
    assert_eq!(rdp_probe_cert_policy::AcceptAny as u32, 0);
    assert_eq!(rdp_probe_cert_policy::RequireValid as u32, 1);
    assert_eq!(rdp_probe_legacy_tls::Off as u32, 0);
    assert_eq!(rdp_probe_legacy_tls::Follow as u32, 1);
    assert_eq!(rdp_probe_legacy_tls::Allow as u32, 2);
    assert_eq!(rdp_probe_nla::Required as u32, 1);
    assert_eq!(rdp_probe_nla::Supported as u32, 2);
    assert_eq!(rdp_probe_nla::NotSupported as u32, 3);
    assert_eq!(rdp_probe_nla::Unknown as u32, 4);
    assert_eq!(rdp_probe_scan_mode::Diagnose as u32, 0);
    assert_eq!(rdp_probe_scan_mode::Inventory as u32, 1);
    assert_eq!(rdp_probe_scan_mode::Negotiate as u32, 2);
}

#[test]
fn the_header_declares_every_code_with_its_number() {
    let header = include_str!("../include/rdp_probe.h");
    for n in 0..1000 {
        let Some(code) = rdp_probe_result::from_u32(n) else {
            continue;
        };
        let line = format!(
            "RDP_PROBE_RESULT_{} = {n},",
            code.name().to_ascii_uppercase()
        );
        assert!(header.contains(&line), "header lacks `{line}`");
    }
    for export in [
        "rdp_probe_result rdp_probe_run(const rdp_probe_config *config, const rdp_probe_cancel *cancel, rdp_probe_report **out_report);",
        "rdp_probe_result rdp_probe_selftest_panic(void);",
        "typedef struct rdp_probe_report rdp_probe_report;",
        "RDP_PROBE_CERT_POLICY_REQUIRE_VALID = 1,",
        "RDP_PROBE_LEGACY_TLS_OFF = 0,",
        "RDP_PROBE_LEGACY_TLS_FOLLOW = 1,",
        "RDP_PROBE_LEGACY_TLS_ALLOW = 2,",
        "rdp_probe_result rdp_probe_config_builder_set_legacy_tls(rdp_probe_config_builder *builder, uint32_t mode);",
        "RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD = 5,",
        "rdp_probe_result rdp_probe_config_builder_trust_any(rdp_probe_config_builder *builder, bool any);",
        "rdp_probe_result rdp_probe_config_builder_add_trust_pin(rdp_probe_config_builder *builder, const char *pin);",
        "rdp_probe_result rdp_probe_config_builder_add_ca_pem(rdp_probe_config_builder *builder, const uint8_t *pem, size_t len);",
        "rdp_probe_result rdp_probe_report_trust_decision(const rdp_probe_report *report, char *buf, size_t len, size_t *out_needed);",
        "rdp_probe_result rdp_probe_report_trust_sha256(const rdp_probe_report *report, char *buf, size_t len, size_t *out_needed);",
        "RDP_PROBE_RESULT_INVALID_KDC = 211,",
        "rdp_probe_result rdp_probe_config_builder_set_kdc(rdp_probe_config_builder *builder, const char *kdc);",
        "RDP_PROBE_RESULT_INDEX_OUT_OF_RANGE = 103,",
        "RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS = 212,",
        "rdp_probe_result rdp_probe_config_builder_set_max_connections(rdp_probe_config_builder *builder, uint16_t max_connections);",
        "rdp_probe_result rdp_probe_config_builder_set_cipher_suites(rdp_probe_config_builder *builder, bool enumerate);",
        "rdp_probe_result rdp_probe_config_builder_set_negotiate_only(rdp_probe_config_builder *builder, bool negotiate_only);",
        "typedef struct rdp_probe_inventory rdp_probe_inventory;",
        "rdp_probe_result rdp_probe_inventory_run(const rdp_probe_config *config, const rdp_probe_cancel *cancel, rdp_probe_inventory **out_inventory);",
        "rdp_probe_result rdp_probe_inventory_json(const rdp_probe_inventory *inventory, char *buf, size_t len, size_t *out_needed);",
        "rdp_probe_result rdp_probe_inventory_reachable(const rdp_probe_inventory *inventory, bool *out_reachable);",
        "rdp_probe_result rdp_probe_inventory_nla(const rdp_probe_inventory *inventory, rdp_probe_nla *out_nla);",
        "rdp_probe_result rdp_probe_inventory_finding_id(const rdp_probe_inventory *inventory, size_t index, char *buf, size_t len, size_t *out_needed);",
        "RDP_PROBE_NLA_NOT_SUPPORTED = 3,",
        "void rdp_probe_inventory_free(rdp_probe_inventory *inventory);",
        "typedef struct rdp_probe_scan rdp_probe_scan;",
        "RDP_PROBE_SCAN_MODE_DIAGNOSE = 0,",
        "RDP_PROBE_SCAN_MODE_INVENTORY = 1,",
        "RDP_PROBE_SCAN_MODE_NEGOTIATE = 2,",
        "rdp_probe_result rdp_probe_scan_start(const rdp_probe_config *config, const char *targets, const char *exclude, uint16_t default_port, uint32_t mode, uint32_t concurrency, const rdp_probe_scan_options *options, const rdp_probe_cancel *cancel, rdp_probe_scan **out_scan);",
        "rdp_probe_scan_options *rdp_probe_scan_options_new(void);",
        "rdp_probe_result rdp_probe_scan_options_set_rate(rdp_probe_scan_options *options, double per_second);",
        "rdp_probe_result rdp_probe_scan_options_set_deadline_ms(rdp_probe_scan_options *options, uint64_t milliseconds);",
        "rdp_probe_result rdp_probe_scan_options_set_shard(rdp_probe_scan_options *options, uint64_t index, uint64_t count);",
        "rdp_probe_result rdp_probe_scan_options_set_max_targets(rdp_probe_scan_options *options, uint64_t max_targets);",
        "void rdp_probe_scan_options_free(rdp_probe_scan_options *options);",
        "rdp_probe_result rdp_probe_scan_next(const rdp_probe_scan *scan, char *buf, size_t len, size_t *out_needed);",
        "rdp_probe_result rdp_probe_scan_stop(const rdp_probe_scan *scan);",
        "rdp_probe_result rdp_probe_scan_skipped_count(const rdp_probe_scan *scan, size_t *out_count);",
        "rdp_probe_result rdp_probe_scan_skipped_line(const rdp_probe_scan *scan, size_t index, char *buf, size_t len, size_t *out_needed);",
        "rdp_probe_result rdp_probe_scan_target_count(const rdp_probe_scan *scan, uint64_t *out_count);",
        "void rdp_probe_scan_free(rdp_probe_scan *scan);",
    ] {
        assert!(header.contains(export), "header lacks `{export}`");
    }
}

/// Builds a config from `b` (freed here), runs it, and returns the report's JSON; every handle is
/// freed once.
///
/// # Safety
/// `b` must be a live builder, not used after the call.
unsafe fn build_run_json(b: *mut rdp_probe_config_builder) -> String {
    let mut config = ptr::null();
    let mut report = ptr::null_mut();
    // SAFETY: `b` is live (the caller's contract); valid out-pointers; each handle freed once.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        rdp_probe_config_builder_free(b);
        assert_eq!(
            rdp_probe_run(config, ptr::null(), &mut report),
            rdp_probe_result::Ok
        );
        let json = string(|b, l, n| rdp_probe_report_json(report, b, l, n)).unwrap();
        rdp_probe_report_free(report);
        rdp_probe_config_free(config);
        json
    }
}

/// The report of one probe of `port` with `mode` (`None`: the builder's default) through the C ABI.
fn probe_with_legacy_tls(port: u16, mode: Option<rdp_probe_legacy_tls>) -> Value {
    let b = rdp_probe_config_builder_new();
    let host = CString::new("127.0.0.1").unwrap();
    // SAFETY: live builder and strings; `build_run_json` takes the builder.
    let json = unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, host.as_ptr(), port),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_set_timeouts(b, 5000, 5000, 15000),
            rdp_probe_result::Ok
        );
        if let Some(mode) = mode {
            assert_eq!(
                rdp_probe_config_builder_set_legacy_tls(b, mode as u32),
                rdp_probe_result::Ok
            );
            // A refused value leaves the mode as it was (OFF's report shows it).
            assert_eq!(
                rdp_probe_config_builder_set_legacy_tls(b, 3),
                rdp_probe_result::InvalidLegacyTls
            );
        }
        build_run_json(b)
    };
    serde_json::from_str(&json).unwrap()
}

#[test]
fn legacy_tls_mode_is_checked() {
    let b = rdp_probe_config_builder_new();
    // SAFETY: `b` is live until freed; NULL is allowed.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_legacy_tls(ptr::null_mut(), 1),
            rdp_probe_result::NullParameter
        );
        for bad in [3, 7, u32::MAX] {
            assert_eq!(
                rdp_probe_config_builder_set_legacy_tls(b, bad),
                rdp_probe_result::InvalidLegacyTls,
                "{bad}"
            );
        }
        for mode in [
            rdp_probe_legacy_tls::Off,
            rdp_probe_legacy_tls::Follow,
            rdp_probe_legacy_tls::Allow,
        ] {
            assert_eq!(
                rdp_probe_config_builder_set_legacy_tls(b, mode as u32),
                rdp_probe_result::Ok
            );
        }
        rdp_probe_config_builder_free(b);
    }
    let text = result_message(rdp_probe_result::InvalidLegacyTls);
    assert_eq!(
        text,
        "invalid_legacy_tls: the legacy TLS mode is not a rdp_probe_legacy_tls"
    );
}

#[test]
fn legacy_tls_follows_allows_or_skips_a_server_that_refuses_modern_tls() {
    // The scripted server answers every ClientHello (rustls', then OpenSSL's) with a
    // handshake_failure alert: the modern failure starts a legacy attempt, which fails in `tls` too.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let entry = catalog::find("tls-alert-after-confirm-40").unwrap();
    let running = runtime.block_on(entry.start()).unwrap();
    let port = running.addr().port();
    // SAFETY: the buffers come from `string`.
    let version = string(|b, l, n| unsafe { rdp_probe_version(b, l, n) }).unwrap();
    let has_openssl = version.contains("legacy TLS: OpenSSL");
    assert_eq!(has_openssl, cfg!(feature = "legacy-tls"), "{version}");

    let modern_failure = |v: &Value| {
        assert_eq!(v["verdict"], "failed", "{v}");
        assert_eq!(v["failure"]["phase"], "tls", "{v}");
        assert_eq!(v["failure"]["code"]["space"], "tls_alert", "{v}");
        assert_eq!(v["failure"]["code"]["value"], 40, "{v}");
    };

    let off = probe_with_legacy_tls(port, Some(rdp_probe_legacy_tls::Off));
    modern_failure(&off);
    assert!(off.get("legacy_tls").is_none(), "{off}");

    let follow = probe_with_legacy_tls(port, Some(rdp_probe_legacy_tls::Follow));
    modern_failure(&follow);
    let legacy = &follow["legacy_tls"];
    assert_eq!(legacy["decides_verdict"], false, "{follow}");
    assert_eq!(legacy["attempt"], 2, "{follow}");
    assert_eq!(legacy["reached"], "tls", "{follow}");
    assert_eq!(legacy["ending"]["verdict"], "failed", "{follow}");
    assert_eq!(legacy["modern_failure"]["code"]["value"], 40, "{follow}");
    assert!(follow.get("findings").is_none(), "{follow}");

    // The default is FOLLOW exactly when the version names OpenSSL.
    let default = probe_with_legacy_tls(port, None);
    assert_eq!(
        default.get("legacy_tls").is_some(),
        has_openssl,
        "{default}"
    );

    let allow = probe_with_legacy_tls(port, Some(rdp_probe_legacy_tls::Allow));
    assert_eq!(allow["verdict"], "failed", "{allow}");
    assert_eq!(allow["legacy_tls"]["decides_verdict"], true, "{allow}");
    drop(running);
}

#[test]
fn trust_pins_are_checked() {
    let b = rdp_probe_config_builder_new();
    let pin = lab_pin();
    let hex = pin
        .to_str()
        .unwrap()
        .strip_prefix("sha256:")
        .unwrap()
        .to_owned();
    let colons: Vec<&str> = (0..32).map(|i| &hex[2 * i..2 * i + 2]).collect();
    // SAFETY: `b` is live until freed; every string a live CString or a NUL-terminated literal.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_add_trust_pin(ptr::null_mut(), pin.as_ptr()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_add_trust_pin(b, ptr::null()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_add_trust_pin(b, c"sha256:\xff".as_ptr()),
            rdp_probe_result::InvalidUtf8
        );
        for bad in [
            String::new(),
            "any".to_owned(),
            "sha256:".to_owned(),
            "sha256:00".to_owned(),
            hex.clone(),
            format!("sha1:{hex}"),
            format!("SHA256:{hex}"),
            format!("sha256:{}", &hex[1..]),
            format!("sha256:{hex}0"),
            format!("sha256:{}zz", &hex[2..]),
            format!("sha256:{}\u{e9}", &hex[1..]),
        ] {
            let bad = CString::new(bad).unwrap();
            assert_eq!(
                rdp_probe_config_builder_add_trust_pin(b, bad.as_ptr()),
                rdp_probe_result::InvalidTrustPin,
                "{bad:?}"
            );
        }
        for good in [
            format!("sha256:{hex}"),
            format!("sha256:{}", hex.to_ascii_uppercase()),
            format!("sha256:{}", colons.join(":")),
            format!(" sha256:{hex}\n"),
        ] {
            let good = CString::new(good).unwrap();
            assert_eq!(
                rdp_probe_config_builder_add_trust_pin(b, good.as_ptr()),
                rdp_probe_result::Ok,
                "{good:?}"
            );
        }
        assert_eq!(
            rdp_probe_config_builder_trust_any(ptr::null_mut(), true),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_trust_any(b, true),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_trust_any(b, false),
            rdp_probe_result::Ok
        );
        rdp_probe_config_builder_free(b);
    }
    let text = result_message(rdp_probe_result::InvalidTrustPin);
    assert_eq!(
        text,
        "invalid_trust_pin: a certificate pin is sha256: followed by 64 hex digits (colons allowed)"
    );
}

#[test]
fn ca_pems_are_checked() {
    let b = rdp_probe_config_builder_new();
    let key = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFJ2a2V5LW5vdC1yZWFsLW5vdC11c2VkLWF0LWFsbA==\n-----END PRIVATE KEY-----\n";
    let not_x509 =
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    let not_base64 =
        b"-----BEGIN CERTIFICATE-----\n!!!! not base64 ****\n-----END CERTIFICATE-----\n";
    let with = |parts: &[&[u8]]| parts.concat();
    // SAFETY: `b` is live until freed; each slice is live for the call.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_add_ca_pem(
                ptr::null_mut(),
                TEST_CA_PEM.as_ptr(),
                TEST_CA_PEM.len()
            ),
            rdp_probe_result::NullParameter
        );
        for len in [0, 10] {
            assert_eq!(
                rdp_probe_config_builder_add_ca_pem(b, ptr::null(), len),
                rdp_probe_result::NullParameter
            );
        }
        for bad in [
            Vec::new(),
            b"not PEM at all".to_vec(),
            key.to_vec(),
            not_x509.to_vec(),
            not_base64.to_vec(),
            // One bad certificate spoils the lot: nothing of it is added.
            with(&[TEST_CA_PEM, not_x509]),
            // Cut short: the END line is missing.
            TEST_CA_PEM[..TEST_CA_PEM.len() - 30].to_vec(),
        ] {
            assert_eq!(
                rdp_probe_config_builder_add_ca_pem(b, bad.as_ptr(), bad.len()),
                rdp_probe_result::InvalidCaPem,
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        for good in [
            TEST_CA_PEM.to_vec(),
            // Other blocks are skipped, several certificates are read, and no NUL is needed.
            with(&[key, TEST_CA_PEM, b"\n", TEST_CA_PEM]),
        ] {
            assert_eq!(
                rdp_probe_config_builder_add_ca_pem(b, good.as_ptr(), good.len()),
                rdp_probe_result::Ok
            );
        }
        rdp_probe_config_builder_free(b);
    }
    let text = result_message(rdp_probe_result::InvalidCaPem);
    assert_eq!(
        text,
        "invalid_ca_pem: the PEM holds no certificate that can be read"
    );
}

/// What one probe through the C ABI said about trust.
struct TrustOutcome {
    verdict: rdp_probe_verdict,
    kind: Option<String>,
    decision: Option<String>,
    sha256: Option<String>,
    json: Value,
}

/// Probes `port` with the lab's credentials (or none), after `configure` has had the builder.
fn probe_trust(
    port: u16,
    credentials: Option<(&str, &str)>,
    configure: impl FnOnce(*mut rdp_probe_config_builder),
) -> TrustOutcome {
    let b = rdp_probe_config_builder_new();
    let host = CString::new("127.0.0.1").unwrap();
    let mut config = ptr::null();
    let mut report = ptr::null_mut();
    // SAFETY: live builder and strings, valid out-pointers; each handle freed once.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, host.as_ptr(), port),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_set_timeouts(b, 10_000, 10_000, 30_000),
            rdp_probe_result::Ok
        );
        if let Some((user, password)) = credentials {
            let (user, password) = (CString::new(user).unwrap(), CString::new(password).unwrap());
            assert_eq!(
                rdp_probe_config_builder_set_credentials(
                    b,
                    user.as_ptr(),
                    ptr::null(),
                    password.as_ptr()
                ),
                rdp_probe_result::Ok
            );
        }
        configure(b);
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        rdp_probe_config_builder_free(b);
        assert_eq!(
            rdp_probe_run(config, ptr::null(), &mut report),
            rdp_probe_result::Ok
        );
        let mut verdict = rdp_probe_verdict::Connected;
        assert_eq!(
            rdp_probe_report_verdict(report, &mut verdict),
            rdp_probe_result::Ok
        );
        let outcome = TrustOutcome {
            verdict,
            kind: string(|b, l, n| rdp_probe_report_kind(report, b, l, n)),
            decision: string(|b, l, n| rdp_probe_report_trust_decision(report, b, l, n)),
            sha256: string(|b, l, n| rdp_probe_report_trust_sha256(report, b, l, n)),
            json: serde_json::from_str(
                &string(|b, l, n| rdp_probe_report_json(report, b, l, n)).unwrap(),
            )
            .unwrap(),
        };
        rdp_probe_report_free(report);
        rdp_probe_config_free(config);
        // The accessors say what the JSON says.
        assert_eq!(
            outcome.decision.as_deref(),
            outcome.json["trust"]["decision"].as_str()
        );
        assert_eq!(
            outcome.sha256.as_deref(),
            outcome.json["trust"]["sha256"].as_str()
        );
        outcome
    }
}

/// Adds `pin` to the builder.
fn pin(b: *mut rdp_probe_config_builder, pin: &str) {
    let pin = CString::new(pin).unwrap();
    // SAFETY: `b` is a live builder, `pin` a live CString.
    let r = unsafe { rdp_probe_config_builder_add_trust_pin(b, pin.as_ptr()) };
    assert_eq!(r, rdp_probe_result::Ok);
}

#[test]
fn credentials_go_only_to_a_pinned_or_any_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The acceptor behind ironrdp-nla, with the lab's self-signed certificate.
    let entry = catalog::find("ironrdp-nla").unwrap();
    let running = runtime.block_on(entry.start()).unwrap();
    let port = running.addr().port();
    let lab = Some((
        rdp_probe_lab::real::LAB_USER,
        rdp_probe_lab::real::LAB_PASSWORD,
    ));
    let expected = lab_pin().to_str().unwrap()["sha256:".len()..].to_owned();

    // Without credentials nothing is decided: no trust in the report.
    let none = probe_trust(port, None, |_| {});
    assert_eq!(none.verdict, rdp_probe_verdict::NeedsCredentials);
    assert_eq!((none.decision, none.sha256), (None, None));

    // With them, by default: withheld, with the fingerprint to pin.
    let withheld = probe_trust(port, lab, |_| {});
    assert_eq!(
        withheld.verdict,
        rdp_probe_verdict::CredentialsWithheld,
        "{}",
        withheld.json
    );
    assert_eq!(withheld.kind.as_deref(), Some("credentials_withheld"));
    assert_eq!(withheld.json["stop"]["phase"], "credssp");
    assert_eq!(withheld.decision.as_deref(), Some("withheld"));
    assert_eq!(withheld.sha256.as_deref(), Some(expected.as_str()));
    assert!(withheld.json["trust"]["chain_problem"].is_string());

    // Another certificate's pin vouches for nothing.
    let other = probe_trust(port, lab, |b| {
        pin(b, &format!("sha256:{}", "ab".repeat(32)))
    });
    assert_eq!(other.verdict, rdp_probe_verdict::CredentialsWithheld);

    // The fingerprint from the report, pinned (upper case, with colons: the same pin).
    let upper: Vec<String> = expected
        .to_ascii_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let pinned = probe_trust(port, lab, |b| {
        pin(b, &format!("sha256:{}", "ab".repeat(32)));
        pin(b, &format!("sha256:{}", upper.join(":")));
    });
    assert_eq!(
        pinned.verdict,
        rdp_probe_verdict::Connected,
        "{}",
        pinned.json
    );
    assert_eq!(pinned.decision.as_deref(), Some("pinned"));
    assert_eq!(pinned.sha256.as_deref(), Some(expected.as_str()));

    // Any server; and "any" turned off again withholds.
    let any = probe_trust(port, lab, |b| {
        // SAFETY: `b` is a live builder.
        let r = unsafe { rdp_probe_config_builder_trust_any(b, true) };
        assert_eq!(r, rdp_probe_result::Ok);
    });
    assert_eq!(any.verdict, rdp_probe_verdict::Connected, "{}", any.json);
    assert_eq!(any.decision.as_deref(), Some("any"));
    let off = probe_trust(port, lab, |b| {
        // SAFETY: `b` is a live builder.
        unsafe {
            rdp_probe_config_builder_trust_any(b, true);
            rdp_probe_config_builder_trust_any(b, false);
        }
    });
    assert_eq!(off.verdict, rdp_probe_verdict::CredentialsWithheld);

    // A CA that did not issue the certificate vouches for nothing either.
    let foreign_ca = probe_trust(port, lab, |b| {
        // SAFETY: `b` is a live builder; the PEM is static.
        let r = unsafe {
            rdp_probe_config_builder_add_ca_pem(b, TEST_CA_PEM.as_ptr(), TEST_CA_PEM.len())
        };
        assert_eq!(r, rdp_probe_result::Ok);
    });
    assert_eq!(foreign_ca.verdict, rdp_probe_verdict::CredentialsWithheld);
    drop(running);
}

#[test]
fn a_ca_pem_vouches_for_the_servers_it_issued() {
    // FreeRDP's shadow server, with a certificate for 127.0.0.1 issued by a lab CA of its own.
    let server = rdp_probe_lab::real::ShadowServer::start(Default::default()).unwrap();
    let port = server.addr().port();
    let ca = std::fs::read(server.ca_cert()).unwrap();
    let lab = Some((
        rdp_probe_lab::real::LAB_USER,
        rdp_probe_lab::real::LAB_PASSWORD,
    ));
    let add_ca = |b: *mut rdp_probe_config_builder| {
        // SAFETY: `b` is a live builder; `ca` outlives the call.
        let r = unsafe { rdp_probe_config_builder_add_ca_pem(b, ca.as_ptr(), ca.len()) };
        assert_eq!(r, rdp_probe_result::Ok);
    };

    let withheld = probe_trust(port, lab, |_| {});
    assert_eq!(
        withheld.verdict,
        rdp_probe_verdict::CredentialsWithheld,
        "{}",
        withheld.json
    );
    let trusted = probe_trust(port, lab, add_ca);
    assert_eq!(
        trusted.verdict,
        rdp_probe_verdict::Connected,
        "{}",
        trusted.json
    );
    assert_eq!(trusted.decision.as_deref(), Some("chain_valid"));
    assert_eq!(trusted.sha256, withheld.sha256);
    // The roots count for REQUIRE_VALID too: without them the chain fails in tls.
    let require_valid = |b: *mut rdp_probe_config_builder| {
        // SAFETY: `b` is a live builder.
        let r = unsafe {
            rdp_probe_config_builder_set_cert_policy(b, rdp_probe_cert_policy::RequireValid as u32)
        };
        assert_eq!(r, rdp_probe_result::Ok);
    };
    let refused = probe_trust(port, lab, require_valid);
    assert_eq!(
        refused.verdict,
        rdp_probe_verdict::Failed,
        "{}",
        refused.json
    );
    assert_eq!(refused.json["failure"]["phase"], "tls");
    let valid = probe_trust(port, lab, |b| {
        require_valid(b);
        add_ca(b);
    });
    assert_eq!(
        valid.verdict,
        rdp_probe_verdict::Connected,
        "{}",
        valid.json
    );
}

/// KDCs `rdp_probe_config_builder_set_kdc` refuses with `INVALID_KDC`.
const BAD_KDCS: &[&str] = &[
    "",
    "host:0",
    "host:99999",
    "a b",
    "host:",
    "host:port",
    "host:-1",
    "[::1]:0",
    "kdc/path",
];

#[test]
fn kdcs_are_checked() {
    let b = rdp_probe_config_builder_new();
    // SAFETY: `b` is live until freed; every string a live CString or a NUL-terminated literal.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_kdc(ptr::null_mut(), c"kdc.example".as_ptr()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_set_kdc(ptr::null_mut(), ptr::null()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_set_kdc(b, c"kdc\xff.example".as_ptr()),
            rdp_probe_result::InvalidUtf8
        );
        for bad in BAD_KDCS {
            let bad = CString::new(*bad).unwrap();
            assert_eq!(
                rdp_probe_config_builder_set_kdc(b, bad.as_ptr()),
                rdp_probe_result::InvalidKdc,
                "{bad:?}"
            );
        }
        for good in [
            "kdc.example",
            "kdc.example:88",
            "dc1.corp.example:1",
            "dc1.corp.example:65535",
            "127.0.0.1",
            "127.0.0.1:8888",
            "[::1]:88",
            "[::1]",
        ] {
            let good = CString::new(good).unwrap();
            assert_eq!(
                rdp_probe_config_builder_set_kdc(b, good.as_ptr()),
                rdp_probe_result::Ok,
                "{good:?}"
            );
        }
        // NULL clears it; clearing twice is fine.
        for _ in 0..2 {
            assert_eq!(
                rdp_probe_config_builder_set_kdc(b, ptr::null()),
                rdp_probe_result::Ok
            );
        }
        rdp_probe_config_builder_free(b);
    }
    let text = result_message(rdp_probe_result::InvalidKdc);
    assert_eq!(
        text,
        "invalid_kdc: the KDC must be HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)"
    );
}

/// `rdp_probe_result_message` for `code`.
fn result_message(code: rdp_probe_result) -> String {
    string(|b, l, n| {
        // SAFETY: the buffer comes from `string`.
        unsafe { rdp_probe_result_message(code as u32, b, l, n) }
    })
    .unwrap()
}

/// A loopback port nothing listens on (bound, read, released).
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// One probe of the NLA server at `host:port` with the lab's account in `domain` (or none), its
/// certificate pinned, after `configure` has had the builder; the report's JSON.
fn probe_kerberos(
    host: &str,
    port: u16,
    domain: Option<&str>,
    configure: impl FnOnce(*mut rdp_probe_config_builder),
) -> Value {
    let b = rdp_probe_config_builder_new();
    let host = CString::new(host).unwrap();
    let user = CString::new(rdp_probe_lab::real::LAB_USER).unwrap();
    let password = CString::new(rdp_probe_lab::real::LAB_PASSWORD).unwrap();
    let domain = domain.map(|d| CString::new(d).unwrap());
    // SAFETY: live builder and strings; `build_run_json` takes the builder.
    let json = unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, host.as_ptr(), port),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_set_timeouts(b, 8_000, 8_000, 30_000),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_set_credentials(
                b,
                user.as_ptr(),
                domain.as_ref().map_or(ptr::null(), |d| d.as_ptr()),
                password.as_ptr()
            ),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_add_trust_pin(b, lab_pin().as_ptr()),
            rdp_probe_result::Ok
        );
        configure(b);
        build_run_json(b)
    };
    assert!(
        !json.contains(rdp_probe_lab::real::LAB_PASSWORD),
        "a password in the report"
    );
    serde_json::from_str(&json).unwrap()
}

/// Sets the KDC, asserting `expected`.
fn set_kdc(b: *mut rdp_probe_config_builder, kdc: Option<&str>, expected: rdp_probe_result) {
    let kdc = kdc.map(|k| CString::new(k).unwrap());
    // SAFETY: `b` is a live builder; `kdc` NULL or a live CString.
    let r = unsafe {
        rdp_probe_config_builder_set_kdc(b, kdc.as_ref().map_or(ptr::null(), |k| k.as_ptr()))
    };
    assert_eq!(r, expected, "{kdc:?}");
}

#[test]
fn the_kdc_decides_whether_the_logon_tries_kerberos() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The acceptor behind ironrdp-nla: NTLM only, no Kerberos of its own.
    let entry = catalog::find("ironrdp-nla").unwrap();
    let running = runtime.block_on(entry.start()).unwrap();
    let port = running.addr().port();
    // The acceptor with Kerberos (and NTLM) behind kerberos-logon, with a real MIT KDC of its own:
    // the probe is given another KDC, where nothing listens.
    let kerberos_entry = catalog::find("kerberos-logon").unwrap();
    let kerberos_running = runtime
        .block_on(kerberos_entry.start())
        .expect("the kerberos-logon lab (krb5kdc: scripts/install-test-deps.sh)");
    let kerberos_port = kerberos_running.addr().port();
    let dead = format!("127.0.0.1:{}", dead_port());
    const REALM: &str = "RDP-PROBE.TEST";

    // By address: Kerberos is not tried (no TERMSRV/<address> SPN), NTLM logs on.
    let by_address = probe_kerberos("127.0.0.1", port, Some(REALM), |b| {
        set_kdc(b, Some(&dead), rdp_probe_result::Ok)
    });
    assert_eq!(by_address["verdict"], "connected", "{by_address:#}");
    let auth = &by_address["authentication"];
    assert_eq!(auth["package"], "ntlm", "{by_address:#}");
    assert_eq!(
        auth["kerberos_not_tried"], "target_is_address",
        "{by_address:#}"
    );
    assert!(auth.get("kerberos").is_none(), "{by_address:#}");

    // By name, with a KDC where nothing listens: Kerberos is tried, the KDC cannot be reached, and
    // the logon falls back to NTLM as the Windows client's does. Refused KDCs set afterwards leave
    // the builder's KDC as it was: the report names the one accepted.
    let fell_back = probe_kerberos("localhost", kerberos_port, Some(REALM), |b| {
        set_kdc(b, Some(&dead), rdp_probe_result::Ok);
        for bad in BAD_KDCS {
            set_kdc(b, Some(bad), rdp_probe_result::InvalidKdc);
        }
    });
    assert_eq!(fell_back["verdict"], "connected", "{fell_back:#}");
    let auth = &fell_back["authentication"];
    assert_eq!(auth["package"], "ntlm", "{fell_back:#}");
    assert!(auth.get("kerberos_not_tried").is_none(), "{fell_back:#}");
    let kerberos = &auth["kerberos"];
    assert_eq!(kerberos["kdc"], dead.as_str(), "{fell_back:#}");
    assert_eq!(kerberos["realm"], REALM, "{fell_back:#}");
    assert_eq!(kerberos["spn"], "TERMSRV/localhost", "{fell_back:#}");
    assert_eq!(kerberos["outcome"], "fell_back_to_ntlm", "{fell_back:#}");
    assert_eq!(kerberos["failure"]["code"]["space"], "kdc", "{fell_back:#}");
    assert_eq!(
        kerberos["failure"]["code"]["name"], "KDC_UNREACHABLE",
        "{fell_back:#}"
    );

    // NULL clears the KDC: NTLM only, and the report says why.
    let cleared = probe_kerberos("localhost", port, Some(REALM), |b| {
        set_kdc(b, Some(&dead), rdp_probe_result::Ok);
        set_kdc(b, None, rdp_probe_result::Ok);
    });
    assert_eq!(cleared["verdict"], "connected", "{cleared:#}");
    assert_eq!(cleared["authentication"]["package"], "ntlm", "{cleared:#}");
    assert_eq!(
        cleared["authentication"]["kerberos_not_tried"], "no_kdc",
        "{cleared:#}"
    );

    // A local account (no domain) has no realm to ask.
    let local = probe_kerberos("localhost", port, None, |b| {
        set_kdc(b, Some(&dead), rdp_probe_result::Ok)
    });
    assert_eq!(local["verdict"], "connected", "{local:#}");
    assert_eq!(
        local["authentication"]["kerberos_not_tried"], "no_realm",
        "{local:#}"
    );
    drop(kerberos_running);
    drop(running);
}

#[test]
fn a_triggered_token_cancels_before_the_probe_starts() {
    let b = rdp_probe_config_builder_new();
    let host = CString::new("127.0.0.1").unwrap();
    let cancel = rdp_probe_cancel_new();
    let mut config = ptr::null();
    let mut report = ptr::null_mut();
    // SAFETY: live handles, valid out-pointers; each handle freed once.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, host.as_ptr(), 9),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        assert!(!rdp_probe_cancel_is_triggered(cancel));
        assert_eq!(rdp_probe_cancel_trigger(cancel), rdp_probe_result::Ok);
        assert!(rdp_probe_cancel_is_triggered(cancel));
        assert_eq!(
            rdp_probe_run(config, cancel, &mut report),
            rdp_probe_result::Cancelled
        );
        assert!(report.is_null());
        rdp_probe_cancel_free(cancel);
        rdp_probe_config_free(config);
        rdp_probe_config_builder_free(b);
    }
}

#[test]
fn run_from_inside_a_tokio_runtime_does_not_panic() {
    // A Rust host that calls the C ABI from async code: the probe moves to a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let b = rdp_probe_config_builder_new();
    let host = CString::new("127.0.0.1").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens: the probe fails fast in tcp_connect
    let mut config = ptr::null();
    // SAFETY: live builder, valid out-pointer.
    unsafe {
        rdp_probe_config_builder_set_target(b, host.as_ptr(), port);
        rdp_probe_config_builder_build(b, &mut config);
        rdp_probe_config_builder_free(b);
    }
    let config_addr = config as usize;
    let r = runtime.block_on(async move {
        let mut report = ptr::null_mut();
        // SAFETY: `config` is live until freed below.
        let r = unsafe { rdp_probe_run(config_addr as *const _, ptr::null(), &mut report) };
        let mut verdict = rdp_probe_verdict::Connected;
        // SAFETY: the report is live until freed.
        unsafe {
            rdp_probe_report_verdict(report, &mut verdict);
            rdp_probe_report_free(report);
        }
        (r, verdict)
    });
    assert_eq!(r, (rdp_probe_result::Ok, rdp_probe_verdict::Failed));
    // SAFETY: freed once.
    unsafe { rdp_probe_config_free(config) };
}

/// The inventory's JSON without what differs from one run to the next against the same server:
/// timings (`elapsed_ms`), the peak of concurrent connections (`max_concurrent_connections`,
/// scheduling decides it) and the server's clock read from its NTLM CHALLENGE (`server_time`,
/// `clock_offset_s`). `scripts/test-bindings.sh` compares the languages the same way.
fn inventory_without_run_facts(json: &str) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in [
                    "elapsed_ms",
                    "max_concurrent_connections",
                    "server_time",
                    "clock_offset_s",
                ] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(json).expect("valid JSON");
    strip(&mut v);
    v
}

/// What the C ABI's accessors say about one inventory, and its JSON.
struct InventoryRead {
    reachable: bool,
    error: Option<String>,
    nla: rdp_probe_nla,
    credssp_version: Option<u32>,
    findings: Vec<(String, String)>,
    json: String,
}

/// Builds a config for `127.0.0.1:port` (timeouts of `limit_ms`, three times that overall), lets
/// `configure` have the builder, takes the inventory through the C ABI and reads every accessor;
/// every handle is freed once.
fn inventory_of(
    port: u16,
    limit_ms: u32,
    configure: impl FnOnce(*mut rdp_probe_config_builder),
) -> InventoryRead {
    let b = rdp_probe_config_builder_new();
    let mut config = ptr::null();
    let mut inv = ptr::null_mut();
    // SAFETY: live handles and valid out-pointers; each handle freed once; the buffers come from
    // `string`.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, c"127.0.0.1".as_ptr(), port),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_set_timeouts(b, limit_ms, limit_ms, limit_ms * 3),
            rdp_probe_result::Ok
        );
        configure(b);
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        rdp_probe_config_builder_free(b);
        assert_eq!(
            rdp_probe_inventory_run(config, ptr::null(), &mut inv),
            rdp_probe_result::Ok
        );
        assert!(!inv.is_null());
        let mut reachable = false;
        assert_eq!(
            rdp_probe_inventory_reachable(inv, &mut reachable),
            rdp_probe_result::Ok
        );
        let error = string(|b, l, n| rdp_probe_inventory_error_message(inv, b, l, n));
        let mut nla = rdp_probe_nla::Required;
        assert_eq!(rdp_probe_inventory_nla(inv, &mut nla), rdp_probe_result::Ok);
        let mut version = 0u32;
        let credssp_version = match rdp_probe_inventory_credssp_version(inv, &mut version) {
            rdp_probe_result::Ok => Some(version),
            rdp_probe_result::NotPresent => None,
            other => panic!("rdp_probe_inventory_credssp_version: {other:?}"),
        };
        let mut count = usize::MAX;
        assert_eq!(
            rdp_probe_inventory_finding_count(inv, &mut count),
            rdp_probe_result::Ok
        );
        let findings = (0..count)
            .map(|i| {
                let id = string(|b, l, n| rdp_probe_inventory_finding_id(inv, i, b, l, n));
                let severity =
                    string(|b, l, n| rdp_probe_inventory_finding_severity(inv, i, b, l, n));
                (id.unwrap(), severity.unwrap())
            })
            .collect();
        // One past the end, and far past it: no such finding.
        let mut needed = 0usize;
        for index in [count, usize::MAX] {
            assert_eq!(
                rdp_probe_inventory_finding_id(inv, index, ptr::null_mut(), 0, &mut needed),
                rdp_probe_result::IndexOutOfRange
            );
            assert_eq!(
                rdp_probe_inventory_finding_severity(inv, index, ptr::null_mut(), 0, &mut needed),
                rdp_probe_result::IndexOutOfRange
            );
        }
        let json = string(|b, l, n| rdp_probe_inventory_json(inv, b, l, n)).unwrap();
        rdp_probe_inventory_free(inv);
        rdp_probe_config_free(config);
        InventoryRead {
            reachable,
            error,
            nla,
            credssp_version,
            findings,
            json,
        }
    }
}

/// Checks that the accessors say what the JSON says.
fn assert_accessors_match_json(read: &InventoryRead) -> Value {
    let json: Value = serde_json::from_str(&read.json).unwrap();
    assert_eq!(json["schema"], "rdp-probe-inventory/1");
    assert_eq!(read.reachable, json["error"].is_null(), "{json:#}");
    assert_eq!(
        read.error.as_deref(),
        json["error"]["message"].as_str(),
        "{json:#}"
    );
    let nla = format!("{:?}", read.nla);
    assert!(
        nla.eq_ignore_ascii_case(&json["nla"].as_str().unwrap().replace('_', "")),
        "{nla}: {json:#}"
    );
    assert_eq!(
        read.credssp_version.map(u64::from),
        json["credssp"]["version"].as_u64(),
        "{json:#}"
    );
    let from_json: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(read.findings, from_json);
    json
}

#[test]
fn the_inventory_of_an_unpatched_credssp_server_through_the_c_abi() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // A scripted server selecting CredSSP and announcing TSRequest version 2 (before the
    // CVE-2018-0886 fix), then an NTLM CHALLENGE from LABHOST.
    let entry = catalog::find("ntlm-challenge-v2").unwrap();
    let running = runtime.block_on(entry.start()).unwrap();
    let port = running.addr().port();

    let read = inventory_of(port, 3000, |b| {
        // SAFETY: `b` is a live builder.
        let r = unsafe { rdp_probe_config_builder_set_max_connections(b, 4) };
        assert_eq!(r, rdp_probe_result::Ok);
    });
    let json = assert_accessors_match_json(&read);
    assert!(read.reachable);
    assert_eq!(read.error, None);
    assert_eq!(read.credssp_version, Some(2), "{json:#}");
    assert_eq!(json["credssp"]["predates_cve_2018_0886_fix"], true);
    assert!(
        read.findings
            .iter()
            .any(|(id, _)| id == "CREDSSP_ORACLE_UNPATCHED"),
        "{:?}",
        read.findings
    );
    assert_ne!(read.nla, rdp_probe_nla::Unknown, "{json:#}");
    assert_eq!(json["ntlm"]["netbios_computer"], "LABHOST", "{json:#}");
    assert_eq!(json["target"]["port"], port);
    // The limit reached the pool.
    let peak = json["max_concurrent_connections"].as_u64().unwrap();
    assert!((1..=4).contains(&peak), "{peak}");
    // Every accepted TLS version's suites were enumerated (the default).
    let versions = json["tls"]["versions"].as_object().unwrap();
    assert!(versions.values().any(|v| v["accepted"] == true), "{json:#}");
    for v in versions.values().filter(|v| v["accepted"] == true) {
        assert_eq!(v["complete"], true, "{v:#}");
    }

    // The same inventory as the Rust API's, once what differs between runs is removed.
    let target = Target::new("127.0.0.1", port).unwrap();
    let options = rdp_probe_core::inventory::InventoryOptions {
        timeouts: rdp_probe_core::Timeouts::uniform(std::time::Duration::from_secs(3)),
        max_connections: 4,
        ..Default::default()
    };
    let rust = runtime.block_on(rdp_probe_core::inventory::inventory(&target, &options));
    assert_eq!(
        inventory_without_run_facts(&rust.to_json()),
        inventory_without_run_facts(&read.json)
    );

    // One connection at a time, and only the suite each version prefers.
    let narrow = inventory_of(port, 3000, |b| {
        // SAFETY: `b` is a live builder.
        unsafe {
            assert_eq!(
                rdp_probe_config_builder_set_max_connections(b, 1),
                rdp_probe_result::Ok
            );
            assert_eq!(
                rdp_probe_config_builder_set_cipher_suites(b, false),
                rdp_probe_result::Ok
            );
        }
    });
    let narrow_json = assert_accessors_match_json(&narrow);
    assert_eq!(narrow_json["max_concurrent_connections"], 1);
    assert!(
        narrow_json["connections"].as_u64() < json["connections"].as_u64(),
        "{} connections without the suites, {} with them",
        narrow_json["connections"],
        json["connections"]
    );
    for v in narrow_json["tls"]["versions"]
        .as_object()
        .unwrap()
        .values()
        .filter(|v| v["accepted"] == true)
    {
        assert_eq!(v["complete"], false, "{v:#}");
        assert_eq!(v["cipher_suites"].as_array().unwrap().len(), 1, "{v:#}");
    }
    assert_eq!(narrow.credssp_version, Some(2));

    // Only the X.224 step: the same protocols and NLA, no TLS and no CredSSP connection.
    let negotiated = inventory_of(port, 3000, |b| {
        // SAFETY: `b` is a live builder.
        let r = unsafe { rdp_probe_config_builder_set_negotiate_only(b, true) };
        assert_eq!(r, rdp_probe_result::Ok);
    });
    let negotiated_json = assert_accessors_match_json(&negotiated);
    assert_eq!(negotiated_json["protocols"], json["protocols"]);
    assert_eq!(negotiated.nla, read.nla);
    assert_eq!(negotiated_json["tls"], Value::Null, "{negotiated_json:#}");
    assert_eq!(
        negotiated_json["credssp"],
        Value::Null,
        "{negotiated_json:#}"
    );
    assert_eq!(negotiated.credssp_version, None);
    assert!(
        negotiated_json["connections"].as_u64() < narrow_json["connections"].as_u64(),
        "{negotiated_json:#}"
    );
    drop(running);
}

#[test]
fn the_inventory_of_a_refused_port_is_not_reachable() {
    let port = dead_port();
    let read = inventory_of(port, 2000, |_| {});
    let json = assert_accessors_match_json(&read);
    assert!(!read.reachable);
    assert_eq!(json["error"]["phase"], "tcp_connect", "{json:#}");
    assert!(
        read.error.as_deref().unwrap().contains("refused"),
        "{json:#}"
    );
    assert_eq!(read.nla, rdp_probe_nla::Unknown);
    assert_eq!(read.credssp_version, None);
    assert!(read.findings.is_empty());
    assert_eq!(json["connections"], 1, "one clear answer: {json:#}");
}

#[test]
fn inventory_arguments_are_checked() {
    let b = rdp_probe_config_builder_new();
    let cancel = rdp_probe_cancel_new();
    let mut config = ptr::null();
    let mut inv = ptr::null_mut();
    let mut reachable = false;
    let mut nla = rdp_probe_nla::Required;
    let mut value = 0u32;
    let mut count = 0usize;
    let mut needed = 0usize;
    // SAFETY: live handles or NULL, valid out-pointers; each handle freed once.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_max_connections(ptr::null_mut(), 8),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_set_cipher_suites(ptr::null_mut(), true),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_config_builder_set_negotiate_only(ptr::null_mut(), true),
            rdp_probe_result::NullParameter
        );
        for bad in [0, 65, 1000, u16::MAX] {
            assert_eq!(
                rdp_probe_config_builder_set_max_connections(b, bad),
                rdp_probe_result::InvalidMaxConnections,
                "{bad}"
            );
        }
        for good in [1, 8, 64] {
            assert_eq!(
                rdp_probe_config_builder_set_max_connections(b, good),
                rdp_probe_result::Ok,
                "{good}"
            );
        }
        for enumerate in [false, true] {
            assert_eq!(
                rdp_probe_config_builder_set_cipher_suites(b, enumerate),
                rdp_probe_result::Ok
            );
        }
        assert_eq!(
            rdp_probe_config_builder_set_target(b, c"127.0.0.1".as_ptr(), 9),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_inventory_run(ptr::null(), ptr::null(), &mut inv),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_run(config, ptr::null(), ptr::null_mut()),
            rdp_probe_result::NullParameter
        );
        // A triggered token: no inventory, nothing written.
        assert_eq!(rdp_probe_cancel_trigger(cancel), rdp_probe_result::Ok);
        assert_eq!(
            rdp_probe_inventory_run(config, cancel, &mut inv),
            rdp_probe_result::Cancelled
        );
        assert!(inv.is_null());
        let null = ptr::null::<rdp_probe_inventory>();
        assert_eq!(
            rdp_probe_inventory_reachable(null, &mut reachable),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_nla(null, &mut nla),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_credssp_version(null, &mut value),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_finding_count(null, &mut count),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_finding_id(null, 0, ptr::null_mut(), 0, &mut needed),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_json(null, ptr::null_mut(), 0, &mut needed),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_inventory_error_message(null, ptr::null_mut(), 0, &mut needed),
            rdp_probe_result::NullParameter
        );
        rdp_probe_inventory_free(ptr::null_mut());
        rdp_probe_cancel_free(cancel);
        rdp_probe_config_free(config);
        rdp_probe_config_builder_free(b);
    }
    assert_eq!(
        result_message(rdp_probe_result::InvalidMaxConnections),
        "invalid_max_connections: the inventory's connection limit must be 1 to 64"
    );
    assert_eq!(
        result_message(rdp_probe_result::IndexOutOfRange),
        "index_out_of_range: the index is not below the count its accessor reports"
    );
}

#[test]
fn inventory_from_inside_a_tokio_runtime_does_not_panic() {
    // As `rdp_probe_run`: the inventory moves to a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let port = dead_port();
    let read = runtime.block_on(async move { inventory_of(port, 2000, |_| {}) });
    assert!(!read.reachable);
}

// ---- Fleet scans (rdp_probe_scan_*) --------------------------------------------------------------

use rdp_probe_lab::scripted::{Hostility, Point, Scenario, ScriptedServer};

/// Scan tests that count the scan's threads take this, so that no other scan runs meanwhile.
static SCAN_THREADS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The threads of this process named `rdp-probe-scan` (each scan's own).
fn scan_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "rdp-probe-scan")
        .count()
}

/// Scripted servers on 127.0.11.`first`, `first + 1`, ... (one per scenario; `None`: nothing
/// listens there), all on one port, chosen free on the first address (which must have a server).
fn scan_fleet(
    first: u8,
    scenarios: &[Option<Scenario>],
) -> (tokio::runtime::Runtime, Vec<ScriptedServer>, u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (servers, port) = rt.block_on(async {
        let mut servers = Vec::new();
        let mut port = 0;
        for (i, scenario) in scenarios.iter().enumerate() {
            let addr = std::net::SocketAddr::from(([127, 0, 11, first + i as u8], port));
            match scenario {
                Some(s) => {
                    let server = ScriptedServer::start_at(*s, addr).await.unwrap();
                    port = server.addr().port();
                    servers.push(server);
                }
                None => assert_ne!(i, 0, "the first address needs a server"),
            }
        }
        (servers, port)
    });
    (rt, servers, port)
}

/// A config with these limits (ms; three times that overall) for every probe of a scan; its
/// target is not used.
fn scan_config(limit_ms: u32) -> *const rdp_probe_config {
    let b = rdp_probe_config_builder_new();
    let mut config = ptr::null();
    // SAFETY: a live builder, valid out-pointer; the builder is freed once.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, c"unused".as_ptr(), 3389),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_set_timeouts(b, limit_ms, limit_ms, limit_ms * 3),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_config_builder_build(b, &mut config),
            rdp_probe_result::Ok
        );
        rdp_probe_config_builder_free(b);
    }
    config
}

/// Starts a scan and returns its handle.
fn start_scan(
    config: *const rdp_probe_config,
    targets: &str,
    port: u16,
    mode: rdp_probe_scan_mode,
    concurrency: u32,
    cancel: *const rdp_probe_cancel,
) -> *mut rdp_probe_scan {
    start_scan_with(
        config,
        targets,
        port,
        mode,
        concurrency,
        ptr::null(),
        cancel,
    )
}

/// Starts a scan with `options` (NULL or live) and returns its handle.
fn start_scan_with(
    config: *const rdp_probe_config,
    targets: &str,
    port: u16,
    mode: rdp_probe_scan_mode,
    concurrency: u32,
    options: *const rdp_probe_scan_options,
    cancel: *const rdp_probe_cancel,
) -> *mut rdp_probe_scan {
    let targets = CString::new(targets).unwrap();
    let mut scan = ptr::null_mut();
    // SAFETY: live or NULL handles, a live CString, a valid out-pointer.
    let r = unsafe {
        rdp_probe_scan_start(
            config,
            targets.as_ptr(),
            ptr::null(),
            port,
            mode as u32,
            concurrency,
            options,
            cancel,
            &mut scan,
        )
    };
    assert_eq!(r, rdp_probe_result::Ok);
    assert!(!scan.is_null());
    scan
}

/// The next report, through the buffer convention (size query first: the report stays until a
/// buffer big enough takes it), or how the scan ended.
fn next_report(scan: *const rdp_probe_scan) -> Result<String, rdp_probe_result> {
    let mut needed = usize::MAX;
    // SAFETY: a live scan; NULL with length 0 asks for the size.
    match unsafe { rdp_probe_scan_next(scan, ptr::null_mut(), 0, &mut needed) } {
        rdp_probe_result::BufferTooSmall => {}
        end => {
            assert_eq!(needed, 0, "{end:?}");
            return Err(end);
        }
    }
    // One byte short: still too small, and the report stays.
    let mut buf = vec![0u8; needed];
    let mut again = 0usize;
    // SAFETY: `buf` is valid for `needed - 1` bytes.
    let r = unsafe { rdp_probe_scan_next(scan, buf.as_mut_ptr().cast(), needed - 1, &mut again) };
    assert_eq!((r, again), (rdp_probe_result::BufferTooSmall, needed));
    // SAFETY: `buf` is valid for `needed` bytes.
    let r = unsafe { rdp_probe_scan_next(scan, buf.as_mut_ptr().cast(), needed, &mut again) };
    assert_eq!((r, again), (rdp_probe_result::Ok, needed));
    assert_eq!(buf.pop(), Some(0), "NUL-terminated");
    Ok(String::from_utf8(buf).unwrap())
}

/// Every report left, keyed by `host:port` (each at most once), and how the scan ended.
fn drain(scan: *const rdp_probe_scan) -> (BTreeMap<String, String>, rdp_probe_result) {
    let mut reports = BTreeMap::new();
    loop {
        match next_report(scan) {
            Ok(json) => {
                let v: Value = serde_json::from_str(&json).unwrap();
                let key = format!(
                    "{}:{}",
                    v["target"]["host"].as_str().unwrap(),
                    v["target"]["port"]
                );
                assert!(reports.insert(key.clone(), json).is_none(), "{key} twice");
            }
            Err(end) => return (reports, end),
        }
    }
}

use std::collections::BTreeMap;

#[test]
fn a_scan_gives_each_host_its_single_host_report() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let scenarios = [
        Some(Scenario::Healthy),
        Some(Scenario::NtlmChallenge { version: 6 }),
        Some(Scenario::Hostile {
            at: Point::ConnectionRequest,
            how: Hostility::Silence,
        }),
        Some(Scenario::Hostile {
            at: Point::ConnectionRequest,
            how: Hostility::Reset,
        }),
        Some(Scenario::Http),
        None,
    ];
    let (rt, servers, port) = scan_fleet(0, &scenarios);
    let limit_ms = 1000;
    let config = scan_config(limit_ms);
    // A comment, a duplicate, two malformed items and an exclusion-free list of six hosts.
    let text = "127.0.11.0-5  # the fleet\n127.0.11.3\n10.0.0.0/24:3390, bad_name!\n";
    let scan = start_scan(
        config,
        text,
        port,
        rdp_probe_scan_mode::Diagnose,
        4,
        ptr::null(),
    );
    let (mut count, mut skipped) = (0u64, 0usize);
    // SAFETY: a live scan, valid out-pointers.
    unsafe {
        assert_eq!(
            rdp_probe_scan_target_count(scan, &mut count),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_scan_skipped_count(scan, &mut skipped),
            rdp_probe_result::Ok
        );
    }
    assert_eq!((count, skipped), (6, 2));
    let lines: Vec<String> = (0..skipped)
        .map(|i| {
            // SAFETY: a live scan; the buffers come from `string`.
            string(|b, l, n| unsafe { rdp_probe_scan_skipped_line(scan, i, b, l, n) }).unwrap()
        })
        .collect();
    assert!(
        lines[0].starts_with("line 3: \"10.0.0.0/24:3390\": "),
        "{lines:?}"
    );
    assert!(lines[1].starts_with("line 3: \"bad_name!\": "), "{lines:?}");
    let mut needed = 0usize;
    // SAFETY: a live scan.
    let r = unsafe { rdp_probe_scan_skipped_line(scan, 2, ptr::null_mut(), 0, &mut needed) };
    assert_eq!(r, rdp_probe_result::IndexOutOfRange);

    let (reports, end) = drain(scan);
    assert_eq!(end, rdp_probe_result::ScanDone);
    // Once over, always over.
    assert_eq!(next_report(scan), Err(rdp_probe_result::ScanDone));
    // SAFETY: each handle freed once.
    unsafe {
        rdp_probe_scan_free(scan);
        rdp_probe_config_free(config);
    }
    assert_eq!(reports.len(), 6, "{:?}", reports.keys());
    let options = rdp_probe_core::ProbeOptions {
        timeouts: rdp_probe_core::Timeouts {
            connect: std::time::Duration::from_millis(limit_ms.into()),
            phase: std::time::Duration::from_millis(limit_ms.into()),
            overall: std::time::Duration::from_millis((limit_ms * 3).into()),
        },
        ..Default::default()
    };
    let mut verdicts = std::collections::BTreeSet::new();
    for i in 0..6u8 {
        let host = format!("127.0.11.{i}");
        let target = Target::new(&host, port).unwrap();
        let single = rt
            .block_on(rdp_probe_core::probe(&target, &options))
            .to_json();
        let scanned = &reports[&format!("{host}:{port}")];
        // Timings out, and the server's NTLM clock (a second may tick between the two probes).
        assert_eq!(
            inventory_without_run_facts(scanned),
            inventory_without_run_facts(&single),
            "{host}"
        );
        verdicts.insert(
            without_timings(scanned)["verdict"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for v in ["connected", "needs_credentials", "failed"] {
        assert!(verdicts.contains(v), "{verdicts:?}");
    }
    drop(servers);
}

#[test]
fn inventory_and_negotiate_scans_give_each_host_its_inventory() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let scenarios = [
        Some(Scenario::NtlmChallenge { version: 2 }),
        Some(Scenario::Healthy),
        None,
    ];
    let (rt, servers, port) = scan_fleet(16, &scenarios);
    let limit_ms = 2000;
    let config = scan_config(limit_ms);
    let timeouts =
        rdp_probe_core::Timeouts::uniform(std::time::Duration::from_millis(limit_ms.into()));
    for mode in [
        rdp_probe_scan_mode::Inventory,
        rdp_probe_scan_mode::Negotiate,
    ] {
        let scan = start_scan(config, "127.0.11.16-18", port, mode, 3, ptr::null());
        let (reports, end) = drain(scan);
        // SAFETY: freed once.
        unsafe { rdp_probe_scan_free(scan) };
        assert_eq!(end, rdp_probe_result::ScanDone);
        assert_eq!(reports.len(), 3, "{mode:?}");
        let options = rdp_probe_core::inventory::InventoryOptions {
            timeouts,
            negotiate_only: mode == rdp_probe_scan_mode::Negotiate,
            ..Default::default()
        };
        for i in 16..19u8 {
            let host = format!("127.0.11.{i}");
            let target = Target::new(&host, port).unwrap();
            let single = rt
                .block_on(rdp_probe_core::inventory::inventory(&target, &options))
                .to_json();
            let scanned = &reports[&format!("{host}:{port}")];
            assert_eq!(
                inventory_without_run_facts(scanned),
                inventory_without_run_facts(&single),
                "{mode:?} {host}"
            );
            let v: Value = serde_json::from_str(scanned).unwrap();
            assert_eq!(v["schema"], "rdp-probe-inventory/1");
            if mode == rdp_probe_scan_mode::Negotiate {
                assert_eq!(v["tls"], Value::Null, "{v:#}");
            }
        }
    }
    // SAFETY: freed once.
    unsafe { rdp_probe_config_free(config) };
    drop(servers);
}

#[test]
fn a_scan_pauses_while_its_reports_are_not_fetched() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Twelve addresses where nothing listens: each probe ends at once, refused.
    let config = scan_config(1000);
    let port = dead_port();
    let scan = start_scan(
        config,
        "127.0.11.32-43",
        port,
        rdp_probe_scan_mode::Negotiate,
        2,
        ptr::null(),
    );
    // Nothing fetched: two probes (the concurrency) ran, and no third started.
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: a live scan.
    assert_eq!(unsafe { rdp_probe_scan_stop(scan) }, rdp_probe_result::Ok);
    // SAFETY: a live scan; stopping twice is fine.
    assert_eq!(unsafe { rdp_probe_scan_stop(scan) }, rdp_probe_result::Ok);
    let (reports, end) = drain(scan);
    assert_eq!(end, rdp_probe_result::ScanDone);
    assert_eq!(reports.len(), 2, "{:?}", reports.keys());
    for json in reports.values() {
        assert_eq!(
            serde_json::from_str::<Value>(json).unwrap()["error"]["phase"],
            "tcp_connect"
        );
    }
    // SAFETY: each freed once.
    unsafe {
        rdp_probe_scan_free(scan);
        rdp_probe_config_free(config);
    }
}

#[test]
fn a_stopped_scan_returns_its_finished_reports_then_done() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let silent = Some(Scenario::Hostile {
        at: Point::ConnectionRequest,
        how: Hostility::Silence,
    });
    let scenarios = vec![silent; 12];
    let (_rt, servers, port) = scan_fleet(48, &scenarios);
    let config = scan_config(500);
    let scan = start_scan(
        config,
        "127.0.11.48-59",
        port,
        rdp_probe_scan_mode::Diagnose,
        3,
        ptr::null(),
    );
    let first = next_report(scan).unwrap();
    assert!(first.contains("\"timeout\""), "{first}");
    // SAFETY: a live scan.
    assert_eq!(unsafe { rdp_probe_scan_stop(scan) }, rdp_probe_result::Ok);
    let (rest, end) = drain(scan);
    assert_eq!(end, rdp_probe_result::ScanDone);
    // The probes in flight at the stop finished and came out; nothing else started.
    assert!((2..=3).contains(&rest.len()), "{:?}", rest.keys());
    for json in rest.values() {
        let v: Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["failure"]["kind"], "timeout", "{v:#}");
    }
    assert_eq!(next_report(scan), Err(rdp_probe_result::ScanDone));
    // SAFETY: each freed once.
    unsafe {
        rdp_probe_scan_free(scan);
        rdp_probe_config_free(config);
    }
    assert_eq!(scan_threads(), 0);
    drop(servers);
}

#[test]
fn freeing_a_scan_that_runs_joins_its_thread_promptly() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let silent = Some(Scenario::Hostile {
        at: Point::ConnectionRequest,
        how: Hostility::Silence,
    });
    let (_rt, servers, port) = scan_fleet(64, &[silent, silent, silent]);
    // Limits far beyond what the test waits: only freeing can end these probes early.
    let config = scan_config(60_000);
    let cancel = rdp_probe_cancel_new();
    let scan = start_scan(
        config,
        "127.0.11.64-66",
        port,
        rdp_probe_scan_mode::Diagnose,
        8,
        ptr::null(),
    );
    let cancelled = start_scan(
        config,
        "127.0.11.64-66",
        port,
        rdp_probe_scan_mode::Inventory,
        8,
        cancel,
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(scan_threads(), 2);
    let started = std::time::Instant::now();
    // SAFETY: live handles.
    unsafe { assert_eq!(rdp_probe_cancel_trigger(cancel), rdp_probe_result::Ok) };
    // A triggered token: nothing finished, so CANCELLED at once, and again.
    assert_eq!(next_report(cancelled), Err(rdp_probe_result::Cancelled));
    assert_eq!(next_report(cancelled), Err(rdp_probe_result::Cancelled));
    // SAFETY: each freed once; `scan` was never drained.
    unsafe {
        rdp_probe_scan_free(scan);
        rdp_probe_scan_free(cancelled);
        rdp_probe_cancel_free(cancel);
        rdp_probe_config_free(config);
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(scan_threads(), 0, "every scan thread has ended");
    drop(servers);
}

#[test]
fn scan_arguments_are_checked() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let cancel = rdp_probe_cancel_new();
    let mut scan = ptr::null_mut();
    let mut needed = 0usize;
    let mut count = 0usize;
    let start = |targets: *const c_char, port: u16, mode: u32, concurrency: u32, cancel, out| {
        // SAFETY: NULL or live arguments.
        unsafe {
            rdp_probe_scan_start(
                ptr::null(),
                targets,
                ptr::null(),
                port,
                mode,
                concurrency,
                ptr::null(),
                cancel,
                out,
            )
        }
    };
    let ok = c"127.0.0.1".as_ptr();
    let diagnose = rdp_probe_scan_mode::Diagnose as u32;
    assert_eq!(
        start(ptr::null(), 3389, diagnose, 1, ptr::null(), &mut scan),
        rdp_probe_result::NullParameter
    );
    assert_eq!(
        start(ok, 3389, diagnose, 1, ptr::null(), ptr::null_mut()),
        rdp_probe_result::NullParameter
    );
    assert_eq!(
        start(c"\xff".as_ptr(), 3389, diagnose, 1, ptr::null(), &mut scan),
        rdp_probe_result::InvalidUtf8
    );
    assert_eq!(
        start(ok, 0, diagnose, 1, ptr::null(), &mut scan),
        rdp_probe_result::InvalidPort
    );
    assert_eq!(
        start(ok, 3389, 3, 1, ptr::null(), &mut scan),
        rdp_probe_result::InvalidScanMode
    );
    assert_eq!(
        start(ok, 3389, u32::MAX, 1, ptr::null(), &mut scan),
        rdp_probe_result::InvalidScanMode
    );
    for bad in [0, 65_537, u32::MAX] {
        assert_eq!(
            start(ok, 3389, diagnose, bad, ptr::null(), &mut scan),
            rdp_probe_result::InvalidConcurrency
        );
    }
    assert_eq!(
        start(
            c"10.0.0.0/8".as_ptr(),
            3389,
            diagnose,
            1,
            ptr::null(),
            &mut scan
        ),
        rdp_probe_result::TooManyTargets
    );
    // SAFETY: a live token.
    unsafe { assert_eq!(rdp_probe_cancel_trigger(cancel), rdp_probe_result::Ok) };
    assert_eq!(
        start(ok, 3389, diagnose, 1, cancel, &mut scan),
        rdp_probe_result::Cancelled
    );
    assert!(scan.is_null(), "nothing written on error");
    // An empty list (all skipped) is a scan that is over at once.
    let empty = start_scan(
        ptr::null(),
        "# nothing\n:3389\n",
        3389,
        rdp_probe_scan_mode::Negotiate,
        65_536,
        ptr::null(),
    );
    // SAFETY: a live scan, NULL handles and pointers on purpose.
    unsafe {
        assert_eq!(
            rdp_probe_scan_skipped_count(empty, &mut count),
            rdp_probe_result::Ok
        );
        assert_eq!(count, 1);
        assert_eq!(
            rdp_probe_scan_next(empty, ptr::null_mut(), 0, ptr::null_mut()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_next(empty, ptr::null_mut(), 8, &mut needed),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_next(ptr::null(), ptr::null_mut(), 0, &mut needed),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_stop(ptr::null()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_skipped_count(ptr::null(), &mut count),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_skipped_count(empty, ptr::null_mut()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_target_count(ptr::null(), ptr::null_mut()),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_skipped_line(ptr::null(), 0, ptr::null_mut(), 0, &mut needed),
            rdp_probe_result::NullParameter
        );
    }
    assert_eq!(next_report(empty), Err(rdp_probe_result::ScanDone));
    // SAFETY: each freed once; NULL is ignored.
    unsafe {
        rdp_probe_scan_free(empty);
        rdp_probe_scan_free(ptr::null_mut());
        rdp_probe_cancel_free(cancel);
    }
    for (code, text) in [
        (
            rdp_probe_result::InvalidScanMode,
            "invalid_scan_mode: the scan mode is not a rdp_probe_scan_mode",
        ),
        (
            rdp_probe_result::InvalidConcurrency,
            "invalid_concurrency: a scan's concurrency must be 1 to 65536",
        ),
        (
            rdp_probe_result::ScanDone,
            "scan_done: the scan is over and every report has been fetched",
        ),
    ] {
        assert_eq!(result_message(code), text);
    }
    assert!(result_message(rdp_probe_result::TooManyTargets).starts_with("too_many_targets: "));
}

/// New scan options with `set` applied (each setter must succeed).
fn scan_options(set: impl FnOnce(*mut rdp_probe_scan_options)) -> *mut rdp_probe_scan_options {
    let options = rdp_probe_scan_options_new();
    assert!(!options.is_null());
    set(options);
    options
}

#[test]
fn scan_options_are_checked() {
    let options = rdp_probe_scan_options_new();
    // SAFETY: live options, or NULL on purpose; freed once.
    unsafe {
        for bad in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                rdp_probe_scan_options_set_rate(options, bad),
                rdp_probe_result::InvalidRate,
                "{bad}"
            );
        }
        for good in [0.0, 0.5, 10_000.0] {
            assert_eq!(
                rdp_probe_scan_options_set_rate(options, good),
                rdp_probe_result::Ok
            );
        }
        for (k, n) in [(0, 0), (2, 2), (5, 1), (u64::MAX, u64::MAX)] {
            assert_eq!(
                rdp_probe_scan_options_set_shard(options, k, n),
                rdp_probe_result::InvalidShard,
                "{k}/{n}"
            );
        }
        assert_eq!(
            rdp_probe_scan_options_set_shard(options, 3, 4),
            rdp_probe_result::Ok
        );
        assert_eq!(
            rdp_probe_scan_options_set_max_targets(options, 0),
            rdp_probe_result::InvalidMaxTargets
        );
        for ms in [0, 1, u64::MAX] {
            assert_eq!(
                rdp_probe_scan_options_set_deadline_ms(options, ms),
                rdp_probe_result::Ok
            );
        }
        assert_eq!(
            rdp_probe_scan_options_set_rate(ptr::null_mut(), 1.0),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_options_set_deadline_ms(ptr::null_mut(), 1),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_options_set_shard(ptr::null_mut(), 0, 1),
            rdp_probe_result::NullParameter
        );
        assert_eq!(
            rdp_probe_scan_options_set_max_targets(ptr::null_mut(), 1),
            rdp_probe_result::NullParameter
        );
        rdp_probe_scan_options_free(options);
        rdp_probe_scan_options_free(ptr::null_mut());
    }
    for (code, name) in [
        (rdp_probe_result::InvalidRate, "invalid_rate: "),
        (rdp_probe_result::InvalidShard, "invalid_shard: "),
        (rdp_probe_result::InvalidMaxTargets, "invalid_max_targets: "),
        (rdp_probe_result::ScanDeadline, "scan_deadline: "),
    ] {
        assert!(result_message(code).starts_with(name), "{code:?}");
    }
}

#[test]
fn a_raised_target_limit_and_a_shard_set_the_scans_count() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // 2^24 targets: above the default limit, so refused...
    let block = c"127.0.0.0/8";
    let mut scan = ptr::null_mut();
    let start = |options: *const rdp_probe_scan_options, out: *mut *mut rdp_probe_scan| {
        // SAFETY: NULL or live arguments.
        unsafe {
            rdp_probe_scan_start(
                ptr::null(),
                block.as_ptr(),
                ptr::null(),
                // Nothing listens there: each probe that starts before the stop is refused at once.
                1,
                rdp_probe_scan_mode::Negotiate as u32,
                1,
                options,
                ptr::null(),
                out,
            )
        }
    };
    assert_eq!(
        start(ptr::null(), &mut scan),
        rdp_probe_result::TooManyTargets
    );
    let too_low = scan_options(|o| {
        // SAFETY: live options.
        let r = unsafe { rdp_probe_scan_options_set_max_targets(o, (1 << 24) - 1) };
        assert_eq!(r, rdp_probe_result::Ok);
    });
    assert_eq!(start(too_low, &mut scan), rdp_probe_result::TooManyTargets);
    assert!(scan.is_null());
    // ...and taken once the limit is raised; the count is the shard's (a quarter).
    let raised = scan_options(|o| {
        // SAFETY: live options.
        unsafe {
            assert_eq!(
                rdp_probe_scan_options_set_max_targets(o, 1 << 24),
                rdp_probe_result::Ok
            );
            assert_eq!(
                rdp_probe_scan_options_set_shard(o, 1, 4),
                rdp_probe_result::Ok
            );
        }
    });
    assert_eq!(start(raised, &mut scan), rdp_probe_result::Ok);
    // SAFETY: the scan copied the options; each freed once.
    unsafe {
        rdp_probe_scan_options_free(raised);
        rdp_probe_scan_options_free(too_low);
    }
    let mut count = 0u64;
    // SAFETY: a live scan, freed once.
    unsafe {
        assert_eq!(rdp_probe_scan_stop(scan), rdp_probe_result::Ok);
        assert_eq!(
            rdp_probe_scan_target_count(scan, &mut count),
            rdp_probe_result::Ok
        );
        rdp_probe_scan_free(scan);
    }
    assert_eq!(count, 1 << 22);
    assert_eq!(scan_threads(), 0);
}

#[test]
fn shards_of_a_scan_give_every_host_once_between_them() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let scenarios = vec![Some(Scenario::Healthy); 5];
    let (_rt, servers, port) = scan_fleet(80, &scenarios);
    let mut seen = BTreeMap::new();
    for k in 0..3u64 {
        let options = scan_options(|o| {
            // SAFETY: live options.
            let r = unsafe { rdp_probe_scan_options_set_shard(o, k, 3) };
            assert_eq!(r, rdp_probe_result::Ok);
        });
        let scan = start_scan_with(
            ptr::null(),
            "127.0.11.80-84",
            port,
            rdp_probe_scan_mode::Negotiate,
            4,
            options,
            ptr::null(),
        );
        // SAFETY: the scan copied them.
        unsafe { rdp_probe_scan_options_free(options) };
        let mut count = 0u64;
        // SAFETY: a live scan.
        unsafe { rdp_probe_scan_target_count(scan, &mut count) };
        let (reports, end) = drain(scan);
        assert_eq!(end, rdp_probe_result::ScanDone);
        // 5 targets in 3 shards: 2, 2 and 1, in the list's order modulo 3.
        assert_eq!(count, if k < 2 { 2 } else { 1 });
        assert_eq!(reports.len() as u64, count);
        for (host, json) in reports {
            let v: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(v["error"], Value::Null, "{v:#}");
            assert!(
                seen.insert(host.clone(), k).is_none(),
                "{host} in two shards"
            );
        }
        // SAFETY: freed once.
        unsafe { rdp_probe_scan_free(scan) };
    }
    let expected: Vec<String> = (80..85).map(|i| format!("127.0.11.{i}:{port}")).collect();
    assert_eq!(seen.keys().cloned().collect::<Vec<_>>(), expected);
    // Target i of the list is in shard i % 3.
    for (i, host) in expected.iter().enumerate() {
        assert_eq!(seen[host], i as u64 % 3, "{host}");
    }
    drop(servers);
}

/// A negotiate scan of `targets` at `rate` probes per second with a deadline (0: none): its
/// reports, how it ended, and how long it took.
fn paced_scan(
    targets: &str,
    port: u16,
    rate: f64,
    deadline_ms: u64,
) -> (
    BTreeMap<String, String>,
    rdp_probe_result,
    std::time::Duration,
) {
    let options = scan_options(|o| {
        // SAFETY: live options.
        let r = unsafe { rdp_probe_scan_options_set_rate(o, rate) };
        assert_eq!(r, rdp_probe_result::Ok);
        // SAFETY: live options.
        let r = unsafe { rdp_probe_scan_options_set_deadline_ms(o, deadline_ms) };
        assert_eq!(r, rdp_probe_result::Ok);
    });
    let started = std::time::Instant::now();
    let scan = start_scan_with(
        ptr::null(),
        targets,
        port,
        rdp_probe_scan_mode::Negotiate,
        3,
        options,
        ptr::null(),
    );
    // SAFETY: the scan copied them; freed once.
    unsafe { rdp_probe_scan_options_free(options) };
    let (reports, end) = drain(scan);
    // The end is said again on every later call.
    assert_eq!(next_report(scan), Err(end));
    // SAFETY: freed once.
    unsafe { rdp_probe_scan_free(scan) };
    (reports, end, started.elapsed())
}

#[test]
fn a_deadline_ends_a_paced_scan_with_targets_left() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let scenarios = vec![Some(Scenario::Healthy); 3];
    let (_rt, servers, port) = scan_fleet(96, &scenarios);
    let fleet = "127.0.11.96-98";
    // One probe per second, and no new probe after 300 ms: only the first starts.
    let (reports, end, took) = paced_scan(fleet, port, 1.0, 300);
    assert_eq!(end, rdp_probe_result::ScanDeadline);
    assert_eq!(
        reports.keys().cloned().collect::<Vec<_>>(),
        vec![format!("127.0.11.96:{port}")]
    );
    assert!(took >= std::time::Duration::from_millis(300));
    // Paced without a deadline: every target, the starts spread over two intervals at least.
    let (reports, end, took) = paced_scan(fleet, port, 10.0, 0);
    assert_eq!(end, rdp_probe_result::ScanDone);
    assert_eq!(reports.len(), 3);
    assert!(took >= std::time::Duration::from_millis(200));
    assert_eq!(scan_threads(), 0);
    drop(servers);
}

#[test]
fn a_scan_from_inside_a_tokio_runtime_does_not_panic() {
    let _one = SCAN_THREADS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let port = dead_port();
    let (reports, end) = runtime.block_on(async move {
        let scan = start_scan(
            ptr::null(),
            "127.0.11.80-81",
            port,
            rdp_probe_scan_mode::Negotiate,
            2,
            ptr::null(),
        );
        let drained = drain(scan);
        // SAFETY: freed once.
        unsafe { rdp_probe_scan_free(scan) };
        drained
    });
    assert_eq!((reports.len(), end), (2, rdp_probe_result::ScanDone));
}
