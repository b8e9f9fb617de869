//! X.224 negotiation ([MS-RDPBCGR] 2.2.1.1 / 2.2.1.2) and the hand-over to TLS or the session.

use std::net::SocketAddr;
use std::time::Duration;

use ironrdp_connector::{ClientConnector, ClientConnectorState, Sequence, State as _};
use ironrdp_core::WriteBuf;
use ironrdp_pdu::nego::SecurityProtocol;
use rdp_probe_wire::x224::{ConnectionConfirm, X224Pdu};

use rdp_probe_codes::StopReason;

use super::{Connector, Machine, State, Stop, TlsStack};
use crate::failure::{ConnectorError, FailureKind, Pdu, ProtocolViolation};
use crate::report::NegotiationFailureFact;
use crate::{Phase, Protocols};

/// RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER ([MS-RDPBCGR] 2.2.1.2.2): the Windows client reconnects with
/// Standard RDP Security.
const SSL_NOT_ALLOWED_BY_SERVER: u32 = 2;

/// What came instead of a Connection Confirm.
fn seen(pdu: &X224Pdu<'_>) -> Pdu {
    match pdu {
        X224Pdu::ConnectionConfirm(_) => Pdu::X224ConnectionConfirm,
        X224Pdu::Data(_) => Pdu::X224Data,
        X224Pdu::Disconnect { .. } => Pdu::X224Tpdu {
            code: rdp_probe_wire::x224::TPDU_DISCONNECT_REQUEST,
        },
        X224Pdu::Other { tpdu_code } => Pdu::X224Tpdu { code: *tpdu_code },
    }
}

impl Machine {
    pub(super) fn begin_negotiation(&mut self, addr: SocketAddr) -> State {
        let mut connector = ClientConnector::new(super::connector::config(&self.options), addr);
        let mut buf = WriteBuf::new();
        // IronRDP's connector cannot request RDSTLS or RDSAAD. It requests the rest; the Connection
        // Request on the wire asks for everything the user asked for, so a server that selects one of
        // those two meets the probe's own "not implemented" stop instead of a refusal to ask.
        let beyond_ironrdp =
            Protocols::from_bits(Protocols::RDSTLS.bits() | Protocols::RDSAAD.bits());
        let for_connector = self.requested.without(beyond_ironrdp);
        let protocol = SecurityProtocol::from_bits_retain(for_connector.bits());
        if connector
            .initiate_with_security_protocol(protocol, &mut buf)
            .is_err()
        {
            // Nothing has been sent: a connector that cannot write a Connection Request is rdp-probe's
            // problem, never the server's.
            return self.internal(
                "negotiation",
                "the connector could not write the Connection Request",
            );
        }
        self.report.server.requested_protocols = Some(self.requested);
        if for_connector == self.requested {
            self.queue(buf.filled().to_vec());
        } else {
            self.queue(rdp_probe_wire::x224::connection_request(
                self.requested.bits(),
                None,
            ));
        }
        State::Negotiation {
            connector: Connector::new(connector),
        }
    }

    pub(super) fn negotiation_frame(
        &mut self,
        connector: Connector,
        frame: &[u8],
        now: Duration,
    ) -> State {
        let confirm = match rdp_probe_wire::x224::parse_x224(frame) {
            Ok(X224Pdu::ConnectionConfirm(cc)) => cc,
            Ok(X224Pdu::Disconnect { reason }) => {
                return self.failed(FailureKind::X224Disconnect { reason });
            }
            Ok(other) => {
                return self.failed(FailureKind::Protocol(ProtocolViolation::UnexpectedPdu {
                    expected: Pdu::X224ConnectionConfirm,
                    got: seen(&other),
                }));
            }
            Err(error) => {
                return self.failed(FailureKind::Protocol(ProtocolViolation::Malformed {
                    pdu: Pdu::X224ConnectionConfirm,
                    error,
                }));
            }
        };
        match confirm {
            ConnectionConfirm::Failure { code, .. } => self.negotiation_failure(code, now),
            ConnectionConfirm::Response {
                flags,
                selected_protocol,
            } => {
                self.report.server.negotiation_flags = Some(flags);
                self.report.server.negotiation_flag_names =
                    rdp_probe_codes::rdp::neg_rsp_flag_names(flags);
                let selected = Protocols::from_bits(selected_protocol);
                self.selected_protocol(connector, selected, Some(frame), now)
            }
            ConnectionConfirm::NoNegotiationData => {
                self.report.server.legacy_negotiation = true;
                self.selected_protocol(connector, Protocols::RDP, None, now)
            }
            ConnectionConfirm::UnknownNegotiation {
                neg_type, value, ..
            } => self.failed(FailureKind::Protocol(
                ProtocolViolation::UnknownNegotiation { neg_type, value },
            )),
        }
    }

