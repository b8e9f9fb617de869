//! The sans-IO engine without a network: one probe from X.224 to a server that closes after the MCS
//! Connect Response (connector construction, negotiation, GCC parsing, report and JSON).

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rdp_probe_core::engine::{Action, FrameCheck, IoFailure, Machine};
use rdp_probe_core::{ProbeOptions, Target};
use rdp_probe_wire::{mcs, x224};

fn one_probe(frames: &[Vec<u8>], target: &Target, addr: SocketAddr) -> String {
    let mut m = Machine::new(target.clone(), ProbeOptions::default(), 0);
    let mut next = frames.iter();
    let now = Duration::from_millis(1);
    loop {
        match m.poll(now) {
            Action::Connect | Action::Reconnect => m.on_connected(addr, now),
            Action::Receive(framing) => match next.next() {
                Some(f) => match m.check_frame(framing, f) {
                    FrameCheck::Complete(n) => m.on_frame(&f[..n], now),
                    FrameCheck::Invalid(k) => m.on_invalid_frame(k, now),
                    FrameCheck::Incomplete => m.on_timeout(f.len(), now),
                },
                None => m.on_io_failure(IoFailure::Closed, now),
            },
            Action::Finish => break,
            _ => {}
        }
    }
    m.finish(now).to_json()
}

fn engine(c: &mut Criterion) {
    let frames = vec![
        x224::connection_confirm(&x224::ConnectionConfirm::Response {
            flags: 1,
            selected_protocol: 0,
        }),
        mcs::connect_response_frame(&mcs::ConnectResponseSpec {
            result: 0,
            core_version: 0x0008_0004,
            client_requested_protocols: 0,
            encryption: (0, 0),
            io_channel: 1003,
            channel_ids: Vec::new(),
        }),
    ];
    let target = Target::new("127.0.0.1", 3389).unwrap_or_else(|e| panic!("{e}"));
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 3389));
    c.bench_function("engine_probe_to_channel_connection", |b| {
        b.iter(|| black_box(one_probe(&frames, &target, addr)))
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
