//! One connection of the scripted server: the script and the byte plumbing.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use rdp_probe_core::framed::FrameReader;
use rdp_probe_wire::frame::rdp_frame_len;
use rdp_probe_wire::mcs::{self, ConnectResponseSpec};
use rdp_probe_wire::redirection::{self, RedirectionSecrets, ServerRedirection};
use rdp_probe_wire::share;
use rdp_probe_wire::x224::{self, ConnectionConfirm, PROTOCOL_HYBRID, PROTOCOL_RDP, PROTOCOL_SSL};
use rdp_probe_wire::{credssp, tls};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use ironrdp_connector::sspi::credssp::TsRequest;
use rdp_probe_core::engine::transcript::standard::{
    self, EncryptedServer, LEVEL_CLIENT_COMPATIBLE, LEVEL_FIPS, LEVEL_HIGH, SERVER_RANDOM,
};
use rdp_probe_core::standard_security::{
    EncryptionMethod, lab_server_key, proprietary_certificate,
};
use rdp_probe_wire::ntlm;
use rdp_probe_wire::security::{MAC_LEN, SEC_ENCRYPT, SEC_INFO_PKT};
use tokio::io::{AsyncRead, AsyncWrite};

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::Seen;
use super::{
    BrokenSecurityData, CORE_VERSION, DRIP_INTERVAL, EncryptedEnding, GARBLED_CUT, Hostility,
    IO_CHANNEL, NTLM_BUILD, NTLM_DNS_COMPUTER, NTLM_HOSTILE_DNS_COMPUTER, NTLM_HOSTILE_DNS_DOMAIN,
    NTLM_HOSTILE_NB_COMPUTER, NTLM_HOSTILE_NB_DOMAIN, NTLM_NB_COMPUTER, NTLM_NB_DOMAIN, Point,
    REDIRECT_DOMAIN, REDIRECT_SECRET_COOKIE, REDIRECT_SECRET_PASSWORD, REDIRECT_SESSION_ID,
    REDIRECT_TARGET, REDIRECT_USER, Scenario, USER_CHANNEL, pdu,
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

/// What [`Hostility::HugeLength`] sends in place of a TPKT frame: a header claiming 0xFFFF bytes.
const HUGE_TPKT: &[u8] = &[0x03, 0x00, 0xff, 0xff];

/// What [`Hostility::HugeLength`] sends in place of a TSRequest: a DER SEQUENCE header whose
/// four-byte length claims 0x7FFFFFFF bytes ([X.690] 8.1.3.5).
const HUGE_DER: &[u8] = &[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff];

/// How many client frames the healthy path reads after the Demand Active while it looks for the
/// Font List (the Confirm Active, Synchronize, two Control PDUs, the Font List, and slack).
const MAX_FRAMES_BEFORE_FONT_LIST: usize = 16;

/// The NTLM CHALLENGE flags of [`Scenario::NtlmChallenge`]: what a Windows server sends
/// (UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN, TARGET_TYPE_DOMAIN,
/// EXTENDED_SESSIONSECURITY, TARGET_INFO, VERSION, 128, KEY_EXCH, 56; [MS-NLMP] 2.2.2.5).
const NTLM_CHALLENGE_FLAGS: u32 = 0xe289_8235;

/// A TLS 1.0 record carrying a fatal handshake_failure alert ([RFC 5246] 7.2).
const TLS_ALERT: &[u8] = &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28];

/// TLS alert level fatal ([RFC 5246] 7.2).
const TLS_ALERT_FATAL: u8 = 2;

/// `TLS_RSA_WITH_AES_128_CBC_SHA` ([RFC 5246] A.5), what the TLS 1.0 ServerHello picks.
const TLS_RSA_WITH_AES_128_CBC_SHA: u16 = 0x002f;

/// The Server Redirection Packet of [`Scenario::Redirect`] ([MS-RDPBCGR] 2.2.13.1): a target net
/// address.
fn redirection() -> ServerRedirection {
    ServerRedirection {
        session_id: REDIRECT_SESSION_ID,
        redir_flags: redirection::LB_TARGET_NET_ADDRESS,
        target_net_address: Some(REDIRECT_TARGET.to_owned()),
        ..ServerRedirection::default()
    }
}

