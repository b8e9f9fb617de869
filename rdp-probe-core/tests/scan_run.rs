//! The scan runner's bounds on loopback: no probe starts after the deadline or the stop flag, even
//! when the targets are paced and the concurrency would let many more wait for their turn. The
//! targets are addresses of 127.0.9.0/24 where nothing listens (each probe is refused at once).

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::time::Duration;

use futures_util::StreamExt;
use rdp_probe_core::Target;
use rdp_probe_core::inventory::InventoryOptions;
use rdp_probe_core::scan::{ScanMode, ScanOptions, StopScan, scan};

/// A port nothing listens on: bound on 127.0.9.1, then released.
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.9.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `n` targets on 127.0.9.1.. at `port`.
fn targets(n: u8, port: u16) -> Vec<Target> {
    (1..=n)
        .map(|i| Target::new(format!("127.0.9.{i}"), port).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_probe_starts_after_the_deadline_of_a_paced_scan() {
    let port = dead_port();
    let options = ScanOptions {
        concurrency: 256,
        rate: Some(10.0),
        deadline: Some(Duration::from_millis(350)),
    };
    let items: Vec<_> = scan(
        targets(20, port).into_iter(),
        ScanMode::Negotiate(InventoryOptions::default()),
        options,
        StopScan::new(),
    )
    .collect()
    .await;
    // Starts at 0, 100, 200 and 300 ms, then the deadline: 4 (5 if the machine is slow to start).
    assert!((1..=5).contains(&items.len()), "{} reports", items.len());
    for item in &items {
        assert!(item.report.to_json().contains("\"tcp_connect\""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_probe_starts_after_the_stop_of_a_paced_scan() {
    let port = dead_port();
    let stop = StopScan::new();
    let options = ScanOptions {
        concurrency: 256,
        rate: Some(10.0),
        deadline: None,
    };
    let mut reports = Box::pin(scan(
        targets(20, port).into_iter(),
        ScanMode::Negotiate(InventoryOptions::default()),
        options,
        stop.clone(),
    ));
    assert!(reports.next().await.is_some());
    stop.stop();
    let rest = reports.collect::<Vec<_>>().await;
    // At most the one released before the stop was read.
    assert!(rest.len() <= 1, "{} after the stop", rest.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaced_scan_without_a_deadline_probes_every_target_once() {
    let port = dead_port();
    let items: Vec<_> = scan(
        targets(20, port).into_iter(),
        ScanMode::Negotiate(InventoryOptions::default()),
        ScanOptions::default(),
        StopScan::new(),
    )
    .collect()
    .await;
    let mut indexes: Vec<u64> = items.iter().map(|i| i.index).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..20).collect::<Vec<_>>());
}
