//! A Standard RDP Security server with encryption ([MS-RDPBCGR] 5.3), as scripts and the lab play it:
//! the Connect Response with a server random and a proprietary certificate for [`lab_server_key`], and
//! the server's half of the encryption layer, keyed from the client random.
//!
//! In a transcript the client random is known ([`super::RANDOM_FILL`] bytes, [`harness_client_random`]),
//! so the server's frames can be sealed before the probe runs. A lab server over TCP learns it from the
//! Security Exchange instead ([`client_random_from_exchange`]).
//!
//! ```
//! use rdp_probe_core::engine::transcript::standard::{EncryptedServer, LEVEL_HIGH};
//! use rdp_probe_core::engine::transcript::Setup;
//! use rdp_probe_core::standard_security::EncryptionMethod;
//! use rdp_probe_core::{Target, VerdictKind};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut server = EncryptedServer::for_harness(EncryptionMethod::Bits128, LEVEL_HIGH);
//! let transcript = Setup::new(Target::new("rdp.example.com", 3389)?).run(server.healthy()?);
//! assert_eq!(transcript.report.verdict_kind(), VerdictKind::Connected);
//! # Ok(())
//! # }
//! ```

use ironrdp_core::EncodeResult;
use rdp_probe_wire::mcs::{self, ConnectResponseSpec, McsPdu};
use rdp_probe_wire::security::{
    FIPS_INFO_LENGTH, FipsInfo, Protection, SEC_ENCRYPT, SEC_LICENSE_ENCRYPT, SEC_LICENSE_PKT,
    SEC_SECURE_CHECKSUM, TSFIPS_VERSION1,
};
use rdp_probe_wire::x224::{self, X224Pdu};

use super::Event;
use super::server::{self, CORE_VERSION, IO_CHANNEL, USER_CHANNEL};
use crate::standard_security::{
    EncryptionMethod, MacForm, Opener, RANDOM_LEN, Role, Sealer, SessionKeys, lab_server_key,
    proprietary_certificate,
};

/// `ENCRYPTION_LEVEL_LOW`: only client-to-server traffic is encrypted ([MS-RDPBCGR] 5.3.1).
pub const LEVEL_LOW: u32 = 1;
/// `ENCRYPTION_LEVEL_CLIENT_COMPATIBLE` ([MS-RDPBCGR] 5.3.1).
pub const LEVEL_CLIENT_COMPATIBLE: u32 = 2;
/// `ENCRYPTION_LEVEL_HIGH` ([MS-RDPBCGR] 5.3.1).
pub const LEVEL_HIGH: u32 = 3;
/// `ENCRYPTION_LEVEL_FIPS` ([MS-RDPBCGR] 5.3.1).
pub const LEVEL_FIPS: u32 = 4;

/// The server random: the one of [MS-RDPBCGR] 4.1.4.
pub const SERVER_RANDOM: [u8; RANDOM_LEN] = [
    0x10, 0x11, 0x77, 0x20, 0x30, 0x61, 0x0a, 0x12, 0xe4, 0x34, 0xa1, 0x1e, 0xf2, 0xc3, 0x9f, 0x31,
    0x7d, 0xa4, 0x5f, 0x01, 0x89, 0x34, 0x96, 0xe0, 0xff, 0x11, 0x08, 0x69, 0x7f, 0x1a, 0xc3, 0xd2,
];

/// The client random the harness gives the probe ([`super::RANDOM_FILL`] bytes).
pub fn harness_client_random() -> [u8; RANDOM_LEN] {
    [super::RANDOM_FILL; RANDOM_LEN]
}

/// The client random of a Security Exchange frame from the probe, decrypted with [`lab_server_key`].
/// `None` when the frame is not a Security Exchange or does not decrypt.
pub fn client_random_from_exchange(frame: &[u8]) -> Option<[u8; RANDOM_LEN]> {
    let user_data = request_user_data(frame)?;
    let exchange = rdp_probe_wire::security::parse_security_exchange(user_data).ok()?;
    lab_server_key().decrypt_client_random(exchange.encrypted_random)
}

