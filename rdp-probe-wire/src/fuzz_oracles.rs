//! Oracle functions shared by the `fuzz/` targets, the proptest suite and the
//! regression replay test: each feeds arbitrary bytes to one decoder family and checks
//! invariants that must hold for every input. They panic only if a decoder breaks one
//! of those invariants (which is the bug a fuzzer should report).

use crate::frame::{self, FrameLen};
use crate::{credssp, licensing, mcs, ntlm, share, tls, x224};

fn check_frame_len(buf: &[u8], r: FrameLen) {
    match r {
        FrameLen::Complete(n) => {
            assert!(n <= buf.len(), "complete frame longer than buffer");
            assert!(n > 0, "empty complete frame");
            assert!(n <= frame::MAX_PDU_LEN.max(credssp::MAX_TS_REQUEST_LEN));
        }
        FrameLen::Incomplete { needed_at_least } => {
            assert!(needed_at_least > buf.len(), "incomplete but enough bytes");
        }
        FrameLen::Invalid(_) => {}
        FrameLen::TooLarge { claimed, max } => {
            assert!(claimed > max, "too large but within the cap")
        }
    }
}

/// Framing and sniffing ([`frame::rdp_frame_len`], [`frame::sniff`]).
pub fn frame_sniff(data: &[u8]) {
    let s = frame::sniff(data);
    let r = frame::rdp_frame_len(data);
    check_frame_len(data, r);
    if let FrameLen::Complete(n) = r {
        assert_eq!(
            frame::rdp_frame_len(data.get(..n).unwrap_or(data)),
            FrameLen::Complete(n)
        );
    }
    if data.is_empty() {
        assert_eq!(s, frame::Sniff::Empty);
    }
}

/// X.224 / TPKT decoding ([`x224::parse_x224`]), plus the Connection Confirm encoder
/// round trip.
pub fn x224(data: &[u8]) {
    if let Ok(x224::X224Pdu::ConnectionConfirm(cc)) = x224::parse_x224(data) {
        let again = x224::connection_confirm(&cc);
        assert_eq!(
            x224::parse_x224(&again),
            Ok(x224::X224Pdu::ConnectionConfirm(cc))
        );
    }
}

/// MCS domain PDUs ([`mcs::parse_domain_pdu`]).
pub fn mcs_domain(data: &[u8]) {
    if let Ok(mcs::McsPdu::SendDataIndication { user_data, .. }) = mcs::parse_domain_pdu(data) {
        assert!(user_data.len() <= data.len());
    }
    if let Ok(mcs::McsPdu::DisconnectProviderUltimatum { reason }) = mcs::parse_domain_pdu(data) {
        assert!(reason < 8);
    }
}

/// MCS Connect Response ([`mcs::parse_connect_response`]).
pub fn connect_response(data: &[u8]) {
    if let Ok(r) = mcs::parse_connect_response(data) {
        assert!(r.unknown_blocks.len() <= mcs::MAX_UNKNOWN_BLOCKS);
        if let Some(n) = &r.network {
            assert!(n.channel_ids.len() <= mcs::MAX_CHANNEL_IDS);
        }
    }
    if let Ok(x224::X224Pdu::Data(p)) = x224::parse_x224(data) {
        let _ = mcs::parse_connect_response(p);
    }
}

/// I/O channel classification ([`share::classify_io_payload`],
/// [`share::classify_slow_path_frame`]).
pub fn io_pdu(data: &[u8]) {
    let _ = share::classify_io_payload(data, false);
    let _ = share::classify_io_payload(data, true);
    let _ = share::classify_slow_path_frame(data, false);
    let _ = share::classify_slow_path_frame(data, true);
}

/// CredSSP ([`credssp::ts_request_len`], [`credssp::parse_ts_request`],
/// [`credssp::parse_early_user_auth_result`]).
pub fn ts_request(data: &[u8]) {
    let r = credssp::ts_request_len(data);
    check_frame_len(data, r);
    if let Ok(credssp::TsRequestInfo {
        nego_token: Some(t),
        ..
    }) = credssp::parse_ts_request(data)
    {
        assert!(t.len() <= data.len());
    }
    let _ = credssp::parse_early_user_auth_result(data);
}

/// NTLM CHALLENGE ([`ntlm::parse_challenge`], [`ntlm::find_ntlmssp`]).
pub fn ntlm_challenge(data: &[u8]) {
    if let Ok(c) = ntlm::parse_challenge(data) {
        for s in [
            &c.target_name,
            &c.nb_computer,
            &c.nb_domain,
            &c.dns_computer,
            &c.dns_domain,
            &c.dns_tree,
        ]
        .into_iter()
        .flatten()
        {
            assert!(s.chars().count() <= ntlm::MAX_NAME_CHARS);
        }
    }
    if let Some(inner) = ntlm::find_ntlmssp(data) {
        let _ = ntlm::parse_challenge(inner);
    }
}

/// TLS records ([`tls::parse_alert_record`], [`tls::parse_server_hello`]).
pub fn tls_records(data: &[u8]) {
    let _ = tls::parse_alert_record(data);
    let _ = tls::parse_server_hello(data);
}

/// Client New License Request repair ([`licensing::restore_premaster_length`]): a repaired request is a
/// whole TPKT frame of the length it claims, one to seven bytes longer, and needs no second repair.
pub fn license_request(data: &[u8]) {
    if let Some(fixed) = licensing::restore_premaster_length(data) {
        assert!(
            fixed.len() > data.len() && fixed.len() <= data.len() + 8,
            "grew by 1..=8"
        );
        assert_eq!(
            frame::rdp_frame_len(&fixed),
            FrameLen::Complete(fixed.len()),
            "a whole frame"
        );
        assert_eq!(
            licensing::restore_premaster_length(&fixed),
            None,
            "idempotent"
        );
    }
}
