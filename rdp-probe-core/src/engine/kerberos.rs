//! Kerberos inside CredSSP: the sspi step that can wait for the KDC, the plan (Kerberos or NTLM, and
//! why), and what each KDC reply means. See [`crate::kerberos`] for the design.

use std::time::Duration;

use ironrdp_connector::credssp::{CredsspSequence, KerberosConfig};
use ironrdp_connector::sspi::credssp::{ClientState, TsRequest};
use ironrdp_connector::sspi::generator::{Generator, GeneratorState};
use ironrdp_connector::sspi::{self, ErrorKind, NetworkProtocol, NetworkRequest};
use rdp_probe_codes::CodeSpace;
use rdp_probe_wire::dns;
use rdp_probe_wire::kerberos::{KdcMessage, KdcReply};

use super::Machine;
use crate::failure::{Code, Failure};
use crate::kerberos::{
    KDC_ERR_PREAUTH_REQUIRED, KRB_AP_ERR_SKEW, KdcFailure, KdcRequest, KerberosFailure,
    MAX_CLOCK_SKEW_S, MAX_KDC_EXCHANGES,
};
use crate::kerberos::{KdcLookup, KdcLookupFailure};
use crate::options::Credentials;
use crate::report::{
    AuthPackage, AuthenticationReport, FailureReport, KdcExchangeReport, KdcLookupReport,
    KerberosOutcome, KerberosReport, KerberosSkip,
};
use crate::{Kdc, Phase};

/// How long one KDC exchange may take (the Windows Kerberos client waits a few seconds per KDC, and
/// sspi's own network client 5 s per connect); the phase's limit still applies.
pub const KDC_EXCHANGE_LIMIT: Duration = Duration::from_secs(5);

/// The service class of the SPN a Remote Desktop server registers ([MS-RDPBCGR] 5.4.5.1 by way of
/// [MS-CSSP] 3.1.5: `TERMSRV/<host>`).
const TERMSRV: &str = "TERMSRV";

/// What one sspi step returns: the CredSSP client, handed back, and its result.
pub(super) type Outcome = (Box<CredsspSequence>, sspi::Result<ClientState>);

/// One sspi step that owns its CredSSP client, so that it can stay suspended across driver round trips
/// while the KDC answers (sspi's own generators borrow the client).
pub(super) struct Step(Generator<'static, NetworkRequest, sspi::Result<Vec<u8>>, Outcome>);

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Step")
    }
}

impl Step {
    /// The step that feeds `request` to `sequence`.
    pub(super) fn new(mut sequence: Box<CredsspSequence>, request: TsRequest) -> Self {
        Step(Generator::new(move |mut outer| async move {
            let result = {
                let mut inner = sequence.process_ts_request(request);
                let mut state = inner.start();
                loop {
                    match state {
                        GeneratorState::Completed(result) => break result,
                        GeneratorState::Suspended(network) => {
                            let reply = outer.suspend(network).await;
                            state = inner.resume(reply);
                        }
                    }
                }
            };
            (sequence, result)
        }))
    }

    /// Runs the step until it needs the network or ends.
    pub(super) fn start(&mut self) -> GeneratorState<NetworkRequest, Outcome> {
        self.0.start()
    }

    /// Hands the step the KDC's reply (or why there is none) and runs it on.
    pub(super) fn resume(
        &mut self,
        reply: sspi::Result<Vec<u8>>,
    ) -> GeneratorState<NetworkRequest, Outcome> {
        self.0.resume(reply)
    }
}

/// A KDC exchange in flight.
#[derive(Debug)]
pub(super) struct Pending {
    /// The sspi step waiting for the reply.
    pub(super) step: Box<Step>,
    /// What the driver carries.
    pub(super) request: KdcRequest,
    /// When it was handed to the driver.
    pub(super) since: Duration,
}

/// How long the DNS SRV lookup for the KDC may take (the phase's limit still applies).
pub const KDC_LOOKUP_LIMIT: Duration = Duration::from_secs(2);

/// The Kerberos side of the probe across attempts.
#[derive(Debug, Default)]
pub(super) struct KerberosRun {
    /// Set after a fallback: the next logon is NTLM only.
    pub(super) ntlm_only: bool,
    /// The KDC the DNS SRV lookup found, once it was made (`Some(None)`: it found none).
    pub(super) located: Option<Option<Kdc>>,
    /// What the lookup learned, for every authentication report.
    pub(super) lookup_report: Option<KdcLookupReport>,
    /// The KDC exchanges of the current attempt.
    pub(super) exchanges: usize,
    /// The last KRB-ERROR of the current step, kept until sspi says whether it recovered.
    pub(super) last_error: Option<KerberosFailure>,
}

