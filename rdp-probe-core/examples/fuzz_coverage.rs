//! Which engine end states a corpus of engine fuzz inputs reaches: replays every file of the given
//! directories (default `fuzz/corpus/engine` and `fuzz/regressions/engine`) through the transcript
//! harness and counts the distinct (final phase, verdict, failure kind or stop reason, code space)
//! tuples, the phases reached and the engine states ([`rdp_probe_core::engine::STATE_NAMES`]) passed
//! through.
//!
//! ```sh
//! cargo run -p rdp-probe-core --example fuzz_coverage -- fuzz/corpus/engine
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rdp_probe_core::Phase;
use rdp_probe_core::engine::STATE_NAMES;
use rdp_probe_core::engine::transcript::fuzz;

fn main() -> std::io::Result<()> {
    let mut dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        dirs = vec![
            root.join("fuzz/corpus/engine"),
            root.join("fuzz/regressions/engine"),
        ];
    }
    let mut ends: BTreeMap<(Phase, &'static str, &'static str, String), usize> = BTreeMap::new();
    let mut reached: BTreeSet<Phase> = BTreeSet::new();
    let mut states: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut inputs = 0;
    let mut violations = 0;
    for dir in &dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("{}: not readable, skipped", dir.display());
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if !path.is_file() {
                continue;
            }
            let data = std::fs::read(&path)?;
            let Some((setup, transcript)) = fuzz::run(&data) else {
                continue;
            };
            inputs += 1;
            if let Err(e) = transcript.check(&setup.options) {
                violations += 1;
                eprintln!("{}: {e}", path.display());
            }
            let r = &transcript.report;
            reached.extend(r.phases.iter().map(|p| p.phase));
            for state in &transcript.states {
                *states.entry(state).or_default() += 1;
            }
            let last = r.phases.last().map_or(Phase::Resolve, |p| p.phase);
            let (what, space) = match (r.failure(), r.stop()) {
                (Some(f), _) => (f.kind, f.code.space.as_str().to_owned()),
                (None, Some(s)) => (s.reason.as_str(), String::new()),
                (None, None) => (r.outcome().map_or("", |o| o.as_str()), String::new()),
            };
            *ends
                .entry((last, r.verdict_kind().as_str(), what, space))
                .or_default() += 1;
        }
    }
    println!("inputs: {inputs}, invariant violations: {violations}");
    println!(
        "phases reached: {}/{} ({})",
        reached.len(),
        Phase::ALL.len(),
        reached
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // `consumed` only exists inside a transition: a poll never sees it.
    let reachable = STATE_NAMES.iter().filter(|s| **s != "consumed");
    println!(
        "engine states reached: {}/{}",
        states.len(),
        reachable.clone().count()
    );
    for name in reachable {
        println!("  {:8}  {name}", states.get(name).copied().unwrap_or(0));
    }
    println!(
        "distinct end states (final phase, verdict, kind or reason, code space): {}",
        ends.len()
    );
    for ((phase, verdict, what, space), n) in &ends {
        println!("  {n:6}  {phase} {verdict} {what} {space}");
    }
    Ok(())
}
