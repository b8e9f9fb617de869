//! `--html FILE`: the scan page of a lab fleet, loaded in headless Chromium, has the summary's counts
//! per cause and one row per host; a server whose certificate subject is markup (`<script>` and
//! `<b>`) shows it as text on the scan, probe and page alike; the inventory page names the NTLM host;
//! NTLM names that are markup (`Scenario::NtlmHostileNames`) stay text on the probe and inventory
//! pages in Chromium.
//!
//! Chromium (Debian's `chromium`, from scripts/install-test-deps.sh) is required: without it the
//! browser test fails. `RDP_PROBE_CHROMIUM` names another binary; `RDP_PROBE_HTML_SCREENSHOT=PATH`
//! also saves a screenshot of the scan page there (how docs/html-report.png is made).

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdp_probe_core::standard_security::{
    ENCRYPTION_METHOD_128BIT, lab_server_key, x509_certificate_chain,
};
use rdp_probe_lab::scripted::{Scenario, ScriptedServer};
use rdp_probe_wire::mcs::{self, ConnectResponseSpec};
use rdp_probe_wire::x224::{self, ConnectionConfirm};

/// The subject common name of the hostile server's certificate.
const HOSTILE: &str = "<script>alert(1)</script><b>x</b>";
/// How it must appear in the page and in the browser's DOM: as text.
const HOSTILE_AS_TEXT: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;";

/// The fleet: 127.0.10.0/28, addresses 0..12 as [`scenario`] says, 12 the hostile server.
const NET: [u8; 3] = [127, 0, 10];
const SCRIPTED: u8 = 12;

fn scenario(i: u8) -> Option<Scenario> {
    match i % 4 {
        0 => Some(Scenario::Healthy),
        1 => Some(Scenario::NtlmChallenge { version: 6 }),
        2 => Some(Scenario::ErrinfoAfterClientInfo(7)),
        _ => None,
    }
}

// --- a minimal DER writer, for the hostile certificate ---

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

fn unsigned(be: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    der(0x02, &v)
}

/// An X.509 v3 certificate (unsigned: the probe does not validate Standard RDP Security's chain)
/// for the lab's Standard RDP Security key, whose subject and issuer are `CN=<common_name>`.
fn certificate(common_name: &str) -> Vec<u8> {
    const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
    let algorithm = |oid: &[u8]| seq(&[der(0x06, oid), der(0x05, &[])]);
    let name = seq(&[der(
        0x31,
        &seq(&[der(0x06, COMMON_NAME), der(0x0c, common_name.as_bytes())]),
    )]);
    let key = lab_server_key().public_key();
    let mut modulus = key.modulus_le();
    modulus.reverse();
    let rsa = seq(&[unsigned(&modulus), unsigned(&key.exponent().to_be_bytes())]);
    let spki = seq(&[
        algorithm(RSA_ENCRYPTION),
        der(0x03, &[&[0u8][..], &rsa].concat()),
    ]);
    let tbs = seq(&[
        der(0xa0, &der(0x02, &[2])),
        der(0x02, &[0x01, 0x23]),
        algorithm(SHA256_WITH_RSA),
        name.clone(),
        seq(&[der(0x17, b"250101000000Z"), der(0x17, b"350101000000Z")]),
        name,
        spki,
    ]);
    seq(&[tbs, algorithm(SHA256_WITH_RSA), der(0x03, &[0u8; 65])])
}

/// Reads one TPKT frame.
fn read_frame(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = [0u8; 4];
    s.read_exact(&mut head)?;
    let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
    let mut frame = head.to_vec();
    frame.resize(len.max(4), 0);
    s.read_exact(&mut frame[4..])?;
    Ok(frame)
}