/// The realm sspi asks: the domain given, else the part after `@` in a UPN.
fn realm_of(creds: &Credentials) -> Option<String> {
    creds
        .domain
        .clone()
        .filter(|d| !d.is_empty())
        .or_else(|| creds.username.rsplit_once('@').map(|(_, r)| r.to_owned()))
        .filter(|r| !r.is_empty())
        .map(|r| r.to_uppercase())
}

impl Machine {
    /// Decides between Kerberos and NTLM for this logon, records why, and gives sspi's Kerberos
    /// configuration when Kerberos is tried.
    pub(super) fn kerberos_plan(&mut self, creds: &Credentials) -> Option<KerberosConfig> {
        self.kerberos.exchanges = 0;
        self.kerberos.last_error = None;
        if self.kerberos.ntlm_only {
            if let Some(auth) = self.report.authentication.as_mut() {
                auth.package = AuthPackage::Ntlm;
            }
            return None;
        }
        let skip = |m: &mut Machine, why: KerberosSkip| {
            m.report.authentication = Some(AuthenticationReport {
                package: AuthPackage::Ntlm,
                kerberos_not_tried: Some(why),
                kerberos: None,
                kdc_lookup: m.kerberos.lookup_report.clone(),
            });
            None
        };
        let located = self.kerberos.located.clone().flatten();
        let Some(kdc) = self.options.kdc.clone().or(located) else {
            return skip(self, KerberosSkip::NoKdc);
        };
        if self.target.ip().is_some() {
            return skip(self, KerberosSkip::TargetIsAddress);
        }
        let Some(realm) = realm_of(creds) else {
            return skip(self, KerberosSkip::NoRealm);
        };
        let hostname = self
            .options
            .client_name
            .clone()
            .unwrap_or_else(|| super::connector::DEFAULT_CLIENT_NAME.to_owned());
        let url = format!("tcp://{kdc}");
        let config = match KerberosConfig::new(Some(url), hostname) {
            Ok(config) => config,
            Err(e) => {
                tracing::warn!(error = %e, "KDC address not usable as a URL; NTLM only");
                return skip(self, KerberosSkip::NoKdc);
            }
        };
        self.report.authentication = Some(AuthenticationReport {
            package: AuthPackage::Kerberos,
            kerberos_not_tried: None,
            kdc_lookup: self.kerberos.lookup_report.clone(),
            kerberos: Some(KerberosReport {
                kdc: kdc.to_string(),
                realm,
                spn: format!("{TERMSRV}/{}", self.target.host()),
                outcome: KerberosOutcome::Unfinished,
                failure: None,
                kdc_clock_offset_s: None,
                exchanges: Vec::new(),
            }),
        });
        Some(config)
    }

    /// The DNS SRV lookup this logon needs first, if any: credentials naming a realm, a target given
    /// by name, no KDC given, [`crate::ProbeOptions::find_kdc`] asked, and no lookup made yet.
    pub(super) fn kdc_lookup_needed(&self, creds: &Credentials) -> Option<KdcLookup> {
        let find = self.options.find_kdc?;
        if self.kerberos.ntlm_only
            || self.kerberos.located.is_some()
            || self.options.kdc.is_some()
            || self.target.ip().is_some()
        {
            return None;
        }
        let realm = realm_of(creds)?;
        Some(KdcLookup {
            name: rdp_probe_wire::dns::kerberos_srv_name(&realm),
            resolver: find.resolver,
        })
    }

