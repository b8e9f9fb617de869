//! The verdict matrix: every entry of the lab's catalog is started in-process and probed, and the
//! report must say exactly what the catalog expects (verdict, phase, code space and value, derived
//! Windows-client pair, stop reason, outcome, and the entry's extra facts). One test per entry.
//!
//! The same results generate `docs/verdict-matrix.md`; the `verdict_matrix_doc_is_current` test
//! fails when the checked-in file differs (regenerate with `UPDATE_DOCS=1 cargo test -p
//! rdp-probe-lab --test verdict_matrix`).
//!
//! Runs with its own harness (libtest-mimic): the probes run first, several at a time, and every
//! test then checks one result.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use rdp_probe_codes::{CodeSpace, mstsc};
use rdp_probe_lab::catalog::{self, Entry};
use serde_json::Value;
use tokio::sync::Semaphore;

/// How many probes run at once (each is mostly waiting; the hostile ones wait for timeouts).
const PARALLEL: usize = 6;

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/verdict-matrix.md");

/// The phases a probe can fail in against a server, from the TCP connect to finalization.
/// `secure_settings` is not among them: the Client Info PDU is the only PDU of that phase and the
/// client sends it without waiting for anything ([MS-RDPBCGR] 1.3.1.1), so whatever the server
/// does next is met while waiting for licensing. `resolve` is not a server's doing.
const SERVER_PHASES: [&str; 9] = [
    "tcp_connect",
    "x224",
    "tls",
    "credssp",
    "basic_settings",
    "channel_connection",
    "licensing",
    "capabilities",
    "finalization",
];

