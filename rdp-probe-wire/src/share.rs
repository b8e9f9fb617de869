//! Slow-path PDUs on the I/O channel, carried in MCS Send Data Indication user data:
//! licensing ([MS-RDPBCGR] 2.2.1.12, [MS-RDPELE] 2.2.2), Share Control / Share Data
//! headers ([MS-RDPBCGR] 2.2.8.1.1.1), Set Error Info ([MS-RDPBCGR] 2.2.5.1.1), Save
//! Session Info ([MS-RDPBCGR] 2.2.10.1) and Server Redirection ([MS-RDPBCGR] 2.2.13).
//!
//! # Which header comes first
//!
//! The first bytes of the user data are either a basic security header
//! ([MS-RDPBCGR] 2.2.8.1.1.2.1: `flags`, `flagsHi`) or a Share Control header
//! ([MS-RDPBCGR] 2.2.8.1.1.1.1: `totalLength`, `pduType`). Under Enhanced RDP Security
//! (TLS, CredSSP) only licensing PDUs carry the security header, so the same two bytes are
//! `flags` in one PDU and `totalLength` in the next, and Windows fills `flagsHi` of
//! licensing PDUs with arbitrary values. The caller knows the connection phase; it says so
//! with an [`IoContext`] ([`classify_io_payload_in`], [`classify_slow_path_frame_in`]),
//! and the classification then follows the security flags without guessing. The older
//! entry points ([`classify_io_payload`], [`classify_slow_path_frame`]) pass
//! [`IoPhase::Unknown`], which guesses as documented there.

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::mcs::{self, McsPdu};
use crate::redirection::{self, ServerRedirection};
use crate::x224::{self, X224Pdu};

/// `SEC_EXCHANGE_PKT` basic security header flag ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_EXCHANGE_PKT: u16 = 0x0001;
/// `SEC_ENCRYPT` basic security header flag ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_ENCRYPT: u16 = 0x0008;
/// `SEC_LICENSE_PKT` basic security header flag ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const SEC_LICENSE_PKT: u16 = 0x0080;
/// `SEC_REDIRECTION_PKT` basic security header flag: a Standard Security Server
/// Redirection PDU ([MS-RDPBCGR] 2.2.8.1.1.2.1, 2.2.13.2.1). Also the required value of
/// the packet's own `Flags` ([MS-RDPBCGR] 2.2.13.1).
pub const SEC_REDIRECTION_PKT: u16 = 0x0400;
/// Length of the basic security header, `flags` + `flagsHi` ([MS-RDPBCGR] 2.2.8.1.1.2.1).
pub const BASIC_SECURITY_HEADER_LEN: usize = 4;

/// Licensing `bMsgType` `LICENSE_REQUEST` ([MS-RDPBCGR] 2.2.1.12.1.1).
pub const LICENSE_REQUEST: u8 = 0x01;
/// Licensing `bMsgType` `PLATFORM_CHALLENGE`.
pub const PLATFORM_CHALLENGE: u8 = 0x02;
/// Licensing `bMsgType` `NEW_LICENSE`.
pub const NEW_LICENSE: u8 = 0x03;
/// Licensing `bMsgType` `UPGRADE_LICENSE`.
pub const UPGRADE_LICENSE: u8 = 0x04;
/// Licensing `bMsgType` `ERROR_ALERT` ([MS-RDPBCGR] 2.2.1.12.1.3).
pub const ERROR_ALERT: u8 = 0xFF;
/// `STATUS_VALID_CLIENT`: the licensing "error" that means success ([MS-RDPELE] 2.2.2.8).
pub const STATUS_VALID_CLIENT: u32 = 0x0000_0007;
/// `ST_NO_TRANSITION` ([MS-RDPELE] 2.2.2.8).
pub const ST_NO_TRANSITION: u32 = 0x0000_0002;

/// Share Control `pduType` `PDUTYPE_DEMANDACTIVEPDU` ([MS-RDPBCGR] 2.2.8.1.1.1.1).
pub const PDUTYPE_DEMANDACTIVEPDU: u16 = 0x1;
/// `PDUTYPE_CONFIRMACTIVEPDU`.
pub const PDUTYPE_CONFIRMACTIVEPDU: u16 = 0x3;
/// `PDUTYPE_DEACTIVATEALLPDU`.
pub const PDUTYPE_DEACTIVATEALLPDU: u16 = 0x6;
/// `PDUTYPE_DATAPDU`.
pub const PDUTYPE_DATAPDU: u16 = 0x7;
/// `PDUTYPE_SERVER_REDIR_PKT` ([MS-RDPBCGR] 2.2.13.3.1).
pub const PDUTYPE_SERVER_REDIR_PKT: u16 = 0xA;
/// `TS_PROTOCOL_VERSION` in the high bits of `pduType`. Windows sends the Server
/// Redirection PDU with these bits zero (`pduType` 0x000A).
pub const TS_PROTOCOL_VERSION: u16 = 0x0010;
/// The type bits of `pduType` (the low 4; [MS-RDPBCGR] 2.2.8.1.1.1.1).
pub const PDUTYPE_TYPE_MASK: u16 = 0x000F;
/// The version bits of `pduType` (the high 12; [MS-RDPBCGR] 2.2.8.1.1.1.1).
pub const PDUTYPE_VERSION_MASK: u16 = 0xFFF0;
/// `totalLength` 0x8000 marks a flow-control PDU, which has no `pduType`
/// ([MS-RDPBCGR] 2.2.8.1.1.1.1).
pub const FLOW_PDU_MARKER: u16 = 0x8000;
/// Length of a Share Control header with `pduSource` ([MS-RDPBCGR] 2.2.8.1.1.1.1).
pub const SHARE_CONTROL_HEADER_LEN: usize = 6;
/// Length of a Share Control header without `pduSource`.
pub const SHARE_CONTROL_HEADER_MIN_LEN: usize = 4;

