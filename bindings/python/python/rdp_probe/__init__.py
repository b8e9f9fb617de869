"""rdp-probe for Python: find out why a Remote Desktop (RDP) connection fails.

One call probes a server through the whole RDP connection sequence and returns a
:class:`Report` with the verdict (``connected``, ``failed``, ``needs_credentials``,
``inconclusive``, ``credentials_withheld``), and for a failure the phase, the server's own code, the
pair the Windows client would show, a message and a hint::

    import rdp_probe

    report = rdp_probe.probe("192.0.2.10", 3389, timeout=5)
    print(report.verdict.value)
    if report.failure:
        f = report.failure
        print(f.phase, f.code.space, hex(f.code.value), f.code.name)
        print(f.mstsc.disconnect_reason, f.mstsc.extended_reason, f.mstsc.text)
        print(f.hint)
    print(report.json)  # the rdp-probe/1 JSON report, byte for byte as the library wrote it

How it is bound: this package is a thin layer over rdp-probe's C ABI (``rdp_probe.h``), built by
maturin in its ``cffi`` mode. cffi's declarations are generated at build time from the C ABI crate's
own header (cbindgen over the same Rust source as the checked-in ``rdp_probe.h``), so the Python
side's function signatures and constants cannot drift from the C ABI the way hand-written ctypes
``argtypes`` can; and the wheel bundles ``librdp_probe`` itself (as ``rdp_probe._native``), so
nothing has to be installed beside it. The result codes, their names and messages, the verdicts and
every report field come from the library; the binding re-derives none of them.

Credentials go only to a server something vouches for: a certificate chain valid for the host
(the system's roots and ``ca_pem=``/``ca_file=``), a pinned fingerprint (``trust_pins=``), or
``trust_any=True``. Otherwise the verdict is ``credentials_withheld`` and ``report.trust.pin`` is
the pin to pass once you know it is the server you mean (compare the fingerprint with the one its
administrator gives you)::

    report = rdp_probe.probe(host, user="alice", password=pw)
    if report.verdict is rdp_probe.Verdict.CREDENTIALS_WITHHELD:
        print("unverified server, certificate", report.trust.pin)
    report = rdp_probe.probe(host, user="alice", password=pw, trust_pins=["sha256:..."])

With a KDC (``kdc="dc1.corp.example"``), credentials that name a domain and a host given by name,
the logon tries Kerberos first and falls back to NTLM where the Windows client would;
``report.data["authentication"]`` says which package was used and why. A malformed KDC raises
:class:`InvalidKdc`.

The server inventory (the CLI's ``rdp-probe inventory``) asks the server, without credentials,
what it accepts and which clients it would refuse: protocols, NLA, TLS versions and suites,
Standard RDP Security, the CredSSP version, NTLM facts and findings::

    inv = rdp_probe.inventory("192.0.2.10", timeout=5)
    if inv.reachable:
        print(inv.nla.value, inv.credssp_version, inv.finding_ids)
    print(inv.json)  # the rdp-probe-inventory/1 JSON, byte for byte as the library wrote it

A fleet scan (the CLI's ``rdp-probe scan``) takes many targets (names, addresses, CIDR blocks,
ranges) and yields each host's report as hosts finish, at most ``concurrency`` probes at once; the
scan pauses while its reports are not read, and stops when the iterator is closed::

    with rdp_probe.scan(["10.0.0.0/28", "rdp1.corp.example"], mode="negotiate", timeout=2) as reports:
        for r in reports:
            print(r.host, r.port, r.data.get("nla") or r.data.get("verdict"))

Errors are exceptions (:class:`RdpProbeError` and its subclasses, carrying the library's ``code``
and ``name``); a verdict, even ``failed``, is a report, never an exception.
"""

from __future__ import annotations

from ._api import CancelToken, Config, LegacyTls, Protocol, inventory, probe, selftest_panic, version
from ._errors import (
    HandleClosed,
    InternalError,
    InvalidArgument,
    InvalidCertPolicy,
    InvalidClientName,
    InvalidCaPem,
    InvalidCredentials,
    InvalidHost,
    InvalidKdc,
    InvalidLegacyTls,
    InvalidConcurrency,
    InvalidMaxConnections,
    InvalidMaxTargets,
    InvalidPort,
    InvalidProtocols,
    InvalidRate,
    InvalidScanMode,
    InvalidShard,
    InvalidTimeout,
    InvalidTrustPin,
    InvalidUtf8,
    MisuseError,
    NotPresent,
    PanicError,
    ProbeCancelled,
    ProbeOutcomeError,
    RdpProbeError,
    RuntimeStartError,
    TooManyTargets,
    result_message,
)
from ._inventory import Finding, Inventory, Nla
from ._report import Code, Failure, Mstsc, Report, Stop, Trust, Verdict
from ._scan import Scan, ScanMode, ScanReport, scan

__all__ = [
    "probe",
    "inventory",
    "scan",
    "version",
    "selftest_panic",
    "result_message",
    "Config",
    "CancelToken",
    "Protocol",
    "LegacyTls",
    "Report",
    "Verdict",
    "Failure",
    "Stop",
    "Trust",
    "Code",
    "Mstsc",
    "Inventory",
    "Nla",
    "Finding",
    "Scan",
    "ScanMode",
    "ScanReport",
    # The exceptions, in _errors.__all__'s order, spelled out: type checkers read only a literal
    # __all__, and under `mypy --strict` (no implicit re-export) a name missing here is not exported.
    # tests/test_packaging.py checks this list against _errors.__all__.
    "RdpProbeError",
    "MisuseError",
    "HandleClosed",
    "InvalidArgument",
    "InvalidUtf8",
    "InvalidHost",
    "InvalidPort",
    "InvalidTimeout",
    "InvalidProtocols",
    "InvalidCertPolicy",
    "InvalidCredentials",
    "InvalidClientName",
    "InvalidLegacyTls",
    "InvalidTrustPin",
    "InvalidCaPem",
    "InvalidKdc",
    "InvalidMaxConnections",
    "InvalidScanMode",
    "InvalidConcurrency",
    "TooManyTargets",
    "InvalidRate",
    "InvalidShard",
    "InvalidMaxTargets",
    "InternalError",
    "PanicError",
    "RuntimeStartError",
    "ProbeOutcomeError",
    "ProbeCancelled",
    "NotPresent",
]
