//! Every number an RDP server (or the Windows client) uses to report a failure.
//!
//! The crate is a set of static tables, one per *code space*, plus the derived mapping
//! onto the `(disconnect reason, extended reason)` pair the Windows client (mstsc /
//! MsTscAx) shows (see [`mstsc`]).
//!
//! Every table row carries the document it comes from in [`CodeEntry::source`]. Rows
//! whose value or meaning is not stated by Microsoft (or the RFC that owns the space)
//! are flagged with [`CodeEntry::derived`].
//!
//! Every code a report can contain is here, rdp-probe's own spaces included (their rows have
//! [`CodeEntry::source`] = [`OWN_SOURCE`]). Most spaces are keyed by value ([`table`], [`lookup`]);
//! `os_error` and `timeout` are keyed by name, their value being an errno or a limit in
//! milliseconds ([`CodeSpace::keyed_by`], [`name_table`], [`lookup_name`]). [`is_known`] answers,
//! for any `(space, value, name)` a report contains, whether this crate names it so, and
//! [`report_name`] gives the name a report uses for a value.
//!
//! Unknown values are never an error: [`lookup`] returns `None` and callers keep the
//! raw number; [`name_or_unknown`] renders it as e.g. `UNKNOWN_ERRINFO_0x0000BEEF`.
//!
//! Beside the code spaces: the probe's [`Phase`]s ([`phase`]), the reasons a probe stops
//! without a failure ([`stop::StopReason`]), and name tables of RDP fields that reports show
//! ([`rdp`]).

pub mod certificate;
pub mod client_profile;
pub mod credssp;
pub mod early_auth;
pub mod errinfo;
pub mod inventory_finding;
pub mod kdc;
pub mod kerberos;
pub mod license;
pub mod manual;
pub mod markdown;
pub mod mcs;
pub mod mstsc;
pub mod neg_failure;
pub mod not_rdp;
pub mod ntstatus;
pub mod os_error;
pub mod phase;
pub mod protocol;
pub mod rdp;
pub mod standard_security;
pub mod stop;
pub mod timeout;
pub mod tls_alert;
pub mod tls_names;
pub mod tls_version;
pub mod x224_disconnect;

use std::fmt;

pub use phase::Phase;
pub use stop::StopReason;

/// The code spaces of the failure taxonomy.
///
/// Serialized as the snake_case strings returned by [`CodeSpace::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CodeSpace {
    /// An operating-system error (errno / `std::io::ErrorKind`) from resolve, connect, send or receive.
    OsError,
    /// A phase did not complete within its time budget.
    Timeout,
    /// The peer answered, but not with RDP (e.g. an HTTP or SSH banner).
    NotRdp,
    /// `RDP_NEG_FAILURE.failureCode` in the X.224 Connection Confirm.
    NegFailure,
    /// The reason of an X.224 Disconnect Request TPDU sent instead of a Connection Confirm.
    X224Disconnect,
    /// A TLS alert (`AlertDescription`) sent by the server.
    TlsAlert,
    /// No TLS protocol version in common with the server.
    TlsVersion,
    /// A verdict on the server's TLS certificate.
    Certificate,
    /// An NTSTATUS value (CredSSP `TSRequest.errorCode`).
    Ntstatus,
    /// A CredSSP failure that carries no NTSTATUS.
    Credssp,
    /// The `error-code` of a KRB-ERROR the KDC sent during a Kerberos logon.
    Kerberos,
    /// A Kerberos logon that could not talk to a KDC (no `error-code` from it).
    Kdc,
    /// The HYBRID_EX Early User Authorization Result.
    EarlyUserAuth,
    /// The `errorInfo` of a Set Error Info PDU.
    Errinfo,
    /// `dwErrorCode` of a licensing Error Message.
    LicenseError,
    /// The reason of an MCS Disconnect Provider Ultimatum.
    McsDisconnect,
    /// A malformed or unexpected PDU (decode failure, wrong sequence).
    Protocol,
    /// A failure of Standard RDP Security: server security data, certificate, encryption, MAC.
    StandardSecurity,
}