/// The packet of [`Scenario::RedirectEnhanced`]: also a user, a domain, a password and a cookie
/// ([`REDIRECT_SECRET_PASSWORD`], [`REDIRECT_SECRET_COOKIE`]: a probe must never report them).
fn redirection_with_credentials() -> ServerRedirection {
    ServerRedirection {
        redir_flags: redirection::LB_TARGET_NET_ADDRESS
            | redirection::LB_USERNAME
            | redirection::LB_DOMAIN
            | redirection::LB_PASSWORD
            | redirection::LB_LOAD_BALANCE_INFO,
        load_balance_info_len: Some(REDIRECT_SECRET_COOKIE.len()),
        user_name: Some(REDIRECT_USER.to_owned()),
        domain: Some(REDIRECT_DOMAIN.to_owned()),
        password_present: true,
        ..redirection()
    }
}

/// `pduType` of the Server Redirection PDU as Windows sends it: PDUTYPE_SERVER_REDIR_PKT with the
/// version bits zero ([MS-RDPBCGR] 2.2.8.1.1.1.1, 2.2.13.3.1).
const WINDOWS_REDIRECTION_PDU_TYPE: u16 = 0x000A;

/// The length of the FIPS information block between the basic security header and the MAC
/// ([MS-RDPBCGR] 2.2.8.1.1.2.3).
const FIPS_INFO_LEN: usize = 4;

/// The licensing `STATUS_VALID_CLIENT` Error Message on the I/O channel, behind a basic security
/// header, as a server at encryption level none sends it.
fn license_valid_client() -> Vec<u8> {
    share::license_error_alert_frame(
        USER_CHANNEL,
        IO_CHANNEL,
        share::STATUS_VALID_CLIENT,
        ST_NO_TRANSITION,
    )
}

/// An [`io::ErrorKind::InvalidData`] error: the client sent something the server cannot accept.
fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// How the connection ends once the script reaches its end point.
enum Ending {
    Close,
    Reset,
    Hold,
}

struct Conn {
    stream: TcpStream,
    reader: FrameReader,
}

impl Conn {
    /// Reads one whole TPKT (or fast-path) frame from the client.
    async fn read_frame(&mut self) -> io::Result<Bytes> {
        self.reader
            .read_frame(&mut self.stream, rdp_frame_len)
            .await
    }

