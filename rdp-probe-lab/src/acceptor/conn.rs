//! One connection of the acceptor server: IronRDP's server state machine driven step by step over
//! tokio, TLS by rustls, CredSSP by sspi's server through `ironrdp_acceptor::credssp`.
//!
//! The acceptor's own async drivers `accept_credssp` and `accept_finalize` await the futures of
//! its `ConnectionSetupHandler` hooks, which are `async_trait(?Send)`, so their futures are not
//! `Send` and cannot be spawned on a multi-threaded runtime; their framing also trusts the length a
//! client announces. This module drives the same sans-I/O state machine (`Acceptor` as a
//! `Sequence`, `CredsspSequence`) itself, with every read and every wait bounded.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use ironrdp_acceptor::credssp::{CredsspProcessGenerator, CredsspSequence};
use ironrdp_acceptor::{Acceptor, AcceptorState, ConnectorError};
use ironrdp_connector::sspi::credssp::{
    EarlyUserAuthResult, NStatusCode, ServerError, ServerState, TsRequest,
};
use ironrdp_connector::sspi::generator::GeneratorState;
use ironrdp_connector::sspi::{self, AuthIdentity, Username};
use ironrdp_connector::{Sequence, ServerName};
use ironrdp_pdu::WriteBuf;
use ironrdp_pdu::nego::SecurityProtocol;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::kerberos::KerberosService;
use super::link::Link;
use super::{AcceptorScenario, setup};

/// The most the whole connection sequence may take, from the TCP accept to the end of the
/// Connection Finalization ([MS-RDPBCGR] 1.3.1.1).
pub(super) const HANDSHAKE_LIMIT: Duration = Duration::from_secs(30);

/// How long an accepted session is kept open for a client that neither speaks nor closes.
pub(super) const SESSION_LIMIT: Duration = Duration::from_secs(600);

/// The workstation name handed to sspi's NTLM server configuration (the server side does not put
/// it on the wire).
const NTLM_WORKSTATION: &str = "rdp-probe-lab";

/// How often an sspi generator may ask for network I/O (Kerberos KDC exchanges) before the server
/// gives up.
const MAX_GENERATOR_RESUMES: usize = 16;

fn timed_out(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("{what}: the connection sequence took longer than {HANDSHAKE_LIMIT:?}"),
    )
}

fn connector_error(e: &ConnectorError) -> io::Error {
    io::Error::other(e.report().to_string())
}

/// The acceptor's current state, when it is one of its own.
fn state_of(acceptor: &Acceptor) -> Option<&AcceptorState> {
    acceptor.state().as_any().downcast_ref::<AcceptorState>()
}

/// Serves one accepted TCP connection with `scenario`, with Kerberos when `kerberos` says how.
pub(super) async fn serve(
    stream: TcpStream,
    scenario: AcceptorScenario,
    kerberos: Option<Arc<KerberosService>>,
) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + HANDSHAKE_LIMIT;
    let mut acceptor = setup::acceptor(scenario);

    // Connection Initiation ([MS-RDPBCGR] 1.3.1.1): X.224 Connection Request -> Confirm (or
    // RDP_NEG_FAILURE when no protocol is in common), on plain TCP.
    let mut tcp = Link::new(stream);
    let initiation = timeout_at(deadline, async {
        while acceptor.reached_security_upgrade().is_none() {
            step(&mut acceptor, &mut tcp).await?;
        }
        Ok::<_, io::Error>(())
    })
    .await
    .map_err(|_| timed_out("X.224"))?;
    if let Err(e) = initiation {
        let _ = tcp.close().await;
        return Err(e);
    }
    let security = acceptor
        .reached_security_upgrade()
        .unwrap_or(SecurityProtocol::empty());
    let (tcp, early) = tcp.into_parts();
    if security.is_empty() || !early.is_empty() {
        // Every scenario selects a TLS-based protocol, and a client must not speak before the
        // TLS handshake ([MS-RDPBCGR] 5.4.5.1).
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no TLS upgrade after the Connection Confirm",
        ));
    }

    // The security upgrade ([MS-RDPBCGR] 5.4.5.1): a TLS handshake, then CredSSP for HYBRID(_EX).
    acceptor.mark_security_upgrade_as_done();
    let tls = timeout_at(deadline, crate::scripted::tls::acceptor()?.accept(tcp))
        .await
        .map_err(|_| timed_out("TLS"))??;
    let mut link = Link::new(tls);

    if acceptor.should_perform_credssp() {
        let protocol = match state_of(&acceptor) {
            Some(AcceptorState::Credssp { protocol, .. }) => *protocol,
            _ => SecurityProtocol::HYBRID,
        };
        let public_key = crate::scripted::tls::public_key()?;
        let authorized = scenario != AcceptorScenario::EarlyUserAuthDenied;
        let nla = timeout_at(
            deadline,
            credssp(
                &mut link,
                protocol,
                public_key,
                authorized,
                kerberos.as_deref(),
            ),
        )
        .await
        .map_err(|_| timed_out("CredSSP"))?;
        if let Err(e) = nla {
            let _ = link.close().await;
            return Err(e);
        }
        acceptor.mark_credssp_as_done();
    }

    // Basic Settings Exchange through Connection Finalization ([MS-RDPBCGR] 1.3.1.1).
    let session = timeout_at(deadline, async {
        loop {
            if acceptor.get_result().is_some() {
                return Ok(true);
            }
            if scenario == AcceptorScenario::InsufficientPrivileges
                && matches!(
                    state_of(&acceptor),
                    Some(AcceptorState::LicensingExchange { .. })
                )
            {
                let refusal = access_denied(&acceptor)?;
                link.send(&refusal).await?;
                return Ok(false);
            }
            step(&mut acceptor, &mut link).await?;
        }
    })
    .await
    .map_err(|_| timed_out("connection sequence"))?;
    match session {
        // Connected: keep the session open, reading and discarding, until the client closes.
        Ok(true) => {
            let _ = tokio::time::timeout(SESSION_LIMIT, link.drain()).await;
            link.close().await
        }
        Ok(false) => link.close().await,
        Err(e) => {
            let _ = link.close().await;
            Err(e)
        }
    }
}

