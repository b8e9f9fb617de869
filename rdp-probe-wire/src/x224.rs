//! TPKT + X.224 class 0 TPDUs ([T.123] section 8, [X.224] section 13, [MS-RDPBCGR]
//! 2.2.1.1 and 2.2.1.2).

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::frame::{MIN_TPKT_LEN, TPKT_HEADER_LEN};

/// X.224 TPDU code of a Connection Request ([X.224] 13.3).
pub const TPDU_CONNECTION_REQUEST: u8 = 0xE0;
/// X.224 TPDU code of a Connection Confirm ([X.224] 13.4).
pub const TPDU_CONNECTION_CONFIRM: u8 = 0xD0;
/// X.224 TPDU code of a Disconnect Request ([X.224] 13.5).
pub const TPDU_DISCONNECT_REQUEST: u8 = 0x80;
/// X.224 TPDU code of a Data TPDU ([X.224] 13.7).
pub const TPDU_DATA: u8 = 0xF0;
/// X.224 TPDU code of an Error TPDU ([X.224] 13.12).
pub const TPDU_ERROR: u8 = 0x70;

/// `TYPE_RDP_NEG_REQ` ([MS-RDPBCGR] 2.2.1.1.1).
pub const TYPE_RDP_NEG_REQ: u8 = 0x01;
/// `TYPE_RDP_NEG_RSP` ([MS-RDPBCGR] 2.2.1.2.1).
pub const TYPE_RDP_NEG_RSP: u8 = 0x02;
/// `TYPE_RDP_NEG_FAILURE` ([MS-RDPBCGR] 2.2.1.2.2).
pub const TYPE_RDP_NEG_FAILURE: u8 = 0x03;

/// `PROTOCOL_RDP`: Standard RDP Security ([MS-RDPBCGR] 2.2.1.1.1).
pub const PROTOCOL_RDP: u32 = 0x0000_0000;
/// `PROTOCOL_SSL`: TLS ([MS-RDPBCGR] 2.2.1.1.1).
pub const PROTOCOL_SSL: u32 = 0x0000_0001;
/// `PROTOCOL_HYBRID`: CredSSP ([MS-RDPBCGR] 2.2.1.1.1).
pub const PROTOCOL_HYBRID: u32 = 0x0000_0002;
/// `PROTOCOL_RDSTLS` ([MS-RDPBCGR] 2.2.1.1.1).
pub const PROTOCOL_RDSTLS: u32 = 0x0000_0004;
/// `PROTOCOL_HYBRID_EX`: CredSSP with Early User Authorization Result ([MS-RDPBCGR] 2.2.1.1.1).
pub const PROTOCOL_HYBRID_EX: u32 = 0x0000_0008;
/// `PROTOCOL_RDSAAD` ([MS-RDPBCGR] 2.2.1.1.1).
pub const PROTOCOL_RDSAAD: u32 = 0x0000_0010;

/// The result carried by a Server X.224 Connection Confirm PDU
/// ([MS-RDPBCGR] 2.2.1.2, 2.2.1.2.1 RDP_NEG_RSP, 2.2.1.2.2 RDP_NEG_FAILURE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionConfirm {
    /// RDP_NEG_RSP (type 2): the server selected a protocol ([MS-RDPBCGR] 2.2.1.2.1).
    Response {
        /// Raw flags (`EXTENDED_CLIENT_DATA_SUPPORTED` 0x01, `DYNVC_GFX_PROTOCOL_SUPPORTED`
        /// 0x02, `RESTRICTED_ADMIN_MODE_SUPPORTED` 0x08, ...).
        flags: u8,
        /// Raw `selectedProtocol` (`PROTOCOL_*`), kept even if unknown.
        selected_protocol: u32,
    },
    /// RDP_NEG_FAILURE (type 3): the server refused ([MS-RDPBCGR] 2.2.1.2.2).
    Failure {
        /// Raw flags (unused by the specification).
        flags: u8,
        /// Raw `failureCode` (1 `SSL_REQUIRED_BY_SERVER` ... 6
        /// `SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER`, others kept).
        code: u32,
    },
    /// A confirm without negotiation data: a legacy server (Windows 2000/XP/2003) that
    /// only speaks Standard RDP Security.
    NoNegotiationData,
    /// Negotiation data of a type other than 2 or 3.
    UnknownNegotiation {
        /// Raw `type` byte.
        neg_type: u8,
        /// Raw `flags` byte.
        flags: u8,
        /// Raw 32-bit value that followed the length field.
        value: u32,
    },
}

