//! The target list of a fleet scan: a small grammar of host names, addresses, CIDR blocks and
//! last-octet ranges, deduplicated and with exclusions, iterated lazily and split into shards.
//!
//! This module is pure: no I/O and no name resolution (host names stay names).
//!
//! # Grammar
//!
//! A list is text: one item per line, or several items on a line separated by whitespace or commas.
//! `#` starts a comment that runs to the end of the line; blank lines are ignored. An item is one of:
//!
//! | form | example | targets |
//! |---|---|---|
//! | host name, optional `:port` | `rdp1.corp.example`, `RDP1:3390` | the name, as given |
//! | IPv4 address, optional `:port` | `10.0.0.5`, `10.0.0.5:3390` | one address |
//! | IPv6 address bare, or bracketed with optional `:port` | `::1`, `[2001:db8::7]:3390` | one address |
//! | CIDR block (no port) | `10.0.0.0/24`, `2001:db8::/120` | every address of the block |
//! | IPv4 last-octet range (no port) | `10.0.0.10-20` | `10.0.0.10` to `10.0.0.20` |
//!
//! An item without a port takes the builder's default port. Ports are 1 to 65535.
//!
//! Decisions of the grammar:
//!
//! - **Host names** are kept as first given (`RDP1` stays `RDP1`) and deduplicated case-insensitively
//!   (ASCII); a later `rdp1` is a duplicate. A name is letters, digits, `-`, `_` and dots (at most 253
//!   characters, labels of at most 63, one trailing dot allowed); `host.` and `host` are different names.
//!   Internationalised names are given in their `xn--` form. A name made of digits and dots only is read
//!   as an IPv4 address (so `10.0.0.300` is a bad address, never a name).
//! - **IPv6 zone ids** (`fe80::1%eth0`) are rejected ([`TargetLineErrorKind::ZoneId`]): an address set
//!   cannot carry a scope, and a zone names an interface of this machine, not a host of the fleet.
//!   Probe such a host one at a time.
//! - **Addresses are printed canonically** in the targets ([`std::net::Ipv4Addr`] /
//!   [`std::net::Ipv6Addr`] display form), so `2001:DB8:0::1` yields the host `2001:db8::1`.
//!   IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are IPv6 addresses and do not dedupe against IPv4.
//! - **CIDR blocks** with host bits set (`10.0.0.5/24`) are normalised to their network
//!   (`10.0.0.0/24`) without an error. Every address of a block is a target, the network and broadcast
//!   addresses included (a /31 or /32 setup may put an RDP host there; skipping them would need a rule
//!   per prefix length). `/32` and `/128` are single hosts. A `:port` after a block is an error: give
//!   the port as the default port (`--port`).
//! - **Ranges** are `a.b.c.d-e` with `d ≤ e ≤ 255`, IPv4 only; a `:port` after a range is an error.
//!
//! A malformed item is reported as a [`TargetLineError`] (1-based line number, the item, the reason)
//! and skipped; the rest of the list still counts.
//!
//! # Dedupe, exclusions, order
//!
//! Address targets are kept as a union of disjoint address intervals per (port, family), so dedupe
//! and exclusion are exact and the memory is in the number of items, never in the number of targets:
//! `10.0.0.0/8` is one interval. Exclusions use the same grammar; an excluded item **without** a port
//! removes the name or addresses on every port, one **with** a port only on that port. An excluded name
//! removes that name only (compared case-insensitively): it is never resolved, so it does not remove
//! the addresses it resolves to.
//!
//! The order of [`TargetList::iter`] is deterministic: the host names first, in first-seen order, then
//! the addresses ascending by (port, family with IPv4 first, address).
//!
//! ```
//! use rdp_probe_core::scan::targets::TargetListBuilder;
//!
//! let mut builder = TargetListBuilder::new(3389);
//! let errors = builder.add_text("10.0.0.0/30, 10.0.0.2  # overlapping\nrdp1.corp.example:3390\n");
//! assert!(errors.is_empty());
//! builder.exclude_line(1, "10.0.0.0");
//! let list = builder.build().unwrap();
//! let targets: Vec<String> = list.iter().map(|t| t.to_string()).collect();
//! assert_eq!(
//!     targets,
//!     ["rdp1.corp.example:3390", "10.0.0.1:3389", "10.0.0.2:3389", "10.0.0.3:3389"]
//! );
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::target::{DEFAULT_PORT, Target};

/// The default of [`TargetListBuilder::max_targets`]: a /16 of IPv4 on one port.
pub const DEFAULT_MAX_TARGETS: u64 = 65_536;

/// The longest item kept in a [`TargetLineError`], in characters; a longer one is cut and ends in `…`.
pub const MAX_ITEM_CHARS_IN_ERROR: usize = 200;

