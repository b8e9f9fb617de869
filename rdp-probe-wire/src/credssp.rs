//! CredSSP `TSRequest` ([MS-CSSP] 2.2.1) and the HYBRID_EX Early User Authorization
//! Result ([MS-RDPBCGR] 2.2.10.2).

use crate::DecodeError;
use crate::ber;
use crate::cursor::Cursor;
use crate::frame::{FrameLen, sniff};

/// Cap on one `TSRequest` (DER SEQUENCE including its header).
pub const MAX_TS_REQUEST_LEN: usize = 64 * 1024;

/// `AUTHZ_SUCCESS` Early User Authorization Result ([MS-RDPBCGR] 2.2.10.2).
pub const AUTHZ_SUCCESS: u32 = 0x0000_0000;
/// `AUTHZ_ACCESS_DENIED` Early User Authorization Result ([MS-RDPBCGR] 2.2.10.2).
pub const AUTHZ_ACCESS_DENIED: u32 = 0x0000_0005;

/// Facts from one `TSRequest` ([MS-CSSP] 2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsRequestInfo<'a> {
    /// `version` \[0\] (2..6 in the wild; any value kept, truncated to 32 bits).
    pub version: u32,
    /// The first `negoToken` of `negoTokens` \[1\] (SPNEGO or raw NTLM), borrowed.
    pub nego_token: Option<&'a [u8]>,
    /// `authInfo` \[2\] present.
    pub has_auth_info: bool,
    /// `pubKeyAuth` \[3\] present.
    pub has_pub_key_auth: bool,
    /// `errorCode` \[4\] (an NTSTATUS, version ≥ 3) as its `u32` two's-complement bit
    /// pattern, e.g. 0xC000006D `STATUS_LOGON_FAILURE`.
    pub error_code: Option<u32>,
    /// `clientNonce` \[5\] present (version ≥ 5).
    pub has_client_nonce: bool,
}

/// Length of the `TSRequest` at the start of `buf` (outer DER SEQUENCE, [MS-CSSP] 2.2.1),
/// capped at [`MAX_TS_REQUEST_LEN`].
///
/// Anything but a SEQUENCE tag (0x30) with a definite length is
/// [`FrameLen::Invalid`] with what the bytes look like ([`crate::frame::sniff`]); a claimed
/// length above the cap is [`FrameLen::TooLarge`].
pub fn ts_request_len(buf: &[u8]) -> FrameLen {
    let Some(&tag) = buf.first() else {
        return FrameLen::Incomplete { needed_at_least: 1 };
    };
    if tag != 0x30 {
        return FrameLen::Invalid(sniff(buf));
    }
    let Some(&l0) = buf.get(1) else {
        return FrameLen::Incomplete { needed_at_least: 2 };
    };
    let (header, len) = if l0 < 0x80 {
        (2usize, usize::from(l0))
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return FrameLen::Invalid(sniff(buf));
        }
        let Some(bytes) = buf.get(2..2 + n) else {
            return FrameLen::Incomplete {
                needed_at_least: 2 + n,
            };
        };
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + n, len)
    };
    let total = header.saturating_add(len);
    if total > MAX_TS_REQUEST_LEN {
        FrameLen::TooLarge {
            claimed: total,
            max: MAX_TS_REQUEST_LEN,
        }
    } else if buf.len() < total {
        FrameLen::Incomplete {
            needed_at_least: total,
        }
    } else {
        FrameLen::Complete(total)
    }
}

/// Decode a `TSRequest` ([MS-CSSP] 2.2.1): `version` \[0\], `negoTokens` \[1\], `authInfo`
/// \[2\], `pubKeyAuth` \[3\], `errorCode` \[4\], `clientNonce` \[5\]. Unknown context tags are
/// skipped; `version` is required.
pub fn parse_ts_request(buf: &[u8]) -> Result<TsRequestInfo<'_>, DecodeError> {
    let mut outer = Cursor::new(buf);
    let at = outer.offset();
    let mut seq = ber::read_expected(&mut outer, 0x30, "ts request sequence")?;
    if seq.remaining() + 2 > MAX_TS_REQUEST_LEN {
        return Err(DecodeError::too_large(
            "ts request sequence",
            at,
            seq.remaining(),
            MAX_TS_REQUEST_LEN,
        ));
    }
    let mut version = None;
    let mut info = TsRequestInfo {
        version: 0,
        nego_token: None,
        has_auth_info: false,
        has_pub_key_auth: false,
        error_code: None,
        has_client_nonce: false,
    };
    while !seq.is_empty() {
        let (tag, mut body) = ber::read_tlv(&mut seq, "ts request field")?;
        match tag {
            0xa0 => version = Some(ber::read_integer_u32(&mut body, "ts request version")?),
            0xa1 => info.nego_token = first_nego_token(&mut body)?,
            0xa2 => info.has_auth_info = true,
            0xa3 => info.has_pub_key_auth = true,
            0xa4 => {
                info.error_code = Some(ber::read_integer_u32(&mut body, "ts request error code")?)
            }
            0xa5 => info.has_client_nonce = true,
            _ => {}
        }
    }
    info.version = version.ok_or(DecodeError::truncated(
        "ts request version",
        seq.offset(),
        1,
        0,
    ))?;
    Ok(info)
}