/// A decoded TPKT-framed X.224 TPDU ([X.224] section 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X224Pdu<'a> {
    /// Connection Confirm (TPDU code 0xD0) ([MS-RDPBCGR] 2.2.1.2).
    ConnectionConfirm(ConnectionConfirm),
    /// Disconnect Request (TPDU code 0x80) with its raw reason byte ([X.224] 13.5).
    Disconnect {
        /// Raw reason byte (0 = not specified, 1 = congestion, 2 = session not attached,
        /// 3 = address unknown, 128 + n = further reasons).
        reason: u8,
    },
    /// Data TPDU (0xF0, [X.224] 13.7): the payload after the TPKT and X.224 data headers,
    /// bounded by the TPKT length.
    Data(&'a [u8]),
    /// Any other TPDU; `tpdu_code` is the raw code byte (credit nibble included).
    Other {
        /// Raw X.224 code byte.
        tpdu_code: u8,
    },
}

/// Read a TPKT header ([T.123] section 8) and return a cursor over the X.224 part,
/// bounded by the TPKT length (trailing bytes of the input are ignored).
pub(crate) fn tpkt_body(buf: &[u8]) -> Result<Cursor<'_>, DecodeError> {
    let mut c = Cursor::new(buf);
    let at = c.offset();
    let version = c.u8("tpkt version")?;
    if version != 3 {
        return Err(DecodeError::unexpected(
            "tpkt version",
            at,
            u32::from(version),
        ));
    }
    c.skip(1, "tpkt reserved byte")?;
    let at = c.offset();
    let len = usize::from(c.u16_be("tpkt length")?);
    if len < MIN_TPKT_LEN {
        return Err(DecodeError::unexpected("tpkt length", at, len as u32));
    }
    c.sub(len - TPKT_HEADER_LEN, "tpkt payload")
}

/// Decode one TPKT frame carrying an X.224 TPDU ([T.123] section 8, [X.224] section 13,
/// [MS-RDPBCGR] 2.2.1.2 for the Connection Confirm and its negotiation data).
///
/// The input must start with the TPKT header; bytes after the TPKT length are ignored.
pub fn parse_x224(tpkt_frame: &[u8]) -> Result<X224Pdu<'_>, DecodeError> {
    let mut c = tpkt_body(tpkt_frame)?;
    let li_at = c.offset();
    let li = usize::from(c.u8("x224 length indicator")?);
    if li < 2 {
        return Err(DecodeError::unexpected(
            "x224 length indicator",
            li_at,
            li as u32,
        ));
    }
    let mut hdr = c.sub(li, "x224 header")?;
    let code = hdr.u8("x224 tpdu code")?;
    match code & 0xF0 {
        TPDU_DATA => Ok(X224Pdu::Data(c.take_rest())),
        TPDU_CONNECTION_CONFIRM => {
            hdr.skip(5, "x224 connection confirm fixed part")?;
            Ok(X224Pdu::ConnectionConfirm(parse_neg_data(&mut hdr)?))
        }
        TPDU_DISCONNECT_REQUEST => {
            hdr.skip(4, "x224 disconnect request references")?;
            let reason = hdr.u8("x224 disconnect reason")?;
            Ok(X224Pdu::Disconnect { reason })
        }
        _ => Ok(X224Pdu::Other { tpdu_code: code }),
    }
}

fn parse_neg_data(c: &mut Cursor<'_>) -> Result<ConnectionConfirm, DecodeError> {
    if c.is_empty() {
        return Ok(ConnectionConfirm::NoNegotiationData);
    }
    let mut neg = c.sub(8, "rdp negotiation data")?;
    let neg_type = neg.u8("rdp negotiation type")?;
    let flags = neg.u8("rdp negotiation flags")?;
    let _length = neg.u16_le("rdp negotiation length")?;
    let value = neg.u32_le("rdp negotiation value")?;
    Ok(match neg_type {
        TYPE_RDP_NEG_RSP => ConnectionConfirm::Response {
            flags,
            selected_protocol: value,
        },
        TYPE_RDP_NEG_FAILURE => ConnectionConfirm::Failure { flags, code: value },
        _ => ConnectionConfirm::UnknownNegotiation {
            neg_type,
            flags,
            value,
        },
    })
}

