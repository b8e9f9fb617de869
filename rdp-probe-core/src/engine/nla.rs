//! CredSSP / Network Level Authentication ([MS-CSSP]), through sspi as re-exported by ironrdp-connector.
//!
//! Every server TSRequest is pre-decoded with the tolerant decoder first, so `version` and `errorCode` are
//! kept raw whatever sspi makes of them. Without credentials the probe sends only an NTLM NEGOTIATE, reads
//! the CHALLENGE (the server's CredSSP version and NTLM host facts) and stops at the NLA wall: no logon is
//! attempted, so no failed-logon event and no lockout count.

use ironrdp_connector::credssp::CredsspSequence;
use ironrdp_connector::sspi::credssp::ClientState;
use ironrdp_connector::sspi::generator::GeneratorState;
use ironrdp_connector::sspi::{self, ErrorKind, NetworkRequest};
use ironrdp_connector::{Credentials as ConnectorCredentials, ServerName};
use ironrdp_core::WriteBuf;
use ironrdp_pdu::nego::SecurityProtocol;

use rdp_probe_codes::StopReason;

use std::time::Duration;

use super::{Connector, Framing, IoFailure, Machine, State, Stop, kerberos};
use crate::Protocols;
use crate::failure::{ConnectorError, CredsspFailure, FailureKind, Pdu, SspiError};
use crate::kerberos::{KdcFailure, KerberosFailure};
use crate::report::{KerberosOutcome, NtlmFacts};

/// The TSRequest version the probe announces (current Windows clients send 6).
const TS_REQUEST_VERSION: u32 = 6;

/// AUTHZ_SUCCESS in the Early User Authorization Result ([MS-RDPBCGR] 2.2.10.2).
const AUTHZ_SUCCESS: u32 = rdp_probe_wire::credssp::AUTHZ_SUCCESS;

/// The client messages of a logon, in the order they go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Sent {
    /// Nothing yet.
    Nothing,
    /// The NTLM NEGOTIATE.
    Negotiate,
    /// The NTLM AUTHENTICATE with the public key proof.
    Authenticate,
    /// The credentials (TSCredentials).
    Credentials,
}

impl Sent {
    fn next(self) -> Self {
        match self {
            Sent::Nothing => Sent::Negotiate,
            Sent::Negotiate => Sent::Authenticate,
            Sent::Authenticate | Sent::Credentials => Sent::Credentials,
        }
    }
}

/// The CredSSP exchange.
#[derive(Debug)]
pub(super) enum Nla {
    /// Without credentials: the NEGOTIATE is out, the CHALLENGE is awaited; the probe stops there.
    CredentialLess,
    /// A logon, driven by sspi.
    Logon {
        /// The CredSSP client.
        sequence: Box<CredsspSequence>,
        /// The last client message sent.
        sent: Sent,
    },
    /// sspi waits for the KDC: the driver carries one Kerberos exchange.
    Kdc {
        /// The exchange and the suspended sspi step.
        pending: Box<kerberos::Pending>,
        /// The last client message sent.
        sent: Sent,
    },
    /// HYBRID_EX: the credentials are out; the Early User Authorization Result is awaited.
    EarlyUserAuth,
}

impl Nla {
    pub(super) fn framing(&self) -> Framing {
        match self {
            Nla::EarlyUserAuth => Framing::EarlyUserAuth,
            _ => Framing::TsRequest,
        }
    }

    /// An I/O failure during CredSSP, when it means more than a network error: a server that ends the
    /// connection after the client's AUTHENTICATE has rejected the logon without an errorCode (CredSSP < 3
    /// and FreeRDP do this).
    /// Whether only the first token (the NEGOTIATE, or the Kerberos offer) is out.
    pub(super) fn after_first_token(&self) -> bool {
        matches!(
            self,
            Nla::Logon {
                sent: Sent::Negotiate,
                ..
            }
        )
    }

    pub(super) fn io_failure(
        &self,
        error: &IoFailure,
        server_version: Option<u32>,
    ) -> Option<FailureKind> {
        let after_authenticate = match self {
            Nla::Logon { sent, .. } | Nla::Kdc { sent, .. } => *sent >= Sent::Authenticate,
            Nla::EarlyUserAuth => true,
            Nla::CredentialLess => false,
        };
        (after_authenticate && matches!(error, IoFailure::Closed | IoFailure::Os { .. })).then(
            || {
                FailureKind::Credssp(CredsspFailure::RejectedWithoutCode {
                    server_version: server_version.unwrap_or(0),
                })
            },
        )
    }
}

fn sspi_failure(e: sspi::Error) -> FailureKind {
    if let Some(status) = e.nstatus {
        return FailureKind::Ntstatus { status: status.0 };
    }
    match e.error_type {
        ErrorKind::MessageAltered => FailureKind::Credssp(CredsspFailure::PublicKeyMismatch),
        _ => FailureKind::Credssp(CredsspFailure::Sspi(SspiError::new(e))),
    }
}