/// The character that starts a comment running to the end of the line.
const COMMENT: char = '#';
/// The prefix length of a single IPv4 address.
const V4_BITS: u32 = 32;
/// The prefix length of a single IPv6 address.
const V6_BITS: u32 = 128;
/// The longest host name (without a trailing dot).
const MAX_NAME_LEN: usize = 253;
/// The longest label of a host name.
const MAX_LABEL_LEN: usize = 63;
/// The largest last octet of a range.
const MAX_OCTET: u32 = 255;

/// Why one item of a target list was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetLineErrorKind {
    /// The item has a port but nothing before it (`:3389`, `[]`).
    #[error("no host before the port")]
    MissingHost,
    /// The port is not a number from 1 to 65535.
    #[error("bad port {0:?}: a port is a number from 1 to 65535")]
    BadPort(String),
    /// The item looks like an address (digits and dots, colons, brackets) but is not one.
    #[error("bad address: {0}")]
    BadAddress(&'static str),
    /// The item is not a valid host name.
    #[error("bad host name: {0}")]
    BadHostName(&'static str),
    /// The item has a `/` but is not a CIDR block.
    #[error("bad CIDR block: {0}")]
    BadCidr(&'static str),
    /// A `:port` follows a CIDR block.
    #[error("a CIDR block takes no port: give the port with --port")]
    PortAfterCidr,
    /// The item looks like a last-octet range (`a.b.c.d-e`) but is not a valid one.
    #[error("bad range: {0}")]
    BadRange(&'static str),
    /// A `:port` follows a range.
    #[error("a range takes no port: give the port with --port")]
    PortAfterRange,
    /// An IPv6 zone id (`fe80::1%eth0`).
    #[error("IPv6 zone ids (%...) are not supported in target lists: probe such a host on its own")]
    ZoneId,
}

/// A rejected item of a target list: where it is, what it is, and why. The item is skipped; the rest
/// of the list still counts.
///
/// ```
/// use rdp_probe_core::scan::targets::{TargetLineErrorKind, TargetListBuilder};
///
/// let mut builder = TargetListBuilder::new(3389);
/// let errors = builder.add_text("10.0.0.1\n10.0.0.0/24:3390\n");
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors[0].line, 2);
/// assert_eq!(errors[0].item, "10.0.0.0/24:3390");
/// assert_eq!(errors[0].kind, TargetLineErrorKind::PortAfterCidr);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {item:?}: {kind}")]
pub struct TargetLineError {
    /// The line number, from 1.
    pub line: usize,
    /// The item as written (cut to [`MAX_ITEM_CHARS_IN_ERROR`] characters).
    pub item: String,
    /// Why it was rejected.
    pub kind: TargetLineErrorKind,
}

/// The list would hold more targets than allowed ([`TargetListBuilder::max_targets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the target list holds {count} targets, more than the maximum of {max}: raise --max-targets or narrow the list"
)]
pub struct TooManyTargets {
    /// The number of targets after dedupe and exclusions; it saturates at `u128::MAX` (reached only
    /// by `::/0`, which holds 2^128 addresses, on one port or more).
    pub count: u128,
    /// The maximum in force.
    pub max: u64,
}

/// A shard argument that is not `K/N` with `0 ≤ K < N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// `N` is 0.
    #[error("the number of shards must be at least 1")]
    NoShards,
    /// `K` is not below `N` (shards are numbered from 0).
    #[error("shard {index} does not exist: shards of {count} are numbered 0 to {}", .count.saturating_sub(1))]
    IndexOutOfRange {
        /// The shard asked for.
        index: u64,
        /// The number of shards.
        count: u64,
    },
    /// The text is not `K/N` with two decimal numbers.
    #[error("bad shard {0:?}: expected K/N, e.g. 0/4 (K from 0)")]
    Syntax(String),
}

/// One shard of a target list: shard `index` of `count`, numbered from 0. The `i`-th target of
/// [`TargetList::iter`] belongs to shard `i % count`, so shards differ in size by at most one and
/// interleave across the list.
///
/// ```
/// use rdp_probe_core::scan::targets::Shard;
///
/// let shard: Shard = "1/4".parse().unwrap();
/// assert_eq!((shard.index(), shard.count()), (1, 4));
/// assert_eq!(shard.to_string(), "1/4");
/// assert!("4/4".parse::<Shard>().is_err());
/// assert!("0/0".parse::<Shard>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count`; `index` must be below `count`.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::NoShards);
        }
        if index >= count {
            return Err(ShardError::IndexOutOfRange { index, count });
        }
        Ok(Self { index, count })
    }

    /// The whole list as one shard (`0/1`).
    pub fn all() -> Self {
        Self { index: 0, count: 1 }
    }

    /// Which shard, from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// How many shards.
    pub fn count(&self) -> u64 {
        self.count
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax(s.to_owned());
        let (k, n) = s.trim().split_once('/').ok_or_else(syntax)?;
        let index = parse_decimal::<u64>(k).ok_or_else(syntax)?;
        let count = parse_decimal::<u64>(n).ok_or_else(syntax)?;
        Self::new(index, count)
    }
}

