//! Result codes: what every fallible export returns.

use std::ffi::c_char;

use crate::panic::boundary;
use crate::text::write_str;

/// The result of a call into rdp-probe.
///
/// Numbers are explicit and stable, grouped by kind in hundreds; a number is never reused for a
/// different meaning. A probe that ran returns `RDP_PROBE_RESULT_OK` whatever its verdict: the
/// verdict and the server's own code are in the report.
///
/// | range | kind |
/// |---|---|
/// | 0 | success |
/// | 100–199 | API misuse: the call cannot be made this way |
/// | 200–299 | invalid argument: a value the caller passed is not acceptable |
/// | 300–399 | internal: a bug in rdp-probe or a resource the process lacks |
/// | 400–499 | probe outcome: the probe did not produce what was asked for |
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rdp_probe_result {
    /// Success.
    Ok = 0,

    /// A pointer argument that must not be NULL was NULL.
    NullParameter = 100,
    /// The output buffer is too small; `out_needed` holds the size needed (terminating NUL included).
    BufferTooSmall = 101,
    /// `rdp_probe_config_builder_build` was called before `rdp_probe_config_builder_set_target`.
    NoTarget = 102,
    /// An index is not below the count its accessor reports (e.g.
    /// `rdp_probe_inventory_finding_id` with an index of `rdp_probe_inventory_finding_count` or more).
    IndexOutOfRange = 103,

    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 200,
    /// The host is empty or contains whitespace, control characters or `/`.
    InvalidHost = 201,
    /// The port is 0.
    InvalidPort = 202,
    /// A timeout is 0 ms.
    InvalidTimeout = 203,
    /// The protocol bits include bits no RDP_NEG_REQ defines ([MS-RDPBCGR] 2.2.1.1.1).
    InvalidProtocols = 204,
    /// The certificate policy is not one of `rdp_probe_cert_policy`.
    InvalidCertPolicy = 205,
    /// The user name is empty (also after splitting `DOMAIN\user`).
    InvalidCredentials = 206,
    /// The client name is empty or longer than the 15 characters RDP's Client Core Data carries.
    InvalidClientName = 207,
    /// The legacy-TLS mode is not one of `rdp_probe_legacy_tls`.
    InvalidLegacyTls = 208,
    /// A certificate pin is not `sha256:` followed by 64 hex digits (colons allowed).
    InvalidTrustPin = 209,
    /// The PEM holds no certificate that can be read.
    InvalidCaPem = 210,
    /// The KDC is not `HOST`, `HOST:PORT` or `[IPv6]:PORT` with a port from 1 to 65535.
    InvalidKdc = 211,
    /// The inventory's connection limit is 0 or above 64.
    InvalidMaxConnections = 212,
    /// The scan mode is not one of `rdp_probe_scan_mode`.
    InvalidScanMode = 213,
    /// A scan's concurrency is 0 or above 65536.
    InvalidConcurrency = 214,
    /// A scan's target list holds more targets after dedupe and exclusions than its limit (65536
    /// unless `rdp_probe_scan_options_set_max_targets` raised it).
    TooManyTargets = 215,
    /// A scan's rate is negative, NaN or infinite.
    InvalidRate = 216,
    /// A scan's shard has a count of 0, or an index not below its count.
    InvalidShard = 217,
    /// A scan's target limit is 0.
    InvalidMaxTargets = 218,

    /// rdp-probe panicked; the panic was caught at the boundary. Please report it.
    Panic = 300,
    /// The async runtime that drives the probe could not be started (out of threads or file
    /// descriptors).
    Runtime = 301,

    /// The probe was cancelled through its cancel token before it finished; there is no report.
    Cancelled = 400,
    /// The report has no such field for its verdict (e.g. a failure code on a `connected` report),
    /// or the inventory has no such fact (e.g. a CredSSP version when CredSSP was not reached).
    NotPresent = 401,
    /// `rdp_probe_scan_next`: the scan is over and every report has been fetched (every target was
    /// probed, or the scan was stopped with `rdp_probe_scan_stop`).
    ScanDone = 402,
    /// `rdp_probe_scan_next`: the scan is over and every report has been fetched, but its deadline
    /// (`rdp_probe_scan_options_set_deadline_ms`) passed before every target was started: the
    /// targets without a report were not probed.
    ScanDeadline = 403,
}

impl rdp_probe_result {
    /// Every code, in numeric order.
    const ALL: [rdp_probe_result; 30] = [
        Self::Ok,
        Self::NullParameter,
        Self::BufferTooSmall,
        Self::NoTarget,
        Self::IndexOutOfRange,
        Self::InvalidUtf8,
        Self::InvalidHost,
        Self::InvalidPort,
        Self::InvalidTimeout,
        Self::InvalidProtocols,
        Self::InvalidCertPolicy,
        Self::InvalidCredentials,
        Self::InvalidClientName,
        Self::InvalidLegacyTls,
        Self::InvalidTrustPin,
        Self::InvalidCaPem,
        Self::InvalidKdc,
        Self::InvalidMaxConnections,
        Self::InvalidScanMode,
        Self::InvalidConcurrency,
        Self::TooManyTargets,
        Self::InvalidRate,
        Self::InvalidShard,
        Self::InvalidMaxTargets,
        Self::Panic,
        Self::Runtime,
        Self::Cancelled,
        Self::NotPresent,
        Self::ScanDone,
        Self::ScanDeadline,
    ];

