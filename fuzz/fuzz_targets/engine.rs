#![no_main]
//! Fuzz target: the sans-IO engine against an adversarial server, step by step, through the transcript
//! harness. The input format and the oracle (no panic, the probe finishes, the report meets
//! `check_invariants`, no phase past its deadline in scripted time) are in
//! `rdp_probe_core::engine::transcript::fuzz`; `rdp-probe-core/tests/engine_props.rs` replays
//! `fuzz/regressions/engine/`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = rdp_probe_core::engine::transcript::fuzz::check(data) {
        panic!("{violation}");
    }
});
