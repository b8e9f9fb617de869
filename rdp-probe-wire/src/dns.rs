//! DNS SRV lookups for the KDC ([RFC 1035], [RFC 2782]): the query rdp-probe sends to a resolver
//! and a tolerant decoder of the reply.
//!
//! Without `--kdc`, rdp-probe finds a KDC of the realm the way the Windows DC locator does
//! ([MS-ADTS] 6.3.2.3, [RFC 4120] 7.2.3.2): from the SRV records of `_kerberos._tcp.<REALM>`
//! ([`kerberos_srv_name`]). The driver sends one [`srv_query`] over UDP to a resolver and hands
//! the reply to the engine, which decodes it with [`parse_srv_response`] and tries the targets in
//! the order [`order_srv`] gives.
//!
//! The query is a standard query with recursion desired and no EDNS, so a resolver's reply over
//! UDP is at most [`MAX_UDP_PAYLOAD`] bytes; a reply with more records than fit has the TC bit set
//! ([`SrvResponse::truncated`]) and the records that did fit.
//!
//! Like every decoder of this crate, [`parse_srv_response`] never panics and never allocates in
//! proportion to a count the peer claims: it keeps at most [`MAX_SRV_RECORDS`] records, follows at
//! most [`MAX_POINTER_HOPS`] compression pointers per name and stops a name at [`MAX_NAME_LEN`]
//! encoded bytes.
//!
//! [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
//! [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
//! [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
//! [MS-ADTS]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/

use std::fmt;

use crate::DecodeError;
use crate::cursor::Cursor;

/// Length of the DNS message header ([RFC 1035] 4.1.1).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const HEADER_LEN: usize = 12;

/// The largest DNS message over UDP without EDNS ([RFC 1035] 4.2.1): a resolver answering
/// [`srv_query`] sends at most this many bytes and sets the TC bit when the answer did not fit.
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const MAX_UDP_PAYLOAD: usize = 512;

/// Resource record type `A`, an IPv4 address ([RFC 1035] 3.2.2).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const TYPE_A: u16 = 1;

/// Resource record type `SRV` ([RFC 2782]).
///
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
pub const TYPE_SRV: u16 = 33;

/// Class `IN`, the Internet ([RFC 1035] 3.2.4).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const CLASS_IN: u16 = 1;

/// Header flag QR: the message is a response.
pub const FLAG_QR: u16 = 0x8000;
/// Header flag AA: authoritative answer.
pub const FLAG_AA: u16 = 0x0400;
/// Header flag TC: the message was truncated to fit the transport.
pub const FLAG_TC: u16 = 0x0200;
/// Header flag RD: recursion desired.
pub const FLAG_RD: u16 = 0x0100;
/// Header flag RA: recursion available.
pub const FLAG_RA: u16 = 0x0080;
/// Position of the 4-bit OPCODE in the header flags.
pub const OPCODE_SHIFT: u32 = 11;
/// Mask of the OPCODE once shifted down by [`OPCODE_SHIFT`].
pub const OPCODE_MASK: u16 = 0x000f;
/// Mask of the 4-bit RCODE in the header flags.
pub const RCODE_MASK: u16 = 0x000f;

/// OPCODE 0, a standard query.
pub const OPCODE_QUERY: u8 = 0;

/// RCODE 0: no error.
pub const RCODE_NOERROR: u8 = 0;
/// RCODE 1: the server could not interpret the query.
pub const RCODE_FORMERR: u8 = 1;
/// RCODE 2: the server failed to process the query.
pub const RCODE_SERVFAIL: u8 = 2;
/// RCODE 3: the name does not exist (NXDOMAIN).
pub const RCODE_NXDOMAIN: u8 = 3;
/// RCODE 4: the server does not implement this kind of query.
pub const RCODE_NOTIMP: u8 = 4;
/// RCODE 5: the server refuses to answer.
pub const RCODE_REFUSED: u8 = 5;

/// Largest length of one label ([RFC 1035] 2.3.4).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const MAX_LABEL_LEN: usize = 63;

/// Largest encoded length of a name, its length bytes and the final root byte included
/// ([RFC 1035] 2.3.4); written with dots, a name has at most 253 characters.
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const MAX_NAME_LEN: usize = 255;

/// Compression pointers followed in one name before it is taken for a loop.
pub const MAX_POINTER_HOPS: usize = 32;

/// SRV records kept from one response; more are counted in [`SrvResponse::other_answers`].
pub const MAX_SRV_RECORDS: usize = 64;

/// The service and protocol labels of the KDC's SRV records over TCP ([RFC 4120] 7.2.3.2).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
pub const KERBEROS_TCP_SERVICE: &str = "_kerberos._tcp";

