//! A real MIT Kerberos KDC (`krb5kdc`) on 127.0.0.1, started and stopped by tests.
//!
//! [`KdcServer::start`] makes a realm of its own in a fresh run directory
//! (`temp_dir()/rdp-probe-lab/kdc-<port>-<pid>`) and runs `krb5kdc -n` in its own process group,
//! like the lab's RDP servers: stopped by [`KdcServer::stop`], on drop, or by the watchdog if the
//! test process dies. Nothing outside the run directory is read or written: every tool gets
//! `KRB5_CONFIG=<run dir>/krb5.conf` and `KRB5_KDC_PROFILE=<run dir>/kdc.conf`, so
//! `/etc/krb5.conf` and `/etc/krb5kdc` (which the Debian packages install) are never used, and
//! the packages' own `krb5-kdc` / `krb5-admin-server` services are not needed (no kadmind).
//!
//! # The realm
//!
//! * `kdb5_util create -s -P <master password> -r REALM` creates the database (`database_name`)
//!   and the stash file (`key_stash_file`) in the run directory, without prompting.
//! * `kadmin.local -q "addprinc -pw PW name"` adds every user and service principal. Note that
//!   `kadmin.local -q` exits 0 even when the query fails (MIT krb5 1.20), so its output is checked
//!   for `Principal "name@REALM" created.`.
//! * `kadmin.local -q "ktadd -k <run dir>/service.keytab -norandkey name"` exports the service
//!   keys; `-norandkey` keeps the password-derived keys, so a service key depends only on the
//!   password and the salt (realm + principal components) and is the same in every run.
//!
//! # Why each setting
//!
//! `kdc.conf`:
//! * `kdc_listen` / `kdc_tcp_listen = 127.0.0.1:PORT` (and `kdc_ports` / `kdc_tcp_ports = PORT`,
//!   which older KDCs read and newer ones override with the `*_listen` entries): UDP and TCP on the
//!   same free port, loopback only. The port is checked free for both protocols.
//! * `default_principal_flags = +preauth`: every principal requires pre-authentication, so a wrong
//!   password is refused by the KDC (`KDC_ERR_PREAUTH_FAILED`, 24) instead of answered with a
//!   ticket encrypted in the right key that only the client fails to decrypt.
//! * `supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal`: the two
//!   enctypes every Windows client and server speaks (18 and 17), with the normal
//!   (realm + principal) salt; `master_key_type` is aes256 too.
//! * `[logging] kdc = FILE:<run dir>/kdc.log`: the KDC's per-request log (`AS_REQ ... ISSUE`,
//!   `PREAUTH_FAILED`, ...), shown in errors by [`KdcServer::log_tail`].
//!
//! `krb5.conf` (the client side, for `kinit` and anything else pointed at
//! [`KdcServer::krb5_conf`]):
//! * `kdc = 127.0.0.1:PORT`, no DNS lookups (`dns_lookup_kdc`, `dns_lookup_realm`, `rdns`).
//! * `clockskew =` [`CLOCK_SKEW_SECS`]: the tolerance of the KDC and of the client, spelled out.
//! * `kdc_timesync = 0`: by default MIT's client takes the KDC's time from the
//!   `KDC_ERR_PREAUTH_REQUIRED` error and timestamps its pre-authentication with it, so a KDC
//!   whose clock is an hour off issues tickets anyway. With 0 the client uses its own clock, and a
//!   skewed KDC answers `KRB_AP_ERR_SKEW` (37): `kinit` prints
//!   `kinit: Clock skew too great while getting initial credentials`.
//!
//! # A KDC with a shifted clock
//!
//! With [`KdcConfig::clock_offset_secs`] the KDC runs with libfaketime preloaded and
//! `FAKETIME=+Ns` (or `-Ns`): exactly what `faketime -f +Ns krb5kdc ...` sets, but without the
//! `faketime` wrapper, which forks (so `krb5kdc` would not lead the process group) and, when
//! stopped by SIGTERM, leaves `/dev/shm/faketime_shm_<pid>` and `sem.faketime_sem_<pid>` behind.
//! Before the KDC starts, `date +%s` is run under the same preload to check that the clock really
//! is shifted (a missing library would otherwise only be a warning of the dynamic loader).
//!
//! # Service keys
//!
//! [`KdcServer::service_key`] reads the exported keytab with a small parser of the MIT keytab
//! file format (version 0x0502) in this module, not with `klist`.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::proc::{ProcSet, find_tool, fresh_run_dir, listens_and_accepts, tail, tool, wait_until};
use super::{
    LAB_PASSWORD, LAB_USER, LOOPBACK, LabError, free_port_where, loopback, remove_run_dir,
};