    /// The code for a raw number, if it is one.
    pub fn from_u32(value: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|r| *r as u32 == value)
    }

    /// A stable lower-case identifier, e.g. `null_parameter`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NullParameter => "null_parameter",
            Self::BufferTooSmall => "buffer_too_small",
            Self::NoTarget => "no_target",
            Self::IndexOutOfRange => "index_out_of_range",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::InvalidHost => "invalid_host",
            Self::InvalidPort => "invalid_port",
            Self::InvalidTimeout => "invalid_timeout",
            Self::InvalidProtocols => "invalid_protocols",
            Self::InvalidCertPolicy => "invalid_cert_policy",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidClientName => "invalid_client_name",
            Self::InvalidLegacyTls => "invalid_legacy_tls",
            Self::InvalidTrustPin => "invalid_trust_pin",
            Self::InvalidCaPem => "invalid_ca_pem",
            Self::InvalidKdc => "invalid_kdc",
            Self::InvalidMaxConnections => "invalid_max_connections",
            Self::InvalidScanMode => "invalid_scan_mode",
            Self::InvalidConcurrency => "invalid_concurrency",
            Self::TooManyTargets => "too_many_targets",
            Self::InvalidRate => "invalid_rate",
            Self::InvalidShard => "invalid_shard",
            Self::InvalidMaxTargets => "invalid_max_targets",
            Self::Panic => "panic",
            Self::Runtime => "runtime",
            Self::Cancelled => "cancelled",
            Self::NotPresent => "not_present",
            Self::ScanDone => "scan_done",
            Self::ScanDeadline => "scan_deadline",
        }
    }

    /// One line saying what went wrong.
    pub fn message(self) -> &'static str {
        match self {
            Self::Ok => "success",
            Self::NullParameter => "a required pointer argument was NULL",
            Self::BufferTooSmall => {
                "the output buffer is too small; out_needed holds the size needed"
            }
            Self::NoTarget => "the config has no target; call rdp_probe_config_builder_set_target",
            Self::IndexOutOfRange => "the index is not below the count its accessor reports",
            Self::InvalidUtf8 => "a string argument is not valid UTF-8",
            Self::InvalidHost => {
                "the host is empty or contains whitespace, control characters or '/'"
            }
            Self::InvalidPort => "the port must be between 1 and 65535",
            Self::InvalidTimeout => "a timeout must be at least 1 ms",
            Self::InvalidProtocols => {
                "the protocol bits include bits RDP_NEG_REQ does not define (valid: 0x1f)"
            }
            Self::InvalidCertPolicy => "the certificate policy is not a rdp_probe_cert_policy",
            Self::InvalidCredentials => "the user name is empty",
            Self::InvalidClientName => "the client name must be 1 to 15 characters",
            Self::InvalidLegacyTls => "the legacy TLS mode is not a rdp_probe_legacy_tls",
            Self::InvalidTrustPin => {
                "a certificate pin is sha256: followed by 64 hex digits (colons allowed)"
            }
            Self::InvalidCaPem => "the PEM holds no certificate that can be read",
            Self::InvalidKdc => "the KDC must be HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)",
            Self::InvalidMaxConnections => "the inventory's connection limit must be 1 to 64",
            Self::InvalidScanMode => "the scan mode is not a rdp_probe_scan_mode",
            Self::InvalidConcurrency => "a scan's concurrency must be 1 to 65536",
            Self::TooManyTargets => {
                "the target list holds more targets than its limit (65536 unless raised): split \
                 it, narrow it, or raise the limit deliberately"
            }
            Self::InvalidRate => {
                "a scan's rate must be a finite number of probes per second, 0 or more"
            }
            Self::InvalidShard => "a scan's shard must be K of N with N at least 1 and K below N",
            Self::InvalidMaxTargets => "a scan's target limit must be at least 1",
            Self::Panic => "rdp-probe panicked (caught at the C boundary); please report it",
            Self::Runtime => "the async runtime could not be started",
            Self::Cancelled => "the probe was cancelled before it finished",
            Self::NotPresent => "the report has no such field for its verdict",
            Self::ScanDone => "the scan is over and every report has been fetched",
            Self::ScanDeadline => {
                "the scan's deadline passed before every target was started; every report of \
                 the targets probed has been fetched"
            }
        }
    }
}

/// Writes the name and message of `result` (`"null_parameter: a required pointer argument was
/// NULL"`) into `buf`. An unknown number yields `"unknown: rdp_probe_result N"`.
///
/// Buffer convention (every string output): `out_needed` is required (NULL yields
/// `RDP_PROBE_RESULT_NULL_PARAMETER`) and `*out_needed` receives the string's length in bytes plus
/// one for the terminating NUL. When `len` is at least that, the UTF-8 string and a NUL are
/// written to `buf` and `RDP_PROBE_RESULT_OK` is returned; otherwise nothing is written to `buf` and
/// `RDP_PROBE_RESULT_BUFFER_TOO_SMALL` is returned. `buf` may be NULL when `len` is 0, to ask for the
/// size.
///
/// Thread safety: may be called from any thread at any time.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes of writes; `out_needed` must be NULL (an error) or
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_result_message(
    result: u32,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    boundary(|| {
        let text = match rdp_probe_result::from_u32(result) {
            Some(r) => format!("{}: {}", r.name(), r.message()),
            None => format!("unknown: rdp_probe_result {result}"),
        };
        // SAFETY: the caller's contract for `buf`, `len` and `out_needed` is this function's.
        unsafe { write_str(&text, buf, len, out_needed) }
    })
}
