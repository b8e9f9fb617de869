//! xrdp, run as `xrdp --nodaemon --config <run dir>/xrdp.ini`.

use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::proc::{
    ProcSet, check_tools, fresh_run_dir, listens_and_accepts, tail, tool, wait_until,
};
use super::{CertKind, LabCa, LabError, ServerCert, free_port, loopback, remove_run_dir};

/// xrdp's `security_layer`.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum SecurityLayer {
    /// `negotiate`: TLS if the client asks for it, else Standard RDP Security.
    #[default]
    Negotiate,
    /// `tls`: TLS only.
    Tls,
    /// `rdp`: Standard RDP Security only.
    Rdp,
}

impl SecurityLayer {
    fn ini(self) -> &'static str {
        match self {
            SecurityLayer::Negotiate => "negotiate",
            SecurityLayer::Tls => "tls",
            SecurityLayer::Rdp => "rdp",
        }
    }
}

/// xrdp's `crypt_level` (Standard RDP Security only).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum CryptLevel {
    /// `none`.
    None,
    /// `low`.
    Low,
    /// `medium`: ENCRYPTION_LEVEL_CLIENT_COMPATIBLE ([MS-RDPBCGR] 5.3.1). xrdp names this level
    /// `medium` (`man xrdp.ini`); an unknown value such as `client` silently means `high`.
    Client,
    /// `high`.
    #[default]
    High,
    /// `fips`.
    Fips,
}

impl CryptLevel {
    fn ini(self) -> &'static str {
        match self {
            CryptLevel::None => "none",
            CryptLevel::Low => "low",
            CryptLevel::Client => "medium",
            CryptLevel::High => "high",
            CryptLevel::Fips => "fips",
        }
    }
}

/// How to configure an xrdp server.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct XrdpConfig {
    /// `security_layer`.
    pub security_layer: SecurityLayer,
    /// `crypt_level`.
    pub crypt_level: CryptLevel,
    /// `ssl_protocols`, e.g. `"TLSv1.2, TLSv1.3"`, `"TLSv1"`, `"TLSv1.3"`.
    pub tls_protocols: &'static str,
    /// The certificate xrdp presents.
    pub cert: CertKind,
    /// `tls_ciphers`, e.g. `Some("DEFAULT@SECLEVEL=0")` (needed for TLS 1.0 under OpenSSL 3).
    pub tls_ciphers: Option<&'static str>,
    /// Whether OpenSSL sends its TLS 1.3 session tickets after the handshake (its default, `true`).
    ///
    /// OpenSSL's stateless tickets encrypt a DER-encoded session that holds a random 32-bit value
    /// (`ticket_age_add`), so now and then a ticket is a cipher block shorter: about one connection
    /// in 240 receives 16 bytes fewer. With `false`, xrdp runs under an OpenSSL configuration file
    /// that sets `NumTickets = 0`, and every connection receives the same bytes.
    pub session_tickets: bool,
}

impl Default for XrdpConfig {
    /// Negotiate, crypt level high, TLS 1.2 and 1.3, a CA-signed certificate: like a stock xrdp.
    fn default() -> Self {
        XrdpConfig {
            security_layer: SecurityLayer::Negotiate,
            crypt_level: CryptLevel::High,
            tls_protocols: "TLSv1.2, TLSv1.3",
            cert: CertKind::CaSigned,
            tls_ciphers: None,
            session_tickets: true,
        }
    }
}

/// A running xrdp on 127.0.0.1, stopped by [`XrdpServer::stop`] or on drop.
///
/// xrdp runs with `fork=true`: each connection is served by a forked child in the same process
/// group, so stopping the group stops them too.
#[derive(Debug)]
pub struct XrdpServer {
    config: XrdpConfig,
    port: u16,
    run_dir: PathBuf,
    ca: LabCa,
    cert: ServerCert,
    procs: ProcSet,
}

impl XrdpServer {
    /// Starts xrdp on a [`free_port`] and waits until it accepts connections.
    pub fn start(cfg: XrdpConfig) -> Result<XrdpServer, LabError> {
        Self::start_on(cfg, free_port())
    }

