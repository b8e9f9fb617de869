//! The inventory's TLS versions and suites against `sslscan --rdp` (2.0.x, Debian's), on the same real
//! servers: equal where sslscan is right, and one test for where it is not — sslscan sends its
//! ClientHellos whatever the X.224 answer was (`rdp-inventory.md` §3.4), so on FreeRDP's shadow server
//! configured for Standard RDP Security only, which refuses TLS at X.224 with
//! SSL_NOT_ALLOWED_BY_SERVER but completes a handshake when a client starts one anyway, it lists the
//! suites of a TLS the server's configuration refuses. rdp-probe starts no TLS after a refusal.
//!
//! sslscan is installed by scripts/install-test-deps.sh; without it these tests fail (they say so).

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use rdp_probe_core::inventory::{Inventory, InventoryOptions, inventory};
use rdp_probe_core::{Target, Timeouts};
use rdp_probe_lab::real::{
    SecurityLayer, ShadowConfig, ShadowSec, ShadowServer, XrdpConfig, XrdpServer,
};

/// What sslscan found: per version name (`TLSv1.2`), whether enabled and the suite ids.
#[derive(Debug, Default, PartialEq, Eq)]
struct Scan {
    enabled: BTreeSet<String>,
    suites: BTreeMap<String, BTreeSet<u16>>,
}

/// The value of `name="..."` in one XML tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn sslscan(addr: SocketAddr) -> Scan {
    let dir = std::env::temp_dir().join(format!(
        "rdp-probe-sslscan-{}-{}",
        std::process::id(),
        addr.port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let xml_path = dir.join("scan.xml");
    let out = Command::new("timeout")
        .args(["120", "sslscan", "--rdp", "--no-colour"])
        .arg(format!("--xml={}", xml_path.display()))
        .arg(addr.to_string())
        .output()
        .expect("sslscan is installed by scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "sslscan: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut scan = Scan::default();
    for tag in xml.split('<') {
        if tag.starts_with("protocol ") && attr(tag, "enabled") == Some("1") {
            let kind = attr(tag, "type").unwrap();
            let version = attr(tag, "version").unwrap();
            scan.enabled.insert(match kind {
                "tls" => format!("TLSv{version}"),
                _ => format!("SSLv{version}"),
            });
        }
        if tag.starts_with("cipher ") {
            let version = attr(tag, "sslversion").unwrap().to_owned();
            let id =
                u16::from_str_radix(attr(tag, "id").unwrap().trim_start_matches("0x"), 16).unwrap();
            scan.suites.entry(version).or_default().insert(id);
        }
    }
    scan
}

async fn take(addr: SocketAddr) -> Inventory {
    let target = Target::new(addr.ip().to_string(), addr.port()).unwrap();
    inventory(
        &target,
        &InventoryOptions {
            timeouts: Timeouts::uniform(Duration::from_secs(10)),
            ..InventoryOptions::default()
        },
    )
    .await
}

/// The inventory's answer in sslscan's terms.
fn as_scan(inv: &Inventory) -> Scan {
    let mut scan = Scan::default();
    if let Some(tls) = &inv.tls {
        for (version, r) in &tls.versions {
            if r.accepted {
                scan.enabled.insert(version.clone());
                scan.suites.insert(
                    version.clone(),
                    r.cipher_suite_ids.iter().copied().collect(),
                );
            }
        }
    }
    scan
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_suites_agree_with_sslscan_where_it_is_right() {
    let xrdp = XrdpServer::start(XrdpConfig::default()).unwrap();
    let tls10 = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        tls_protocols: "TLSv1",
        tls_ciphers: Some("DEFAULT@SECLEVEL=0"),
        ..XrdpConfig::default()
    })
    .unwrap();
    let shadow = ShadowServer::start(ShadowConfig::default()).unwrap();
    for (name, addr) in [
        ("xrdp negotiate", xrdp.addr()),
        ("xrdp TLS 1.0 only", tls10.addr()),
        ("shadow NLA", shadow.addr()),
    ] {
        let theirs = sslscan(addr);
        let ours = as_scan(&take(addr).await);
        assert!(!ours.enabled.is_empty(), "{name}");
        assert_eq!(
            ours, theirs,
            "{name}: rdp-probe (left) against sslscan (right)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslscan_lists_suites_of_a_tls_the_server_refused_at_x224() {
    let server = ShadowServer::start(ShadowConfig {
        nla: None,
        sec: ShadowSec::Rdp,
    })
    .unwrap();
    let theirs = sslscan(server.addr());
    assert!(
        !theirs.suites.is_empty(),
        "sslscan lists suites: {theirs:?}"
    );
    let inv = take(server.addr()).await;
    assert_eq!(
        inv.protocols.ssl.failure.as_ref().map(|f| f.code),
        Some(2),
        "SSL_NOT_ALLOWED_BY_SERVER"
    );
    assert!(inv.tls.is_none(), "rdp-probe starts no TLS after a refusal");
}
