//! The report handle and its accessors.
//!
//! Every accessor takes a `const rdp_probe_report *`, returns a `rdp_probe_result`, and writes only
//! through its out-parameters. Strings follow the buffer convention of `rdp_probe_result_message`.
//! Fields a verdict does not have yield `RDP_PROBE_RESULT_NOT_PRESENT`.
//!
//! Thread safety: a report is immutable; any number of threads may read it at once.

use std::ffi::c_char;

use rdp_probe_core::Report;
use rdp_probe_core::VerdictKind;

use crate::handle::free_box;
use crate::panic::boundary;
use crate::result::rdp_probe_result;
use crate::text::{write_if_wanted, write_out, write_str};

/// The result of one probe. Made by `rdp_probe_run`, freed with `rdp_probe_report_free`.
pub struct rdp_probe_report {
    report: Report,
}

impl rdp_probe_report {
    pub(crate) fn new(report: Report) -> Self {
        Self { report }
    }
}

/// The overall answer of a probe (`verdict` in the JSON report).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rdp_probe_verdict {
    /// The whole connection sequence completed, or the server redirected the client.
    Connected = 1,
    /// The connection failed: phase, code, Windows-client pair, message and hint say where and why.
    Failed = 2,
    /// The server requires Network Level Authentication and no credentials were given.
    NeedsCredentials = 3,
    /// The probe met something it does not implement; not a server fault.
    Inconclusive = 4,
    /// The probe had credentials but sent nothing derived from the password: nothing vouched for the
    /// server's identity (see `rdp_probe_config_builder_set_credentials`). The report's trust fields
    /// (`rdp_probe_report_trust_sha256`) give the certificate's fingerprint to pin; phase, kind
    /// (`credentials_withheld`), message and hint say where it stopped and why.
    CredentialsWithheld = 5,
}

impl From<VerdictKind> for rdp_probe_verdict {
    fn from(v: VerdictKind) -> Self {
        match v {
            VerdictKind::Connected => Self::Connected,
            VerdictKind::Failed => Self::Failed,
            VerdictKind::NeedsCredentials => Self::NeedsCredentials,
            VerdictKind::Inconclusive => Self::Inconclusive,
            VerdictKind::CredentialsWithheld => Self::CredentialsWithheld,
        }
    }
}

/// Runs `read` on the report behind `ptr`, inside the panic boundary; NULL is `NULL_PARAMETER`.
///
/// # Safety
/// `ptr` must be NULL or a live report.
unsafe fn with_report(
    ptr: *const rdp_probe_report,
    read: impl FnOnce(&Report) -> rdp_probe_result,
) -> rdp_probe_result {
    boundary(|| {
        // SAFETY: the caller's contract.
        match unsafe { ptr.as_ref() } {
            Some(r) => read(&r.report),
            None => rdp_probe_result::NullParameter,
        }
    })
}

/// Runs `get` on the report and writes the string it yields.
///
/// # Safety
/// `report` NULL or live; `buf`/`out_needed` as `write_str`.
unsafe fn string_field(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
    get: impl FnOnce(&Report) -> Option<String>,
) -> rdp_probe_result {
    let read = |r: &Report| match get(r) {
        // SAFETY: the caller's contract.
        Some(text) => unsafe { write_str(&text, buf, len, out_needed) },
        None => rdp_probe_result::NotPresent,
    };
    // SAFETY: the caller's contract.
    unsafe { with_report(report, read) }
}

/// Writes the verdict.
///
/// # Safety
/// `report` NULL or a live report; `out_verdict` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_verdict(
    report: *const rdp_probe_report,
    out_verdict: *mut rdp_probe_verdict,
) -> rdp_probe_result {
    // SAFETY: the caller's contract.
    let read = |r: &Report| unsafe { write_out(out_verdict, r.verdict_kind().into()) };
    // SAFETY: the caller's contract.
    unsafe { with_report(report, read) }
}

/// Writes the phase the probe stopped in (`tls`, `credssp`, `licensing`, ...), for the verdicts
/// `failed`, `needs_credentials`, `inconclusive` and `credentials_withheld`; `NOT_PRESENT` for
/// `connected`.
///
/// # Safety
/// `report` NULL or live; `buf` NULL or valid for `len` bytes; `out_needed` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_phase(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            let phase = r.failure().map(|f| f.phase);
            phase.or(r.stop().map(|s| s.phase)).map(|p| p.to_string())
        })
    }
}

/// Writes the stable snake_case kind: the failure kind (`negotiation_failure`, `tls_alert`,
/// `logon_failure`, `server_error_info`, `timeout`, ...) for `failed`, the stop reason
/// (`nla_requires_credentials`, `credentials_withheld`, ...) for `needs_credentials`,
/// `inconclusive` and `credentials_withheld`; `NOT_PRESENT` for `connected`.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_kind(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            let kind = r.failure().map(|f| f.kind);
            kind.or(r.stop().map(|s| s.reason.as_str()))
                .map(str::to_owned)
        })
    }
}

/// Writes how a `connected` probe ended: `connected` (the connection sequence completed) or
/// `redirected` (the server sent a Server Redirection PDU, [MS-RDPBCGR] 2.2.13.1, which the probe
/// does not follow); `NOT_PRESENT` for the other verdicts.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_outcome(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            r.outcome().map(|o| o.as_str().to_owned())
        })
    }
}

