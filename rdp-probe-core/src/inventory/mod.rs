//! Server inventory: what an RDP server accepts and which clients it will refuse, learned without
//! credentials and with few connections (contract `rdp-probe-inventory/1`).
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use rdp_probe_core::inventory::{inventory, InventoryOptions};
//! let target = "rdp.example.com".parse().unwrap();
//! let inv = inventory(&target, &InventoryOptions::default()).await;
//! println!("NLA: {:?}", inv.nla);
//! for f in &inv.findings {
//!     println!("{:?} {}: {}", f.severity, f.id, f.message);
//! }
//! println!("{}", inv.to_json_pretty());
//! # }
//! ```
//!
//! # How it works
//!
//! 1. **X.224.** One Connection Request per security protocol, requested alone (`rdp`, `ssl`,
//!    `hybrid`, `hybrid_ex`, `rdstls`, `rdsaad`), one without negotiation data (`legacy`), and the two
//!    requests real clients send (`ssl|hybrid`, `ssl|hybrid|hybrid_ex`). The selected protocol is
//!    always compared with the request ([`negotiation`]); NLA is decided by [`negotiation::nla_verdict`].
//! 2. **Standard RDP Security**, only when the server selected it: an MCS Connect Initial offering every
//!    method, then one per method ([`standard`]).
//! 3. **TLS**, only on a request the server answered with a TLS-based protocol: one raw ClientHello per
//!    version, then, per accepted version, the suites the server picks when the ones it picked before
//!    are taken away ([`tls_scan`]).
//! 4. **CredSSP and NTLM**, when CredSSP was selected, and the RDP version behind TLS when only TLS
//!    gives it: the diagnosis itself ([`crate::probe`]) without credentials, which stops at the NLA
//!    wall with the server's TSRequest version and NTLM CHALLENGE read.
//! 5. **Findings** and **client compatibility** from all of the above ([`findings`], [`clients`]).
//!
//! Every connection takes a permit from a per-host pool ([`InventoryOptions::max_connections`],
//! default 8), every connect and read is bounded by [`crate::Timeouts`], and no connection starts after
//! the overall limit.

pub mod clients;
pub mod findings;
mod link;
pub mod negotiation;
mod report;
mod run;
pub mod standard;
pub mod tls_scan;

pub use report::*;
pub use run::inventory;

use crate::{LegacyTls, Timeouts};

/// The connections one inventory may have open at once, by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// The inventory's JSON contract name.
pub const INVENTORY_SCHEMA: &str = "rdp-probe-inventory/1";

/// Options of one inventory.
#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// Limits for each connect and read, and for the whole inventory (no connection starts after
    /// `overall`).
    pub timeouts: Timeouts,
    /// The most connections open at once.
    pub max_connections: usize,
    /// Whether to enumerate the cipher suites of every accepted TLS version (one connection per
    /// accepted suite, plus one); without it only the suite the server prefers is reported.
    pub cipher_suites: bool,
    /// Whether the CredSSP step may follow a server that only speaks legacy TLS (with the
    /// `legacy-tls` feature).
    pub legacy_tls: LegacyTls,
    /// Only the X.224 step (protocols, NLA, findings and client results from it): no Standard RDP
    /// Security, TLS or CredSSP connections. The fleet sweep's mode.
    pub negotiate_only: bool,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        InventoryOptions {
            timeouts: Timeouts::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            cipher_suites: true,
            legacy_tls: LegacyTls::default(),
            negotiate_only: false,
        }
    }
}
