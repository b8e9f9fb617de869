//! Fleet scans (`rdp-probe scan`): `rdp_probe_scan_start`, the `rdp_probe_scan` handle,
//! `rdp_probe_scan_next` and the rest.
//!
//! A scan owns one thread of its own, which runs a current-thread tokio runtime: it starts the
//! probes ([`rdp_probe_core::scan::run_one`], the single-host diagnosis or inventory the library's
//! `scan` runs for each host) and queues each finished host's JSON. `rdp_probe_scan_next` hands the
//! queued reports out, on whatever thread calls it.
//!
//! Memory is bounded by the concurrency, never by the number of targets: the target list is
//! expanded lazily, and a probe starts only once it holds one of `concurrency` credits, which it
//! gives back when the caller has fetched its report. So probes in flight plus reports not yet
//! fetched never exceed `concurrency`; a caller that stops fetching pauses the scan before any new
//! probe starts, and the probes already in flight still run to their end undisturbed (their reports
//! wait in the queue), so a slow caller never turns a healthy host into a timeout.

use std::collections::VecDeque;
use std::ffi::c_char;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use rdp_probe_core::ProbeOptions;
use rdp_probe_core::inventory::InventoryOptions;
use rdp_probe_core::scan::targets::{TargetList, TargetListBuilder};
use rdp_probe_core::scan::{Pace, ScanMode, run_one};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::cancel::rdp_probe_cancel;
use crate::config::rdp_probe_config;
use crate::handle::{clone_arc, free_box};
use crate::panic::boundary;
use crate::result::rdp_probe_result;
use crate::scan_options::rdp_probe_scan_options;
use crate::text::{read_opt_str, read_str, write_out, write_str};

/// The most probes a scan keeps in flight at once (the CLI's `rdp-probe scan --concurrency` has the
/// same bound).
const MAX_CONCURRENCY: u32 = 65_536;

/// What a scan does for each host.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rdp_probe_scan_mode {
    /// The full diagnosis (`rdp-probe/1`, as `rdp_probe_run`; the CLI's `rdp-probe scan --mode
    /// diagnose`).
    Diagnose = 0,
    /// The server inventory (`rdp-probe-inventory/1`, as `rdp_probe_inventory_run`; `--mode
    /// inventory`).
    Inventory = 1,
    /// Only TCP and X.224 of the inventory (`rdp-probe-inventory/1` without TLS, Standard RDP
    /// Security or CredSSP: reachable, RDP or not, protocols selected, NLA): the fast sweep
    /// (`--mode negotiate`).
    Negotiate = 2,
}

/// A fleet scan in progress. Made by `rdp_probe_scan_start`, freed with `rdp_probe_scan_free`.
///
/// Thread safety: `rdp_probe_scan_next`, `rdp_probe_scan_stop` and the accessors may be called from
/// any thread, also at the same time (two `rdp_probe_scan_next` calls take turns, and each report
/// goes to one of them); `rdp_probe_scan_stop` may be called while another thread waits in
/// `rdp_probe_scan_next`. Only `rdp_probe_scan_free` needs the handle to be out of use.
pub struct rdp_probe_scan {
    shared: Arc<Shared>,
    /// The report `rdp_probe_scan_next` took from the queue but could not deliver (the buffer was
    /// too small); the next call delivers it. The lock also makes callers take turns.
    held: Mutex<Option<String>>,
    /// The scan's thread; joined by `rdp_probe_scan_free`.
    runner: Option<JoinHandle<()>>,
    /// The malformed items of the target and exclusion lists, as messages.
    skipped: Vec<String>,
    /// The number of targets this scan probes: its shard's, after dedupe and exclusions.
    targets: u64,
}

/// What the scan's thread and its callers share.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a report is queued and when the scan ends.
    ready: Condvar,
    /// One per probe in flight or report not yet fetched.
    credit: Semaphore,
    /// `rdp_probe_scan_stop`: no new probes.
    stop: rdp_probe_cancel,
    /// `rdp_probe_scan_free`: drop the probes in flight and end the thread.
    abort: rdp_probe_cancel,
}