/// Share Data `pduType2` `PDUTYPE2_SAVE_SESSION_INFO` ([MS-RDPBCGR] 2.2.8.1.1.1.2).
pub const PDUTYPE2_SAVE_SESSION_INFO: u8 = 38;
/// Share Data `pduType2` `PDUTYPE2_SET_ERROR_INFO_PDU`.
pub const PDUTYPE2_SET_ERROR_INFO_PDU: u8 = 47;
/// `PACKET_COMPRESSED` in Share Data `compressedType`.
pub const PACKET_COMPRESSED: u8 = 0x20;

/// `INFOTYPE_LOGON_EXTENDED_INFO` ([MS-RDPBCGR] 2.2.10.1.1).
pub const INFOTYPE_LOGON_EXTENDED_INFO: u32 = 0x0000_0003;
/// `LOGON_EX_AUTORECONNECTCOOKIE` ([MS-RDPBCGR] 2.2.10.1.1.4).
pub const LOGON_EX_AUTORECONNECTCOOKIE: u32 = 0x0000_0001;
/// `LOGON_EX_LOGONERRORS` ([MS-RDPBCGR] 2.2.10.1.1.4).
pub const LOGON_EX_LOGONERRORS: u32 = 0x0000_0002;

/// What the caller knows about the connection when it classifies I/O channel data.
///
/// `IoContext::default()` is Enhanced RDP Security in an unknown phase: what
/// [`classify_io_payload`]`(data, false)` assumes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IoContext {
    /// Standard RDP Security is in effect: a basic security header
    /// ([MS-RDPBCGR] 2.2.8.1.1.2.1) precedes every PDU. False under Enhanced RDP Security
    /// (TLS, CredSSP), where only licensing PDUs carry it ([MS-RDPBCGR] 2.2.1.12).
    pub security_header: bool,
    /// The phase of the connection sequence ([MS-RDPBCGR] 1.3.1.1).
    pub phase: IoPhase,
}

/// The connection phase, as far as the classification of I/O channel data cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IoPhase {
    /// Licensing ([MS-RDPBCGR] 1.3.1.1 phase 7, 2.2.1.12): a PDU whose first `u16` has
    /// `SEC_LICENSE_PKT` is a licensing PDU, whatever follows; any other is a Share
    /// Control PDU (e.g. Set Error Info).
    Licensing,
    /// After licensing (capabilities exchange, finalization, active session): under
    /// Enhanced RDP Security every PDU starts with a Share Control header.
    AfterLicensing,
    /// Not known. When the first `u16` has `SEC_LICENSE_PKT`, the PDU is read as licensing
    /// if its preamble fits (a server `bMsgType` and a `wMsgSize` that matches the
    /// data), or if the bytes cannot be a Share Control PDU (`totalLength` 4 or more and
    /// within the data, and either equal to its length or with `pduType` carrying
    /// `TS_PROTOCOL_VERSION`); otherwise as Share Control.
    #[default]
    Unknown,
}

/// How a Server Redirection PDU reached the client ([MS-RDPBCGR] 2.2.13.2, 2.2.13.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectionForm {
    /// Enhanced Security Server Redirection PDU ([MS-RDPBCGR] 2.2.13.3.1): in a Share
    /// Control PDU.
    Enhanced {
        /// Raw `pduType`: 0x001A as the spec writes it, 0x000A as Windows sends it.
        pdu_type: u16,
    },
    /// Standard Security Server Redirection PDU ([MS-RDPBCGR] 2.2.13.2.1): after a basic
    /// security header with `SEC_REDIRECTION_PKT` (and without `SEC_ENCRYPT`: an
    /// encrypted one is [`IoPdu::Encrypted`]).
    Standard {
        /// Raw basic security header `flags`.
        sec_flags: u16,
    },
}

/// A classified slow-path PDU from the I/O channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoPdu<'a> {
    /// Set Error Info PDU (Share Data `pduType2` 47) ([MS-RDPBCGR] 2.2.5.1.1).
    SetErrorInfo {
        /// Raw `errorInfo` (`ERRINFO_*`), any value.
        error_info: u32,
    },
    /// Licensing Error Message, `bMsgType` 0xFF ([MS-RDPBCGR] 2.2.1.12.1.3, [MS-RDPELE] 2.2.2.8).
    LicenseErrorAlert {
        /// Raw `dwErrorCode` (7 = `STATUS_VALID_CLIENT`, i.e. success).
        error_code: u32,
        /// Raw `dwStateTransition`.
        state_transition: u32,
    },
    /// Any other licensing PDU ([MS-RDPBCGR] 2.2.1.12): `LICENSE_REQUEST` 0x01,
    /// `PLATFORM_CHALLENGE` 0x02, `NEW_LICENSE` 0x03, `UPGRADE_LICENSE` 0x04, ...
    License {
        /// Raw `bMsgType`.
        msg_type: u8,
    },
    /// Demand Active PDU (Share Control `pduType` type 1) ([MS-RDPBCGR] 2.2.1.13.1).
    DemandActive {
        /// `shareId`.
        share_id: u32,
        /// The version bits of `pduType` (`pduType & 0xFFF0`; `TS_PROTOCOL_VERSION` 0x0010
        /// per the spec).
        version: u16,
    },
    /// Deactivate All PDU (`pduType` type 6) ([MS-RDPBCGR] 2.2.3.1).
    DeactivateAll {
        /// The version bits of `pduType`.
        version: u16,
    },
    /// Server Redirection PDU, either form ([MS-RDPBCGR] 2.2.13.2.1, 2.2.13.3.1). The form
    /// is certain once the header says so; the packet may still fail to decode, and that
    /// error is kept here rather than failing the whole classification.
    Redirection {
        /// Which PDU carried it (with the raw `pduType` or security flags).
        form: RedirectionForm,
        /// The decoded Server Redirection Packet ([MS-RDPBCGR] 2.2.13.1).
        packet: Result<Box<ServerRedirection>, DecodeError>,
    },
    /// Save Session Info PDU (`pduType2` 38) ([MS-RDPBCGR] 2.2.10.1).
    SaveSessionInfo {
        /// Raw `infoType` (0 logon, 1 logon long, 2 plain notify, 3 extended info).
        info_type: u32,
        /// For `INFOTYPE_LOGON_EXTENDED_INFO` with `LOGON_EX_LOGONERRORS`: raw
        /// (`ErrorNotificationType`, `ErrorNotificationData`) ([MS-RDPBCGR] 2.2.10.1.1.4.1).
        logon_error: Option<(u32, u32)>,
    },
    /// Any other Share Data PDU (`pduType` 7), or one whose body is compressed.
    ShareData {
        /// Raw `pduType2`.
        pdu_type2: u8,
    },
    /// Any other Share Control PDU (the type is the low 4 bits of `pduType`).
    ShareControl {
        /// Raw `pduType` including the protocol version bits (type = `pdu_type & 0xF`).
        pdu_type: u16,
    },
    /// Encrypted with Standard RDP Security (`SEC_ENCRYPT` set): the contents cannot be
    /// read without the session keys ([MS-RDPBCGR] 2.2.8.1.1.2).
    Encrypted {
        /// Raw basic security header `flags`.
        sec_flags: u16,
        /// The bytes after the basic security header (MAC signature + ciphertext).
        data: &'a [u8],
    },
    /// Readable but not recognized (a flow-control PDU).
    Unknown,
}

