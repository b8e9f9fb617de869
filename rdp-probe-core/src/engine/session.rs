//! From the MCS Connect Initial to the end of finalization, driven by IronRDP's `ClientConnector`.
//!
//! Every frame is classified with the tolerant decoders before the connector sees it: MCS Disconnect
//! Provider Ultimatum, failed attach/join confirms, Set Error Info (any value, in any phase — the connector
//! would misread one during licensing), licensing Error Alerts and the Server Core/Security Data. Set Error
//! Info is consumed here and never reaches the connector.

use std::borrow::Cow;
use std::time::Duration;

use ironrdp_connector::{
    ClientConnectorState, ConnectionOutcome, ConnectorErrorKind, Sequence, State as _,
};
use ironrdp_core::WriteBuf;
use rdp_probe_wire::mcs::{CertChainType, McsPdu};
use rdp_probe_wire::share::{IoContext, IoPdu, IoPhase, SlowPath};
use rdp_probe_wire::x224::X224Pdu;

use super::security::{self, Layer, Written};
use super::{Connector, End, Machine, State};
use crate::failure::{ConnectorError, FailureKind, Pdu, ProtocolViolation};
use crate::report::{LicensingFacts, Outcome, RedirectionFacts, StandardSecurityFacts};
use crate::standard_security::EncryptionMethod;
use crate::{Phase, Protocols};

/// The first byte of an MCS Connect Response: BER application tag 102 ([T.125] 11.2).
const MCS_CONNECT_RESPONSE_TAG: u8 = 0x7f;

/// The licensing message type of an Error Alert ([MS-RDPBCGR] 2.2.1.12.1.3).
const LICENSE_ERROR_ALERT: u8 = rdp_probe_wire::share::ERROR_ALERT;

/// What the engine made of a frame before the connector sees it.
enum Inspected {
    /// The connector takes it.
    Pass,
    /// The Connect Response of a server that asks for Standard RDP Security with encryption: the
    /// connector takes it without the security data, and the client random is due.
    Encrypt(Box<security::Pending>),
    /// Handled here; the session goes on without the connector seeing it.
    Handled,
    /// The session ends here (a failure, a redirection, or the wait for a close after Set Error Info).
    Leave(State),
}

/// STATUS_VALID_CLIENT: the licensing "error" that means no license exchange is needed ([MS-RDPBCGR]
/// 2.2.1.12.1.3, [MS-RDPELE] 2.2.2.8).
const STATUS_VALID_CLIENT: u32 = rdp_probe_wire::share::STATUS_VALID_CLIENT;

/// The probe phase a connector state belongs to.
fn phase_of(state: &ClientConnectorState) -> Option<Phase> {
    Some(match state {
        ClientConnectorState::BasicSettingsExchangeSendInitial { .. }
        | ClientConnectorState::BasicSettingsExchangeWaitResponse { .. } => Phase::BasicSettings,
        ClientConnectorState::ChannelConnection { .. } => Phase::ChannelConnection,
        ClientConnectorState::SecureSettingsExchange { .. } => Phase::SecureSettings,
        ClientConnectorState::ConnectTimeAutoDetection { .. }
        | ClientConnectorState::LicensingExchange { .. } => Phase::Licensing,
        ClientConnectorState::MultitransportBootstrapping { .. }
        | ClientConnectorState::MultitransportPending { .. }
        | ClientConnectorState::CapabilitiesExchange { .. } => Phase::Capabilities,
        ClientConnectorState::ConnectionFinalization { .. } => Phase::Finalization,
        _ => return None,
    })
}

/// Server Core Data `version` names ([MS-RDPBCGR] 2.2.1.4.2), `unknown 0x…` for versions no table knows.
fn rdp_version_name(version: u32) -> String {
    rdp_probe_codes::rdp::rdp_version_name(version)
        .map_or_else(|| format!("unknown 0x{version:08x}"), str::to_owned)
}

