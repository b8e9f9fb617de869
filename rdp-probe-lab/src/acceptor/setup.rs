//! What the acceptor is built with for each scenario: the security protocols it accepts, the
//! capability sets of its Demand Active, and the one account it knows.

use ironrdp_acceptor::{Acceptor, DesktopSize};
use ironrdp_pdu::nego::SecurityProtocol;
use ironrdp_pdu::rdp::capability_sets::{
    Bitmap, BitmapDrawingFlags, CapabilitySet, General, GeneralExtraFlags, Input, InputFlags,
    MajorPlatformType, MinorPlatformType, MultifragmentUpdate, Order, OrderFlags,
    OrderSupportExFlags, Pointer, VirtualChannel, VirtualChannelFlags,
};
use ironrdp_pdu::rdp::client_info::Credentials;

use super::AcceptorScenario;
use crate::real::{LAB_PASSWORD, LAB_USER};

/// The desktop the server announces in its Bitmap capability set ([MS-RDPBCGR] 2.2.7.1.2).
pub(super) const DESKTOP_SIZE: DesktopSize = DesktopSize {
    width: 1024,
    height: 768,
};

/// `requestedProtocols` bits the server accepts ([MS-RDPBCGR] 2.2.1.1.1); the acceptor selects
/// HYBRID_EX over HYBRID over SSL from what the client offers, and answers RDP_NEG_FAILURE
/// ([MS-RDPBCGR] 2.2.1.2.2) when nothing is in common.
pub(super) fn security(scenario: AcceptorScenario) -> SecurityProtocol {
    match scenario {
        AcceptorScenario::Tls => SecurityProtocol::SSL,
        AcceptorScenario::HybridRequired => SecurityProtocol::HYBRID,
        AcceptorScenario::EarlyUserAuthDenied => SecurityProtocol::HYBRID_EX,
        AcceptorScenario::Nla | AcceptorScenario::InsufficientPrivileges => {
            SecurityProtocol::HYBRID | SecurityProtocol::HYBRID_EX
        }
    }
}

/// The account NLA scenarios accept: [`LAB_USER`] (no domain) with [`LAB_PASSWORD`].
pub(super) fn lab_credentials() -> Credentials {
    Credentials {
        username: LAB_USER.to_owned(),
        password: LAB_PASSWORD.to_owned(),
        domain: None,
    }
}

/// A fresh acceptor for one connection.
///
/// The TLS scenario gets no credentials, so the acceptor does not compare the Client Info PDU's
/// credentials with anything ([MS-RDPBCGR] 2.2.1.11): any client reaches the session. The NLA
/// scenarios check credentials in CredSSP only.
pub(super) fn acceptor(scenario: AcceptorScenario) -> Acceptor {
    let credentials = match scenario {
        AcceptorScenario::Tls => None,
        AcceptorScenario::Nla
        | AcceptorScenario::HybridRequired
        | AcceptorScenario::EarlyUserAuthDenied
        | AcceptorScenario::InsufficientPrivileges => Some(lab_credentials()),
    };
    Acceptor::new(
        security(scenario),
        DESKTOP_SIZE,
        capabilities(),
        credentials,
    )
}

/// The server capability sets of the Demand Active PDU ([MS-RDPBCGR] 2.2.1.13.1, 2.2.7): a plain
/// 32 bpp desktop without drawing orders, slow-path and fast-path input, virtual channels without
/// compression.
fn capabilities() -> Vec<CapabilitySet> {
    vec![
        // [MS-RDPBCGR] 2.2.7.1.1
        CapabilitySet::General(General {
            major_platform_type: MajorPlatformType::UNIX,
            minor_platform_type: MinorPlatformType::UNSPECIFIED,
            extra_flags: GeneralExtraFlags::FASTPATH_OUTPUT_SUPPORTED
                | GeneralExtraFlags::LONG_CREDENTIALS_SUPPORTED
                | GeneralExtraFlags::NO_BITMAP_COMPRESSION_HDR,
            ..General::default()
        }),
        // [MS-RDPBCGR] 2.2.7.1.2
        CapabilitySet::Bitmap(Bitmap {
            pref_bits_per_pix: 32,
            desktop_width: DESKTOP_SIZE.width,
            desktop_height: DESKTOP_SIZE.height,
            desktop_resize_flag: false,
            drawing_flags: BitmapDrawingFlags::empty(),
        }),
        // [MS-RDPBCGR] 2.2.7.1.3: no primary drawing orders.
        CapabilitySet::Order(Order::new(
            OrderFlags::NEGOTIATE_ORDER_SUPPORT | OrderFlags::ZERO_BOUNDS_DELTAS_SUPPORT,
            OrderSupportExFlags::empty(),
            0,
            0,
        )),
        // [MS-RDPBCGR] 2.2.7.1.5
        CapabilitySet::Pointer(Pointer {
            color_pointer_cache_size: 25,
            pointer_cache_size: 25,
        }),
        // [MS-RDPBCGR] 2.2.7.1.6: the keyboard fields are ignored by the client.
        CapabilitySet::Input(Input {
            input_flags: InputFlags::SCANCODES
                | InputFlags::MOUSEX
                | InputFlags::UNICODE
                | InputFlags::FASTPATH_INPUT,
            keyboard_layout: 0,
            keyboard_type: None,
            keyboard_subtype: 0,
            keyboard_function_key: 0,
            keyboard_ime_filename: String::new(),
        }),
        // [MS-RDPBCGR] 2.2.7.1.10
        CapabilitySet::VirtualChannel(VirtualChannel {
            flags: VirtualChannelFlags::NO_COMPRESSION,
            chunk_size: None,
        }),
        // [MS-RDPBCGR] 2.2.7.2.6
        CapabilitySet::MultiFragmentUpdate(MultifragmentUpdate {
            max_request_size: 0x0020_0000,
        }),
    ]
}
