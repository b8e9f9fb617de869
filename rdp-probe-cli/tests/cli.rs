//! The `rdp-probe` command as a user runs it: exit codes, JSON, the human ladder, `explain`, and the
//! password never showing up anywhere.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use rdp_probe_lab::real::{
    CryptLevel, LAB_USER, SecurityLayer, ShadowConfig, ShadowServer, XrdpConfig, XrdpServer,
};

fn rdp_probe(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdp-probe"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Colour only where a test asks for it, whatever the environment running the tests says.
    for k in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn password_never_appears_in_output_or_logs() {
    let server = ShadowServer::start(ShadowConfig::default()).unwrap();
    let addr = server.addr().to_string();
    let ca = server.ca_cert().to_str().unwrap().to_owned();
    let secret = "Zq9-never-print-me";
    // Wrong password through stdin, with trace logging and JSON; the lab CA trusted with --ca-file.
    let o = rdp_probe(
        &[
            &addr,
            "-u",
            LAB_USER,
            "--password-stdin",
            "--json",
            "-vv",
            "--ca-file",
            &ca,
        ],
        Some(&format!("{secret}\n")),
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!text(&o).contains(secret), "the password leaked");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["failure"]["phase"], "credssp");
    assert_eq!(json["trust"]["decision"], "chain_valid");
    // The right password through the environment, human output with trace logging; the server's
    // certificate pinned by the fingerprint a withheld run shows.
    let o = rdp_probe(
        &[&addr, "-u", LAB_USER, "--json"],
        None,
        &[("RDP_PROBE_PASSWORD", rdp_probe_lab::real::LAB_PASSWORD)],
    );
    assert_eq!(
        o.status.code(),
        Some(5),
        "credentials_withheld: {}",
        text(&o)
    );
    assert!(!text(&o).contains(rdp_probe_lab::real::LAB_PASSWORD));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["verdict"], "credentials_withheld");
    let pin = format!("sha256:{}", json["trust"]["sha256"].as_str().unwrap());
    assert!(json["stop"]["hint"].as_str().unwrap().contains(&pin));
    let o = rdp_probe(
        &[&addr, "-u", LAB_USER, "-vvv", "--trust-cert", &pin],
        None,
        &[("RDP_PROBE_PASSWORD", rdp_probe_lab::real::LAB_PASSWORD)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !text(&o).contains(rdp_probe_lab::real::LAB_PASSWORD),
        "the password leaked"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("CONNECTED"), "{out}");
    assert!(
        out.contains("Credentials:   sent: the certificate is pinned"),
        "{out}"
    );
}

