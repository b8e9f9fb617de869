//! `not_rdp`: rdp-probe's own numbering for a reply to the X.224 Connection Request that is not
//! RDP (no TPKT header, [RFC 1006] / [MS-RDPBCGR] 2.2.1.2), by what the bytes look like.
//!
//! [RFC 1006]: https://www.rfc-editor.org/rfc/rfc1006
//! [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/

use crate::{CodeEntry, OWN_SOURCE};

const HINT: &str = "the port is served by something that is not RDP: check the port number and any port forwarding";

const fn row(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, OWN_SOURCE).with_hint(HINT)
}

/// 1: the reply starts like an HTTP response.
pub const HTTP: CodeEntry = row(1, "HTTP", "The port answered like an HTTP server");
/// 2: the reply is an SSH banner.
pub const SSH: CodeEntry = row(2, "SSH", "The port answered like an SSH server");
/// 3: the reply is a TLS record: a TLS server that does not speak X.224 first.
pub const TLS_WITHOUT_X224: CodeEntry = row(
    3,
    "TLS_WITHOUT_X224",
    "The port answered with a TLS record: a TLS server that does not speak X.224 first",
);
/// 4: anything else that is not a TPKT header.
pub const NOT_TPKT: CodeEntry = row(
    4,
    "NOT_TPKT",
    "The reply is not a TPKT header (version 3), so not RDP",
);

/// Every `not_rdp` code.
pub static TABLE: &[CodeEntry] = &[HTTP, SSH, TLS_WITHOUT_X224, NOT_TPKT];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| {
            upper_with_prefix(n, &["HTTP", "SSH", "TLS_", "NOT_"])
        });
        let rows: Vec<(u32, &str)> = TABLE.iter().map(|e| (e.value, e.name)).collect();
        assert_eq!(
            rows,
            [
                (1, "HTTP"),
                (2, "SSH"),
                (3, "TLS_WITHOUT_X224"),
                (4, "NOT_TPKT")
            ]
        );
    }
}
