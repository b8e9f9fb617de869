#![no_main]
//! Fuzz target: see `rdp_probe_wire::fuzz_oracles::dns_srv`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdp_probe_wire::fuzz_oracles::dns_srv(data));