#[test]
fn exit_codes_and_the_phase_ladder() {
    let server = ShadowServer::start(ShadowConfig::default()).unwrap();
    let addr = server.addr().to_string();
    let o = rdp_probe(&[&addr, "--no-color"], None, &[]);
    assert_eq!(o.status.code(), Some(3), "needs_credentials: {}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for line in [
        "ok   tcp_connect",
        "ok   x224",
        "ok   tls",
        "STOP credssp",
        "NEEDS CREDENTIALS",
        "CredSSP:       version",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    let o = rdp_probe(&[&addr, "--protocols", "ssl", "--no-color"], None, &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("FAIL x224") && out.contains("HYBRID_REQUIRED_BY_SERVER"),
        "{out}"
    );
    assert!(
        out.contains("Windows client would show: Error code: 0x"),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["host:0"][..],
        &["host", "--protocols", "bogus"],
        &["host", "-u", "alice"],
        &["host", "--timeout", "0"],
        &["host", "--trust-cert", "sha256:0011"],
        &["host", "--trust-cert", "everything"],
        &["host", "--ca-file", "/nonexistent/ca.pem"],
        &["host", "--ca-file", "/etc/hostname"],
        &[],
    ] {
        let o = rdp_probe(args, None, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
}

#[test]
fn explain_answers_offline() {
    let o = rdp_probe(&["explain", "0x904", "0x7"], None, &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout).to_lowercase();
    assert!(
        out.contains("socket closed") && out.contains("denied the connection"),
        "{out}"
    );
    assert!(
        out.contains("licensing") || out.contains("secure_settings"),
        "names the phases: {out}"
    );
    let o = rdp_probe(&["explain", "2308"], None, &[]);
    assert_eq!(o.status.code(), Some(0));
    let o = rdp_probe(&["explain", "zz"], None, &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn refused_port_reports_0x204_in_json() {
    let port = rdp_probe_lab::real::free_port().to_string();
    let o = rdp_probe(&[&format!("127.0.0.1:{port}"), "--json"], None, &[]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["failure"]["phase"], "tcp_connect");
    assert_eq!(json["mstsc"]["disconnect_reason"], 0x204);
    assert_eq!(json["target"]["port"], port.parse::<u64>().unwrap());
}

#[test]
fn colour_follows_no_color_clicolor_force_and_no_color_flag() {
    let target = format!("127.0.0.1:{}", rdp_probe_lab::real::free_port());
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    // Piped stdout: plain by default, styled (with the symbols) under CLICOLOR_FORCE.
    let o = rdp_probe(&[&target], None, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!esc(&o), "{}", text(&o));
    assert!(text(&o).contains("FAIL tcp_connect"), "{}", text(&o));
    let o = rdp_probe(&[&target], None, &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(esc(&o), "no ANSI escape under CLICOLOR_FORCE: {}", text(&o));
    assert!(text(&o).contains("FAILED"), "{}", text(&o));
    // NO_COLOR wins, and --no-color wins over CLICOLOR_FORCE.
    let o = rdp_probe(&[&target], None, &[("NO_COLOR", "1")]);
    assert!(!esc(&o), "{}", text(&o));
    for env in [
        &[("CLICOLOR_FORCE", "1")][..],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    ] {
        let o = rdp_probe(&[&target, "--no-color"], None, env);
        assert!(!esc(&o), "{env:?}: {}", text(&o));
        assert!(text(&o).contains("FAIL tcp_connect"), "{}", text(&o));
    }
    let o = rdp_probe(
        &[&target],
        None,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!esc(&o), "{}", text(&o));
}

#[test]
fn timeouts_take_durations() {
    let target = format!("127.0.0.1:{}", rdp_probe_lab::real::free_port());
    for t in ["2", "2.5", "2s", "500ms", "1m"] {
        let o = rdp_probe(&[&target, "--json", "--timeout", t], None, &[]);
        // Refused: the probe ran (exit 1), the option was accepted.
        assert_eq!(o.status.code(), Some(1), "--timeout {t}: {}", text(&o));
        let o = rdp_probe(&[&target, "--json", "--overall-timeout", t], None, &[]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "--overall-timeout {t}: {}",
            text(&o)
        );
    }
    for t in ["0", "1h1s", "3601", "61m", "-1", "1.5.2", "nan", "5 s"] {
        let o = rdp_probe(&[&target, "--timeout", t], None, &[]);
        assert_eq!(o.status.code(), Some(2), "--timeout {t}: {}", text(&o));
        assert!(o.stdout.is_empty(), "--timeout {t}: {}", text(&o));
    }
    let o = rdp_probe(&[&target, "--timeout", "1h1s"], None, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--timeout") && err.contains("500ms"), "{err}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = rdp_probe(&["completions", shell], None, &[]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        // fish names a long option `-l kdc`; the others `--kdc`.
        let (kdc, trust_cert) = match shell {
            "fish" => ("-l kdc", "-l trust-cert"),
            _ => ("--kdc", "--trust-cert"),
        };
        assert!(
            out.contains("rdp-probe") && out.contains(kdc) && out.contains(trust_cert),
            "{shell}:\n{out}"
        );
    }
    let o = rdp_probe(&["completions", "tcsh"], None, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // The bash script parses, where there is a bash.
    let script = rdp_probe(&["completions", "bash"], None, &[]).stdout;
    if let Ok(mut bash) = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        bash.stdin.take().unwrap().write_all(&script).unwrap();
        let o = bash.wait_with_output().unwrap();
        assert!(o.status.success(), "bash -n: {}", text(&o));
    }
}

#[test]
fn man_prints_the_roff_page() {
    let o = rdp_probe(&["man"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // clap_mangen opens with a roff string definition, then the title.
    assert!(out.starts_with('.'), "{out}");
    assert!(out.contains("\n.TH rdp-probe 1"), "{out}");
    // roff escapes the hyphens of option names.
    assert!(out.contains(r"\-\-trust\-cert"), "{out}");
    assert!(out.contains(r"\-\-kdc"), "{out}");
}

/// `--help` and README.md "Run" show the same example commands.
#[test]
fn help_examples_are_the_readme_examples() {
    let o = rdp_probe(&["--help"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let help = String::from_utf8_lossy(&o.stdout);
    let words = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let in_help: Vec<String> = help
        .split_once("EXAMPLES:\n")
        .unwrap()
        .1
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(words)
        .collect();
    assert!((4..=8).contains(&in_help.len()), "{in_help:?}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let run = readme.split_once("## Run\n").unwrap().1;
    let block = run
        .split_once("```sh\n")
        .unwrap()
        .1
        .split_once("```")
        .unwrap()
        .0;
    let in_readme: Vec<String> = block
        .lines()
        .filter(|l| l.contains("rdp-probe"))
        .map(|l| words(&l.replace("./target/release/rdp-probe", "rdp-probe")))
        .collect();
    assert_eq!(in_help, in_readme);
}

#[test]
fn a_redirection_names_its_target_and_never_its_secrets() {
    use rdp_probe_lab::scripted::{
        REDIRECT_DOMAIN, REDIRECT_SECRET_COOKIE, REDIRECT_TARGET, REDIRECT_USER, Scenario,
        ScriptedServer,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(ScriptedServer::start(Scenario::RedirectEnhanced))
        .unwrap();
    let addr = server.addr().to_string();
    let o = runtime.block_on(async {
        let addr = addr.clone();
        tokio::task::spawn_blocking(move || rdp_probe(&[&addr, "--no-color"], None, &[]))
            .await
            .unwrap()
    });
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    let line = format!("redirected to: {REDIRECT_TARGET} for {REDIRECT_DOMAIN}\\{REDIRECT_USER}");
    assert!(out.contains(&line), "{out}");
    assert!(!out.contains("msts"), "{out}");
    let o = runtime.block_on(async {
        tokio::task::spawn_blocking(move || rdp_probe(&[&addr, "--json"], None, &[]))
            .await
            .unwrap()
    });
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["outcome"], "redirected");
    assert_eq!(
        json["server"]["redirection"]["load_balance_info_len"],
        REDIRECT_SECRET_COOKIE.len()
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("redir-secret"));
}

#[test]
fn standard_rdp_security_with_fips_connects_and_says_how() {
    let server = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Rdp,
        crypt_level: CryptLevel::Fips,
        ..XrdpConfig::default()
    })
    .unwrap();
    let addr = server.addr().to_string();
    let o = rdp_probe(&[&addr, "--no-color"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for line in [
        "CONNECTED",
        "RDP security:  ENCRYPTION_LEVEL_FIPS, ENCRYPTION_METHOD_FIPS",
        "certificate:   proprietary, RSA",
        "signed with the Terminal Services key",
        "PDUs sealed",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn a_tls_1_0_server_fails_in_tls_and_connects_with_allow_legacy_tls() {
    let server = XrdpServer::start(XrdpConfig {
        security_layer: SecurityLayer::Tls,
        tls_protocols: "TLSv1",
        tls_ciphers: Some("DEFAULT@SECLEVEL=0"),
        ..XrdpConfig::default()
    })
    .unwrap();
    let addr = server.addr().to_string();
    let o = rdp_probe(&[&addr, "--no-color"], None, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for line in [
        "FAIL tls",
        "TLS_1_0",
        "Legacy TLS (attempt 2)",
        "TLSv1.0",
        "connected",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    let o = rdp_probe(&[&addr, "--no-color", "--allow-legacy-tls"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("CONNECTED"));
    let o = rdp_probe(&[&addr, "--json", "--no-legacy-tls"], None, &[]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json.get("legacy_tls").is_none(), "{json:#}");
}

/// Serves a Kerberos lab entry (a real krb5kdc and the Kerberos acceptor) and runs `rdp-probe`
/// against it with `--kdc`, by host name, the password in `RDP_PROBE_PASSWORD`.
fn kerberos_cli(entry: &str, password: &str, extra: &[&str]) -> Output {
    let entry = rdp_probe_lab::catalog::find(entry).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let running = runtime.block_on(entry.start()).unwrap();
    let target = running.target().unwrap().to_string();
    let kdc = running.kdc().unwrap().to_string();
    let pin = format!(
        "sha256:{}",
        rdp_probe_core::cert::hex(&rdp_probe_lab::scripted::tls::certificate_sha256().unwrap())
    );
    let mut args: Vec<String> = [
        target.as_str(),
        "-u",
        LAB_USER,
        "--domain",
        rdp_probe_lab::real::LAB_REALM,
        "--kdc",
        &kdc,
        "--trust-cert",
        &pin,
        "--no-color",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let password = password.to_owned();
    let o = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            rdp_probe(&args, None, &[("RDP_PROBE_PASSWORD", &password)])
        })
        .await
        .unwrap()
    });
    drop(running);
    o
}

#[test]
fn a_kerberos_logon_connects_and_says_so() {
    let o = kerberos_cli("kerberos-logon", rdp_probe_lab::real::LAB_PASSWORD, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for line in [
        "CONNECTED",
        "Logon:         Kerberos",
        "TERMSRV/localhost via KDC 127.0.0.1:",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    assert!(!text(&o).contains(rdp_probe_lab::real::LAB_PASSWORD));
}

#[test]
fn a_kerberos_wrong_password_is_preauth_failed_and_never_printed() {
    let secret = "Kq7-never-print-me";
    let o = kerberos_cli("kerberos-wrong-password", secret, &["--json", "-vv"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!text(&o).contains(secret), "the password in the output");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["failure"]["code"]["space"], "kerberos");
    assert_eq!(json["failure"]["code"]["name"], "KDC_ERR_PREAUTH_FAILED");
    assert_eq!(json["mstsc"]["disconnect_reason"], 0x807);
}

#[test]
fn a_missing_spn_falls_back_to_ntlm_and_says_why() {
    let o = kerberos_cli(
        "kerberos-missing-spn",
        rdp_probe_lab::real::LAB_PASSWORD,
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for line in [
        "Logon:         NTLM (after Kerberos failed",
        "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        "fix: ",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn the_kdc_is_found_by_dns_srv_with_dns_server() {
    use rdp_probe_wire::dns::SrvRecord;
    let entry = rdp_probe_lab::catalog::find("kerberos-logon").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let running = runtime.block_on(entry.start()).unwrap();
    let target = running.target().unwrap().to_string();
    let kdc = running.kdc().unwrap();
    let realm = rdp_probe_lab::real::LAB_REALM;
    let dns = runtime
        .block_on(rdp_probe_lab::dns::DnsServer::start(vec![(
            format!("_kerberos._tcp.{realm}"),
            SrvRecord {
                priority: 0,
                weight: 0,
                port: kdc.port,
                target: "localhost".into(),
            },
        )]))
        .unwrap();
    let dns_addr = dns.addr().to_string();
    let pin = format!(
        "sha256:{}",
        rdp_probe_core::cert::hex(&rdp_probe_lab::scripted::tls::certificate_sha256().unwrap())
    );
    let o = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            rdp_probe(
                &[
                    &target,
                    "-u",
                    LAB_USER,
                    "--domain",
                    realm,
                    "--dns-server",
                    &dns_addr,
                    "--trust-cert",
                    &pin,
                    "--no-color",
                ],
                None,
                &[("RDP_PROBE_PASSWORD", rdp_probe_lab::real::LAB_PASSWORD)],
            )
        })
        .await
        .unwrap()
    });
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = format!(
        "KDC from DNS:  _kerberos._tcp.{realm} -> localhost:{}",
        kdc.port
    );
    for want in ["Logon:         Kerberos", line.as_str()] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert_eq!(dns.queries(), 1);
    // --kdc and --dns-server do not go together.
    let o = rdp_probe(
        &["localhost", "--kdc", "x", "--dns-server", "127.0.0.1"],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    drop(running);
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    // `rdp-probe explain ... | head -c 0`: the reader is gone before the text is written.
    for args in [
        &["explain", "0x904", "0x7"][..],
        &["man"][..],
        &["completions", "bash"][..],
    ] {
        // A pipe whose reading end is closed before the child starts: every write fails (EPIPE).
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn server_names_cannot_drive_the_terminal() {
    use rdp_probe_lab::scripted::{Scenario, ScriptedServer};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(ScriptedServer::start(Scenario::NtlmHostileNames))
        .unwrap();
    let addr = server.addr().to_string();
    for (what, args, shown) in [
        ("probe", vec![addr.as_str()], &["\\u{1b}]0;owned\\u{7}"][..]),
        (
            "inventory",
            vec!["inventory", addr.as_str()],
            &["\\u{1b}]0;owned\\u{7}", "alert(4)\\u{202e}"][..],
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--timeout", "2"]);
        // Colour forced, as on a terminal: nothing strips escapes on the way out.
        let o = rdp_probe(&all, None, &[("CLICOLOR_FORCE", "1")]);
        let out = String::from_utf8_lossy(&o.stdout);
        for escaped in shown {
            assert!(out.contains(escaped), "{what}: {escaped} not shown: {out}");
        }
        for raw in ['\u{7}', '\u{202e}', '\r'] {
            assert!(
                !out.contains(raw),
                "{what}: {raw:?} reached the terminal: {out}"
            );
        }
        // Every ESC left is one of the styles' own (SGR: ESC [ digits and semicolons m).
        for (i, _) in out.match_indices('\u{1b}') {
            let rest = &out[i + 1..];
            let sgr = rest.strip_prefix('[').is_some_and(|r| {
                let end = r.find(|c: char| !c.is_ascii_digit() && c != ';');
                end.is_some_and(|e| r[e..].starts_with('m'))
            });
            assert!(sgr, "{what}: an ESC that is not a style: {rest:.20?}");
        }
        assert!(out.contains('\u{1b}'), "{what}: colour was forced: {out}");
    }
    drop(server);
}
