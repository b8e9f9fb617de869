//! Fleet scans: many targets, bounded in every dimension: the target grammar ([`targets`]: names,
//! addresses, CIDR blocks, ranges, exclusions, shards, lazily expanded) and the runner ([`scan`]:
//! probes in flight, new probes per second, a deadline, a stop flag; reports streamed as hosts finish).

pub mod diff;
mod run;
pub mod targets;

pub use run::{
    DEFAULT_CONCURRENCY, Pace, ScanItem, ScanMode, ScanOptions, ScanReport, StopScan, run_one, scan,
};
