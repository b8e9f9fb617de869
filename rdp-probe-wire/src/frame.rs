//! Framing of the RDP byte stream and classification of unexpected bytes.
//!
//! Slow-path PDUs are framed by a TPKT header (\[T.123\] section 8, \[MS-RDPBCGR\]
//! 2.2.1.1); fast-path output PDUs by the `fpOutputHeader` and its 1- or 2-byte length
//! (\[MS-RDPBCGR\] 2.2.9.1.2).

/// Engine-wide cap on one RDP PDU (a TPKT length can never exceed 65535 anyway).
/// The CredSSP `TSRequest` cap is separate ([`crate::credssp::MAX_TS_REQUEST_LEN`]).
pub const MAX_PDU_LEN: usize = 64 * 1024;

/// Length of a TPKT header ([T.123] section 8).
pub const TPKT_HEADER_LEN: usize = 4;

/// Smallest TPKT frame that can carry an X.224 TPDU: 4-byte TPKT header plus the 3-byte
/// X.224 Data TPDU header ([X.224] 13.7).
pub const MIN_TPKT_LEN: usize = 7;

/// Result of [`rdp_frame_len`] (and [`crate::credssp::ts_request_len`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameLen {
    /// Not enough bytes yet to know (or to hold) the frame; read at least this many
    /// bytes in total (counted from the start of the buffer) before asking again.
    Incomplete {
        /// Total buffer length needed before the next decision can be made.
        needed_at_least: usize,
    },
    /// A complete frame of this many bytes is at the start of the buffer.
    Complete(usize),
    /// The bytes are not an acceptable frame; the sniffed classification says what they
    /// look like instead.
    Invalid(Sniff),
    /// A well-formed header whose length field claims more than the decoder accepts.
    TooLarge {
        /// The frame length the header claims (header included).
        claimed: usize,
        /// The most the decoder accepts.
        max: usize,
    },
}

/// What a buffer looks like, for bytes that arrived where RDP (or CredSSP) was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// First byte 0x03: a TPKT header (slow-path RDP, [T.123] section 8).
    Tpkt,
    /// Low two bits of the first byte zero: an RDP fast-path output header
    /// ([MS-RDPBCGR] 2.2.9.1.2).
    FastPath,
    /// An HTTP response (`HTTP/`), e.g. a web server or an RD Gateway on the port.
    Http,
    /// An SSH server banner (`SSH-`).
    SshBanner,
    /// A TLS record header ([RFC 5246] 6.2.1): content type 0x14..=0x18, version 0x03xx.
    TlsRecord {
        /// Record content type (21 = alert, 22 = handshake).
        content_type: u8,
        /// Record-layer protocol version (e.g. 0x0303).
        version: u16,
    },
    /// No bytes at all.
    Empty,
    /// Anything else; the first (up to) 8 bytes and the total length are kept.
    Other {
        /// The first bytes of the buffer, zero padded.
        first_bytes: [u8; 8],
        /// The buffer length.
        len: usize,
    },
}

/// Classify bytes that arrived where RDP was expected.
///
/// Checks, in order: empty, TLS record header ([RFC 5246] 6.2.1), `HTTP/`, `SSH-`,
/// TPKT ([T.123] section 8), fast-path ([MS-RDPBCGR] 2.2.9.1.2), other.
pub fn sniff(buf: &[u8]) -> Sniff {
    match buf {
        [] => Sniff::Empty,
        [ct @ 0x14..=0x18, 0x03, minor @ 0x00..=0x04, ..] => Sniff::TlsRecord {
            content_type: *ct,
            version: u16::from_be_bytes([0x03, *minor]),
        },
        [b'H', b'T', b'T', b'P', b'/', ..] => Sniff::Http,
        [b'S', b'S', b'H', b'-', ..] => Sniff::SshBanner,
        [0x03, ..] => Sniff::Tpkt,
        [b0, ..] if b0 & 0x03 == 0 => Sniff::FastPath,
        _ => {
            let mut first_bytes = [0u8; 8];
            for (dst, src) in first_bytes.iter_mut().zip(buf) {
                *dst = *src;
            }
            Sniff::Other {
                first_bytes,
                len: buf.len(),
            }
        }
    }
}

