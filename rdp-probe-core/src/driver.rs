//! The tokio driver: DNS, TCP, TLS and the per-phase deadlines around the sans-IO [`Machine`].

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::engine::{
    Action, FrameCheck, Framing, IoFailure, Machine, TlsEstablished, TlsHandshakeError, TlsStack,
};
use crate::failure::{NetworkError, NetworkErrorKind};
use crate::framed::FrameReader;
use crate::kerberos::{KDC_REPLY_MAX, KdcFailure, KdcLookup, KdcLookupFailure, KdcRequest};
use crate::report::Report;
use crate::{ProbeOptions, Target};

/// Counts the bytes that cross the TCP socket.
///
/// Sent bytes are counted as they are written. Received bytes are counted so that a report does not
/// depend on how the kernel happened to deliver segments: over plain TCP, the driver counts each frame
/// when the engine takes it (see [`Driver::count_taken`]); under TLS, [`Counted`] reads one TLS record
/// at a time and counts what it reads, so rustls only ever pulls the records it needs.
#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    received: AtomicU64,
}

/// Where the reader stands in the server's stream of TLS records: every record is a 5-byte header whose
/// last two bytes give the length of the fragment that follows (RFC 8446 section 5.1, RFC 5246
/// section 6.2.1).
#[derive(Debug, Default)]
struct RecordCursor {
    header: [u8; rdp_probe_wire::tls::RECORD_HEADER_LEN],
    header_len: usize,
    body_left: usize,
}

impl RecordCursor {
    /// How many bytes the next read may take without running into the next record.
    fn limit(&self) -> usize {
        if self.body_left > 0 {
            self.body_left
        } else {
            self.header.len() - self.header_len
        }
    }

    /// Moves past `bytes`, which are at most [`RecordCursor::limit`] long.
    fn advance(&mut self, bytes: &[u8]) {
        if self.body_left > 0 {
            self.body_left = self.body_left.saturating_sub(bytes.len());
            return;
        }
        for &b in bytes {
            if let Some(slot) = self.header.get_mut(self.header_len) {
                *slot = b;
                self.header_len += 1;
            }
        }
        if self.header_len == self.header.len() {
            self.header_len = 0;
            self.body_left = rdp_probe_wire::tls::fragment_len(&self.header);
        }
    }
}

#[derive(Debug)]
struct Counted {
    inner: TcpStream,
    counters: Arc<Counters>,
    /// Set once TLS starts: reads then stop at record boundaries and are counted here.
    records: Option<RecordCursor>,
}

