//! `rdp-probe-lab`: list the lab's scenarios, or serve one on loopback; the same for the real
//! servers (xrdp, FreeRDP's shadow server).
//!
//! ```text
//! rdp-probe-lab list [--names]
//! rdp-probe-lab serve SCENARIO [--port P] [--lifetime SECS]
//! rdp-probe-lab list-real [--names]
//! rdp-probe-lab serve-real NAME [--port P] [--for SECS]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use rdp_probe_lab::catalog::{self, Login};
use rdp_probe_lab::real::{
    self, CertKind, CryptLevel, LAB_PASSWORD, LAB_USER, SecurityLayer, ShadowConfig, ShadowSec,
    ShadowServer, XrdpConfig, XrdpServer,
};

/// RDP servers on loopback that reproduce every failure class rdp-probe diagnoses.
#[derive(Debug, Parser)]
#[command(name = "rdp-probe-lab", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every scenario: its name, what the server does, and the verdict rdp-probe should give.
    List {
        /// Print only the names, one per line.
        #[arg(long)]
        names: bool,
    },
    /// Run one scenario on 127.0.0.1 until interrupted (or for --lifetime seconds).
    Serve {
        /// The scenario's name, as `list` prints it.
        scenario: String,
        /// The port to listen on (default: a free one).
        #[arg(long, short, default_value_t = 0)]
        port: u16,
        /// Stop by itself after this many seconds.
        #[arg(long, value_name = "SECS")]
        lifetime: Option<u64>,
    },
    /// Print every real server `serve-real` can start (xrdp, FreeRDP's shadow server).
    ListReal {
        /// Print only the names, one per line.
        #[arg(long)]
        names: bool,
    },
    /// Start one real server on 127.0.0.1, print its address, and stop it cleanly on SIGINT,
    /// SIGTERM or SIGHUP (or after --for seconds).
    ServeReal {
        /// The server's name, as `list-real` prints it.
        name: String,
        /// The port to listen on (default: a free one).
        #[arg(long, short, default_value_t = 0)]
        port: u16,
        /// Stop by itself after this many seconds.
        #[arg(long = "for", visible_alias = "lifetime", value_name = "SECS")]
        for_secs: Option<u64>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List { names } => {
            list(names);
            ExitCode::SUCCESS
        }
        Command::Serve {
            scenario,
            port,
            lifetime,
        } => serve(&scenario, port, lifetime),
        Command::ListReal { names } => {
            list_real(names);
            ExitCode::SUCCESS
        }
        Command::ServeReal {
            name,
            port,
            for_secs,
        } => serve_real(&name, port, for_secs),
    }
}

fn list(names_only: bool) {
    let entries = catalog::catalog();
    if names_only {
        for e in &entries {
            println!("{}", e.name);
        }
        return;
    }
    println!(
        "{} scenarios. Serve one with `rdp-probe-lab serve NAME`, then probe the address it prints.\n",
        entries.len()
    );
    for e in &entries {
        println!("{}", e.name);
        println!("    server:    {}", e.describe());
        println!("    rdp-probe: {}", e.expect.summary());
    }
}

fn serve(name: &str, port: u16, lifetime: Option<u64>) -> ExitCode {
    let Some(entry) = catalog::find(name) else {
        eprintln!(
            "rdp-probe-lab: no scenario named {name:?}; `rdp-probe-lab list --names` lists them"
        );
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rdp-probe-lab: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let running = match entry.start_on(port).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("rdp-probe-lab: cannot start {name} on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let addr = running.addr();
        println!("{addr}");
        let target = running
            .target()
            .map_or_else(|_| addr.to_string(), |t| t.to_string());
        let kdc = running
            .kdc()
            .map(|k| format!(" --kdc {k}"))
            .unwrap_or_default();
        eprintln!("serving {name}: {}", entry.describe());
        eprintln!("rdp-probe should say: {}", entry.expect.summary());
        let password = match entry.setup.credentials.user_password() {
            Some((_, password)) => format!("RDP_PROBE_PASSWORD='{password}' "),
            None => String::new(),
        };
        eprintln!(
            "probe it with: {password}rdp-probe {target} {}{kdc}",
            entry.setup.cli_args()
        );
        if entry.setup.credentials == Login::WrongPassword {
            eprintln!("(that password is deliberately wrong)");
        }
        match lifetime {
            Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
            None => std::future::pending::<()>().await,
        }
        drop(running);
        ExitCode::SUCCESS
    })
}

