//! Kerberos messages from a KDC ([RFC 4120]): which message a reply is, and the fields of a
//! KRB-ERROR ([RFC 4120] 5.9.1) that a diagnosis needs.
//!
//! The Kerberos logon itself (AS and TGS exchanges, keys, tickets, the AP-REQ inside SPNEGO) is
//! sspi's and picky-krb's: this module only reads the replies the probe relays from the KDC to
//! the Kerberos client, to name the KDC's `error-code` and where it came from. Nothing here
//! decrypts, checks a checksum, or encodes a Kerberos message.
//!
//! Over TCP every message is preceded by its length as a 4-byte big-endian integer whose high
//! bit is reserved and zero ([RFC 4120] 7.2.2, [`strip_tcp_length`]); over UDP a datagram is
//! one message. Every Kerberos message is an `[APPLICATION n]` tagged SEQUENCE ([RFC 4120]
//! 5.4.1, 5.4.2, 5.5.1, 5.9.1, [`KdcMessage`]).
//!
//! [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120

use crate::DecodeError;
use crate::ber;
use crate::cursor::Cursor;

/// Length of the TCP record mark before every Kerberos message over TCP ([RFC 4120] 7.2.2).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub const TCP_LENGTH_LEN: usize = 4;

/// Cap, in characters, on the realm and on each name component kept from a KRB-ERROR.
pub const MAX_STRING_CHARS: usize = 256;

/// Cap, in characters, on the `e-text` kept from a KRB-ERROR.
pub const MAX_E_TEXT_CHARS: usize = 1024;

/// Cap on the name components kept from a `PrincipalName` (`TERMSRV/host` has two).
pub const MAX_NAME_COMPONENTS: usize = 16;

/// A Kerberos message, by its `[APPLICATION n]` tag ([RFC 4120] 5.4.1, 5.4.2, 5.5.1, 5.9.1).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KdcMessage {
    /// `AS-REQ` (APPLICATION 10).
    AsReq,
    /// `AS-REP` (APPLICATION 11).
    AsRep,
    /// `TGS-REQ` (APPLICATION 12).
    TgsReq,
    /// `TGS-REP` (APPLICATION 13).
    TgsRep,
    /// `AP-REQ` (APPLICATION 14).
    ApReq,
    /// `AP-REP` (APPLICATION 15).
    ApRep,
    /// `KRB-ERROR` (APPLICATION 30).
    KrbError,
    /// Any other APPLICATION tag number (0 to 30), e.g. 22 `KRB-CRED`.
    Unknown(u8),
}

impl KdcMessage {
    /// The message for an APPLICATION tag number.
    pub fn from_tag_number(n: u8) -> KdcMessage {
        match n {
            10 => KdcMessage::AsReq,
            11 => KdcMessage::AsRep,
            12 => KdcMessage::TgsReq,
            13 => KdcMessage::TgsRep,
            14 => KdcMessage::ApReq,
            15 => KdcMessage::ApRep,
            30 => KdcMessage::KrbError,
            n => KdcMessage::Unknown(n),
        }
    }

    /// A stable snake_case name for reports: `as_req`, `as_rep`, `tgs_req`, `tgs_rep`, `ap_req`,
    /// `ap_rep`, `krb_error`, or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            KdcMessage::AsReq => "as_req",
            KdcMessage::AsRep => "as_rep",
            KdcMessage::TgsReq => "tgs_req",
            KdcMessage::TgsRep => "tgs_rep",
            KdcMessage::ApReq => "ap_req",
            KdcMessage::ApRep => "ap_rep",
            KdcMessage::KrbError => "krb_error",
            KdcMessage::Unknown(_) => "unknown",
        }
    }

    /// The name RFC 4120 gives the message, for prose: `AS-REQ`, `TGS-REP`, `KRB-ERROR`, ...
    pub fn rfc_name(self) -> &'static str {
        match self {
            KdcMessage::AsReq => "AS-REQ",
            KdcMessage::AsRep => "AS-REP",
            KdcMessage::TgsReq => "TGS-REQ",
            KdcMessage::TgsRep => "TGS-REP",
            KdcMessage::ApReq => "AP-REQ",
            KdcMessage::ApRep => "AP-REP",
            KdcMessage::KrbError => "KRB-ERROR",
            KdcMessage::Unknown(_) => "Kerberos message",
        }
    }

    /// The APPLICATION tag number of the message.
    pub fn tag_number(self) -> u8 {
        match self {
            KdcMessage::AsReq => 10,
            KdcMessage::AsRep => 11,
            KdcMessage::TgsReq => 12,
            KdcMessage::TgsRep => 13,
            KdcMessage::ApReq => 14,
            KdcMessage::ApRep => 15,
            KdcMessage::KrbError => 30,
            KdcMessage::Unknown(n) => n,
        }
    }
}

