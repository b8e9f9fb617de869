//! The HTML report (`--html FILE`): one self-contained page per diagnosis, inventory or scan, with
//! inline CSS and a small inline script that sorts tables by a click on a header. Nothing is loaded
//! from elsewhere (the Content-Security-Policy forbids it), and the page reads the same without the
//! script: tables come sorted as the terminal shows them.
//!
//! Every string that may have come from a server or a target list (certificate subjects, NTLM names,
//! messages, host names) goes through [`escape`], in text and in attributes alike.

use std::collections::BTreeMap;
use std::fmt::Write;

use rdp_probe_core::inventory::Inventory;
use rdp_probe_core::inventory::negotiation::ProtocolResult;
use rdp_probe_core::report::Report;
use rdp_probe_core::{PhaseStatus, VerdictKind};

/// Escapes `s` for HTML text and for a double- or single-quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's style: readable on screen and in print, no web fonts.
const CSS: &str = "\
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--mute:#57606a;--line:#d0d7de;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',sans-serif;margin:1.5em auto;max-width:80em;padding:0 1em;color:#1f2328}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}
code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',Consolas,monospace;font-size:.92em;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid var(--line);padding:.25em .5em;text-align:left;vertical-align:top}
th{background:var(--bg2);white-space:nowrap}
.js table.sortable th{cursor:pointer}.js table.sortable th::after{content:' \\2195';color:var(--mute)}
th[aria-sort=ascending]::after{content:' \\2191'!important}th[aria-sort=descending]::after{content:' \\2193'!important}
td.num,th.num{text-align:right;white-space:nowrap}td.h{white-space:nowrap}
.v{font-weight:600;white-space:nowrap}.v-connected,.ok{color:var(--ok)}.v-failed,.v-unreachable,.bad{color:var(--bad)}
.v-needs_credentials,.v-inconclusive,.v-credentials_withheld,.warn{color:var(--warn)}
.box{border:1px solid var(--line);border-left:6px solid var(--mute);padding:.5em 1em;margin:.8em 0;background:var(--bg2)}
.box.connected{border-left-color:var(--ok)}.box.failed{border-left-color:var(--bad)}.box.stopped{border-left-color:var(--warn)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.3em 0}dt{color:var(--mute)}dd{margin:0;overflow-wrap:anywhere}
.bar{position:relative;height:.9em;min-width:12em;background:var(--bg2)}
.bar span{position:absolute;top:0;bottom:0;background:var(--ok);min-width:2px}
.bar span.failed{background:var(--bad)}.bar span.stopped{background:var(--warn)}
.mute{color:var(--mute)}footer{margin-top:2em;color:var(--mute);font-size:.85em}
";

/// Sorts every `table.sortable` by the clicked header (again: the other way); a cell's
/// `data-sort` is its key when present, numbers compare as numbers.
const SCRIPT: &str = "\
document.documentElement.className+=' js';
(function(){
function key(c){if(!c)return '';var v=c.getAttribute('data-sort');if(v===null)v=c.textContent.trim();return v!==''&&isFinite(v)?parseFloat(v):v.toLowerCase();}
Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){
var hs=t.tHead.rows[0].cells;
Array.prototype.forEach.call(hs,function(th,i){
th.tabIndex=0;th.title='Sort by this column';
function go(){var asc=th.getAttribute('aria-sort')!=='ascending';
Array.prototype.forEach.call(hs,function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);
rows.sort(function(x,y){var a=key(x.cells[i]),c=key(y.cells[i]);
var r=(typeof a==='number'&&typeof c==='number')?a-c:String(a).localeCompare(String(c),undefined,{numeric:true});return asc?r:-r;});
rows.forEach(function(r){b.appendChild(r);});}
th.addEventListener('click',go);
th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();go();}});
});});})();
";

/// The whole document around `body` (already HTML), titled `title` (text).
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"rdp-probe {version}\">\n<title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\
<footer>rdp-probe {version}: this page is self-contained; click a table header to sort (with JavaScript).</footer>\n\
<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
        title = escape(title),
    )
}

