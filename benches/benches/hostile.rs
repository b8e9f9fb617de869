//! Hostile-server bounds: every hostile entry of the lab's catalog (silence, drip, garbage, huge
//! lengths, close and reset at each point of the connection sequence) is probed once, and the bench
//! prints how long the probe took against its phase limit and how much heap the probe's thread
//! held at its peak, next to the same measure for a healthy server.
//!
//! The verdicts themselves are asserted by the verdict-matrix test; this prints numbers, it does
//! not judge them (the machines it runs on are shared and noisy). Run with
//! `cargo bench --manifest-path benches/Cargo.toml --bench hostile`.
//!
//! Memory: a counting global allocator adds up what is allocated and freed on the probe's thread
//! (the probe runs on its own single-threaded runtime; the lab server runs on another thread, so
//! its buffers are not counted). "peak" is the most live bytes at once during one probe.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use rdp_probe_core::report::Report;
use rdp_probe_lab::catalog::{self, Entry};

struct Counting;

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn tracked() -> bool {
    TRACKED.try_with(Cell::get).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if tracked() {
            let live =
                LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if tracked() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if tracked() {
            let delta = new_size as isize - layout.size() as isize;
            let live = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Probes `entry` (server on a background runtime, probe on this thread's runtime) and returns the
/// report, the wall time and the peak live heap of the probe's thread.
fn measure(entry: &Entry, servers: &tokio::runtime::Runtime) -> (Report, Duration, isize) {
    let running = servers
        .block_on(entry.start())
        .unwrap_or_else(|e| panic!("starting {}: {e}", entry.name));
    let addr = running.addr();
    let target = rdp_probe_core::Target::new(addr.ip().to_string(), addr.port()).expect("target");
    let options = entry.setup.options();
    let probe_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    TRACKED.with(|t| t.set(true));
    let started = Instant::now();
    let report = probe_rt.block_on(rdp_probe_core::probe(&target, &options));
    let elapsed = started.elapsed();
    TRACKED.with(|t| t.set(false));
    let peak = PEAK.load(Ordering::Relaxed);
    drop(probe_rt);
    drop(running);
    (report, elapsed, peak)
}

fn kib(n: isize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing useful: run only for bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let all = catalog::catalog();
    let healthy = all
        .iter()
        .find(|e| e.name == "healthy")
        .expect("healthy entry");
    let (_, healthy_time, healthy_peak) = measure(healthy, &servers);
    println!(
        "healthy server (connected): {:.0} ms, peak heap {}\n",
        healthy_time.as_secs_f64() * 1000.0,
        kib(healthy_peak)
    );
    println!(
        "{:<40} {:<42} {:>9} {:>9} {:>11} {:>9}",
        "hostile scenario", "verdict", "total ms", "limit ms", "peak heap", "vs healthy"
    );
    let mut worst_ratio: f64 = 0.0;
    let mut worst_over = Duration::ZERO;
    for entry in all.iter().filter(|e| e.is_hostile()) {
        let (report, elapsed, peak) = measure(entry, &servers);
        let verdict = match report.failure() {
            Some(f) => format!(
                "{} in {} ({})",
                report.verdict_kind().as_str(),
                f.phase.as_str(),
                f.code.space.as_str()
            ),
            None => report.verdict_kind().as_str().to_owned(),
        };
        let limit = entry.setup.phase_timeout;
        // The probe's own time in the failed phase, against its limit.
        let failed_phase = report
            .phases
            .iter()
            .rev()
            .find(|p| p.status != rdp_probe_core::PhaseStatus::Ok)
            .map(|p| p.elapsed_ms)
            .unwrap_or_default();
        worst_over = worst_over.max(failed_phase.saturating_sub(limit));
        let ratio = peak as f64 / healthy_peak.max(1) as f64;
        worst_ratio = worst_ratio.max(ratio);
        println!(
            "{:<40} {:<42} {:>9.0} {:>9} {:>11} {:>8.2}x",
            entry.name,
            verdict,
            elapsed.as_secs_f64() * 1000.0,
            limit.as_millis(),
            kib(peak),
            ratio
        );
    }
    println!(
        "\nworst: failed phase over its limit by {:.0} ms; peak heap {:.2}x the healthy probe's (engine max PDU {} KiB)",
        worst_over.as_secs_f64() * 1000.0,
        worst_ratio,
        rdp_probe_wire::frame::MAX_PDU_LEN / 1024
    );
}