/// The fields of a `KRB-ERROR` ([RFC 4120] 5.9.1) a diagnosis uses.
///
/// Values are kept as sent: `error-code` and the integers are raw, strings are decoded lossily and
/// capped, times that are not the 15-character `YYYYMMDDHHMMSSZ` form are `None`. Fields the RFC
/// requires but the KDC left out are `None` (or empty); only `error-code` must be present.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KrbError {
    /// `pvno` \[0\] (5).
    pub pvno: Option<u32>,
    /// `msg-type` \[1\] (30).
    pub msg_type: Option<u32>,
    /// `ctime` \[2\], the client's time echoed back, in seconds since the Unix epoch.
    pub ctime: Option<i64>,
    /// `cusec` \[3\], the microseconds of `ctime`.
    pub cusec: Option<u32>,
    /// `stime` \[4\], the KDC's current time, in seconds since the Unix epoch: with the local
    /// clock, the skew behind `KRB_AP_ERR_SKEW`.
    pub stime: Option<i64>,
    /// `susec` \[5\], the microseconds of `stime`.
    pub susec: Option<u32>,
    /// `error-code` \[6\] ([RFC 4120] 7.5.9), an `Int32` kept as its `u32` two's-complement bit
    /// pattern: -1 is `0xFFFF_FFFF`; an INTEGER longer than 4 octets keeps its low 32 bits, one
    /// longer than 8 octets is an error.
    ///
    /// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
    pub error_code: u32,
    /// `crealm` \[7\], the client's realm.
    pub crealm: Option<String>,
    /// `cname` \[8\], the client's name: the `name-string` components (see `sname`).
    pub cname: Option<Vec<String>>,
    /// The `name-type` of `cname`.
    pub cname_type: Option<i32>,
    /// `realm` \[9\], the realm of the service (empty if the KDC left it out).
    pub realm: String,
    /// `sname` \[10\], the service's name: the components of its `name-string` ([RFC 4120]
    /// 5.2.2), e.g. `["krbtgt", "REALM"]` in an AS exchange or `["TERMSRV", "host"]` for the RDP
    /// server's ticket (`sname.join("/")` writes it as Kerberos does). Decoded lossily, at most
    /// [`MAX_NAME_COMPONENTS`] components of at most [`MAX_STRING_CHARS`] characters; empty if the
    /// KDC left it out.
    ///
    /// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
    pub sname: Vec<String>,
    /// The `name-type` of `sname` as sent (2 `NT-SRV-INST` for both examples), 0 `NT-UNKNOWN`
    /// if absent.
    pub sname_type: i32,
    /// `e-text` \[11\], at most [`MAX_E_TEXT_CHARS`] characters.
    pub e_text: Option<String>,
    /// The length of `e-data` \[12\] (METHOD-DATA, or a Windows `KERB-ERROR-DATA`, [MS-KILE]
    /// 2.2.2), whose contents are not decoded.
    ///
    /// [MS-KILE]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/
    pub e_data_len: Option<usize>,
}

/// A KDC's reply, by kind ([`parse_kdc_reply`], [`parse_kdc_message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KdcReply {
    /// An `AS-REP`: the AS exchange succeeded.
    AsRep,
    /// A `TGS-REP`: the TGS exchange succeeded.
    TgsRep,
    /// A `KRB-ERROR` (boxed: it is far larger than the other variants).
    Error(Box<KrbError>),
    /// Another Kerberos message, which a KDC does not send as a reply.
    Other(KdcMessage),
}

impl KdcReply {
    /// The kind of message the reply is.
    pub fn message(&self) -> KdcMessage {
        match self {
            KdcReply::AsRep => KdcMessage::AsRep,
            KdcReply::TgsRep => KdcMessage::TgsRep,
            KdcReply::Error(_) => KdcMessage::KrbError,
            KdcReply::Other(m) => *m,
        }
    }

    /// The [`KdcMessage::name`] of the reply (`as_rep`, `tgs_rep`, `krb_error`, ...).
    pub fn name(&self) -> &'static str {
        self.message().name()
    }
}

/// The message inside a TCP record ([RFC 4120] 7.2.2): the 4-byte big-endian length, which must
/// have its reserved high bit clear and equal the number of bytes that follow it.
///
/// A buffer shorter than the length claims is [truncated](DecodeError::is_truncated) (read
/// more); bytes beyond it, or the high bit set, are unexpected.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub fn strip_tcp_length(bytes: &[u8]) -> Result<&[u8], DecodeError> {
    let mut c = Cursor::new(bytes);
    let len = c.u32_be("kdc tcp length")?;
    if len & 0x8000_0000 != 0 {
        return Err(DecodeError::unexpected("kdc tcp length", 0, len));
    }
    let msg = c.take(len as usize, "kdc tcp message")?;
    if !c.is_empty() {
        let extra = u32::try_from(c.remaining()).unwrap_or(u32::MAX);
        return Err(DecodeError::unexpected(
            "kdc tcp trailing bytes",
            c.offset(),
            extra,
        ));
    }
    Ok(msg)
}

/// Which Kerberos message `bytes` holds, with or without the TCP length ([`strip_tcp_length`]);
/// `None` when the bytes are not one whole Kerberos message: an `[APPLICATION n]` tag (n below 31)
/// whose definite length spans the rest of the input, around a SEQUENCE that fills it.
///
/// Without the TCP length a message starts with its tag (0x60 to 0x7E); with it, with the high
/// byte of the length, 0 for any message below 16 MiB, so the two forms cannot be confused.
pub fn kdc_message_kind(bytes: &[u8]) -> Option<KdcMessage> {
    match bytes.first() {
        Some(&t) if is_application_tag(t) => message_kind(bytes, 0).ok(),
        _ => {
            let msg = strip_tcp_length(bytes).ok()?;
            message_kind(msg, TCP_LENGTH_LEN).ok()
        }
    }
}

/// Decode a KDC reply received over TCP: strip the length ([`strip_tcp_length`]), then
/// [`parse_kdc_message`]. Error offsets count from the start of `tcp_bytes`.
pub fn parse_kdc_reply(tcp_bytes: &[u8]) -> Result<KdcReply, DecodeError> {
    let msg = strip_tcp_length(tcp_bytes)?;
    reply_at(msg, TCP_LENGTH_LEN)
}

/// Decode one Kerberos message without a TCP length (a UDP datagram, or what
/// [`strip_tcp_length`] returns) as a KDC reply: a `KRB-ERROR` is decoded
/// ([`parse_krb_error`]), other messages are only named.
pub fn parse_kdc_message(msg: &[u8]) -> Result<KdcReply, DecodeError> {
    reply_at(msg, 0)
}

/// Decode a `KRB-ERROR` ([RFC 4120] 5.9.1; `[APPLICATION 30]`, no TCP length) into the fields of
/// [`KrbError`]. Unknown context tags are skipped; `error-code` is required; the message must
/// fill `bytes`.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub fn parse_krb_error(bytes: &[u8]) -> Result<KrbError, DecodeError> {
    krb_error_at(bytes, 0)
}

