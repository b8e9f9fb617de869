//! What a scripted server sends: whole frames built with the wire crate's server-side encoders (and, for
//! the share-control PDUs of the healthy path, `ironrdp-pdu`'s), and ready-made event sequences that
//! bring the engine to a given phase.
//!
//! The numbers are the lab's scripted server's ([MS-RDPBCGR] 4.1 uses the same): I/O channel
//! [`IO_CHANNEL`], user channel [`USER_CHANNEL`], Server Core version [`CORE_VERSION`], no static
//! channels (the probe requests none).

use std::borrow::Cow;

use ironrdp_core::{Encode, EncodeResult, encode_vec};
use ironrdp_pdu::mcs::SendDataIndication;
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
use rdp_probe_wire::mcs::{self, ConnectResponseSpec};
use rdp_probe_wire::x224::{self, ConnectionConfirm};
use rdp_probe_wire::{credssp, ntlm, share};

use super::Event;

/// A self-signed RSA 2048 certificate for `localhost` and `127.0.0.1` (DER), valid from 2026-11-30 to
/// 2036-11-27; its key protects nothing. What [`Event::tls_ok`] presents.
pub const LOCALHOST_CERT: &[u8] = include_bytes!("localhost-rsa2048.der");

/// The MCS I/O channel the server announces ([MS-RDPBCGR] 2.2.1.4.4).
pub const IO_CHANNEL: u16 = 1003;
/// The MCS user channel (initiator) the server hands out ([MS-RDPBCGR] 2.2.1.7).
pub const USER_CHANNEL: u16 = 1007;
/// The Server Core Data version the server announces (RDP 5.0 to 8.1).
pub const CORE_VERSION: u32 = 0x0008_0004;
/// RDP_NEG_RSP flags: EXTENDED_CLIENT_DATA_SUPPORTED ([MS-RDPBCGR] 2.2.1.2.1).
pub const NEG_RSP_FLAGS: u8 = 0x01;
/// The share id of the Demand Active.
pub const SHARE_ID: u32 = 0x0001_03ea;
/// The desktop size the Demand Active announces.
pub const DESKTOP: (u16, u16) = (1024, 768);
/// The TSRequest version a server speaks unless told otherwise.
pub const CREDSSP_VERSION: u32 = 6;
/// The NetBIOS domain of [`ntlm_challenge`].
pub const NTLM_NB_DOMAIN: &str = "RDPLAB";
/// The NetBIOS computer name of [`ntlm_challenge`].
pub const NTLM_NB_COMPUTER: &str = "LABHOST";
/// The DNS computer name of [`ntlm_challenge`].
pub const NTLM_DNS_COMPUTER: &str = "labhost.rdp-lab.invalid";
/// The Windows build [`ntlm_challenge`] claims (Windows Server 2022).
pub const NTLM_BUILD: u16 = 20348;
/// What a Windows server's CHALLENGE sets ([MS-NLMP] 2.2.2.5), as the lab's server does.
const NTLM_CHALLENGE_FLAGS: u32 = 0xe289_8235;
/// A fixed server challenge and timestamp (FILETIME of 2028-01-01), so transcripts are reproducible.
const NTLM_TIMESTAMP: u64 = 0x01DE_B854_840E_8000;
/// MsvAvNbComputerName, MsvAvNbDomainName, MsvAvDnsComputerName, MsvAvDnsDomainName ([MS-NLMP] 2.2.2.1).
const AV_NB_COMPUTER: u16 = 1;
const AV_NB_DOMAIN: u16 = 2;
const AV_DNS_COMPUTER: u16 = 3;
const AV_DNS_DOMAIN: u16 = 4;

/// An X.224 Connection Confirm with RDP_NEG_RSP selecting `selected_protocol` (raw `PROTOCOL_*` bits).
pub fn confirm(selected_protocol: u32) -> Vec<u8> {
    x224::connection_confirm(&ConnectionConfirm::Response {
        flags: NEG_RSP_FLAGS,
        selected_protocol,
    })
}

/// TLS_RSA_WITH_AES_128_CBC_SHA ([RFC 5246] A.5): what a TLS 1.0-era RDP server picks.
const LEGACY_CIPHER_SUITE: u16 = 0x002f;

/// A ServerHello record of this `version` (e.g. 0x0301, TLS 1.0), as a legacy-TLS server answers the
/// probe's legacy ClientHello.
pub fn legacy_server_hello(version: u16) -> Vec<u8> {
    rdp_probe_wire::tls::server_hello_record(version, LEGACY_CIPHER_SUITE, &[])
}

/// An X.224 Connection Confirm with RDP_NEG_FAILURE `code` ([MS-RDPBCGR] 2.2.1.2.2).
pub fn neg_failure(code: u32) -> Vec<u8> {
    x224::connection_confirm(&ConnectionConfirm::Failure { flags: 0, code })
}