impl Machine {
    pub(super) fn begin_nla(
        &mut self,
        connector: Connector,
        selected: Protocols,
        server_public_key: Vec<u8>,
        now: Duration,
    ) -> State {
        let creds = if self.withheld() {
            None
        } else {
            self.options.credentials.clone()
        };
        let Some(creds) = creds else {
            let negotiate = rdp_probe_wire::ntlm::negotiate_message();
            self.queue(rdp_probe_wire::credssp::encode_ts_request_negotiate(
                TS_REQUEST_VERSION,
                &negotiate,
            ));
            return State::Credssp {
                connector,
                selected,
                nla: Nla::CredentialLess,
            };
        };
        let protocol = SecurityProtocol::from_bits_retain(selected.bits());
        let credentials = ConnectorCredentials::UsernamePassword {
            username: creds.username.clone(),
            password: creds.password().to_owned(),
        };
        if let Some(lookup) = self.kdc_lookup_needed(&creds) {
            return State::LocateKdc {
                connector,
                selected,
                public_key: server_public_key,
                lookup,
                since: now,
            };
        }
        let server_name = ServerName::new(self.target.host());
        let kerberos = self.kerberos_plan(&creds);
        match CredsspSequence::init(
            credentials,
            creds.domain.as_deref(),
            protocol,
            server_name,
            server_public_key,
            kerberos,
        ) {
            Ok((sequence, first)) => self.nla_process(
                connector,
                selected,
                Box::new(sequence),
                Sent::Nothing,
                first,
                now,
            ),
            Err(e) => self.failed(FailureKind::Credssp(CredsspFailure::Local(
                ConnectorError::new(e),
            ))),
        }
    }

    /// Feeds one server TSRequest (or the initial empty one) to sspi and queues the reply.
    fn nla_process(
        &mut self,
        connector: Connector,
        selected: Protocols,
        sequence: Box<CredsspSequence>,
        sent: Sent,
        request: sspi::credssp::TsRequest,
        now: Duration,
    ) -> State {
        let mut step = Box::new(kerberos::Step::new(sequence, request));
        let state = step.start();
        self.nla_stepped(connector, selected, step, sent, state, now)
    }

    /// Where an sspi step stands: waiting for the KDC, or done with its reply or failure.
    fn nla_stepped(
        &mut self,
        connector: Connector,
        selected: Protocols,
        mut step: Box<kerberos::Step>,
        sent: Sent,
        mut state: GeneratorState<NetworkRequest, kerberos::Outcome>,
        now: Duration,
    ) -> State {
        loop {
            match state {
                GeneratorState::Suspended(network) => match self.kdc_request(network) {
                    Ok(request) => {
                        return State::Credssp {
                            connector,
                            selected,
                            nla: Nla::Kdc {
                                pending: Box::new(kerberos::Pending {
                                    step,
                                    request,
                                    since: now,
                                }),
                                sent,
                            },
                        };
                    }
                    Err(refused) => state = step.resume(Err(refused)),
                },
                GeneratorState::Completed((sequence, result)) => {
                    return self.nla_result(connector, selected, sequence, sent, result, now);
                }
            }
        }
    }

    /// The KDC's reply, or why there is none, for the step waiting on it.
    pub(super) fn nla_kdc(
        &mut self,
        connector: Connector,
        selected: Protocols,
        pending: kerberos::Pending,
        sent: Sent,
        reply: Result<&[u8], KdcFailure>,
        now: Duration,
    ) -> State {
        let kerberos::Pending {
            mut step, request, ..
        } = pending;
        let reply = match reply {
            Ok(bytes) => match self.kdc_reply(&request, bytes) {
                // An MIT KDC's AS-REP, retagged as sspi reads it (see `crate::kerberos`).
                Ok(()) => self
                    .options
                    .credentials
                    .as_ref()
                    .and_then(|c| crate::kerberos::as_rep_for_sspi(bytes, c.password()))
                    .unwrap_or_else(|| bytes.to_vec()),
                Err(failure) => return self.kerberos_failed(failure, now),
            },
            Err(KdcFailure::TimedOut { .. }) if self.phase_expired(now) => {
                let kind = self.timeout(0);
                return self.failed(kind);
            }
            Err(failure) => {
                let failure = self.kdc_failed(&request, failure);
                return self.kerberos_failed(failure, now);
            }
        };
        let state = step.resume(Ok(reply));
        self.nla_stepped(connector, selected, step, sent, state, now)
    }

    /// A finished sspi step: queue its message, or end with its failure.
    fn nla_result(
        &mut self,
        connector: Connector,
        selected: Protocols,
        mut sequence: Box<CredsspSequence>,
        sent: Sent,
        result: sspi::Result<ClientState>,
        now: Duration,
    ) -> State {
        let state = match result {
            Ok(state) => state,
            Err(e) => {
                if let Some(failure) = self.kerberos_error_behind() {
                    return self.kerberos_failed(failure, now);
                }
                return self.failed(sspi_failure(e));
            }
        };
        self.kerberos.last_error = None;
        let is_final = matches!(state, ClientState::FinalMessage(_));
        let mut buf = WriteBuf::new();
        if let Err(e) = sequence.handle_process_result(state, &mut buf) {
            return self.failed(FailureKind::Credssp(CredsspFailure::Local(
                ConnectorError::new(e),
            )));
        }
        self.queue(buf.filled().to_vec());
        let sent = sent.next();
        if !is_final {
            return State::Credssp {
                connector,
                selected,
                nla: Nla::Logon { sequence, sent },
            };
        }
        if selected.contains(Protocols::HYBRID_EX) {
            State::Credssp {
                connector,
                selected,
                nla: Nla::EarlyUserAuth,
            }
        } else {
            self.nla_done(connector, selected)
        }
    }

