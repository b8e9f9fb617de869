//! MCS ([T.125]) domain PDUs (ALIGNED BASIC-PER) and the MCS Connect Response (BER)
//! with its GCC Conference Create Response ([T.124]) and server data blocks
//! ([MS-RDPBCGR] 2.2.1.4).

use crate::DecodeError;
use crate::ber;
use crate::cursor::Cursor;
use crate::x224;

/// Offset added to PER-encoded MCS user ids ([T.125] `UserId ::= DynamicChannelId (1001..65535)`).
pub const MCS_USER_ID_BASE: u16 = 1001;

/// DomainMCSPDU choice: disconnectProviderUltimatum ([T.125] section 7, part 10).
pub const CHOICE_DISCONNECT_PROVIDER_ULTIMATUM: u8 = 8;
/// DomainMCSPDU choice: attachUserConfirm.
pub const CHOICE_ATTACH_USER_CONFIRM: u8 = 11;
/// DomainMCSPDU choice: channelJoinConfirm.
pub const CHOICE_CHANNEL_JOIN_CONFIRM: u8 = 15;
/// DomainMCSPDU choice: sendDataRequest.
pub const CHOICE_SEND_DATA_REQUEST: u8 = 25;
/// DomainMCSPDU choice: sendDataIndication.
pub const CHOICE_SEND_DATA_INDICATION: u8 = 26;

/// Server data block type `SC_CORE` ([MS-RDPBCGR] 2.2.1.4.2).
pub const SC_CORE: u16 = 0x0C01;
/// Server data block type `SC_SECURITY` ([MS-RDPBCGR] 2.2.1.4.3).
pub const SC_SECURITY: u16 = 0x0C02;
/// Server data block type `SC_NET` ([MS-RDPBCGR] 2.2.1.4.4).
pub const SC_NET: u16 = 0x0C03;
/// Server data block type `SC_MCS_MSGCHANNEL` ([MS-RDPBCGR] 2.2.1.4.5).
pub const SC_MCS_MSGCHANNEL: u16 = 0x0C04;
/// Server data block type `SC_MULTITRANSPORT` ([MS-RDPBCGR] 2.2.1.4.6).
pub const SC_MULTITRANSPORT: u16 = 0x0C08;

/// Public key blob type `BB_RSA_KEY_BLOB` of a proprietary server certificate
/// ([MS-RDPBCGR] 2.2.1.4.3.1.1).
pub const BB_RSA_KEY_BLOB: u16 = 0x0006;
/// `RSA_PUBLIC_KEY` `magic`: "RSA1" read as a little-endian `u32` ([MS-RDPBCGR] 2.2.1.4.3.1.1.1).
pub const RSA1_MAGIC: u32 = 0x3141_5352;

/// Cap on the channel ids kept from `SC_NET` (RDP allows 31 static channels).
pub const MAX_CHANNEL_IDS: usize = 64;
/// Cap on the number of unknown block types recorded.
pub const MAX_UNKNOWN_BLOCKS: usize = 32;

/// An MCS domain PDU carried in an X.224 Data TPDU, classified by its DomainMCSPDU
/// choice (first byte >> 2) ([T.125] section 7 part 10, [MS-RDPBCGR] 2.2.1.7, 2.2.1.9,
/// 2.2.2.3 / 3.1.5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McsPdu<'a> {
    /// Disconnect Provider Ultimatum (choice 8) ([T.125] 10.3; [MS-RDPBCGR] 2.2.2.3).
    DisconnectProviderUltimatum {
        /// Raw 3-bit reason (0 domain-disconnected, 1 provider-initiated,
        /// 2 token-purged, 3 user-requested, 4 channel-purged; 5..7 kept as is).
        reason: u8,
    },
    /// Attach User Confirm (choice 11) ([T.125] 11.18; [MS-RDPBCGR] 2.2.1.7).
    AttachUserConfirm {
        /// Raw 4-bit T.125 `Result` (0 = rt-successful).
        result: u8,
        /// The user id (channel id of the user channel) if present.
        initiator: Option<u16>,
    },
    /// Channel Join Confirm (choice 15) ([T.125] 11.22; [MS-RDPBCGR] 2.2.1.9).
    ChannelJoinConfirm {
        /// Raw 4-bit T.125 `Result` (0 = rt-successful).
        result: u8,
        /// The user id that asked.
        initiator: u16,
        /// The channel id that was requested.
        requested: u16,
        /// The joined channel id, if present.
        channel_id: Option<u16>,
    },
    /// Send Data Request (choice 25) ([T.125] 11.32; [MS-RDPBCGR] 2.2.8.1.1.1.1): what a
    /// client sends; decoded so a lab server can read it and the engine can rewrap it.
    SendDataRequest {
        /// Sender user id.
        initiator: u16,
        /// Channel id the data is sent on.
        channel_id: u16,
        /// The user data, borrowed.
        user_data: &'a [u8],
    },
    /// Send Data Indication (choice 26) ([T.125] 11.33; [MS-RDPBCGR] 2.2.8.1.1.1.1).
    SendDataIndication {
        /// Sender user id.
        initiator: u16,
        /// Channel id the data was sent on.
        channel_id: u16,
        /// The user data, borrowed.
        user_data: &'a [u8],
    },
    /// Any other DomainMCSPDU choice.
    Other {
        /// Raw choice index (first byte >> 2).
        choice: u8,
    },
}

fn read_user_id(c: &mut Cursor<'_>, what: &'static str) -> Result<u16, DecodeError> {
    c.u16_be(what).map(|v| v.wrapping_add(MCS_USER_ID_BASE))
}

/// PER length determinant ([X.691] 10.9): 1 byte below 128, 2 bytes (14 bits) otherwise.
/// Fragmented lengths (0xC0 prefix) are reported as unexpected.
fn per_length(c: &mut Cursor<'_>, what: &'static str) -> Result<usize, DecodeError> {
    let at = c.offset();
    let b = c.u8(what)?;
    if b & 0x80 == 0 {
        Ok(usize::from(b))
    } else if b & 0x40 == 0 {
        let lo = c.u8(what)?;
        Ok((usize::from(b & 0x3f) << 8) | usize::from(lo))
    } else {
        Err(DecodeError::unexpected(what, at, u32::from(b)))
    }
}

