#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The JSON Schema of `rdp-probe/1` (`schemas/rdp-probe-1.json`, JSON Schema 2020-12) is generated
//! from the report types (schemars); this test fails when the file is stale, and when any report the
//! lab's catalog produces does not validate against it (the jsonschema crate). The same goes for
//! `rdp-probe-inventory/1` (`schemas/rdp-probe-inventory-1.json`), against which every inventory of
//! `tests/inventory.rs` validates. The C ABI, Python
//! and C# write the same JSON as the library (rdp-probe-ffi's tests and `scripts/test-bindings.sh`
//! compare them), so their reports validate too. Regenerate with
//! `UPDATE_DOCS=1 cargo test -p rdp-probe-lab --test schema`.

use rdp_probe_core::capacity::{CapacityOptions, CapacityReport, capacity};
use rdp_probe_core::inventory::Inventory;
use rdp_probe_core::report::Report;
use rdp_probe_lab::catalog;
use serde_json::Value;

mod schema_gen {
    include!("support/schema_gen.rs");
}
use schema_gen::{CAPACITY_SCHEMA, INVENTORY_SCHEMA, SCHEMA, generated};

#[test]
fn the_schema_files_are_current() {
    for (path, expected) in [
        (
            SCHEMA,
            generated::<Report>("rdp-probe-1.json", "rdp-probe/1"),
        ),
        (
            INVENTORY_SCHEMA,
            generated::<Inventory>("rdp-probe-inventory-1.json", "rdp-probe-inventory/1"),
        ),
        (
            CAPACITY_SCHEMA,
            generated::<CapacityReport>("rdp-probe-capacity-1.json", "rdp-probe-capacity/1"),
        ),
    ] {
        check_current(path, &expected);
    }
}

fn check_current(path: &str, expected: &str) {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var_os("UPDATE_DOCS").is_some() && current != expected {
        std::fs::write(path, expected).unwrap();
        return;
    }
    assert!(
        current == expected,
        "{path} is stale: run UPDATE_DOCS=1 cargo test -p rdp-probe-lab --test schema"
    );
    let schema: Value = serde_json::from_str(&current).unwrap();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "JSON Schema 2020-12"
    );
}

#[test]
fn every_lab_report_validates() {
    let schema: Value =
        serde_json::from_str(&generated::<Report>("rdp-probe-1.json", "rdp-probe/1")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let entries = catalog::catalog();
    assert!(entries.len() > 100, "only {} scenarios", entries.len());
    let reports = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        let mut out = Vec::new();
        for entry in entries {
            // A few at a time: the hostile ones wait out their limits.
            if tasks.len() >= 8
                && let Some(done) = tasks.join_next().await
            {
                out.push(done.unwrap());
            }
            tasks.spawn(async move {
                let report = entry.probe().await.expect("the lab server starts");
                (entry.name, report.to_json())
            });
        }
        while let Some(done) = tasks.join_next().await {
            out.push(done.unwrap());
        }
        out
    });
    let mut invalid = Vec::new();
    for (name, json) in &reports {
        let instance: Value = serde_json::from_str(json).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        if !errors.is_empty() {
            invalid.push(format!("{name}: {}", errors.join("; ")));
        }
    }
    assert!(invalid.is_empty(), "{}", invalid.join("\n"));
    // A report that breaks the contract does not validate: the schema has teeth.
    let mut broken: Value = serde_json::from_str(&reports[0].1).unwrap();
    broken["verdict"] = Value::String("maybe".into());
    assert!(!validator.is_valid(&broken));
}

/// The capacity check's report against the lab's limited server validates against its schema.
#[test]
fn a_capacity_report_validates() {
    let schema: Value = serde_json::from_str(&generated::<CapacityReport>(
        "rdp-probe-capacity-1.json",
        "rdp-probe-capacity/1",
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let json = runtime.block_on(async {
        let server = rdp_probe_lab::limited::LimitedServer::start(3)
            .await
            .unwrap();
        let target = rdp_probe_core::Target::new("127.0.0.1", server.addr().port()).unwrap();
        let report = capacity(&target, &CapacityOptions::new(6)).await;
        assert_eq!(report.limit, Some(3));
        serde_json::to_value(&report).unwrap()
    });
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}: {json:#}");
}