/// The two top bits of a label's length byte: `00` a label, `11` a compression pointer
/// ([RFC 1035] 4.1.4); `01` and `10` (extended label types) are not handled.
const LABEL_TYPE_MASK: u8 = 0xc0;
/// A label (the length is in the low six bits).
const LABEL_TYPE_NORMAL: u8 = 0x00;
/// A compression pointer (the offset is in the low 14 bits of two bytes).
const LABEL_TYPE_POINTER: u8 = 0xc0;
/// The offset bits of a compression pointer.
const POINTER_OFFSET_MASK: u16 = 0x3fff;
/// Length of a compression pointer.
const POINTER_LEN: usize = 2;
/// The root label that ends every name.
const ROOT_LABEL: u8 = 0;
/// Separator of labels in a written name.
const LABEL_SEPARATOR: char = '.';
/// What a label byte that is not printable ASCII (or is a dot) becomes in a decoded name.
const LOSSY_CHAR: char = '?';

/// QTYPE and QCLASS after a question's name.
const QUESTION_FIXED_LEN: usize = 4;
/// The QDCOUNT of [`srv_query`].
const ONE_QUESTION: u16 = 1;
/// The ANCOUNT, NSCOUNT and ARCOUNT of [`srv_query`].
const NO_RECORDS: u16 = 0;

/// The well-known name of an RCODE (`NOERROR`, `FORMERR`, `SERVFAIL`, `NXDOMAIN`, `NOTIMP`,
/// `REFUSED`), `None` for the others.
pub fn rcode_name(rcode: u8) -> Option<&'static str> {
    match rcode {
        RCODE_NOERROR => Some("NOERROR"),
        RCODE_FORMERR => Some("FORMERR"),
        RCODE_SERVFAIL => Some("SERVFAIL"),
        RCODE_NXDOMAIN => Some("NXDOMAIN"),
        RCODE_NOTIMP => Some("NOTIMP"),
        RCODE_REFUSED => Some("REFUSED"),
        _ => None,
    }
}

/// The owner name of a realm's KDC SRV records over TCP: `_kerberos._tcp.<realm>`.
pub fn kerberos_srv_name(realm: &str) -> String {
    format!("{KERBEROS_TCP_SERVICE}{LABEL_SEPARATOR}{realm}")
}

/// Why [`srv_query`] refused a name. Offsets count bytes of the name as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryNameError {
    /// The name is empty, or only the root (`.`).
    Empty,
    /// An empty label (a leading dot, or two dots in a row) starts at this offset.
    EmptyLabel {
        /// Byte offset of the empty label in the name.
        at: usize,
    },
    /// A label is longer than [`MAX_LABEL_LEN`].
    LabelTooLong {
        /// Byte offset of the label in the name.
        at: usize,
        /// Its length.
        len: usize,
    },
    /// The encoded name is longer than [`MAX_NAME_LEN`].
    NameTooLong {
        /// Its encoded length.
        encoded_len: usize,
    },
    /// A character other than an ASCII letter, digit, `-` or `_`.
    InvalidChar {
        /// Byte offset of the character in the name.
        at: usize,
        /// The character.
        ch: char,
    },
}

impl fmt::Display for QueryNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            QueryNameError::Empty => write!(f, "empty dns name"),
            QueryNameError::EmptyLabel { at } => write!(f, "empty dns label at offset {at}"),
            QueryNameError::LabelTooLong { at, len } => write!(
                f,
                "dns label at offset {at} too long: {len} bytes, limit {MAX_LABEL_LEN}"
            ),
            QueryNameError::NameTooLong { encoded_len } => write!(
                f,
                "dns name too long: {encoded_len} bytes encoded, limit {MAX_NAME_LEN}"
            ),
            QueryNameError::InvalidChar { at, ch } => {
                write!(f, "invalid character {ch:?} in dns name at offset {at}")
            }
        }
    }
}

impl std::error::Error for QueryNameError {}

/// One SRV record ([RFC 2782]), as sent.
///
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Among records of one priority, the relative share of the load.
    pub weight: u16,
    /// The port of the service on the target.
    pub port: u16,
    /// The host, without the trailing dot, decompressed, its labels in printable ASCII (any other
    /// byte, and a dot inside a label, becomes `?`). Empty for the target `.`, which means the
    /// service is decidedly not available in this domain ([RFC 2782];
    /// [`SrvResponse::service_unavailable`]).
    ///
    /// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
    pub target: String,
}

/// A resolver's reply to [`srv_query`] ([`parse_srv_response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvResponse {
    /// The message ID: the query's, if this is its reply.
    pub id: u16,
    /// The OPCODE ([`OPCODE_QUERY`] in a reply to a standard query).
    pub opcode: u8,
    /// The RCODE, raw ([`rcode_name`]): [`RCODE_NXDOMAIN`] when the realm has no such name.
    pub rcode: u8,
    /// The TC bit: the reply did not fit and `records` may be incomplete. A reply cut short with
    /// the TC bit set decodes to the records before the cut.
    pub truncated: bool,
    /// The SRV records of class IN in the answer section, in the order received, at most
    /// [`MAX_SRV_RECORDS`]. [`order_srv`] puts them in the order to try.
    pub records: Vec<SrvRecord>,
    /// Answer records not kept: other types (a CNAME, say) or classes, and SRV records beyond
    /// [`MAX_SRV_RECORDS`].
    pub other_answers: usize,
}

