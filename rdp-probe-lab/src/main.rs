//! `rdp-probe-lab`: list the lab's scenarios, or serve one on loopback.
//!
//! ```text
//! rdp-probe-lab list [--names]
//! rdp-probe-lab serve SCENARIO [--port P] [--lifetime SECS]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use rdp_probe_lab::catalog::{self, Login};

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