/// An X.224 Connection Confirm without negotiation data (a legacy server).
pub fn legacy_confirm() -> Vec<u8> {
    x224::connection_confirm(&ConnectionConfirm::NoNegotiationData)
}

/// An X.224 Disconnect Request with this reason.
pub fn x224_disconnect(reason: u8) -> Vec<u8> {
    x224::disconnect_request(reason)
}

/// A successful MCS Connect Response: Server Core, Security (no encryption) and Network data.
pub fn connect_response() -> Vec<u8> {
    mcs::connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: CORE_VERSION,
        client_requested_protocols: 0,
        encryption: (0, 0),
        server_random: Vec::new(),
        server_certificate: Vec::new(),
        io_channel: IO_CHANNEL,
        channel_ids: Vec::new(),
    })
}

/// A successful MCS Connect Response whose Server Security Data asks for this encryption
/// (`encryptionMethod`, `encryptionLevel`).
pub fn connect_response_encrypted(method: u32, level: u32) -> Vec<u8> {
    mcs::connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: CORE_VERSION,
        client_requested_protocols: 0,
        encryption: (method, level),
        server_random: Vec::new(),
        server_certificate: Vec::new(),
        io_channel: IO_CHANNEL,
        channel_ids: Vec::new(),
    })
}

/// An MCS Connect Response with a non-zero T.125 `result` and nothing else.
pub fn connect_response_rejected(result: u8) -> Vec<u8> {
    mcs::connect_response_frame(&ConnectResponseSpec {
        result,
        core_version: 0,
        client_requested_protocols: 0,
        encryption: (0, 0),
        server_random: Vec::new(),
        server_certificate: Vec::new(),
        io_channel: 0,
        channel_ids: Vec::new(),
    })
}

/// An MCS Disconnect Provider Ultimatum with this reason.
pub fn disconnect_ultimatum(reason: u8) -> Vec<u8> {
    mcs::disconnect_provider_ultimatum(reason)
}

/// An Attach User Confirm: `result` 0 hands out [`USER_CHANNEL`]; any other result carries no initiator.
pub fn attach_user_confirm(result: u8) -> Vec<u8> {
    mcs::attach_user_confirm(result, (result == 0).then_some(USER_CHANNEL))
}

/// A Channel Join Confirm for `channel`: `result` 0 grants it; any other result carries no channel id.
pub fn channel_join_confirm(result: u8, channel: u16) -> Vec<u8> {
    mcs::channel_join_confirm(
        result,
        USER_CHANNEL,
        channel,
        (result == 0).then_some(channel),
    )
}

/// A Set Error Info PDU with this `errorInfo`.
pub fn errinfo(value: u32) -> Vec<u8> {
    share::set_error_info_frame(USER_CHANNEL, IO_CHANNEL, value)
}

/// A licensing Error Message with this `dwErrorCode` and `dwStateTransition`.
pub fn license_error(code: u32, state_transition: u32) -> Vec<u8> {
    share::license_error_alert_frame(USER_CHANNEL, IO_CHANNEL, code, state_transition)
}

/// The licensing STATUS_VALID_CLIENT Error Message: no license exchange needed.
pub fn license_valid_client() -> Vec<u8> {
    license_error(share::STATUS_VALID_CLIENT, share::ST_NO_TRANSITION)
}

/// A Save Session Info PDU with Logon Errors Info (`type`, `data`).
pub fn logon_error(notification_type: u32, notification_data: u32) -> Vec<u8> {
    share::logon_error_frame(
        USER_CHANNEL,
        IO_CHANNEL,
        notification_type,
        notification_data,
    )
}

/// An MCS Send Data Indication on the I/O channel carrying `user_data` as is.
pub fn io_data(user_data: &[u8]) -> Vec<u8> {
    mcs::send_data_indication_frame(USER_CHANNEL, IO_CHANNEL, user_data)
}

/// A Share Data PDU of type `pdu_type2` with `body`, on the I/O channel.
pub fn share_data(pdu_type2: u8, body: &[u8]) -> Vec<u8> {
    io_data(&share::share_data_pdu(USER_CHANNEL, pdu_type2, body))
}

fn send_data_indication(user_msg: &impl Encode) -> EncodeResult<Vec<u8>> {
    let user_data = encode_vec(user_msg)?;
    let pdu = SendDataIndication {
        initiator_id: USER_CHANNEL,
        channel_id: IO_CHANNEL,
        user_data: Cow::Owned(user_data),
    };
    encode_vec(&X224(pdu))
}

