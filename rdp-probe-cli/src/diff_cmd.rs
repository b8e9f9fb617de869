//! `rdp-probe diff OLD NEW`: what changed between two scans (or two inventories) of the same hosts,
//! as a table grouped by change (newly failing hosts first) or as JSON; the comparison itself is
//! [`rdp_probe_core::scan::diff`].

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use rdp_probe_core::scan::diff::{Diff, HostDiff, HostStatus, diff_lines};

/// The exit code when something changed (as diff(1)).
const CHANGED: u8 = 1;

/// Hosts listed per group in the table (`--json` lists them all).
const HOSTS_SHOWN: usize = 12;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier scan: the JSON Lines of `rdp-probe scan --json` (rdp-probe/1 reports or
    /// rdp-probe-inventory/1 inventories), or `-` for stdin.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The later scan of the same hosts (`-` for stdin, if OLD is not).
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Print the differences as JSON (hosts, groups, unchanged, warnings).
    #[arg(long)]
    json: bool,
    /// Also write the differences as a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// No colors.
    #[arg(long)]
    no_color: bool,
}

impl DiffArgs {
    pub fn no_color(&self) -> bool {
        self.no_color
    }
}

/// The text of `path` (`-`: stdin); bytes that are not UTF-8 are replaced, so a line cut inside a
/// character is only an unreadable line.
fn read(path: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    match read {
        Ok(()) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => Err(format!("diff: cannot read {}: {e}", path.display())),
    }
}

/// `rdp-probe diff`: exit code 0 when nothing changed, 1 when something did, 2 when a file cannot
/// be read.
pub fn run(args: &DiffArgs, styled: bool) -> ExitCode {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return crate::usage("diff: only one of OLD and NEW can be stdin (-)");
    }
    let old = match read(&args.old) {
        Ok(t) => t,
        Err(e) => return crate::usage(&e),
    };
    let new = match read(&args.new) {
        Ok(t) => t,
        Err(e) => return crate::usage(&e),
    };
    let diff = diff_lines(old.lines(), new.lines());
    for w in &diff.warnings {
        let w = if let Some(rest) = w.strip_prefix("OLD ") {
            format!("{} {rest}", args.old.display())
        } else if let Some(rest) = w.strip_prefix("NEW ") {
            format!("{} {rest}", args.new.display())
        } else {
            w.clone()
        };
        eprintln!("rdp-probe diff: {w}");
    }
    let text = if args.json {
        format!("{}\n", diff.to_json_pretty())
    } else {
        render(&diff, styled)
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = anstream::stdout().lock().write_all(text.as_bytes());
    if let Some(path) = &args.html
        && let Err(e) = crate::html::write(path, &crate::html::diff_page(&diff))
    {
        // Not 1: that says "something changed".
        eprintln!("rdp-probe diff: {e}");
        return ExitCode::from(crate::exit::USAGE);
    }
    if diff.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(CHANGED)
    }
}

fn paint(styled: bool, style: anstyle::Style, s: &str) -> String {
    if styled {
        format!("{style}{s}{style:#}")
    } else {
        s.to_owned()
    }
}

const RED_BOLD: anstyle::Style = anstyle::AnsiColor::Red.on_default().bold();
const YELLOW_BOLD: anstyle::Style = anstyle::AnsiColor::Yellow.on_default().bold();
const BOLD: anstyle::Style = anstyle::Style::new().bold();
const DIM: anstyle::Style = anstyle::Style::new().dimmed();

fn hosts_word(n: usize) -> &'static str {
    if n == 1 { "host" } else { "hosts" }
}

/// `a b c (+N more)`.
fn host_list(hosts: &[String]) -> String {
    let shown: Vec<&str> = hosts.iter().take(HOSTS_SHOWN).map(String::as_str).collect();
    let more = hosts.len().saturating_sub(HOSTS_SHOWN);
    if more > 0 {
        format!("{} (+{more} more; --json lists all)", shown.join(" "))
    } else {
        shown.join(" ")
    }
}

fn host_lines(out: &mut String, hosts: &[&HostDiff], state: impl Fn(&HostDiff) -> String) {
    let width = hosts.iter().map(|h| h.host.len()).max().unwrap_or(0);
    for h in hosts {
        let _ = writeln!(out, "  {:<width$}  {}", h.host, state(h));
    }
}

