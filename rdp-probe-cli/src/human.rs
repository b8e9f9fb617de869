//! The human-readable diagnosis: the phase ladder, the verdict, the Windows client's pair, the hint, the
//! server facts.

use std::borrow::Cow;
use std::fmt::Write;

use rdp_probe_core::report::Report;
use rdp_probe_core::standard_security::SignatureCheck;
use rdp_probe_core::{PhaseStatus, VerdictKind};

use crate::terminal::safe;

/// Marks and verdicts, styled with anstyle. The escapes are always in the rendered text: the stream it
/// is written to (`anstream::stdout()`) strips them where colour is not wanted.
struct Style {
    /// Symbols that need a capable terminal (✓ ✗ ■) instead of words.
    symbols: bool,
}

const GREEN: anstyle::Style = anstyle::AnsiColor::Green.on_default();
const RED: anstyle::Style = anstyle::AnsiColor::Red.on_default();
const YELLOW: anstyle::Style = anstyle::AnsiColor::Yellow.on_default();

impl Style {
    fn paint(style: anstyle::Style, s: &str) -> String {
        format!("{style}{s}{style:#}")
    }
    fn ok(&self) -> String {
        Self::paint(GREEN, if self.symbols { "✓" } else { "ok  " })
    }
    fn bad(&self) -> String {
        Self::paint(RED, if self.symbols { "✗" } else { "FAIL" })
    }
    fn stop(&self) -> String {
        Self::paint(YELLOW, if self.symbols { "■" } else { "STOP" })
    }
}

fn bytes(n: u64) -> String {
    if n >= 10 * 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} B")
    }
}

/// Writes the diagnosis of `report` to stdout through anstream, which drops the colour where it is
/// not wanted (NO_COLOR, CLICOLOR=0, not a terminal, `--no-color`) and keeps it under CLICOLOR_FORCE.
pub fn print(report: &Report, symbols: bool) {
    anstream::print!("{}", render(report, symbols));
}