impl CodeSpace {
    /// Every code space, in taxonomy order.
    pub const ALL: [CodeSpace; 18] = [
        CodeSpace::OsError,
        CodeSpace::Timeout,
        CodeSpace::NotRdp,
        CodeSpace::NegFailure,
        CodeSpace::X224Disconnect,
        CodeSpace::TlsAlert,
        CodeSpace::TlsVersion,
        CodeSpace::Certificate,
        CodeSpace::Ntstatus,
        CodeSpace::Credssp,
        CodeSpace::Kerberos,
        CodeSpace::Kdc,
        CodeSpace::EarlyUserAuth,
        CodeSpace::Errinfo,
        CodeSpace::LicenseError,
        CodeSpace::McsDisconnect,
        CodeSpace::Protocol,
        CodeSpace::StandardSecurity,
    ];

    /// The stable snake_case identifier (identical to the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            CodeSpace::OsError => "os_error",
            CodeSpace::Timeout => "timeout",
            CodeSpace::NotRdp => "not_rdp",
            CodeSpace::NegFailure => "neg_failure",
            CodeSpace::X224Disconnect => "x224_disconnect",
            CodeSpace::TlsAlert => "tls_alert",
            CodeSpace::TlsVersion => "tls_version",
            CodeSpace::Certificate => "certificate",
            CodeSpace::Ntstatus => "ntstatus",
            CodeSpace::Credssp => "credssp",
            CodeSpace::Kerberos => "kerberos",
            CodeSpace::Kdc => "kdc",
            CodeSpace::EarlyUserAuth => "early_user_auth",
            CodeSpace::Errinfo => "errinfo",
            CodeSpace::LicenseError => "license_error",
            CodeSpace::McsDisconnect => "mcs_disconnect",
            CodeSpace::Protocol => "protocol",
            CodeSpace::StandardSecurity => "standard_security",
        }
    }

    /// One line saying what the numbers of this space are and where they travel.
    pub fn describe(self) -> &'static str {
        match self {
            CodeSpace::OsError => {
                "operating-system socket error (resolve, connect, send or receive); the value is the OS error number, 0 when there is none"
            }
            CodeSpace::Timeout => {
                "a time limit ran out (TCP connect, a phase, or the whole probe); the value is the limit in milliseconds"
            }
            CodeSpace::NotRdp => {
                "the peer answered with something that is not an X.224 Connection Confirm (e.g. HTTP, SSH, TLS)"
            }
            CodeSpace::NegFailure => {
                "RDP_NEG_FAILURE failureCode from the X.224 Connection Confirm (MS-RDPBCGR 2.2.1.2.2)"
            }
            CodeSpace::X224Disconnect => {
                "reason of an X.224 Disconnect Request TPDU sent instead of a Connection Confirm (X.224 13.5.3)"
            }
            CodeSpace::TlsAlert => {
                "TLS alert description sent by the server (RFC 8446 6.2, RFC 5246 7.2)"
            }
            CodeSpace::TlsVersion => {
                "no TLS protocol version in common with the server; the value is the server's TLS version when known, else 0"
            }
            CodeSpace::Certificate => {
                "verdict on the server's TLS certificate (expired, untrusted, name mismatch)"
            }
            CodeSpace::Ntstatus => {
                "NTSTATUS carried in the CredSSP TSRequest errorCode field (MS-CSSP 2.2.1)"
            }
            CodeSpace::Credssp => "CredSSP (NLA) exchange failed without an NTSTATUS (MS-CSSP)",
            CodeSpace::Kerberos => {
                "error-code of a KRB-ERROR the KDC sent during the Kerberos logon (RFC 4120 5.9.1, 7.5.9)"
            }
            CodeSpace::Kdc => {
                "the Kerberos logon could not talk to a KDC (unreachable, no answer, invalid reply, closed), so the KDC sent no error code"
            }
            CodeSpace::EarlyUserAuth => {
                "Early User Authorization Result after CredSSP with HYBRID_EX (MS-RDPBCGR 2.2.10.2)"
            }
            CodeSpace::Errinfo => {
                "errorInfo of the server's Set Error Info PDU (MS-RDPBCGR 2.2.5.1.1)"
            }
            CodeSpace::LicenseError => {
                "dwErrorCode of a licensing Error Message (MS-RDPBCGR 2.2.1.12.1.3, MS-RDPELE 2.2.2.8)"
            }
            CodeSpace::McsDisconnect => {
                "reason of an MCS Disconnect Provider Ultimatum (T.125; MS-RDPBCGR 2.2.2.3)"
            }
            CodeSpace::Protocol => {
                "a PDU from the server could not be decoded or arrived out of sequence, or TLS failed without an alert or a version mismatch"
            }
            CodeSpace::StandardSecurity => {
                "Standard RDP Security failed: server security data, server certificate, client random encryption, decryption or MAC check (MS-RDPBCGR 5.3)"
            }
        }
    }

    /// Parse the snake_case identifier produced by [`CodeSpace::as_str`].
    pub fn parse(s: &str) -> Option<CodeSpace> {
        CodeSpace::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// How many hex digits a raw value of this space is printed with.
    fn hex_width(self) -> usize {
        match self {
            CodeSpace::TlsAlert | CodeSpace::McsDisconnect | CodeSpace::X224Disconnect => 2,
            _ => 8,
        }
    }

    /// Whether a code of this space is found by its value or by its name.
    pub fn keyed_by(self) -> Keyed {
        match self {
            CodeSpace::OsError | CodeSpace::Timeout => Keyed::Name,
            _ => Keyed::Value,
        }
    }

    /// `true` for rdp-probe's own spaces (numbers and names chosen by rdp-probe, where the server
    /// sends no number); `false` for spaces that carry the server's value as sent.
    pub fn is_own(self) -> bool {
        matches!(
            self,
            CodeSpace::OsError
                | CodeSpace::Timeout
                | CodeSpace::NotRdp
                | CodeSpace::TlsVersion
                | CodeSpace::Certificate
                | CodeSpace::Credssp
                | CodeSpace::Kdc
                | CodeSpace::Protocol
                | CodeSpace::StandardSecurity
        )
    }
}

