//! `rdp-probe capacity` finds a server's outstanding-connection limit: the lab's limited server
//! (answers, holds, resets beyond its limit, as Windows does), and xrdp, which holds every
//! connection asked for here (TLS established on each, as the Windows client holds them).

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::process::Command;

use rdp_probe_lab::limited::LimitedServer;
use rdp_probe_lab::real::{XrdpConfig, XrdpServer};
use serde_json::Value;

fn capacity(addr: &str, n: &str) -> (Option<i32>, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
        .args([
            "capacity",
            addr,
            "--connections",
            n,
            "--json",
            "--timeout",
            "2",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert!(String::from_utf8_lossy(&o.stderr).contains("load on the server"));
    (o.status.code(), json)
}

#[test]
fn the_limited_server_s_limit_is_found() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    for limit in [1usize, 7, 20] {
        let server = rt.block_on(LimitedServer::start(limit)).unwrap();
        let (code, json) = capacity(&server.addr().to_string(), "30");
        assert_eq!(code, Some(1), "{json:#}");
        assert_eq!(json["schema"], "rdp-probe-capacity/1");
        assert_eq!(json["limit"], limit, "{json:#}");
        assert_eq!(json["first_refused"], limit + 1, "{json:#}");
        assert_eq!(json["max_held"], limit, "{json:#}");
        assert_eq!(
            json["refused_with"],
            serde_json::json!(["reset"]),
            "{json:#}"
        );
        // It stops after five refusals in a row, and closes what it held.
        assert_eq!(json["attempted"], limit + 5, "{json:#}");
        assert!(
            json["hint"].as_str().unwrap().contains("outstanding"),
            "{json:#}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(server.held(), 0, "every held connection was closed");
        drop(server);
    }
}

#[test]
fn xrdp_holds_every_connection_with_tls_established() {
    let server = XrdpServer::start(XrdpConfig::default()).unwrap();
    let (code, json) = capacity(&server.addr().to_string(), "12");
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["limit"], Value::Null, "{json:#}");
    assert_eq!(json["max_held"], 12, "{json:#}");
    for a in json["attempts"].as_array().unwrap() {
        assert_eq!(a["outcome"], "held", "{a:#}");
    }
}

#[test]
fn a_refused_port_is_not_a_capacity_limit() {
    // Bound but not listening: connects are refused.
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap().to_string();
    drop(socket);
    let (code, json) = capacity(&addr, "5");
    assert_eq!(code, Some(1));
    assert_eq!(json["limit"], 0, "{json:#}");
    assert!(
        json["hint"]
            .as_str()
            .unwrap()
            .contains("not a capacity limit"),
        "{json:#}"
    );
}