impl Machine {
    /// Runs the connector through the states that need no input until one writes a PDU (queued, so its bytes
    /// count in its own phase) or waits for the server. Called from [`Machine::poll`] only.
    pub(super) fn advance_session(
        &mut self,
        mut connector: Connector,
        selected: Protocols,
        mut encryption: Option<Box<Layer>>,
        now: Duration,
    ) -> State {
        loop {
            if let Some(phase) = phase_of(&connector.state) {
                self.log.enter(phase, now);
            }
            if connector.state.is_terminal() {
                let outcome = match connector.state.take_outcome() {
                    Some(ConnectionOutcome::Redirected(_)) => Outcome::Redirected,
                    _ => Outcome::Connected,
                };
                return State::Ended(End::Connected(outcome));
            }
            let written = Written::of(&connector.state);
            let initial = matches!(
                connector.state,
                ClientConnectorState::BasicSettingsExchangeSendInitial { .. }
            );
            let mut buf = WriteBuf::new();
            let result = if connector.should_perform_multitransport() {
                // The probe never sets up UDP: decline as a client without multitransport does.
                connector.skip_multitransport(&mut buf)
            } else if connector.next_pdu_hint().is_none() {
                connector.step_no_input(&mut buf)
            } else {
                return State::Session {
                    connector,
                    selected,
                    encryption,
                };
            };
            match result {
                Ok(_) if !buf.filled().is_empty() => {
                    // Send it before moving on, so the next phase starts after this PDU left.
                    if initial && selected.is_rdp() {
                        // Standard RDP Security: offer the encryption methods the Windows client offers.
                        let offered = security::offer_encryption(buf.filled());
                        let frame = offered.as_deref().unwrap_or(buf.filled());
                        self.queue_connector_output(frame, encryption.as_deref_mut(), written);
                    } else {
                        self.queue_connector_output(
                            buf.filled(),
                            encryption.as_deref_mut(),
                            written,
                        );
                    }
                    return State::Session {
                        connector,
                        selected,
                        encryption,
                    };
                }
                Ok(_) => {}
                Err(e) => return self.failed(connector_failure(e)),
            }
        }
    }

    /// Queues what the connector wrote. A Client New License Request whose encrypted premaster secret
    /// IronRDP wrote short (it drops the number's high zero bytes) goes out at full length, as other
    /// clients send it: see [`rdp_probe_wire::licensing`].
    /// Under Standard RDP Security with encryption, the layer seals it (and sends the Security Exchange
    /// first, when it is due).
    fn queue_connector_output(
        &mut self,
        bytes: &[u8],
        encryption: Option<&mut Layer>,
        written: Written,
    ) {
        let fixed = rdp_probe_wire::licensing::restore_premaster_length(bytes);
        if let Some(fixed) = &fixed {
            tracing::debug!(
                restored = fixed.len() - bytes.len(),
                "Client New License Request: restored the encrypted premaster secret's high zero bytes"
            );
        }
        let frame = fixed.as_deref().unwrap_or(bytes);
        match encryption {
            Some(layer) => {
                for sealed in layer.seal_frame(frame, written) {
                    self.queue(sealed);
                }
                self.record_traffic(layer);
            }
            None => self.queue(frame.to_vec()),
        }
    }

    /// Keeps the report's account of the encryption layer current.
    fn record_traffic(&mut self, layer: &Layer) {
        if let Some(facts) = self.report.server.standard_security.as_mut() {
            facts.traffic = Some(*layer.traffic());
        }
    }

    /// The client random arrived: key the layer and go on with the session.
    pub(super) fn client_random(
        &mut self,
        connector: Connector,
        selected: Protocols,
        pending: security::Pending,
        random: &[u8],
    ) -> State {
        match Layer::new(pending, random) {
            Some(layer) => {
                self.record_traffic(&layer);
                State::Session {
                    connector,
                    selected,
                    encryption: Some(Box::new(layer)),
                }
            }
            None => self.internal("client_random", "random of the wrong length"),
        }
    }

    pub(super) fn session_frame(
        &mut self,
        mut connector: Connector,
        selected: Protocols,
        mut encryption: Option<Box<Layer>>,
        frame: &[u8],
        now: Duration,
    ) -> State {
        let opened;
        let frame = match encryption.as_deref_mut() {
            Some(layer) => {
                let result = layer.open_frame(frame);
                self.record_traffic(layer);
                match result {
                    Ok(plain) => {
                        opened = plain;
                        &opened[..]
                    }
                    Err(e) => return self.failed(FailureKind::StandardSecurity(e)),
                }
            }
            None => frame,
        };
        let waiting_connect_response = matches!(
            connector.state,
            ClientConnectorState::BasicSettingsExchangeWaitResponse { .. }
        );
        let inspected = if waiting_connect_response {
            self.inspect_connect_response(selected, frame)
        } else {
            self.inspect_slow_path(selected, frame, now)
        };
        let (frame, pending) = match inspected {
            Inspected::Pass => (Cow::Borrowed(frame), None),
            Inspected::Encrypt(pending) => {
                let view = security::connector_view_of_response(frame)
                    .map_or(Cow::Borrowed(frame), Cow::Owned);
                (view, Some(pending))
            }
            Inspected::Handled => {
                return State::Session {
                    connector,
                    selected,
                    encryption,
                };
            }
            Inspected::Leave(state) => return state,
        };
        let written = Written::of(&connector.state);
        let mut buf = WriteBuf::new();
        match connector.step(&frame, None, &mut buf) {
            Ok(_) => {
                self.queue_connector_output(buf.filled(), encryption.as_deref_mut(), written);
                match pending {
                    Some(pending) => State::ClientRandom {
                        connector,
                        selected,
                        pending,
                    },
                    None => State::Session {
                        connector,
                        selected,
                        encryption,
                    },
                }
            }
            Err(e) => self.failed(connector_failure(e)),
        }
    }