    /// Reads one whole TLS record (5-byte header and fragment) from the client.
    async fn read_tls_record(&mut self) -> io::Result<Bytes> {
        self.reader
            .read_frame(&mut self.stream, tls::record_len)
            .await
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

    /// Sends `normal`, or misbehaves as `hostility` says. `None` when the connection ended.
    async fn answer(
        mut self,
        hostility: Option<Hostility>,
        normal: &[u8],
    ) -> io::Result<Option<Conn>> {
        let Some(how) = hostility else {
            self.send(normal).await?;
            return Ok(Some(self));
        };
        match how {
            Hostility::Close => self.end(Ending::Close).await?,
            Hostility::Reset => self.end(Ending::Reset).await?,
            Hostility::Silence => self.end(Ending::Hold).await?,
            Hostility::Drip => {
                for b in normal {
                    self.send(&[*b]).await?;
                    tokio::time::sleep(DRIP_INTERVAL).await;
                }
                return Ok(Some(self));
            }
            Hostility::Garbage => {
                self.send(GARBAGE).await?;
                self.end(Ending::Hold).await?;
            }
            Hostility::HugeLength => {
                self.send(HUGE_TPKT).await?;
                self.end(Ending::Hold).await?;
            }
        }
        Ok(None)
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

async fn drain(stream: &mut (impl AsyncRead + Unpin)) {
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

/// The current time as a FILETIME (100 ns ticks since 1601-01-01 UTC), for `MsvAvTimestamp`.
fn filetime_now() -> u64 {
    const UNIX_EPOCH_AS_FILETIME: u64 = 116_444_736_000_000_000;
    let since_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    UNIX_EPOCH_AS_FILETIME + (since_unix.as_nanos() / 100) as u64
}

/// The names an NTLM CHALLENGE carries: NetBIOS domain (also the target name), NetBIOS computer,
/// DNS domain, DNS computer.
struct NtlmNames {
    nb_domain: &'static str,
    nb_computer: &'static str,
    dns_domain: &'static str,
    dns_computer: &'static str,
}

/// The lab's names ([`Scenario::NtlmChallenge`]).
const LAB_NAMES: NtlmNames = NtlmNames {
    nb_domain: NTLM_NB_DOMAIN,
    nb_computer: NTLM_NB_COMPUTER,
    dns_domain: "rdp-lab.invalid",
    dns_computer: NTLM_DNS_COMPUTER,
};

/// Markup for every name ([`Scenario::NtlmHostileNames`]).
const HOSTILE_NAMES: NtlmNames = NtlmNames {
    nb_domain: NTLM_HOSTILE_NB_DOMAIN,
    nb_computer: NTLM_HOSTILE_NB_COMPUTER,
    dns_domain: NTLM_HOSTILE_DNS_DOMAIN,
    dns_computer: NTLM_HOSTILE_DNS_COMPUTER,
};

/// A TSRequest of `version` carrying an NTLM CHALLENGE with `names`, encoded with sspi's
/// `TsRequest`.
fn challenge_ts_request(version: u32, names: &NtlmNames) -> io::Result<Vec<u8>> {
    // The time serves as the (lab-grade) server challenge too.
    let now = filetime_now();
    let challenge = ntlm::challenge_message(&ntlm::ChallengeSpec {
        flags: NTLM_CHALLENGE_FLAGS,
        server_challenge: now.to_le_bytes(),
        target_name: names.nb_domain,
        av_pairs: &[
            ntlm::AvPair::Name(2, names.nb_domain),
            ntlm::AvPair::Name(1, names.nb_computer),
            ntlm::AvPair::Name(4, names.dns_domain),
            ntlm::AvPair::Name(3, names.dns_computer),
            ntlm::AvPair::Timestamp(now),
        ],
        version: ntlm::OsVersion {
            major: 10,
            minor: 0,
            build: NTLM_BUILD,
            ntlm_revision: 15,
        },
    });
    let request = TsRequest {
        version,
        nego_tokens: Some(challenge),
        ..TsRequest::default()
    };
    let mut out = Vec::new();
    request.encode_ts_request(&mut out)?;
    Ok(out)
}

/// close_notify and FIN, then drain until the client closes (bounded).
async fn tls_close(stream: &mut (impl AsyncRead + AsyncWrite + Unpin)) -> io::Result<()> {
    stream.shutdown().await?;
    let _ = tokio::time::timeout(CLOSE_DRAIN_LIMIT, drain(stream)).await;
    Ok(())
}

/// The scenarios that select a TLS-based protocol: the Connection Confirm, then the TLS (and
/// CredSSP) part of the script.
async fn serve_tls(
    mut c: Conn,
    scenario: Scenario,
    requested: Option<u32>,
    seen: &Seen,
) -> io::Result<()> {
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
            return c.end(Ending::Close).await;
        }
        Scenario::Tls10Only => {
            let _client_hello = c.read_tls_record().await?;
            c.send(&tls::server_hello_record(
                tls::TLS1_0,
                TLS_RSA_WITH_AES_128_CBC_SHA,
                &[],
            ))
            .await?;
            return c.end(Ending::Hold).await;
        }
        _ => {}
    }
    debug_assert!(
        c.reader.buffered().is_empty(),
        "the client spoke before the Connection Confirm"
    );
    let mut stream = super::tls::acceptor()?.accept(c.stream).await?;
    // One TSRequest ([MS-CSSP] 2.2.1) at a time from the TLS stream.
    let mut reader = FrameReader::new();
    let _negotiate = reader
        .read_frame(&mut stream, credssp::ts_request_len)
        .await?;
    match scenario {
        Scenario::CredsspError { version, ntstatus } => {
            stream
                .write_all(&credssp::encode_ts_request_error(version, ntstatus))
                .await?;
            stream.flush().await?;
            tls_close(&mut stream).await
        }
        Scenario::Hostile { how, .. } if how != Hostility::Drip => match how {
            Hostility::Close => tls_close(&mut stream).await,
            Hostility::Reset => {
                stream.get_ref().0.set_zero_linger()?;
                Ok(())
            }
            Hostility::Silence => {
                drain(&mut stream).await;
                Ok(())
            }
            Hostility::Garbage | Hostility::HugeLength => {
                let bytes = if how == Hostility::Garbage {
                    GARBAGE
                } else {
                    HUGE_DER
                };
                stream.write_all(bytes).await?;
                stream.flush().await?;
                drain(&mut stream).await;
                Ok(())
            }
            Hostility::Drip => unreachable!("guarded above"),
        },
        // NtlmChallenge, NtlmHostileNames, and a drip of the lab's CHALLENGE.
        _ => {
            let (version, names) = match scenario {
                Scenario::NtlmChallenge { version } => (version, &LAB_NAMES),
                Scenario::NtlmHostileNames => (6, &HOSTILE_NAMES),
                _ => (6, &LAB_NAMES),
            };
            let challenge = challenge_ts_request(version, names)?;
            if matches!(scenario, Scenario::Hostile { .. }) {
                for b in &challenge {
                    stream.write_all(&[*b]).await?;
                    stream.flush().await?;
                    tokio::time::sleep(DRIP_INTERVAL).await;
                }
            } else {
                stream.write_all(&challenge).await?;
                stream.flush().await?;
            }
            let authenticate = reader
                .read_frame(&mut stream, credssp::ts_request_len)
                .await?;
            if is_ntlm_authenticate(&authenticate) {
                seen.authenticate.fetch_add(1, Ordering::SeqCst);
            }
            tls_close(&mut stream).await
        }
    }
}

/// Plays `scenario` on one accepted connection.
/// `MessageType` of an NTLM AUTHENTICATE_MESSAGE ([MS-NLMP] 2.2.1.3).
const NTLM_AUTHENTICATE: u32 = 3;

/// Whether a client TSRequest carries an NTLM AUTHENTICATE in its negoToken.
fn is_ntlm_authenticate(ts_request: &[u8]) -> bool {
    credssp::parse_ts_request(ts_request)
        .ok()
        .and_then(|ts| ts.nego_token)
        .and_then(|token| {
            let ntlm = ntlm::find_ntlmssp(token).unwrap_or(token);
            ntlm.get(8..12)
                .and_then(|t| <[u8; 4]>::try_from(t).ok())
                .map(u32::from_le_bytes)
        })
        == Some(NTLM_AUTHENTICATE)
}

/// Plays `scenario` on one accepted connection, counting in `seen` what it received.
pub(super) async fn serve(
    stream: TcpStream,
    scenario: Scenario,
    seen: Arc<Seen>,
) -> io::Result<()> {
    serve_one(stream, scenario, &seen).await
}

async fn serve_one(stream: TcpStream, scenario: Scenario, seen: &Seen) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let c = Conn {
        stream,
        reader: FrameReader::new(),
    };
    let hostile = |point: Point| match scenario {
        Scenario::Hostile { at, how } if at == point => Some(how),
        _ => None,
    };
    if let Some(how) = hostile(Point::Accept) {
        // Nothing normal to send yet: a drip sends a Connection Confirm unasked.
        let cc = x224::connection_confirm(&ConnectionConfirm::Response {
            flags: 0,
            selected_protocol: PROTOCOL_RDP,
        });
        let Some(c) = c.answer(Some(how), &cc).await? else {
            return Ok(());
        };
        return c.end(Ending::Hold).await;
    }
    let mut c = c;

    // X.224 Connection Request -> Connection Confirm.
    let cr = c.read_frame().await?;
    let requested = requested_protocols(&cr);
    if scenario.uses_tls() {
        return serve_tls(c, scenario, requested, seen).await;
    }
    let confirm = match scenario {
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
            x224::connection_confirm(&ConnectionConfirm::NoNegotiationData)
        }
        _ => x224::connection_confirm(&ConnectionConfirm::Response {
            flags: 0,
            selected_protocol: PROTOCOL_RDP,
        }),
    };
    let Some(mut c) = c
        .answer(hostile(Point::ConnectionRequest), &confirm)
        .await?
    else {
        return Ok(());
    };

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
                server_random: Vec::new(),
                server_certificate: Vec::new(),
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
    // Standard RDP Security: level none, or the scenario's method and level with the lab's random
    // and certificate.
    let (encryption, server_random, server_certificate) = match scenario {
        Scenario::Encrypted { method, level, .. } => (
            (method.wire(), level),
            SERVER_RANDOM.to_vec(),
            proprietary_certificate(&lab_server_key().public_key(), false),
        ),
        Scenario::BrokenSecurityData(kind) => broken_security_data(kind),
        _ => ((0, 0), Vec::new(), Vec::new()),
    };
    let response = mcs::connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: CORE_VERSION,
        client_requested_protocols: requested.unwrap_or(PROTOCOL_RDP),
        encryption,
        server_random,
        server_certificate,
        io_channel: IO_CHANNEL,
        channel_ids,
    });
    let Some(mut c) = c.answer(hostile(Point::ConnectInitial), &response).await? else {
        return Ok(());
    };
    if let Scenario::BrokenSecurityData(_) = scenario {
        return c.end(Ending::Hold).await;
    }

    // Erect Domain Request (no answer), Attach User Request -> Attach User Confirm.
    let _erect_domain = c.read_frame().await?;
    let _attach_user = c.read_frame().await?;
    if let Scenario::AttachUserRejected(result) = scenario {
        c.send(&mcs::attach_user_confirm(result, None)).await?;
        return c.end(Ending::Close).await;
    }
    let confirm = mcs::attach_user_confirm(0, Some(USER_CHANNEL));
    let Some(mut c) = c.answer(hostile(Point::AttachUser), &confirm).await? else {
        return Ok(());
    };

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

    if let Scenario::Encrypted {
        method,
        level,
        ending,
    } = scenario
    {
        return serve_encrypted(c, method, level, ending).await;
    }

    // Client Info PDU (Standard RDP Security, no encryption: nothing else to exchange first).
    let _client_info = c.read_frame().await?;

    let errinfo = |v| share::set_error_info_frame(USER_CHANNEL, IO_CHANNEL, v);
    let valid_client = license_valid_client();
    match scenario {
        Scenario::ErrinfoAfterClientInfo(v) | Scenario::SslNotAllowedThenErrinfo(v) => {
            c.send(&errinfo(v)).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::LegacyNoNegotiation => {
            c.send(&errinfo(7)).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::ErrinfoThenUltimatum(v) => {
            c.send(&errinfo(v)).await?;
            c.send(&mcs::disconnect_provider_ultimatum(RN_USER_REQUESTED))
                .await?;
            return c.end(Ending::Close).await;
        }
        Scenario::ErrinfoThenReset(v) => {
            c.send(&errinfo(v)).await?;
            // Let the Set Error Info PDU reach the client before the RST discards it.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return c.end(Ending::Reset).await;
        }
        Scenario::ErrinfoThenHold(v) => {
            c.send(&errinfo(v)).await?;
            return c.end(Ending::Hold).await;
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
            return c.end(Ending::Close).await;
        }
        Scenario::LicenseValidClientThenErrinfo(v) => {
            c.send(&valid_client).await?;
            c.send(&errinfo(v)).await?;
            return c.end(Ending::Close).await;
        }
        Scenario::Redirect => {
            c.send(&valid_client).await?;
            c.send(&redirection::standard_redirection_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                &redirection(),
            ))
            .await?;
            return c.end(Ending::Hold).await;
        }
        Scenario::RedirectEnhanced => {
            c.send(&valid_client).await?;
            let packet = redirection::server_redirection_packet_with(
                &redirection_with_credentials(),
                RedirectionSecrets {
                    password: REDIRECT_SECRET_PASSWORD,
                    load_balance_info: REDIRECT_SECRET_COOKIE,
                },
            );
            c.send(&redirection::enhanced_redirection_frame_of(
                USER_CHANNEL,
                IO_CHANNEL,
                WINDOWS_REDIRECTION_PDU_TYPE,
                &packet,
            ))
            .await?;
            return c.end(Ending::Hold).await;
        }
        Scenario::X224DisconnectAfterClientInfo(reason) => {
            c.send(&x224::disconnect_request(reason)).await?;
            return c.end(Ending::Close).await;
        }
        _ => {}
    }

    // The healthy rest: licensing, capabilities, finalization.
    let Some(c) = c.answer(hostile(Point::ClientInfo), &valid_client).await? else {
        return Ok(());
    };
    let Some(mut c) = c
        .answer(hostile(Point::DemandActive), &pdu::demand_active()?)
        .await?
    else {
        return Ok(());
    };
    // Confirm Active, Synchronize, Control Cooperate, Control Request Control, Font List.
    let mut font_list = false;
    for _ in 0..MAX_FRAMES_BEFORE_FONT_LIST {
        if pdu::is_font_list(&c.read_frame().await?) {
            font_list = true;
            break;
        }
    }
    if !font_list {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no Font List among the client's finalization PDUs",
        ));
    }
    if let Scenario::FinalizationErrinfo(v) = scenario {
        c.send(&errinfo(v)).await?;
        return c.end(Ending::Close).await;
    }
    let finalization: Vec<u8> = pdu::finalization()?.concat();
    let Some(c) = c.answer(hostile(Point::FontList), &finalization).await? else {
        return Ok(());
    };
    c.end(Ending::Hold).await
}