/// One step of the acceptor: read the PDU it waits for (if any), step, send what it wrote.
///
/// The acceptor may encode an answer and still fail the step (RDP_NEG_FAILURE when no protocol is
/// in common, Set Error Info when Client Info credentials do not match): what it wrote is sent
/// either way, then the error is returned.
async fn step<S>(acceptor: &mut Acceptor, link: &mut Link<S>) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut out = WriteBuf::new();
    let result = match acceptor.next_pdu_hint() {
        Some(hint) => {
            let pdu = link.read_pdu(hint).await?;
            acceptor.step(&pdu, None, &mut out)
        }
        None => acceptor.step_no_input(&mut out),
    };
    link.send(out.filled()).await?;
    result.map(|_| ()).map_err(|e| connector_error(&e))
}

/// The refusal after the Client Info PDU, before licensing: the acceptor's Set Error Info PDU
/// `ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES` ([MS-RDPBCGR] 2.2.5.1.1), empty when the client did
/// not announce `RNS_UD_CS_SUPPORT_ERRINFO_PDU` ([MS-RDPBCGR] 2.2.1.3.2).
fn access_denied(acceptor: &Acceptor) -> io::Result<Vec<u8>> {
    let mut out = WriteBuf::new();
    let written = acceptor
        .encode_access_denied(&mut out)
        .map_err(|e| connector_error(&e))?;
    Ok(out.filled().get(..written).unwrap_or_default().to_vec())
}

