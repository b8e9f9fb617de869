//! Byte plumbing of one acceptor connection: whole client PDUs cut by the acceptor's own PDU hints,
//! answers written in one piece, an orderly close and a bounded drain.

use std::io;
use std::time::Duration;

use ironrdp_pdu::PduHint;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest client PDU the server buffers: a TPKT frame is at most 65535 bytes ([T.123] 8),
/// and no TSRequest of an NTLM exchange comes close.
pub(super) const MAX_PDU: usize = 1 << 16;

/// How long an orderly close waits for the client to close its side before dropping the socket.
pub(super) const CLOSE_DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// A client connection (plain TCP or TLS) with what was read but not consumed yet.
pub(super) struct Link<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S> Link<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    pub(super) fn new(stream: S) -> Self {
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// The stream and the bytes read from it but not consumed.
    pub(super) fn into_parts(self) -> (S, Vec<u8>) {
        (self.stream, self.buf)
    }

    /// Reads the next whole PDU that `hint` recognises; PDUs the hint sizes but does not match
    /// are skipped, as IronRDP's own framing does.
    pub(super) async fn read_pdu(&mut self, hint: &dyn PduHint) -> io::Result<Vec<u8>> {
        loop {
            match hint.find_size(&self.buf) {
                Ok(Some((_, 0))) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "client PDU of length 0",
                    ));
                }
                Ok(Some((_, len))) if len > MAX_PDU => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("client PDU of {len} bytes (limit {MAX_PDU})"),
                    ));
                }
                Ok(Some((matched, len))) if self.buf.len() >= len => {
                    let pdu: Vec<u8> = self.buf.drain(..len).collect();
                    if matched {
                        return Ok(pdu);
                    }
                    continue;
                }
                Ok(_) if self.buf.len() >= MAX_PDU => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("no client PDU in {} bytes", self.buf.len()),
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("client sent a malformed PDU: {e}"),
                    ));
                }
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Writes `bytes` (nothing when empty) and flushes.
    pub(super) async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// Reads and discards until the client closes (EOF or an error).
    pub(super) async fn drain(&mut self) {
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = self.stream.read(&mut chunk).await {
            if n == 0 {
                break;
            }
        }
    }

    /// Orderly close: shut the sending side down (for TLS a close_notify first, then FIN), then
    /// drain until the client closes too (at most [`CLOSE_DRAIN_LIMIT`]), then drop.
    pub(super) async fn close(mut self) -> io::Result<()> {
        self.stream.shutdown().await?;
        let _ = tokio::time::timeout(CLOSE_DRAIN_LIMIT, self.drain()).await;
        Ok(())
    }
}
