//! The MAC forms of Standard RDP Security: the RC4 methods' MD5/SHA-1 construction, plain or salted
//! with the encryption count ([MS-RDPBCGR] 5.3.6.1, 5.3.6.1.1), and the FIPS HMAC-SHA1
//! ([MS-RDPBCGR] 5.3.6.2).

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use serde::Serialize;
use sha1::{Digest, Sha1};

/// The length of a `dataSignature` on the wire ([MS-RDPBCGR] 2.2.8.1.1.2.2, 2.2.8.1.1.2.3).
pub(crate) const SIGNATURE_LEN: usize = 8;

/// `Pad1` of the MAC and the key update: 40 bytes of 0x36 ([MS-RDPBCGR] 5.3.6.1, 5.3.7.1).
pub(crate) const PAD1: [u8; 40] = [0x36; 40];
/// `Pad2` of the MAC and the key update: 48 bytes of 0x5C ([MS-RDPBCGR] 5.3.6.1, 5.3.7.1).
pub(crate) const PAD2: [u8; 48] = [0x5c; 48];

/// Which MAC an RC4-protected PDU carries.
///
/// The salted form is the one a `SEC_SECURE_CHECKSUM` security header flag (or a fast-path
/// `SECURE_CHECKSUM` flag) announces ([MS-RDPBCGR] 5.3.6.1.1): it appends the cumulative count of
/// PDUs encrypted before this one in the same direction. The FIPS method has a single MAC form that
/// always includes that count ([MS-RDPBCGR] 5.3.6.2), so the form is ignored there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MacForm {
    /// `SHA(MACKeyN + Pad1 + DataLength + Data)` ([MS-RDPBCGR] 5.3.6.1).
    Plain,
    /// `SHA(MACKeyN + Pad1 + DataLength + Data + EncryptionCount)` ([MS-RDPBCGR] 5.3.6.1.1).
    Salted,
}

impl fmt::Display for MacForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain => "plain",
            Self::Salted => "salted",
        })
    }
}

/// The non-FIPS `MACSignature` of `data` ([MS-RDPBCGR] 5.3.6.1): the first 8 bytes of
/// `MD5(MACKeyN + Pad2 + SHA(MACKeyN + Pad1 + DataLength + Data [+ EncryptionCount]))`, with the
/// count present only in the salted form.
pub(crate) fn rc4_signature(mac_key: &[u8], data: &[u8], salt: Option<u32>) -> [u8; SIGNATURE_LEN] {
    // DataLength is a u32 LE; a PDU is far shorter than 4 GiB, so saturating never changes a value
    // that can occur on the wire.
    let data_len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    let mut sha = Sha1::new();
    sha.update(mac_key);
    sha.update(PAD1);
    sha.update(data_len.to_le_bytes());
    sha.update(data);
    if let Some(count) = salt {
        sha.update(count.to_le_bytes());
    }
    let sha_component = sha.finalize();
    let mut md5 = Md5::new();
    md5.update(mac_key);
    md5.update(PAD2);
    md5.update(sha_component);
    first_eight(&md5.finalize())
}

/// The FIPS `MACSignature` of `data` ([MS-RDPBCGR] 5.3.6.2): the first 8 bytes of
/// `HMAC-SHA1(HMACKey, Data + EncryptionCount)`, over the unpadded plaintext.
pub(crate) fn fips_signature(hmac_key: &[u8], data: &[u8], count: u32) -> [u8; SIGNATURE_LEN] {
    // HMAC takes keys of any length, so this arm is never taken; it keeps the function total.
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(hmac_key) else {
        return [0; SIGNATURE_LEN];
    };
    mac.update(data);
    mac.update(&count.to_le_bytes());
    first_eight(&mac.finalize().into_bytes())
}

/// Whether two signatures are equal, looking at every byte whatever the first difference.
pub(crate) fn signatures_match(a: &[u8; SIGNATURE_LEN], b: &[u8; SIGNATURE_LEN]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn first_eight(digest: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut out = [0; SIGNATURE_LEN];
    for (o, d) in out.iter_mut().zip(digest) {
        *o = *d;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MAC key and plaintext in the comment above Metasploit's `rdp_hmac` (the decrypted
    /// payload of the spec's 4.2.1 Client Shutdown Request), reference 12.4.6.
    #[test]
    fn metasploit_plain_mac() {
        let key = [
            0x57, 0x13, 0xc5, 0x38, 0x7f, 0xeb, 0xa9, 0x10, 0x2a, 0x1e, 0xdd, 0x56, 0x96, 0x8b,
            0x5b, 0x64,
        ];
        let data = [
            0x12, 0x00, 0x17, 0x00, 0xef, 0x03, 0xea, 0x03, 0x02, 0x00, 0x00, 0x01, 0x04, 0x00,
            0x24, 0x00, 0x00, 0x00,
        ];
        assert_eq!(
            rc4_signature(&key, &data, None),
            [0x22, 0xd5, 0xae, 0xb4, 0x86, 0x99, 0x4a, 0x0c]
        );
    }

    #[test]
    fn signature_comparison() {
        let a = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut b = a;
        assert!(signatures_match(&a, &b));
        b[7] ^= 0x80;
        assert!(!signatures_match(&a, &b));
    }
}
