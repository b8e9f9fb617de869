//! The manual: the contracts and references that users of the library, the CLI and the C ABI rely
//! on, shipped inside the documentation (as rustls ships its manual). Each page is also a Markdown
//! file in the repository, which is where it is edited.

#[doc = include_str!("../docs/json-contract.md")]
pub mod json_contract {}

#[doc = include_str!("../docs/inventory-contract.md")]
pub mod inventory_contract {}
