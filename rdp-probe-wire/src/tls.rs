//! Plaintext TLS records a probe needs to read or send ([RFC 5246] 6.2.1 record layer,
//! 7.2 alerts, 7.4.1.2 ClientHello, 7.4.1.3 ServerHello; [RFC 8446] 4.2.1
//! supported_versions).
//!
//! Like the rest of the crate this module reads no clock and makes no randomness: the
//! ClientHello random is the caller's.

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::frame::{self, FrameLen};

/// Length of a TLS record header: type, version, length ([RFC 5246] 6.2.1).
pub const RECORD_HEADER_LEN: usize = 5;
/// The longest record fragment accepted: 2^14 + 2048 bytes, the `TLSCiphertext` limit
/// ([RFC 5246] 6.2.3).
pub const MAX_RECORD_FRAGMENT_LEN: usize = (1 << 14) + 2048;
/// Record content type `change_cipher_spec`, the lowest defined ([RFC 5246] 6.2.1).
pub const CONTENT_TYPE_CHANGE_CIPHER_SPEC: u8 = 20;
/// Record content type `heartbeat`, the highest defined ([RFC 6520] 3).
pub const CONTENT_TYPE_HEARTBEAT: u8 = 24;
/// Extension type `supported_versions` ([RFC 8446] 4.2.1).
pub const EXTENSION_SUPPORTED_VERSIONS: u16 = 43;
/// The major byte of every SSL 3.0 / TLS record version ([RFC 5246] 6.2.1).
pub const TLS_MAJOR_VERSION: u16 = 0x03;
/// Length of the ClientHello / ServerHello `random` ([RFC 5246] 7.4.1.2).
pub const RANDOM_LEN: usize = 32;

/// Record content type `alert` ([RFC 5246] 6.2.1).
pub const CONTENT_TYPE_ALERT: u8 = 21;
/// Record content type `handshake` ([RFC 5246] 6.2.1).
pub const CONTENT_TYPE_HANDSHAKE: u8 = 22;
/// Handshake type `client_hello` ([RFC 5246] 7.4).
pub const HANDSHAKE_CLIENT_HELLO: u8 = 1;
/// Handshake type `server_hello` ([RFC 5246] 7.4).
pub const HANDSHAKE_SERVER_HELLO: u8 = 2;
/// TLS 1.0 protocol version.
pub const TLS1_0: u16 = 0x0301;
/// TLS 1.1 protocol version.
pub const TLS1_1: u16 = 0x0302;
/// TLS 1.2 protocol version.
pub const TLS1_2: u16 = 0x0303;
/// TLS 1.3 protocol version ([RFC 8446] 4.2.1; in `supported_versions` only).
pub const TLS1_3: u16 = 0x0304;

/// The length of the fragment a record header announces (its last two bytes, big-endian;
/// [RFC 5246] 6.2.1, [RFC 8446] 5.1), whatever the content type: for a reader that only
/// needs to stop at record boundaries.
pub fn fragment_len(header: &[u8; RECORD_HEADER_LEN]) -> usize {
    let [_, _, _, hi, lo] = *header;
    usize::from(u16::from_be_bytes([hi, lo]))
}

/// Length of the TLS record at the start of `buf` ([RFC 5246] 6.2.1): the 5-byte header
/// plus the fragment length it states.
///
/// [`FrameLen::Invalid`] (with [`frame::sniff`]'s reading of the bytes) when the content
/// type is not one of 20..=24; [`FrameLen::TooLarge`] when the fragment claims more than
/// [`MAX_RECORD_FRAGMENT_LEN`]. The record version is not checked.
pub fn record_len(buf: &[u8]) -> FrameLen {
    let Some(&content_type) = buf.first() else {
        return FrameLen::Incomplete { needed_at_least: 1 };
    };
    if !(CONTENT_TYPE_CHANGE_CIPHER_SPEC..=CONTENT_TYPE_HEARTBEAT).contains(&content_type) {
        return FrameLen::Invalid(frame::sniff(buf));
    }
    let [_, _, _, hi, lo, ..] = *buf else {
        return FrameLen::Incomplete {
            needed_at_least: RECORD_HEADER_LEN,
        };
    };
    let fragment = usize::from(u16::from_be_bytes([hi, lo]));
    if fragment > MAX_RECORD_FRAGMENT_LEN {
        return FrameLen::TooLarge {
            claimed: RECORD_HEADER_LEN + fragment,
            max: RECORD_HEADER_LEN + MAX_RECORD_FRAGMENT_LEN,
        };
    }
    let len = RECORD_HEADER_LEN + fragment;
    if buf.len() < len {
        FrameLen::Incomplete {
            needed_at_least: len,
        }
    } else {
        FrameLen::Complete(len)
    }
}

