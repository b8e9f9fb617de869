//! One framed reader for the driver and the lab servers: a [`BytesMut`] receive buffer, filled from
//! any [`AsyncRead`], and a delimiter that tells where the first frame ends ([`FrameLen`], from the
//! tolerant decoders of `rdp-probe-wire`), in the manner of a tokio-util codec.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use rdp_probe_core::framed::FrameReader;
//! use rdp_probe_wire::frame::rdp_frame_len;
//!
//! // Two TPKT frames (X.224 Data TPDUs) arriving in one read, then the peer closes.
//! let mut wire: &[u8] = &[3, 0, 0, 8, 2, 0xf0, 0x80, 0xaa, 3, 0, 0, 7, 2, 0xf0, 0x80];
//! let mut reader = FrameReader::new();
//! let first = reader.read_frame(&mut wire, rdp_frame_len).await?;
//! assert_eq!(&first[..], [3, 0, 0, 8, 2, 0xf0, 0x80, 0xaa]);
//! let second = reader.read_frame(&mut wire, rdp_frame_len).await?;
//! assert_eq!(&second[..], [3, 0, 0, 7, 2, 0xf0, 0x80]);
//! assert!(reader.read_frame(&mut wire, rdp_frame_len).await.is_err());
//! # Ok(())
//! # }
//! ```

use std::io;

use bytes::{Bytes, BytesMut};
use rdp_probe_wire::frame::FrameLen;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The room the first read of a connection asks for: enough for an X.224 Connection Confirm, a
/// TLS alert or a small server flight, so that the many short connections of an inventory or a
/// fleet sweep hold 1 KiB each, not 16.
const FIRST_READ_CHUNK: usize = 1024;
/// The most room one read asks for; from the first read's, each read asks for as much as the
/// buffer already holds (doubling), up to this.
const READ_CHUNK: usize = 16 * 1024;

/// A receive buffer that yields whole frames.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: BytesMut,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes received and not yet taken.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Takes the first `n` buffered bytes (all of them if fewer are buffered).
    pub fn take(&mut self, n: usize) -> Bytes {
        self.buf.split_to(n.min(self.buf.len())).freeze()
    }

    /// Drops everything buffered (a new connection starts with nothing).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Reads once from `source` into the buffer; returns how many bytes came (0: the peer closed).
    pub async fn fill<R: AsyncRead + Unpin>(&mut self, source: &mut R) -> io::Result<usize> {
        let room = self.buf.capacity().clamp(FIRST_READ_CHUNK, READ_CHUNK);
        self.buf.reserve(room);
        source.read_buf(&mut self.buf).await
    }

    /// Reads until `delimit` finds a whole frame at the front of the buffer, and takes it. A frame
    /// that cannot start there, or claims more than the delimiter accepts, is `InvalidData`; a peer
    /// that closes first is `UnexpectedEof`.
    pub async fn read_frame<R: AsyncRead + Unpin>(
        &mut self,
        source: &mut R,
        delimit: impl Fn(&[u8]) -> FrameLen,
    ) -> io::Result<Bytes> {
        loop {
            match delimit(&self.buf) {
                FrameLen::Complete(n) => return Ok(self.take(n)),
                FrameLen::Invalid(sniff) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("bytes that cannot start the frame awaited ({sniff:?})"),
                    ));
                }
                FrameLen::TooLarge { claimed, max } => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("a frame claims {claimed} bytes, more than the {max} accepted"),
                    ));
                }
                FrameLen::Incomplete { .. } => {
                    if self.fill(source).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
        }
    }
}