/// An address family, IPv4 ordered first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Family {
    V4,
    V6,
}

/// An inclusive interval of addresses (IPv4 addresses are below 2^32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Interval {
    lo: u128,
    hi: u128,
}

impl Interval {
    /// The number of addresses, saturating at `u128::MAX` (only for the whole IPv6 space).
    fn size(self) -> u128 {
        (self.hi - self.lo).saturating_add(1)
    }
}

/// One parsed item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Name {
        name: String,
        port: Option<u16>,
    },
    Addresses {
        family: Family,
        interval: Interval,
        port: Option<u16>,
    },
}

/// Collects the items and exclusions of a target list; [`build`](Self::build) merges them into a
/// [`TargetList`]. See the [module documentation](self) for the grammar.
///
/// ```
/// use rdp_probe_core::scan::targets::{TargetLineErrorKind, TargetListBuilder};
///
/// let mut builder = TargetListBuilder::new(3389).max_targets(1_000);
/// let errors = builder.add_text(
///     "# lab hosts\n\
///      10.0.0.0/30 10.0.0.2, 10.0.0.1-3\n\
///      RDP1.corp.example, rdp1.corp.example  # one name\n\
///      [2001:db8::1]:3390\n\
///      10.0.0.300\n",
/// );
/// // The bad item is reported with its line and skipped.
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors[0].line, 5);
/// assert!(matches!(errors[0].kind, TargetLineErrorKind::BadAddress(_)));
///
/// builder.exclude_line(1, "10.0.0.3");
/// let list = builder.build().unwrap();
/// assert_eq!(list.len(), 5);
/// let targets: Vec<String> = list.iter().map(|t| t.to_string()).collect();
/// assert_eq!(
///     targets,
///     [
///         "RDP1.corp.example:3389",
///         "10.0.0.0:3389",
///         "10.0.0.1:3389",
///         "10.0.0.2:3389",
///         "[2001:db8::1]:3390",
///     ]
/// );
///
/// // Two machines split the list; every target goes to exactly one of them.
/// let first: Vec<_> = list.shard(0, 2).unwrap().collect();
/// let second: Vec<_> = list.shard(1, 2).unwrap().collect();
/// assert_eq!((first.len(), second.len()), (3, 2));
/// ```
#[derive(Debug, Clone)]
pub struct TargetListBuilder {
    default_port: u16,
    max_targets: u64,
    /// The names in first-seen order, each with its port.
    names: Vec<(String, u16)>,
    /// The dedupe keys of `names`: the ASCII-lowercased name and the port.
    name_keys: HashSet<(String, u16)>,
    /// The included addresses, unmerged, per (port, family).
    addresses: BTreeMap<(u16, Family), Vec<Interval>>,
    /// Excluded names (lowercased) with their port, `None` for every port.
    excluded_names: HashSet<(String, Option<u16>)>,
    /// Excluded addresses, unmerged, per (port or `None` for every port, family).
    excluded_addresses: BTreeMap<(Option<u16>, Family), Vec<Interval>>,
}

impl Default for TargetListBuilder {
    /// A builder with [`DEFAULT_PORT`] (3389).
    fn default() -> Self {
        Self::new(DEFAULT_PORT)
    }
}

impl TargetListBuilder {
    /// An empty builder; items without a port take `default_port`, and the list may hold at most
    /// [`DEFAULT_MAX_TARGETS`] targets. Port 0 is not a TCP port: it stands for [`DEFAULT_PORT`] (3389).
    pub fn new(default_port: u16) -> Self {
        Self {
            default_port: if default_port == 0 {
                DEFAULT_PORT
            } else {
                default_port
            },
            max_targets: DEFAULT_MAX_TARGETS,
            names: Vec::new(),
            name_keys: HashSet::new(),
            addresses: BTreeMap::new(),
            excluded_names: HashSet::new(),
            excluded_addresses: BTreeMap::new(),
        }
    }

    /// The most targets the list may hold after dedupe and exclusions; [`build`](Self::build) refuses a
    /// larger list with [`TooManyTargets`].
    pub fn max_targets(mut self, n: u64) -> Self {
        self.max_targets = n;
        self
    }

    /// The port of items without one.
    pub fn default_port(&self) -> u16 {
        self.default_port
    }

    /// Adds the items of one line (`line_no` counts from 1 and only labels the errors). Returns the
    /// rejected items; the others are added.
    pub fn add_line(&mut self, line_no: usize, text: &str) -> Vec<TargetLineError> {
        let mut errors = Vec::new();
        for (item, parsed) in parse_line(text) {
            match parsed {
                Ok(item) => self.include(item),
                Err(kind) => errors.push(line_error(line_no, item, kind)),
            }
        }
        errors
    }

