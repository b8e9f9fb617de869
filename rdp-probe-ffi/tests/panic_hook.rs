//! The panic boundary keeps the host's panic hook quiet for panics it catches, and leaves it in
//! charge of every other panic. (A test binary of its own: it installs a process-wide hook.)

use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};

use rdp_probe::{rdp_probe_result, rdp_probe_selftest_panic};

static HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn caught_panics_are_silent_and_others_still_reach_the_hosts_hook() {
    panic::set_hook(Box::new(|_| {
        HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
    }));
    for _ in 0..3 {
        assert_eq!(rdp_probe_selftest_panic(), rdp_probe_result::Panic);
    }
    assert_eq!(
        HOOK_CALLS.load(Ordering::SeqCst),
        0,
        "the host's hook saw a caught panic"
    );

    let outside = panic::catch_unwind(|| panic!("a panic of the host's own"));
    assert!(outside.is_err());
    assert_eq!(
        HOOK_CALLS.load(Ordering::SeqCst),
        1,
        "the host's own panic bypassed its hook"
    );
    let _ = panic::take_hook();
}
