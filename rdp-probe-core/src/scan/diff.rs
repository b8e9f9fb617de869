//! What changed between two scans of the same hosts: "what did Tuesday's update do to the fleet".
//!
//! Pure, no I/O: the input is two sequences of reports (the JSON Lines of two `rdp-probe scan --json`
//! runs, or two sets of single-host reports), `rdp-probe/1` diagnoses or `rdp-probe-inventory/1`
//! inventories; the output is a [`Diff`]: per host ([`HostDiff`]) each aspect that changed with its old
//! and new value ([`Change`]), the hosts grouped by identical change ([`ChangeGroup`]: newly failing
//! hosts first, then the most populous), the count of unchanged hosts, and warnings about the input.
//!
//! Hosts are keyed by `host:port` (the report's `target`). A host reported twice in one input counts
//! once, with its later report (a warning says so). A host only in the old input is
//! [`HostStatus::Gone`], only in the new one [`HostStatus::New`]; a diagnosis on one side and an
//! inventory on the other is [`HostStatus::NotComparable`].
//!
//! What is compared:
//!
//! - `rdp-probe/1`: the verdict; the cause (the failure's phase, code space, value and name and the
//!   mstsc pair; or the stop's phase and reason; or the outcome `redirected`); and the server's
//!   `selected_protocol`, `tls.version`, `credssp_version`, `certificate.sha256` and
//!   `certificate.not_after`. When the probe ended differently, a fact present on one side only is not
//!   a change (the other probe did not get that far).
//! - `rdp-probe-inventory/1`: `error` (reachable or not; when either side was unreachable, nothing else
//!   is compared, as nothing else was measured); `nla`; each protocol's `accepted`; the TLS versions
//!   accepted; per version accepted on both sides, the cipher suites added and removed; Standard RDP
//!   Security's `encryption_methods` and `encryption_level`; `credssp.version`; the certificate's
//!   `sha256` and `not_after`; the findings added and removed (by id); each client whose `connects`
//!   changed.
//!
//! A host is *newly failing* when it was `connected` or `needs_credentials` and is now `failed`, or
//! was reachable and is now unreachable.
//!
//! ```
//! use rdp_probe_core::scan::diff::{diff_lines, HostStatus};
//!
//! let old = [
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.1","port":3389},"verdict":"connected","outcome":"connected"}"#,
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.2","port":3389},"verdict":"connected","outcome":"connected"}"#,
//! ];
//! let new = [
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.1","port":3389},"verdict":"failed","#,
//!     r#"   "failure":{"phase":"x224","code":{"space":"neg_failure","value":5,"name":"HYBRID_REQUIRED_BY_SERVER"}}}"#,
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.2","port":3389},"verdict":"connected","outcome":"connected"}"#,
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.3","port":3389},"verdict":"connected","outcome":"connec"#,
//! ];
//! // The JSON Lines of one report each: the second file's first report was written on two lines
//! // here, and its last line was cut short, so these are three unreadable lines.
//! let d = diff_lines(old, new);
//! assert_eq!(d.warnings.len(), 3);
//! assert_eq!(d.hosts.len(), 1);
//! assert_eq!(d.hosts[0].status, HostStatus::Gone);
//!
//! let new = [
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.1","port":3389},"verdict":"failed","failure":{"phase":"x224","code":{"space":"neg_failure","value":5,"name":"HYBRID_REQUIRED_BY_SERVER"}}}"#,
//!     r#"{"schema":"rdp-probe/1","target":{"host":"10.0.0.2","port":3389},"verdict":"connected","outcome":"connected"}"#,
//! ];
//! let d = diff_lines(old, new);
//! assert!(d.warnings.is_empty());
//! assert_eq!(d.unchanged, 1);
//! let host = &d.hosts[0];
//! assert_eq!(host.host, "10.0.0.1:3389");
//! assert!(host.newly_failing);
//! assert_eq!(host.changes[0].aspect, "verdict");
//! assert_eq!(host.changes[0].old, "connected");
//! assert_eq!(host.changes[0].new, "failed");
//! assert_eq!(
//!     d.groups[0].change,
//!     "verdict connected → failed; cause x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER"
//! );
//! assert_eq!(d.groups[0].hosts, ["10.0.0.1:3389"]);
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;

/// The schema of a diagnosis.
pub const DIAGNOSIS_SCHEMA: &str = "rdp-probe/1";
/// The schema of an inventory.
pub const INVENTORY_SCHEMA: &str = "rdp-probe-inventory/1";

/// What changed between two scans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Every host that changed, is gone, is new or is not comparable, in host order (addresses
    /// numerically, then names), each with its changes.
    pub hosts: Vec<HostDiff>,
    /// The changed and not comparable hosts grouped by identical change: newly failing first, then
    /// by the number of hosts (most first), then by the change's text.
    pub groups: Vec<ChangeGroup>,
    /// Hosts in both inputs, with the same schema, where nothing compared changed.
    pub unchanged: usize,
    /// Problems with the input (unreadable lines, reports without a target or of another schema,
    /// hosts reported twice), each naming the side (`OLD`, `NEW`) and the line or position.
    pub warnings: Vec<String>,
}

impl Diff {
    /// Whether nothing changed: no host changed, went, came or became not comparable (warnings do
    /// not count).
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The number of hosts that are newly failing.
    pub fn newly_failing(&self) -> usize {
        self.hosts.iter().filter(|h| h.newly_failing).count()
    }

    /// The JSON form, pretty-printed.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// How a host differs between the two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostStatus {
    /// In both, with the same schema, and something changed.
    Changed,
    /// Only in the old input.
    Gone,
    /// Only in the new input.
    New,
    /// A diagnosis in one input and an inventory in the other.
    NotComparable,
}

impl HostStatus {
    /// `changed`, `gone`, `new`, `not_comparable`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostStatus::Changed => "changed",
            HostStatus::Gone => "gone",
            HostStatus::New => "new",
            HostStatus::NotComparable => "not_comparable",
        }
    }
}

