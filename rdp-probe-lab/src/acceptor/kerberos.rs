//! Kerberos for the acceptor: sspi's Negotiate server with a Kerberos configuration, its KDC
//! traffic carried over TCP to the lab's MIT KDC, and a server that refuses NTLM by policy.
//!
//! sspi's CredSSP client uses Kerberos user-to-user ([MS-KILE] 3.3.5.7.8 ... the client's first
//! token asks for the server's ticket-granting ticket): the server logs on to the KDC itself with
//! [`KerberosService::account`] and hands its TGT to the client, which then asks the KDC for a
//! ticket to `TERMSRV/<host>` encrypted in that TGT's session key. For a logon to succeed the
//! account must be the `TERMSRV/<host>` principal (the KDC checks that the ticket's server is the
//! TGT's client); an account of another name lets the KDC's own answer about the SPN decide.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ironrdp_connector::sspi::kerberos::ServerProperties;
use ironrdp_connector::sspi::{
    self, AuthIdentityBuffers, CredentialsBuffers, KerberosConfig, KerberosServerConfig,
    NetworkRequest,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one KDC exchange of the server may take.
const KDC_LIMIT: Duration = Duration::from_secs(5);

/// The largest KDC reply the server reads.
const KDC_REPLY_MAX: usize = 1 << 20;

/// The clock skew the server allows in an authenticator (MIT's and Windows' default, 5 minutes).
pub const MAX_TIME_SKEW: Duration = Duration::from_secs(300);

/// The NTLMSSP signature that starts every NTLM message ([MS-NLMP] 2.2.1).
pub(super) const NTLMSSP: &[u8] = b"NTLMSSP\0";

/// STATUS_NTLM_BLOCKED ([MS-ERREF] 2.3.1): what the server answers an NTLM logon with when it
/// refuses NTLM by policy.
pub const STATUS_NTLM_BLOCKED: u32 = 0xC000_0418;

/// How the acceptor does Kerberos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerberosService {
    /// The KDC (the lab's `krb5kdc`).
    pub kdc: SocketAddr,
    /// The realm.
    pub realm: String,
    /// The host part of the SPN the server answers to (`TERMSRV/<host>`).
    pub host: String,
    /// The principal the server logs on to the KDC as, without realm, and its password.
    pub account: (String, String),
    /// Refuse NTLM by policy: an NTLM logon is answered with `STATUS_NTLM_BLOCKED`.
    pub refuse_ntlm: bool,
}

impl KerberosService {
    /// sspi's server configuration.
    pub(super) fn server_config(&self) -> io::Result<KerberosServerConfig> {
        let (name, password) = &self.account;
        let user = CredentialsBuffers::AuthIdentity(AuthIdentityBuffers::new(
            name.as_str().into(),
            self.realm.as_str().into(),
            password.as_str().into(),
        ));
        let properties =
            ServerProperties::new(&["TERMSRV", &self.host], Some(user), MAX_TIME_SKEW, None)
                .map_err(io::Error::other)?;
        Ok(KerberosServerConfig {
            kerberos_config: KerberosConfig::new(
                &format!("tcp://{}", self.kdc),
                "rdp-probe-lab".to_owned(),
            ),
            server_properties: properties,
        })
    }
}

/// Whether a client's first token is an NTLM logon (raw NTLMSSP, or NTLM inside SPNEGO).
pub(super) fn is_ntlm(token: &[u8]) -> bool {
    token.windows(NTLMSSP.len()).any(|w| w == NTLMSSP)
}

/// Carries one sspi KDC request over TCP ([RFC 4120] 7.2.2) and returns the reply with its length
/// prefix, as sspi expects it (an MIT AS-REP retagged for sspi with the service's password, as the
/// probe does: [`rdp_probe_core::kerberos::as_rep_for_sspi`]).
pub(super) async fn exchange(
    request: &NetworkRequest,
    service: Option<&KerberosService>,
) -> sspi::Result<Vec<u8>> {
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        sspi::Error::new(
            sspi::ErrorKind::NoAuthenticatingAuthority,
            format!("lab KDC exchange: {what}: {e}"),
        )
    };
    let host = request.url.host_str().unwrap_or_default().to_owned();
    let port = request.url.port().unwrap_or(88);
    let work = async {
        let mut stream = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| failed("connect", &e))?;
        stream
            .write_all(&request.data)
            .await
            .map_err(|e| failed("send", &e))?;
        let mut prefix = [0u8; 4];
        stream
            .read_exact(&mut prefix)
            .await
            .map_err(|e| failed("read", &e))?;
        let len = usize::try_from(u32::from_be_bytes(prefix))
            .ok()
            .filter(|&n| n <= KDC_REPLY_MAX)
            .ok_or_else(|| failed("reply", &"too large"))?;
        let mut reply = vec![0u8; 4 + len];
        reply[..4].copy_from_slice(&prefix);
        stream
            .read_exact(&mut reply[4..])
            .await
            .map_err(|e| failed("read", &e))?;
        Ok::<_, sspi::Error>(reply)
    };
    let reply: Vec<u8> = tokio::time::timeout(KDC_LIMIT, work)
        .await
        .map_err(|_| failed("wait", &"no reply in time"))??;
    let password = service.map(|s| s.account.1.as_str()).unwrap_or_default();
    Ok(rdp_probe_core::kerberos::as_rep_for_sspi(&reply, password).unwrap_or(reply))
}