impl Counted {
    fn new(inner: TcpStream, counters: Arc<Counters>) -> Self {
        Counted {
            inner,
            counters,
            records: None,
        }
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(cursor) = this.records.as_mut() else {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        let mut scratch = [0u8; 8 * 1024];
        let limit = cursor.limit().min(buf.remaining()).min(scratch.len());
        let mut part = ReadBuf::new(scratch.get_mut(..limit).unwrap_or_default());
        std::task::ready!(Pin::new(&mut this.inner).poll_read(cx, &mut part))?;
        let got = part.filled();
        cursor.advance(got);
        this.counters
            .received
            .fetch_add(got.len() as u64, Ordering::Relaxed);
        buf.put_slice(got);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            self.counters.sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

enum Conn {
    Tcp(Counted),
    Tls(Box<TlsStream<Counted>>),
    /// The legacy-TLS attempt's session (OpenSSL).
    #[cfg(feature = "legacy-tls")]
    Legacy(Box<tokio_openssl::SslStream<Counted>>),
}

impl Conn {
    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(bytes).await,
            Conn::Tls(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            #[cfg(feature = "legacy-tls")]
            Conn::Legacy(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            // `poll_fill_buf` reads records only until one carries plaintext and returns that
            // record's plaintext, where `poll_read` would go on pulling whatever records have arrived.
            Conn::Tls(s) => {
                let n = {
                    let plain = std::task::ready!(Pin::new(&mut **s).poll_fill_buf(cx))?;
                    let n = plain.len().min(buf.remaining());
                    buf.put_slice(plain.get(..n).unwrap_or_default());
                    n
                };
                Pin::new(&mut **s).consume(n);
                Poll::Ready(Ok(()))
            }
            #[cfg(feature = "legacy-tls")]
            Conn::Legacy(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

struct Driver {
    start: Instant,
    machine: Machine,
    addrs: Vec<SocketAddr>,
    conn: Option<Conn>,
    counters: Arc<Counters>,
    reported: (u64, u64),
    /// What was read and not yet taken by the engine (plaintext under TLS).
    rbuf: FrameReader,
    /// How many bytes at the front of `rbuf` are already counted as received.
    rbuf_counted: usize,
}

/// Probes `target` and returns the report. Never panics on server input and never waits longer than
/// `options.timeouts.overall` (plus the time to tear down).
///
/// ```no_run
/// # async fn demo() {
/// use rdp_probe_core::{probe, ProbeOptions, Target, Verdict};
/// let target: Target = "127.0.0.1:3389".parse().unwrap();
/// let report = probe(&target, &ProbeOptions::default()).await;
/// if let Verdict::Failed { failure, mstsc } = &report.verdict {
///     println!("{}: {} ({})", failure.phase, failure.message, failure.hint);
///     println!("Error code: 0x{:X}, Extended error code: 0x{:X}", mstsc.disconnect_reason, mstsc.extended_reason);
/// }
/// println!("{}", report.to_json_pretty());
/// # }
/// ```
pub async fn probe(target: &Target, options: &ProbeOptions) -> Report {
    let now_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let mut d = Driver {
        start: Instant::now(),
        machine: Machine::new(target.clone(), options.clone(), now_unix),
        addrs: Vec::new(),
        conn: None,
        counters: Arc::new(Counters::default()),
        reported: (0, 0),
        rbuf: FrameReader::new(),
        rbuf_counted: 0,
    };
    loop {
        let action = d.machine.poll(d.now());
        tracing::trace!(?action, phase = %d.machine.phase(), "Next action");
        match action {
            Action::Connect => d.connect().await,
            Action::Reconnect => {
                d.conn = None;
                d.rbuf.clear();
                d.rbuf_counted = 0;
                d.connect().await;
            }
            Action::Send(bytes) => d.send(&bytes).await,
            Action::Receive(framing) => d.receive(framing).await,
            Action::UpgradeTls(TlsStack::Rustls) => d.upgrade_tls().await,
            Action::UpgradeTls(TlsStack::Legacy) => d.upgrade_legacy_tls().await,
            Action::Random(len) => d.random(len),
            Action::ConfirmTrust(question) => d.confirm_trust(*question).await,
            Action::ExchangeKdc(request) => d.exchange_kdc(request).await,
            Action::LocateKdc(lookup) => d.locate_kdc(lookup).await,
            Action::Finish => break,
        }
        d.account();
    }
    d.account();
    let now = d.now();
    d.machine.finish(now)
}

/// The socket error as the report gives it.
fn network_error(e: &io::Error) -> NetworkError {
    match crate::tls::os_failure(e) {
        IoFailure::Os {
            kind,
            os_error,
            message,
        } => NetworkError {
            kind,
            os_error,
            message,
        },
        _ => NetworkError {
            kind: NetworkErrorKind::Other,
            os_error: e.raw_os_error(),
            message: e.to_string(),
        },
    }
}

/// Sends `request` to its KDC over TCP and reads one length-prefixed reply ([RFC 4120] 7.2.2), at most
/// [`KDC_REPLY_MAX`] bytes.
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
async fn kdc_exchange(request: &KdcRequest) -> Result<Vec<u8>, KdcFailure> {
    let addrs = tokio::net::lookup_host((request.kdc.host.as_str(), request.kdc.port))
        .await
        .map_err(|e| KdcFailure::Resolve {
            message: e.to_string(),
        })?;
    let mut last_error = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = Some(network_error(&e)),
        }
    }
    let Some(mut stream) = stream else {
        return Err(match last_error {
            Some(e) => KdcFailure::Connect(e),
            None => KdcFailure::Resolve {
                message: "no addresses".to_owned(),
            },
        });
    };
    let io = |e: io::Error| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            KdcFailure::Closed
        } else {
            KdcFailure::Io(network_error(&e))
        }
    };
    stream.write_all(&request.data).await.map_err(io)?;
    let mut prefix = [0u8; KDC_LENGTH_PREFIX];
    stream.read_exact(&mut prefix).await.map_err(io)?;
    let announced = u32::from_be_bytes(prefix);
    let len = usize::try_from(announced)
        .ok()
        .filter(|&n| n <= KDC_REPLY_MAX)
        .ok_or(KdcFailure::Oversized {
            announced: u64::from(announced),
        })?;
    let mut reply = vec![0u8; KDC_LENGTH_PREFIX + len];
    reply[..KDC_LENGTH_PREFIX].copy_from_slice(&prefix);
    stream
        .read_exact(&mut reply[KDC_LENGTH_PREFIX..])
        .await
        .map_err(io)?;
    Ok(reply)
}

/// Runs `work` until `deadline`: its output, or `None` when the deadline came first, with the time it
/// had (milliseconds).
async fn bounded<T>(
    deadline: Instant,
    work: impl std::future::Future<Output = T>,
) -> (Option<T>, u64) {
    let limit = deadline.saturating_duration_since(Instant::now());
    let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
    (tokio::time::timeout_at(deadline, work).await.ok(), limit_ms)
}

/// The resolver `/etc/resolv.conf` names first ([resolv.conf(5)]: `nameserver ADDRESS`), on port 53.
///
/// [resolv.conf(5)]: https://man7.org/linux/man-pages/man5/resolv.conf.5.html
fn system_resolver() -> Result<SocketAddr, KdcLookupFailure> {
    let conf = std::fs::read_to_string(RESOLV_CONF)
        .map_err(|e| KdcLookupFailure::NoResolver(format!("{RESOLV_CONF}: {e}")))?;
    conf.lines()
        .filter_map(|line| line.trim().strip_prefix("nameserver"))
        .filter_map(|rest| {
            rest.trim()
                .split('%')
                .next()?
                .parse::<std::net::IpAddr>()
                .ok()
        })
        .map(|ip| SocketAddr::new(ip, DNS_PORT))
        .next()
        .ok_or_else(|| KdcLookupFailure::NoResolver(format!("{RESOLV_CONF} names no nameserver")))
}

/// Where the system's resolvers are listed.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// The DNS port ([RFC 1035] 4.2).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
const DNS_PORT: u16 = 53;

/// The largest DNS reply over UDP the driver reads (the 512 bytes of [RFC 1035] 4.2.1, and room for
/// servers that send more).
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
const DNS_REPLY_MAX: usize = 4096;

/// Sends one SRV query for `lookup.name` with `id` over UDP and returns the first reply with that id.
async fn srv_lookup(lookup: &KdcLookup, id: u16) -> Result<Vec<u8>, KdcLookupFailure> {
    let resolver = match lookup.resolver {
        Some(r) => r,
        None => system_resolver()?,
    };
    let query = rdp_probe_wire::dns::srv_query(id, &lookup.name)
        .map_err(|e| KdcLookupFailure::BadName(e.to_string()))?;
    let local: SocketAddr = if resolver.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let io = |e: io::Error| KdcLookupFailure::Io(network_error(&e));
    let socket = tokio::net::UdpSocket::bind(local).await.map_err(io)?;
    socket.connect(resolver).await.map_err(io)?;
    socket.send(&query).await.map_err(io)?;
    let mut buf = vec![0u8; DNS_REPLY_MAX];
    loop {
        let n = socket.recv(&mut buf).await.map_err(io)?;
        let reply = &buf[..n];
        // Another query's answer (or a spoofing attempt): wait for ours.
        if reply.get(..2) == Some(&id.to_be_bytes()[..]) {
            return Ok(reply.to_vec());
        }
    }
}

/// The length prefix of a Kerberos message over TCP ([RFC 4120] 7.2.2).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
const KDC_LENGTH_PREFIX: usize = 4;

impl Driver {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn deadline(&self) -> Instant {
        self.start + self.machine.deadline()
    }

    /// Over plain TCP, counts the `n` bytes the engine takes off the front of `rbuf` (under TLS,
    /// [`Counted`] has counted the records that carried them).
    fn count_taken(&mut self, n: usize) {
        self.count_plain(n.saturating_sub(self.rbuf_counted));
        self.rbuf_counted = self.rbuf_counted.saturating_sub(n);
    }

    /// Over plain TCP, counts what `rbuf` holds when a read ends in a failure: the partial or invalid
    /// frame the engine is judging.
    fn count_held(&mut self) {
        let held = self.rbuf.buffered().len();
        self.count_plain(held.saturating_sub(self.rbuf_counted));
        self.rbuf_counted = held;
    }

    fn count_plain(&self, fresh: usize) {
        if matches!(self.conn, Some(Conn::Tcp(_))) {
            self.counters
                .received
                .fetch_add(fresh as u64, Ordering::Relaxed);
        }
    }

    fn account(&mut self) {
        let sent = self.counters.sent.load(Ordering::Relaxed);
        let received = self.counters.received.load(Ordering::Relaxed);
        let (ds, dr) = (
            sent.saturating_sub(self.reported.0),
            received.saturating_sub(self.reported.1),
        );
        self.reported = (sent, received);
        self.machine.on_io(
            usize::try_from(ds).unwrap_or(usize::MAX),
            usize::try_from(dr).unwrap_or(usize::MAX),
        );
    }

    async fn connect(&mut self) {
        if self.addrs.is_empty() {
            self.machine.on_resolving(self.now());
            let target = self.machine.target().clone();
            let lookup = tokio::net::lookup_host((target.host(), target.port()));
            match tokio::time::timeout_at(self.deadline(), lookup).await {
                Ok(Ok(addrs)) => self.addrs = addrs.collect(),
                Ok(Err(e)) => {
                    let now = self.now();
                    self.machine.on_resolve_failed(e.to_string(), now);
                    return;
                }
                Err(_) => {
                    let now = self.now();
                    self.machine.on_timeout(0, now);
                    return;
                }
            }
            if self.addrs.is_empty() {
                let now = self.now();
                self.machine.on_resolve_failed("no addresses".into(), now);
                return;
            }
        }
        self.machine.on_connecting(self.now());
        let mut last_error = None;
        for addr in self.addrs.clone() {
            self.machine.on_trying(addr);
            match tokio::time::timeout_at(self.deadline(), TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    self.counters = Arc::new(Counters::default());
                    self.reported = (0, 0);
                    self.conn = Some(Conn::Tcp(Counted::new(stream, Arc::clone(&self.counters))));
                    let now = self.now();
                    self.machine.on_connected(addr, now);
                    return;
                }
                Ok(Err(e)) => last_error = Some(crate::tls::os_failure(&e)),
                Err(_) => {
                    let now = self.now();
                    self.machine.on_timeout(0, now);
                    return;
                }
            }
        }
        let now = self.now();
        let error = last_error.unwrap_or(IoFailure::Closed);
        self.machine.on_connect_failed(error, now);
    }

    /// One Kerberos exchange with the KDC, on a connection of its own, bounded by the engine's deadline
    /// (which includes [`crate::engine::KDC_EXCHANGE_LIMIT`]).
    async fn exchange_kdc(&mut self, request: KdcRequest) {
        let (result, limit_ms) = bounded(self.deadline(), kdc_exchange(&request)).await;
        let now = self.now();
        match result {
            Some(Ok(reply)) => self.machine.on_kdc_reply(&reply, now),
            Some(Err(failure)) => self.machine.on_kdc_failed(failure, now),
            None => self
                .machine
                .on_kdc_failed(KdcFailure::TimedOut { limit_ms }, now),
        }
    }

    /// One DNS SRV query for the realm's KDCs, bounded by the engine's deadline (which includes
    /// [`crate::engine::KDC_LOOKUP_LIMIT`]).
    async fn locate_kdc(&mut self, lookup: KdcLookup) {
        let mut id = [0u8; 2];
        let _ = crate::tls::fill_random(&mut id);
        let query = srv_lookup(&lookup, u16::from_be_bytes(id));
        let (result, limit_ms) = bounded(self.deadline(), query).await;
        let now = self.now();
        match result {
            Some(Ok(reply)) => self.machine.on_kdc_located(&reply, now),
            Some(Err(failure)) => self.machine.on_kdc_lookup_failed(failure, now),
            None => self
                .machine
                .on_kdc_lookup_failed(KdcLookupFailure::TimedOut { limit_ms }, now),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        let deadline = self.deadline();
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        match tokio::time::timeout_at(deadline, conn.write_all(bytes)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let failure = match crate::tls::io_failure(&e) {
                    IoFailure::Os {
                        kind: crate::failure::NetworkErrorKind::Other,
                        os_error,
                        message,
                    } => IoFailure::Os {
                        kind: crate::failure::NetworkErrorKind::SendFailed,
                        os_error,
                        message,
                    },
                    other => other,
                };
                let now = self.now();
                self.machine.on_io_failure(failure, now);
            }
            Err(_) => {
                let now = self.now();
                self.machine.on_timeout(0, now);
            }
        }
    }

    async fn receive(&mut self, framing: Framing) {
        loop {
            match self.machine.check_frame(framing, self.rbuf.buffered()) {
                FrameCheck::Complete(n) => {
                    let frame = self.rbuf.take(n);
                    self.count_taken(n);
                    self.account();
                    let now = self.now();
                    self.machine.on_frame(&frame, now);
                    return;
                }
                FrameCheck::Invalid(kind) => {
                    self.count_held();
                    self.account();
                    let now = self.now();
                    self.machine.on_invalid_frame(kind, now);
                    return;
                }
                FrameCheck::Incomplete => {}
            }
            let deadline = self.deadline();
            let read = match self.conn.as_mut() {
                Some(conn) => tokio::time::timeout_at(deadline, self.rbuf.fill(conn)).await,
                // Nothing to read from: the engine asked to receive without a connection.
                None => Ok(Ok(0)),
            };
            let failure = match read {
                Ok(Ok(0)) => IoFailure::Closed,
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => crate::tls::io_failure(&e),
                Err(_) => {
                    self.count_held();
                    self.account();
                    let now = self.now();
                    self.machine.on_timeout(self.rbuf.buffered().len(), now);
                    return;
                }
            };
            self.count_held();
            self.account();
            let now = self.now();
            self.machine.on_io_failure(failure, now);
            return;
        }
    }

    /// Asks [`crate::Trust::confirm`] (which may block on a terminal) off the async threads; no
    /// callback, or one that panics, is a no.
    async fn confirm_trust(&mut self, question: crate::options::TrustQuestion) {
        let yes = match self.machine.options().trust.confirm.clone() {
            Some(confirm) => tokio::task::spawn_blocking(move || confirm(&question))
                .await
                .unwrap_or(false),
            None => false,
        };
        let now = self.now();
        self.machine.on_trust_answer(yes, now);
    }

    /// Random bytes from the TLS provider's secure generator.
    fn random(&mut self, len: usize) {
        let mut bytes = vec![0u8; len];
        let now = self.now();
        match crate::tls::fill_random(&mut bytes) {
            Ok(()) => self.machine.on_random(&bytes, now),
            Err(e) => self
                .machine
                .on_tls_failed(TlsHandshakeError::Rustls(e), now),
        }
    }

    async fn upgrade_tls(&mut self) {
        let Some(Conn::Tcp(mut tcp)) = self.conn.take() else {
            return;
        };
        // The handshake reads the socket itself: whatever the server sent behind the Connection Confirm
        // (nothing, from a server that waits for the ClientHello) stays unused, as it always did. From
        // here on, reads stop at record boundaries.
        self.rbuf.clear();
        self.rbuf_counted = 0;
        tcp.records = Some(RecordCursor::default());
        let options = self.machine.options();
        let config = match crate::tls::client_config(options.cert_policy, &options.trust.ca_roots) {
            Ok(c) => c,
            Err(e) => {
                let now = self.now();
                self.machine.on_tls_failed(e, now);
                return;
            }
        };
        let server_name = crate::tls::server_name(self.machine.target().host());
        let connector = TlsConnector::from(config);
        let deadline = self.deadline();
        match tokio::time::timeout_at(deadline, connector.connect(server_name, tcp)).await {
            Ok(Ok(stream)) => {
                let (_, session) = stream.get_ref();
                let version = session.protocol_version().map_or(0, u16::from);
                let cipher_suite = session
                    .negotiated_cipher_suite()
                    .map_or(0, |c| u16::from(c.suite()));
                let chain: Vec<Vec<u8>> = session
                    .peer_certificates()
                    .map(|c| c.iter().map(|d| d.to_vec()).collect())
                    .unwrap_or_default();
                self.conn = Some(Conn::Tls(Box::new(stream)));
                self.account();
                let chain_check = crate::tls::chain_check(
                    self.machine.options(),
                    &chain,
                    self.machine.target().host(),
                );
                let now = self.now();
                self.machine.on_tls_established(
                    TlsEstablished {
                        version,
                        cipher_suite,
                        chain,
                        chain_check,
                    },
                    now,
                );
            }
            Ok(Err(e)) => {
                self.account();
                let error = match crate::tls::rustls_error(&e) {
                    Some(t) => TlsHandshakeError::Rustls(t.clone()),
                    None => TlsHandshakeError::Io(crate::tls::os_failure(&e)),
                };
                let now = self.now();
                self.machine.on_tls_failed(error, now);
            }
            Err(_) => {
                self.account();
                let now = self.now();
                self.machine.on_timeout(0, now);
            }
        }
    }

    /// The legacy-TLS attempt's handshake (OpenSSL), as [`Driver::upgrade_tls`] does the modern one.
    #[cfg(feature = "legacy-tls")]
    async fn upgrade_legacy_tls(&mut self) {
        let Some(Conn::Tcp(mut tcp)) = self.conn.take() else {
            return;
        };
        self.rbuf.clear();
        self.rbuf_counted = 0;
        tcp.records = Some(RecordCursor::default());
        let host = self.machine.target().host().to_owned();
        let policy = self.machine.options().cert_policy;
        let ca_roots = self.machine.options().trust.ca_roots.clone();
        let deadline = self.deadline();
        let handshake = crate::legacy_tls::handshake(tcp, &host, policy, &ca_roots);
        match tokio::time::timeout_at(deadline, handshake).await {
            Ok(Ok((stream, mut established))) => {
                self.conn = Some(Conn::Legacy(Box::new(stream)));
                self.account();
                established.chain_check = crate::tls::chain_check(
                    self.machine.options(),
                    &established.chain,
                    self.machine.target().host(),
                );
                let now = self.now();
                self.machine.on_tls_established(established, now);
            }
            Ok(Err(error)) => {
                self.account();
                let now = self.now();
                self.machine.on_tls_failed(error, now);
            }
            Err(_) => {
                self.account();
                let now = self.now();
                self.machine.on_timeout(0, now);
            }
        }
    }

    /// Without the `legacy-tls` feature there is no legacy stack: the attempt ends in `tls`.
    #[cfg(not(feature = "legacy-tls"))]
    async fn upgrade_legacy_tls(&mut self) {
        let now = self.now();
        self.machine.on_tls_failed(
            TlsHandshakeError::Legacy {
                message: "rdp-probe was built without the legacy-tls feature (OpenSSL)".into(),
                alert: None,
            },
            now,
        );
    }
}
