//! X.224 negotiation ([MS-RDPBCGR] 2.2.1.1 / 2.2.1.2) and the hand-over to TLS, CredSSP or the session.

use std::net::SocketAddr;
use std::time::Duration;

use ironrdp_connector::{
    ClientConnector, ClientConnectorState, Config, Credentials, DesktopSize, Sequence,
};
use ironrdp_core::WriteBuf;
use ironrdp_pdu::gcc::{ConnectionType, KeyboardType};
use ironrdp_pdu::nego::SecurityProtocol;
use ironrdp_pdu::rdp::capability_sets::{MajorPlatformType, RailSupportLevel};
use ironrdp_pdu::rdp::client_info::{PerformanceFlags, TimezoneInfo};
use rdp_probe_wire::x224::{ConnectionConfirm, X224Pdu};

use super::{Machine, Step};
use crate::failure::{FailureKind, ProtocolViolation};
use crate::report::{NegotiationFailureFact, Verdict};
use crate::{Phase, Protocols};

/// RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER ([MS-RDPBCGR] 2.2.1.2.2): the Windows client reconnects with
/// Standard RDP Security.
const SSL_NOT_ALLOWED_BY_SERVER: u32 = 2;

/// RDP_NEG_RSP flag names ([MS-RDPBCGR] 2.2.1.2.1).
const NEG_RSP_FLAGS: [(u8, &str); 5] = [
    (0x01, "EXTENDED_CLIENT_DATA_SUPPORTED"),
    (0x02, "DYNVC_GFX_PROTOCOL_SUPPORTED"),
    (0x04, "NEGRSP_FLAG_RESERVED"),
    (0x08, "RESTRICTED_ADMIN_MODE_SUPPORTED"),
    (0x10, "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED"),
];

impl Machine {
    fn connector_config(&self) -> Config {
        let (username, password, domain) = match &self.options.credentials {
            Some(c) => (
                c.username.clone(),
                c.password().to_owned(),
                c.domain.clone(),
            ),
            None => (String::new(), String::new(), None),
        };
        Config {
            desktop_size: DesktopSize {
                width: 1024,
                height: 768,
            },
            monitor_layout: None,
            desktop_scale_factor: 0,
            desktop_physical_size: None,
            desktop_orientation: None,
            device_scale_factor: None,
            monitor_extended_layout: None,
            relative_mouse_input: false,
            enable_tls: true,
            enable_credssp: true,
            enable_standard_rdp_security: true,
            credentials: Credentials::UsernamePassword { username, password },
            domain,
            client_build: 0,
            client_name: self
                .options
                .client_name
                .clone()
                .unwrap_or_else(|| "rdp-probe".to_owned()),
            keyboard_type: KeyboardType::IBM_ENHANCED,
            keyboard_subtype: 0,
            keyboard_functional_keys_count: 12,
            keyboard_layout: 0x409,
            connection_type: ConnectionType::Lan,
            ime_file_name: String::new(),
            bitmap: None,
            dig_product_id: String::new(),
            client_dir: String::new(),
            alternate_shell: String::new(),
            work_dir: String::new(),
            remote_application_mode: false,
            rail_support_level: RailSupportLevel::empty(),
            platform: MajorPlatformType::UNIX,
            hardware_id: None,
            request_data: None,
            autologon: false,
            enable_audio_playback: false,
            enable_audio_capture: false,
            performance_flags: PerformanceFlags::default(),
            license_cache: None,
            timezone_info: TimezoneInfo::default(),
            compression_type: None,
            enable_server_pointer: false,
            pointer_software_rendering: true,
            multitransport_flags: None,
            support_dyn_vc_gfx_protocol: false,
        }
    }

    pub(super) fn begin_negotiation(&mut self, addr: SocketAddr, now: Duration) {
        let mut connector = ClientConnector::new(self.connector_config(), addr);
        let mut buf = WriteBuf::new();
        let protocol = SecurityProtocol::from_bits_retain(self.requested.bits());
        match connector.initiate_with_security_protocol(protocol, &mut buf) {
            Ok(_) => {
                self.report.server.requested_protocols = Some(self.requested);
                self.queue(buf.filled().to_vec());
                self.connector = Some(connector);
            }
            Err(e) => self.fail(
                FailureKind::Protocol(ProtocolViolation::Connector(e.to_string())),
                now,
            ),
        }
    }

