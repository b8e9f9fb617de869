//! Strings across the boundary: NUL-terminated UTF-8 in, caller-provided buffers out.

use std::ffi::{CStr, c_char};

use crate::result::rdp_probe_result;

/// Borrows a NUL-terminated UTF-8 string.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid and unchanged while the
/// returned slice is in use.
pub(crate) unsafe fn read_str<'a>(ptr: *const c_char) -> Result<&'a str, rdp_probe_result> {
    if ptr.is_null() {
        return Err(rdp_probe_result::NullParameter);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|_| rdp_probe_result::InvalidUtf8)
}

/// Like [`read_str`], but NULL is `None`.
///
/// # Safety
/// As [`read_str`].
pub(crate) unsafe fn read_opt_str<'a>(
    ptr: *const c_char,
) -> Result<Option<&'a str>, rdp_probe_result> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: as this function's own contract.
        unsafe { read_str(ptr) }.map(Some)
    }
}

/// Writes `text` and a NUL into `buf` when it fits, and its size (NUL included) into `*out_needed`.
/// See `rdp_probe_result_message` for the convention.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes of writes; `out_needed` must be NULL or valid for a
/// write.
pub(crate) unsafe fn write_str(
    text: &str,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    if out_needed.is_null() || (buf.is_null() && len != 0) {
        return rdp_probe_result::NullParameter;
    }
    let needed = text.len().saturating_add(1);
    // SAFETY: `out_needed` is non-NULL and valid for a write by the caller's contract.
    unsafe { out_needed.write(needed) };
    if len < needed {
        return rdp_probe_result::BufferTooSmall;
    }
    let dst = buf.cast::<u8>();
    // SAFETY: `buf` is non-NULL here (len >= needed >= 1) and valid for `len >= text.len() + 1`
    // bytes; `text` is a distinct Rust allocation, so the ranges do not overlap.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), dst, text.len()) };
    // SAFETY: `text.len() < len`: the offset stays inside the caller's buffer.
    let end = unsafe { dst.add(text.len()) };
    // SAFETY: `end` is inside the caller's buffer, valid for a write.
    unsafe { end.write(0) };
    rdp_probe_result::Ok
}

/// Writes `value` through `out`, or reports a NULL `out`.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) -> rdp_probe_result {
    if out.is_null() {
        return rdp_probe_result::NullParameter;
    }
    // SAFETY: non-NULL and valid for a write by the caller's contract.
    unsafe { out.write(value) };
    rdp_probe_result::Ok
}

/// Writes `value` through `out` unless `out` is NULL (an output the caller does not want).
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn write_if_wanted<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL and valid for a write by the caller's contract.
        unsafe { out.write(value) };
    }
}
