//! The sans-IO engine without a network: one probe from X.224 to a server that closes after the MCS
//! Connect Response (connector construction, negotiation, GCC parsing, report and JSON), driven by the
//! transcript harness (`rdp_probe_core::engine::transcript`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rdp_probe_core::Target;
use rdp_probe_core::engine::transcript::{Event, Setup, server};
use rdp_probe_wire::x224;

fn engine(c: &mut Criterion) {
    let events = vec![
        Event::Frame(server::confirm(x224::PROTOCOL_RDP)),
        Event::Frame(server::connect_response()),
    ];
    let target = Target::new("127.0.0.1", 3389).unwrap_or_else(|e| panic!("{e}"));
    let setup = Setup::new(target);
    c.bench_function("engine_probe_to_channel_connection", |b| {
        b.iter(|| black_box(setup.run(events.clone()).report.to_json()))
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