/// The finished reports and, once the scan's thread has ended, how it ended.
struct Queue {
    reports: VecDeque<String>,
    end: Option<rdp_probe_result>,
}

/// Locks `mutex`, also after a panic poisoned it (every critical section leaves its data whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new(capacity: usize) -> Self {
        Shared {
            queue: Mutex::new(Queue {
                reports: VecDeque::new(),
                end: None,
            }),
            ready: Condvar::new(),
            credit: Semaphore::new(capacity),
            stop: rdp_probe_cancel::new(),
            abort: rdp_probe_cancel::new(),
        }
    }

    /// Queues one host's report.
    fn deliver(&self, json: String) {
        lock(&self.queue).reports.push_back(json);
        self.ready.notify_all();
    }

    /// Records how the scan ended.
    fn finish(&self, end: rdp_probe_result) {
        lock(&self.queue).end = Some(end);
        self.ready.notify_all();
    }

    /// The next report, waiting for one; `Err` with how the scan ended once no report is left.
    fn wait_next(&self) -> Result<String, rdp_probe_result> {
        let mut queue = lock(&self.queue);
        loop {
            if let Some(json) = queue.reports.pop_front() {
                return Ok(json);
            }
            if let Some(end) = queue.end {
                return Err(end);
            }
            queue = self
                .ready
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Runs the scan until every target has been probed (`SCAN_DONE`), the caller's token or
/// `rdp_probe_scan_free` stops it (`CANCELLED`), or a probe panicked (`PANIC`, after the others).
async fn drive(
    list: TargetList,
    mode: ScanMode,
    options: &rdp_probe_scan_options,
    shared: &Arc<Shared>,
    cancel: Option<&rdp_probe_cancel>,
) -> rdp_probe_result {
    let token = async {
        match cancel {
            Some(token) => token.cancelled().await,
            None => std::future::pending().await,
        }
    };
    // Dropping `schedule` drops its `JoinSet`, which aborts the probes in flight.
    tokio::select! {
        end = schedule(&list, Arc::new(mode), options, shared) => end,
        () = shared.abort.cancelled() => rdp_probe_result::Cancelled,
        () = token => rdp_probe_result::Cancelled,
    }
}

/// Starts one probe per target of the options' shard, each once it holds a credit and the pace
/// allows, until the targets run out, the scan is stopped or the deadline passes; then waits for
/// the probes in flight.
async fn schedule(
    list: &TargetList,
    mode: Arc<ScanMode>,
    options: &rdp_probe_scan_options,
    shared: &Arc<Shared>,
) -> rdp_probe_result {
    let mut in_flight: JoinSet<()> = JoinSet::new();
    let mut panicked = false;
    let mut pace = Pace::new(options.rate);
    // A deadline too far to be represented is no deadline.
    let deadline = options.deadline.and_then(|d| Instant::now().checked_add(d));
    let expired = async {
        match deadline {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expired);
    let mut cut_short = false;
    let settle = |done: Result<(), tokio::task::JoinError>, panicked: &mut bool| {
        if done.is_err() {
            // A probe that panicked delivers nothing: give its credit back.
            *panicked = true;
            shared.credit.add_permits(1);
        }
    };
    'targets: for target in list.in_shard(options.shard) {
        loop {
            tokio::select! {
                biased;
                () = shared.stop.cancelled() => break 'targets,
                () = &mut expired => {
                    cut_short = true;
                    break 'targets;
                }
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    settle(done, &mut panicked);
                }
                permit = shared.credit.acquire() => match permit {
                    // Given back by `rdp_probe_scan_next` once the caller has the report.
                    Ok(permit) => {
                        permit.forget();
                        break;
                    }
                    Err(_) => break 'targets,
                },
            }
        }
        // The pace, after the credit: a paused caller does not bank starts for later.
        tokio::select! {
            biased;
            () = shared.stop.cancelled() => {
                shared.credit.add_permits(1);
                break 'targets;
            }
            () = &mut expired => {
                shared.credit.add_permits(1);
                cut_short = true;
                break 'targets;
            }
            () = pace.wait() => {}
        }
        let mode = Arc::clone(&mode);
        let sink = Arc::clone(shared);
        in_flight.spawn(async move {
            let report = run_one(&target, &mode).await;
            sink.deliver(report.to_json());
        });
    }
    while let Some(done) = in_flight.join_next().await {
        settle(done, &mut panicked);
    }
    if panicked {
        rdp_probe_result::Panic
    } else if cut_short {
        rdp_probe_result::ScanDeadline
    } else {
        rdp_probe_result::ScanDone
    }
}

/// The scan mode for `mode`, with the config's options (the library's defaults without a config).
fn scan_mode(config: Option<&rdp_probe_config>, mode: u32) -> Option<ScanMode> {
    let inventory_options =
        || config.map_or_else(InventoryOptions::default, |c| c.inventory_options());
    Some(match mode {
        m if m == rdp_probe_scan_mode::Diagnose as u32 => ScanMode::Diagnose(Box::new(
            config.map_or_else(ProbeOptions::default, |c| c.options.clone()),
        )),
        m if m == rdp_probe_scan_mode::Inventory as u32 => ScanMode::Inventory(inventory_options()),
        m if m == rdp_probe_scan_mode::Negotiate as u32 => ScanMode::Negotiate(inventory_options()),
        _ => return None,
    })
}

/// Starts a scan of many targets and writes its handle to `*out_scan` (free it with
/// `rdp_probe_scan_free`); fetch each host's report with `rdp_probe_scan_next` as hosts finish.
///
/// `targets` is the CLI's target grammar (`rdp-probe scan`; `rdp_probe_core::scan::targets`): one or
/// more items per line, separated by whitespace or commas, `#` comments: host names, IPv4 and IPv6
/// addresses, each with an optional `:port` (`[v6]:port`), CIDR blocks (`10.0.0.0/24`) and
/// last-octet ranges (`10.0.0.10-20`). `exclude` (NULL for none) uses the same grammar and is left
/// out before anything is sent: an item without a port on every port, one with a port on that port
/// only. Duplicates are probed once. Items without a port take `default_port`. A malformed item is
/// skipped and the rest still count: `rdp_probe_scan_skipped_count` and
/// `rdp_probe_scan_skipped_line` say which and why. Names are not resolved here: each probe
/// resolves its own.
///
/// `mode` is a `rdp_probe_scan_mode`. `config` (NULL for the library's defaults) gives every probe
/// its settings, as `rdp_probe_run` (`DIAGNOSE`: timeouts, credentials and the trust that decides
/// whether they are sent, protocols, KDC, certificate policy, legacy TLS, client name) or
/// `rdp_probe_inventory_run` (`INVENTORY`, `NEGOTIATE`: timeouts, legacy TLS, connection limit,
/// cipher suites) take them; its target is not used. The config and the token may be freed as soon
/// as this function returns: the scan keeps its own references.
///
/// At most `concurrency` (1 to 65536) hosts are probed at once, and probes in flight plus reports
/// not yet fetched never exceed it: a caller that does not call `rdp_probe_scan_next` pauses the
/// scan (no new probe starts; the ones in flight finish), so memory does not grow with the number
/// of targets. Each inventory opens up to its connection limit of connections at once; keep
/// `concurrency` times that below the process's open-file limit.
///
/// `options` (NULL for the defaults) adds the other bounds of the CLI's `rdp-probe scan`: a rate of
/// new probes per second, a deadline after which no probe starts, a shard of the list (for N
/// processes or machines sharing one list) and the target limit (`rdp_probe_scan_options`). They
/// are copied: the options may be freed as soon as this function returns.
///
/// `cancel` may be NULL. Triggering it drops the probes in flight at once:
/// `rdp_probe_scan_next` then returns the reports already finished, and `CANCELLED`.
///
/// Returns `OK` with the scan started (on a thread of its own: this function does not block, and
/// may be called from a thread that runs a tokio runtime), also when every item was skipped (then
/// `rdp_probe_scan_next` returns `SCAN_DONE` at once). Otherwise returns `NULL_PARAMETER` (`targets`
/// or `out_scan` NULL), `INVALID_UTF8`, `INVALID_PORT` (`default_port` 0), `INVALID_SCAN_MODE`,
/// `INVALID_CONCURRENCY`, `TOO_MANY_TARGETS` (more targets after dedupe and exclusions than the
/// options' limit, 65536 by default: split the list, or raise the limit deliberately), `CANCELLED`
/// (the token was already triggered), `RUNTIME` (no thread or runtime could be started) or
/// `PANIC`, and leaves `*out_scan` untouched.
///
/// # Safety
/// `config` NULL or a live config; `targets` NULL or NUL-terminated; `exclude` NULL or
/// NUL-terminated; `options` NULL or live options not being changed by another thread; `cancel`
/// NULL or a live token; `out_scan` NULL or valid for a write.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rdp_probe_scan_start(
    config: *const rdp_probe_config,
    targets: *const c_char,
    exclude: *const c_char,
    default_port: u16,
    mode: u32,
    concurrency: u32,
    options: *const rdp_probe_scan_options,
    cancel: *const rdp_probe_cancel,
    out_scan: *mut *mut rdp_probe_scan,
) -> rdp_probe_result {
    boundary(|| {
        if out_scan.is_null() {
            return rdp_probe_result::NullParameter;
        }
        // SAFETY: the caller's contract.
        let text = match unsafe { read_str(targets) } {
            Ok(t) => t,
            Err(e) => return e,
        };
        // SAFETY: the caller's contract.
        let exclude = match unsafe { read_opt_str(exclude) } {
            Ok(e) => e,
            Err(e) => return e,
        };
        if default_port == 0 {
            return rdp_probe_result::InvalidPort;
        }
        // SAFETY: NULL or live by the caller's contract.
        let config = (!config.is_null()).then(|| unsafe { clone_arc(config) });
        let Some(mode) = scan_mode(config.as_deref(), mode) else {
            return rdp_probe_result::InvalidScanMode;
        };
        if concurrency == 0 || concurrency > MAX_CONCURRENCY {
            return rdp_probe_result::InvalidConcurrency;
        }
        // SAFETY: NULL or live by the caller's contract; copied, so the caller may free them.
        let options = unsafe { options.as_ref() }.cloned().unwrap_or_default();
        let mut builder = TargetListBuilder::new(default_port).max_targets(options.max_targets);
        let mut skipped: Vec<String> = builder
            .add_text(text)
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        if let Some(exclude) = exclude {
            let errors = builder.exclude_text(exclude);
            skipped.extend(errors.into_iter().map(|e| format!("exclude {e}")));
        }
        let Ok(list) = builder.build() else {
            return rdp_probe_result::TooManyTargets;
        };
        // SAFETY: NULL or live by the caller's contract.
        let cancel = (!cancel.is_null()).then(|| unsafe { clone_arc(cancel) });
        if cancel
            .as_deref()
            .is_some_and(rdp_probe_cancel::is_triggered)
        {
            return rdp_probe_result::Cancelled;
        }
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return rdp_probe_result::Runtime;
        };
        let count = list.in_shard(options.shard).remaining();
        let shared = Arc::new(Shared::new(concurrency as usize));
        let theirs = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("rdp-probe-scan".to_owned())
            .spawn(move || {
                // Inside the boundary: a panic ends the scan with `PANIC`, quietly.
                let end = boundary(|| {
                    let end =
                        runtime.block_on(drive(list, mode, &options, &theirs, cancel.as_deref()));
                    // Ends every task (and waits for blocking ones, e.g. a name being resolved).
                    drop(runtime);
                    end
                });
                theirs.finish(end);
            });
        let Ok(runner) = spawned else {
            return rdp_probe_result::Runtime;
        };
        let scan = Box::new(rdp_probe_scan {
            shared,
            held: Mutex::new(None),
            runner: Some(runner),
            skipped,
            targets: count,
        });
        // SAFETY: `out_scan` is non-NULL (checked) and valid for a write.
        unsafe { write_out(out_scan, Box::into_raw(scan)) }
    })
}