/// A verdict as a styled word (`class` is the verdict too).
fn verdict_span(verdict: &str) -> String {
    let class: String = verdict
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "<span class=\"v v-{}\">{}</span>",
        escape(&class),
        escape(verdict)
    )
}

/// A `<dt>`/`<dd>` pair; `value` is text.
fn fact(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(key), escape(value));
}

fn pair(disconnect: u32, extended: u32) -> String {
    format!("0x{disconnect:X} / 0x{extended:X}")
}

fn bytes(n: u64) -> String {
    if n >= 10 * 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} B")
    }
}

/// The page of one diagnosis (`rdp-probe HOST --html FILE`): the verdict, the phase ladder as a
/// timeline, the server's facts and the findings.
pub fn report_page(report: &Report) -> String {
    let mut out = String::new();
    let target = format!("{}:{}", report.target.host, report.target.port);
    let verdict = report.verdict_kind().as_str();
    let _ = writeln!(
        out,
        "<h1>rdp-probe {}{}</h1>",
        escape(&target),
        report
            .target
            .address
            .as_deref()
            .map(|a| format!(" <span class=\"mute\">({})</span>", escape(a)))
            .unwrap_or_default()
    );
    let class = match report.verdict_kind() {
        VerdictKind::Connected => "connected",
        VerdictKind::Failed => "failed",
        _ => "stopped",
    };
    let _ = writeln!(
        out,
        "<div class=\"box {class}\" id=\"verdict\"><p>Verdict: {}",
        verdict_span(verdict)
    );
    if let Some(f) = report.failure() {
        let _ = writeln!(
            out,
            " in phase <b>{}</b></p><dl>",
            escape(&f.phase.to_string())
        );
        fact(&mut out, "What happened", &f.message);
        fact(
            &mut out,
            "Server code",
            &format!(
                "{} {} (0x{:X}) = {}",
                f.code.space.as_str(),
                f.code.value,
                f.code.value,
                f.code.name
            ),
        );
    } else if let Some(s) = report.stop() {
        let _ = writeln!(
            out,
            " in phase <b>{}</b></p><dl>",
            escape(&s.phase.to_string())
        );
        fact(&mut out, "What happened", &s.message);
    } else {
        let redirected = matches!(
            report.outcome(),
            Some(rdp_probe_core::report::Outcome::Redirected)
        );
        let _ = writeln!(
            out,
            "{}</p><dl>",
            if redirected {
                " (the server redirected the client; not followed)"
            } else {
                ""
            }
        );
    }
    if let Some(m) = report.mstsc() {
        fact(
            &mut out,
            "Windows client would show",
            &format!(
                "Error code: 0x{:X}, Extended error code: 0x{:X} ({}): {}",
                m.disconnect_reason,
                m.extended_reason,
                if m.derived { "derived" } else { "documented" },
                m.text
            ),
        );
    }
    if let Some(f) = report.failure() {
        fact(&mut out, "Hint", &f.hint);
    } else if let Some(s) = report.stop() {
        fact(&mut out, "Hint", &s.hint);
    }
    if let Some(t) = &report.trust
        && let Some(sha) = &t.sha256
    {
        fact(&mut out, "Certificate pin", &format!("sha256:{sha}"));
    }
    fact(
        &mut out,
        "Total time",
        &format!("{:.1} ms", report.elapsed_ms),
    );
    out.push_str("</dl></div>\n");

    timeline(&mut out, report);
    server_facts(&mut out, report);

    out.push_str("<h2>Findings</h2>\n");
    let mut findings: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::to_value(f)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{f:?}"))
        })
        .collect();
    if let Some(c) = &report.server.certificate {
        findings.extend(c.findings.iter().map(|f| format!("certificate: {f}")));
    }
    if let Some(l) = &report.legacy_tls {
        findings.push(format!(
            "legacy TLS (attempt {}): reached {}{}",
            l.attempt,
            l.reached,
            if l.decides_verdict {
                ", the verdict"
            } else {
                ", what an older client gets"
            }
        ));
    }
    if findings.is_empty() {
        out.push_str("<p class=\"mute\">none</p>\n");
    } else {
        out.push_str("<ul id=\"findings\">\n");
        for f in &findings {
            let _ = writeln!(out, "<li>{}</li>", escape(f));
        }
        out.push_str("</ul>\n");
    }
    page(&format!("rdp-probe {target}: {verdict}"), &out)
}