/// `NegoData ::= SEQUENCE OF SEQUENCE { negoToken \[0\] OCTET STRING }` ([MS-CSSP] 2.2.1.1).
fn first_nego_token<'a>(c: &mut Cursor<'a>) -> Result<Option<&'a [u8]>, DecodeError> {
    let mut list = ber::read_expected(c, 0x30, "ts request nego data")?;
    if list.is_empty() {
        return Ok(None);
    }
    let mut item = ber::read_expected(&mut list, 0x30, "ts request nego data item")?;
    let mut tok = ber::read_expected(&mut item, 0xa0, "ts request nego token")?;
    let mut octets = ber::read_expected(&mut tok, 0x04, "ts request nego token octets")?;
    Ok(Some(octets.take_rest()))
}

/// Encode a `TSRequest` carrying only `version` and one `negoToken` ([MS-CSSP] 2.2.1).
pub fn encode_ts_request_negotiate(version: u32, nego_token: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    ber::write_tlv(&mut v, 0x02, &ber::integer_contents_u32(version));
    let mut body = Vec::new();
    ber::write_tlv(&mut body, 0xa0, &v);
    let mut octets = Vec::with_capacity(nego_token.len() + 8);
    ber::write_tlv(&mut octets, 0x04, nego_token);
    let mut tok = Vec::new();
    ber::write_tlv(&mut tok, 0xa0, &octets);
    let mut item = Vec::new();
    ber::write_tlv(&mut item, 0x30, &tok);
    let mut list = Vec::new();
    ber::write_tlv(&mut list, 0x30, &item);
    ber::write_tlv(&mut body, 0xa1, &list);
    let mut out = Vec::with_capacity(body.len() + 6);
    ber::write_tlv(&mut out, 0x30, &body);
    out
}

/// Encode a `TSRequest` carrying `version` and an `errorCode` ([MS-CSSP] 2.2.1), as a
/// server reports a failed logon (for tests and the lab).
pub fn encode_ts_request_error(version: u32, error_code: u32) -> Vec<u8> {
    let mut body = Vec::new();
    let mut v = Vec::new();
    ber::write_tlv(&mut v, 0x02, &ber::integer_contents_u32(version));
    ber::write_tlv(&mut body, 0xa0, &v);
    let mut e = Vec::new();
    ber::write_tlv(&mut e, 0x02, &error_code.to_be_bytes());
    ber::write_tlv(&mut body, 0xa4, &e);
    let mut out = Vec::new();
    ber::write_tlv(&mut out, 0x30, &body);
    out
}

