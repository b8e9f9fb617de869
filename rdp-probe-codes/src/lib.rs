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
//! Unknown values are never an error: [`lookup`] returns `None` and callers keep the
//! raw number; [`name_or_unknown`] renders it as e.g. `UNKNOWN_ERRINFO_0x0000BEEF`.

pub mod early_auth;
pub mod errinfo;
pub mod license;
pub mod mcs;
pub mod mstsc;
pub mod neg_failure;
pub mod ntstatus;
pub mod phase;
pub mod tls_alert;

use std::fmt;

pub use phase::Phase;

/// The code spaces of the failure taxonomy.
///
/// Serialized as the snake_case strings returned by [`CodeSpace::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
}

impl CodeSpace {
    /// Every code space, in taxonomy order.
    pub const ALL: [CodeSpace; 14] = [
        CodeSpace::OsError,
        CodeSpace::Timeout,
        CodeSpace::NotRdp,
        CodeSpace::NegFailure,
        CodeSpace::TlsAlert,
        CodeSpace::TlsVersion,
        CodeSpace::Certificate,
        CodeSpace::Ntstatus,
        CodeSpace::Credssp,
        CodeSpace::EarlyUserAuth,
        CodeSpace::Errinfo,
        CodeSpace::LicenseError,
        CodeSpace::McsDisconnect,
        CodeSpace::Protocol,
    ];

    /// The stable snake_case identifier (identical to the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            CodeSpace::OsError => "os_error",
            CodeSpace::Timeout => "timeout",
            CodeSpace::NotRdp => "not_rdp",
            CodeSpace::NegFailure => "neg_failure",
            CodeSpace::TlsAlert => "tls_alert",
            CodeSpace::TlsVersion => "tls_version",
            CodeSpace::Certificate => "certificate",
            CodeSpace::Ntstatus => "ntstatus",
            CodeSpace::Credssp => "credssp",
            CodeSpace::EarlyUserAuth => "early_user_auth",
            CodeSpace::Errinfo => "errinfo",
            CodeSpace::LicenseError => "license_error",
            CodeSpace::McsDisconnect => "mcs_disconnect",
            CodeSpace::Protocol => "protocol",
        }
    }

    /// One line saying what the numbers of this space are and where they travel.
    pub fn describe(self) -> &'static str {
        match self {
            CodeSpace::OsError => {
                "operating-system socket error (resolve, connect, send or receive); the value is the OS error number"
            }
            CodeSpace::Timeout => {
                "a phase did not finish within its time budget; no number from the server"
            }
            CodeSpace::NotRdp => {
                "the peer answered with something that is not an X.224 Connection Confirm (e.g. HTTP, SSH, TLS)"
            }
            CodeSpace::NegFailure => {
                "RDP_NEG_FAILURE failureCode from the X.224 Connection Confirm (MS-RDPBCGR 2.2.1.2.2)"
            }
            CodeSpace::TlsAlert => {
                "TLS alert description sent by the server (RFC 8446 6.2, RFC 5246 7.2)"
            }
            CodeSpace::TlsVersion => {
                "no TLS protocol version or cipher suite in common with the server"
            }
            CodeSpace::Certificate => {
                "verdict on the server's TLS certificate (expired, untrusted, name mismatch)"
            }
            CodeSpace::Ntstatus => {
                "NTSTATUS carried in the CredSSP TSRequest errorCode field (MS-CSSP 2.2.1)"
            }
            CodeSpace::Credssp => "CredSSP (NLA) exchange failed without an NTSTATUS (MS-CSSP)",
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
                "a PDU from the server could not be decoded or arrived out of sequence"
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
            CodeSpace::TlsAlert | CodeSpace::McsDisconnect => 2,
            _ => 8,
        }
    }
}

impl fmt::Display for CodeSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One documented value of a code space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
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

/// The fixed table of a code space; empty for spaces without one
/// (`os_error`, `timeout`, `not_rdp`, `tls_version`, `certificate`, `credssp`, `protocol`).
pub fn table(space: CodeSpace) -> &'static [CodeEntry] {
    match space {
        CodeSpace::NegFailure => neg_failure::TABLE,
        CodeSpace::TlsAlert => tls_alert::TABLE,
        CodeSpace::Ntstatus => ntstatus::TABLE,
        CodeSpace::EarlyUserAuth => early_auth::TABLE,
        CodeSpace::Errinfo => errinfo::TABLE,
        CodeSpace::LicenseError => license::TABLE,
        CodeSpace::McsDisconnect => mcs::TABLE,
        CodeSpace::OsError
        | CodeSpace::Timeout
        | CodeSpace::NotRdp
        | CodeSpace::TlsVersion
        | CodeSpace::Certificate
        | CodeSpace::Credssp
        | CodeSpace::Protocol => &[],
    }
}

/// Find `value` in a table.
pub fn find(table: &'static [CodeEntry], value: u32) -> Option<&'static CodeEntry> {
    table.iter().find(|e| e.value == value)
}

/// The documented entry for `value`, or `None` for unknown values.
pub fn lookup(space: CodeSpace, value: u32) -> Option<&'static CodeEntry> {
    find(table(space), value)
}

/// The raw value in the space's usual hex form, e.g. `0x0000BEEF` (or `0x2F` for TLS alerts).
pub fn format_value(space: CodeSpace, value: u32) -> String {
    format!("0x{:0width$X}", value, width = space.hex_width())
}

/// The symbolic name, or `UNKNOWN_<SPACE>_<hex>` (e.g. `UNKNOWN_ERRINFO_0x0000BEEF`).
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
            (CodeSpace::TlsAlert, "tls_alert"),
            (CodeSpace::TlsVersion, "tls_version"),
            (CodeSpace::Certificate, "certificate"),
            (CodeSpace::Ntstatus, "ntstatus"),
            (CodeSpace::Credssp, "credssp"),
            (CodeSpace::EarlyUserAuth, "early_user_auth"),
            (CodeSpace::Errinfo, "errinfo"),
            (CodeSpace::LicenseError, "license_error"),
            (CodeSpace::McsDisconnect, "mcs_disconnect"),
            (CodeSpace::Protocol, "protocol"),
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
    fn tables_present_exactly_for_fixed_spaces() {
        for space in CodeSpace::ALL {
            let has = !table(space).is_empty();
            let expected = matches!(
                space,
                CodeSpace::NegFailure
                    | CodeSpace::TlsAlert
                    | CodeSpace::Ntstatus
                    | CodeSpace::EarlyUserAuth
                    | CodeSpace::Errinfo
                    | CodeSpace::LicenseError
                    | CodeSpace::McsDisconnect
            );
            assert_eq!(has, expected, "{space}");
        }
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
            "UNKNOWN_PROTOCOL_0x00000001"
        );
        assert_eq!(
            lookup(CodeSpace::NegFailure, 5).map(|e| e.name),
            Some("HYBRID_REQUIRED_BY_SERVER")
        );
        assert!(lookup(CodeSpace::Errinfo, 0x1196).is_none());
        assert!(lookup(CodeSpace::Errinfo, 0xFFFF_FFFF).is_none());
        assert_eq!(format_value(CodeSpace::Ntstatus, 0xC000006D), "0xC000006D");
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
