"""Fleet scans (``rdp_probe.scan``) against lab servers on loopback: each host's report is its
single-host report, stop and close end the scan cleanly (its thread joined), a cancelled token
raises after the finished reports, and the arguments are checked by the library."""

from __future__ import annotations

import gc
import json
import os
import socket
import threading
import time
from typing import Any, Callable

import pytest

import rdp_probe
from conftest import LabServer


def _dead_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _scan_threads() -> int:
    """This process's threads named ``rdp-probe-scan`` (one per running scan)."""
    count = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8") as f:
                count += f.read().strip() == "rdp-probe-scan"
        except OSError:
            pass
    return count


def _without(text: str, drop: set[str]) -> Any:
    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in drop}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip(json.loads(text))


RUN_FACTS = {"elapsed_ms", "max_concurrent_connections", "server_time", "clock_offset_s"}


def test_each_host_gets_its_single_host_report(lab: Callable[..., LabServer]) -> None:
    servers = [lab("ironrdp-tls"), lab("ntlm-challenge-v2"), lab("errinfo-after-client-info-0x7")]
    dead = _dead_port()
    lines = [f"127.0.0.1:{s.port}" for s in servers] + [f"127.0.0.1:{dead}  # nothing listens", "bad_name!"]
    with rdp_probe.scan(lines, timeout=3, concurrency=2) as reports:
        assert reports.target_count == 4
        assert len(reports.skipped) == 1 and reports.skipped[0].startswith('line 5: "bad_name!": ')
        got = {f"{r.host}:{r.port}": r for r in reports}
    assert reports.closed
    assert len(got) == 4
    for port in [s.port for s in servers] + [dead]:
        r = got[f"127.0.0.1:{port}"]
        assert r.schema == "rdp-probe/1" and r.data["schema"] == "rdp-probe/1"
        assert "\n" not in r.json
        single = rdp_probe.probe("127.0.0.1", port, timeout=3)
        # Timings out, and the server's NTLM clock (a second may tick between the two probes).
        assert _without(r.json, RUN_FACTS) == _without(single.json, RUN_FACTS), port
    verdicts = {r.data["verdict"] for r in got.values()}
    assert verdicts == {"connected", "needs_credentials", "failed"}, verdicts


def test_inventory_and_negotiate_modes(lab: Callable[..., LabServer]) -> None:
    server = lab("ntlm-challenge-v2")
    for mode in (rdp_probe.ScanMode.INVENTORY, "negotiate"):
        reports = list(rdp_probe.scan(f"127.0.0.1:{server.port}", mode=mode, timeout=3))
        assert len(reports) == 1
        r = reports[0]
        assert r.schema == "rdp-probe-inventory/1"
        if mode == "negotiate":
            assert r.data["tls"] is None
        else:
            single = rdp_probe.inventory("127.0.0.1", server.port, timeout=3)
            assert _without(r.json, RUN_FACTS) == _without(single.json, RUN_FACTS)


def test_a_config_gives_every_probe_its_settings(lab: Callable[..., LabServer]) -> None:
    server = lab("ironrdp-nla")
    with rdp_probe.Config("unused", user="labuser", password="LabPass1!", timeout=3) as cfg:
        (r,) = list(rdp_probe.scan(f"127.0.0.1:{server.port}", config=cfg))
    # Credentials, and nothing vouches for the lab's certificate: withheld, as a single probe.
    assert r.data["verdict"] == "credentials_withheld", r.json
    with pytest.raises(TypeError):
        rdp_probe.scan("127.0.0.1", config=rdp_probe.Config("unused"), timeout=3)


def test_stop_returns_the_finished_reports_then_ends() -> None:
    ports = [_dead_port() for _ in range(8)]
    scan = rdp_probe.scan([f"127.0.0.1:{p}" for p in ports], mode="negotiate", concurrency=1, timeout=2)
    first = next(scan)
    assert first.data["error"]["phase"] == "tcp_connect"
    scan.stop()
    rest = list(scan)
    # The probe in flight at the stop (at most one: concurrency 1) came out; nothing else started.
    assert len(rest) <= 1
    assert list(scan) == []
    assert scan.closed
    assert _scan_threads() == 0


def test_a_scan_pauses_while_nobody_reads() -> None:
    ports = [_dead_port() for _ in range(10)]
    with rdp_probe.scan([f"127.0.0.1:{p}" for p in ports], mode="negotiate", concurrency=2, timeout=2) as scan:
        time.sleep(0.5)
        scan.stop()
        # Only as many probes as the concurrency ran while nothing was read.
        assert len(list(scan)) == 2


def test_closing_or_dropping_a_running_scan_joins_its_thread(lab: Callable[..., LabServer]) -> None:
    server = lab("hostile-silence-at-accept")
    target = f"127.0.0.1:{server.port}"
    # Limits far beyond what the test waits: only closing ends these probes early.
    scan = rdp_probe.scan([target, f"localhost:{server.port}"], timeout=60)
    time.sleep(0.3)
    assert _scan_threads() == 1
    started = time.monotonic()
    scan.close()
    scan.close()
    assert time.monotonic() - started < 10
    assert _scan_threads() == 0
    with pytest.raises(StopIteration):
        next(scan)
    # Garbage collection frees a scan nobody closed.
    dropped = rdp_probe.scan(target, timeout=60)
    time.sleep(0.2)
    del dropped
    gc.collect()
    assert _scan_threads() == 0
    # Breaking out of a loop in a `with` block closes it too.
    with rdp_probe.scan([target, f"127.0.0.1:{_dead_port()}"], timeout=60) as scan:
        for _ in scan:
            break
    assert scan.closed and _scan_threads() == 0


