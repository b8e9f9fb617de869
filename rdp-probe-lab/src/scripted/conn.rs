//! One connection of the scripted server: the script and the byte plumbing.

use std::io;
use std::time::Duration;

use rdp_probe_wire::frame::{FrameLen, rdp_frame_len};
use rdp_probe_wire::mcs::{self, ConnectResponseSpec};
use rdp_probe_wire::share;
use rdp_probe_wire::x224::{self, ConnectionConfirm, PROTOCOL_HYBRID, PROTOCOL_RDP, PROTOCOL_SSL};
use rdp_probe_wire::{credssp, tls};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{
    CORE_VERSION, DRIP_INTERVAL, IO_CHANNEL, REDIRECT_SESSION_ID, REDIRECT_TARGET, Scenario,
    USER_CHANNEL,
};

/// How long an orderly close waits for the client to close its side before dropping the socket.
const CLOSE_DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// `ST_TOTAL_ABORT` / `ST_NO_TRANSITION` ([MS-RDPELE] 2.2.2.8).
const ST_NO_TRANSITION: u32 = share::ST_NO_TRANSITION;

/// MCS Disconnect Provider Ultimatum reason rn-user-requested ([T.125] 10.3).
const RN_USER_REQUESTED: u8 = 3;

/// `RDP_NEG_FAILURE` `SSL_NOT_ALLOWED_BY_SERVER` ([MS-RDPBCGR] 2.2.1.2.2).
const SSL_NOT_ALLOWED_BY_SERVER: u32 = 2;

/// `CS_NET` client data block type ([MS-RDPBCGR] 2.2.1.3.4).
const CS_NET: u16 = 0xC003;

/// What [`Scenario::Garbage`] sends: neither TPKT (0x03), nor fast-path (low two bits zero), nor a
/// TLS, HTTP or SSH prefix.
const GARBAGE: &[u8] = b"\xff\xfe\xfd\xfc garbage, not RDP \x01\x02\x03";

const HTTP_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request";

const SSH_BANNER: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";

/// A TLS 1.0 record carrying a fatal handshake_failure alert ([RFC 5246] 7.2).
const TLS_ALERT: &[u8] = &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28];

/// TLS alert level fatal ([RFC 5246] 7.2).
const TLS_ALERT_FATAL: u8 = 2;

/// `TLS_RSA_WITH_AES_128_CBC_SHA` ([RFC 5246] A.5), what the TLS 1.0 ServerHello picks.
const TLS_RSA_WITH_AES_128_CBC_SHA: u16 = 0x002f;

/// `SEC_REDIRECTION_PKT` ([MS-RDPBCGR] 2.2.8.1.1.2.1, 2.2.13.1).
const SEC_REDIRECTION_PKT: u16 = 0x0400;
/// `LB_TARGET_NET_ADDRESS` ([MS-RDPBCGR] 2.2.13.1).
const LB_TARGET_NET_ADDRESS: u32 = 0x0000_0001;

