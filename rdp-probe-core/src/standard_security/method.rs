//! The encryption method a server selects, and which end of the connection a key set is for.

use std::fmt;

use serde::Serialize;

/// `ENCRYPTION_METHOD_40BIT`: RC4 with a 40-bit key ([MS-RDPBCGR] 2.2.1.4.3).
pub const ENCRYPTION_METHOD_40BIT: u32 = 0x0000_0001;
/// `ENCRYPTION_METHOD_128BIT`: RC4 with a 128-bit key ([MS-RDPBCGR] 2.2.1.4.3).
pub const ENCRYPTION_METHOD_128BIT: u32 = 0x0000_0002;
/// `ENCRYPTION_METHOD_56BIT`: RC4 with a 56-bit key ([MS-RDPBCGR] 2.2.1.4.3).
pub const ENCRYPTION_METHOD_56BIT: u32 = 0x0000_0008;
/// `ENCRYPTION_METHOD_FIPS`: 3DES-CBC with HMAC-SHA1 ([MS-RDPBCGR] 2.2.1.4.3).
pub const ENCRYPTION_METHOD_FIPS: u32 = 0x0000_0010;

/// The encryption method of a Standard RDP Security connection: the `encryptionMethod` field of
/// the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3), minus `ENCRYPTION_METHOD_NONE`, which has no
/// cryptography.
///
/// ```
/// use rdp_probe_core::standard_security::EncryptionMethod;
///
/// let method = EncryptionMethod::from_wire(0x02);
/// assert_eq!(method, Some(EncryptionMethod::Bits128));
/// assert_eq!(EncryptionMethod::Fips.key_bits(), 168);
/// // A bit mask (what a client advertises) is not a selection.
/// assert_eq!(EncryptionMethod::from_wire(0x03), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EncryptionMethod {
    /// RC4 with 40-bit keys salted to 64 bits ([MS-RDPBCGR] 5.3.5.1).
    Bits40,
    /// RC4 with 56-bit keys salted to 64 bits ([MS-RDPBCGR] 5.3.5.1).
    Bits56,
    /// RC4 with 128-bit keys ([MS-RDPBCGR] 5.3.5.1).
    Bits128,
    /// Triple DES in CBC mode with HMAC-SHA1 MACs ([MS-RDPBCGR] 5.3.5.2).
    Fips,
}

impl EncryptionMethod {
    /// The method a wire value names: exactly one of [`ENCRYPTION_METHOD_40BIT`],
    /// [`ENCRYPTION_METHOD_56BIT`], [`ENCRYPTION_METHOD_128BIT`] or [`ENCRYPTION_METHOD_FIPS`];
    /// `None` for anything else, `ENCRYPTION_METHOD_NONE` (0) and combined bits included.
    pub const fn from_wire(raw: u32) -> Option<Self> {
        match raw {
            ENCRYPTION_METHOD_40BIT => Some(Self::Bits40),
            ENCRYPTION_METHOD_56BIT => Some(Self::Bits56),
            ENCRYPTION_METHOD_128BIT => Some(Self::Bits128),
            ENCRYPTION_METHOD_FIPS => Some(Self::Fips),
            _ => None,
        }
    }

    /// The wire value of this method ([MS-RDPBCGR] 2.2.1.4.3).
    pub const fn wire(self) -> u32 {
        match self {
            Self::Bits40 => ENCRYPTION_METHOD_40BIT,
            Self::Bits56 => ENCRYPTION_METHOD_56BIT,
            Self::Bits128 => ENCRYPTION_METHOD_128BIT,
            Self::Fips => ENCRYPTION_METHOD_FIPS,
        }
    }

    /// The effective key strength in bits: 40, 56, 128, or 168 for FIPS (three DES keys).
    pub const fn key_bits(self) -> u32 {
        match self {
            Self::Bits40 => 40,
            Self::Bits56 => 56,
            Self::Bits128 => 128,
            Self::Fips => 168,
        }
    }

    /// Whether this is the FIPS method (3DES and HMAC-SHA1) rather than one of the RC4 ones.
    pub const fn is_fips(self) -> bool {
        matches!(self, Self::Fips)
    }
}

impl fmt::Display for EncryptionMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bits40 => "40-bit RC4",
            Self::Bits56 => "56-bit RC4",
            Self::Bits128 => "128-bit RC4",
            Self::Fips => "FIPS 3DES",
        })
    }
}

/// Which end of the connection a set of session keys is for.
///
/// The client encrypts with the client encryption key and decrypts with the client decryption key;
/// the server's encryption key is the client's decryption key and the other way round
/// ([MS-RDPBCGR] 5.3.5.1, 5.3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The end that sent the Security Exchange PDU.
    Client,
    /// The end that sent the Server Security Data.
    Server,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip() {
        for method in [
            EncryptionMethod::Bits40,
            EncryptionMethod::Bits56,
            EncryptionMethod::Bits128,
            EncryptionMethod::Fips,
        ] {
            assert_eq!(EncryptionMethod::from_wire(method.wire()), Some(method));
        }
        for raw in [0, 0x03, 0x04, 0x1b, 0x20, u32::MAX] {
            assert_eq!(EncryptionMethod::from_wire(raw), None, "{raw:#x}");
        }
    }

    #[test]
    fn key_bits_and_serde_names() {
        assert_eq!(EncryptionMethod::Bits40.key_bits(), 40);
        assert_eq!(EncryptionMethod::Bits56.key_bits(), 56);
        assert_eq!(EncryptionMethod::Bits128.key_bits(), 128);
        assert_eq!(EncryptionMethod::Fips.key_bits(), 168);
        let json = serde_json::to_string(&EncryptionMethod::Bits128).ok();
        assert_eq!(json.as_deref(), Some("\"bits128\""));
        assert_eq!(EncryptionMethod::Fips.to_string(), "FIPS 3DES");
    }
}