/// One host's difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostDiff {
    /// `host:port`, as the reports' `target` names it.
    pub host: String,
    /// Changed, gone, new or not comparable.
    pub status: HostStatus,
    /// Whether the host was `connected` / `needs_credentials` and is now `failed`, or was reachable
    /// and is now unreachable.
    pub newly_failing: bool,
    /// The old report's schema (absent for a new host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_schema: Option<String>,
    /// The new report's schema (absent for a gone host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_schema: Option<String>,
    /// The old report in a few words: the verdict and its cause, or reachable/unreachable and NLA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_state: Option<String>,
    /// The new report in a few words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_state: Option<String>,
    /// Each aspect that changed (empty unless [`HostStatus::Changed`]).
    pub changes: Vec<Change>,
}

/// One aspect that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What changed, as a path in the report: `verdict`, `cause`, `server.selected_protocol`,
    /// `server.tls.version`, `server.credssp_version`, `server.certificate.sha256`,
    /// `server.certificate.not_after` (`rdp-probe/1`); `error`, `nla`, `protocols.<name>.accepted`,
    /// `tls.versions` (the versions accepted), `tls.versions.<version>.cipher_suites`,
    /// `standard_rdp.encryption_methods`, `standard_rdp.encryption_level`, `credssp.version`,
    /// `tls.certificate.sha256`, `tls.certificate.not_after`, `findings` (their ids),
    /// `clients.<profile>.connects` (`rdp-probe-inventory/1`).
    pub aspect: String,
    /// The old value (`null`: absent or not measured); for a set, its members.
    pub old: Value,
    /// The new value.
    pub new: Value,
    /// For a set: the members only in the new value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// For a set: the members only in the old value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// The change in words, without what is particular to the host (a certificate's fingerprint),
    /// so that hosts with the same change have the same summary.
    pub summary: String,
}

/// Hosts with the same change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeGroup {
    /// The change: the summaries of its [`Change`]s joined with `; ` (or `not comparable: OLD
    /// schema → NEW schema`).
    pub change: String,
    /// Whether these hosts are newly failing.
    pub newly_failing: bool,
    /// The hosts (`host:port`), in host order.
    pub hosts: Vec<String>,
}

/// Diffs two sequences of reports (each a JSON object with `schema` and `target`). Warnings name the
/// report by its position (1-based) in its input.
pub fn diff<O, N>(old: O, new: N) -> Diff
where
    O: IntoIterator<Item = Value>,
    N: IntoIterator<Item = Value>,
{
    let mut warnings = Vec::new();
    let old = collect(
        "OLD",
        "report",
        old.into_iter().enumerate().map(|(i, v)| (i + 1, Ok(v))),
        &mut warnings,
    );
    let new = collect(
        "NEW",
        "report",
        new.into_iter().enumerate().map(|(i, v)| (i + 1, Ok(v))),
        &mut warnings,
    );
    compare(old, new, warnings)
}

/// Diffs two JSON Lines texts given as lines: blank lines are skipped, and a line that is not JSON
/// (one cut short by a killed scan) is skipped with a warning naming its line number (1-based).
pub fn diff_lines<O, N>(old: O, new: N) -> Diff
where
    O: IntoIterator,
    O::Item: AsRef<str>,
    N: IntoIterator,
    N::Item: AsRef<str>,
{
    let mut warnings = Vec::new();
    let old = collect("OLD", "line", parse_lines(old), &mut warnings);
    let new = collect("NEW", "line", parse_lines(new), &mut warnings);
    compare(old, new, warnings)
}

/// The non-blank lines, numbered, parsed.
fn parse_lines<I>(lines: I) -> impl Iterator<Item = (usize, Result<Value, String>)>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    lines
        .into_iter()
        .enumerate()
        .filter(|(_, l)| !l.as_ref().trim().is_empty())
        .map(|(i, l)| {
            (
                i + 1,
                serde_json::from_str::<Value>(l.as_ref()).map_err(|e| e.to_string()),
            )
        })
}

/// A host's report in one input.
struct Entry {
    host: String,
    port: u64,
    schema: &'static str,
    report: Value,
}

/// The reports of one side by `host:port`, the later winning.
fn collect(
    side: &str,
    unit: &str,
    items: impl Iterator<Item = (usize, Result<Value, String>)>,
    warnings: &mut Vec<String>,
) -> HashMap<String, (usize, Entry)> {
    let mut out: HashMap<String, (usize, Entry)> = HashMap::new();
    for (n, item) in items {
        let report = match item {
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!("{side} {unit} {n}: not JSON ({e}); skipped"));
                continue;
            }
        };
        let schema = match report.get("schema").and_then(Value::as_str) {
            Some(DIAGNOSIS_SCHEMA) => DIAGNOSIS_SCHEMA,
            Some(INVENTORY_SCHEMA) => INVENTORY_SCHEMA,
            Some(other) => {
                warnings.push(format!(
                    "{side} {unit} {n}: schema {other:?} is neither {DIAGNOSIS_SCHEMA} nor {INVENTORY_SCHEMA}; skipped"
                ));
                continue;
            }
            None => {
                warnings.push(format!(
                    "{side} {unit} {n}: not a report (no schema); skipped"
                ));
                continue;
            }
        };
        let (Some(host), Some(port)) = (
            report.pointer("/target/host").and_then(Value::as_str),
            report.pointer("/target/port").and_then(Value::as_u64),
        ) else {
            warnings.push(format!(
                "{side} {unit} {n}: no target host and port; skipped"
            ));
            continue;
        };
        let key = format!("{host}:{port}");
        let entry = Entry {
            host: host.to_owned(),
            port,
            schema,
            report,
        };
        if let Some((first, _)) = out.insert(key.clone(), (n, entry)) {
            warnings.push(format!(
                "{side} {unit} {n}: {key} again (also {unit} {first}); the later {unit} wins"
            ));
        }
    }
    out
}

/// Addresses first, numerically (IPv4 before IPv6), then names; then the port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum IpOrName {
    Ip(IpAddr),
    Name(String),
}

fn order_key(e: &Entry) -> (IpOrName, u64) {
    let host = e.host.trim_start_matches('[').trim_end_matches(']');
    let h = match host.parse::<IpAddr>() {
        Ok(ip) => IpOrName::Ip(ip),
        Err(_) => IpOrName::Name(e.host.to_ascii_lowercase()),
    };
    (h, e.port)
}