/// Runs `read` on the scan behind `ptr`, inside the panic boundary; NULL is `NULL_PARAMETER`.
///
/// # Safety
/// `ptr` must be NULL or a live scan.
unsafe fn with_scan(
    ptr: *const rdp_probe_scan,
    read: impl FnOnce(&rdp_probe_scan) -> rdp_probe_result,
) -> rdp_probe_result {
    boundary(|| {
        // SAFETY: the caller's contract.
        match unsafe { ptr.as_ref() } {
            Some(s) => read(s),
            None => rdp_probe_result::NullParameter,
        }
    })
}

/// Writes the next finished host's report into `buf`, waiting for one: its JSON on one line,
/// exactly what the single-host call gives (`rdp-probe/1` as `rdp_probe_report_json` for
/// `DIAGNOSE`, `rdp-probe-inventory/1` as `rdp_probe_inventory_json` for `INVENTORY` and
/// `NEGOTIATE`). The JSON's `target` names the host. Reports come as hosts finish, not in the
/// order of the list; every target gets exactly one.
///
/// Follows the buffer convention of `rdp_probe_result_message`: `BUFFER_TOO_SMALL` with
/// `*out_needed` set keeps the report, and the next call (with a buffer of `*out_needed` bytes)
/// returns that same report; `buf` NULL with `len` 0 asks for the size (waiting for the report, if
/// none has finished yet).
///
/// Once no report is left, returns how the scan ended, again on every later call, with
/// `*out_needed` set to 0: `SCAN_DONE` (every target was probed, or `rdp_probe_scan_stop` was
/// called and the probes in flight have finished), `SCAN_DEADLINE` (the options' deadline passed
/// with targets left: those were not probed), `CANCELLED` (the scan's token was triggered) or
/// `PANIC` (a probe panicked; the other reports were delivered). Returns `NULL_PARAMETER` for a
/// NULL `scan` or `out_needed`, or `buf` NULL with `len` not 0, without waiting.
///
/// Blocks the calling thread until a report is there or the scan has ended: as long as the
/// slowest probe in flight, within its own limits (a probe's overall timeout, or an inventory's).
///
/// # Safety
/// `scan` NULL or a live scan; `buf` NULL or valid for `len` bytes of writes; `out_needed` NULL or
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_next(
    scan: *const rdp_probe_scan,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    let read = |s: &rdp_probe_scan| {
        if out_needed.is_null() || (buf.is_null() && len != 0) {
            return rdp_probe_result::NullParameter;
        }
        let mut held = lock(&s.held);
        let json = match held.take() {
            Some(json) => json,
            None => match s.shared.wait_next() {
                Ok(json) => json,
                Err(end) => {
                    // SAFETY: `out_needed` is non-NULL (checked) and valid for a write.
                    unsafe { out_needed.write(0) };
                    return end;
                }
            },
        };
        // SAFETY: the caller's contract.
        let result = unsafe { write_str(&json, buf, len, out_needed) };
        if result == rdp_probe_result::Ok {
            // The report is the caller's: its credit lets one more probe start.
            s.shared.credit.add_permits(1);
        } else {
            *held = Some(json);
        }
        result
    };
    // SAFETY: the caller's contract.
    unsafe { with_scan(scan, read) }
}

