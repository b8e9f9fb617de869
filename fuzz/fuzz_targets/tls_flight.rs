#![no_main]
//! Fuzz target: see `rdp_probe_wire::fuzz_oracles::tls_flight`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdp_probe_wire::fuzz_oracles::tls_flight(data));