    fn nla_done(&mut self, mut connector: Connector, selected: Protocols) -> State {
        if !connector.should_perform_credssp() {
            return self.internal(
                "credssp",
                "CredSSP done, but the connector is not at its CredSSP step",
            );
        }
        connector.mark_credssp_as_done();
        self.kerberos_outcome(KerberosOutcome::Succeeded);
        // The phase changes when the session starts (the next poll), so the TSCredentials queued just
        // before count in credssp, where they belong.
        State::Session {
            connector,
            selected,
            encryption: None,
        }
    }

    pub(super) fn nla_frame(
        &mut self,
        connector: Connector,
        selected: Protocols,
        nla: Nla,
        frame: &[u8],
        now: Duration,
    ) -> State {
        let (sequence, sent) = match nla {
            Nla::EarlyUserAuth => return self.early_user_auth(connector, selected, frame),
            Nla::CredentialLess => (None, Sent::Negotiate),
            Nla::Logon { sequence, sent } => (Some(sequence), sent),
            Nla::Kdc { .. } => return self.internal("credssp", "frame while the KDC is asked"),
        };
        let info = match rdp_probe_wire::credssp::parse_ts_request(frame) {
            Ok(info) => info,
            Err(error) => {
                return self.failed(FailureKind::Credssp(CredsspFailure::Malformed {
                    pdu: Pdu::TsRequest,
                    error,
                }));
            }
        };
        if self.report.server.credssp_version.is_none() {
            self.report.server.credssp_version = Some(info.version);
        }
        if info
            .nego_token
            .is_some_and(|t| rdp_probe_wire::ntlm::find_ntlmssp(t).is_some())
        {
            self.server_chose_ntlm();
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
                target_name: challenge.target_name,
                server_time: challenge
                    .timestamp
                    .map(|t| crate::cert::rfc3339(crate::report::filetime_to_unix(t))),
                clock_offset_s: challenge
                    .timestamp
                    .map(|t| crate::report::filetime_to_unix(t).saturating_sub(self.now_unix)),
            });
        }
        if let Some(status) = info.error_code {
            if sent == Sent::Negotiate && self.kerberos_offer_pending() {
                let failure = KerberosFailure::ServerRefused {
                    status: Some(status),
                };
                return self.kerberos_failed(failure, now);
            }
            if let Some(kdc_offset_s) = self.kerberos_skew() {
                let failure = KerberosFailure::ClockSkew {
                    kdc_offset_s,
                    server_status: status,
                };
                return self.kerberos_failed(failure, now);
            }
            return self.failed(FailureKind::Ntstatus { status });
        }
        let Some(mut sequence) = sequence else {
            if self.withheld() {
                // The CHALLENGE is in; the AUTHENTICATE would carry the NTLM response.
                return self.withhold(format!(
                    "the server selected {} (Network Level Authentication); the NTLM AUTHENTICATE would carry an offline-crackable response to a server whose identity nothing vouched for",
                    selected.selected_name()
                ));
            }
            let host = self.target.host().to_owned();
            return self.stop(
                Stop::NeedsCredentials,
                StopReason::NlaRequiresCredentials,
                format!(
                    "the server selected {} (Network Level Authentication): it authenticates before the session starts, so credentials are needed to go further",
                    selected.selected_name()
                ),
                format!(
                    "probe again with credentials to test a logon on {host} (rdp-probe: -u USER, the password on stdin or in RDP_PROBE_PASSWORD)"
                ),
            );
        };
        match sequence.decode_server_message(frame) {
            Ok(Some(request)) => {
                self.nla_process(connector, selected, sequence, sent, request, now)
            }
            Ok(None) => self.nla_done(connector, selected),
            Err(e) => self.failed(FailureKind::Credssp(CredsspFailure::ServerMessage(
                ConnectorError::new(e),
            ))),
        }
    }

    fn early_user_auth(
        &mut self,
        connector: Connector,
        selected: Protocols,
        frame: &[u8],
    ) -> State {
        match rdp_probe_wire::credssp::parse_early_user_auth_result(frame) {
            Ok(result) => {
                self.report.server.early_user_auth_result = Some(result);
                if result == AUTHZ_SUCCESS {
                    self.nla_done(connector, selected)
                } else {
                    self.failed(FailureKind::EarlyUserAuth { result })
                }
            }
            Err(error) => self.failed(FailureKind::Credssp(CredsspFailure::Malformed {
                pdu: Pdu::EarlyUserAuthResult,
                error,
            })),
        }
    }
}
