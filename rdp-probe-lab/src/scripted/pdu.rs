//! The server's share-control PDUs for the healthy path, built with `ironrdp-pdu`'s encoders: the
//! Demand Active ([MS-RDPBCGR] 2.2.1.13.1) and the server's finalization PDUs ([MS-RDPBCGR]
//! 2.2.1.19 to 2.2.1.22), each in an MCS Send Data Indication on the I/O channel. Standard RDP
//! Security at `ENCRYPTION_LEVEL_NONE` puts no security header on them ([MS-RDPBCGR] 5.3.2).

use std::borrow::Cow;
use std::io;

use ironrdp_core::{Encode, decode, encode_vec};
use ironrdp_pdu::mcs::{SendDataIndication, SendDataRequest};
use ironrdp_pdu::rdp::capability_sets::{
    Bitmap, BitmapDrawingFlags, CapabilitySet, DemandActive, General, GeneralExtraFlags, Input,
    InputFlags, MajorPlatformType, MinorPlatformType, PROTOCOL_VER, SERVER_CHANNEL_ID,
    ServerDemandActive,
};
use ironrdp_pdu::rdp::client_info::CompressionType;
use ironrdp_pdu::rdp::finalization_messages::{ControlAction, ControlPdu, FontPdu, SynchronizePdu};
use ironrdp_pdu::rdp::headers::{
    CompressionFlags, ShareControlHeader, ShareControlPdu, ShareDataHeader, ShareDataPdu,
    StreamPriority,
};
use ironrdp_pdu::x224::X224;

use super::{IO_CHANNEL, USER_CHANNEL};

/// The share id the server hands out in its Demand Active.
pub(super) const SHARE_ID: u32 = 0x0001_03ea;
/// The desktop size the Demand Active announces.
pub(super) const DESKTOP: (u16, u16) = (1024, 768);

fn send_data_indication(user_msg: &impl Encode) -> io::Result<Vec<u8>> {
    let user_data = encode_vec(user_msg).map_err(io::Error::other)?;
    let pdu = SendDataIndication {
        initiator_id: USER_CHANNEL,
        channel_id: IO_CHANNEL,
        user_data: Cow::Owned(user_data),
    };
    encode_vec(&X224(pdu)).map_err(io::Error::other)
}

fn share_data(pdu: ShareDataPdu) -> io::Result<Vec<u8>> {
    send_data_indication(&ShareControlHeader {
        share_id: SHARE_ID,
        pdu_source: IO_CHANNEL,
        share_control_pdu: ShareControlPdu::Data(ShareDataHeader {
            share_data_pdu: pdu,
            stream_priority: StreamPriority::Medium,
            compression_flags: CompressionFlags::empty(),
            compression_type: CompressionType::K8,
        }),
    })
}

/// Demand Active PDU with General, Bitmap (1024x768, 32 bpp) and Input capability sets.
pub(super) fn demand_active() -> io::Result<Vec<u8>> {
    let capability_sets = vec![
        CapabilitySet::General(General {
            major_platform_type: MajorPlatformType::WINDOWS,
            minor_platform_type: MinorPlatformType::WINDOWS_NT,
            protocol_version: PROTOCOL_VER,
            extra_flags: GeneralExtraFlags::FASTPATH_OUTPUT_SUPPORTED
                | GeneralExtraFlags::LONG_CREDENTIALS_SUPPORTED,
            refresh_rect_support: false,
            suppress_output_support: false,
        }),
        CapabilitySet::Bitmap(Bitmap {
            pref_bits_per_pix: 32,
            desktop_width: DESKTOP.0,
            desktop_height: DESKTOP.1,
            desktop_resize_flag: false,
            drawing_flags: BitmapDrawingFlags::empty(),
        }),
        CapabilitySet::Input(Input {
            input_flags: InputFlags::SCANCODES | InputFlags::UNICODE,
            keyboard_layout: 0,
            keyboard_type: None,
            keyboard_subtype: 0,
            keyboard_function_key: 0,
            keyboard_ime_filename: String::new(),
        }),
    ];
    send_data_indication(&ShareControlHeader {
        share_id: SHARE_ID,
        pdu_source: IO_CHANNEL,
        share_control_pdu: ShareControlPdu::ServerDemandActive(ServerDemandActive {
            pdu: DemandActive {
                source_descriptor: "RDP".into(),
                capability_sets,
            },
        }),
    })
}

/// The server's four finalization PDUs, in order: Synchronize, Control Cooperate, Control Granted
/// Control, Font Map.
pub(super) fn finalization() -> io::Result<Vec<Vec<u8>>> {
    Ok(vec![
        share_data(ShareDataPdu::Synchronize(SynchronizePdu {
            target_user_id: USER_CHANNEL,
        }))?,
        share_data(ShareDataPdu::Control(ControlPdu {
            action: ControlAction::Cooperate,
            grant_id: 0,
            control_id: 0,
        }))?,
        share_data(ShareDataPdu::Control(ControlPdu {
            action: ControlAction::GrantedControl,
            grant_id: USER_CHANNEL,
            control_id: u32::from(SERVER_CHANNEL_ID),
        }))?,
        share_data(ShareDataPdu::FontMap(FontPdu::default()))?,
    ])
}

/// Whether a client frame is the Font List PDU ([MS-RDPBCGR] 2.2.1.18), the client's last
/// finalization PDU.
pub(super) fn is_font_list(frame: &[u8]) -> bool {
    let Ok(X224(request)) = decode::<X224<SendDataRequest<'_>>>(frame) else {
        return false;
    };
    matches!(
        decode::<ShareControlHeader>(request.user_data.as_ref()),
        Ok(ShareControlHeader {
            share_control_pdu: ShareControlPdu::Data(ShareDataHeader {
                share_data_pdu: ShareDataPdu::FontList(_),
                ..
            }),
            ..
        })
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdp_probe_wire::frame::{FrameLen, rdp_frame_len};

    #[test]
    fn frames_are_whole_tpkt_frames() {
        let mut frames = finalization().expect("encodes");
        frames.push(demand_active().expect("encodes"));
        for f in frames {
            assert_eq!(rdp_frame_len(&f), FrameLen::Complete(f.len()));
        }
    }
}
