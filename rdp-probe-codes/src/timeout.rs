//! `timeout`: a time limit ran out, rdp-probe's own space.
//!
//! This space is keyed by **name** ([`crate::Keyed::Name`]): the name says which limit ran
//! out, and the value is that limit in milliseconds.

use crate::{NameEntry, OWN_SOURCE};

const LIMIT: &str = "the limit that ran out, in milliseconds";

/// The TCP connect did not complete in time.
pub const CONNECT_TIMEOUT: NameEntry = NameEntry::new(
    "CONNECT_TIMEOUT",
    "The TCP connect got no answer within its time limit",
    LIMIT,
    OWN_SOURCE,
)
.with_hint("no answer to the TCP connection request: a firewall silently drops packets to the port, or the host is down");
/// A phase did not complete in time. The report's hint depends on whether part of a PDU arrived.
pub const PHASE_TIMEOUT: NameEntry = NameEntry::new(
    "PHASE_TIMEOUT",
    "A phase did not complete within its time limit",
    LIMIT,
    OWN_SOURCE,
);
/// The whole probe did not complete in time. The report's hint depends on whether part of a PDU arrived.
pub const OVERALL_TIMEOUT: NameEntry = NameEntry::new(
    "OVERALL_TIMEOUT",
    "The probe as a whole did not complete within its time limit",
    LIMIT,
    OWN_SOURCE,
);

/// Every `timeout` name.
pub static TABLE: &[NameEntry] = &[CONNECT_TIMEOUT, PHASE_TIMEOUT, OVERALL_TIMEOUT];