/// Writes the failure's code value (the server's own number, e.g. an NTSTATUS or an errorInfo) for
/// `failed`; `NOT_PRESENT` otherwise. Its space and name come from `rdp_probe_report_code_space` and
/// `rdp_probe_report_code_name`.
///
/// # Safety
/// `report` NULL or a live report; `out_value` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_code_value(
    report: *const rdp_probe_report,
    out_value: *mut u32,
) -> rdp_probe_result {
    let read = |r: &Report| match r.failure() {
        // SAFETY: the caller's contract.
        Some(f) => unsafe { write_out(out_value, f.code.value) },
        None => rdp_probe_result::NotPresent,
    };
    // SAFETY: the caller's contract.
    unsafe { with_report(report, read) }
}

/// Writes the failure's code space (`neg_failure`, `tls_alert`, `ntstatus`, `errinfo`, ...) for
/// `failed`; `NOT_PRESENT` otherwise.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_code_space(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            r.failure().map(|f| f.code.space.as_str().to_owned())
        })
    }
}

/// Writes the failure's code name (e.g. `ERRINFO_LOGOFF_BY_USER`, or `UNKNOWN_...` for a value no
/// table knows) for `failed`; `NOT_PRESENT` otherwise.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_code_name(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            r.failure().map(|f| f.code.name.clone())
        })
    }
}

/// Writes the pair the Windows client would show (disconnect reason, extended reason) and whether
/// rdp-probe derived it rather than read it from documentation, for `failed`; `NOT_PRESENT`
/// otherwise. Any out-pointer may be NULL when that value is not wanted.
///
/// # Safety
/// `report` NULL or a live report; each out-pointer NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_mstsc(
    report: *const rdp_probe_report,
    out_disconnect_reason: *mut u32,
    out_extended_reason: *mut u32,
    out_derived: *mut bool,
) -> rdp_probe_result {
    let read = |r: &Report| {
        let Some(m) = r.mstsc() else {
            return rdp_probe_result::NotPresent;
        };
        // SAFETY: each pointer is NULL (skipped) or valid for a write by the caller's contract.
        unsafe { write_if_wanted(out_disconnect_reason, m.disconnect_reason) };
        // SAFETY: as above.
        unsafe { write_if_wanted(out_extended_reason, m.extended_reason) };
        // SAFETY: as above.
        unsafe { write_if_wanted(out_derived, m.derived) };
        rdp_probe_result::Ok
    };
    // SAFETY: the caller's contract.
    unsafe { with_report(report, read) }
}

/// Writes what the Windows client would say for its pair, for `failed`; `NOT_PRESENT` otherwise.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_mstsc_text(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            r.mstsc().map(|m| m.text.clone())
        })
    }
}

/// Writes the one-line message of the failure (or of the stop, for `needs_credentials`,
/// `inconclusive` and `credentials_withheld`); `NOT_PRESENT` for `connected`.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_message(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            let message = r.failure().map(|f| f.message.clone());
            message.or(r.stop().map(|s| s.message.clone()))
        })
    }
}

/// Writes what to check or do (of the failure, or of the stop); `NOT_PRESENT` for `connected`. For
/// `credentials_withheld` it names the fingerprint to pin in the CLI's words (`--trust-cert
/// sha256:HEX`); through the C ABI that is `rdp_probe_config_builder_add_trust_pin`.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_hint(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            let hint = r.failure().map(|f| f.hint.clone());
            hint.or(r.stop().map(|s| s.hint.clone()))
        })
    }
}

/// Writes what decided whether the credentials went to the server (`trust.decision` in the JSON):
/// `chain_valid` (its chain is valid for the host against the system roots and the added ones),
/// `pinned`, `any`, or `withheld` (nothing vouched for it: the verdict is then
/// `credentials_withheld`, unless the probe ended before anything was withheld). (`confirmed`, a
/// user's yes, is the CLI's; the C ABI never asks.) `NOT_PRESENT` when the probe had no
/// credentials or ended before the server's identity was known.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_trust_decision(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            r.trust.as_ref().map(|t| t.decision.as_str().to_owned())
        })
    }
}

/// Writes the SHA-256 of the server's certificate as the trust decision saw it (`trust.sha256` in
/// the JSON): 64 lowercase hex digits, the pin for `rdp_probe_config_builder_add_trust_pin` once
/// `sha256:` is put in front. `NOT_PRESENT` when `rdp_probe_report_trust_decision` is, and under
/// Standard RDP Security, which has no such certificate.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_trust_sha256(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(report, buf, len, out_needed, |r| {
            r.trust.as_ref().and_then(|t| t.sha256.clone())
        })
    }
}

/// Writes the whole report as JSON, schema `rdp-probe/1` (`rdp-probe-core/docs/json-contract.md`), on one line:
/// the same bytes the Rust API's `Report::to_json` gives.
///
/// # Safety
/// As `rdp_probe_report_phase`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_json(
    report: *const rdp_probe_report,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe { string_field(report, buf, len, out_needed, |r| Some(r.to_json())) }
}

/// Frees a report. NULL is accepted and ignored.
///
/// # Safety
/// `report` must be NULL or a live report, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_report_free(report: *mut rdp_probe_report) {
    // SAFETY: made by `Box::into_raw` in `rdp_probe_run`; the caller's contract.
    boundary(|| unsafe { free_box(report) })
}
