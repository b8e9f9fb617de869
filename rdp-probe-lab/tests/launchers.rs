//! Ground truth for the lab launchers, independent of rdp-probe: each test starts a real server,
//! sends hand-built X.224 Connection Requests with RDP_NEG_REQ over a plain `TcpStream`, checks
//! the RDP_NEG_RSP / RDP_NEG_FAILURE bytes against the measured table in
//! `real-servers.md`, stops the server and checks that no process it started is left.
//!
//! These tests fail (they do not skip) when the servers are not installed: run
//! `scripts/install-test-deps.sh`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rdp_probe_lab::real::{
    CertKind, CryptLevel, LabCa, LabError, MISMATCH_HOST, SecurityLayer, ShadowConfig, ShadowSec,
    ShadowServer, XrdpConfig, XrdpServer, check_tools, free_port, group_alive, process_alive,
};

/// requestedProtocols values (MS-RDPBCGR 2.2.1.1.1).
const RDP: u32 = 0;
const SSL: u32 = 1;
const HYBRID: u32 = 2;

/// RDP_NEG_RSP flags xrdp sends: EXTENDED_CLIENT_DATA_SUPPORTED.
const XRDP_FLAGS: u8 = 0x01;
/// RDP_NEG_RSP flags the shadow server sends: EXTENDED_CLIENT_DATA_SUPPORTED | DYNVC_GFX_PROTOCOL_SUPPORTED.
const SHADOW_FLAGS: u8 = 0x03;

/// The 8 bytes of an RDP_NEG_RSP: type 2, flags, length 8, selectedProtocol.
fn rsp(flags: u8, selected: u32) -> [u8; 8] {
    neg_bytes(0x02, flags, selected)
}

/// The 8 bytes of an RDP_NEG_FAILURE: type 3, flags 0, length 8, failureCode.
fn fail(code: u32) -> [u8; 8] {
    neg_bytes(0x03, 0, code)
}

fn neg_bytes(kind: u8, flags: u8, value: u32) -> [u8; 8] {
    let v = value.to_le_bytes();
    [kind, flags, 0x08, 0x00, v[0], v[1], v[2], v[3]]
}

fn tools() {
    if let Err(e) = check_tools() {
        panic!("{e}");
    }
}

/// The 19-byte X.224 Connection Request: TPKT, X.224 CR, RDP_NEG_REQ.
fn connection_request(requested: u32) -> [u8; 19] {
    let mut cr = [0u8; 19];
    cr[..4].copy_from_slice(&[0x03, 0x00, 0x00, 0x13]);
    cr[4..11].copy_from_slice(&[0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00]);
    cr[11..15].copy_from_slice(&[0x01, 0x00, 0x08, 0x00]);
    cr[15..].copy_from_slice(&requested.to_le_bytes());
    cr
}

/// Sends a Connection Request and returns the whole Connection Confirm TPKT.
fn exchange(addr: SocketAddr, requested: u32) -> Vec<u8> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(&connection_request(requested))
        .expect("send CR");
    let mut tpkt = [0u8; 4];
    s.read_exact(&mut tpkt).expect("read TPKT header");
    assert_eq!(tpkt[..2], [0x03, 0x00], "not a TPKT: {tpkt:02x?}");
    let len = usize::from(u16::from_be_bytes([tpkt[2], tpkt[3]]));
    assert!((11..=64).contains(&len), "odd TPKT length {len}");
    let mut pdu = tpkt.to_vec();
    pdu.resize(len, 0);
    s.read_exact(&mut pdu[4..]).expect("read X.224 CC");
    pdu
}

/// Sends a Connection Request and returns the RDP_NEG_RSP / RDP_NEG_FAILURE of the reply.
fn negotiate(addr: SocketAddr, requested: u32) -> [u8; 8] {
    let cc = exchange(addr, requested);
    // TPKT length 19; X.224 CC: LI 14, code 0xd0, DST-REF, SRC-REF (xrdp 0x1234, shadow 0), class 0.
    assert_eq!(cc.len(), 19, "no RDP_NEG_* in the CC: {cc:02x?}");
    assert_eq!(
        cc[4..6],
        [0x0e, 0xd0],
        "not a Connection Confirm: {cc:02x?}"
    );
    assert_eq!(cc[10], 0x00, "X.224 class: {cc:02x?}");
    let mut neg = [0u8; 8];
    neg.copy_from_slice(&cc[11..]);
    neg
}