/// The phase ladder: one row per phase, with a bar placed where the phase ran in the whole probe.
fn timeline(out: &mut String, report: &Report) {
    let total: f64 = report
        .phases
        .iter()
        .map(|p| p.elapsed_ms.as_secs_f64() * 1000.0)
        .sum();
    out.push_str(
        "<h2>Phases</h2>\n<table id=\"phases\"><thead><tr><th>phase</th><th>status</th>\
<th>timeline</th><th class=\"num\">ms</th><th class=\"num\">sent</th><th class=\"num\">received</th>\
<th class=\"num\">round trips</th><th class=\"num\">attempt</th></tr></thead><tbody>\n",
    );
    let mut start = 0.0;
    for p in &report.phases {
        let ms = p.elapsed_ms.as_secs_f64() * 1000.0;
        let (status, class) = match p.status {
            PhaseStatus::Ok => ("ok", "ok"),
            PhaseStatus::Failed => ("failed", "failed"),
            PhaseStatus::Stopped => ("stopped", "stopped"),
        };
        let (left, width) = if total > 0.0 {
            (start / total * 100.0, ms / total * 100.0)
        } else {
            (0.0, 0.0)
        };
        start += ms;
        let _ = writeln!(
            out,
            "<tr class=\"phase {class}\"><td>{}</td><td class=\"{}\">{status}</td>\
<td><div class=\"bar\" title=\"{ms:.1} ms\"><span class=\"{class}\" style=\"left:{left:.2}%;width:{width:.2}%\"></span></div></td>\
<td class=\"num\">{ms:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(p.phase.as_str()),
            match p.status {
                PhaseStatus::Ok => "ok",
                PhaseStatus::Failed => "bad",
                PhaseStatus::Stopped => "warn",
            },
            bytes(p.bytes_sent),
            bytes(p.bytes_received),
            p.round_trips,
            p.attempt
        );
    }
    out.push_str("</tbody></table>\n");
}