/// One connection to the hostile server: a legacy X.224 confirm (Standard RDP Security), an MCS
/// Connect Response whose certificate chain names [`HOSTILE`], then close.
fn serve_hostile(mut s: TcpStream) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let _request = read_frame(&mut s)?;
    s.write_all(&x224::connection_confirm(
        &ConnectionConfirm::NoNegotiationData,
    ))?;
    let _connect_initial = read_frame(&mut s)?;
    let cert = certificate(HOSTILE);
    s.write_all(&mcs::connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: 0x0008_0004,
        client_requested_protocols: 0,
        encryption: (ENCRYPTION_METHOD_128BIT, 2),
        server_random: vec![0x5a; 32],
        server_certificate: x509_certificate_chain(&[&cert]),
        io_channel: 1003,
        channel_ids: Vec::new(),
    }))?;
    // Whatever the client sends next (Erect Domain, Attach User) gets an orderly close.
    let _ = read_frame(&mut s);
    Ok(())
}

/// Starts the hostile server on `addr` (a thread per connection, for the life of the test process).
fn hostile_server(addr: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind(addr).unwrap();
    let bound = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            std::thread::spawn(move || serve_hostile(s));
        }
    });
    bound
}

/// The scripted fleet on a runtime of its own, plus the hostile server; returns the port.
fn fleet() -> (tokio::runtime::Runtime, Vec<ScriptedServer>, u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (servers, port) = rt.block_on(async {
        let first = ScriptedServer::start_at(
            scenario(0).unwrap(),
            SocketAddr::from(([NET[0], NET[1], NET[2], 0], 0)),
        )
        .await
        .unwrap();
        let port = first.addr().port();
        let mut servers = vec![first];
        for i in 1..SCRIPTED {
            if let Some(s) = scenario(i) {
                let addr = SocketAddr::from(([NET[0], NET[1], NET[2], i], port));
                servers.push(ScriptedServer::start_at(s, addr).await.unwrap());
            }
        }
        (servers, port)
    });
    hostile_server(SocketAddr::from(([NET[0], NET[1], NET[2], SCRIPTED], port)));
    (rt, servers, port)
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdp-probe-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rdp_probe(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs headless Chromium on `page` with `extra` arguments (`--dump-dom`, `--screenshot=...`), with
/// no network, a user-data directory of its own, and a time limit; returns its stdout.
fn chromium(page: &Path, extra: &[String], dir: &Path) -> String {
    use std::os::unix::process::CommandExt;
    const LIMIT: Duration = Duration::from_secs(90);
    let binary = std::env::var("RDP_PROBE_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let profile = dir.join("chromium-profile");
    let stdout_path = dir.join("chromium.out");
    let stderr_path = dir.join("chromium.err");
    let mut child = Command::new(&binary)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--metrics-recording-only",
            "--hide-scrollbars",
            "--proxy-server=127.0.0.1:9",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        // Its own process group, so that a hung browser and its helpers can be ended together.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {binary:?} ({e}): the HTML test needs headless Chromium \
                 (Debian's `chromium`, installed by scripts/install-test-deps.sh)"
            )
        });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!(
                "{binary} did not finish within {LIMIT:?}: {}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "{binary} failed ({status}): {}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// The text of `html` with tags dropped and the few entities the pages use decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}

/// The cells of each `<tr class="{class}">` in `dom`, as text.
fn rows(dom: &str, class: &str) -> Vec<Vec<String>> {
    let marker = format!("<tr class=\"{class}\">");
    dom.split(&marker)
        .skip(1)
        .map(|rest| {
            let row = rest.split("</tr>").next().unwrap();
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = &cell[cell.find('>').unwrap() + 1..];
                    text(inner.split("</td>").next().unwrap())
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_scan_page_renders_in_chromium_with_the_summary_counts_and_hostile_names_as_text() {
    let (_rt, _servers, port) = fleet();
    let dir = scratch("scan");
    let page = dir.join("scan.html");
    let jsonl = dir.join("scan.jsonl");
    let range = format!("{}.{}.{}.0-{SCRIPTED}", NET[0], NET[1], NET[2]);
    let port_s = port.to_string();
    let out = rdp_probe(&[
        "scan",
        &range,
        "--port",
        &port_s,
        "--timeout",
        "2",
        "--overall-timeout",
        "6",
        "--json",
        "-o",
        jsonl.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hosts = usize::from(SCRIPTED) + 1;
    let written = std::fs::read_to_string(&page).unwrap();
    for external in ["http://", "https://", "src=", "href=", "@import", "url("] {
        assert!(!written.contains(external), "{external} in the page");
    }
    assert_eq!(written.matches("<script").count(), 1, "only the page's own");
    assert!(written.contains(HOSTILE_AS_TEXT));

    let dom = chromium(&page, &["--dump-dom".to_owned()], &dir);
    // The browser ran the page's script (it marks the document), and only that one.
    assert!(dom.contains("<html lang=\"en\" class=\" js\">"), "{dom}");
    assert_eq!(dom.matches("<script").count(), 1, "{dom}");
    assert!(!dom.contains("<b>x</b>"), "{dom}");
    assert!(dom.contains(HOSTILE_AS_TEXT), "{dom}");

    // Every host has its row; the hostile server's name is text in its row.
    let host_rows = rows(&dom, "host");
    assert_eq!(host_rows.len(), hosts, "{host_rows:?}");
    let hostile_host = format!("{}.{}.{}.{SCRIPTED}:{port}", NET[0], NET[1], NET[2]);
    let hostile_row = host_rows.iter().find(|r| r[0] == hostile_host).unwrap();
    assert_eq!(hostile_row[4], format!("CN={HOSTILE}"), "{hostile_row:?}");
    // The NTLM servers' own name is there too.
    let named = host_rows
        .iter()
        .filter(|r| r[4] == rdp_probe_lab::scripted::NTLM_NB_COMPUTER)
        .count();
    assert_eq!(named, usize::from(SCRIPTED) / 4, "{host_rows:?}");

    // The summary: one group per (verdict, cause, pair), counts adding up to the fleet, failures first.
    let groups = rows(&dom, "group");
    let count = |verdict: &str, cause_starts: &str, pair: &str| -> usize {
        groups
            .iter()
            .filter(|g| g[1] == verdict && g[2].starts_with(cause_starts) && g[3] == pair)
            .map(|g| g[0].parse::<usize>().unwrap())
            .sum()
    };
    let per_kind = usize::from(SCRIPTED) / 4;
    assert_eq!(count("connected", "", ""), per_kind, "{groups:?}");
    assert_eq!(
        count("needs_credentials", "credssp", ""),
        per_kind,
        "{groups:?}"
    );
    assert_eq!(
        count("failed", "licensing errinfo 7", "0x904 / 0x7"),
        per_kind,
        "{groups:?}"
    );
    assert_eq!(
        count("failed", "tcp_connect", "0x204 / 0x0"),
        per_kind,
        "{groups:?}"
    );
    let total: usize = groups.iter().map(|g| g[0].parse::<usize>().unwrap()).sum();
    assert_eq!(total, hosts, "{groups:?}");
    assert_eq!(groups[0][1], "failed", "what to fix first: {groups:?}");
    assert_eq!(groups.last().unwrap()[1], "connected", "{groups:?}");

    // The same counts as the JSON Lines of the same run.
    let reports = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(reports.lines().count(), hosts);
    for verdict in ["connected", "needs_credentials", "failed"] {
        let in_json = reports
            .lines()
            .filter(|l| l.contains(&format!("\"verdict\":\"{verdict}\"")))
            .count();
        let in_page: usize = groups
            .iter()
            .filter(|g| g[1] == verdict)
            .map(|g| g[0].parse::<usize>().unwrap())
            .sum();
        assert_eq!(in_page, in_json, "{verdict}: {groups:?}");
    }

    if let Ok(shot) = std::env::var("RDP_PROBE_HTML_SCREENSHOT") {
        chromium(
            &page,
            &[
                format!("--screenshot={shot}"),
                "--window-size=1000,1180".to_owned(),
            ],
            &dir,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_probe_page_shows_the_timeline_and_hostile_server_names_as_text() {
    let addr = hostile_server(SocketAddr::from(([127, 0, 10, 20], 0)));
    let dir = scratch("probe");
    let page = dir.join("probe.html");
    let out = rdp_probe(&[
        &addr.to_string(),
        "--timeout",
        "2",
        "--html",
        page.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Verdict:"),
        "the terminal output stays: {stdout}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(!html.contains("<b>x</b>"), "{html}");
    assert!(html.contains(&format!("CN={HOSTILE_AS_TEXT}")), "{html}");
    assert!(html.contains("<table id=\"phases\">"));
    for phase in ["tcp_connect", "x224", "basic_settings"] {
        assert!(html.contains(&format!("<td>{phase}</td>")), "{phase}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_inventory_page_names_the_ntlm_host_and_the_clients() {
    let (_rt, server) = scripted(Scenario::NtlmChallenge { version: 6 }, [127, 0, 10, 21]);
    let dir = scratch("inventory");
    let page = dir.join("inventory.html");
    let out = rdp_probe(&[
        "inventory",
        &server.addr().to_string(),
        "--timeout",
        "2",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(rdp_probe_lab::scripted::NTLM_NB_COMPUTER));
    assert!(html.contains("<table class=\"sortable\" id=\"clients\">"));
    assert!(html.contains("<code>windows11</code>"));
    assert_eq!(html.matches("<script").count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One scripted server on `ip` (a free port), on a runtime of its own that the caller keeps.
fn scripted(scenario: Scenario, ip: [u8; 4]) -> (tokio::runtime::Runtime, ScriptedServer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(ScriptedServer::start_at(
            scenario,
            SocketAddr::from((ip, 0)),
        ))
        .unwrap();
    (rt, server)
}

/// The `<dt>`/`<dd>` pairs of `dom`, as text.
fn facts(dom: &str) -> Vec<(String, String)> {
    dom.split("<dt>")
        .skip(1)
        .filter_map(|rest| {
            let (key, rest) = rest.split_once("</dt>")?;
            let value = rest.split_once("<dd>")?.1.split_once("</dd>")?.0;
            Some((text(key), text(value)))
        })
        .collect()
}

#[test]
fn ntlm_names_that_are_markup_stay_text_in_the_probe_and_inventory_pages() {
    use rdp_probe_lab::scripted::{
        NTLM_HOSTILE_DNS_COMPUTER, NTLM_HOSTILE_DNS_DOMAIN, NTLM_HOSTILE_NB_COMPUTER,
        NTLM_HOSTILE_NB_DOMAIN,
    };
    let (_rt, server) = scripted(Scenario::NtlmHostileNames, [127, 0, 10, 22]);
    let target = server.addr().to_string();
    let dir = scratch("hostile-ntlm");
    for (what, args) in [
        ("probe", vec![target.as_str()]),
        ("inventory", vec!["inventory", target.as_str()]),
    ] {
        let page = dir.join(format!("{what}.html"));
        let mut all = args.clone();
        all.extend(["--timeout", "2", "--html", page.to_str().unwrap()]);
        let out = rdp_probe(&all);
        assert!(
            page.exists(),
            "{what}: no page: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dom = chromium(&page, &["--dump-dom".to_owned()], &dir);
        // Only the page's own script ran, and no markup from the server became an element or an
        // attribute.
        assert!(dom.contains("class=\" js\""), "{what}: {dom}");
        assert_eq!(dom.matches("<script").count(), 1, "{what}: {dom}");
        for injected in ["<img", "<b>LAB", "onerror=\"", "onmouseover=\""] {
            assert!(!dom.contains(injected), "{what}: {injected} in {dom}");
        }
        // Each name is there, as the server sent it, as text.
        let shown = facts(&dom);
        for (key, name) in [
            ("NTLM computer", NTLM_HOSTILE_NB_COMPUTER),
            ("NTLM domain", NTLM_HOSTILE_NB_DOMAIN),
            ("NTLM DNS computer", NTLM_HOSTILE_DNS_COMPUTER),
            ("NTLM DNS domain", NTLM_HOSTILE_DNS_DOMAIN),
        ] {
            assert!(
                shown.iter().any(|(k, v)| k == key && v == name),
                "{what}: {key} = {name:?} not shown as text: {shown:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop(server);
}
