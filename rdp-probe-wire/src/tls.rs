//! Plaintext TLS records a probe needs to read or send ([RFC 5246] 6.2.1 record layer,
//! 7.2 alerts, 7.4.1.2 ClientHello, 7.4.1.3 ServerHello).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

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

/// If the first record is a handshake record starting with a ServerHello, return its
/// `(legacy server_version, cipher_suite)` ([RFC 5246] 7.4.1.3). `None` otherwise, or
/// if the hello is cut short within the record.
pub fn parse_server_hello(buf: &[u8]) -> Option<(u16, u16)> {
    let [CONTENT_TYPE_HANDSHAKE, 0x03, _, rl0, rl1, rest @ ..] = buf else {
        return None;
    };
    let rec_len = usize::from(u16::from_be_bytes([*rl0, *rl1]));
    let record = rest.get(..rec_len)?;
    let [HANDSHAKE_SERVER_HELLO, _, _, _, v0, v1, after_version @ ..] = record else {
        return None;
    };
    // 32-byte random, then session id.
    let sid_len = usize::from(*after_version.get(32)?);
    let c0 = *after_version.get(33 + sid_len)?;
    let c1 = *after_version.get(34 + sid_len)?;
    Some((u16::from_be_bytes([*v0, *v1]), u16::from_be_bytes([c0, c1])))
}

fn random_32() -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = RandomState::new().build_hasher();
        h.write_usize(i);
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        for (dst, src) in chunk.iter_mut().zip(h.finish().to_be_bytes()) {
            *dst = src;
        }
    }
    out
}

/// A minimal ClientHello for probing legacy (TLS 1.0 / 1.1) servers ([RFC 2246] 7.4.1.2,
/// [RFC 5246] 7.4.1.2): record version TLS 1.0, `client_version` = `version`, random
/// 32 bytes, empty session id, the given cipher suites (at most 32767), null compression,
/// no extensions.
pub fn legacy_client_hello(version: u16, cipher_suites: &[u16]) -> Vec<u8> {
    let suites = cipher_suites.get(..0x7fff).unwrap_or(cipher_suites);
    let mut hello = Vec::with_capacity(41 + suites.len() * 2);
    hello.extend_from_slice(&version.to_be_bytes());
    hello.extend_from_slice(&random_32());
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

/// Encode a minimal ServerHello record (for tests and the lab) ([RFC 5246] 7.4.1.3).
pub fn server_hello_record(version: u16, cipher: u16, session_id: &[u8]) -> Vec<u8> {
    let sid = session_id.get(..32).unwrap_or(session_id);
    let mut hello = Vec::new();
    hello.extend_from_slice(&version.to_be_bytes());
    hello.extend_from_slice(&[0x5a; 32]);
    hello.push(sid.len() as u8);
    hello.extend_from_slice(sid);
    hello.extend_from_slice(&cipher.to_be_bytes());
    hello.push(0);
    let mut hs = vec![HANDSHAKE_SERVER_HELLO];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut rec = vec![CONTENT_TYPE_HANDSHAKE];
    rec.extend_from_slice(&version.min(TLS1_2).to_be_bytes());
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

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
            parse_server_hello(&legacy_client_hello(TLS1_0, &[0x2f])),
            None
        );
        assert_eq!(parse_server_hello(&alert_record(TLS1_2, 2, 40)), None);
        // Session id length running past the record.
        let mut bad = server_hello_record(TLS1_2, 0x2f, &[]);
        bad[5 + 4 + 2 + 32] = 0xff;
        assert_eq!(parse_server_hello(&bad), None);
    }

    #[test]
    fn client_hello_layout() {
        let h = legacy_client_hello(TLS1_1, &[0x002f, 0x0035, 0x000a]);
        assert_eq!(&h[..3], &[22, 3, 1]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], HANDSHAKE_CLIENT_HELLO);
        assert_eq!(&h[9..11], &[3, 2]);
        assert_eq!(h[43], 0);
        assert_eq!(&h[44..46], &[0, 6]);
        assert_eq!(&h[46..52], &[0, 0x2f, 0, 0x35, 0, 0x0a]);
        assert_eq!(&h[52..], &[1, 0]);
        assert_ne!(h[11..43], legacy_client_hello(TLS1_1, &[0x2f])[11..43]);
    }
}
