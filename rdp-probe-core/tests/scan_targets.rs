//! The target-list grammar of fleet scans: every form, errors, dedupe, exclusions, limits, shards, and
//! a property test against a naive set model.
#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

// Everything sits in `mod scan` so that `cargo test -p rdp-probe-core scan` selects it.
mod scan {
    use std::collections::HashSet;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;
    use rdp_probe_core::Target;
    use rdp_probe_core::scan::targets::{
        DEFAULT_MAX_TARGETS, Shard, ShardError, TargetLineError, TargetLineErrorKind, TargetList,
        TargetListBuilder, TooManyTargets,
    };

    fn strings(list: &TargetList) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    fn list(include: &str, exclude: &str) -> TargetList {
        let mut b = TargetListBuilder::new(3389);
        assert_eq!(b.add_text(include), vec![]);
        assert_eq!(b.exclude_text(exclude), vec![]);
        b.build().unwrap()
    }

    fn errors(text: &str) -> Vec<TargetLineError> {
        TargetListBuilder::new(3389).add_text(text)
    }

    #[test]
    fn every_form() {
        let l = list(
            "rdp1.corp.example\nRDP2:3390\n10.0.0.1\n10.0.0.2:3391\n::1\n[2001:db8::7]:3392\n\
             [2001:db8::8]\n192.168.1.0/31\n2001:db8:1::/127\n172.16.0.250-251\nhost.\nWS_01:3389\n",
            "",
        );
        assert_eq!(
            strings(&l),
            [
                "rdp1.corp.example:3389",
                "RDP2:3390",
                "host.:3389",
                "WS_01:3389",
                "10.0.0.1:3389",
                "172.16.0.250:3389",
                "172.16.0.251:3389",
                "192.168.1.0:3389",
                "192.168.1.1:3389",
                "[::1]:3389",
                "[2001:db8::8]:3389",
                "[2001:db8:1::]:3389",
                "[2001:db8:1::1]:3389",
                "10.0.0.2:3391",
                "[2001:db8::7]:3392",
            ]
        );
        assert_eq!(l.len(), 15);
        assert!(!l.is_empty());
        // Targets are usable as probe targets.
        let first = l.iter().next().unwrap();
        assert_eq!(
            (first.host(), first.port(), first.ip()),
            ("rdp1.corp.example", 3389, None)
        );
    }

    #[test]
    fn order_is_names_first_then_port_family_address() {
        let l = list("10.0.0.9:3390 b.example ::2 10.0.0.1 a.example:3390", "");
        assert_eq!(
            strings(&l),
            [
                "b.example:3389",
                "a.example:3390",
                "10.0.0.1:3389",
                "[::2]:3389",
                "10.0.0.9:3390",
            ]
        );
    }

    #[test]
    fn comments_blank_lines_commas_and_whitespace() {
        let l = list(
            "# a fleet\n\n   \n10.0.0.1,10.0.0.2 ,, 10.0.0.3\t10.0.0.4 # 10.0.0.5\n#10.0.0.6\n,\n",
            "",
        );
        assert_eq!(l.len(), 4);
        assert_eq!(strings(&l).last().unwrap(), "10.0.0.4:3389");
        // CRLF files.
        assert_eq!(list("h1\r\nh2\r\n", "").len(), 2);
    }

