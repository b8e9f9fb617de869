//! A small bounds-checked reader used by every decoder in this crate.
//!
//! Every read either returns the requested bytes or a [`DecodeError`] naming the field
//! and the absolute offset; nothing here can panic or index out of bounds.

use crate::DecodeError;

/// Bounds-checked forward reader over a borrowed byte slice.
///
/// `base` is the absolute offset of `buf\[0\]` in the caller's original input, so errors
/// from nested sub-cursors still report offsets relative to the top-level buffer.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf` (absolute offset 0).
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A cursor whose first byte sits at absolute offset `base`.
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte to be read.
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Number of unread bytes.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// Consume and return the next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let rest = self.rest();
        match rest.get(..n) {
            Some(s) => {
                self.pos = self.pos.saturating_add(n);
                Ok(s)
            }
            None => Err(DecodeError::truncated(what, self.offset(), n, rest.len())),
        }
    }

    /// Consume every unread byte.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let rest = self.rest();
        self.pos = self.buf.len();
        rest
    }

    /// Consume the next `n` bytes as a nested cursor that keeps absolute offsets.
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Cursor<'a>, DecodeError> {
        let base = self.offset();
        let s = self.take(n, what)?;
        Ok(Cursor::with_base(s, base))
    }

    /// Skip `n` bytes.
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), DecodeError> {
        self.take(n, what).map(|_| ())
    }

    /// Consume a fixed-size array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let at = self.offset();
        let s = self.take(N, what)?;
        <[u8; N]>::try_from(s).map_err(|_| DecodeError::truncated(what, at, N, s.len()))
    }

    /// Look at the next byte without consuming it.
    pub fn peek_u8(&self, what: &'static str) -> Result<u8, DecodeError> {
        self.rest()
            .first()
            .copied()
            .ok_or_else(|| DecodeError::truncated(what, self.offset(), 1, 0))
    }

    /// Read one byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Read a little-endian `u16`.
    pub fn u16_le(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array(what).map(u16::from_le_bytes)
    }

    /// Read a big-endian `u16`.
    pub fn u16_be(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array(what).map(u16::from_be_bytes)
    }

    /// Read a little-endian `u32`.
    pub fn u32_le(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// Read a big-endian `u32`.
    pub fn u32_be(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array(what).map(u32::from_be_bytes)
    }

    /// Read a little-endian `u64`.
    pub fn u64_le(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.array(what).map(u64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;

    #[test]
    fn reads_and_reports_offsets() {
        let mut c = Cursor::with_base(&[1, 2, 3, 4, 5, 6, 7], 10);
        assert_eq!(c.u8("a"), Ok(1));
        assert_eq!(c.u16_be("b"), Ok(0x0203));
        assert_eq!(c.offset(), 13);
        let mut sub = c.sub(2, "s").expect("sub");
        assert_eq!(sub.u16_le("c"), Ok(0x0504));
        let e = sub.u8("d").expect_err("empty sub");
        assert_eq!(e.offset, 15);
        assert_eq!(
            e.kind,
            DecodeErrorKind::Truncated {
                needed: 1,
                available: 0
            }
        );
        let e = c.u32_le("e").expect_err("short");
        assert_eq!(e.what, "e");
        assert_eq!(e.offset, 15);
        assert_eq!(c.remaining(), 2);
        assert_eq!(c.take_rest(), &[6, 7]);
        assert!(c.is_empty());
    }

    #[test]
    fn huge_take_is_an_error_not_a_panic() {
        let mut c = Cursor::new(&[0; 4]);
        c.skip(2, "x").expect("skip");
        let e = c.take(usize::MAX, "huge").expect_err("huge");
        assert_eq!(
            e.kind,
            DecodeErrorKind::Truncated {
                needed: usize::MAX,
                available: 2
            }
        );
        assert_eq!(c.remaining(), 2);
    }
}