    /// Adds every line of `text` (a file or standard input), numbering lines from 1. Returns the
    /// rejected items.
    pub fn add_text(&mut self, text: &str) -> Vec<TargetLineError> {
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            errors.extend(self.add_line(i.saturating_add(1), line));
        }
        errors
    }

    /// Excludes the items of one line (same grammar as [`add_line`](Self::add_line)). An item without
    /// a port is excluded on every port, one with a port on that port only. Exclusions apply at
    /// [`build`](Self::build), whatever the order of the calls.
    pub fn exclude_line(&mut self, line_no: usize, text: &str) -> Vec<TargetLineError> {
        let mut errors = Vec::new();
        for (item, parsed) in parse_line(text) {
            match parsed {
                Ok(item) => self.exclude(item),
                Err(kind) => errors.push(line_error(line_no, item, kind)),
            }
        }
        errors
    }

    /// Excludes every line of `text`, numbering lines from 1 (see [`exclude_line`](Self::exclude_line)).
    pub fn exclude_text(&mut self, text: &str) -> Vec<TargetLineError> {
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            errors.extend(self.exclude_line(i.saturating_add(1), line));
        }
        errors
    }

    fn include(&mut self, item: Item) {
        match item {
            Item::Name { name, port } => {
                let port = port.unwrap_or(self.default_port);
                if self.name_keys.insert((name.to_ascii_lowercase(), port)) {
                    self.names.push((name, port));
                }
            }
            Item::Addresses {
                family,
                interval,
                port,
            } => {
                let port = port.unwrap_or(self.default_port);
                self.addresses
                    .entry((port, family))
                    .or_default()
                    .push(interval);
            }
        }
    }

    fn exclude(&mut self, item: Item) {
        match item {
            Item::Name { name, port } => {
                self.excluded_names
                    .insert((name.to_ascii_lowercase(), port));
            }
            Item::Addresses {
                family,
                interval,
                port,
            } => {
                self.excluded_addresses
                    .entry((port, family))
                    .or_default()
                    .push(interval);
            }
        }
    }

    /// Merges the items, removes the exclusions and checks the size. Never iterates the addresses, so a
    /// huge block (`::/0`) is refused at once.
    pub fn build(self) -> Result<TargetList, TooManyTargets> {
        let Self {
            max_targets,
            names,
            addresses,
            excluded_names,
            excluded_addresses,
            ..
        } = self;

        let names: Vec<Target> = names
            .into_iter()
            .filter(|(name, port)| {
                let key = name.to_ascii_lowercase();
                !excluded_names.contains(&(key.clone(), Some(*port)))
                    && !excluded_names.contains(&(key, None))
            })
            .filter_map(|(name, port)| Target::new(name, port).ok())
            .collect();

        let mut total = u128::try_from(names.len()).unwrap_or(u128::MAX);
        let mut segments = Vec::new();
        for ((port, family), intervals) in addresses {
            let mut excluded = Vec::new();
            for key in [(None, family), (Some(port), family)] {
                if let Some(list) = excluded_addresses.get(&key) {
                    excluded.extend_from_slice(list);
                }
            }
            let kept = subtract(&merge(intervals), &merge(excluded));
            for interval in kept {
                total = total.saturating_add(interval.size());
                segments.push(Segment {
                    port,
                    family,
                    interval,
                });
            }
        }

        let len = match u64::try_from(total) {
            Ok(len) if len <= max_targets => len,
            _ => {
                return Err(TooManyTargets {
                    count: total,
                    max: max_targets,
                });
            }
        };

        // Every segment is smaller than `len`, which fits a u64, so the starts do too.
        let names_len = u64::try_from(names.len()).unwrap_or(u64::MAX);
        let mut starts = Vec::with_capacity(segments.len());
        let mut next = names_len;
        for segment in &segments {
            starts.push(next);
            let size = u64::try_from(segment.interval.size()).unwrap_or(u64::MAX);
            next = next.saturating_add(size);
        }

        Ok(TargetList {
            names,
            segments,
            starts,
            len,
        })
    }
}

/// A run of consecutive addresses on one port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    port: u16,
    family: Family,
    interval: Interval,
}

impl Segment {
    /// The target at `offset` addresses from the start, if within the segment.
    fn target(&self, offset: u64) -> Option<Target> {
        let value = self.interval.lo.checked_add(u128::from(offset))?;
        if value > self.interval.hi {
            return None;
        }
        let ip = match self.family {
            Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).ok()?)),
            Family::V6 => IpAddr::V6(Ipv6Addr::from(value)),
        };
        Target::new(ip.to_string(), self.port).ok()
    }
}

