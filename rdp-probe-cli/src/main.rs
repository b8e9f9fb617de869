//! `rdp-probe`: why can't I Remote-Desktop into this host?

mod demo;
mod diff_cmd;
mod html;
mod human;
mod inventory_view;
mod progress;
mod scan_cmd;
mod terminal;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};
use rdp_probe_core::{
    CertPolicy, Credentials, LegacyTls, ProbeOptions, Protocols, Target, Timeouts, Trust,
    TrustQuestion, VerdictKind,
};

/// Exit codes (also in README.md).
pub(crate) mod exit {
    pub const CONNECTED: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NEEDS_CREDENTIALS: u8 = 3;
    pub const INCONCLUSIVE: u8 = 4;
    pub const CREDENTIALS_WITHHELD: u8 = 5;
}

/// What `--help` shows after the options: the exit codes and the examples. README.md "Run" shows the
/// same example commands (a test checks).
const AFTER_HELP: &str = "\
EXIT CODES:
  0  connected (the whole connection sequence completed, or the server redirected)
  1  failed (the report says in which phase, with the server's code)
  2  usage error
  3  needs_credentials (the server requires NLA and no credentials were given)
  4  inconclusive (the probe met something it does not implement)
  5  credentials_withheld (credentials were given, but nothing vouched for the server: see --trust-cert)

The password is read from stdin (--password-stdin) or from RDP_PROBE_PASSWORD, never from the command line.
Colour follows NO_COLOR, CLICOLOR=0 and CLICOLOR_FORCE; none when stdout is not a terminal, or with --no-color.

EXAMPLES:
  rdp-probe HOST[:PORT] [--json]        # human diagnosis, or the rdp-probe/1 report (port 3389 by default; [v6]:port)
  echo \"$PW\" | rdp-probe HOST -u 'CORP\\alice' --password-stdin   # test a logon (NLA)
  echo \"$PW\" | rdp-probe rdsh1.corp.example -u alice --domain CORP.EXAMPLE --kdc dc1.corp.example --password-stdin   # Kerberos first
  rdp-probe HOST --protocols ssl        # what a client with NLA turned off sees
  rdp-probe inventory HOST[:PORT]       # what the server accepts and which clients it refuses (no credentials)
  rdp-probe scan -f hosts.txt --json    # many hosts: one report per line, then a summary by cause
  rdp-probe explain 0x904 0x7           # what a Windows client error pair means (offline)
  rdp-probe demo                        # diagnoses against lab servers on 127.0.0.1";

#[derive(Parser, Debug)]
#[command(
    name = "rdp-probe",
    version,
    about = "Diagnose why a Remote Desktop (RDP) connection fails, phase by phase",
    args_conflicts_with_subcommands = true,
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    probe: ProbeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start a few lab RDP servers on 127.0.0.1 (healthy, NLA, NLA required, TLS 1.0 only,
    /// "0x904 / 0x7", silent) and show the diagnosis of each: no RDP host needed.
    Demo {
        /// Print each report as one line of JSON (schema rdp-probe/1) instead.
        #[arg(long)]
        json: bool,
        /// No colors or symbols that need a capable terminal.
        #[arg(long)]
        no_color: bool,
    },
    /// Inventory a server without credentials: security protocols, NLA required or supported, TLS
    /// versions and suites, Standard RDP Security methods, CredSSP version, NTLM facts, findings, and
    /// which clients it refuses. Exit code 0 when the server was reached, 1 when not.
    Inventory(InventoryArgs),
    /// Probe many hosts: names, addresses, CIDR blocks and ranges from arguments, files or stdin;
    /// one report per host (JSON Lines with --json, CSV with --csv), a progress bar on a terminal,
    /// and a summary grouped by verdict and cause. Ctrl-C stops new probes and keeps every finished
    /// report.
    Scan(scan_cmd::ScanArgs),
    /// Find a server's outstanding-connection limit: open up to --connections pre-authentication
    /// connections one after another (X.224 answered, TLS where selected), hold them, and report
    /// from which one the server refuses, resets or stays silent. This is load on the server.
    Capacity(CapacityArgs),
    /// What changed between two scans (or two inventories) of the same hosts, from their JSON Lines
    /// files: per host verdict, cause, protocol, NLA, TLS, CredSSP, certificate, findings; newly
    /// failing hosts first. Exit code 0 when nothing changed, 1 when something did.
    Diff(diff_cmd::DiffArgs),
    /// Explain a Windows client error pair ("Error code: 0x904, Extended error code: 0x7"), offline.
    Explain {
        /// The disconnect reason (hex with 0x, or decimal).
        #[arg(value_parser = parse_code)]
        disconnect_reason: u32,
        /// The extended reason (hex with 0x, or decimal); 0 if omitted.
        #[arg(value_parser = parse_code)]
        extended_reason: Option<u32>,
    },
    /// Print the shell completion script to stdout (e.g. `rdp-probe completions bash >
    /// ~/.local/share/bash-completion/completions/rdp-probe`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout (e.g. `rdp-probe man > rdp-probe.1`).
    Man,
}

#[derive(Args, Debug)]
struct CapacityArgs {
    /// HOST[:PORT] (port 3389 by default; IPv6 as [addr]:port).
    target: String,
    /// Connections to open and hold, at most 1000.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    connections: u16,
    /// Stop after this many refusals in a row.
    #[arg(long, default_value_t = rdp_probe_core::capacity::DEFAULT_STOP_AFTER, value_name = "N")]
    stop_after: u16,
    /// Time limit for each connect, read and TLS handshake (default 10 s; connect 5 s).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    timeout: Option<Duration>,
    /// Time limit for the whole check (default 30 s).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    overall_timeout: Option<Duration>,
    /// Print the report as JSON (schema rdp-probe-capacity/1).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct InventoryArgs {
    /// HOST[:PORT] (port 3389 by default; IPv6 as [addr]:port).
    target: String,
    /// Print the inventory as JSON (schema rdp-probe-inventory/1).
    #[arg(long)]
    json: bool,
    /// Also write the inventory as a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
    /// Time limit for each TCP connect and each read (default 10 s; connect 5 s), as for a diagnosis.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    timeout: Option<Duration>,
    /// Time limit for the whole inventory: no connection starts after it (default 30 s).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    overall_timeout: Option<Duration>,
    /// The most connections open at once (default 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    max_connections: Option<u16>,
    /// Report only the suite each TLS version prefers, not every suite (fewer connections).
    #[arg(long)]
    no_cipher_suites: bool,
    /// Only the X.224 step: reachable, RDP or not, the protocols selected, NLA required (no TLS,
    /// Standard RDP Security or CredSSP connections).
    #[arg(long)]
    negotiate_only: bool,
    /// Never follow a legacy-TLS-only server in the CredSSP step.
    #[arg(long)]
    no_legacy_tls: bool,
    /// No colors or symbols that need a capable terminal.
    #[arg(long)]
    no_color: bool,
}

#[derive(Args, Debug)]
struct ProbeArgs {
    /// HOST[:PORT] (port 3389 by default; IPv6 as [addr]:port).
    target: Option<String>,
    /// Print the report as JSON (schema rdp-probe/1).
    #[arg(long)]
    json: bool,
    /// Also write the diagnosis as a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
    /// User name for NLA (DOMAIN\user, user@domain, or with --domain).
    #[arg(short = 'u', long = "user")]
    user: Option<String>,
    /// Domain for NLA.
    #[arg(long)]
    domain: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long)]
    password_stdin: bool,
    /// Request exactly these protocols, no fallback: comma-separated rdp, ssl, hybrid, hybrid_ex, rdstls, rdsaad.
    #[arg(long)]
    protocols: Option<String>,
    /// Time limit for the TCP connect and for each phase (default 10 s; connect 5 s): seconds (2,
    /// 2.5) or with a unit (2s, 500ms, 1m); at most 3600 s.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    timeout: Option<Duration>,
    /// Time limit for the whole probe (default 30 s, or 3 × --timeout), as --timeout.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    overall_timeout: Option<Duration>,
    /// Fail in the tls phase unless the certificate is valid for the host and trusted by the system.
    #[arg(long)]
    require_valid_cert: bool,
    /// When TLS fails as only a TLS 1.0-era client gets past (TLS 1.0/1.1 only, or only CBC, RSA key
    /// exchange or DHE suites), make the second attempt over legacy TLS the verdict.
    #[arg(long, conflicts_with = "no_legacy_tls")]
    allow_legacy_tls: bool,
    /// Never make the second attempt over legacy TLS: the modern TLS failure is all the report says.
    #[arg(long)]
    no_legacy_tls: bool,
    /// Which server may receive what is derived from the password (the NTLM response, the credentials):
    /// `sha256:HEX` pins a certificate (the fingerprint a credentials_withheld report shows), `any`
    /// sends to any server (also under Standard RDP Security). Repeatable. Without it, only a server
    /// whose certificate chain is valid for the host (system roots and --ca-file) gets them, or, on an
    /// interactive terminal, one you confirm.
    #[arg(long, value_name = "any|sha256:HEX")]
    trust_cert: Vec<String>,
    /// Trust the CA certificates in this PEM file too (for the credentials and --require-valid-cert).
    /// Repeatable.
    #[arg(long, value_name = "PEM")]
    ca_file: Vec<std::path::PathBuf>,
    /// The Kerberos KDC (port 88 by default). With credentials for a domain account (--domain or
    /// user@realm) and a target given by name, the logon tries Kerberos first, as the Windows client
    /// does, and falls back to NTLM where the Windows client would; without it the logon is NTLM only.
    #[arg(long, value_name = "HOST[:PORT]")]
    kdc: Option<String>,
    /// Without --kdc, find the realm's KDC as the Windows DC locator does: the DNS SRV record
    /// _kerberos._tcp.<REALM>, asked of the system's DNS server (the first nameserver of
    /// /etc/resolv.conf). Off unless given: the probe sends no DNS query it was not asked for.
    #[arg(long, conflicts_with = "kdc")]
    find_kdc: bool,
    /// The DNS server --find-kdc asks (implies --find-kdc).
    #[arg(long, value_name = "IP[:PORT]", conflicts_with = "kdc")]
    dns_server: Option<String>,
    /// More logging on stderr (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// No colors or symbols that need a capable terminal.
    #[arg(long)]
    no_color: bool,
}