    #[test]
    fn errors_carry_line_item_and_reason_and_are_skipped() {
        let mut b = TargetListBuilder::new(3389);
        let errs = b.add_text(
            "10.0.0.1\n\
             # comment\n\
             10.0.0.0/24:3389, good.example\n\
             10.0.0.1-5:80 10.0.0.9-3\n\
             h:0 h:65536 :3389\n\
             fe80::1%eth0 10.0.0.256 10.0.0.0/33 bad..name\n",
        );
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.item.as_str())).collect();
        assert_eq!(
            got,
            [
                (3, "10.0.0.0/24:3389"),
                (4, "10.0.0.1-5:80"),
                (4, "10.0.0.9-3"),
                (5, "h:0"),
                (5, "h:65536"),
                (5, ":3389"),
                (6, "fe80::1%eth0"),
                (6, "10.0.0.256"),
                (6, "10.0.0.0/33"),
                (6, "bad..name"),
            ]
        );
        assert_eq!(errs[0].kind, TargetLineErrorKind::PortAfterCidr);
        assert_eq!(errs[1].kind, TargetLineErrorKind::PortAfterRange);
        assert!(matches!(errs[2].kind, TargetLineErrorKind::BadRange(_)));
        assert_eq!(errs[3].kind, TargetLineErrorKind::BadPort("0".into()));
        assert_eq!(errs[4].kind, TargetLineErrorKind::BadPort("65536".into()));
        assert_eq!(errs[5].kind, TargetLineErrorKind::MissingHost);
        assert_eq!(errs[6].kind, TargetLineErrorKind::ZoneId);
        assert!(matches!(errs[7].kind, TargetLineErrorKind::BadAddress(_)));
        assert!(matches!(errs[8].kind, TargetLineErrorKind::BadCidr(_)));
        assert!(matches!(errs[9].kind, TargetLineErrorKind::BadHostName(_)));
        // The good items of the same lines still count.
        let l = b.build().unwrap();
        assert_eq!(strings(&l), ["good.example:3389", "10.0.0.1:3389"]);
        // The message says where and why.
        assert_eq!(
            errs[0].to_string(),
            "line 3: \"10.0.0.0/24:3389\": a CIDR block takes no port: give the port with --port"
        );
        // add_line numbers with what it is given.
        let e = TargetListBuilder::new(3389).add_line(42, "ok.example 1.2.3.4:x");
        assert_eq!((e.len(), e[0].line), (1, 42));
        assert_eq!(errors("::1:3390x").len(), 1);
    }

    #[test]
    fn names_dedupe_case_insensitively_keeping_first_spelling() {
        let l = list("RDP1 rdp1 Rdp1.corp rdp1.CORP rdp1:3390 RDP1:3390", "");
        assert_eq!(strings(&l), ["RDP1:3389", "Rdp1.corp:3389", "rdp1:3390"]);
    }

    #[test]
    fn dedupe_across_overlapping_blocks_ranges_and_singles() {
        assert_eq!(list("10.0.0.0/30\n10.0.0.2\n10.0.0.1-3", "").len(), 4);
        assert_eq!(
            list("10.0.0.0/24 10.0.0.0/25 10.0.0.200-255 10.0.0.5", "").len(),
            256
        );
        // Adjacent blocks merge without a gap or a double.
        let l = list("10.0.0.0/25 10.0.0.128/25 10.0.1.0", "");
        assert_eq!(l.len(), 257);
        assert_eq!(strings(&l).last().unwrap(), "10.0.1.0:3389");
        assert_eq!(
            list("2001:db8::/120 2001:db8::10 [2001:db8::ff]", "").len(),
            256
        );
        // Addresses are canonical before dedupe.
        assert_eq!(
            list("2001:DB8:0::1 2001:db8::1 [2001:0db8::0001]", "").len(),
            1
        );
    }

    #[test]
    fn ports_keep_equal_addresses_distinct() {
        let l = list("10.0.0.1 10.0.0.1:3390 [::1]:3390 ::1 10.0.0.1:3389", "");
        assert_eq!(
            strings(&l),
            ["10.0.0.1:3389", "[::1]:3389", "10.0.0.1:3390", "[::1]:3390"]
        );
        let mut b = TargetListBuilder::new(3390);
        b.add_line(1, "10.0.0.0/30 10.0.0.1:3389");
        assert_eq!(b.build().unwrap().len(), 5);
    }

    #[test]
    fn exclusions() {
        assert_eq!(list("10.0.0.0/24", "10.0.0.128/25").len(), 128);
        // Without a port: every port; with a port: that port only.
        let l = list("10.0.0.1 10.0.0.1:3390 10.0.0.2:3390", "10.0.0.1");
        assert_eq!(strings(&l), ["10.0.0.2:3390"]);
        let l = list("10.0.0.1 10.0.0.1:3390", "10.0.0.1:3390");
        assert_eq!(strings(&l), ["10.0.0.1:3389"]);
        // Names: case-insensitive, that name only.
        let l = list("RDP1 rdp1:3390 rdp2 10.0.0.1", "rdp1");
        assert_eq!(strings(&l), ["rdp2:3389", "10.0.0.1:3389"]);
        let l = list("RDP1 rdp1:3390", "Rdp1:3390");
        assert_eq!(strings(&l), ["RDP1:3389"]);
        // Holes, ranges, the family does not cross.
        let l = list("10.0.0.0/28 ::/124", "10.0.0.3-5 10.0.0.15 ::3 10.0.0.0");
        assert_eq!(l.len(), 16 - 5 + 16 - 1);
        // Exclusions before inclusions, and excluding everything.
        let mut b = TargetListBuilder::new(3389);
        b.exclude_line(1, "0.0.0.0/0");
        b.add_line(1, "10.0.0.0/8");
        let l = b.build().unwrap();
        assert!(l.is_empty());
        assert_eq!(l.iter().next(), None);
        assert_eq!(l.shard(0, 3).unwrap().next(), None);
    }

    #[test]
    fn max_targets_refuses_without_iterating() {
        let mut b = TargetListBuilder::new(3389);
        b.add_line(1, "10.0.0.0/15");
        assert_eq!(
            b.build().unwrap_err(),
            TooManyTargets {
                count: 131_072,
                max: DEFAULT_MAX_TARGETS
            }
        );
        let mut b = TargetListBuilder::new(3389);
        b.add_line(1, "10.0.0.0/16");
        assert_eq!(b.build().unwrap().len(), DEFAULT_MAX_TARGETS);
        // Counted after dedupe and exclusions.
        let mut b = TargetListBuilder::new(3389).max_targets(4);
        b.add_text("10.0.0.0/29\n10.0.0.1 h1");
        b.exclude_line(1, "10.0.0.4/30 10.0.0.0");
        assert_eq!(b.build().unwrap().len(), 4);
        let mut b = TargetListBuilder::new(3389).max_targets(3);
        b.add_text("h1 h2 10.0.0.0/31");
        let e = b.build().unwrap_err();
        assert_eq!((e.count, e.max), (4, 3));
        assert!(e.to_string().contains("--max-targets"));
        // ::/0 on two ports: refused at once, the count saturates.
        let mut b = TargetListBuilder::new(3389).max_targets(u64::MAX);
        b.add_line(1, "::/0 ::/1");
        b.add_line(2, "[::1]:3390 ::/0");
        let e = b.build().unwrap_err();
        assert_eq!(e.count, u128::MAX);
        // 0.0.0.0/0 counts 2^32 exactly.
        let mut b = TargetListBuilder::new(3389);
        b.add_line(1, "0.0.0.0/0");
        assert_eq!(b.build().unwrap_err().count, 1 << 32);
    }

    #[test]
    fn shards_partition_the_list_evenly() {
        let l = list(
            "a b c 10.0.0.0/29 10.0.1.1-3 10.0.0.5:3390 2001:db8::/126 [::1]:3390",
            "10.0.0.3",
        );
        let all: Vec<Target> = l.iter().collect();
        assert_eq!(all.len() as u64, l.len());
        for n in 1..=7u64 {
            let shards: Vec<Vec<Target>> =
                (0..n).map(|k| l.shard(k, n).unwrap().collect()).collect();
            let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "n={n} sizes={sizes:?}");
            assert_eq!(sizes.iter().sum::<usize>(), all.len());
            // Target i is in shard i % n, at position i / n.
            for (i, t) in all.iter().enumerate() {
                let i = i as u64;
                assert_eq!(&shards[(i % n) as usize][(i / n) as usize], t);
            }
            let union: HashSet<String> = shards.iter().flatten().map(|t| t.to_string()).collect();
            assert_eq!(union.len(), all.len(), "overlap for n={n}");
            // The Shard type gives the same.
            for k in 0..n {
                let s: Shard = format!("{k}/{n}").parse().unwrap();
                assert_eq!(l.in_shard(s).collect::<Vec<_>>(), shards[k as usize]);
            }
        }
        assert_eq!(l.shard(0, 0).unwrap_err(), ShardError::NoShards);
        assert_eq!(
            l.shard(3, 3).unwrap_err(),
            ShardError::IndexOutOfRange { index: 3, count: 3 }
        );
        // More shards than targets: the tail shards are empty.
        assert_eq!(l.shard(l.len(), l.len() + 1).unwrap().count(), 0);
    }

    #[test]
    fn sharding_a_huge_list_is_cheap() {
        let mut b = TargetListBuilder::new(3389).max_targets(u64::MAX);
        b.add_line(1, "10.0.0.0/8 2001:db8::/96");
        let l = b.build().unwrap();
        assert_eq!(l.len(), (1 << 24) + (1 << 32));
        // One target in a million, without walking the others.
        let shard: Vec<Target> = l.shard(7, 1 << 20).unwrap().collect();
        assert_eq!(shard.len(), 4112);
        assert_eq!(shard[0].host(), "10.0.0.7");
        assert_eq!(shard[16].host(), "2001:db8::7");
    }

    // ---- property test against a naive set model ----

    #[derive(Debug, Clone)]
    enum Op {
        Single(u8, u8, Option<u16>),
        Range(u8, u8, u8),
        Cidr(u8, u8, u8),
        V6(u8, Option<u16>),
        V6Cidr(u8, u8),
        Name(u8, Option<u16>),
    }

    fn op() -> impl Strategy<Value = Op> {
        let port = prop::option::of(3389u16..3392);
        prop_oneof![
            (0u8..2, any::<u8>(), port.clone()).prop_map(|(c, d, p)| Op::Single(c, d, p)),
            (0u8..2, any::<u8>(), 0u8..24).prop_map(|(c, d, w)| Op::Range(
                c,
                d,
                d.saturating_add(w)
            )),
            (0u8..2, any::<u8>(), 27u8..=32).prop_map(|(c, d, p)| Op::Cidr(c, d, p)),
            (any::<u8>(), port.clone()).prop_map(|(d, p)| Op::V6(d, p)),
            (any::<u8>(), 123u8..=128).prop_map(|(d, p)| Op::V6Cidr(d, p)),
            (0u8..6, port).prop_map(|(n, p)| Op::Name(n, p)),
        ]
    }

    const NAMES: [&str; 6] = [
        "alpha",
        "ALPHA",
        "beta.example",
        "Beta.Example",
        "gamma",
        "g-1",
    ];

    fn render(op: &Op) -> String {
        let port = |p: &Option<u16>| p.map(|p| format!(":{p}")).unwrap_or_default();
        match op {
            Op::Single(c, d, p) => format!("10.0.{c}.{d}{}", port(p)),
            Op::Range(c, d, e) => format!("10.0.{c}.{d}-{e}"),
            Op::Cidr(c, d, p) => format!("10.0.{c}.{d}/{p}"),
            Op::V6(d, p) => match p {
                Some(p) => format!("[2001:db8::{d:x}]:{p}"),
                None => format!("2001:db8::{d:x}"),
            },
            Op::V6Cidr(d, p) => format!("2001:db8::{d:x}/{p}"),
            Op::Name(n, p) => format!("{}{}", NAMES[*n as usize], port(p)),
        }
    }

    /// The (lowercased host, port) pairs an op stands for; `None` port means every port.
    fn expand(op: &Op) -> Vec<(String, Option<u16>)> {
        let v4 = |c: u8, d: u8| IpAddr::V4(Ipv4Addr::new(10, 0, c, d)).to_string();
        let v6 = |d: u8| {
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(d))).to_string()
        };
        match op {
            Op::Single(c, d, p) => vec![(v4(*c, *d), *p)],
            Op::Range(c, d, e) => (*d..=*e).map(|x| (v4(*c, x), None)).collect(),
            Op::Cidr(c, d, p) => {
                let size = 1u16 << (32 - p);
                let base = u16::from(*d) / size * size;
                (base..base + size)
                    .map(|x| (v4(*c, x as u8), None))
                    .collect()
            }
            Op::V6(d, p) => vec![(v6(*d), *p)],
            Op::V6Cidr(d, p) => {
                let size = 1u16 << (128 - p);
                let base = u16::from(*d) / size * size;
                (base..base + size).map(|x| (v6(x as u8), None)).collect()
            }
            Op::Name(n, p) => vec![(NAMES[*n as usize].to_ascii_lowercase(), *p)],
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn matches_a_naive_set(
            include in prop::collection::vec(op(), 0..12),
            exclude in prop::collection::vec(op(), 0..6),
            default_port in 3389u16..3391,
        ) {
            let mut b = TargetListBuilder::new(default_port);
            let text: String = include.iter().map(render).collect::<Vec<_>>().join(", ");
            prop_assert_eq!(b.add_line(1, &text), vec![]);
            for (i, op) in exclude.iter().enumerate() {
                prop_assert_eq!(b.exclude_line(i + 1, &render(op)), vec![]);
            }
            let l = b.build().unwrap();

            let mut model: HashSet<(String, u16)> = HashSet::new();
            for op in &include {
                for (host, p) in expand(op) {
                    model.insert((host, p.unwrap_or(default_port)));
                }
            }
            for op in &exclude {
                for (host, p) in expand(op) {
                    match p {
                        Some(p) => { model.remove(&(host, p)); }
                        None => model.retain(|(h, _)| *h != host),
                    }
                }
            }

            let got: Vec<Target> = l.iter().collect();
            let keys: Vec<(String, u16)> =
                got.iter().map(|t| (t.host().to_ascii_lowercase(), t.port())).collect();
            let unique: HashSet<(String, u16)> = keys.iter().cloned().collect();
            prop_assert_eq!(unique.len(), keys.len(), "duplicates in {:?}", keys);
            prop_assert_eq!(&unique, &model);
            prop_assert_eq!(l.len(), got.len() as u64);

            // Names first, then addresses strictly ascending by (port, family, address).
            let first_ip = got.iter().position(|t| t.ip().is_some()).unwrap_or(got.len());
            prop_assert!(got[first_ip..].iter().all(|t| t.ip().is_some()));
            let order: Vec<(u16, bool, u128)> = got[first_ip..]
                .iter()
                .map(|t| match t.ip().unwrap() {
                    IpAddr::V4(a) => (t.port(), false, u128::from(u32::from(a))),
                    IpAddr::V6(a) => (t.port(), true, u128::from(a)),
                })
                .collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]));

            // Shards partition it.
            for n in 1..=4u64 {
                let mut joined: Vec<Option<Target>> = vec![None; got.len()];
                for k in 0..n {
                    for (j, t) in l.shard(k, n).unwrap().enumerate() {
                        joined[(j as u64 * n + k) as usize] = Some(t);
                    }
                }
                let joined: Vec<Target> = joined.into_iter().map(Option::unwrap).collect();
                prop_assert_eq!(&joined, &got);
            }
        }
    }
}