/// The `(method, level)`, server random and certificate of a [`Scenario::BrokenSecurityData`] server.
fn broken_security_data(kind: BrokenSecurityData) -> ((u32, u32), Vec<u8>, Vec<u8>) {
    let high = (EncryptionMethod::Bits128.wire(), LEVEL_HIGH);
    let certificate = proprietary_certificate(&lab_server_key().public_key(), false);
    match kind {
        BrokenSecurityData::LevelMismatch => (
            (EncryptionMethod::Bits128.wire(), LEVEL_FIPS),
            SERVER_RANDOM.to_vec(),
            certificate,
        ),
        BrokenSecurityData::ShortRandom => (high, SERVER_RANDOM[..16].to_vec(), certificate),
        BrokenSecurityData::UnknownMethod => (
            (UNKNOWN_METHOD, LEVEL_HIGH),
            SERVER_RANDOM.to_vec(),
            certificate,
        ),
        BrokenSecurityData::GarbageCertificate => {
            let mut garbage = certificate;
            garbage[..4].copy_from_slice(&GARBAGE_CERT_VERSION.to_le_bytes());
            (high, SERVER_RANDOM.to_vec(), garbage)
        }
        BrokenSecurityData::BadSignature => {
            let mut forged = certificate;
            // The signature's last byte before its 8 zero bytes of padding.
            let at = forged.len() - 9;
            forged[at] ^= 0x40;
            (high, SERVER_RANDOM.to_vec(), forged)
        }
        BrokenSecurityData::TinyKey => (high, SERVER_RANDOM.to_vec(), tiny_key_certificate()),
    }
}