/// How the codes of a space are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyed {
    /// By value: each value has one row and one name ([`table`], [`lookup`]).
    Value,
    /// By name: the name says what happened and the value is a measurement (an errno, a limit in
    /// milliseconds) that no table can list ([`name_table`], [`lookup_name`]).
    Name,
}

/// The [`CodeEntry::source`] / [`NameEntry::source`] of rdp-probe's own codes.
pub const OWN_SOURCE: &str = "rdp-probe";

impl fmt::Display for CodeSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One documented value of a code space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeEntry {
    /// The raw value as it appears on the wire.
    pub value: u32,
    /// The symbolic name used by the owning specification.
    pub name: &'static str,
    /// A short meaning, in this project's words.
    pub meaning: &'static str,
    /// What an administrator should check, when there is something actionable.
    pub hint: Option<&'static str>,
    /// Where the value is defined (document and section).
    pub source: &'static str,
    /// `true` when the value or its meaning is inferred rather than stated by the owner of the space.
    pub derived: bool,
}

impl CodeEntry {
    /// A documented row without a hint.
    pub const fn new(
        value: u32,
        name: &'static str,
        meaning: &'static str,
        source: &'static str,
    ) -> CodeEntry {
        CodeEntry {
            value,
            name,
            meaning,
            hint: None,
            source,
            derived: false,
        }
    }

    /// The same row with an administrator hint.
    pub const fn with_hint(self, hint: &'static str) -> CodeEntry {
        CodeEntry {
            hint: Some(hint),
            ..self
        }
    }

