//! `rdp-probe diff` on real scans: a small fleet of lab servers on 127.0.8.x is scanned, some servers
//! change behaviour (a healthy server starts refusing with HYBRID_REQUIRED_BY_SERVER, one stops
//! listening, a dead one comes back, one speaks an older CredSSP), and the fleet is scanned again; the
//! diff must name exactly the hosts that changed and how, and count the rest unchanged. Both scans go
//! through the library (`rdp_probe_core::scan::scan`), as `rdp-probe scan` does.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use rdp_probe_core::inventory::InventoryOptions;
use rdp_probe_core::scan::diff::{Diff, HostStatus, diff_lines};
use rdp_probe_core::scan::{ScanMode, ScanOptions, StopScan, scan};
use rdp_probe_core::{ProbeOptions, Target, Timeouts};
use rdp_probe_lab::scripted::{Scenario, ScriptedServer};

/// The fleet: 127.0.8.0-9 (a port chosen free on the first address, the same on all).
const NET: [u8; 3] = [127, 0, 8];

fn addr(i: u8, port: u16) -> SocketAddr {
    SocketAddr::from(([NET[0], NET[1], NET[2], i], port))
}

fn key(i: u8, port: u16) -> String {
    format!("{}.{}.{}.{i}:{port}", NET[0], NET[1], NET[2])
}

/// What each address serves before the update (`None`: nothing listens).
fn before(i: u8) -> Option<Scenario> {
    match i {
        4 | 5 => Some(Scenario::NtlmChallenge { version: 6 }),
        6 => None,
        _ => Some(Scenario::Healthy),
    }
}

/// And after it.
fn after(i: u8) -> Option<Scenario> {
    match i {
        1 | 3 => Some(Scenario::NegFailure(5)),
        2 => None,
        4 => Some(Scenario::NtlmChallenge { version: 6 }),
        5 => Some(Scenario::NtlmChallenge { version: 5 }),
        _ => Some(Scenario::Healthy),
    }
}

/// The hosts scanned: 0-8 before, 0-7 and 9 after (8 is gone, 9 is new).
const SCANNED_BEFORE: [u8; 9] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const SCANNED_AFTER: [u8; 9] = [0, 1, 2, 3, 4, 5, 6, 7, 9];

/// Starts `scenario` on `addr`, retrying while the address is still held by a server just stopped
/// (its accept loop is aborted asynchronously).
async fn start(scenario: Scenario, addr: SocketAddr) -> ScriptedServer {
    let mut tries = 0;
    loop {
        match ScriptedServer::start_at(scenario, addr).await {
            Ok(s) => return s,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tries < 100 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{addr}: {e}"),
        }
    }
}

/// Scans `hosts` in `mode` and returns the JSON Lines, as `rdp-probe scan --json` writes them.
async fn scan_lines(hosts: &[u8], port: u16, mode: ScanMode) -> Vec<String> {
    let targets: Vec<Target> = hosts
        .iter()
        .map(|&i| key(i, port).parse().unwrap())
        .collect();
    scan(
        targets.into_iter(),
        mode,
        ScanOptions {
            concurrency: 16,
            ..ScanOptions::default()
        },
        StopScan::new(),
    )
    .map(|item| item.report.to_json())
    .collect()
    .await
}

fn timeouts() -> Timeouts {
    let mut t = Timeouts::uniform(Duration::from_secs(1));
    t.overall = Duration::from_secs(3);
    t
}

fn diagnose() -> ScanMode {
    ScanMode::Diagnose(Box::new(ProbeOptions {
        timeouts: timeouts(),
        ..ProbeOptions::default()
    }))
}

fn negotiate() -> ScanMode {
    ScanMode::Negotiate(InventoryOptions {
        timeouts: timeouts(),
        ..InventoryOptions::default()
    })
}

/// The hosts of `d` with status `status`.
fn with_status(d: &Diff, status: HostStatus) -> Vec<String> {
    d.hosts
        .iter()
        .filter(|h| h.status == status)
        .map(|h| h.host.clone())
        .collect()
}