/// How one real server is configured.
#[derive(Debug, Clone)]
enum RealConfig {
    Xrdp(XrdpConfig),
    Shadow(ShadowConfig),
}

/// One entry of the real-server table.
#[derive(Debug, Clone)]
struct RealEntry {
    name: &'static str,
    about: &'static str,
    config: RealConfig,
}

/// The real servers `serve-real` starts, by name: the one place their configurations are listed.
fn real_catalog() -> Vec<RealEntry> {
    let xrdp = |name, about, config| RealEntry {
        name,
        about,
        config: RealConfig::Xrdp(config),
    };
    let shadow = |name, about, config| RealEntry {
        name,
        about,
        config: RealConfig::Shadow(config),
    };
    let rdp = |crypt_level| XrdpConfig {
        security_layer: SecurityLayer::Rdp,
        crypt_level,
        ..XrdpConfig::default()
    };
    let tls = |tls_protocols, tls_ciphers| XrdpConfig {
        security_layer: SecurityLayer::Tls,
        tls_protocols,
        tls_ciphers,
        ..XrdpConfig::default()
    };
    let no_nla = |sec| ShadowConfig { nla: None, sec };
    vec![
        xrdp(
            "xrdp-negotiate",
            "xrdp, security_layer=negotiate, crypt_level=high, TLS 1.2 and 1.3, CA-signed certificate (a stock xrdp)",
            XrdpConfig::default(),
        ),
        xrdp(
            "xrdp-rdp-high",
            "xrdp, security_layer=rdp (Standard RDP Security only), crypt_level=high",
            rdp(CryptLevel::High),
        ),
        xrdp(
            "xrdp-rdp-low",
            "xrdp, security_layer=rdp, crypt_level=low",
            rdp(CryptLevel::Low),
        ),
        xrdp(
            "xrdp-rdp-client",
            "xrdp, security_layer=rdp, crypt_level=medium (client compatible)",
            rdp(CryptLevel::Client),
        ),
        xrdp(
            "xrdp-rdp-fips",
            "xrdp, security_layer=rdp, crypt_level=fips",
            rdp(CryptLevel::Fips),
        ),
        xrdp(
            "xrdp-rdp-none",
            "xrdp, security_layer=rdp, crypt_level=none",
            rdp(CryptLevel::None),
        ),
        xrdp(
            "xrdp-tls",
            "xrdp, security_layer=tls, TLS 1.2 and 1.3",
            tls("TLSv1.2, TLSv1.3", None),
        ),
        xrdp(
            "xrdp-tls10-only",
            "xrdp, security_layer=tls, ssl_protocols=TLSv1, tls_ciphers=DEFAULT@SECLEVEL=0 (TLS 1.0 only)",
            tls("TLSv1", Some("DEFAULT@SECLEVEL=0")),
        ),
        xrdp(
            "xrdp-tls13-only",
            "xrdp, security_layer=tls, ssl_protocols=TLSv1.3",
            tls("TLSv1.3", None),
        ),
        xrdp(
            "xrdp-no-cert",
            "xrdp, security_layer=tls, certificate files missing (SSL_CERT_NOT_ON_SERVER)",
            XrdpConfig {
                cert: CertKind::Missing,
                ..tls("TLSv1.2, TLSv1.3", None)
            },
        ),
        shadow(
            "shadow-nla",
            "freerdp-shadow-cli /sec:nla +auth: NLA required, lab account labuser",
            ShadowConfig::default(),
        ),
        shadow(
            "shadow-no-nla",
            "freerdp-shadow-cli -sec-nla: TLS or Standard RDP Security, no NLA",
            no_nla(ShadowSec::NoNla),
        ),
        shadow(
            "shadow-tls",
            "freerdp-shadow-cli /sec:tls: TLS only",
            no_nla(ShadowSec::Tls),
        ),
        shadow(
            "shadow-rdp",
            "freerdp-shadow-cli /sec:rdp: Standard RDP Security only (encryption method NONE in practice)",
            no_nla(ShadowSec::Rdp),
        ),
    ]
}