/// The table: the groups (newly failing first, each with its count and hosts), the gone and new
/// hosts, and the number unchanged; ANSI styles only when `styled`.
pub fn render(diff: &Diff, styled: bool) -> String {
    let mut out = String::new();
    let (failing, other): (Vec<_>, Vec<_>) = diff.groups.iter().partition(|g| g.newly_failing);
    for (title, style, groups) in [
        ("Newly failing", RED_BOLD, failing),
        ("Changed", YELLOW_BOLD, other),
    ] {
        if groups.is_empty() {
            continue;
        }
        let count: usize = groups.iter().map(|g| g.hosts.len()).sum();
        let _ = writeln!(
            out,
            "{} ({count} {})",
            paint(styled, style, title),
            hosts_word(count)
        );
        for g in groups {
            let n = g.hosts.len();
            let _ = writeln!(out, "  {n:>5} {:<5}  {}", hosts_word(n), g.change);
            let _ = writeln!(
                out,
                "               {}",
                paint(styled, DIM, &host_list(&g.hosts))
            );
        }
        out.push('\n');
    }
    let gone: Vec<&HostDiff> = diff
        .hosts
        .iter()
        .filter(|h| h.status == HostStatus::Gone)
        .collect();
    let new: Vec<&HostDiff> = diff
        .hosts
        .iter()
        .filter(|h| h.status == HostStatus::New)
        .collect();
    if !gone.is_empty() {
        let _ = writeln!(
            out,
            "{} ({} {})",
            paint(styled, BOLD, "Gone: only in OLD"),
            gone.len(),
            hosts_word(gone.len())
        );
        host_lines(&mut out, &gone, |h| {
            format!("was {}", h.old_state.as_deref().unwrap_or("?"))
        });
        out.push('\n');
    }
    if !new.is_empty() {
        let _ = writeln!(
            out,
            "{} ({} {})",
            paint(styled, BOLD, "New: only in NEW"),
            new.len(),
            hosts_word(new.len())
        );
        host_lines(&mut out, &new, |h| {
            format!("is {}", h.new_state.as_deref().unwrap_or("?"))
        });
        out.push('\n');
    }
    if diff.is_empty() {
        let _ = writeln!(
            out,
            "No changes: {} {} unchanged",
            diff.unchanged,
            hosts_word(diff.unchanged)
        );
    } else {
        let _ = writeln!(
            out,
            "{} {} unchanged",
            diff.unchanged,
            hosts_word(diff.unchanged)
        );
    }
    if !diff.warnings.is_empty() {
        let n = diff.warnings.len();
        let _ = writeln!(
            out,
            "{}",
            paint(
                styled,
                DIM,
                &format!(
                    "({n} input {} skipped or repeated: see above)",
                    if n == 1 { "line" } else { "lines" }
                )
            )
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(host: &str, verdict: &str, extra: &str) -> String {
        format!(
            r#"{{"schema":"rdp-probe/1","target":{{"host":"{host}","port":3389}},"verdict":"{verdict}","outcome":"connected","server":{{"selected_protocol":"rdp"}}{extra}}}"#
        )
    }

    const NEG5: &str = r#","outcome":null,"failure":{"phase":"x224","code":{"space":"neg_failure","value":5,"name":"HYBRID_REQUIRED_BY_SERVER"}},"mstsc":{"disconnect_reason":2308,"extended_reason":0},"server":{}"#;

    fn sample() -> Diff {
        let old = [
            diag("10.0.0.1", "connected", ""),
            diag("10.0.0.2", "connected", ""),
            diag("10.0.0.3", "connected", ""),
            diag("10.0.0.4", "connected", ""),
            diag("10.0.0.5", "connected", ""),
        ];
        let new = [
            diag("10.0.0.1", "failed", NEG5),
            diag("10.0.0.2", "failed", NEG5),
            diag(
                "10.0.0.3",
                "connected",
                r#","server":{"selected_protocol":"ssl"}"#,
            ),
            diag("10.0.0.4", "connected", ""),
            diag("10.0.0.6", "connected", ""),
            "{\"schema\":\"rdp-probe/1\",\"tar".to_owned(),
        ];
        diff_lines(old.iter(), new.iter())
    }

    #[test]
    fn the_table_puts_newly_failing_first_then_changes_gone_new_unchanged() {
        let d = sample();
        let text = render(&d, false);
        let order = [
            "Newly failing (2 hosts)",
            "      2 hosts  verdict connected → failed; cause x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER (mstsc 0x904/0x0)",
            "               10.0.0.1:3389 10.0.0.2:3389",
            "Changed (1 host)",
            "      1 host   selected_protocol rdp → ssl",
            "               10.0.0.3:3389",
            "Gone: only in OLD (1 host)",
            "  10.0.0.5:3389  was connected",
            "New: only in NEW (1 host)",
            "  10.0.0.6:3389  is connected",
            "1 host unchanged",
            "(1 input line skipped or repeated: see above)",
        ];
        let mut from = 0;
        for line in order {
            let at = text[from..]
                .find(line)
                .unwrap_or_else(|| panic!("{line:?} not after byte {from} in:\n{text}"));
            from += at + line.len();
        }
        assert!(!text.contains('\x1b'), "no escapes unstyled");
        assert!(render(&d, true).contains('\x1b'));
    }

    #[test]
    fn nothing_changed_says_so() {
        let lines = [diag("10.0.0.1", "connected", "")];
        let d = diff_lines(lines.iter(), lines.iter());
        assert_eq!(render(&d, false), "No changes: 1 host unchanged\n");
    }

    #[test]
    fn long_groups_are_cut() {
        let old: Vec<String> = (0..20)
            .map(|i| diag(&format!("10.0.1.{i}"), "connected", ""))
            .collect();
        let new: Vec<String> = (0..20)
            .map(|i| diag(&format!("10.0.1.{i}"), "failed", NEG5))
            .collect();
        let text = render(&diff_lines(old.iter(), new.iter()), false);
        assert!(
            text.contains("10.0.1.11:3389 (+8 more; --json lists all)"),
            "{text}"
        );
        assert!(!text.contains("10.0.1.12:3389"), "{text}");
    }

    #[test]
    fn exit_codes_follow_diff() {
        let dir = std::env::temp_dir().join(format!("rdp-probe-diff-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.jsonl");
        let b = dir.join("b.jsonl");
        std::fs::write(&a, diag("10.0.0.1", "connected", "") + "\n").unwrap();
        std::fs::write(&b, diag("10.0.0.1", "failed", NEG5) + "\n").unwrap();
        let args = |old: &Path, new: &Path| DiffArgs {
            old: old.to_path_buf(),
            new: new.to_path_buf(),
            json: true,
            html: None,
            no_color: true,
        };
        assert_eq!(run(&args(&a, &a), false), ExitCode::SUCCESS);
        assert_eq!(run(&args(&a, &b), false), ExitCode::from(CHANGED));
        assert_eq!(
            run(&args(&a, &dir.join("missing.jsonl")), false),
            ExitCode::from(2)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
