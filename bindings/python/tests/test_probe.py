"""Probes against lab servers with known verdicts."""

from __future__ import annotations

import json
from typing import Any

import pytest

import rdp_probe
from rdp_probe import Verdict

from conftest import LAB_PASSWORD, LAB_USER, WRONG_PASSWORD, lab_pin

# Phase limit for the probes that should not time out: long, for a loaded machine.
TIMEOUT = 10


def _assert_json_matches_accessors(report: rdp_probe.Report) -> dict[str, Any]:
    """The accessor-built fields and the JSON text say the same thing."""
    data = json.loads(report.json)
    assert data == report.data
    assert "\n" not in report.json
    assert data["schema"] == "rdp-probe/1"
    assert data["verdict"] == report.verdict.value
    assert report.outcome == data.get("outcome")
    if report.failure is None:
        assert "failure" not in data and "mstsc" not in data
    else:
        f = report.failure
        assert data["failure"] == {
            "phase": f.phase,
            "kind": f.kind,
            "code": {"space": f.code.space, "value": f.code.value, "name": f.code.name},
            "message": f.message,
            "hint": f.hint,
        }
        assert f.mstsc is not None
        m = data["mstsc"]
        assert (m["disconnect_reason"], m["extended_reason"], m["derived"], m["text"]) == (
            f.mstsc.disconnect_reason,
            f.mstsc.extended_reason,
            f.mstsc.derived,
            f.mstsc.text,
        )
    if report.stop is None:
        assert "stop" not in data
    else:
        s = report.stop
        assert data["stop"] == {"phase": s.phase, "reason": s.reason, "message": s.message, "hint": s.hint}
    if report.trust is None:
        assert "trust" not in data
    else:
        t = report.trust
        expected = {"decision": t.decision, "sha256": t.sha256, "chain_problem": t.chain_problem}
        assert data["trust"] == {k: v for k, v in expected.items() if v is not None}
    return data


def test_tls_server_connects(lab) -> None:
    server = lab("ironrdp-tls")
    report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT)
    assert report.verdict is Verdict.CONNECTED
    assert report.connected
    assert report.failure is None and report.stop is None
    assert report.phase is None and report.message is None and report.hint is None
    data = _assert_json_matches_accessors(report)
    assert data["target"]["port"] == server.port
    assert data["outcome"] == report.outcome == "connected"
    assert data["server"]["selected_protocol"] == "ssl"


def test_nla_server_without_credentials_needs_credentials(lab) -> None:
    server = lab("ironrdp-nla")
    report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT)
    assert report.verdict is Verdict.NEEDS_CREDENTIALS
    assert report.failure is None
    assert report.stop is not None
    assert report.outcome is None
    assert report.stop.phase == "credssp"
    assert report.stop.reason == "nla_requires_credentials"
    assert report.stop.message and report.stop.hint
    assert report.phase == "credssp"
    _assert_json_matches_accessors(report)


def test_nla_server_with_credentials_connects(lab) -> None:
    server = lab("ironrdp-nla-with-credentials")
    report = rdp_probe.probe(
        server.host, server.port, user=LAB_USER, password=LAB_PASSWORD, timeout=TIMEOUT,
        trust_pins=[lab_pin(server)],
    )
    assert report.verdict is Verdict.CONNECTED, report
    _assert_json_matches_accessors(report)
    assert report.trust is not None and report.trust.decision == "pinned"
    assert LAB_PASSWORD not in report.json


def test_nla_server_with_bytes_credentials_connects(lab) -> None:
    server = lab("ironrdp-nla-with-credentials")
    report = rdp_probe.probe(
        server.host, server.port, user=LAB_USER.encode(), password=LAB_PASSWORD.encode(), timeout=TIMEOUT,
        trust_pins=lab_pin(server).encode(),
    )
    assert report.verdict is Verdict.CONNECTED, report


def test_wrong_password_fails_in_credssp_with_logon_failure(lab) -> None:
    server = lab("ironrdp-nla-wrong-password")
    report = rdp_probe.probe(
        server.host, server.port, user=LAB_USER, password=WRONG_PASSWORD, timeout=TIMEOUT,
        trust_pins=[lab_pin(server)],
    )
    assert report.verdict is Verdict.FAILED
    f = report.failure
    assert f is not None and report.stop is None
    assert f.phase == "credssp"
    assert f.code.space == "ntstatus"
    assert f.code.value == 0xC000006D
    assert f.code.name == "STATUS_LOGON_FAILURE"
    assert f.mstsc is not None
    assert (f.mstsc.disconnect_reason, f.mstsc.extended_reason) == (0x807, 0x0)
    _assert_json_matches_accessors(report)
    assert WRONG_PASSWORD not in report.json


