//! Real RDP servers on loopback: xrdp and FreeRDP's shadow server, started and stopped by tests.
//!
//! Every server gets its own run directory, `temp_dir()/rdp-probe-lab/<name>-<port>-<pid>`, with
//! its generated configuration, a fresh lab CA and server certificate, and its logs. Every process
//! leads its own process group and is stopped by signalling that group (SIGTERM, a bounded wait,
//! then SIGKILL), never by name. A server is stopped by [`XrdpServer::stop`] /
//! [`ShadowServer::stop`] or when it is dropped; if the test process dies without either, a
//! watchdog process stops it within a few seconds.
//!
//! The run directory is removed when the server stops, unless `RDP_PROBE_LAB_KEEP` is set.
//! The binaries come from `scripts/install-test-deps.sh`; [`check_tools`] names what is missing.

mod ca;
mod error;
mod kdc;
mod proc;
mod shadow;
mod xrdp;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

pub use ca::{CA_NAME, CertKind, LabCa, MISMATCH_HOST, ServerCert};
pub use error::LabError;
pub use kdc::{
    CLOCK_SKEW_SECS, ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_AES256_CTS_HMAC_SHA1_96, KdcConfig,
    KdcServer, KinitOutput, LAB_REALM, LAB_SERVICE, LAB_SERVICE_PASSWORD, check_kdc_tools,
};
pub use proc::{check_tools, group_alive, group_members, process_alive};
pub use shadow::{LAB_PASSWORD, LAB_USER, ShadowConfig, ShadowSec, ShadowServer};
pub use xrdp::{CryptLevel, SecurityLayer, XrdpConfig, XrdpServer};

/// The loopback address every lab server binds.
pub const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// The ports [`free_port`] hands out: below Linux's ephemeral range (32768-60999), so they do
/// not collide with ports the kernel picks for `bind(0)` or outgoing connections.
pub const PORT_RANGE: std::ops::Range<u16> = 24000..32000;

static NEXT_PORT: AtomicU32 = AtomicU32::new(0);

/// A free TCP port on 127.0.0.1 from [`PORT_RANGE`].
///
/// A process-wide counter walks the range (from an offset derived from the process id, so that
/// parallel test processes start far apart), so threads of one process never get the same port;
/// each candidate must also be bindable right now.
pub fn free_port() -> u16 {
    free_port_where(|_| true)
}

/// Like [`free_port`], but the port must also satisfy `ok`.
pub(crate) fn free_port_where(ok: impl Fn(u16) -> bool) -> u16 {
    let size = u32::from(PORT_RANGE.end - PORT_RANGE.start);
    let offset = std::process::id().wrapping_mul(7919) % size;
    for _ in 0..size {
        let n = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
        let port = PORT_RANGE.start + u16::try_from((offset + n) % size).unwrap_or(0);
        if ok(port) && TcpListener::bind((LOOPBACK, port)).is_ok() {
            return port;
        }
    }
    // The whole range is busy: let the kernel pick one.
    TcpListener::bind((LOOPBACK, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// The X display number a shadow server on `port` uses: unique per port below 40000
/// (`:34000`..`:41999` for [`PORT_RANGE`]).
pub fn display_for_port(port: u16) -> u32 {
    10000 + u32::from(port) % 40000
}

/// Whether X display `:n` looks free (no lock file, no socket).
pub(crate) fn display_free(n: u32) -> bool {
    !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
}

/// `127.0.0.1:port`.
pub(crate) fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((LOOPBACK, port))
}

/// Removes a run directory unless `RDP_PROBE_LAB_KEEP` is set.
pub(crate) fn remove_run_dir(dir: &Path) {
    if std::env::var_os("RDP_PROBE_LAB_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
