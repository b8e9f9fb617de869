"""Fixtures: lab servers from ``rdp-probe-lab serve NAME --port 0``, stopped after each test."""

from __future__ import annotations

import os
import selectors
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

LAB = os.environ.get("RDP_PROBE_LAB", "/tmp/ffi-stage/rdp-probe-lab")
REPO = Path(__file__).resolve().parents[3]

# The lab's accounts (rdp-probe-lab's catalog): the NLA servers accept LAB_USER / LAB_PASSWORD.
LAB_USER = "labuser"
LAB_PASSWORD = "LabPass1!"
WRONG_PASSWORD = "not-the-lab-password"

# A CA certificate (its key discarded) that issued none of the lab's certificates; shared with the
# Rust, C and C# tests.
TEST_CA_PEM = REPO / "rdp-probe-ffi" / "tests" / "data" / "test-ca.pem"

_lab_pin: str | None = None


def lab_pin(server: "LabServer") -> str:
    """The pin (``sha256:HEX``) of the one self-signed certificate every scripted and acceptor lab
    server presents, which vouches for nothing: what a test passes as ``trust_pins=`` to send the
    lab's credentials.

    Read as a user would: a probe with the credentials and no trust withholds them, and its report
    names the certificate (``report.trust.pin``). ``server`` must be a TLS or NLA lab server; the
    certificate is the same for all of them, so the pin is read once per session.
    """
    global _lab_pin
    if _lab_pin is None:
        import rdp_probe

        report = rdp_probe.probe(server.host, server.port, user=LAB_USER, password=LAB_PASSWORD, timeout=10)
        assert report.verdict is rdp_probe.Verdict.CREDENTIALS_WITHHELD, report.json
        assert report.trust is not None and report.trust.pin is not None, report.json
        _lab_pin = report.trust.pin
    return _lab_pin


@dataclass(frozen=True)
class LabServer:
    """A running lab scenario on loopback."""

    name: str
    host: str
    port: int
    pid: int


def _start(name: str, lifetime: int, stack: list[subprocess.Popen]) -> LabServer:
    if not os.access(LAB, os.X_OK):
        pytest.fail(f"the lab binary {LAB!r} is missing or not executable (set RDP_PROBE_LAB)")
    stderr = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [LAB, "serve", name, "--port", "0", "--lifetime", str(lifetime)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    stack.append(proc)
    assert proc.stdout is not None
    line = b""
    deadline = time.monotonic() + 30
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                break
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
    host, sep, port = line.decode().strip().rpartition(":")
    if not sep or not port.isdigit():
        stderr.seek(0)
        pytest.fail(
            f"rdp-probe-lab serve {name} printed {line!r} instead of an address; "
            f"stderr: {stderr.read().decode(errors='replace')}"
        )
    return LabServer(name=name, host=host, port=int(port), pid=proc.pid)


@pytest.fixture
def lab() -> Iterator[Callable[..., LabServer]]:
    """A factory: ``lab("ironrdp-tls")`` starts that scenario and returns its :class:`LabServer`.

    Every server it started is terminated (by its own PID) when the test ends.
    """
    started: list[subprocess.Popen] = []

    def start(name: str, lifetime: int = 120) -> LabServer:
        return _start(name, lifetime, started)

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
