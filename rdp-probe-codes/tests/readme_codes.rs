//! The README's list of code spaces is generated from the tables (`markdown::code_spaces`); this
//! test fails when it is stale. Regenerate with
//! `UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test readme_codes`.

use rdp_probe_codes::{CodeSpace, Keyed, markdown, name_table, table};

const BEGIN: &str = "<!-- code-spaces: generated from rdp-probe-codes (markdown::code_spaces); UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test readme_codes -->\n";
const END: &str = "<!-- end of code-spaces -->\n";

fn readme_path() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")
}

/// The README with the section between the markers replaced by `section`.
fn with_section(readme: &str, section: &str) -> Option<String> {
    let start = readme.find(BEGIN)? + BEGIN.len();
    let end = start + readme[start..].find(END)?;
    Some(format!("{}{section}{}", &readme[..start], &readme[end..]))
}

#[test]
fn readme_code_spaces_are_current() {
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    let expected = with_section(&readme, &markdown::code_spaces())
        .expect("README.md has the code-spaces markers");
    if std::env::var_os("UPDATE_DOCS").is_some() && expected != readme {
        std::fs::write(readme_path(), &expected).expect("write README.md");
        return;
    }
    assert!(
        readme == expected,
        "README.md's code spaces are stale: run UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test readme_codes"
    );
}

/// Independent of the generator: every space and every own code is named in the README.
#[test]
fn readme_names_every_space_and_own_code() {
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    for space in CodeSpace::ALL {
        assert!(readme.contains(&format!("`{space}`")), "{space}");
        if !space.is_own() {
            continue;
        }
        let names: Vec<&str> = match space.keyed_by() {
            Keyed::Name => name_table(space).iter().map(|e| e.name).collect(),
            Keyed::Value => table(space).iter().map(|e| e.name).collect(),
        };
        for name in names {
            assert!(readme.contains(&format!("`{name}`")), "{space} {name}");
        }
    }
}

/// The manual's page of code spaces (`rdp_probe_codes::manual::code_spaces`), from the same generator.
#[test]
fn manual_code_spaces_page_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/code-spaces.md");
    let expected = format!(
        "# Code spaces\n\nWhat `failure.code.space` can be, and the codes of rdp-probe's own spaces. Generated from the tables;\nregenerate with `UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test readme_codes`.\n\n{}",
        markdown::code_spaces()
    );
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var_os("UPDATE_DOCS").is_some() && current != expected {
        std::fs::write(path, &expected).expect("write docs/code-spaces.md");
        return;
    }
    assert!(
        current == expected,
        "rdp-probe-codes/docs/code-spaces.md is stale: run UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test readme_codes"
    );
}
