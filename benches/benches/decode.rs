//! Throughput of the tolerant decoders on the PDUs a probe meets (spec-shaped frames from the encoders).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rdp_probe_wire::{credssp, frame, mcs, share, x224};

fn decoders(c: &mut Criterion) {
    let cc = x224::connection_confirm(&x224::ConnectionConfirm::Response {
        flags: 1,
        selected_protocol: 2,
    });
    let connect_response = mcs::connect_response_frame(&mcs::ConnectResponseSpec {
        result: 0,
        core_version: 0x0008_000C,
        client_requested_protocols: 0x0b,
        encryption: (0, 0),
        server_random: Vec::new(),
        server_certificate: Vec::new(),
        io_channel: 1003,
        channel_ids: vec![1004, 1005, 1006],
    });
    let errinfo = share::set_error_info_frame(1007, 1003, 7);
    let ts_error = credssp::encode_ts_request_error(6, 0xC000_006D);

    c.bench_function("frame_len+x224_confirm", |b| {
        b.iter(|| {
            let _ = black_box(frame::rdp_frame_len(black_box(&cc)));
            black_box(x224::parse_x224(black_box(&cc)).ok())
        });
    });
    let payload = match x224::parse_x224(&connect_response) {
        Ok(x224::X224Pdu::Data(p)) => p.to_vec(),
        _ => Vec::new(),
    };
    c.bench_function("mcs_connect_response", |b| {
        b.iter(|| black_box(mcs::parse_connect_response(black_box(&payload)).is_ok()))
    });
    c.bench_function("slow_path_set_error_info", |b| {
        b.iter(|| black_box(share::classify_slow_path_frame(black_box(&errinfo), false).is_ok()));
    });
    c.bench_function("ts_request_error_code", |b| {
        b.iter(|| black_box(credssp::parse_ts_request(black_box(&ts_error)).is_ok()))
    });
}

criterion_group!(benches, decoders);
criterion_main!(benches);
