//! The accept loop the in-process servers share: loopback only (`127.0.0.1` unless another loopback
//! address is asked for), one task per connection, at most [`MAX_CONNECTIONS`] at once, and
//! everything stopped when the handle is dropped.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Connections served at once; more are closed as soon as they are accepted.
pub const MAX_CONNECTIONS: usize = 64;

/// A listening server; dropping it aborts the accept loop and every connection it serves.
#[derive(Debug)]
pub(crate) struct Listening {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Listening {
    /// Binds `127.0.0.1:port` (0 picks a free port) and serves each accepted connection with
    /// `serve`, on the current tokio runtime. `label` names the server in debug output.
    pub(crate) async fn start<F, Fut>(port: u16, label: String, serve: F) -> io::Result<Listening>
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = io::Result<()>> + Send + 'static,
    {
        Self::start_at(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), label, serve).await
    }

    /// Like [`Listening::start`] on `addr`, which must be a loopback address (127.0.0.0/8, ::1): the
    /// lab never listens elsewhere.
    pub(crate) async fn start_at<F, Fut>(
        addr: SocketAddr,
        label: String,
        serve: F,
    ) -> io::Result<Listening>
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = io::Result<()>> + Send + 'static,
    {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the lab listens on loopback addresses only, not {addr}"),
            ));
        }
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, label, serve));
        Ok(Listening { addr, task })
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn accept_loop<F, Fut>(listener: TcpListener, label: String, serve: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) if connections.len() < MAX_CONNECTIONS => {
                    let served = serve(stream);
                    let label = label.clone();
                    connections.spawn(async move {
                        if let Err(e) = served.await {
                            debug_log(&label, peer, &e);
                        }
                    });
                }
                // Over the limit: dropping the stream closes the connection.
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// The lab has no logging dependency; a connection that ends early (the client went away, a
/// scenario refused it) is normal, so this only reports when `RDP_PROBE_LAB_DEBUG` is set.
fn debug_log(label: &str, peer: SocketAddr, e: &io::Error) {
    if std::env::var_os("RDP_PROBE_LAB_DEBUG").is_some() {
        eprintln!("{label} (peer {peer}): {e}");
    }
}
