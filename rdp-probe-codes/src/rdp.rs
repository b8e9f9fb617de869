//! Names of RDP fields that reports show (not failure codes): the Standard RDP Security
//! encryption method and level, the Server Core Data version, and the RDP_NEG_RSP flags.
//!
//! Unknown values are kept by the caller: the name functions say `..._UNKNOWN` or `None`.
//!
//! [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/

use crate::{CodeEntry, find};

const SRC_SEC: &str = "MS-RDPBCGR 2.2.1.4.3";
const SRC_CORE: &str = "MS-RDPBCGR 2.2.1.4.2";

/// `encryptionMethod` of the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3).
pub static ENCRYPTION_METHODS: &[CodeEntry] = &[
    CodeEntry::new(0, "ENCRYPTION_METHOD_NONE", "No encryption", SRC_SEC),
    CodeEntry::new(
        0x01,
        "ENCRYPTION_METHOD_40BIT",
        "RC4 with 40-bit session keys",
        SRC_SEC,
    ),
    CodeEntry::new(
        0x02,
        "ENCRYPTION_METHOD_128BIT",
        "RC4 with 128-bit session keys",
        SRC_SEC,
    ),
    CodeEntry::new(
        0x08,
        "ENCRYPTION_METHOD_56BIT",
        "RC4 with 56-bit session keys",
        SRC_SEC,
    ),
    CodeEntry::new(
        0x10,
        "ENCRYPTION_METHOD_FIPS",
        "FIPS 140-1 methods: Triple DES, SHA-1 MACs",
        SRC_SEC,
    ),
];

/// `encryptionLevel` of the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3; levels explained in 5.3.1).
pub static ENCRYPTION_LEVELS: &[CodeEntry] = &[
    CodeEntry::new(0, "ENCRYPTION_LEVEL_NONE", "No encryption", SRC_SEC),
    CodeEntry::new(
        1,
        "ENCRYPTION_LEVEL_LOW",
        "Only client-to-server data is encrypted, with the client's strongest key",
        SRC_SEC,
    ),
    CodeEntry::new(
        2,
        "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE",
        "Both directions, with the strongest method the client supports",
        SRC_SEC,
    ),
    CodeEntry::new(
        3,
        "ENCRYPTION_LEVEL_HIGH",
        "Both directions, with the server's strongest key",
        SRC_SEC,
    ),
    CodeEntry::new(
        4,
        "ENCRYPTION_LEVEL_FIPS",
        "Both directions, with FIPS 140-1 methods",
        SRC_SEC,
    ),
];

/// `version` of the Server Core Data ([MS-RDPBCGR] 2.2.1.4.2; the values are those of the Client
/// Core Data, 2.2.1.3.2). The name is the RDP version range.
pub static RDP_VERSIONS: &[CodeEntry] = &[
    CodeEntry::new(0x0008_0001, "RDP 4.0", "RDP 4.0", SRC_CORE),
    CodeEntry::new(
        0x0008_0004,
        "RDP 5.0 to 8.1",
        "RDP 5.0, 5.1, 5.2, 6.0, 6.1, 7.0, 7.1, 8.0 and 8.1",
        SRC_CORE,
    ),
    CodeEntry::new(0x0008_0005, "RDP 10.0", "RDP 10.0", SRC_CORE),
    CodeEntry::new(0x0008_0006, "RDP 10.1", "RDP 10.1", SRC_CORE),
    CodeEntry::new(0x0008_0007, "RDP 10.2", "RDP 10.2", SRC_CORE),
    CodeEntry::new(0x0008_0008, "RDP 10.3", "RDP 10.3", SRC_CORE),
    CodeEntry::new(0x0008_0009, "RDP 10.4", "RDP 10.4", SRC_CORE),
    CodeEntry::new(0x0008_000A, "RDP 10.5", "RDP 10.5", SRC_CORE),
    CodeEntry::new(0x0008_000B, "RDP 10.6", "RDP 10.6", SRC_CORE),
    CodeEntry::new(0x0008_000C, "RDP 10.7", "RDP 10.7", SRC_CORE),
    CodeEntry::new(0x0008_000D, "RDP 10.8", "RDP 10.8", SRC_CORE),
    CodeEntry::new(0x0008_000E, "RDP 10.9", "RDP 10.9", SRC_CORE),
    CodeEntry::new(0x0008_000F, "RDP 10.10", "RDP 10.10", SRC_CORE),
    CodeEntry::new(0x0008_0010, "RDP 10.11", "RDP 10.11", SRC_CORE),
    CodeEntry::new(0x0008_0011, "RDP 10.12", "RDP 10.12", SRC_CORE),
];

