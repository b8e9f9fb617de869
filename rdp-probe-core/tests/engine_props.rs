//! Property: whatever a server sends, the sans-IO engine never panics, always finishes, and ends with a
//! report that meets [`check_invariants`]. The frames are fed after valid prefixes built with the wire
//! encoders, so the hostile bytes reach every step (X.224, NLA after TLS, MCS, the session). Also the
//! replay of the engine fuzz target's regression seeds (`fuzz/regressions/engine/`).

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use proptest::prelude::*;
use rdp_probe_core::engine::transcript::{
    Event, Setup, Transcript, check_invariants, fuzz, server,
};
use rdp_probe_core::{
    CodeSpace, Credentials, Phase, ProbeOptions, Target, Timeouts, Verdict, VerdictKind,
};
use rdp_probe_wire::x224::{PROTOCOL_HYBRID, PROTOCOL_RDP};

fn setup(options: ProbeOptions) -> Setup {
    Setup::new(Target::new("127.0.0.1", 3389).unwrap()).with_options(options)
}

/// Runs `prefix` then `frames`, then the script runs out (the server closes); checks the contract.
fn drive(options: ProbeOptions, prefix: Vec<Event>, frames: Vec<Vec<u8>>) -> Transcript {
    let s = setup(options);
    let mut events = prefix;
    events.extend(frames.into_iter().map(Event::Frame));
    let t = s.run(events);
    if let Err(e) = t.check(&s.options) {
        panic!("{e}\n{:#?}", t.report);
    }
    t
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

/// Any server event, time and connection outcomes included.
fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Event::Frame),
        1 => Just(Event::Close),
        1 => Just(Event::Reset),
        1 => Just(Event::Silence),
        1 => (0u64..20_000).prop_map(|ms| Event::Advance(Duration::from_millis(ms))),
        1 => Just(Event::tls_ok()),
        1 => any::<u8>().prop_map(Event::tls_alert),
        1 => Just(Event::ConnectRefused),
    ]
}