    fn negotiation_failure(&mut self, code: u32, now: Duration) -> State {
        self.report
            .server
            .negotiation_failures
            .push(NegotiationFailureFact {
                requested: self.requested,
                code,
                name: rdp_probe_codes::name_or_unknown(
                    rdp_probe_codes::CodeSpace::NegFailure,
                    code,
                ),
            });
        // The Windows client's reaction: a server that does not allow TLS gets a new connection with Standard
        // RDP Security. Only when the user did not ask for an exact protocol set.
        if self.may_fall_back && code == SSL_NOT_ALLOWED_BY_SERVER && !self.requested.is_rdp() {
            tracing::debug!("SSL_NOT_ALLOWED_BY_SERVER: reconnecting with Standard RDP Security");
            self.requested = Protocols::RDP;
            self.may_fall_back = false;
            // The refused attempt's x224 phase ends as failed; the next attempt starts at tcp_connect.
            self.log.close(crate::phase::PhaseStatus::Failed, now);
            return State::Reconnect;
        }
        self.failed(FailureKind::Negotiation { code })
    }

    fn selected_protocol(
        &mut self,
        mut connector: Connector,
        selected: Protocols,
        frame: Option<&[u8]>,
        now: Duration,
    ) -> State {
        self.report.server.selected_protocol = Some(selected.selected_name());
        // PROTOCOL_RDP is always acceptable; anything else must be one single protocol the client requested.
        let offered = selected.is_rdp()
            || (selected.bits().count_ones() == 1 && self.requested.contains(selected));
        if !offered {
            let v = ProtocolViolation::SelectedNotOffered {
                requested: self.requested.bits(),
                selected: selected.bits(),
            };
            return self.failed(FailureKind::Protocol(v));
        }
        if matches!(selected, Protocols::RDSTLS | Protocols::RDSAAD) {
            return self.stop(
                Stop::Inconclusive,
                StopReason::ProtocolNotImplemented,
                format!(
                    "the server selected {}, which rdp-probe does not implement yet",
                    selected.selected_name()
                ),
                "request other protocols with --protocols (e.g. ssl,hybrid,hybrid_ex)".into(),
            );
        }
        // IronRDP insists the server select one of the requested protocols; the Windows client also accepts
        // PROTOCOL_RDP or a legacy confirm, so those skip straight to the upgrade state.
        let fed = match frame {
            Some(frame) if !selected.is_rdp() || self.requested.is_rdp() => connector
                .step(frame, None, &mut WriteBuf::new())
                .map(|_| ()),
            _ => {
                connector.state = ClientConnectorState::EnhancedSecurityUpgrade {
                    selected_protocol: SecurityProtocol::empty(),
                };
                Ok(())
            }
        };
        if let Err(e) = fed {
            return self.failed(FailureKind::Protocol(ProtocolViolation::Connector(
                ConnectorError::new(e),
            )));
        }
        if selected.is_rdp() {
            self.log.enter(Phase::BasicSettings, now);
            match self.upgrade_done(connector) {
                Ok(connector) => State::Session {
                    connector,
                    selected,
                    encryption: None,
                },
                Err(state) => state,
            }
        } else {
            self.log.enter(Phase::Tls, now);
            let stack = if self.legacy.is_some() {
                TlsStack::Legacy
            } else {
                TlsStack::Rustls
            };
            State::TlsHandshake {
                connector,
                selected,
                stack,
            }
        }
    }

    /// Moves the connector past EnhancedSecurityUpgrade. `mark_security_upgrade_as_done` panics in any
    /// other state, so the state is checked first: a connector elsewhere is a bug in rdp-probe.
    pub(super) fn upgrade_done(&mut self, mut connector: Connector) -> Result<Connector, State> {
        if connector.should_perform_security_upgrade() {
            connector.mark_security_upgrade_as_done();
            Ok(connector)
        } else {
            Err(self.internal(
                connector.state.name(),
                "security upgrade done, but the connector is not at its security upgrade",
            ))
        }
    }
}