/// Stops the scan from starting new probes; the probes in flight finish within their own limits,
/// and `rdp_probe_scan_next` returns their reports (and any not yet fetched), then `SCAN_DONE`.
/// Calling it again does nothing more. May be called from any thread, also while another waits in
/// `rdp_probe_scan_next`.
///
/// Returns `NULL_PARAMETER` for a NULL scan.
///
/// # Safety
/// `scan` NULL or a live scan.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_stop(scan: *const rdp_probe_scan) -> rdp_probe_result {
    let read = |s: &rdp_probe_scan| {
        s.shared.stop.trigger();
        rdp_probe_result::Ok
    };
    // SAFETY: the caller's contract.
    unsafe { with_scan(scan, read) }
}

/// Writes the number of targets the scan probes in all: its shard's share of the list after dedupe
/// and exclusions, without the skipped items (the number of reports a scan that is neither stopped
/// nor cut short by its deadline gives).
///
/// # Safety
/// `scan` NULL or a live scan; `out_count` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_target_count(
    scan: *const rdp_probe_scan,
    out_count: *mut u64,
) -> rdp_probe_result {
    // SAFETY: the caller's contract.
    let read = |s: &rdp_probe_scan| unsafe { write_out(out_count, s.targets) };
    // SAFETY: the caller's contract.
    unsafe { with_scan(scan, read) }
}