/// An `encryptionMethod` no specification defines ([MS-RDPBCGR] 2.2.1.4.3 defines 0x01, 0x02, 0x08,
/// 0x10).
const UNKNOWN_METHOD: u32 = 0x04;
/// A `dwVersion` that is neither `CERT_CHAIN_VERSION_1` nor `_2` ([MS-RDPBCGR] 2.2.1.4.3.1).
const GARBAGE_CERT_VERSION: u32 = 9;
/// The modulus size of [`BrokenSecurityData::TinyKey`]: the client random (256 bits) does not fit.
const TINY_KEY_BITS: u32 = 256;

/// A proprietary certificate ([MS-RDPBCGR] 2.2.1.4.3.1.1) for a [`TINY_KEY_BITS`]-bit key, laid out
/// correctly (its signature is zeros: the key is refused before the signature matters).
fn tiny_key_certificate() -> Vec<u8> {
    let modulus_len = TINY_KEY_BITS / 8;
    let keylen = modulus_len + 8;
    let mut blob = Vec::new();
    blob.extend_from_slice(b"RSA1");
    blob.extend_from_slice(&keylen.to_le_bytes());
    blob.extend_from_slice(&TINY_KEY_BITS.to_le_bytes());
    blob.extend_from_slice(&(modulus_len - 1).to_le_bytes());
    blob.extend_from_slice(&65_537u32.to_le_bytes());
    blob.extend(std::iter::repeat_n(0xc5, modulus_len as usize));
    blob.extend([0; 8]);
    let mut cert = Vec::new();
    for field in [1u32, 1, 1] {
        cert.extend_from_slice(&field.to_le_bytes());
    }
    cert.extend_from_slice(&0x0006u16.to_le_bytes());
    cert.extend_from_slice(&u16::try_from(blob.len()).unwrap_or(u16::MAX).to_le_bytes());
    cert.extend(blob);
    cert.extend_from_slice(&0x0008u16.to_le_bytes());
    cert.extend_from_slice(&72u16.to_le_bytes());
    cert.extend([0; 72]);
    cert
}

