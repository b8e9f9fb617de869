//! FreeRDP's shadow server (`freerdp-shadow-cli`) on an Xvfb display of its own.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::proc::{
    ProcSet, check_tools, fresh_run_dir, listens_and_accepts, run, tail, tool, wait_until,
};
use super::{
    CertKind, LabCa, LabError, ServerCert, display_for_port, display_free, free_port_where,
    loopback, remove_run_dir,
};

/// The lab's NLA user (the default [`ShadowConfig`]).
pub const LAB_USER: &str = "labuser";
/// The lab's NLA password (the default [`ShadowConfig`]).
pub const LAB_PASSWORD: &str = "LabPass1!";

/// The security the shadow server offers.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum ShadowSec {
    /// `/sec:nla`: NLA (CredSSP) only; needs [`ShadowConfig::nla`].
    #[default]
    Nla,
    /// `/sec:tls`: TLS only.
    Tls,
    /// `/sec:rdp`: Standard RDP Security only (encryption method NONE in practice).
    Rdp,
    /// `-sec-nla`: TLS or Standard RDP Security, no authentication.
    NoNla,
}

/// How to configure a shadow server.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ShadowConfig {
    /// The NLA account `(user, password)`: with it the server runs `+auth` with a SAM file made
    /// by `winpr-hash`. Required for [`ShadowSec::Nla`].
    pub nla: Option<(String, String)>,
    /// The security the server offers.
    pub sec: ShadowSec,
}

impl Default for ShadowConfig {
    /// NLA with [`LAB_USER`] / [`LAB_PASSWORD`].
    fn default() -> Self {
        ShadowConfig {
            nla: Some((LAB_USER.to_owned(), LAB_PASSWORD.to_owned())),
            sec: ShadowSec::Nla,
        }
    }
}

/// A running `freerdp-shadow-cli` on 127.0.0.1, sharing its own Xvfb display; both are stopped
/// by [`ShadowServer::stop`] or on drop.
#[derive(Debug)]
pub struct ShadowServer {
    config: ShadowConfig,
    port: u16,
    display: u32,
    run_dir: PathBuf,
    ca: LabCa,
    cert: ServerCert,
    procs: ProcSet,
}

impl ShadowServer {
    /// Starts Xvfb and the shadow server on a free port (whose X display is free too) and waits
    /// until the server accepts connections.
    pub fn start(cfg: ShadowConfig) -> Result<ShadowServer, LabError> {
        Self::start_on(cfg, free_port_where(|p| display_free(display_for_port(p))))
    }

    /// Starts Xvfb on display [`display_for_port`]`(port)` and the shadow server on `port`;
    /// waits (at most 20 s each) until Xvfb answers `xdpyinfo` and the server accepts connections.
    ///
    /// On failure the error carries the tail of the logs, and nothing is left running.
    pub fn start_on(cfg: ShadowConfig, port: u16) -> Result<ShadowServer, LabError> {
        check_tools()?;
        if cfg.sec == ShadowSec::Nla && cfg.nla.is_none() {
            return Err(LabError::InvalidConfig(
                "ShadowSec::Nla needs ShadowConfig::nla".into(),
            ));
        }
        let display = display_for_port(port);
        if !display_free(display) {
            return Err(LabError::InvalidConfig(format!(
                "X display :{display} (for port {port}) is in use"
            )));
        }
        let run_dir = fresh_run_dir("shadow", port)?;
        let ca = LabCa::create(run_dir.join("certs"))?;
        let cert = ca.issue(CertKind::CaSigned, "server")?;
        // The shadow server loads $XDG_CONFIG_HOME/freerdp/shadow/shadow.{crt,key} if present.
        let cfg_home = run_dir.join("cfg");
        let shadow_dir = cfg_home.join("freerdp").join("shadow");
        fs::create_dir_all(&shadow_dir)
            .map_err(|e| LabError::io(format!("creating {}", shadow_dir.display()), e))?;
        for (from, to) in [(&cert.cert, "shadow.crt"), (&cert.key, "shadow.key")] {
            fs::copy(from, shadow_dir.join(to)).map_err(|e| {
                LabError::io(
                    format!("copying {} to {}", from.display(), shadow_dir.display()),
                    e,
                )
            })?;
        }
        let sam = run_dir.join("sam");
        if let Some((user, password)) = &cfg.nla {
            let line =
                run(Command::new(tool("winpr-hash")?)
                    .args(["-u", user, "-p", password, "-f", "sam"]))?;
            fs::write(&sam, line)
                .map_err(|e| LabError::io(format!("writing {}", sam.display()), e))?;
        }

        let mut server = ShadowServer {
            config: cfg,
            port,
            display,
            run_dir,
            ca,
            cert,
            procs: ProcSet::new(),
        };
        match server.launch(&cfg_home, &sam) {
            Ok(()) => Ok(server),
            Err(LabError::NotReady {
                server: what,
                reason,
                ..
            }) => {
                server.procs.stop();
                Err(LabError::NotReady {
                    server: what,
                    reason,
                    log_tail: server.log_tail(),
                })
            }
            Err(e) => Err(e),
        }
    }

