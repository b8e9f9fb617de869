//! Starts one lab server, prints its address and keeps it for 120 s (for trying the CLI by hand).
//!
//! `cargo run -p rdp-probe-lab --example hold -- shadow|xrdp|errinfo7`
use std::time::Duration;

use rdp_probe_lab::real::{ShadowConfig, ShadowServer, XrdpConfig, XrdpServer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kind = std::env::args().nth(1).unwrap_or_default();
    if kind == "errinfo7" {
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async {
            let server = rdp_probe_lab::scripted::ScriptedServer::start(
                rdp_probe_lab::scripted::Scenario::ErrinfoAfterClientInfo(7),
            )
            .await?;
            println!("{}", server.addr());
            tokio::time::sleep(Duration::from_secs(120)).await;
            Ok::<_, std::io::Error>(())
        })?;
    } else if kind == "shadow" {
        let server = ShadowServer::start(ShadowConfig::default())?;
        println!("{}", server.addr());
        std::thread::sleep(Duration::from_secs(120));
    } else {
        let server = XrdpServer::start(XrdpConfig::default())?;
        println!("{}", server.addr());
        std::thread::sleep(Duration::from_secs(120));
    }
    Ok(())
}
