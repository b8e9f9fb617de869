//! The config builder (mutable, one thread at a time) and the config it builds (immutable, shared).

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use rdp_probe_core::inventory::InventoryOptions;
use rdp_probe_core::{
    CertPolicy, Credentials, LegacyTls, ProbeOptions, Protocols, Target, Timeouts, Trust,
};

use crate::handle::{edit, free_arc, free_box};
use crate::panic::boundary;
use crate::result::rdp_probe_result;
use crate::text::{read_opt_str, read_str, write_out};

/// Every protocol bit an RDP_NEG_REQ defines ([MS-RDPBCGR] 2.2.1.1.1 `requestedProtocols`):
/// SSL 0x1, HYBRID 0x2, RDSTLS 0x4, HYBRID_EX 0x8, RDSAAD 0x10.
const KNOWN_PROTOCOL_BITS: u32 = 0x1f;

/// The most connections `rdp_probe_config_builder_set_max_connections` accepts (the CLI's
/// `rdp-probe inventory --max-connections` has the same bound).
const MAX_INVENTORY_CONNECTIONS: u16 = 64;

/// What to do with the server's TLS certificate.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rdp_probe_cert_policy {
    /// Accept any certificate, record it and judge it in the report (the default).
    AcceptAny = 0,
    /// Fail in the `tls` phase unless the chain verifies against the system roots and names the host.
    RequireValid = 1,
}

/// What the probe does when the modern TLS handshake (rustls) fails the way a client of the TLS 1.0
/// era would get past: the server only speaks TLS 1.0 or 1.1, or refuses every suite offered
/// (handshake_failure, protocol_version or insufficient_security alerts, as a server limited to CBC,
/// RSA key exchange or DHE suites does). The modern handshake is always tried first.
///
/// The second attempt runs over OpenSSL, which the library has only when it was built with the
/// `rdp-probe-ffi` crate feature `legacy-tls` (on by default). Such a library says
/// `legacy TLS: OpenSSL` in the string `rdp_probe_version` writes, and its builders start at
/// `RDP_PROBE_LEGACY_TLS_FOLLOW`; a library built without the feature starts at
/// `RDP_PROBE_LEGACY_TLS_OFF`, and there FOLLOW or ALLOW make a second attempt that ends in the
/// `tls` phase (the report's `legacy_tls.ending`) with the error "rdp-probe was built without the
/// legacy-tls feature (OpenSSL)".
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rdp_probe_legacy_tls {
    /// No second attempt: the modern TLS failure is the verdict.
    Off = 0,
    /// The modern TLS failure stays the verdict, and a second connection follows the server over
    /// OpenSSL (TLS 1.0 to 1.3, legacy suites allowed) to the end of the sequence; the report's
    /// `legacy_tls` object says how far it got, and `findings` holds `only_legacy_tls` when it got
    /// past TLS. The default with the `legacy-tls` feature.
    Follow = 1,
    /// As FOLLOW, but the second attempt's ending is the verdict (the CLI's `--allow-legacy-tls`).
    Allow = 2,
}

/// A config under construction. Create with `rdp_probe_config_builder_new`, free with
/// `rdp_probe_config_builder_free`.
///
/// Thread safety: a builder must not be used by two threads at the same time.
pub struct rdp_probe_config_builder {
    target: Option<Target>,
    options: ProbeOptions,
    inventory: InventorySettings,
}

/// A complete, immutable probe config. Made by `rdp_probe_config_builder_build`, freed with
/// `rdp_probe_config_free`.
///
/// Thread safety: a config may be used by any number of threads at once (e.g. several concurrent
/// `rdp_probe_run` or `rdp_probe_inventory_run` calls).
pub struct rdp_probe_config {
    pub(crate) target: Target,
    pub(crate) options: ProbeOptions,
    pub(crate) inventory: InventorySettings,
}

/// What only `rdp_probe_inventory_run` reads; `rdp_probe_run` ignores it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InventorySettings {
    /// The most connections open at once.
    pub(crate) max_connections: usize,
    /// Whether every accepted TLS version's cipher suites are enumerated.
    pub(crate) cipher_suites: bool,
    /// Whether only the X.224 step runs.
    pub(crate) negotiate_only: bool,
}

impl Default for InventorySettings {
    fn default() -> Self {
        let defaults = InventoryOptions::default();
        Self {
            max_connections: defaults.max_connections,
            cipher_suites: defaults.cipher_suites,
            negotiate_only: defaults.negotiate_only,
        }
    }
}

