//! TLS `AlertDescription` values (RFC 8446 6.2; values removed in TLS 1.3 from RFC 5246 7.2
//! and RFC 6066 9). Names keep the RFCs' lower_snake spelling.

use crate::CodeEntry;

const R13: &str = "RFC 8446 6.2";
const R12: &str = "RFC 5246 7.2";
const R6066: &str = "RFC 6066 9";

const H_NO_COMMON: &str = "handshake_failure/protocol_version: no TLS version or cipher suite in common — the server may only speak TLS 1.0/1.1 (rdp-probe, like modern clients, needs TLS 1.2+): enable TLS 1.2 on the server (on Windows 2008 R2/2012 install the TLS 1.2 updates and enable it in SCHANNEL) or check its cipher suite policy";
const H_CERT: &str = "the server rejected a certificate in the handshake: RDP clients normally send none, so this points at a TLS-inspecting middlebox or a server demanding client certificates";

/// Every alert description named by the cited RFCs (except the obsolete 41 and 60).
pub static TABLE: &[CodeEntry] = &[
    CodeEntry::new(0, "close_notify", "The sender is closing the connection normally", R13),
    CodeEntry::new(10, "unexpected_message", "An inappropriate message was received", R13)
        .with_hint("the server did not expect what it received: check that the port really speaks RDP-over-TLS and that no proxy interferes"),
    CodeEntry::new(20, "bad_record_mac", "A record could not be deprotected", R13),
    CodeEntry::new(21, "decryption_failed", "Obsolete: a record failed to decrypt (TLS 1.2 and earlier)", R12),
    CodeEntry::new(22, "record_overflow", "A record exceeded the allowed length", R13),
    CodeEntry::new(40, "handshake_failure", "No acceptable set of security parameters could be negotiated", R13)
        .with_hint(H_NO_COMMON),
    CodeEntry::new(42, "bad_certificate", "A certificate was corrupt or failed verification", R13).with_hint(H_CERT),
    CodeEntry::new(43, "unsupported_certificate", "A certificate was of an unsupported type", R13).with_hint(H_CERT),
    CodeEntry::new(44, "certificate_revoked", "A certificate was revoked by its signer", R13).with_hint(H_CERT),
    CodeEntry::new(45, "certificate_expired", "A certificate has expired or is not yet valid", R13).with_hint(H_CERT),
    CodeEntry::new(46, "certificate_unknown", "A certificate was unacceptable for another reason", R13).with_hint(H_CERT),
    CodeEntry::new(47, "illegal_parameter", "A handshake field was out of range or inconsistent", R13),
    CodeEntry::new(48, "unknown_ca", "The certificate's CA is not trusted", R13).with_hint(H_CERT),
    CodeEntry::new(49, "access_denied", "Valid certificate or credentials, but access was refused", R13)
        .with_hint("access_denied after or during NLA means the server rejected the logon (FreeRDP reports this alert as an authentication failure for a rejected NLA logon): check user name, password and the account's state"),
    CodeEntry::new(50, "decode_error", "A message could not be decoded", R13),
    CodeEntry::new(51, "decrypt_error", "A handshake cryptographic check failed", R13),
    CodeEntry::new(70, "protocol_version", "The offered protocol version is not supported by the peer", R13)
        .with_hint(H_NO_COMMON),
    CodeEntry::new(71, "insufficient_security", "The peer requires stronger cipher suites than offered", R13)
        .with_hint(H_NO_COMMON),
    CodeEntry::new(80, "internal_error", "An error unrelated to the peer or the protocol occurred at the sender", R13)
        .with_hint("the server's TLS/CredSSP stack failed internally: old servers (e.g. Windows 2008 R2) answer a CredSSP message they cannot handle, or an expired/changed password during NLA, with this alert; check the server's System log (Schannel, CredSSP) and its updates"),
    CodeEntry::new(86, "inappropriate_fallback", "A version fallback was detected and refused", R13),
    CodeEntry::new(90, "user_canceled", "The peer cancelled the handshake", R13),
    CodeEntry::new(100, "no_renegotiation", "Renegotiation refused (TLS 1.2 and earlier)", R12),
    CodeEntry::new(109, "missing_extension", "A mandatory extension was missing", R13),
    CodeEntry::new(110, "unsupported_extension", "An extension was sent that was not offered or allowed", R13),
    CodeEntry::new(111, "certificate_unobtainable", "A certificate could not be fetched from a URL (TLS 1.2 and earlier)", R6066),
    CodeEntry::new(112, "unrecognized_name", "No server is known by the requested name (SNI)", R13)
        .with_hint("the server does not recognise the host name sent in SNI: connect by the name the server's certificate/binding expects, or by IP address"),
    CodeEntry::new(113, "bad_certificate_status_response", "An invalid OCSP response was received", R13),
    CodeEntry::new(115, "unknown_psk_identity", "The PSK identity is unknown", R13),
    CodeEntry::new(116, "certificate_required", "A client certificate is required but none was sent", R13)
        .with_hint("the server requires a TLS client certificate: provide one, or check the server's security layer policy"),
    CodeEntry::new(120, "no_application_protocol", "None of the offered ALPN protocols is supported", R13),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::check_table;

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| {
            n.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
        assert!(TABLE.iter().all(|e| e.value <= 255));
        for v in [40, 49, 70, 71, 80] {
            assert!(
                TABLE
                    .iter()
                    .find(|e| e.value == v)
                    .is_some_and(|e| e.hint.is_some())
            );
        }
        for v in [
            0, 10, 20, 21, 22, 40, 86, 90, 100, 109, 110, 111, 112, 113, 115, 116, 120,
        ] {
            assert!(TABLE.iter().any(|e| e.value == v), "{v}");
        }
        for v in 42..=51 {
            assert!(TABLE.iter().any(|e| e.value == v), "{v}");
        }
    }
}
