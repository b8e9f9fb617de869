//! The Kubernetes recipe (deploy/kubernetes): the Indexed Job's shard count agrees with its
//! completions and parallelism, its arguments parse as `rdp-probe scan` arguments, and, where kubectl
//! exists, `kubectl create --dry-run=client --validate=false` accepts the manifest.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::process::Command;

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../deploy/kubernetes/scan-job.yaml"
);

/// The value of `key: value` on the first line with that key.
fn value<'a>(yaml: &'a str, key: &str) -> &'a str {
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key}"))
        .trim()
        .trim_matches('"')
}

/// The container's `args` list.
fn args(yaml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_args = false;
    for line in yaml.lines() {
        let t = line.trim();
        if t == "args:" {
            in_args = true;
            continue;
        }
        if in_args {
            match t.strip_prefix("- ") {
                Some(a) => out.push(a.trim_matches('"').to_owned()),
                None => break,
            }
        }
    }
    out
}

#[test]
fn the_indexed_job_shards_as_many_ways_as_it_has_pods() {
    let yaml = std::fs::read_to_string(MANIFEST).unwrap();
    assert_eq!(value(&yaml, "completionMode"), "Indexed");
    let completions = value(&yaml, "completions");
    assert_eq!(value(&yaml, "parallelism"), completions);
    let a = args(&yaml);
    let shards = a
        .iter()
        .position(|x| x == "--shards")
        .map(|i| a[i + 1].clone());
    assert_eq!(shards.as_deref(), Some(completions), "{a:?}");
    // The arguments are a valid `rdp-probe scan` command line: with an index and a target list it
    // runs (against a loopback address nobody listens on) and takes its shard.
    let dir = std::env::temp_dir().join(format!("rdp-probe-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("targets.txt");
    std::fs::write(&list, "127.0.9.10-17\n").unwrap();
    let mut cli: Vec<String> = a.clone();
    let f = cli.iter().position(|x| x == "-f").unwrap();
    cli[f + 1] = list.to_str().unwrap().to_owned();
    let o = Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
        .args(&cli)
        .args(["--timeout", "0.5"])
        .env("JOB_COMPLETION_INDEX", "1")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines = String::from_utf8_lossy(&o.stdout).lines().count();
    assert_eq!(
        lines,
        8 / completions.parse::<usize>().unwrap(),
        "shard 1 of {completions}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kubectl_accepts_the_manifest_where_it_exists() {
    let Ok(o) = Command::new("kubectl")
        .args([
            "create",
            "--dry-run=client",
            "--validate=false",
            "-o",
            "name",
            "-f",
            MANIFEST,
        ])
        .output()
    else {
        eprintln!("kubectl is not installed: only the manifest's own consistency was checked");
        return;
    };
    let err = String::from_utf8_lossy(&o.stderr);
    // Client-side dry runs still ask an API server which kinds exist; without one (this machine
    // reaches only loopback) kubectl cannot map `Job` and says so.
    if !o.status.success() && err.contains("couldn't get current server API group list") {
        eprintln!("kubectl found no API server to map the kinds: skipped ({err})");
        return;
    }
    assert!(o.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("job.batch/rdp-probe-scan"));
}
