//! CredSSP / Network Level Authentication ([MS-CSSP]), through sspi as re-exported by ironrdp-connector.
//!
//! Every server TSRequest is pre-decoded with the tolerant decoder first, so `version` and `errorCode` are
//! kept raw whatever sspi makes of them. Without credentials the probe sends only an NTLM NEGOTIATE, reads
//! the CHALLENGE (the server's CredSSP version and NTLM host facts) and stops at the NLA wall: no logon is
//! attempted, so no failed-logon event and no lockout count.

use std::time::Duration;

use ironrdp_connector::credssp::CredsspSequence;
use ironrdp_connector::sspi::credssp::ClientState;
use ironrdp_connector::sspi::generator::GeneratorState;
use ironrdp_connector::sspi::{self, ErrorKind};
use ironrdp_connector::{Credentials, ServerName};
use ironrdp_core::WriteBuf;
use ironrdp_pdu::nego::SecurityProtocol;

use super::{Framing, IoFailure, Machine};
use crate::failure::{CredsspFailure, FailureKind};
use crate::report::{NtlmFacts, Verdict};
use crate::{Phase, Protocols};

/// The TSRequest version the probe announces (current Windows clients send 6).
const TS_REQUEST_VERSION: u32 = 6;

#[derive(Debug)]
pub(super) struct Nla {
    /// `None`: the credential-less probe.
    sequence: Option<CredsspSequence>,
    /// Client messages sent so far (1 = NEGOTIATE, 2 = AUTHENTICATE + pubKeyAuth, 3 = credentials).
    sent: u32,
    awaiting_early_auth: bool,
}

impl Nla {
    pub(super) fn framing(&self) -> Framing {
        if self.awaiting_early_auth {
            Framing::EarlyUserAuth
        } else {
            Framing::TsRequest
        }
    }
}

/// Runs an sspi generator to completion; NTLM never needs the network, Kerberos KDC traffic is refused.
fn resolve(
    mut generator: ironrdp_connector::credssp::CredsspProcessGenerator<'_>,
) -> sspi::Result<ClientState> {
    let mut state = generator.start();
    loop {
        match state {
            GeneratorState::Completed(result) => return result,
            GeneratorState::Suspended(_) => {
                state = generator.resume(Err(sspi::Error::new(
                    ErrorKind::NoAuthenticatingAuthority,
                    "rdp-probe does no KDC traffic",
                )));
            }
        }
    }
}

impl Machine {
    pub(super) fn begin_nla(&mut self, server_public_key: Vec<u8>, now: Duration) {
        let Some(creds) = self.options.credentials.clone() else {
            let negotiate = rdp_probe_wire::ntlm::negotiate_message();
            self.queue(rdp_probe_wire::credssp::encode_ts_request_negotiate(
                TS_REQUEST_VERSION,
                &negotiate,
            ));
            self.nla = Some(Nla {
                sequence: None,
                sent: 1,
                awaiting_early_auth: false,
            });
            return;
        };
        let protocol = SecurityProtocol::from_bits_retain(self.selected.bits());
        let credentials = Credentials::UsernamePassword {
            username: creds.username.clone(),
            password: creds.password().to_owned(),
        };
        let server_name = ServerName::new(self.target.host());
        match CredsspSequence::init(
            credentials,
            creds.domain.as_deref(),
            protocol,
            server_name,
            server_public_key,
            None,
        ) {
            Ok((sequence, first)) => {
                self.nla = Some(Nla {
                    sequence: Some(sequence),
                    sent: 0,
                    awaiting_early_auth: false,
                });
                self.nla_process(first, now);
            }
            Err(e) => self.fail(
                FailureKind::Credssp(CredsspFailure::Local(super::session::connector_message(&e))),
                now,
            ),
        }
    }

    /// Feeds one server TSRequest (or the initial empty one) to sspi and queues the reply.
    fn nla_process(&mut self, request: sspi::credssp::TsRequest, now: Duration) {
        let Some(nla) = self.nla.as_mut() else { return };
        let Some(sequence) = nla.sequence.as_mut() else {
            return;
        };
        let result = resolve(sequence.process_ts_request(request));
        let state = match result {
            Ok(state) => state,
            Err(e) => {
                let kind = sspi_failure(&e);
                self.fail(kind, now);
                return;
            }
        };
        let is_final = matches!(state, ClientState::FinalMessage(_));
        let mut buf = WriteBuf::new();
        if let Err(e) = sequence.handle_process_result(state, &mut buf) {
            self.fail(
                FailureKind::Credssp(CredsspFailure::Local(super::session::connector_message(&e))),
                now,
            );
            return;
        }
        nla.sent += 1;
        let bytes = buf.filled().to_vec();
        if is_final {
            if self.selected.contains(Protocols::HYBRID_EX) {
                nla.awaiting_early_auth = true;
            } else {
                self.queue(bytes);
                self.nla_done(now);
                return;
            }
        }
        self.queue(bytes);
    }

