//! Standard RDP Security with encryption ([MS-RDPBCGR] 5.3), as the engine runs it around IronRDP's
//! connector.
//!
//! IronRDP's connector knows Standard RDP Security only at encryption level none. The engine therefore
//! keeps the security layer itself, between the connector and the server, the place the layer has in
//! the protocol stack ([MS-RDPBCGR] 1.3.1.1, 5.3.8):
//!
//! - **offer**: the Client Security Data of the connector's MCS Connect Initial offers 40-, 56-, 128-bit
//!   and FIPS encryption, as the Windows client of [MS-RDPBCGR] 4.1.3 does;
//! - **check**: the Server Security Data is checked (level and method, server random, certificate and its
//!   signature) before anything else; the connector then sees the Connect Response with no security data;
//! - **exchange**: the client random, from the driver's secure generator, is encrypted to the server's
//!   key and sent in the Security Exchange PDU right before the connector's Client Info;
//! - **seal**: every Send Data Request the connector writes after that is encrypted and signed (the
//!   plain MAC, as the Windows client of [MS-RDPBCGR] 4.1 sends it);
//! - **open**: every Send Data Indication from the server is decrypted and its MAC verified in the form
//!   its flags name, and reaches the connector (and the engine's own decoders) as it would at level none.
//!
//! Fast-path PDUs are passed through untouched: the connection sequence has none before the connector
//! ends, and the probe stops there.

use std::borrow::Cow;

use ironrdp_core::{decode, encode_vec};
use ironrdp_pdu::gcc::{
    ConferenceCreateRequest, ConferenceCreateResponse, EncryptionMethod as IronMethod,
    ServerSecurityData as IronServerSecurity,
};
use ironrdp_pdu::mcs::{ConnectInitial, ConnectResponse};
use ironrdp_pdu::x224::{X224, X224Data};
use rdp_probe_wire::mcs::McsPdu;
use rdp_probe_wire::security::{
    FIPS_INFO_LENGTH, FipsInfo, Protection, SEC_INFO_PKT, SEC_LICENSE_ENCRYPT, SEC_LICENSE_PKT,
    SEC_REDIRECTION_PKT, SEC_SECURE_CHECKSUM, TSFIPS_VERSION1,
};
use rdp_probe_wire::x224::X224Pdu;
use zeroize::Zeroize;

use crate::failure::StandardSecurityFailure;
use crate::report::{StandardSecurityFacts, StandardSecurityTraffic};
use crate::standard_security::{
    CertificateError, CertificateKind, ENCRYPTION_METHOD_40BIT, ENCRYPTION_METHOD_56BIT,
    ENCRYPTION_METHOD_128BIT, ENCRYPTION_METHOD_FIPS, EncryptionMethod, MacForm, OpenError, Opener,
    RANDOM_LEN, Role, RsaPublicKey, Sealer, SessionKeys, SignatureCheck, unpack_certificate,
};

/// The encryption methods the probe offers: all four, as the Windows client of [MS-RDPBCGR] 4.1.3
/// (`encryptionMethods` 0x1b).
pub const OFFERED_METHODS: u32 = ENCRYPTION_METHOD_40BIT
    | ENCRYPTION_METHOD_56BIT
    | ENCRYPTION_METHOD_128BIT
    | ENCRYPTION_METHOD_FIPS;

/// `ENCRYPTION_LEVEL_NONE` ([MS-RDPBCGR] 2.2.1.4.3).
const LEVEL_NONE: u32 = 0;
/// `ENCRYPTION_LEVEL_LOW`: only client-to-server traffic is encrypted ([MS-RDPBCGR] 5.3.1).
const LEVEL_LOW: u32 = 1;
/// `ENCRYPTION_LEVEL_HIGH` ([MS-RDPBCGR] 2.2.1.4.3).
const LEVEL_HIGH: u32 = 3;
/// `ENCRYPTION_LEVEL_FIPS` ([MS-RDPBCGR] 2.2.1.4.3).
const LEVEL_FIPS: u32 = 4;

/// The user id the re-encoded Conference Create Response carries. The connector does not read it (the
/// user channel comes from the Attach User Confirm), and IronRDP exposes no way to keep the server's.
const CONNECTOR_VIEW_USER_ID: u16 = 0x79f3;