fn reply_at(msg: &[u8], base: usize) -> Result<KdcReply, DecodeError> {
    Ok(match message_kind(msg, base)? {
        KdcMessage::AsRep => KdcReply::AsRep,
        KdcMessage::TgsRep => KdcReply::TgsRep,
        KdcMessage::KrbError => KdcReply::Error(Box::new(krb_error_at(msg, base)?)),
        other => KdcReply::Other(other),
    })
}

/// An APPLICATION-class, constructed tag in the low-tag-number form (0x60..=0x7E).
fn is_application_tag(t: u8) -> bool {
    t & 0xe0 == 0x60 && t & 0x1f != 0x1f
}

/// The outer `[APPLICATION n] SEQUENCE` of a whole message: its kind and a cursor over the
/// SEQUENCE contents.
fn outer<'a>(msg: &'a [u8], base: usize) -> Result<(KdcMessage, Cursor<'a>), DecodeError> {
    let mut c = Cursor::with_base(msg, base);
    let at = c.offset();
    let tag = c.u8("kdc message tag")?;
    if !is_application_tag(tag) {
        return Err(DecodeError::unexpected(
            "kdc message tag",
            at,
            u32::from(tag),
        ));
    }
    let len = ber::read_length(&mut c, "kdc message length")?;
    let mut body = c.sub(len, "kdc message")?;
    if !c.is_empty() {
        let extra = u32::try_from(c.remaining()).unwrap_or(u32::MAX);
        return Err(DecodeError::unexpected(
            "kdc message trailing bytes",
            c.offset(),
            extra,
        ));
    }
    let seq = ber::read_expected(&mut body, 0x30, "kdc message sequence")?;
    if !body.is_empty() {
        let extra = u32::try_from(body.remaining()).unwrap_or(u32::MAX);
        return Err(DecodeError::unexpected(
            "kdc message trailing bytes",
            body.offset(),
            extra,
        ));
    }
    Ok((KdcMessage::from_tag_number(tag & 0x1f), seq))
}

fn message_kind(msg: &[u8], base: usize) -> Result<KdcMessage, DecodeError> {
    outer(msg, base).map(|(kind, _)| kind)
}

fn krb_error_at(msg: &[u8], base: usize) -> Result<KrbError, DecodeError> {
    let (kind, mut seq) = outer(msg, base)?;
    if kind != KdcMessage::KrbError {
        return Err(DecodeError::unexpected(
            "krb error tag",
            base,
            u32::from(0x60 | kind.tag_number()),
        ));
    }
    let mut error_code = None;
    let mut e = KrbError {
        pvno: None,
        msg_type: None,
        ctime: None,
        cusec: None,
        stime: None,
        susec: None,
        error_code: 0,
        crealm: None,
        cname: None,
        cname_type: None,
        realm: String::new(),
        sname: Vec::new(),
        sname_type: 0,
        e_text: None,
        e_data_len: None,
    };
    while !seq.is_empty() {
        let (tag, mut body) = ber::read_tlv(&mut seq, "krb error field")?;
        match tag {
            0xa0 => e.pvno = Some(ber::read_integer_u32(&mut body, "krb error pvno")?),
            0xa1 => e.msg_type = Some(ber::read_integer_u32(&mut body, "krb error msg type")?),
            0xa2 => e.ctime = kerberos_time(&mut body, "krb error ctime")?,
            0xa3 => e.cusec = Some(ber::read_integer_u32(&mut body, "krb error cusec")?),
            0xa4 => e.stime = kerberos_time(&mut body, "krb error stime")?,
            0xa5 => e.susec = Some(ber::read_integer_u32(&mut body, "krb error susec")?),
            0xa6 => error_code = Some(ber::read_integer_u32(&mut body, "krb error error code")?),
            0xa7 => e.crealm = Some(string(&mut body, "krb error crealm", MAX_STRING_CHARS)?),
            0xa8 => {
                let (name_type, name) = principal_name(&mut body, "krb error cname")?;
                e.cname_type = Some(name_type);
                e.cname = Some(name);
            }
            0xa9 => e.realm = string(&mut body, "krb error realm", MAX_STRING_CHARS)?,
            0xaa => (e.sname_type, e.sname) = principal_name(&mut body, "krb error sname")?,
            0xab => e.e_text = Some(string(&mut body, "krb error e-text", MAX_E_TEXT_CHARS)?),
            0xac => {
                let data = ber::read_expected(&mut body, 0x04, "krb error e-data")?;
                e.e_data_len = Some(data.remaining());
            }
            _ => {}
        }
    }
    e.error_code = error_code.ok_or(DecodeError::truncated(
        "krb error error code",
        seq.offset(),
        1,
        0,
    ))?;
    Ok(e)
}

/// A `KerberosString` / `Realm` (GeneralString, [RFC 4120] 5.2.1): any primitive string TLV,
/// decoded as lossy UTF-8 and cut at `max` characters.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
fn string(c: &mut Cursor<'_>, what: &'static str, max: usize) -> Result<String, DecodeError> {
    let at = c.offset();
    let (tag, mut body) = ber::read_tlv(c, what)?;
    if tag & 0x20 != 0 {
        return Err(DecodeError::unexpected(what, at, u32::from(tag)));
    }
    Ok(String::from_utf8_lossy(body.take_rest())
        .chars()
        .take(max)
        .collect())
}

/// `PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }`
/// as its name-type (0 `NT-UNKNOWN` if absent) and components (at most [`MAX_NAME_COMPONENTS`]).
fn principal_name(
    c: &mut Cursor<'_>,
    what: &'static str,
) -> Result<(i32, Vec<String>), DecodeError> {
    let mut seq = ber::read_expected(c, 0x30, what)?;
    let mut name_type = 0;
    let mut parts = Vec::new();
    while !seq.is_empty() {
        let (tag, mut body) = ber::read_tlv(&mut seq, what)?;
        match tag {
            0xa0 => {
                let int = ber::read_expected(&mut body, 0x02, what)?;
                name_type = ber::integer_value(&int, what)? as i32;
            }
            0xa1 => {
                let mut list = ber::read_expected(&mut body, 0x30, what)?;
                while !list.is_empty() {
                    let s = string(&mut list, what, MAX_STRING_CHARS)?;
                    if parts.len() < MAX_NAME_COMPONENTS {
                        parts.push(s);
                    }
                }
            }
            _ => {}
        }
    }
    Ok((name_type, parts))
}