    fn nla_done(&mut self, now: Duration) {
        let ok = match self.connector.as_mut() {
            Some(c) if c.should_perform_credssp() => {
                c.mark_credssp_as_done();
                true
            }
            _ => false,
        };
        if !ok {
            self.fail(
                FailureKind::Protocol(crate::failure::ProtocolViolation::Connector(
                    "connector not ready to leave CredSSP".into(),
                )),
                now,
            );
            return;
        }
        self.nla = None;
        self.log.enter(Phase::BasicSettings, now);
        self.step = super::Step::Session;
    }

    pub(super) fn nla_frame(&mut self, frame: &[u8], now: Duration) {
        let awaiting_early_auth = self.nla.as_ref().is_some_and(|n| n.awaiting_early_auth);
        if awaiting_early_auth {
            match rdp_probe_wire::credssp::parse_early_user_auth_result(frame) {
                Ok(result) => {
                    self.report.server.early_user_auth_result = Some(result);
                    if result == 0 {
                        self.nla_done(now);
                    } else {
                        self.fail(FailureKind::EarlyUserAuth { result }, now);
                    }
                }
                Err(e) => self.fail(
                    FailureKind::Credssp(CredsspFailure::Malformed(e.to_string())),
                    now,
                ),
            }
            return;
        }
        let info = match rdp_probe_wire::credssp::parse_ts_request(frame) {
            Ok(info) => info,
            Err(e) => {
                self.fail(
                    FailureKind::Credssp(CredsspFailure::Malformed(format!("TSRequest: {e}"))),
                    now,
                );
                return;
            }
        };
        if self.report.server.credssp_version.is_none() {
            self.report.server.credssp_version = Some(info.version);
        }
        if let Some(token) = info.nego_token
            && let Ok(challenge) = rdp_probe_wire::ntlm::parse_challenge(
                rdp_probe_wire::ntlm::find_ntlmssp(token).unwrap_or(token),
            )
        {
            self.report.server.ntlm = Some(NtlmFacts {
                netbios_computer: challenge.nb_computer,
                netbios_domain: challenge.nb_domain,
                dns_computer: challenge.dns_computer,
                dns_domain: challenge.dns_domain,
                dns_tree: challenge.dns_tree,
                os_version: challenge
                    .os_version
                    .map(|v| format!("{}.{}.{}", v.major, v.minor, v.build)),
            });
        }
        if let Some(status) = info.error_code {
            self.fail(FailureKind::Ntstatus { status }, now);
            return;
        }
        let credential_less = self.nla.as_ref().is_some_and(|n| n.sequence.is_none());
        if credential_less {
            let host = self.target.host().to_owned();
            self.stop(
                Verdict::NeedsCredentials,
                "nla_requires_credentials",
                format!(
                    "the server selected {} (Network Level Authentication): it authenticates before the session starts, so credentials are needed to go further",
                    self.selected.selected_name()
                ),
                format!("probe again with credentials to test a logon on {host} (rdp-probe: -u USER, the password on stdin or in RDP_PROBE_PASSWORD)"),
            );
            return;
        }
        let decoded = self
            .nla
            .as_mut()
            .and_then(|n| n.sequence.as_mut())
            .map(|s| s.decode_server_message(frame));
        match decoded {
            Some(Ok(Some(request))) => self.nla_process(request, now),
            Some(Ok(None)) => self.nla_done(now),
            Some(Err(e)) => self.fail(
                FailureKind::Credssp(CredsspFailure::Malformed(
                    super::session::connector_message(&e),
                )),
                now,
            ),
            None => {}
        }
    }

    /// An I/O failure during CredSSP, when it means more than a network error.
    pub(super) fn nla_io_failure(&self, error: &IoFailure) -> Option<FailureKind> {
        let nla = self.nla.as_ref()?;
        match error {
            // A server that ends the connection after the client's AUTHENTICATE has rejected the logon
            // without an errorCode (CredSSP < 3 and FreeRDP do this).
            IoFailure::Closed | IoFailure::Os { .. } if nla.sequence.is_some() && nla.sent >= 2 => {
                Some(FailureKind::Credssp(CredsspFailure::RejectedWithoutCode {
                    server_version: self.report.server.credssp_version.unwrap_or(0),
                }))
            }
            _ => None,
        }
    }
}

fn sspi_failure(e: &sspi::Error) -> FailureKind {
    if let Some(status) = e.nstatus {
        return FailureKind::Ntstatus { status: status.0 };
    }
    match e.error_type {
        ErrorKind::MessageAltered => FailureKind::Credssp(CredsspFailure::PublicKeyMismatch),
        ErrorKind::InvalidToken | ErrorKind::DecryptFailure => {
            FailureKind::Credssp(CredsspFailure::Malformed(e.description.clone()))
        }
        _ => FailureKind::Credssp(CredsspFailure::Local(format!(
            "{:?}: {}",
            e.error_type, e.description
        ))),
    }
}
