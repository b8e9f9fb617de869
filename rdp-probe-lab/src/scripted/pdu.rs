//! The server's share-control PDUs for the healthy path: the Demand Active ([MS-RDPBCGR] 2.2.1.13.1)
//! and the server's finalization PDUs ([MS-RDPBCGR] 2.2.1.19 to 2.2.1.22), each in an MCS Send Data
//! Indication on the I/O channel, as the engine's transcript harness builds them
//! ([`rdp_probe_core::engine::transcript::server`], with `ironrdp-pdu`'s encoders): the scripted
//! server on loopback and the socket-free harness send the same bytes. Standard RDP Security at
//! `ENCRYPTION_LEVEL_NONE` puts no security header on them ([MS-RDPBCGR] 5.3.2).

use std::io;

use ironrdp_core::decode;
use ironrdp_pdu::mcs::SendDataRequest;
use ironrdp_pdu::rdp::headers::{
    ShareControlHeader, ShareControlPdu, ShareDataHeader, ShareDataPdu,
};
use ironrdp_pdu::x224::X224;
use rdp_probe_core::engine::transcript::server;

/// Demand Active PDU with General, Bitmap (1024x768, 32 bpp) and Input capability sets.
pub(super) fn demand_active() -> io::Result<Vec<u8>> {
    server::demand_active().map_err(io::Error::other)
}

/// The server's four finalization PDUs, in order: Synchronize, Control Cooperate, Control Granted
/// Control, Font Map.
pub(super) fn finalization() -> io::Result<Vec<Vec<u8>>> {
    server::finalization().map_err(io::Error::other)
}

/// Whether a client frame is the Font List PDU ([MS-RDPBCGR] 2.2.1.18), the client's last
/// finalization PDU.
pub(super) fn is_font_list(frame: &[u8]) -> bool {
    let Ok(X224(request)) = decode::<X224<SendDataRequest<'_>>>(frame) else {
        return false;
    };
    is_font_list_data(request.user_data.as_ref())
}

/// Whether the user data of a client's Send Data Request, without a security header (as at
/// encryption level none, or once decrypted), is the Font List PDU.
pub(super) fn is_font_list_data(user_data: &[u8]) -> bool {
    matches!(
        decode::<ShareControlHeader>(user_data),
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
    fn frames_are_whole_tpkt_frames_on_the_lab_channels() {
        assert_eq!(server::IO_CHANNEL, super::super::IO_CHANNEL);
        assert_eq!(server::USER_CHANNEL, super::super::USER_CHANNEL);
        let mut frames = finalization().expect("encodes");
        frames.push(demand_active().expect("encodes"));
        for f in frames {
            assert_eq!(rdp_frame_len(&f), FrameLen::Complete(f.len()));
        }
    }
}
