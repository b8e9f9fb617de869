//! The Standard RDP Security half of the inventory: an MCS Connect Initial offering some encryption
//! methods, and what the Connect Response's Server Core and Server Security Data say
//! ([MS-RDPBCGR] 2.2.1.3, 2.2.1.4, 5.3.2).

use std::borrow::Cow;

use ironrdp_core::encode_vec;
use ironrdp_pdu::gcc::{
    ClientCoreData, ClientCoreOptionalData, ClientEarlyCapabilityFlags, ClientGccBlocks,
    ClientNetworkData, ClientSecurityData, ColorDepth, ConnectionType, EncryptionMethod,
    HighColorDepth, KeyboardType, RdpVersion, SecureAccessSequence, SupportedColorDepths,
};
use ironrdp_pdu::mcs::ConnectInitial;
use ironrdp_pdu::nego::SecurityProtocol;
use ironrdp_pdu::x224::{X224, X224Data};
use rdp_probe_wire::mcs::{self, CertChainType, McsPdu};
use rdp_probe_wire::x224::{self as wire_x224, X224Pdu};
use serde::Serialize;

/// `ENCRYPTION_METHOD_40BIT` ([MS-RDPBCGR] 2.2.1.3.3).
pub const METHOD_40BIT: u32 = 0x01;
/// `ENCRYPTION_METHOD_128BIT`.
pub const METHOD_128BIT: u32 = 0x02;
/// `ENCRYPTION_METHOD_56BIT`.
pub const METHOD_56BIT: u32 = 0x08;
/// `ENCRYPTION_METHOD_FIPS`.
pub const METHOD_FIPS: u32 = 0x10;
/// Every method, as the first Standard RDP Security probe offers them.
pub const ALL_METHODS: u32 = METHOD_40BIT | METHOD_128BIT | METHOD_56BIT | METHOD_FIPS;
/// The methods probed one at a time, with their report names.
pub const METHODS_ALONE: [(u32, &str); 4] = [
    (METHOD_40BIT, "40bit"),
    (METHOD_56BIT, "56bit"),
    (METHOD_128BIT, "128bit"),
    (METHOD_FIPS, "fips"),
];

/// The client version the Connect Initial announces: RDP 10.7, as the connector does.
const CLIENT_VERSION: RdpVersion = RdpVersion::V10_7;
/// Desktop size offered (the server's choice does not matter here).
const DESKTOP: (u16, u16) = (1024, 768);
/// en-US keyboard layout.
const KEYBOARD_LAYOUT_EN_US: u32 = 0x0409;
/// Function keys of an IBM enhanced keyboard.
const FUNCTION_KEYS: u32 = 12;
/// The computer name the inventory gives.
const CLIENT_NAME: &str = "rdp-probe";

/// The Connect Initial offering `methods`, in an X.224 Data TPDU. `selected` is the protocol the
/// server selected (`Some(0)` after an RDP_NEG_RSP, `None` after the legacy request, when the Client
/// Core Data ends before `serverSelectedProtocol`).
pub fn connect_initial(methods: u32, selected: Option<u32>) -> Option<Vec<u8>> {
    let optional = ClientCoreOptionalData {
        post_beta2_color_depth: Some(ColorDepth::Bpp8),
        client_product_id: Some(1),
        serial_number: Some(0),
        high_color_depth: Some(HighColorDepth::Bpp24),
        supported_color_depths: Some(
            SupportedColorDepths::BPP24 | SupportedColorDepths::BPP16 | SupportedColorDepths::BPP15,
        ),
        early_capability_flags: Some(ClientEarlyCapabilityFlags::SUPPORT_ERR_INFO_PDU),
        dig_product_id: Some(String::new()),
        connection_type: Some(ConnectionType::Lan),
        server_selected_protocol: selected.map(SecurityProtocol::from_bits_retain),
        ..ClientCoreOptionalData::default()
    };
    let blocks = ClientGccBlocks {
        core: ClientCoreData {
            version: CLIENT_VERSION,
            desktop_width: DESKTOP.0,
            desktop_height: DESKTOP.1,
            color_depth: ColorDepth::Bpp8,
            sec_access_sequence: SecureAccessSequence::Del,
            keyboard_layout: KEYBOARD_LAYOUT_EN_US,
            client_build: 0,
            client_name: CLIENT_NAME.to_owned(),
            keyboard_type: KeyboardType::IBM_ENHANCED,
            keyboard_subtype: 0,
            keyboard_functional_keys_count: FUNCTION_KEYS,
            ime_file_name: String::new(),
            optional_data: optional,
        },
        security: ClientSecurityData {
            encryption_methods: EncryptionMethod::from_bits_retain(methods),
            ext_encryption_methods: 0,
        },
        network: Some(ClientNetworkData {
            channels: Vec::new(),
        }),
        cluster: None,
        monitor: None,
        message_channel: None,
        multi_transport_channel: None,
        monitor_extended: None,
    };
    let initial = ConnectInitial::with_gcc_blocks(blocks).ok()?;
    let data = encode_vec(&initial).ok()?;
    encode_vec(&X224(X224Data {
        data: Cow::Owned(data),
    }))
    .ok()
}

