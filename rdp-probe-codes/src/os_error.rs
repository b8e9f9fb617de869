//! `os_error`: a socket-level failure (resolve, connect, send, receive), rdp-probe's own space.
//!
//! This space is keyed by **name** ([`crate::Keyed::Name`]): the name says what failed, and the
//! value is the operating system's error number for it (errno on Unix, the WinSock error on
//! Windows, so the same failure has different values on different systems), 0 when there is none.

use crate::{NameEntry, OWN_SOURCE};

const ERRNO: &str = "the OS error number, 0 when there is none";

const fn row(name: &'static str, meaning: &'static str) -> NameEntry {
    NameEntry::new(name, meaning, ERRNO, OWN_SOURCE)
}

/// The host name did not resolve.
pub const DNS_LOOKUP_FAILED: NameEntry = NameEntry::new(
    "DNS_LOOKUP_FAILED",
    "The host name did not resolve",
    "always 0",
    OWN_SOURCE,
)
.with_hint("the name does not resolve: check the spelling, the DNS suffix and the resolver");
/// TCP connect refused (RST).
pub const ECONNREFUSED: NameEntry = row(
    "ECONNREFUSED",
    "The TCP connection was refused: nothing listens on the port, or a firewall rejects it",
)
.with_hint("nothing accepts connections on this port: check that Remote Desktop is enabled and listening on it, and that no firewall rejects the connection");
/// Host or network unreachable.
pub const EHOSTUNREACH: NameEntry = row("EHOSTUNREACH", "The host or network is unreachable")
    .with_hint("the host or network is unreachable: check routing, VPN and the address");
/// The peer reset the connection. The report's hint depends on the phase.
pub const ECONNRESET: NameEntry = row(
    "ECONNRESET",
    "The server (or a device in between) reset the connection",
);
/// The peer closed the connection. The report's hint depends on the phase.
pub const EOF: NameEntry = row(
    "EOF",
    "The server closed the connection (end of stream) without giving a reason",
);
/// A send failed.
pub const SEND_FAILED: NameEntry = row(
    "SEND_FAILED",
    "Sending on the established connection failed",
)
.with_hint("a socket error ended the connection: check the network path");
/// Any other socket error.
pub const OS_ERROR: NameEntry = row("OS_ERROR", "Another socket error ended the connection")
    .with_hint("a socket error ended the connection: check the network path");

/// Every `os_error` name.
pub static TABLE: &[NameEntry] = &[
    DNS_LOOKUP_FAILED,
    ECONNREFUSED,
    EHOSTUNREACH,
    ECONNRESET,
    EOF,
    SEND_FAILED,
    OS_ERROR,
];