/// The lab's Kerberos realm (the default [`KdcConfig::realm`]).
pub const LAB_REALM: &str = "RDP-PROBE.TEST";
/// The lab's RDP service principal, without the realm (the default [`KdcConfig::services`]).
pub const LAB_SERVICE: &str = "TERMSRV/localhost";
/// The password [`LAB_SERVICE`]'s keys are derived from (the default [`KdcConfig::services`]).
pub const LAB_SERVICE_PASSWORD: &str = "TermSrvLab1!";
/// Kerberos enctype number of aes256-cts-hmac-sha1-96 (RFC 3962).
pub const ENCTYPE_AES256_CTS_HMAC_SHA1_96: i32 = 18;
/// Kerberos enctype number of aes128-cts-hmac-sha1-96 (RFC 3962).
pub const ENCTYPE_AES128_CTS_HMAC_SHA1_96: i32 = 17;
/// The clock skew the KDC and the lab's clients tolerate (`clockskew`), in seconds; MIT's default.
pub const CLOCK_SKEW_SECS: u32 = 300;

/// The master password of every lab database (it only protects the stash in the run directory).
const MASTER_PASSWORD: &str = "rdp-probe-lab-kdc-master";
/// The binaries [`check_kdc_tools`] requires (`kill` and `sh` for the process groups' watchdog,
/// `date` for the shifted-clock check, `faketime` as the sign that libfaketime is installed).
const KDC_TOOLS: &[&str] = &[
    "krb5kdc",
    "kdb5_util",
    "kadmin.local",
    "kinit",
    "faketime",
    "date",
    "kill",
    "sh",
];
/// libfaketime as the `faketime` wrapper preloads it; the dynamic loader expands `$LIB` to the
/// multiarch library directory (`lib/x86_64-linux-gnu` on Debian amd64).
const FAKETIME_PRELOAD: &str = "/usr/$LIB/faketime/libfaketime.so.1";
/// How far the shifted clock may be from the expected time when checked with `date`.
const CLOCK_CHECK_TOLERANCE_SECS: i64 = 60;
/// How long one `kinit` may take.
const KINIT_TIMEOUT: Duration = Duration::from_secs(15);
/// How often a running `kinit` is polled.
const KINIT_POLL: Duration = Duration::from_millis(10);
/// Lines of the KDC's log in errors.
const LOG_TAIL_LINES: usize = 40;
/// Lines of `krb5kdc`'s own output in errors.
const OUT_TAIL_LINES: usize = 20;

/// The MIT keytab file's first byte.
const KEYTAB_MAGIC: u8 = 0x05;
/// The keytab format version the parser reads (big-endian, name type present).
const KEYTAB_VERSION_2: u8 = 0x02;
/// The older, native-byte-order keytab format version, which the parser refuses.
const KEYTAB_VERSION_1: u8 = 0x01;

const KRB5_CONF: &str = "krb5.conf";
const KDC_CONF: &str = "kdc.conf";
const DATABASE: &str = "principal";
const STASH: &str = "stash";
const KEYTAB: &str = "service.keytab";
const KDC_LOG: &str = "kdc.log";
const KDC_OUT: &str = "krb5kdc.out";

/// How to set up a KDC.
///
/// Names and passwords are written into `kadmin.local` queries: principal names must not contain
/// whitespace, quotes, backslashes or `@` (the realm is added), passwords must not contain double
/// quotes, backslashes or control characters, and the realm may only use ASCII letters, digits,
/// `.`, `-` and `_`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct KdcConfig {
    /// The realm (default [`LAB_REALM`]).
    pub realm: String,
    /// User principals `(name without realm, password)` (default [`LAB_USER`] /
    /// [`LAB_PASSWORD`]).
    pub users: Vec<(String, String)>,
    /// Service principals `(name without realm, password)`; their keys are exported to the
    /// keytab that [`KdcServer::service_key`] reads (default [`LAB_SERVICE`] /
    /// [`LAB_SERVICE_PASSWORD`]).
    pub services: Vec<(String, String)>,
    /// Run the KDC with its clock shifted by this many seconds (libfaketime), for a clock-skew
    /// scenario; `None` (default) runs it on the real clock.
    pub clock_offset_secs: Option<i64>,
}