fn main() {
    let args = Arguments::from_args();
    let entries = catalog::catalog();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let wanted = |name: &str| match &args.filter {
        Some(f) if args.exact => name == f,
        Some(f) => {
            name.contains(f.as_str()) || "verdict_matrix_doc_is_current".contains(f.as_str())
        }
        None => true,
    };
    let results: Arc<HashMap<String, Result<Value, String>>> = Arc::new(runtime.block_on(async {
        let gate = Arc::new(Semaphore::new(PARALLEL));
        let mut tasks = tokio::task::JoinSet::new();
        for entry in entries
            .iter()
            .filter(|e| !args.list && wanted(&e.name))
            .cloned()
        {
            let gate = Arc::clone(&gate);
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await.expect("semaphore");
                // Hostile scenarios once: what a probe has received when a time limit runs out is timing.
                let times = if entry.is_hostile() { 1 } else { 2 };
                let result = probe_repeatedly(&entry, times).await;
                (entry.name, result)
            });
        }
        let mut results = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (name, result) = joined.expect("probe task");
            results.insert(name, result);
        }
        results
    }));

    let mut trials = Vec::new();
    for entry in &entries {
        let entry = entry.clone();
        let results = Arc::clone(&results);
        trials.push(Trial::test(entry.name.clone(), move || {
            match results.get(&entry.name) {
                Some(Ok(json)) => check(&entry, json),
                Some(Err(e)) => Err(e.clone().into()),
                None => Err("not probed".into()),
            }
        }));
    }
    {
        let entries = entries.clone();
        trials.push(Trial::test(
            "catalog_covers_every_code_space_and_phase",
            move || coverage(&entries),
        ));
    }
    {
        let results = Arc::clone(&results);
        trials.push(Trial::test("verdict_matrix_doc_is_current", move || {
            let doc = render(&entries, &results)?;
            if std::env::var_os("UPDATE_DOCS").is_some() {
                std::fs::write(DOC, &doc).map_err(|e| format!("writing {DOC}: {e}"))?;
                return Ok(());
            }
            let current = std::fs::read_to_string(DOC).unwrap_or_default();
            if current != doc {
                return Err(format!(
                    "{DOC} is stale; regenerate with UPDATE_DOCS=1 cargo test -p rdp-probe-lab --test verdict_matrix"
                )
                .into());
            }
            Ok(())
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Probes one server `times` times, one probe after the other, and requires every report to equal the
/// first but for `elapsed_ms`: byte counts included, which must not depend on how the kernel delivered
/// the segments (the probes run several at a time on a busy machine, so delivery does vary).
async fn probe_repeatedly(entry: &Entry, times: usize) -> Result<Value, String> {
    let running = entry
        .start()
        .await
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let target = running.target().map_err(|e| e.to_string())?;
    let options = entry.options_for(&running);
    let mut first: Option<Value> = None;
    for _ in 0..times {
        let report = rdp_probe_core::probe(&target, &options).await;
        let json = serde_json::from_str::<Value>(&report.to_json())
            .map_err(|e| format!("report JSON: {e}"))?;
        let Some(first) = &first else {
            first = Some(json);
            continue;
        };
        let mut differences = Vec::new();
        differ("", first, &json, &mut differences);
        // The server's clock, as its NTLM CHALLENGE states it, moves on between two probes.
        differences.retain(|d| !WALL_CLOCK.iter().any(|k| d.starts_with(k)));
        if entry.needs_kdc() {
            // Kerberos messages carry random nonces and sequence numbers, whose DER encoding is a
            // byte longer or shorter from one logon to the next: only their byte counts may vary.
            differences.retain(|d| !KERBEROS_BYTE_COUNTS.iter().any(|k| d.contains(k)));
        }
        if !differences.is_empty() {
            return Err(format!(
                "two probes of one server disagree:\n{}\n{first:#}",
                differences.join("\n")
            ));
        }
    }
    drop(running);
    first.ok_or_else(|| "not probed".to_owned())
}

/// The facts that are readings of the server's clock (see `probe_repeatedly`).
const WALL_CLOCK: [&str; 2] = [".server.ntlm.server_time:", ".server.ntlm.clock_offset_s:"];

/// The byte counts a Kerberos logon changes from one probe to the next (see `probe_repeatedly`).
const KERBEROS_BYTE_COUNTS: [&str; 4] = [
    ".sent_bytes:",
    ".received_bytes:",
    ".bytes_sent:",
    ".bytes_received:",
];

/// Lists where `a` and `b` differ, by JSON path, ignoring `elapsed_ms`.
fn differ(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys.into_iter().filter(|k| *k != "elapsed_ms") {
                let va = x.get(key.as_str()).unwrap_or(&Value::Null);
                let vb = y.get(key.as_str()).unwrap_or(&Value::Null);
                differ(&format!("{path}.{key}"), va, vb, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                differ(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} then {b}")),
        _ => {}
    }
}

/// Compares one report with the entry's expectations; every mismatch is listed.
fn check(entry: &Entry, json: &Value) -> Result<(), Failed> {
    let mut wrong = entry.expect.mismatches(json);
    if entry.expect.verdict == "failed" {
        for field in ["message", "hint"] {
            if json["failure"][field].as_str().is_none_or(str::is_empty) {
                wrong.push(format!("failure.{field} is empty"));
            }
        }
    }
    wrong.extend(unnamed_codes(json));
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{json:#}", wrong.join("\n")).into())
    }
}

/// Every code the report contains, as rdp-probe-codes names it: the failure's code and the errinfo,
/// RDP_NEG_FAILURE and stop-reason names among the facts. rdp-probe's own codes must have a row;
/// a server's value that no table knows must carry the codes crate's UNKNOWN name.
fn unnamed_codes(json: &Value) -> Vec<String> {
    let mut codes: Vec<(CodeSpace, &Value, &Value)> = Vec::new();
    let mut wrong = Vec::new();
    let code = &json["failure"]["code"];
    if !code.is_null() {
        match code["space"].as_str().and_then(CodeSpace::parse) {
            Some(space) => codes.push((space, &code["value"], &code["name"])),
            None => wrong.push(format!("unknown code space {}", code["space"])),
        }
    }
    let facts = |key: &str| json["server"][key].as_array().into_iter().flatten();
    for fact in facts("errinfo_received") {
        codes.push((CodeSpace::Errinfo, &fact["value"], &fact["name"]));
    }
    for fact in facts("negotiation_failures") {
        codes.push((CodeSpace::NegFailure, &fact["code"], &fact["name"]));
    }
    for (space, value, name) in codes {
        let (Some(value), Some(name)) = (
            value.as_u64().and_then(|v| u32::try_from(v).ok()),
            name.as_str(),
        ) else {
            wrong.push(format!("{space}: a code without a u32 value or a name"));
            continue;
        };
        let named = rdp_probe_codes::is_known(space, value, name)
            || (!space.is_own()
                && rdp_probe_codes::report_name(space, value).as_deref() == Some(name));
        if !named {
            wrong.push(format!(
                "{space} {value} is named {name}, which is not how rdp-probe-codes names it"
            ));
        }
    }
    if let Some(reason) = json["stop"]["reason"].as_str()
        && rdp_probe_codes::StopReason::parse(reason).is_none()
    {
        wrong.push(format!("stop reason {reason} is not in rdp-probe-codes"));
    }
    wrong
}

fn coverage(entries: &[Entry]) -> Result<(), Failed> {
    // A code space counts when a verdict carries it, or when a fact names it (the Kerberos failure a
    // fallback to NTLM records).
    let spaces: HashSet<CodeSpace> = entries
        .iter()
        .filter_map(|e| e.expect.code)
        .map(|c| c.0)
        .chain(entries.iter().flat_map(|e| {
            e.expect
                .facts
                .iter()
                .filter(|(pointer, _)| pointer.ends_with("/code/space"))
                .filter_map(|(_, value)| CodeSpace::parse(value.trim_matches('"')))
        }))
        .collect();
    let phases: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.expect.code.is_some())
        .filter_map(|e| e.expect.phase)
        .collect();
    let mut missing: Vec<String> = CodeSpace::ALL
        .iter()
        .filter(|s| !spaces.contains(s))
        .map(|s| format!("code space {}", s.as_str()))
        .collect();
    missing.extend(
        SERVER_PHASES
            .iter()
            .filter(|p| !phases.contains(*p))
            .map(|p| format!("phase {p}")),
    );
    if !entries.iter().any(|e| e.expect.verdict == "connected") {
        missing.push("a healthy server".into());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("no scenario fails with: {}", missing.join(", ")).into())
    }
}

/// Markdown-table-safe text.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The document, from the catalog and the reports (only fields that do not vary between runs).
fn render(
    entries: &[Entry],
    results: &HashMap<String, Result<Value, String>>,
) -> Result<String, Failed> {
    let mut doc = String::new();
    doc.push_str(
        "# Verdict matrix\n\n\
         Generated by `rdp-probe-lab/tests/verdict_matrix.rs` from the lab's catalog \
         (`rdp-probe-lab list`) and the reports rdp-probe gave against each scenario; \
         the test fails when this file is stale.\n\n\
         Each row: the lab scenario (serve it with `rdp-probe-lab serve NAME`), what the server does, \
         what rdp-probe reports (verdict, phase, the server's code), what the Windows client would \
         show (**derived**: rdp-probe's estimate of the disconnect reason / extended reason pair, see \
         [mstsc-mapping.md](../rdp-probe-codes/docs/mstsc-mapping.md)), and rdp-probe's hint.\n\n\
         Hostile scenarios are probed with a 1 s phase limit, the others with 5 s.\n\n\
         | Scenario | Server does | rdp-probe reports | Windows client (derived) | Hint |\n\
         |---|---|---|---|---|\n",
    );
    for entry in entries {
        let json = match results.get(&entry.name) {
            Some(Ok(json)) => json,
            Some(Err(e)) => return Err(format!("{}: {e}", entry.name).into()),
            None => return Err(format!("{} was not probed", entry.name).into()),
        };
        let reports = reported(json);
        let (windows, hint) = match json["verdict"].as_str() {
            Some("failed") => {
                let disc = json["mstsc"]["disconnect_reason"].as_u64().unwrap_or(0) as u32;
                let ext = json["mstsc"]["extended_reason"].as_u64().unwrap_or(0) as u32;
                (
                    format!("`{disc:#x}` / `{ext:#x}`: {}", mstsc::mstsc_text(disc, ext)),
                    json["failure"]["hint"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            }
            Some("needs_credentials" | "inconclusive") => (
                "(no error: asks for credentials)".to_owned(),
                json["stop"]["hint"].as_str().unwrap_or_default().to_owned(),
            ),
            _ => ("(connects)".to_owned(), String::new()),
        };
        let _ = writeln!(
            doc,
            "| `{}` | {} | {} | {} | {} |",
            entry.name,
            cell(&entry.describe()),
            cell(&reports),
            cell(&windows),
            cell(&hint),
        );
    }
    Ok(doc)
}

/// Verdict, phase, and the server's code with the name the report gives it.
fn reported(json: &Value) -> String {
    let verdict = json["verdict"].as_str().unwrap_or("?");
    let mut s = verdict.to_owned();
    let (section, detail) = match verdict {
        "failed" => ("failure", "code"),
        "needs_credentials" | "inconclusive" => ("stop", "reason"),
        _ => {
            if let Some(outcome) = json["outcome"].as_str().filter(|o| *o != verdict) {
                let _ = write!(s, " ({outcome})");
            }
            return s;
        }
    };
    let _ = write!(s, " in {}", json[section]["phase"].as_str().unwrap_or("?"));
    if detail == "code" {
        let code = &json["failure"]["code"];
        let space = code["space"].as_str().unwrap_or("?");
        let value = code["value"].as_u64().unwrap_or(0) as u32;
        let value = match CodeSpace::parse(space) {
            Some(space) => catalog::format_code(space, value),
            None => value.to_string(),
        };
        let _ = write!(
            s,
            ": {space} {value} `{}`",
            code["name"].as_str().unwrap_or("?")
        );
    } else {
        let _ = write!(s, " ({})", json["stop"]["reason"].as_str().unwrap_or("?"));
    }
    s
}
