//! # rdp-probe-core
//!
//! Answers, at protocol level, "why can't I Remote-Desktop into this host?". The probe connects the way
//! the Windows client does — TCP, X.224 negotiation, TLS, CredSSP, MCS, licensing, capabilities,
//! finalization — and stops at the first failure with a typed verdict: the phase, the server's own code,
//! the (disconnect reason, extended reason) pair the Windows client would show (labelled when derived) and
//! what to check.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use rdp_probe_core::{probe, ProbeOptions, Target};
//! let report = probe(&"rdp.example.com".parse::<Target>().unwrap(), &ProbeOptions::default()).await;
//! println!("{}", report.to_json_pretty());
//! # }
//! ```
//!
//! The engine is sans-IO ([`engine::Machine`]): the tokio driver ([`probe`]) only moves bytes and keeps
//! time. Tolerant decoders live in `rdp-probe-wire`; the code tables and the Windows-client mapping in
//! `rdp-probe-codes`.

pub mod capacity;
pub mod cert;
mod driver;
pub mod engine;
pub mod failure;
pub mod framed;
pub mod inventory;
pub mod kerberos;
#[cfg(feature = "legacy-tls")]
pub mod legacy_tls;
pub mod manual;
mod options;
pub mod phase;
mod protocols;
pub mod report;
pub mod scan;
pub mod standard_security;
mod target;
mod tls;

pub use driver::probe;
pub use failure::{Code, Failure, FailureKind};
pub use options::{
    CertPolicy, ConfirmTrust, Credentials, Kdc, LegacyTls, PinError, ProbeOptions, Timeouts, Trust,
    TrustQuestion,
};
pub use phase::{Phase, PhaseRecord, PhaseStatus};
pub use protocols::{Protocols, ProtocolsError};
pub use rdp_probe_codes::{CodeSpace, StopReason};
pub use report::{Report, Verdict, VerdictKind};
pub use target::{DEFAULT_PORT, Target, TargetError};

/// The versions of this crate and of the RDP stack it drives (with the `legacy-tls` feature, also the
/// OpenSSL of the legacy-TLS attempt).
pub fn versions() -> &'static str {
    #[cfg(not(feature = "legacy-tls"))]
    return concat!(
        "rdp-probe-core ",
        env!("CARGO_PKG_VERSION"),
        " (ironrdp-connector 0.12.0, ironrdp-pdu 0.11.0, sspi 0.23.0, rustls 0.23)"
    );
    #[cfg(feature = "legacy-tls")]
    return concat!(
        "rdp-probe-core ",
        env!("CARGO_PKG_VERSION"),
        " (ironrdp-connector 0.12.0, ironrdp-pdu 0.11.0, sspi 0.23.0, rustls 0.23; legacy TLS: OpenSSL 3, vendored)"
    );
}
