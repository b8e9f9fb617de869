//! `rdp-probe-lab`: list the lab's scenarios, or serve one on loopback; the same for the real
//! servers (xrdp, FreeRDP's shadow server).
//!
//! ```text
//! rdp-probe-lab list [--names]
//! rdp-probe-lab serve SCENARIO [--port P] [--lifetime SECS]
//! rdp-probe-lab list-real [--names]
//! rdp-probe-lab serve-real NAME [--port P] [--for SECS]
//! rdp-probe-lab serve-fleet --net 127.1.0.0/22 --scenario NAME [--port P] [--for SECS] [--threads N]
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
    /// Serve one scenario on every address of a loopback block, all on the same port (a fleet for
    /// `rdp-probe scan` benchmarks); print `fleet NET: COUNT servers on port PORT` once every address
    /// listens, and stop cleanly on SIGINT, SIGTERM or SIGHUP (or after --for seconds).
    ServeFleet {
        /// The block, in 127.0.0.0/8 only, /16 or smaller (e.g. 127.1.0.0/22: 1024 addresses).
        #[arg(long, value_name = "CIDR")]
        net: String,
        /// The port on every address (default: a free port of the block's first address).
        #[arg(long, short, default_value_t = 0)]
        port: u16,
        /// What every address plays: a scripted scenario of the catalog (`list` names them; e.g.
        /// `neg-failure-0x5`, `ntlm-challenge-v6`, `healthy`), or `fleet-hybrid-required`: X.224
        /// only, as a Windows server that requires NLA (RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER to
        /// a request without HYBRID or HYBRID_EX, RDP_NEG_RSP selecting HYBRID_EX or HYBRID to one
        /// with it, a Connection Confirm without negotiation data to one without RDP_NEG_REQ; then a
        /// close; no TLS).
        #[arg(long, value_name = "NAME")]
        scenario: String,
        /// Stop by itself after this many seconds.
        #[arg(long = "for", visible_alias = "lifetime", value_name = "SECS")]
        for_secs: Option<u64>,
        /// Runtime worker threads (1: a single-threaded runtime).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: u16,
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
        Command::ServeFleet {
            net,
            port,
            scenario,
            for_secs,
            threads,
        } => fleet::serve_fleet(&net, port, &scenario, for_secs, threads),
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

/// What ends `serve-real` and `serve-fleet`: SIGINT, SIGTERM, SIGHUP, or the end of `--for`.
struct Stop {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    lifetime: Option<Duration>,
}

impl Stop {
    /// Listens for the signals (within a tokio runtime) from now on.
    fn new(for_secs: Option<u64>) -> std::io::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Stop {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            lifetime: for_secs.map(Duration::from_secs),
        })
    }

    /// Returns when one of them comes.
    async fn wait(&mut self) {
        let lifetime = async {
            match self.lifetime {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            () = lifetime => {}
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
        let Ok(mut stop) = Stop::new(for_secs) else {
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
            () = stop.wait() => ExitCode::SUCCESS,
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

/// `serve-fleet`: one server per address of a loopback block, all on one port.
mod fleet {
    use std::io;
    use std::net::{Ipv4Addr, SocketAddr};
    use std::process::ExitCode;
    use std::time::Duration;

    use rdp_probe_lab::catalog::{self, Server};
    use rdp_probe_lab::scripted::ScriptedServer;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    /// The fleet-only scenario: X.224 as a Windows server that requires NLA.
    pub(super) const HYBRID_REQUIRED: &str = "fleet-hybrid-required";
    /// The most addresses one fleet serves (a /16).
    const MAX_PREFIX_ADDRESSES: u32 = 1 << 16;
    /// Descriptors kept for the runtime, stdio and connections in flight, besides one per listener.
    const FD_RESERVE: u64 = 256;
    /// How long a connection of the fleet-only scenario may take (request, then the client's close).
    const CONN_LIMIT: Duration = Duration::from_secs(10);
    /// The longest X.224 Connection Request read (a cookie or routing token is far shorter).
    const MAX_REQUEST: usize = 4096;

    const PROTOCOL_HYBRID: u32 = 0x2;
    const PROTOCOL_HYBRID_EX: u32 = 0x8;
    const HYBRID_REQUIRED_BY_SERVER: u32 = 0x5;

    /// A block of 127.0.0.0/8: its first address and how many it has.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) struct Block {
        pub(super) first: Ipv4Addr,
        pub(super) count: u32,
    }

    impl Block {
        /// Parses `127.a.b.c/N` (8 <= N <= 32, at most [`MAX_PREFIX_ADDRESSES`] addresses); host
        /// bits are cleared. Anything outside 127.0.0.0/8 is refused.
        pub(super) fn parse(net: &str) -> Result<Block, String> {
            let (addr, prefix) = net.split_once('/').ok_or_else(|| {
                format!("--net {net:?}: expected a CIDR block such as 127.1.0.0/22")
            })?;
            let addr: Ipv4Addr = addr
                .parse()
                .map_err(|e| format!("--net {net:?}: {addr:?} is not an IPv4 address: {e}"))?;
            let prefix: u32 = prefix
                .parse()
                .ok()
                .filter(|p| (8..=32).contains(p))
                .ok_or_else(|| format!("--net {net:?}: the prefix must be 8 to 32"))?;
            if addr.octets()[0] != 127 {
                return Err(format!(
                    "--net {net:?}: the lab listens on loopback only (127.0.0.0/8)"
                ));
            }
            let count = 1u64 << (32 - prefix);
            if count > u64::from(MAX_PREFIX_ADDRESSES) {
                return Err(format!(
                    "--net {net:?}: {count} addresses; at most {MAX_PREFIX_ADDRESSES} (a /16)"
                ));
            }
            let mask = u32::MAX << (32 - prefix);
            Ok(Block {
                first: Ipv4Addr::from(u32::from(addr) & mask),
                count: count as u32,
            })
        }

        /// Every address, in order.
        pub(super) fn addrs(self) -> impl Iterator<Item = Ipv4Addr> {
            let first = u32::from(self.first);
            (0..self.count).map(move |i| Ipv4Addr::from(first + i))
        }
    }

    /// What every address plays.
    #[derive(Debug, Clone, Copy)]
    enum Play {
        Scripted(rdp_probe_lab::scripted::Scenario),
        HybridRequired,
    }

    /// One listening address; dropping it stops its accept loop (and so every connection it
    /// serves: the fleet-only scenario's connections are in its JoinSet, the scripted server's in
    /// the lab's own).
    enum Member {
        Scripted(#[allow(dead_code)] ScriptedServer),
        Own(JoinHandle<()>),
    }

    impl Drop for Member {
        fn drop(&mut self) {
            if let Member::Own(task) = self {
                task.abort();
            }
        }
    }

    /// The soft limit on open files, from /proc/self/limits (None where it cannot be read).
    fn open_files_limit() -> Option<u64> {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
        let soft = line.split_whitespace().nth(3)?;
        if soft == "unlimited" {
            return Some(u64::MAX);
        }
        soft.parse().ok()
    }

    pub(super) fn serve_fleet(
        net: &str,
        port: u16,
        name: &str,
        for_secs: Option<u64>,
        threads: u16,
    ) -> ExitCode {
        let block = match Block::parse(net) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("rdp-probe-lab serve-fleet: {e}");
                return ExitCode::from(2);
            }
        };
        let play = if name == HYBRID_REQUIRED {
            Play::HybridRequired
        } else {
            match catalog::find(name).map(|e| e.server) {
                Some(Server::Scripted(s)) => Play::Scripted(s),
                Some(_) => {
                    eprintln!(
                        "rdp-probe-lab serve-fleet: {name} is not a scripted scenario; a fleet plays scripted scenarios (or {HYBRID_REQUIRED})"
                    );
                    return ExitCode::from(2);
                }
                None => {
                    eprintln!(
                        "rdp-probe-lab serve-fleet: no scenario named {name:?}; `rdp-probe-lab list --names` lists them (or {HYBRID_REQUIRED})"
                    );
                    return ExitCode::from(2);
                }
            }
        };
        let needed = u64::from(block.count) + FD_RESERVE;
        if let Some(limit) = open_files_limit()
            && limit < needed
        {
            eprintln!(
                "rdp-probe-lab serve-fleet: {} listeners need about {needed} open files, but the limit is {limit}: raise it first (ulimit -n {needed}) or serve a smaller block",
                block.count
            );
            return ExitCode::FAILURE;
        }
        let mut builder = if threads == 1 {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(usize::from(threads));
            b
        };
        let runtime = match builder.enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("rdp-probe-lab serve-fleet: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        runtime.block_on(async {
            let Ok(mut stop) = super::Stop::new(for_secs) else {
                eprintln!("rdp-probe-lab serve-fleet: cannot listen for signals");
                return ExitCode::FAILURE;
            };
            let mut members = Vec::with_capacity(block.count as usize);
            let mut port = port;
            for ip in block.addrs() {
                let addr = SocketAddr::from((ip, port));
                let started = match play {
                    Play::Scripted(s) => ScriptedServer::start_at(s, addr).await.map(|server| {
                        let port = server.addr().port();
                        (Member::Scripted(server), port)
                    }),
                    Play::HybridRequired => listen(addr).await,
                };
                match started {
                    Ok((member, bound)) => {
                        port = bound;
                        members.push(member);
                    }
                    Err(e) => {
                        let hint = match e.raw_os_error() {
                            Some(24) => " (too many open files: raise `ulimit -n`)",
                            Some(98) => " (the port is taken on that address)",
                            Some(99) => " (not a local address: is lo up?)",
                            _ => "",
                        };
                        eprintln!(
                            "rdp-probe-lab serve-fleet: cannot bind {addr}: {e}{hint}; {} of {} addresses were bound, none is served",
                            members.len(),
                            block.count
                        );
                        return ExitCode::FAILURE;
                    }
                }
            }
            println!(
                "fleet {}/{}: {} servers on port {port}",
                block.first,
                32 - block.count.trailing_zeros(),
                members.len()
            );
            eprintln!("serving {name} on every address of {net}, port {port}");
            stop.wait().await;
            eprintln!("stopping the fleet ({} servers)", members.len());
            drop(members);
            ExitCode::SUCCESS
        })
    }

    /// Binds `addr` for the fleet-only scenario and starts its accept loop.
    async fn listen(addr: SocketAddr) -> io::Result<(Member, u16)> {
        let listener = TcpListener::bind(addr).await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(async move {
                                let _ = tokio::time::timeout(CONN_LIMIT, hybrid_required(stream)).await;
                            });
                        }
                        // Out of descriptors, most likely: let connections finish.
                        Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                    },
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok((Member::Own(task), port))
    }

    /// `requestedProtocols` of an X.224 Connection Request (TPKT included), `None` without an
    /// RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1): after the fixed part, an optional cookie or routing token
    /// ending in CR LF, then the 8-byte RDP_NEG_REQ (type 1).
    pub(super) fn requested_protocols(cr: &[u8]) -> Option<u32> {
        let mut rest = cr.get(11..)?;
        if rest.starts_with(b"Cookie:") {
            let end = rest.windows(2).position(|w| w == b"\r\n")?;
            rest = &rest[end + 2..];
        }
        match rest {
            [1, _flags, 8, 0, a, b, c, d, ..] => Some(u32::from_le_bytes([*a, *b, *c, *d])),
            _ => None,
        }
    }

    /// The X.224 Connection Confirm of a Windows server that requires NLA, to `requested` (`None`:
    /// a request without RDP_NEG_REQ, which gets no negotiation data, [MS-RDPBCGR] 3.3.5.3.1), and
    /// whether it is a refusal (RDP_NEG_FAILURE).
    pub(super) fn hybrid_required_answer(requested: Option<u32>) -> (Vec<u8>, bool) {
        let Some(requested) = requested else {
            return (vec![3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0], false);
        };
        let (kind, value) = if requested & PROTOCOL_HYBRID_EX != 0 {
            (2u8, PROTOCOL_HYBRID_EX)
        } else if requested & PROTOCOL_HYBRID != 0 {
            (2, PROTOCOL_HYBRID)
        } else {
            (3, HYBRID_REQUIRED_BY_SERVER)
        };
        let v = value.to_le_bytes();
        let confirm = vec![
            3, 0, 0, 19, // TPKT
            14, 0xd0, 0, 0, 0x12, 0x34, 0, // X.224 Connection Confirm
            kind, 0, 8, 0, v[0], v[1], v[2], v[3], // RDP_NEG_RSP (2) or RDP_NEG_FAILURE (3)
        ];
        (confirm, kind == 3)
    }

    /// One connection of the fleet-only scenario: read the Connection Request and answer; after a
    /// refusal close (FIN, then drain until the client closes), else wait for the client to close
    /// (anything it sends, a ClientHello or an MCS Connect Initial, gets the same orderly close: the
    /// fleet speaks X.224 only).
    async fn hybrid_required(mut stream: TcpStream) -> io::Result<()> {
        let _ = stream.set_nodelay(true);
        let mut header = [0u8; 4];
        stream.read_exact(&mut header).await?;
        let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
        if header[0] != 3 || !(11..=MAX_REQUEST).contains(&len) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not TPKT"));
        }
        let mut cr = vec![0u8; len];
        cr[..4].copy_from_slice(&header);
        stream.read_exact(&mut cr[4..]).await?;
        let (answer, refused) = hybrid_required_answer(requested_protocols(&cr));
        stream.write_all(&answer).await?;
        let mut sink = [0u8; 512];
        if !refused && stream.read(&mut sink).await? == 0 {
            return Ok(());
        }
        stream.shutdown().await?;
        while stream.read(&mut sink).await? > 0 {}
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn blocks_are_loopback_only() {
            assert_eq!(
                Block::parse("127.1.0.5/22"),
                Ok(Block {
                    first: Ipv4Addr::new(127, 1, 0, 0),
                    count: 1024
                })
            );
            assert_eq!(Block::parse("127.0.0.1/32").map(|b| b.count), Ok(1));
            assert!(Block::parse("10.0.0.0/24").is_err());
            assert!(Block::parse("128.0.0.0/8").is_err());
            assert!(Block::parse("127.0.0.0/8").is_err()); // more than a /16
            assert!(Block::parse("127.1.0.0").is_err());
            let b = Block::parse("127.1.0.0/30").expect("block");
            let all: Vec<_> = b.addrs().collect();
            assert_eq!(all.last(), Some(&Ipv4Addr::new(127, 1, 0, 3)));
        }

        #[test]
        fn answers_as_a_windows_server_that_requires_nla() {
            let request = |protocols: Option<u32>, cookie: &[u8]| {
                let mut v = vec![3, 0, 0, 0, 0, 0xe0, 0, 0, 0, 0, 0];
                v.extend_from_slice(cookie);
                if let Some(p) = protocols {
                    v.extend_from_slice(&[1, 0, 8, 0]);
                    v.extend_from_slice(&p.to_le_bytes());
                }
                let len = v.len() as u16;
                v[2..4].copy_from_slice(&len.to_be_bytes());
                v[4] = (len - 5) as u8;
                v
            };
            let r = request(Some(0xb), b"Cookie: mstshash=probe\r\n");
            assert_eq!(requested_protocols(&r), Some(0xb));
            assert_eq!(requested_protocols(&request(Some(1), b"")), Some(1));
            assert_eq!(
                requested_protocols(&request(None, b"Cookie: mstshash=x\r\n")),
                None
            );
            let neg = |p| {
                let (answer, refused) = hybrid_required_answer(p);
                (answer[11..].to_vec(), refused)
            };
            assert_eq!(neg(Some(0xb)), (vec![2, 0, 8, 0, 8, 0, 0, 0], false));
            assert_eq!(neg(Some(3)), (vec![2, 0, 8, 0, 2, 0, 0, 0], false));
            assert_eq!(neg(Some(1)), (vec![3, 0, 8, 0, 5, 0, 0, 0], true));
            assert_eq!(neg(Some(0)), (vec![3, 0, 8, 0, 5, 0, 0, 0], true));
            assert_eq!(neg(None), (vec![], false));
        }
    }
}