def test_errinfo_7_after_client_info(lab) -> None:
    server = lab("errinfo-after-client-info-0x7")
    report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT)
    assert report.verdict is Verdict.FAILED
    f = report.failure
    assert f is not None
    assert f.phase == "licensing"
    assert f.kind == "server_error_info"
    assert f.code == rdp_probe.Code(space="errinfo", value=7, name="ERRINFO_SERVER_DENIED_CONNECTION")
    assert report.failure.mstsc.disconnect_reason == 0x904
    assert report.failure.mstsc.extended_reason == 0x7
    assert report.failure.mstsc.derived is True
    assert "0x904" in report.failure.mstsc.text
    data = _assert_json_matches_accessors(report)
    assert data["server"]["errinfo_received"][0]["value"] == 7


@pytest.mark.parametrize(
    "scenario, user, password, pinned, verdict",
    [
        ("ironrdp-tls", None, None, False, Verdict.CONNECTED),
        ("ironrdp-nla", None, None, False, Verdict.NEEDS_CREDENTIALS),
        ("ironrdp-nla", LAB_USER, LAB_PASSWORD, False, Verdict.CREDENTIALS_WITHHELD),
        ("ironrdp-nla-wrong-password", LAB_USER, WRONG_PASSWORD, True, Verdict.FAILED),
        ("errinfo-after-client-info-0x7", None, None, False, Verdict.FAILED),
    ],
)
def test_json_equals_accessors(lab, scenario: str, user, password, pinned: bool, verdict: Verdict) -> None:
    server = lab(scenario)
    pins = [lab_pin(server)] if pinned else []
    report = rdp_probe.probe(
        server.host, server.port, user=user, password=password, timeout=TIMEOUT, trust_pins=pins
    )
    assert report.verdict is verdict
    data = _assert_json_matches_accessors(report)
    assert (data.get("failure") or data.get("stop") or {}).get("phase") == report.phase


def test_one_config_serves_several_probes(lab) -> None:
    server = lab("errinfo-after-client-info-0x7")
    with rdp_probe.Config(server.host, server.port, timeout=TIMEOUT) as config:
        first = config.probe()
        second = config.probe()
    assert first.failure.code == second.failure.code
    assert first.verdict is second.verdict is Verdict.FAILED


def test_allow_legacy_tls_adds_nothing_for_a_modern_server(lab) -> None:
    # rustls gets through: no legacy attempt, so no `legacy_tls` and no findings in the report.
    server = lab("ironrdp-tls")
    report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT, legacy_tls="allow")
    assert report.verdict is Verdict.CONNECTED, report
    data = _assert_json_matches_accessors(report)
    assert "legacy_tls" not in data and "findings" not in data


def test_legacy_tls_mode_reaches_the_probe(lab) -> None:
    # The server answers every ClientHello, rustls' and OpenSSL's, with handshake_failure (40): the
    # modern failure starts a legacy attempt, which ends in `tls` too.
    server = lab("tls-alert-after-confirm-40")

    def run(mode):
        report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT, legacy_tls=mode)
        assert report.verdict is Verdict.FAILED, report
        assert report.phase == "tls"
        return _assert_json_matches_accessors(report)

    off = run("off")
    assert off["failure"]["code"]["space"] == "tls_alert" and off["failure"]["code"]["value"] == 40
    assert "legacy_tls" not in off
    follow = run(rdp_probe.LegacyTls.FOLLOW)
    assert follow["failure"] == off["failure"]
    legacy = follow["legacy_tls"]
    assert (legacy["attempt"], legacy["decides_verdict"], legacy["reached"]) == (2, False, "tls")
    assert legacy["ending"]["verdict"] == "failed"
    assert legacy["modern_failure"]["code"]["value"] == 40
    assert "findings" not in follow  # the legacy attempt did not get past TLS either
    allow = run("allow")
    assert allow["legacy_tls"]["decides_verdict"] is True
    # Without legacy_tls=, the library's default: FOLLOW, since this library has OpenSSL.
    assert "legacy TLS: OpenSSL" in rdp_probe.version()
    assert run(None)["legacy_tls"]["decides_verdict"] is False


def test_requested_protocols_reach_the_server(lab) -> None:
    # The TLS-only server refuses a request for HYBRID alone: the request was really sent as given.
    server = lab("ironrdp-tls")
    report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT, protocols=rdp_probe.Protocol.HYBRID)
    assert report.verdict is Verdict.FAILED, report
    assert report.data["server"]["requested_protocols"] == ["hybrid"]
