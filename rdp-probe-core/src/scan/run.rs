//! Running a scan: many targets through one of three modes, with a bound on probes in flight, on new
//! probes per second, and on the whole scan's duration; reports come out as a stream, as each host
//! finishes, so memory does not grow with the number of targets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use tokio::time::Instant;

use crate::inventory::{Inventory, InventoryOptions, inventory};
use crate::report::Report;
use crate::{ProbeOptions, Target, probe};

/// Probes in flight at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 256;

/// What a scan does for each host.
#[derive(Debug, Clone)]
pub enum ScanMode {
    /// The full diagnosis ([`crate::probe`]), as `rdp-probe HOST` does.
    Diagnose(Box<ProbeOptions>),
    /// The inventory ([`crate::inventory::inventory`]), as `rdp-probe inventory HOST` does.
    Inventory(InventoryOptions),
    /// Only the X.224 part of the inventory (reachable, RDP or not, protocols selected, NLA required),
    /// as `rdp-probe inventory --negotiate-only HOST` does: the fast sweep.
    Negotiate(InventoryOptions),
}

/// The bounds of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Probes in flight at once.
    pub concurrency: usize,
    /// New probes started per second, at most (`None`: no limit beyond `concurrency`).
    pub rate: Option<f64>,
    /// No probe starts after this much time from the start of the scan.
    pub deadline: Option<Duration>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            concurrency: DEFAULT_CONCURRENCY,
            rate: None,
            deadline: None,
        }
    }
}

/// One host's report: exactly what its single-host command writes.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ScanReport {
    /// `rdp-probe/1`.
    Diagnosis(Box<Report>),
    /// `rdp-probe-inventory/1`.
    Inventory(Box<Inventory>),
}

impl ScanReport {
    /// The JSON form on one line (one line of a JSON Lines file).
    pub fn to_json(&self) -> String {
        match self {
            ScanReport::Diagnosis(r) => r.to_json(),
            ScanReport::Inventory(i) => i.to_json(),
        }
    }
}

/// A finished host.
#[derive(Debug, Clone)]
pub struct ScanItem {
    /// The target's position in the input (0-based), so that callers can keep order if they want it.
    pub index: u64,
    /// The target.
    pub target: Target,
    /// Its report.
    pub report: ScanReport,
}

/// Stops a scan from starting new probes; the probes in flight finish (or reach their own limits).
///
/// ```
/// use rdp_probe_core::scan::StopScan;
/// let stop = StopScan::new();
/// let handle = stop.clone();
/// handle.stop();
/// assert!(stop.is_stopped());
/// ```
#[derive(Debug, Clone, Default)]
pub struct StopScan(Arc<AtomicBool>);

impl StopScan {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the flag is set.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Paces the start of new probes: at most `rate` per second, as a token bucket of one (no bursts).
/// [`scan`] paces with it, and so does the C ABI's fleet scan.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use rdp_probe_core::scan::Pace;
/// use std::time::{Duration, Instant};
///
/// let mut pace = Pace::new(Some(50.0));
/// let start = Instant::now();
/// for _ in 0..3 {
///     pace.wait().await;
/// }
/// // The first start is at once, then one every 20 ms.
/// assert!(start.elapsed() >= Duration::from_millis(40));
/// # }
/// ```
#[derive(Debug)]
pub struct Pace {
    interval: Option<Duration>,
    next: Instant,
}

impl Pace {
    /// At most `rate` starts per second; `None`, or a rate that is not a positive finite number,
    /// sets no limit.
    pub fn new(rate: Option<f64>) -> Self {
        let interval = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        Pace {
            interval,
            next: Instant::now(),
        }
    }

    /// Waits until the next start is due, and books it.
    pub async fn wait(&mut self) {
        if let Some(interval) = self.interval {
            let now = Instant::now();
            if self.next > now {
                tokio::time::sleep_until(self.next).await;
            }
            self.next = self.next.max(now) + interval;
        }
    }
}

/// Scans `targets` in `mode`, within `options`, until they are exhausted, the deadline passes or
/// `stop` is set; yields each host's report as it finishes (not in input order: see
/// [`ScanItem::index`]).
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// use rdp_probe_core::scan::{scan, ScanMode, ScanOptions, StopScan};
/// use rdp_probe_core::{ProbeOptions, Target};
/// let targets = vec!["10.0.0.1".parse::<Target>().unwrap(), "10.0.0.2".parse().unwrap()];
/// let mut reports = Box::pin(scan(
///     targets.into_iter(),
///     ScanMode::Diagnose(Box::default()),
///     ScanOptions::default(),
///     StopScan::new(),
/// ));
/// while let Some(item) = reports.next().await {
///     println!("{}", item.report.to_json());
/// }
/// # }
/// ```
pub fn scan<I>(
    targets: I,
    mode: ScanMode,
    options: ScanOptions,
    stop: StopScan,
) -> impl Stream<Item = ScanItem>
where
    I: Iterator<Item = Target>,
{
    // A deadline too far to be represented is no deadline.
    let deadline = options.deadline.and_then(|d| Instant::now().checked_add(d));
    let mode = Arc::new(mode);
    // Targets are released one at a time, at the pace, and only when a probe may start (the buffer
    // below pulls one when it has room): the stop flag and the deadline are read at that moment, so
    // no probe starts after either, and none waits for its turn beyond them.
    let paced = stream::unfold(
        (targets.zip(0u64..), Pace::new(options.rate)),
        |(mut targets, mut pace)| async move {
            let next = targets.next()?;
            pace.wait().await;
            Some((next, (targets, pace)))
        },
    );
    paced
        .take_while(move |_| {
            let go = !stop.is_stopped() && deadline.is_none_or(|d| Instant::now() < d);
            std::future::ready(go)
        })
        .map(move |(target, index)| {
            let mode = Arc::clone(&mode);
            async move {
                let report = run_one(&target, &mode).await;
                ScanItem {
                    index,
                    target,
                    report,
                }
            }
        })
        .buffer_unordered(options.concurrency.max(1))
}

/// One host in `mode`.
pub async fn run_one(target: &Target, mode: &ScanMode) -> ScanReport {
    match mode {
        ScanMode::Diagnose(o) => ScanReport::Diagnosis(Box::new(probe(target, o).await)),
        ScanMode::Inventory(o) => ScanReport::Inventory(Box::new(inventory(target, o).await)),
        ScanMode::Negotiate(o) => {
            let o = InventoryOptions {
                negotiate_only: true,
                ..o.clone()
            };
            ScanReport::Inventory(Box::new(inventory(target, &o).await))
        }
    }
}