def test_a_cancelled_token_raises_after_the_finished_reports(lab: Callable[..., LabServer]) -> None:
    server = lab("hostile-silence-at-accept")
    dead = _dead_port()
    with rdp_probe.CancelToken() as token:
        scan = rdp_probe.scan([f"127.0.0.1:{server.port}", f"127.0.0.1:{dead}"], timeout=60, cancel=token)
        first = next(scan)
        assert first.port == dead
        timer = threading.Timer(0.3, token.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(rdp_probe.ProbeCancelled):
            next(scan)
        timer.join()
        assert time.monotonic() - started < 30
        scan.close()
        with pytest.raises(rdp_probe.ProbeCancelled):
            rdp_probe.scan("127.0.0.1", cancel=token)


def test_arguments_are_checked() -> None:
    with pytest.raises(rdp_probe.InvalidScanMode) as mode_error:
        rdp_probe.scan("127.0.0.1", mode="sweep")
    assert mode_error.value.code == 213 and mode_error.value.name == "invalid_scan_mode"
    with pytest.raises(rdp_probe.InvalidScanMode):
        rdp_probe.scan("127.0.0.1", mode=7)
    for bad in (0, 65_537, -1, 1 << 32):
        with pytest.raises(rdp_probe.InvalidConcurrency) as info:
            rdp_probe.scan("127.0.0.1", concurrency=bad)
        assert info.value.code == 214
    with pytest.raises(rdp_probe.TooManyTargets) as too_many:
        rdp_probe.scan("10.0.0.0/8")
    assert too_many.value.code == 215 and isinstance(too_many.value, rdp_probe.InvalidArgument)
    for port in (0, 65_536):
        with pytest.raises(rdp_probe.InvalidPort):
            rdp_probe.scan("127.0.0.1", port=port)
    with pytest.raises(rdp_probe.InvalidUtf8):
        rdp_probe.scan(b"\xff")
    with pytest.raises(TypeError):
        rdp_probe.scan(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rdp_probe.scan("127.0.0.1", concurrency=True)
    # Everything skipped: a scan that is over at once.
    with rdp_probe.scan("# nothing\n:3389\n", exclude=["127.0.0.1"]) as empty:
        assert empty.target_count == 0 and len(empty.skipped) == 1
        assert list(empty) == []
    assert rdp_probe.result_message(402).startswith("scan_done: ")


def test_options_are_checked() -> None:
    for bad_rate in (float("nan"), -1.0, float("inf")):
        with pytest.raises(rdp_probe.InvalidRate) as rate_error:
            rdp_probe.scan("127.0.0.1", rate=bad_rate)
        assert rate_error.value.code == 216
    for bad_shard in ((0, 0), (2, 2), (-1, 2), "2/2", "a/b", "3"):
        with pytest.raises(rdp_probe.InvalidShard) as shard_error:
            rdp_probe.scan("127.0.0.1", shard=bad_shard)
        assert shard_error.value.code == 217
    for bad_limit in (0, -1):
        with pytest.raises(rdp_probe.InvalidMaxTargets):
            rdp_probe.scan("127.0.0.1", max_targets=bad_limit)
    for bad_deadline in (0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            rdp_probe.scan("127.0.0.1", deadline=bad_deadline)
    with pytest.raises(TypeError):
        rdp_probe.scan("127.0.0.1", rate="fast")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rdp_probe.scan("127.0.0.1", shard=(1, 2, 3))  # type: ignore[arg-type]
    # 2^24 targets: refused by default, and below a limit one short; taken when raised. The count
    # is the shard's; stopped at once (the probes that start meet a port nothing listens on).
    with pytest.raises(rdp_probe.TooManyTargets):
        rdp_probe.scan("127.0.0.0/8", max_targets=(1 << 24) - 1)
    dead = _dead_port()
    with rdp_probe.scan(
        "127.0.0.0/8", port=dead, mode="negotiate", concurrency=1, max_targets=1 << 24, shard="1/4"
    ) as big:
        big.stop()
        assert big.target_count == 1 << 22
    assert _scan_threads() == 0
    assert rdp_probe.result_message(403).startswith("scan_deadline: ")


def test_shards_give_every_host_once_between_them(lab: Callable[..., LabServer]) -> None:
    servers = [lab("ironrdp-tls") for _ in range(3)]
    dead = _dead_port()
    lines = [f"127.0.0.1:{s.port}" for s in servers] + [f"127.0.0.1:{dead}"]
    seen: dict[int, int] = {}
    for k in range(2):
        with rdp_probe.scan(lines, mode="negotiate", timeout=3, shard=(k, 2)) as part:
            assert part.target_count == 2
            for r in part:
                assert r.port not in seen, f"{r.port} in two shards"
                seen[r.port] = k
            assert not part.deadline_passed
    assert sorted(seen) == sorted([s.port for s in servers] + [dead])


def test_a_deadline_ends_a_paced_scan_with_targets_left() -> None:
    lines = [f"127.0.0.1:{_dead_port()}" for _ in range(3)]
    started = time.monotonic()
    with rdp_probe.scan(lines, mode="negotiate", timeout=2, rate=1, deadline=0.3) as scan:
        reports = list(scan)
        assert len(reports) == 1 and scan.target_count == 3
        assert scan.deadline_passed
    assert time.monotonic() - started >= 0.3
    # Paced without a deadline: all of them, spread over two intervals at least.
    started = time.monotonic()
    with rdp_probe.scan(lines, mode="negotiate", timeout=2, rate=10) as scan:
        assert len(list(scan)) == 3
        assert not scan.deadline_passed
    assert time.monotonic() - started >= 0.2