/// A deduplicated target list with its exclusions applied: host names and address intervals,
/// iterated lazily. Memory is in the number of input items, never in the number of targets.
///
/// ```
/// use rdp_probe_core::scan::targets::TargetListBuilder;
///
/// let mut builder = TargetListBuilder::new(3389);
/// builder.add_line(1, "10.0.0.0/24");
/// builder.exclude_line(1, "10.0.0.128/25");
/// let list = builder.build().unwrap();
/// assert_eq!(list.len(), 128);
/// assert_eq!(list.iter().last().unwrap().host(), "10.0.0.127");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetList {
    names: Vec<Target>,
    segments: Vec<Segment>,
    /// The index in the list of the first target of each segment.
    starts: Vec<u64>,
    len: u64,
}

impl TargetList {
    /// The number of targets, after dedupe and exclusions. Exact: it is at most the builder's
    /// [`max_targets`](TargetListBuilder::max_targets), so it always fits.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the list holds no target.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every target, host names first in first-seen order, then addresses ascending by (port, family
    /// with IPv4 first, address). Lazy: each target is made when asked for.
    pub fn iter(&self) -> Iter<'_> {
        self.in_shard(Shard::all())
    }

    /// The targets of shard `k` of `n` (from 0): the `i`-th target of [`iter`](Self::iter) belongs to
    /// shard `i % n`. Deterministic; the shards' sizes differ by at most one.
    pub fn shard(&self, k: u64, n: u64) -> Result<Iter<'_>, ShardError> {
        Ok(self.in_shard(Shard::new(k, n)?))
    }

    /// The targets of `shard` (see [`shard`](Self::shard)).
    pub fn in_shard(&self, shard: Shard) -> Iter<'_> {
        Iter {
            list: self,
            next: shard.index,
            step: shard.count,
            segment: 0,
        }
    }

    /// The target at position `index` of [`iter`](Self::iter); `segment` is a hint where to look first
    /// and is updated.
    fn get(&self, index: u64, segment: &mut usize) -> Option<Target> {
        if index >= self.len {
            return None;
        }
        if let Some(target) = usize::try_from(index).ok().and_then(|i| self.names.get(i)) {
            return Some(target.clone());
        }
        let within = |s: usize| match (self.starts.get(s), self.segments.get(s)) {
            (Some(&start), Some(seg)) => {
                index >= start && u128::from(index - start) < seg.interval.size()
            }
            _ => false,
        };
        if !within(*segment) {
            // The last segment that starts at or before `index`.
            *segment = self
                .starts
                .partition_point(|&start| start <= index)
                .checked_sub(1)?;
        }
        let start = *self.starts.get(*segment)?;
        self.segments.get(*segment)?.target(index - start)
    }
}

impl<'a> IntoIterator for &'a TargetList {
    type Item = Target;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The targets of a [`TargetList`], or of one shard of it, in list order. Made by
/// [`TargetList::iter`], [`TargetList::shard`] and [`TargetList::in_shard`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    list: &'a TargetList,
    /// The position in the list of the next target.
    next: u64,
    /// The distance between two targets of this iterator (the number of shards).
    step: u64,
    /// The segment of the last target, where to look first.
    segment: usize,
}

impl Iter<'_> {
    /// The number of targets left, exact.
    pub fn remaining(&self) -> u64 {
        if self.next >= self.list.len {
            return 0;
        }
        (self.list.len - self.next - 1) / self.step.max(1) + 1
    }
}

impl Iterator for Iter<'_> {
    type Item = Target;

    fn next(&mut self) -> Option<Target> {
        let target = self.list.get(self.next, &mut self.segment)?;
        // Past the end, `next` stays past the end: `get` refuses it.
        self.next = self.next.saturating_add(self.step);
        Some(target)
    }

    fn nth(&mut self, n: usize) -> Option<Target> {
        let skip = u64::try_from(n)
            .unwrap_or(u64::MAX)
            .saturating_mul(self.step);
        self.next = self.next.saturating_add(skip);
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match usize::try_from(self.remaining()) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }
}

impl std::iter::FusedIterator for Iter<'_> {}

/// Sorts and coalesces intervals into disjoint, non-adjacent ones, ascending.
fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort_unstable();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.lo <= last.hi.saturating_add(1) => {
                last.hi = last.hi.max(interval.hi);
            }
            _ => merged.push(interval),
        }
    }
    merged
}

/// `keep` minus `remove`, both merged (disjoint and ascending); the result is merged too.
fn subtract(keep: &[Interval], remove: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::with_capacity(keep.len());
    let mut r = 0;
    for &interval in keep {
        let mut lo = interval.lo;
        let hi = interval.hi;
        // Removals wholly below this interval cannot touch the later ones either.
        while remove.get(r).is_some_and(|x| x.hi < lo) {
            r += 1;
        }
        let mut i = r;
        let mut covered_to_end = false;
        while let Some(x) = remove.get(i) {
            if x.lo > hi {
                break;
            }
            if x.lo > lo {
                out.push(Interval { lo, hi: x.lo - 1 });
            }
            match x.hi.checked_add(1) {
                Some(next) if x.hi < hi => lo = next,
                _ => {
                    covered_to_end = true;
                    break;
                }
            }
            i += 1;
        }
        if !covered_to_end {
            out.push(Interval { lo, hi });
        }
    }
    out
}

