//! rdp-probe-codes/docs/mstsc-mapping.md is generated from `mstsc::RULES`; this test fails when it is stale.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test docs_table`.

const HEADER: &str = "# How rdp-probe derives the Windows client's error pair\n\n\
Generated from `rdp-probe-codes/src/mstsc/rules.rs` (`RULES`); do not edit by hand. Every row is *derived*: Microsoft \
documents the codes (IMsTscAxEvents::OnDisconnected, ExtendedDisconnectReasonCode, MS-RDPBCGR 2.2.5.1.1) but \
not which protocol event produces which pair. Reports carry `\"derived\": true` for these rows.\n\n";

#[test]
fn mstsc_mapping_doc_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/mstsc-mapping.md");
    let expected = format!("{HEADER}{}", rdp_probe_codes::mstsc::markdown_table());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "rdp-probe-codes/docs/mstsc-mapping.md is stale: run UPDATE_DOCS=1 cargo test -p rdp-probe-codes --test docs_table"
    );
}
