"""examples/python/probe.py: its output and exit status contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import LAB_PASSWORD, LAB_USER, REPO, TEST_CA_PEM, lab_pin

CLI = REPO / "examples" / "python" / "probe.py"


def run(*args: str, password: str | None = None) -> subprocess.CompletedProcess[bytes]:
    assert CLI.is_file(), f"{CLI} is missing"
    env = dict(os.environ)
    env.pop("RDP_PROBE_PASSWORD", None)
    if password is not None:
        env["RDP_PROBE_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, str(CLI), *args], capture_output=True, env=env, timeout=120, check=False
    )


def test_json_is_the_report_and_one_newline(lab) -> None:
    server = lab("ironrdp-tls")
    done = run(server.host, str(server.port), "--json")
    assert done.returncode == 0, done
    assert done.stdout.endswith(b"}\n")
    assert done.stdout.count(b"\n") == 1
    data = json.loads(done.stdout)
    assert data["schema"] == "rdp-probe/1"
    assert data["verdict"] == "connected"
    assert data["target"] == {"host": server.host, "port": server.port, "address": f"{server.host}:{server.port}"}


def test_human_output_and_exit_status_for_a_failure(lab) -> None:
    server = lab("errinfo-after-client-info-0x7")
    done = run(server.host, str(server.port))
    assert done.returncode == 1, done
    lines = done.stdout.decode().splitlines()
    assert lines[:5] == [
        "verdict   failed",
        "phase     licensing",
        "kind      server_error_info",
        "code      errinfo 0x7 ERRINFO_SERVER_DENIED_CONNECTION",
        "mstsc     0x904 / 0x7 (derived)",
    ]
    assert lines[5].startswith("message   ") and lines[6].startswith("hint      ")
    assert len(lines) == 7


def test_exit_status_for_needs_credentials_and_credentials(lab) -> None:
    server = lab("ironrdp-nla-with-credentials")
    done = run(server.host, str(server.port), "--json")
    assert done.returncode == 3, done
    assert json.loads(done.stdout)["verdict"] == "needs_credentials"
    # The lab's certificate vouches for nothing: the credentials are withheld, exit 5.
    done = run(server.host, str(server.port), "--user", LAB_USER, "--json", password=LAB_PASSWORD)
    assert done.returncode == 5, done
    data = json.loads(done.stdout)
    assert data["verdict"] == "credentials_withheld"
    assert f"sha256:{data['trust']['sha256']}" == lab_pin(server)
    done = run(server.host, str(server.port), "--user", LAB_USER, "--trust-cert", lab_pin(server),
               password=LAB_PASSWORD)
    assert done.returncode == 0, done
    assert done.stdout == b"verdict   connected\n"
    # --user without RDP_PROBE_PASSWORD sends an empty password: a logon failure, exit 1.
    done = run(server.host, str(server.port), "--user", LAB_USER, "--trust-cert", "any", "--json")
    assert done.returncode == 1, done
    assert json.loads(done.stdout)["failure"]["code"]["name"] == "STATUS_LOGON_FAILURE"
    # A CA that did not issue the certificate vouches for nothing (and the options repeat).
    done = run(server.host, str(server.port), "--user", LAB_USER, "--ca-file", str(TEST_CA_PEM),
               "--ca-file", str(TEST_CA_PEM), password=LAB_PASSWORD)
    assert done.returncode == 5, done
    assert done.stdout.startswith(b"verdict   credentials_withheld\nphase     credssp\n"), done


@pytest.mark.parametrize(
    "option, value, name",
    [
        ("--trust-cert", "sha256:00", "invalid_trust_pin"),
        ("--ca-file", str(REPO / "README.md"), "invalid_ca_pem"),
        ("--ca-file", "/nonexistent/ca.pem", "No such file"),
    ],
)
def test_bad_trust_options_exit_2(option: str, value: str, name: str) -> None:
    done = run("127.0.0.1", "1", "--user", LAB_USER, option, value)
    assert done.returncode == 2, done
    assert done.stdout == b""
    assert name.encode() in done.stderr


def test_timeout_option_bounds_a_silent_server(lab) -> None:
    server = lab("hostile-silence-at-accept")
    done = run(server.host, str(server.port), "--timeout", "1000", "--json")
    assert done.returncode == 1, done
    failure = json.loads(done.stdout)["failure"]
    assert (failure["phase"], failure["kind"], failure["code"]["value"]) == ("x224", "timeout", 1000)


@pytest.mark.parametrize(
    "args",
    [[], ["127.0.0.1", "0"], ["127.0.0.1", "70000"], ["127.0.0.1", "x"], ["127.0.0.1", "1", "extra"],
     ["127.0.0.1", "--timeout", "0"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 2, done
    assert done.stdout == b""


def test_api_errors_exit_2() -> None:
    done = run("")
    assert done.returncode == 2, done
    assert done.stdout == b""
    assert b"invalid_host" in done.stderr
    done = subprocess.run([sys.executable, str(CLI), os.fsdecode(b"\xff")], capture_output=True, timeout=60)
    assert done.returncode == 2, done
    assert b"invalid_utf8" in done.stderr