/// A `KerberosTime` (GeneralizedTime, [RFC 4120] 5.2.3) as seconds since the Unix epoch: the
/// TLV must be well formed, but contents other than `YYYYMMDDHHMMSSZ` give `None`.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
fn kerberos_time(c: &mut Cursor<'_>, what: &'static str) -> Result<Option<i64>, DecodeError> {
    let mut body = ber::read_expected(c, 0x18, what)?;
    Ok(generalized_time(body.take_rest()))
}

/// `YYYYMMDDHHMMSSZ` as seconds since the Unix epoch (`None` for any other form or an
/// impossible date).
fn generalized_time(s: &[u8]) -> Option<i64> {
    let s: &[u8; 15] = s.try_into().ok()?;
    if s[14] != b'Z' {
        return None;
    }
    let mut d = [0i64; 14];
    for (out, b) in d.iter_mut().zip(s.iter()) {
        if !b.is_ascii_digit() {
            return None;
        }
        *out = i64::from(b - b'0');
    }
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0i64, |acc, v| acc * 10 + v);
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let (hour, minute, second) = (num(8..10), num(10..12), num(12..14));
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        ber::write_tlv(&mut out, tag, body);
        out
    }

    fn int(v: &[u8]) -> Vec<u8> {
        tlv(0x02, v)
    }

    fn gs(s: &str) -> Vec<u8> {
        tlv(0x1b, s.as_bytes())
    }

    fn time(s: &str) -> Vec<u8> {
        tlv(0x18, s.as_bytes())
    }

    fn principal(name_type: u8, parts: &[&str]) -> Vec<u8> {
        let strings: Vec<u8> = parts.iter().flat_map(|p| gs(p)).collect();
        let mut body = tlv(0xa0, &int(&[name_type]));
        body.extend(tlv(0xa1, &tlv(0x30, &strings)));
        tlv(0x30, &body)
    }

    fn message(app: u8, fields: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = fields.concat();
        tlv(0x60 | app, &tlv(0x30, &body))
    }

    fn with_tcp_length(msg: &[u8]) -> Vec<u8> {
        let mut out = (msg.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(msg);
        out
    }

    /// A KDC_ERR_PREAUTH_REQUIRED as an AD domain controller sends it, hand-encoded.
    fn preauth_required() -> Vec<u8> {
        message(
            30,
            &[
                tlv(0xa0, &int(&[5])),
                tlv(0xa1, &int(&[30])),
                tlv(0xa4, &time("20240229235959Z")),
                tlv(0xa5, &int(&[0x0a, 0x0c, 0x87])),
                tlv(0xa6, &int(&[25])),
                tlv(0xa9, &gs("CORP.EXAMPLE.COM")),
                tlv(0xaa, &principal(2, &["krbtgt", "CORP.EXAMPLE.COM"])),
                tlv(0xac, &tlv(0x04, &[0x30, 0x03, 0x02, 0x01, 0x00])),
            ],
        )
    }

    /// A KDC_ERR_C_PRINCIPAL_UNKNOWN reply from a KDC, as recorded in picky-krb 0.12.4's tests
    /// (`messages::tests::krb_client_not_found_error`).
    const CLIENT_NOT_FOUND: [u8; 154] = [
        126, 129, 151, 48, 129, 148, 160, 3, 2, 1, 5, 161, 3, 2, 1, 30, 164, 17, 24, 15, 50, 48,
        50, 49, 49, 50, 50, 56, 49, 51, 52, 48, 49, 49, 90, 165, 5, 2, 3, 12, 139, 242, 166, 3, 2,
        1, 6, 167, 13, 27, 11, 69, 88, 65, 77, 80, 76, 69, 46, 67, 79, 77, 168, 21, 48, 19, 160, 3,
        2, 1, 1, 161, 12, 48, 10, 27, 8, 98, 97, 100, 95, 117, 115, 101, 114, 169, 13, 27, 11, 69,
        88, 65, 77, 80, 76, 69, 46, 67, 79, 77, 170, 32, 48, 30, 160, 3, 2, 1, 2, 161, 23, 48, 21,
        27, 6, 107, 114, 98, 116, 103, 116, 27, 11, 69, 88, 65, 77, 80, 76, 69, 46, 67, 79, 77,
        171, 18, 27, 16, 67, 76, 73, 69, 78, 84, 95, 78, 79, 84, 95, 70, 79, 85, 78, 68,
    ];

    #[test]
    fn hand_encoded_preauth_required() {
        let msg = preauth_required();
        let e = parse_krb_error(&msg).expect("decodes");
        assert_eq!(
            e,
            KrbError {
                pvno: Some(5),
                msg_type: Some(30),
                ctime: None,
                cusec: None,
                // 2024-02-29T23:59:59Z
                stime: Some(1_709_251_199),
                susec: Some(0x0a0c87),
                error_code: 25,
                crealm: None,
                cname: None,
                cname_type: None,
                realm: "CORP.EXAMPLE.COM".into(),
                sname: vec!["krbtgt".into(), "CORP.EXAMPLE.COM".into()],
                sname_type: 2,
                e_text: None,
                e_data_len: Some(5),
            }
        );
        assert_eq!(e.sname.join("/"), "krbtgt/CORP.EXAMPLE.COM");
        assert_eq!(kdc_message_kind(&msg), Some(KdcMessage::KrbError));
        let tcp = with_tcp_length(&msg);
        assert_eq!(kdc_message_kind(&tcp), Some(KdcMessage::KrbError));
        assert_eq!(
            parse_kdc_reply(&tcp),
            Ok(KdcReply::Error(Box::new(e.clone())))
        );
        assert_eq!(parse_kdc_message(&msg), Ok(KdcReply::Error(Box::new(e))));
    }

    #[test]
    fn recorded_client_not_found() {
        let e = parse_krb_error(&CLIENT_NOT_FOUND).expect("decodes");
        assert_eq!(e.error_code, 6);
        // 2021-12-28T13:40:11Z
        assert_eq!(e.stime, Some(1_640_698_811));
        assert_eq!(e.susec, Some(0x0c8bf2));
        assert_eq!(e.crealm.as_deref(), Some("EXAMPLE.COM"));
        assert_eq!(e.cname, Some(vec!["bad_user".to_owned()]));
        assert_eq!(e.cname_type, Some(1));
        assert_eq!(e.realm, "EXAMPLE.COM");
        assert_eq!(
            (e.sname_type, e.sname.join("/")),
            (2, "krbtgt/EXAMPLE.COM".into())
        );
        assert_eq!(e.e_text.as_deref(), Some("CLIENT_NOT_FOUND"));
        assert_eq!(e.e_data_len, None);
    }

    #[test]
    fn every_truncation_is_an_error() {
        for msg in [preauth_required(), CLIENT_NOT_FOUND.to_vec()] {
            let tcp = with_tcp_length(&msg);
            for n in 0..msg.len() {
                assert!(parse_krb_error(&msg[..n]).is_err(), "prefix {n}");
                assert!(parse_kdc_message(&msg[..n]).is_err(), "prefix {n}");
                assert_eq!(kdc_message_kind(&msg[..n]), None, "prefix {n}");
            }
            for n in 0..tcp.len() {
                let e = parse_kdc_reply(&tcp[..n]).expect_err("short");
                assert!(e.is_truncated(), "prefix {n}: {e}");
                assert_eq!(kdc_message_kind(&tcp[..n]), None, "prefix {n}");
            }
            // The TCP length claims the whole message: a short message with a corrected length
            // fails inside, not in the framing.
            for n in 0..msg.len() {
                let r = parse_kdc_reply(&with_tcp_length(&msg[..n]));
                assert!(r.is_err(), "corrected prefix {n}");
            }
        }
    }

    #[test]
    fn tcp_length_is_checked() {
        let msg = preauth_required();
        let tcp = with_tcp_length(&msg);
        assert_eq!(strip_tcp_length(&tcp), Ok(&msg[..]));
        let e = strip_tcp_length(&[0, 0, 1]).expect_err("short length");
        assert_eq!(
            e.kind,
            DecodeErrorKind::Truncated {
                needed: 4,
                available: 3
            }
        );
        let mut high = tcp.clone();
        high[0] |= 0x80;
        let e = strip_tcp_length(&high).expect_err("reserved bit");
        assert_eq!((e.what, e.offset), ("kdc tcp length", 0));
        let mut extra = tcp.clone();
        extra.push(0);
        let e = strip_tcp_length(&extra).expect_err("trailing");
        assert_eq!(
            (e.what, e.offset, e.kind),
            (
                "kdc tcp trailing bytes",
                tcp.len(),
                DecodeErrorKind::Unexpected { found: 1 }
            )
        );
        assert_eq!(kdc_message_kind(&extra), None);
        // A huge claim is a truncation, not an allocation.
        let e = strip_tcp_length(&[0x7f, 0xff, 0xff, 0xff, 0x7e]).expect_err("huge");
        assert!(e.is_truncated());
        assert_eq!(strip_tcp_length(&[0, 0, 0, 0]), Ok(&[][..]));
        assert_eq!(kdc_message_kind(&[0, 0, 0, 0]), None);
    }

    #[test]
    fn message_kinds() {
        let cases = [
            (10, KdcMessage::AsReq),
            (11, KdcMessage::AsRep),
            (12, KdcMessage::TgsReq),
            (13, KdcMessage::TgsRep),
            (14, KdcMessage::ApReq),
            (15, KdcMessage::ApRep),
            (30, KdcMessage::KrbError),
            (22, KdcMessage::Unknown(22)),
            (0, KdcMessage::Unknown(0)),
        ];
        let names: Vec<&str> = cases.iter().map(|(_, k)| k.name()).collect();
        assert_eq!(
            names,
            [
                "as_req",
                "as_rep",
                "tgs_req",
                "tgs_rep",
                "ap_req",
                "ap_rep",
                "krb_error",
                "unknown",
                "unknown"
            ]
        );
        for (n, kind) in cases {
            assert_eq!(KdcMessage::from_tag_number(n), kind);
            assert_eq!(kind.tag_number(), n);
            let msg = message(n, &[tlv(0xa0, &int(&[5]))]);
            assert_eq!(kdc_message_kind(&msg), Some(kind), "{n}");
            assert_eq!(kdc_message_kind(&with_tcp_length(&msg)), Some(kind), "{n}");
            let reply = parse_kdc_reply(&with_tcp_length(&msg));
            match kind {
                KdcMessage::AsRep => {
                    assert_eq!(reply, Ok(KdcReply::AsRep));
                    assert_eq!(KdcReply::AsRep.name(), "as_rep");
                }
                KdcMessage::TgsRep => assert_eq!(reply, Ok(KdcReply::TgsRep)),
                // No error-code in this body.
                KdcMessage::KrbError => assert!(reply.is_err()),
                other => assert_eq!(reply, Ok(KdcReply::Other(other))),
            }
        }
        // Not an APPLICATION tag, the high-tag-number form, or not a SEQUENCE inside.
        for bad in [
            tlv(0x30, &[]),
            tlv(0xa0, &tlv(0x30, &[])),
            vec![0x7f, 0x1e, 0x02, 0x30, 0x00],
            tlv(0x7e, &int(&[6])),
            b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
        ] {
            assert_eq!(kdc_message_kind(&bad), None, "{bad:02x?}");
            assert!(parse_kdc_message(&bad).is_err());
        }
        // A SEQUENCE that does not fill the application tag.
        let mut short_seq = tlv(0x30, &[]);
        short_seq.push(0);
        assert_eq!(kdc_message_kind(&tlv(0x7e, &short_seq)), None);
        // An AS-REP is not a KRB-ERROR.
        let e = parse_krb_error(&message(11, &[])).expect_err("as-rep");
        assert_eq!(
            (e.what, e.kind),
            ("krb error tag", DecodeErrorKind::Unexpected { found: 0x6b })
        );
    }

    #[test]
    fn error_code_is_raw() {
        let code = |v: &[u8]| parse_krb_error(&message(30, &[tlv(0xa6, &int(v))]));
        assert_eq!(code(&[24]).map(|e| e.error_code), Ok(24));
        assert_eq!(code(&[0xff]).map(|e| e.error_code), Ok(0xffff_ffff));
        assert_eq!(
            code(&[0x80, 0, 0, 0]).map(|e| e.error_code),
            Ok(0x8000_0000)
        );
        assert_eq!(
            code(&[0x00, 0xff, 0xff, 0xff, 0xff]).map(|e| e.error_code),
            Ok(0xffff_ffff)
        );
        assert_eq!(code(&[0x01, 0, 0, 0, 0x18]).map(|e| e.error_code), Ok(0x18));
        let e = code(&[1; 9]).expect_err("nine octets");
        assert!(matches!(e.kind, DecodeErrorKind::TooLarge { .. }));
        assert!(code(&[]).is_err());
        let e = parse_krb_error(&message(30, &[tlv(0xa0, &int(&[5]))])).expect_err("no code");
        assert_eq!(e.what, "krb error error code");
    }

    #[test]
    fn times_other_than_the_kerberos_form_are_none() {
        let stime = |s: &str| {
            parse_krb_error(&message(30, &[tlv(0xa4, &time(s)), tlv(0xa6, &int(&[37]))]))
                .map(|e| e.stime)
        };
        assert_eq!(stime("19700101000000Z"), Ok(Some(0)));
        assert_eq!(stime("20380119031408Z"), Ok(Some(1 << 31)));
        assert_eq!(stime("19691231235959Z"), Ok(Some(-1)));
        assert_eq!(stime("00000101000000Z"), Ok(Some(-62_167_219_200)));
        assert_eq!(stime("99991231235959Z"), Ok(Some(253_402_300_799)));
        assert_eq!(stime("20240229120000Z"), Ok(Some(1_709_208_000)));
        for bad in [
            "20230229120000Z",
            "21000229120000Z",
            "20241301000000Z",
            "20240100000000Z",
            "20240101240000Z",
            "20240101006000Z",
            "20240101000061Z",
            "20240101000000",
            "20240101000000.5Z",
            "2024010100000Z",
            "2024010100000aZ",
            "20240101000000z",
            "+0240101000000Z",
            "",
        ] {
            assert_eq!(stime(bad), Ok(None), "{bad}");
        }
        // The TLV itself must be a GeneralizedTime.
        let e = parse_krb_error(&message(
            30,
            &[tlv(0xa4, &gs("20240101000000Z")), tlv(0xa6, &int(&[37]))],
        ))
        .expect_err("not a time");
        assert_eq!(e.what, "krb error stime");
    }

    #[test]
    fn unknown_fields_are_skipped_and_strings_capped() {
        let long = "R".repeat(MAX_STRING_CHARS + 10);
        let text = "t".repeat(MAX_E_TEXT_CHARS + 1);
        let many: Vec<String> = (0..MAX_NAME_COMPONENTS + 3)
            .map(|i| i.to_string())
            .collect();
        let parts: Vec<&str> = many.iter().map(String::as_str).collect();
        let msg = message(
            30,
            &[
                tlv(0xa6, &int(&[7])),
                tlv(0xad, &int(&[1])),
                tlv(0x9f, &[]),
                tlv(0xa9, &gs(&long)),
                tlv(0xaa, &principal(2, &parts)),
                tlv(0xab, &tlv(0x0c, text.as_bytes())),
                tlv(0xa8, &principal(1, &["\u{e9}l\u{e8}ve"])),
                tlv(0xa7, &tlv(0x1b, &[0x66, 0xff, 0x6f])),
                tlv(0xa2, &time("20240101000000Z")),
                tlv(0xa3, &int(&[0x01, 0x00])),
            ],
        );
        let e = parse_krb_error(&msg).expect("decodes");
        assert_eq!(e.error_code, 7);
        assert_eq!(e.realm.chars().count(), MAX_STRING_CHARS);
        assert_eq!(e.e_text.map(|t| t.chars().count()), Some(MAX_E_TEXT_CHARS));
        assert_eq!(e.sname.len(), MAX_NAME_COMPONENTS);
        assert_eq!(e.sname.first().map(String::as_str), Some("0"));
        assert_eq!(e.cname, Some(vec!["\u{e9}l\u{e8}ve".to_owned()]));
        assert_eq!(e.crealm.as_deref(), Some("f\u{fffd}o"));
        assert_eq!(e.ctime, Some(1_704_067_200));
        assert_eq!(e.cusec, Some(256));
        // A constructed element where a string belongs is unexpected.
        let e = parse_krb_error(&message(
            30,
            &[tlv(0xa6, &int(&[7])), tlv(0xa9, &tlv(0x30, &[]))],
        ))
        .expect_err("constructed realm");
        assert_eq!(
            (e.what, e.kind),
            (
                "krb error realm",
                DecodeErrorKind::Unexpected { found: 0x30 }
            )
        );
        // A principal name without name-type is NT-UNKNOWN (0).
        let bare = tlv(0x30, &tlv(0xa1, &tlv(0x30, &gs("x"))));
        let e = parse_krb_error(&message(30, &[tlv(0xa6, &int(&[7])), tlv(0xaa, &bare)]))
            .expect("decodes");
        assert_eq!((e.sname_type, e.sname), (0, vec!["x".to_owned()]));
        // Without realm and sname the error still decodes.
        let e = parse_krb_error(&message(30, &[tlv(0xa6, &int(&[7]))])).expect("decodes");
        assert_eq!((e.realm.as_str(), e.sname.len()), ("", 0));
    }

    #[test]
    fn trailing_bytes_and_bad_lengths() {
        let mut msg = preauth_required();
        msg.push(0);
        let e = parse_krb_error(&msg).expect_err("trailing");
        assert_eq!(e.what, "kdc message trailing bytes");
        assert_eq!(kdc_message_kind(&msg), None);
        // Indefinite length.
        assert!(parse_krb_error(&[0x7e, 0x80, 0x30, 0x80, 0, 0, 0, 0]).is_err());
        // A length far beyond the input.
        let e = parse_krb_error(&[0x7e, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30]).expect_err("huge");
        assert!(e.is_truncated());
        // Offsets of parse_kdc_reply count the TCP length.
        let tcp = with_tcp_length(&message(30, &[tlv(0xa0, &int(&[5]))]));
        let e = parse_kdc_reply(&tcp).expect_err("no code");
        assert_eq!((e.what, e.offset), ("krb error error code", tcp.len()));
    }

    /// picky-krb encodes, this module decodes: every field must come back as it went in.
    mod picky_oracle {
        use super::*;
        use picky_asn1::date::GeneralizedTime;
        use picky_asn1::restricted_string::Ia5String;
        use picky_asn1::wrapper::{
            Asn1SequenceOf, ExplicitContextTag0, ExplicitContextTag1, ExplicitContextTag2,
            ExplicitContextTag4, ExplicitContextTag5, ExplicitContextTag6, ExplicitContextTag7,
            ExplicitContextTag8, ExplicitContextTag9, ExplicitContextTag10, ExplicitContextTag11,
            ExplicitContextTag12, GeneralStringAsn1, GeneralizedTimeAsn1, IntegerAsn1,
            OctetStringAsn1, Optional,
        };
        use picky_krb::data_types::PrincipalName as PickyName;
        use picky_krb::messages::{KrbError as PickyKrbError, KrbErrorInner};
        use proptest::prelude::*;

        /// Seconds since the epoch by counting days: an oracle independent of `days_from_civil`.
        fn unix(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> i64 {
            let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let y = i64::from(y);
            let mut days: i64 = if y >= 1970 {
                (1970..y).map(|y| if leap(y) { 366 } else { 365 }).sum()
            } else {
                -(y..1970)
                    .map(|y| if leap(y) { 366 } else { 365 })
                    .sum::<i64>()
            };
            let month_days = [
                31,
                if leap(y) { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            days += month_days.iter().take(usize::from(mo) - 1).sum::<i64>();
            days += i64::from(d) - 1;
            days * 86_400 + i64::from(h) * 3_600 + i64::from(mi) * 60 + i64::from(s)
        }

        type Time = (u16, u8, u8, u8, u8, u8);

        fn gtime(t: Time) -> GeneralizedTimeAsn1 {
            GeneralizedTimeAsn1::from(GeneralizedTime::new(t.0, t.1, t.2, t.3, t.4, t.5).unwrap())
        }

        fn kstr(s: &str) -> GeneralStringAsn1 {
            GeneralStringAsn1::from(Ia5String::from_string(s.to_owned()).unwrap())
        }

        fn pname(name_type: i32, parts: &[String]) -> PickyName {
            PickyName {
                name_type: ExplicitContextTag0::from(IntegerAsn1::from_bytes_be_signed(
                    name_type.to_be_bytes().to_vec(),
                )),
                name_string: ExplicitContextTag1::from(Asn1SequenceOf::from(
                    parts.iter().map(|p| kstr(p)).collect::<Vec<_>>(),
                )),
            }
        }

        #[derive(Debug, Clone)]
        struct Fields {
            ctime: Option<Time>,
            stime: Time,
            susec: u32,
            error_code: u32,
            crealm: Option<String>,
            cname: Option<(i32, Vec<String>)>,
            realm: String,
            sname: (i32, Vec<String>),
            e_text: Option<String>,
            e_data: Option<Vec<u8>>,
        }

        fn encode(f: &Fields) -> Vec<u8> {
            let inner = KrbErrorInner {
                pvno: ExplicitContextTag0::from(IntegerAsn1(vec![5])),
                msg_type: ExplicitContextTag1::from(IntegerAsn1(vec![30])),
                ctime: Optional::from(f.ctime.map(|t| ExplicitContextTag2::from(gtime(t)))),
                // picky-krb 0.12.4 types cusec as a KerberosTime: left out.
                cusec: Optional::from(None),
                stime: ExplicitContextTag4::from(gtime(f.stime)),
                susec: ExplicitContextTag5::from(IntegerAsn1::from_bytes_be_unsigned(
                    f.susec.to_be_bytes().to_vec(),
                )),
                error_code: ExplicitContextTag6::from(f.error_code),
                crealm: Optional::from(
                    f.crealm
                        .as_deref()
                        .map(|r| ExplicitContextTag7::from(kstr(r))),
                ),
                cname: Optional::from(
                    f.cname
                        .as_ref()
                        .map(|(t, p)| ExplicitContextTag8::from(pname(*t, p))),
                ),
                realm: ExplicitContextTag9::from(kstr(&f.realm)),
                sname: ExplicitContextTag10::from(pname(f.sname.0, &f.sname.1)),
                e_text: Optional::from(
                    f.e_text
                        .as_deref()
                        .map(|t| ExplicitContextTag11::from(kstr(t))),
                ),
                e_data: Optional::from(
                    f.e_data
                        .clone()
                        .map(|d| ExplicitContextTag12::from(OctetStringAsn1::from(d))),
                ),
            };
            picky_asn1_der::to_vec(&PickyKrbError::from(inner)).unwrap()
        }

        fn expected(f: &Fields) -> KrbError {
            let t = |t: Time| unix(t.0, t.1, t.2, t.3, t.4, t.5);
            KrbError {
                pvno: Some(5),
                msg_type: Some(30),
                ctime: f.ctime.map(t),
                cusec: None,
                stime: Some(t(f.stime)),
                susec: Some(f.susec),
                error_code: f.error_code,
                crealm: f.crealm.clone(),
                cname: f.cname.as_ref().map(|c| c.1.clone()),
                cname_type: f.cname.as_ref().map(|c| c.0),
                realm: f.realm.clone(),
                sname: f.sname.1.clone(),
                sname_type: f.sname.0,
                e_text: f.e_text.clone(),
                e_data_len: f.e_data.as_ref().map(Vec::len),
            }
        }

        fn time() -> impl Strategy<Value = Time> {
            (1..=9999u16, 1..=12u8, 1..=28u8, 0..24u8, 0..60u8, 0..60u8)
        }

        fn text(max: usize) -> impl Strategy<Value = String> {
            proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
        }

        fn name() -> impl Strategy<Value = (i32, Vec<String>)> {
            (
                any::<i32>(),
                prop::collection::vec(text(40), 0..=MAX_NAME_COMPONENTS),
            )
        }

        fn fields() -> impl Strategy<Value = Fields> {
            (
                (
                    prop::option::of(time()),
                    time(),
                    0..1_000_000u32,
                    any::<u32>(),
                ),
                (
                    prop::option::of(text(64)),
                    prop::option::of(name()),
                    text(64),
                    name(),
                ),
                (
                    prop::option::of(text(300)),
                    prop::option::of(prop::collection::vec(any::<u8>(), 0..300)),
                ),
            )
                .prop_map(
                    |(
                        (ctime, stime, susec, error_code),
                        (crealm, cname, realm, sname),
                        (e_text, e_data),
                    )| Fields {
                        ctime,
                        stime,
                        susec,
                        error_code,
                        crealm,
                        cname,
                        realm,
                        sname,
                        e_text,
                        e_data,
                    },
                )
        }

        fn sample() -> Fields {
            Fields {
                ctime: Some((2025, 3, 1, 8, 0, 1)),
                stime: (2025, 3, 1, 8, 6, 2),
                susec: 999_999,
                error_code: u32::from(37u8),
                crealm: Some("CORP.EXAMPLE.COM".into()),
                cname: Some((1, vec!["alice".into()])),
                realm: "CORP.EXAMPLE.COM".into(),
                sname: (2, vec!["TERMSRV".into(), "rdsh01.corp.example.com".into()]),
                e_text: Some("clock skew too great".into()),
                e_data: Some(vec![0x30, 0x00]),
            }
        }

        #[test]
        fn picky_encoded_skew_error() {
            let f = sample();
            let bytes = encode(&f);
            assert_eq!(parse_krb_error(&bytes), Ok(expected(&f)));
            let mut tcp = (bytes.len() as u32).to_be_bytes().to_vec();
            tcp.extend_from_slice(&bytes);
            assert_eq!(kdc_message_kind(&tcp), Some(KdcMessage::KrbError));
            assert_eq!(
                parse_kdc_reply(&tcp),
                Ok(KdcReply::Error(Box::new(expected(&f))))
            );
            // picky-krb decodes the recorded reply to the same fields.
            let recorded: PickyKrbError = picky_asn1_der::from_bytes(&CLIENT_NOT_FOUND).unwrap();
            assert_eq!(picky_asn1_der::to_vec(&recorded).unwrap(), CLIENT_NOT_FOUND);
            assert_eq!(
                recorded.0.error_code.0,
                parse_krb_error(&CLIENT_NOT_FOUND).unwrap().error_code
            );
        }

        #[test]
        fn impossible_dates_picky_accepts_are_none() {
            // picky-asn1 checks the day only against 1..=32.
            let mut f = sample();
            f.stime = (2023, 2, 30, 0, 0, 0);
            let e = parse_krb_error(&encode(&f)).expect("decodes");
            assert_eq!(e.stime, None);
            assert_eq!(e.error_code, 37);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            #[test]
            fn every_field_round_trips(f in fields()) {
                let bytes = encode(&f);
                prop_assert_eq!(parse_krb_error(&bytes), Ok(expected(&f)));
                prop_assert_eq!(kdc_message_kind(&bytes), Some(KdcMessage::KrbError));
            }

            #[test]
            fn mutations_of_a_real_error_never_panic(
                f in fields(),
                edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                cut in any::<prop::sample::Index>(),
            ) {
                let mut bytes = encode(&f);
                for (at, b) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
                let _ = parse_krb_error(&bytes);
                let _ = kdc_message_kind(&bytes);
                crate::fuzz_oracles::kdc_reply(&bytes);
                let n = cut.index(bytes.len() + 1);
                crate::fuzz_oracles::kdc_reply(&bytes[..n]);
            }
        }
    }

    mod arbitrary_bytes {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            #[test]
            fn never_panic(data in prop::collection::vec(any::<u8>(), 0..400)) {
                let _ = strip_tcp_length(&data);
                let _ = kdc_message_kind(&data);
                let _ = parse_krb_error(&data);
                let _ = parse_kdc_message(&data);
                let _ = parse_kdc_reply(&data);
                crate::fuzz_oracles::kdc_reply(&data);
            }

            #[test]
            fn structured_prefixes_never_panic(
                app in 0..31u8,
                tail in prop::collection::vec(any::<u8>(), 0..300),
            ) {
                // [APPLICATION n] { SEQUENCE { arbitrary } } with consistent lengths, bare and
                // with the TCP length: decoding gets past the framing into the fields.
                let msg = message(app, &[tail]);
                crate::fuzz_oracles::kdc_reply(&msg);
                crate::fuzz_oracles::kdc_reply(&with_tcp_length(&msg));
                prop_assert_eq!(kdc_message_kind(&msg), Some(KdcMessage::from_tag_number(app)));
            }
        }
    }
}