impl SrvResponse {
    /// True when the reply says the service is decidedly not available ([RFC 2782]): it has SRV
    /// records and every target is `.` (an empty [`SrvRecord::target`]).
    ///
    /// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
    pub fn service_unavailable(&self) -> bool {
        !self.records.is_empty() && self.records.iter().all(|r| r.target.is_empty())
    }
}

/// A standard query ([RFC 1035] 4.1) with recursion desired for the SRV records (class IN) of
/// `name`, e.g. [`kerberos_srv_name`]. No EDNS.
///
/// `name` is ASCII letters, digits, `-` and `_` (SRV owner names start with `_service._proto`)
/// in labels of 1 to [`MAX_LABEL_LEN`] bytes separated by dots, at most [`MAX_NAME_LEN`] bytes
/// encoded; a trailing dot is allowed. The case is kept.
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub fn srv_query(id: u16, name: &str) -> Result<Vec<u8>, QueryNameError> {
    let encoded = encode_name(name)?;
    let mut out = Vec::with_capacity(HEADER_LEN + encoded.len() + QUESTION_FIXED_LEN);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&FLAG_RD.to_be_bytes());
    out.extend_from_slice(&ONE_QUESTION.to_be_bytes());
    for _answer_authority_additional in 0..3 {
        out.extend_from_slice(&NO_RECORDS.to_be_bytes());
    }
    out.extend_from_slice(&encoded);
    out.extend_from_slice(&TYPE_SRV.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

/// The wire form of `name` ([RFC 1035] 3.1), checked as [`srv_query`] documents.
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
fn encode_name(name: &str) -> Result<Vec<u8>, QueryNameError> {
    let body = name.strip_suffix(LABEL_SEPARATOR).unwrap_or(name);
    if body.is_empty() {
        return Err(QueryNameError::Empty);
    }
    let mut out = Vec::with_capacity(body.len().saturating_add(2));
    let mut at = 0usize;
    for label in body.split(LABEL_SEPARATOR) {
        if label.is_empty() {
            return Err(QueryNameError::EmptyLabel { at });
        }
        if let Some((i, ch)) = label
            .char_indices()
            .find(|&(_, ch)| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
        {
            return Err(QueryNameError::InvalidChar { at: at + i, ch });
        }
        let len = u8::try_from(label.len())
            .ok()
            .filter(|&n| usize::from(n) <= MAX_LABEL_LEN)
            .ok_or(QueryNameError::LabelTooLong {
                at,
                len: label.len(),
            })?;
        out.push(len);
        out.extend_from_slice(label.as_bytes());
        at += label.len() + 1;
    }
    out.push(ROOT_LABEL);
    if out.len() > MAX_NAME_LEN {
        return Err(QueryNameError::NameTooLong {
            encoded_len: out.len(),
        });
    }
    Ok(out)
}

/// Decode a resolver's reply to [`srv_query`] ([RFC 1035] 4.1, [RFC 2782]).
///
/// Reads the header (the QR bit must be set: a query is an error; the ID, OPCODE, TC bit and
/// RCODE are kept raw), skips the questions, keeps the SRV records of class IN of the answer
/// section ([`SrvResponse::records`]) and counts the other answers, then walks the authority and
/// additional sections without keeping them. Bytes after the last section are ignored, and so
/// are bytes after an SRV target inside its RDATA. Names may be compressed anywhere, the SRV
/// target included (which [RFC 2782] forbids but some servers do); ID, question and RCODE are
/// the caller's to check.
///
/// A message cut short is an error, unless the TC bit is set: then the records read before the
/// cut are returned.
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
pub fn parse_srv_response(bytes: &[u8]) -> Result<SrvResponse, DecodeError> {
    let mut c = Cursor::new(bytes);
    let id = c.u16_be("dns id")?;
    let flags_at = c.offset();
    let flags = c.u16_be("dns flags")?;
    let counts = Counts {
        questions: c.u16_be("dns question count")?,
        answers: c.u16_be("dns answer count")?,
        authority: c.u16_be("dns authority count")?,
        additional: c.u16_be("dns additional count")?,
    };
    if flags & FLAG_QR == 0 {
        return Err(DecodeError::unexpected(
            "dns qr bit",
            flags_at,
            u32::from(flags),
        ));
    }
    let mut response = SrvResponse {
        id,
        opcode: u8::try_from((flags >> OPCODE_SHIFT) & OPCODE_MASK).unwrap_or(u8::MAX),
        rcode: u8::try_from(flags & RCODE_MASK).unwrap_or(u8::MAX),
        truncated: flags & FLAG_TC != 0,
        records: Vec::new(),
        other_answers: 0,
    };
    match read_sections(bytes, c.offset(), counts, &mut response) {
        Ok(()) => Ok(response),
        Err(e) if response.truncated && e.is_truncated() => Ok(response),
        Err(e) => Err(e),
    }
}

/// Order SRV records the way rdp-probe tries them ([RFC 2782]): lowest priority first, and within
/// a priority the highest weight first; records of equal priority and weight keep the order they
/// came in. Records whose target is `.` (empty) are dropped.
///
/// RFC 2782 picks among the records of one priority at random, in proportion to their weights;
/// rdp-probe does not randomize, so that the same reply always gives the same order and two
/// reports of one realm can be compared.
///
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
pub fn order_srv(records: &mut Vec<SrvRecord>) {
    records.retain(|r| !r.target.is_empty());
    records.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then_with(|| b.weight.cmp(&a.weight))
    });
}

