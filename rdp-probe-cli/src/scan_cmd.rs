//! `rdp-probe scan`: many targets, one report per host as JSON Lines or CSV, a progress bar on a
//! terminal, and a summary grouped by verdict and cause.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use futures_util::StreamExt;
use rdp_probe_core::inventory::InventoryOptions;
use rdp_probe_core::scan::targets::{Shard, TargetListBuilder};
use rdp_probe_core::scan::{ScanMode, ScanOptions, ScanReport, StopScan, scan};
use rdp_probe_core::{DEFAULT_PORT, LegacyTls, ProbeOptions, Timeouts};

use crate::exit;

/// What each host gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// The full diagnosis (rdp-probe/1), as `rdp-probe HOST`.
    Diagnose,
    /// The inventory (rdp-probe-inventory/1), as `rdp-probe inventory HOST`.
    Inventory,
    /// TCP and X.224 only (rdp-probe-inventory/1 without TLS, Standard RDP Security or CredSSP), as
    /// `rdp-probe inventory --negotiate-only HOST`: the fast sweep.
    Negotiate,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Targets: host names, addresses, HOST:PORT, [v6]:PORT, CIDR blocks (10.0.0.0/24), ranges
    /// (10.0.0.1-20).
    targets: Vec<String>,
    /// Read targets from FILE, one or more per line, `#` comments (`-` for stdin). Repeatable.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Leave these out (same grammar), before anything is sent. Repeatable.
    #[arg(long, value_name = "TARGETS")]
    exclude: Vec<String>,
    /// The port of targets without one.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Refuse target lists longer than this (raise it deliberately for big ranges).
    #[arg(long, default_value_t = 65_536, value_name = "N")]
    max_targets: u64,
    /// What each host gets.
    #[arg(long, value_enum, default_value_t = Mode::Diagnose)]
    mode: Mode,
    /// Probes in flight at once.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    concurrency: u32,
    /// New probes started per second, at most.
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// Start no probe after this long (probes in flight finish within their own limits).
    #[arg(long, value_name = "DURATION", value_parser = crate::duration)]
    deadline: Option<Duration>,
    /// Time limit for each connect and phase of each probe (as for a single host).
    #[arg(long, value_name = "DURATION", value_parser = crate::duration)]
    timeout: Option<Duration>,
    /// Time limit for each probe.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration)]
    overall_timeout: Option<Duration>,
    /// Write one report per line (JSON Lines: the same objects as the single-host --json).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Write one summary row per host (CSV).
    #[arg(long)]
    csv: bool,
    /// Write the reports to FILE instead of stdout (appended to with --resume FILE).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Skip the hosts already in this JSON Lines file of an earlier run.
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
    /// Take shard K of N (0-based; `K/N`): every target is in exactly one shard. Without it, and
    /// with JOB_COMPLETION_INDEX set (a Kubernetes Indexed Job), K comes from there and N from
    /// --shards.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// N for a shard taken from JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    shards: Option<u64>,
    /// Also write a self-contained HTML page to FILE at the end (also after Ctrl-C): the summary by
    /// cause, then every host.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Print only the summary at the end.
    #[arg(long)]
    summary_only: bool,
    /// No colors or symbols that need a capable terminal.
    #[arg(long)]
    no_color: bool,
}

impl ScanArgs {
    pub fn no_color(&self) -> bool {
        self.no_color
    }
}

/// Where each finished host goes.
enum Sink {
    Stdout,
    File(std::io::BufWriter<std::fs::File>),
}

impl Sink {
    fn line(&mut self, line: &str) -> std::io::Result<()> {
        match self {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")?;
                out.flush()
            }
            Sink::File(f) => {
                writeln!(f, "{line}")?;
                f.flush()
            }
        }
    }
}