/// The longest length a two-byte PER length determinant holds (14 bits).
pub const MAX_PER_LENGTH: usize = 0x3fff;

fn write_per_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let l = len.min(MAX_PER_LENGTH) as u16 | 0x8000;
        out.extend_from_slice(&l.to_be_bytes());
    }
}

/// Decode an MCS domain PDU (the payload of an X.224 Data TPDU) ([T.125] section 7
/// part 10, ALIGNED BASIC-PER as used by [MS-RDPBCGR] 2.2.1.7, 2.2.1.9, 2.2.2.3,
/// 2.2.8.1.1.1.1).
pub fn parse_domain_pdu(x224_payload: &[u8]) -> Result<McsPdu<'_>, DecodeError> {
    let mut c = Cursor::new(x224_payload);
    let b0 = c.u8("mcs domain pdu choice")?;
    let choice = b0 >> 2;
    match choice {
        CHOICE_DISCONNECT_PROVIDER_ULTIMATUM => {
            let b1 = c.u8("mcs disconnect provider ultimatum reason")?;
            Ok(McsPdu::DisconnectProviderUltimatum {
                reason: ((b0 & 0x03) << 1) | (b1 >> 7),
            })
        }
        CHOICE_ATTACH_USER_CONFIRM => {
            let b1 = c.u8("mcs attach user confirm result")?;
            let result = ((b0 & 0x01) << 3) | (b1 >> 5);
            let initiator = if b0 & 0x02 != 0 {
                Some(read_user_id(&mut c, "mcs attach user confirm initiator")?)
            } else {
                None
            };
            Ok(McsPdu::AttachUserConfirm { result, initiator })
        }
        CHOICE_CHANNEL_JOIN_CONFIRM => {
            let b1 = c.u8("mcs channel join confirm result")?;
            let result = ((b0 & 0x01) << 3) | (b1 >> 5);
            let initiator = read_user_id(&mut c, "mcs channel join confirm initiator")?;
            let requested = c.u16_be("mcs channel join confirm requested")?;
            let channel_id = if b0 & 0x02 != 0 {
                Some(c.u16_be("mcs channel join confirm channel id")?)
            } else {
                None
            };
            Ok(McsPdu::ChannelJoinConfirm {
                result,
                initiator,
                requested,
                channel_id,
            })
        }
        CHOICE_SEND_DATA_REQUEST => {
            let initiator = read_user_id(&mut c, "mcs send data request initiator")?;
            let channel_id = c.u16_be("mcs send data request channel id")?;
            c.skip(1, "mcs send data request priority")?;
            let len = per_length(&mut c, "mcs send data request length")?;
            let user_data = c.take(len, "mcs send data request user data")?;
            Ok(McsPdu::SendDataRequest {
                initiator,
                channel_id,
                user_data,
            })
        }
        CHOICE_SEND_DATA_INDICATION => {
            let initiator = read_user_id(&mut c, "mcs send data indication initiator")?;
            let channel_id = c.u16_be("mcs send data indication channel id")?;
            c.skip(1, "mcs send data indication priority")?;
            let len = per_length(&mut c, "mcs send data indication length")?;
            let user_data = c.take(len, "mcs send data indication user data")?;
            Ok(McsPdu::SendDataIndication {
                initiator,
                channel_id,
                user_data,
            })
        }
        _ => Ok(McsPdu::Other { choice }),
    }
}

/// The server side of the Basic Settings Exchange: MCS Connect Response (BER,
/// application tag 102) with GCC Conference Create Response and server data blocks
/// ([MS-RDPBCGR] 2.2.1.4, [T.125] section 7 part 2, [T.124] 8.7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectResponse<'a> {
    /// Raw T.125 `Result` (0 = rt-successful, 1..=15 failures, any value kept); values
    /// outside a byte saturate to 255.
    pub result: u8,
    /// Raw T.124 ConferenceCreateResponse `result` (0 = success), if the GCC part was present.
    pub gcc_result: Option<u8>,
    /// `SC_CORE` block ([MS-RDPBCGR] 2.2.1.4.2).
    pub core: Option<ServerCoreData>,
    /// `SC_SECURITY` block ([MS-RDPBCGR] 2.2.1.4.3).
    pub security: Option<ServerSecurityData<'a>>,
    /// `SC_NET` block ([MS-RDPBCGR] 2.2.1.4.4).
    pub network: Option<ServerNetworkData>,
    /// `SC_MCS_MSGCHANNEL` block ([MS-RDPBCGR] 2.2.1.4.5).
    pub message_channel_id: Option<u16>,
    /// `SC_MULTITRANSPORT` flags ([MS-RDPBCGR] 2.2.1.4.6).
    pub multitransport_flags: Option<u32>,
    /// Types of blocks this decoder does not know (capped at [`MAX_UNKNOWN_BLOCKS`]).
    pub unknown_blocks: Vec<u16>,
}

/// Server Core Data `TS_UD_SC_CORE` ([MS-RDPBCGR] 2.2.1.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerCoreData {
    /// Raw RDP version (e.g. 0x00080004 RDP 5.0+, 0x00080011 RDP 10.7).
    pub version: u32,
    /// Echo of the client's requested protocols, if present.
    pub client_requested_protocols: Option<u32>,
    /// Raw `earlyCapabilityFlags`, if present.
    pub early_capability_flags: Option<u32>,
}

/// Server Security Data `TS_UD_SC_SEC1` ([MS-RDPBCGR] 2.2.1.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerSecurityData<'a> {
    /// Raw `encryptionMethod` (0 none, 0x01 40-bit, 0x02 128-bit, 0x08 56-bit, 0x10 FIPS).
    pub encryption_method: u32,
    /// Raw `encryptionLevel` (0 none, 1 low, 2 client compatible, 3 high, 4 FIPS).
    pub encryption_level: u32,
    /// The server random, if present (any length is kept).
    pub server_random: Option<&'a [u8]>,
    /// The server certificate, if present (any length is kept).
    pub server_certificate: Option<ServerCertificate<'a>>,
}