fn parse_code(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse::<u32>(),
    };
    r.map_err(|_| "not a code: use hex like 0x904, or decimal".to_owned())
}

/// A time limit: seconds (`2`, `2.5`) or a number with a unit (`2s`, `500ms`, `1m`); more than 0 and
/// at most an hour.
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    const MAX_SECONDS: f64 = 3600.0;
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value = number.parse::<f64>().ok().filter(|_| !number.is_empty());
    let seconds = match (value, unit) {
        (Some(v), "" | "s") => v,
        (Some(v), "ms") => v / 1000.0,
        (Some(v), "m") => v * 60.0,
        _ => {
            return Err(
                "not a duration: use seconds (2, 2.5) or a number with s, ms or m (2s, 500ms, 1m)"
                    .into(),
            );
        }
    };
    if !(seconds > 0.0 && seconds <= MAX_SECONDS) {
        return Err(format!(
            "must be more than 0 and at most 3600 seconds (60m), got {seconds} s"
        ));
    }
    let d = Duration::from_secs_f64(seconds);
    if d.is_zero() {
        return Err("must be more than 0 (a nanosecond at least)".into());
    }
    Ok(d)
}

/// `IP` or `IP:PORT` (`[v6]:PORT`), port 53 by default.
fn dns_server(s: &str) -> Result<std::net::SocketAddr, String> {
    const DNS_PORT: u16 = 53;
    if let Ok(addr) = s.parse::<std::net::SocketAddr>() {
        return Ok(addr);
    }
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .map(|ip| std::net::SocketAddr::new(ip, DNS_PORT))
        .map_err(|_| format!("--dns-server {s:?}: an IP address, with :PORT if not 53"))
}