/// The rest of a [`Scenario::Encrypted`] connection, from the client's Security Exchange on.
async fn serve_encrypted(
    mut c: Conn,
    method: EncryptionMethod,
    level: u32,
    ending: EncryptedEnding,
) -> io::Result<()> {
    let exchange = c.read_frame().await?;
    let client_random = standard::client_random_from_exchange(&exchange).ok_or_else(|| {
        invalid("the client's PDU after the channel joins is not a Security Exchange whose random decrypts with the lab key")
    })?;
    // The level only decides whether the server seals its own PDUs; the keys do not depend on it.
    // The damaging endings need an encrypted PDU even where the level says the server sends in the
    // clear.
    let sealing_level = match ending {
        EncryptedEnding::BadMac | EncryptedEnding::Garbled => level.max(LEVEL_CLIENT_COMPATIBLE),
        EncryptedEnding::Healthy
        | EncryptedEnding::ErrinfoInLicensing(_)
        | EncryptedEnding::UnencryptedDemandActive => level,
    };
    let mut server = EncryptedServer::new(method, sealing_level, &client_random);

    // The Client Info PDU must open: encrypted, its MAC verified (plain or salted).
    let client_info = c.read_frame().await?;
    let info = server.open_client(&client_info).ok_or_else(|| {
        invalid("the Client Info PDU does not decrypt with the session keys, or its MAC does not verify")
    })?;
    let required = SEC_INFO_PKT | SEC_ENCRYPT;
    if info.flags & required != required {
        return Err(invalid(format!(
            "the Client Info PDU's security flags are {:#06x}, without SEC_INFO_PKT | SEC_ENCRYPT",
            info.flags
        )));
    }

    match ending {
        EncryptedEnding::ErrinfoInLicensing(v) => {
            let errinfo = share::set_error_info_frame(USER_CHANNEL, IO_CHANNEL, v);
            c.send(&server.seal_frame(&errinfo, false)).await?;
            c.end(Ending::Close).await
        }
        EncryptedEnding::BadMac | EncryptedEnding::Garbled => {
            let license = license_valid_client();
            let mut secured = server.secure(indication_licensing_body(&license)?, true);
            // The MAC follows the basic header (and, under FIPS, the FIPS information); the
            // ciphertext follows the MAC.
            let mac_at =
                share::BASIC_SECURITY_HEADER_LEN + if method.is_fips() { FIPS_INFO_LEN } else { 0 };
            if ending == EncryptedEnding::BadMac {
                secured[mac_at] ^= 0x01;
            } else {
                let cut = secured.len().saturating_sub(GARBLED_CUT);
                secured.truncate(cut.max(mac_at + MAC_LEN));
            }
            c.send(&mcs::send_data_indication_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                &secured,
            ))
            .await?;
            c.end(Ending::Hold).await
        }
        EncryptedEnding::UnencryptedDemandActive => {
            c.send(&server.seal_frame(&license_valid_client(), true))
                .await?;
            let demand = pdu::demand_active()?;
            let user_data = indication_user_data(&demand)?;
            let clear = rdp_probe_wire::security::secured(0, None, user_data);
            c.send(&mcs::send_data_indication_frame(
                USER_CHANNEL,
                IO_CHANNEL,
                &clear,
            ))
            .await?;
            c.end(Ending::Hold).await
        }
        EncryptedEnding::Healthy => {
            c.send(&server.seal_frame(&license_valid_client(), true))
                .await?;
            c.send(&server.seal_frame(&pdu::demand_active()?, false))
                .await?;
            // Confirm Active, Synchronize, Control Cooperate, Control Request Control, Font List:
            // each must open.
            let mut font_list = false;
            for _ in 0..MAX_FRAMES_BEFORE_FONT_LIST {
                let frame = c.read_frame().await?;
                let opened = server.open_client(&frame).ok_or_else(|| {
                    invalid("a client PDU after the Demand Active does not decrypt, or its MAC does not verify")
                })?;
                if pdu::is_font_list_data(&opened.plaintext) {
                    font_list = true;
                    break;
                }
            }
            if !font_list {
                return Err(invalid("no Font List among the client's finalization PDUs"));
            }
            let finalization: Vec<u8> = pdu::finalization()?
                .iter()
                .flat_map(|f| server.seal_frame(f, false))
                .collect();
            c.send(&finalization).await?;
            c.end(Ending::Hold).await
        }
    }
}