/// Classify the user data of a Send Data Indication on the I/O channel, in an unknown
/// phase: [`classify_io_payload_in`] with [`IoPhase::Unknown`].
///
/// `has_security_header`: a basic security header ([MS-RDPBCGR] 2.2.8.1.1.2.1) precedes
/// every PDU (Standard RDP Security). Without it (TLS / CredSSP), the header still precedes
/// licensing PDUs ([MS-RDPBCGR] 2.2.1.12), recognized as [`IoPhase::Unknown`] describes.
pub fn classify_io_payload(
    user_data: &[u8],
    has_security_header: bool,
) -> Result<IoPdu<'_>, DecodeError> {
    classify_io_payload_in(
        user_data,
        IoContext {
            security_header: has_security_header,
            phase: IoPhase::Unknown,
        },
    )
}

/// Classify the user data of a Send Data Indication on the I/O channel, knowing the
/// context ([`IoContext`]).
///
/// With a security header, its flags decide, in this order: `SEC_ENCRYPT` →
/// [`IoPdu::Encrypted`]; `SEC_LICENSE_PKT` → licensing; `SEC_REDIRECTION_PKT` → Standard
/// Security Server Redirection ([MS-RDPBCGR] 2.2.13.2.1); otherwise a Share Control
/// header follows. Share Control PDUs are typed by the low 4 bits of `pduType`, whatever
/// the version bits (which are kept where the variant has room for them).
pub fn classify_io_payload_in(user_data: &[u8], ctx: IoContext) -> Result<IoPdu<'_>, DecodeError> {
    let mut c = Cursor::new(user_data);
    if ctx.security_header || licensing_header_present(user_data, ctx.phase)? {
        let flags = c.u16_le("security header flags")?;
        c.skip(2, "security header flags hi")?;
        if flags & SEC_ENCRYPT != 0 {
            return Ok(IoPdu::Encrypted {
                sec_flags: flags,
                data: c.take_rest(),
            });
        }
        if flags & SEC_LICENSE_PKT != 0 {
            return classify_license(&mut c);
        }
        if flags & SEC_REDIRECTION_PKT != 0 {
            return Ok(IoPdu::Redirection {
                form: RedirectionForm::Standard { sec_flags: flags },
                packet: redirection::read_packet(&mut c).map(Box::new),
            });
        }
    }
    classify_share(&mut c)
}

/// Without Standard RDP Security: does a basic security header come first? Only licensing
/// PDUs (SEC_LICENSE_PKT) and the Standard Security Server Redirection PDU
/// (SEC_REDIRECTION_PKT, [MS-RDPBCGR] 2.2.13.2.1) carry one there. See [`IoPhase`].
fn licensing_header_present(buf: &[u8], phase: IoPhase) -> Result<bool, DecodeError> {
    let first = Cursor::new(buf).u16_le("security header flags")?;
    let licensing = first & SEC_LICENSE_PKT != 0;
    let redirection = first & SEC_REDIRECTION_PKT != 0;
    Ok(match phase {
        IoPhase::Licensing => licensing || (redirection && !looks_like_share_control(buf)),
        IoPhase::AfterLicensing => false,
        IoPhase::Unknown => {
            (licensing || redirection)
                && (licensing_preamble_fits(buf) || !looks_like_share_control(buf))
        }
    })
}

/// A server licensing `bMsgType` whose `wMsgSize` counts exactly the bytes after the
/// security header ([MS-RDPBCGR] 2.2.1.12.1.1).
fn licensing_preamble_fits(buf: &[u8]) -> bool {
    let mut c = Cursor::new(buf);
    let (Ok(()), Ok(msg_type), Ok(_), Ok(size)) = (
        c.skip(BASIC_SECURITY_HEADER_LEN, "security header"),
        c.u8("license preamble message type"),
        c.u8("license preamble flags"),
        c.u16_le("license preamble size"),
    ) else {
        return false;
    };
    matches!(
        msg_type,
        LICENSE_REQUEST | PLATFORM_CHALLENGE | NEW_LICENSE | UPGRADE_LICENSE | ERROR_ALERT
    ) && usize::from(size) + BASIC_SECURITY_HEADER_LEN == buf.len()
}

/// `totalLength` at least a header and within `buf`, and either exactly `buf`'s length
/// or with `TS_PROTOCOL_VERSION` in `pduType` ([MS-RDPBCGR] 2.2.8.1.1.1.1).
fn looks_like_share_control(buf: &[u8]) -> bool {
    let mut c = Cursor::new(buf);
    let (Ok(total), Ok(pdu_type)) = (
        c.u16_le("share control total length"),
        c.u16_le("share control pdu type"),
    ) else {
        return false;
    };
    let total = usize::from(total);
    (SHARE_CONTROL_HEADER_MIN_LEN..=buf.len()).contains(&total)
        && (total == buf.len() || pdu_type & PDUTYPE_VERSION_MASK == TS_PROTOCOL_VERSION)
}