/// Renders `report` for a terminal, with ANSI styles; `symbols` for ✓ ✗ ■ instead of words.
pub fn render(report: &Report, symbols: bool) -> String {
    let st = Style { symbols };
    let mut out = String::new();
    let addr = report
        .target
        .address
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "rdp-probe {}:{}{addr}\n",
        report.target.host, report.target.port
    );
    for p in &report.phases {
        let mark = match p.status {
            PhaseStatus::Ok => st.ok(),
            PhaseStatus::Failed => st.bad(),
            PhaseStatus::Stopped => st.stop(),
        };
        let attempt = if p.attempt > 1 {
            format!("  (attempt {})", p.attempt)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {mark} {:<19} {:>9.1} ms   sent {:>8}  received {:>8}  round trips {}{attempt}",
            p.phase.as_str(),
            p.elapsed_ms.as_secs_f64() * 1000.0,
            bytes(p.bytes_sent),
            bytes(p.bytes_received),
            p.round_trips
        );
    }
    out.push('\n');
    let verdict = match report.verdict_kind() {
        VerdictKind::Connected => Style::paint(GREEN.bold(), "CONNECTED"),
        VerdictKind::Failed => Style::paint(RED.bold(), "FAILED"),
        VerdictKind::NeedsCredentials => Style::paint(YELLOW.bold(), "NEEDS CREDENTIALS"),
        VerdictKind::Inconclusive => Style::paint(YELLOW.bold(), "INCONCLUSIVE"),
        VerdictKind::CredentialsWithheld => Style::paint(YELLOW.bold(), "CREDENTIALS WITHHELD"),
    };
    if let Some(f) = report.failure() {
        let _ = writeln!(out, "Verdict: {verdict} in phase {}", f.phase);
        let _ = writeln!(out, "  What happened: {}", f.message);
        let _ = writeln!(
            out,
            "  Server code:   {} {} (0x{:X}) = {}",
            f.code.space.as_str(),
            f.code.value,
            f.code.value,
            f.code.name
        );
    } else if let Some(s) = report.stop() {
        let _ = writeln!(out, "Verdict: {verdict} in phase {}", s.phase);
        let _ = writeln!(out, "  {}", s.message);
    } else {
        let outcome = match report.outcome() {
            Some(rdp_probe_core::report::Outcome::Redirected) => {
                " (the server redirected the client; not followed)"
            }
            _ => "",
        };
        let _ = writeln!(out, "Verdict: {verdict}{outcome}");
    }
    if let Some(m) = report.mstsc() {
        let label = if m.derived { "derived" } else { "documented" };
        let _ = writeln!(
            out,
            "  Windows client would show: Error code: 0x{:X}, Extended error code: 0x{:X} ({label})",
            m.disconnect_reason, m.extended_reason
        );
        let _ = writeln!(out, "    {}", m.text);
    }
    if let Some(f) = report.failure() {
        let _ = writeln!(out, "  Hint: {}", f.hint);
    } else if let Some(s) = report.stop() {
        let _ = writeln!(out, "  Hint: {}", s.hint);
    }
    if let Some(t) = &report.trust {
        let how = match t.decision {
            rdp_probe_core::report::TrustDecision::ChainValid => {
                "sent: the certificate chain is valid"
            }
            rdp_probe_core::report::TrustDecision::Pinned => "sent: the certificate is pinned",
            rdp_probe_core::report::TrustDecision::Any => "sent: --trust-cert any",
            rdp_probe_core::report::TrustDecision::Confirmed => {
                "sent: you confirmed the certificate"
            }
            rdp_probe_core::report::TrustDecision::Withheld => {
                "WITHHELD: nothing vouched for the server"
            }
            _ => "-",
        };
        let _ = writeln!(out, "  Credentials:   {how}");
        if let Some(sha) = &t.sha256 {
            let _ = writeln!(out, "  Certificate:   sha256:{sha}");
        }
    }
    if let Some(a) = &report.authentication {
        authentication(&mut out, a);
    }
    if let Some(l) = &report.legacy_tls {
        legacy_tls(&mut out, l);
    }
    let s = &report.server;
    out.push_str("\nServer:\n");
    if let Some(req) = &s.requested_protocols {
        let sel = s.selected_protocol.as_deref().unwrap_or("-");
        let _ = writeln!(out, "  protocol:      selected {sel} (requested {req})");
    }
    if let Some(r) = &s.redirection {
        let target = r
            .target_fqdn
            .as_deref()
            .or(r.target_net_address.as_deref())
            .or(r.target_net_addresses.first().map(String::as_str))
            .or(r.target_netbios_name.as_deref())
            .map_or(Cow::Borrowed("(no target named)"), safe);
        let mut who = String::new();
        if let Some(user) = &r.user_name {
            who = match &r.domain {
                Some(domain) => format!(" for {}\\{}", safe(domain), safe(user)),
                None => format!(" for {}", safe(user)),
            };
        }
        let _ = writeln!(out, "  redirected to: {target}{who} ({} form)", r.form);
    }
    if s.legacy_negotiation {
        out.push_str("  negotiation:   none (legacy server: Windows 2000/XP/2003 era, Standard RDP Security only)\n");
    }
    for nf in &s.negotiation_failures {
        let _ = writeln!(
            out,
            "  refused:       {} ({}) when {} was requested",
            nf.name, nf.code, nf.requested
        );
    }
    if !s.negotiation_flag_names.is_empty() {
        let _ = writeln!(
            out,
            "  flags:         {}",
            s.negotiation_flag_names.join(", ")
        );
    }
    if let Some(t) = &s.tls {
        let _ = writeln!(out, "  TLS:           {} {}", t.version, t.cipher_suite);
    }
    if let Some(c) = &s.certificate {
        let _ = writeln!(
            out,
            "  certificate:   {} (issuer {})",
            safe(&c.subject),
            safe(&c.issuer)
        );
        let _ = writeln!(
            out,
            "                 valid {} .. {}, {} {} bits, {}",
            c.not_before, c.not_after, c.key_type, c.key_bits, c.signature_algorithm
        );
        if !c.subject_alt_names.is_empty() {
            let _ = writeln!(
                out,
                "                 names: {}",
                safe(&c.subject_alt_names.join(", "))
            );
        }
        let _ = writeln!(out, "                 sha256 {}", c.sha256);
        if !c.findings.is_empty() {
            let _ = writeln!(out, "                 findings: {}", c.findings.join(", "));
        }
    }
    if let Some(v) = s.credssp_version {
        let note = if v < 5 {
            " (before the 2018 CredSSP update: updated clients may refuse it)"
        } else {
            ""
        };
        let _ = writeln!(out, "  CredSSP:       version {v}{note}");
    }
    if let Some(n) = &s.ntlm {
        let parts: Vec<String> = [
            n.netbios_computer
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("computer {}", safe(v))),
            n.netbios_domain
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("domain {}", safe(v))),
            n.dns_computer
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("dns {}", safe(v))),
            n.os_version
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("os {v}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            let _ = writeln!(out, "  NTLM:          {}", parts.join(", "));
        }
    }
    if let Some(r) = s.early_user_auth_result {
        let _ = writeln!(out, "  early auth:    result {r}");
    }
    if let (Some(v), Some(n)) = (s.rdp_version, &s.rdp_version_name) {
        let _ = writeln!(out, "  RDP version:   {n} (0x{v:08x})");
    }
    if let Some(sec) = &s.standard_security {
        let _ = writeln!(
            out,
            "  RDP security:  {}, {}",
            sec.encryption_level_name, sec.encryption_method_name
        );
        if let Some(kind) = &sec.certificate_type {
            let bits = sec
                .rsa_key_bits
                .map(|b| format!(", RSA {b} bits"))
                .unwrap_or_default();
            let signature = match sec.certificate_signature {
                Some(SignatureCheck::Valid) => ", signed with the Terminal Services key",
                Some(SignatureCheck::Invalid) => ", signature INVALID",
                None => "",
            };
            let chain = if sec.x509_chain.is_empty() {
                String::new()
            } else {
                format!(", chain of {} (not validated)", sec.x509_chain.len())
            };
            let _ = writeln!(out, "  certificate:   {kind}{bits}{signature}{chain}");
        }
        if let Some(t) = &sec.traffic {
            let _ = writeln!(
                out,
                "  encryption:    {} PDUs sealed, {} opened (MAC verified{}), {} key updates",
                t.sealed,
                t.opened,
                if t.salted_macs_received > 0 {
                    ", some salted"
                } else {
                    ""
                },
                t.key_updates_sent + t.key_updates_received
            );
        }
    }
    if let Some(l) = &s.licensing {
        let _ = writeln!(out, "  licensing:     {}", l.outcome.unwrap_or("-"));
    }
    for e in &s.errinfo_received {
        let _ = writeln!(
            out,
            "  error info:    {} (0x{:08X}) during {}",
            e.name, e.value, e.phase
        );
    }
    out
}