/// Wrap an X.224 TPDU (starting with its length indicator) into a TPKT frame.
pub(crate) fn tpkt_wrap(x224: &[u8]) -> Vec<u8> {
    let total = (x224.len() + TPKT_HEADER_LEN).min(usize::from(u16::MAX));
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&[3, 0]);
    out.extend_from_slice(&(total as u16).to_be_bytes());
    out.extend_from_slice(x224.get(..total - TPKT_HEADER_LEN).unwrap_or(x224));
    out
}

/// Wrap a payload into TPKT + X.224 Data TPDU headers ([X.224] 13.7).
/// Payloads longer than a TPKT can carry are truncated.
pub fn data_frame(payload: &[u8]) -> Vec<u8> {
    let mut x = Vec::with_capacity(payload.len() + 3);
    x.extend_from_slice(&[0x02, TPDU_DATA, 0x80]);
    x.extend_from_slice(payload);
    tpkt_wrap(&x)
}

/// Longest cookie value accepted by [`connection_request`]: the X.224 length indicator
/// is one byte, so the whole variable part must fit in 254 bytes.
pub const MAX_COOKIE_LEN: usize = 254 - 6 - 8 - "Cookie: mstshash=\r\n".len();

/// Encode a Client X.224 Connection Request PDU ([MS-RDPBCGR] 2.2.1.1) with an optional
/// `Cookie: mstshash=<cookie>` line and an RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1.1)
/// carrying `requested_protocols`.
///
/// Control characters are removed from the cookie, and it is cut to
/// [`MAX_COOKIE_LEN`] bytes (at a character boundary).
pub fn connection_request(requested_protocols: u32, cookie: Option<&str>) -> Vec<u8> {
    let mut neg_req = vec![TYPE_RDP_NEG_REQ, 0x00, 0x08, 0x00];
    neg_req.extend_from_slice(&requested_protocols.to_le_bytes());
    request_with(cookie, &neg_req)
}

/// Encode a Client X.224 Connection Request PDU without negotiation data, as clients before
/// RDP 5.2 send it ([MS-RDPBCGR] 2.2.1.1: `rdpNegReq` is optional): only the optional cookie
/// line. A server that follows [MS-RDPBCGR] 3.3.5.3.2 answers it with a Connection Confirm
/// without negotiation data.
///
/// ```
/// use rdp_probe_wire::x224::{legacy_connection_request, parse_x224, X224Pdu};
/// let cr = legacy_connection_request(Some("root"));
/// assert_eq!(cr.len(), 34); // TPKT 4 + X.224 7 + "Cookie: mstshash=root\r\n" 23
/// assert_eq!(&cr[..6], [3, 0, 0, 34, 29, 0xe0]);
/// assert!(matches!(parse_x224(&cr), Ok(X224Pdu::Other { tpdu_code: 0xe0 })));
/// ```
pub fn legacy_connection_request(cookie: Option<&str>) -> Vec<u8> {
    request_with(cookie, &[])
}

/// A Connection Request TPDU: the cleaned cookie line, then `tail` (the negotiation data or nothing).
fn request_with(cookie: Option<&str>, tail: &[u8]) -> Vec<u8> {
    let mut var = Vec::new();
    if let Some(cookie) = cookie {
        let mut clean = String::new();
        for ch in cookie.chars().filter(|c| !c.is_control()) {
            if clean.len() + ch.len_utf8() > MAX_COOKIE_LEN {
                break;
            }
            clean.push(ch);
        }
        var.extend_from_slice(b"Cookie: mstshash=");
        var.extend_from_slice(clean.as_bytes());
        var.extend_from_slice(b"\r\n");
    }
    var.extend_from_slice(tail);
    let mut x = Vec::with_capacity(var.len() + 7);
    x.push((6 + var.len()) as u8);
    x.extend_from_slice(&[TPDU_CONNECTION_REQUEST, 0, 0, 0, 0, 0]);
    x.extend_from_slice(&var);
    tpkt_wrap(&x)
}

