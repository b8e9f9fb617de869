"""Code a user of the package might write, for ``mypy --strict`` only (never run, never collected by
pytest): ``bindings/python/run-tests.sh`` checks it against the *installed* wheel, so it fails if the
wheel loses ``py.typed`` (mypy then cannot use the package at all), if a public name is not
re-exported (``no_implicit_reexport``), or if a public type changes.
"""

from __future__ import annotations

import datetime
from typing import Any, assert_type

import rdp_probe
from rdp_probe import (
    CancelToken,
    Code,
    Config,
    Failure,
    LegacyTls,
    Mstsc,
    Protocol,
    RdpProbeError,
    Report,
    Stop,
    Trust,
    Verdict,
)


def describe(report: Report) -> str:
    assert_type(report.verdict, Verdict)
    assert_type(report.json, str)
    assert_type(report.data, dict[str, Any])
    assert_type(report.connected, bool)
    lines = [report.verdict.value]
    failure = report.failure
    if failure is not None:
        assert_type(failure, Failure)
        code: Code = failure.code
        lines.append(f"{failure.phase} {failure.kind} {code.space} {code.value:#x} {code.name}")
        mstsc: Mstsc | None = failure.mstsc
        if mstsc is not None:
            lines.append(f"{mstsc.disconnect_reason:#x} {mstsc.extended_reason:#x} {mstsc.text}")
    stop: Stop | None = report.stop
    if stop is not None:
        lines.append(f"{stop.phase} {stop.reason}")
    trust: Trust | None = report.trust
    if trust is not None:
        assert_type(trust.pin, str | None)
    return "\n".join(lines)


def use_everything(host: str, password: str) -> list[Report]:
    assert_type(rdp_probe.version(), str)
    assert_type(rdp_probe.result_message(200), str)
    reports = [
        rdp_probe.probe(host, 3389, timeout=5.0),
        rdp_probe.probe(
            host,
            user="alice",
            password=password,
            domain="CORP",
            timeout=datetime.timedelta(seconds=5),
            protocols=Protocol.SSL | Protocol.HYBRID,
            legacy_tls=LegacyTls.FOLLOW,
            trust_pins=["sha256:" + "0" * 64],
            kdc="dc1.corp.example",
        ),
    ]
    with CancelToken() as token, Config(host, 3389, timeout=5) as config:
        assert_type(token.cancelled, bool)
        try:
            reports.append(config.probe(cancel=token))
        except rdp_probe.ProbeCancelled as cancelled:
            assert_type(cancelled.code, int)
        except RdpProbeError as error:
            assert_type(error.name, str)
            assert_type(error.context, str | None)
    for report in reports:
        describe(report)
    return reports


def take_inventory(host: str) -> list[str]:
    inv = rdp_probe.inventory(host, 3389, timeout=5.0, max_connections=4, cipher_suites=False)
    assert_type(inv, rdp_probe.Inventory)
    assert_type(inv.reachable, bool)
    assert_type(inv.error, str | None)
    assert_type(inv.nla, rdp_probe.Nla)
    assert_type(inv.credssp_version, int | None)
    assert_type(inv.json, str)
    assert_type(inv.data, dict[str, Any])
    assert_type(inv.finding_ids, tuple[str, ...])
    with Config(host, timeout=datetime.timedelta(seconds=5), max_connections=8) as config:
        again: rdp_probe.Inventory = config.inventory(cancel=None)
    lines = [inv.nla.value, again.json]
    for finding in inv.findings:
        assert_type(finding, rdp_probe.Finding)
        lines.append(f"{finding.severity} {finding.id}")
    try:
        rdp_probe.Config(host, max_connections=0)
    except rdp_probe.InvalidMaxConnections as error:
        assert_type(error.code, int)
    return lines


def scan_fleet(lines: list[str], config: Config) -> dict[str, str]:
    verdicts: dict[str, str] = {}
    with rdp_probe.scan(lines, port=3389, mode="negotiate", concurrency=64, timeout=2.0) as reports:
        assert_type(reports, rdp_probe.Scan)
        assert_type(reports.skipped, tuple[str, ...])
        assert_type(reports.target_count, int)
        for r in reports:
            assert_type(r, rdp_probe.ScanReport)
            assert_type(r.host, str)
            assert_type(r.port, int)
            assert_type(r.data, dict[str, Any])
            verdicts[f"{r.host}:{r.port}"] = str(r.data.get("nla"))
    again = rdp_probe.scan("10.0.0.0/30", mode=rdp_probe.ScanMode.DIAGNOSE, config=config, cancel=None)
    again.stop()
    again.close()
    try:
        rdp_probe.scan("10.0.0.0/8")
    except rdp_probe.TooManyTargets as error:
        assert_type(error.code, int)
    return verdicts
