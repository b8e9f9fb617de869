//! `certificate`: rdp-probe's own numbering for its verdict on the server's TLS certificate,
//! when the probe requires a valid one (`--require-valid-cert`; [RFC 5280] 6 path validation and
//! [RFC 6125] name matching, as rustls/webpki report them).
//!
//! [RFC 5280]: https://www.rfc-editor.org/rfc/rfc5280
//! [RFC 6125]: https://www.rfc-editor.org/rfc/rfc6125

use crate::{CodeEntry, OWN_SOURCE};

const HINT: &str = "the server's certificate is not valid for this host: install a certificate issued for this name by a trusted CA, or accept it explicitly";

const fn row(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, OWN_SOURCE).with_hint(HINT)
}

/// 1: past its validity period.
pub const CERT_EXPIRED: CodeEntry = row(1, "CERT_EXPIRED", "The certificate has expired");
/// 2: before its validity period.
pub const CERT_NOT_YET_VALID: CodeEntry = row(
    2,
    "CERT_NOT_YET_VALID",
    "The certificate is not valid yet (or the clocks disagree)",
);
/// 3: does not name the host.
pub const CERT_NAME_MISMATCH: CodeEntry = row(
    3,
    "CERT_NAME_MISMATCH",
    "The certificate does not name the host that was connected to",
);
/// 4: unknown issuer, or self-signed.
pub const CERT_UNTRUSTED: CodeEntry = row(
    4,
    "CERT_UNTRUSTED",
    "The certificate is self-signed or issued by a CA that is not trusted",
);
/// 5: malformed, or a bad signature.
pub const CERT_INVALID: CodeEntry = row(
    5,
    "CERT_INVALID",
    "The certificate is malformed or its signature does not verify",
);
/// 6: revoked.
pub const CERT_REVOKED: CodeEntry = row(6, "CERT_REVOKED", "The certificate has been revoked");
/// 7: any other reason the verifier gave.
pub const CERT_OTHER: CodeEntry = row(
    7,
    "CERT_OTHER",
    "The certificate was refused for another reason (the message has the verifier's words)",
);

/// Every `certificate` code.
pub static TABLE: &[CodeEntry] = &[
    CERT_EXPIRED,
    CERT_NOT_YET_VALID,
    CERT_NAME_MISMATCH,
    CERT_UNTRUSTED,
    CERT_INVALID,
    CERT_REVOKED,
    CERT_OTHER,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["CERT_"]));
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, [1, 2, 3, 4, 5, 6, 7]);
    }
}