/// Length of the RDP frame at the start of `buf`.
///
/// Slow-path: TPKT version byte 3, 16-bit big-endian length including the 4-byte header
/// ([T.123] section 8, [MS-RDPBCGR] 2.2.1.1); lengths below [`MIN_TPKT_LEN`] are invalid.
/// Fast-path: low 2 bits of the first byte 0 (`FASTPATH_OUTPUT_ACTION_FASTPATH`), then
/// a 1-byte length, or a 2-byte length when the high bit of the first length byte is set
/// ([MS-RDPBCGR] 2.2.9.1.2); the length includes the header.
///
/// Bytes that [`sniff`] recognizes as TLS, HTTP or SSH are [`FrameLen::Invalid`] even if
/// their first byte could start a fast-path header.
pub fn rdp_frame_len(buf: &[u8]) -> FrameLen {
    let Some(&b0) = buf.first() else {
        return FrameLen::Incomplete { needed_at_least: 1 };
    };
    let s = sniff(buf);
    match s {
        Sniff::Tpkt => {
            let [_, _, hi, lo, ..] = *buf else {
                return FrameLen::Incomplete {
                    needed_at_least: TPKT_HEADER_LEN,
                };
            };
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if !(MIN_TPKT_LEN..=MAX_PDU_LEN).contains(&len) {
                FrameLen::Invalid(s)
            } else if buf.len() < len {
                FrameLen::Incomplete {
                    needed_at_least: len,
                }
            } else {
                FrameLen::Complete(len)
            }
        }
        Sniff::FastPath => {
            debug_assert_eq!(b0 & 0x03, 0);
            let Some(&l1) = buf.get(1) else {
                return FrameLen::Incomplete { needed_at_least: 2 };
            };
            let (len, header) = if l1 & 0x80 != 0 {
                let Some(&l2) = buf.get(2) else {
                    return FrameLen::Incomplete { needed_at_least: 3 };
                };
                (usize::from(u16::from_be_bytes([l1 & 0x7f, l2])), 3)
            } else {
                (usize::from(l1), 2)
            };
            if len <= header || len > MAX_PDU_LEN {
                FrameLen::Invalid(s)
            } else if buf.len() < len {
                FrameLen::Incomplete {
                    needed_at_least: len,
                }
            } else {
                FrameLen::Complete(len)
            }
        }
        other => FrameLen::Invalid(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [MS-RDPBCGR] 4.1.2 Server X.224 Connection Confirm PDU.
    const CC: [u8; 19] = [
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn tpkt_spec_vector_and_every_prefix() {
        assert_eq!(rdp_frame_len(&CC), FrameLen::Complete(19));
        let mut longer = CC.to_vec();
        longer.extend_from_slice(&[0x03, 0x00]);
        assert_eq!(rdp_frame_len(&longer), FrameLen::Complete(19));
        for n in 0..CC.len() {
            match rdp_frame_len(&CC[..n]) {
                FrameLen::Incomplete { needed_at_least } => {
                    assert!(needed_at_least > n, "prefix {n}");
                    assert!(needed_at_least <= 19);
                }
                other => panic!("prefix {n}: {other:?}"),
            }
        }
    }

    #[test]
    fn tpkt_too_short_is_invalid() {
        assert_eq!(
            rdp_frame_len(&[0x03, 0x00, 0x00, 0x04]),
            FrameLen::Invalid(Sniff::Tpkt)
        );
        assert_eq!(
            rdp_frame_len(&[0x03, 0x00, 0x00, 0x00, 0, 0, 0]),
            FrameLen::Invalid(Sniff::Tpkt)
        );
    }

    #[test]
    fn tpkt_huge_length_asks_for_more_without_allocating() {
        assert_eq!(
            rdp_frame_len(&[0x03, 0x00, 0xff, 0xff]),
            FrameLen::Incomplete {
                needed_at_least: 0xffff
            }
        );
    }

    #[test]
    fn fast_path_short_and_long_lengths() {
        assert_eq!(rdp_frame_len(&[0x00, 0x05, 1, 2, 3]), FrameLen::Complete(5));
        assert_eq!(
            rdp_frame_len(&[0x00, 0x05, 1]),
            FrameLen::Incomplete { needed_at_least: 5 }
        );
        assert_eq!(
            rdp_frame_len(&[0x80]),
            FrameLen::Incomplete { needed_at_least: 2 }
        );
        assert_eq!(
            rdp_frame_len(&[0x80, 0x81]),
            FrameLen::Incomplete { needed_at_least: 3 }
        );
        assert_eq!(
            rdp_frame_len(&[0x80, 0x81, 0x00]),
            FrameLen::Incomplete {
                needed_at_least: 0x100
            }
        );
        let mut long = vec![0x80, 0x81, 0x00];
        long.resize(0x100, 0);
        assert_eq!(rdp_frame_len(&long), FrameLen::Complete(0x100));
        assert_eq!(
            rdp_frame_len(&[0x00, 0x02]),
            FrameLen::Invalid(Sniff::FastPath)
        );
        assert_eq!(
            rdp_frame_len(&[0x00, 0x80, 0x03]),
            FrameLen::Invalid(Sniff::FastPath)
        );
    }

    #[test]
    fn non_rdp_bytes_are_invalid_with_sniff() {
        assert_eq!(
            rdp_frame_len(b"HTTP/1.1 400 Bad Request\r\n"),
            FrameLen::Invalid(Sniff::Http)
        );
        assert_eq!(
            rdp_frame_len(b"SSH-2.0-OpenSSH_9.6\r\n"),
            FrameLen::Invalid(Sniff::SshBanner)
        );
        assert_eq!(
            rdp_frame_len(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]),
            FrameLen::Invalid(Sniff::TlsRecord {
                content_type: 0x15,
                version: 0x0301
            })
        );
        assert_eq!(
            rdp_frame_len(&[0x14, 0x03, 0x03, 0x00, 0x01, 0x01]),
            FrameLen::Invalid(Sniff::TlsRecord {
                content_type: 0x14,
                version: 0x0303
            })
        );
        assert_eq!(
            rdp_frame_len(&[0xff, 0x01]),
            FrameLen::Invalid(Sniff::Other {
                first_bytes: [0xff, 0x01, 0, 0, 0, 0, 0, 0],
                len: 2
            })
        );
        assert_eq!(
            rdp_frame_len(&[]),
            FrameLen::Incomplete { needed_at_least: 1 }
        );
    }

    #[test]
    fn sniff_classifies() {
        assert_eq!(sniff(&[]), Sniff::Empty);
        assert_eq!(sniff(&CC), Sniff::Tpkt);
        assert_eq!(sniff(&[0x00, 0x10]), Sniff::FastPath);
        assert_eq!(sniff(b"HTTP/1.0 200 OK"), Sniff::Http);
        assert_eq!(sniff(b"SSH-2.0-x"), Sniff::SshBanner);
        assert_eq!(
            sniff(&[0x16, 0x03, 0x03, 0x00, 0x5a]),
            Sniff::TlsRecord {
                content_type: 0x16,
                version: 0x0303
            }
        );
        // TLS-looking type byte with a non-TLS version is not a TLS record.
        assert!(matches!(sniff(&[0x16, 0x07, 0x03]), Sniff::Other { .. }));
        assert_eq!(
            sniff(b"220 smtp.example ESMTP ready"),
            Sniff::Other {
                first_bytes: *b"220 smtp",
                len: 28
            }
        );
    }
}