/// Writes the number of malformed items that were skipped in `targets` and `exclude` (0 when every
/// item was read).
///
/// # Safety
/// `scan` NULL or a live scan; `out_count` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_skipped_count(
    scan: *const rdp_probe_scan,
    out_count: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract.
    let read = |s: &rdp_probe_scan| unsafe { write_out(out_count, s.skipped.len()) };
    // SAFETY: the caller's contract.
    unsafe { with_scan(scan, read) }
}

/// Writes why skipped item `index` (0-based, below `rdp_probe_scan_skipped_count`) was skipped,
/// with its line (from 1) and the item as written, e.g. `line 2: "10.0.0.0/24:3390": a CIDR block
/// takes no port: give the port with --port`; items of `exclude` start with `exclude `.
/// `INDEX_OUT_OF_RANGE` for a larger index.
///
/// # Safety
/// `scan` NULL or a live scan; `buf` NULL or valid for `len` bytes; `out_needed` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_skipped_line(
    scan: *const rdp_probe_scan,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    let read = |s: &rdp_probe_scan| match s.skipped.get(index) {
        // SAFETY: the caller's contract.
        Some(message) => unsafe { write_str(message, buf, len, out_needed) },
        None => rdp_probe_result::IndexOutOfRange,
    };
    // SAFETY: the caller's contract.
    unsafe { with_scan(scan, read) }
}

/// Frees a scan, stopping it first if it still runs: the probes in flight are dropped (their
/// connections closed), reports not fetched are discarded, and the scan's thread is joined, so no
/// thread of the scan outlives this call. It returns promptly (a name being resolved at that
/// moment is waited for). NULL is accepted and ignored.
///
/// # Safety
/// `scan` must be NULL or a live scan, not used again afterwards, and not in use by a call on
/// another thread (e.g. `rdp_probe_scan_next`: stop the scan and let that call return first).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_free(scan: *mut rdp_probe_scan) {
    boundary(|| {
        if scan.is_null() {
            return;
        }
        // SAFETY: non-NULL and live by the caller's contract, made by `Box::into_raw` in
        // `rdp_probe_scan_start`, and in use nowhere else.
        let s = unsafe { &mut *scan };
        s.shared.abort.trigger();
        if let Some(runner) = s.runner.take() {
            // The thread catches its own panics: an error here can only be a failed join.
            let _ = runner.join();
        }
        // SAFETY: as above; freed once.
        unsafe { free_box(scan) }
    })
}
