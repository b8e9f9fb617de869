//! `rdp-probe diff --html`: the page names the changed host and escapes what came from the files.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use std::process::Command;

#[test]
fn the_diff_page_shows_the_change_and_escapes_the_host() {
    let dir = std::env::temp_dir().join(format!("rdp-probe-diff-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let host = "<script>alert(1)</script>";
    let old = serde_json::json!({"schema": "rdp-probe/1", "target": {"host": host, "port": 3389},
        "verdict": "connected", "outcome": "connected", "server": {}});
    let new = serde_json::json!({"schema": "rdp-probe/1", "target": {"host": host, "port": 3389},
        "verdict": "failed", "server": {},
        "failure": {"phase": "x224", "code": {"space": "neg_failure", "value": 5, "name": "HYBRID_REQUIRED_BY_SERVER"}},
        "mstsc": {"disconnect_reason": 2825, "extended_reason": 0}});
    let (a, b, page) = (
        dir.join("old.jsonl"),
        dir.join("new.jsonl"),
        dir.join("diff.html"),
    );
    std::fs::write(&a, format!("{old}\n")).unwrap();
    std::fs::write(&b, format!("{new}\n")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rdp-probe"))
        .args([
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
            "--no-color",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("1 hosts changed (1 newly failing)"), "{html}");
    assert!(html.contains("HYBRID_REQUIRED_BY_SERVER"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains(host),
        "the host name must not come out as markup"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