pub(crate) fn usage(msg: &str) -> ExitCode {
    eprintln!("rdp-probe: {msg}");
    eprintln!("Try 'rdp-probe --help'.");
    ExitCode::from(exit::USAGE)
}

fn options(args: &ProbeArgs) -> Result<ProbeOptions, String> {
    let mut opts = ProbeOptions::default();
    if let Some(p) = &args.protocols {
        opts.protocols = Some(p.parse::<Protocols>().map_err(|e| e.to_string())?);
    }
    if let Some(t) = args.timeout {
        opts.timeouts = Timeouts::uniform(t);
    }
    if let Some(t) = args.overall_timeout {
        opts.timeouts.overall = t;
    }
    if args.require_valid_cert {
        opts.cert_policy = CertPolicy::RequireValid;
    }
    if args.allow_legacy_tls {
        opts.legacy_tls = LegacyTls::Allow;
    } else if args.no_legacy_tls {
        opts.legacy_tls = LegacyTls::Off;
    }
    for value in &args.trust_cert {
        if value == "any" {
            opts.trust.any = true;
        } else {
            let pin = Trust::parse_pin(value).map_err(|e| format!("--trust-cert: {e}"))?;
            opts.trust.pins.push(pin);
        }
    }
    for path in &args.ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
        match opts.trust.add_ca_pem(&pem) {
            Ok(0) => {
                return Err(format!(
                    "--ca-file {}: no certificate in it",
                    path.display()
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("--ca-file {}: {e}", path.display())),
        }
    }
    if let Some(kdc) = &args.kdc {
        opts.kdc = Some(kdc.parse().map_err(|e| format!("--kdc {kdc:?}: {e}"))?);
    }
    if let Some(server) = &args.dns_server {
        opts.find_kdc = Some(rdp_probe_core::kerberos::FindKdc {
            resolver: Some(dns_server(server)?),
        });
    } else if args.find_kdc {
        opts.find_kdc = Some(rdp_probe_core::kerberos::FindKdc::default());
    }
    if let Some(user) = &args.user {
        let password = if args.password_stdin {
            let mut line = zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
        } else if let Ok(pw) = std::env::var("RDP_PROBE_PASSWORD") {
            zeroize::Zeroizing::new(pw)
        } else {
            return Err(
                "-u needs a password: pipe it with --password-stdin or set RDP_PROBE_PASSWORD"
                    .into(),
            );
        };
        opts.credentials = Some(Credentials::new(
            user.clone(),
            args.domain.clone(),
            password.as_str(),
        ));
    } else if args.password_stdin {
        return Err("--password-stdin needs -u USER".into());
    }
    // On an interactive terminal, ask as the Windows client does (the password did not come from it).
    if opts.credentials.is_some()
        && !args.password_stdin
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
    {
        opts.trust.confirm = Some(std::sync::Arc::new(ask_on_terminal));
    }
    Ok(opts)
}

/// Shows the certificate on stderr and reads y/N from stdin.
fn ask_on_terminal(q: &TrustQuestion) -> bool {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "The identity of {} cannot be verified: {}\n  subject: {}\n  issuer:  {}\n  SHA-256: {}\n(to skip this question next time: --trust-cert sha256:{})",
        q.host,
        q.problem,
        terminal::safe(&q.subject),
        terminal::safe(&q.issuer),
        q.sha256,
        q.sha256
    );
    let _ = write!(err, "Send the credentials to this server? [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

/// Decides colour once, for every stream: anstream's convention (NO_COLOR, CLICOLOR=0, CLICOLOR_FORCE, a
/// terminal or not), and `--no-color` forces it off. Returns whether stdout is styled, which also
/// decides the symbols that need a capable terminal (✓ ✗ ■, or the words ok/FAIL/STOP).
fn decide_color(no_color: bool) -> bool {
    if no_color {
        anstream::ColorChoice::Never.write_global();
    }
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// `rdp-probe completions SHELL` and `rdp-probe man`: what `write` generates from the parser, to stdout.
fn to_stdout(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // `rdp-probe man | head`: the reader had enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rdp-probe: cannot write to stdout: {e}");
            ExitCode::from(exit::FAILED)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let no_color = match &cli.command {
        Some(Command::Demo { no_color, .. }) => *no_color,
        Some(Command::Inventory(args)) => args.no_color,
        Some(Command::Scan(args)) => args.no_color(),
        Some(Command::Diff(args)) => args.no_color(),
        _ => cli.probe.no_color,
    };
    let styled = decide_color(no_color);
    match &cli.command {
        Some(Command::Demo { json, .. }) => {
            return match demo::run(*json, styled) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(exit::FAILED),
                Err(e) => {
                    eprintln!("rdp-probe demo: {e}");
                    ExitCode::from(exit::INCONCLUSIVE)
                }
            };
        }
        Some(Command::Explain {
            disconnect_reason,
            extended_reason,
        }) => {
            let text =
                rdp_probe_codes::mstsc::explain(*disconnect_reason, extended_reason.unwrap_or(0));
            return to_stdout(|out| write!(out, "{text}"));
        }
        Some(Command::Completions { shell }) => {
            // Generated into memory first: clap_complete panics on a write error (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "rdp-probe", &mut script);
            return to_stdout(|out| out.write_all(&script));
        }
        Some(Command::Man) => {
            return to_stdout(|out| clap_mangen::Man::new(Cli::command()).render(out));
        }
        Some(Command::Inventory(args)) => return inventory(args, styled),
        Some(Command::Scan(args)) => return scan_cmd::run(args, styled),
        Some(Command::Capacity(args)) => return capacity(args),
        Some(Command::Diff(args)) => return diff_cmd::run(args, styled),
        None => {}
    }
    let args = &cli.probe;
    let Some(target) = &args.target else {
        return usage("missing HOST[:PORT]");
    };
    let target: Target = match target.parse() {
        Ok(t) => t,
        Err(e) => return usage(&format!("bad target {target:?}: {e}")),
    };
    let opts = match options(args) {
        Ok(o) => o,
        Err(e) => return usage(&e),
    };
    // Dependencies log their own opinions of the server at warn level; the report already says what matters.
    let level = match args.verbose {
        0 => "error",
        1 => "rdp_probe_core=debug,ironrdp_connector=info,warn",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RDP_PROBE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never)
        .with_env_filter(filter)
        .try_init();

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rdp-probe: cannot start the runtime: {e}");
            return ExitCode::from(exit::INCONCLUSIVE);
        }
    };
    let report = runtime.block_on(rdp_probe_core::probe(&target, &opts));
    drop(opts);
    if args.json {
        // A closed pipe (`| head`) does not change the verdict's exit code.
        let _ = to_stdout(|out| writeln!(out, "{}", report.to_json_pretty()));
    } else {
        human::print(&report, styled);
    }
    if let Some(path) = &args.html
        && let Err(e) = html::write(path, &html::report_page(&report))
    {
        eprintln!("rdp-probe: {e}");
        return ExitCode::from(exit::FAILED);
    }
    ExitCode::from(match report.verdict_kind() {
        VerdictKind::Connected => exit::CONNECTED,
        VerdictKind::Failed => exit::FAILED,
        VerdictKind::NeedsCredentials => exit::NEEDS_CREDENTIALS,
        VerdictKind::Inconclusive => exit::INCONCLUSIVE,
        VerdictKind::CredentialsWithheld => exit::CREDENTIALS_WITHHELD,
    })
}

