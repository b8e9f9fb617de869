//! The lab's scripted DNS server against the wire crate's SRV query and reply decoder: the records
//! of a known name in the order rdp-probe tries them, NXDOMAIN for an unknown name, FORMERR for
//! garbage, a truncated reply when the records do not fit, and a silent server that times out.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rdp_probe_lab::dns::DnsServer;
use rdp_probe_wire::dns::{
    self, RCODE_FORMERR, RCODE_NOERROR, RCODE_NXDOMAIN, SrvRecord, SrvResponse, kerberos_srv_name,
    order_srv, parse_srv_response, srv_query,
};
use tokio::net::UdpSocket;

const REALM: &str = "RDP-PROBE.TEST";
/// How long a test waits for a reply that must come.
const REPLY_WAIT: Duration = Duration::from_secs(5);
/// How long a test waits for a reply that must not come.
const SILENCE_WAIT: Duration = Duration::from_millis(300);

fn rec(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
    SrvRecord {
        priority,
        weight,
        port,
        target: target.to_owned(),
    }
}

/// Sends `datagram` from a fresh socket and waits up to `wait` for one reply.
async fn exchange(server: SocketAddr, datagram: &[u8], wait: Duration) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket.send_to(datagram, server).await.expect("send");
    let mut buf = vec![0u8; 65_535];
    match tokio::time::timeout(wait, socket.recv_from(&mut buf)).await {
        Ok(Ok((n, from))) => {
            assert_eq!(from, server);
            buf.truncate(n);
            Some(buf)
        }
        // A closed port may come back as an ICMP error: no answer either.
        Ok(Err(_)) | Err(_) => None,
    }
}

async fn ask(server: &DnsServer, id: u16, name: &str) -> SrvResponse {
    let query = srv_query(id, name).expect("query");
    let reply = exchange(server.addr(), &query, REPLY_WAIT)
        .await
        .expect("a reply");
    assert!(reply.len() <= dns::MAX_UDP_PAYLOAD);
    let r = parse_srv_response(&reply).expect("a reply that decodes");
    assert_eq!(r.id, id);
    r
}

