//! The server inventory (`rdp-probe-inventory/1`): `rdp_probe_inventory_run`, the
//! `rdp_probe_inventory` handle and its accessors.
//!
//! Every accessor takes a `const rdp_probe_inventory *`, returns a `rdp_probe_result`, and writes
//! only through its out-parameters. Strings follow the buffer convention of
//! `rdp_probe_result_message`. Facts the inventory does not have yield
//! `RDP_PROBE_RESULT_NOT_PRESENT`.
//!
//! Thread safety: an inventory is immutable; any number of threads may read it at once.

use std::ffi::c_char;

use rdp_probe_core::inventory::negotiation::Nla;
use rdp_probe_core::inventory::{Inventory, InventoryFinding};

use crate::cancel::rdp_probe_cancel;
use crate::config::rdp_probe_config;
use crate::handle::{clone_arc, free_box};
use crate::panic::boundary;
use crate::result::rdp_probe_result;
use crate::run::run_cancellable;
use crate::text::{write_out, write_str};

/// What a server accepts and which clients it refuses, learned without credentials. Made by
/// `rdp_probe_inventory_run`, freed with `rdp_probe_inventory_free`.
pub struct rdp_probe_inventory {
    inventory: Inventory,
}

/// Network Level Authentication as the inventory found it (`nla` in the JSON).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rdp_probe_nla {
    /// Every request without CredSSP was refused, and CredSSP was selected.
    Required = 1,
    /// CredSSP was selected, and so was a protocol without it.
    Supported = 2,
    /// No request with CredSSP had it selected.
    NotSupported = 3,
    /// The answers do not decide it (silence, resets, bytes of another protocol, or the server was
    /// not reached).
    Unknown = 4,
}

impl From<Nla> for rdp_probe_nla {
    fn from(nla: Nla) -> Self {
        match nla {
            Nla::Required => Self::Required,
            Nla::Supported => Self::Supported,
            Nla::NotSupported => Self::NotSupported,
            Nla::Unknown => Self::Unknown,
        }
    }
}

/// Takes the inventory of the config's target and writes it to `*out_inventory` (free it with
/// `rdp_probe_inventory_free`): the security protocols it selects for each request, NLA, TLS
/// versions and cipher suites, Standard RDP Security's methods, the CredSSP version and NTLM facts,
/// findings, and which client profiles it would refuse. It never sends credentials.
///
/// From the config it takes the target, the timeouts (each connect and read; no connection starts
/// after the overall limit), the legacy-TLS mode (whether the CredSSP step may follow a server
/// that only speaks legacy TLS), and the inventory's own settings
/// (`rdp_probe_config_builder_set_max_connections`, `rdp_probe_config_builder_set_cipher_suites`,
/// `rdp_probe_config_builder_set_negotiate_only`). Credentials, protocols, trust settings, the KDC,
/// the client name and the certificate policy are ignored.
///
/// Blocks the calling thread until the inventory ends: about the config's overall timeout plus one
/// connect and read limit at most, or promptly after `cancel` is triggered. `cancel` may be NULL.
/// It opens many connections (dozens with cipher-suite enumeration), never more at once than the
/// config's limit.
///
/// Returns `OK` whenever the inventory ran, also when the target could not be reached
/// (`rdp_probe_inventory_reachable` then says false, and `rdp_probe_inventory_error_message`
/// why). Otherwise returns `NULL_PARAMETER`, `CANCELLED` (no inventory), `RUNTIME` or `PANIC`, and
/// leaves `*out_inventory` untouched.
///
/// Thread safety: as `rdp_probe_run`: from any thread, several at once with the same config and
/// token; from a thread that runs a tokio runtime, the inventory runs on a thread of its own.
///
/// # Safety
/// `config` must be NULL or a live config; `cancel` NULL or a live token; `out_inventory` NULL or
/// valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_run(
    config: *const rdp_probe_config,
    cancel: *const rdp_probe_cancel,
    out_inventory: *mut *mut rdp_probe_inventory,
) -> rdp_probe_result {
    boundary(|| {
        if config.is_null() || out_inventory.is_null() {
            return rdp_probe_result::NullParameter;
        }
        // SAFETY: non-NULL and live by the caller's contract.
        let config = unsafe { clone_arc(config) };
        // SAFETY: non-NULL (checked) and live by the caller's contract.
        let cancel = (!cancel.is_null()).then(|| unsafe { clone_arc(cancel) });
        let options = config.inventory_options();
        let outcome = run_cancellable(cancel.as_deref(), || {
            rdp_probe_core::inventory::inventory(&config.target, &options)
        });
        match outcome {
            Ok(inventory) => {
                let handle = Box::into_raw(Box::new(rdp_probe_inventory { inventory }));
                // SAFETY: `out_inventory` is non-NULL (checked) and valid for a write.
                unsafe { write_out(out_inventory, handle) }
            }
            Err(e) => e,
        }
    })
}