impl rdp_probe_config {
    /// The inventory's options: its defaults, with the config's timeouts and legacy-TLS mode and its
    /// inventory settings. Nothing else of the config (credentials, protocols, trust, KDC, client
    /// name, certificate policy) reaches an inventory.
    pub(crate) fn inventory_options(&self) -> InventoryOptions {
        self.set_inventory_options(InventoryOptions::default())
    }

    /// `options` with what this config sets.
    fn set_inventory_options(&self, mut options: InventoryOptions) -> InventoryOptions {
        options.timeouts = self.options.timeouts;
        options.max_connections = self.inventory.max_connections;
        options.cipher_suites = self.inventory.cipher_suites;
        options.negotiate_only = self.inventory.negotiate_only;
        options.legacy_tls = self.options.legacy_tls;
        options
    }
}

/// A new builder with rdp-probe's defaults: the Windows client's protocols (SSL | HYBRID | HYBRID_EX,
/// with its fallback to Standard RDP Security), no credentials, connect 5 s / phase 10 s / overall
/// 30 s, accept any certificate, legacy TLS FOLLOW when the library was built with the `legacy-tls`
/// feature (OFF without it; see `rdp_probe_legacy_tls`), and credentials trusted only to a server
/// whose certificate chain is valid for the host against the system roots (no pins, no extra roots,
/// not "any"; see `rdp_probe_config_builder_set_credentials`); for `rdp_probe_inventory_run`, 8
/// connections at once and every accepted TLS version's cipher suites enumerated. Returns NULL only
/// if a panic was caught.
///
/// Thread safety: may be called from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn rdp_probe_config_builder_new() -> *mut rdp_probe_config_builder {
    boundary(|| {
        Box::into_raw(Box::new(rdp_probe_config_builder {
            target: None,
            options: ProbeOptions::default(),
            inventory: InventorySettings::default(),
        }))
    })
}

/// Sets the host (a name, an IPv4 address or an IPv6 address with or without brackets) and the TCP
/// port (3389 is RDP's). Required before `rdp_probe_config_builder_build`.
///
/// Returns `NULL_PARAMETER`, `INVALID_UTF8`, `INVALID_HOST` or `INVALID_PORT` and leaves the
/// builder unchanged on error.
///
/// # Safety
/// `builder` must be NULL or a live builder; `host` must be NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_target(
    builder: *mut rdp_probe_config_builder,
    host: *const c_char,
    port: u16,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        // SAFETY: the caller's contract.
        let host = unsafe { read_str(host) }?;
        if port == 0 {
            return Err(rdp_probe_result::InvalidPort);
        }
        b.target = Some(Target::new(host, port).map_err(|_| rdp_probe_result::InvalidHost)?);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets the credentials for Network Level Authentication (CredSSP). `domain` may be NULL; a user
/// given as `DOMAIN\user` is then split. Without credentials a server that requires NLA yields the
/// verdict `needs_credentials`. The password is kept in memory that is zeroed when the builder and
/// every config built from it are freed; it never appears in a report.
///
/// Nothing derived from the password (the NTLM AUTHENTICATE, an offline-crackable response; the
/// TSCredentials; a Client Info carrying the password) is sent unless something vouches for the
/// server: its certificate chain is valid for the host against the system roots and the roots added
/// with `rdp_probe_config_builder_add_ca_pem`; or its certificate's SHA-256 was pinned with
/// `rdp_probe_config_builder_add_trust_pin`; or `rdp_probe_config_builder_trust_any` is on.
/// Otherwise the probe stops before the first such message with the verdict
/// `RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD`, and `rdp_probe_report_trust_sha256` gives the
/// fingerprint to pin. Standard RDP Security proves no server identity: there only "any" sends the
/// credentials. Unlike the CLI, the C ABI never asks anyone: a library caller decides beforehand,
/// with pins, roots or "any".
///
/// Returns `NULL_PARAMETER` (user or password NULL), `INVALID_UTF8` or `INVALID_CREDENTIALS` (empty
/// user, also `DOMAIN\` with nothing after it) and leaves the builder unchanged on error.
///
/// # Safety
/// `builder` must be NULL or a live builder; each string NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_credentials(
    builder: *mut rdp_probe_config_builder,
    user: *const c_char,
    domain: *const c_char,
    password: *const c_char,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        // SAFETY: the caller's contract.
        let user = unsafe { read_str(user) }?;
        // SAFETY: the caller's contract.
        let domain = unsafe { read_opt_str(domain) }?;
        // SAFETY: the caller's contract.
        let password = unsafe { read_str(password) }?;
        let credentials = Credentials::new(user, domain.map(str::to_owned), password);
        if credentials.username.is_empty() {
            return Err(rdp_probe_result::InvalidCredentials);
        }
        b.options.credentials = Some(credentials);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Requests exactly these security protocols and never falls back: the `requestedProtocols` bits of
/// RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1.1): 0 = Standard RDP Security, 0x1 SSL, 0x2 HYBRID (CredSSP),
/// 0x4 RDSTLS, 0x8 HYBRID_EX, 0x10 RDSAAD. Not calling this behaves like the Windows client.
///
/// Returns `NULL_PARAMETER` or `INVALID_PROTOCOLS` (bits above 0x10).
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_protocols(
    builder: *mut rdp_probe_config_builder,
    protocols: u32,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        if protocols & !KNOWN_PROTOCOL_BITS != 0 {
            return Err(rdp_probe_result::InvalidProtocols);
        }
        b.options.protocols = Some(Protocols::from_bits(protocols));
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets the time limits in milliseconds: each TCP connect, each phase (waiting for the server's next
/// PDU included), and the whole probe. `rdp_probe_run` returns within `overall_ms` plus the time to
/// tear down.
///
/// Returns `NULL_PARAMETER` or `INVALID_TIMEOUT` (any of them 0).
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_timeouts(
    builder: *mut rdp_probe_config_builder,
    connect_ms: u32,
    phase_ms: u32,
    overall_ms: u32,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        if connect_ms == 0 || phase_ms == 0 || overall_ms == 0 {
            return Err(rdp_probe_result::InvalidTimeout);
        }
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        b.options.timeouts = Timeouts {
            connect: ms(connect_ms),
            phase: ms(phase_ms),
            overall: ms(overall_ms),
        };
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets the certificate policy, a `rdp_probe_cert_policy` value.
///
/// Returns `NULL_PARAMETER` or `INVALID_CERT_POLICY`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_cert_policy(
    builder: *mut rdp_probe_config_builder,
    policy: u32,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        b.options.cert_policy = match policy {
            p if p == rdp_probe_cert_policy::AcceptAny as u32 => CertPolicy::AcceptAny,
            p if p == rdp_probe_cert_policy::RequireValid as u32 => CertPolicy::RequireValid,
            _ => return Err(rdp_probe_result::InvalidCertPolicy),
        };
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets what the probe does when the modern TLS handshake fails the way a TLS 1.0-era client would
/// get past, a `rdp_probe_legacy_tls` value. Not calling this keeps the library's default:
/// `RDP_PROBE_LEGACY_TLS_FOLLOW` when it was built with the `legacy-tls` feature (its
/// `rdp_probe_version` string then says `legacy TLS: OpenSSL`), `RDP_PROBE_LEGACY_TLS_OFF`
/// without it. Without the feature FOLLOW and ALLOW are accepted, but their second attempt ends in
/// the `tls` phase (the report's `legacy_tls.ending`) with the error "rdp-probe was built without
/// the legacy-tls feature (OpenSSL)".
///
/// Returns `NULL_PARAMETER` or `INVALID_LEGACY_TLS`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_legacy_tls(
    builder: *mut rdp_probe_config_builder,
    mode: u32,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        b.options.legacy_tls = match mode {
            m if m == rdp_probe_legacy_tls::Off as u32 => LegacyTls::Off,
            m if m == rdp_probe_legacy_tls::Follow as u32 => LegacyTls::Follow,
            m if m == rdp_probe_legacy_tls::Allow as u32 => LegacyTls::Allow,
            _ => return Err(rdp_probe_result::InvalidLegacyTls),
        };
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Whether the credentials may go to any server, whatever vouches for it (the CLI's
/// `--trust-cert any`): with `any` true, nothing is withheld, under Standard RDP Security too, and
/// the report's `trust.decision` says `any` unless the chain was valid. False (the default) restores
/// the policy of `rdp_probe_config_builder_set_credentials`; pins and roots added are kept either
/// way. Meant for lab servers and for callers that have checked the server by other means.
///
/// Returns `NULL_PARAMETER`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_trust_any(
    builder: *mut rdp_probe_config_builder,
    any: bool,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        b.options.trust.any = any;
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Trusts the server whose certificate has this SHA-256 with the credentials, whatever its chain
/// (the CLI's `--trust-cert sha256:HEX`): `pin` is `sha256:` followed by 64 hex digits (upper or
/// lower case, colons between them allowed), e.g. the `trust.sha256` of a `credentials_withheld`
/// report (`rdp_probe_report_trust_sha256`) with `sha256:` in front. Adds to the pins already
/// given; the string is copied, so it may be freed when the call returns. `any` is not a pin: see
/// `rdp_probe_config_builder_trust_any`.
///
/// Returns `NULL_PARAMETER`, `INVALID_UTF8` or `INVALID_TRUST_PIN` and leaves the builder unchanged
/// on error.
///
/// # Safety
/// `builder` must be NULL or a live builder; `pin` NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_add_trust_pin(
    builder: *mut rdp_probe_config_builder,
    pin: *const c_char,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        // SAFETY: the caller's contract.
        let pin = unsafe { read_str(pin) }?;
        let pin = Trust::parse_pin(pin).map_err(|_| rdp_probe_result::InvalidTrustPin)?;
        b.options.trust.pins.push(pin);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Trusts the CA certificates in `pem` (`len` bytes of PEM, the contents of a CA file; no NUL
/// needed) as roots besides the system's (the CLI's `--ca-file`): a server whose chain is valid for
/// the host against them may have the credentials, and `RDP_PROBE_CERT_POLICY_REQUIRE_VALID`
/// accepts its chain too. Every `CERTIFICATE` block is read; other blocks (keys, parameters) are
/// skipped. Adds to the roots already given; the bytes are copied, so they may be freed when the
/// call returns.
///
/// Returns `NULL_PARAMETER` (`pem` NULL, also with `len` 0) or `INVALID_CA_PEM` (no `CERTIFICATE`
/// block, a block that is not base64, or one that does not hold an X.509 certificate) and leaves the
/// builder unchanged on error: either every certificate in `pem` is added or none is.
///
/// # Safety
/// `builder` must be NULL or a live builder; `pem` NULL or valid for `len` bytes of reads, not
/// changed during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_add_ca_pem(
    builder: *mut rdp_probe_config_builder,
    pem: *const u8,
    len: usize,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        if pem.is_null() {
            return Err(rdp_probe_result::NullParameter);
        }
        // SAFETY: non-NULL and valid for `len` bytes of reads by the caller's contract.
        let pem = unsafe { std::slice::from_raw_parts(pem, len) };
        // Read into a fresh policy: only a PEM read whole reaches the builder.
        let mut read = Trust::default();
        match read.add_ca_pem(pem) {
            Ok(n) if n > 0 => {}
            _ => return Err(rdp_probe_result::InvalidCaPem),
        }
        let is_certificate =
            |der: &Vec<u8>| rdp_probe_core::cert::subject_public_key(der).is_some();
        if !read.ca_roots.iter().all(is_certificate) {
            return Err(rdp_probe_result::InvalidCaPem);
        }
        b.options.trust.ca_roots.extend(read.ca_roots);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets the Kerberos KDC (the CLI's `--kdc`): `HOST`, `HOST:PORT` or `[IPv6]:PORT`, port 88 by
/// default. With credentials for a domain account and a target given by name, the logon tries
/// Kerberos first and falls back to NTLM where the Windows client would; the report's
/// `authentication` says which package was used and why. NULL clears it (NTLM only). The string is
/// copied.
///
/// Returns `NULL_PARAMETER` (`builder` NULL), `INVALID_UTF8` or `INVALID_KDC` and leaves the builder
/// unchanged on error.
///
/// # Safety
/// `builder` must be NULL or a live builder; `kdc` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_kdc(
    builder: *mut rdp_probe_config_builder,
    kdc: *const c_char,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        if kdc.is_null() {
            b.options.kdc = None;
            return Ok(());
        }
        // SAFETY: the caller's contract.
        let kdc = unsafe { read_str(kdc) }?;
        let kdc = kdc
            .parse::<rdp_probe_core::Kdc>()
            .map_err(|_| rdp_probe_result::InvalidKdc)?;
        b.options.kdc = Some(kdc);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets the client computer name sent to the server (default `rdp-probe`): 1 to 15 characters, what
/// the Client Core Data's `clientName` carries ([MS-RDPBCGR] 2.2.1.3.2).
///
/// Returns `NULL_PARAMETER`, `INVALID_UTF8` or `INVALID_CLIENT_NAME`.
///
/// # Safety
/// `builder` must be NULL or a live builder; `name` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_client_name(
    builder: *mut rdp_probe_config_builder,
    name: *const c_char,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        // SAFETY: the caller's contract.
        let name = unsafe { read_str(name) }?;
        if name.is_empty() || name.chars().count() > 15 {
            return Err(rdp_probe_result::InvalidClientName);
        }
        b.options.client_name = Some(name.to_owned());
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Sets the most connections `rdp_probe_inventory_run` keeps open to the target at once (the CLI's
/// `rdp-probe inventory --max-connections`): 1 to 64, 8 by default. Fewer take longer; every
/// connection, whenever it opens, is bounded by the config's timeouts. `rdp_probe_run` ignores it.
///
/// Returns `NULL_PARAMETER` or `INVALID_MAX_CONNECTIONS` (0, or above 64) and leaves the builder
/// unchanged on error.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_max_connections(
    builder: *mut rdp_probe_config_builder,
    max_connections: u16,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        if max_connections == 0 || max_connections > MAX_INVENTORY_CONNECTIONS {
            return Err(rdp_probe_result::InvalidMaxConnections);
        }
        b.inventory.max_connections = usize::from(max_connections);
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Whether `rdp_probe_inventory_run` enumerates the cipher suites of every TLS version the server
/// accepts (true, the default: one connection per accepted suite, plus one per version) or
/// reports only the suite each version prefers (false: fewer connections; the CLI's
/// `rdp-probe inventory --no-cipher-suites`). `rdp_probe_run` ignores it.
///
/// Returns `NULL_PARAMETER`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_cipher_suites(
    builder: *mut rdp_probe_config_builder,
    enumerate: bool,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        b.inventory.cipher_suites = enumerate;
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Whether `rdp_probe_inventory_run` stops after the X.224 step (true: the protocols requested alone
/// and the clients' requests, NLA, and the findings and client results those decide; no TLS,
/// Standard RDP Security or CredSSP connection; the CLI's `rdp-probe inventory --negotiate-only`)
/// or takes the whole inventory (false, the default). A fleet scan in `RDP_PROBE_SCAN_MODE_NEGOTIATE`
/// always stops there. `rdp_probe_run` ignores it.
///
/// Returns `NULL_PARAMETER`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_set_negotiate_only(
    builder: *mut rdp_probe_config_builder,
    negotiate_only: bool,
) -> rdp_probe_result {
    let change = |b: &mut rdp_probe_config_builder| -> Result<(), rdp_probe_result> {
        b.inventory.negotiate_only = negotiate_only;
        Ok(())
    };
    // SAFETY: the caller's contract is `edit`'s.
    unsafe { edit(builder, change) }
}

/// Builds an immutable config from the builder's current settings and writes it to `*out_config`.
/// The builder is left as it was: it can be changed and built again, and must still be freed.
///
/// Returns `NULL_PARAMETER` or `NO_TARGET`; `*out_config` is written only on success.
///
/// # Safety
/// `builder` must be NULL or a live builder; `out_config` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_build(
    builder: *const rdp_probe_config_builder,
    out_config: *mut *const rdp_probe_config,
) -> rdp_probe_result {
    boundary(|| {
        // SAFETY: the caller's contract.
        let Some(b) = (unsafe { builder.as_ref() }) else {
            return rdp_probe_result::NullParameter;
        };
        if out_config.is_null() {
            return rdp_probe_result::NullParameter;
        }
        let Some(target) = b.target.clone() else {
            return rdp_probe_result::NoTarget;
        };
        let config = Arc::new(rdp_probe_config {
            target,
            options: b.options.clone(),
            inventory: b.inventory,
        });
        // SAFETY: `out_config` is non-NULL and valid for a write by the caller's contract.
        unsafe { write_out(out_config, Arc::into_raw(config)) }
    })
}

/// Frees a builder. NULL is accepted and ignored.
///
/// # Safety
/// `builder` must be NULL or a live builder, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_builder_free(builder: *mut rdp_probe_config_builder) {
    // SAFETY: made by `Box::into_raw` in `rdp_probe_config_builder_new`; the caller's contract.
    boundary(|| unsafe { free_box(builder) })
}

/// Frees a config. NULL is accepted and ignored.
///
/// Free it only after every `rdp_probe_run` (or `rdp_probe_inventory_run`) given this config has
/// returned: a run holds a reference of its own once it has started, but the caller cannot tell
/// when another thread's run has started.
///
/// # Safety
/// `config` must be NULL or a live config, not used again afterwards, and not in use by a call on
/// another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdp_probe_config_free(config: *const rdp_probe_config) {
    // SAFETY: made by `Arc::into_raw` in `rdp_probe_config_builder_build`; the caller's contract.
    boundary(|| unsafe { free_arc(config) })
}