impl Default for KdcConfig {
    /// Realm [`LAB_REALM`], user [`LAB_USER`] / [`LAB_PASSWORD`], service [`LAB_SERVICE`] /
    /// [`LAB_SERVICE_PASSWORD`], real clock.
    fn default() -> Self {
        KdcConfig {
            realm: LAB_REALM.to_owned(),
            users: vec![(LAB_USER.to_owned(), LAB_PASSWORD.to_owned())],
            services: vec![(LAB_SERVICE.to_owned(), LAB_SERVICE_PASSWORD.to_owned())],
            clock_offset_secs: None,
        }
    }
}

/// How one `kinit` ended (see [`KdcServer::kinit`]).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct KinitOutput {
    /// Whether `kinit` exited 0, i.e. got a TGT.
    pub success: bool,
    /// Its exit status, e.g. `exit status: 1`.
    pub status: String,
    /// Its standard output (the password prompt).
    pub stdout: String,
    /// Its standard error, e.g. `kinit: Password incorrect while getting initial credentials`.
    pub stderr: String,
}

/// Checks that the binaries the KDC lab needs are installed: `krb5kdc`, `kdb5_util`,
/// `kadmin.local`, `kinit`, `faketime`, `date`, `kill`, `sh`.
///
/// Separate from [`check_tools`](super::check_tools), so that a host set up for xrdp and the
/// shadow server only still passes that check. The error names what is missing and says to run
/// `scripts/install-test-deps.sh`.
pub fn check_kdc_tools() -> Result<(), LabError> {
    let missing: Vec<String> = KDC_TOOLS
        .iter()
        .filter(|t| find_tool(t).is_none())
        .map(|t| (*t).to_owned())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(LabError::MissingTools(missing))
    }
}

/// A running MIT `krb5kdc` on 127.0.0.1 (UDP and TCP on one port) with a realm of its own;
/// stopped by [`KdcServer::stop`] or on drop.
#[derive(Debug)]
pub struct KdcServer {
    config: KdcConfig,
    port: u16,
    run_dir: PathBuf,
    procs: ProcSet,
    kinits: AtomicU32,
}

