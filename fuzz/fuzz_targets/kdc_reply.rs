#![no_main]
//! Fuzz target: see `rdp_probe_wire::fuzz_oracles::kdc_reply`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdp_probe_wire::fuzz_oracles::kdc_reply(data));
