//! The inventory's connections: each one bounded in time, counted, and taken from a per-host pool of
//! permits so that no more than the cap are open at once. Bytes in, bytes out; the decisions are the
//! callers'.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;
use rdp_probe_wire::frame::{self, FrameLen};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::negotiation::Silence;
use crate::Timeouts;
use crate::framed::FrameReader;

/// Counts the connections of one inventory: how many were opened, and the most open at once.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    opened: AtomicU32,
    open: AtomicU32,
    peak: AtomicU32,
}

impl Counters {
    /// Connections opened (attempted), and the most that were open at the same time.
    pub(crate) fn totals(&self) -> (u32, u32) {
        (
            self.opened.load(Ordering::Relaxed),
            self.peak.load(Ordering::Relaxed),
        )
    }
}

/// Where and how the inventory connects.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub(crate) addr: SocketAddr,
    pub(crate) limits: Timeouts,
    /// No connection starts after this instant.
    pub(crate) deadline: Instant,
    permits: Arc<Semaphore>,
    /// Connections that have not yet brought a byte back: see [`MAX_UNANSWERED`].
    unanswered: Arc<Semaphore>,
    pub(crate) counters: Arc<Counters>,
}

/// The most connections that may wait for the server's first byte at once. A server that accepts
/// slowly has a short listen queue (xrdp, which forks per connection, showed it in the lab: with five
/// connects at once, some SYNs went unanswered and were only retransmitted a second later); connections
/// that have been answered are no longer in that queue.
pub(crate) const MAX_UNANSWERED: usize = 2;

/// How a read ended without the awaited bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Closed, reset or silent.
    Silent(Silence),
    /// Bytes that cannot start what was awaited, described.
    Invalid(String),
}

impl Pool {
    pub(crate) fn new(addr: SocketAddr, limits: Timeouts, max_connections: usize) -> Self {
        Pool {
            addr,
            limits,
            deadline: Instant::now() + limits.overall,
            permits: Arc::new(Semaphore::new(max_connections.max(1))),
            unanswered: Arc::new(Semaphore::new(MAX_UNANSWERED)),
            counters: Arc::new(Counters::default()),
        }
    }

    /// A permit from the pool (waiting for one), then a TCP connection bounded by the connect limit.
    pub(crate) async fn connect(&self) -> Result<Link, Silence> {
        let permit =
            match tokio::time::timeout_at(self.deadline, Arc::clone(&self.permits).acquire_owned())
                .await
            {
                Ok(Ok(p)) => p,
                _ => return Err(Silence::Timeout),
            };
        let unanswered = match tokio::time::timeout_at(
            self.deadline,
            Arc::clone(&self.unanswered).acquire_owned(),
        )
        .await
        {
            Ok(Ok(p)) => p,
            _ => return Err(Silence::Timeout),
        };
        if Instant::now() >= self.deadline {
            return Err(Silence::Timeout);
        }
        self.counters.opened.fetch_add(1, Ordering::Relaxed);
        let limit = (Instant::now() + self.limits.connect).min(self.deadline);
        let stream = match tokio::time::timeout_at(limit, TcpStream::connect(self.addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(match e.kind() {
                    io::ErrorKind::ConnectionReset => Silence::Reset,
                    _ => Silence::ConnectFailed,
                });
            }
            Err(_) => return Err(Silence::Timeout),
        };
        let _ = stream.set_nodelay(true);
        let open = self.counters.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.counters.peak.fetch_max(open, Ordering::Relaxed);
        Ok(Link {
            stream,
            reader: FrameReader::new(),
            limits: self.limits,
            deadline: self.deadline,
            counters: Arc::clone(&self.counters),
            unanswered: Some(unanswered),
            _permit: permit,
        })
    }

    /// Runs `f` while holding one permit (for work that opens its own connections one at a time, like
    /// a whole diagnosis), counting it as one open connection.
    pub(crate) async fn with_permit<F: Future>(&self, f: F) -> Option<F::Output> {
        let _permit =
            tokio::time::timeout_at(self.deadline, Arc::clone(&self.permits).acquire_owned())
                .await
                .ok()?
                .ok()?;
        let open = self.counters.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.counters.peak.fetch_max(open, Ordering::Relaxed);
        let out = f.await;
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
        Some(out)
    }

    /// Adds connections opened outside [`Pool::connect`] to the count.
    pub(crate) fn count_opened(&self, n: u32) {
        self.counters.opened.fetch_add(n, Ordering::Relaxed);
    }
}

/// One open connection of the inventory.
#[derive(Debug)]
pub(crate) struct Link {
    stream: TcpStream,
    reader: FrameReader,
    limits: Timeouts,
    deadline: Instant,
    counters: Arc<Counters>,
    /// Held until the server's first byte arrives.
    unanswered: Option<OwnedSemaphorePermit>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
    }
}

fn silence(e: &io::Error) -> Silence {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => Silence::Closed,
        io::ErrorKind::TimedOut => Silence::Timeout,
        _ => Silence::Reset,
    }
}

impl Link {
    /// The server has answered (or the read ended): the connection no longer counts as unanswered.
    fn answered(&mut self) {
        self.unanswered = None;
    }

    fn read_limit(&self) -> Instant {
        (Instant::now() + self.limits.phase).min(self.deadline)
    }

    /// Sends `bytes` (bounded by the phase limit).
    pub(crate) async fn send(&mut self, bytes: &[u8]) -> Result<(), Silence> {
        match tokio::time::timeout_at(self.read_limit(), self.stream.write_all(bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(silence(&e)),
            Err(_) => Err(Silence::Timeout),
        }
    }

    /// Reads one TPKT frame (bounded by the phase limit).
    pub(crate) async fn read_tpkt(&mut self) -> Result<Bytes, ReadError> {
        self.read_framed(frame::rdp_frame_len).await
    }

    /// Reads until `delimit` finds a whole frame.
    pub(crate) async fn read_framed(
        &mut self,
        delimit: impl Fn(&[u8]) -> FrameLen,
    ) -> Result<Bytes, ReadError> {
        let limit = self.read_limit();
        let read =
            tokio::time::timeout_at(limit, self.reader.read_frame(&mut self.stream, delimit)).await;
        self.answered();
        match read {
            Ok(Ok(frame)) => Ok(frame),
            Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => Err(ReadError::Invalid(
                format!("{:?}", frame::sniff(self.reader.buffered())),
            )),
            Ok(Err(e)) => Err(ReadError::Silent(silence(&e))),
            Err(_) => Err(ReadError::Silent(Silence::Timeout)),
        }
    }

    /// Reads until `judge` says the buffered bytes decide something (`Some`), the peer stops, the
    /// phase limit passes, or `max` bytes are buffered without a decision. On a stop the judge gets
    /// one last look at what came (`done = true`).
    pub(crate) async fn read_until<T>(
        &mut self,
        max: usize,
        judge: impl Fn(&[u8], bool) -> Option<T>,
    ) -> Result<T, ReadError> {
        let limit = self.read_limit();
        loop {
            if let Some(t) = judge(self.reader.buffered(), false) {
                return Ok(t);
            }
            if self.reader.buffered().len() >= max {
                return Err(ReadError::Invalid(format!(
                    "more than {max} bytes without an answer"
                )));
            }
            let fill = tokio::time::timeout_at(limit, self.reader.fill(&mut self.stream)).await;
            self.answered();
            let stop = match fill {
                Ok(Ok(0)) => Silence::Closed,
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => silence(&e),
                Err(_) => Silence::Timeout,
            };
            return judge(self.reader.buffered(), true).ok_or(ReadError::Silent(stop));
        }
    }
}
