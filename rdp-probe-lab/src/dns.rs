//! A scripted DNS server on loopback for the tests of the KDC lookup ([`rdp_probe_wire::dns`]).
//!
//! [`DnsServer::start`] binds UDP `127.0.0.1:0` and answers SRV queries for the owner names it was
//! given (compared without regard to ASCII case or a trailing dot) with their records, as an
//! authoritative server: the question echoed, one SRV record per entry, owned by a compression
//! pointer to the question name, its target written out (`.` for an empty target). A reply holds
//! at most [`dns::MAX_UDP_PAYLOAD`] bytes; records that do not fit are left out and the TC bit is
//! set. A known name asked for another type or class gets no records (NOERROR), an unknown name
//! NXDOMAIN, an OPCODE other than QUERY NOTIMP, and anything that is not a standard query with one
//! uncompressed question FORMERR (a header only, with the ID of the datagram's first two bytes, or
//! 0). [`DnsServer::silent`] reads every datagram and answers none.
//!
//! The server counts the datagrams it received ([`DnsServer::queries`]) and stops when dropped.
//! Answers are encoded by hand here: the server is a test fixture, not a DNS implementation.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rdp_probe_wire::dns::{self, SrvRecord};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// The largest datagram the server reads; the rest of a longer one is discarded (and the query is
/// then answered FORMERR).
pub const MAX_QUERY_LEN: usize = 2048;

/// The TTL of the records it serves, in seconds.
pub const TTL_SECS: u32 = 600;

/// A compression pointer to the question name, which starts right after the header.
const POINTER_TO_QUESTION: u16 = 0xc000 | dns::HEADER_LEN as u16;
/// QTYPE and QCLASS.
const QUESTION_FIXED_LEN: usize = 4;
/// Fixed part of a resource record after its owner name: TYPE, CLASS, TTL, RDLENGTH.
const RECORD_FIXED_LEN: usize = 10;
/// Priority, weight and port of SRV RDATA.
const SRV_FIXED_LEN: usize = 6;
/// The two top bits of a label's length byte that mark a compression pointer or an extended type.
const LABEL_TYPE_MASK: u8 = 0xc0;
/// The root label.
const ROOT_LABEL: u8 = 0;
/// Offsets of the header fields ([RFC 1035] 4.1.1).
const ID_AT: usize = 0;
const FLAGS_AT: usize = 2;
const QDCOUNT_AT: usize = 4;
const ANCOUNT_AT: usize = 6;
/// Pause after a failed receive, so an error that repeats does not spin.
const RECV_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// A scripted DNS server on UDP `127.0.0.1`; stops when dropped.
#[derive(Debug)]
pub struct DnsServer {
    addr: SocketAddr,
    queries: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

/// What the server answers with.
#[derive(Debug)]
enum Mode {
    /// Owner names (lowercase, no trailing dot) with the encoded target of each record.
    Answer(Vec<Entry>),
    /// Never answers.
    Silent,
}

#[derive(Debug)]
struct Entry {
    owner: String,
    record: SrvRecord,
    /// The target in wire form.
    target: Vec<u8>,
}

impl DnsServer {
    /// Binds UDP `127.0.0.1:0` and answers SRV queries with `records`, pairs of an owner name
    /// (`_kerberos._tcp.RDP-PROBE.TEST`) and a record, served in the order given. Runs on the
    /// current tokio runtime (must be called within one).
    ///
    /// Owner names and targets must be names [`dns::srv_query`] accepts (an empty target is
    /// served as `.`); otherwise the error is [`io::ErrorKind::InvalidInput`].
    pub async fn start(records: Vec<(String, SrvRecord)>) -> io::Result<DnsServer> {
        let mut entries = Vec::with_capacity(records.len());
        for (owner, record) in records {
            encode_name(&owner)?;
            let target = if record.target.is_empty() {
                vec![ROOT_LABEL]
            } else {
                encode_name(&record.target)?
            };
            entries.push(Entry {
                owner: normalize(&owner),
                record,
                target,
            });
        }
        Self::spawn(Mode::Answer(entries)).await
    }

    /// Binds UDP `127.0.0.1:0` and reads every datagram without answering any, for timeout tests.
    pub async fn silent() -> io::Result<DnsServer> {
        Self::spawn(Mode::Silent).await
    }

    async fn spawn(mode: Mode) -> io::Result<DnsServer> {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = socket.local_addr()?;
        let queries = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(serve(socket, mode, Arc::clone(&queries)));
        Ok(DnsServer {
            addr,
            queries,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many datagrams it received so far, answered or not.
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        // The task owns the socket: aborting it closes the port.
        self.task.abort();
    }
}

async fn serve(socket: UdpSocket, mode: Mode, queries: Arc<AtomicUsize>) {
    let mut buf = vec![0u8; MAX_QUERY_LEN];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(_) => {
                tokio::time::sleep(RECV_ERROR_PAUSE).await;
                continue;
            }
        };
        queries.fetch_add(1, Ordering::SeqCst);
        let Mode::Answer(entries) = &mode else {
            continue;
        };
        let reply = answer(entries, buf.get(..n).unwrap_or(&[]));
        // A peer that went away is not the server's problem.
        let _ = socket.send_to(&reply, peer).await;
    }
}

/// A query the server understood.
struct Query<'a> {
    id: u16,
    flags: u16,
    /// The question, name, QTYPE and QCLASS, as sent.
    question: &'a [u8],
    /// The name, lowercase, without a trailing dot.
    name: String,
    qtype: u16,
    qclass: u16,
}