/// Decode the HYBRID_EX Early User Authorization Result PDU: a 4-byte little-endian
/// code ([MS-RDPBCGR] 2.2.10.2; 0 `AUTHZ_SUCCESS`, 5 `AUTHZ_ACCESS_DENIED`, any value kept).
pub fn parse_early_user_auth_result(buf: &[u8]) -> Result<u32, DecodeError> {
    Cursor::new(buf).u32_le("early user authorization result")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_round_trip_and_length() {
        let token = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 1, 0, 0, 0];
        let req = encode_ts_request_negotiate(6, &token);
        assert_eq!(ts_request_len(&req), FrameLen::Complete(req.len()));
        let info = parse_ts_request(&req).expect("decodes");
        assert_eq!(
            info,
            TsRequestInfo {
                version: 6,
                nego_token: Some(&token),
                has_auth_info: false,
                has_pub_key_auth: false,
                error_code: None,
                has_client_nonce: false
            }
        );
        // Long token forces long-form lengths at every level.
        let big = vec![0x42; 1000];
        let req = encode_ts_request_negotiate(2, &big);
        assert_eq!(ts_request_len(&req), FrameLen::Complete(req.len()));
        assert_eq!(
            parse_ts_request(&req).map(|i| i.nego_token),
            Ok(Some(&big[..]))
        );
        for n in 0..req.len() {
            assert!(
                matches!(ts_request_len(&req[..n]), FrameLen::Incomplete { .. }),
                "prefix {n}"
            );
            assert!(parse_ts_request(&req[..n]).is_err(), "prefix {n}");
        }
    }

    /// Hand-built server TSRequest: version 3, errorCode STATUS_LOGON_FAILURE encoded in
    /// the 5-byte positive form (`02 05 00 c0 00 00 6d`) and in the 4-byte negative form.
    #[test]
    fn error_code_positive_and_negative_encodings() {
        let five = [
            0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01, 0x03, 0xa4, 0x07, 0x02, 0x05, 0x00, 0xc0, 0x00,
            0x00, 0x6d,
        ];
        let four = [
            0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x03, 0xa4, 0x06, 0x02, 0x04, 0xc0, 0x00, 0x00,
            0x6d,
        ];
        for b in [&five[..], &four[..]] {
            assert_eq!(ts_request_len(b), FrameLen::Complete(b.len()));
            let i = parse_ts_request(b).expect("decodes");
            assert_eq!(i.version, 3);
            assert_eq!(i.error_code, Some(0xc000_006d));
            assert_eq!(i.nego_token, None);
        }
        assert_eq!(encode_ts_request_error(3, 0xc000_006d), four);
        for code in [0u32, 1, 0x7fff_ffff, 0x8009_0322, 0xc000_0224] {
            let b = encode_ts_request_error(6, code);
            assert_eq!(parse_ts_request(&b).map(|i| i.error_code), Ok(Some(code)));
        }
    }

    #[test]
    fn presence_flags_and_unknown_fields() {
        // version 6, authInfo, pubKeyAuth, clientNonce, and an unknown [7].
        let b = [
            0x30, 0x15, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa2, 0x02, 0x04, 0x00, 0xa3, 0x02, 0x04,
            0x00, 0xa5, 0x02, 0x04, 0x00, 0xa7, 0x02, 0x05, 0x00,
        ];
        assert_eq!(ts_request_len(&b), FrameLen::Complete(b.len()));
        let i = parse_ts_request(&b).expect("decodes");
        assert_eq!(i.version, 6);
        assert!(i.has_auth_info && i.has_pub_key_auth && i.has_client_nonce);
        assert_eq!(i.error_code, None);
    }

    #[test]
    fn missing_version_and_garbage() {
        let e = parse_ts_request(&[0x30, 0x00]).expect_err("no version");
        assert_eq!(e.what, "ts request version");
        let e = parse_ts_request(b"HTTP/1.1 400").expect_err("http");
        assert_eq!(e.what, "ts request sequence");
        assert_eq!(
            ts_request_len(b"HTTP/1.1 400"),
            FrameLen::Invalid(crate::frame::Sniff::Http)
        );
        assert_eq!(
            ts_request_len(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31]),
            FrameLen::Invalid(crate::frame::Sniff::TlsRecord {
                content_type: 0x15,
                version: 0x0303
            })
        );
    }

    #[test]
    fn huge_claims_are_rejected_without_allocation() {
        assert!(matches!(
            ts_request_len(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            FrameLen::TooLarge {
                claimed: 0xffff_ffff_usize..,
                max: MAX_TS_REQUEST_LEN
            }
        ));
        assert!(matches!(
            ts_request_len(&[0x30, 0x83, 0x01, 0x00, 0x00]),
            FrameLen::TooLarge {
                claimed: 0x1_0005,
                ..
            }
        ));
        assert_eq!(
            ts_request_len(&[0x30, 0x82, 0xff, 0x00]),
            FrameLen::Incomplete {
                needed_at_least: 0xff04
            }
        );
        assert!(matches!(
            ts_request_len(&[0x30, 0x80]),
            FrameLen::Invalid(_)
        ));
        let e = parse_ts_request(&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0xa0]).expect_err("huge");
        assert!(e.is_truncated());
    }

    #[test]
    fn early_user_auth_result_any_value() {
        assert_eq!(
            parse_early_user_auth_result(&[0, 0, 0, 0]),
            Ok(AUTHZ_SUCCESS)
        );
        assert_eq!(
            parse_early_user_auth_result(&[5, 0, 0, 0]),
            Ok(AUTHZ_ACCESS_DENIED)
        );
        assert_eq!(
            parse_early_user_auth_result(&[1, 2, 3, 4, 5]),
            Ok(0x0403_0201)
        );
        for n in 0..4 {
            assert!(parse_early_user_auth_result(&[0; 4][..n]).is_err());
        }
    }
}