fn compare(
    old: HashMap<String, (usize, Entry)>,
    mut new: HashMap<String, (usize, Entry)>,
    warnings: Vec<String>,
) -> Diff {
    let mut hosts: Vec<((IpOrName, u64), HostDiff)> = Vec::new();
    let mut unchanged = 0;
    for (key, (_, o)) in old {
        let order = order_key(&o);
        let Some((_, n)) = new.remove(&key) else {
            hosts.push((
                order,
                HostDiff {
                    host: key,
                    status: HostStatus::Gone,
                    newly_failing: false,
                    old_schema: Some(o.schema.to_owned()),
                    new_schema: None,
                    old_state: Some(state(&o)),
                    new_state: None,
                    changes: Vec::new(),
                },
            ));
            continue;
        };
        let (status, newly_failing, changes) = if o.schema != n.schema {
            (HostStatus::NotComparable, false, Vec::new())
        } else if o.schema == DIAGNOSIS_SCHEMA {
            (
                HostStatus::Changed,
                diagnosis_newly_failing(&o.report, &n.report),
                diagnosis_changes(&o.report, &n.report),
            )
        } else {
            (
                HostStatus::Changed,
                inventory_newly_failing(&o.report, &n.report),
                inventory_changes(&o.report, &n.report),
            )
        };
        if status == HostStatus::Changed && changes.is_empty() {
            unchanged += 1;
            continue;
        }
        hosts.push((
            order,
            HostDiff {
                host: key,
                status,
                newly_failing,
                old_schema: Some(o.schema.to_owned()),
                new_schema: Some(n.schema.to_owned()),
                old_state: Some(state(&o)),
                new_state: Some(state(&n)),
                changes,
            },
        ));
    }
    for (key, (_, n)) in new {
        hosts.push((
            order_key(&n),
            HostDiff {
                host: key,
                status: HostStatus::New,
                newly_failing: false,
                old_schema: None,
                new_schema: Some(n.schema.to_owned()),
                old_state: None,
                new_state: Some(state(&n)),
                changes: Vec::new(),
            },
        ));
    }
    hosts.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.host.cmp(&b.1.host)));
    let hosts: Vec<HostDiff> = hosts.into_iter().map(|(_, h)| h).collect();

    let mut by_change: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
    for h in &hosts {
        let change = match h.status {
            HostStatus::Changed => h
                .changes
                .iter()
                .map(|c| c.summary.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            HostStatus::NotComparable => format!(
                "not comparable: {} → {}",
                h.old_schema.as_deref().unwrap_or("?"),
                h.new_schema.as_deref().unwrap_or("?")
            ),
            HostStatus::Gone | HostStatus::New => continue,
        };
        by_change
            .entry((h.newly_failing, change))
            .or_default()
            .push(h.host.clone());
    }
    let mut groups: Vec<ChangeGroup> = by_change
        .into_iter()
        .map(|((newly_failing, change), hosts)| ChangeGroup {
            change,
            newly_failing,
            hosts,
        })
        .collect();
    groups.sort_by(|a, b| {
        b.newly_failing
            .cmp(&a.newly_failing)
            .then(b.hosts.len().cmp(&a.hosts.len()))
            .then_with(|| a.change.cmp(&b.change))
    });
    Diff {
        hosts,
        groups,
        unchanged,
        warnings,
    }
}

/// The value at `pointer`, `null` when absent.
fn at(v: &Value, pointer: &str) -> Value {
    v.pointer(pointer).cloned().unwrap_or(Value::Null)
}

/// A value in words: a string without quotes, `none` for null.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        other => other.to_string(),
    }
}

/// A diagnosis's cause: the failure (phase, code, mstsc pair), the stop (phase, reason), or the
/// outcome when it is not plain `connected`; `null` for a plain connection.
fn cause(r: &Value) -> Value {
    if let Some(f) = r.get("failure").filter(|f| !f.is_null()) {
        let mut s = format!(
            "{} {} {} {}",
            plain(&at(f, "/phase")),
            plain(&at(f, "/code/space")),
            plain(&at(f, "/code/value")),
            plain(&at(f, "/code/name")),
        );
        if let (Some(d), Some(e)) = (
            r.pointer("/mstsc/disconnect_reason")
                .and_then(Value::as_u64),
            r.pointer("/mstsc/extended_reason").and_then(Value::as_u64),
        ) {
            s.push_str(&format!(" (mstsc 0x{d:x}/0x{e:x})"));
        }
        return Value::String(s);
    }
    if let Some(s) = r.get("stop").filter(|s| !s.is_null()) {
        return Value::String(format!(
            "{} {}",
            plain(&at(s, "/phase")),
            plain(&at(s, "/reason"))
        ));
    }
    match r.get("outcome").and_then(Value::as_str) {
        None | Some("connected") => Value::Null,
        Some(o) => Value::String(o.to_owned()),
    }
}

/// A report in a few words.
fn state(e: &Entry) -> String {
    let r = &e.report;
    if e.schema == DIAGNOSIS_SCHEMA {
        let verdict = plain(&at(r, "/verdict"));
        match cause(r) {
            Value::Null => verdict,
            c => format!("{verdict}: {}", plain(&c)),
        }
    } else {
        match r.get("error").filter(|e| !e.is_null()) {
            Some(err) => format!(
                "unreachable: {} {}",
                plain(&at(err, "/phase")),
                plain(&at(err, "/message"))
            ),
            None => format!("reachable, nla {}", plain(&at(r, "/nla"))),
        }
    }
}

fn diagnosis_newly_failing(o: &Value, n: &Value) -> bool {
    let was = o.get("verdict").and_then(Value::as_str);
    let is = n.get("verdict").and_then(Value::as_str);
    matches!(was, Some("connected" | "needs_credentials")) && is == Some("failed")
}

fn inventory_newly_failing(o: &Value, n: &Value) -> bool {
    at(o, "/error").is_null() && !at(n, "/error").is_null()
}

/// A change of one value, with its summary.
fn scalar(aspect: &str, old: Value, new: Value, summary: String) -> Change {
    Change {
        aspect: aspect.to_owned(),
        old,
        new,
        added: Vec::new(),
        removed: Vec::new(),
        summary,
    }
}

/// `label old → new`.
fn scalar_summary(label: &str, old: &Value, new: &Value) -> String {
    format!("{label} {} → {}", plain(old), plain(new))
}

