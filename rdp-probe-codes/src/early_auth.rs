//! `authorizationResult` of the Early User Authorization Result PDU (MS-RDPBCGR 2.2.10.2),
//! sent by the server right after CredSSP when the client requested `PROTOCOL_HYBRID_EX`.

use crate::CodeEntry;

const SRC: &str = "MS-RDPBCGR 2.2.10.2";

/// Both documented values.
pub static TABLE: &[CodeEntry] = &[
    CodeEntry::new(0x0000_0000, "AUTHZ_SUCCESS", "The user may access the server", SRC),
    CodeEntry::new(
        0x0000_0005,
        "AUTHZ_ACCESS_DENIED",
        "The user authenticated but may not access the server",
        SRC,
    )
    .with_hint("the account authenticated but lacks the right to log on through Remote Desktop: add it to Remote Desktop Users / the 'Allow log on through Remote Desktop Services' policy, and check 'Deny log on through Remote Desktop Services'"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["AUTHZ_"]));
        assert_eq!(TABLE.len(), 2);
    }
}