/// Certificate chain type from `dwVersion` ([MS-RDPBCGR] 2.2.1.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertChainType {
    /// `CERT_CHAIN_VERSION_1`: proprietary certificate ([MS-RDPBCGR] 2.2.1.4.3.1.1).
    Proprietary,
    /// `CERT_CHAIN_VERSION_2`: X.509 chain ([MS-RDPBCGR] 2.2.1.4.3.1).
    X509,
    /// Any other value (the low 31 bits of `dwVersion`).
    Unknown(u32),
}

/// Server certificate facts (`SERVER_CERTIFICATE`, [MS-RDPBCGR] 2.2.1.4.3.1).
/// Decoding is best effort: fields that cannot be read are `None`; `raw` is always kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerCertificate<'a> {
    /// Raw `dwVersion` including the `t` (temporary) bit 0x80000000.
    pub version_raw: u32,
    /// Chain type from the low 31 bits.
    pub chain_type: CertChainType,
    /// The `t` bit: the certificate was issued temporarily.
    pub temporary: bool,
    /// `bitlen` of the proprietary certificate's `RSA_PUBLIC_KEY`
    /// ([MS-RDPBCGR] 2.2.1.4.3.1.1.1).
    pub rsa_key_bits: Option<u32>,
    /// `NumCertBlobs` of an X.509 chain (`X509 _CERTIFICATE_CHAIN`, [MS-RDPBCGR] 2.2.1.4.3.1).
    pub x509_chain_len: Option<u32>,
    /// The whole certificate as sent.
    pub raw: &'a [u8],
}

/// Server Network Data `TS_UD_SC_NET` ([MS-RDPBCGR] 2.2.1.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerNetworkData {
    /// `MCSChannelId`: the I/O channel.
    pub io_channel: u16,
    /// Raw `channelCount` as claimed by the server.
    pub channel_count: u16,
    /// The channel ids actually present, capped at [`MAX_CHANNEL_IDS`].
    pub channel_ids: Vec<u16>,
}

/// Decode an MCS Connect Response PDU with GCC Conference Create Response
/// ([MS-RDPBCGR] 2.2.1.4; server data blocks 2.2.1.4.2 SC_CORE, 2.2.1.4.3 SC_SECURITY,
/// 2.2.1.4.4 SC_NET, 2.2.1.4.5 SC_MCS_MSGCHANNEL, 2.2.1.4.6 SC_MULTITRANSPORT).
///
/// `x224_payload` is the payload of the X.224 Data TPDU. A response that ends after the
/// `result` (a refusal) decodes with every optional part `None`.
pub fn parse_connect_response(x224_payload: &[u8]) -> Result<ConnectResponse<'_>, DecodeError> {
    let mut c = Cursor::new(x224_payload);
    let at = c.offset();
    let tag = c.u16_be("mcs connect response tag")?;
    if tag != 0x7f66 {
        return Err(DecodeError::unexpected(
            "mcs connect response tag",
            at,
            u32::from(tag),
        ));
    }
    let len = ber::read_length(&mut c, "mcs connect response length")?;
    let mut body = c.sub(len, "mcs connect response")?;
    let result_body = ber::read_expected(&mut body, 0x0a, "mcs connect response result")?;
    let result = ber::integer_value(&result_body, "mcs connect response result")?;
    let mut out = ConnectResponse {
        result: match result {
            0..=255 => result as u8,
            // A one-byte value with the high bit set is read as the unsigned byte, so a
            // sloppy encoder's 0xC8 is 200, never 0 (success).
            -128..=-1 => result as u8,
            _ => u8::MAX,
        },
        ..ConnectResponse::default()
    };
    if body.is_empty() {
        return Ok(out);
    }
    ber::read_expected(&mut body, 0x02, "mcs connect response called connect id")?;
    ber::read_expected(&mut body, 0x30, "mcs connect response domain parameters")?;
    if body.is_empty() {
        return Ok(out);
    }
    let mut gcc = ber::read_expected(&mut body, 0x04, "mcs connect response user data")?;
    let (gcc_result, blocks) = parse_gcc_create_response(&mut gcc)?;
    out.gcc_result = Some(gcc_result);
    parse_server_blocks(blocks, &mut out)?;
    Ok(out)
}

/// [T.124] ConnectData + ConferenceCreateResponse (ALIGNED PER), returning the GCC result
/// and a cursor over the server data blocks (the `McDn` user data value).
fn parse_gcc_create_response<'a>(c: &mut Cursor<'a>) -> Result<(u8, Cursor<'a>), DecodeError> {
    // ConnectData::t124Identifier: Key CHOICE object (0) with the T.124 OID.
    ber::expect_tag(c, 0x00, "gcc key choice")?;
    let oid_len = per_length(c, "gcc object identifier")?;
    c.skip(oid_len, "gcc object identifier")?;
    // ConnectData::connectPDU length (Windows sends inexact values: not checked).
    per_length(c, "gcc connect pdu length")?;
    ber::expect_tag(c, 0x14, "gcc conference create response choice")?;
    c.skip(2, "gcc node id")?;
    let tag_len = per_length(c, "gcc tag")?;
    c.skip(tag_len, "gcc tag")?;
    let result = c.u8("gcc result")?;
    let _sets = c.u8("gcc user data set count")?;
    let _choice = c.u8("gcc user data choice")?;
    let key_len = usize::from(c.u8("gcc h221 key length")?) + 4;
    let key_at = c.offset();
    let key = c.take(key_len, "gcc h221 key")?;
    if key != b"McDn" {
        let mut raw = [0u8; 4];
        for (d, s) in raw.iter_mut().zip(key) {
            *d = *s;
        }
        return Err(DecodeError::unexpected(
            "gcc h221 key",
            key_at,
            u32::from_be_bytes(raw),
        ));
    }
    let len = per_length(c, "gcc user data length")?;
    let blocks = c.sub(len, "gcc user data")?;
    Ok((result >> 4, blocks))
}