/// What the server told about itself.
fn server_facts(out: &mut String, report: &Report) {
    let s = &report.server;
    out.push_str("<h2>Server</h2>\n<dl id=\"server\">\n");
    if let Some(req) = &s.requested_protocols {
        fact(
            out,
            "protocol",
            &format!(
                "selected {} (requested {req})",
                s.selected_protocol.as_deref().unwrap_or("-")
            ),
        );
    }
    if s.legacy_negotiation {
        fact(
            out,
            "negotiation",
            "none (legacy server: Standard RDP Security only)",
        );
    }
    for nf in &s.negotiation_failures {
        fact(
            out,
            "refused",
            &format!(
                "{} ({}) when {} was requested",
                nf.name, nf.code, nf.requested
            ),
        );
    }
    if !s.negotiation_flag_names.is_empty() {
        fact(out, "flags", &s.negotiation_flag_names.join(", "));
    }
    if let Some(r) = &s.redirection {
        let target = r
            .target_fqdn
            .as_deref()
            .or(r.target_net_address.as_deref())
            .or(r.target_net_addresses.first().map(String::as_str))
            .or(r.target_netbios_name.as_deref())
            .unwrap_or("(no target named)");
        let who = match (&r.domain, &r.user_name) {
            (Some(d), Some(u)) => format!(" for {d}\\{u}"),
            (None, Some(u)) => format!(" for {u}"),
            _ => String::new(),
        };
        fact(
            out,
            "redirected to",
            &format!("{target}{who} ({} form)", r.form),
        );
    }
    if let Some(t) = &s.tls {
        fact(out, "TLS", &format!("{} {}", t.version, t.cipher_suite));
    }
    if let Some(c) = &s.certificate {
        fact(out, "certificate subject", &c.subject);
        fact(out, "certificate issuer", &c.issuer);
        if !c.subject_alt_names.is_empty() {
            fact(out, "certificate names", &c.subject_alt_names.join(", "));
        }
        fact(
            out,
            "certificate",
            &format!(
                "valid {} .. {}, {} {} bits, {}{}",
                c.not_before,
                c.not_after,
                c.key_type,
                c.key_bits,
                c.signature_algorithm,
                if c.self_signed { ", self-signed" } else { "" }
            ),
        );
        fact(out, "certificate sha256", &c.sha256);
    }
    if let Some(v) = s.credssp_version {
        fact(
            out,
            "CredSSP",
            &format!(
                "version {v}{}",
                if v < 5 {
                    " (before the 2018 CredSSP update: updated clients may refuse it)"
                } else {
                    ""
                }
            ),
        );
    }
    if let Some(n) = &s.ntlm {
        ntlm_facts(out, n);
    }
    if let Some(r) = s.early_user_auth_result {
        fact(out, "early auth", &format!("result {r}"));
    }
    if let (Some(v), Some(n)) = (s.rdp_version, &s.rdp_version_name) {
        fact(out, "RDP version", &format!("{n} (0x{v:08x})"));
    }
    if let Some(sec) = &s.standard_security {
        fact(
            out,
            "RDP security",
            &format!(
                "{}, {}",
                sec.encryption_level_name, sec.encryption_method_name
            ),
        );
        if let Some(kind) = &sec.certificate_type {
            fact(
                out,
                "RDP security certificate",
                &format!(
                    "{kind}{}",
                    sec.rsa_key_bits
                        .map(|b| format!(", RSA {b} bits"))
                        .unwrap_or_default()
                ),
            );
        }
        for (i, c) in sec.x509_chain.iter().enumerate() {
            fact(
                out,
                &format!("X.509 chain {i}"),
                &format!("{} (issuer {}; not validated)", c.subject, c.issuer),
            );
        }
    }
    if let Some(l) = &s.licensing {
        fact(out, "licensing", l.outcome.unwrap_or("-"));
    }
    for e in &s.errinfo_received {
        fact(
            out,
            "error info",
            &format!("{} (0x{:08X}) during {}", e.name, e.value, e.phase),
        );
    }
    out.push_str("</dl>\n");
}

fn ntlm_facts(out: &mut String, n: &rdp_probe_core::report::NtlmFacts) {
    for (k, v) in [
        ("NTLM computer", &n.netbios_computer),
        ("NTLM domain", &n.netbios_domain),
        ("NTLM DNS computer", &n.dns_computer),
        ("NTLM DNS domain", &n.dns_domain),
        ("NTLM DNS tree", &n.dns_tree),
        ("NTLM version field", &n.os_version),
        ("NTLM target name", &n.target_name),
        ("server clock", &n.server_time),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            fact(out, k, v);
        }
    }
    if let Some(o) = n.clock_offset_s {
        fact(
            out,
            "clock offset",
            &format!("{o:+} s (server minus probe)"),
        );
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "<span class=\"ok\">yes</span>"
    } else {
        "<span class=\"bad\">no</span>"
    }
}

fn protocol_row(out: &mut String, name: &str, r: &ProtocolResult) {
    let answer = match (&r.selected, &r.failure) {
        (Some(s), _) => format!("selected {s}"),
        (None, Some(f)) => format!("refused: {} ({})", f.name, f.code),
        (None, None) => r.answer.replace('_', " "),
    };
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(name),
        yes_no(r.accepted),
        escape(&answer),
        if r.spec_violation {
            "<span class=\"warn\">spec violation</span>"
        } else {
            ""
        },
        escape(&r.flag_names.join(" | "))
    );
}

