//! From the MCS Connect Initial to the end of finalization, driven by IronRDP's `ClientConnector`.
//!
//! Every frame is classified with the tolerant decoders before the connector sees it: MCS Disconnect
//! Provider Ultimatum, failed attach/join confirms, Set Error Info (any value, in any phase — the connector
//! would misread one during licensing), licensing Error Alerts and the Server Core/Security Data. Set Error
//! Info is consumed here and never reaches the connector.

use std::time::Duration;

use ironrdp_connector::{
    ClientConnectorState, ConnectionOutcome, ConnectorError, ConnectorErrorKind, Sequence, State,
};
use ironrdp_core::WriteBuf;
use rdp_probe_wire::mcs::{CertChainType, McsPdu};
use rdp_probe_wire::share::{IoPdu, SlowPath};
use rdp_probe_wire::x224::X224Pdu;

use super::Machine;
use crate::Phase;
use crate::failure::{FailureKind, ProtocolViolation};
use crate::report::{LicensingFacts, Outcome, StandardSecurityFacts, Verdict};

/// STATUS_VALID_CLIENT: the licensing "error" that means no license exchange is needed ([MS-RDPBCGR]
/// 2.2.1.12.1.3, [MS-RDPELE] 2.2.2.8).
const STATUS_VALID_CLIENT: u32 = 0x07;

/// A connector error as one line, with its sources.
pub(super) fn connector_message(e: &ConnectorError) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

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

fn method_name(m: u32) -> &'static str {
    // [MS-RDPBCGR] 2.2.1.4.3 encryptionMethod.
    match m {
        0 => "ENCRYPTION_METHOD_NONE",
        0x01 => "ENCRYPTION_METHOD_40BIT",
        0x02 => "ENCRYPTION_METHOD_128BIT",
        0x08 => "ENCRYPTION_METHOD_56BIT",
        0x10 => "ENCRYPTION_METHOD_FIPS",
        _ => "ENCRYPTION_METHOD_UNKNOWN",
    }
}

fn level_name(l: u32) -> &'static str {
    // [MS-RDPBCGR] 2.2.1.4.3 encryptionLevel.
    match l {
        0 => "ENCRYPTION_LEVEL_NONE",
        1 => "ENCRYPTION_LEVEL_LOW",
        2 => "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE",
        3 => "ENCRYPTION_LEVEL_HIGH",
        4 => "ENCRYPTION_LEVEL_FIPS",
        _ => "ENCRYPTION_LEVEL_UNKNOWN",
    }
}

/// Server Core Data `version` names ([MS-RDPBCGR] 2.2.1.4.2).
fn rdp_version_name(v: u32) -> String {
    let name = match v {
        0x0008_0001 => "RDP 4.0",
        0x0008_0004 => "RDP 5.0 to 8.1",
        0x0008_0005 => "RDP 10.0",
        0x0008_0006 => "RDP 10.1",
        0x0008_0007 => "RDP 10.2",
        0x0008_0008 => "RDP 10.3",
        0x0008_0009 => "RDP 10.4",
        0x0008_000A => "RDP 10.5",
        0x0008_000B => "RDP 10.6",
        0x0008_000C => "RDP 10.7",
        0x0008_000D => "RDP 10.8",
        0x0008_000E => "RDP 10.9",
        0x0008_000F => "RDP 10.10",
        0x0008_0010 => "RDP 10.11",
        0x0008_0011 => "RDP 10.12",
        _ => return format!("unknown 0x{v:08x}"),
    };
    name.to_owned()
}

