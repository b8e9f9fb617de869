"""The credential trust policy: credentials go only to a server something vouches for."""

from __future__ import annotations

import re

import pytest

import rdp_probe
from rdp_probe import Verdict
from rdp_probe._native import lib

from conftest import LAB_PASSWORD, LAB_USER, TEST_CA_PEM, WRONG_PASSWORD, lab_pin

TIMEOUT = 10

# A CERTIFICATE block whose contents are base64 but not X.509.
NOT_X509 = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"


def _probe(server, **kwargs) -> rdp_probe.Report:
    return rdp_probe.probe(server.host, server.port, user=LAB_USER, password=LAB_PASSWORD, timeout=TIMEOUT, **kwargs)


def test_credentials_are_withheld_from_a_server_nothing_vouches_for(lab) -> None:
    server = lab("ironrdp-nla-with-credentials")
    report = _probe(server)
    assert report.verdict is Verdict.CREDENTIALS_WITHHELD, report.json
    assert report.failure is None and report.outcome is None
    assert report.stop is not None
    assert (report.stop.phase, report.stop.reason) == ("credssp", "credentials_withheld")
    assert report.stop.message and report.stop.hint
    trust = report.trust
    assert trust is not None
    assert trust.decision == "withheld"
    assert trust.sha256 is not None and re.fullmatch(r"[0-9a-f]{64}", trust.sha256), trust
    assert trust.pin == f"sha256:{trust.sha256}"
    assert trust.chain_problem  # the lab's certificate is self-signed
    # The report names the certificate as the JSON does, and the hint says how to pin it.
    assert report.data["verdict"] == "credentials_withheld"
    assert report.data["trust"] == {
        "decision": "withheld",
        "sha256": trust.sha256,
        "chain_problem": trust.chain_problem,
    }
    assert trust.sha256 in report.hint
    # The CHALLENGE still came: the server's NTLM facts are reported.
    assert report.data["server"]["ntlm"]
    assert LAB_PASSWORD not in report.json


def test_without_credentials_there_is_no_trust_decision(lab) -> None:
    server = lab("ironrdp-nla")
    report = rdp_probe.probe(server.host, server.port, timeout=TIMEOUT, trust_pins=[lab_pin(server)])
    assert report.verdict is Verdict.NEEDS_CREDENTIALS
    assert report.trust is None
    assert "trust" not in report.data


@pytest.mark.parametrize("form", ["as-read", "upper-case", "colons", "bytes", "single-str"])
def test_a_pinned_certificate_gets_the_credentials(lab, form: str) -> None:
    server = lab("ironrdp-nla-with-credentials")
    pin = lab_pin(server)
    hex_digits = pin.removeprefix("sha256:")
    pins = {
        "as-read": [pin],
        "upper-case": ["sha256:" + hex_digits.upper()],
        "colons": ["sha256:" + ":".join(re.findall("..", hex_digits))],
        "bytes": [pin.encode()],
        "single-str": pin,
    }[form]
    report = _probe(server, trust_pins=pins)
    assert report.verdict is Verdict.CONNECTED, report.json
    assert report.trust is not None
    assert (report.trust.decision, report.trust.pin) == ("pinned", pin)


def test_a_pinned_certificate_lets_a_wrong_password_be_judged(lab) -> None:
    server = lab("ironrdp-nla-wrong-password")
    report = rdp_probe.probe(
        server.host, server.port, user=LAB_USER, password=WRONG_PASSWORD, timeout=TIMEOUT,
        trust_pins=[f"sha256:{'00' * 32}", lab_pin(server)],
    )
    assert report.verdict is Verdict.FAILED, report.json
    assert report.failure.code.name == "STATUS_LOGON_FAILURE"


def test_another_certificates_pin_or_ca_vouches_for_nothing(lab) -> None:
    server = lab("ironrdp-nla-with-credentials")
    for kwargs in (
        {"trust_pins": [f"sha256:{'ab' * 32}"]},
        {"ca_pem": TEST_CA_PEM.read_bytes()},
        {"ca_file": TEST_CA_PEM},
        {"ca_file": [str(TEST_CA_PEM), TEST_CA_PEM]},
    ):
        report = _probe(server, **kwargs)
        assert report.verdict is Verdict.CREDENTIALS_WITHHELD, kwargs
        assert report.trust.decision == "withheld"


def test_trust_any_sends_to_any_server(lab) -> None:
    server = lab("ironrdp-nla-with-credentials")
    report = _probe(server, trust_any=True)
    assert report.verdict is Verdict.CONNECTED, report.json
    assert report.trust is not None and report.trust.decision == "any"
    assert report.trust.pin == lab_pin(server)
    assert _probe(server, trust_any=False).verdict is Verdict.CREDENTIALS_WITHHELD