/// The user data of a client's Send Data Request frame.
fn request_user_data(frame: &[u8]) -> Option<&[u8]> {
    let Ok(X224Pdu::Data(payload)) = x224::parse_x224(frame) else {
        return None;
    };
    match mcs::parse_domain_pdu(payload) {
        Ok(McsPdu::SendDataRequest { user_data, .. }) => Some(user_data),
        _ => None,
    }
}

/// The server's side of one encrypted connection.
#[derive(Debug)]
pub struct EncryptedServer {
    method: EncryptionMethod,
    level: u32,
    sealer: Sealer,
    opener: Opener,
    /// The MAC form the server's sealed PDUs carry.
    pub mac: MacForm,
}

/// What a client PDU held, opened by [`EncryptedServer::open_client`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPdu {
    /// The security header flags.
    pub flags: u16,
    /// The plaintext (decrypted when `SEC_ENCRYPT` was set, its MAC verified).
    pub plaintext: Vec<u8>,
}

impl EncryptedServer {
    /// The server for a client that sent `client_random`.
    pub fn new(method: EncryptionMethod, level: u32, client_random: &[u8; RANDOM_LEN]) -> Self {
        let (sealer, opener) =
            SessionKeys::derive(method, Role::Server, client_random, &SERVER_RANDOM).into_layer();
        Self {
            method,
            level,
            sealer,
            opener,
            mac: MacForm::Plain,
        }
    }

    /// The server for the harness's probe ([`harness_client_random`]).
    pub fn for_harness(method: EncryptionMethod, level: u32) -> Self {
        Self::new(method, level, &harness_client_random())
    }

    /// The Connect Response: Server Core, Security (this method and level, [`SERVER_RANDOM`], a
    /// proprietary certificate for [`lab_server_key`]) and Network data.
    pub fn connect_response(&self) -> Vec<u8> {
        connect_response_with(
            self.method.wire(),
            self.level,
            SERVER_RANDOM.to_vec(),
            proprietary_certificate(&lab_server_key().public_key(), false),
        )
    }

    /// A Send Data Indication on the I/O channel as this server sends `user_data` at its level: a
    /// Share Control PDU (`licensing` false) or a licensing PDU (`licensing` true; `user_data` without
    /// a security header). Below client compatible level only the basic header is added
    /// ([MS-RDPBCGR] 5.3.1); otherwise the PDU is encrypted with the MAC form of [`EncryptedServer::mac`]
    /// (licensing PDUs with `SEC_LICENSE_ENCRYPT_CS`, as the server of [MS-RDPBCGR] 4.1.11).
    pub fn seal(&mut self, user_data: &[u8], licensing: bool) -> Vec<u8> {
        let secured = self.secure(user_data, licensing);
        mcs::send_data_indication_frame(USER_CHANNEL, IO_CHANNEL, &secured)
    }

    /// What [`EncryptedServer::seal`] puts in the Send Data Indication: the security header and the
    /// (encrypted) PDU. For servers that then damage it.
    pub fn secure(&mut self, user_data: &[u8], licensing: bool) -> Vec<u8> {
        let flags = if licensing {
            SEC_LICENSE_PKT | SEC_LICENSE_ENCRYPT
        } else {
            0
        };
        if self.level <= LEVEL_LOW {
            rdp_probe_wire::security::secured(flags & SEC_LICENSE_PKT, None, user_data)
        } else {
            let sealed = self.sealer.seal(user_data, self.mac);
            let flags = match self.mac {
                MacForm::Plain => flags,
                MacForm::Salted => flags | SEC_SECURE_CHECKSUM,
            };
            let protection = Protection {
                signature: sealed.signature,
                fips: (self.method == EncryptionMethod::Fips).then_some(FipsInfo {
                    length: FIPS_INFO_LENGTH,
                    version: TSFIPS_VERSION1,
                    pad_len: sealed.pad_len,
                }),
            };
            rdp_probe_wire::security::secured(flags, Some(&protection), &sealed.ciphertext)
        }
    }