/// Licensing preamble and error message ([MS-RDPBCGR] 2.2.1.12.1.1, 2.2.1.12.1.3;
/// [MS-RDPELE] 2.2.2.8).
fn classify_license<'a>(c: &mut Cursor<'a>) -> Result<IoPdu<'a>, DecodeError> {
    let msg_type = c.u8("license preamble message type")?;
    c.skip(1, "license preamble flags")?;
    c.skip(2, "license preamble size")?;
    if msg_type == ERROR_ALERT {
        let error_code = c.u32_le("license error code")?;
        let state_transition = c.u32_le("license state transition")?;
        Ok(IoPdu::LicenseErrorAlert {
            error_code,
            state_transition,
        })
    } else {
        Ok(IoPdu::License { msg_type })
    }
}

/// Share Control header ([MS-RDPBCGR] 2.2.8.1.1.1.1) and, for data PDUs, the Share Data
/// header ([MS-RDPBCGR] 2.2.8.1.1.1.2).
fn classify_share<'a>(c: &mut Cursor<'a>) -> Result<IoPdu<'a>, DecodeError> {
    let total = c.u16_le("share control total length")?;
    if total == FLOW_PDU_MARKER {
        return Ok(IoPdu::Unknown);
    }
    let pdu_type = c.u16_le("share control pdu type")?;
    // The type is the low 4 bits, whatever the version bits say: Windows sends the
    // Server Redirection PDU as 0x000A, and FreeRDP reads every type this way.
    let version = pdu_type & PDUTYPE_VERSION_MASK;
    // pduSource: present in every PDU Windows sends; absent only in 4-byte headers.
    if usize::from(total) > SHARE_CONTROL_HEADER_MIN_LEN {
        c.skip(2, "share control pdu source")?;
    }
    match pdu_type & PDUTYPE_TYPE_MASK {
        PDUTYPE_DEMANDACTIVEPDU => Ok(IoPdu::DemandActive {
            share_id: c.u32_le("demand active share id")?,
            version,
        }),
        PDUTYPE_DEACTIVATEALLPDU => Ok(IoPdu::DeactivateAll { version }),
        PDUTYPE_SERVER_REDIR_PKT => {
            let packet = c
                .skip(
                    redirection::ENHANCED_REDIRECTION_PAD_LEN,
                    "enhanced security redirection pad",
                )
                .and_then(|()| redirection::read_packet(c))
                .map(Box::new);
            Ok(IoPdu::Redirection {
                form: RedirectionForm::Enhanced { pdu_type },
                packet,
            })
        }
        PDUTYPE_DATAPDU => classify_share_data(c),
        _ => Ok(IoPdu::ShareControl { pdu_type }),
    }
}

fn classify_share_data<'a>(c: &mut Cursor<'a>) -> Result<IoPdu<'a>, DecodeError> {
    c.skip(4, "share data share id")?;
    c.skip(1, "share data padding")?;
    c.skip(1, "share data stream id")?;
    c.skip(2, "share data uncompressed length")?;
    let pdu_type2 = c.u8("share data pdu type2")?;
    let compressed_type = c.u8("share data compressed type")?;
    c.skip(2, "share data compressed length")?;
    if compressed_type & PACKET_COMPRESSED != 0 {
        return Ok(IoPdu::ShareData { pdu_type2 });
    }
    match pdu_type2 {
        PDUTYPE2_SET_ERROR_INFO_PDU => Ok(IoPdu::SetErrorInfo {
            error_info: c.u32_le("set error info")?,
        }),
        PDUTYPE2_SAVE_SESSION_INFO => {
            let info_type = c.u32_le("save session info type")?;
            let logon_error = if info_type == INFOTYPE_LOGON_EXTENDED_INFO {
                parse_logon_extended(c)?
            } else {
                None
            };
            Ok(IoPdu::SaveSessionInfo {
                info_type,
                logon_error,
            })
        }
        _ => Ok(IoPdu::ShareData { pdu_type2 }),
    }
}

/// `TS_LOGON_INFO_EXTENDED` ([MS-RDPBCGR] 2.2.10.1.1.4) → Logon Errors Info
/// ([MS-RDPBCGR] 2.2.10.1.1.4.1).
fn parse_logon_extended(c: &mut Cursor<'_>) -> Result<Option<(u32, u32)>, DecodeError> {
    c.skip(2, "logon extended info length")?;
    let present = c.u32_le("logon extended info fields present")?;
    if present & LOGON_EX_AUTORECONNECTCOOKIE != 0 {
        let len = c.u32_le("auto reconnect cookie length")? as usize;
        c.skip(len, "auto reconnect cookie")?;
    }
    if present & LOGON_EX_LOGONERRORS != 0 {
        let _len = c.u32_le("logon errors info length")?;
        let kind = c.u32_le("logon error notification type")?;
        let data = c.u32_le("logon error notification data")?;
        return Ok(Some((kind, data)));
    }
    Ok(None)
}

/// A whole slow-path TPKT frame, classified in one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlowPath<'a> {
    /// MCS Disconnect Provider Ultimatum with its raw 3-bit reason ([MS-RDPBCGR] 2.2.2.3).
    Disconnect {
        /// Raw reason (0..7).
        reason: u8,
    },
    /// A Send Data Indication; `pdu` is the classification of its user data. Only
    /// meaningful when `channel_id` is the I/O channel (or the message channel for
    /// licensing); the caller knows the channel ids.
    Io {
        /// The MCS channel the data came on.
        channel_id: u16,
        /// The classified PDU.
        pdu: IoPdu<'a>,
    },
    /// X.224 Disconnect Request with its raw reason byte ([X.224] 13.5).
    X224Disconnect {
        /// Raw reason byte.
        reason: u8,
    },
    /// Anything else (other TPDUs or MCS PDUs).
    Other,
}

