//! The Windows client's codes (mstsc / MsTscAx) and the derived mapping from what
//! rdp-probe observed onto the `(disconnect reason, extended reason)` pair mstsc shows.
//!
//! * [`DISCONNECT_REASONS`] — the 47 documented `IMsTscAxEvents::OnDisconnected` codes.
//! * [`EXTENDED_REASONS`] — `ExtendedDisconnectReasonCode` (`IMsRdpClient::ExtendedDisconnectReason`).
//! * [`USER_REPORTED`] — disconnect codes users have seen but Microsoft does not document.
//! * [`derive()`] / [`RULES`] — the mapping. **Microsoft publishes no such mapping**: every rule
//!   is an estimate built from the documented meaning of the code (or from user reports),
//!   so every [`MstscPair`] carries `derived: true` unless its rule is documented.
//! * [`explain`] — the offline answer for a pair a user copied from the mstsc dialog.
//!
//! Structure of a disconnect reason (inferred from the documented list, consistent for all
//! 47 values): the low byte is a *class* (0x04 network, 0x06 security layer, 0x07 TLS/NLA
//! `SSL_ERR_*`, 0x08 client core), the higher bytes a detail within the class.
//!
//! The extended reason equals the last Set Error Info code the server sent (MS-RDPBCGR
//! 2.2.5.1: the client stores it to report the disconnect that follows; values 0–12 and
//! 0x100–0x10A of both lists coincide), plus a few client-generated values (0x10B, 0x300).

mod codes;
mod explain;
mod markdown;
mod rules;
mod trigger;

pub use codes::{
    DISCONNECT_REASONS, EXTENDED_REASONS, USER_REPORTED, class_of, extended_reason_text,
    lookup_disconnect, lookup_extended, mstsc_text,
};
pub use explain::{Explanation, explain};
pub use markdown::markdown_table;
pub use rules::{Extended, RULES, Rule, rule};
pub use trigger::{MstscPair, Trigger, derive, rule_for, ssl_err_for_ntstatus};

#[cfg(test)]
use crate::{errinfo, license};
#[cfg(test)]
use codes::SRC_DISC;

#[cfg(test)]
mod tests;