/// The page of one inventory (`rdp-probe inventory HOST --html FILE`).
pub fn inventory_page(inv: &Inventory) -> String {
    let mut out = String::new();
    let target = format!("{}:{}", inv.target.host, inv.target.port);
    let _ = writeln!(
        out,
        "<h1>rdp-probe inventory {}{}</h1>",
        escape(&target),
        inv.target
            .address
            .as_deref()
            .map(|a| format!(" <span class=\"mute\">({})</span>", escape(a)))
            .unwrap_or_default()
    );
    if let Some(e) = &inv.error {
        let _ = writeln!(
            out,
            "<div class=\"box failed\" id=\"verdict\"><p><span class=\"v bad\">not reachable</span> in {}: {}</p></div>",
            escape(e.phase),
            escape(&e.message)
        );
        return page(
            &format!("rdp-probe inventory {target}: not reachable"),
            &out,
        );
    }
    let _ = writeln!(
        out,
        "<div class=\"box\" id=\"verdict\"><dl>\n<dt>NLA</dt><dd><b>{}</b> ({})</dd>",
        escape(inv.nla.as_str()),
        escape(&inv.nla_reason)
    );
    if let Some(eua) = inv.early_user_authorization {
        fact(
            &mut out,
            "Early User Authorization",
            if eua { "yes" } else { "no" },
        );
    }
    if let Some(v) = &inv.rdp_version {
        fact(
            &mut out,
            "RDP version",
            &format!("{} (0x{:08x}, via {})", v.name, v.raw, v.source),
        );
    }
    if let Some(c) = &inv.credssp {
        fact(
            &mut out,
            "CredSSP",
            &format!(
                "version {}{}",
                c.version,
                if c.predates_cve_2018_0886_fix {
                    " (predates the CVE-2018-0886 fix)"
                } else {
                    ""
                }
            ),
        );
    }
    if let Some(n) = &inv.ntlm {
        ntlm_facts(&mut out, n);
    }
    fact(
        &mut out,
        "Connections",
        &format!(
            "{} (at most {} at once), {:.0} ms",
            inv.connections, inv.max_concurrent_connections, inv.elapsed_ms
        ),
    );
    out.push_str("</dl></div>\n");

    out.push_str(
        "<h2>Findings</h2>\n<table class=\"sortable\" id=\"findings\"><thead><tr><th>severity</th>\
<th>finding</th><th>what</th><th>evidence</th><th>fix</th></tr></thead><tbody>\n",
    );
    for (rank, f) in inv.findings.iter().enumerate() {
        let sev = f.severity.as_str();
        let class = match sev {
            "high" => "bad",
            "medium" => "warn",
            _ => "",
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"{class}\" data-sort=\"{rank}\">{}</td><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(sev),
            escape(f.id),
            f.rdp_sec_check
                .map(|n| format!(" <span class=\"mute\">(rdp-sec-check {})</span>", escape(n)))
                .unwrap_or_default(),
            escape(f.message),
            escape(&f.evidence),
            escape(f.hint)
        );
    }
    if inv.findings.is_empty() {
        out.push_str("<tr><td colspan=\"5\" class=\"mute\">none</td></tr>\n");
    }
    out.push_str("</tbody></table>\n");

    out.push_str(
        "<h2>Clients</h2>\n<table class=\"sortable\" id=\"clients\"><thead><tr><th>profile</th><th>client</th>\
<th>connects</th><th>phase</th><th>why</th><th>mstsc pair</th></tr></thead><tbody>\n",
    );
    for c in &inv.clients {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
            escape(c.profile),
            escape(c.name),
            yes_no(c.connects),
            if c.certain { "" } else { " (uncertain)" },
            escape(c.phase.unwrap_or("")),
            escape(&c.reason),
            c.mstsc
                .as_ref()
                .map(|m| escape(&pair(m.disconnect_reason, m.extended_reason)))
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>\n");

    out.push_str(
        "<h2>Security protocols (each requested alone)</h2>\n<table id=\"protocols\"><thead><tr><th>request</th>\
<th>accepted</th><th>answer</th><th></th><th>flags</th></tr></thead><tbody>\n",
    );
    for (name, r) in inv.protocols.rows() {
        protocol_row(&mut out, name, r);
    }
    out.push_str("</tbody></table>\n");

    if let Some(tls) = &inv.tls {
        let _ = writeln!(
            out,
            "<h2>TLS <span class=\"mute\">(after X.224 {})</span></h2>\n<table id=\"tls\"><thead><tr><th>version</th>\
<th>accepted</th><th>cipher suites</th></tr></thead><tbody>",
            escape(&tls.via)
        );
        for (version, r) in &tls.versions {
            let detail = if r.accepted {
                let mut d = r
                    .cipher_suites
                    .iter()
                    .map(|s| escape(s))
                    .collect::<Vec<_>>()
                    .join("<br>");
                if !r.complete {
                    d.push_str(" <span class=\"mute\">(list incomplete)</span>");
                }
                d
            } else {
                escape(r.refusal.as_deref().unwrap_or(""))
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"mono\">{detail}</td></tr>",
                escape(version),
                yes_no(r.accepted)
            );
        }
        out.push_str("</tbody></table>\n");
        if let Some(c) = &tls.certificate {
            out.push_str("<dl id=\"certificate\">\n");
            fact(&mut out, "certificate subject", &c.subject);
            fact(&mut out, "certificate issuer", &c.issuer);
            if !c.subject_alt_names.is_empty() {
                fact(
                    &mut out,
                    "certificate names",
                    &c.subject_alt_names.join(", "),
                );
            }
            fact(
                &mut out,
                "certificate",
                &format!(
                    "{} {} bits, valid {} .. {}{}",
                    c.key_type,
                    c.key_bits,
                    c.not_before,
                    c.not_after,
                    if c.findings.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", c.findings.join(", "))
                    }
                ),
            );
            fact(&mut out, "certificate sha256", &c.sha256);
            out.push_str("</dl>\n");
        }
    }
    if let Some(s) = &inv.standard_rdp {
        let _ = writeln!(
            out,
            "<h2>Standard RDP Security <span class=\"mute\">(after X.224 {})</span></h2>\n<dl>",
            escape(&s.via)
        );
        fact(
            &mut out,
            "level",
            s.encryption_level.as_deref().unwrap_or("unknown"),
        );
        fact(
            &mut out,
            "methods accepted alone",
            &if s.encryption_methods.is_empty() {
                "none".to_owned()
            } else {
                s.encryption_methods.join(", ")
            },
        );
        if let Some(c) = &s.certificate {
            fact(&mut out, "certificate", &c.describe());
        }
        if let Some(e) = &s.error {
            fact(&mut out, "error", e);
        }
        out.push_str("</dl>\n");
    }
    page(
        &format!("rdp-probe inventory {target}: NLA {}", inv.nla.as_str()),
        &out,
    )
}