/// The security header flags the connector sees on a licensing or redirection PDU: those it would see
/// at level none ([MS-RDPBCGR] 5.3.8).
const CONNECTOR_VIEW_FLAGS: u16 = SEC_LICENSE_PKT | SEC_REDIRECTION_PKT;

/// What the connector's Connect Initial becomes: the same, offering [`OFFERED_METHODS`]. `None` when it
/// does not decode as one (the connector's bytes then go out as written).
pub(super) fn offer_encryption(frame: &[u8]) -> Option<Vec<u8>> {
    let x224 = decode::<X224<X224Data<'_>>>(frame).ok()?;
    let initial = decode::<ConnectInitial>(x224.0.data.as_ref()).ok()?;
    let mut blocks = initial.conference_create_request.into_gcc_blocks();
    blocks.security.encryption_methods = IronMethod::from_bits_truncate(OFFERED_METHODS);
    let offered = ConnectInitial {
        conference_create_request: ConferenceCreateRequest::new(blocks).ok()?,
        ..initial
    };
    let data = encode_vec(&offered).ok()?;
    encode_vec(&X224(X224Data {
        data: Cow::Owned(data),
    }))
    .ok()
}

/// What the connector sees of the server's Connect Response: the same, with the Server Security Data of
/// level none, so that it goes on as it does there. `None` when the frame does not decode (the connector
/// then gets the original and reports it).
pub(super) fn connector_view_of_response(frame: &[u8]) -> Option<Vec<u8>> {
    let x224 = decode::<X224<X224Data<'_>>>(frame).ok()?;
    let response = decode::<ConnectResponse>(x224.0.data.as_ref()).ok()?;
    let mut blocks = response.conference_create_response.into_gcc_blocks();
    blocks.security = IronServerSecurity::no_security();
    let view = ConnectResponse {
        conference_create_response: ConferenceCreateResponse::new(CONNECTOR_VIEW_USER_ID, blocks)
            .ok()?,
        ..response
    };
    let data = encode_vec(&view).ok()?;
    encode_vec(&X224(X224Data {
        data: Cow::Owned(data),
    }))
    .ok()
}

/// Whether `level` and `method` go together ([MS-RDPBCGR] 5.3.2: none with none, FIPS with FIPS, low,
/// client compatible and high with the RC4 methods or FIPS).
fn level_allows(level: u32, method: u32) -> bool {
    match level {
        LEVEL_NONE => method == 0,
        LEVEL_FIPS => method == ENCRYPTION_METHOD_FIPS,
        LEVEL_LOW..=LEVEL_HIGH => method != 0,
        _ => false,
    }
}

/// The checked Server Security Data: what the Security Exchange needs.
#[derive(Debug)]
pub(super) struct Pending {
    method: EncryptionMethod,
    level: u32,
    server_random: [u8; RANDOM_LEN],
    key: RsaPublicKey,
}

/// Checks the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3, 5.3.2, 5.3.3) and completes `facts` with the
/// certificate. `Ok(None)`: no encryption (level and method none).
pub(super) fn check_server_security(
    method: u32,
    level: u32,
    server_random: Option<&[u8]>,
    certificate: Option<&[u8]>,
    facts: &mut StandardSecurityFacts,
) -> Result<Option<Pending>, StandardSecurityFailure> {
    if method == 0 && level == LEVEL_NONE {
        return Ok(None);
    }
    let invalid = || StandardSecurityFailure::InvalidServerData {
        method,
        level,
        random_len: server_random.map(<[u8]>::len),
    };
    if !level_allows(level, method) {
        return Err(invalid());
    }
    let Some(chosen) =
        EncryptionMethod::from_wire(method).filter(|_| method & OFFERED_METHODS != 0)
    else {
        return Err(StandardSecurityFailure::MethodNotOffered {
            method,
            offered: OFFERED_METHODS,
        });
    };
    let server_random: [u8; RANDOM_LEN] = server_random
        .and_then(|r| r.try_into().ok())
        .ok_or_else(invalid)?;
    let raw = certificate.ok_or(StandardSecurityFailure::Certificate(
        CertificateError::Truncated {
            field: "serverCertificate",
        },
    ))?;
    let certificate = unpack_certificate(raw).map_err(|e| match e {
        CertificateError::Modulus { .. } => StandardSecurityFailure::ClientRandom(e),
        e => StandardSecurityFailure::Certificate(e),
    })?;
    facts.rsa_key_bits = Some(certificate.public_key.bits());
    match &certificate.kind {
        CertificateKind::Proprietary { signature } => {
            facts.certificate_signature = Some(*signature);
            if *signature == SignatureCheck::Invalid {
                return Err(StandardSecurityFailure::CertificateSignature);
            }
        }
        CertificateKind::X509 { chain } => facts.x509_chain = chain.clone(),
    }
    Ok(Some(Pending {
        method: chosen,
        level,
        server_random,
        key: certificate.public_key,
    }))
}