/// What the server answered to a Connect Initial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum McsAnswer {
    /// A Connect Response; the facts the inventory keeps.
    Response(ServerSecurity),
    /// The server refused the Connect Initial: a Connect Response with a failure result, a Disconnect
    /// Provider Ultimatum, or an X.224 Disconnect Request.
    Refused(String),
    /// Bytes that are not an MCS answer.
    Invalid(String),
}

/// The facts of one Connect Response that the inventory keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSecurity {
    /// Server Core Data `version`.
    pub rdp_version: Option<u32>,
    /// Server Core Data `earlyCapabilityFlags`.
    pub early_capability_flags: Option<u32>,
    /// `encryptionMethod` the server chose (0: none).
    pub method: Option<u32>,
    /// `encryptionLevel`.
    pub level: Option<u32>,
    /// The server certificate: chain type and key size.
    pub certificate: Option<StandardCertificate>,
}

/// The Standard RDP Security server certificate as the inventory reports it
/// ([MS-RDPBCGR] 2.2.1.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StandardCertificate {
    /// `proprietary`, `x509` or `unknown_<n>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The `t` bit: issued temporarily (an unlicensed Terminal Server's certificate).
    pub temporary: bool,
    /// The RSA modulus size, for a proprietary certificate.
    pub rsa_key_bits: Option<u32>,
    /// Certificates in an X.509 chain.
    pub x509_chain_len: Option<u32>,
}

impl StandardCertificate {
    /// One line for people: `proprietary, RSA 2048 bits, temporary`.
    pub fn describe(&self) -> String {
        format!(
            "{}{}{}",
            self.kind,
            self.rsa_key_bits
                .map(|b| format!(", RSA {b} bits"))
                .unwrap_or_default(),
            if self.temporary { ", temporary" } else { "" }
        )
    }
}

