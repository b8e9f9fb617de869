//! `x224_disconnect`: the reason byte of an X.224 Disconnect Request (DR) TPDU ([X.224] 13.5.3,
//! ISO 8073 13.5.3), which a server may send instead of a Connection Confirm.
//!
//! Values 0 to 3 are defined for every transport class; values from 128 only for classes 1 to 4
//! (RDP uses class 0, [MS-RDPBCGR] 2.2.1.1), but a server may send them, so they are named too.
//! Unknown values are kept and named `UNKNOWN_X224_DISCONNECT_0x..`.
//!
//! [X.224]: https://www.itu.int/rec/T-REC-X.224
//! [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/

use crate::CodeEntry;

/// The document (and the decoder the values were checked against).
const SRC: &str = "ITU-T X.224 / ISO 8073 13.5.3 (DR TPDU reason); values as decoded by Wireshark epan/dissectors/packet-ositp.c (ositp_decode_DR)";

const HINT: &str = "the server refused the connection at the X.224 layer (Disconnect Request) before any RDP negotiation: check that the port belongs to an RDP server that accepts connections, and any gateway, load balancer or filter in between that refuses this client";

const fn row(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC).with_hint(HINT)
}

/// Every reason named by X.224.
pub static TABLE: &[CodeEntry] = &[
    row(0, "X224_DR_NOT_SPECIFIED", "Reason not specified"),
    row(1, "X224_DR_CONGESTION_AT_TSAP", "Congestion at the TSAP"),
    row(
        2,
        "X224_DR_SESSION_ENTITY_NOT_ATTACHED",
        "Session entity not attached to the TSAP",
    ),
    row(3, "X224_DR_ADDRESS_UNKNOWN", "Address unknown"),
    row(
        128,
        "X224_DR_NORMAL",
        "Normal disconnect initiated by the session entity",
    ),
    row(
        129,
        "X224_DR_REMOTE_CONGESTION",
        "Remote transport entity congestion at connect request time",
    ),
    row(
        130,
        "X224_DR_NEGOTIATION_FAILED",
        "Connection negotiation failed (the proposed class is not supported)",
    ),
    row(
        131,
        "X224_DR_DUPLICATE_SOURCE_REFERENCE",
        "Duplicate source reference detected for the same pair of NSAPs",
    ),
    row(
        132,
        "X224_DR_MISMATCHED_REFERENCES",
        "Mismatched references",
    ),
    row(133, "X224_DR_PROTOCOL_ERROR", "Protocol error"),
    row(135, "X224_DR_REFERENCE_OVERFLOW", "Reference overflow"),
    row(
        136,
        "X224_DR_CONNECTION_REFUSED",
        "Connection request refused on this network connection",
    ),
    row(
        138,
        "X224_DR_HEADER_OR_PARAMETER_LENGTH_INVALID",
        "Header or parameter length invalid",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["X224_DR_"]));
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(
            values,
            [0, 1, 2, 3, 128, 129, 130, 131, 132, 133, 135, 136, 138]
        );
        assert!(TABLE.iter().all(|e| e.value <= 0xFF && !e.derived));
    }
}
