//! The security headers of Standard RDP Security ([MS-RDPBCGR] 2.2.8.1.1.2) and the Security
//! Exchange PDU's body ([MS-RDPBCGR] 2.2.1.10.1).
//!
//! Under Standard RDP Security with an encryption level above none, every PDU on an MCS channel
//! after the Security Exchange starts with a security header ([MS-RDPBCGR] 5.3.8): the basic
//! form (flags only) on PDUs sent in the clear, the non-FIPS form (flags and an 8-byte MAC) on
//! RC4-encrypted PDUs, and the FIPS form (flags, a 4-byte FIPS information block and the MAC)
//! on 3DES-encrypted ones. Which form an encrypted PDU has depends on the negotiated method,
//! not on the header itself, so the caller says whether FIPS is in force.
//!
//! This module only reads and writes the headers; the keys, ciphers and MACs live in
//! `rdp_probe_core::standard_security`.

use crate::DecodeError;
use crate::cursor::Cursor;

pub use crate::share::{SEC_ENCRYPT, SEC_EXCHANGE_PKT, SEC_LICENSE_PKT, SEC_REDIRECTION_PKT};

/// `SEC_INFO_PKT`: the Client Info PDU ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_INFO_PKT: u16 = 0x0040;
/// `SEC_LICENSE_ENCRYPT_CS` / `SEC_LICENSE_ENCRYPT_SC`: one bit, two meanings by direction. From the
/// client, on the Security Exchange: it can take encrypted licensing PDUs. From the server, on
/// licensing PDUs: it can take encrypted licensing PDUs ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_LICENSE_ENCRYPT: u16 = 0x0200;
/// `SEC_SECURE_CHECKSUM`: the MAC is the salted form ([MS-RDPBCGR] 5.3.6.1.1).
pub const SEC_SECURE_CHECKSUM: u16 = 0x0800;
/// `SEC_RESET_SEQNO`: sent by some clients, processed by no one ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_RESET_SEQNO: u16 = 0x0010;
/// `SEC_IGNORE_SEQNO`: sent by some clients, processed by no one ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_IGNORE_SEQNO: u16 = 0x0020;

/// The length of `dataSignature` ([MS-RDPBCGR] 2.2.8.1.1.2.2).
pub const MAC_LEN: usize = 8;
/// `TS_SECURITY_HEADER2.length`: MUST be 0x10 ([MS-RDPBCGR] 2.2.8.1.1.2.3).
pub const FIPS_INFO_LENGTH: u16 = 0x0010;
/// `TS_SECURITY_HEADER2.version`: `TSFIPS_VERSION1` ([MS-RDPBCGR] 2.2.8.1.1.2.3).
pub const TSFIPS_VERSION1: u8 = 0x01;

/// The FIPS information block of `TS_SECURITY_HEADER2` ([MS-RDPBCGR] 2.2.8.1.1.2.3), raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FipsInfo {
    /// `length` (0x10 by the specification; kept as sent).
    pub length: u16,
    /// `version` (1 by the specification; kept as sent).
    pub version: u8,
    /// `padlen`: how many padding bytes end the ciphertext.
    pub pad_len: u8,
}

/// What protects an encrypted PDU: its MAC and, under FIPS, the FIPS information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    /// `dataSignature`.
    pub signature: [u8; MAC_LEN],
    /// Present exactly under FIPS.
    pub fips: Option<FipsInfo>,
}

/// A PDU's user data split at its security header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secured<'a> {
    /// `flags` of the basic header.
    pub flags: u16,
    /// `flagsHi` (uninitialized unless `SEC_FLAGSHI_VALID`; kept as sent).
    pub flags_hi: u16,
    /// The MAC (and FIPS information) when `SEC_ENCRYPT` is set.
    pub protection: Option<Protection>,
    /// What follows the header: ciphertext when `protection` is set, else plaintext.
    pub body: &'a [u8],
}

impl Secured<'_> {
    /// Whether a flag is set.
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// Splits `user_data` (the user data of an MCS Send Data Request or Indication) at its security
/// header. With `SEC_ENCRYPT` set, the header has a MAC, preceded by the FIPS information when
/// `fips` is `true` ([MS-RDPBCGR] 2.2.8.1.1.2.2, 2.2.8.1.1.2.3).
pub fn parse_secured(user_data: &[u8], fips: bool) -> Result<Secured<'_>, DecodeError> {
    let mut c = Cursor::new(user_data);
    let flags = c.u16_le("security header flags")?;
    let flags_hi = c.u16_le("security header flagsHi")?;
    let protection = if flags & SEC_ENCRYPT != 0 {
        let fips = if fips {
            Some(FipsInfo {
                length: c.u16_le("fips security header length")?,
                version: c.u8("fips security header version")?,
                pad_len: c.u8("fips security header padlen")?,
            })
        } else {
            None
        };
        let signature = c.array::<MAC_LEN>("security header dataSignature")?;
        Some(Protection { signature, fips })
    } else {
        None
    };
    Ok(Secured {
        flags,
        flags_hi,
        protection,
        body: c.rest(),
    })
}

/// Writes user data with a security header: the basic form when `protection` is `None`, else the
/// non-FIPS or FIPS form. `SEC_ENCRYPT` is set or cleared in `flags` to match; `flagsHi` is 0.
pub fn secured(flags: u16, protection: Option<&Protection>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    let flags = match protection {
        Some(_) => flags | SEC_ENCRYPT,
        None => flags & !SEC_ENCRYPT,
    };
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    if let Some(p) = protection {
        if let Some(f) = p.fips {
            out.extend_from_slice(&f.length.to_le_bytes());
            out.push(f.version);
            out.push(f.pad_len);
        }
        out.extend_from_slice(&p.signature);
    }
    out.extend_from_slice(body);
    out
}

