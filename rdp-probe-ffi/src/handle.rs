//! How the opaque handles are owned: by a `Box` when one caller owns the handle alone (builder,
//! report), by an `Arc` when runs share it (config, cancel token). Each `_free` export calls one of
//! the two `free_*` functions here, and `rdp_probe_run` takes its own references with [`clone_arc`].
//! The setters of the handles one caller owns and changes (config builder, scan options) go through
//! [`edit`].

use std::sync::Arc;

use crate::panic::boundary;
use crate::result::rdp_probe_result;

/// Runs `change` on the handle behind `ptr`, inside the panic boundary: NULL is `NULL_PARAMETER`,
/// and `change`'s error is the result. Every `change` validates before it writes, so an error leaves
/// the handle as it was.
///
/// # Safety
/// `ptr` must be NULL or a live handle made by `Box::into_raw`, not used elsewhere now.
pub(crate) unsafe fn edit<T>(
    ptr: *mut T,
    change: impl FnOnce(&mut T) -> Result<(), rdp_probe_result>,
) -> rdp_probe_result {
    boundary(|| {
        // SAFETY: the caller's contract.
        match unsafe { ptr.as_mut() } {
            Some(handle) => change(handle).err().unwrap_or(rdp_probe_result::Ok),
            None => rdp_probe_result::NullParameter,
        }
    })
}

/// Frees a handle made by `Box::into_raw`; NULL is ignored.
///
/// # Safety
/// `ptr` must be NULL or come from `Box::into_raw` of a `Box<T>`, and not be used again.
pub(crate) unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: made by `Box::into_raw`, freed once by the caller's contract.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Releases the caller's reference to a handle made by `Arc::into_raw`; NULL is ignored.
///
/// # Safety
/// `ptr` must be NULL or come from `Arc::into_raw` of an `Arc<T>`, and not be used again by the
/// caller.
pub(crate) unsafe fn free_arc<T>(ptr: *const T) {
    if !ptr.is_null() {
        // SAFETY: made by `Arc::into_raw`; this releases the caller's one reference.
        drop(unsafe { Arc::from_raw(ptr) });
    }
}

/// Takes a new reference to a live handle made by `Arc::into_raw`, for a run that may outlive the
/// caller's reference.
///
/// # Safety
/// `ptr` must be non-NULL, come from `Arc::into_raw` of an `Arc<T>`, and be live.
pub(crate) unsafe fn clone_arc<T>(ptr: *const T) -> Arc<T> {
    // SAFETY: `ptr` came from `Arc::into_raw`; the caller's reference keeps it alive.
    unsafe { Arc::increment_strong_count(ptr) };
    // SAFETY: the count raised above is the one this `Arc` owns.
    unsafe { Arc::from_raw(ptr) }
}