    /// [`EncryptedServer::seal`] of the user data of a level-none frame built by [`server`]: a Send Data
    /// Indication whose user data is a Share Control PDU, or (`licensing`) a licensing PDU behind a
    /// basic security header.
    pub fn seal_frame(&mut self, frame: &[u8], licensing: bool) -> Vec<u8> {
        let Ok(X224Pdu::Data(payload)) = x224::parse_x224(frame) else {
            return frame.to_vec();
        };
        let Ok(McsPdu::SendDataIndication { user_data, .. }) = mcs::parse_domain_pdu(payload)
        else {
            return frame.to_vec();
        };
        if licensing {
            self.seal(user_data.get(4..).unwrap_or_default(), true)
        } else {
            self.seal(user_data, false)
        }
    }

    /// Opens a client Send Data Request after the Security Exchange: its flags and plaintext. `None`
    /// when it is not one, or it does not decrypt, or its MAC (plain or salted, as its flags say) fails.
    pub fn open_client(&mut self, frame: &[u8]) -> Option<ClientPdu> {
        let user_data = request_user_data(frame)?;
        let fips = self.method == EncryptionMethod::Fips;
        let secured = rdp_probe_wire::security::parse_secured(user_data, fips).ok()?;
        let plaintext = match secured.protection {
            Some(p) => {
                let form = if secured.has(SEC_SECURE_CHECKSUM) {
                    MacForm::Salted
                } else {
                    MacForm::Plain
                };
                let pad = p.fips.map_or(0, |f| f.pad_len);
                self.opener
                    .open(&p.signature, secured.body, form, pad)
                    .ok()?
            }
            None => secured.body.to_vec(),
        };
        Some(ClientPdu {
            flags: secured.flags,
            plaintext,
        })
    }

    /// The script to licensing: the Confirm selecting PROTOCOL_RDP, this server's Connect Response,
    /// the Attach User and both Channel Join Confirms. The probe then sends the Security Exchange and
    /// the Client Info.
    pub fn to_licensing(&self) -> Vec<Event> {
        vec![
            Event::Frame(server::confirm(x224::PROTOCOL_RDP)),
            Event::Frame(self.connect_response()),
            Event::Frame(server::attach_user_confirm(0)),
            Event::Frame(server::channel_join_confirm(0, USER_CHANNEL)),
            Event::Frame(server::channel_join_confirm(0, IO_CHANNEL)),
        ]
    }

    /// The whole connection sequence at this level, every server PDU sealed in order: licensing
    /// (STATUS_VALID_CLIENT), the Demand Active and the finalization PDUs.
    pub fn healthy(&mut self) -> EncodeResult<Vec<Event>> {
        let mut events = self.to_licensing();
        let license = self.seal_frame(&server::license_valid_client(), true);
        events.push(Event::Frame(license));
        let mut share = vec![server::demand_active()?];
        share.extend(server::finalization()?);
        events.extend(
            share
                .iter()
                .map(|f| Event::Frame(self.seal_frame(f, false))),
        );
        Ok(events)
    }
}

/// A successful Connect Response with this Server Security Data, as is (for scripts of broken servers).
pub fn connect_response_with(
    method: u32,
    level: u32,
    server_random: Vec<u8>,
    server_certificate: Vec<u8>,
) -> Vec<u8> {
    mcs::connect_response_frame(&ConnectResponseSpec {
        result: 0,
        core_version: CORE_VERSION,
        client_requested_protocols: 0,
        encryption: (method, level),
        server_random,
        server_certificate,
        io_channel: IO_CHANNEL,
        channel_ids: Vec::new(),
    })
}

/// Whether a client frame's security header asks for encryption (`SEC_ENCRYPT`).
pub fn is_encrypted(frame: &[u8]) -> bool {
    request_user_data(frame)
        .and_then(|u| u.get(..2))
        .is_some_and(|f| u16::from_le_bytes([f[0], f[1]]) & SEC_ENCRYPT != 0)
}
