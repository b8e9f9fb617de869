//! The client's licensing PDUs: restoring the full length of the encrypted premaster secret.
//!
//! A Client New License Request ([MS-RDPELE] 2.2.2.2) carries the premaster secret encrypted with the
//! server's RSA key as a little-endian number, followed by 8 zero bytes, in a `BB_RANDOM_BLOB`
//! ([MS-RDPBCGR] 2.2.1.12.1.2); the number takes as many bytes as the modulus. IronRDP 0.11 encodes it
//! with `BigUint::to_bytes_le`, which drops the high zero bytes, so now and then (the more often, the
//! smaller the modulus' top byte) the blob is a byte or more short and the request's size varies from
//! one connection to the next. [`restore_premaster_length`] puts the missing zero bytes back. The value
//! is unchanged: in little-endian order, high zero bytes sit at the end, just before the zero padding.

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::share::{SEC_ENCRYPT, SEC_LICENSE_PKT};

/// `bMsgType` of a Client New License Request ([MS-RDPBCGR] 2.2.1.12.1.1).
pub const NEW_LICENSE_REQUEST: u8 = 0x13;
/// `wBlobType` of the encrypted premaster secret ([MS-RDPBCGR] 2.2.1.12.1.2).
pub const BB_RANDOM_BLOB: u16 = 0x0002;
/// The zero padding behind the encrypted number ([MS-RDPELE] 5.1.2.1 encrypts and pads it like the
/// client random of [MS-RDPBCGR] 5.3.4.1).
const PADDING: usize = 8;
/// RSA moduli come in whole 64-bit words (512, 1024, 2048 bits, ...): the number is padded up to one.
const WORD: usize = 8;
/// MCS Send Data Request: DomainMCSPDU choice 25, shifted into the top six bits ([T.125] 11.32).
const MCS_SEND_DATA_REQUEST: u8 = 25 << 2;

/// The offsets a rewrite needs, found by [`locate`].
struct Layout {
    /// Offset of the PER length of the MCS user data.
    per_len_at: usize,
    /// Bytes of that PER length (1 or 2).
    per_len_size: usize,
    /// The user data length it holds.
    user_data_len: usize,
    /// Offset of the licensing preamble's `wMsgSize`.
    msg_size_at: usize,
    /// Offset of the blob's `wBlobLen`.
    blob_len_at: usize,
    /// The blob's length.
    blob_len: usize,
}

fn locate(frame: &[u8]) -> Result<Option<Layout>, DecodeError> {
    let mut c = Cursor::new(frame);
    // TPKT ([T.123] 8) and X.224 Data TPDU ([X.224] 13.7).
    if c.u8("tpkt version")? != 3 {
        return Ok(None);
    }
    c.skip(1, "tpkt reserved")?;
    if usize::from(c.u16_be("tpkt length")?) != frame.len() {
        return Ok(None);
    }
    if c.take(3, "x224 data")? != [0x02, 0xf0, 0x80] {
        return Ok(None);
    }
    if c.u8("mcs choice")? & 0xfc != MCS_SEND_DATA_REQUEST {
        return Ok(None);
    }
    c.skip(5, "initiator, channel id, priority")?;
    let per_len_at = c.offset();
    let first = c.u8("per length")?;
    let (per_len_size, user_data_len) = if first & 0x80 != 0 {
        let second = c.u8("per length")?;
        (2, usize::from(first & 0x3f) << 8 | usize::from(second))
    } else {
        (1, usize::from(first))
    };
    // Only a frame whose lengths agree is rewritten.
    if user_data_len != c.remaining() {
        return Ok(None);
    }
    // Basic security header ([MS-RDPBCGR] 2.2.8.1.1.2.1): a licensing PDU in the clear.
    let flags = c.u16_le("security flags")?;
    if flags & SEC_LICENSE_PKT == 0 || flags & SEC_ENCRYPT != 0 {
        return Ok(None);
    }
    c.skip(2, "security flags hi")?;
    // Licensing preamble ([MS-RDPBCGR] 2.2.1.12.1.1).
    if c.u8("license message type")? != NEW_LICENSE_REQUEST {
        return Ok(None);
    }
    c.skip(1, "license flags")?;
    let msg_size_at = c.offset();
    // wMsgSize counts the preamble (4 bytes) and everything after it.
    if usize::from(c.u16_le("wMsgSize")?) != c.remaining() + 4 {
        return Ok(None);
    }
    // PreferredKeyExchangeAlg, PlatformId, ClientRandom ([MS-RDPELE] 2.2.2.2).
    c.skip(4 + 4 + 32, "key exchange, platform, client random")?;
    if c.u16_le("wBlobType")? != BB_RANDOM_BLOB {
        return Ok(None);
    }
    let blob_len_at = c.offset();
    let blob_len = usize::from(c.u16_le("wBlobLen")?);
    let blob = c.take(blob_len, "encrypted premaster secret")?;
    if blob_len <= PADDING || blob.iter().rev().take(PADDING).any(|&b| b != 0) {
        return Ok(None);
    }
    Ok(Some(Layout {
        per_len_at,
        per_len_size,
        user_data_len,
        msg_size_at,
        blob_len_at,
        blob_len,
    }))
}