impl Machine {
    /// Runs the connector through the states that need no input until one writes a PDU (queued, so its bytes
    /// count in its own phase) or waits for the server. Called from [`Machine::poll`] only.
    pub(super) fn advance_session(&mut self, now: Duration) {
        loop {
            if self.end.is_some() {
                return;
            }
            let Some(phase) = self.connector.as_ref().map(|c| phase_of(&c.state)) else {
                return;
            };
            if let Some(phase) = phase {
                self.log.enter(phase, now);
            }
            let Some(connector) = self.connector.as_mut() else {
                return;
            };
            if connector.state.is_terminal() {
                match connector.state.take_outcome() {
                    Some(ConnectionOutcome::Redirected(_)) => self.connected(Outcome::Redirected),
                    _ => self.connected(Outcome::Connected),
                }
                return;
            }
            let mut buf = WriteBuf::new();
            let result = if connector.should_perform_multitransport() {
                // The probe never sets up UDP: decline as a client without multitransport does.
                connector.skip_multitransport(&mut buf)
            } else if connector.next_pdu_hint().is_none() {
                connector.step_no_input(&mut buf)
            } else {
                return;
            };
            match result {
                Ok(_) if !buf.filled().is_empty() => {
                    // Send it before moving on, so the next phase starts after this PDU left.
                    self.queue_connector_output(buf.filled());
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    let kind = connector_failure(&e);
                    self.fail(kind, now);
                    return;
                }
            }
        }
    }

    /// Queues what the connector wrote. A Client New License Request whose encrypted premaster secret
    /// IronRDP wrote short (it drops the number's high zero bytes) goes out at full length, as other
    /// clients send it: see [`rdp_probe_wire::licensing`].
    fn queue_connector_output(&mut self, written: &[u8]) {
        match rdp_probe_wire::licensing::restore_premaster_length(written) {
            Some(fixed) => {
                tracing::debug!(
                    restored = fixed.len() - written.len(),
                    "Client New License Request: restored the encrypted premaster secret's high zero bytes"
                );
                self.queue(fixed);
            }
            None => self.queue(written.to_vec()),
        }
    }

    pub(super) fn session_frame(&mut self, frame: &[u8], now: Duration) {
        let Some(connector) = self.connector.as_ref() else {
            return;
        };
        let waiting_connect_response = matches!(
            connector.state,
            ClientConnectorState::BasicSettingsExchangeWaitResponse { .. }
        );
        if waiting_connect_response {
            if !self.inspect_connect_response(frame, now) {
                return;
            }
        } else if !self.inspect_slow_path(frame, now) {
            return;
        }
        let Some(connector) = self.connector.as_mut() else {
            return;
        };
        let mut buf = WriteBuf::new();
        match connector.step(frame, None, &mut buf) {
            Ok(_) => self.queue_connector_output(buf.filled()),
            Err(e) => {
                let kind = connector_failure(&e);
                self.fail(kind, now);
            }
        }
    }