impl KdcServer {
    /// Creates the realm in a fresh run directory, starts `krb5kdc` on a port that is free for
    /// both UDP and TCP, and waits (at most 20 s) until it accepts TCP connections.
    ///
    /// On failure nothing is left running; a KDC that does not come up yields
    /// [`LabError::NotReady`] with the tail of its log.
    pub fn start(cfg: KdcConfig) -> Result<KdcServer, LabError> {
        check_kdc_tools()?;
        validate(&cfg)?;
        let port = free_port_where(|p| UdpSocket::bind((LOOPBACK, p)).is_ok());
        let run_dir = fresh_run_dir("kdc", port)?;
        let mut server = KdcServer {
            config: cfg,
            port,
            run_dir,
            procs: ProcSet::new(),
            kinits: AtomicU32::new(0),
        };
        // On any error `server` is dropped: its (empty or failed) process set is stopped and the
        // run directory removed.
        server.create_realm()?;
        match server.launch() {
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

    /// Writes krb5.conf and kdc.conf, creates the database and adds the principals.
    fn create_realm(&self) -> Result<(), LabError> {
        let realm = &self.config.realm;
        let dir = &self.run_dir;
        let krb5_conf = format!(
            "[libdefaults]\n\
             \tdefault_realm = {realm}\n\
             \tdns_lookup_kdc = false\n\
             \tdns_lookup_realm = false\n\
             \trdns = false\n\
             \tclockskew = {CLOCK_SKEW_SECS}\n\
             \tkdc_timesync = 0\n\
             \n\
             [realms]\n\
             \t{realm} = {{\n\
             \t\tkdc = 127.0.0.1:{port}\n\
             \t}}\n",
            port = self.port,
        );
        let kdc_conf = format!(
            "[kdcdefaults]\n\
             \tkdc_ports = {port}\n\
             \tkdc_tcp_ports = {port}\n\
             \tkdc_listen = 127.0.0.1:{port}\n\
             \tkdc_tcp_listen = 127.0.0.1:{port}\n\
             \n\
             [realms]\n\
             \t{realm} = {{\n\
             \t\tdatabase_name = {db}\n\
             \t\tkey_stash_file = {stash}\n\
             \t\tmaster_key_type = aes256-cts-hmac-sha1-96\n\
             \t\tsupported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n\
             \t\tdefault_principal_flags = +preauth\n\
             \t}}\n\
             \n\
             [logging]\n\
             \tkdc = FILE:{log}\n\
             \tadmin_server = FILE:{log}\n\
             \tdefault = FILE:{log}\n",
            port = self.port,
            db = dir.join(DATABASE).display(),
            stash = dir.join(STASH).display(),
            log = dir.join(KDC_LOG).display(),
        );
        for (name, text) in [(KRB5_CONF, krb5_conf), (KDC_CONF, kdc_conf)] {
            let path = dir.join(name);
            fs::write(&path, text)
                .map_err(|e| LabError::io(format!("writing {}", path.display()), e))?;
        }

        let mut create = Command::new(tool("kdb5_util")?);
        create.args(["create", "-s", "-P", MASTER_PASSWORD, "-r", realm]);
        self.run_krb(&mut create)?;

        let principals = self.config.users.iter().chain(&self.config.services);
        for (name, password) in principals {
            let query = format!("addprinc -pw \"{password}\" {name}");
            let expected = format!("Principal \"{name}@{realm}\" created.");
            self.kadmin(&query, &expected)?;
        }
        let keytab = self.keytab();
        for (name, _) in &self.config.services {
            let query = format!("ktadd -k {} -norandkey {name}", keytab.display());
            self.kadmin(&query, "added to keytab")?;
        }
        Ok(())
    }

    /// Runs `kadmin.local -r REALM -q QUERY`; fails unless its output contains `expected`
    /// (`kadmin.local -q` exits 0 even when the query fails).
    fn kadmin(&self, query: &str, expected: &str) -> Result<(), LabError> {
        let mut cmd = Command::new(tool("kadmin.local")?);
        cmd.args(["-r", &self.config.realm, "-q", query]);
        let output = self.run_krb(&mut cmd)?;
        if output.contains(expected) {
            Ok(())
        } else {
            Err(LabError::CommandFailed {
                command: format!("{cmd:?}"),
                status: format!("exited 0 but did not print {expected:?}"),
                output,
            })
        }
    }

    /// Runs a Kerberos tool against this realm's configuration; returns its stdout and stderr.
    fn run_krb(&self, cmd: &mut Command) -> Result<String, LabError> {
        self.krb_env(cmd);
        let line = format!("{cmd:?}");
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| LabError::io(format!("running {line}"), e))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(LabError::CommandFailed {
                command: line,
                status: out.status.to_string(),
                output: text,
            })
        }
    }

    /// Points a Kerberos tool at the run directory's configuration, in the C locale.
    fn krb_env(&self, cmd: &mut Command) {
        cmd.env("KRB5_CONFIG", self.krb5_conf())
            .env("KRB5_KDC_PROFILE", self.run_dir.join(KDC_CONF))
            .env("LC_ALL", "C")
            .env_remove("KRB5CCNAME")
            .env_remove("KRB5_KTNAME")
            .env_remove("KRB5_CLIENT_KTNAME");
    }

    /// Starts `krb5kdc` (under libfaketime if asked) and waits until it accepts TCP connections.
    fn launch(&mut self) -> Result<(), LabError> {
        let mut kdc = Command::new(tool("krb5kdc")?);
        kdc.args(["-n", "-r", &self.config.realm]);
        self.krb_env(&mut kdc);
        if let Some(offset) = self.config.clock_offset_secs {
            check_shifted_clock(offset)?;
            kdc.env("LD_PRELOAD", FAKETIME_PRELOAD)
                .env("FAKETIME", faketime_spec(offset));
        }
        let pid = self
            .procs
            .spawn("krb5kdc", &mut kdc, &self.run_dir.join(KDC_OUT))?;
        let addr = self.addr();
        wait_until(&mut self.procs, "krb5kdc", || {
            listens_and_accepts(pid, addr)
        })
        .map_err(|reason| LabError::NotReady {
            server: format!("krb5kdc for {} on {addr}", self.config.realm),
            reason,
            log_tail: String::new(),
        })
    }