/// User data of a Standard Security Server Redirection PDU ([MS-RDPBCGR] 2.2.13.2.1): a basic
/// security header with `SEC_REDIRECTION_PKT`, then the RDP_SERVER_REDIRECTION_PACKET
/// ([MS-RDPBCGR] 2.2.13.1) with a target net address and the 8-byte pad.
fn redirection_user_data() -> Vec<u8> {
    let mut address: Vec<u8> = REDIRECT_TARGET
        .encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut packet = Vec::new();
    packet.extend_from_slice(&SEC_REDIRECTION_PKT.to_le_bytes());
    packet.extend_from_slice(&0u16.to_le_bytes()); // Length, set below
    packet.extend_from_slice(&REDIRECT_SESSION_ID.to_le_bytes());
    packet.extend_from_slice(&LB_TARGET_NET_ADDRESS.to_le_bytes());
    packet.extend_from_slice(&(address.len() as u32).to_le_bytes());
    packet.append(&mut address);
    packet.extend_from_slice(&[0u8; 8]); // Pad
    let len = (packet.len() as u16).to_le_bytes();
    packet[2..4].copy_from_slice(&len);
    let mut out = Vec::with_capacity(4 + packet.len());
    out.extend_from_slice(&SEC_REDIRECTION_PKT.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // flagsHi
    out.extend_from_slice(&packet);
    out
}

/// How the connection ends once the script reaches its end point.
enum Ending {
    Close,
    Reset,
    Hold,
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads one whole TPKT (or fast-path) frame from the client.
    async fn read_frame(&mut self) -> io::Result<Vec<u8>> {
        loop {
            match rdp_frame_len(&self.buf) {
                FrameLen::Complete(n) => return Ok(self.buf.drain(..n).collect()),
                FrameLen::Invalid(sniff) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("client sent a non-RDP frame ({sniff:?})"),
                    ));
                }
                FrameLen::Incomplete { .. } => {
                    let mut chunk = [0u8; 4096];
                    let n = self.stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }

    /// Reads one whole TLS record (5-byte header and fragment) from the client.
    async fn read_tls_record(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if self.buf.len() >= 5 {
                let n = 5 + usize::from(u16::from_be_bytes([self.buf[3], self.buf[4]]));
                if self.buf.len() >= n {
                    return Ok(self.buf.drain(..n).collect());
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

    async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    async fn end(self, ending: Ending) -> io::Result<()> {
        match ending {
            Ending::Close => self.close().await,
            Ending::Reset => self.reset(),
            Ending::Hold => self.hold().await,
        }
    }

    /// Orderly close: FIN, then drain until the client closes (bounded), then drop.
    async fn close(mut self) -> io::Result<()> {
        self.stream.shutdown().await?;
        let _ = tokio::time::timeout(CLOSE_DRAIN_LIMIT, drain(&mut self.stream)).await;
        Ok(())
    }

    /// Reset: `SO_LINGER` 0, then drop, so the kernel sends RST.
    fn reset(self) -> io::Result<()> {
        self.stream.set_zero_linger()?;
        drop(self.stream);
        Ok(())
    }

    /// Keep the connection open, reading and discarding, until the client closes (or the server
    /// is dropped).
    async fn hold(mut self) -> io::Result<()> {
        drain(&mut self.stream).await;
        Ok(())
    }
}

async fn drain(stream: &mut TcpStream) {
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk).await {
        if n == 0 {
            break;
        }
    }
}

/// `requestedProtocols` of an X.224 Connection Request's RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1.1),
/// `None` if it carries none.
fn requested_protocols(cr: &[u8]) -> Option<u32> {
    let li = usize::from(*cr.get(4)?);
    let hdr = cr.get(5..5 + li)?;
    let neg = hdr.get(hdr.len().checked_sub(8)?..)?;
    if hdr.len() < 6 + 8 || neg[0] != x224::TYPE_RDP_NEG_REQ {
        return None;
    }
    Some(u32::from_le_bytes([neg[4], neg[5], neg[6], neg[7]]))
}

/// The payload of an X.224 Data TPDU.
fn data_payload(frame: &[u8]) -> Option<&[u8]> {
    match x224::parse_x224(frame) {
        Ok(x224::X224Pdu::Data(p)) => Some(p),
        _ => None,
    }
}

/// Number of static channels requested in the Client Network Data of an MCS Connect Initial
/// ([MS-RDPBCGR] 2.2.1.3.4); 0 when it cannot be found. Best effort: the client data blocks follow
/// the H.221 key "Duca" and a PER length ([T.124] 8.7).
fn requested_channel_count(connect_initial: &[u8]) -> usize {
    let Some(payload) = data_payload(connect_initial) else {
        return 0;
    };
    let Some(pos) = payload.windows(4).position(|w| w == b"Duca") else {
        return 0;
    };
    let mut rest = payload.get(pos + 4..).unwrap_or_default();
    // PER length determinant: one byte, or two with the high bit set.
    match rest.first() {
        Some(b) if b & 0x80 == 0 => rest = rest.get(1..).unwrap_or_default(),
        Some(_) => rest = rest.get(2..).unwrap_or_default(),
        None => return 0,
    }
    while rest.len() >= 4 {
        let block_type = u16::from_le_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
        if len < 4 || len > rest.len() {
            return 0;
        }
        if block_type == CS_NET && len >= 8 {
            let count = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
            return usize::try_from(count).unwrap_or(0).min(31);
        }
        rest = &rest[len..];
    }
    0
}

/// The channel id asked for by an MCS Channel Join Request ([MS-RDPBCGR] 2.2.1.8): choice byte,
/// initiator, channelId.
fn join_request_channel(frame: &[u8]) -> Option<u16> {
    let p = data_payload(frame)?;
    if p.first()? >> 2 != 14 {
        return None;
    }
    Some(u16::from_be_bytes([*p.get(3)?, *p.get(4)?]))
}

/// The scenarios that select a TLS-based protocol: the Connection Confirm, then the TLS (and
/// CredSSP) part of the script.
async fn serve_tls(mut c: Conn, scenario: Scenario, requested: Option<u32>) -> io::Result<()> {
    let selected_protocol = if requested.unwrap_or(PROTOCOL_RDP) & PROTOCOL_HYBRID != 0 {
        PROTOCOL_HYBRID
    } else {
        PROTOCOL_SSL
    };
    c.send(&x224::connection_confirm(&ConnectionConfirm::Response {
        flags: 0,
        selected_protocol,
    }))
    .await?;
    match scenario {
        Scenario::TlsAlertAfterConfirm(description) => {
            let _client_hello = c.read_tls_record().await?;
            c.send(&tls::alert_record(
                tls::TLS1_2,
                TLS_ALERT_FATAL,
                description,
            ))
            .await?;
            c.end(Ending::Close).await
        }
        Scenario::Tls10Only => {
            let _client_hello = c.read_tls_record().await?;
            c.send(&tls::server_hello_record(
                tls::TLS1_0,
                TLS_RSA_WITH_AES_128_CBC_SHA,
                &[],
            ))
            .await?;
            c.end(Ending::Hold).await
        }
        _ => {
            debug_assert!(
                c.buf.is_empty(),
                "the client spoke before the Connection Confirm"
            );
            let mut stream = super::tls::acceptor()?.accept(c.stream).await?;
            if let Scenario::CredsspError { version, ntstatus } = scenario {
                let mut buf = Vec::new();
                loop {
                    match credssp::ts_request_len(&buf) {
                        FrameLen::Complete(_) => break,
                        FrameLen::Invalid(sniff) => {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!("client sent a non-TSRequest ({sniff:?})"),
                            ));
                        }
                        FrameLen::Incomplete { .. } => {
                            let mut chunk = [0u8; 4096];
                            let n = stream.read(&mut chunk).await?;
                            if n == 0 {
                                return Err(io::ErrorKind::UnexpectedEof.into());
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                    }
                }
                stream
                    .write_all(&credssp::encode_ts_request_error(version, ntstatus))
                    .await?;
                stream.flush().await?;
            }
            // close_notify and FIN, then drain until the client closes (bounded).
            stream.shutdown().await?;
            let _ = tokio::time::timeout(CLOSE_DRAIN_LIMIT, async {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stream.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
            Ok(())
        }
    }
}

/// Plays `scenario` on one accepted connection.
pub(super) async fn serve(stream: TcpStream, scenario: Scenario) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut c = Conn {
        stream,
        buf: Vec::new(),
    };
    match scenario {
        Scenario::CloseAfterAccept => return c.end(Ending::Close).await,
        Scenario::ResetAfterAccept => return c.end(Ending::Reset).await,
        Scenario::Silent => return c.end(Ending::Hold).await,
        _ => {}
    }

    // X.224 Connection Request -> Connection Confirm.
    let cr = c.read_frame().await?;
    let requested = requested_protocols(&cr);
    if matches!(
        scenario,
        Scenario::TlsAlertAfterConfirm(_)
            | Scenario::Tls10Only
            | Scenario::CredsspError { .. }
            | Scenario::CloseAfterTls
    ) {
        return serve_tls(c, scenario, requested).await;
    }
    let rdp = ConnectionConfirm::Response {
        flags: 0,
        selected_protocol: PROTOCOL_RDP,
    };
    match scenario {
        Scenario::ResetAfterConnectionRequest => return c.end(Ending::Reset).await,
        Scenario::Garbage => {
            c.send(GARBAGE).await?;
            return c.end(Ending::Hold).await;
        }
        Scenario::Http => {
            c.send(HTTP_400).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::SshBanner => {
            c.send(SSH_BANNER).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::TlsAlert => {
            c.send(TLS_ALERT).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::HugeTpktLength => {
            c.send(&[0x03, 0x00, 0xff, 0xff]).await?;
            return c.end(Ending::Hold).await;
        }
        Scenario::NegFailure(code) => {
            c.send(&x224::connection_confirm(&ConnectionConfirm::Failure {
                flags: 0,
                code,
            }))
            .await?;
            return c.end(Ending::Close).await;
        }
        Scenario::SslNotAllowedThenErrinfo(_) if requested.unwrap_or(PROTOCOL_RDP) != 0 => {
            c.send(&x224::connection_confirm(&ConnectionConfirm::Failure {
                flags: 0,
                code: SSL_NOT_ALLOWED_BY_SERVER,
            }))
            .await?;
            return c.end(Ending::Close).await;
        }
        Scenario::SelectsUnrequested(selected_protocol) => {
            c.send(&x224::connection_confirm(&ConnectionConfirm::Response {
                flags: 0,
                selected_protocol,
            }))
            .await?;
            return c.end(Ending::Close).await;
        }
        Scenario::LegacyNoNegotiation => {
            c.send(&x224::connection_confirm(
                &ConnectionConfirm::NoNegotiationData,
            ))
            .await?;
        }
        Scenario::Drip => {
            for b in x224::connection_confirm(&rdp) {
                c.send(&[b]).await?;
                tokio::time::sleep(DRIP_INTERVAL).await;
            }
        }
        _ => c.send(&x224::connection_confirm(&rdp)).await?,
    }

    // MCS Connect Initial -> Connect Response.
    let ci = c.read_frame().await?;
    match scenario {
        Scenario::McsDisconnectInBasicSettings(reason) => {
            c.send(&mcs::disconnect_provider_ultimatum(reason)).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::McsConnectRejected(result) => {
            c.send(&mcs::connect_response_frame(&ConnectResponseSpec {
                result,
                core_version: 0,
                client_requested_protocols: 0,
                encryption: (0, 0),
                io_channel: 0,
                channel_ids: vec![],
            }))
            .await?;
            return c.end(Ending::Close).await;
        }
        _ => {}
    }
    let static_channels = requested_channel_count(&ci);
    let channel_ids: Vec<u16> = (0..static_channels)
        .map(|i| IO_CHANNEL + 1 + i as u16)
        .collect();
    c.send(&mcs::connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: CORE_VERSION,
        client_requested_protocols: requested.unwrap_or(PROTOCOL_RDP),
        encryption: (0, 0),
        io_channel: IO_CHANNEL,
        channel_ids,
    }))
    .await?;
    if scenario == Scenario::CloseAfterConnectResponse {
        return c.end(Ending::Close).await;
    }

    // Erect Domain Request (no answer), Attach User Request -> Attach User Confirm.
    let _erect_domain = c.read_frame().await?;
    let _attach_user = c.read_frame().await?;
    if let Scenario::AttachUserRejected(result) = scenario {
        c.send(&mcs::attach_user_confirm(result, None)).await?;
        return c.end(Ending::Close).await;
    }
    c.send(&mcs::attach_user_confirm(0, Some(USER_CHANNEL)))
        .await?;

    // Channel Join Requests (user channel, I/O channel, static channels) -> Confirms.
    for _ in 0..2 + static_channels {
        let join = c.read_frame().await?;
        let channel = join_request_channel(&join).unwrap_or(IO_CHANNEL);
        if let Scenario::ChannelJoinRejected(result) = scenario {
            c.send(&mcs::channel_join_confirm(
                result,
                USER_CHANNEL,
                channel,
                None,
            ))
            .await?;
            return c.end(Ending::Close).await;
        }
        c.send(&mcs::channel_join_confirm(
            0,
            USER_CHANNEL,
            channel,
            Some(channel),
        ))
        .await?;
    }

    // Client Info PDU (Standard RDP Security, no encryption: nothing else to exchange first).
    let _client_info = c.read_frame().await?;

    let errinfo = |v| share::set_error_info_frame(USER_CHANNEL, IO_CHANNEL, v);
    match scenario {
        Scenario::ErrinfoAfterClientInfo(v) | Scenario::SslNotAllowedThenErrinfo(v) => {
            c.send(&errinfo(v)).await?;
            c.end(Ending::Close).await
        }
        Scenario::LegacyNoNegotiation | Scenario::Drip => {
            c.send(&errinfo(7)).await?;
            c.end(Ending::Close).await
        }
        Scenario::ErrinfoThenUltimatum(v) => {
            c.send(&errinfo(v)).await?;
            c.send(&mcs::disconnect_provider_ultimatum(RN_USER_REQUESTED))
                .await?;
            c.end(Ending::Close).await
        }
        Scenario::ErrinfoThenReset(v) => {
            c.send(&errinfo(v)).await?;
            // Let the Set Error Info PDU reach the client before the RST discards it.
            tokio::time::sleep(Duration::from_millis(100)).await;
            c.end(Ending::Reset).await
        }
        Scenario::ErrinfoThenHold(v) => {
            c.send(&errinfo(v)).await?;
            c.end(Ending::Hold).await
        }
        Scenario::LicenseError {
            code,
            state_transition,
        } => {
            c.send(&share::license_error_alert_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                code,
                state_transition,
            ))
            .await?;
            c.end(Ending::Close).await
        }
        Scenario::LicenseValidClientThenErrinfo(v) => {
            c.send(&share::license_error_alert_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                share::STATUS_VALID_CLIENT,
                ST_NO_TRANSITION,
            ))
            .await?;
            c.send(&errinfo(v)).await?;
            c.end(Ending::Close).await
        }
        Scenario::Redirect => {
            c.send(&share::license_error_alert_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                share::STATUS_VALID_CLIENT,
                ST_NO_TRANSITION,
            ))
            .await?;
            c.send(&mcs::send_data_indication_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                &redirection_user_data(),
            ))
            .await?;
            c.end(Ending::Hold).await
        }
        Scenario::ResetAfterClientInfo => c.end(Ending::Reset).await,
        Scenario::X224DisconnectAfterClientInfo(reason) => {
            c.send(&x224::disconnect_request(reason)).await?;
            c.end(Ending::Close).await
        }
        // SilentAfterClientInfo, and anything that did not end earlier.
        _ => c.end(Ending::Hold).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_protocols_from_connection_request() {
        assert_eq!(
            requested_protocols(&x224::connection_request(0xb, Some("probe"))),
            Some(0xb)
        );
        assert_eq!(
            requested_protocols(&x224::connection_request(0, None)),
            Some(0)
        );
        // A legacy request without RDP_NEG_REQ.
        assert_eq!(
            requested_protocols(&[3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 0, 0]),
            None
        );
        assert_eq!(requested_protocols(&[3, 0]), None);
    }

    #[test]
    fn join_request_channel_id() {
        // [MS-RDPBCGR] 4.1.8 Client MCS Channel Join Request PDU (channel 1007).
        let f = [
            0x03, 0x00, 0x00, 0x0c, 0x02, 0xf0, 0x80, 0x38, 0x00, 0x06, 0x03, 0xef,
        ];
        assert_eq!(join_request_channel(&f), Some(1007));
        assert_eq!(join_request_channel(&f[..10]), None);
    }
}