/// `rdp-probe capacity`.
fn capacity(args: &CapacityArgs) -> ExitCode {
    use rdp_probe_core::capacity::{CapacityOptions, capacity};
    let target: Target = match args.target.parse() {
        Ok(t) => t,
        Err(e) => return usage(&format!("bad target {:?}: {e}", args.target)),
    };
    let mut opts = CapacityOptions::new(args.connections);
    opts.stop_after = args.stop_after;
    if let Some(t) = args.timeout {
        opts.timeouts = Timeouts::uniform(t);
    }
    if let Some(t) = args.overall_timeout {
        opts.timeouts.overall = t;
    }
    eprintln!(
        "rdp-probe capacity: opening up to {} connections to {target} and holding them: this is load on the server",
        opts.connections
    );
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rdp-probe: cannot start the runtime: {e}");
            return ExitCode::from(exit::INCONCLUSIVE);
        }
    };
    let report = runtime.block_on(capacity(&target, &opts));
    if args.json {
        let _ = to_stdout(|out| writeln!(out, "{}", report.to_json_pretty()));
    } else {
        let _ = to_stdout(|out| {
            writeln!(out, "rdp-probe capacity {target}")?;
            if let Some(e) = &report.error {
                return writeln!(out, "  could not run: {e}");
            }
            writeln!(
                out,
                "  tried {} of {} connections; held at most {} at once",
                report.attempted, report.requested, report.max_held
            )?;
            match (report.first_refused, report.limit) {
                (Some(first), Some(limit)) => writeln!(
                    out,
                    "  limit: {limit} (connection {first} was {:?})",
                    report.refused_with.first()
                )?,
                _ => writeln!(out, "  no limit found")?,
            }
            writeln!(out, "  {}\n  note: {}", report.hint, report.warning)
        });
    }
    ExitCode::from(match (&report.error, report.limit) {
        (Some(_), _) => exit::FAILED,
        (None, Some(_)) => exit::FAILED,
        (None, None) => exit::CONNECTED,
    })
}

