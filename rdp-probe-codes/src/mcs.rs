//! `reason` of the MCS Disconnect Provider Ultimatum (ITU-T T.125 `Reason`; used by
//! MS-RDPBCGR 2.2.2.3 for the client-to-server direction and accepted from servers).

use crate::CodeEntry;

const SRC: &str = "ITU-T T.125 (Reason); MS-RDPBCGR 2.2.2.3";

/// The five T.125 reasons.
pub static TABLE: &[CodeEntry] = &[
    CodeEntry::new(0, "RN_DOMAIN_DISCONNECTED", "The MCS domain was disconnected", SRC),
    CodeEntry::new(
        1,
        "RN_PROVIDER_INITIATED",
        "The provider (here: the server) ended the connection",
        SRC,
    )
    .with_hint("the server ended the connection at the MCS layer: look for a Set Error Info code received before it, and check the server's RemoteDesktopServices-RdpCoreTS log"),
    CodeEntry::new(2, "RN_TOKEN_PURGED", "A token was purged", SRC),
    CodeEntry::new(
        3,
        "RN_USER_REQUESTED",
        "The user (the peer's application) requested the disconnect",
        SRC,
    ),
    CodeEntry::new(4, "RN_CHANNEL_PURGED", "A channel was purged", SRC),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["RN_"]));
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, vec![0, 1, 2, 3, 4]);
    }
}
