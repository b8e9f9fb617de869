//! `standard_security`: rdp-probe's own numbering for failures of Standard RDP Security
//! ([MS-RDPBCGR] 5.3): the Server Security Data, the server certificate, the client random's
//! encryption, and the encryption, decryption and MAC checks of every PDU after the Security
//! Exchange. The server sends no number for these; the Windows client reports them as its
//! class-06 disconnect reasons (0x406 to 0xC06, see [`crate::mstsc`]).
//!
//! [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/

use crate::{CodeEntry, OWN_SOURCE};

const SWITCH_TO_TLS: &str = "Standard RDP Security is obsolete and proves nothing about the server's identity: set the server's security layer to 'Negotiate' or 'SSL (TLS 1.0)' and require Network Level Authentication";

/// 1: Server Security Data whose method and level do not go together, or whose server random is
/// missing or not 32 bytes ([MS-RDPBCGR] 2.2.1.4.3, 5.3.2).
pub const INVALID_SERVER_SECURITY_DATA: CodeEntry = CodeEntry::new(
    1,
    "INVALID_SERVER_SECURITY_DATA",
    "The Server Security Data is inconsistent: an encryption level and method that do not go together, or a server random that is missing or not 32 bytes (MS-RDPBCGR 2.2.1.4.3, 5.3.2)",
    OWN_SOURCE,
)
.with_hint("the server's Standard RDP Security settings are broken: a non-conforming server or a proxy rewriting the MCS Connect Response; check the server's 'Set client connection encryption level' policy, or switch it to TLS");

/// 2: the server selected an encryption method the client did not offer, or one no
/// specification defines ([MS-RDPBCGR] 2.2.1.4.3, 5.3.2.1).
pub const ENCRYPTION_METHOD_NOT_OFFERED: CodeEntry = CodeEntry::new(
    2,
    "ENCRYPTION_METHOD_NOT_OFFERED",
    "The server selected an encryption method the client did not offer, or an unknown one (MS-RDPBCGR 5.3.2.1)",
    OWN_SOURCE,
)
.with_hint("the server selected an encryption method this client did not offer: its encryption level demands a method the client lacks (FIPS-only servers refuse clients without FIPS), or the server is non-conforming");

/// 3: the server certificate of the Server Security Data cannot be unpacked
/// ([MS-RDPBCGR] 2.2.1.4.3.1).
pub const CERTIFICATE_UNPACK_FAILED: CodeEntry = CodeEntry::new(
    3,
    "CERTIFICATE_UNPACK_FAILED",
    "The server's Standard RDP Security certificate (proprietary or X.509 chain) cannot be unpacked (MS-RDPBCGR 2.2.1.4.3.1)",
    OWN_SOURCE,
)
.with_hint("the server's RDP certificate is damaged: on Windows, delete the 'Certificate', 'X509 Certificate' and 'X509 Certificate ID' values under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\RCM and restart the Remote Desktop Services service so it makes new ones, or switch the server to TLS");

/// 4: the proprietary certificate's signature does not verify with the Terminal Services
/// signing key ([MS-RDPBCGR] 5.3.3.1.3).
pub const CERTIFICATE_SIGNATURE_INVALID: CodeEntry = CodeEntry::new(
    4,
    "CERTIFICATE_SIGNATURE_INVALID",
    "The server's proprietary certificate is not signed with the Terminal Services signing key (MS-RDPBCGR 5.3.3.1.3)",
    OWN_SOURCE,
)
.with_hint("the server's proprietary RDP certificate does not verify: the certificate is damaged or something in between rewrote it; re-create the server's RDP certificate, or switch the server to TLS");

/// 5: the client random could not be encrypted to the server's key (a key too small to hold
/// it) ([MS-RDPBCGR] 5.3.4.1).
pub const CLIENT_RANDOM_ENCRYPTION_FAILED: CodeEntry = CodeEntry::new(
    5,
    "CLIENT_RANDOM_ENCRYPTION_FAILED",
    "The client random cannot be encrypted with the server's public key (MS-RDPBCGR 5.3.4.1)",
    OWN_SOURCE,
)
.with_hint(SWITCH_TO_TLS);

/// 6: a PDU from the server failed its MAC check after decryption ([MS-RDPBCGR] 5.3.6.1,
/// 5.3.6.2): tampering, a middlebox, or keys that do not match.
pub const SERVER_MAC_MISMATCH: CodeEntry = CodeEntry::new(
    6,
    "SERVER_MAC_MISMATCH",
    "A PDU from the server does not carry the MAC its contents and the session keys give (MS-RDPBCGR 5.3.6.1, 5.3.6.2)",
    OWN_SOURCE,
)
.with_hint("the server's PDU failed its integrity check: something between client and server modifies the traffic, or the server derived other session keys (a broken server); Standard RDP Security cannot tell which — switch the server to TLS");

/// 7: a PDU from the server cannot be decrypted (FIPS ciphertext not a whole number of
/// blocks, impossible padding, a security header cut short) ([MS-RDPBCGR] 5.3.6, 2.2.8.1.1.2).
pub const DECRYPTION_FAILED: CodeEntry = CodeEntry::new(
    7,
    "DECRYPTION_FAILED",
    "A PDU from the server cannot be decrypted: a security header cut short, or a FIPS ciphertext that is not whole blocks or has impossible padding (MS-RDPBCGR 5.3.6, 2.2.8.1.1.2)",
    OWN_SOURCE,
)
.with_hint("the server sent an encrypted PDU that cannot be decrypted: a non-conforming server or something in between rewrites the traffic; switch the server to TLS");

/// 8: a PDU from the server came unencrypted where the encryption level requires encryption
/// (the condition of ERRINFO_DECRYPT_FAILED2, [MS-RDPBCGR] 2.2.5.1.1, 5.3.2).
pub const UNENCRYPTED_PDU: CodeEntry = CodeEntry::new(
    8,
    "UNENCRYPTED_PDU",
    "The server sent an unencrypted PDU where its encryption level requires encryption (MS-RDPBCGR 5.3.2, the condition of ERRINFO_DECRYPT_FAILED2)",
    OWN_SOURCE,
)
.with_hint("the server sent plain data inside an encrypted session: a non-conforming server or something in between injects traffic; switch the server to TLS");

/// Every code of the space.
pub static TABLE: &[CodeEntry] = &[
    INVALID_SERVER_SECURITY_DATA,
    ENCRYPTION_METHOD_NOT_OFFERED,
    CERTIFICATE_UNPACK_FAILED,
    CERTIFICATE_SIGNATURE_INVALID,
    CLIENT_RANDOM_ENCRYPTION_FAILED,
    SERVER_MAC_MISMATCH,
    DECRYPTION_FAILED,
    UNENCRYPTED_PDU,
];

#[cfg(test)]
mod tests {
    use super::TABLE;

    #[test]
    fn values_are_unique_and_own() {
        crate::test_util::check_table(TABLE, |n| {
            n.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
        assert!(
            TABLE
                .iter()
                .all(|e| e.source == crate::OWN_SOURCE && e.hint.is_some())
        );
    }
}
