"""Bounded time: cancellation from another thread, and timeouts, against a server that never answers."""

from __future__ import annotations

import threading
import time

import pytest

import rdp_probe
from rdp_probe import Verdict

# A phase limit far beyond what the tests wait: only a cancellation can end these probes early.
LONG_TIMEOUT = 60  # seconds per phase; 180 s overall


def _wait_for_borrowers(handle_owner, count: int) -> None:
    """Waits until ``count`` probes are inside the library with this Config's or token's handle."""
    deadline = time.monotonic() + 30
    while handle_owner._handle._borrowers < count:
        assert time.monotonic() < deadline, "the probes did not start"
        time.sleep(0.01)


def test_cancel_from_another_thread_stops_the_probe(lab) -> None:
    server = lab("hostile-silence-at-accept")
    with rdp_probe.CancelToken() as token:
        timer = threading.Timer(0.5, token.cancel)
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(rdp_probe.ProbeCancelled) as info:
                rdp_probe.probe(server.host, server.port, timeout=LONG_TIMEOUT, cancel=token)
        finally:
            timer.cancel()
        elapsed = time.monotonic() - started
        assert token.cancelled
    assert info.value.code == 400 and info.value.name == "cancelled"
    # Well under the configured limit (60 s per phase): the cancel, not a timeout, ended it.
    assert elapsed < LONG_TIMEOUT / 2, elapsed


def test_one_token_cancels_concurrent_probes_and_close_during_a_probe_is_safe(lab) -> None:
    server = lab("hostile-silence-at-accept")
    token = rdp_probe.CancelToken()
    config = rdp_probe.Config(server.host, server.port, timeout=LONG_TIMEOUT)
    outcomes: list[BaseException | rdp_probe.Report] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            result: BaseException | rdp_probe.Report = config.probe(cancel=token)
        except BaseException as e:  # noqa: BLE001 - recorded for the assertions below
            result = e
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    _wait_for_borrowers(config, 3)
    time.sleep(0.2)
    # Closing the config while the probes run frees nothing under them ...
    config.close()
    with pytest.raises(rdp_probe.HandleClosed):
        config.probe()
    token.cancel()
    for t in threads:
        t.join(timeout=LONG_TIMEOUT)
    elapsed = time.monotonic() - started
    token.close()
    assert not any(t.is_alive() for t in threads)
    assert len(outcomes) == 3
    assert all(isinstance(o, rdp_probe.ProbeCancelled) for o in outcomes), outcomes
    assert elapsed < LONG_TIMEOUT / 2, elapsed
    # ... and the last probe out freed it.
    assert config._handle._ptr is None


def test_closing_the_token_during_a_probe_is_safe(lab) -> None:
    server = lab("hostile-silence-at-accept")
    token = rdp_probe.CancelToken()
    result: list[rdp_probe.Report] = []
    thread = threading.Thread(
        target=lambda: result.append(rdp_probe.probe(server.host, server.port, timeout=1, cancel=token))
    )
    thread.start()
    _wait_for_borrowers(token, 1)
    token.close()
    with pytest.raises(rdp_probe.HandleClosed):
        token.cancel()
    thread.join(timeout=30)
    assert not thread.is_alive()
    # The probe kept its token and ended by its own timeout.
    assert result and result[0].verdict is Verdict.FAILED
    assert result[0].failure.kind == "timeout"
    assert token._handle._ptr is None


def test_short_timeout_fails_in_x224_within_bounded_time(lab) -> None:
    server = lab("hostile-silence-at-accept")
    started = time.monotonic()
    report = rdp_probe.probe(server.host, server.port, timeout=1)
    elapsed = time.monotonic() - started
    assert report.verdict is Verdict.FAILED
    f = report.failure
    assert f is not None
    assert f.phase == "x224"
    assert f.kind == "timeout"
    assert (f.code.space, f.code.value) == ("timeout", 1000)
    assert report.data["failure"]["kind"] == "timeout"
    # 1 s per phase, 3 s overall: well under 30 s even on a loaded machine.
    assert elapsed < 30, elapsed