/// The user data of a Security Exchange PDU (`TS_SECURITY_PACKET`, [MS-RDPBCGR] 2.2.1.10.1): a basic
/// header with `SEC_EXCHANGE_PKT` (and whatever else `flags` holds), the length, and the encrypted
/// client random with its 8 zero bytes of padding as the caller made it.
pub fn security_exchange(flags: u16, encrypted_random: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(encrypted_random.len() + 8);
    out.extend_from_slice(&(flags | SEC_EXCHANGE_PKT).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    let len = u32::try_from(encrypted_random.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(encrypted_random);
    out
}

/// A Security Exchange PDU's user data, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityExchange<'a> {
    /// The basic header's flags (`SEC_EXCHANGE_PKT`, perhaps `SEC_LICENSE_ENCRYPT`).
    pub flags: u16,
    /// `encryptedClientRandom`, padding included.
    pub encrypted_random: &'a [u8],
}

/// Reads a Security Exchange PDU's user data ([MS-RDPBCGR] 2.2.1.10.1). A header without
/// `SEC_EXCHANGE_PKT` is reported as unexpected.
pub fn parse_security_exchange(user_data: &[u8]) -> Result<SecurityExchange<'_>, DecodeError> {
    let mut c = Cursor::new(user_data);
    let flags = c.u16_le("security exchange flags")?;
    if flags & SEC_EXCHANGE_PKT == 0 {
        return Err(DecodeError::unexpected(
            "security exchange flags",
            0,
            u32::from(flags),
        ));
    }
    c.skip(2, "security exchange flagsHi")?;
    let len = c.u32_le("security exchange length")? as usize;
    let encrypted_random = c.take(len, "security exchange encryptedClientRandom")?;
    Ok(SecurityExchange {
        flags,
        encrypted_random,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_client_info_header_is_non_fips() {
        // [MS-RDPBCGR] 4.1.10: flags 0x0048 (SEC_INFO_PKT | SEC_ENCRYPT), flagsHi 0, then the MAC.
        let ud = [
            0x48, 0x00, 0x00, 0x00, 0x45, 0xca, 0x46, 0xfa, 0x5e, 0xa7, 0xbe, 0xbc, 0x74, 0x21,
        ];
        let s = parse_secured(&ud, false).expect("decodes");
        assert_eq!(s.flags, SEC_INFO_PKT | SEC_ENCRYPT);
        let p = s.protection.expect("encrypted");
        assert_eq!(
            p.signature,
            [0x45, 0xca, 0x46, 0xfa, 0x5e, 0xa7, 0xbe, 0xbc]
        );
        assert_eq!(p.fips, None);
        assert_eq!(s.body, &[0x74, 0x21]);
        assert_eq!(secured(s.flags, Some(&p), s.body), ud);
    }

    #[test]
    fn fips_header_round_trips() {
        let p = Protection {
            signature: [1, 2, 3, 4, 5, 6, 7, 8],
            fips: Some(FipsInfo {
                length: FIPS_INFO_LENGTH,
                version: TSFIPS_VERSION1,
                pad_len: 3,
            }),
        };
        let ud = secured(SEC_LICENSE_PKT, Some(&p), &[9; 16]);
        assert_eq!(ud.len(), 4 + 4 + MAC_LEN + 16);
        let s = parse_secured(&ud, true).expect("decodes");
        assert_eq!(s.flags, SEC_LICENSE_PKT | SEC_ENCRYPT);
        assert_eq!(s.protection, Some(p));
        assert_eq!(s.body, &[9; 16]);
    }

    #[test]
    fn plain_header_and_short_input() {
        let ud = secured(SEC_ENCRYPT | SEC_LICENSE_PKT, None, &[7]);
        let s = parse_secured(&ud, true).expect("decodes");
        assert_eq!(
            (s.flags, s.protection, s.body),
            (SEC_LICENSE_PKT, None, &[7][..])
        );
        let e = parse_secured(&[0x08, 0x00, 0x00, 0x00, 1, 2], false).expect_err("short");
        assert_eq!(e.what, "security header dataSignature");
        let e = parse_secured(&[0x08], false).expect_err("short");
        assert_eq!(e.what, "security header flags");
    }

    #[test]
    fn security_exchange_matches_the_spec_layout() {
        // [MS-RDPBCGR] 4.1.9: 01 02 00 00 | 48 00 00 00 | 72 bytes.
        let random = [0xab; 72];
        let ud = security_exchange(SEC_LICENSE_ENCRYPT, &random);
        assert_eq!(&ud[..8], &[0x01, 0x02, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00]);
        let x = parse_security_exchange(&ud).expect("decodes");
        assert_eq!(x.flags, SEC_EXCHANGE_PKT | SEC_LICENSE_ENCRYPT);
        assert_eq!(x.encrypted_random, &random[..]);
        let e = parse_security_exchange(&[0x08, 0, 0, 0]).expect_err("not an exchange");
        assert_eq!(e.what, "security exchange flags");
        let e = parse_security_exchange(&ud[..20]).expect_err("short");
        assert_eq!(e.what, "security exchange encryptedClientRandom");
    }
}