/// The host's verdict and cause, as the summary groups them.
fn verdict_and_cause(report: &ScanReport) -> (String, String) {
    match report {
        ScanReport::Diagnosis(r) => {
            let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap_or_default();
            let verdict = r.verdict_kind().as_str().to_owned();
            let cause = if let Some(f) = json.get("failure") {
                let m = &json["mstsc"];
                format!(
                    "{} {} {} {}; mstsc 0x{:x}/0x{:x}",
                    f["phase"].as_str().unwrap_or("?"),
                    f["code"]["space"].as_str().unwrap_or("?"),
                    f["code"]["value"],
                    f["code"]["name"].as_str().unwrap_or(""),
                    m["disconnect_reason"].as_u64().unwrap_or(0),
                    m["extended_reason"].as_u64().unwrap_or(0),
                )
            } else if let Some(s) = json.get("stop") {
                format!(
                    "{} {}",
                    s["phase"].as_str().unwrap_or("?"),
                    s["reason"].as_str().unwrap_or("?")
                )
            } else {
                json["outcome"].as_str().unwrap_or("connected").to_owned()
            };
            (verdict, cause)
        }
        // The phase alone: the message names the host, and a cause is what hosts share.
        ScanReport::Inventory(i) => match &i.error {
            Some(e) => ("unreachable".to_owned(), e.phase.to_owned()),
            None => {
                let worst = i
                    .findings
                    .first()
                    .map(|f| format!("{} {}", f.severity.as_str(), f.id))
                    .unwrap_or_else(|| "no findings".to_owned());
                (format!("nla {}", i.nla.as_str()), worst)
            }
        },
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv_row(item: &rdp_probe_core::scan::ScanItem, verdict: &str, cause: &str) -> String {
    let elapsed = match &item.report {
        ScanReport::Diagnosis(r) => r.elapsed_ms,
        ScanReport::Inventory(i) => i.elapsed_ms,
    };
    [
        csv_field(item.target.host()),
        item.target.port().to_string(),
        csv_field(verdict),
        csv_field(cause),
        format!("{elapsed:.0}"),
    ]
    .join(",")
}

/// The targets of earlier runs (`host:port` as reported) in a JSON Lines file.
fn done_before(path: &PathBuf) -> Result<HashSet<String>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(format!("--resume {}: {e}", path.display())),
    };
    let mut done = HashSet::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("--resume {}: {e}", path.display()))?;
        // A line cut short by a killed run is not a finished host.
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
            && let (Some(host), Some(port)) =
                (v["target"]["host"].as_str(), v["target"]["port"].as_u64())
        {
            done.insert(format!("{host}:{port}"));
        }
    }
    Ok(done)
}

/// The longest server name a row of the HTML page keeps, in characters.
const SERVER_NAME_KEPT: usize = 160;

/// The row of the HTML page for `item` (whose [`verdict_and_cause`] are `verdict` and `cause`): what
/// the terminal's line says, with the Windows client's pair apart and the name the server gave
/// itself (its NTLM computer name or certificate subject).
fn html_row(
    item: &rdp_probe_core::scan::ScanItem,
    verdict: String,
    cause: String,
) -> crate::html::ScanRow {
    let (mstsc, server, elapsed_ms) = match &item.report {
        ScanReport::Diagnosis(r) => {
            let s = &r.server;
            let name = s
                .ntlm
                .as_ref()
                .and_then(|n| {
                    n.netbios_computer
                        .clone()
                        .or_else(|| n.dns_computer.clone())
                })
                .or_else(|| s.certificate.as_ref().map(|c| c.subject.clone()))
                .or_else(|| {
                    s.standard_security
                        .as_ref()
                        .and_then(|sec| sec.x509_chain.last())
                        .map(|c| c.subject.clone())
                });
            (
                r.mstsc().map(|m| (m.disconnect_reason, m.extended_reason)),
                name,
                r.elapsed_ms,
            )
        }
        ScanReport::Inventory(i) => {
            let name = i
                .ntlm
                .as_ref()
                .and_then(|n| {
                    n.netbios_computer
                        .clone()
                        .or_else(|| n.dns_computer.clone())
                })
                .or_else(|| {
                    i.tls
                        .as_ref()
                        .and_then(|t| t.certificate.as_ref())
                        .map(|c| c.subject.clone())
                });
            (None, name, i.elapsed_ms)
        }
    };
    // The pair has its own column; the cause keeps the rest (the groups are the same as the summary's).
    let cause = match cause.rsplit_once("; mstsc ") {
        Some((rest, _)) if mstsc.is_some() => rest.to_owned(),
        _ => cause,
    };
    crate::html::ScanRow {
        host: format!("{}:{}", item.target.host(), item.target.port()),
        verdict,
        cause,
        mstsc,
        server: server
            .unwrap_or_default()
            .chars()
            .take(SERVER_NAME_KEPT)
            .collect(),
        elapsed_ms,
    }
}

