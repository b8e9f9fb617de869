//! A server with an outstanding-connection limit, as Windows has one: it answers each Connection
//! Request (selecting Standard RDP Security) and then waits for the client, holding the connection;
//! while `limit` connections are held, a new one is reset as soon as it is accepted. For
//! `rdp-probe capacity`'s test.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rdp_probe_wire::x224::{self, ConnectionConfirm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The scripted server's answer: RDP_NEG_RSP selecting PROTOCOL_RDP, flags
/// EXTENDED_CLIENT_DATA_SUPPORTED.
const ANSWER: ConnectionConfirm = ConnectionConfirm::Response {
    flags: 1,
    selected_protocol: x224::PROTOCOL_RDP,
};

/// A running limited server; dropping it closes everything.
#[derive(Debug)]
pub struct LimitedServer {
    addr: SocketAddr,
    held: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl LimitedServer {
    /// Listens on `127.0.0.1:0` and holds at most `limit` connections at once.
    pub async fn start(limit: usize) -> io::Result<LimitedServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let held = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(accept_loop(listener, limit, Arc::clone(&held)));
        Ok(LimitedServer { addr, held, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, limit: usize, held: Arc<AtomicUsize>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if held.load(Ordering::Relaxed) >= limit {
                    // Over the limit: SO_LINGER 0, then drop, so the kernel sends RST.
                    let _ = stream.set_zero_linger();
                    drop(stream);
                    continue;
                }
                held.fetch_add(1, Ordering::Relaxed);
                let held = Arc::clone(&held);
                connections.spawn(async move {
                    let _ = hold(stream).await;
                    held.fetch_sub(1, Ordering::Relaxed);
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Reads the Connection Request, answers it, then reads and discards until the client closes.
async fn hold(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await?;
    if n == 0 {
        return Ok(());
    }
    stream.write_all(&x224::connection_confirm(&ANSWER)).await?;
    while stream.read(&mut buf).await? > 0 {}
    Ok(())
}
