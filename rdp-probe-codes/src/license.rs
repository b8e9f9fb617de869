//! Licensing Error Message values (`LICENSE_ERROR_MESSAGE`, MS-RDPBCGR 2.2.1.12.1.3; used by
//! MS-RDPELE 2.2.2.8).
//!
//! [`TABLE`] holds `dwErrorCode`; [`state_transition::TABLE`] holds `dwStateTransition`.
//! Note that `STATUS_VALID_CLIENT` (7) together with `ST_NO_TRANSITION` (2) is how a server
//! says "licensing done, no license needed" — it is the *success* case, not an error.

use crate::CodeEntry;

const SRC: &str = "MS-RDPBCGR 2.2.1.12.1.3; MS-RDPELE 2.2.2.8";

/// Every documented `dwErrorCode` value.
pub static TABLE: &[CodeEntry] = &[
    CodeEntry::new(
        0x0000_0001,
        "ERR_INVALID_SERVER_CERTIFICATE",
        "Sent by the client: the server's licensing certificate is invalid",
        SRC,
    )
    .with_hint("the client rejected the server's licensing (proprietary/X.509) certificate: check the session host's licensing certificate; on Windows, re-issuing it via the RD Licensing tools may help"),
    CodeEntry::new(
        0x0000_0002,
        "ERR_NO_LICENSE",
        "Sent by the client: it has no license to present",
        SRC,
    ),
    CodeEntry::new(
        0x0000_0003,
        "ERR_INVALID_MAC",
        "A licensing message failed its MAC check (either direction)",
        SRC,
    )
    .with_hint("a licensing message was corrupted or keys disagree: check for proxies altering the stream; delete the client's cached license and retry"),
    CodeEntry::new(
        0x0000_0004,
        "ERR_INVALID_SCOPE",
        "Sent by the server: the license scope is invalid",
        SRC,
    )
    .with_hint("the licensing scope does not match: check the RD Licensing configuration of the session host"),
    CodeEntry::new(
        0x0000_0006,
        "ERR_NO_LICENSE_SERVER",
        "Sent by the server: no license server is available",
        SRC,
    )
    .with_hint("no Remote Desktop license server reachable: check the RD Licensing configuration (license server name, licensing mode, firewall between session host and license server)"),
    CodeEntry::new(
        0x0000_0007,
        "STATUS_VALID_CLIENT",
        "Sent by the server: the client is valid and licensing is complete (success, not an error)",
        SRC,
    ),
    CodeEntry::new(
        0x0000_0008,
        "ERR_INVALID_CLIENT",
        "Sent by the server: the client or its license is invalid",
        SRC,
    )
    .with_hint("the server rejected the client's license: delete the client's cached license (HKLM\\SOFTWARE\\Microsoft\\MSLicensing on Windows clients) and check CAL availability"),
    CodeEntry::new(
        0x0000_000B,
        "ERR_INVALID_PRODUCTID",
        "Sent by the server: the product id is invalid",
        SRC,
    ),
    CodeEntry::new(
        0x0000_000C,
        "ERR_INVALID_MESSAGE_LEN",
        "Sent by the server: a licensing message had an invalid length",
        SRC,
    ),
];

/// The ERRINFO code that corresponds to a licensing error code, used to estimate the
/// extended reason mstsc would show. **Derived** (by meaning): Microsoft documents no
/// such mapping; a Set Error Info value actually received always takes precedence.
pub fn related_errinfo(code: u32) -> Option<u32> {
    match code {
        0x01 | 0x04 | 0x0B => Some(0x100), // ERRINFO_LICENSE_INTERNAL
        0x02 => Some(0x102),               // ERRINFO_LICENSE_NO_LICENSE
        0x03 => Some(0x108),               // ERRINFO_LICENSE_BAD_CLIENT_ENCRYPTION
        0x06 => Some(0x101),               // ERRINFO_LICENSE_NO_LICENSE_SERVER
        0x08 => Some(0x105),               // ERRINFO_LICENSE_BAD_CLIENT_LICENSE
        0x0C => Some(0x103),               // ERRINFO_LICENSE_BAD_CLIENT_MSG
        _ => None,
    }
}

/// `dwStateTransition` of the Licensing Error Message.
pub mod state_transition {
    use crate::CodeEntry;

    const SRC: &str = "MS-RDPBCGR 2.2.1.12.1.3; MS-RDPELE 3.1.5.2";

    /// The four documented state transitions.
    pub static TABLE: &[CodeEntry] = &[
        CodeEntry::new(1, "ST_TOTAL_ABORT", "Abort the licensing protocol", SRC),
        CodeEntry::new(
            2,
            "ST_NO_TRANSITION",
            "Stay in the current state (with STATUS_VALID_CLIENT: licensing succeeded)",
            SRC,
        ),
        CodeEntry::new(
            3,
            "ST_RESET_PHASE_TO_START",
            "Restart the licensing exchange from the beginning",
            SRC,
        ),
        CodeEntry::new(
            4,
            "ST_RESEND_LAST_MESSAGE",
            "Resend the previous licensing message",
            SRC,
        ),
    ];
}

/// The documented entry for a `dwStateTransition` value.
pub fn lookup_state_transition(value: u32) -> Option<&'static CodeEntry> {
    crate::find(state_transition::TABLE, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| {
            upper_with_prefix(n, &["ERR_", "STATUS_VALID_CLIENT"])
        });
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, vec![1, 2, 3, 4, 6, 7, 8, 0xB, 0xC]);
    }

    #[test]
    fn state_transitions() {
        check_table(state_transition::TABLE, |n| upper_with_prefix(n, &["ST_"]));
        assert_eq!(
            lookup_state_transition(1).map(|e| e.name),
            Some("ST_TOTAL_ABORT")
        );
        assert_eq!(
            lookup_state_transition(4).map(|e| e.name),
            Some("ST_RESEND_LAST_MESSAGE")
        );
        assert!(lookup_state_transition(5).is_none());
    }

    #[test]
    fn related_errinfo_points_at_licensing_errinfo() {
        for e in TABLE {
            if let Some(v) = related_errinfo(e.value) {
                let info = crate::lookup(crate::CodeSpace::Errinfo, v).expect("errinfo row");
                assert!(info.name.starts_with("ERRINFO_LICENSE_"));
            }
        }
        assert_eq!(related_errinfo(6), Some(0x101));
        assert_eq!(related_errinfo(7), None);
    }
}
