//! `credssp`: rdp-probe's own numbering for a CredSSP (NLA, [MS-CSSP]) failure that carries no
//! NTSTATUS (those are in the `ntstatus` space).
//!
//! [MS-CSSP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cssp/

use crate::{CodeEntry, OWN_SOURCE};

const HINT_OTHER: &str = "CredSSP failed: check the server's CredSSP configuration and the 'Encryption Oracle Remediation' policy on both sides";

/// 1: the server ended the connection after the NTLM AUTHENTICATE without an `errorCode`.
pub const CREDSSP_REJECTED_WITHOUT_CODE: CodeEntry = CodeEntry::new(
    1,
    "CREDSSP_REJECTED_WITHOUT_CODE",
    "The server ended the connection after the NTLM AUTHENTICATE without an error code (servers speaking CredSSP < 3, and FreeRDP, reject a logon this way)",
    OWN_SOURCE,
)
.with_hint("the server rejected the NLA logon without saying why: check user name, domain and password, and whether the account may log on");
/// 2: the server's `pubKeyAuth` does not match the TLS key ([MS-CSSP] 3.1.5).
pub const CREDSSP_PUBLIC_KEY_MISMATCH: CodeEntry = CodeEntry::new(
    2,
    "CREDSSP_PUBLIC_KEY_MISMATCH",
    "The server's CredSSP public key proof (pubKeyAuth) does not match the TLS certificate's key",
    OWN_SOURCE,
)
.with_hint("the CredSSP public-key binding failed: a TLS-intercepting device sits between client and server");
/// 3: a server message that does not decode.
pub const CREDSSP_MALFORMED: CodeEntry = CodeEntry::new(
    3,
    "CREDSSP_MALFORMED",
    "A CredSSP message from the server could not be decoded",
    OWN_SOURCE,
)
.with_hint(HINT_OTHER);
/// 4: the CredSSP client failed before sending (e.g. an invalid user name).
pub const CREDSSP_LOCAL_ERROR: CodeEntry = CodeEntry::new(
    4,
    "CREDSSP_LOCAL_ERROR",
    "The CredSSP client failed locally, before sending (e.g. an invalid user name)",
    OWN_SOURCE,
)
.with_hint(HINT_OTHER);

/// Every `credssp` code.
pub static TABLE: &[CodeEntry] = &[
    CREDSSP_REJECTED_WITHOUT_CODE,
    CREDSSP_PUBLIC_KEY_MISMATCH,
    CREDSSP_MALFORMED,
    CREDSSP_LOCAL_ERROR,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["CREDSSP_"]));
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, [1, 2, 3, 4]);
    }
}