/// If `frame` is a Client New License Request whose encrypted premaster secret is shorter than a
/// whole number of 64-bit words, the same request with the number's high zero bytes restored (every
/// length field around it updated); otherwise `None`. Never panics, whatever `frame` holds.
///
/// ```
/// # use rdp_probe_wire::licensing::restore_premaster_length;
/// assert_eq!(restore_premaster_length(&[3, 0, 0, 4]), None);
/// ```
pub fn restore_premaster_length(frame: &[u8]) -> Option<Vec<u8>> {
    let layout = locate(frame).ok()??;
    let number = layout.blob_len - PADDING;
    let missing = (WORD - number % WORD) % WORD;
    if missing == 0 {
        return None;
    }
    let user_data_len = layout.user_data_len + missing;
    // The length keeps its form (one byte, or two with the top bit set) unless it outgrows one byte.
    let per_len: Vec<u8> = if user_data_len < 0x80 && layout.per_len_size == 1 {
        vec![u8::try_from(user_data_len).ok()?]
    } else if user_data_len <= 0x3fff {
        let [hi, lo] = u16::try_from(user_data_len).ok()?.to_be_bytes();
        vec![0x80 | hi, lo]
    } else {
        return None;
    };
    let blob_end = layout.blob_len_at + 2 + layout.blob_len;
    let mut out = Vec::with_capacity(frame.len() + missing + 1);
    out.extend_from_slice(frame.get(..layout.per_len_at)?);
    out.extend_from_slice(&per_len);
    out.extend_from_slice(frame.get(layout.per_len_at + layout.per_len_size..blob_end)?);
    out.extend(std::iter::repeat_n(0u8, missing));
    out.extend_from_slice(frame.get(blob_end..)?);
    // Every offset behind the PER length moved by its growth (0 or 1 byte; it never shrinks).
    let shift = per_len.len().saturating_sub(layout.per_len_size);
    let add_le = |out: &mut Vec<u8>, at: usize| -> Option<()> {
        let at = at + shift;
        let field = out.get_mut(at..at + 2)?;
        let value = u16::from_le_bytes([field[0], field[1]]);
        let value = value.checked_add(u16::try_from(missing).ok()?)?;
        field.copy_from_slice(&value.to_le_bytes());
        Some(())
    };
    add_le(&mut out, layout.msg_size_at)?;
    add_le(&mut out, layout.blob_len_at)?;
    let tpkt_len = u16::try_from(out.len()).ok()?;
    out.get_mut(2..4)?.copy_from_slice(&tpkt_len.to_be_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Client New License Request laid out as IronRDP writes it, with `number` as the encrypted
    /// premaster secret and `user` as the user name.
    fn request(number: &[u8], user: &[u8]) -> Vec<u8> {
        let mut license = vec![NEW_LICENSE_REQUEST, 0x03, 0, 0];
        license.extend_from_slice(&1u32.to_le_bytes());
        license.extend_from_slice(&0x0400_0000u32.to_le_bytes());
        license.extend(0..32u8);
        license.extend_from_slice(&BB_RANDOM_BLOB.to_le_bytes());
        license.extend_from_slice(&((number.len() + PADDING) as u16).to_le_bytes());
        license.extend_from_slice(number);
        license.extend(std::iter::repeat_n(0, PADDING));
        license.extend_from_slice(&0x000fu16.to_le_bytes());
        license.extend_from_slice(&(user.len() as u16).to_le_bytes());
        license.extend_from_slice(user);
        let size = license.len() as u16;
        license[2..4].copy_from_slice(&size.to_le_bytes());
        let mut user_data = SEC_LICENSE_PKT.to_le_bytes().to_vec();
        user_data.extend_from_slice(&[0, 0]);
        user_data.extend_from_slice(&license);
        let mut frame = vec![3, 0, 0, 0, 0x02, 0xf0, 0x80, 0x64, 0, 6, 0x03, 0xeb, 0x70];
        if user_data.len() < 0x80 {
            frame.push(user_data.len() as u8);
        } else {
            frame.push(0x80 | (user_data.len() >> 8) as u8);
            frame.push(user_data.len() as u8);
        }
        frame.extend_from_slice(&user_data);
        let len = frame.len() as u16;
        frame[2..4].copy_from_slice(&len.to_be_bytes());
        frame
    }

    /// `n` non-zero bytes.
    fn number(n: usize) -> Vec<u8> {
        (0..n).map(|i| 1 + (i % 250) as u8).collect()
    }

    /// `number` followed by `zeros` zero bytes: the same value, at full length.
    fn widened(number: &[u8], zeros: usize) -> Vec<u8> {
        let mut v = number.to_vec();
        v.extend(std::iter::repeat_n(0, zeros));
        v
    }

    #[test]
    fn a_short_number_gets_its_high_zero_bytes_back() {
        for (short, full) in [(63, 64), (62, 64), (57, 64), (127, 128), (255, 256)] {
            let n = number(short);
            let restored = restore_premaster_length(&request(&n, b"probe\0")).unwrap();
            assert_eq!(
                restored,
                request(&widened(&n, full - short), b"probe\0"),
                "{short}"
            );
        }
    }

    #[test]
    fn a_whole_number_is_left_alone() {
        assert_eq!(
            restore_premaster_length(&request(&number(64), b"probe\0")),
            None
        );
        assert_eq!(
            restore_premaster_length(&request(&number(256), b"probe\0")),
            None
        );
    }

    #[test]
    fn the_per_length_grows_to_two_bytes_when_it_must() {
        // User data: security header 4, preamble 4, 4 + 4 + 32, blob 4 + 63 + 8, user blob 4 + user.
        let user = vec![b'u'; 0x7f - (4 + 4 + 40 + 4 + 63 + 8 + 4)];
        let n = number(63);
        let short = request(&n, &user);
        assert_eq!(short[13], 0x7f, "one-byte PER length");
        let restored = restore_premaster_length(&short).unwrap();
        assert_eq!(restored[13..15], [0x80, 0x80], "two-byte PER length");
        assert_eq!(restored, request(&widened(&n, 1), &user));
    }

    #[test]
    fn other_pdus_and_cut_frames_are_left_alone() {
        let short = request(&number(63), b"probe\0");
        // The security header follows the two-byte PER length.
        assert_eq!(short[13] & 0x80, 0x80);
        let security = 15;
        let mut info = short.clone();
        info[security + 4] = 0x12; // Client License Information
        assert_eq!(restore_premaster_length(&info), None);
        let mut encrypted = short.clone();
        encrypted[security] |= SEC_ENCRYPT as u8;
        assert_eq!(restore_premaster_length(&encrypted), None);
        let mut not_padded = short.clone();
        let padding_at = security + 4 + 4 + 40 + 4 + 63;
        not_padded[padding_at] = 1;
        assert_eq!(restore_premaster_length(&not_padded), None);
        for cut in 0..short.len() {
            assert_eq!(restore_premaster_length(&short[..cut]), None, "{cut}");
        }
    }
}