    /// The resolver's reply to [`super::Action::LocateKdc`], or why there is none: the first KDC the SRV
    /// records name, in RFC 2782 order, becomes the logon's.
    pub(super) fn kdc_located(
        &mut self,
        lookup: &KdcLookup,
        reply: Result<&[u8], KdcLookupFailure>,
    ) {
        let mut report = KdcLookupReport {
            name: lookup.name.clone(),
            resolver: lookup.resolver.map(|r| r.to_string()),
            rcode: None,
            kdcs: Vec::new(),
            error: None,
        };
        let found = match reply {
            Ok(bytes) => match dns::parse_srv_response(bytes) {
                Ok(mut answer) => {
                    report.rcode = Some(answer.rcode);
                    let unavailable = answer.service_unavailable();
                    dns::order_srv(&mut answer.records);
                    let kdcs: Vec<Kdc> = answer
                        .records
                        .iter()
                        .map(|r| Kdc {
                            host: r.target.clone(),
                            port: r.port,
                        })
                        .collect();
                    report.kdcs = kdcs.iter().map(ToString::to_string).collect();
                    if kdcs.is_empty() {
                        report.error = Some(match answer.rcode {
                            dns::RCODE_NOERROR if unavailable => {
                                "the SRV record says the realm offers no Kerberos service (target \".\")".to_owned()
                            }
                            dns::RCODE_NOERROR => "the DNS answer names no KDC".to_owned(),
                            rcode => format!(
                                "the DNS server answered {}",
                                dns::rcode_name(rcode)
                                    .map_or_else(|| format!("RCODE {rcode}"), str::to_owned)
                            ),
                        });
                    }
                    kdcs.into_iter().next()
                }
                Err(e) => {
                    report.error = Some(format!("the DNS reply does not decode: {e}"));
                    None
                }
            },
            Err(failure) => {
                report.error = Some(failure.to_string());
                None
            }
        };
        self.kerberos.located = Some(found);
        self.kerberos.lookup_report = Some(report);
    }

    fn kerberos_report(&mut self) -> Option<&mut KerberosReport> {
        self.report
            .authentication
            .as_mut()
            .and_then(|a| a.kerberos.as_mut())
    }

    /// Sets the attempt's outcome, if there is a Kerberos attempt still unfinished.
    pub(super) fn kerberos_outcome(&mut self, outcome: KerberosOutcome) {
        if let Some(k) = self.kerberos_report()
            && k.outcome == KerberosOutcome::Unfinished
        {
            k.outcome = outcome;
        }
    }

    /// The server answered the Kerberos offer with an NTLM token.
    pub(super) fn server_chose_ntlm(&mut self) {
        if self
            .kerberos_report()
            .is_some_and(|k| k.outcome == KerberosOutcome::Unfinished)
        {
            self.kerberos_outcome(KerberosOutcome::ServerChoseNtlm);
            if let Some(auth) = self.report.authentication.as_mut() {
                auth.package = AuthPackage::Ntlm;
            }
        }
    }

    /// sspi asks for network I/O: a KDC exchange over TCP, or an error it gets back at once.
    pub(super) fn kdc_request(
        &mut self,
        network: NetworkRequest,
    ) -> Result<KdcRequest, sspi::Error> {
        if network.protocol != NetworkProtocol::Tcp {
            return Err(sspi::Error::new(
                ErrorKind::NoAuthenticatingAuthority,
                format!(
                    "rdp-probe talks to KDCs over TCP only (sspi asked for {:?})",
                    network.protocol
                ),
            ));
        }
        if self.kerberos.exchanges >= MAX_KDC_EXCHANGES {
            return Err(sspi::Error::new(
                ErrorKind::NoAuthenticatingAuthority,
                format!("more than {MAX_KDC_EXCHANGES} KDC exchanges in one logon"),
            ));
        }
        let host = network.url.host_str().unwrap_or_default();
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = network.url.port().unwrap_or(Kdc::DEFAULT_PORT);
        self.kerberos.exchanges += 1;
        let message = rdp_probe_wire::kerberos::strip_tcp_length(&network.data)
            .ok()
            .and_then(rdp_probe_wire::kerberos::kdc_message_kind)
            .unwrap_or(KdcMessage::Unknown(0));
        let sent_bytes = network.data.len();
        if let Some(k) = self.kerberos_report() {
            k.exchanges.push(KdcExchangeReport {
                request: message.name(),
                reply: None,
                error: None,
                sent_bytes,
                received_bytes: 0,
                failure: None,
            });
        }
        Ok(KdcRequest {
            kdc: Kdc { host, port },
            data: network.data,
            message,
        })
    }