/// Encode a Server X.224 Connection Confirm PDU ([MS-RDPBCGR] 2.2.1.2), source
/// reference 0x1234 as Windows sends it ([MS-RDPBCGR] 4.1.2).
pub fn connection_confirm(cc: &ConnectionConfirm) -> Vec<u8> {
    let neg: Option<(u8, u8, u32)> = match *cc {
        ConnectionConfirm::Response {
            flags,
            selected_protocol,
        } => Some((TYPE_RDP_NEG_RSP, flags, selected_protocol)),
        ConnectionConfirm::Failure { flags, code } => Some((TYPE_RDP_NEG_FAILURE, flags, code)),
        ConnectionConfirm::NoNegotiationData => None,
        ConnectionConfirm::UnknownNegotiation {
            neg_type,
            flags,
            value,
        } => Some((neg_type, flags, value)),
    };
    let mut x = vec![6, TPDU_CONNECTION_CONFIRM, 0x00, 0x00, 0x12, 0x34, 0x00];
    if let Some((t, f, v)) = neg {
        x[0] = 14;
        x.extend_from_slice(&[t, f, 0x08, 0x00]);
        x.extend_from_slice(&v.to_le_bytes());
    }
    tpkt_wrap(&x)
}

/// Encode an X.224 Disconnect Request TPDU ([X.224] 13.5) with a raw reason byte.
pub fn disconnect_request(reason: u8) -> Vec<u8> {
    tpkt_wrap(&[6, TPDU_DISCONNECT_REQUEST, 0x00, 0x00, 0x12, 0x34, reason])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [MS-RDPBCGR] 4.1.2 Server X.224 Connection Confirm PDU (selects PROTOCOL_RDP).
    const SPEC_CC: [u8; 19] = [
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];

    /// [MS-RDPBCGR] 4.1.1 Client X.224 Connection Request PDU (cookie "eltons", PROTOCOL_RDP).
    const SPEC_CR: [u8; 44] = [
        0x03, 0x00, 0x00, 0x2c, 0x27, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x43, 0x6f, 0x6f, 0x6b,
        0x69, 0x65, 0x3a, 0x20, 0x6d, 0x73, 0x74, 0x73, 0x68, 0x61, 0x73, 0x68, 0x3d, 0x65, 0x6c,
        0x74, 0x6f, 0x6e, 0x73, 0x0d, 0x0a, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn spec_connection_confirm() {
        assert_eq!(
            parse_x224(&SPEC_CC),
            Ok(X224Pdu::ConnectionConfirm(ConnectionConfirm::Response {
                flags: 0,
                selected_protocol: PROTOCOL_RDP
            }))
        );
        assert_eq!(
            connection_confirm(&ConnectionConfirm::Response {
                flags: 0,
                selected_protocol: 0
            }),
            SPEC_CC
        );
    }

    #[test]
    fn spec_connection_request_encoder() {
        assert_eq!(connection_request(PROTOCOL_RDP, Some("eltons")), SPEC_CR);
        assert_eq!(
            parse_x224(&SPEC_CR),
            Ok(X224Pdu::Other {
                tpdu_code: TPDU_CONNECTION_REQUEST
            })
        );
    }

    #[test]
    fn connection_request_without_cookie_and_with_hostile_cookie() {
        let cr = connection_request(PROTOCOL_SSL | PROTOCOL_HYBRID, None);
        assert_eq!(
            cr,
            [3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0]
        );
        let cr = connection_request(1, Some("a\r\nb"));
        assert!(cr.windows(4).any(|w| w == b"ab\r\n"));
        let long = "a".repeat(500);
        let cr = connection_request(1, Some(&long));
        assert_eq!(cr.len(), 4 + 1 + 254);
        assert_eq!(usize::from(cr[4]), 254);
        assert_eq!(usize::from(u16::from_be_bytes([cr[2], cr[3]])), cr.len());
        // Multi-byte characters are never split: 221 bytes hold 110 two-byte chars.
        let cr = connection_request(1, Some(&"é".repeat(500)));
        assert_eq!(usize::from(cr[4]), 253);
        let cookie = &cr[11 + 17..cr.len() - 10];
        assert_eq!(
            std::str::from_utf8(cookie).map(|s| s.chars().count()),
            Ok(110)
        );
    }

    #[test]
    fn failure_codes_round_trip_including_unknown() {
        for code in [1u32, 2, 3, 4, 5, 6, 7, 0xdead_beef] {
            let cc = ConnectionConfirm::Failure { flags: 0, code };
            let bytes = connection_confirm(&cc);
            assert_eq!(parse_x224(&bytes), Ok(X224Pdu::ConnectionConfirm(cc)));
        }
        let unk = ConnectionConfirm::UnknownNegotiation {
            neg_type: 9,
            flags: 0x44,
            value: 0x1234_5678,
        };
        assert_eq!(
            parse_x224(&connection_confirm(&unk)),
            Ok(X224Pdu::ConnectionConfirm(unk))
        );
        let rsp = ConnectionConfirm::Response {
            flags: 0x1f,
            selected_protocol: 0x8000_0000,
        };
        assert_eq!(
            parse_x224(&connection_confirm(&rsp)),
            Ok(X224Pdu::ConnectionConfirm(rsp))
        );
    }

    #[test]
    fn legacy_confirm_without_negotiation_data() {
        let bytes = connection_confirm(&ConnectionConfirm::NoNegotiationData);
        assert_eq!(bytes, [3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0]);
        assert_eq!(
            parse_x224(&bytes),
            Ok(X224Pdu::ConnectionConfirm(
                ConnectionConfirm::NoNegotiationData
            ))
        );
    }

    #[test]
    fn short_negotiation_data_is_reported() {
        // LI claims 10 bytes: 4 bytes of a negotiation structure.
        let bytes = [3, 0, 0, 15, 10, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0];
        let e = parse_x224(&bytes).expect_err("short neg data");
        assert_eq!(e.what, "rdp negotiation data");
        assert_eq!(e.offset, 11);
    }

    #[test]
    fn disconnect_and_data_and_other() {
        assert_eq!(
            parse_x224(&disconnect_request(0x81)),
            Ok(X224Pdu::Disconnect { reason: 0x81 })
        );
        let f = data_frame(&[0x21, 0x80]);
        assert_eq!(f, [3, 0, 0, 9, 2, 0xf0, 0x80, 0x21, 0x80]);
        assert_eq!(parse_x224(&f), Ok(X224Pdu::Data(&[0x21, 0x80])));
        // Trailing bytes after the TPKT length are not part of the payload.
        let mut g = f.clone();
        g.extend_from_slice(&[9, 9, 9]);
        assert_eq!(parse_x224(&g), Ok(X224Pdu::Data(&[0x21, 0x80])));
        assert_eq!(
            parse_x224(&[3, 0, 0, 7, 2, 0x70, 0]),
            Ok(X224Pdu::Other { tpdu_code: 0x70 })
        );
    }

    #[test]
    fn malformed_headers_are_errors() {
        let e = parse_x224(&[0x16, 3, 1]).expect_err("tls");
        assert_eq!(e.what, "tpkt version");
        let e = parse_x224(&[3, 0, 0, 3, 0, 0, 0]).expect_err("len");
        assert_eq!(e.what, "tpkt length");
        let e = parse_x224(&[3, 0, 0, 7, 1, 0xf0, 0x80]).expect_err("li");
        assert_eq!(e.what, "x224 length indicator");
        let e = parse_x224(&[3, 0, 0, 7, 200, 0xf0, 0x80]).expect_err("li overflow");
        assert_eq!(e.what, "x224 header");
        assert!(e.is_truncated());
    }

    #[test]
    fn every_prefix_is_an_error_not_a_panic() {
        for frame in [
            SPEC_CC.to_vec(),
            SPEC_CR.to_vec(),
            disconnect_request(3),
            data_frame(&[1, 2, 3]),
        ] {
            for n in 0..frame.len() {
                assert!(parse_x224(&frame[..n]).is_err(), "prefix {n} of {frame:?}");
            }
            assert!(parse_x224(&frame).is_ok());
        }
    }
}