/// Runs `read` on the inventory behind `ptr`, inside the panic boundary; NULL is `NULL_PARAMETER`.
///
/// # Safety
/// `ptr` must be NULL or a live inventory.
unsafe fn with_inventory(
    ptr: *const rdp_probe_inventory,
    read: impl FnOnce(&Inventory) -> rdp_probe_result,
) -> rdp_probe_result {
    boundary(|| {
        // SAFETY: the caller's contract.
        match unsafe { ptr.as_ref() } {
            Some(i) => read(&i.inventory),
            None => rdp_probe_result::NullParameter,
        }
    })
}

/// Runs `get` on the inventory and writes the string it yields (`NOT_PRESENT` for `None`).
///
/// # Safety
/// `inventory` NULL or live; `buf`/`out_needed` as `write_str`.
unsafe fn string_field(
    inventory: *const rdp_probe_inventory,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
    get: impl FnOnce(&Inventory) -> Option<String>,
) -> rdp_probe_result {
    let read = |i: &Inventory| match get(i) {
        // SAFETY: the caller's contract.
        Some(text) => unsafe { write_str(&text, buf, len, out_needed) },
        None => rdp_probe_result::NotPresent,
    };
    // SAFETY: the caller's contract.
    unsafe { with_inventory(inventory, read) }
}

/// Runs `get` on finding `index` and writes the string it yields; `INDEX_OUT_OF_RANGE` when there
/// is no such finding.
///
/// # Safety
/// As `string_field`.
unsafe fn finding_field(
    inventory: *const rdp_probe_inventory,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
    get: impl FnOnce(&InventoryFinding) -> &'static str,
) -> rdp_probe_result {
    let read = |i: &Inventory| match i.findings.get(index) {
        // SAFETY: the caller's contract.
        Some(f) => unsafe { write_str(get(f), buf, len, out_needed) },
        None => rdp_probe_result::IndexOutOfRange,
    };
    // SAFETY: the caller's contract.
    unsafe { with_inventory(inventory, read) }
}

/// Writes whether the target was reached: true when the inventory ran (the name resolved and a TCP
/// connection was accepted), false when it could not be taken at all (`error` in the JSON; see
/// `rdp_probe_inventory_error_message`).
///
/// # Safety
/// `inventory` NULL or a live inventory; `out_reachable` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_reachable(
    inventory: *const rdp_probe_inventory,
    out_reachable: *mut bool,
) -> rdp_probe_result {
    // SAFETY: the caller's contract.
    let read = |i: &Inventory| unsafe { write_out(out_reachable, i.error.is_none()) };
    // SAFETY: the caller's contract.
    unsafe { with_inventory(inventory, read) }
}

/// Writes why the inventory could not be taken (`error.message` in the JSON, e.g. "the TCP
/// connection to 127.0.0.1:3389 was refused or failed"); `NOT_PRESENT` when the target was reached.
///
/// # Safety
/// `inventory` NULL or live; `buf` NULL or valid for `len` bytes; `out_needed` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_error_message(
    inventory: *const rdp_probe_inventory,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe {
        string_field(inventory, buf, len, out_needed, |i| {
            i.error.as_ref().map(|e| e.message.clone())
        })
    }
}