    /// The same row, flagged as inferred.
    pub const fn mark_derived(self) -> CodeEntry {
        CodeEntry {
            derived: true,
            ..self
        }
    }
}

/// One name of a space keyed by name ([`Keyed::Name`]: `os_error`, `timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NameEntry {
    /// The name as reports carry it.
    pub name: &'static str,
    /// A short meaning, in this project's words.
    pub meaning: &'static str,
    /// What the code's value holds for this name (e.g. "the OS error number, 0 when there is none").
    pub value: &'static str,
    /// What an administrator should check, when it does not depend on the phase.
    pub hint: Option<&'static str>,
    /// Where the name is defined.
    pub source: &'static str,
    /// `true` when the name or its meaning is inferred rather than stated by the owner of the space.
    pub derived: bool,
}

impl NameEntry {
    /// A row without a hint.
    pub const fn new(
        name: &'static str,
        meaning: &'static str,
        value: &'static str,
        source: &'static str,
    ) -> NameEntry {
        NameEntry {
            name,
            meaning,
            value,
            hint: None,
            source,
            derived: false,
        }
    }

    /// The same row with an administrator hint.
    pub const fn with_hint(self, hint: &'static str) -> NameEntry {
        NameEntry {
            hint: Some(hint),
            ..self
        }
    }
}

/// The value-keyed table of a code space (every space but `os_error` and `timeout`, which
/// are keyed by name: for them this is empty, see [`name_table`]).
pub fn table(space: CodeSpace) -> &'static [CodeEntry] {
    match space {
        CodeSpace::NotRdp => not_rdp::TABLE,
        CodeSpace::NegFailure => neg_failure::TABLE,
        CodeSpace::X224Disconnect => x224_disconnect::TABLE,
        CodeSpace::TlsAlert => tls_alert::TABLE,
        CodeSpace::TlsVersion => tls_version::TABLE,
        CodeSpace::Certificate => certificate::TABLE,
        CodeSpace::Ntstatus => ntstatus::TABLE,
        CodeSpace::Credssp => credssp::TABLE,
        CodeSpace::Kerberos => kerberos::TABLE,
        CodeSpace::Kdc => kdc::TABLE,
        CodeSpace::EarlyUserAuth => early_auth::TABLE,
        CodeSpace::Errinfo => errinfo::TABLE,
        CodeSpace::LicenseError => license::TABLE,
        CodeSpace::McsDisconnect => mcs::TABLE,
        CodeSpace::Protocol => protocol::TABLE,
        CodeSpace::StandardSecurity => standard_security::TABLE,
        CodeSpace::OsError | CodeSpace::Timeout => &[],
    }
}

/// The names of a space keyed by name (`os_error`, `timeout`); empty for every other space.
pub fn name_table(space: CodeSpace) -> &'static [NameEntry] {
    match space {
        CodeSpace::OsError => os_error::TABLE,
        CodeSpace::Timeout => timeout::TABLE,
        _ => &[],
    }
}

/// Find `value` in a table.
pub fn find(table: &'static [CodeEntry], value: u32) -> Option<&'static CodeEntry> {
    table.iter().find(|e| e.value == value)
}

/// The documented entry for `value`, or `None` for unknown values (and for every value of
/// a space keyed by name).
pub fn lookup(space: CodeSpace, value: u32) -> Option<&'static CodeEntry> {
    find(table(space), value)
}

/// The row for `name` in a space keyed by name, or `None` (also for value-keyed spaces).
pub fn lookup_name(space: CodeSpace, name: &str) -> Option<&'static NameEntry> {
    name_table(space).iter().find(|e| e.name == name)
}