fn parse_server_blocks<'a>(
    mut c: Cursor<'a>,
    out: &mut ConnectResponse<'a>,
) -> Result<(), DecodeError> {
    while c.remaining() >= 4 {
        let block_type = c.u16_le("server data block type")?;
        let at = c.offset();
        let len = usize::from(c.u16_le("server data block length")?);
        if len < 4 {
            return Err(DecodeError::unexpected(
                "server data block length",
                at,
                len as u32,
            ));
        }
        let mut b = c.sub(len - 4, "server data block")?;
        match block_type {
            SC_CORE => {
                let version = b.u32_le("server core data version")?;
                let client_requested_protocols =
                    b.u32_le("server core data client requested protocols").ok();
                let early_capability_flags =
                    b.u32_le("server core data early capability flags").ok();
                out.core = Some(ServerCoreData {
                    version,
                    client_requested_protocols,
                    early_capability_flags,
                });
            }
            SC_SECURITY => out.security = Some(parse_security(&mut b)?),
            SC_NET => {
                let io_channel = b.u16_le("server network data io channel")?;
                let channel_count = b.u16_le("server network data channel count")?;
                let mut channel_ids = Vec::new();
                while channel_ids.len() < usize::from(channel_count).min(MAX_CHANNEL_IDS) {
                    match b.u16_le("server network data channel id") {
                        Ok(id) => channel_ids.push(id),
                        Err(_) => break,
                    }
                }
                out.network = Some(ServerNetworkData {
                    io_channel,
                    channel_count,
                    channel_ids,
                });
            }
            SC_MCS_MSGCHANNEL => {
                out.message_channel_id = Some(b.u16_le("server message channel id")?);
            }
            SC_MULTITRANSPORT => {
                out.multitransport_flags = Some(b.u32_le("server multitransport flags")?);
            }
            other => {
                if out.unknown_blocks.len() < MAX_UNKNOWN_BLOCKS {
                    out.unknown_blocks.push(other);
                }
            }
        }
    }
    Ok(())
}

fn parse_security<'a>(b: &mut Cursor<'a>) -> Result<ServerSecurityData<'a>, DecodeError> {
    let encryption_method = b.u32_le("server security encryption method")?;
    let encryption_level = b.u32_le("server security encryption level")?;
    let mut out = ServerSecurityData {
        encryption_method,
        encryption_level,
        server_random: None,
        server_certificate: None,
    };
    if b.is_empty() {
        return Ok(out);
    }
    let random_len = b.u32_le("server random length")? as usize;
    let cert_len = b.u32_le("server certificate length")? as usize;
    if random_len > 0 {
        out.server_random = Some(b.take(random_len, "server random")?);
    }
    if cert_len > 0 {
        let raw = b.take(cert_len, "server certificate")?;
        out.server_certificate = Some(parse_certificate(raw));
    }
    Ok(out)
}

/// Best-effort decode of `SERVER_CERTIFICATE` ([MS-RDPBCGR] 2.2.1.4.3.1,
/// 2.2.1.4.3.1.1 proprietary, 2.2.1.4.3.1.1.1 RSA_PUBLIC_KEY). Never fails: what cannot
/// be read is `None`.
pub fn parse_certificate(raw: &[u8]) -> ServerCertificate<'_> {
    let mut c = Cursor::new(raw);
    let version_raw = c.u32_le("server certificate version").unwrap_or(0);
    let chain_type = match version_raw & 0x7fff_ffff {
        1 => CertChainType::Proprietary,
        2 => CertChainType::X509,
        other => CertChainType::Unknown(other),
    };
    let mut cert = ServerCertificate {
        version_raw,
        chain_type,
        temporary: version_raw & 0x8000_0000 != 0,
        rsa_key_bits: None,
        x509_chain_len: None,
        raw,
    };
    match chain_type {
        CertChainType::Proprietary => {
            let key_bits = (|| -> Result<Option<u32>, DecodeError> {
                c.skip(4, "proprietary certificate signature algorithm id")?;
                c.skip(4, "proprietary certificate key algorithm id")?;
                let blob_type = c.u16_le("proprietary certificate public key blob type")?;
                let blob_len =
                    usize::from(c.u16_le("proprietary certificate public key blob length")?);
                let mut key = c.sub(blob_len, "proprietary certificate public key blob")?;
                if blob_type != BB_RSA_KEY_BLOB || key.u32_le("rsa public key magic")? != RSA1_MAGIC
                {
                    return Ok(None);
                }
                key.skip(4, "rsa public key keylen")?;
                Ok(Some(key.u32_le("rsa public key bitlen")?))
            })();
            cert.rsa_key_bits = key_bits.ok().flatten();
        }
        CertChainType::X509 => cert.x509_chain_len = c.u32_le("x509 certificate chain count").ok(),
        CertChainType::Unknown(_) => {}
    }
    cert
}

// ---------------------------------------------------------------------------------
// Encoders (for tests and the scripted lab servers)
// ---------------------------------------------------------------------------------

/// Encode a full TPKT frame carrying an MCS Disconnect Provider Ultimatum with a raw
/// 3-bit reason ([T.125] 10.3, [MS-RDPBCGR] 2.2.2.3). Only the low 3 bits are sent.
pub fn disconnect_provider_ultimatum(reason: u8) -> Vec<u8> {
    let r = reason & 0x07;
    x224::data_frame(&[
        (CHOICE_DISCONNECT_PROVIDER_ULTIMATUM << 2) | (r >> 1),
        (r & 1) << 7,
    ])
}

/// Encode a full TPKT frame carrying an MCS Attach User Confirm ([MS-RDPBCGR] 2.2.1.7).
pub fn attach_user_confirm(result: u8, initiator: Option<u16>) -> Vec<u8> {
    let r = result & 0x0f;
    let mut p = vec![
        (CHOICE_ATTACH_USER_CONFIRM << 2) | u8::from(initiator.is_some()) << 1 | (r >> 3),
        (r & 0x07) << 5,
    ];
    if let Some(i) = initiator {
        p.extend_from_slice(&i.wrapping_sub(MCS_USER_ID_BASE).to_be_bytes());
    }
    x224::data_frame(&p)
}