/// Splits a line into its items (comment stripped), each with its parse.
fn parse_line(text: &str) -> impl Iterator<Item = (&str, Result<Item, TargetLineErrorKind>)> {
    let content = match text.split_once(COMMENT) {
        Some((before, _)) => before,
        None => text,
    };
    content
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|item| !item.is_empty())
        .map(|item| (item, parse_item(item)))
}

fn line_error(line: usize, item: &str, kind: TargetLineErrorKind) -> TargetLineError {
    let item = match item.char_indices().nth(MAX_ITEM_CHARS_IN_ERROR) {
        Some((cut, _)) => format!("{}…", &item[..cut]),
        None => item.to_owned(),
    };
    TargetLineError { line, item, kind }
}

/// A decimal number of ASCII digits only (no sign, no spaces).
fn parse_decimal<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_port(s: &str) -> Result<u16, TargetLineErrorKind> {
    match parse_decimal::<u16>(s) {
        Some(port) if port != 0 => Ok(port),
        _ => Err(TargetLineErrorKind::BadPort(s.to_owned())),
    }
}

/// Whether `s` is made of digits and dots only (so it means an IPv4 address or range start).
fn is_dotted_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn single(ip: IpAddr, port: Option<u16>) -> Item {
    let (family, value) = match ip {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (Family::V6, u128::from(v6)),
    };
    Item::Addresses {
        family,
        interval: Interval {
            lo: value,
            hi: value,
        },
        port,
    }
}

/// Parses one item (non-empty, without whitespace or commas).
fn parse_item(item: &str) -> Result<Item, TargetLineErrorKind> {
    use TargetLineErrorKind as E;

    if item.contains('%') {
        return Err(if item.contains(':') {
            E::ZoneId
        } else {
            E::BadHostName("'%' is not allowed in a host name")
        });
    }

    if let Some(rest) = item.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or(E::BadAddress("'[' without a closing ']'"))?;
        if inside.contains('/') || after.starts_with('/') {
            return Err(E::BadCidr(
                "write a CIDR block without brackets, e.g. 2001:db8::/120",
            ));
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(parse_port(port)?),
                None => return Err(E::BadAddress("only ':port' may follow ']'")),
            },
        };
        if inside.is_empty() {
            return Err(E::MissingHost);
        }
        let v6: Ipv6Addr = inside
            .parse()
            .map_err(|_| E::BadAddress("brackets hold an IPv6 address, e.g. [2001:db8::1]:3390"))?;
        return Ok(single(IpAddr::V6(v6), port));
    }

    if let Some((address, prefix)) = item.split_once('/') {
        return parse_cidr(address, prefix);
    }

    if item.matches(':').count() > 1 {
        let v6: Ipv6Addr = item
            .parse()
            .map_err(|_| E::BadAddress("not an IPv6 address (give a port as [address]:port)"))?;
        return Ok(single(IpAddr::V6(v6), None));
    }

    let (host, port) = match item.split_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (item, None),
    };
    if host.is_empty() {
        return Err(E::MissingHost);
    }

    if let Some((start, end)) = host.split_once('-')
        && is_dotted_digits(start)
    {
        if port.is_some() {
            return Err(E::PortAfterRange);
        }
        return parse_range(start, end);
    }

    if is_dotted_digits(host) {
        let v4: Ipv4Addr = host.parse().map_err(|_| {
            E::BadAddress("not an IPv4 address (four numbers 0-255, without leading zeros)")
        })?;
        return Ok(single(IpAddr::V4(v4), port));
    }

    validate_name(host)?;
    Ok(Item::Name {
        name: host.to_owned(),
        port,
    })
}

fn parse_cidr(address: &str, prefix: &str) -> Result<Item, TargetLineErrorKind> {
    use TargetLineErrorKind as E;
    if prefix.contains(':') {
        return Err(E::PortAfterCidr);
    }
    let ip: IpAddr = address
        .parse()
        .map_err(|_| E::BadCidr("the part before '/' is not an IP address"))?;
    let prefix = parse_decimal::<u32>(prefix)
        .ok_or(E::BadCidr("the part after '/' is not a prefix length"))?;
    let (family, value, bits) = match ip {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4)), V4_BITS),
        IpAddr::V6(v6) => (Family::V6, u128::from(v6), V6_BITS),
    };
    if prefix > bits {
        return Err(if family == Family::V4 {
            E::BadCidr("an IPv4 prefix length is 0 to 32")
        } else {
            E::BadCidr("an IPv6 prefix length is 0 to 128")
        });
    }
    // The host bits: `bits - prefix` low bits, within the family's width.
    let host_bits = bits - prefix;
    let family_max = if family == Family::V4 {
        u128::from(u32::MAX)
    } else {
        u128::MAX
    };
    let host_mask = match 1u128.checked_shl(host_bits) {
        Some(p) => p - 1,
        None => u128::MAX,
    } & family_max;
    let lo = value & !host_mask;
    Ok(Item::Addresses {
        family,
        interval: Interval {
            lo,
            hi: lo | host_mask,
        },
        port: None,
    })
}