/// RDP_NEG_RSP `flags` bits and their names ([MS-RDPBCGR] 2.2.1.2.1).
pub const NEG_RSP_FLAGS: [(u8, &str); 5] = [
    (0x01, "EXTENDED_CLIENT_DATA_SUPPORTED"),
    (0x02, "DYNVC_GFX_PROTOCOL_SUPPORTED"),
    (0x04, "NEGRSP_FLAG_RESERVED"),
    (0x08, "RESTRICTED_ADMIN_MODE_SUPPORTED"),
    (0x10, "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED"),
];

/// The name of an `encryptionMethod`, `ENCRYPTION_METHOD_UNKNOWN` for a value without one.
pub fn encryption_method_name(method: u32) -> &'static str {
    find(ENCRYPTION_METHODS, method).map_or("ENCRYPTION_METHOD_UNKNOWN", |e| e.name)
}

/// The name of an `encryptionLevel`, `ENCRYPTION_LEVEL_UNKNOWN` for a value without one.
pub fn encryption_level_name(level: u32) -> &'static str {
    find(ENCRYPTION_LEVELS, level).map_or("ENCRYPTION_LEVEL_UNKNOWN", |e| e.name)
}

/// The RDP version of a Server Core Data `version` (e.g. `RDP 10.7`), `None` for an unknown
/// value (the caller formats the raw number).
pub fn rdp_version_name(version: u32) -> Option<&'static str> {
    find(RDP_VERSIONS, version).map(|e| e.name)
}

/// The names of the RDP_NEG_RSP flags set in `flags`, in bit order (unknown bits are left out).
pub fn neg_rsp_flag_names(flags: u8) -> Vec<&'static str> {
    NEG_RSP_FLAGS
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn tables_are_well_formed() {
        check_table(ENCRYPTION_METHODS, |n| {
            upper_with_prefix(n, &["ENCRYPTION_METHOD_"])
        });
        check_table(ENCRYPTION_LEVELS, |n| {
            upper_with_prefix(n, &["ENCRYPTION_LEVEL_"])
        });
        check_table(RDP_VERSIONS, |n| n.starts_with("RDP "));
    }

    #[test]
    fn names_as_reports_show_them() {
        assert_eq!(encryption_method_name(0), "ENCRYPTION_METHOD_NONE");
        assert_eq!(encryption_method_name(0x02), "ENCRYPTION_METHOD_128BIT");
        assert_eq!(encryption_method_name(0x10), "ENCRYPTION_METHOD_FIPS");
        assert_eq!(encryption_method_name(0x04), "ENCRYPTION_METHOD_UNKNOWN");
        assert_eq!(
            encryption_level_name(2),
            "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE"
        );
        assert_eq!(encryption_level_name(5), "ENCRYPTION_LEVEL_UNKNOWN");
        assert_eq!(rdp_version_name(0x0008_0004), Some("RDP 5.0 to 8.1"));
        assert_eq!(rdp_version_name(0x0008_000C), Some("RDP 10.7"));
        assert_eq!(rdp_version_name(0x0008_0012), None);
        assert_eq!(
            neg_rsp_flag_names(0x1F | 0x80),
            NEG_RSP_FLAGS.map(|(_, n)| n).to_vec()
        );
        assert_eq!(
            neg_rsp_flag_names(0x09),
            [
                "EXTENDED_CLIENT_DATA_SUPPORTED",
                "RESTRICTED_ADMIN_MODE_SUPPORTED"
            ]
        );
        assert!(neg_rsp_flag_names(0).is_empty());
    }
}
