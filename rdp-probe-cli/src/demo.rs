//! `rdp-probe demo`: the main job on a machine with no RDP host. Starts a handful of the lab's
//! servers in-process on loopback, probes each the way `rdp-probe` would, and prints the diagnoses
//! one after another.

use rdp_probe_lab::catalog::{self, Entry};

use crate::human;

/// The lab scenarios the demo shows, in order: a healthy server, an NLA server without
/// credentials, a server requiring NLA met by a client without it, a TLS 1.0-only server, the
/// classic "0x904 / 0x7" and a server that never answers.
pub const SCENARIOS: [&str; 6] = [
    "ironrdp-tls",
    "ironrdp-nla",
    "ironrdp-hybrid-required-ssl-only",
    "tls10-only",
    "errinfo-after-client-info-0x7",
    "hostile-silence-at-accept",
];

/// Runs the demo; prints as it goes (`symbols`: ✓ ✗ ■ rather than words). Returns whether every
/// diagnosis was the one the lab expects.
pub fn run(json: bool, symbols: bool) -> Result<bool, String> {
    let entries: Vec<Entry> = SCENARIOS
        .iter()
        .map(|name| catalog::find(name).ok_or_else(|| format!("no lab scenario {name}")))
        .collect::<Result<_, _>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let mut all_as_expected = true;
    if !json {
        println!(
            "rdp-probe demo: {} lab servers on 127.0.0.1, each probed as `rdp-probe` would probe a real host.\n",
            entries.len()
        );
    }
    for (i, entry) in entries.iter().enumerate() {
        let report = runtime
            .block_on(entry.probe())
            .map_err(|e| format!("cannot start lab server {}: {e}", entry.name))?;
        let addr = format!("{}:{}", report.target.host, report.target.port);
        let parsed = serde_json::from_str(&report.to_json()).map_err(|e| e.to_string())?;
        let as_expected = entry.expect.mismatches(&parsed).is_empty();
        all_as_expected &= as_expected;
        if json {
            println!("{}", report.to_json());
            continue;
        }
        let mut header = format!(
            "── {}/{}  {}\n   server: {}\n   $ rdp-probe {addr} {}",
            i + 1,
            entries.len(),
            entry.name,
            entry.describe(),
            entry.setup.cli_args()
        );
        if entry.setup.credentials != catalog::Login::None {
            header.push_str(" --password-stdin");
        }
        println!("{header}\n");
        human::print(&report, symbols);
        if !as_expected {
            println!(
                "\n   !! the lab expected: {} — please report this",
                entry.expect.summary()
            );
        }
        println!();
    }
    Ok(all_as_expected)
}