/// Checks the replies to RDP, SSL and HYBRID requests.
fn assert_replies(addr: SocketAddr, expected: [[u8; 8]; 3]) {
    let got = [RDP, SSL, HYBRID].map(|req| negotiate(addr, req));
    assert_eq!(got, expected, "replies to RDP / SSL / HYBRID from {addr}");
}

/// Waits (bounded) until none of the process groups has a live process.
fn assert_all_gone(pgids: &[u32]) {
    assert!(!pgids.is_empty());
    let deadline = Instant::now() + Duration::from_secs(2);
    while pgids.iter().any(|&g| group_alive(g) || process_alive(g)) {
        assert!(Instant::now() < deadline, "left running: {pgids:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_xrdp(cfg: XrdpConfig) -> XrdpServer {
    tools();
    let t = Instant::now();
    let server = XrdpServer::start(cfg).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("xrdp on {} ready in {:?}", server.addr(), t.elapsed());
    assert!(server.run_dir().join("xrdp.ini").is_file());
    server
}

fn stop_xrdp(server: XrdpServer) {
    let pgids = server.pgids();
    let run_dir = server.run_dir().to_path_buf();
    let t = Instant::now();
    server.stop();
    eprintln!("xrdp stopped in {:?}", t.elapsed());
    assert_all_gone(&pgids);
    assert!(!run_dir.exists() || std::env::var_os("RDP_PROBE_LAB_KEEP").is_some());
}

fn start_shadow(cfg: ShadowConfig) -> ShadowServer {
    tools();
    let t = Instant::now();
    let server = ShadowServer::start(cfg).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "shadow on {} (:{}) ready in {:?}",
        server.addr(),
        server.display(),
        t.elapsed()
    );
    server
}

fn stop_shadow(server: ShadowServer) {
    let pgids = server.pgids();
    let t = Instant::now();
    server.stop();
    eprintln!("shadow stopped in {:?}", t.elapsed());
    assert_all_gone(&pgids);
}

#[test]
fn xrdp_negotiate() {
    let server = start_xrdp(XrdpConfig::default());
    // A HYBRID-only request gets RDP: xrdp 0.9 has no CredSSP (and does not say so).
    assert_replies(
        server.addr(),
        [
            rsp(XRDP_FLAGS, RDP),
            rsp(XRDP_FLAGS, SSL),
            rsp(XRDP_FLAGS, RDP),
        ],
    );
    assert_eq!(negotiate(server.addr(), SSL | HYBRID), rsp(XRDP_FLAGS, SSL));
    // The forked per-connection children are in the server's process group and stop with it.
    stop_xrdp(server);
}

#[test]
fn xrdp_tls() {
    let server = start_xrdp(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        ..XrdpConfig::default()
    });
    assert_replies(server.addr(), [fail(1), rsp(XRDP_FLAGS, SSL), fail(1)]);
    stop_xrdp(server);
}

#[test]
fn xrdp_rdp_crypt_none() {
    let server = start_xrdp(XrdpConfig {
        security_layer: SecurityLayer::Rdp,
        crypt_level: CryptLevel::None,
        ..XrdpConfig::default()
    });
    assert_replies(server.addr(), [rsp(XRDP_FLAGS, RDP); 3]);
    stop_xrdp(server);
}

#[test]
fn xrdp_missing_cert_is_ssl_cert_not_on_server() {
    let server = start_xrdp(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        cert: CertKind::Missing,
        ..XrdpConfig::default()
    });
    assert!(!server.cert().cert.exists());
    assert_replies(server.addr(), [fail(3); 3]);
    stop_xrdp(server);
}

