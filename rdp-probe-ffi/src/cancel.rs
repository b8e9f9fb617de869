//! The cancel token: lets another thread stop a blocking `rdp_probe_run`, `rdp_probe_inventory_run`
//! or a scan.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use crate::handle::free_arc;
use crate::panic::boundary;
use crate::result::rdp_probe_result;

/// A cancel token. Made by `rdp_probe_cancel_new`, freed with `rdp_probe_cancel_free`.
///
/// Thread safety: every `rdp_probe_cancel_*` function may be called from any thread at any time,
/// concurrently with `rdp_probe_run` calls (and scans) that use the token. Once triggered a token stays
/// triggered; one token may serve several runs, which all stop.
pub struct rdp_probe_cancel {
    triggered: AtomicBool,
    notify: Notify,
}

impl rdp_probe_cancel {
    /// An untriggered token (also the scan's own stop and abort flags).
    pub(crate) fn new() -> Self {
        rdp_probe_cancel {
            triggered: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    /// Triggers the token and wakes whatever waits on it.
    pub(crate) fn trigger(&self) {
        self.triggered.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Resolves once the token is triggered (at once if it already is).
    pub(crate) async fn cancelled(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Registered before the flag is read, so a trigger in between is not missed.
            notified.as_mut().enable();
            if self.triggered.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn is_triggered(&self) -> bool {
        self.triggered.load(Ordering::Acquire)
    }
}

/// A new, untriggered cancel token. Returns NULL only if a panic was caught.
#[unsafe(no_mangle)]
pub extern "C" fn rdp_probe_cancel_new() -> *const rdp_probe_cancel {
    boundary(|| Arc::into_raw(Arc::new(rdp_probe_cancel::new())))
}

/// Triggers the token: every `rdp_probe_run` or `rdp_probe_inventory_run` using it returns
/// `RDP_PROBE_RESULT_CANCELLED` promptly (without a report or inventory), and runs started with it
/// later return that at once. A scan using it (`rdp_probe_scan_start`) drops its probes in flight:
/// `rdp_probe_scan_next` returns the reports already finished, then `RDP_PROBE_RESULT_CANCELLED`.
///
/// Returns `NULL_PARAMETER` for a NULL token.
///
/// # Safety
/// `cancel` must be NULL or a live token.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_cancel_trigger(
    cancel: *const rdp_probe_cancel,
) -> rdp_probe_result {
    boundary(|| {
        // SAFETY: the caller's contract.
        let Some(c) = (unsafe { cancel.as_ref() }) else {
            return rdp_probe_result::NullParameter;
        };
        c.trigger();
        rdp_probe_result::Ok
    })
}

/// Whether the token has been triggered. False for NULL.
///
/// # Safety
/// `cancel` must be NULL or a live token.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_cancel_is_triggered(cancel: *const rdp_probe_cancel) -> bool {
    boundary(|| {
        // SAFETY: the caller's contract.
        unsafe { cancel.as_ref() }.is_some_and(rdp_probe_cancel::is_triggered)
    })
}

/// Frees a token. NULL is accepted and ignored. Free it only after every `rdp_probe_run` given this
/// token has returned (as for `rdp_probe_config_free`).
///
/// # Safety
/// `cancel` must be NULL or a live token, not used again afterwards, and not in use by a call on
/// another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_cancel_free(cancel: *const rdp_probe_cancel) {
    // SAFETY: made by `Arc::into_raw` in `rdp_probe_cancel_new`; the caller's contract.
    boundary(|| unsafe { free_arc(cancel) })
}