/// The name a report gives `value` in a value-keyed space: the row's name, `TLS_VERSION_UNSUPPORTED`
/// for a `tls_version` value without a row ([`tls_version::report_name`]), else
/// `UNKNOWN_<SPACE>_<hex>`. `None` for a space keyed by name, whose name the value cannot tell.
pub fn report_name(space: CodeSpace, value: u32) -> Option<String> {
    match (space.keyed_by(), space) {
        (Keyed::Name, _) => None,
        (Keyed::Value, CodeSpace::TlsVersion) => Some(tls_version::report_name(value).to_owned()),
        (Keyed::Value, _) => Some(name_or_unknown(space, value)),
    }
}

/// Whether this crate names the code `(space, value, name)` so: a row of the space has this
/// value and this name (for `tls_version`, `name` is the [`report_name`] of `value`), or, in a
/// space keyed by name, a row has this name (any value). `UNKNOWN_...` names are not known.
pub fn is_known(space: CodeSpace, value: u32, name: &str) -> bool {
    match space.keyed_by() {
        Keyed::Name => lookup_name(space, name).is_some(),
        Keyed::Value if space == CodeSpace::TlsVersion => tls_version::report_name(value) == name,
        Keyed::Value => lookup(space, value).is_some_and(|e| e.name == name),
    }
}

/// The raw value in the space's usual hex form, e.g. `0x0000BEEF` (or `0x2F` for TLS alerts).
pub fn format_value(space: CodeSpace, value: u32) -> String {
    format!("0x{:0width$X}", value, width = space.hex_width())
}

