#!/usr/bin/env python3
"""probe: the rdp-probe Python binding in one small program.

    probe.py HOST [PORT] [--json] [--user USER] [--timeout MS]
             [--trust-cert any|sha256:HEX]... [--ca-file PEM]...

Probes HOST:PORT (default 3389) and prints the verdict, and for a failure the phase, the server's
code, the pair the Windows client would show, the message and the hint. With --json it prints the
report's JSON (schema rdp-probe/1) exactly as the library wrote it, then one newline, and nothing
else on stdout. The password for --user is read from the environment variable RDP_PROBE_PASSWORD.
--timeout is in milliseconds, for each connect and phase (the whole probe gets three times that).

The credentials go only to a server something vouches for, as with the rdp-probe CLI: its
certificate chain is valid for HOST (the system's roots and every --ca-file), or its SHA-256 is
pinned with --trust-cert sha256:HEX (the fingerprint a credentials_withheld report shows), or
--trust-cert any. Otherwise the verdict is credentials_withheld. Both options repeat.

Exit status: 0 connected, 1 failed, 3 needs credentials, 4 inconclusive, 5 credentials withheld,
2 usage or API error.

Needs the package: pip install ./bindings/python
"""

from __future__ import annotations

import argparse
import os
import sys

import rdp_probe

EXIT_STATUS = {
    rdp_probe.Verdict.CONNECTED: 0,
    rdp_probe.Verdict.FAILED: 1,
    rdp_probe.Verdict.NEEDS_CREDENTIALS: 3,
    rdp_probe.Verdict.INCONCLUSIVE: 4,
    rdp_probe.Verdict.CREDENTIALS_WITHHELD: 5,
}


def number(low: int, high: int, what: str):
    """An argparse type: a decimal integer from low to high."""

    def parse(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{what} must be {low} to {high}")
        return int(text)

    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="probe.py",
        description="Probe an RDP server and say why the connection fails.",
        epilog="The password for --user comes from RDP_PROBE_PASSWORD. Exit status: 0 connected, "
        "1 failed, 3 needs credentials, 4 inconclusive, 5 credentials withheld, 2 usage or API error.",
    )
    parser.add_argument("host", help="host name or address")
    parser.add_argument("port", nargs="?", type=number(1, 65535, "the port"), default=3389,
                        help="TCP port (default 3389)")
    parser.add_argument("--json", action="store_true", help="print the JSON report (rdp-probe/1)")
    parser.add_argument("--user", help="user for Network Level Authentication")
    parser.add_argument("--timeout", type=number(1, 3_600_000, "--timeout (milliseconds)"),
                        metavar="MS", help="limit for each connect and phase, in milliseconds")
    parser.add_argument("--trust-cert", action="append", default=[], metavar="any|sha256:HEX",
                        help="a server the credentials may go to: its certificate's SHA-256, or any "
                        "(repeatable)")
    parser.add_argument("--ca-file", action="append", default=[], metavar="PEM",
                        help="trust the CA certificates in this PEM file too (repeatable)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)  # exits with 2 on a usage error
    password = None
    if args.user is not None:
        # The raw bytes of the environment, like the C example's getenv.
        password = os.environb.get(b"RDP_PROBE_PASSWORD", b"")
    try:
        report = rdp_probe.probe(
            args.host,
            args.port,
            user=args.user,
            password=password,
            timeout=None if args.timeout is None else args.timeout / 1000,
            trust_any="any" in args.trust_cert,
            trust_pins=[pin for pin in args.trust_cert if pin != "any"],
            ca_file=args.ca_file,
        )
    except rdp_probe.RdpProbeError as e:
        print(f"probe: {e.name}: {e.message}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as e:
        print(f"probe: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a --ca-file that cannot be read
        print(f"probe: --ca-file: {e}", file=sys.stderr)
        return 2
    status = EXIT_STATUS[report.verdict]

    if args.json:
        out = sys.stdout.buffer
        out.write(report.json.encode("utf-8") + b"\n")
        out.flush()
        return status

    lines = [("verdict", report.verdict.value)]
    if report.failure is not None:
        f = report.failure
        lines += [
            ("phase", f.phase),
            ("kind", f.kind),
            ("code", f"{f.code.space} 0x{f.code.value:X} {f.code.name}"),
        ]
        if f.mstsc is not None:
            derived = " (derived)" if f.mstsc.derived else ""
            lines.append(
                ("mstsc", f"0x{f.mstsc.disconnect_reason:X} / 0x{f.mstsc.extended_reason:X}{derived}")
            )
        lines += [("message", f.message), ("hint", f.hint)]
    elif report.stop is not None:
        s = report.stop
        lines += [("phase", s.phase), ("kind", s.reason), ("message", s.message), ("hint", s.hint)]
    for label, value in lines:
        print(f"{label:<9} {value}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
