//! The panic boundary: no panic ever unwinds into the caller's frames.
//!
//! Every exported function runs its body inside [`boundary`]. A panic there is caught and turned into
//! [`rdp_probe_result::Panic`] (or the function's documented default), and the process-wide panic hook
//! stays quiet for panics caught this way, so the host process sees neither an abort nor a message on
//! its stderr. Panics on other threads, outside a call into this library, still reach the hook that was
//! installed before (the host's own, when the host is a Rust program).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::result::rdp_probe_result;

thread_local! {
    /// Set while this thread is inside an exported function.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// What an export returns when its body panicked.
pub(crate) trait PanicValue {
    /// The value.
    fn on_panic() -> Self;
}

impl PanicValue for rdp_probe_result {
    fn on_panic() -> Self {
        rdp_probe_result::Panic
    }
}

impl<T> PanicValue for *mut T {
    fn on_panic() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> PanicValue for *const T {
    fn on_panic() -> Self {
        std::ptr::null()
    }
}

impl PanicValue for () {
    fn on_panic() -> Self {}
}

impl<T> PanicValue for Result<T, rdp_probe_result> {
    fn on_panic() -> Self {
        Err(rdp_probe_result::Panic)
    }
}

impl PanicValue for bool {
    fn on_panic() -> Self {
        false
    }
}

/// Runs `f`, catching any panic. The body must not leave shared state half-updated when it panics:
/// every export works on its own handle, and a handle is only published after it is complete.
pub(crate) fn boundary<R: PanicValue>(f: impl FnOnce() -> R) -> R {
    install_quiet_hook();
    let outer = INSIDE.with(|i| i.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|i| i.set(outer));
    result.unwrap_or_else(|_| R::on_panic())
}

/// Installs, once, a hook that is silent inside exported functions and defers to the previous hook
/// everywhere else.
fn install_quiet_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !INSIDE.with(Cell::get) {
                previous(info);
            }
        }));
    });
}