    /// `127.0.0.1:port` (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        loopback(self.port)
    }

    /// The port the KDC listens on, for UDP and TCP.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.config.realm
    }

    /// The configuration the KDC was started with.
    pub fn config(&self) -> &KdcConfig {
        &self.config
    }

    /// The run directory (krb5.conf, kdc.conf, database, stash, keytab, logs).
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The client configuration for this realm (`KRB5_CONFIG` for any Kerberos client):
    /// `kdc = 127.0.0.1:PORT`, no DNS, `kdc_timesync = 0`.
    pub fn krb5_conf(&self) -> PathBuf {
        self.run_dir.join(KRB5_CONF)
    }

    /// The keytab with the keys of every service principal (`ktadd -norandkey`).
    pub fn keytab(&self) -> PathBuf {
        self.run_dir.join(KEYTAB)
    }

    /// The raw key of `principal` (`"TERMSRV/localhost"`, or with `@REALM`) for Kerberos enctype
    /// `enctype` ([`ENCTYPE_AES256_CTS_HMAC_SHA1_96`]: 32 bytes,
    /// [`ENCTYPE_AES128_CTS_HMAC_SHA1_96`]: 16 bytes), read from [`KdcServer::keytab`]; the
    /// highest key version if there are several.
    ///
    /// A principal or enctype that is not in the keytab, or a malformed keytab, is
    /// [`LabError::Io`] (`NotFound` / `InvalidData`).
    pub fn service_key(&self, principal: &str, enctype: i32) -> Result<Vec<u8>, LabError> {
        let path = self.keytab();
        let context = || {
            format!(
                "reading the {principal} key (enctype {enctype}) from {}",
                path.display()
            )
        };
        let data = fs::read(&path).map_err(|e| LabError::io(context(), e))?;
        let entries = parse_keytab(&data).map_err(|why| {
            LabError::io(context(), io::Error::new(io::ErrorKind::InvalidData, why))
        })?;
        let (name, realm) = match principal.split_once('@') {
            Some((name, realm)) => (name, realm),
            None => (principal, self.config.realm.as_str()),
        };
        entries
            .into_iter()
            .filter(|e| e.enctype == enctype && e.realm == realm && e.name() == name)
            .max_by_key(|e| e.kvno)
            .map(|e| e.key)
            .ok_or_else(|| {
                LabError::io(
                    context(),
                    io::Error::new(io::ErrorKind::NotFound, "no such entry in the keytab"),
                )
            })
    }

    /// Runs `kinit USER@REALM` against this KDC with the password on stdin and a fresh ccache in
    /// the run directory (removed afterwards); at most 15 s.
    ///
    /// `Ok` whenever `kinit` ran to the end, whether it got a ticket or not; `Err` when it could
    /// not be run or timed out.
    pub fn kinit(&self, user: &str, password: &str) -> Result<KinitOutput, LabError> {
        let n = self.kinits.fetch_add(1, Ordering::Relaxed);
        let ccache = self.run_dir.join(format!("ccache-{n}"));
        let out_path = self.run_dir.join(format!("kinit-{n}.out"));
        let err_path = self.run_dir.join(format!("kinit-{n}.err"));
        let principal = if user.contains('@') {
            user.to_owned()
        } else {
            format!("{user}@{}", self.config.realm)
        };
        let result = self.kinit_with(&principal, password, &ccache, &out_path, &err_path);
        for path in [&ccache, &out_path, &err_path] {
            let _ = fs::remove_file(path);
        }
        result
    }

    fn kinit_with(
        &self,
        principal: &str,
        password: &str,
        ccache: &Path,
        out_path: &Path,
        err_path: &Path,
    ) -> Result<KinitOutput, LabError> {
        let create = |p: &Path| {
            File::create(p).map_err(|e| LabError::io(format!("creating {}", p.display()), e))
        };
        let mut cmd = Command::new(tool("kinit")?);
        self.krb_env(&mut cmd);
        cmd.env("KRB5CCNAME", format!("FILE:{}", ccache.display()))
            .arg(principal)
            .stdin(Stdio::piped())
            .stdout(create(out_path)?)
            .stderr(create(err_path)?);
        let line = format!("{cmd:?}");
        let mut child = cmd
            .spawn()
            .map_err(|e| LabError::io(format!("running {line}"), e))?;
        if let Some(mut stdin) = child.stdin.take() {
            // kinit may have exited already (broken pipe): its status and stderr tell why.
            let _ = stdin.write_all(format!("{password}\n").as_bytes());
        }
        let status = wait_bounded(&mut child, KINIT_TIMEOUT)
            .map_err(|e| LabError::io(format!("waiting for {line}"), e))?;
        let read =
            |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
        let (stdout, stderr) = (read(out_path), read(err_path));
        match status {
            Some(status) => Ok(KinitOutput {
                success: status.success(),
                status: status.to_string(),
                stdout,
                stderr,
            }),
            None => Err(LabError::CommandFailed {
                command: line,
                status: format!("killed after {KINIT_TIMEOUT:?}"),
                output: stderr + &stdout,
            }),
        }
    }

    /// Whether `kinit` gets a TGT for `user` with `password` from this KDC (see
    /// [`KdcServer::kinit`]): a sanity check that the KDC works. `false` for any refusal (wrong
    /// password, unknown user, clock skew, no answer); [`KdcServer::kinit`] says which.
    pub fn kinit_ok(&self, user: &str, password: &str) -> Result<bool, LabError> {
        self.kinit(user, password).map(|out| out.success)
    }

    /// The process group ids the lab started for this KDC (`krb5kdc`, the watchdog; each is also
    /// its leader's pid). Empty once stopped.
    pub fn pgids(&self) -> Vec<u32> {
        self.procs.pgids()
    }

    /// The last lines of the KDC's log and of `krb5kdc`'s own output.
    pub fn log_tail(&self) -> String {
        tail(&self.run_dir.join(KDC_LOG), LOG_TAIL_LINES)
            + &tail(&self.run_dir.join(KDC_OUT), OUT_TAIL_LINES)
    }

    /// Stops the KDC's process group, then removes the run directory (unless
    /// `RDP_PROBE_LAB_KEEP` is set).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for KdcServer {
    fn drop(&mut self) {
        self.procs.stop();
        remove_run_dir(&self.run_dir);
    }
}