/// The user data of a server's Send Data Indication frame. An error only if the lab built the frame
/// wrong.
fn indication_user_data(frame: &[u8]) -> io::Result<&[u8]> {
    let wrong = || io::Error::other("the lab's frame is not a Send Data Indication");
    let payload = data_payload(frame).ok_or_else(wrong)?;
    match mcs::parse_domain_pdu(payload) {
        Ok(mcs::McsPdu::SendDataIndication { user_data, .. }) => Ok(user_data),
        _ => Err(wrong()),
    }
}

/// The licensing PDU of a server's Send Data Indication frame at encryption level none: its user
/// data without the basic security header. An error only if the lab built the frame wrong.
fn indication_licensing_body(frame: &[u8]) -> io::Result<&[u8]> {
    let wrong = || io::Error::other("the lab's licensing frame is not a Send Data Indication");
    let payload = data_payload(frame).ok_or_else(wrong)?;
    match mcs::parse_domain_pdu(payload) {
        Ok(mcs::McsPdu::SendDataIndication { user_data, .. }) => user_data
            .get(share::BASIC_SECURITY_HEADER_LEN..)
            .ok_or_else(wrong),
        _ => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdp_probe_core::engine::transcript::Setup;
    use rdp_probe_core::engine::transcript::standard::{LEVEL_FIPS, LEVEL_HIGH, LEVEL_LOW};
    use rdp_probe_core::{Target, VerdictKind};
    use tokio::net::TcpListener;

    /// What the probe sends, frame by frame, against the transcript harness's encrypted server of
    /// `method` and `level`. The scripted server learns the (harness's) client random from the
    /// Security Exchange among them, as from any client, so it can read the rest.
    fn probe_frames(method: EncryptionMethod, level: u32) -> Vec<Vec<u8>> {
        let mut server = EncryptedServer::for_harness(method, level);
        let setup = Setup::new(Target::new("localhost", 3389).expect("target"));
        let t = setup.run(server.healthy().expect("script"));
        assert_eq!(
            t.report.verdict_kind(),
            VerdictKind::Connected,
            "{method:?}"
        );
        t.sent.into_iter().map(|s| s.bytes).collect()
    }

    /// Serves one connection of `scenario` to a client that sends `frames` at once, then closes its
    /// sending side and reads until the server closes; what `serve` returned.
    async fn replay(scenario: Scenario, frames: Vec<Vec<u8>>) -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let client = tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            for f in &frames {
                stream.write_all(f).await?;
            }
            stream.shutdown().await?;
            let mut received = Vec::new();
            let _ = stream.read_to_end(&mut received).await;
            io::Result::Ok(received)
        });
        let (stream, _) = listener.accept().await?;
        let served = tokio::time::timeout(
            Duration::from_secs(10),
            serve(stream, scenario, Arc::default()),
        )
        .await
        .expect("the scripted server ends in time");
        client.await.expect("client task")?;
        served
    }

    fn encrypted(method: EncryptionMethod, level: u32) -> Scenario {
        Scenario::Encrypted {
            method,
            level,
            ending: EncryptedEnding::Healthy,
        }
    }

    #[tokio::test]
    async fn the_encrypted_server_reads_every_pdu_the_probe_seals() {
        for (method, level) in [
            (EncryptionMethod::Bits40, LEVEL_LOW),
            (EncryptionMethod::Bits128, LEVEL_HIGH),
            (EncryptionMethod::Fips, LEVEL_FIPS),
        ] {
            // Through the Font List, then a hold that ends when the client closes.
            let served = replay(encrypted(method, level), probe_frames(method, level)).await;
            assert!(served.is_ok(), "{method:?}: {served:?}");
        }
    }

    #[tokio::test]
    async fn the_encrypted_server_refuses_a_client_it_cannot_read() {
        let (method, level) = (EncryptionMethod::Bits128, LEVEL_HIGH);
        // One bit of the Client Info's ciphertext (the first sealed frame) flipped: its MAC fails.
        let mut frames = probe_frames(method, level);
        let info = frames
            .iter()
            .position(|f| standard::is_encrypted(f))
            .expect("a sealed frame");
        if let Some(last) = frames[info].last_mut() {
            *last ^= 0x01;
        }
        let e = replay(encrypted(method, level), frames.clone())
            .await
            .expect_err("refused");
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        // A Security Exchange that is not one.
        let exchange = info - 1;
        frames[exchange] = mcs::send_data_request_frame(USER_CHANNEL, IO_CHANNEL, &[0x48, 0, 0, 0]);
        let e = replay(encrypted(method, level), frames)
            .await
            .expect_err("refused");
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    }

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
