//! Process groups, tools on PATH, run directories and readiness checks.
//!
//! Every server process is spawned with `process_group(0)`, so it leads its own process group,
//! and it is stopped by signalling that group with the `kill` command (never by name).

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::LabError;

/// How long a server gets to become ready.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a process group gets to exit after SIGTERM before it gets SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);
/// How long a process group gets to vanish after SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(20);

/// The binaries the lab runs.
const TOOLS: &[&str] = &[
    "xrdp",
    "Xvfb",
    "xdpyinfo",
    "freerdp-shadow-cli",
    "winpr-hash",
    "openssl",
    "kill",
    "sh",
    "sleep",
];
/// The one file outside the run directory that xrdp needs (its path is compiled in).
pub(crate) const XRDP_RSAKEYS: &str = "/etc/xrdp/rsakeys.ini";

/// Directories searched after `PATH` (xrdp lives in `/usr/sbin`, which a non-root PATH lacks).
const EXTRA_DIRS: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Finds an executable on `PATH` or in the usual system directories.
pub(crate) fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The path of a tool, or [`LabError::MissingTools`].
pub(crate) fn tool(name: &str) -> Result<PathBuf, LabError> {
    find_tool(name).ok_or_else(|| LabError::MissingTools(vec![name.to_owned()]))
}

/// Checks that every binary and file the lab needs is installed.
///
/// The error names everything that is missing and says to run `scripts/install-test-deps.sh`.
pub fn check_tools() -> Result<(), LabError> {
    let mut missing: Vec<String> = TOOLS
        .iter()
        .filter(|t| find_tool(t).is_none())
        .map(|t| (*t).to_owned())
        .collect();
    if !Path::new(XRDP_RSAKEYS).is_file() {
        missing.push(XRDP_RSAKEYS.to_owned());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(LabError::MissingTools(missing))
    }
}

/// Runs a helper command to completion; fails with its output unless it exits 0.
pub(crate) fn run(cmd: &mut Command) -> Result<Vec<u8>, LabError> {
    let line = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| LabError::io(format!("running {line}"), e))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(LabError::CommandFailed {
            command: line,
            status: out.status.to_string(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            ),
        })
    }
}

/// Makes a fresh run directory `temp_dir()/rdp-probe-lab/<name>-<port>-<pid>`.
pub(crate) fn fresh_run_dir(name: &str, port: u16) -> Result<PathBuf, LabError> {
    let dir = std::env::temp_dir()
        .join("rdp-probe-lab")
        .join(format!("{name}-{port}-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir)
            .map_err(|e| LabError::io(format!("removing {}", dir.display()), e))?;
    }
    fs::create_dir_all(&dir).map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    Ok(dir)
}

/// The last `max_lines` lines of a log file, or a note that it is missing.
pub(crate) fn tail(path: &Path, max_lines: usize) -> String {
    const MAX_BYTES: u64 = 64 * 1024;
    let Ok(mut file) = File::open(path) else {
        return format!("==> {} (missing)\n", path.display());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(MAX_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(max_lines);
    format!("==> {}\n{}\n", path.display(), lines[start..].join("\n"))
}

/// Whether a process exists and is not a zombie (read from `/proc`).
pub fn process_alive(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X'))
}

/// Whether any process that is not a zombie is in process group `pgid` (read from `/proc`).
pub fn group_alive(pgid: u32) -> bool {
    !group_members(pgid).is_empty()
}

/// The live (non-zombie) processes in process group `pgid`.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            proc_stat(pid).is_some_and(|(state, g)| g == pgid && !matches!(state, 'Z' | 'X'))
        })
        .collect()
}