/// The server side of CredSSP ([MS-CSSP] 3.1.5) with NTLM against the lab account, then, for
/// HYBRID_EX, the Early User Authorization Result PDU ([MS-RDPBCGR] 2.2.10.2).
///
/// A wrong password makes sspi fail the NTLM AUTHENTICATE with `LogonDenied`, which the acceptor
/// answers with a TSRequest carrying `errorCode` `STATUS_LOGON_FAILURE` (0xC000006D,
/// [MS-CSSP] 2.2.1). As IronRDP's own driver does, a HYBRID_EX server then also sends the Early
/// User Authorization Result `AUTHZ_ACCESS_DENIED` (5).
///
/// When the account is not `authorized` (it may not log on through Remote Desktop Services), a
/// successful CredSSP exchange is still answered with `AUTHZ_ACCESS_DENIED` ([MS-RDPBCGR]
/// 2.2.10.2) and the connection ends.
async fn credssp<S>(
    link: &mut Link<S>,
    protocol: SecurityProtocol,
    public_key: Vec<u8>,
    authorized: bool,
    kerberos: Option<&KerberosService>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let account = setup::lab_credentials();
    let config = kerberos.map(KerberosService::server_config).transpose()?;
    let refuse_ntlm = kerberos.is_some_and(|k| k.refuse_ntlm);
    // The client's first TSRequest says which package it logs on with; it decides the name the lab
    // account goes by, as sspi's Negotiate server compares it with the authenticated name: a UPN
    // (`user@realm`) after Kerberos, `REALM\user` after NTLM inside Negotiate.
    let first = {
        let nobody = AuthIdentity {
            username: Username::new(&account.username, None).map_err(io::Error::other)?,
            password: String::new().into(),
        };
        let reader =
            CredsspSequence::init(&nobody, ServerName::new(NTLM_WORKSTATION), Vec::new(), None)
                .map_err(|e| connector_error(&e))?;
        let hint = reader
            .next_pdu_hint()
            .map_err(|e| connector_error(&e))?
            .ok_or_else(|| io::Error::other("CredSSP over before it began"))?;
        link.read_pdu(hint).await?
    };
    let first_request = TsRequest::from_buffer(&first).map_err(io::Error::other)?;
    let ntlm_logon = first_request
        .nego_tokens
        .as_deref()
        .is_some_and(super::kerberos::is_ntlm);
    // A bare NTLMSSP token (what a client that does not wrap NTLM in SPNEGO sends) goes straight to
    // NTLM, as Windows' acceptor takes it; sspi's Negotiate server would expect SPNEGO.
    let raw_ntlm = first_request
        .nego_tokens
        .as_deref()
        .is_some_and(|t| t.starts_with(super::kerberos::NTLMSSP));
    let config = if raw_ntlm { None } else { config };
    let username = match kerberos {
        Some(k) if ntlm_logon && !raw_ntlm => Username::new(&account.username, Some(&k.realm)),
        Some(k) if !ntlm_logon => {
            Username::new_upn(&account.username, &k.realm.to_ascii_lowercase())
        }
        _ => Username::new(&account.username, account.domain.as_deref()),
    }
    .map_err(io::Error::other)?;
    let identity = AuthIdentity {
        username,
        password: account.password.into(),
    };
    let mut sequence = CredsspSequence::init(
        &identity,
        ServerName::new(NTLM_WORKSTATION),
        public_key,
        config,
    )
    .map_err(|e| connector_error(&e))?;

    let mut pending = Some(first_request);
    let result = loop {
        let request = if let Some(request) = pending.take() {
            request
        } else {
            let hint = match sequence.next_pdu_hint() {
                Ok(Some(hint)) => hint,
                Ok(None) => break Ok(()),
                Err(e) => break Err(connector_error(&e)),
            };
            let pdu = link.read_pdu(hint).await?;
            match sequence.decode_client_message(&pdu) {
                Ok(Some(request)) => request,
                Ok(None) => break Ok(()),
                Err(e) => break Err(connector_error(&e)),
            }
        };
        if refuse_ntlm
            && request
                .nego_tokens
                .as_deref()
                .is_some_and(super::kerberos::is_ntlm)
        {
            // A server that refuses NTLM by policy: the logon fails with STATUS_NTLM_BLOCKED.
            let refusal = TsRequest {
                error_code: Some(NStatusCode(super::kerberos::STATUS_NTLM_BLOCKED)),
                ..TsRequest::default()
            };
            let mut out = WriteBuf::new();
            let len = usize::from(refusal.buffer_len().map_err(io::Error::other)?);
            refusal
                .encode_ts_request(out.unfilled_to(len))
                .map_err(io::Error::other)?;
            out.advance(len);
            link.send(out.filled()).await?;
            break Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "NTLM refused by policy",
            ));
        }
        let processed = resolve(sequence.process_ts_request(request), kerberos).await;
        let mut out = WriteBuf::new();
        if let Err(e) = sequence.handle_process_result(processed, &mut out) {
            break Err(connector_error(&e));
        }
        link.send(out.filled()).await?;
    };

    let result = result.and_then(|()| {
        if authorized {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the lab account may not log on through Remote Desktop Services",
            ))
        }
    });
    if protocol.contains(SecurityProtocol::HYBRID_EX) {
        let authz = if result.is_ok() {
            EarlyUserAuthResult::Success
        } else {
            EarlyUserAuthResult::AccessDenied
        };
        let mut bytes = Vec::with_capacity(authz.buffer_len());
        authz.to_buffer(&mut bytes)?;
        link.send(&bytes).await?;
    }
    result
}

/// Runs an sspi generator to its end. NTLM never suspends; Kerberos asks for KDC exchanges, which
/// go to the lab KDC over TCP, a bounded number of times.
async fn resolve(
    mut generator: CredsspProcessGenerator<'_>,
    kerberos: Option<&KerberosService>,
) -> Result<ServerState, ServerError> {
    let mut state = generator.start();
    for _ in 0..MAX_GENERATOR_RESUMES {
        match state {
            GeneratorState::Completed(result) => return result,
            GeneratorState::Suspended(request) => {
                let reply = super::kerberos::exchange(&request, kerberos).await;
                state = generator.resume(reply);
            }
        }
    }
    match state {
        GeneratorState::Completed(result) => result,
        GeneratorState::Suspended(_) => Err(ServerError {
            ts_request: None,
            error: sspi::Error::new(
                sspi::ErrorKind::InternalError,
                "sspi kept asking for network I/O",
            ),
        }),
    }
}
