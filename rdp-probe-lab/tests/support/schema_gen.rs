// Shared by tests/schema.rs and tests/inventory.rs: the JSON Schemas of the two contracts, generated
// from the types (schemars, draft 2020-12, the schema of what the types serialize to).

/// `schemas/rdp-probe-1.json`.
pub const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/rdp-probe-1.json");
/// `schemas/rdp-probe-inventory-1.json`.
pub const INVENTORY_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../schemas/rdp-probe-inventory-1.json"
);

/// `schemas/rdp-probe-capacity-1.json`.
pub const CAPACITY_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../schemas/rdp-probe-capacity-1.json"
);

/// The schema of `T`, with the contract's id (`file`) and title.
pub fn generated<T: schemars::JsonSchema>(file: &str, title: &str) -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut schema = serde_json::to_value(schema).unwrap();
    let object = schema.as_object_mut().unwrap();
    object.insert(
        "$id".into(),
        serde_json::Value::String(format!(
            "https://example.invalid/rdp-probe/schemas/{file}"
        )),
    );
    object.insert("title".into(), serde_json::Value::String(title.into()));
    format!("{}\n", serde_json::to_string_pretty(&schema).unwrap())
}