/// The summary of a certificate aspect (the values are the host's own: only the direction).
fn certificate_summary(what: &str, old: &Value, new: &Value) -> String {
    match (old, new) {
        (Value::Null, _) => format!("certificate {what} appeared"),
        (_, Value::Null) => format!("certificate {what} gone"),
        (Value::String(a), Value::String(b)) if what == "not_after" => {
            match a.as_str().cmp(b.as_str()) {
                Ordering::Less => "certificate not_after later".to_owned(),
                Ordering::Greater => "certificate not_after earlier".to_owned(),
                Ordering::Equal => "certificate not_after changed".to_owned(),
            }
        }
        _ => format!("certificate {what} changed"),
    }
}

/// The certificate's fingerprint and expiry under `base` (`/server/certificate`,
/// `/tls/certificate`); with `skip_presence`, a side without the value does not count.
fn certificate_changes(
    out: &mut Vec<Change>,
    o: &Value,
    n: &Value,
    base: &str,
    skip_presence: bool,
) {
    let prefix = base.trim_start_matches('/').replace('/', ".");
    for field in ["sha256", "not_after"] {
        let pointer = format!("{base}/{field}");
        let (a, b) = (at(o, &pointer), at(n, &pointer));
        if a == b || (skip_presence && (a.is_null() || b.is_null())) {
            continue;
        }
        let summary = certificate_summary(field, &a, &b);
        out.push(scalar(&format!("{prefix}.{field}"), a, b, summary));
    }
}

fn diagnosis_changes(o: &Value, n: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let (a, b) = (at(o, "/verdict"), at(n, "/verdict"));
    if a != b {
        let summary = scalar_summary("verdict", &a, &b);
        out.push(scalar("verdict", a, b, summary));
    }
    let (a, b) = (cause(o), cause(n));
    let ending_changed = a != b;
    if ending_changed {
        let summary = match (&a, &b) {
            (Value::Null, b) => format!("cause {}", plain(b)),
            (a, Value::Null) => format!("cause {} gone", plain(a)),
            (a, b) => scalar_summary("cause", a, b),
        };
        out.push(scalar("cause", a, b, summary));
    }
    for (aspect, pointer, label) in [
        (
            "server.selected_protocol",
            "/server/selected_protocol",
            "selected_protocol",
        ),
        ("server.tls.version", "/server/tls/version", "TLS version"),
        (
            "server.credssp_version",
            "/server/credssp_version",
            "CredSSP version",
        ),
    ] {
        let (a, b) = (at(o, pointer), at(n, pointer));
        // Absent on one side because that probe ended elsewhere: not a change of the server's.
        if a == b || (ending_changed && (a.is_null() || b.is_null())) {
            continue;
        }
        let summary = scalar_summary(label, &a, &b);
        out.push(scalar(aspect, a, b, summary));
    }
    certificate_changes(&mut out, o, n, "/server/certificate", ending_changed);
    out
}

/// The keys of the object at `pointer` whose `field` is `true`; `None` when there is no object.
fn accepted_keys(v: &Value, pointer: &str, field: &str) -> Option<BTreeSet<String>> {
    let obj = v.pointer(pointer)?.as_object()?;
    Some(
        obj.iter()
            .filter(|(_, x)| x.get(field).and_then(Value::as_bool) == Some(true))
            .map(|(k, _)| k.clone())
            .collect(),
    )
}

/// The strings of the array at `pointer` (for an array of objects, each one's `field`); `None`
/// when there is no array.
fn string_set(v: &Value, pointer: &str, field: Option<&str>) -> Option<BTreeSet<String>> {
    let arr = v.pointer(pointer)?.as_array()?;
    Some(
        arr.iter()
            .filter_map(|x| match field {
                Some(f) => x.get(f).and_then(Value::as_str),
                None => x.as_str(),
            })
            .map(str::to_owned)
            .collect(),
    )
}

fn set_value(s: &Option<BTreeSet<String>>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => Value::Array(s.iter().cloned().map(Value::String).collect()),
    }
}

/// A change of a set (`None`: not measured), or nothing when equal.
fn set_change(
    aspect: &str,
    label: &str,
    old: Option<BTreeSet<String>>,
    new: Option<BTreeSet<String>>,
) -> Option<Change> {
    if old == new {
        return None;
    }
    let empty = BTreeSet::new();
    let added: Vec<String> = new
        .as_ref()
        .unwrap_or(&empty)
        .difference(old.as_ref().unwrap_or(&empty))
        .cloned()
        .collect();
    let removed: Vec<String> = old
        .as_ref()
        .unwrap_or(&empty)
        .difference(new.as_ref().unwrap_or(&empty))
        .cloned()
        .collect();
    let summary = if old.is_none() || new.is_none() {
        let words = |s: &Option<BTreeSet<String>>| match s {
            None => "not measured".to_owned(),
            Some(s) if s.is_empty() => "none".to_owned(),
            Some(s) => s.iter().cloned().collect::<Vec<_>>().join(","),
        };
        format!("{label} {} → {}", words(&old), words(&new))
    } else {
        let parts: Vec<String> = added
            .iter()
            .map(|a| format!("+{a}"))
            .chain(removed.iter().map(|r| format!("-{r}")))
            .collect();
        format!("{label} {}", parts.join(" "))
    };
    Some(Change {
        aspect: aspect.to_owned(),
        old: set_value(&old),
        new: set_value(&new),
        added,
        removed,
        summary,
    })
}