/// The four section counts of the header.
#[derive(Debug, Clone, Copy)]
struct Counts {
    questions: u16,
    answers: u16,
    authority: u16,
    additional: u16,
}

/// One resource record's fixed fields and RDATA ([RFC 1035] 4.1.3).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
struct Record<'a> {
    rtype: u16,
    class: u16,
    /// Absolute offset of `rdata`.
    rdata_at: usize,
    rdata: &'a [u8],
    /// Absolute offset just past the record.
    end: usize,
}

fn cursor_at(msg: &[u8], at: usize) -> Cursor<'_> {
    Cursor::with_base(msg.get(at..).unwrap_or(&[]), at)
}

fn read_sections(
    msg: &[u8],
    mut at: usize,
    counts: Counts,
    response: &mut SrvResponse,
) -> Result<(), DecodeError> {
    for _ in 0..counts.questions {
        at = read_name(msg, at, msg.len(), "dns question name", None)?;
        let mut c = cursor_at(msg, at);
        c.skip(QUESTION_FIXED_LEN, "dns question type and class")?;
        at = c.offset();
    }
    for _ in 0..counts.answers {
        let rr = read_record(msg, at)?;
        at = rr.end;
        if rr.rtype != TYPE_SRV || rr.class != CLASS_IN || response.records.len() >= MAX_SRV_RECORDS
        {
            response.other_answers += 1;
            continue;
        }
        response.records.push(read_srv(msg, &rr)?);
    }
    for _ in 0..u32::from(counts.authority) + u32::from(counts.additional) {
        at = read_record(msg, at)?.end;
    }
    Ok(())
}

fn read_record(msg: &[u8], at: usize) -> Result<Record<'_>, DecodeError> {
    let at = read_name(msg, at, msg.len(), "dns owner name", None)?;
    let mut c = cursor_at(msg, at);
    let rtype = c.u16_be("dns record type")?;
    let class = c.u16_be("dns record class")?;
    let _ttl = c.u32_be("dns record ttl")?;
    let rdlength = c.u16_be("dns rdlength")?;
    let rdata_at = c.offset();
    let rdata = c.take(usize::from(rdlength), "dns rdata")?;
    Ok(Record {
        rtype,
        class,
        rdata_at,
        rdata,
        end: c.offset(),
    })
}

/// SRV RDATA ([RFC 2782]): priority, weight, port, target.
///
/// [RFC 2782]: https://www.rfc-editor.org/rfc/rfc2782
fn read_srv(msg: &[u8], rr: &Record<'_>) -> Result<SrvRecord, DecodeError> {
    let mut c = Cursor::with_base(rr.rdata, rr.rdata_at);
    let priority = c.u16_be("srv priority")?;
    let weight = c.u16_be("srv weight")?;
    let port = c.u16_be("srv port")?;
    let mut target = String::new();
    let rdata_end = rr.rdata_at.saturating_add(rr.rdata.len());
    read_name(msg, c.offset(), rdata_end, "srv target", Some(&mut target))?;
    Ok(SrvRecord {
        priority,
        weight,
        port,
        target,
    })
}