/// One host of a scan, as the page lists it: what the terminal's line says, bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRow {
    /// `host:port`.
    pub host: String,
    /// The verdict (`failed`, `connected`, ...; for an inventory `nla required` or `unreachable`).
    pub verdict: String,
    /// The cause, as the summary groups it, without the Windows client's pair.
    pub cause: String,
    /// The Windows client's pair (disconnect reason, extended reason), when the probe failed.
    pub mstsc: Option<(u32, u32)>,
    /// The name the server gave itself (NTLM computer, certificate subject), if any: from the server.
    pub server: String,
    /// How long the probe took, in milliseconds.
    pub elapsed_ms: f64,
}

/// The scan as a whole, for the page's heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanTotals {
    /// What each host got (`diagnose`, `inventory`, `negotiate`).
    pub mode: &'static str,
    /// Targets skipped as done before (`--resume`).
    pub skipped: u64,
    /// Whether the scan stopped early (Ctrl-C, a write error).
    pub stopped: bool,
}

/// How urgent a verdict is: what to fix first sorts first.
fn urgency(verdict: &str) -> u8 {
    match verdict {
        "failed" | "unreachable" => 0,
        "credentials_withheld" => 1,
        "inconclusive" => 2,
        "needs_credentials" => 3,
        "connected" => 5,
        _ => 4,
    }
}