/// What a PDU the connector wrote carries before the layer protects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Written {
    /// The Client Info PDU: a basic security header with `SEC_INFO_PKT` ([MS-RDPBCGR] 2.2.1.11.1).
    ClientInfo,
    /// A licensing PDU: a basic security header with `SEC_LICENSE_PKT` ([MS-RDPBCGR] 2.2.1.12).
    Licensing,
    /// Anything else: no security header at level none.
    Other,
}

/// The encryption layer of one connection, from the Security Exchange on.
pub(super) struct Layer {
    level: u32,
    sealer: Sealer,
    opener: Opener,
    /// The Security Exchange's user data, until the first Send Data Request carries it out.
    exchange: Option<Vec<u8>>,
    /// The server's licensing PDUs said it takes encrypted licensing PDUs (`SEC_LICENSE_ENCRYPT_CS`).
    license_encrypt: bool,
    traffic: StandardSecurityTraffic,
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layer")
            .field("method", &self.sealer.method())
            .field("level", &self.level)
            .field("traffic", &self.traffic)
            .finish_non_exhaustive()
    }
}

impl Layer {
    /// The layer for `pending`, keyed from `client_random` (which is zeroized here). `None` when the
    /// driver supplied the wrong number of bytes (a bug).
    pub(super) fn new(pending: Pending, client_random: &[u8]) -> Option<Self> {
        let mut random: [u8; RANDOM_LEN] = client_random.try_into().ok()?;
        let encrypted = pending.key.encrypt_client_random(&random);
        let keys = SessionKeys::derive(
            pending.method,
            Role::Client,
            &random,
            &pending.server_random,
        );
        random.zeroize();
        let (sealer, opener) = keys.into_layer();
        // SEC_LICENSE_ENCRYPT_SC: the client takes encrypted licensing PDUs, as in [MS-RDPBCGR] 4.1.9.
        let exchange = rdp_probe_wire::security::security_exchange(SEC_LICENSE_ENCRYPT, &encrypted);
        Some(Self {
            level: pending.level,
            sealer,
            opener,
            exchange: Some(exchange),
            license_encrypt: false,
            traffic: StandardSecurityTraffic {
                encrypted_client_random_len: encrypted.len(),
                mac_sent: MacForm::Plain,
                ..StandardSecurityTraffic::default()
            },
        })
    }

    /// What has crossed the layer so far.
    pub(super) fn traffic(&self) -> &StandardSecurityTraffic {
        &self.traffic
    }

    /// The frames to send for one frame the connector wrote: the Security Exchange first when it is
    /// still due, then the frame, protected when it is a Send Data Request.
    pub(super) fn seal_frame(&mut self, frame: &[u8], written: Written) -> Vec<Vec<u8>> {
        let Some(McsPdu::SendDataRequest {
            initiator,
            channel_id,
            user_data,
        }) = domain_pdu(frame)
        else {
            return vec![frame.to_vec()];
        };
        let mut out = Vec::with_capacity(2);
        if let Some(exchange) = self.exchange.take() {
            out.push(rdp_probe_wire::mcs::send_data_request_frame(
                initiator, channel_id, &exchange,
            ));
        }
        let (flags, body) = match written {
            Written::ClientInfo | Written::Licensing => {
                let flags = user_data
                    .get(..2)
                    .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
                let known = flags & (SEC_INFO_PKT | SEC_LICENSE_PKT);
                (known, user_data.get(4..).unwrap_or_default())
            }
            Written::Other => (0, user_data),
        };
        let encrypt = written != Written::Licensing || self.license_encrypt;
        let protected = if encrypt {
            let sealed = self.sealer.seal(body, MacForm::Plain);
            self.traffic.sealed = self.sealer.sealed_count();
            self.traffic.key_updates_sent = self.sealer.key_updates();
            let fips = (self.sealer.method() == EncryptionMethod::Fips).then_some(FipsInfo {
                length: FIPS_INFO_LENGTH,
                version: TSFIPS_VERSION1,
                pad_len: sealed.pad_len,
            });
            let protection = Protection {
                signature: sealed.signature,
                fips,
            };
            rdp_probe_wire::security::secured(flags, Some(&protection), &sealed.ciphertext)
        } else {
            rdp_probe_wire::security::secured(flags, None, body)
        };
        if written == Written::Licensing {
            self.traffic.licensing_encrypted |= encrypt;
        }
        out.push(rdp_probe_wire::mcs::send_data_request_frame(
            initiator, channel_id, &protected,
        ));
        out
    }