/// Reads the server's answer to a Connect Initial: one TPKT frame.
pub fn read_answer(frame: &[u8]) -> McsAnswer {
    let payload = match wire_x224::parse_x224(frame) {
        Ok(X224Pdu::Data(payload)) => payload,
        Ok(X224Pdu::Disconnect { reason }) => {
            return McsAnswer::Refused(format!("X.224 Disconnect Request, reason {reason}"));
        }
        Ok(other) => return McsAnswer::Invalid(format!("{other:?} instead of an MCS PDU")),
        Err(e) => return McsAnswer::Invalid(e.to_string()),
    };
    if let Ok(McsPdu::DisconnectProviderUltimatum { reason }) = mcs::parse_domain_pdu(payload) {
        return McsAnswer::Refused(format!(
            "MCS Disconnect Provider Ultimatum, reason {reason}"
        ));
    }
    match mcs::parse_connect_response(payload) {
        Ok(r) if r.result != 0 => {
            McsAnswer::Refused(format!("MCS Connect Response result {}", r.result))
        }
        Ok(r) => McsAnswer::Response(ServerSecurity {
            rdp_version: r.core.map(|c| c.version),
            early_capability_flags: r.core.and_then(|c| c.early_capability_flags),
            method: r.security.map(|s| s.encryption_method),
            level: r.security.map(|s| s.encryption_level),
            certificate: r.security.and_then(|s| s.server_certificate).map(|c| {
                StandardCertificate {
                    kind: match c.chain_type {
                        CertChainType::Proprietary => "proprietary".to_owned(),
                        CertChainType::X509 => "x509".to_owned(),
                        CertChainType::Unknown(n) => format!("unknown_{n}"),
                    },
                    temporary: c.temporary,
                    rsa_key_bits: c.rsa_key_bits,
                    x509_chain_len: c.x509_chain_len,
                }
            }),
        }),
        Err(e) => McsAnswer::Invalid(e.to_string()),
    }
}

/// The report name of an `encryptionLevel` (`none`, `low`, `client_compatible`, `high`, `fips`), or
/// `unknown_<n>`.
pub fn level_name(level: u32) -> Cow<'static, str> {
    match level {
        0 => "none".into(),
        1 => "low".into(),
        2 => "client_compatible".into(),
        3 => "high".into(),
        4 => "fips".into(),
        n => format!("unknown_{n}").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_initial_carries_the_offered_methods() {
        for (method, _) in METHODS_ALONE {
            let frame = connect_initial(method, Some(0)).expect("encodes");
            let x224 = ironrdp_core::decode::<X224<X224Data<'_>>>(&frame).expect("x224");
            let initial =
                ironrdp_core::decode::<ConnectInitial>(x224.0.data.as_ref()).expect("mcs");
            let blocks = initial.conference_create_request.into_gcc_blocks();
            assert_eq!(blocks.security.encryption_methods.bits(), method);
            assert_eq!(
                blocks
                    .core
                    .optional_data
                    .server_selected_protocol
                    .map(|p| p.bits()),
                Some(0)
            );
        }
        let legacy = connect_initial(ALL_METHODS, None).expect("encodes");
        let x224 = ironrdp_core::decode::<X224<X224Data<'_>>>(&legacy).expect("x224");
        let initial = ironrdp_core::decode::<ConnectInitial>(x224.0.data.as_ref()).expect("mcs");
        assert!(
            initial
                .conference_create_request
                .into_gcc_blocks()
                .core
                .optional_data
                .server_selected_protocol
                .is_none()
        );
    }

    #[test]
    fn a_connect_response_is_read_for_level_method_and_certificate() {
        let frame = mcs::connect_response_frame(&mcs::ConnectResponseSpec {
            result: 0,
            core_version: 0x0008_0004,
            client_requested_protocols: 0,
            encryption: (METHOD_128BIT, 3),
            server_random: vec![7; 32],
            server_certificate: Vec::new(),
            io_channel: 1003,
            channel_ids: Vec::new(),
        });
        match read_answer(&frame) {
            McsAnswer::Response(facts) => {
                assert_eq!(facts.rdp_version, Some(0x0008_0004));
                assert_eq!((facts.method, facts.level), (Some(METHOD_128BIT), Some(3)));
            }
            other => panic!("{other:?}"),
        }
        let refused = mcs::connect_response_frame(&mcs::ConnectResponseSpec {
            result: 1,
            core_version: 0,
            client_requested_protocols: 0,
            encryption: (0, 0),
            server_random: Vec::new(),
            server_certificate: Vec::new(),
            io_channel: 0,
            channel_ids: Vec::new(),
        });
        assert!(matches!(read_answer(&refused), McsAnswer::Refused(_)));
        assert!(matches!(
            read_answer(&wire_x224::disconnect_request(0)),
            McsAnswer::Refused(_)
        ));
        assert!(matches!(
            read_answer(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
            McsAnswer::Invalid(_)
        ));
    }
}