/// A plaintext TLS alert record (content type 21, record length 2): `(level,
/// description)` ([RFC 5246] 7.2), e.g. `(2, 40)` fatal handshake_failure, `(2, 70)`
/// protocol_version, `(2, 49)` access_denied. `None` for anything else, including
/// encrypted alerts (record length other than 2).
pub fn parse_alert_record(buf: &[u8]) -> Option<(u8, u8)> {
    match buf {
        [CONTENT_TYPE_ALERT, 0x03, _, 0x00, 0x02, level, desc, ..] => Some((*level, *desc)),
        _ => None,
    }
}

/// A ServerHello ([RFC 5246] 7.4.1.3, [RFC 8446] 4.1.3), as far as a probe cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` / `server_version`: the negotiated version up to TLS 1.2; 0x0303
    /// in a TLS 1.3 hello, whose version is in [`supported_version`](Self::supported_version).
    pub legacy_version: u16,
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `compression_method` (0 = null).
    pub compression_method: u8,
    /// The `supported_versions` extension's `selected_version`, if the hello has one
    /// ([RFC 8446] 4.2.1).
    pub supported_version: Option<u16>,
}

impl ServerHello {
    /// The version the server chose: `supported_versions` if present, else
    /// `legacy_version`.
    pub fn negotiated_version(&self) -> u16 {
        self.supported_version.unwrap_or(self.legacy_version)
    }
}

/// Decode the ServerHello at the start of the handshake record at the start of `buf`
/// ([RFC 5246] 6.2.1, 7.4, 7.4.1.3; [RFC 8446] 4.1.3). Other handshake messages after
/// it in the same record (Certificate, ServerHelloDone, ...) are not read. The hello's
/// extensions are optional; of them only `supported_versions` is kept.
///
/// Errors: not a handshake record, or not a ServerHello
/// ([`crate::DecodeErrorKind::Unexpected`]); the record or the hello cut short
/// ([`crate::DecodeErrorKind::Truncated`]).
pub fn parse_server_hello_record(buf: &[u8]) -> Result<ServerHello, DecodeError> {
    let mut c = Cursor::new(buf);
    let at = c.offset();
    let content_type = c.u8("tls record content type")?;
    if content_type != CONTENT_TYPE_HANDSHAKE {
        return Err(DecodeError::unexpected(
            "tls record content type",
            at,
            u32::from(content_type),
        ));
    }
    let at = c.offset();
    let version = c.u16_be("tls record version")?;
    if version >> 8 != TLS_MAJOR_VERSION {
        return Err(DecodeError::unexpected(
            "tls record version",
            at,
            u32::from(version),
        ));
    }
    let record_len = usize::from(c.u16_be("tls record length")?);
    let mut record = c.sub(record_len, "tls record fragment")?;
    let at = record.offset();
    let msg_type = record.u8("tls handshake type")?;
    if msg_type != HANDSHAKE_SERVER_HELLO {
        return Err(DecodeError::unexpected(
            "tls handshake type",
            at,
            u32::from(msg_type),
        ));
    }
    let [l0, l1, l2] = record.array("tls handshake length")?;
    let hello_len = usize::try_from(u32::from_be_bytes([0, l0, l1, l2])).unwrap_or(usize::MAX);
    let mut hello = record.sub(hello_len, "server hello")?;
    let legacy_version = hello.u16_be("server hello version")?;
    hello.skip(RANDOM_LEN, "server hello random")?;
    let sid_len = usize::from(hello.u8("server hello session id length")?);
    hello.skip(sid_len, "server hello session id")?;
    let cipher_suite = hello.u16_be("server hello cipher suite")?;
    let compression_method = hello.u8("server hello compression method")?;
    let mut out = ServerHello {
        legacy_version,
        cipher_suite,
        compression_method,
        supported_version: None,
    };
    if hello.is_empty() {
        return Ok(out);
    }
    let ext_len = usize::from(hello.u16_be("server hello extensions length")?);
    let mut exts = hello.sub(ext_len, "server hello extensions")?;
    while !exts.is_empty() {
        let ext_type = exts.u16_be("server hello extension type")?;
        let len = usize::from(exts.u16_be("server hello extension length")?);
        let mut data = exts.sub(len, "server hello extension data")?;
        if ext_type == EXTENSION_SUPPORTED_VERSIONS {
            out.supported_version = Some(data.u16_be("server hello selected version")?);
        }
    }
    Ok(out)
}

