//! A small probe program over the Rust API, with the same command line as the C, Python and C#
//! examples (`examples/`), so that CI can compare their JSON reports byte for byte:
//!
//! ```text
//! cargo run -p rdp-probe-core --example probe -- HOST [PORT] [--json] [--user USER] [--trust-cert any|sha256:HEX] [--ca-file PEM]
//! ```
//!
//! The password for `--user` comes from `RDP_PROBE_PASSWORD`; `--trust-cert` says which server may have
//! it (see `rdp_probe_core::Trust`). With `--json` it prints the report's one-line JSON
//! (`Report::to_json`) and a newline. Exit status: 0 connected, 1 failed, 2 usage error, 3 needs
//! credentials, 4 inconclusive, 5 credentials withheld.

use std::process::ExitCode;

use rdp_probe_core::{Credentials, ProbeOptions, Target, Trust, VerdictKind, probe};

fn usage() -> ExitCode {
    eprintln!(
        "usage: probe HOST [PORT] [--json] [--user USER] [--trust-cert any|sha256:HEX] [--ca-file PEM]"
    );
    ExitCode::from(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut host, mut port, mut json, mut user) = (None, 3389u16, false, None);
    let mut trust = Trust::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--trust-cert" => match args.next().as_deref() {
                Some("any") => trust.any = true,
                Some(pin) => match Trust::parse_pin(pin) {
                    Ok(pin) => trust.pins.push(pin),
                    Err(_) => return usage(),
                },
                None => return usage(),
            },
            "--ca-file" => {
                let read = args
                    .next()
                    .and_then(|path| std::fs::read(path).ok())
                    .map(|pem| trust.add_ca_pem(&pem));
                if !matches!(read, Some(Ok(n)) if n > 0) {
                    return usage();
                }
            }
            "--user" => match args.next() {
                Some(u) => user = Some(u),
                None => return usage(),
            },
            _ if host.is_none() => host = Some(arg),
            _ => match arg.parse() {
                Ok(p) => port = p,
                Err(_) => return usage(),
            },
        }
    }
    let Some(host) = host else {
        return usage();
    };
    let target = match Target::new(host, port) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("probe: {e}");
            return ExitCode::from(2);
        }
    };
    let options = ProbeOptions {
        credentials: user.map(|u| {
            let password = std::env::var("RDP_PROBE_PASSWORD").unwrap_or_default();
            Credentials::new(u, None, password)
        }),
        trust,
        ..ProbeOptions::default()
    };
    let report = probe(&target, &options).await;
    if json {
        println!("{}", report.to_json());
    } else {
        println!("verdict   {}", report.verdict_kind().as_str());
        if let Some(f) = report.failure() {
            println!("phase     {}", f.phase);
            println!(
                "code      {} 0x{:X} {}",
                f.code.space.as_str(),
                f.code.value,
                f.code.name
            );
            println!("message   {}", f.message);
            println!("hint      {}", f.hint);
        }
        if let Some(m) = report.mstsc() {
            println!(
                "mstsc     0x{:X} / 0x{:X}{}",
                m.disconnect_reason,
                m.extended_reason,
                if m.derived { " (derived)" } else { "" }
            );
        }
        if let Some(s) = report.stop() {
            println!("phase     {}", s.phase);
            println!("message   {}", s.message);
            println!("hint      {}", s.hint);
        }
    }
    ExitCode::from(match report.verdict_kind() {
        VerdictKind::Connected => 0,
        VerdictKind::Failed => 1,
        VerdictKind::NeedsCredentials => 3,
        VerdictKind::Inconclusive => 4,
        VerdictKind::CredentialsWithheld => 5,
    })
}