#[test]
fn a_fleet_before_and_after_an_update() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (port, old_diag, old_neg, new_diag, new_neg) = rt.block_on(async {
        let first = ScriptedServer::start_at(before(0).unwrap(), addr(0, 0))
            .await
            .unwrap();
        let port = first.addr().port();
        let mut servers: Vec<Option<ScriptedServer>> = vec![Some(first)];
        for i in 1..=9 {
            servers.push(match before(i) {
                Some(s) => Some(start(s, addr(i, port)).await),
                None => None,
            });
        }
        let old_diag = scan_lines(&SCANNED_BEFORE, port, diagnose()).await;
        let old_neg = scan_lines(&SCANNED_BEFORE, port, negotiate()).await;
        // The update: stop the servers that change, then start what they became.
        for i in 0..=9 {
            if before(i) != after(i) {
                drop(servers[usize::from(i)].take());
            }
        }
        for i in 0..=9 {
            if before(i) != after(i)
                && let Some(s) = after(i)
            {
                servers[usize::from(i)] = Some(start(s, addr(i, port)).await);
            }
        }
        let new_diag = scan_lines(&SCANNED_AFTER, port, diagnose()).await;
        let new_neg = scan_lines(&SCANNED_AFTER, port, negotiate()).await;
        drop(servers);
        (port, old_diag, old_neg, new_diag, new_neg)
    });
    let k = |i: u8| key(i, port);

    // The diagnoses.
    let d = diff_lines(&old_diag, &new_diag);
    let context = format!("{d:#?}\nold: {old_diag:#?}\nnew: {new_diag:#?}");
    assert!(d.warnings.is_empty(), "{context}");
    assert_eq!(d.unchanged, 3, "0, 4 and 7: {context}");
    assert_eq!(with_status(&d, HostStatus::Gone), [k(8)], "{context}");
    assert_eq!(with_status(&d, HostStatus::New), [k(9)], "{context}");
    assert_eq!(
        with_status(&d, HostStatus::Changed),
        [k(1), k(2), k(3), k(5), k(6)],
        "{context}"
    );
    assert_eq!(d.newly_failing(), 3, "{context}");
    // Newly failing first: the two refusing hosts, then the one that stopped listening.
    let g = &d.groups;
    assert_eq!(g.len(), 4, "{context}");
    assert!(g[0].newly_failing && g[1].newly_failing, "{context}");
    assert_eq!(g[0].hosts, [k(1), k(3)], "{context}");
    assert!(
        g[0].change.starts_with(
            "verdict connected → failed; cause x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER (mstsc 0x"
        ),
        "{context}"
    );
    assert_eq!(g[1].hosts, [k(2)], "{context}");
    assert!(
        g[1].change
            .starts_with("verdict connected → failed; cause tcp_connect os_error "),
        "{context}"
    );
    // Then the other changes, one host each, in the order of their text.
    assert!(!g[2].newly_failing && !g[3].newly_failing, "{context}");
    assert_eq!(g[2].hosts, [k(5)], "{context}");
    assert_eq!(g[2].change, "CredSSP version 6 → 5", "{context}");
    assert_eq!(g[3].hosts, [k(6)], "{context}");
    assert!(
        g[3].change
            .starts_with("verdict failed → connected; cause tcp_connect os_error ")
            && g[3].change.ends_with(" gone"),
        "{context}"
    );
    // Each change with its old and new value.
    let host = |i: u8| d.hosts.iter().find(|h| h.host == k(i)).unwrap();
    let h1 = host(1);
    assert_eq!(h1.changes[0].aspect, "verdict");
    assert_eq!(h1.changes[0].old, "connected");
    assert_eq!(h1.changes[0].new, "failed");
    assert_eq!(h1.changes[1].aspect, "cause");
    assert!(h1.changes[1].old.is_null());
    assert_eq!(h1.old_state.as_deref(), Some("connected"), "{context}");
    let h5 = host(5);
    assert_eq!(h5.changes.len(), 1, "{context}");
    assert_eq!(h5.changes[0].aspect, "server.credssp_version");
    assert_eq!(h5.changes[0].old, 6);
    assert_eq!(h5.changes[0].new, 5);
    assert_eq!(host(8).old_state.as_deref(), Some("connected"), "{context}");
    assert_eq!(host(9).new_state.as_deref(), Some("connected"), "{context}");

    // The X.224 sweeps (rdp-probe-inventory/1): the CredSSP version is not measured there.
    let d = diff_lines(&old_neg, &new_neg);
    let context = format!("{d:#?}\nold: {old_neg:#?}\nnew: {new_neg:#?}");
    assert!(d.warnings.is_empty(), "{context}");
    assert_eq!(d.unchanged, 4, "0, 4, 5 and 7: {context}");
    assert_eq!(with_status(&d, HostStatus::Gone), [k(8)], "{context}");
    assert_eq!(with_status(&d, HostStatus::New), [k(9)], "{context}");
    assert_eq!(
        with_status(&d, HostStatus::Changed),
        [k(1), k(2), k(3), k(6)],
        "{context}"
    );
    let g = &d.groups;
    assert_eq!(g.len(), 3, "{context}");
    assert!(g[0].newly_failing, "{context}");
    assert_eq!(g[0].hosts, [k(2)], "{context}");
    assert_eq!(
        g[0].change, "reachable → unreachable (tcp_connect)",
        "{context}"
    );
    // Still reachable, but refusing: a change, not a newly failing host.
    assert!(!g[1].newly_failing, "{context}");
    assert_eq!(g[1].hosts, [k(1), k(3)], "{context}");
    assert!(
        g[1].change.contains("protocol rdp accepted → refused"),
        "{context}"
    );
    assert_eq!(g[2].hosts, [k(6)], "{context}");
    assert_eq!(
        g[2].change, "unreachable (tcp_connect) → reachable",
        "{context}"
    );
    let h1 = d.hosts.iter().find(|h| h.host == k(1)).unwrap();
    let rdp = h1
        .changes
        .iter()
        .find(|c| c.aspect == "protocols.rdp.accepted")
        .unwrap();
    assert_eq!(rdp.old, serde_json::json!(true));
    assert_eq!(rdp.new, serde_json::json!(false));

    // A diagnosis against an inventory of the same hosts: not comparable, host by host.
    let d = diff_lines(&old_diag, &new_neg);
    let context = format!("{d:#?}");
    assert_eq!(d.unchanged, 0, "{context}");
    assert_eq!(
        with_status(&d, HostStatus::NotComparable).len(),
        8,
        "{context}"
    );
    assert_eq!(d.groups.len(), 1, "{context}");
    assert_eq!(
        d.groups[0].change,
        "not comparable: rdp-probe/1 → rdp-probe-inventory/1"
    );

    // A scan compared with itself: nothing changed.
    let d = diff_lines(&new_diag, &new_diag);
    assert!(d.is_empty() && d.unchanged == 9, "{d:#?}");
}
