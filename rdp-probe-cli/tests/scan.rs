//! `rdp-probe scan` over a mixed fleet of lab servers on distinct 127.0.x addresses (healthy, NLA,
//! silent, resetting, HTTP, and addresses where nothing listens): every host's report is the one the
//! single-host command gives; the summary groups them; a stopped scan keeps every finished report;
//! resume repeats nothing and loses nothing; shards split the list exactly.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use rdp_probe_lab::scripted::{Hostility, Point, Scenario, ScriptedServer};
use serde_json::Value;

/// The fleet's first address: 127.0.7.0/26 (64 addresses), port chosen free on the first.
const NET: [u8; 3] = [127, 0, 7];
const HOSTS: u8 = 64;

/// Which scenario address `i` serves (`None`: nothing listens there).
fn scenario(i: u8) -> Option<Scenario> {
    match i % 6 {
        0 => Some(Scenario::Healthy),
        1 => Some(Scenario::NtlmChallenge { version: 6 }),
        2 => Some(Scenario::Hostile {
            at: Point::ConnectionRequest,
            how: Hostility::Silence,
        }),
        3 => Some(Scenario::Hostile {
            at: Point::ConnectionRequest,
            how: Hostility::Reset,
        }),
        4 => Some(Scenario::Http),
        _ => None,
    }
}

/// Starts the fleet on a runtime of its own (kept alive by the returned handle) and returns the port.
fn fleet() -> (tokio::runtime::Runtime, Vec<ScriptedServer>, u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (servers, port) = rt.block_on(async {
        // A port free on the first address; the others are distinct addresses, so it is free there
        // unless something else listens on 127.0.7.x.
        let first = ScriptedServer::start_at(
            Scenario::Healthy,
            SocketAddr::from(([NET[0], NET[1], NET[2], 0], 0)),
        )
        .await
        .unwrap();
        let port = first.addr().port();
        let mut servers = vec![first];
        for i in 1..HOSTS {
            if let Some(s) = scenario(i) {
                let addr = SocketAddr::from(([NET[0], NET[1], NET[2], i], port));
                servers.push(ScriptedServer::start_at(s, addr).await.unwrap());
            }
        }
        (servers, port)
    });
    (rt, servers, port)
}

fn range() -> String {
    format!("{}.{}.{}.0-{}", NET[0], NET[1], NET[2], HOSTS - 1)
}

fn rdp_probe(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The JSON Lines of `text`, keyed by `host:port`.
fn reports(text: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let key = format!(
            "{}:{}",
            v["target"]["host"].as_str().unwrap(),
            v["target"]["port"]
        );
        assert!(out.insert(key.clone(), v).is_none(), "{key} twice");
    }
    out
}

/// What must be equal between a scan's report and the single-host one: verdict, phase, code, pair.
fn essence(v: &Value) -> String {
    format!(
        "{} {} {} {} {} {}",
        v["verdict"],
        v["failure"]["phase"],
        v["failure"]["code"]["space"],
        v["failure"]["code"]["value"],
        v["mstsc"]["disconnect_reason"],
        v["stop"]["reason"]
    )
}