    pub(super) fn negotiation_frame(&mut self, frame: &[u8], now: Duration) {
        let confirm = match rdp_probe_wire::x224::parse_x224(frame) {
            Ok(X224Pdu::ConnectionConfirm(cc)) => cc,
            Ok(X224Pdu::Disconnect { reason }) => {
                self.fail(FailureKind::x224_disconnect(reason), now);
                return;
            }
            Ok(other) => {
                let what = format!("expected an X.224 Connection Confirm, got {other:?}");
                self.fail(
                    FailureKind::Protocol(ProtocolViolation::UnexpectedPdu(what)),
                    now,
                );
                return;
            }
            Err(e) => {
                self.fail(
                    FailureKind::Protocol(ProtocolViolation::Malformed(format!(
                        "X.224 Connection Confirm: {e}"
                    ))),
                    now,
                );
                return;
            }
        };
        match confirm {
            ConnectionConfirm::Failure { code, .. } => self.negotiation_failure(code, now),
            ConnectionConfirm::Response {
                flags,
                selected_protocol,
            } => {
                self.report.server.negotiation_flags = Some(flags);
                self.report.server.negotiation_flag_names = NEG_RSP_FLAGS
                    .iter()
                    .filter(|(b, _)| flags & b != 0)
                    .map(|(_, n)| *n)
                    .collect();
                self.selected_protocol(Protocols::from_bits(selected_protocol), Some(frame), now);
            }
            ConnectionConfirm::NoNegotiationData => {
                self.report.server.legacy_negotiation = true;
                self.selected_protocol(Protocols::RDP, None, now);
            }
            ConnectionConfirm::UnknownNegotiation {
                neg_type, value, ..
            } => {
                let what =
                    format!("negotiation data of unknown type {neg_type} (value 0x{value:08x})");
                self.fail(
                    FailureKind::Protocol(ProtocolViolation::UnexpectedPdu(what)),
                    now,
                );
            }
        }
    }

    fn negotiation_failure(&mut self, code: u32, now: Duration) {
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
            self.connector = None;
            // The refused attempt's x224 phase ends as failed; the next attempt starts at tcp_connect.
            self.log.close(crate::phase::PhaseStatus::Failed, now);
            self.step = Step::Reconnect;
            return;
        }
        self.fail(FailureKind::Negotiation { code }, now);
    }

    fn selected_protocol(&mut self, selected: Protocols, frame: Option<&[u8]>, now: Duration) {
        self.report.server.selected_protocol = Some(selected.selected_name());
        self.selected = selected;
        // PROTOCOL_RDP is always acceptable; anything else must be one single protocol the client requested.
        let offered = selected.is_rdp()
            || (selected.bits().count_ones() == 1 && self.requested.contains(selected));
        if !offered {
            let v = ProtocolViolation::SelectedNotOffered {
                requested: self.requested.bits(),
                selected: selected.bits(),
            };
            self.fail(FailureKind::Protocol(v), now);
            return;
        }
        if matches!(selected, Protocols::RDSTLS | Protocols::RDSAAD) {
            self.stop(
                Verdict::Inconclusive,
                "protocol_not_implemented",
                format!(
                    "the server selected {}, which rdp-probe does not implement yet",
                    selected.selected_name()
                ),
                "request other protocols with --protocols (e.g. ssl,hybrid,hybrid_ex)".into(),
            );
            return;
        }
        let Some(connector) = self.connector.as_mut() else {
            return;
        };
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
            self.fail(
                FailureKind::Protocol(ProtocolViolation::Connector(
                    super::session::connector_message(&e),
                )),
                now,
            );
            return;
        }
        if selected.is_rdp() {
            self.log.enter(Phase::BasicSettings, now);
            self.upgrade_done(now);
            self.step = Step::Session;
        } else {
            self.log.enter(Phase::Tls, now);
            self.step = Step::Tls;
        }
    }

    /// Moves the connector past EnhancedSecurityUpgrade; the panic in `mark_security_upgrade_as_done` is
    /// guarded by checking the state first.
    fn upgrade_done(&mut self, now: Duration) {
        let ok = match self.connector.as_mut() {
            Some(c) if c.should_perform_security_upgrade() => {
                c.mark_security_upgrade_as_done();
                true
            }
            _ => false,
        };
        if !ok {
            self.fail(
                FailureKind::Protocol(ProtocolViolation::Connector(
                    "connector not ready for the security upgrade".into(),
                )),
                now,
            );
        }
    }

    pub(super) fn after_tls(&mut self, server_public_key: Vec<u8>, now: Duration) {
        self.upgrade_done(now);
        if self.end.is_some() {
            return;
        }
        if self.selected.has_nla() {
            self.log.enter(Phase::Credssp, now);
            self.step = Step::Nla;
            self.begin_nla(server_public_key, now);
        } else {
            self.log.enter(Phase::BasicSettings, now);
            self.step = Step::Session;
        }
    }
}
