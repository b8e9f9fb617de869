//! The human-readable inventory: protocols, NLA, TLS, Standard RDP Security, CredSSP/NTLM, findings and
//! client compatibility, as tables.

use std::fmt::Write;

use rdp_probe_core::inventory::Inventory;
use rdp_probe_core::inventory::negotiation::ProtocolResult;

use crate::terminal::safe;

const GREEN: anstyle::Style = anstyle::AnsiColor::Green.on_default();
const RED: anstyle::Style = anstyle::AnsiColor::Red.on_default();
const YELLOW: anstyle::Style = anstyle::AnsiColor::Yellow.on_default();
const BOLD: anstyle::Style = anstyle::Style::new().bold();

fn paint(style: anstyle::Style, s: &str) -> String {
    format!("{style}{s}{style:#}")
}

/// Writes `inv` to stdout (anstream drops the colour where it is not wanted).
pub fn print(inv: &Inventory, symbols: bool) {
    anstream::print!("{}", render(inv, symbols));
}

fn yes_no(b: bool, symbols: bool) -> String {
    match (b, symbols) {
        (true, true) => paint(GREEN, "✓ yes"),
        (true, false) => paint(GREEN, "yes"),
        (false, true) => paint(RED, "✗ no "),
        (false, false) => paint(RED, "no "),
    }
}

fn protocol_line(out: &mut String, name: &str, r: &ProtocolResult, symbols: bool) {
    let answer = match (&r.selected, &r.failure) {
        (Some(s), _) => format!("selected {s}"),
        (None, Some(f)) => format!("refused: {} ({})", f.name, f.code),
        (None, None) => r.answer.replace('_', " "),
    };
    let violation = if r.spec_violation {
        paint(YELLOW, "  (spec violation)")
    } else {
        String::new()
    };
    let flags = if r.flag_names.is_empty() {
        String::new()
    } else {
        format!("  flags {}", r.flag_names.join("|"))
    };
    let _ = writeln!(
        out,
        "  {name:<10} {}  {answer}{violation}{flags}",
        yes_no(r.accepted, symbols)
    );
}

/// Renders `inv` for a terminal, with ANSI styles; `symbols` for ✓ ✗ instead of words.
pub fn render(inv: &Inventory, symbols: bool) -> String {
    let mut out = String::new();
    let addr = inv
        .target
        .address
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}",
        paint(
            BOLD,
            &format!(
                "rdp-probe inventory {}:{}{addr}",
                inv.target.host, inv.target.port
            )
        )
    );
    if let Some(e) = &inv.error {
        let _ = writeln!(
            out,
            "\n  {} in {}: {}",
            paint(RED, "not reachable"),
            e.phase,
            e.message
        );
        return out;
    }
    let _ = writeln!(out, "\nSecurity protocols (each requested alone)");
    for (name, r) in inv.protocols.rows() {
        protocol_line(&mut out, name, r, symbols);
    }
    let nla = inv.nla.as_str();
    let _ = writeln!(out, "\nNLA: {}  ({})", paint(BOLD, nla), inv.nla_reason);
    if let Some(eua) = inv.early_user_authorization {
        let _ = writeln!(
            out,
            "Early User Authorization (hybrid_ex): {}",
            if eua { "yes" } else { "no" }
        );
    }
    if let Some(v) = &inv.rdp_version {
        let _ = writeln!(
            out,
            "RDP version: {} (0x{:08x}, via {})",
            v.name, v.raw, v.source
        );
    }
    if let Some(tls) = &inv.tls {
        let _ = writeln!(out, "\nTLS (after X.224 {})", tls.via);
        for (version, r) in &tls.versions {
            let detail = if r.accepted {
                let more = if r.complete { "" } else { " (list incomplete)" };
                format!("{} suites{more}", r.cipher_suites.len())
            } else {
                r.refusal.clone().unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "  {version:<8} {}  {detail}",
                yes_no(r.accepted, symbols)
            );
            for s in &r.cipher_suites {
                let _ = writeln!(out, "             {s}");
            }
        }
        if let Some(c) = &tls.certificate {
            let _ = writeln!(
                out,
                "  certificate: {} (issuer {}), {} {} bits, until {}{}",
                safe(&c.subject),
                safe(&c.issuer),
                c.key_type,
                c.key_bits,
                c.not_after,
                if c.findings.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", c.findings.join(", "))
                }
            );
        }
    }
    if let Some(s) = &inv.standard_rdp {
        let _ = writeln!(out, "\nStandard RDP Security (after X.224 {})", s.via);
        let _ = writeln!(
            out,
            "  level: {}",
            s.encryption_level.as_deref().unwrap_or("unknown")
        );
        let _ = writeln!(
            out,
            "  methods accepted alone: {}",
            if s.encryption_methods.is_empty() {
                "none".to_owned()
            } else {
                s.encryption_methods.join(", ")
            }
        );
        if let Some(c) = &s.certificate {
            let _ = writeln!(out, "  certificate: {}", c.describe());
        }
        if let Some(e) = &s.error {
            let _ = writeln!(out, "  {}", paint(YELLOW, e));
        }
    }
    if let Some(c) = &inv.credssp {
        let _ = writeln!(
            out,
            "\nCredSSP: version {}{}",
            c.version,
            if c.predates_cve_2018_0886_fix {
                paint(RED, " (predates the CVE-2018-0886 fix)")
            } else {
                String::new()
            }
        );
    }
    if let Some(n) = &inv.ntlm {
        let mut facts = Vec::new();
        for (k, v) in [
            ("NetBIOS", &n.netbios_computer),
            ("domain", &n.netbios_domain),
            ("DNS", &n.dns_computer),
            ("DNS domain", &n.dns_domain),
            ("NTLM version field", &n.os_version),
            ("clock", &n.server_time),
        ] {
            if let Some(v) = v {
                facts.push(format!("{k} {}", safe(v)));
            }
        }
        if let Some(o) = n.clock_offset_s {
            facts.push(format!("offset {o:+} s"));
        }
        let _ = writeln!(out, "NTLM: {}", facts.join(", "));
    }
    let _ = writeln!(out, "\nFindings");
    if inv.findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &inv.findings {
        let sev = format!("{:?}", f.severity).to_uppercase();
        let style = match sev.as_str() {
            "HIGH" => RED,
            "MEDIUM" => YELLOW,
            _ => anstyle::Style::new(),
        };
        let also = f
            .rdp_sec_check
            .map(|n| format!(" [rdp-sec-check {n}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<6} {}{also}: {}\n         evidence: {}\n         fix: {}",
            paint(style, &sev),
            f.id,
            f.message,
            f.evidence,
            f.hint
        );
    }
    let _ = writeln!(out, "\nClients (profiles: rdp-probe-codes client_profile)");
    for c in &inv.clients {
        let guess = if c.certain { "" } else { " (uncertain)" };
        let pair = c
            .mstsc
            .as_ref()
            .map(|m| {
                format!(
                    "; mstsc 0x{:x}/0x{:x}{}",
                    m.disconnect_reason,
                    m.extended_reason,
                    if m.derived { " (derived)" } else { "" }
                )
            })
            .unwrap_or_default();
        let where_ = c.phase.map(|p| format!(" in {p}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<15} {}{where_}: {}{pair}{guess}",
            c.profile,
            yes_no(c.connects, symbols),
            c.reason
        );
    }
    let _ = writeln!(
        out,
        "\n{} connections (at most {} at once), {:.0} ms",
        inv.connections, inv.max_concurrent_connections, inv.elapsed_ms
    );
    out
}