/// Waits (bounded) until the server has counted `n` datagrams.
async fn wait_for_queries(server: &DnsServer, n: usize) {
    let deadline = Instant::now() + REPLY_WAIT;
    while server.queries() < n {
        assert!(
            Instant::now() < deadline,
            "{} of {n} queries",
            server.queries()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(server.queries(), n);
}

fn realm_records() -> Vec<(String, SrvRecord)> {
    let owner = kerberos_srv_name(REALM);
    vec![
        (owner.clone(), rec(10, 0, 88, "kdc3.rdp-probe.test")),
        (owner.clone(), rec(0, 10, 88, "kdc1.rdp-probe.test")),
        (
            "_kerberos._udp.RDP-PROBE.TEST".to_owned(),
            rec(0, 0, 88, "udp.rdp-probe.test"),
        ),
        (owner.clone(), rec(0, 60, 1088, "kdc2.RDP-PROBE.TEST")),
        (owner, rec(20, 0, 0, "")),
    ]
}

#[tokio::test]
async fn a_known_name_gets_its_records_in_the_order_to_try() {
    let server = DnsServer::start(realm_records()).await.expect("start");
    assert!(server.addr().ip().is_loopback());

    let r = ask(&server, 0x5151, &kerberos_srv_name(REALM)).await;
    assert_eq!(r.rcode, RCODE_NOERROR);
    assert!(!r.truncated);
    assert_eq!(r.other_answers, 0);
    assert_eq!(
        r.records,
        [
            rec(10, 0, 88, "kdc3.rdp-probe.test"),
            rec(0, 10, 88, "kdc1.rdp-probe.test"),
            rec(0, 60, 1088, "kdc2.RDP-PROBE.TEST"),
            rec(20, 0, 0, ""),
        ]
    );
    assert!(!r.service_unavailable());
    let mut ordered = r.records;
    order_srv(&mut ordered);
    let targets: Vec<(&str, u16)> = ordered
        .iter()
        .map(|r| (r.target.as_str(), r.port))
        .collect();
    assert_eq!(
        targets,
        [
            ("kdc2.RDP-PROBE.TEST", 1088),
            ("kdc1.rdp-probe.test", 88),
            ("kdc3.rdp-probe.test", 88),
        ]
    );

    // Names compare without regard to case or a trailing dot.
    let again = ask(&server, 2, "_KERBEROS._TCP.rdp-probe.test.").await;
    assert_eq!(again.records.len(), 4);
    // The other owner name has its own record.
    let udp = ask(&server, 3, "_kerberos._udp.rdp-probe.test").await;
    assert_eq!(udp.records, [rec(0, 0, 88, "udp.rdp-probe.test")]);

    // The same name asked for an A record: no error, no records.
    let mut query = srv_query(4, &kerberos_srv_name(REALM)).expect("query");
    let qtype_at = query.len() - 4;
    query[qtype_at..qtype_at + 2].copy_from_slice(&dns::TYPE_A.to_be_bytes());
    let reply = exchange(server.addr(), &query, REPLY_WAIT)
        .await
        .expect("a reply");
    let r = parse_srv_response(&reply).expect("decodes");
    assert_eq!((r.id, r.rcode, r.records.len()), (4, RCODE_NOERROR, 0));

    wait_for_queries(&server, 4).await;
}

#[tokio::test]
async fn a_service_that_is_not_available_has_only_the_root_target() {
    let owner = kerberos_srv_name(REALM);
    let server = DnsServer::start(vec![(owner.clone(), rec(0, 0, 0, ""))])
        .await
        .expect("start");
    let r = ask(&server, 9, &owner).await;
    assert!(r.service_unavailable());
    let mut ordered = r.records;
    order_srv(&mut ordered);
    assert!(ordered.is_empty());
}

#[tokio::test]
async fn an_unknown_name_is_nxdomain() {
    let server = DnsServer::start(realm_records()).await.expect("start");
    let r = ask(&server, 0xfffe, &kerberos_srv_name("OTHER.TEST")).await;
    assert_eq!(r.rcode, RCODE_NXDOMAIN);
    assert_eq!(dns::rcode_name(r.rcode), Some("NXDOMAIN"));
    assert!(r.records.is_empty());
    wait_for_queries(&server, 1).await;
}

#[tokio::test]
async fn garbage_gets_formerr() {
    let server = DnsServer::start(realm_records()).await.expect("start");
    let valid = srv_query(0x0102, &kerberos_srv_name(REALM)).expect("query");
    let mut as_response = valid.clone();
    as_response[2] |= 0x80;
    let mut two_questions = valid.clone();
    two_questions[5] = 2;
    let mut compressed = valid[..dns::HEADER_LEN].to_vec();
    compressed.extend_from_slice(&[0xc0, 0x0c, 0, 33, 0, 1]);
    let cases: [(&str, &[u8], u16); 6] = [
        ("three bytes", &[0xab, 0xcd, 0xff], 0xabcd),
        ("one byte", &[0x42], 0),
        ("header only", &valid[..dns::HEADER_LEN], 0x0102),
        ("a response", &as_response, 0x0102),
        ("two questions", &two_questions, 0x0102),
        ("a compressed question", &compressed, 0x0102),
    ];
    for (what, datagram, id) in cases {
        let reply = exchange(server.addr(), datagram, REPLY_WAIT)
            .await
            .unwrap_or_else(|| panic!("{what}: no reply"));
        let r = parse_srv_response(&reply).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!((r.id, r.rcode), (id, RCODE_FORMERR), "{what}");
        assert!(r.records.is_empty(), "{what}");
    }
    wait_for_queries(&server, cases.len()).await;
}

#[tokio::test]
async fn records_that_do_not_fit_set_the_tc_bit() {
    let owner = kerberos_srv_name(REALM);
    let records = (0..40u16)
        .map(|i| {
            let target = format!("kdc-{i:02}.{}", "sub.".repeat(6) + "rdp-probe.test");
            (owner.clone(), rec(i, 0, 88, &target))
        })
        .collect();
    let server = DnsServer::start(records).await.expect("start");
    let r = ask(&server, 1, &owner).await;
    assert!(r.truncated);
    assert!(!r.records.is_empty() && r.records.len() < 40);
    assert_eq!(
        r.records[0].target,
        "kdc-00.sub.sub.sub.sub.sub.sub.rdp-probe.test"
    );
}

#[tokio::test]
async fn names_that_cannot_be_queried_are_refused() {
    let bad = vec![(kerberos_srv_name(REALM), rec(0, 0, 88, "bad host"))];
    let e = DnsServer::start(bad)
        .await
        .expect_err("a target with a space");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_silent_server_times_out_and_a_dropped_one_is_gone() {
    let silent = DnsServer::silent().await.expect("start");
    let query = srv_query(7, &kerberos_srv_name(REALM)).expect("query");
    let started = Instant::now();
    assert_eq!(exchange(silent.addr(), &query, SILENCE_WAIT).await, None);
    assert!(started.elapsed() < REPLY_WAIT);
    wait_for_queries(&silent, 1).await;

    let server = DnsServer::start(realm_records()).await.expect("start");
    let addr = server.addr();
    assert!(exchange(addr, &query, REPLY_WAIT).await.is_some());
    drop(server);
    tokio::task::yield_now().await;
    assert_eq!(exchange(addr, &query, SILENCE_WAIT).await, None);
}