    fn launch(&mut self, cfg_home: &Path, sam: &Path) -> Result<(), LabError> {
        let display = format!(":{}", self.display);
        let not_ready = |what: String, reason| LabError::NotReady {
            server: what,
            reason,
            log_tail: String::new(),
        };

        // -noreset: without it the readiness probe's disconnect resets Xvfb, and the shadow
        // server's XOpenDisplay can land in the reset window.
        let mut xvfb = Command::new(tool("Xvfb")?);
        xvfb.args([
            display.as_str(),
            "-nolisten",
            "tcp",
            "-noreset",
            "-screen",
            "0",
            "1024x768x24",
        ]);
        self.procs
            .spawn("Xvfb", &mut xvfb, &self.run_dir.join("xvfb.log"))?;
        // The socket appears before Xvfb accepts clients: ask xdpyinfo.
        let xdpyinfo = tool("xdpyinfo")?;
        wait_until(&mut self.procs, "Xvfb", || {
            Command::new(&xdpyinfo)
                .args(["-display", &display])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map_err(|reason| not_ready(format!("Xvfb {display}"), reason))?;

        let mut shadow = Command::new(tool("freerdp-shadow-cli")?);
        shadow
            .env("DISPLAY", &display)
            .env("HOME", &self.run_dir)
            .env("XDG_CONFIG_HOME", cfg_home)
            .arg("/bind-address:127.0.0.1")
            .arg(format!("/port:{}", self.port));
        if self.config.nla.is_some() {
            shadow
                .arg("+auth")
                .arg(format!("/sam-file:{}", sam.display()));
        }
        shadow.arg(match self.config.sec {
            ShadowSec::Nla => "/sec:nla",
            ShadowSec::Tls => "/sec:tls",
            ShadowSec::Rdp => "/sec:rdp",
            ShadowSec::NoNla => "-sec-nla",
        });
        let pid = self.procs.spawn(
            "freerdp-shadow-cli",
            &mut shadow,
            &self.run_dir.join("shadow.log"),
        )?;
        let addr = self.addr();
        wait_until(&mut self.procs, "freerdp-shadow-cli", || {
            listens_and_accepts(pid, addr)
        })
        .map_err(|reason| not_ready(format!("freerdp-shadow-cli on {addr}"), reason))
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        loopback(self.port)
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Xvfb display number (`:N`).
    pub fn display(&self) -> u32 {
        self.display
    }

    /// The run directory (HOME, XDG_CONFIG_HOME, SAM file, certificates, logs).
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The configuration the server was started with.
    pub fn config(&self) -> &ShadowConfig {
        &self.config
    }

    /// The lab CA certificate (PEM) that signed the server certificate.
    pub fn ca_cert(&self) -> &Path {
        self.ca.cert_path()
    }

    /// The server certificate the shadow server presents.
    pub fn cert(&self) -> &ServerCert {
        &self.cert
    }

    /// The process group ids the lab started for this server (Xvfb, the shadow server, the
    /// watchdog; each is also its leader's pid). Empty once stopped.
    pub fn pgids(&self) -> Vec<u32> {
        self.procs.pgids()
    }

    /// The last lines of the shadow server's and Xvfb's output.
    pub fn log_tail(&self) -> String {
        tail(&self.run_dir.join("shadow.log"), 40) + &tail(&self.run_dir.join("xvfb.log"), 20)
    }

    /// Stops the shadow server and Xvfb, then removes the run directory.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for ShadowServer {
    fn drop(&mut self) {
        self.procs.stop();
        remove_run_dir(&self.run_dir);
    }
}