    /// MCS Connect Response: record the server's data blocks; stop where the probe cannot follow.
    fn inspect_connect_response(&mut self, selected: Protocols, frame: &[u8]) -> Inspected {
        let payload = match rdp_probe_wire::x224::parse_x224(frame) {
            Ok(X224Pdu::Data(p)) => p,
            Ok(X224Pdu::Disconnect { reason }) => {
                return Inspected::Leave(self.failed(FailureKind::X224Disconnect { reason }));
            }
            _ => return Inspected::Pass,
        };
        if payload.first() != Some(&MCS_CONNECT_RESPONSE_TAG) {
            if let Ok(McsPdu::DisconnectProviderUltimatum { reason }) =
                rdp_probe_wire::mcs::parse_domain_pdu(payload)
            {
                return Inspected::Leave(self.failed(FailureKind::McsDisconnect { reason }));
            }
            return Inspected::Pass;
        }
        let response = match rdp_probe_wire::mcs::parse_connect_response(payload) {
            Ok(r) => r,
            Err(error) => {
                return Inspected::Leave(self.failed(FailureKind::Protocol(
                    ProtocolViolation::Malformed {
                        pdu: Pdu::McsConnectResponse,
                        error,
                    },
                )));
            }
        };
        let server = &mut self.report.server;
        if let Some(core) = response.core {
            server.rdp_version = Some(core.version);
            server.rdp_version_name = Some(rdp_version_name(core.version));
            server.early_capability_flags = core.early_capability_flags;
            server.client_requested_protocols_echo = core.client_requested_protocols;
        }
        if response.result != 0 {
            return Inspected::Leave(self.failed(FailureKind::Protocol(
                ProtocolViolation::McsConnectRejected {
                    result: response.result,
                },
            )));
        }
        if !selected.is_rdp() {
            return Inspected::Pass;
        }
        let Some(sec) = response.security else {
            return self.standard_security_trust();
        };
        let cert = sec.server_certificate;
        let mut facts = StandardSecurityFacts {
            encryption_method: sec.encryption_method,
            encryption_method_name: rdp_probe_codes::rdp::encryption_method_name(
                sec.encryption_method,
            ),
            encryption_level: sec.encryption_level,
            encryption_level_name: rdp_probe_codes::rdp::encryption_level_name(
                sec.encryption_level,
            ),
            server_random_len: sec.server_random.map(<[u8]>::len),
            certificate_type: cert.map(|c| match c.chain_type {
                CertChainType::Proprietary => "proprietary".to_owned(),
                CertChainType::X509 => "x509".to_owned(),
                CertChainType::Unknown(v) => format!("unknown_{v}"),
            }),
            rsa_key_bits: cert.and_then(|c| c.rsa_key_bits),
            certificate_len: cert.map(|c| c.raw.len()),
            certificate_signature: None,
            x509_chain: Vec::new(),
            traffic: None,
        };
        let checked = security::check_server_security(
            sec.encryption_method,
            sec.encryption_level,
            sec.server_random,
            cert.map(|c| c.raw),
            &mut facts,
        );
        server.standard_security = Some(facts);
        if let Inspected::Leave(state) = self.standard_security_trust() {
            return Inspected::Leave(state);
        }
        match checked {
            Ok(None) => Inspected::Pass,
            Ok(Some(pending)) => {
                tracing::debug!(
                    method = ?EncryptionMethod::from_wire(sec.encryption_method),
                    level = sec.encryption_level,
                    "Standard RDP Security with encryption"
                );
                Inspected::Encrypt(Box::new(pending))
            }
            Err(e) => Inspected::Leave(self.failed(FailureKind::StandardSecurity(e))),
        }
    }

    /// Standard RDP Security proves no server identity: with credentials, only [`crate::Trust::any`] lets
    /// the Client Info (which carries the password) go.
    fn standard_security_trust(&mut self) -> Inspected {
        if self.options.credentials.is_none() {
            return Inspected::Pass;
        }
        let any = self.options.trust.any;
        self.report.trust = Some(crate::report::TrustReport {
            decision: if any {
                crate::report::TrustDecision::Any
            } else {
                crate::report::TrustDecision::Withheld
            },
            sha256: None,
            chain_problem: Some(
                "Standard RDP Security: the proprietary certificate's signing key is public, so no certificate proves the server's identity".to_owned(),
            ),
        });
        if any {
            return Inspected::Pass;
        }
        Inspected::Leave(self.withhold(
            "the server uses Standard RDP Security, which proves no server identity; the Client Info would carry the password".to_owned(),
        ))
    }