/// `rdp-probe scan`.
pub fn run(args: &ScanArgs, styled: bool) -> ExitCode {
    let mut builder = TargetListBuilder::new(args.port).max_targets(args.max_targets);
    let mut warnings = Vec::new();
    for (i, t) in args.targets.iter().enumerate() {
        warnings.extend(
            builder
                .add_line(i + 1, t)
                .into_iter()
                .map(|e| format!("argument {e}")),
        );
    }
    for path in &args.files {
        let text = if path.as_os_str() == "-" {
            let mut s = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
                return crate::usage(&format!("cannot read targets from stdin: {e}"));
            }
            s
        } else {
            match std::fs::read_to_string(path) {
                Ok(s) => s,
                Err(e) => return crate::usage(&format!("-f {}: {e}", path.display())),
            }
        };
        let name = path.display().to_string();
        warnings.extend(
            builder
                .add_text(&text)
                .into_iter()
                .map(|e| format!("{name}: {e}")),
        );
    }
    for (i, t) in args.exclude.iter().enumerate() {
        warnings.extend(
            builder
                .exclude_line(i + 1, t)
                .into_iter()
                .map(|e| format!("--exclude {e}")),
        );
    }
    for w in &warnings {
        eprintln!("rdp-probe scan: skipped: {w}");
    }
    let list = match builder.build() {
        Ok(l) => l,
        Err(e) => return crate::usage(&e.to_string()),
    };
    let shard = match (
        args.shard,
        std::env::var("JOB_COMPLETION_INDEX").ok(),
        args.shards,
    ) {
        (Some(s), _, _) => Some(s),
        (None, Some(k), Some(n)) => match format!("{k}/{n}").parse::<Shard>() {
            Ok(s) => Some(s),
            Err(e) => {
                return crate::usage(&format!("JOB_COMPLETION_INDEX={k} with --shards {n}: {e}"));
            }
        },
        (None, _, _) => None,
    };
    let done = match &args.resume {
        Some(p) => match done_before(p) {
            Ok(d) => d,
            Err(e) => return crate::usage(&e),
        },
        None => HashSet::new(),
    };
    let shard = shard.unwrap_or_else(Shard::all);
    let targets = list.in_shard(shard);
    let total = targets.remaining();
    let skipped_before = std::sync::atomic::AtomicU64::new(0);
    let targets = targets.filter(|t| {
        let again = done.contains(&format!("{}:{}", t.host(), t.port()));
        if again {
            skipped_before.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        !again
    });

    let mut timeouts = Timeouts::default();
    if let Some(t) = args.timeout {
        timeouts = Timeouts::uniform(t);
    }
    if let Some(t) = args.overall_timeout {
        timeouts.overall = t;
    }
    let mode = match args.mode {
        Mode::Diagnose => ScanMode::Diagnose(Box::new(ProbeOptions {
            timeouts,
            ..ProbeOptions::default()
        })),
        Mode::Inventory | Mode::Negotiate => {
            let o = InventoryOptions {
                timeouts,
                legacy_tls: LegacyTls::default(),
                ..InventoryOptions::default()
            };
            if args.mode == Mode::Negotiate {
                ScanMode::Negotiate(o)
            } else {
                ScanMode::Inventory(o)
            }
        }
    };
    let options = ScanOptions {
        concurrency: args.concurrency as usize,
        rate: args.rate,
        deadline: args.deadline,
    };
    if let Some(message) = fd_limit_problem(options.concurrency, args.mode) {
        eprintln!("rdp-probe scan: {message}");
        return ExitCode::from(exit::USAGE);
    }
    let mut sink = match (&args.output, &args.resume) {
        (Some(path), resume) => {
            let append = resume.as_ref() == Some(path);
            match std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(path)
            {
                Ok(f) => Sink::File(std::io::BufWriter::new(f)),
                Err(e) => return crate::usage(&format!("-o {}: {e}", path.display())),
            }
        }
        (None, _) => Sink::Stdout,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rdp-probe: cannot start the runtime: {e}");
            return ExitCode::from(exit::INCONCLUSIVE);
        }
    };
    let stop = StopScan::new();
    let progress = crate::progress::Progress::new(total, styled);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut write_error = None;
    let mut finished = 0u64;
    let mut html_rows = Vec::new();
    if args.csv && !args.summary_only {
        let _ = sink.line("host,port,verdict,cause,elapsed_ms");
    }
    runtime.block_on(async {
        let on_signal = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.stop();
                eprintln!("\nrdp-probe scan: stopping: no new probes; the ones in flight finish");
            }
        });
        let mut reports = Box::pin(scan(targets, mode, options, stop.clone()));
        while let Some(item) = reports.next().await {
            finished += 1;
            let (verdict, cause) = verdict_and_cause(&item.report);
            progress.finished(&verdict);
            let host = format!("{}:{}", item.target.host(), item.target.port());
            let line = if args.summary_only {
                None
            } else if args.csv {
                Some(csv_row(&item, &verdict, &cause))
            } else if args.json {
                Some(item.report.to_json())
            } else {
                Some(format!("{host}  {verdict}  {cause}"))
            };
            if args.html.is_some() {
                html_rows.push(html_row(&item, verdict.clone(), cause.clone()));
            }
            groups.entry((verdict, cause)).or_default().add(host);
            let Some(line) = line else {
                continue;
            };
            if let Err(e) = sink.line(&line) {
                write_error.get_or_insert(e);
                stop.stop();
            }
        }
    });
    progress.done();
    let skipped = skipped_before.load(std::sync::atomic::Ordering::Relaxed);
    // Hosts neither probed nor done before: the deadline left them (or the stop).
    let left = total.saturating_sub(finished + skipped);
    print_summary(
        &groups,
        finished,
        skipped,
        (stop.is_stopped() || left > 0).then_some(left),
        args.summary_only || !matches!(sink, Sink::Stdout) || !(args.json || args.csv),
    );
    let mut html_failed = false;
    if let Some(path) = &args.html {
        let totals = crate::html::ScanTotals {
            mode: match args.mode {
                Mode::Diagnose => "diagnose",
                Mode::Inventory => "inventory",
                Mode::Negotiate => "negotiate",
            },
            skipped,
            stopped: stop.is_stopped(),
        };
        if let Err(e) = crate::html::write(path, &crate::html::scan_page(&html_rows, &totals)) {
            eprintln!("rdp-probe scan: {e}");
            html_failed = true;
        }
    }
    if let Some(e) = write_error
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("rdp-probe scan: cannot write: {e}");
        return ExitCode::from(exit::FAILED);
    }
    if html_failed {
        return ExitCode::from(exit::FAILED);
    }
    ExitCode::SUCCESS
}