fn parse_range(start: &str, end: &str) -> Result<Item, TargetLineErrorKind> {
    use TargetLineErrorKind as E;
    let start: Ipv4Addr = start
        .parse()
        .map_err(|_| E::BadRange("the start is not an IPv4 address"))?;
    let last = parse_decimal::<u32>(end).ok_or(E::BadRange(
        "the end is the last octet only, a number 0-255 (e.g. 10.0.0.10-20)",
    ))?;
    if last > MAX_OCTET {
        return Err(E::BadRange("the end of a range is at most 255"));
    }
    let [a, b, c, d] = start.octets();
    if last < u32::from(d) {
        return Err(E::BadRange("the end of a range is below its start"));
    }
    let base = u32::from(Ipv4Addr::new(a, b, c, 0));
    Ok(Item::Addresses {
        family: Family::V4,
        interval: Interval {
            lo: u128::from(base | u32::from(d)),
            hi: u128::from(base | last),
        },
        port: None,
    })
}

fn validate_name(name: &str) -> Result<(), TargetLineErrorKind> {
    use TargetLineErrorKind as E;
    let bare = name.strip_suffix('.').unwrap_or(name);
    if bare.is_empty() {
        return Err(E::BadHostName("empty name"));
    }
    if bare.len() > MAX_NAME_LEN {
        return Err(E::BadHostName("longer than 253 characters"));
    }
    for label in bare.split('.') {
        if label.is_empty() {
            return Err(E::BadHostName(
                "empty label (two dots in a row, or a leading dot)",
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(E::BadHostName("a label is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(E::BadHostName(
                "only letters, digits, '-', '_' and dots (internationalised names in xn-- form)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(list: &TargetList) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    fn build(include: &str, exclude: &str) -> TargetList {
        let mut b = TargetListBuilder::new(3389);
        assert_eq!(b.add_text(include), vec![]);
        assert_eq!(b.exclude_text(exclude), vec![]);
        b.build().unwrap()
    }

    fn kind(item: &str) -> TargetLineErrorKind {
        parse_item(item).unwrap_err()
    }

    #[test]
    fn scan_cidr_normalises_host_bits() {
        let list = build("10.0.0.5/30", "");
        assert_eq!(
            targets(&list),
            [
                "10.0.0.4:3389",
                "10.0.0.5:3389",
                "10.0.0.6:3389",
                "10.0.0.7:3389"
            ]
        );
        assert_eq!(build("10.0.0.5/32", "").len(), 1);
        assert_eq!(build("2001:db8::5/128", "").len(), 1);
        assert_eq!(build("2001:db8::ff/120", "").len(), 256);
    }

    #[test]
    fn scan_extremes_do_not_overflow() {
        let mut b = TargetListBuilder::new(3389).max_targets(u64::MAX);
        b.add_line(1, "0.0.0.0/0");
        let list = b.build().unwrap();
        assert_eq!(list.len(), 1 << 32);
        assert_eq!(list.iter().next().unwrap().host(), "0.0.0.0");
        let mut last = list.shard(u64::from(u32::MAX), 1 << 32).unwrap();
        assert_eq!(last.next().unwrap().host(), "255.255.255.255");
        assert_eq!(last.next(), None);

        let mut b = TargetListBuilder::new(3389).max_targets(u64::MAX);
        b.add_line(1, "::/0");
        b.add_line(2, "::/0, ffff::/16");
        assert_eq!(
            b.build().unwrap_err(),
            TooManyTargets {
                count: u128::MAX,
                max: u64::MAX
            }
        );

        // The top of the IPv6 space, exclusion reaching the end.
        let list = build(
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
        );
        assert_eq!(list.len(), 14);
        let list = build("255.255.255.0/24", "255.255.255.255");
        assert_eq!(list.len(), 255);
    }

    #[test]
    fn scan_subtract_edges() {
        let iv = |lo, hi| Interval { lo, hi };
        assert_eq!(subtract(&[iv(0, 10)], &[iv(0, 10)]), vec![]);
        assert_eq!(
            subtract(&[iv(0, 10)], &[iv(3, 4)]),
            vec![iv(0, 2), iv(5, 10)]
        );
        assert_eq!(
            subtract(&[iv(0, 10), iv(20, 30)], &[iv(5, 25)]),
            vec![iv(0, 4), iv(26, 30)]
        );
        assert_eq!(subtract(&[iv(5, 6)], &[iv(0, 1), iv(9, 9)]), vec![iv(5, 6)]);
        assert_eq!(
            subtract(&[iv(0, u128::MAX)], &[iv(u128::MAX, u128::MAX)]),
            vec![iv(0, u128::MAX - 1)]
        );
        assert_eq!(
            merge(vec![iv(3, 4), iv(0, 2), iv(6, 6)]),
            vec![iv(0, 4), iv(6, 6)]
        );
        assert_eq!(
            merge(vec![iv(0, u128::MAX), iv(u128::MAX, u128::MAX)]),
            vec![iv(0, u128::MAX)]
        );
    }

    #[test]
    fn scan_item_kinds() {
        use TargetLineErrorKind as E;
        assert_eq!(kind(":3389"), E::MissingHost);
        assert_eq!(kind("[]:3389"), E::MissingHost);
        assert_eq!(kind("h:0"), E::BadPort("0".into()));
        assert_eq!(kind("h:+1"), E::BadPort("+1".into()));
        assert_eq!(kind("h:"), E::BadPort(String::new()));
        assert_eq!(kind("10.0.0.0/24:3389"), E::PortAfterCidr);
        assert_eq!(kind("10.0.0.1-5:3389"), E::PortAfterRange);
        assert_eq!(kind("fe80::1%eth0"), E::ZoneId);
        assert_eq!(kind("[fe80::1%eth0]:3389"), E::ZoneId);
        assert!(matches!(kind("10.0.0.0/33"), E::BadCidr(_)));
        assert!(matches!(kind("::/129"), E::BadCidr(_)));
        assert!(matches!(kind("[::]/64"), E::BadCidr(_)));
        assert!(matches!(kind("host/24"), E::BadCidr(_)));
        assert!(matches!(kind("10.0.0.5-3"), E::BadRange(_)));
        assert!(matches!(kind("10.0.0.5-256"), E::BadRange(_)));
        assert!(matches!(kind("10.0.0.5-10.0.0.9"), E::BadRange(_)));
        assert!(matches!(kind("10.0.0-5"), E::BadRange(_)));
        assert!(matches!(kind("10.0.0.256"), E::BadAddress(_)));
        assert!(matches!(kind("010.0.0.1"), E::BadAddress(_)));
        assert!(matches!(kind("1234"), E::BadAddress(_)));
        assert!(matches!(kind("1:2:3"), E::BadAddress(_)));
        assert!(matches!(kind("[10.0.0.1]:3389"), E::BadAddress(_)));
        assert!(matches!(kind("[::1]x"), E::BadAddress(_)));
        assert!(matches!(kind("ex ample"), E::BadHostName(_)));
        assert!(matches!(kind("a..b"), E::BadHostName(_)));
        assert!(matches!(kind("bücher.example"), E::BadHostName(_)));
        assert!(matches!(kind(&"a".repeat(64)), E::BadHostName(_)));
        assert!(parse_item("rdp-1.corp").is_ok());
        assert!(parse_item("host.").is_ok());
        assert!(parse_item("WS_01").is_ok());
    }

    #[test]
    fn scan_long_item_is_cut_in_error() {
        let mut b = TargetListBuilder::new(3389);
        let long = format!("{}.example", "a".repeat(500));
        let errors = b.add_line(7, &long);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 7);
        assert_eq!(errors[0].item.chars().count(), MAX_ITEM_CHARS_IN_ERROR + 1);
    }

    #[test]
    fn scan_port_zero_default_is_3389() {
        let mut b = TargetListBuilder::new(0);
        b.add_line(1, "h");
        assert_eq!(targets(&b.build().unwrap()), ["h:3389"]);
    }

    #[test]
    fn scan_shard_parse() {
        assert_eq!("0/1".parse::<Shard>(), Ok(Shard::all()));
        assert_eq!(" 3/7 ".parse::<Shard>(), Shard::new(3, 7));
        assert_eq!("1/0".parse::<Shard>(), Err(ShardError::NoShards));
        assert_eq!(
            "7/7".parse::<Shard>(),
            Err(ShardError::IndexOutOfRange { index: 7, count: 7 })
        );
        for bad in ["", "1", "1/", "/2", "-1/2", "a/b", "1/2/3", "+1/2"] {
            assert!(
                matches!(bad.parse::<Shard>(), Err(ShardError::Syntax(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn scan_iter_size_hint_and_nth() {
        let list = build("h1 h2 10.0.0.0/28 10.0.1.0/28", "");
        assert_eq!(list.len(), 34);
        let mut it = list.iter();
        assert_eq!(it.size_hint(), (34, Some(34)));
        assert_eq!(it.nth(20).unwrap().host(), "10.0.1.2");
        assert_eq!(it.remaining(), 13);
        let all: Vec<_> = list.iter().collect();
        for i in 0..40 {
            assert_eq!(list.iter().nth(i), all.get(i).cloned(), "{i}");
        }
        let shard = list.shard(3, 5).unwrap();
        assert_eq!(shard.size_hint(), (7, Some(7)));
        assert_eq!(shard.count(), 7);
    }
}