/// Writes whether the server requires Network Level Authentication (`nla` in the JSON);
/// `RDP_PROBE_NLA_UNKNOWN` when the answers do not decide it or the target was not reached.
///
/// # Safety
/// `inventory` NULL or a live inventory; `out_nla` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_nla(
    inventory: *const rdp_probe_inventory,
    out_nla: *mut rdp_probe_nla,
) -> rdp_probe_result {
    // SAFETY: the caller's contract.
    let read = |i: &Inventory| unsafe { write_out(out_nla, i.nla.into()) };
    // SAFETY: the caller's contract.
    unsafe { with_inventory(inventory, read) }
}

/// Writes the `version` of the server's first TSRequest (`credssp.version` in the JSON; below 5 it
/// predates the CVE-2018-0886 fix, and the finding `CREDSSP_ORACLE_UNPATCHED` says so);
/// `NOT_PRESENT` when CredSSP was not reached.
///
/// # Safety
/// `inventory` NULL or a live inventory; `out_version` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_credssp_version(
    inventory: *const rdp_probe_inventory,
    out_version: *mut u32,
) -> rdp_probe_result {
    let read = |i: &Inventory| match &i.credssp {
        // SAFETY: the caller's contract.
        Some(c) => unsafe { write_out(out_version, c.version) },
        None => rdp_probe_result::NotPresent,
    };
    // SAFETY: the caller's contract.
    unsafe { with_inventory(inventory, read) }
}

/// Writes the number of findings (`findings` in the JSON), most severe first; 0 when the target
/// was not reached.
///
/// # Safety
/// `inventory` NULL or a live inventory; `out_count` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_finding_count(
    inventory: *const rdp_probe_inventory,
    out_count: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract.
    let read = |i: &Inventory| unsafe { write_out(out_count, i.findings.len()) };
    // SAFETY: the caller's contract.
    unsafe { with_inventory(inventory, read) }
}

/// Writes the stable UPPER_SNAKE identifier of finding `index` (0-based, below
/// `rdp_probe_inventory_finding_count`), e.g. `CREDSSP_ORACLE_UNPATCHED`, `ONLY_RDP_SUPPORTED`;
/// `INDEX_OUT_OF_RANGE` for a larger index.
///
/// # Safety
/// `inventory` NULL or live; `buf` NULL or valid for `len` bytes; `out_needed` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_finding_id(
    inventory: *const rdp_probe_inventory,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `finding_field`'s.
    unsafe { finding_field(inventory, index, buf, len, out_needed, |f| f.id) }
}

/// Writes the severity of finding `index`: `info`, `low`, `medium` or `high`;
/// `INDEX_OUT_OF_RANGE` for an index of `rdp_probe_inventory_finding_count` or more.
///
/// # Safety
/// As `rdp_probe_inventory_finding_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_finding_severity(
    inventory: *const rdp_probe_inventory,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `finding_field`'s.
    unsafe {
        finding_field(inventory, index, buf, len, out_needed, |f| {
            f.severity.as_str()
        })
    }
}

/// Writes the whole inventory as JSON, schema `rdp-probe-inventory/1`
/// (`schemas/rdp-probe-inventory-1.json`), on one line: the same bytes the Rust API's
/// `Inventory::to_json` gives.
///
/// # Safety
/// As `rdp_probe_inventory_error_message`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_json(
    inventory: *const rdp_probe_inventory,
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> rdp_probe_result {
    // SAFETY: the caller's contract is `string_field`'s.
    unsafe { string_field(inventory, buf, len, out_needed, |i| Some(i.to_json())) }
}

/// Frees an inventory. NULL is accepted and ignored.
///
/// # Safety
/// `inventory` must be NULL or a live inventory, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_inventory_free(inventory: *mut rdp_probe_inventory) {
    // SAFETY: made by `Box::into_raw` in `rdp_probe_inventory_run`; the caller's contract.
    boundary(|| unsafe { free_box(inventory) })
}
