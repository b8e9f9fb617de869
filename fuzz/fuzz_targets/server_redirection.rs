#![no_main]
//! Fuzz target: see `rdp_probe_wire::fuzz_oracles::server_redirection`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdp_probe_wire::fuzz_oracles::server_redirection(data));