/// Whether the open-file limit is too low for `concurrency` probes (each inventory holds up to 8
/// connections).
fn fd_limit_problem(concurrency: usize, mode: Mode) -> Option<String> {
    let per_probe = match mode {
        Mode::Diagnose => 1,
        Mode::Inventory | Mode::Negotiate => rdp_probe_core::inventory::DEFAULT_MAX_CONNECTIONS,
    };
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse::<usize>()
        .ok()?;
    // Descriptors for the runtime, stdio and output.
    let reserve = 64;
    let needed = concurrency * per_probe + reserve;
    (needed > soft).then(|| {
        format!(
            "--concurrency {concurrency} needs about {needed} open files, but the limit is {soft}: lower --concurrency to {} or raise the limit (ulimit -n)",
            soft.saturating_sub(reserve) / per_probe
        )
    })
}

/// The hosts shown under each cause of the summary; the rest are counted.
const HOSTS_SHOWN: usize = 8;

/// The hosts of one cause: how many, and the first [`HOSTS_SHOWN`] (so the summary's memory does
/// not grow with the number of targets).
#[derive(Default)]
struct Group {
    count: u64,
    shown: Vec<String>,
}

impl Group {
    fn add(&mut self, host: String) {
        self.count += 1;
        if self.shown.len() < HOSTS_SHOWN {
            self.shown.push(host);
        }
    }
}

/// The summary, on stderr when the reports went to stdout, else on stdout: each group (verdict and
/// cause) with its count and up to [`HOSTS_SHOWN`] hosts, most populous first. `not_probed` is
/// `Some` when the scan ended early (stopped, or its deadline passed), with how many targets were
/// left.
fn print_summary(
    groups: &BTreeMap<(String, String), Group>,
    finished: u64,
    skipped: u64,
    not_probed: Option<u64>,
    to_stdout: bool,
) {
    let mut text = String::new();
    let mut sorted: Vec<_> = groups.iter().collect();
    sorted.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let _ = std::fmt::Write::write_fmt(
        &mut text,
        format_args!(
            "\nSummary: {finished} hosts{}{}\n",
            if skipped > 0 {
                format!(", {skipped} skipped (done before)")
            } else {
                String::new()
            },
            match not_probed {
                Some(0) => ", stopped early".to_owned(),
                Some(n) => format!(", stopped early: {n} not probed"),
                None => String::new(),
            }
        ),
    );
    for ((verdict, cause), group) in sorted {
        let shown: Vec<&str> = group.shown.iter().map(String::as_str).collect();
        let more = group.count.saturating_sub(shown.len() as u64);
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!(
                "  {:>6}  {verdict}: {cause}\n          {}{}\n",
                group.count,
                shown.join(" "),
                if more > 0 {
                    format!(" (+{more})")
                } else {
                    String::new()
                }
            ),
        );
    }
    if to_stdout {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    } else {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}