@pytest.mark.parametrize(
    "pin",
    [
        "",
        "any",
        "sha256:",
        "sha256:00",
        "ab" * 32,
        "sha1:" + "ab" * 32,
        "SHA256:" + "ab" * 32,
        "sha256:" + "ab" * 32 + "a",
        "sha256:" + "zz" * 32,
    ],
)
def test_a_malformed_pin_raises_invalid_trust_pin(pin: str) -> None:
    with pytest.raises(rdp_probe.InvalidTrustPin) as info:
        rdp_probe.Config("127.0.0.1", user=LAB_USER, password=LAB_PASSWORD, trust_pins=[pin])
    err = info.value
    assert (err.code, err.name) == (lib.RDP_PROBE_RESULT_INVALID_TRUST_PIN, "invalid_trust_pin")
    assert err.code == 209
    assert isinstance(err, rdp_probe.InvalidArgument) and isinstance(err, ValueError)
    assert err.context == "rdp_probe_config_builder_add_trust_pin"


def test_a_pin_that_is_not_utf8_is_invalid_utf8() -> None:
    with pytest.raises(rdp_probe.InvalidUtf8):
        rdp_probe.Config("127.0.0.1", trust_pins=[b"sha256:\xff"])


@pytest.mark.parametrize(
    "pem",
    [b"", b"not PEM at all", NOT_X509, b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"],
    ids=["empty", "not-pem", "not-x509", "not-base64"],
)
def test_a_bad_pem_raises_invalid_ca_pem(pem: bytes) -> None:
    with pytest.raises(rdp_probe.InvalidCaPem) as info:
        rdp_probe.Config("127.0.0.1", ca_pem=pem)
    err = info.value
    assert (err.code, err.name) == (lib.RDP_PROBE_RESULT_INVALID_CA_PEM, "invalid_ca_pem")
    assert err.code == 210
    assert isinstance(err, rdp_probe.InvalidArgument)
    assert err.context == "rdp_probe_config_builder_add_ca_pem"


def test_one_bad_pem_among_good_ones_raises(tmp_path) -> None:
    good = TEST_CA_PEM.read_bytes()
    with pytest.raises(rdp_probe.InvalidCaPem):
        rdp_probe.Config("127.0.0.1", ca_pem=[good, good + NOT_X509])
    bad_file = tmp_path / "bad.pem"
    bad_file.write_bytes(b"no certificate here\n")
    with pytest.raises(rdp_probe.InvalidCaPem):
        rdp_probe.Config("127.0.0.1", ca_file=[TEST_CA_PEM, bad_file])
    with pytest.raises(FileNotFoundError):
        rdp_probe.Config("127.0.0.1", ca_file=tmp_path / "missing.pem")


def test_good_pems_and_pins_are_accepted() -> None:
    good = TEST_CA_PEM.read_bytes()
    for kwargs in (
        {"ca_pem": good},
        {"ca_pem": bytearray(good)},
        {"ca_pem": [good, memoryview(good)]},
        {"ca_file": TEST_CA_PEM},
        {"ca_file": str(TEST_CA_PEM).encode()},
        {"ca_file": (TEST_CA_PEM, str(TEST_CA_PEM))},
        {"trust_pins": ()},
        {"trust_pins": (f"sha256:{'Ab' * 32}", f"sha256:{'00:' * 31}00")},
        {"trust_any": True, "trust_pins": [f"sha256:{'ab' * 32}"], "ca_pem": good},
    ):
        rdp_probe.Config("127.0.0.1", **kwargs).close()


def test_trust_arguments_of_the_wrong_type_are_type_errors() -> None:
    for kwargs in (
        {"trust_any": 1},
        {"trust_any": "no"},
        {"trust_pins": 5},
        {"trust_pins": [5]},
        {"ca_pem": "-----BEGIN CERTIFICATE-----"},
        {"ca_pem": [TEST_CA_PEM]},
        {"ca_file": 5},
        {"ca_file": [5]},
    ):
        with pytest.raises(TypeError):
            rdp_probe.Config("127.0.0.1", **kwargs)


def test_the_trust_codes_and_verdict_are_the_headers() -> None:
    assert Verdict.CREDENTIALS_WITHHELD.value == "credentials_withheld"
    assert lib.RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD == 5
    assert rdp_probe.result_message(209).startswith("invalid_trust_pin: ")
    assert rdp_probe.result_message(210).startswith("invalid_ca_pem: ")
