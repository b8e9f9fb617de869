"""The server inventory (``rdp_probe.inventory``, ``Config.inventory``) against the lab: a scripted
CredSSP server of version 2 (before the CVE-2018-0886 fix), a refused port, the settings that
narrow it, and the arguments it refuses."""

from __future__ import annotations

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


def _check_accessors_match_json(inv: rdp_probe.Inventory) -> dict[str, Any]:
    data = inv.data
    assert data["schema"] == "rdp-probe-inventory/1"
    assert inv.reachable is (data["error"] is None)
    assert inv.error == (None if data["error"] is None else data["error"]["message"])
    assert inv.nla.value == data["nla"]
    assert inv.credssp_version == (None if data["credssp"] is None else data["credssp"]["version"])
    assert [(f.id, f.severity) for f in inv.findings] == [(f["id"], f["severity"]) for f in data["findings"]]
    assert inv.finding_ids == tuple(f["id"] for f in data["findings"])
    return data


def test_an_unpatched_credssp_server(lab: Callable[..., LabServer]) -> None:
    server = lab("ntlm-challenge-v2")
    inv = rdp_probe.inventory(server.host, server.port, timeout=3, max_connections=4)
    data = _check_accessors_match_json(inv)
    assert inv.reachable and inv.error is None
    assert inv.credssp_version == 2, inv.json
    assert data["credssp"]["predates_cve_2018_0886_fix"] is True
    assert "CREDSSP_ORACLE_UNPATCHED" in inv.finding_ids
    assert inv.nla in (rdp_probe.Nla.REQUIRED, rdp_probe.Nla.SUPPORTED)
    assert data["ntlm"]["netbios_computer"] == "LABHOST"
    assert data["target"] == {"host": server.host, "port": server.port, "address": f"{server.host}:{server.port}"}
    assert 1 <= data["max_concurrent_connections"] <= 4
    accepted = [v for v in data["tls"]["versions"].values() if v["accepted"]]
    assert accepted, inv.json
    assert all(v["complete"] for v in accepted)
    # The JSON is one line, exactly as the library wrote it.
    assert "\n" not in inv.json and inv.json.startswith('{"schema":"rdp-probe-inventory/1",')


def test_one_connection_at_a_time_and_only_the_preferred_suites(lab: Callable[..., LabServer]) -> None:
    server = lab("ntlm-challenge-v2")
    with rdp_probe.Config(server.host, server.port, timeout=3, max_connections=1, cipher_suites=False) as cfg:
        inv = cfg.inventory()
        # A config serves probes too; the inventory's settings do not change them.
        report = cfg.probe()
    data = _check_accessors_match_json(inv)
    assert data["max_concurrent_connections"] == 1
    accepted = [v for v in data["tls"]["versions"].values() if v["accepted"]]
    assert accepted and all(not v["complete"] and len(v["cipher_suites"]) == 1 for v in accepted)
    assert inv.credssp_version == 2
    assert report.verdict is rdp_probe.Verdict.NEEDS_CREDENTIALS


def test_negotiate_only_stops_after_x224(lab: Callable[..., LabServer]) -> None:
    server = lab("ntlm-challenge-v2")
    full = rdp_probe.inventory(server.host, server.port, timeout=3, cipher_suites=False)
    only = rdp_probe.inventory(server.host, server.port, timeout=3, negotiate_only=True)
    data = _check_accessors_match_json(only)
    assert only.nla is full.nla and only.nla is not rdp_probe.Nla.UNKNOWN
    assert data["tls"] is None and data["credssp"] is None and only.credssp_version is None
    assert data["connections"] < full.data["connections"]
    with pytest.raises(TypeError):
        rdp_probe.Config("127.0.0.1", negotiate_only=1)  # type: ignore[arg-type]


def test_a_refused_port_is_not_reachable() -> None:
    inv = rdp_probe.inventory("127.0.0.1", _dead_port(), timeout=2)
    data = _check_accessors_match_json(inv)
    assert not inv.reachable
    assert inv.error is not None and "refused" in inv.error
    assert data["error"]["phase"] == "tcp_connect"
    assert inv.nla is rdp_probe.Nla.UNKNOWN
    assert inv.credssp_version is None
    assert inv.findings == ()
    assert data["connections"] == 1


def test_the_connection_limit_is_checked() -> None:
    for bad in (0, 65, 1000):
        with pytest.raises(rdp_probe.InvalidMaxConnections) as info:
            rdp_probe.Config("127.0.0.1", max_connections=bad)
        assert info.value.code == 212
        assert info.value.name == "invalid_max_connections"
        assert isinstance(info.value, rdp_probe.InvalidArgument)
    # Not a uint16_t: the library's code and words all the same.
    for bad in (-1, 1 << 16):
        with pytest.raises(rdp_probe.InvalidMaxConnections):
            rdp_probe.inventory("127.0.0.1", max_connections=bad)
    for wrong_type in (True, 2.0, "8"):
        with pytest.raises(TypeError):
            rdp_probe.Config("127.0.0.1", max_connections=wrong_type)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rdp_probe.Config("127.0.0.1", cipher_suites=1)  # type: ignore[arg-type]
    for good in (1, 8, 64):
        rdp_probe.Config("127.0.0.1", max_connections=good).close()
    assert rdp_probe.result_message(212).startswith("invalid_max_connections: ")
    assert rdp_probe.result_message(103).startswith("index_out_of_range: ")


def test_a_cancelled_token_stops_the_inventory(lab: Callable[..., LabServer]) -> None:
    # A server that never answers, with generous limits: only the token ends it quickly.
    server = lab("hostile-silence-at-accept")
    with rdp_probe.CancelToken() as token, rdp_probe.Config(server.host, server.port, timeout=60) as cfg:
        timer = threading.Timer(0.3, token.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(rdp_probe.ProbeCancelled):
            cfg.inventory(cancel=token)
        timer.join()
        assert time.monotonic() - started < 30
        # Cancelled tokens stop the next inventory at once.
        with pytest.raises(rdp_probe.ProbeCancelled):
            rdp_probe.inventory(server.host, server.port, cancel=token)


def test_a_closed_config_cannot_take_an_inventory() -> None:
    cfg = rdp_probe.Config("127.0.0.1", _dead_port())
    cfg.close()
    with pytest.raises(rdp_probe.HandleClosed):
        cfg.inventory()
    with pytest.raises(TypeError):
        rdp_probe.Config("127.0.0.1").inventory(cancel="token")  # type: ignore[arg-type]