/// The legacy-TLS attempt: what an older client got, and how far.
fn authentication(out: &mut String, a: &rdp_probe_core::report::AuthenticationReport) {
    use rdp_probe_core::report::{AuthPackage, KerberosOutcome, KerberosSkip};
    let package = match a.package {
        AuthPackage::Kerberos => "Kerberos",
        AuthPackage::Ntlm => "NTLM",
        _ => "-",
    };
    let why = match (a.kerberos_not_tried, a.kerberos.as_ref().map(|k| k.outcome)) {
        (Some(KerberosSkip::NoKdc), _) => " (Kerberos not tried: no --kdc)",
        (Some(KerberosSkip::TargetIsAddress), _) => {
            " (Kerberos not tried: the target is an IP address, which no SPN names)"
        }
        (Some(KerberosSkip::NoRealm), _) => " (Kerberos not tried: no domain given)",
        (_, Some(KerberosOutcome::FellBackToNtlm)) => {
            " (after Kerberos failed; the Windows client falls back the same way)"
        }
        (_, Some(KerberosOutcome::ServerChoseNtlm)) => " (the server answered Kerberos with NTLM)",
        _ => "",
    };
    let _ = writeln!(out, "  Logon:         {package}{why}");
    if let Some(l) = &a.kdc_lookup {
        let found = match (l.kdcs.first(), &l.error) {
            (Some(first), _) => format!("{first} ({} named)", l.kdcs.len()),
            (None, Some(error)) => format!("none: {error}"),
            (None, None) => "none".to_owned(),
        };
        let _ = writeln!(out, "  KDC from DNS:  {} -> {found}", l.name);
    }
    if let Some(k) = &a.kerberos {
        let _ = writeln!(
            out,
            "  Kerberos:      {} via KDC {} ({})",
            k.spn, k.kdc, k.realm
        );
        if let Some(f) = &k.failure {
            let _ = writeln!(
                out,
                "    failed: {} [{} {} 0x{:X}]",
                f.message, f.code.space, f.code.name, f.code.value
            );
            if a.package == AuthPackage::Ntlm {
                let _ = writeln!(out, "    fix: {}", f.hint);
            }
        }
        if let Some(offset) = k.kdc_clock_offset_s {
            let _ = writeln!(out, "    KDC clock: {offset:+} s from this machine's");
        }
    }
}

fn legacy_tls(out: &mut String, l: &rdp_probe_core::report::LegacyTlsReport) {
    let tls = l.tls.as_ref().map_or_else(
        || "no TLS session".to_owned(),
        |t| format!("{} {}", t.version, t.cipher_suite),
    );
    let role = if l.decides_verdict {
        format!(
            "the verdict (--allow-legacy-tls); with current TLS: {} in {}",
            l.modern_failure.code.name, l.modern_failure.phase
        )
    } else {
        "what an older client gets (--allow-legacy-tls to make it the verdict)".to_owned()
    };
    let _ = writeln!(out, "\nLegacy TLS (attempt {}): {role}", l.attempt);
    let _ = writeln!(out, "  TLS:           {tls}");
    let ending = match &l.ending {
        rdp_probe_core::Verdict::Failed { failure, mstsc } => format!(
            "failed in {}: {} (Windows client: 0x{:X}/0x{:X}, derived)",
            failure.phase, failure.message, mstsc.disconnect_reason, mstsc.extended_reason
        ),
        rdp_probe_core::Verdict::NeedsCredentials { stop }
        | rdp_probe_core::Verdict::Inconclusive { stop }
        | rdp_probe_core::Verdict::CredentialsWithheld { stop } => {
            format!("stopped in {}: {}", stop.phase, stop.message)
        }
        rdp_probe_core::Verdict::Connected { .. } => "connected".to_owned(),
    };
    let _ = writeln!(out, "  reached:       {} — {ending}", l.reached);
}
