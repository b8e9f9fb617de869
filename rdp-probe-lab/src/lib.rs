//! RDP lab servers on loopback for rdp-probe's tests, benches and demo.
//!
//! [`real`] starts and stops real RDP servers (xrdp and FreeRDP's shadow server), each in its
//! own run directory and its own process groups, so that tests can use them as ground truth.
//!
//! [`scripted`] runs a scripted server that ends any phase in any way, and [`catalog`] names every
//! scenario the lab can run with the verdict rdp-probe should give for it (`rdp-probe-lab list`).
//!
//! [`acceptor`] runs a real RDP server in-process: IronRDP's server-side connection state machine
//! (`ironrdp-acceptor`) with TLS and CredSSP, connecting a client or refusing it the way a real
//! server does.
//!
//! [`limited`] runs a server with an outstanding-connection limit that resets connections beyond it,
//! as Windows does (for `rdp-probe capacity`).
//!
//! [`dns`] runs a scripted DNS server on UDP that answers the SRV queries of the KDC lookup
//! (`_kerberos._tcp.<REALM>`) with chosen records, NXDOMAIN, FORMERR, or silence.

pub mod acceptor;
pub mod catalog;
pub mod dns;
pub mod limited;
pub mod real;
pub mod scripted;
mod serve;