    /// Reads a KDC reply: records it, keeps a KRB-ERROR for the verdict, and says whether sspi may have
    /// it (`Err` is the failure when the reply is not Kerberos at all).
    pub(super) fn kdc_reply(
        &mut self,
        request: &KdcRequest,
        reply: &[u8],
    ) -> Result<(), KerberosFailure> {
        let parsed = rdp_probe_wire::kerberos::parse_kdc_reply(reply);
        let now_unix = self.now_unix;
        let (name, error) = match &parsed {
            Ok(KdcReply::Error(krb)) => {
                let failure = KerberosFailure::KdcError {
                    code: krb.error_code,
                    request: request.message,
                    realm: krb.realm.clone(),
                    sname: krb.sname.join("/"),
                    e_text: krb.e_text.clone(),
                };
                if krb.error_code == KRB_AP_ERR_SKEW
                    && let Some(stime) = krb.stime
                    && let Some(k) = self.kerberos_report()
                {
                    // Seconds are enough: the allowed skew is minutes.
                    k.kdc_clock_offset_s = Some(stime.saturating_sub(now_unix));
                }
                self.kerberos.last_error =
                    (krb.error_code != KDC_ERR_PREAUTH_REQUIRED).then_some(failure);
                (
                    "krb_error",
                    Some(Code::server(CodeSpace::Kerberos, krb.error_code)),
                )
            }
            Ok(other) => {
                self.kerberos.last_error = None;
                (other.name(), None)
            }
            Err(_) => ("invalid", None),
        };
        if let Some(k) = self.kerberos_report()
            && let Some(x) = k.exchanges.last_mut()
        {
            x.reply = Some(name);
            x.error = error;
            x.received_bytes = reply.len();
        }
        match parsed {
            Ok(_) => Ok(()),
            Err(error) => Err(KerberosFailure::InvalidReply {
                kdc: request.kdc.clone(),
                error,
            }),
        }
    }

    /// The driver could not complete a KDC exchange.
    pub(super) fn kdc_failed(
        &mut self,
        request: &KdcRequest,
        failure: KdcFailure,
    ) -> KerberosFailure {
        if let Some(k) = self.kerberos_report()
            && let Some(x) = k.exchanges.last_mut()
        {
            x.failure = Some(failure.to_string());
        }
        KerberosFailure::Unreachable {
            kdc: request.kdc.clone(),
            failure,
        }
    }

    /// Whether the Kerberos offer is out and nothing came of it yet: an attempt under way without a KDC
    /// exchange.
    pub(super) fn kerberos_offer_pending(&mut self) -> bool {
        self.kerberos_report()
            .is_some_and(|k| k.outcome == KerberosOutcome::Unfinished && k.exchanges.is_empty())
    }

    /// The KDC's clock offset, when a KRB_AP_ERR_SKEW told it and it is beyond what Kerberos allows, in
    /// a Kerberos attempt still under way.
    pub(super) fn kerberos_skew(&mut self) -> Option<i64> {
        let k = self.kerberos_report()?;
        let offset = k.kdc_clock_offset_s?;
        (k.outcome == KerberosOutcome::Unfinished && offset.abs() > MAX_CLOCK_SKEW_S)
            .then_some(offset)
    }

    /// The failure a finished sspi step gives, when the last KDC answer explains it.
    pub(super) fn kerberos_error_behind(&mut self) -> Option<KerberosFailure> {
        self.kerberos.last_error.take()
    }

    /// Kerberos cannot complete: falls back to NTLM on a new connection where the Windows client would,
    /// else ends the probe with the failure.
    pub(super) fn kerberos_failed(
        &mut self,
        failure: KerberosFailure,
        now: Duration,
    ) -> super::State {
        let report = FailureReport::from(&Failure::new(
            Phase::Credssp,
            crate::FailureKind::Kerberos(failure.clone()),
        ));
        let fall_back = failure.falls_back_to_ntlm() && !self.kerberos.ntlm_only;
        if let Some(k) = self.kerberos_report() {
            k.failure = Some(report);
        }
        if fall_back {
            tracing::debug!(%failure, "Kerberos not possible: reconnecting with NTLM");
            self.kerberos_outcome(KerberosOutcome::FellBackToNtlm);
            self.kerberos.ntlm_only = true;
            self.outgoing.clear();
            // The Kerberos attempt's credssp phase ends as failed; the next attempt starts at tcp_connect.
            self.log.close(crate::phase::PhaseStatus::Failed, now);
            return super::State::Reconnect;
        }
        self.kerberos_outcome(KerberosOutcome::Failed);
        self.failed(crate::FailureKind::Kerberos(failure))
    }
}
