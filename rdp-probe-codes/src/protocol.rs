//! `protocol`: rdp-probe's own numbering for a server that broke the protocol (a PDU that does
//! not decode or has no place in the sequence, [MS-RDPBCGR] 1.3.1.1) and for TLS failures that
//! are neither an alert nor a version mismatch.
//!
//! [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/

use crate::{CodeEntry, OWN_SOURCE};

const HINT: &str = "the server sent something the RDP protocol does not allow here: check the server's event log and any RDP proxy or gateway";

const fn row(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, OWN_SOURCE).with_hint(HINT)
}

/// 1: the RDP_NEG_RSP selects a protocol the client did not request ([MS-RDPBCGR] 2.2.1.2.1).
pub const SELECTED_PROTOCOL_NOT_OFFERED: CodeEntry = CodeEntry::new(
    1,
    "SELECTED_PROTOCOL_NOT_OFFERED",
    "The server selected a security protocol the client did not request",
    OWN_SOURCE,
)
.with_hint("the server chose a security protocol the client did not offer: a non-conforming server or a proxy; try requesting other protocols");
/// 2: a PDU that has no place at this point of the sequence.
pub const UNEXPECTED_PDU: CodeEntry = row(
    2,
    "UNEXPECTED_PDU",
    "The server sent a PDU that has no place at this point of the connection sequence",
);
/// 3: a PDU that does not decode.
pub const MALFORMED_PDU: CodeEntry =
    row(3, "MALFORMED_PDU", "A PDU from the server does not decode");
/// 4: a length field claims more than the probe accepts.
pub const PDU_TOO_LARGE: CodeEntry = row(
    4,
    "PDU_TOO_LARGE",
    "A length field claims more bytes than the probe accepts for this PDU",
);
/// 5: MCS Connect Response with a result other than rt-successful (T.125).
pub const MCS_CONNECT_REJECTED: CodeEntry = row(
    5,
    "MCS_CONNECT_REJECTED",
    "The server answered the MCS Connect Initial with a result other than rt-successful (T.125)",
);
/// 6: Attach User Confirm or Channel Join Confirm with a failure result (T.125).
pub const MCS_CHANNEL_REJECTED: CodeEntry = row(
    6,
    "MCS_CHANNEL_REJECTED",
    "The server refused an MCS Attach User or Channel Join (T.125 result other than rt-successful)",
);
/// 7: IronRDP's connector rejected what the server sent.
pub const CONNECTOR_ERROR: CodeEntry = row(
    7,
    "CONNECTOR_ERROR",
    "The RDP connection sequence (IronRDP's connector) rejected what the server sent",
);
/// 20: the TLS layer failed otherwise (not an alert, not a version mismatch).
pub const TLS_ERROR: CodeEntry = CodeEntry::new(
    20,
    "TLS_ERROR",
    "The TLS handshake failed without an alert or a version mismatch (the message has the TLS library's words)",
    OWN_SOURCE,
)
.with_hint(
    "the TLS handshake failed: check the server's TLS configuration (versions, cipher suites, certificate)",
);

/// Every `protocol` code.
pub static TABLE: &[CodeEntry] = &[
    SELECTED_PROTOCOL_NOT_OFFERED,
    UNEXPECTED_PDU,
    MALFORMED_PDU,
    PDU_TOO_LARGE,
    MCS_CONNECT_REJECTED,
    MCS_CHANNEL_REJECTED,
    CONNECTOR_ERROR,
    TLS_ERROR,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::check_table;

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| {
            n.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, [1, 2, 3, 4, 5, 6, 7, 20]);
    }
}