/// Checks the parts of a configuration that end up in profiles and `kadmin.local` queries.
fn validate(cfg: &KdcConfig) -> Result<(), LabError> {
    let invalid = |why: String| Err(LabError::InvalidConfig(why));
    let realm_ok = !cfg.realm.is_empty()
        && cfg
            .realm
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !realm_ok {
        return invalid(format!(
            "Kerberos realm {:?}: use ASCII letters, digits, '.', '-', '_'",
            cfg.realm
        ));
    }
    if cfg.users.is_empty() && cfg.services.is_empty() {
        return invalid("a KDC needs at least one user or service principal".into());
    }
    for (name, password) in cfg.users.iter().chain(&cfg.services) {
        let name_ok = !name.is_empty()
            && !name.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\' | '@')
            });
        if !name_ok {
            return invalid(format!(
                "principal name {name:?}: no whitespace, quotes, backslashes or '@'"
            ));
        }
        let password_ok = !password.is_empty()
            && !password
                .chars()
                .any(|c| c.is_control() || matches!(c, '"' | '\\'));
        if !password_ok {
            return invalid(format!(
                "the password of {name:?}: not empty, no double quotes, backslashes or control characters"
            ));
        }
    }
    Ok(())
}

/// libfaketime's relative offset: `+3600` / `-3600` (seconds).
fn faketime_spec(offset: i64) -> String {
    format!("{offset:+}")
}