/// Encode a full TPKT frame carrying an MCS Channel Join Confirm ([MS-RDPBCGR] 2.2.1.9).
pub fn channel_join_confirm(
    result: u8,
    initiator: u16,
    requested: u16,
    channel_id: Option<u16>,
) -> Vec<u8> {
    let r = result & 0x0f;
    let mut p = vec![
        (CHOICE_CHANNEL_JOIN_CONFIRM << 2) | u8::from(channel_id.is_some()) << 1 | (r >> 3),
        (r & 0x07) << 5,
    ];
    p.extend_from_slice(&initiator.wrapping_sub(MCS_USER_ID_BASE).to_be_bytes());
    p.extend_from_slice(&requested.to_be_bytes());
    if let Some(ch) = channel_id {
        p.extend_from_slice(&ch.to_be_bytes());
    }
    x224::data_frame(&p)
}

/// Encode a full TPKT frame carrying an MCS Send Data Indication ([T.125] 11.33,
/// [MS-RDPBCGR] 2.2.8.1.1.1.1) from `initiator` on `channel_id`. User data longer than
/// a PER 14-bit length (16383 bytes) is truncated.
pub fn send_data_indication_frame(initiator: u16, channel_id: u16, user_data: &[u8]) -> Vec<u8> {
    send_data_frame(
        CHOICE_SEND_DATA_INDICATION,
        initiator,
        channel_id,
        user_data,
    )
}

/// Encode a full TPKT frame carrying an MCS Send Data Request ([T.125] 11.32,
/// [MS-RDPBCGR] 2.2.8.1.1.1.1) from `initiator` on `channel_id`, as a client sends it. User
/// data longer than a PER 14-bit length (16383 bytes) is truncated.
pub fn send_data_request_frame(initiator: u16, channel_id: u16, user_data: &[u8]) -> Vec<u8> {
    send_data_frame(CHOICE_SEND_DATA_REQUEST, initiator, channel_id, user_data)
}

fn send_data_frame(choice: u8, initiator: u16, channel_id: u16, user_data: &[u8]) -> Vec<u8> {
    let data = user_data.get(..MAX_PER_LENGTH).unwrap_or(user_data);
    let mut p = Vec::with_capacity(data.len() + 8);
    p.push(choice << 2);
    p.extend_from_slice(&initiator.wrapping_sub(MCS_USER_ID_BASE).to_be_bytes());
    p.extend_from_slice(&channel_id.to_be_bytes());
    p.push(0x70); // dataPriority high, segmentation begin|end
    write_per_length(&mut p, data.len());
    p.extend_from_slice(data);
    x224::data_frame(&p)
}

/// What [`connect_response_frame`] puts into the server data blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectResponseSpec {
    /// T.125 result (0 = rt-successful). With a non-zero result only the BER header and
    /// result are sent.
    pub result: u8,
    /// `SC_CORE` version (e.g. 0x00080004).
    pub core_version: u32,
    /// `SC_CORE` clientRequestedProtocols echo.
    pub client_requested_protocols: u32,
    /// `SC_SECURITY` encryptionMethod / encryptionLevel (0, 0 for Enhanced RDP Security).
    pub encryption: (u32, u32),
    /// `SC_SECURITY` serverRandom; with [`ConnectResponseSpec::server_certificate`], both empty
    /// leave out `serverRandomLen`, `serverCertLen` and what follows them.
    pub server_random: Vec<u8>,
    /// `SC_SECURITY` serverCertificate ([MS-RDPBCGR] 2.2.1.4.3.1), as is.
    pub server_certificate: Vec<u8>,
    /// `SC_NET` I/O channel id (usually 1003).
    pub io_channel: u16,
    /// `SC_NET` static channel ids.
    pub channel_ids: Vec<u16>,
}

