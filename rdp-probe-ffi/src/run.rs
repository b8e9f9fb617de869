//! `rdp_probe_run`: one blocking probe, bounded by the config's deadline and a cancel token.

use std::sync::Arc;

use rdp_probe_core::Report;

use crate::cancel::rdp_probe_cancel;
use crate::config::rdp_probe_config;
use crate::handle::clone_arc;
use crate::panic::boundary;
use crate::report::rdp_probe_report;
use crate::result::rdp_probe_result;
use crate::text::write_out;

/// Probes the config's target and writes the report to `*out_report` (free it with
/// `rdp_probe_report_free`).
///
/// Blocks the calling thread until the probe ends: at most the config's overall timeout plus the
/// time to tear down, or promptly after `cancel` is triggered. `cancel` may be NULL.
///
/// Returns `OK` whenever the probe ran, whatever the verdict (`connected`, `failed`,
/// `needs_credentials`, `inconclusive`, `credentials_withheld`): the verdict is in the report.
/// Otherwise returns `NULL_PARAMETER`, `CANCELLED` (no report), `RUNTIME` or `PANIC`, and leaves
/// `*out_report` untouched.
///
/// Thread safety: may be called from any thread, and from several threads at once with the same
/// config and the same token. Called from a thread that runs a tokio runtime, the probe runs on a
/// thread of its own.
///
/// # Safety
/// `config` must be NULL or a live config; `cancel` NULL or a live token; `out_report` NULL or valid
/// for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_run(
    config: *const rdp_probe_config,
    cancel: *const rdp_probe_cancel,
    out_report: *mut *mut rdp_probe_report,
) -> rdp_probe_result {
    boundary(|| {
        if config.is_null() || out_report.is_null() {
            return rdp_probe_result::NullParameter;
        }
        // SAFETY: non-NULL and live by the caller's contract.
        let config = unsafe { clone_arc(config) };
        // SAFETY: non-NULL (checked) and live by the caller's contract.
        let cancel = (!cancel.is_null()).then(|| unsafe { clone_arc(cancel) });
        let outcome = if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| boundary(|| run_blocking(&config, cancel.as_deref())))
                    .join()
                    .unwrap_or(Err(rdp_probe_result::Panic))
            })
        } else {
            run_blocking(&config, cancel.as_deref())
        };
        match outcome {
            Ok(report) => {
                let handle = Box::into_raw(Box::new(rdp_probe_report::new(report)));
                // SAFETY: `out_report` is non-NULL (checked) and valid for a write.
                unsafe { write_out(out_report, handle) }
            }
            Err(e) => e,
        }
    })
}

impl crate::panic::PanicValue for Result<Report, rdp_probe_result> {
    fn on_panic() -> Self {
        Err(rdp_probe_result::Panic)
    }
}

/// Runs one probe on a current-thread runtime of its own.
fn run_blocking(
    config: &Arc<rdp_probe_config>,
    cancel: Option<&rdp_probe_cancel>,
) -> Result<Report, rdp_probe_result> {
    if cancel.is_some_and(rdp_probe_cancel::is_triggered) {
        return Err(rdp_probe_result::Cancelled);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| rdp_probe_result::Runtime)?;
    runtime.block_on(async {
        let probe = rdp_probe_core::probe(&config.target, &config.options);
        match cancel {
            None => Ok(probe.await),
            Some(token) => tokio::select! {
                report = probe => Ok(report),
                () = token.cancelled() => Err(rdp_probe_result::Cancelled),
            },
        }
    })
}