/// The symbolic name of a value-keyed code, or `UNKNOWN_<SPACE>_<hex>` (e.g.
/// `UNKNOWN_ERRINFO_0x0000BEEF`). See [`report_name`] for the name a report gives.
pub fn name_or_unknown(space: CodeSpace, value: u32) -> String {
    match lookup(space, value) {
        Some(e) => e.name.to_owned(),
        None => format!(
            "UNKNOWN_{}_{}",
            space.as_str().to_ascii_uppercase(),
            format_value(space, value)
        ),
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::CodeEntry;
    use std::collections::HashSet;

    /// Shared table checks: unique values, non-empty fields, names accepted by `name_ok`.
    pub fn check_table(table: &[CodeEntry], name_ok: impl Fn(&str) -> bool) {
        assert!(!table.is_empty());
        let mut seen = HashSet::new();
        let mut names = HashSet::new();
        for e in table {
            assert!(
                seen.insert(e.value),
                "duplicate value {:#x} ({})",
                e.value,
                e.name
            );
            assert!(names.insert(e.name), "duplicate name {}", e.name);
            assert!(name_ok(e.name), "bad name {}", e.name);
            assert!(!e.meaning.trim().is_empty(), "empty meaning for {}", e.name);
            assert!(!e.source.trim().is_empty(), "empty source for {}", e.name);
            if let Some(h) = e.hint {
                assert!(!h.trim().is_empty(), "empty hint for {}", e.name);
            }
        }
    }

    /// `UPPER_SNAKE` with the given prefix.
    pub fn upper_with_prefix(name: &str, prefixes: &[&str]) -> bool {
        prefixes.iter().any(|p| name.starts_with(p))
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_snake_case() {
        let expect = [
            (CodeSpace::OsError, "os_error"),
            (CodeSpace::Timeout, "timeout"),
            (CodeSpace::NotRdp, "not_rdp"),
            (CodeSpace::NegFailure, "neg_failure"),
            (CodeSpace::X224Disconnect, "x224_disconnect"),
            (CodeSpace::TlsAlert, "tls_alert"),
            (CodeSpace::TlsVersion, "tls_version"),
            (CodeSpace::Certificate, "certificate"),
            (CodeSpace::Ntstatus, "ntstatus"),
            (CodeSpace::Credssp, "credssp"),
            (CodeSpace::Kerberos, "kerberos"),
            (CodeSpace::Kdc, "kdc"),
            (CodeSpace::EarlyUserAuth, "early_user_auth"),
            (CodeSpace::Errinfo, "errinfo"),
            (CodeSpace::LicenseError, "license_error"),
            (CodeSpace::McsDisconnect, "mcs_disconnect"),
            (CodeSpace::Protocol, "protocol"),
            (CodeSpace::StandardSecurity, "standard_security"),
        ];
        assert_eq!(expect.len(), CodeSpace::ALL.len());
        for (space, s) in expect {
            assert_eq!(space.as_str(), s);
            let json = serde_json::to_string(&space).expect("serialize");
            assert_eq!(json, format!("\"{s}\""));
            let back: CodeSpace = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, space);
            assert_eq!(CodeSpace::parse(s), Some(space));
            assert!(!space.describe().is_empty());
        }
        assert_eq!(CodeSpace::parse("nope"), None);
    }

    #[test]
    fn every_space_has_a_table_of_its_kind() {
        for space in CodeSpace::ALL {
            match space.keyed_by() {
                Keyed::Value => {
                    assert!(!table(space).is_empty(), "{space}");
                    assert!(name_table(space).is_empty(), "{space}");
                }
                Keyed::Name => {
                    assert!(table(space).is_empty(), "{space}");
                    assert!(!name_table(space).is_empty(), "{space}");
                }
            }
            for e in table(space) {
                assert_eq!(e.source == OWN_SOURCE, space.is_own(), "{space} {}", e.name);
            }
            for e in name_table(space) {
                assert_eq!(e.source, OWN_SOURCE, "{space} {}", e.name);
                assert!(!e.meaning.is_empty() && !e.value.is_empty(), "{}", e.name);
                assert!(
                    e.name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                    "{}",
                    e.name
                );
            }
        }
        let keyed_by_name: Vec<CodeSpace> = CodeSpace::ALL
            .into_iter()
            .filter(|s| s.keyed_by() == Keyed::Name)
            .collect();
        assert_eq!(keyed_by_name, [CodeSpace::OsError, CodeSpace::Timeout]);
    }

    /// The codes rdp-probe-core reports today (`FailureKind::code`): numbers and names are a contract.
    #[test]
    fn own_codes_are_the_reported_ones() {
        use CodeSpace as S;
        let value_keyed: &[(CodeSpace, u32, &str)] = &[
            (S::NotRdp, 1, "HTTP"),
            (S::NotRdp, 2, "SSH"),
            (S::NotRdp, 3, "TLS_WITHOUT_X224"),
            (S::NotRdp, 4, "NOT_TPKT"),
            (S::TlsVersion, 0x0300, "SSL_3_0"),
            (S::TlsVersion, 0x0301, "TLS_1_0"),
            (S::TlsVersion, 0x0302, "TLS_1_1"),
            (S::TlsVersion, 0, "TLS_VERSION_UNSUPPORTED"),
            (S::Certificate, 1, "CERT_EXPIRED"),
            (S::Certificate, 2, "CERT_NOT_YET_VALID"),
            (S::Certificate, 3, "CERT_NAME_MISMATCH"),
            (S::Certificate, 4, "CERT_UNTRUSTED"),
            (S::Certificate, 5, "CERT_INVALID"),
            (S::Certificate, 6, "CERT_REVOKED"),
            (S::Certificate, 7, "CERT_OTHER"),
            (S::Credssp, 1, "CREDSSP_REJECTED_WITHOUT_CODE"),
            (S::Credssp, 2, "CREDSSP_PUBLIC_KEY_MISMATCH"),
            (S::Credssp, 3, "CREDSSP_MALFORMED"),
            (S::Credssp, 4, "CREDSSP_LOCAL_ERROR"),
            (S::Kdc, 1, "KDC_UNREACHABLE"),
            (S::Kdc, 2, "KDC_NO_ANSWER"),
            (S::Kdc, 3, "KDC_REPLY_INVALID"),
            (S::Kdc, 4, "KDC_CLOSED"),
            (S::Protocol, 1, "SELECTED_PROTOCOL_NOT_OFFERED"),
            (S::Protocol, 2, "UNEXPECTED_PDU"),
            (S::Protocol, 3, "MALFORMED_PDU"),
            (S::Protocol, 4, "PDU_TOO_LARGE"),
            (S::Protocol, 5, "MCS_CONNECT_REJECTED"),
            (S::Protocol, 6, "MCS_CHANNEL_REJECTED"),
            (S::Protocol, 7, "CONNECTOR_ERROR"),
            (S::Protocol, 20, "TLS_ERROR"),
            (S::StandardSecurity, 1, "INVALID_SERVER_SECURITY_DATA"),
            (S::StandardSecurity, 2, "ENCRYPTION_METHOD_NOT_OFFERED"),
            (S::StandardSecurity, 3, "CERTIFICATE_UNPACK_FAILED"),
            (S::StandardSecurity, 4, "CERTIFICATE_SIGNATURE_INVALID"),
            (S::StandardSecurity, 5, "CLIENT_RANDOM_ENCRYPTION_FAILED"),
            (S::StandardSecurity, 6, "SERVER_MAC_MISMATCH"),
            (S::StandardSecurity, 7, "DECRYPTION_FAILED"),
            (S::StandardSecurity, 8, "UNENCRYPTED_PDU"),
        ];
        for &(space, value, name) in value_keyed {
            assert!(is_known(space, value, name), "{space} {value} {name}");
            assert_eq!(report_name(space, value).as_deref(), Some(name));
        }
        // Any other tls_version value is reported as unsupported.
        assert!(is_known(S::TlsVersion, 0x0304, "TLS_VERSION_UNSUPPORTED"));
        let name_keyed: &[(CodeSpace, u32, &str)] = &[
            (S::OsError, 0, "DNS_LOOKUP_FAILED"),
            (S::OsError, 111, "ECONNREFUSED"),
            (S::OsError, 10061, "ECONNREFUSED"),
            (S::OsError, 113, "EHOSTUNREACH"),
            (S::OsError, 104, "ECONNRESET"),
            (S::OsError, 0, "EOF"),
            (S::OsError, 32, "SEND_FAILED"),
            (S::OsError, 5, "OS_ERROR"),
            (S::Timeout, 5000, "CONNECT_TIMEOUT"),
            (S::Timeout, 10000, "PHASE_TIMEOUT"),
            (S::Timeout, 30000, "OVERALL_TIMEOUT"),
        ];
        for &(space, value, name) in name_keyed {
            assert!(is_known(space, value, name), "{space} {value} {name}");
            assert_eq!(report_name(space, value), None);
        }
        // The own tables hold exactly these codes.
        for space in CodeSpace::ALL.into_iter().filter(|s| s.is_own()) {
            for e in table(space) {
                assert!(
                    value_keyed.contains(&(space, e.value, e.name)),
                    "{space} {} {}",
                    e.value,
                    e.name
                );
            }
            for e in name_table(space) {
                assert!(
                    name_keyed
                        .iter()
                        .any(|&(s, _, n)| s == space && n == e.name)
                );
            }
        }
    }

    #[test]
    fn is_known_rejects_what_the_crate_does_not_name() {
        assert!(is_known(
            CodeSpace::Errinfo,
            7,
            "ERRINFO_SERVER_DENIED_CONNECTION"
        ));
        assert!(!is_known(CodeSpace::Errinfo, 7, "ERRINFO_NONE"));
        assert!(!is_known(
            CodeSpace::Errinfo,
            0xBEEF,
            "UNKNOWN_ERRINFO_0x0000BEEF"
        ));
        assert!(!is_known(CodeSpace::Protocol, 8, "UNEXPECTED_PDU"));
        assert!(!is_known(
            CodeSpace::TlsVersion,
            0x0301,
            "TLS_VERSION_UNSUPPORTED"
        ));
        assert!(!is_known(CodeSpace::OsError, 0, "ECONNABORTED"));
        assert!(!is_known(CodeSpace::Timeout, 5000, "EOF"));
        assert!(is_known(
            CodeSpace::X224Disconnect,
            2,
            "X224_DR_SESSION_ENTITY_NOT_ATTACHED"
        ));
        assert_eq!(
            lookup_name(CodeSpace::OsError, "EOF").map(|e| e.source),
            Some(OWN_SOURCE)
        );
        assert_eq!(lookup_name(CodeSpace::Protocol, "TLS_ERROR"), None);
    }

    #[test]
    fn lookup_and_names() {
        assert_eq!(
            name_or_unknown(CodeSpace::Errinfo, 7),
            "ERRINFO_SERVER_DENIED_CONNECTION"
        );
        assert_eq!(
            name_or_unknown(CodeSpace::Errinfo, 0xBEEF),
            "UNKNOWN_ERRINFO_0x0000BEEF"
        );
        assert_eq!(
            name_or_unknown(CodeSpace::TlsAlert, 0xFF),
            "UNKNOWN_TLS_ALERT_0xFF"
        );
        assert_eq!(
            name_or_unknown(CodeSpace::Protocol, 1),
            "SELECTED_PROTOCOL_NOT_OFFERED"
        );
        assert_eq!(
            name_or_unknown(CodeSpace::Protocol, 99),
            "UNKNOWN_PROTOCOL_0x00000063"
        );
        assert_eq!(
            name_or_unknown(CodeSpace::X224Disconnect, 5),
            "UNKNOWN_X224_DISCONNECT_0x05"
        );
        assert_eq!(format_value(CodeSpace::X224Disconnect, 0x88), "0x88");
        assert_eq!(
            lookup(CodeSpace::NegFailure, 5).map(|e| e.name),
            Some("HYBRID_REQUIRED_BY_SERVER")
        );
        assert!(lookup(CodeSpace::Errinfo, 0x1196).is_none());
        assert!(lookup(CodeSpace::Errinfo, 0xFFFF_FFFF).is_none());
        assert_eq!(format_value(CodeSpace::Ntstatus, 0xC000006D), "0xC000006D");
    }

    #[test]
    fn kerberos_spaces() {
        assert_eq!(
            name_or_unknown(CodeSpace::Kerberos, 24),
            "KDC_ERR_PREAUTH_FAILED"
        );
        assert_eq!(
            name_or_unknown(CodeSpace::Kerberos, 0xFFFF_FFFF),
            "UNKNOWN_KERBEROS_0xFFFFFFFF"
        );
        assert!(is_known(
            CodeSpace::Kerberos,
            7,
            "KDC_ERR_S_PRINCIPAL_UNKNOWN"
        ));
        assert!(!CodeSpace::Kerberos.is_own());
        assert!(CodeSpace::Kdc.is_own());
        assert_eq!(
            report_name(CodeSpace::Kdc, 1).as_deref(),
            Some("KDC_UNREACHABLE")
        );
        assert_eq!(name_or_unknown(CodeSpace::Kdc, 9), "UNKNOWN_KDC_0x00000009");
        assert_eq!(CodeSpace::parse("kerberos"), Some(CodeSpace::Kerberos));
        assert_eq!(CodeSpace::parse("kdc"), Some(CodeSpace::Kdc));
        let credssp = CodeSpace::ALL.iter().position(|s| *s == CodeSpace::Credssp);
        let kerberos = CodeSpace::ALL
            .iter()
            .position(|s| *s == CodeSpace::Kerberos);
        assert_eq!(kerberos, credssp.map(|i| i + 1));
    }

    #[test]
    fn code_entry_serializes() {
        let e = lookup(CodeSpace::Errinfo, 9).expect("errinfo 9");
        let v = serde_json::to_value(e).expect("json");
        assert_eq!(v["value"], 9);
        assert_eq!(v["name"], "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES");
        assert_eq!(v["derived"], false);
    }
}
