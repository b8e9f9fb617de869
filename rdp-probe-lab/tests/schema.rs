#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The JSON Schema of `rdp-probe/1` (`schemas/rdp-probe-1.json`, JSON Schema 2020-12) is generated
//! from the report types (schemars); this test fails when the file is stale, and when any report the
//! lab's catalog produces does not validate against it (the jsonschema crate). The C ABI, Python
//! and C# write the same JSON as the library (rdp-probe-ffi's tests and `scripts/test-bindings.sh`
//! compare them), so their reports validate too. Regenerate with
//! `UPDATE_DOCS=1 cargo test -p rdp-probe-lab --test schema`.

use rdp_probe_core::report::Report;
use rdp_probe_lab::catalog;
use serde_json::Value;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/rdp-probe-1.json");

/// The schema, generated: draft 2020-12, with the contract's id and title.
fn generated() -> String {
    // The schema of what the report serializes to (a field skipped when empty is not required).
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Report>();
    let mut schema = serde_json::to_value(schema).unwrap();
    let object = schema.as_object_mut().unwrap();
    object.insert(
        "$id".into(),
        Value::String("https://example.invalid/rdp-probe/schemas/rdp-probe-1.json".into()),
    );
    object.insert("title".into(), Value::String("rdp-probe/1".into()));
    format!("{}\n", serde_json::to_string_pretty(&schema).unwrap())
}

#[test]
fn the_schema_file_is_current() {
    let expected = generated();
    let current = std::fs::read_to_string(SCHEMA).unwrap_or_default();
    if std::env::var_os("UPDATE_DOCS").is_some() && current != expected {
        std::fs::write(SCHEMA, &expected).unwrap();
        return;
    }
    assert!(
        current == expected,
        "schemas/rdp-probe-1.json is stale: run UPDATE_DOCS=1 cargo test -p rdp-probe-lab --test schema"
    );
    let schema: Value = serde_json::from_str(&current).unwrap();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "JSON Schema 2020-12"
    );
}

#[test]
fn every_lab_report_validates() {
    let schema: Value = serde_json::from_str(&generated()).unwrap();
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
