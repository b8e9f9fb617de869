//! `kdc`: rdp-probe's own numbering for a Kerberos logon that could not talk to a KDC and so has
//! no `error-code` from it (those are in the `kerberos` space). The probe relays the Kerberos
//! client's requests to the KDC itself (TCP or UDP port 88, [RFC 4120] 7.2), so it sees each of
//! these failures.
//!
//! [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120

use crate::{CodeEntry, OWN_SOURCE};

const H_REACH: &str = "no KDC could be reached: check the --kdc address (or the domain's DNS SRV records _kerberos._tcp.<domain> and the domain controllers they name), and that firewalls allow TCP and UDP port 88 from this machine to the domain controller";
const H_NO_ANSWER: &str = "the KDC did not answer in time: a firewall probably drops TCP/UDP port 88 silently, or the domain controller is overloaded; check the path to the --kdc address (or the DCs named by _kerberos._tcp.<domain>)";
const H_INVALID: &str = "what answered on the KDC port is not a Kerberos KDC, or its reply was cut short: check that the --kdc address (or the _kerberos._tcp.<domain> SRV records) names a domain controller, and any proxy or firewall rewriting port 88";
const H_CLOSED: &str = "the KDC closed the connection without answering: check that the --kdc address is a domain controller whose KDC service runs (the 'Kerberos Key Distribution Center' service), and firewalls or IPS on TCP port 88";

/// 1: no connection to the KDC: refused, host or network unreachable, or its name did not resolve.
pub const KDC_UNREACHABLE: CodeEntry = CodeEntry::new(
    1,
    "KDC_UNREACHABLE",
    "No KDC could be reached: the connection was refused, the host or network is unreachable, or the KDC's name did not resolve",
    OWN_SOURCE,
)
.with_hint(H_REACH);
/// 2: the KDC did not answer within the time limit.
pub const KDC_NO_ANSWER: CodeEntry = CodeEntry::new(
    2,
    "KDC_NO_ANSWER",
    "The KDC did not answer within the time limit",
    OWN_SOURCE,
)
.with_hint(H_NO_ANSWER);
/// 3: the reply is not a Kerberos message, or is cut short.
pub const KDC_REPLY_INVALID: CodeEntry = CodeEntry::new(
    3,
    "KDC_REPLY_INVALID",
    "The KDC's reply is not a Kerberos message, or is cut short",
    OWN_SOURCE,
)
.with_hint(H_INVALID);
/// 4: the KDC closed the connection without a reply.
pub const KDC_CLOSED: CodeEntry = CodeEntry::new(
    4,
    "KDC_CLOSED",
    "The KDC closed the connection without a reply",
    OWN_SOURCE,
)
.with_hint(H_CLOSED);

/// Every `kdc` code.
pub static TABLE: &[CodeEntry] = &[
    KDC_UNREACHABLE,
    KDC_NO_ANSWER,
    KDC_REPLY_INVALID,
    KDC_CLOSED,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["KDC_"]));
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, [1, 2, 3, 4]);
        for e in TABLE {
            assert_eq!(e.source, OWN_SOURCE);
            let hint = e.hint.expect("hint");
            assert!(hint.contains("88"), "{}", e.name);
        }
    }
}
