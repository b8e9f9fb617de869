//! The rules as a Markdown table (rdp-probe-codes/docs/mstsc-mapping.md, and the rustdoc manual).

use super::RULES;
use super::codes::disconnect_entry;
use crate::phase;

/// A table cell: `|` escaped, one line, and `<` `>` as entities (`TERMSRV/<host>` is text, not a tag,
/// on GitHub and in rustdoc alike).
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// [`RULES`] as a Markdown table (rule, trigger, phases, disconnect, extended,
/// documented/derived, source, why).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| rule | trigger | phases | disconnect | extended | documented/derived | source | why |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let disc = match disconnect_entry(r.disconnect_reason) {
            Some(e) if !e.derived => format!("0x{:X} {}", r.disconnect_reason, e.name),
            _ => format!("0x{:X} (undocumented, user-reported)", r.disconnect_reason),
        };
        let status = if r.documented {
            "documented"
        } else {
            "derived"
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            md_cell(r.trigger),
            phase::join(r.phases),
            md_cell(&disc),
            md_cell(&r.extended.to_string()),
            status,
            md_cell(r.source),
            md_cell(r.why),
        ));
    }
    out
}
