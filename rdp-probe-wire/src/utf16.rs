//! UTF-16LE text as RDP and NTLM carry it ("Unicode" in the Microsoft specifications).

/// Decode UTF-16LE lossily: unpaired surrogates become U+FFFD, an odd trailing byte is
/// ignored, and at most `max_units` code units are read (the result never grows with a
/// length the peer claims beyond that).
pub(crate) fn decode_lossy(bytes: &[u8], max_units: usize) -> String {
    let units = bytes
        .chunks_exact(2)
        .take(max_units)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Decode a UTF-16LE string that may be null-terminated: the text ends at the first
/// 0x0000 code unit (or at the end of `bytes`), then as [`decode_lossy`].
pub(crate) fn decode_nul_terminated(bytes: &[u8], max_units: usize) -> String {
    let end = bytes
        .chunks_exact(2)
        .position(|pair| pair == [0, 0])
        .map_or(bytes.len(), |units| units * 2);
    decode_lossy(bytes.get(..end).unwrap_or(bytes), max_units)
}

/// Encode `s` as UTF-16LE, without a terminator.
pub(crate) fn encode(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Encode `s` as UTF-16LE followed by a 0x0000 terminator.
pub(crate) fn encode_nul_terminated(s: &str) -> Vec<u8> {
    let mut out = encode(s);
    out.extend_from_slice(&[0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_odd_and_capped() {
        assert_eq!(decode_lossy(&[b'a', 0, b'b', 0, b'c'], 10), "ab");
        assert_eq!(decode_lossy(&[b'a', 0, b'b', 0], 1), "a");
        // Unpaired high surrogate 0xD800.
        assert_eq!(decode_lossy(&[0x00, 0xd8, b'x', 0], 10), "\u{fffd}x");
    }

    #[test]
    fn nul_terminated() {
        assert_eq!(
            decode_nul_terminated(&encode_nul_terminated("héllo"), 64),
            "héllo"
        );
        assert_eq!(decode_nul_terminated(&[b'a', 0, 0, 0, b'b', 0], 64), "a");
        assert_eq!(decode_nul_terminated(&[b'a', 0], 64), "a");
        assert_eq!(decode_nul_terminated(&[], 64), "");
        // A NUL byte pair that straddles two code units is not a terminator.
        assert_eq!(
            decode_nul_terminated(&[0x00, 0x01, 0x00, b'a', 0, 0], 64),
            "\u{100}\u{6100}"
        );
    }
}
