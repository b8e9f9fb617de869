//! Print the offline explanation of an mstsc pair: `cargo run -p rdp-probe-codes --example explain -- 0x904 0x7`.
//! With `--rules`, print the rules as a Markdown table instead.

use rdp_probe_codes::mstsc;

fn parse(s: &str) -> Option<u32> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rules") {
        print!("{}", mstsc::markdown_table());
        return;
    }
    let disc = args.first().and_then(|s| parse(s));
    let ext = args.get(1).map_or(Some(0), |s| parse(s));
    match (disc, ext) {
        (Some(d), Some(e)) => print!("{}", mstsc::explain(d, e)),
        _ => eprintln!("usage: explain <disconnect reason> [extended reason] | --rules"),
    }
}