/// The page of a scan (`rdp-probe scan --html FILE`): the summary by (verdict, cause, mstsc pair),
/// what to fix first at the top, then every host.
pub fn scan_page(rows: &[ScanRow], totals: &ScanTotals) -> String {
    const HOSTS_SHOWN: usize = 8;
    type Group<'a> = (&'a str, &'a str, Option<(u32, u32)>);
    let mut groups: BTreeMap<Group<'_>, Vec<&ScanRow>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.verdict.as_str(), r.cause.as_str(), r.mstsc))
            .or_default()
            .push(r);
    }
    let mut sorted: Vec<_> = groups.into_iter().collect();
    sorted.sort_by(|(a, ha), (b, hb)| {
        urgency(a.0)
            .cmp(&urgency(b.0))
            .then(hb.len().cmp(&ha.len()))
            .then(a.cmp(b))
    });
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *verdicts.entry(r.verdict.as_str()).or_default() += 1;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<h1>rdp-probe scan <span class=\"mute\">({})</span></h1>",
        escape(totals.mode)
    );
    let by_verdict = verdicts
        .iter()
        .map(|(v, n)| format!("{} {}", n, verdict_span(v)))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "<p id=\"totals\" data-hosts=\"{}\"><b>{} hosts</b>{}{}: {by_verdict}</p>",
        rows.len(),
        rows.len(),
        if totals.skipped > 0 {
            format!(", {} skipped (done before)", totals.skipped)
        } else {
            String::new()
        },
        if totals.stopped {
            ", <span class=\"warn\">stopped early</span>"
        } else {
            ""
        }
    );
    out.push_str(
        "<h2>Summary by cause <span class=\"mute\">(what to fix first at the top)</span></h2>\n\
<table class=\"sortable\" id=\"summary\"><thead><tr><th class=\"num\">hosts</th><th>verdict</th><th>cause</th>\
<th>Windows client pair</th><th>for example</th></tr></thead><tbody>\n",
    );
    for ((verdict, cause, mstsc), hosts) in &sorted {
        let mut names: Vec<&str> = hosts.iter().map(|h| h.host.as_str()).collect();
        names.sort_unstable();
        let shown: Vec<String> = names.iter().take(HOSTS_SHOWN).map(|h| escape(h)).collect();
        let more = hosts.len().saturating_sub(HOSTS_SHOWN);
        let _ = writeln!(
            out,
            "<tr class=\"group\"><td class=\"num count\" data-sort=\"{n}\">{n}</td><td class=\"verdict\" data-sort=\"{u}{v}\">{}</td>\
<td class=\"cause\">{}</td><td class=\"mstsc mono\">{}</td><td class=\"mono\">{}{}</td></tr>",
            verdict_span(verdict),
            escape(cause),
            mstsc.map(|(d, e)| escape(&pair(d, e))).unwrap_or_default(),
            shown.join(" "),
            if more > 0 {
                format!(" <span class=\"mute\">(+{more})</span>")
            } else {
                String::new()
            },
            n = hosts.len(),
            u = urgency(verdict),
            v = escape(verdict),
        );
    }
    out.push_str("</tbody></table>\n");
    out.push_str(
        "<h2>Hosts</h2>\n<table class=\"sortable\" id=\"hosts\"><thead><tr><th>host</th><th>verdict</th>\
<th>cause</th><th>Windows client pair</th><th>server name</th><th class=\"num\">ms</th></tr></thead><tbody>\n",
    );
    let mut ordered: Vec<&ScanRow> = rows.iter().collect();
    ordered.sort_by(|a, b| {
        urgency(&a.verdict)
            .cmp(&urgency(&b.verdict))
            .then(a.cause.cmp(&b.cause))
            .then(a.host.cmp(&b.host))
    });
    for r in ordered {
        let _ = writeln!(
            out,
            "<tr class=\"host\"><td class=\"mono h\">{}</td><td data-sort=\"{}{}\">{}</td><td>{}</td><td class=\"mono\">{}</td>\
<td class=\"server\">{}</td><td class=\"num\" data-sort=\"{:.1}\">{:.0}</td></tr>",
            escape(&r.host),
            urgency(&r.verdict),
            escape(&r.verdict),
            verdict_span(&r.verdict),
            escape(&r.cause),
            r.mstsc
                .map(|(d, e)| escape(&pair(d, e)))
                .unwrap_or_default(),
            escape(&r.server),
            r.elapsed_ms,
            r.elapsed_ms
        );
    }
    out.push_str("</tbody></table>\n");
    page(&format!("rdp-probe scan: {} hosts", rows.len()), &out)
}

