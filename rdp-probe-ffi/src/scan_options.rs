//! A fleet scan's bounds beyond its concurrency: the `rdp_probe_scan_options` handle and its
//! setters (the CLI's `rdp-probe scan --rate`, `--deadline`, `--shard` and `--max-targets`).

use std::time::Duration;

use rdp_probe_core::scan::targets::{DEFAULT_MAX_TARGETS, Shard};

use crate::handle::{edit, free_box};
use crate::panic::boundary;
use crate::result::rdp_probe_result;

/// A fleet scan's options beyond its mode and concurrency. Create with
/// `rdp_probe_scan_options_new`, change with the `rdp_probe_scan_options_set_*` functions, give to
/// `rdp_probe_scan_start` (which copies what it needs: the options may be freed or changed as soon
/// as it returns), free with `rdp_probe_scan_options_free`.
///
/// Defaults: no rate limit, no deadline, the whole list (shard 0 of 1), at most 65536 targets.
///
/// Thread safety: options must not be changed by two threads at the same time, nor while
/// `rdp_probe_scan_start` reads them.
#[derive(Debug, Clone)]
pub struct rdp_probe_scan_options {
    /// New probes per second, at most; `None`: no limit.
    pub(crate) rate: Option<f64>,
    /// No probe starts after this long from the scan's start; `None`: no deadline.
    pub(crate) deadline: Option<Duration>,
    /// The share of the target list this scan probes.
    pub(crate) shard: Shard,
    /// The most targets the whole list (before sharding) may hold.
    pub(crate) max_targets: u64,
}

impl Default for rdp_probe_scan_options {
    fn default() -> Self {
        rdp_probe_scan_options {
            rate: None,
            deadline: None,
            shard: Shard::all(),
            max_targets: DEFAULT_MAX_TARGETS,
        }
    }
}

/// New scan options with the defaults (no rate limit, no deadline, the whole list, at most 65536
/// targets). Returns NULL only if a panic was caught.
#[unsafe(no_mangle)]
pub extern "C" fn rdp_probe_scan_options_new() -> *mut rdp_probe_scan_options {
    boundary(|| Box::into_raw(Box::default()))
}

/// Sets the most new probes the scan starts per second (the CLI's `--rate`), evenly spaced: a
/// token bucket of one, so there are no bursts. 0 removes the limit (the default); the concurrency
/// still bounds the probes in flight.
///
/// Returns `NULL_PARAMETER`, or `INVALID_RATE` (negative, NaN or infinite) and leaves the options
/// unchanged.
///
/// # Safety
/// `options` must be NULL or live options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_options_set_rate(
    options: *mut rdp_probe_scan_options,
    per_second: f64,
) -> rdp_probe_result {
    let change = |o: &mut rdp_probe_scan_options| {
        if !per_second.is_finite() || per_second < 0.0 {
            return Err(rdp_probe_result::InvalidRate);
        }
        o.rate = (per_second > 0.0).then_some(per_second);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(options, change) }
}

/// Sets how long after its start the scan may start new probes (the CLI's `--deadline`), in
/// milliseconds; the probes in flight then finish within their own limits, and
/// `rdp_probe_scan_next` ends with `SCAN_DEADLINE` if targets were left. 0 removes the deadline
/// (the default).
///
/// Returns `NULL_PARAMETER`.
///
/// # Safety
/// `options` must be NULL or live options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_options_set_deadline_ms(
    options: *mut rdp_probe_scan_options,
    milliseconds: u64,
) -> rdp_probe_result {
    let change = |o: &mut rdp_probe_scan_options| {
        o.deadline = (milliseconds > 0).then(|| Duration::from_millis(milliseconds));
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(options, change) }
}

/// Makes the scan probe only shard `index` of `count` (from 0) of the target list (the CLI's
/// `--shard K/N`): the `i`-th target of the list, after dedupe and exclusions, belongs to shard
/// `i % count`. N processes or machines, each with its own `index` and the same list and `count`,
/// probe every target exactly once between them. Shard 0 of 1 is the whole list (the default).
///
/// Returns `NULL_PARAMETER`, or `INVALID_SHARD` (`count` 0, or `index` not below `count`) and
/// leaves the options unchanged.
///
/// # Safety
/// `options` must be NULL or live options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_options_set_shard(
    options: *mut rdp_probe_scan_options,
    index: u64,
    count: u64,
) -> rdp_probe_result {
    let change = |o: &mut rdp_probe_scan_options| {
        o.shard = Shard::new(index, count).map_err(|_| rdp_probe_result::InvalidShard)?;
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(options, change) }
}

/// Sets the most targets the list may hold after dedupe and exclusions, before sharding (the CLI's
/// `--max-targets`; 65536 by default): `rdp_probe_scan_start` refuses a longer list with
/// `TOO_MANY_TARGETS`, so that a mistyped block (a /8 for a /24) is not scanned by accident. The
/// list is expanded lazily, so a large limit costs no memory.
///
/// Returns `NULL_PARAMETER`, or `INVALID_MAX_TARGETS` (0) and leaves the options unchanged.
///
/// # Safety
/// `options` must be NULL or live options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_options_set_max_targets(
    options: *mut rdp_probe_scan_options,
    max_targets: u64,
) -> rdp_probe_result {
    let change = |o: &mut rdp_probe_scan_options| {
        if max_targets == 0 {
            return Err(rdp_probe_result::InvalidMaxTargets);
        }
        o.max_targets = max_targets;
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(options, change) }
}

/// Frees scan options; NULL is ignored. A scan started with them keeps its own copy.
///
/// # Safety
/// `options` must be NULL or live options, not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_scan_options_free(options: *mut rdp_probe_scan_options) {
    boundary(|| {
        // SAFETY: the caller's contract.
        unsafe { free_box(options) }
    })
}