fn options() -> impl Strategy<Value = ProbeOptions> {
    (any::<bool>(), 1u64..20, 1u64..40).prop_map(|(credentials, phase, overall)| ProbeOptions {
        credentials: credentials.then(|| Credentials::new("u", None, "p")),
        timeouts: Timeouts {
            connect: Duration::from_secs(phase),
            phase: Duration::from_secs(phase),
            overall: Duration::from_secs(overall),
        },
        ..ProbeOptions::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_at_x224(script in frames()) {
        drive(ProbeOptions::default(), Vec::new(), script);
    }

    #[test]
    fn arbitrary_tpkt_after_selecting_standard_security(script in tpkt_frames()) {
        drive(ProbeOptions::default(), vec![Event::Frame(server::confirm(PROTOCOL_RDP))], script);
    }

    #[test]
    fn arbitrary_tpkt_after_the_connect_response(script in tpkt_frames()) {
        let prefix = vec![
            Event::Frame(server::confirm(PROTOCOL_RDP)),
            Event::Frame(server::connect_response()),
        ];
        drive(ProbeOptions::default(), prefix, script);
    }

    #[test]
    fn arbitrary_tpkt_in_licensing(script in tpkt_frames()) {
        drive(ProbeOptions::default(), server::to_licensing(), script);
    }

    #[test]
    fn arbitrary_bytes_during_nla(script in frames(), credentials in any::<bool>()) {
        let options = ProbeOptions {
            credentials: credentials.then(|| Credentials::new("u", None, "p")),
            ..ProbeOptions::default()
        };
        drive(options, server::to_credssp(PROTOCOL_HYBRID), script);
    }

    /// Events of every kind, under random time limits: the invariants (deadlines included) hold.
    #[test]
    fn arbitrary_events_under_arbitrary_limits(
        options in options(),
        prefix in 0u8..8,
        events in prop::collection::vec(event(), 0..12),
    ) {
        let s = setup(options);
        let mut all = fuzz::prefix(prefix);
        all.extend(events);
        let t = s.run(all);
        prop_assert!(t.check(&s.options).is_ok(), "{:?}\n{:#?}", t.check(&s.options), t.report);
    }

    /// The fuzz target's input format, with random bytes.
    #[test]
    fn fuzz_format_random_inputs(data in prop::collection::vec(any::<u8>(), 0..400)) {
        prop_assert!(fuzz::check(&data).is_ok(), "{:?}", fuzz::check(&data));
    }
}

#[test]
fn a_server_that_closes_after_the_connect_response_fails_in_channel_connection() {
    let t = drive(
        ProbeOptions::default(),
        vec![
            Event::Frame(server::confirm(PROTOCOL_RDP)),
            Event::Frame(server::connect_response()),
        ],
        Vec::new(),
    );
    let f = t.report.failure().unwrap();
    assert_eq!(
        (f.phase, f.kind),
        (Phase::ChannelConnection, "connection_closed")
    );
    assert_eq!(t.report.mstsc().map(|m| m.disconnect_reason), Some(0x904));
}

#[test]
fn check_invariants_catches_broken_reports() {
    let s = setup(ProbeOptions::default());
    let good = s.run([Event::Frame(server::neg_failure(1))]).report;
    assert_eq!(check_invariants(&good, &s.options), Ok(()));
    // A stop in a phase other than the last one recorded.
    let mut stray_stop = s
        .run([
            Event::Frame(server::confirm(PROTOCOL_HYBRID)),
            Event::tls_ok(),
            Event::Frame(server::ntlm_challenge(6)),
        ])
        .report;
    if let Verdict::NeedsCredentials { stop } = &mut stray_stop.verdict {
        stop.phase = Phase::X224;
    }
    assert!(check_invariants(&stray_stop, &s.options).is_err());
    let mut too_long = good.clone();
    too_long.phases[2].elapsed_ms = s.options.timeouts.phase + Duration::from_millis(1);
    assert!(check_invariants(&too_long, &s.options).is_err());
    let mut wrong_phase = good;
    if let Verdict::Failed { failure, .. } = &mut wrong_phase.verdict {
        failure.phase = Phase::Tls;
    }
    assert!(check_invariants(&wrong_phase, &s.options).is_err());
}

// ----- the engine fuzz target's regression seeds -----

fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/engine")
}

#[test]
fn replay_engine_fuzz_regressions() {
    let mut paths: Vec<PathBuf> = fs::read_dir(seeds_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "{} seeds", paths.len());
    for path in paths {
        let data = fs::read(&path).unwrap();
        // Each prefix too: crash inputs are often truncations of seeds.
        for n in 0..=data.len() {
            if let Err(e) = fuzz::check(&data[..n]) {
                panic!("{} (first {n} bytes): {e}", path.display());
            }
        }
    }
}

/// The seeds are what their names say (guards against a seed that merely does not crash).
#[test]
fn engine_seeds_reach_their_verdicts() {
    let report = |name: &str| {
        let data = fs::read(seeds_dir().join(name)).unwrap();
        fuzz::run(&data).unwrap().1.report
    };
    let failure = |name: &str| {
        let r = report(name);
        let f = r.failure().unwrap_or_else(|| panic!("{name}: {r:#?}"));
        (f.phase, f.code.space, f.code.value)
    };
    assert_eq!(report("healthy.bin").verdict_kind(), VerdictKind::Connected);
    assert_eq!(
        failure("errinfo-after-client-info-0x7.bin"),
        (Phase::Licensing, CodeSpace::Errinfo, 7)
    );
    assert_eq!(
        failure("ssl-not-allowed-fallback.bin"),
        (Phase::Licensing, CodeSpace::Errinfo, 7)
    );
    assert_eq!(
        report("ntlm-challenge-no-credentials.bin").verdict_kind(),
        VerdictKind::NeedsCredentials
    );
    assert_eq!(
        failure("ntlm-challenge-close-after-authenticate.bin"),
        (Phase::Credssp, CodeSpace::Credssp, 1)
    );
    assert_eq!(
        failure("credssp-logon-failure.bin"),
        (Phase::Credssp, CodeSpace::Ntstatus, 0xC000_006D)
    );
    assert_eq!(
        failure("tls-alert-40.bin"),
        (Phase::Tls, CodeSpace::TlsAlert, 40)
    );
    assert_eq!(
        failure("silence-in-capabilities-short-limits.bin"),
        (Phase::Capabilities, CodeSpace::Timeout, 2000)
    );
    assert_eq!(
        failure("neg-failure-5.bin"),
        (Phase::X224, CodeSpace::NegFailure, 5)
    );
    assert_eq!(
        failure("license-error-6.bin"),
        (Phase::Licensing, CodeSpace::LicenseError, 6)
    );
    assert_eq!(
        report("standard-security-128bit-high-healthy.bin").verdict_kind(),
        VerdictKind::Connected
    );
    assert_eq!(
        failure("standard-security-fips-errinfo-0x7.bin"),
        (Phase::Licensing, CodeSpace::Errinfo, 7)
    );
}

/// The seeds of `engine_seeds_reach_their_verdicts` are these inputs: fails when a committed seed differs
/// (regenerate them with `RDP_PROBE_WRITE_ENGINE_SEEDS=1`).
#[test]
fn engine_seeds_are_current() {
    use fuzz::*;
    let config = |protocols: u8, credentials: bool, short: bool, prefix: u8| {
        protocols
            | if credentials { CONFIG_CREDENTIALS } else { 0 }
            | if short { CONFIG_SHORT_TIMEOUTS } else { 0 }
            | (prefix << CONFIG_PREFIX_SHIFT)
    };
    let to_licensing = [
        OP_BLOCK,
        BLOCK_CONFIRM,
        0,
        OP_BLOCK,
        BLOCK_CONNECT_RESPONSE,
        OP_BLOCK,
        BLOCK_ATTACH_USER_CONFIRM,
        0,
        OP_BLOCK,
        BLOCK_CHANNEL_JOIN_CONFIRM,
        0,
        1,
        OP_BLOCK,
        BLOCK_CHANNEL_JOIN_CONFIRM,
        0,
        0,
    ];
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut healthy = vec![config(0, false, false, 0)];
    healthy.extend(to_licensing);
    healthy.extend([
        OP_BLOCK,
        BLOCK_VALID_CLIENT,
        OP_BLOCK,
        BLOCK_DEMAND_ACTIVE,
        OP_BLOCK,
        BLOCK_FINALIZATION,
    ]);
    seeds.push(("healthy.bin", healthy));
    let mut errinfo = vec![config(0, false, false, 3)];
    errinfo.extend([OP_BLOCK, BLOCK_ERRINFO, 7, 0, 0, 0, OP_CLOSE]);
    seeds.push(("errinfo-after-client-info-0x7.bin", errinfo));
    let mut fallback = vec![
        config(0, false, false, 0),
        OP_BLOCK,
        BLOCK_NEG_FAILURE,
        2,
        OP_CLOSE,
    ];
    fallback.extend(to_licensing);
    fallback.extend([OP_BLOCK, BLOCK_ERRINFO, 7, 0, 0, 0, OP_CLOSE]);
    seeds.push(("ssl-not-allowed-fallback.bin", fallback));
    seeds.push((
        "ntlm-challenge-no-credentials.bin",
        vec![config(0, false, false, 6), OP_BLOCK, BLOCK_CHALLENGE, 6],
    ));
    seeds.push((
        "ntlm-challenge-close-after-authenticate.bin",
        vec![config(0, true, false, 7), OP_CLOSE],
    ));
    seeds.push((
        "credssp-logon-failure.bin",
        vec![
            config(0, false, false, 6),
            OP_BLOCK,
            BLOCK_CREDSSP_ERROR,
            6,
            0x6d,
            0x00,
            0x00,
            0xc0,
            OP_CLOSE,
        ],
    ));
    seeds.push((
        "tls-alert-40.bin",
        vec![
            config(0, false, false, 0),
            OP_BLOCK,
            BLOCK_CONFIRM,
            2,
            OP_TLS_FAIL,
            40,
        ],
    ));
    seeds.push((
        "silence-in-capabilities-short-limits.bin",
        vec![config(0, false, true, 4), OP_SILENCE],
    ));
    seeds.push((
        "neg-failure-5.bin",
        vec![
            config(0, false, false, 0),
            OP_BLOCK,
            BLOCK_NEG_FAILURE,
            5,
            OP_CLOSE,
        ],
    ));
    seeds.push((
        "license-error-6.bin",
        vec![
            config(0, false, false, 3),
            OP_BLOCK,
            BLOCK_LICENSE_ERROR,
            6,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            OP_CLOSE,
        ],
    ));
    // Standard RDP Security, 128-bit at high level, every server PDU sealed.
    let user_data = |frame: Vec<u8>| -> Vec<u8> {
        let Ok(rdp_probe_wire::x224::X224Pdu::Data(payload)) =
            rdp_probe_wire::x224::parse_x224(&frame)
        else {
            panic!("not a data TPDU")
        };
        match rdp_probe_wire::mcs::parse_domain_pdu(payload) {
            Ok(rdp_probe_wire::mcs::McsPdu::SendDataIndication { user_data, .. }) => {
                user_data.to_vec()
            }
            other => panic!("{other:?}"),
        }
    };
    let sealed = |licensing: bool, body: Vec<u8>| -> Vec<u8> {
        let mut op = vec![
            OP_SEALED,
            u8::from(licensing),
            u8::try_from(body.len()).unwrap(),
        ];
        op.extend(body);
        op
    };
    let secured_to_licensing = |method: u8, level: u8| -> Vec<u8> {
        let mut v = vec![config(4, false, false, 0), OP_BLOCK, BLOCK_CONFIRM, 0];
        v.extend([OP_BLOCK, BLOCK_CONNECT_RESPONSE_SECURED, method, level]);
        v.extend(to_licensing.get(5..).unwrap());
        v
    };
    let mut secured = secured_to_licensing(2, 3);
    // The licensing PDU without its basic security header.
    secured.extend(sealed(
        true,
        user_data(server::license_valid_client())[4..].to_vec(),
    ));
    secured.extend(sealed(false, user_data(server::demand_active().unwrap())));
    for pdu in server::finalization().unwrap() {
        secured.extend(sealed(false, user_data(pdu)));
    }
    seeds.push(("standard-security-128bit-high-healthy.bin", secured));
    let mut fips_errinfo = secured_to_licensing(3, 4);
    fips_errinfo.extend(sealed(false, user_data(server::errinfo(7))));
    fips_errinfo.push(OP_CLOSE);
    seeds.push(("standard-security-fips-errinfo-0x7.bin", fips_errinfo));
    seeds.push((
        "partial-connect-response-then-silence.bin",
        vec![
            config(4, false, true, 1),
            OP_SPLIT,
            40,
            BLOCK_CONNECT_RESPONSE,
            OP_SILENCE,
        ],
    ));
    seeds.push((
        "garbage-tpkt-in-finalization.bin",
        vec![
            config(0, false, false, 5),
            OP_TPKT,
            6,
            2,
            0xf0,
            0x80,
            0x68,
            0,
            1,
        ],
    ));
    // The committed seeds are these inputs; RDP_PROBE_WRITE_ENGINE_SEEDS=1 writes them anew.
    if std::env::var_os("RDP_PROBE_WRITE_ENGINE_SEEDS").is_some() {
        fs::create_dir_all(seeds_dir()).unwrap();
        for (name, data) in &seeds {
            fs::write(seeds_dir().join(name), data).unwrap();
        }
    }
    for (name, data) in &seeds {
        let committed = fs::read(seeds_dir().join(name)).unwrap_or_default();
        assert_eq!(
            &committed, data,
            "fuzz/regressions/engine/{name} is stale; regenerate with RDP_PROBE_WRITE_ENGINE_SEEDS=1"
        );
    }
}
