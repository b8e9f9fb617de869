//! RDP lab servers on loopback for rdp-probe's tests, benches and demo.
//!
//! [`real`] starts and stops real RDP servers (xrdp and FreeRDP's shadow server), each in its
//! own run directory and its own process groups, so that tests can use them as ground truth.

pub mod real;
pub mod scripted;
