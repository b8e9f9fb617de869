//! Byte counts must not depend on how the kernel delivers the server's bytes.
//!
//! Each test serves the same bytes twice: once written together (so they usually reach the probe in
//! one read), once with a pause between the decisive PDU and what follows it. The probe stops at the
//! decisive PDU either way, and both reports must count the same bytes in every phase: the PDU (over
//! TLS, the record carrying it), never the bytes behind it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bytes::Bytes;
use rdp_probe_core::framed::FrameReader;
use rdp_probe_core::{ProbeOptions, Protocols, Report, Target, Timeouts};
use rdp_probe_wire::frame::rdp_frame_len;
use rdp_probe_wire::mcs;
use rdp_probe_wire::x224::{self, ConnectionConfirm, PROTOCOL_SSL};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server hands its last two PDUs to the kernel.
#[derive(Clone, Copy, Debug)]
enum Delivery {
    /// Both written before the first flush.
    Together,
    /// The decisive one, a pause long enough for the probe to finish, then the other.
    Apart,
}

const PAUSE: Duration = Duration::from_millis(300);

/// Reads one whole TPKT frame.
async fn read_frame(stream: &mut (impl AsyncRead + Unpin), reader: &mut FrameReader) -> Bytes {
    reader
        .read_frame(stream, rdp_frame_len)
        .await
        .expect("a whole frame before the probe closes")
}

/// Writes `first` and `second` as `delivery` says, then keeps the connection open until the probe
/// closes it.
async fn deliver(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    delivery: Delivery,
    first: &[u8],
    second: &[u8],
) {
    stream.write_all(first).await.unwrap();
    if let Delivery::Apart = delivery {
        stream.flush().await.unwrap();
        tokio::time::sleep(PAUSE).await;
    }
    stream.write_all(second).await.unwrap();
    stream.flush().await.unwrap();
    let mut chunk = [0u8; 4096];
    while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
}

/// Probes `serve` (one connection) with the exact protocols `protocols`.
async fn probe_one<F, Fut>(protocols: Protocols, serve: F) -> Report
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        serve(stream).await;
    });
    let options = ProbeOptions {
        protocols: Some(protocols),
        timeouts: Timeouts::uniform(Duration::from_secs(5)),
        ..ProbeOptions::default()
    };
    let report = rdp_probe_core::probe(&Target::new("127.0.0.1", port).unwrap(), &options).await;
    server.abort();
    report
}

/// Per phase: (name, bytes sent, bytes received).
fn counts(report: &Report) -> Vec<(String, u64, u64)> {
    report
        .phases
        .iter()
        .map(|p| (p.phase.to_string(), p.bytes_sent, p.bytes_received))
        .collect()
}

/// Plain TCP: RDP_NEG_FAILURE (decisive), then a stray Connection Confirm behind it.
async fn negotiation_failure(delivery: Delivery) -> Report {
    probe_one(Protocols::SSL, move |mut stream| async move {
        let mut reader = FrameReader::new();
        let _request = read_frame(&mut stream, &mut reader).await;
        let failure = x224::connection_confirm(&ConnectionConfirm::Failure { flags: 0, code: 5 });
        let stray = x224::connection_confirm(&ConnectionConfirm::NoNegotiationData);
        deliver(&mut stream, delivery, &failure, &stray).await;
    })
    .await
}

/// TLS: the MCS Connect Initial is answered with a Disconnect Provider Ultimatum (decisive) in one
/// record, then a second ultimatum in a record of its own.
async fn ultimatum_over_tls(delivery: Delivery) -> Report {
    probe_one(Protocols::SSL, move |mut stream| async move {
        let mut reader = FrameReader::new();
        let _request = read_frame(&mut stream, &mut reader).await;
        stream
            .write_all(&x224::connection_confirm(&ConnectionConfirm::Response {
                flags: 0,
                selected_protocol: PROTOCOL_SSL,
            }))
            .await
            .unwrap();
        let mut tls = super::tls::acceptor()
            .unwrap()
            .accept(stream)
            .await
            .unwrap();
        let mut reader = FrameReader::new();
        let _connect_initial = read_frame(&mut tls, &mut reader).await;
        let first = mcs::disconnect_provider_ultimatum(3);
        let second = mcs::disconnect_provider_ultimatum(1);
        deliver(&mut tls, delivery, &first, &second).await;
    })
    .await
}

#[tokio::test]
async fn plain_tcp_counts_the_decisive_frame_not_what_follows_it() {
    let together = negotiation_failure(Delivery::Together).await;
    let apart = negotiation_failure(Delivery::Apart).await;
    let x224 = counts(&together)
        .into_iter()
        .find(|c| c.0 == "x224")
        .unwrap();
    // The Connection Confirm with RDP_NEG_FAILURE is 19 bytes ([MS-RDPBCGR] 2.2.1.2).
    assert_eq!(x224.2, 19, "{}", together.to_json());
    assert_eq!(counts(&together), counts(&apart), "{}", together.to_json());
    assert_eq!(together.failure(), apart.failure());
}

#[tokio::test]
async fn tls_counts_the_record_of_the_decisive_frame_not_the_records_behind_it() {
    let together = ultimatum_over_tls(Delivery::Together).await;
    let apart = ultimatum_over_tls(Delivery::Apart).await;
    let failure = together.failure().expect("a failure");
    assert_eq!(failure.phase.to_string(), "basic_settings");
    assert_eq!(counts(&together), counts(&apart), "{}", together.to_json());
    assert_eq!(together.failure(), apart.failure());
}