    /// Starts xrdp on `port` and waits until it accepts connections (at most 20 s).
    ///
    /// On failure the error carries the tail of xrdp's logs, and nothing is left running.
    pub fn start_on(cfg: XrdpConfig, port: u16) -> Result<XrdpServer, LabError> {
        check_tools()?;
        let run_dir = fresh_run_dir("xrdp", port)?;
        let ca = LabCa::create(run_dir.join("certs"))?;
        let cert = ca.issue(cfg.cert, "server")?;
        let ini = run_dir.join("xrdp.ini");
        fs::write(&ini, xrdp_ini(&cfg, port, &cert, &run_dir))
            .map_err(|e| LabError::io(format!("writing {}", ini.display()), e))?;
        let mut server = XrdpServer {
            config: cfg,
            port,
            run_dir,
            ca,
            cert,
            procs: ProcSet::new(),
        };
        let mut cmd = Command::new(tool("xrdp")?);
        cmd.arg("--nodaemon")
            .arg("--config")
            .arg(&ini)
            .env("HOME", &server.run_dir);
        if !server.config.session_tickets {
            let conf = server.run_dir.join("openssl.cnf");
            fs::write(&conf, NO_TICKETS_OPENSSL_CNF)
                .map_err(|e| LabError::io(format!("writing {}", conf.display()), e))?;
            cmd.env("OPENSSL_CONF", &conf);
        }
        let pid = server
            .procs
            .spawn("xrdp", &mut cmd, &server.run_dir.join("xrdp.out"))?;
        let addr = server.addr();
        if let Err(reason) =
            wait_until(&mut server.procs, "xrdp", || listens_and_accepts(pid, addr))
        {
            server.procs.stop();
            return Err(LabError::NotReady {
                server: format!("xrdp on {addr}"),
                reason,
                log_tail: server.log_tail(),
            });
        }
        Ok(server)
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        loopback(self.port)
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The run directory (ini, certificates, logs).
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The configuration the server was started with.
    pub fn config(&self) -> &XrdpConfig {
        &self.config
    }

    /// The lab CA certificate (PEM) that signed the server certificate.
    pub fn ca_cert(&self) -> &Path {
        self.ca.cert_path()
    }

    /// The server certificate and key configured in xrdp.ini.
    pub fn cert(&self) -> &ServerCert {
        &self.cert
    }

    /// The process group ids the lab started for this server (each is also its leader's pid),
    /// including the watchdog's. Empty once stopped.
    pub fn pgids(&self) -> Vec<u32> {
        self.procs.pgids()
    }

    /// The last lines of xrdp's log file and of its stdout/stderr.
    pub fn log_tail(&self) -> String {
        tail(&self.run_dir.join("xrdp.log"), 40) + &tail(&self.run_dir.join("xrdp.out"), 20)
    }

    /// Stops xrdp and every connection child (about 1.5 s), then removes the run directory.
    pub fn stop(self) {
        drop(self);
    }
}

/// An OpenSSL configuration whose only setting is no TLS 1.3 session tickets ([`XrdpConfig::session_tickets`]).
/// OpenSSL applies `system_default` to every `SSL_CTX` a program creates.
const NO_TICKETS_OPENSSL_CNF: &str = "\
openssl_conf = lab_init
[lab_init]
ssl_conf = lab_ssl
[lab_ssl]
system_default = lab_tls
[lab_tls]
NumTickets = 0
";

impl Drop for XrdpServer {
    fn drop(&mut self) {
        self.procs.stop();
        remove_run_dir(&self.run_dir);
    }
}

/// The generated xrdp.ini.
fn xrdp_ini(cfg: &XrdpConfig, port: u16, cert: &ServerCert, run_dir: &Path) -> String {
    let mut ini = String::new();
    let _ = write!(
        ini,
        "[Globals]\n\
         ini_version=1\n\
         fork=true\n\
         port=tcp://127.0.0.1:{port}\n\
         use_vsock=false\n\
         tcp_nodelay=true\n\
         tcp_keepalive=true\n\
         security_layer={}\n\
         crypt_level={}\n\
         certificate={}\n\
         key_file={}\n\
         ssl_protocols={}\n",
        cfg.security_layer.ini(),
        cfg.crypt_level.ini(),
        cert.cert.display(),
        cert.key.display(),
        cfg.tls_protocols,
    );
    if let Some(ciphers) = cfg.tls_ciphers {
        let _ = writeln!(ini, "tls_ciphers={ciphers}");
    }
    let _ = write!(
        ini,
        "autorun=\n\
         allow_channels=true\n\
         allow_multimon=true\n\
         bitmap_cache=true\n\
         bitmap_compression=true\n\
         bulk_compression=true\n\
         max_bpp=32\n\
         new_cursors=true\n\
         use_fastpath=both\n\
         \n\
         [Logging]\n\
         LogFile={}\n\
         LogLevel=DEBUG\n\
         EnableSyslog=false\n\
         EnableConsole=false\n\
         \n\
         [Channels]\n\
         rdpdr=true\n\
         rdpsnd=true\n\
         drdynvc=true\n\
         cliprdr=true\n\
         rail=true\n\
         xrdpvr=true\n\
         \n\
         [Xorg]\n\
         name=Xorg\n\
         lib=libxup.so\n\
         username=ask\n\
         password=ask\n\
         ip=127.0.0.1\n\
         port=-1\n\
         code=20\n",
        run_dir.join("xrdp.log").display(),
    );
    ini
}