/// `rdp-probe inventory`.
fn inventory(args: &InventoryArgs, styled: bool) -> ExitCode {
    use rdp_probe_core::inventory::{InventoryOptions, inventory};
    let target: Target = match args.target.parse() {
        Ok(t) => t,
        Err(e) => return usage(&format!("bad target {:?}: {e}", args.target)),
    };
    let mut opts = InventoryOptions::default();
    if let Some(t) = args.timeout {
        opts.timeouts = Timeouts::uniform(t);
    }
    if let Some(t) = args.overall_timeout {
        opts.timeouts.overall = t;
    }
    if let Some(n) = args.max_connections {
        opts.max_connections = usize::from(n);
    }
    opts.cipher_suites = !args.no_cipher_suites;
    opts.negotiate_only = args.negotiate_only;
    if args.no_legacy_tls {
        opts.legacy_tls = LegacyTls::Off;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rdp-probe: cannot start the runtime: {e}");
            return ExitCode::from(exit::INCONCLUSIVE);
        }
    };
    let inv = runtime.block_on(inventory(&target, &opts));
    if args.json {
        let _ = to_stdout(|out| writeln!(out, "{}", inv.to_json_pretty()));
    } else {
        inventory_view::print(&inv, styled);
    }
    if let Some(path) = &args.html
        && let Err(e) = html::write(path, &html::inventory_page(&inv))
    {
        eprintln!("rdp-probe: {e}");
        return ExitCode::from(exit::FAILED);
    }
    ExitCode::from(if inv.error.is_some() {
        exit::FAILED
    } else {
        exit::CONNECTED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, ms) in [
            ("2", 2000),
            ("2.5", 2500),
            ("2s", 2000),
            ("500ms", 500),
            ("1m", 60_000),
            ("0.5m", 30_000),
            ("3600", 3_600_000),
            ("60m", 3_600_000),
            ("3600000ms", 3_600_000),
        ] {
            assert_eq!(duration(s), Ok(Duration::from_millis(ms)), "{s}");
        }
        for s in [
            "", "0", "0s", "0ms", ".", "1.2.3", "1h", "1h1s", "2 s", "2S", "-1", "1e3", "inf",
            "nan", "3600.001", "61m", "s",
        ] {
            assert!(duration(s).is_err(), "{s}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(parse_code("0x904"), Ok(0x904));
        assert_eq!(parse_code("0X7"), Ok(7));
        assert_eq!(parse_code("2308"), Ok(2308));
        assert!(parse_code("zz").is_err());
        assert!(parse_code("0x").is_err());
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }
}
