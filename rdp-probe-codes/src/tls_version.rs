//! `tls_version`: no TLS protocol version in common with the server. The value is the
//! `legacy_version` of the server's hello when the probe could learn it (the TLS `ProtocolVersion`
//! numbers of [RFC 6101], [RFC 2246] and [RFC 4346]), else 0. The space and its names are
//! rdp-probe's own.
//!
//! Reports name 0, and any value without a row, `TLS_VERSION_UNSUPPORTED` ([`report_name`]).
//!
//! [RFC 6101]: https://www.rfc-editor.org/rfc/rfc6101
//! [RFC 2246]: https://www.rfc-editor.org/rfc/rfc2246
//! [RFC 4346]: https://www.rfc-editor.org/rfc/rfc4346

use crate::{CodeEntry, OWN_SOURCE};

const HINT: &str = "the server only speaks TLS 1.0/1.1: enable TLS 1.2 on the server (Windows Server 2008 R2 needs KB3080079), or connect with Standard RDP Security";

const fn row(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, OWN_SOURCE).with_hint(HINT)
}

/// 0: the server's version is unknown (or has no row): it speaks neither TLS 1.2 nor 1.3.
pub const TLS_VERSION_UNSUPPORTED: CodeEntry = row(
    0,
    "TLS_VERSION_UNSUPPORTED",
    "The server speaks no TLS version the probe supports (TLS 1.2 and 1.3); its own version is unknown",
);
/// 0x0300: SSL 3.0 ([RFC 6101]).
pub const SSL_3_0: CodeEntry = row(0x0300, "SSL_3_0", "The server only speaks SSL 3.0");
/// 0x0301: TLS 1.0 ([RFC 2246]).
pub const TLS_1_0: CodeEntry = row(0x0301, "TLS_1_0", "The server only speaks TLS 1.0");
/// 0x0302: TLS 1.1 ([RFC 4346]).
pub const TLS_1_1: CodeEntry = row(0x0302, "TLS_1_1", "The server only speaks TLS 1.1");

/// Every `tls_version` code.
pub static TABLE: &[CodeEntry] = &[TLS_VERSION_UNSUPPORTED, SSL_3_0, TLS_1_0, TLS_1_1];

/// The name a report gives `value`: the row's name, `TLS_VERSION_UNSUPPORTED` for any value
/// without one.
pub fn report_name(value: u32) -> &'static str {
    crate::find(TABLE, value).map_or(TLS_VERSION_UNSUPPORTED.name, |e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["SSL_", "TLS_"]));
        let rows: Vec<(u32, &str)> = TABLE.iter().map(|e| (e.value, e.name)).collect();
        assert_eq!(
            rows,
            [
                (0, "TLS_VERSION_UNSUPPORTED"),
                (0x0300, "SSL_3_0"),
                (0x0301, "TLS_1_0"),
                (0x0302, "TLS_1_1")
            ]
        );
    }

    #[test]
    fn report_names() {
        assert_eq!(report_name(0), "TLS_VERSION_UNSUPPORTED");
        assert_eq!(report_name(0x0301), "TLS_1_0");
        assert_eq!(report_name(0x0303), "TLS_VERSION_UNSUPPORTED");
        assert_eq!(report_name(0xFFFF), "TLS_VERSION_UNSUPPORTED");
    }
}