    /// MCS Connect Response: record the server's data blocks; stop where the probe cannot follow.
    /// Returns whether the frame may go to the connector.
    fn inspect_connect_response(&mut self, frame: &[u8], now: Duration) -> bool {
        let payload = match rdp_probe_wire::x224::parse_x224(frame) {
            Ok(X224Pdu::Data(p)) => p,
            Ok(X224Pdu::Disconnect { reason }) => {
                self.fail(FailureKind::x224_disconnect(reason), now);
                return false;
            }
            _ => return true,
        };
        if payload.first() != Some(&0x7f) {
            if let Ok(McsPdu::DisconnectProviderUltimatum { reason }) =
                rdp_probe_wire::mcs::parse_domain_pdu(payload)
            {
                self.fail(FailureKind::McsDisconnect { reason }, now);
                return false;
            }
            return true;
        }
        let response = match rdp_probe_wire::mcs::parse_connect_response(payload) {
            Ok(r) => r,
            Err(e) => {
                self.fail(
                    FailureKind::Protocol(ProtocolViolation::Malformed(format!(
                        "MCS Connect Response: {e}"
                    ))),
                    now,
                );
                return false;
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
            self.fail(
                FailureKind::Protocol(ProtocolViolation::McsConnectRejected {
                    result: response.result,
                }),
                now,
            );
            return false;
        }
        if self.selected.is_rdp() {
            let Some(sec) = response.security else {
                return true;
            };
            let cert = sec.server_certificate;
            server.standard_security = Some(StandardSecurityFacts {
                encryption_method: sec.encryption_method,
                encryption_method_name: method_name(sec.encryption_method),
                encryption_level: sec.encryption_level,
                encryption_level_name: level_name(sec.encryption_level),
                server_random_len: sec.server_random.map(<[u8]>::len),
                certificate_type: cert.map(|c| match c.chain_type {
                    CertChainType::Proprietary => "proprietary".to_owned(),
                    CertChainType::X509 => "x509".to_owned(),
                    CertChainType::Unknown(v) => format!("unknown_{v}"),
                }),
                rsa_key_bits: cert.and_then(|c| c.rsa_key_bits),
                certificate_len: cert.map(|c| c.raw.len()),
            });
            if sec.encryption_method != 0 || sec.encryption_level != 0 {
                self.stop(
                    Verdict::Inconclusive,
                    "standard_security_encryption",
                    format!(
                        "the server requires Standard RDP Security with encryption ({}, {}); rdp-probe does not implement RC4/FIPS encryption yet",
                        level_name(sec.encryption_level),
                        method_name(sec.encryption_method)
                    ),
                    "the server's encryption settings are in the report; to probe further, enable TLS (security layer 'negotiate' or 'tls') on the server".into(),
                );
                return false;
            }
        }
        true
    }

    /// Everything after the Connect Response. Returns whether the frame may go to the connector.
    fn inspect_slow_path(&mut self, frame: &[u8], now: Duration) -> bool {
        if let Ok(X224Pdu::Data(payload)) = rdp_probe_wire::x224::parse_x224(frame) {
            match rdp_probe_wire::mcs::parse_domain_pdu(payload) {
                Ok(
                    McsPdu::AttachUserConfirm { result, .. }
                    | McsPdu::ChannelJoinConfirm { result, .. },
                ) if result != 0 => {
                    self.fail(
                        FailureKind::Protocol(ProtocolViolation::ChannelRejected { result }),
                        now,
                    );
                    return false;
                }
                _ => {}
            }
        }
        let classified = match rdp_probe_wire::share::classify_slow_path_frame(frame, false) {
            Ok(c) => c,
            Err(_) => return true, // Let the connector judge what the tolerant decoder cannot place.
        };
        match classified {
            SlowPath::Disconnect { reason } => {
                self.fail(FailureKind::McsDisconnect { reason }, now);
                false
            }
            SlowPath::X224Disconnect { reason } => {
                self.fail(FailureKind::x224_disconnect(reason), now);
                false
            }
            SlowPath::Io { pdu, .. } => match pdu {
                IoPdu::SetErrorInfo { error_info } => {
                    self.record_errinfo(error_info, now);
                    false
                }
                IoPdu::LicenseErrorAlert {
                    error_code,
                    state_transition,
                } => {
                    let licensing = self
                        .report
                        .server
                        .licensing
                        .get_or_insert_with(LicensingFacts::default);
                    licensing.messages.push(0xFF);
                    if error_code == STATUS_VALID_CLIENT {
                        licensing.outcome.get_or_insert("valid_client");
                        true
                    } else {
                        licensing.outcome = Some("error");
                        self.fail(
                            FailureKind::License {
                                code: error_code,
                                state_transition,
                            },
                            now,
                        );
                        false
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
                    true
                }
                IoPdu::SaveSessionInfo {
                    logon_error: Some(e),
                    ..
                } => {
                    self.report.server.logon_errors.push(e);
                    true
                }
                _ => true,
            },
            SlowPath::Other => true,
        }
    }
}

/// What a connector error means for the report.
fn connector_failure(e: &ConnectorError) -> FailureKind {
    match e.kind() {
        ConnectorErrorKind::Negotiation(n) => FailureKind::Negotiation {
            code: u32::from(n.code()),
        },
        ConnectorErrorKind::AccessDenied => FailureKind::EarlyUserAuth { result: 5 },
        _ => FailureKind::Protocol(ProtocolViolation::Connector(connector_message(e))),
    }
}