/// Classify a whole TPKT frame in an unknown phase: [`classify_slow_path_frame_in`] with
/// [`IoPhase::Unknown`] (see [`classify_io_payload`] for `has_security_header`).
pub fn classify_slow_path_frame(
    tpkt_frame: &[u8],
    has_security_header: bool,
) -> Result<SlowPath<'_>, DecodeError> {
    classify_slow_path_frame_in(
        tpkt_frame,
        IoContext {
            security_header: has_security_header,
            phase: IoPhase::Unknown,
        },
    )
}

/// Classify a whole TPKT frame: X.224 Data → MCS domain PDU → I/O payload
/// ([MS-RDPBCGR] 2.2.8.1.1.1.1 and the PDUs of [`classify_io_payload_in`], which gets
/// `ctx`).
pub fn classify_slow_path_frame_in(
    tpkt_frame: &[u8],
    ctx: IoContext,
) -> Result<SlowPath<'_>, DecodeError> {
    match x224::parse_x224(tpkt_frame)? {
        X224Pdu::Disconnect { reason } => Ok(SlowPath::X224Disconnect { reason }),
        X224Pdu::Data(payload) => match mcs::parse_domain_pdu(payload)? {
            McsPdu::DisconnectProviderUltimatum { reason } => Ok(SlowPath::Disconnect { reason }),
            McsPdu::SendDataIndication {
                channel_id,
                user_data,
                ..
            } => Ok(SlowPath::Io {
                channel_id,
                pdu: classify_io_payload_in(user_data, ctx)?,
            }),
            _ => Ok(SlowPath::Other),
        },
        _ => Ok(SlowPath::Other),
    }
}

// ---------------------------------------------------------------------------------
// Encoders (for tests and the scripted lab servers)
// ---------------------------------------------------------------------------------

/// Share Control + Share Data headers around `body` ([MS-RDPBCGR] 2.2.8.1.1.1.1,
/// 2.2.8.1.1.1.2), share id 0x000103ea, pduSource = `pdu_source`.
pub fn share_data_pdu(pdu_source: u16, pdu_type2: u8, body: &[u8]) -> Vec<u8> {
    let total = 18 + body.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total.min(0xffff) as u16).to_le_bytes());
    out.extend_from_slice(&(TS_PROTOCOL_VERSION | PDUTYPE_DATAPDU).to_le_bytes());
    out.extend_from_slice(&pdu_source.to_le_bytes());
    out.extend_from_slice(&0x0001_03eau32.to_le_bytes());
    out.push(0); // pad1
    out.push(1); // STREAM_LOW
    out.extend_from_slice(&((body.len() + 4).min(0xffff) as u16).to_le_bytes());
    out.push(pdu_type2);
    out.push(0); // not compressed
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// A complete Set Error Info PDU frame ([MS-RDPBCGR] 2.2.5.1.1): TPKT + X.224 Data + MCS
/// Send Data Indication from `user_channel` on `io_channel` + Share Control / Share Data
/// headers + `errorInfo`. No security header (Enhanced RDP Security).
pub fn set_error_info_frame(user_channel: u16, io_channel: u16, error_info: u32) -> Vec<u8> {
    let pdu = share_data_pdu(
        user_channel,
        PDUTYPE2_SET_ERROR_INFO_PDU,
        &error_info.to_le_bytes(),
    );
    mcs::send_data_indication_frame(user_channel, io_channel, &pdu)
}

/// A complete Licensing Error Message frame ([MS-RDPBCGR] 2.2.1.12.1.3, [MS-RDPELE]
/// 2.2.2.8): basic security header with `SEC_LICENSE_PKT`, preamble `ERROR_ALERT`
/// (version 3), `dwErrorCode`, `dwStateTransition` and an empty `BB_ERROR_BLOB`.
pub fn license_error_alert_frame(
    user_channel: u16,
    io_channel: u16,
    error_code: u32,
    state_transition: u32,
) -> Vec<u8> {
    let mut pdu = Vec::with_capacity(20);
    pdu.extend_from_slice(&SEC_LICENSE_PKT.to_le_bytes());
    pdu.extend_from_slice(&0u16.to_le_bytes());
    pdu.extend_from_slice(&[ERROR_ALERT, 0x03]);
    pdu.extend_from_slice(&16u16.to_le_bytes());
    pdu.extend_from_slice(&error_code.to_le_bytes());
    pdu.extend_from_slice(&state_transition.to_le_bytes());
    pdu.extend_from_slice(&0x0004u16.to_le_bytes()); // BB_ERROR_BLOB
    pdu.extend_from_slice(&0u16.to_le_bytes());
    mcs::send_data_indication_frame(user_channel, io_channel, &pdu)
}