#[test]
fn a_mixed_fleet_gives_each_host_its_single_host_report() {
    let (_rt, _servers, port) = fleet();
    let port_s = port.to_string();
    let limits = ["--timeout", "1", "--overall-timeout", "3"];
    let r = range();
    let mut args = vec![
        "scan",
        r.as_str(),
        "--port",
        &port_s,
        "--json",
        "--concurrency",
        "32",
    ];
    args.extend(limits);
    let o = rdp_probe(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = reports(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(got.len(), usize::from(HOSTS));
    // Every sixth host against the single-host command (the others are the same scenarios again).
    for i in (0..HOSTS).step_by(1).take(12) {
        let host = format!("{}.{}.{}.{i}", NET[0], NET[1], NET[2]);
        let target = format!("{host}:{port}");
        let mut single_args = vec![target.as_str(), "--json"];
        single_args.extend(limits);
        let single: Value = serde_json::from_slice(&rdp_probe(&single_args).stdout).unwrap();
        assert_eq!(essence(&got[&target]), essence(&single), "{target}");
    }
    // The summary (on stderr, since the reports went to stdout) groups the hosts by cause.
    let summary = String::from_utf8_lossy(&o.stderr);
    assert!(
        summary.contains(&format!("Summary: {HOSTS} hosts")),
        "{summary}"
    );
    let verdicts: BTreeSet<&str> = got
        .values()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    for v in ["connected", "needs_credentials", "failed"] {
        assert!(verdicts.contains(v), "{verdicts:?}");
    }
    assert!(summary.contains("tcp_connect os_error 111"), "{summary}");
    assert!(summary.contains("x224 not_rdp 1 HTTP"), "{summary}");
}

#[test]
fn negotiate_and_inventory_modes_write_inventories() {
    let (_rt, _servers, port) = fleet();
    let port_s = port.to_string();
    let o = rdp_probe(&[
        "scan",
        "127.0.7.0-11",
        "--port",
        &port_s,
        "--json",
        "--mode",
        "negotiate",
        "--timeout",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let got = reports(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(got.len(), 12);
    for v in got.values() {
        assert_eq!(v["schema"], "rdp-probe-inventory/1");
        assert_eq!(v["tls"], Value::Null, "negotiate only: {v:#}");
    }
    let refused = &got[&format!("127.0.7.5:{port}")];
    assert_eq!(refused["error"]["phase"], "tcp_connect", "{refused:#}");
}

#[test]
fn resume_repeats_nothing_and_loses_nothing() {
    let (_rt, _servers, port) = fleet();
    let port_s = port.to_string();
    let dir = std::env::temp_dir().join(format!("rdp-probe-scan-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("scan.jsonl");
    let out_s = out.to_str().unwrap();
    // A first run cut short by its deadline: some hosts are done.
    let first = rdp_probe(&[
        "scan",
        &range(),
        "--port",
        &port_s,
        "--json",
        "-o",
        out_s,
        "--concurrency",
        "4",
        "--rate",
        "40",
        "--deadline",
        "0.3",
        "--timeout",
        "1",
    ]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = reports(&std::fs::read_to_string(&out).unwrap());
    assert!(
        !before.is_empty() && before.len() < usize::from(HOSTS),
        "{}",
        before.len()
    );
    // The summary says how many the deadline left.
    let summary = String::from_utf8_lossy(&first.stdout);
    assert!(
        summary.contains(&format!(
            "stopped early: {} not probed",
            usize::from(HOSTS) - before.len()
        )),
        "{summary}"
    );
    // A line cut short by a killed run does not count as done.
    std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    let resumed = rdp_probe(&[
        "scan",
        &range(),
        "--port",
        &port_s,
        "--json",
        "-o",
        out_s,
        "--resume",
        out_s,
        "--timeout",
        "1",
    ]);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let all = reports(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(all.len(), usize::from(HOSTS), "no host lost, none twice");
    for (k, v) in &before {
        assert_eq!(&all[k], v, "{k} was not probed again");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_split_the_list_exactly() {
    let (_rt, _servers, port) = fleet();
    let port_s = port.to_string();
    let whole = reports(&String::from_utf8_lossy(
        &rdp_probe(&[
            "scan",
            &range(),
            "--port",
            &port_s,
            "--json",
            "--mode",
            "negotiate",
            "--timeout",
            "1",
        ])
        .stdout,
    ));
    let mut union = BTreeSet::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let part = reports(&String::from_utf8_lossy(
            &rdp_probe(&[
                "scan",
                &range(),
                "--port",
                &port_s,
                "--json",
                "--mode",
                "negotiate",
                "--timeout",
                "1",
                "--shard",
                &shard,
            ])
            .stdout,
        ));
        for key in part.keys() {
            assert!(union.insert(key.clone()), "{key} in two shards");
        }
    }
    assert_eq!(union, whole.keys().cloned().collect::<BTreeSet<_>>());
}

#[test]
fn ctrl_c_keeps_every_finished_report() {
    let (_rt, _servers, port) = fleet();
    let port_s = port.to_string();
    let dir = std::env::temp_dir().join(format!("rdp-probe-scan-sigint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("scan.jsonl");
    let child = Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
        .args([
            "scan",
            &range(),
            "--port",
            &port_s,
            "--json",
            "-o",
            out.to_str().unwrap(),
            "--concurrency",
            "2",
            "--rate",
            "20",
            "--timeout",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    // SIGINT, as Ctrl-C sends it, to the child we started.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let kept = reports(&text);
    assert!(
        !kept.is_empty() && kept.len() < usize::from(HOSTS),
        "{}",
        kept.len()
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains(&format!("Summary: {} hosts", kept.len())),
        "{summary}"
    );
    assert!(summary.contains("stopped early"), "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_lines_are_reported_and_skipped() {
    let dir = std::env::temp_dir().join(format!("rdp-probe-scan-list-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("hosts.txt");
    std::fs::write(
        &list,
        "# lab\n127.0.9.1\n10.0.0.0/24:3389\n127.0.9.2-1\n[::1]:1\n",
    )
    .unwrap();
    let o = rdp_probe(&[
        "scan",
        "-f",
        list.to_str().unwrap(),
        "--json",
        "--mode",
        "negotiate",
        "--timeout",
        "0.5",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    let got = reports(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(
        got.keys().cloned().collect::<Vec<_>>(),
        ["127.0.9.1:3389", "::1:1"]
    );
    // A block larger than --max-targets needs the flag raised.
    let o = rdp_probe(&["scan", "10.0.0.0/8", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-targets"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreachable_hosts_share_one_cause_in_the_summary() {
    // Nothing listens on 127.0.8.x: every inventory ends at tcp_connect, with its own address in
    // its message; the summary groups them under the phase, and shows a few.
    let port = std::net::TcpListener::bind("127.0.8.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = rdp_probe(&[
        "scan",
        "127.0.8.1-12",
        "--port",
        &port,
        "--mode",
        "negotiate",
        "--summary-only",
    ]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("Summary: 12 hosts\n"), "{summary}");
    assert!(
        summary.contains("12  unreachable: tcp_connect\n"),
        "{summary}"
    );
    assert!(
        summary.contains("(+4)"),
        "8 hosts shown, 4 counted: {summary}"
    );
    assert_eq!(summary.matches("unreachable").count(), 1, "{summary}");
}