fn ironrdp_share_data(pdu: ShareDataPdu) -> EncodeResult<Vec<u8>> {
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

/// A Demand Active PDU with General, Bitmap ([`DESKTOP`], 32 bpp) and Input capability sets.
pub fn demand_active() -> EncodeResult<Vec<u8>> {
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

/// The server's finalization PDUs, in order: Synchronize, Control Cooperate, Control Granted Control,
/// Font Map.
pub fn finalization() -> EncodeResult<Vec<Vec<u8>>> {
    Ok(vec![
        ironrdp_share_data(ShareDataPdu::Synchronize(SynchronizePdu {
            target_user_id: USER_CHANNEL,
        }))?,
        ironrdp_share_data(ShareDataPdu::Control(ControlPdu {
            action: ControlAction::Cooperate,
            grant_id: 0,
            control_id: 0,
        }))?,
        ironrdp_share_data(ShareDataPdu::Control(ControlPdu {
            action: ControlAction::GrantedControl,
            grant_id: USER_CHANNEL,
            control_id: u32::from(SERVER_CHANNEL_ID),
        }))?,
        ironrdp_share_data(ShareDataPdu::FontMap(FontPdu::default()))?,
    ])
}

/// The NTLM CHALLENGE_MESSAGE of a Windows Server 2022 host [`NTLM_NB_COMPUTER`] in [`NTLM_NB_DOMAIN`]
/// ([MS-NLMP] 2.2.1.2), with a fixed server challenge.
pub fn ntlm_challenge_message() -> Vec<u8> {
    ntlm::challenge_message(&ntlm::ChallengeSpec {
        flags: NTLM_CHALLENGE_FLAGS,
        server_challenge: NTLM_TIMESTAMP.to_le_bytes(),
        target_name: NTLM_NB_DOMAIN,
        av_pairs: &[
            ntlm::AvPair::Name(AV_NB_DOMAIN, NTLM_NB_DOMAIN),
            ntlm::AvPair::Name(AV_NB_COMPUTER, NTLM_NB_COMPUTER),
            ntlm::AvPair::Name(AV_DNS_DOMAIN, "rdp-lab.invalid"),
            ntlm::AvPair::Name(AV_DNS_COMPUTER, NTLM_DNS_COMPUTER),
            ntlm::AvPair::Timestamp(NTLM_TIMESTAMP),
        ],
        version: ntlm::OsVersion {
            major: 10,
            minor: 0,
            build: NTLM_BUILD,
            ntlm_revision: 15,
        },
    })
}

/// A TSRequest of `version` carrying [`ntlm_challenge_message`] ([MS-CSSP] 2.2.1).
pub fn ntlm_challenge(version: u32) -> Vec<u8> {
    credssp::encode_ts_request_negotiate(version, &ntlm_challenge_message())
}

/// A TSRequest of `version` carrying `errorCode` `status` ([MS-CSSP] 2.2.1).
pub fn credssp_error(version: u32, status: u32) -> Vec<u8> {
    credssp::encode_ts_request_error(version, status)
}

/// An Early User Authorization Result PDU ([MS-RDPBCGR] 2.2.10.2; 0 success, 5 access denied).
pub fn early_user_auth(result: u32) -> Vec<u8> {
    result.to_le_bytes().to_vec()
}

/// Standard RDP Security up to the Client Info PDU: the Connection Confirm selecting PROTOCOL_RDP, the
/// Connect Response, the Attach User Confirm and both Channel Join Confirms. Next, the engine sends the
/// Client Info PDU and waits in licensing.
pub fn to_licensing() -> Vec<Event> {
    vec![
        Event::Frame(confirm(x224::PROTOCOL_RDP)),
        Event::Frame(connect_response()),
        Event::Frame(attach_user_confirm(0)),
        Event::Frame(channel_join_confirm(0, USER_CHANNEL)),
        Event::Frame(channel_join_confirm(0, IO_CHANNEL)),
    ]
}

/// [`to_licensing`], then STATUS_VALID_CLIENT: the engine waits in capabilities for the Demand Active.
pub fn to_capabilities() -> Vec<Event> {
    let mut events = to_licensing();
    events.push(Event::Frame(license_valid_client()));
    events
}

/// [`to_capabilities`], then the Demand Active: the engine answers and waits in finalization.
pub fn to_finalization() -> EncodeResult<Vec<Event>> {
    let mut events = to_capabilities();
    events.push(Event::Frame(demand_active()?));
    Ok(events)
}

/// The whole connection sequence over Standard RDP Security: [`to_finalization`], then the server's
/// finalization PDUs. The engine reports connected.
pub fn healthy() -> EncodeResult<Vec<Event>> {
    let mut events = to_finalization()?;
    events.extend(finalization()?.into_iter().map(Event::Frame));
    Ok(events)
}

/// A server that selects `selected_protocol` (HYBRID or HYBRID_EX) and completes TLS with
/// [`LOCALHOST_CERT`]: the engine sends its first TSRequest and waits in credssp.
pub fn to_credssp(selected_protocol: u32) -> Vec<Event> {
    vec![Event::Frame(confirm(selected_protocol)), Event::tls_ok()]
}