fn list_real(names_only: bool) {
    let entries = real_catalog();
    if names_only {
        for e in &entries {
            println!("{}", e.name);
        }
        return;
    }
    println!(
        "{} real servers. Start one with `rdp-probe-lab serve-real NAME`, then probe the address it prints.\n",
        entries.len()
    );
    for e in &entries {
        println!("{}", e.name);
        println!("    server: {}", e.about);
    }
}

/// A started real server; dropping it stops its process groups and removes its run directory.
enum RunningReal {
    Xrdp(XrdpServer),
    Shadow(ShadowServer),
}

impl RunningReal {
    fn start(config: &RealConfig, port: u16) -> Result<RunningReal, real::LabError> {
        Ok(match (config, port) {
            (RealConfig::Xrdp(c), 0) => RunningReal::Xrdp(XrdpServer::start(c.clone())?),
            (RealConfig::Xrdp(c), p) => RunningReal::Xrdp(XrdpServer::start_on(c.clone(), p)?),
            (RealConfig::Shadow(c), 0) => RunningReal::Shadow(ShadowServer::start(c.clone())?),
            (RealConfig::Shadow(c), p) => {
                RunningReal::Shadow(ShadowServer::start_on(c.clone(), p)?)
            }
        })
    }

    fn addr(&self) -> std::net::SocketAddr {
        match self {
            RunningReal::Xrdp(s) => s.addr(),
            RunningReal::Shadow(s) => s.addr(),
        }
    }

    fn ca_cert(&self) -> &std::path::Path {
        match self {
            RunningReal::Xrdp(s) => s.ca_cert(),
            RunningReal::Shadow(s) => s.ca_cert(),
        }
    }

    /// The server's own process groups (without the watchdog, which `pgids` lists last).
    fn server_groups(&self) -> Vec<u32> {
        let mut groups = match self {
            RunningReal::Xrdp(s) => s.pgids(),
            RunningReal::Shadow(s) => s.pgids(),
        };
        groups.pop();
        groups
    }

    fn log_tail(&self) -> String {
        match self {
            RunningReal::Xrdp(s) => s.log_tail(),
            RunningReal::Shadow(s) => s.log_tail(),
        }
    }
}

/// Starts the server, prints its address, and serves until SIGINT, SIGTERM or SIGHUP, the end of
/// `--for`, or the server's own exit; dropping the server stops its process groups and removes its
/// run directory.
fn serve_real(name: &str, port: u16, for_secs: Option<u64>) -> ExitCode {
    let entries = real_catalog();
    let Some(entry) = entries.iter().find(|e| e.name == name) else {
        eprintln!(
            "rdp-probe-lab: no real server named {name:?}; `rdp-probe-lab list-real --names` lists them"
        );
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rdp-probe-lab: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            eprintln!("rdp-probe-lab: cannot listen for signals");
            return ExitCode::FAILURE;
        };
        let server = match RunningReal::start(&entry.config, port) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("rdp-probe-lab: cannot start {name}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let addr = server.addr();
        println!("{addr}");
        eprintln!("serving {name}: {}", entry.about);
        eprintln!("lab CA certificate: {}", server.ca_cert().display());
        match &entry.config {
            RealConfig::Shadow(ShadowConfig { nla: Some(_), .. }) => {
                eprintln!("lab credentials: user {LAB_USER}, password {LAB_PASSWORD}");
                eprintln!(
                    "probe it with: RDP_PROBE_PASSWORD='{LAB_PASSWORD}' rdp-probe {addr} -u {LAB_USER}"
                );
            }
            _ => eprintln!("probe it with: rdp-probe {addr}"),
        }
        let lifetime = async {
            match for_secs {
                Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                None => std::future::pending::<()>().await,
            }
        };
        let groups = server.server_groups();
        let exited = async {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Some(gone) = groups.iter().find(|&&g| !real::group_alive(g)) {
                    return *gone;
                }
            }
        };
        let code = tokio::select! {
            _ = int.recv() => ExitCode::SUCCESS,
            _ = term.recv() => ExitCode::SUCCESS,
            _ = hup.recv() => ExitCode::SUCCESS,
            () = lifetime => ExitCode::SUCCESS,
            gone = exited => {
                eprintln!(
                    "rdp-probe-lab: {name} exited by itself (process group {gone})\n{}",
                    server.log_tail()
                );
                ExitCode::FAILURE
            }
        };
        eprintln!("stopping {name}");
        drop(server);
        code
    })
}