/// A complete Save Session Info PDU frame with Logon Errors Info ([MS-RDPBCGR] 2.2.10.1,
/// 2.2.10.1.1.4, 2.2.10.1.1.4.1).
pub fn logon_error_frame(
    user_channel: u16,
    io_channel: u16,
    notification_type: u32,
    notification_data: u32,
) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&INFOTYPE_LOGON_EXTENDED_INFO.to_le_bytes());
    body.extend_from_slice(&(2u16 + 4 + 4 + 8).to_le_bytes());
    body.extend_from_slice(&LOGON_EX_LOGONERRORS.to_le_bytes());
    body.extend_from_slice(&8u32.to_le_bytes());
    body.extend_from_slice(&notification_type.to_le_bytes());
    body.extend_from_slice(&notification_data.to_le_bytes());
    body.extend_from_slice(&[0u8; 570]); // Pad
    let pdu = share_data_pdu(user_channel, PDUTYPE2_SAVE_SESSION_INFO, &body);
    mcs::send_data_indication_frame(user_channel, io_channel, &pdu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_error_info_round_trip_any_value() {
        for code in [0u32, 1, 2, 3, 0x0b, 0x10c9, 0x1127, 0xdead_beef] {
            let f = set_error_info_frame(1002, 1003, code);
            assert_eq!(
                classify_slow_path_frame(&f, false),
                Ok(SlowPath::Io {
                    channel_id: 1003,
                    pdu: IoPdu::SetErrorInfo { error_info: code }
                })
            );
        }
    }

    /// Set Error Info (ERRINFO_RPC_INITIATED_DISCONNECT = 1) as Windows sends it over TLS:
    /// share control length 0x16, pduType 0x17, pduSource 0x3ea, shareId 0x103ea,
    /// pduType2 0x2f ([MS-RDPBCGR] 2.2.5.1.1 layout).
    #[test]
    fn hand_built_set_error_info_bytes() {
        let f = [
            0x03, 0x00, 0x00, 0x22, 0x02, 0xf0, 0x80, 0x68, 0x00, 0x01, 0x03, 0xeb, 0x70, 0x14,
            0x16, 0x00, 0x17, 0x00, 0xea, 0x03, 0xea, 0x03, 0x01, 0x00, 0x00, 0x01, 0x08, 0x00,
            0x2f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        ];
        let mut f = f.to_vec();
        f[3] = f.len() as u8;
        f[13] = (f.len() - 14) as u8;
        assert_eq!(
            classify_slow_path_frame(&f, false),
            Ok(SlowPath::Io {
                channel_id: 1003,
                pdu: IoPdu::SetErrorInfo { error_info: 1 }
            })
        );
    }

    #[test]
    fn license_error_alert_detected_with_and_without_security_flag() {
        for (code, st) in [
            (STATUS_VALID_CLIENT, ST_NO_TRANSITION),
            (2, 1),
            (0x99, 0x77),
        ] {
            let f = license_error_alert_frame(1002, 1003, code, st);
            for has_sec in [false, true] {
                assert_eq!(
                    classify_slow_path_frame(&f, has_sec),
                    Ok(SlowPath::Io {
                        channel_id: 1003,
                        pdu: IoPdu::LicenseErrorAlert {
                            error_code: code,
                            state_transition: st
                        }
                    })
                );
            }
        }
        // The canonical 20-byte STATUS_VALID_CLIENT licensing PDU.
        let valid = [
            0x80, 0x00, 0x00, 0x00, 0xff, 0x03, 0x10, 0x00, 0x07, 0x00, 0x00, 0x00, 0x02, 0x00,
            0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        ];
        assert_eq!(
            classify_io_payload(&valid, false),
            Ok(IoPdu::LicenseErrorAlert {
                error_code: 7,
                state_transition: 2
            })
        );
        let req = [0x80, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00];
        assert_eq!(
            classify_io_payload(&req, false),
            Ok(IoPdu::License { msg_type: 1 })
        );
    }

    #[test]
    fn share_control_length_with_bit_0x80_is_not_licensing() {
        // Demand Active with totalLength 0x0180 (bit 0x80 set).
        let mut pdu = vec![0x80, 0x01, 0x11, 0x00, 0xea, 0x03, 0xea, 0x03, 0x01, 0x00];
        pdu.resize(0x180, 0);
        assert_eq!(
            classify_io_payload(&pdu, false),
            Ok(IoPdu::DemandActive {
                share_id: 0x103ea,
                version: TS_PROTOCOL_VERSION
            })
        );
    }

    #[test]
    fn share_control_types() {
        let hdr = |t: u16| {
            let mut v = vec![6, 0];
            v.extend_from_slice(&(0x10 | t).to_le_bytes());
            v.extend_from_slice(&[0xea, 0x03]);
            v
        };
        assert_eq!(
            classify_io_payload(&hdr(6), false),
            Ok(IoPdu::DeactivateAll {
                version: TS_PROTOCOL_VERSION
            })
        );
        // A redirection header without its packet: the form is known, the packet is not.
        let Ok(IoPdu::Redirection {
            form: RedirectionForm::Enhanced { pdu_type: 0x1a },
            packet: Err(e),
        }) = classify_io_payload(&hdr(0xa), false)
        else {
            panic!("not a redirection");
        };
        assert_eq!(e.what, "enhanced security redirection pad");
        assert_eq!(
            classify_io_payload(&hdr(3), false),
            Ok(IoPdu::ShareControl { pdu_type: 0x13 })
        );
        assert_eq!(
            classify_io_payload(&hdr(0xf), false),
            Ok(IoPdu::ShareControl { pdu_type: 0x1f })
        );
        // Other version bits: typed by the low 4 bits, the version kept.
        assert_eq!(
            classify_io_payload(&[10, 0, 0x21, 0, 0, 0, 1, 0, 0, 0], false),
            Ok(IoPdu::DemandActive {
                share_id: 1,
                version: 0x20
            })
        );
        assert_eq!(
            classify_io_payload(&[6, 0, 0x06, 0, 0xea, 0x03], false),
            Ok(IoPdu::DeactivateAll { version: 0 })
        );
        // Flow PDU marker.
        assert_eq!(
            classify_io_payload(&[0, 0x80, 0x41, 0, 0, 0], false),
            Ok(IoPdu::Unknown)
        );
        // Demand active with the security header present but not encrypted.
        let mut d = vec![0, 0, 0, 0];
        d.extend_from_slice(&hdr(1));
        d.extend_from_slice(&[1, 2, 3, 4]);
        assert_eq!(
            classify_io_payload(&d, true),
            Ok(IoPdu::DemandActive {
                share_id: 0x0403_0201,
                version: TS_PROTOCOL_VERSION
            })
        );
    }

    #[test]
    fn encrypted_payload_is_reported_not_misread() {
        let d = [0x08, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(
            classify_io_payload(&d, true),
            Ok(IoPdu::Encrypted {
                sec_flags: 8,
                data: &d[4..]
            })
        );
    }

    #[test]
    fn save_session_info_logon_errors() {
        let f = logon_error_frame(1002, 1003, 0xffff_fffb, 0);
        assert_eq!(
            classify_slow_path_frame(&f, false),
            Ok(SlowPath::Io {
                channel_id: 1003,
                pdu: IoPdu::SaveSessionInfo {
                    info_type: 3,
                    logon_error: Some((0xffff_fffb, 0))
                }
            })
        );
        // Auto-reconnect cookie before the logon errors.
        let mut body = Vec::new();
        body.extend_from_slice(&3u32.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&3u32.to_le_bytes());
        body.extend_from_slice(&28u32.to_le_bytes());
        body.extend_from_slice(&[0x55; 28]);
        body.extend_from_slice(&8u32.to_le_bytes());
        body.extend_from_slice(&0xffff_fff9u32.to_le_bytes());
        body.extend_from_slice(&2u32.to_le_bytes());
        let pdu = share_data_pdu(1002, PDUTYPE2_SAVE_SESSION_INFO, &body);
        assert_eq!(
            classify_io_payload(&pdu, false),
            Ok(IoPdu::SaveSessionInfo {
                info_type: 3,
                logon_error: Some((0xffff_fff9, 2))
            })
        );
        // Plain logon notification.
        let pdu = share_data_pdu(1002, PDUTYPE2_SAVE_SESSION_INFO, &2u32.to_le_bytes());
        assert_eq!(
            classify_io_payload(&pdu, false),
            Ok(IoPdu::SaveSessionInfo {
                info_type: 2,
                logon_error: None
            })
        );
        // Auto-reconnect cookie claiming 4 GiB: error, no allocation.
        let mut body = Vec::new();
        body.extend_from_slice(&3u32.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&u32::MAX.to_le_bytes());
        let pdu = share_data_pdu(1002, PDUTYPE2_SAVE_SESSION_INFO, &body);
        let e = classify_io_payload(&pdu, false).expect_err("huge");
        assert_eq!(e.what, "auto reconnect cookie");
    }

    #[test]
    fn other_share_data_and_compressed() {
        let pdu = share_data_pdu(1002, 0x1f, &[0; 8]); // synchronize
        assert_eq!(
            classify_io_payload(&pdu, false),
            Ok(IoPdu::ShareData { pdu_type2: 0x1f })
        );
        let mut pdu = share_data_pdu(1002, PDUTYPE2_SET_ERROR_INFO_PDU, &[1, 0, 0, 0]);
        pdu[15] = PACKET_COMPRESSED;
        assert_eq!(
            classify_io_payload(&pdu, false),
            Ok(IoPdu::ShareData { pdu_type2: 47 })
        );
    }

    #[test]
    fn disconnects_and_other_frames() {
        for r in 0..8 {
            assert_eq!(
                classify_slow_path_frame(&mcs::disconnect_provider_ultimatum(r), false),
                Ok(SlowPath::Disconnect { reason: r })
            );
        }
        assert_eq!(
            classify_slow_path_frame(&x224::disconnect_request(2), false),
            Ok(SlowPath::X224Disconnect { reason: 2 })
        );
        assert_eq!(
            classify_slow_path_frame(&mcs::attach_user_confirm(0, Some(1007)), false),
            Ok(SlowPath::Other)
        );
        assert_eq!(
            classify_slow_path_frame(
                &x224::connection_confirm(&x224::ConnectionConfirm::NoNegotiationData),
                false
            ),
            Ok(SlowPath::Other)
        );
    }

    /// The Enhanced Security Server Redirection PDU as Windows sends it, built from the
    /// layout of [MS-RDPBCGR] 2.2.13.3.1 and 2.2.13.1: Share Control header with `pduType`
    /// 0x000A (version bits zero), `pduSource` 0x03ea, `pad2Octets`, a packet with
    /// `LB_TARGET_NET_ADDRESS` and `LB_LOAD_BALANCE_INFO`, and `pad1Octet`.
    #[test]
    fn windows_redirection_with_pdu_type_0x000a_is_recognised() {
        let address: Vec<u8> = "10.1.2.3\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let cookie = b"Cookie: msts=1\r\n";
        let mut packet = vec![0x00, 0x04, 0x00, 0x00]; // Flags, Length (below)
        packet.extend_from_slice(&7u32.to_le_bytes()); // SessionID
        packet.extend_from_slice(&0x0000_0003u32.to_le_bytes()); // RedirFlags
        packet.extend_from_slice(&(address.len() as u32).to_le_bytes());
        packet.extend_from_slice(&address);
        packet.extend_from_slice(&(cookie.len() as u32).to_le_bytes());
        packet.extend_from_slice(cookie);
        packet.extend_from_slice(&[0; 8]); // Pad
        let packet_len = packet.len() as u16;
        packet[2..4].copy_from_slice(&packet_len.to_le_bytes());
        let mut pdu = Vec::new();
        pdu.extend_from_slice(&((6 + 2 + packet.len() + 1) as u16).to_le_bytes());
        pdu.extend_from_slice(&[0x0a, 0x00, 0xea, 0x03, 0x00, 0x00]);
        pdu.extend_from_slice(&packet);
        pdu.push(0);
        let expected = ServerRedirection {
            flags: SEC_REDIRECTION_PKT,
            session_id: 7,
            redir_flags: 3,
            target_net_address: Some("10.1.2.3".into()),
            load_balance_info_len: Some(cookie.len()),
            ..ServerRedirection::default()
        };
        let frame = mcs::send_data_indication_frame(1002, 1003, &pdu);
        for phase in [
            IoPhase::Unknown,
            IoPhase::AfterLicensing,
            IoPhase::Licensing,
        ] {
            let ctx = IoContext {
                security_header: false,
                phase,
            };
            assert_eq!(
                classify_slow_path_frame_in(&frame, ctx),
                Ok(SlowPath::Io {
                    channel_id: 1003,
                    pdu: IoPdu::Redirection {
                        form: RedirectionForm::Enhanced { pdu_type: 0x000a },
                        packet: Ok(Box::new(expected.clone()))
                    }
                }),
                "{phase:?}"
            );
        }
        // The lab's encoder gives the same bytes, except that the cookie it cannot know
        // is zeros.
        let encoded = redirection::enhanced_redirection_frame(1002, 1003, 0x000a, &expected);
        let cookie_at = frame.len() - 1 - 8 - cookie.len();
        let mut zeroed = frame.clone();
        zeroed[cookie_at..cookie_at + cookie.len()].fill(0);
        assert_eq!(encoded, zeroed);
    }

    #[test]
    fn standard_security_redirection() {
        let r = ServerRedirection {
            flags: SEC_REDIRECTION_PKT,
            session_id: 3,
            redir_flags: redirection::LB_TARGET_FQDN,
            target_fqdn: Some("next.example".into()),
            ..ServerRedirection::default()
        };
        let frame = redirection::standard_redirection_frame(1002, 1003, &r);
        let expected = Ok(SlowPath::Io {
            channel_id: 1003,
            pdu: IoPdu::Redirection {
                form: RedirectionForm::Standard {
                    sec_flags: SEC_REDIRECTION_PKT,
                },
                packet: Ok(Box::new(r)),
            },
        });
        assert_eq!(classify_slow_path_frame(&frame, true), expected);
        // Without encryption no other PDU has a security header ([MS-RDPBCGR] 2.2.8.1.1.2): the
        // redirection's SEC_REDIRECTION_PKT is found without being told, during and after licensing.
        for phase in [IoPhase::Unknown, IoPhase::Licensing] {
            let ctx = IoContext {
                security_header: false,
                phase,
            };
            assert_eq!(
                classify_slow_path_frame_in(&frame, ctx),
                expected,
                "{phase:?}"
            );
        }
        // Encrypted: only the flags can be read.
        let d = [0x08, 0x04, 0x00, 0x00, 1, 2, 3];
        assert_eq!(
            classify_io_payload(&d, true),
            Ok(IoPdu::Encrypted {
                sec_flags: SEC_ENCRYPT | SEC_REDIRECTION_PKT,
                data: &d[4..]
            })
        );
    }

    /// License Request ([MS-RDPBCGR] 2.2.1.12.1.1 preamble, [MS-RDPELE] 2.2.2.1) with the
    /// `flagsHi` Windows may send: 0x0011 reads as a Share Control `pduType` with version
    /// bits and type 1 (Demand Active).
    #[test]
    fn license_request_with_flags_hi_0x0011_is_licensing() {
        let mut pdu = vec![0x80, 0x00, 0x11, 0x00]; // flags SEC_LICENSE_PKT, flagsHi 0x0011
        pdu.extend_from_slice(&[LICENSE_REQUEST, 0x03, 0x00, 0x00]); // preamble, size below
        pdu.extend_from_slice(&[0x5a; 32]); // ServerRandom
        pdu.extend_from_slice(&[0; 100]); // rest of the request
        let size = (pdu.len() - BASIC_SECURITY_HEADER_LEN) as u16;
        pdu[6..8].copy_from_slice(&size.to_le_bytes());
        for phase in [IoPhase::Unknown, IoPhase::Licensing] {
            let ctx = IoContext {
                security_header: false,
                phase,
            };
            assert_eq!(
                classify_io_payload_in(&pdu, ctx),
                Ok(IoPdu::License {
                    msg_type: LICENSE_REQUEST
                }),
                "{phase:?}"
            );
        }
        assert_eq!(
            classify_io_payload(&pdu, false),
            Ok(IoPdu::License {
                msg_type: LICENSE_REQUEST
            })
        );
        // A Platform Challenge whose wMsgSize is off: the phase decides.
        let mut pdu = vec![0x80, 0x00, 0x13, 0x00, PLATFORM_CHALLENGE, 0x03, 0xff, 0x00];
        pdu.extend_from_slice(&[0; 0x78]);
        assert_eq!(
            classify_io_payload_in(
                &pdu,
                IoContext {
                    security_header: false,
                    phase: IoPhase::Licensing
                }
            ),
            Ok(IoPdu::License {
                msg_type: PLATFORM_CHALLENGE
            })
        );
        // The same bytes after licensing are a Share Control PDU (totalLength 0x80).
        assert_eq!(
            classify_io_payload_in(
                &pdu,
                IoContext {
                    security_header: false,
                    phase: IoPhase::AfterLicensing
                }
            ),
            Ok(IoPdu::ShareControl { pdu_type: 0x13 })
        );
    }

    #[test]
    fn licensing_phase_still_reads_share_control_without_the_flag() {
        let f = set_error_info_frame(1002, 1003, 7);
        let ctx = IoContext {
            security_header: false,
            phase: IoPhase::Licensing,
        };
        assert_eq!(
            classify_slow_path_frame_in(&f, ctx),
            Ok(SlowPath::Io {
                channel_id: 1003,
                pdu: IoPdu::SetErrorInfo { error_info: 7 }
            })
        );
        // A Demand Active whose totalLength has bit 0x80 is licensing in the licensing
        // phase (the caller said so) and Share Control after it.
        let mut pdu = vec![0x80, 0x01, 0x11, 0x00, 0xea, 0x03, 0xea, 0x03, 0x01, 0x00];
        pdu.resize(0x180, 0);
        let after = IoContext {
            phase: IoPhase::AfterLicensing,
            ..ctx
        };
        assert_eq!(
            classify_io_payload_in(&pdu, after),
            Ok(IoPdu::DemandActive {
                share_id: 0x103ea,
                version: TS_PROTOCOL_VERSION
            })
        );
        assert_eq!(
            classify_io_payload_in(&pdu, ctx),
            Ok(IoPdu::License { msg_type: 0xea })
        );
    }

    #[test]
    fn every_prefix_is_an_error() {
        for f in [
            set_error_info_frame(1002, 1003, 0x10c9),
            license_error_alert_frame(1002, 1003, 2, 1),
            logon_error_frame(1002, 1003, 0xffff_fffa, 1),
        ] {
            for n in 0..f.len() {
                assert!(
                    classify_slow_path_frame(&f[..n], false).is_err(),
                    "prefix {n}"
                );
            }
        }
        // Prefixes of the I/O payload itself: never a panic, and the truncated error
        // names the field.
        let f = set_error_info_frame(1002, 1003, 0x10c9);
        let payload = &f[14..];
        for n in 0..payload.len() {
            let e = classify_io_payload(&payload[..n], false).expect_err("prefix");
            assert!(e.is_truncated(), "prefix {n}: {e}");
        }
    }
}