#[test]
fn xrdp_stops_on_drop() {
    let server = start_xrdp(XrdpConfig::default());
    let pgids = server.pgids();
    let addr = server.addr();
    assert_eq!(negotiate(addr, SSL), rsp(XRDP_FLAGS, SSL));
    drop(server);
    assert_all_gone(&pgids);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn xrdp_on_a_busy_port_fails_with_its_log() {
    tools();
    let port = free_port();
    let _squatter = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    let t = Instant::now();
    let err = XrdpServer::start_on(XrdpConfig::default(), port).expect_err("port is taken");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    let LabError::NotReady {
        reason, log_tail, ..
    } = &err
    else {
        panic!("unexpected error: {err}")
    };
    assert!(reason.contains("exited"), "{err}");
    assert!(log_tail.contains("trans_listen_address failed"), "{err}");
}

#[test]
fn shadow_nla() {
    let server = start_shadow(ShadowConfig::default());
    assert!(
        server
            .run_dir()
            .join("cfg/freerdp/shadow/shadow.crt")
            .is_file()
    );
    let sam = std::fs::read_to_string(server.run_dir().join("sam")).expect("sam file");
    assert!(sam.starts_with("labuser:::"), "{sam}");
    assert_replies(server.addr(), [fail(5), fail(5), rsp(SHADOW_FLAGS, HYBRID)]);
    stop_shadow(server);
}

#[test]
fn shadow_tls() {
    let server = start_shadow(ShadowConfig {
        nla: None,
        sec: ShadowSec::Tls,
    });
    assert_replies(server.addr(), [fail(1), rsp(SHADOW_FLAGS, SSL), fail(1)]);
    stop_shadow(server);
}

#[test]
fn shadow_nonla() {
    let server = start_shadow(ShadowConfig {
        nla: None,
        sec: ShadowSec::NoNla,
    });
    assert_replies(
        server.addr(),
        [rsp(SHADOW_FLAGS, RDP), rsp(SHADOW_FLAGS, SSL), fail(2)],
    );
    stop_shadow(server);
}

#[test]
fn shadow_nla_needs_an_account() {
    let err = ShadowServer::start(ShadowConfig {
        nla: None,
        sec: ShadowSec::Nla,
    })
    .expect_err("no account");
    assert!(matches!(err, LabError::InvalidConfig(_)), "{err}");
}

#[test]
fn free_ports_are_distinct() {
    let mut ports: Vec<u16> = (0..50).map(|_| free_port()).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 50);
}

fn openssl(args: &[&str], cert: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .arg(cert)
        .output()
        .expect("openssl");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn lab_ca_issues_every_kind() {
    tools();
    let dir = std::env::temp_dir().join(format!("rdp-probe-lab/ca-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ca = LabCa::create(&dir).unwrap_or_else(|e| panic!("{e}"));
    let ca_file = ca.cert_path().to_str().expect("utf-8 path").to_owned();
    let issue = |kind| {
        ca.issue(kind, &format!("{kind:?}"))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let text = |cert: &Path| openssl(&["x509", "-noout", "-text", "-in"], cert).1;

    let good = issue(CertKind::CaSigned);
    let (ok, out) = openssl(&["verify", "-CAfile", &ca_file], &good.cert);
    assert!(ok, "{out}");
    let t = text(&good.cert);
    for needle in [
        "Subject: CN = localhost",
        "DNS:localhost",
        "IP Address:127.0.0.1",
        "IP Address:0:0:0:0:0:0:0:1",
    ] {
        assert!(t.contains(needle), "{needle} missing in\n{t}");
    }
    assert!(
        t.contains("sha256WithRSAEncryption") && t.contains("(2048 bit)"),
        "{t}"
    );
    assert!(t.contains("Issuer: CN = rdp-lab test CA"), "{t}");

    let expired = issue(CertKind::Expired);
    let (ok, out) = openssl(&["verify", "-CAfile", &ca_file], &expired.cert);
    assert!(!ok && out.contains("expired"), "{out}");
    // Only its dates are wrong.
    let (ok, out) = openssl(
        &["verify", "-no_check_time", "-CAfile", &ca_file],
        &expired.cert,
    );
    assert!(ok, "{out}");
    assert!(text(&expired.cert).contains("Not After : Feb  1 00:00:00 2020 GMT"));

    let mismatch = issue(CertKind::NameMismatch);
    let (ok, out) = openssl(&["verify", "-CAfile", &ca_file], &mismatch.cert);
    assert!(ok, "{out}");
    let (ok, out) = openssl(
        &[
            "verify",
            "-verify_hostname",
            "localhost",
            "-CAfile",
            &ca_file,
        ],
        &mismatch.cert,
    );
    assert!(!ok, "{out}");
    assert!(text(&mismatch.cert).contains(&format!("Subject: CN = {MISMATCH_HOST}")));

    let selfsigned = issue(CertKind::SelfSigned);
    let (ok, out) = openssl(&["verify", "-CAfile", &ca_file], &selfsigned.cert);
    assert!(!ok && out.contains("self-signed"), "{out}");
    let t = text(&selfsigned.cert);
    assert!(
        t.contains("Issuer: CN = localhost") && t.contains("DNS:localhost"),
        "{t}"
    );

    let missing = issue(CertKind::Missing);
    assert!(!missing.cert.exists() && !missing.key.exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