/// The page of `rdp-probe diff --html FILE`: the groups of changed hosts (newly failing first, as the
/// terminal table), then every changed, gone, new or not comparable host with each aspect's old and new
/// value. Everything in it came from the two files, so everything is escaped.
pub fn diff_page(diff: &rdp_probe_core::scan::diff::Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<h1>What changed between two scans</h1>\n<p>{} hosts changed ({} newly failing), {} unchanged.</p>",
        diff.hosts.len(),
        diff.newly_failing(),
        diff.unchanged
    );
    out.push_str("<h2>By change</h2>\n<table class=\"sortable\">\n<thead><tr><th>hosts</th><th>newly failing</th><th>change</th><th>hosts</th></tr></thead>\n<tbody>\n");
    for g in &diff.groups {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.hosts.len(),
            if g.newly_failing { "yes" } else { "no" },
            escape(&g.change),
            escape(&g.hosts.join(" "))
        );
    }
    out.push_str("</tbody>\n</table>\n<h2>Every host</h2>\n<table class=\"sortable\">\n<thead><tr><th>host</th><th>status</th><th>was</th><th>is</th><th>changes</th></tr></thead>\n<tbody>\n");
    for h in &diff.hosts {
        let changes: Vec<String> = h.changes.iter().map(|c| c.summary.clone()).collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&h.host),
            escape(h.status.as_str()),
            escape(h.old_state.as_deref().unwrap_or("")),
            escape(h.new_state.as_deref().unwrap_or("")),
            escape(&changes.join("; "))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    page("rdp-probe diff", &out)
}

/// Writes `html` to `path` (the whole page at once).
pub fn write(path: &std::path::Path, html: &str) -> Result<(), String> {
    std::fs::write(path, html).map_err(|e| format!("--html {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('1')</script>&\"x\""),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&amp;&quot;x&quot;"
        );
        assert_eq!(escape("CN=host, O=Ünïcode"), "CN=host, O=Ünïcode");
    }

    #[test]
    fn a_scan_page_groups_and_escapes() {
        let row = |host: &str, verdict: &str, cause: &str, server: &str| ScanRow {
            host: host.to_owned(),
            verdict: verdict.to_owned(),
            cause: cause.to_owned(),
            mstsc: (verdict == "failed").then_some((0x904, 7)),
            server: server.to_owned(),
            elapsed_ms: 1.5,
        };
        let rows = [
            row("a:3389", "connected", "connected", ""),
            row(
                "b:3389",
                "failed",
                "licensing errinfo 7",
                "<script>x</script>",
            ),
            row("c:3389", "failed", "licensing errinfo 7", ""),
        ];
        let html = scan_page(
            &rows,
            &ScanTotals {
                mode: "diagnose",
                skipped: 0,
                stopped: false,
            },
        );
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert_eq!(html.matches("<script").count(), 1, "only the page's own");
        assert_eq!(html.matches("<tr class=\"group\">").count(), 2);
        assert_eq!(html.matches("<tr class=\"host\">").count(), 3);
        // What to fix first: the failures' group comes before the connected one.
        let failed = html.find("licensing errinfo 7").unwrap_or(usize::MAX);
        let connected = html.find("data-sort=\"5connected\"").unwrap_or(0);
        assert!(failed < connected);
        assert!(html.contains("0x904 / 0x7"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
