//! `rdp_probe_run`: one blocking probe, bounded by the config's deadline and a cancel token.

use std::future::Future;

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
        let outcome = run_cancellable(cancel.as_deref(), || {
            rdp_probe_core::probe(&config.target, &config.options)
        });
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

/// Runs the future `work` makes to its end, or until `cancel` is triggered (`CANCELLED`), blocking
/// the calling thread. Called from a thread that runs a tokio runtime, it runs on a thread of its
/// own (a runtime cannot block inside another).
pub(crate) fn run_cancellable<T, F, Fut>(
    cancel: Option<&rdp_probe_cancel>,
    work: F,
) -> Result<T, rdp_probe_result>
where
    T: Send,
    F: FnOnce() -> Fut + Send,
    Fut: Future<Output = T>,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(|| boundary(|| run_blocking(cancel, work)))
                .join()
                .unwrap_or(Err(rdp_probe_result::Panic))
        })
    } else {
        run_blocking(cancel, work)
    }
}

/// Runs the future on a current-thread runtime of its own.
fn run_blocking<T, Fut: Future<Output = T>>(
    cancel: Option<&rdp_probe_cancel>,
    work: impl FnOnce() -> Fut,
) -> Result<T, rdp_probe_result> {
    if cancel.is_some_and(rdp_probe_cancel::is_triggered) {
        return Err(rdp_probe_result::Cancelled);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| rdp_probe_result::Runtime)?;
    runtime.block_on(async {
        let work = work();
        match cancel {
            None => Ok(work.await),
            Some(token) => tokio::select! {
                value = work => Ok(value),
                () = token.cancelled() => Err(rdp_probe_result::Cancelled),
            },
        }
    })
}