fn answer(entries: &[Entry], datagram: &[u8]) -> Vec<u8> {
    let Some(q) = parse_query(datagram) else {
        let id = be16(datagram, ID_AT).unwrap_or(0);
        return header(id, dns::FLAG_QR | u16::from(dns::RCODE_FORMERR), 0);
    };
    let opcode = (q.flags >> dns::OPCODE_SHIFT) & dns::OPCODE_MASK;
    let echoed =
        (q.flags & (dns::FLAG_RD | (dns::OPCODE_MASK << dns::OPCODE_SHIFT))) | dns::FLAG_QR;
    if opcode != u16::from(dns::OPCODE_QUERY) {
        return header(q.id, echoed | u16::from(dns::RCODE_NOTIMP), 0);
    }
    let mut known = entries.iter().filter(|e| e.owner == q.name).peekable();
    let rcode = if known.peek().is_some() {
        dns::RCODE_NOERROR
    } else {
        dns::RCODE_NXDOMAIN
    };
    let mut out = header(q.id, echoed | dns::FLAG_AA | u16::from(rcode), 1);
    out.extend_from_slice(q.question);
    if q.qtype != dns::TYPE_SRV || q.qclass != dns::CLASS_IN {
        return out;
    }
    let mut answers: u16 = 0;
    for e in known {
        let rdlength = SRV_FIXED_LEN + e.target.len();
        let len = POINTER_TO_QUESTION.to_be_bytes().len() + RECORD_FIXED_LEN + rdlength;
        if out.len() + len > dns::MAX_UDP_PAYLOAD {
            set_flag(&mut out, dns::FLAG_TC);
            break;
        }
        out.extend_from_slice(&POINTER_TO_QUESTION.to_be_bytes());
        out.extend_from_slice(&dns::TYPE_SRV.to_be_bytes());
        out.extend_from_slice(&dns::CLASS_IN.to_be_bytes());
        out.extend_from_slice(&TTL_SECS.to_be_bytes());
        out.extend_from_slice(&u16::try_from(rdlength).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(&e.record.priority.to_be_bytes());
        out.extend_from_slice(&e.record.weight.to_be_bytes());
        out.extend_from_slice(&e.record.port.to_be_bytes());
        out.extend_from_slice(&e.target);
        answers += 1;
    }
    if let Some(count) = out.get_mut(ANCOUNT_AT..ANCOUNT_AT + 2) {
        count.copy_from_slice(&answers.to_be_bytes());
    }
    out
}

/// A header with QDCOUNT `questions` and no records.
fn header(id: u16, flags: u16, questions: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(dns::MAX_UDP_PAYLOAD);
    for field in [id, flags, questions, 0, 0, 0] {
        out.extend_from_slice(&field.to_be_bytes());
    }
    out
}

fn set_flag(msg: &mut [u8], flag: u16) {
    if let Some(flags) = msg.get_mut(FLAGS_AT..FLAGS_AT + 2) {
        let v = u16::from_be_bytes([flags[0], flags[1]]) | flag;
        flags.copy_from_slice(&v.to_be_bytes());
    }
}

fn be16(msg: &[u8], at: usize) -> Option<u16> {
    let b = msg.get(at..at + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// A standard query header (QR clear) with exactly one question, whose name is uncompressed
/// labels of at most 63 bytes and at most 255 bytes in all. Anything after the question (an
/// EDNS OPT record, say) is ignored.
fn parse_query(msg: &[u8]) -> Option<Query<'_>> {
    let id = be16(msg, ID_AT)?;
    let flags = be16(msg, FLAGS_AT)?;
    if flags & dns::FLAG_QR != 0 || be16(msg, QDCOUNT_AT)? != 1 || msg.len() < dns::HEADER_LEN {
        return None;
    }
    let mut at = dns::HEADER_LEN;
    let mut labels = Vec::new();
    loop {
        let len = *msg.get(at)?;
        if len & LABEL_TYPE_MASK != 0 {
            return None;
        }
        at += 1;
        if len == ROOT_LABEL {
            break;
        }
        let label = msg.get(at..at + usize::from(len))?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        at += usize::from(len);
        if at - dns::HEADER_LEN > dns::MAX_NAME_LEN {
            return None;
        }
    }
    let qtype = be16(msg, at)?;
    let qclass = be16(msg, at + 2)?;
    let question = msg.get(dns::HEADER_LEN..at + QUESTION_FIXED_LEN)?;
    Some(Query {
        id,
        flags,
        question,
        name: labels.join("."),
        qtype,
        qclass,
    })
}

/// `name` in wire form, checked the way [`dns::srv_query`] checks it.
fn encode_name(name: &str) -> io::Result<Vec<u8>> {
    let query =
        dns::srv_query(0, name).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let end = query.len().saturating_sub(QUESTION_FIXED_LEN);
    Ok(query.get(dns::HEADER_LEN..end).unwrap_or(&[]).to_vec())
}

fn normalize(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}