/// Read the name at `start` of `msg` ([RFC 1035] 3.1, 4.1.4): its in-line part must end before
/// `limit`; compression pointers may point anywhere in `msg`, at most [`MAX_POINTER_HOPS`] of them,
/// and the whole name is at most [`MAX_NAME_LEN`] bytes encoded. When `out` is given, the labels
/// are appended to it with dots between them (nothing for the root), each byte that is not
/// printable ASCII, and each dot inside a label, as `?`.
///
/// Returns the offset just past the in-line part (the root label or the first pointer).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
fn read_name(
    msg: &[u8],
    start: usize,
    limit: usize,
    what: &'static str,
    mut out: Option<&mut String>,
) -> Result<usize, DecodeError> {
    let mut at = start;
    let mut bound = limit.min(msg.len());
    let mut end = None;
    let mut hops = 0usize;
    let mut encoded_len = 1usize; // the root label
    let mut first = true;
    let avail = |from: usize, bound: usize| bound.saturating_sub(from);
    loop {
        let Some(&len_byte) = msg.get(at).filter(|_| at < bound) else {
            return Err(DecodeError::truncated(what, at, 1, 0));
        };
        match len_byte & LABEL_TYPE_MASK {
            LABEL_TYPE_NORMAL if len_byte == ROOT_LABEL => {
                return Ok(end.unwrap_or(at + 1));
            }
            LABEL_TYPE_NORMAL => {
                let len = usize::from(len_byte);
                let from = at + 1;
                let Some(label) = msg.get(from..from + len).filter(|_| from + len <= bound) else {
                    return Err(DecodeError::truncated(what, from, len, avail(from, bound)));
                };
                encoded_len += 1 + len;
                if encoded_len > MAX_NAME_LEN {
                    return Err(DecodeError::too_large(what, at, encoded_len, MAX_NAME_LEN));
                }
                if let Some(s) = out.as_deref_mut() {
                    if !first {
                        s.push(LABEL_SEPARATOR);
                    }
                    s.extend(label.iter().map(|&b| {
                        if b.is_ascii_graphic() && char::from(b) != LABEL_SEPARATOR {
                            char::from(b)
                        } else {
                            LOSSY_CHAR
                        }
                    }));
                }
                first = false;
                at = from + len;
            }
            LABEL_TYPE_POINTER => {
                let Some(p) = msg
                    .get(at..at + POINTER_LEN)
                    .filter(|_| at + POINTER_LEN <= bound)
                else {
                    return Err(DecodeError::truncated(
                        what,
                        at,
                        POINTER_LEN,
                        avail(at, bound),
                    ));
                };
                let target = usize::from(u16::from_be_bytes([p[0], p[1]]) & POINTER_OFFSET_MASK);
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(DecodeError::unexpected(
                        "dns name pointer loop",
                        at,
                        u32::try_from(target).unwrap_or(u32::MAX),
                    ));
                }
                if target >= msg.len() {
                    return Err(DecodeError::unexpected(
                        "dns name pointer",
                        at,
                        u32::try_from(target).unwrap_or(u32::MAX),
                    ));
                }
                end.get_or_insert(at + POINTER_LEN);
                at = target;
                bound = msg.len();
            }
            _ => return Err(DecodeError::unexpected(what, at, u32::from(len_byte))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;

    const REALM_NAME: &str = "_kerberos._tcp.RDP-PROBE.TEST";

    /// A message under construction, with the offsets the tests point at.
    #[derive(Default)]
    struct Msg(Vec<u8>);

    impl Msg {
        fn header(id: u16, flags: u16, counts: [u16; 4]) -> Msg {
            let mut m = Msg::default();
            m.u16(id).u16(flags);
            for n in counts {
                m.u16(n);
            }
            m
        }
        /// A reply to the query for [`REALM_NAME`]: the header and the question at offset 12.
        fn reply(id: u16, flags: u16, [an, ns, ar]: [u16; 3]) -> Msg {
            let mut m = Msg::header(id, flags, [1, an, ns, ar]);
            m.name(&["_kerberos", "_tcp", "RDP-PROBE", "TEST"], None)
                .u16(TYPE_SRV)
                .u16(CLASS_IN);
            m
        }
        fn u16(&mut self, v: u16) -> &mut Msg {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn u32(&mut self, v: u32) -> &mut Msg {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn bytes(&mut self, b: &[u8]) -> &mut Msg {
            self.0.extend_from_slice(b);
            self
        }
        /// Labels, then a pointer to `pointer` or the root.
        fn name(&mut self, labels: &[&str], pointer: Option<u16>) -> &mut Msg {
            for l in labels {
                self.0.push(u8::try_from(l.len()).unwrap());
                self.0.extend_from_slice(l.as_bytes());
            }
            match pointer {
                Some(p) => self.u16(0xc000 | p),
                None => self.bytes(&[0]),
            }
        }
        fn at(&self) -> u16 {
            u16::try_from(self.0.len()).unwrap()
        }
        /// An SRV record owned by the name at `owner`; the target is written by `target`.
        fn srv(
            &mut self,
            owner: u16,
            (priority, weight, port): (u16, u16, u16),
            target: impl FnOnce(&mut Msg),
        ) -> &mut Msg {
            self.u16(0xc000 | owner)
                .u16(TYPE_SRV)
                .u16(CLASS_IN)
                .u32(600);
            let len_at = self.0.len();
            self.u16(0).u16(priority).u16(weight).u16(port);
            target(self);
            let rdlen = u16::try_from(self.0.len() - len_at - 2).unwrap();
            self.0[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
            self
        }
    }

    fn rec(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port,
            target: target.to_owned(),
        }
    }

    /// A reply shaped like a Windows DNS server's: the question, two SRV answers owned by the
    /// question name through a pointer, the first target compressed against the question name,
    /// the second written out, and an A record for the first target in the additional section.
    fn real_shaped() -> Vec<u8> {
        let m = &mut Msg::reply(0xbeef, FLAG_QR | FLAG_AA | FLAG_RD | FLAG_RA, [2, 0, 1]);
        let question = u16::try_from(HEADER_LEN).unwrap();
        // The "RDP-PROBE" label of the question name.
        let domain = question + 1 + 9 + 1 + 4;
        let mut dc1 = 0;
        m.srv(question, (0, 100, 88), |m| {
            dc1 = m.at();
            m.name(&["dc1"], Some(domain));
        });
        m.srv(question, (0, 200, 88), |m| {
            m.name(&["dc2", "rdp-probe", "test"], None);
        });
        m.u16(0xc000 | dc1)
            .u16(TYPE_A)
            .u16(CLASS_IN)
            .u32(3600)
            .u16(4)
            .bytes(&[127, 0, 0, 1]);
        std::mem::take(&mut m.0)
    }

    #[test]
    fn query_is_a_standard_srv_query() {
        let q = srv_query(0x1234, REALM_NAME).unwrap();
        let mut expected = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(b"\x09_kerberos\x04_tcp\x09RDP-PROBE\x04TEST\x00");
        expected.extend_from_slice(&[0, 33, 0, 1]);
        assert_eq!(q, expected);
        assert_eq!(srv_query(0x1234, &format!("{REALM_NAME}.")), Ok(q));
        assert_eq!(kerberos_srv_name("RDP-PROBE.TEST"), REALM_NAME);
    }

    #[test]
    fn query_names_are_checked() {
        assert_eq!(srv_query(1, ""), Err(QueryNameError::Empty));
        assert_eq!(srv_query(1, "."), Err(QueryNameError::Empty));
        assert_eq!(
            srv_query(1, ".a"),
            Err(QueryNameError::EmptyLabel { at: 0 })
        );
        assert_eq!(
            srv_query(1, "a..b"),
            Err(QueryNameError::EmptyLabel { at: 2 })
        );
        assert_eq!(
            srv_query(1, "a.b.."),
            Err(QueryNameError::EmptyLabel { at: 4 })
        );
        assert_eq!(
            srv_query(1, "ab.c d"),
            Err(QueryNameError::InvalidChar { at: 4, ch: ' ' })
        );
        assert_eq!(
            srv_query(1, "é.x"),
            Err(QueryNameError::InvalidChar { at: 0, ch: 'é' })
        );
        let long = "a".repeat(64);
        assert_eq!(
            srv_query(1, &format!("x.{long}")),
            Err(QueryNameError::LabelTooLong { at: 2, len: 64 })
        );
        assert!(srv_query(1, &"a".repeat(63)).is_ok());
        // 4 labels of 63 bytes: 4 * 64 + 1 = 257 bytes encoded.
        let label = "b".repeat(63);
        let name = [label.as_str(); 4].join(".");
        assert_eq!(
            srv_query(1, &name),
            Err(QueryNameError::NameTooLong { encoded_len: 257 })
        );
        // 3 labels of 63 and one of 61: 255 bytes encoded, the limit.
        let name = format!("{label}.{label}.{label}.{}", "c".repeat(61));
        assert_eq!(srv_query(1, &name).unwrap().len(), HEADER_LEN + 255 + 4);
        assert_eq!(
            QueryNameError::InvalidChar { at: 4, ch: ' ' }.to_string(),
            "invalid character ' ' in dns name at offset 4"
        );
        assert_eq!(
            QueryNameError::NameTooLong { encoded_len: 257 }.to_string(),
            "dns name too long: 257 bytes encoded, limit 255"
        );
    }

    #[test]
    fn decodes_a_real_shaped_response() {
        let r = parse_srv_response(&real_shaped()).unwrap();
        assert_eq!(
            r,
            SrvResponse {
                id: 0xbeef,
                opcode: OPCODE_QUERY,
                rcode: RCODE_NOERROR,
                truncated: false,
                records: vec![
                    rec(0, 100, 88, "dc1.RDP-PROBE.TEST"),
                    rec(0, 200, 88, "dc2.rdp-probe.test"),
                ],
                other_answers: 0,
            }
        );
        assert!(!r.service_unavailable());
        let mut records = r.records;
        order_srv(&mut records);
        assert_eq!(
            records,
            [
                rec(0, 200, 88, "dc2.rdp-probe.test"),
                rec(0, 100, 88, "dc1.RDP-PROBE.TEST"),
            ]
        );
    }

    #[test]
    fn the_query_with_qr_set_decodes_as_an_empty_reply() {
        let mut q = srv_query(7, REALM_NAME).unwrap();
        assert_eq!(
            parse_srv_response(&q),
            Err(DecodeError::unexpected("dns qr bit", 2, 0x0100))
        );
        q[2] |= 0x80;
        let r = parse_srv_response(&q).unwrap();
        assert_eq!((r.id, r.rcode, r.records.len()), (7, 0, 0));
    }

    #[test]
    fn every_truncation_is_an_error_and_trailing_bytes_are_ignored() {
        let full = real_shaped();
        for n in 0..full.len() {
            assert!(
                parse_srv_response(&full[..n]).is_err(),
                "prefix of {n} bytes"
            );
        }
        let mut longer = full.clone();
        longer.extend_from_slice(&[0xc0, 0xff, 0, 1, 2]);
        assert_eq!(parse_srv_response(&longer), parse_srv_response(&full));
    }

    #[test]
    fn a_truncated_reply_with_tc_keeps_the_records_before_the_cut() {
        let mut full = real_shaped();
        full[2] |= (FLAG_TC >> 8) as u8;
        let r = parse_srv_response(&full).unwrap();
        assert!(r.truncated);
        assert_eq!(r.records.len(), 2);
        // Cut inside the second answer: the first record only.
        // The additional A record is 16 bytes, the second answer 38.
        let second = full.len() - 16 - 25;
        let r = parse_srv_response(&full[..second]).unwrap();
        assert_eq!(r.records, [rec(0, 100, 88, "dc1.RDP-PROBE.TEST")]);
        // Even the header alone decodes, with no records.
        assert_eq!(parse_srv_response(&full[..HEADER_LEN]).unwrap().records, []);
    }

    #[test]
    fn nxdomain_has_no_records() {
        let mut m = Msg::header(9, FLAG_QR | FLAG_RD | FLAG_RA | 3, [1, 0, 1, 0]);
        m.name(&["_kerberos", "_tcp", "NOPE", "TEST"], None)
            .u16(TYPE_SRV)
            .u16(CLASS_IN);
        // An SOA in the authority section, as real servers send (RDATA not decoded).
        m.name(&["TEST"], None)
            .u16(6)
            .u16(CLASS_IN)
            .u32(300)
            .u16(3)
            .bytes(&[0, 0, 0]);
        let r = parse_srv_response(&m.0).unwrap();
        assert_eq!(r.rcode, RCODE_NXDOMAIN);
        assert_eq!(rcode_name(r.rcode), Some("NXDOMAIN"));
        assert!(r.records.is_empty());
        assert!(!r.service_unavailable());
    }

    #[test]
    fn pointer_loops_end_with_an_error() {
        // A pointer to itself in the question.
        let mut m = Msg::header(1, FLAG_QR, [1, 0, 0, 0]);
        let at = m.at();
        m.u16(0xc000 | at).u16(TYPE_SRV).u16(CLASS_IN);
        let e = parse_srv_response(&m.0).unwrap_err();
        assert_eq!(e.what, "dns name pointer loop");
        // Two pointers to each other, as an SRV target.
        let mut m = Msg::reply(1, FLAG_QR, [1, 0, 0]);
        m.srv(12, (0, 0, 88), |m| {
            let a = m.at();
            m.u16(0xc000 | (a + 2)).u16(0xc000 | a);
        });
        assert_eq!(
            parse_srv_response(&m.0).unwrap_err().what,
            "dns name pointer loop"
        );
        // A label then a pointer back to it: the name grows until it is too long.
        let mut m = Msg::header(1, FLAG_QR, [1, 0, 0, 0]);
        m.name(&["abc"], Some(12));
        let e = parse_srv_response(&m.0).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::TooLarge { max: 255, .. })
                || e.what == "dns name pointer loop",
            "{e}"
        );
        // A pointer outside the message.
        let mut m = Msg::header(1, FLAG_QR, [1, 0, 0, 0]);
        m.u16(0xc000 | 0x3fff);
        assert_eq!(
            parse_srv_response(&m.0),
            Err(DecodeError::unexpected("dns name pointer", 12, 0x3fff))
        );
    }

    #[test]
    fn odd_targets() {
        let mut m = Msg::reply(2, FLAG_QR, [4, 0, 0]);
        // "." : service not available.
        m.srv(12, (0, 0, 0), |m| {
            m.bytes(&[0]);
        });
        // Bytes that are not printable ASCII, and a dot inside a label; bytes after the target.
        m.srv(12, (1, 0, 88), |m| {
            m.bytes(b"\x04a.\xffz\x00extra");
        });
        // A CNAME answer is counted, not kept.
        m.u16(0xc00c).u16(5).u16(CLASS_IN).u32(1).u16(1).bytes(&[0]);
        // An SRV record of another class.
        m.u16(0xc00c)
            .u16(TYPE_SRV)
            .u16(3)
            .u32(1)
            .u16(7)
            .bytes(&[0; 7]);
        let r = parse_srv_response(&m.0).unwrap();
        assert_eq!(r.records, [rec(0, 0, 0, ""), rec(1, 0, 88, "a??z")]);
        assert_eq!(r.other_answers, 2);
        let only_root = SrvResponse {
            records: vec![rec(0, 0, 0, "")],
            ..r.clone()
        };
        assert!(only_root.service_unavailable());
        let mut records = r.records;
        order_srv(&mut records);
        assert_eq!(records, [rec(1, 0, 88, "a??z")]);
    }

    #[test]
    fn a_target_must_stay_inside_its_rdata_and_labels_are_checked() {
        // RDATA of 6 bytes: no room for the target.
        let mut m = Msg::reply(3, FLAG_QR, [1, 0, 0]);
        m.u16(0xc00c).u16(TYPE_SRV).u16(CLASS_IN).u32(1).u16(6);
        m.u16(0).u16(0).u16(88).bytes(b"\x03abc\x00");
        let e = parse_srv_response(&m.0).unwrap_err();
        assert_eq!(e.what, "srv target");
        assert!(e.is_truncated());
        // An extended label type (0x40).
        let mut m = Msg::header(3, FLAG_QR, [1, 0, 0, 0]);
        m.bytes(&[0x41, 0, 0, 33, 0, 1]);
        assert_eq!(
            parse_srv_response(&m.0),
            Err(DecodeError::unexpected("dns question name", 12, 0x41))
        );
    }

    #[test]
    fn records_beyond_the_cap_are_counted() {
        let n = u16::try_from(MAX_SRV_RECORDS + 3).unwrap();
        let mut m = Msg::reply(4, FLAG_QR, [n, 0, 0]);
        for i in 0..n {
            m.srv(12, (i, 0, 88), |m| {
                m.name(&["h"], None);
            });
        }
        let r = parse_srv_response(&m.0).unwrap();
        assert_eq!(r.records.len(), MAX_SRV_RECORDS);
        assert_eq!(r.other_answers, 3);
    }

    #[test]
    fn order_is_priority_then_weight_descending_and_stable() {
        let mut records = vec![
            rec(10, 5, 88, "c"),
            rec(0, 0, 88, "a"),
            rec(10, 50, 88, "b"),
            rec(10, 5, 88, "d"),
            rec(0, 0, 0, ""),
            rec(0, 1, 88, "z"),
        ];
        order_srv(&mut records);
        let targets: Vec<&str> = records.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, ["z", "a", "b", "c", "d"]);
    }

    #[test]
    fn header_fields_are_raw() {
        let m = Msg::header(
            0xffff,
            FLAG_QR | (5 << OPCODE_SHIFT) | FLAG_TC | 0xf,
            [0; 4],
        );
        let r = parse_srv_response(&m.0).unwrap();
        assert_eq!(
            (r.id, r.opcode, r.rcode, r.truncated),
            (0xffff, 5, 15, true)
        );
        assert_eq!(rcode_name(15), None);
        assert_eq!(
            parse_srv_response(&m.0[..11]),
            Err(DecodeError::truncated("dns additional count", 10, 2, 1))
        );
    }

    /// The fuzz seeds (`fuzz/regressions/dns_srv/`) decode to what their names say.
    #[test]
    fn fuzz_seeds_decode_as_named() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/dns_srv");
        let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
        let r = parse_srv_response(&read("srv-two-records-compressed-additional-a.bin")).unwrap();
        assert_eq!(r, parse_srv_response(&real_shaped()).unwrap());
        let r = parse_srv_response(&read("nxdomain-with-soa.bin")).unwrap();
        assert_eq!((r.rcode, r.records.len()), (RCODE_NXDOMAIN, 0));
        let r = parse_srv_response(&read("srv-root-target-service-unavailable.bin")).unwrap();
        assert!(r.service_unavailable());
        let r = parse_srv_response(&read("tc-cut-inside-second-answer.bin")).unwrap();
        assert!(r.truncated);
        assert_eq!(r.records, [rec(0, 100, 88, "kdc1.RDP-PROBE.TEST")]);
        let e = parse_srv_response(&read("srv-target-pointer-loop.bin")).unwrap_err();
        assert_eq!(e.what, "dns name pointer loop");
        let name = String::from_utf8(read("name-kerberos-tcp-realm.txt")).unwrap();
        assert!(srv_query(1, &name).is_ok());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..600)) {
                crate::fuzz_oracles::dns_srv(&data);
            }

            #[test]
            fn arbitrary_reply_bodies_never_panic(
                flags in any::<u16>(),
                counts in prop::collection::vec(0u16..8, 4),
                body in prop::collection::vec(
                    prop_oneof![Just(0u8), Just(0xc0), Just(12), Just(33), Just(1), any::<u8>()],
                    0..300,
                ),
            ) {
                let mut data = vec![0, 1];
                data.extend_from_slice(&(flags | FLAG_QR).to_be_bytes());
                for n in counts {
                    data.extend_from_slice(&n.to_be_bytes());
                }
                data.extend_from_slice(&body);
                crate::fuzz_oracles::dns_srv(&data);
            }

            #[test]
            fn valid_names_round_trip_as_targets(
                labels in prop::collection::vec("[A-Za-z0-9_-]{1,20}", 1..8),
                id in any::<u16>(),
            ) {
                let name = labels.join(".");
                let q = srv_query(id, &name).unwrap();
                let mut m = q.clone();
                m[2] |= 0x80;
                m[7] = 1; // one answer
                m.extend_from_slice(&[0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 1, 0, 8, 0, 1, 0, 2, 0, 3, 0xc0, 12]);
                let r = parse_srv_response(&m).unwrap();
                prop_assert_eq!(r.records, vec![SrvRecord { priority: 1, weight: 2, port: 3, target: name }]);
            }
        }
    }
}
