//! Markdown generated from the tables, for the project's documents (the README's list of code
//! spaces; a test keeps the README current).

use std::fmt::Write as _;

use crate::{CodeSpace, Keyed, name_table, table};

/// A value as the README lists it: hex for `tls_version` (a TLS version number), decimal otherwise.
fn readme_value(space: CodeSpace, value: u32) -> String {
    match (space, value) {
        (CodeSpace::TlsVersion, v) if v != 0 => format!("0x{v:04X}"),
        (_, v) => v.to_string(),
    }
}

/// The README's list of code spaces: every space, the number of named values of each server
/// space, and every code of rdp-probe's own spaces.
pub fn code_spaces() -> String {
    let mut out = String::from(
        "Code spaces (`failure.code.space`). The server's own numbers, kept as sent:\n\n",
    );
    for space in CodeSpace::ALL.into_iter().filter(|s| !s.is_own()) {
        let _ = writeln!(
            out,
            "- `{space}`: {}; {} named values",
            space.describe(),
            table(space).len()
        );
    }
    out.push_str("\nrdp-probe's own numbering, where the server sends no number:\n\n");
    for space in CodeSpace::ALL.into_iter().filter(|s| s.is_own()) {
        let codes: Vec<String> = match space.keyed_by() {
            Keyed::Name => name_table(space)
                .iter()
                .map(|e| format!("`{}`", e.name))
                .collect(),
            Keyed::Value => table(space)
                .iter()
                .map(|e| format!("{} `{}`", readme_value(space, e.value), e.name))
                .collect(),
        };
        let keyed = match space.keyed_by() {
            Keyed::Name => " Keyed by name:",
            Keyed::Value => "",
        };
        let _ = writeln!(
            out,
            "- `{space}`: {}.{keyed} {}",
            space.describe(),
            codes.join(", ")
        );
    }
    out.push_str(
        "\nA `tls_version` value without a row is also named `TLS_VERSION_UNSUPPORTED`. Unknown server \
         values are kept, with names like `UNKNOWN_ERRINFO_0x0000BEEF`.\n",
    );
    out
}