/// Encode a full TPKT frame carrying an MCS Connect Response with a GCC Conference
/// Create Response and `SC_CORE`, `SC_SECURITY` (with the random and certificate given) and `SC_NET`
/// blocks ([MS-RDPBCGR] 2.2.1.4, layout as in [MS-RDPBCGR] 4.1.4).
pub fn connect_response_frame(spec: &ConnectResponseSpec) -> Vec<u8> {
    let mut body = Vec::new();
    ber::write_tlv(
        &mut body,
        0x0a,
        &ber::integer_contents_u32(u32::from(spec.result)),
    );
    if spec.result == 0 {
        ber::write_tlv(&mut body, 0x02, &[0]);
        // Domain parameters as in [MS-RDPBCGR] 4.1.4.
        let dp: [u8; 26] = [
            0x02, 0x01, 0x22, 0x02, 0x01, 0x03, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01, 0x02, 0x01,
            0x00, 0x02, 0x01, 0x01, 0x02, 0x03, 0x00, 0xff, 0xf8, 0x02, 0x01, 0x02,
        ];
        ber::write_tlv(&mut body, 0x30, &dp);
        let mut blocks = Vec::new();
        blocks.extend_from_slice(&SC_CORE.to_le_bytes());
        blocks.extend_from_slice(&12u16.to_le_bytes());
        blocks.extend_from_slice(&spec.core_version.to_le_bytes());
        blocks.extend_from_slice(&spec.client_requested_protocols.to_le_bytes());
        let security_extra = !(spec.server_random.is_empty() && spec.server_certificate.is_empty());
        let security_len = if security_extra {
            20 + spec.server_random.len() + spec.server_certificate.len()
        } else {
            12
        };
        blocks.extend_from_slice(&SC_SECURITY.to_le_bytes());
        blocks.extend_from_slice(
            &u16::try_from(security_len)
                .unwrap_or(u16::MAX)
                .to_le_bytes(),
        );
        blocks.extend_from_slice(&spec.encryption.0.to_le_bytes());
        blocks.extend_from_slice(&spec.encryption.1.to_le_bytes());
        if security_extra {
            for part in [&spec.server_random, &spec.server_certificate] {
                let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
                blocks.extend_from_slice(&len.to_le_bytes());
            }
            blocks.extend_from_slice(&spec.server_random);
            blocks.extend_from_slice(&spec.server_certificate);
        }
        let ids = spec
            .channel_ids
            .get(..MAX_CHANNEL_IDS)
            .unwrap_or(&spec.channel_ids);
        let mut net_len = 8 + 2 * ids.len();
        let pad = ids.len() % 2 == 1;
        if pad {
            net_len += 2;
        }
        blocks.extend_from_slice(&SC_NET.to_le_bytes());
        blocks.extend_from_slice(&(net_len as u16).to_le_bytes());
        blocks.extend_from_slice(&spec.io_channel.to_le_bytes());
        blocks.extend_from_slice(&(ids.len() as u16).to_le_bytes());
        for id in ids {
            blocks.extend_from_slice(&id.to_le_bytes());
        }
        if pad {
            blocks.extend_from_slice(&[0, 0]);
        }
        let mut gcc = vec![0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01];
        let mut cpdu = vec![0x14, 0x76, 0x0a, 0x01, 0x01, 0x00, 0x01, 0xc0, 0x00];
        cpdu.extend_from_slice(b"McDn");
        write_per_length(&mut cpdu, blocks.len());
        cpdu.extend_from_slice(&blocks);
        write_per_length(&mut gcc, cpdu.len());
        gcc.extend_from_slice(&cpdu);
        ber::write_tlv(&mut body, 0x04, &gcc);
    }
    let mut mcs = vec![0x7f, 0x66];
    ber::write_length(&mut mcs, body.len());
    mcs.extend_from_slice(&body);
    x224::data_frame(&mcs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x224::{X224Pdu, parse_x224};

    fn payload(frame: &[u8]) -> &[u8] {
        match parse_x224(frame) {
            Ok(X224Pdu::Data(p)) => p,
            other => panic!("not a data tpdu: {other:?}"),
        }
    }

    /// [MS-RDPBCGR] 4.1.4 Server MCS Connect Response PDU with GCC Conference Create Response.
    pub(crate) const SPEC_CONNECT_RESPONSE: [u8; 337] = [
        0x03, 0x00, 0x01, 0x51, 0x02, 0xf0, 0x80, 0x7f, 0x66, 0x82, 0x01, 0x45, 0x0a, 0x01, 0x00,
        0x02, 0x01, 0x00, 0x30, 0x1a, 0x02, 0x01, 0x22, 0x02, 0x01, 0x03, 0x02, 0x01, 0x00, 0x02,
        0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01, 0x02, 0x03, 0x00, 0xff, 0xf8, 0x02, 0x01,
        0x02, 0x04, 0x82, 0x01, 0x1f, 0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01, 0x2a, 0x14, 0x76,
        0x0a, 0x01, 0x01, 0x00, 0x01, 0xc0, 0x00, 0x4d, 0x63, 0x44, 0x6e, 0x81, 0x08, 0x01, 0x0c,
        0x0c, 0x00, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x0c, 0x10, 0x00, 0xeb,
        0x03, 0x03, 0x00, 0xec, 0x03, 0xed, 0x03, 0xee, 0x03, 0x00, 0x00, 0x02, 0x0c, 0xec, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0xb8, 0x00, 0x00,
        0x00, 0x10, 0x11, 0x77, 0x20, 0x30, 0x61, 0x0a, 0x12, 0xe4, 0x34, 0xa1, 0x1e, 0xf2, 0xc3,
        0x9f, 0x31, 0x7d, 0xa4, 0x5f, 0x01, 0x89, 0x34, 0x96, 0xe0, 0xff, 0x11, 0x08, 0x69, 0x7f,
        0x1a, 0xc3, 0xd2, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x06, 0x00, 0x5c, 0x00, 0x52, 0x53, 0x41, 0x31, 0x48, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x3f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0xcb, 0x81, 0xfe, 0xba, 0x6d, 0x61,
        0xc3, 0x55, 0x05, 0xd5, 0x5f, 0x2e, 0x87, 0xf8, 0x71, 0x94, 0xd6, 0xf1, 0xa5, 0xcb, 0xf1,
        0x5f, 0x0c, 0x3d, 0xf8, 0x70, 0x02, 0x96, 0xc4, 0xfb, 0x9b, 0xc8, 0x3c, 0x2d, 0x55, 0xae,
        0xe8, 0xff, 0x32, 0x75, 0xea, 0x68, 0x79, 0xe5, 0xa2, 0x01, 0xfd, 0x31, 0xa0, 0xb1, 0x1f,
        0x55, 0xa6, 0x1f, 0xc1, 0xf6, 0xd1, 0x83, 0x88, 0x63, 0x26, 0x56, 0x12, 0xbc, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x48, 0x00, 0xe9, 0xe1, 0xd6, 0x28, 0x46,
        0x8b, 0x4e, 0xf5, 0x0a, 0xdf, 0xfd, 0xee, 0x21, 0x99, 0xac, 0xb4, 0xe1, 0x8f, 0x5f, 0x81,
        0x57, 0x82, 0xef, 0x9d, 0x96, 0x52, 0x63, 0x27, 0x18, 0x29, 0xdb, 0xb3, 0x4a, 0xfd, 0x9a,
        0xda, 0x42, 0xad, 0xb5, 0x69, 0x21, 0x89, 0x0e, 0x1d, 0xc0, 0x4c, 0x1a, 0xa8, 0xaa, 0x71,
        0x3e, 0x0f, 0x54, 0xb9, 0x9a, 0xe4, 0x99, 0x68, 0x3f, 0x6c, 0xd6, 0x76, 0x84, 0x61, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn spec_connect_response() {
        let r = parse_connect_response(payload(&SPEC_CONNECT_RESPONSE)).expect("decodes");
        assert_eq!(r.result, 0);
        assert_eq!(r.gcc_result, Some(0));
        assert_eq!(
            r.core,
            Some(ServerCoreData {
                version: 0x0008_0004,
                client_requested_protocols: Some(0),
                early_capability_flags: None
            })
        );
        let net = r.network.expect("sc_net");
        assert_eq!(net.io_channel, 1003);
        assert_eq!(net.channel_count, 3);
        assert_eq!(net.channel_ids, vec![1004, 1005, 1006]);
        let sec = r.security.expect("sc_security");
        assert_eq!(sec.encryption_method, 2);
        assert_eq!(sec.encryption_level, 2);
        assert_eq!(sec.server_random.map(<[u8]>::len), Some(32));
        let cert = sec.server_certificate.expect("certificate");
        assert_eq!(cert.raw.len(), 184);
        assert_eq!(cert.version_raw, 1);
        assert_eq!(cert.chain_type, CertChainType::Proprietary);
        assert!(!cert.temporary);
        assert_eq!(cert.rsa_key_bits, Some(512));
        assert_eq!(cert.x509_chain_len, None);
        assert_eq!(r.message_channel_id, None);
        assert!(r.unknown_blocks.is_empty());
    }

    #[test]
    fn connect_response_every_prefix_errors() {
        let p = payload(&SPEC_CONNECT_RESPONSE);
        for n in 0..p.len() {
            assert!(parse_connect_response(&p[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn refused_connect_response_keeps_result() {
        for result in [1u8, 5, 14, 200] {
            let f = connect_response_frame(&ConnectResponseSpec {
                result,
                core_version: 0,
                client_requested_protocols: 0,
                encryption: (0, 0),
                server_random: Vec::new(),
                server_certificate: Vec::new(),
                io_channel: 0,
                channel_ids: vec![],
            });
            let r = parse_connect_response(payload(&f)).expect("decodes");
            assert_eq!(r.result, result);
            assert_eq!(r.core, None);
            assert_eq!(r.gcc_result, None);
        }
    }

    #[test]
    fn connect_response_encoder_round_trips() {
        let spec = ConnectResponseSpec {
            result: 0,
            core_version: 0x0008_000c,
            client_requested_protocols: 3,
            encryption: (0, 0),
            server_random: Vec::new(),
            server_certificate: Vec::new(),
            io_channel: 1003,
            channel_ids: (1004..1004 + 40).collect(),
        };
        let f = connect_response_frame(&spec);
        let r = parse_connect_response(payload(&f)).expect("decodes");
        assert_eq!(r.result, 0);
        assert_eq!(r.core.map(|c| c.version), Some(0x0008_000c));
        assert_eq!(r.core.and_then(|c| c.client_requested_protocols), Some(3));
        let sec = r.security.expect("security");
        assert_eq!((sec.encryption_method, sec.encryption_level), (0, 0));
        assert_eq!(sec.server_random, None);
        let net = r.network.expect("net");
        assert_eq!(net.channel_ids, spec.channel_ids);
        // With a server random and a certificate ([MS-RDPBCGR] 4.1.4's layout).
        let spec = ConnectResponseSpec {
            encryption: (2, 2),
            server_random: vec![0x10; 32],
            server_certificate: vec![1, 0, 0, 0, 0xaa],
            ..spec
        };
        let f = connect_response_frame(&spec);
        let sec = parse_connect_response(payload(&f))
            .expect("decodes")
            .security
            .expect("security");
        assert_eq!((sec.encryption_method, sec.encryption_level), (2, 2));
        assert_eq!(sec.server_random, Some(&[0x10; 32][..]));
        let cert = sec.server_certificate.expect("certificate");
        assert_eq!(
            (cert.chain_type, cert.raw.len()),
            (CertChainType::Proprietary, 5)
        );
    }

    #[test]
    fn large_certificate_and_unknown_blocks_are_kept() {
        // SC_SECURITY with a 3000-byte X.509 chain claim, an unknown block and a msg channel.
        let mut blocks = Vec::new();
        let cert_len = 3000usize;
        let mut sec = Vec::new();
        sec.extend_from_slice(&2u32.to_le_bytes());
        sec.extend_from_slice(&3u32.to_le_bytes());
        sec.extend_from_slice(&32u32.to_le_bytes());
        sec.extend_from_slice(&(cert_len as u32).to_le_bytes());
        sec.extend_from_slice(&[0xaa; 32]);
        sec.extend_from_slice(&0x8000_0002u32.to_le_bytes());
        sec.extend_from_slice(&2u32.to_le_bytes());
        sec.resize(16 + 32 + cert_len, 0);
        blocks.extend_from_slice(&SC_SECURITY.to_le_bytes());
        blocks.extend_from_slice(&((sec.len() + 4) as u16).to_le_bytes());
        blocks.extend_from_slice(&sec);
        blocks.extend_from_slice(&[0x99, 0x0c, 0x06, 0x00, 0xff, 0xff]);
        blocks.extend_from_slice(&[0x04, 0x0c, 0x06, 0x00, 0xef, 0x03]);
        blocks.extend_from_slice(&[0x08, 0x0c, 0x08, 0x00, 0x01, 0x03, 0x00, 0x00]);
        let mut out = ConnectResponse::default();
        parse_server_blocks(Cursor::new(&blocks), &mut out).expect("blocks");
        let sec = out.security.expect("security");
        let cert = sec.server_certificate.expect("cert");
        assert_eq!(cert.raw.len(), 3000);
        assert_eq!(cert.chain_type, CertChainType::X509);
        assert!(cert.temporary);
        assert_eq!(cert.x509_chain_len, Some(2));
        assert_eq!(out.unknown_blocks, vec![0x0c99]);
        assert_eq!(out.message_channel_id, Some(1007));
        assert_eq!(out.multitransport_flags, Some(0x301));
    }

    #[test]
    fn huge_claimed_lengths_are_errors() {
        // SC_SECURITY claiming a 4 GiB certificate.
        let blocks = [
            0x02, 0x0c, 0x18, 0x00, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0,
            0, 0, 0,
        ];
        let mut out = ConnectResponse::default();
        let e = parse_server_blocks(Cursor::new(&blocks), &mut out).expect_err("huge");
        assert_eq!(e.what, "server certificate");
        // SC_NET claiming 65535 channels keeps only those present, capped.
        let blocks = [
            0x03, 0x0c, 0x0c, 0x00, 0xeb, 0x03, 0xff, 0xff, 0xec, 0x03, 0xed, 0x03,
        ];
        parse_server_blocks(Cursor::new(&blocks), &mut out).expect("net");
        let net = out.network.expect("net");
        assert_eq!(net.channel_count, 0xffff);
        assert_eq!(net.channel_ids, vec![1004, 1005]);
        // BER length claiming 4 GiB.
        let e = parse_connect_response(&[0x7f, 0x66, 0x84, 0xff, 0xff, 0xff, 0xff, 0x0a])
            .expect_err("ber");
        assert!(e.is_truncated());
    }

    #[test]
    fn sloppy_one_byte_result_is_not_success() {
        let r = parse_connect_response(&[0x7f, 0x66, 0x03, 0x0a, 0x01, 0xc8]).expect("decodes");
        assert_eq!(r.result, 200);
        let r = parse_connect_response(&[0x7f, 0x66, 0x04, 0x0a, 0x02, 0x01, 0x00]).expect("big");
        assert_eq!(r.result, 255);
    }

    #[test]
    fn wrong_tag_is_reported() {
        let e = parse_connect_response(&[0x7f, 0x65, 0x00]).expect_err("initial");
        assert_eq!(e.what, "mcs connect response tag");
        assert_eq!(e.kind, crate::DecodeErrorKind::Unexpected { found: 0x7f65 });
    }

    /// [MS-RDPBCGR] 4.1.7 Server MCS Attach-User Confirm PDU.
    #[test]
    fn spec_attach_user_confirm() {
        let f = [
            0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x2e, 0x00, 0x00, 0x06,
        ];
        assert_eq!(
            parse_domain_pdu(payload(&f)),
            Ok(McsPdu::AttachUserConfirm {
                result: 0,
                initiator: Some(1007)
            })
        );
        assert_eq!(attach_user_confirm(0, Some(1007)), f);
    }

    /// [MS-RDPBCGR] 4.1.9 Server MCS Channel Join Confirm PDU (user channel 1007).
    #[test]
    fn spec_channel_join_confirm() {
        let f = [
            0x03, 0x00, 0x00, 0x0f, 0x02, 0xf0, 0x80, 0x3e, 0x00, 0x00, 0x06, 0x03, 0xef, 0x03,
            0xef,
        ];
        assert_eq!(
            parse_domain_pdu(payload(&f)),
            Ok(McsPdu::ChannelJoinConfirm {
                result: 0,
                initiator: 1007,
                requested: 1007,
                channel_id: Some(1007)
            })
        );
        assert_eq!(channel_join_confirm(0, 1007, 1007, Some(1007)), f);
    }

    #[test]
    fn results_and_reasons_round_trip_all_values() {
        for r in 0..16u8 {
            assert_eq!(
                parse_domain_pdu(payload(&attach_user_confirm(r, None))),
                Ok(McsPdu::AttachUserConfirm {
                    result: r,
                    initiator: None
                })
            );
            assert_eq!(
                parse_domain_pdu(payload(&channel_join_confirm(r, 1007, 1003, None))),
                Ok(McsPdu::ChannelJoinConfirm {
                    result: r,
                    initiator: 1007,
                    requested: 1003,
                    channel_id: None
                })
            );
        }
        for reason in 0..8u8 {
            assert_eq!(
                parse_domain_pdu(payload(&disconnect_provider_ultimatum(reason))),
                Ok(McsPdu::DisconnectProviderUltimatum { reason })
            );
        }
        // The classic "21 80" = rn-user-requested (3).
        assert_eq!(
            parse_domain_pdu(&[0x21, 0x80]),
            Ok(McsPdu::DisconnectProviderUltimatum { reason: 3 })
        );
    }

    #[test]
    fn send_data_indication_short_and_long() {
        for len in [0usize, 1, 0x7f, 0x80, 0x3fff] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let f = send_data_indication_frame(1002, 1003, &data);
            assert_eq!(
                parse_domain_pdu(payload(&f)),
                Ok(McsPdu::SendDataIndication {
                    initiator: 1002,
                    channel_id: 1003,
                    user_data: &data
                }),
                "len {len}"
            );
        }
        // Claimed length longer than the data.
        let e = parse_domain_pdu(&[0x68, 0x00, 0x01, 0x03, 0xeb, 0x70, 0xbf, 0xff, 0x00])
            .expect_err("short");
        assert_eq!(e.what, "mcs send data indication user data");
        // Fragmented PER length is not supported and says so.
        let e = parse_domain_pdu(&[0x68, 0x00, 0x01, 0x03, 0xeb, 0x70, 0xc1]).expect_err("frag");
        assert_eq!(e.what, "mcs send data indication length");
    }

    #[test]
    fn send_data_request_round_trips() {
        for len in [0usize, 0x7f, 0x80, 0x3fff] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let f = send_data_request_frame(1007, 1003, &data);
            assert_eq!(
                parse_domain_pdu(payload(&f)),
                Ok(McsPdu::SendDataRequest {
                    initiator: 1007,
                    channel_id: 1003,
                    user_data: &data
                }),
                "len {len}"
            );
        }
        // [MS-RDPBCGR] 4.1.9: the Security Exchange's Send Data Request header.
        let spec = [0x64, 0x00, 0x06, 0x03, 0xeb, 0x70, 0x01, 0xaa];
        assert_eq!(
            parse_domain_pdu(&spec),
            Ok(McsPdu::SendDataRequest {
                initiator: 1007,
                channel_id: 1003,
                user_data: &[0xaa]
            })
        );
        let e = parse_domain_pdu(&[0x64, 0x00, 0x06]).expect_err("short");
        assert_eq!(e.what, "mcs send data request channel id");
    }

    #[test]
    fn other_choices_and_prefixes() {
        // Erect Domain Request (choice 1) and Send Data Request (25).
        assert_eq!(
            parse_domain_pdu(&[0x04, 0x01]),
            Ok(McsPdu::Other { choice: 1 })
        );
        assert_eq!(parse_domain_pdu(&[0x0c]), Ok(McsPdu::Other { choice: 3 }));
        for f in [
            attach_user_confirm(0, Some(1007)),
            channel_join_confirm(0, 1007, 1003, Some(1003)),
            disconnect_provider_ultimatum(1),
            send_data_indication_frame(1002, 1003, &[1, 2, 3]),
        ] {
            let p = payload(&f);
            for n in 0..p.len() {
                assert!(parse_domain_pdu(&p[..n]).is_err(), "prefix {n} of {p:?}");
            }
        }
    }
}