/// Checks with `date +%s` that libfaketime shifts the clock by `offset` seconds.
fn check_shifted_clock(offset: i64) -> Result<(), LabError> {
    let mut date = Command::new(tool("date")?);
    date.arg("+%s")
        .env("LD_PRELOAD", FAKETIME_PRELOAD)
        .env("FAKETIME", faketime_spec(offset))
        .stdin(Stdio::null());
    let line = format!("{date:?}");
    let out = date
        .output()
        .map_err(|e| LabError::io(format!("running {line}"), e))?;
    let faked = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse::<i64>()
        .ok();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let expected = now.saturating_add(offset);
    match faked {
        Some(t)
            if out.status.success()
                && t.abs_diff(expected) <= CLOCK_CHECK_TOLERANCE_SECS.unsigned_abs() =>
        {
            Ok(())
        }
        _ => Err(LabError::CommandFailed {
            command: line,
            status: format!(
                "{}; expected a clock near {expected} (now {now} {offset:+} s): is libfaketime installed?",
                out.status
            ),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        }),
    }
}

/// Waits for `child` at most `timeout`; `None` (after killing and reaping it) if it ran longer.
fn wait_bounded(
    child: &mut std::process::Child,
    timeout: Duration,
) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(KINIT_POLL);
    }
}

/// One key of a keytab.
#[derive(Clone, Debug, Eq, PartialEq)]
struct KeytabEntry {
    realm: String,
    components: Vec<String>,
    kvno: u32,
    enctype: i32,
    key: Vec<u8>,
}

impl KeytabEntry {
    /// The principal name without the realm: components joined by `/`.
    fn name(&self) -> String {
        self.components.join("/")
    }
}

/// A bounds-checked big-endian reader.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    fn i16(&mut self) -> Option<i16> {
        self.array().map(i16::from_be_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_be_bytes)
    }

    /// A 16-bit length, then that many bytes.
    fn counted(&mut self) -> Option<&'a [u8]> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    fn string(&mut self) -> Option<String> {
        self.counted()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// Parses an MIT keytab file (format 0x0502): the version, then entries, each a signed 32-bit
/// size followed by that many bytes (a negative size is a hole of that many bytes, zero ends the
/// file). Never panics; a truncated or inconsistent file is an error naming the offset.
fn parse_keytab(data: &[u8]) -> Result<Vec<KeytabEntry>, String> {
    let mut r = Reader::new(data);
    match r.array::<2>() {
        Some([KEYTAB_MAGIC, KEYTAB_VERSION_2]) => {}
        Some([KEYTAB_MAGIC, KEYTAB_VERSION_1]) => {
            return Err("keytab version 0x0501 (native byte order) is not supported".into());
        }
        _ => return Err("not an MIT keytab (no 0x05 0x02 version)".into()),
    }
    let mut entries = Vec::new();
    while r.remaining() > 0 {
        let at = r.pos;
        let size = r
            .i32()
            .ok_or_else(|| format!("truncated entry size at offset {at}"))?;
        let len = usize::try_from(size.unsigned_abs())
            .map_err(|_| format!("entry size {size} at offset {at} too large"))?;
        let body = r
            .take(len)
            .ok_or_else(|| format!("entry of {size} bytes at offset {at} runs past the end"))?;
        match size {
            0 => break,
            s if s < 0 => continue,
            _ => entries
                .push(parse_entry(body).ok_or_else(|| format!("malformed entry at offset {at}"))?),
        }
    }
    Ok(entries)
}