/// If the first record is a handshake record starting with a ServerHello, return its
/// `(legacy server_version, cipher_suite)` ([RFC 5246] 7.4.1.3). `None` otherwise, or
/// if the hello is cut short within the record: [`parse_server_hello_record`] with the
/// error dropped and two fields kept.
pub fn parse_server_hello(buf: &[u8]) -> Option<(u16, u16)> {
    parse_server_hello_record(buf)
        .ok()
        .map(|h| (h.legacy_version, h.cipher_suite))
}

/// A minimal ClientHello for probing legacy (TLS 1.0 / 1.1) servers ([RFC 2246] 7.4.1.2,
/// [RFC 5246] 7.4.1.2): record version TLS 1.0, `client_version` = `version`, `random`
/// as given (the caller draws it from a secure source, e.g. the rustls provider's
/// `secure_random`), empty session id, the given cipher suites (at most 32767), null
/// compression, no extensions.
pub fn legacy_client_hello(
    version: u16,
    cipher_suites: &[u16],
    random: &[u8; RANDOM_LEN],
) -> Vec<u8> {
    let suites = cipher_suites.get(..0x7fff).unwrap_or(cipher_suites);
    let mut hello = Vec::with_capacity(41 + suites.len() * 2);
    hello.extend_from_slice(&version.to_be_bytes());
    hello.extend_from_slice(random);
    hello.push(0); // session id
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // compression: null
    let mut hs = Vec::with_capacity(hello.len() + 4);
    hs.push(HANDSHAKE_CLIENT_HELLO);
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut rec = Vec::with_capacity(hs.len() + 5);
    rec.push(CONTENT_TYPE_HANDSHAKE);
    rec.extend_from_slice(&TLS1_0.to_be_bytes());
    rec.extend_from_slice(&((hs.len().min(0xffff)) as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Encode a plaintext alert record (for tests and the lab) ([RFC 5246] 7.2).
pub fn alert_record(version: u16, level: u8, description: u8) -> Vec<u8> {
    let mut r = vec![CONTENT_TYPE_ALERT];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&[0, 2, level, description]);
    r
}

/// Encode a minimal ServerHello record (for tests and the lab) ([RFC 5246] 7.4.1.3):
/// random 0x5a bytes, the session id (at most 32 bytes), null compression, no extensions.
pub fn server_hello_record(version: u16, cipher: u16, session_id: &[u8]) -> Vec<u8> {
    let h = ServerHello {
        legacy_version: version,
        cipher_suite: cipher,
        compression_method: 0,
        supported_version: None,
    };
    hello_record(&h, session_id)
}

/// Encode a ServerHello record that [`parse_server_hello_record`] decodes back to `h`
/// (for tests and the lab) ([RFC 5246] 7.4.1.3, [RFC 8446] 4.2.1): random 0x5a bytes,
/// empty session id, and a `supported_versions` extension when `h` has one.
pub fn encode_server_hello_record(h: &ServerHello) -> Vec<u8> {
    hello_record(h, &[])
}

fn hello_record(h: &ServerHello, session_id: &[u8]) -> Vec<u8> {
    const MAX_SESSION_ID_LEN: usize = 32;
    let sid = session_id.get(..MAX_SESSION_ID_LEN).unwrap_or(session_id);
    let mut hello = Vec::new();
    hello.extend_from_slice(&h.legacy_version.to_be_bytes());
    hello.extend_from_slice(&[0x5a; RANDOM_LEN]);
    hello.push(sid.len() as u8);
    hello.extend_from_slice(sid);
    hello.extend_from_slice(&h.cipher_suite.to_be_bytes());
    hello.push(h.compression_method);
    if let Some(v) = h.supported_version {
        let ext_len: u16 = 2 + 2 + 2;
        hello.extend_from_slice(&ext_len.to_be_bytes());
        hello.extend_from_slice(&EXTENSION_SUPPORTED_VERSIONS.to_be_bytes());
        hello.extend_from_slice(&2u16.to_be_bytes());
        hello.extend_from_slice(&v.to_be_bytes());
    }
    let mut hs = vec![HANDSHAKE_SERVER_HELLO];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut rec = vec![CONTENT_TYPE_HANDSHAKE];
    rec.extend_from_slice(&h.legacy_version.clamp(TLS1_0, TLS1_2).to_be_bytes());
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn fragment_len_reads_the_header_s_last_two_bytes() {
        assert_eq!(fragment_len(&[23, 3, 3, 0x01, 0x02]), 0x0102);
        assert_eq!(fragment_len(&[0xff, 0, 0, 0, 0]), 0);
        let record = [22, 3, 1, 0, 2, 0xaa, 0xbb];
        let header: [u8; RECORD_HEADER_LEN] = [22, 3, 1, 0, 2];
        assert_eq!(
            record_len(&record),
            FrameLen::Complete(RECORD_HEADER_LEN + fragment_len(&header))
        );
    }

    use super::*;
    use crate::frame::Sniff;

    #[test]
    fn alerts() {
        assert_eq!(
            parse_alert_record(&alert_record(TLS1_2, 2, 40)),
            Some((2, 40))
        );
        assert_eq!(
            parse_alert_record(&[21, 3, 1, 0, 2, 2, 70, 0xff]),
            Some((2, 70))
        );
        // Encrypted alert (length 26) is not readable.
        assert_eq!(parse_alert_record(&[21, 3, 3, 0, 26, 1, 2]), None);
        assert_eq!(parse_alert_record(&[22, 3, 3, 0, 2, 2, 40]), None);
        let a = alert_record(TLS1_2, 2, 49);
        for n in 0..a.len() {
            assert_eq!(parse_alert_record(&a[..n]), None);
        }
    }

    #[test]
    fn server_hello() {
        let r = server_hello_record(TLS1_0, 0x002f, &[1; 32]);
        assert_eq!(parse_server_hello(&r), Some((TLS1_0, 0x002f)));
        let r = server_hello_record(TLS1_2, 0xc030, &[]);
        assert_eq!(parse_server_hello(&r), Some((TLS1_2, 0xc030)));
        for n in 0..40 {
            assert_eq!(parse_server_hello(&r[..n]), None, "prefix {n}");
        }
        // Not a server hello.
        assert_eq!(
            parse_server_hello(&legacy_client_hello(TLS1_0, &[0x2f], &[7; 32])),
            None
        );
        assert_eq!(parse_server_hello(&alert_record(TLS1_2, 2, 40)), None);
        // Session id length running past the record.
        let mut bad = server_hello_record(TLS1_2, 0x2f, &[]);
        bad[5 + 4 + 2 + 32] = 0xff;
        assert_eq!(parse_server_hello(&bad), None);
    }

    /// A TLS 1.3 ServerHello record built from [RFC 8446] 4.1.3: legacy_version 0x0303, random,
    /// a 32-byte legacy_session_id_echo, TLS_AES_128_GCM_SHA256, null compression, then key_share
    /// (x25519, 32 bytes) and supported_versions (0x0304). Shared with `tls_scan`'s tests.
    pub(crate) fn rfc8446_server_hello_record() -> Vec<u8> {
        let mut hello = vec![0x03, 0x03];
        hello.extend_from_slice(&[0x11; 32]);
        hello.push(32);
        hello.extend_from_slice(&[0x22; 32]);
        hello.extend_from_slice(&[0x13, 0x01, 0x00]);
        let mut exts = vec![0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20];
        exts.extend_from_slice(&[0x33; 32]);
        exts.extend_from_slice(&[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);
        hello.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        hello.extend_from_slice(&exts);
        let mut rec = vec![22, 3, 3];
        rec.extend_from_slice(&((hello.len() + 4) as u16).to_be_bytes());
        rec.extend_from_slice(&[2, 0]);
        rec.extend_from_slice(&(hello.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hello);
        rec
    }

    /// The ServerHello of [`rfc8446_server_hello_record`] decodes field by field.
    #[test]
    fn tls13_server_hello_with_supported_versions() {
        let mut rec = rfc8446_server_hello_record();
        let h = parse_server_hello_record(&rec).expect("tls 1.3 hello");
        assert_eq!(
            h,
            ServerHello {
                legacy_version: TLS1_2,
                cipher_suite: 0x1301,
                compression_method: 0,
                supported_version: Some(TLS1_3),
            }
        );
        assert_eq!(h.negotiated_version(), TLS1_3);
        assert_eq!(parse_server_hello(&rec), Some((TLS1_2, 0x1301)));
        assert_eq!(
            parse_server_hello_record(&encode_server_hello_record(&h)),
            Ok(h)
        );
        assert_eq!(record_len(&rec), FrameLen::Complete(rec.len()));
        // A truncated extension is an error naming it.
        let n = rec.len();
        rec[3..5].copy_from_slice(&((n - 5 - 1) as u16).to_be_bytes());
        rec[7..9].copy_from_slice(&((n - 9 - 1) as u16).to_be_bytes());
        let e = parse_server_hello_record(&rec[..n - 1]).expect_err("cut");
        assert_eq!(e.what, "server hello extensions");
    }

    /// A TLS 1.0 server sends ServerHello, Certificate and ServerHelloDone in one record.
    #[test]
    fn server_hello_followed_by_more_handshake_messages() {
        let mut rec = server_hello_record(TLS1_0, 0x0035, &[]);
        let cert_and_done = [11, 0, 0, 3, 0, 0, 0, 14, 0, 0, 0];
        rec.extend_from_slice(&cert_and_done);
        let len = (rec.len() - RECORD_HEADER_LEN) as u16;
        rec[3..5].copy_from_slice(&len.to_be_bytes());
        assert_eq!(parse_server_hello(&rec), Some((TLS1_0, 0x0035)));
        assert_eq!(
            parse_server_hello_record(&rec).map(|h| h.supported_version),
            Ok(None)
        );
    }

    #[test]
    fn record_lengths() {
        let a = alert_record(TLS1_2, 2, 40);
        assert_eq!(record_len(&a), FrameLen::Complete(7));
        for n in 0..a.len() {
            let FrameLen::Incomplete { needed_at_least } = record_len(&a[..n]) else {
                panic!("prefix {n}");
            };
            assert!(needed_at_least > n && needed_at_least <= 7, "prefix {n}");
        }
        // 2^14 + 2048 = 0x4800 is the largest fragment accepted.
        assert_eq!(
            record_len(&[23, 3, 3, 0x48, 0x00]),
            FrameLen::Incomplete {
                needed_at_least: 5 + 0x4800
            }
        );
        assert_eq!(
            record_len(&[23, 3, 3, 0x48, 0x01]),
            FrameLen::TooLarge {
                claimed: 5 + 0x4801,
                max: 5 + MAX_RECORD_FRAGMENT_LEN
            }
        );
        assert_eq!(
            record_len(b"HTTP/1.1 400 Bad Request\r\n"),
            FrameLen::Invalid(Sniff::Http)
        );
        assert!(matches!(
            record_len(&[0x19, 3, 3, 0, 0]),
            FrameLen::Invalid(Sniff::Other { .. })
        ));
        assert_eq!(record_len(&[20, 3, 3, 0, 0]), FrameLen::Complete(5));
    }

    #[test]
    fn client_hello_layout() {
        let random: [u8; 32] = core::array::from_fn(|i| i as u8);
        let h = legacy_client_hello(TLS1_1, &[0x002f, 0x0035, 0x000a], &random);
        assert_eq!(&h[..3], &[22, 3, 1]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], HANDSHAKE_CLIENT_HELLO);
        assert_eq!(&h[9..11], &[3, 2]);
        assert_eq!(h[43], 0);
        assert_eq!(&h[44..46], &[0, 6]);
        assert_eq!(&h[46..52], &[0, 0x2f, 0, 0x35, 0, 0x0a]);
        assert_eq!(&h[52..], &[1, 0]);
        assert_eq!(h[11..43], random);
    }
}