/// State and process group of a process, from `/proc/<pid>/stat`.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Sends `signal` to every process in group `pgid` with the `kill` command.
fn signal_group(signal: &str, pgid: u32) {
    let kill = find_tool("kill").unwrap_or_else(|| PathBuf::from("kill"));
    let _ = Command::new(kill)
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// One process group the lab started: its leader is our child.
#[derive(Debug)]
struct Group {
    role: &'static str,
    child: Child,
    reaped: bool,
}

impl Group {
    fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// Reaps the leader if it has exited; true when the leader is gone and the group is empty.
    fn gone(&mut self) -> bool {
        if !self.reaped {
            self.reaped = matches!(self.child.try_wait(), Ok(Some(_)) | Err(_));
        }
        self.reaped && !group_alive(self.pgid())
    }
}

/// The processes of one lab server, each leading its own process group, plus a watchdog.
///
/// The watchdog is a small `sh` loop in a group of its own: if the process that started the lab
/// dies without stopping it (SIGKILL, Ctrl-C, abort), the watchdog stops the server's groups.
/// Dropping a `ProcSet` stops everything.
#[derive(Debug)]
pub(crate) struct ProcSet {
    groups: Vec<Group>,
    watchdog: Option<Child>,
}

impl ProcSet {
    pub(crate) fn new() -> Self {
        ProcSet {
            groups: Vec::new(),
            watchdog: None,
        }
    }

    /// Spawns `cmd` as the leader of a new process group, stdout and stderr to `log`.
    pub(crate) fn spawn(
        &mut self,
        role: &'static str,
        cmd: &mut Command,
        log: &Path,
    ) -> Result<u32, LabError> {
        let out = File::create(log)
            .map_err(|e| LabError::io(format!("creating {}", log.display()), e))?;
        let err = out
            .try_clone()
            .map_err(|e| LabError::io(format!("cloning {}", log.display()), e))?;
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| LabError::io(format!("starting {role}: {cmd:?}"), e))?;
        let pid = child.id();
        self.groups.push(Group {
            role,
            child,
            reaped: false,
        });
        self.restart_watchdog()?;
        Ok(pid)
    }

    /// The process group ids (= leader pids) of the server, then the watchdog's.
    pub(crate) fn pgids(&self) -> Vec<u32> {
        self.groups
            .iter()
            .map(Group::pgid)
            .chain(self.watchdog.as_ref().map(Child::id))
            .collect()
    }

    /// The role and exit status of the first leader that has exited, if any.
    pub(crate) fn exited(&mut self) -> Option<String> {
        self.groups
            .iter_mut()
            .find_map(|g| match g.child.try_wait() {
                Ok(Some(status)) => {
                    g.reaped = true;
                    Some(format!("{} exited early ({status})", g.role))
                }
                _ => None,
            })
    }

    fn restart_watchdog(&mut self) -> Result<(), LabError> {
        self.kill_watchdog();
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| format!("-{}", g.pgid()))
            .collect();
        // Waits (with shell builtins only) until the lab's process ($p) is gone or a zombie, then
        // stops the groups. dash's builtin `kill` has no `--`, so it calls the `kill` binary ($k).
        let script = r#"k=$1; p=$2; shift 2
while read -r l 2>/dev/null <"/proc/$p/stat"; do
  case "${l##*) }" in Z*|X*) break ;; esac
  sleep 1
done
"$k" -TERM -- "$@" 2>/dev/null; sleep 5; "$k" -KILL -- "$@" 2>/dev/null"#;
        let child = Command::new(tool("sh")?)
            .arg("-c")
            .arg(script)
            .arg("rdp-probe-lab-watchdog")
            .arg(tool("kill")?)
            .arg(std::process::id().to_string())
            .args(&groups)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| LabError::io("starting the lab watchdog", e))?;
        self.watchdog = Some(child);
        Ok(())
    }

    fn kill_watchdog(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            signal_group("KILL", w.id());
            let _ = w.wait();
            let deadline = Instant::now() + KILL_GRACE;
            while group_alive(w.id()) && Instant::now() < deadline {
                thread::sleep(POLL);
            }
        }
    }

    /// Stops everything: SIGTERM to every group, a bounded wait, then SIGKILL.
    pub(crate) fn stop(&mut self) {
        self.kill_watchdog();
        for g in &self.groups {
            signal_group("TERM", g.pgid());
        }
        let deadline = Instant::now() + TERM_GRACE;
        while !self.groups.iter_mut().all(Group::gone) && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        for g in self
            .groups
            .iter_mut()
            .filter(|g| !g.reaped || group_alive(g.pgid()))
        {
            signal_group("KILL", g.pgid());
            if !g.reaped {
                let _ = g.child.wait();
                g.reaped = true;
            }
        }
        let deadline = Instant::now() + KILL_GRACE;
        while !self.groups.iter_mut().all(Group::gone) && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        self.groups.clear();
    }
}

impl Drop for ProcSet {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until `probe` succeeds, bounded by [`READY_TIMEOUT`]; fails early if a process exits.
pub(crate) fn wait_until(
    procs: &mut ProcSet,
    what: &str,
    mut probe: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if probe() {
            return Ok(());
        }
        if let Some(why) = procs.exited() {
            return Err(why);
        }
        if Instant::now() >= deadline {
            return Err(format!("{what} not ready after {READY_TIMEOUT:?}"));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Whether process `pid` listens on `addr` and a TCP connection to it is accepted.
///
/// The ownership check (via `/proc/net/tcp` and `/proc/<pid>/fd`) keeps a foreign listener that
/// took the port first from passing for the lab server.
pub(crate) fn listens_and_accepts(pid: u32, addr: SocketAddr) -> bool {
    owns_listener(pid, addr.port())
        && TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// Whether one of `pid`'s file descriptors is a socket listening on IPv4 TCP `port`.
fn owns_listener(pid: u32, port: u16) -> bool {
    const LISTEN: &str = "0A";
    let Ok(table) = fs::read_to_string("/proc/net/tcp") else {
        return false;
    };
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = u16::from_str_radix(f.get(1)?.rsplit(':').next()?, 16).ok()?;
            let inode = f.get(9)?;
            (local_port == port && *f.get(3)? == LISTEN).then(|| format!("socket:[{inode}]"))
        })
        .collect();
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
        .any(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
}