fn inventory_changes(o: &Value, n: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let (a, b) = (at(o, "/error"), at(n, "/error"));
    if a != b {
        let words = |e: &Value| match e {
            Value::Null => "reachable".to_owned(),
            e => format!("unreachable ({})", plain(&at(e, "/phase"))),
        };
        let summary = format!("{} → {}", words(&a), words(&b));
        out.push(scalar("error", a.clone(), b.clone(), summary));
    }
    // Unreachable: nothing else was measured.
    if !a.is_null() || !b.is_null() {
        return out;
    }
    let (a, b) = (at(o, "/nla"), at(n, "/nla"));
    if a != b {
        let summary = scalar_summary("nla", &a, &b);
        out.push(scalar("nla", a, b, summary));
    }
    let names: BTreeSet<String> = [o, n]
        .iter()
        .filter_map(|v| v.get("protocols").and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect();
    for name in names {
        let pointer = format!("/protocols/{name}/accepted");
        let (a, b) = (at(o, &pointer), at(n, &pointer));
        if a != b {
            let words = |v: &Value| match v {
                Value::Bool(true) => "accepted",
                Value::Bool(false) => "refused",
                _ => "not asked",
            };
            let summary = format!("protocol {name} {} → {}", words(&a), words(&b));
            out.push(scalar(&format!("protocols.{name}.accepted"), a, b, summary));
        }
    }
    let (va, vb) = (
        accepted_keys(o, "/tls/versions", "accepted"),
        accepted_keys(n, "/tls/versions", "accepted"),
    );
    if let (Some(va), Some(vb)) = (&va, &vb) {
        for version in va.intersection(vb) {
            let pointer = format!("/tls/versions/{version}/cipher_suites");
            out.extend(set_change(
                &format!("tls.versions.{version}.cipher_suites"),
                &format!("{version} suites"),
                string_set(o, &pointer, None),
                string_set(n, &pointer, None),
            ));
        }
    }
    // The versions before their suites, as a reader takes them.
    if let Some(c) = set_change("tls.versions", "TLS versions", va, vb) {
        let at_suites = out
            .iter()
            .position(|c| c.aspect.starts_with("tls.versions."))
            .unwrap_or(out.len());
        out.insert(at_suites, c);
    }
    out.extend(set_change(
        "standard_rdp.encryption_methods",
        "Standard RDP Security methods",
        string_set(o, "/standard_rdp/encryption_methods", None),
        string_set(n, "/standard_rdp/encryption_methods", None),
    ));
    let (a, b) = (
        at(o, "/standard_rdp/encryption_level"),
        at(n, "/standard_rdp/encryption_level"),
    );
    if a != b {
        let summary = scalar_summary("Standard RDP Security level", &a, &b);
        out.push(scalar("standard_rdp.encryption_level", a, b, summary));
    }
    let (a, b) = (at(o, "/credssp/version"), at(n, "/credssp/version"));
    if a != b {
        let summary = scalar_summary("CredSSP version", &a, &b);
        out.push(scalar("credssp.version", a, b, summary));
    }
    certificate_changes(&mut out, o, n, "/tls/certificate", false);
    out.extend(set_change(
        "findings",
        "findings",
        Some(string_set(o, "/findings", Some("id")).unwrap_or_default()),
        Some(string_set(n, "/findings", Some("id")).unwrap_or_default()),
    ));
    let clients = |v: &Value| -> BTreeMap<String, Value> {
        v.get("clients")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| {
                        let p = c.get("profile")?.as_str()?;
                        Some((p.to_owned(), at(c, "/connects")))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ca, cb) = (clients(o), clients(n));
    let profiles: BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
    for p in profiles {
        let a = ca.get(p).cloned().unwrap_or(Value::Null);
        let b = cb.get(p).cloned().unwrap_or(Value::Null);
        if a != b {
            let words = |v: &Value| match v {
                Value::Bool(true) => "connects",
                Value::Bool(false) => "refused",
                _ => "unknown",
            };
            let summary = format!("client {p} {} → {}", words(&a), words(&b));
            out.push(scalar(&format!("clients.{p}.connects"), a, b, summary));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PORT: u16 = 3389;

    fn diag(host: &str, extra: Value) -> Value {
        let mut v = json!({
            "schema": DIAGNOSIS_SCHEMA,
            "target": {"host": host, "port": PORT},
            "verdict": "connected",
            "outcome": "connected",
            "server": {
                "selected_protocol": "hybrid",
                "tls": {"version": "TLSv1.2", "cipher_suite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
                "credssp_version": 6,
                "certificate": {"sha256": "aa", "not_after": "2026-01-01T00:00:00Z"}
            }
        });
        merge(&mut v, extra);
        v
    }

    fn failed_x224(code: u64, name: &str) -> Value {
        json!({
            "verdict": "failed",
            "outcome": null,
            "failure": {"phase": "x224", "kind": "neg_failure",
                        "code": {"space": "neg_failure", "value": code, "name": name}},
            "mstsc": {"disconnect_reason": 0x904, "extended_reason": 0},
            "server": {"selected_protocol": null, "tls": null, "credssp_version": null, "certificate": null}
        })
    }

    fn inv(host: &str, extra: Value) -> Value {
        let mut v = json!({
            "schema": INVENTORY_SCHEMA,
            "target": {"host": host, "port": PORT},
            "error": null,
            "protocols": {
                "rdp": {"accepted": false}, "ssl": {"accepted": true},
                "hybrid": {"accepted": true}, "hybrid_ex": {"accepted": true}
            },
            "nla": "supported",
            "tls": {
                "versions": {
                    "TLSv1.0": {"accepted": true, "cipher_suites": ["TLS_RSA_WITH_AES_128_CBC_SHA"]},
                    "TLSv1.2": {"accepted": true, "cipher_suites": ["A", "B"]},
                    "TLSv1.3": {"accepted": false, "cipher_suites": []}
                },
                "certificate": {"sha256": "cc", "not_after": "2026-01-01T00:00:00Z"}
            },
            "standard_rdp": null,
            "credssp": {"version": 6},
            "findings": [{"id": "tls_1_0_accepted"}, {"id": "self_signed_certificate"}],
            "clients": [
                {"profile": "windows11", "connects": true},
                {"profile": "windows7", "connects": true},
                {"profile": "no_nla", "connects": true}
            ]
        });
        merge(&mut v, extra);
        v
    }

    /// Overwrites `v`'s members with `extra`'s, recursively (objects only; `null` replaces).
    fn merge(v: &mut Value, extra: Value) {
        match (v, extra) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, x) in b {
                    match a.get_mut(&k) {
                        Some(slot) if slot.is_object() && x.is_object() => merge(slot, x),
                        _ => {
                            a.insert(k, x);
                        }
                    }
                }
            }
            (slot, x) => *slot = x,
        }
    }

    fn key(host: &str) -> String {
        format!("{host}:{PORT}")
    }

    /// The one host's changes as (aspect, old, new).
    fn changes(d: &Diff) -> Vec<(String, Value, Value)> {
        assert_eq!(d.hosts.len(), 1, "{d:#?}");
        d.hosts[0]
            .changes
            .iter()
            .map(|c| (c.aspect.clone(), c.old.clone(), c.new.clone()))
            .collect()
    }

    fn one(old: Value, new: Value) -> Diff {
        diff([old], [new])
    }

    fn change<'a>(d: &'a Diff, aspect: &str) -> &'a Change {
        d.hosts[0]
            .changes
            .iter()
            .find(|c| c.aspect == aspect)
            .unwrap_or_else(|| panic!("no {aspect}: {d:#?}"))
    }

    #[test]
    fn identical_scans_are_unchanged() {
        let d = diff(
            [diag("a", json!({})), inv("b", json!({}))],
            [inv("b", json!({})), diag("a", json!({}))],
        );
        assert!(d.is_empty(), "{d:#?}");
        assert_eq!(d.unchanged, 2);
        assert!(d.groups.is_empty() && d.warnings.is_empty());
    }

    #[test]
    fn verdict_and_cause_connected_to_neg_failure() {
        let d = one(
            diag("h", json!({})),
            diag("h", failed_x224(5, "HYBRID_REQUIRED_BY_SERVER")),
        );
        // The server facts the failed probe never reached are not changes.
        assert_eq!(
            changes(&d),
            [
                ("verdict".into(), json!("connected"), json!("failed")),
                (
                    "cause".into(),
                    Value::Null,
                    json!("x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER (mstsc 0x904/0x0)")
                ),
            ]
        );
        let h = &d.hosts[0];
        assert!(h.newly_failing);
        assert_eq!(h.status, HostStatus::Changed);
        assert_eq!(h.old_state.as_deref(), Some("connected"));
        assert_eq!(
            h.new_state.as_deref(),
            Some("failed: x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER (mstsc 0x904/0x0)")
        );
        assert_eq!(
            d.groups[0].change,
            "verdict connected → failed; cause x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER (mstsc 0x904/0x0)"
        );
        assert!(d.groups[0].newly_failing);
    }

    #[test]
    fn cause_changes_within_a_verdict_and_stops() {
        let d = one(
            diag("h", failed_x224(5, "HYBRID_REQUIRED_BY_SERVER")),
            diag("h", failed_x224(2, "SSL_NOT_ALLOWED_BY_SERVER")),
        );
        assert_eq!(
            changes(&d),
            [(
                "cause".into(),
                json!("x224 neg_failure 5 HYBRID_REQUIRED_BY_SERVER (mstsc 0x904/0x0)"),
                json!("x224 neg_failure 2 SSL_NOT_ALLOWED_BY_SERVER (mstsc 0x904/0x0)")
            )]
        );
        assert!(!d.hosts[0].newly_failing, "failed before already");
        // needs_credentials (a stop) to connected: the stop's phase and reason are the old cause.
        let d = one(
            diag(
                "h",
                json!({"verdict": "needs_credentials", "outcome": null,
                       "stop": {"phase": "credssp", "reason": "nla_requires_credentials"}}),
            ),
            diag("h", json!({"outcome": "redirected"})),
        );
        assert_eq!(
            changes(&d),
            [
                (
                    "verdict".into(),
                    json!("needs_credentials"),
                    json!("connected")
                ),
                (
                    "cause".into(),
                    json!("credssp nla_requires_credentials"),
                    json!("redirected")
                ),
            ]
        );
        // needs_credentials to failed is newly failing.
        let d = one(
            diag(
                "h",
                json!({"verdict": "needs_credentials", "outcome": null,
                       "stop": {"phase": "credssp", "reason": "nla_requires_credentials"}}),
            ),
            diag("h", failed_x224(5, "HYBRID_REQUIRED_BY_SERVER")),
        );
        assert!(d.hosts[0].newly_failing);
    }

    #[test]
    fn server_facts_of_a_diagnosis() {
        let d = one(
            diag("h", json!({})),
            diag(
                "h",
                json!({"server": {
                    "selected_protocol": "hybrid_ex",
                    "tls": {"version": "TLSv1.3"},
                    "credssp_version": 5,
                    "certificate": {"sha256": "bb", "not_after": "2027-01-01T00:00:00Z"}
                }}),
            ),
        );
        assert_eq!(
            changes(&d),
            [
                (
                    "server.selected_protocol".into(),
                    json!("hybrid"),
                    json!("hybrid_ex")
                ),
                (
                    "server.tls.version".into(),
                    json!("TLSv1.2"),
                    json!("TLSv1.3")
                ),
                ("server.credssp_version".into(), json!(6), json!(5)),
                ("server.certificate.sha256".into(), json!("aa"), json!("bb")),
                (
                    "server.certificate.not_after".into(),
                    json!("2026-01-01T00:00:00Z"),
                    json!("2027-01-01T00:00:00Z")
                ),
            ]
        );
        assert!(!d.hosts[0].newly_failing);
        assert_eq!(
            d.groups[0].change,
            "selected_protocol hybrid → hybrid_ex; TLS version TLSv1.2 → TLSv1.3; CredSSP version 6 → 5; certificate sha256 changed; certificate not_after later"
        );
        // With the same ending, a fact that disappeared is a change.
        let d = one(
            diag("h", json!({})),
            diag(
                "h",
                json!({"server": {"tls": null, "credssp_version": null}}),
            ),
        );
        assert_eq!(
            changes(&d),
            [
                ("server.tls.version".into(), json!("TLSv1.2"), Value::Null),
                ("server.credssp_version".into(), json!(6), Value::Null),
            ]
        );
    }

    #[test]
    fn certificates_renewed_on_many_hosts_form_one_group() {
        let renewed = |sha: &str| json!({"server": {"certificate": {"sha256": sha, "not_after": "2027-06-01T00:00:00Z"}}});
        let d = diff(
            [diag("a", json!({})), diag("b", json!({}))],
            [diag("a", renewed("a2")), diag("b", renewed("b2"))],
        );
        assert_eq!(d.groups.len(), 1, "{d:#?}");
        assert_eq!(
            d.groups[0].change,
            "certificate sha256 changed; certificate not_after later"
        );
        assert_eq!(d.groups[0].hosts, [key("a"), key("b")]);
        assert_eq!(change(&d, "server.certificate.sha256").new, json!("a2"));
    }

    #[test]
    fn inventory_reachable_to_unreachable() {
        let error = json!({"phase": "tcp_connect", "message": "the TCP connection to 10.0.0.1:3389 was refused or failed"});
        let d = one(
            inv("h", json!({})),
            json!({"schema": INVENTORY_SCHEMA, "target": {"host": "h", "port": PORT},
                   "error": error, "protocols": {}, "nla": "unknown", "tls": null,
                   "findings": [], "clients": []}),
        );
        // Nothing else is compared: it was not measured.
        assert_eq!(changes(&d), [("error".into(), Value::Null, error.clone())]);
        assert!(d.hosts[0].newly_failing);
        assert_eq!(d.groups[0].change, "reachable → unreachable (tcp_connect)");
        // And back.
        let d = one(
            json!({"schema": INVENTORY_SCHEMA, "target": {"host": "h", "port": PORT}, "error": error}),
            inv("h", json!({})),
        );
        assert_eq!(changes(&d), [("error".into(), error, Value::Null)]);
        assert!(!d.hosts[0].newly_failing);
    }

    #[test]
    fn inventory_nla_and_protocols() {
        let d = one(
            inv("h", json!({})),
            inv(
                "h",
                json!({"nla": "required", "protocols": {"ssl": {"accepted": false}, "rdstls": {"accepted": false}}}),
            ),
        );
        assert_eq!(
            changes(&d),
            [
                ("nla".into(), json!("supported"), json!("required")),
                (
                    "protocols.rdstls.accepted".into(),
                    Value::Null,
                    json!(false)
                ),
                ("protocols.ssl.accepted".into(), json!(true), json!(false)),
            ]
        );
        assert_eq!(
            change(&d, "protocols.ssl.accepted").summary,
            "protocol ssl accepted → refused"
        );
    }

    #[test]
    fn inventory_tls_versions_and_suites() {
        let d = one(
            inv("h", json!({})),
            inv(
                "h",
                json!({"tls": {"versions": {
                    "TLSv1.0": {"accepted": false, "cipher_suites": []},
                    "TLSv1.2": {"accepted": true, "cipher_suites": ["B", "C"]},
                    "TLSv1.3": {"accepted": true, "cipher_suites": ["TLS_AES_128_GCM_SHA256"]}
                }}}),
            ),
        );
        assert_eq!(
            changes(&d),
            [
                (
                    "tls.versions".into(),
                    json!(["TLSv1.0", "TLSv1.2"]),
                    json!(["TLSv1.2", "TLSv1.3"])
                ),
                (
                    "tls.versions.TLSv1.2.cipher_suites".into(),
                    json!(["A", "B"]),
                    json!(["B", "C"])
                ),
            ]
        );
        let v = change(&d, "tls.versions");
        assert_eq!(
            (v.added.as_slice(), v.removed.as_slice()),
            (&["TLSv1.3".to_owned()][..], &["TLSv1.0".to_owned()][..])
        );
        assert_eq!(v.summary, "TLS versions +TLSv1.3 -TLSv1.0");
        let s = change(&d, "tls.versions.TLSv1.2.cipher_suites");
        assert_eq!(s.added, ["C"]);
        assert_eq!(s.removed, ["A"]);
        assert_eq!(s.summary, "TLSv1.2 suites +C -A");
        // No TLS any more (the server stopped selecting it): the versions are not measured.
        let d = one(
            inv("h", json!({})),
            inv(
                "h",
                json!({"tls": null, "protocols": {"ssl": {"accepted": false}, "hybrid": {"accepted": false}, "hybrid_ex": {"accepted": false}}}),
            ),
        );
        let v = change(&d, "tls.versions");
        assert_eq!(v.new, Value::Null);
        assert_eq!(v.summary, "TLS versions TLSv1.0,TLSv1.2 → not measured");
        assert_eq!(
            change(&d, "tls.certificate.sha256").summary,
            "certificate sha256 gone"
        );
    }

    #[test]
    fn inventory_standard_rdp_security() {
        let old = inv(
            "h",
            json!({"standard_rdp": {"encryption_methods": ["40bit", "128bit"], "encryption_level": "client_compatible"}}),
        );
        let new = inv(
            "h",
            json!({"standard_rdp": {"encryption_methods": ["128bit", "fips"], "encryption_level": "high"}}),
        );
        let d = one(old, new);
        assert_eq!(
            changes(&d),
            [
                (
                    "standard_rdp.encryption_methods".into(),
                    json!(["128bit", "40bit"]),
                    json!(["128bit", "fips"])
                ),
                (
                    "standard_rdp.encryption_level".into(),
                    json!("client_compatible"),
                    json!("high")
                ),
            ]
        );
        let m = change(&d, "standard_rdp.encryption_methods");
        assert_eq!(
            (m.added.clone(), m.removed.clone()),
            (vec!["fips".to_owned()], vec!["40bit".to_owned()])
        );
    }

    #[test]
    fn inventory_credssp_certificate_findings_clients() {
        let d = one(
            inv("h", json!({})),
            inv(
                "h",
                json!({
                    "credssp": {"version": 2},
                    "tls": {"certificate": {"sha256": "dd", "not_after": "2025-01-01T00:00:00Z"}},
                    "findings": [{"id": "self_signed_certificate"}, {"id": "credssp_predates_cve_2018_0886_fix"}],
                    "clients": [
                        {"profile": "windows11", "connects": true},
                        {"profile": "windows7", "connects": false},
                        {"profile": "no_nla", "connects": true}
                    ]
                }),
            ),
        );
        assert_eq!(
            changes(&d),
            [
                ("credssp.version".into(), json!(6), json!(2)),
                ("tls.certificate.sha256".into(), json!("cc"), json!("dd")),
                (
                    "tls.certificate.not_after".into(),
                    json!("2026-01-01T00:00:00Z"),
                    json!("2025-01-01T00:00:00Z")
                ),
                (
                    "findings".into(),
                    json!(["self_signed_certificate", "tls_1_0_accepted"]),
                    json!([
                        "credssp_predates_cve_2018_0886_fix",
                        "self_signed_certificate"
                    ])
                ),
                (
                    "clients.windows7.connects".into(),
                    json!(true),
                    json!(false)
                ),
            ]
        );
        let f = change(&d, "findings");
        assert_eq!(f.added, ["credssp_predates_cve_2018_0886_fix"]);
        assert_eq!(f.removed, ["tls_1_0_accepted"]);
        assert_eq!(
            change(&d, "tls.certificate.not_after").summary,
            "certificate not_after earlier"
        );
        assert_eq!(
            change(&d, "clients.windows7.connects").summary,
            "client windows7 connects → refused"
        );
        assert!(!d.hosts[0].newly_failing);
    }

    #[test]
    fn gone_new_and_not_comparable_hosts() {
        let d = diff(
            [
                diag("10.0.0.1", json!({})),
                diag("10.0.0.2", json!({})),
                diag("10.0.0.3", json!({})),
            ],
            [
                inv("10.0.0.1", json!({})),
                diag("10.0.0.3", json!({})),
                diag("10.0.0.4", json!({})),
            ],
        );
        let got: Vec<(String, HostStatus)> =
            d.hosts.iter().map(|h| (h.host.clone(), h.status)).collect();
        assert_eq!(
            got,
            [
                (key("10.0.0.1"), HostStatus::NotComparable),
                (key("10.0.0.2"), HostStatus::Gone),
                (key("10.0.0.4"), HostStatus::New),
            ]
        );
        assert_eq!(d.unchanged, 1);
        let nc = &d.hosts[0];
        assert_eq!(nc.old_schema.as_deref(), Some(DIAGNOSIS_SCHEMA));
        assert_eq!(nc.new_schema.as_deref(), Some(INVENTORY_SCHEMA));
        assert_eq!(nc.new_state.as_deref(), Some("reachable, nla supported"));
        assert_eq!(d.groups.len(), 1);
        assert_eq!(
            d.groups[0].change,
            "not comparable: rdp-probe/1 → rdp-probe-inventory/1"
        );
        assert_eq!(d.hosts[1].old_state.as_deref(), Some("connected"));
        assert_eq!(d.hosts[1].new_state, None);
    }

    #[test]
    fn groups_put_newly_failing_first_then_by_count() {
        let tls13 = json!({"server": {"tls": {"version": "TLSv1.3"}}});
        let d = diff(
            (1..=6).map(|i| diag(&format!("10.0.0.{i}"), json!({}))),
            [
                diag("10.0.0.1", tls13.clone()),
                diag("10.0.0.2", tls13.clone()),
                diag("10.0.0.3", tls13),
                diag("10.0.0.4", failed_x224(5, "HYBRID_REQUIRED_BY_SERVER")),
                diag("10.0.0.5", json!({"server": {"credssp_version": 5}})),
                diag("10.0.0.6", json!({})),
            ],
        );
        let got: Vec<(bool, usize)> = d
            .groups
            .iter()
            .map(|g| (g.newly_failing, g.hosts.len()))
            .collect();
        assert_eq!(got, [(true, 1), (false, 3), (false, 1)]);
        assert_eq!(d.groups[1].change, "TLS version TLSv1.2 → TLSv1.3");
        assert_eq!(
            d.groups[1].hosts,
            [key("10.0.0.1"), key("10.0.0.2"), key("10.0.0.3")]
        );
        assert_eq!(d.unchanged, 1);
        assert_eq!(d.newly_failing(), 1);
    }

    #[test]
    fn hosts_are_in_numeric_address_order() {
        let d = diff(
            [],
            ["10.0.0.10", "10.0.0.9", "name.example", "10.0.0.100"].map(|h| diag(h, json!({}))),
        );
        let got: Vec<&str> = d.hosts.iter().map(|h| h.host.as_str()).collect();
        assert_eq!(
            got,
            [
                "10.0.0.9:3389",
                "10.0.0.10:3389",
                "10.0.0.100:3389",
                "name.example:3389"
            ]
        );
    }

    #[test]
    fn bad_lines_are_reported_and_skipped_and_the_later_duplicate_wins() {
        let a = diag("a", json!({})).to_string();
        let a_failed = diag("a", failed_x224(5, "HYBRID_REQUIRED_BY_SERVER")).to_string();
        let b = diag("b", json!({})).to_string();
        let cut = &b[..b.len() / 2];
        let old = [a.as_str(), "", b.as_str()];
        let new = [
            a.as_str(),
            "{\"schema\":\"rdp-probe/1\"}",
            "{\"schema\":\"rdp-probe/9\",\"target\":{\"host\":\"c\",\"port\":1}}",
            "[1]",
            a_failed.as_str(),
            b.as_str(),
            cut,
        ];
        let d = diff_lines(old, new);
        assert_eq!(d.unchanged, 1, "{d:#?}");
        assert_eq!(d.hosts.len(), 1);
        assert_eq!(d.hosts[0].host, key("a"));
        assert!(d.hosts[0].newly_failing, "the later line wins");
        assert_eq!(d.warnings.len(), 5, "{:#?}", d.warnings);
        assert!(
            d.warnings[0].starts_with("NEW line 2: no target"),
            "{}",
            d.warnings[0]
        );
        assert!(
            d.warnings[1].starts_with("NEW line 3: schema \"rdp-probe/9\""),
            "{}",
            d.warnings[1]
        );
        assert!(
            d.warnings[2].starts_with("NEW line 4: not a report"),
            "{}",
            d.warnings[2]
        );
        assert_eq!(
            d.warnings[3],
            format!(
                "NEW line 5: {} again (also line 1); the later line wins",
                key("a")
            )
        );
        assert!(
            d.warnings[4].starts_with("NEW line 7: not JSON ("),
            "{}",
            d.warnings[4]
        );
    }

    #[test]
    fn serializes_with_the_documented_names() {
        let d = one(
            diag("h", json!({})),
            diag("h", failed_x224(5, "HYBRID_REQUIRED_BY_SERVER")),
        );
        let v: Value = serde_json::from_str(&d.to_json_pretty()).unwrap_or_default();
        assert_eq!(v["unchanged"], 0);
        assert_eq!(v["hosts"][0]["status"], "changed");
        assert_eq!(v["hosts"][0]["newly_failing"], true);
        assert_eq!(v["hosts"][0]["changes"][0]["aspect"], "verdict");
        assert!(v["hosts"][0]["changes"][0].get("added").is_none());
        assert_eq!(v["groups"][0]["hosts"][0], key("h"));
        assert_eq!(v["warnings"], json!([]));
    }
}
