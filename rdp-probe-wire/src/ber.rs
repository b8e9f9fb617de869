//! Minimal BER/DER helpers ([X.690]) shared by the MCS and CredSSP decoders.

use crate::DecodeError;
use crate::cursor::Cursor;

/// Read a BER definite length (short form or long form with up to 4 length octets).
/// Indefinite lengths (0x80) and longer forms are reported as unexpected.
pub(crate) fn read_length(c: &mut Cursor<'_>, what: &'static str) -> Result<usize, DecodeError> {
    let at = c.offset();
    let first = c.u8(what)?;
    if first < 0x80 {
        return Ok(usize::from(first));
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 {
        return Err(DecodeError::unexpected(what, at, u32::from(first)));
    }
    let mut len: usize = 0;
    for _ in 0..n {
        len = (len << 8) | usize::from(c.u8(what)?);
    }
    Ok(len)
}

/// Read a single-octet tag and expect `tag`.
pub(crate) fn expect_tag(
    c: &mut Cursor<'_>,
    tag: u8,
    what: &'static str,
) -> Result<(), DecodeError> {
    let at = c.offset();
    let t = c.u8(what)?;
    if t == tag {
        Ok(())
    } else {
        Err(DecodeError::unexpected(what, at, u32::from(t)))
    }
}

/// Read a TLV with a single-octet tag; returns the tag and a cursor over the contents.
pub(crate) fn read_tlv<'a>(
    c: &mut Cursor<'a>,
    what: &'static str,
) -> Result<(u8, Cursor<'a>), DecodeError> {
    let tag = c.u8(what)?;
    let len = read_length(c, what)?;
    let body = c.sub(len, what)?;
    Ok((tag, body))
}

/// Read an element with the expected single-octet tag and return its contents.
pub(crate) fn read_expected<'a>(
    c: &mut Cursor<'a>,
    tag: u8,
    what: &'static str,
) -> Result<Cursor<'a>, DecodeError> {
    expect_tag(c, tag, what)?;
    let len = read_length(c, what)?;
    c.sub(len, what)
}

/// Decode INTEGER contents (1..=8 octets, two's complement) as `i64`.
pub(crate) fn integer_value(body: &Cursor<'_>, what: &'static str) -> Result<i64, DecodeError> {
    let bytes = body.rest();
    if bytes.is_empty() {
        return Err(DecodeError::truncated(what, body.offset(), 1, 0));
    }
    if bytes.len() > 8 {
        return Err(DecodeError::too_large(what, body.offset(), bytes.len(), 8));
    }
    let mut v: i64 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for b in bytes {
        v = (v << 8) | i64::from(*b);
    }
    Ok(v)
}

/// Read an INTEGER TLV (tag 0x02) and return its value truncated to 32 bits
/// (two's complement, so a negative NTSTATUS comes back as its `u32` bit pattern).
pub(crate) fn read_integer_u32(c: &mut Cursor<'_>, what: &'static str) -> Result<u32, DecodeError> {
    let body = read_expected(c, 0x02, what)?;
    integer_value(&body, what).map(|v| v as u32)
}

/// Append a DER length.
pub(crate) fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let sig = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | sig.len() as u8);
        out.extend_from_slice(sig);
    }
}

/// Append a TLV with a single-octet tag.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    write_length(out, body.len());
    out.extend_from_slice(body);
}

/// DER INTEGER contents for a non-negative `u32` (minimal, with a leading zero when
/// the high bit would otherwise make it negative).
pub(crate) fn integer_contents_u32(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let sig = bytes.get(skip..).unwrap_or(&[0]);
    let mut out = Vec::with_capacity(5);
    if sig.first().is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(sig);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [
            0usize, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xff_ffff,
        ] {
            let mut out = Vec::new();
            write_length(&mut out, len);
            let mut c = Cursor::new(&out);
            assert_eq!(read_length(&mut c, "len"), Ok(len), "len {len}");
            assert!(c.is_empty());
        }
    }

    #[test]
    fn indefinite_and_oversized_length_forms_are_rejected() {
        assert!(read_length(&mut Cursor::new(&[0x80]), "len").is_err());
        assert!(read_length(&mut Cursor::new(&[0x85, 1, 1, 1, 1, 1]), "len").is_err());
    }

    #[test]
    fn integers_sign_extend() {
        let enc = |b: &[u8]| {
            let mut v = vec![0x02, b.len() as u8];
            v.extend_from_slice(b);
            read_integer_u32(&mut Cursor::new(&v), "int")
        };
        assert_eq!(enc(&[0x06]), Ok(6));
        assert_eq!(enc(&[0xc0, 0x00, 0x00, 0x6d]), Ok(0xc000_006d));
        assert_eq!(enc(&[0x00, 0xc0, 0x00, 0x00, 0x6d]), Ok(0xc000_006d));
        assert_eq!(enc(&[0xff]), Ok(0xffff_ffff));
        assert!(enc(&[]).is_err());
        assert_eq!(integer_contents_u32(0), vec![0]);
        assert_eq!(integer_contents_u32(6), vec![6]);
        assert_eq!(integer_contents_u32(0x80), vec![0, 0x80]);
        assert_eq!(integer_contents_u32(0xc000_006d), vec![0, 0xc0, 0, 0, 0x6d]);
    }
}