    /// The frame as the connector would see it at level none: a Send Data Indication decrypted, its MAC
    /// verified and its security header dropped (kept, with only `SEC_LICENSE_PKT` or
    /// `SEC_REDIRECTION_PKT`, on licensing and redirection PDUs). Other frames come back unchanged.
    pub(super) fn open_frame(&mut self, frame: &[u8]) -> Result<Vec<u8>, StandardSecurityFailure> {
        let Some(McsPdu::SendDataIndication {
            initiator,
            channel_id,
            user_data,
        }) = domain_pdu(frame)
        else {
            return Ok(frame.to_vec());
        };
        if self.exchange.is_some() {
            // The server has no keys before the Security Exchange: nothing it sends can be encrypted.
            return Ok(frame.to_vec());
        }
        let fips = self.opener.method() == EncryptionMethod::Fips;
        let secured = rdp_probe_wire::security::parse_secured(user_data, fips)
            .map_err(StandardSecurityFailure::Header)?;
        let flags = secured.flags;
        let plaintext: Cow<'_, [u8]> = match secured.protection {
            Some(protection) => {
                let form = if secured.has(SEC_SECURE_CHECKSUM) {
                    self.traffic.salted_macs_received += 1;
                    MacForm::Salted
                } else {
                    MacForm::Plain
                };
                let pad_len = protection.fips.map_or(0, |f| f.pad_len);
                let opened = self
                    .opener
                    .open(&protection.signature, secured.body, form, pad_len)
                    .map_err(|error| match error {
                        OpenError::MacMismatch {
                            expected,
                            received,
                            form,
                        } => StandardSecurityFailure::MacMismatch {
                            flags,
                            form,
                            expected,
                            received,
                        },
                        error => StandardSecurityFailure::Decryption { flags, error },
                    })?;
                self.traffic.opened = self.opener.opened_count();
                self.traffic.key_updates_received = self.opener.key_updates();
                Cow::Owned(opened)
            }
            // Below client compatible, server-to-client traffic is not encrypted ([MS-RDPBCGR] 5.3.1);
            // licensing PDUs may be sent in the clear at any level (5.3.8).
            None if self.level > LEVEL_LOW && flags & SEC_LICENSE_PKT == 0 => {
                return Err(StandardSecurityFailure::Unencrypted { flags });
            }
            None => Cow::Borrowed(secured.body),
        };
        if flags & SEC_LICENSE_PKT != 0 && flags & SEC_LICENSE_ENCRYPT != 0 {
            self.license_encrypt = true;
        }
        let view_flags = flags & CONNECTOR_VIEW_FLAGS;
        let view = if view_flags != 0 {
            rdp_probe_wire::security::secured(view_flags, None, &plaintext)
        } else {
            plaintext.into_owned()
        };
        Ok(rdp_probe_wire::mcs::send_data_indication_frame(
            initiator, channel_id, &view,
        ))
    }
}

/// The MCS domain PDU an X.224 Data frame carries.
fn domain_pdu(frame: &[u8]) -> Option<McsPdu<'_>> {
    match rdp_probe_wire::x224::parse_x224(frame) {
        Ok(X224Pdu::Data(payload)) => rdp_probe_wire::mcs::parse_domain_pdu(payload).ok(),
        _ => None,
    }
}

impl Written {
    /// What the connector writes in `state`.
    pub(super) fn of(state: &ironrdp_connector::ClientConnectorState) -> Self {
        use ironrdp_connector::ClientConnectorState as S;
        match state {
            S::SecureSettingsExchange { .. } => Written::ClientInfo,
            S::LicensingExchange { .. } => Written::Licensing,
            _ => Written::Other,
        }
    }
}