/// One entry's body: principal, name type, timestamp, 8-bit kvno, keyblock, optional 32-bit kvno.
fn parse_entry(body: &[u8]) -> Option<KeytabEntry> {
    const KVNO32_LEN: usize = 4;
    let mut r = Reader::new(body);
    let count = r.u16()?;
    let realm = r.string()?;
    let components = (0..count)
        .map(|_| r.string())
        .collect::<Option<Vec<String>>>()?;
    let _name_type = r.u32()?;
    let _timestamp = r.u32()?;
    let kvno8 = r.u8()?;
    let enctype = i32::from(r.i16()?);
    let key = r.counted()?.to_vec();
    // The 32-bit kvno, when present and not zero, supersedes the 8-bit one.
    let kvno = if r.remaining() >= KVNO32_LEN {
        r.u32().filter(|&v| v != 0).unwrap_or(u32::from(kvno8))
    } else {
        u32::from(kvno8)
    };
    Some(KeytabEntry {
        realm,
        components,
        kvno,
        enctype,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(s: &[u8]) -> Vec<u8> {
        let mut v = u16::try_from(s.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(s);
        v
    }

    fn entry(
        components: &[&str],
        kvno8: u8,
        enctype: i16,
        key: &[u8],
        kvno32: Option<u32>,
    ) -> Vec<u8> {
        let mut body = u16::try_from(components.len())
            .unwrap()
            .to_be_bytes()
            .to_vec();
        body.extend(counted(b"EXAMPLE.TEST"));
        for c in components {
            body.extend(counted(c.as_bytes()));
        }
        body.extend(1u32.to_be_bytes()); // KRB5_NT_PRINCIPAL
        body.extend(0x5f00_0000u32.to_be_bytes());
        body.push(kvno8);
        body.extend(enctype.to_be_bytes());
        body.extend(counted(key));
        if let Some(v) = kvno32 {
            body.extend(v.to_be_bytes());
        }
        let mut out = i32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
        out.extend(body);
        out
    }

    fn sample() -> Vec<u8> {
        let mut kt = vec![KEYTAB_MAGIC, KEYTAB_VERSION_2];
        kt.extend(entry(&["TERMSRV", "localhost"], 1, 18, &[0xaa; 32], None));
        // A hole of 7 bytes.
        kt.extend((-7i32).to_be_bytes());
        kt.extend([0u8; 7]);
        kt.extend(entry(
            &["TERMSRV", "localhost"],
            2,
            17,
            &[0xbb; 16],
            Some(300),
        ));
        kt.extend(entry(
            &["TERMSRV", "localhost"],
            1,
            17,
            &[0xcc; 16],
            Some(0),
        ));
        kt
    }

    #[test]
    fn parses_entries_holes_and_kvno32() {
        let entries = parse_keytab(&sample()).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].name(), "TERMSRV/localhost");
        assert_eq!(entries[0].realm, "EXAMPLE.TEST");
        assert_eq!((entries[0].enctype, entries[0].kvno), (18, 1));
        assert_eq!(entries[0].key, vec![0xaa; 32]);
        assert_eq!((entries[1].enctype, entries[1].kvno), (17, 300));
        assert_eq!(entries[1].key, vec![0xbb; 16]);
        // A zero 32-bit kvno falls back to the 8-bit one.
        assert_eq!(entries[2].kvno, 1);
    }

    #[test]
    fn zero_size_ends_the_file() {
        let mut kt = sample();
        kt.extend(0i32.to_be_bytes());
        kt.extend([0xff; 5]);
        assert_eq!(parse_keytab(&kt).unwrap().len(), 3);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let kt = sample();
        for len in 0..kt.len() {
            let prefix = &kt[..len];
            // Cutting exactly between entries is a valid, shorter keytab.
            if let Ok(entries) = parse_keytab(prefix) {
                assert!(entries.len() < 3, "prefix {len} parsed as the whole keytab");
            }
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_keytab(b"").is_err());
        assert!(parse_keytab(&[0x05, 0x01]).is_err());
        assert!(parse_keytab(&[0x05, 0x02, 0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(parse_keytab(&[0x05, 0x02, 0x80, 0x00, 0x00, 0x00]).is_err());
        // An entry whose size is too small for its own contents.
        let mut kt = vec![0x05, 0x02];
        kt.extend(4i32.to_be_bytes());
        kt.extend([0x00, 0x09, 0x00, 0x01]);
        assert!(parse_keytab(&kt).is_err());
    }

    #[test]
    fn faketime_offsets_are_signed() {
        assert_eq!(faketime_spec(3600), "+3600");
        assert_eq!(faketime_spec(-90), "-90");
        assert_eq!(faketime_spec(0), "+0");
    }

    #[test]
    fn config_validation() {
        assert!(validate(&KdcConfig::default()).is_ok());
        let bad_realm = KdcConfig {
            realm: "EX AMPLE".into(),
            ..KdcConfig::default()
        };
        assert!(validate(&bad_realm).is_err());
        let bad_name = KdcConfig {
            users: vec![("a@B".into(), "pw".into())],
            ..KdcConfig::default()
        };
        assert!(validate(&bad_name).is_err());
        let bad_password = KdcConfig {
            users: vec![("a".into(), "p\"w".into())],
            ..KdcConfig::default()
        };
        assert!(validate(&bad_password).is_err());
    }
}
