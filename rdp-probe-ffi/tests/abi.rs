//! The C ABI from Rust: every non-hostile lab scenario probed through `rdp_probe_run` yields the
//! verdict the lab's catalog expects, and the same JSON as the Rust API once timings are removed;
//! the result codes keep their numbers; the checked-in header agrees with the enums; the legacy-TLS
//! mode is checked and reaches the probe.

// Tests play the C caller: one unsafe block per call sequence, unwrap on fixtures.
#![allow(clippy::unwrap_used, clippy::multiple_unsafe_ops_per_block)]

use std::ffi::{CString, c_char};
use std::ptr;

use rdp_probe::*;
use rdp_probe_core::Target;
use rdp_probe_lab::catalog::{self, Entry};
use serde_json::Value;

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

/// A config for `entry`'s setup against `port`, made through the C ABI only.
fn config_for(entry: &Entry, port: u16) -> *const rdp_probe_config {
    let setup = &entry.setup;
    let b = rdp_probe_config_builder_new();
    let host = CString::new("127.0.0.1").unwrap();
    // SAFETY: `b` is a live builder and every string a live CString for the call.
    unsafe {
        assert_eq!(
            rdp_probe_config_builder_set_target(b, host.as_ptr(), port),
            rdp_probe_result::Ok
        );
        if let Some((user, password)) = setup.credentials.user_password() {
            let (user, password) = (CString::new(user).unwrap(), CString::new(password).unwrap());
            let r = rdp_probe_config_builder_set_credentials(
                b,
                user.as_ptr(),
                ptr::null(),
                password.as_ptr(),
            );
            assert_eq!(r, rdp_probe_result::Ok);
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
        let port = running.addr().port();
        let config = config_for(entry, port);
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
        "errinfo-after-client-info-0x7",
    ] {
        let entry = catalog::find(name).unwrap();
        let running = runtime.block_on(entry.start()).unwrap();
        let port = running.addr().port();
        let target = Target::new("127.0.0.1", port).unwrap();
        let rust = runtime.block_on(rdp_probe_core::probe(&target, &entry.setup.options()));
        let config = config_for(&entry, port);
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
        assert_eq!(
            without_timings(&rust.to_json()),
            without_timings(&ffi),
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
        (rdp_probe_result::InvalidUtf8, 200),
        (rdp_probe_result::InvalidHost, 201),
        (rdp_probe_result::InvalidPort, 202),
        (rdp_probe_result::InvalidTimeout, 203),
        (rdp_probe_result::InvalidProtocols, 204),
        (rdp_probe_result::InvalidCertPolicy, 205),
        (rdp_probe_result::InvalidCredentials, 206),
        (rdp_probe_result::InvalidClientName, 207),
        (rdp_probe_result::InvalidLegacyTls, 208),
        (rdp_probe_result::Panic, 300),
        (rdp_probe_result::Runtime, 301),
        (rdp_probe_result::Cancelled, 400),
        (rdp_probe_result::NotPresent, 401),
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
    assert_eq!(rdp_probe_cert_policy::AcceptAny as u32, 0);
    assert_eq!(rdp_probe_cert_policy::RequireValid as u32, 1);
    assert_eq!(rdp_probe_legacy_tls::Off as u32, 0);
    assert_eq!(rdp_probe_legacy_tls::Follow as u32, 1);
    assert_eq!(rdp_probe_legacy_tls::Allow as u32, 2);
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
    ] {
        assert!(header.contains(export), "header lacks `{export}`");
    }
}

/// The report of one probe of `port` with `mode` (`None`: the builder's default) through the C ABI.
fn probe_with_legacy_tls(port: u16, mode: Option<rdp_probe_legacy_tls>) -> Value {
    let b = rdp_probe_config_builder_new();
    let host = CString::new("127.0.0.1").unwrap();
    let mut config = ptr::null();
    let mut report = ptr::null_mut();
    // SAFETY: live builder and strings, valid out-pointers; each handle freed once.
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
    let text = string(|b, l, n| {
        // SAFETY: the buffer comes from `string`.
        unsafe { rdp_probe_result_message(rdp_probe_result::InvalidLegacyTls as u32, b, l, n) }
    })
    .unwrap();
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