    /// Everything after the Connect Response.
    fn inspect_slow_path(&mut self, selected: Protocols, frame: &[u8], now: Duration) -> Inspected {
        if let Ok(X224Pdu::Data(payload)) = rdp_probe_wire::x224::parse_x224(frame) {
            match rdp_probe_wire::mcs::parse_domain_pdu(payload) {
                Ok(
                    McsPdu::AttachUserConfirm { result, .. }
                    | McsPdu::ChannelJoinConfirm { result, .. },
                ) if result != 0 => {
                    return Inspected::Leave(self.failed(FailureKind::Protocol(
                        ProtocolViolation::ChannelRejected { result },
                    )));
                }
                _ => {}
            }
        }
        // Licensing PDUs are told apart by their security header's SEC_LICENSE_PKT; after licensing,
        // under Enhanced RDP Security every PDU is a Share Control PDU. Standard RDP Security without
        // encryption has no security header except on licensing and redirection PDUs
        // ([MS-RDPBCGR] 2.2.8.1.1.2), so there the decoder sniffs.
        let context = IoContext {
            security_header: false,
            phase: match self.phase() {
                Phase::Licensing => IoPhase::Licensing,
                Phase::Capabilities | Phase::Finalization if !selected.is_rdp() => {
                    IoPhase::AfterLicensing
                }
                _ => IoPhase::Unknown,
            },
        };
        let Ok(classified) = rdp_probe_wire::share::classify_slow_path_frame_in(frame, context)
        else {
            // Let the connector judge what the tolerant decoder cannot place.
            return Inspected::Pass;
        };
        match classified {
            SlowPath::Disconnect { reason } => {
                Inspected::Leave(self.failed(FailureKind::McsDisconnect { reason }))
            }
            SlowPath::X224Disconnect { reason } => {
                Inspected::Leave(self.failed(FailureKind::X224Disconnect { reason }))
            }
            SlowPath::Io { pdu, .. } => match pdu {
                IoPdu::SetErrorInfo { error_info } => match self.record_errinfo(error_info, now) {
                    Some(await_close) => Inspected::Leave(await_close),
                    None => Inspected::Handled,
                },
                IoPdu::LicenseErrorAlert {
                    error_code,
                    state_transition,
                } => {
                    let licensing = self
                        .report
                        .server
                        .licensing
                        .get_or_insert_with(LicensingFacts::default);
                    licensing.messages.push(LICENSE_ERROR_ALERT);
                    if error_code == STATUS_VALID_CLIENT {
                        licensing.outcome.get_or_insert("valid_client");
                        Inspected::Pass
                    } else {
                        licensing.outcome = Some("error");
                        Inspected::Leave(self.failed(FailureKind::License {
                            code: error_code,
                            state_transition,
                        }))
                    }
                }
                IoPdu::License { msg_type } => {
                    let licensing = self
                        .report
                        .server
                        .licensing
                        .get_or_insert_with(LicensingFacts::default);
                    licensing.messages.push(msg_type);
                    licensing.outcome = Some("license_exchange");
                    Inspected::Pass
                }
                IoPdu::Redirection { form, packet } => {
                    // The Windows client follows the redirection; the probe reports where to.
                    self.report.server.redirection = Some(RedirectionFacts::new(form, packet));
                    Inspected::Leave(State::Ended(End::Connected(Outcome::Redirected)))
                }
                IoPdu::SaveSessionInfo {
                    logon_error: Some(e),
                    ..
                } => {
                    self.report.server.logon_errors.push(e);
                    Inspected::Pass
                }
                _ => Inspected::Pass,
            },
            SlowPath::Other => Inspected::Pass,
        }
    }
}

/// What a connector error means for the report.
fn connector_failure(e: ironrdp_connector::ConnectorError) -> FailureKind {
    match e.kind() {
        ConnectorErrorKind::Negotiation(n) => FailureKind::Negotiation {
            code: u32::from(n.code()),
        },
        ConnectorErrorKind::AccessDenied => FailureKind::EarlyUserAuth {
            result: rdp_probe_wire::credssp::AUTHZ_ACCESS_DENIED,
        },
        _ => FailureKind::Protocol(ProtocolViolation::Connector(ConnectorError::new(e))),
    }
}
