//! The single error type of this crate.

use std::fmt;

/// What went wrong while decoding (see [`DecodeError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ended before the field was complete.
    Truncated {
        /// Bytes the field needed from `offset`.
        needed: usize,
        /// Bytes that were actually available from `offset`.
        available: usize,
    },
    /// A structural value (tag, signature, marker) was not the one this decoder handles.
    /// Values that a peer may legitimately vary (codes, flags) never produce this.
    Unexpected {
        /// The raw value found on the wire.
        found: u32,
    },
    /// A length field claimed more than this decoder accepts.
    TooLarge {
        /// The claimed length.
        claimed: usize,
        /// The cap applied by the decoder.
        max: usize,
    },
}

/// A decoding failure: which field (`what`), at which byte offset of the buffer handed
/// to the public decoding function (`offset`), and why (`kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// Short lowercase name of the field or structure being decoded.
    pub what: &'static str,
    /// Byte offset (from the start of the decoder's input) where the problem was found.
    pub offset: usize,
    /// The kind of problem.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// A truncation error.
    pub fn truncated(what: &'static str, offset: usize, needed: usize, available: usize) -> Self {
        Self {
            what,
            offset,
            kind: DecodeErrorKind::Truncated { needed, available },
        }
    }

    /// An unexpected structural value.
    pub fn unexpected(what: &'static str, offset: usize, found: u32) -> Self {
        Self {
            what,
            offset,
            kind: DecodeErrorKind::Unexpected { found },
        }
    }

    /// A claimed length above the decoder's cap.
    pub fn too_large(what: &'static str, offset: usize, claimed: usize, max: usize) -> Self {
        Self {
            what,
            offset,
            kind: DecodeErrorKind::TooLarge { claimed, max },
        }
    }

    /// True if more input could make this error go away (the input was merely short).
    pub fn is_truncated(&self) -> bool {
        matches!(self.kind, DecodeErrorKind::Truncated { .. })
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DecodeErrorKind::Truncated { needed, available } => write!(
                f,
                "{} truncated at offset {}: need {} bytes, have {}",
                self.what, self.offset, needed, available
            ),
            DecodeErrorKind::Unexpected { found } => write!(
                f,
                "unexpected {} 0x{:x} at offset {}",
                self.what, found, self.offset
            ),
            DecodeErrorKind::TooLarge { claimed, max } => write!(
                f,
                "{} too large at offset {}: claims {} bytes, limit {}",
                self.what, self.offset, claimed, max
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_messages_are_short_and_lowercase() {
        let e = DecodeError::truncated("tpkt header", 0, 4, 2);
        assert_eq!(
            e.to_string(),
            "tpkt header truncated at offset 0: need 4 bytes, have 2"
        );
        assert!(e.is_truncated());
        let e = DecodeError::unexpected("tpkt version", 0, 0x16);
        assert_eq!(e.to_string(), "unexpected tpkt version 0x16 at offset 0");
        assert!(!e.is_truncated());
        let e = DecodeError::too_large("ts request", 1, 100_000, 65_536);
        assert_eq!(
            e.to_string(),
            "ts request too large at offset 1: claims 100000 bytes, limit 65536"
        );
    }
}
