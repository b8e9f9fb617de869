"""The KDC (``kdc=``): checked by the library, and deciding whether the logon tries Kerberos."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

import rdp_probe
from rdp_probe import Verdict
from rdp_probe._native import ffi, lib

from conftest import LAB_PASSWORD, LAB_USER, lab_pin

TIMEOUT = 8

# A realm for the lab account: Kerberos is only tried with credentials that name a domain. The lab's
# NTLM acceptor does not check the domain.
REALM = "RDP-PROBE.TEST"

# The lab servers: `ironrdp-nla` speaks raw NTLM in CredSSP (no SPNEGO, so it cannot answer a
# Kerberos offer); `kerberos-logon` is the acceptor with Kerberos and NTLM and a real MIT KDC of its
# own (krb5kdc, scripts/install-test-deps.sh), while the probe is given another KDC.
NTLM_SERVER = "ironrdp-nla"
KERBEROS_SERVER = "kerberos-logon"

BAD_KDCS = ["", "host:0", "host:99999", "a b", "host:", "host:port", "[::1]:0", "kdc/path"]
GOOD_KDCS = ["kdc.example", "kdc.example:88", "dc1.corp.example:65535", "127.0.0.1:1", "[::1]:88", "::1"]


def _dead_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authentication(report: rdp_probe.Report) -> dict[str, Any]:
    assert LAB_PASSWORD not in report.json
    auth = report.data.get("authentication")
    assert isinstance(auth, dict), report.json
    return auth


@pytest.mark.parametrize("kdc", BAD_KDCS)
def test_a_malformed_kdc_raises_invalid_kdc(kdc: str) -> None:
    with pytest.raises(rdp_probe.InvalidKdc) as info:
        rdp_probe.Config("localhost", user=LAB_USER, password=LAB_PASSWORD, domain=REALM, kdc=kdc)
    err = info.value
    assert (err.code, err.name) == (lib.RDP_PROBE_RESULT_INVALID_KDC, "invalid_kdc")
    assert err.code == 211
    assert err.message == "the KDC must be HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)"
    assert isinstance(err, rdp_probe.InvalidArgument) and isinstance(err, ValueError)
    assert err.context == "rdp_probe_config_builder_set_kdc"
    # Raised by probe() too, before anything is sent.
    with pytest.raises(rdp_probe.InvalidKdc):
        rdp_probe.probe("localhost", 9, kdc=kdc.encode())


def test_a_kdc_that_is_not_utf8_or_not_a_string_is_refused() -> None:
    with pytest.raises(rdp_probe.InvalidUtf8):
        rdp_probe.Config("localhost", kdc=b"kdc\xff.example")
    with pytest.raises(rdp_probe.InvalidUtf8):
        rdp_probe.Config("localhost", kdc="kdc\udcff")
    with pytest.raises(ValueError):
        rdp_probe.Config("localhost", kdc="kdc\0.example")
    for kdc in (88, ["kdc.example"], object()):
        with pytest.raises(TypeError):
            rdp_probe.Config("localhost", kdc=kdc)


def test_good_kdcs_are_accepted() -> None:
    for kdc in [*GOOD_KDCS, b"kdc.example:88", None]:
        rdp_probe.Config("localhost", user=LAB_USER, password=LAB_PASSWORD, domain=REALM, kdc=kdc).close()
        rdp_probe.Config("127.0.0.1", kdc=kdc).close()


def test_the_kdc_code_is_the_headers() -> None:
    assert lib.RDP_PROBE_RESULT_INVALID_KDC == 211
    assert rdp_probe.result_message(211) == (
        "invalid_kdc: the KDC must be HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)"
    )
    assert "InvalidKdc" in rdp_probe.__all__


def test_kerberos_is_not_tried_against_an_address(lab) -> None:
    server = lab(NTLM_SERVER)
    report = rdp_probe.probe(
        "127.0.0.1", server.port, user=LAB_USER, password=LAB_PASSWORD, domain=REALM,
        timeout=TIMEOUT, trust_pins=[lab_pin(server)], kdc=f"127.0.0.1:{_dead_port()}",
    )
    assert report.verdict is Verdict.CONNECTED, report.json
    assert _authentication(report) == {"package": "ntlm", "kerberos_not_tried": "target_is_address"}


def test_an_unreachable_kdc_falls_back_to_ntlm_by_name(lab) -> None:
    server = lab(KERBEROS_SERVER)
    kdc = f"127.0.0.1:{_dead_port()}"
    report = rdp_probe.probe(
        "localhost", server.port, user=LAB_USER, password=LAB_PASSWORD, domain=REALM,
        timeout=TIMEOUT, trust_pins=[lab_pin(server)], kdc=kdc,
    )
    assert report.verdict is Verdict.CONNECTED, report.json
    auth = _authentication(report)
    assert auth["package"] == "ntlm", auth
    assert "kerberos_not_tried" not in auth
    kerberos = auth["kerberos"]
    assert (kerberos["kdc"], kerberos["realm"], kerberos["spn"]) == (kdc, REALM, "TERMSRV/localhost")
    assert kerberos["outcome"] == "fell_back_to_ntlm", auth
    assert kerberos["failure"]["code"]["space"] == "kdc", auth
    assert kerberos["failure"]["code"]["name"] == "KDC_UNREACHABLE", auth


def test_without_a_kdc_or_a_realm_kerberos_is_not_tried(lab) -> None:
    server = lab(NTLM_SERVER)
    common = dict(user=LAB_USER, password=LAB_PASSWORD, timeout=TIMEOUT, trust_pins=[lab_pin(server)])
    no_kdc = rdp_probe.probe("localhost", server.port, domain=REALM, **common)
    assert no_kdc.verdict is Verdict.CONNECTED, no_kdc.json
    assert _authentication(no_kdc) == {"package": "ntlm", "kerberos_not_tried": "no_kdc"}
    no_realm = rdp_probe.probe("localhost", server.port, kdc=f"127.0.0.1:{_dead_port()}", **common)
    assert no_realm.verdict is Verdict.CONNECTED, no_realm.json
    assert _authentication(no_realm) == {"package": "ntlm", "kerberos_not_tried": "no_realm"}


def _probe_through_the_c_abi(port: int, pin: str, kdcs: list[tuple[bytes | None, int]]) -> dict[str, Any]:
    """Probes ``localhost:port`` through the raw C ABI after ``rdp_probe_config_builder_set_kdc``
    was called with each KDC (``None``: NULL) and returned the code paired with it."""
    builder = lib.rdp_probe_config_builder_new()
    assert builder != ffi.NULL
    config = ffi.new("const rdp_probe_config **")
    report = ffi.new("rdp_probe_report **")
    try:
        ok = lib.RDP_PROBE_RESULT_OK
        assert lib.rdp_probe_config_builder_set_target(builder, b"localhost", port) == ok
        assert lib.rdp_probe_config_builder_set_timeouts(builder, 8000, 8000, 30000) == ok
        assert lib.rdp_probe_config_builder_set_credentials(
            builder, LAB_USER.encode(), REALM.encode(), LAB_PASSWORD.encode()
        ) == ok
        assert lib.rdp_probe_config_builder_add_trust_pin(builder, pin.encode()) == ok
        for kdc, expected in kdcs:
            got = lib.rdp_probe_config_builder_set_kdc(builder, ffi.NULL if kdc is None else kdc)
            assert got == expected, (kdc, got)
        assert lib.rdp_probe_config_builder_build(builder, config) == ok
    finally:
        lib.rdp_probe_config_builder_free(builder)
    try:
        assert lib.rdp_probe_run(config[0], ffi.NULL, report) == lib.RDP_PROBE_RESULT_OK
        try:
            needed = ffi.new("size_t *")
            assert lib.rdp_probe_report_json(report[0], ffi.NULL, 0, needed) == lib.RDP_PROBE_RESULT_BUFFER_TOO_SMALL
            buf = ffi.new("char[]", needed[0])
            assert lib.rdp_probe_report_json(report[0], buf, len(buf), needed) == lib.RDP_PROBE_RESULT_OK
            return json.loads(ffi.string(buf).decode())
        finally:
            lib.rdp_probe_report_free(report[0])
    finally:
        lib.rdp_probe_config_free(config[0])


def test_a_refused_kdc_leaves_the_builder_unchanged_and_null_clears_it(lab) -> None:
    ntlm, kerberos_server = lab(NTLM_SERVER), lab(KERBEROS_SERVER)
    pin = lab_pin(ntlm)
    kdc = f"127.0.0.1:{_dead_port()}".encode()
    invalid = lib.RDP_PROBE_RESULT_INVALID_KDC
    ok = lib.RDP_PROBE_RESULT_OK

    # The KDC accepted first is the one the probe asks, whatever was refused after it.
    data = _probe_through_the_c_abi(
        kerberos_server.port, pin, [(kdc, ok), *((bad.encode(), invalid) for bad in BAD_KDCS)]
    )
    assert data["verdict"] == "connected", data
    kerberos = data["authentication"]["kerberos"]
    assert kerberos["kdc"] == kdc.decode(), data
    assert kerberos["outcome"] == "fell_back_to_ntlm", data

    # NULL clears it: NTLM only.
    data = _probe_through_the_c_abi(ntlm.port, pin, [(kdc, ok), (None, ok)])
    assert data["verdict"] == "connected", data
    assert data["authentication"] == {"package": "ntlm", "kerberos_not_tried": "no_kdc"}, data
