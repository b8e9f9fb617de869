"""Bad arguments and misuse: each surfaces as the library's own code, or a clean Python error."""

from __future__ import annotations

import datetime
import gc
import threading

import pytest

import rdp_probe
from rdp_probe._native import lib


def _error(exc_type: type[rdp_probe.RdpProbeError], code: int, name: str, call) -> rdp_probe.RdpProbeError:
    with pytest.raises(exc_type) as info:
        call()
    err = info.value
    assert err.code == code
    assert err.name == name
    assert err.message == rdp_probe.result_message(code).partition(": ")[2]
    return err


@pytest.mark.parametrize(
    "host",
    [b"\xff", b"host\xc3", "\udcff", "bad\ud800host"],
    ids=["bytes-ff", "bytes-truncated-sequence", "str-escaped-byte", "str-lone-surrogate"],
)
def test_invalid_utf8_host_is_the_library_invalid_utf8(host) -> None:
    err = _error(rdp_probe.InvalidUtf8, lib.RDP_PROBE_RESULT_INVALID_UTF8, "invalid_utf8",
                 lambda: rdp_probe.probe(host, 3389))
    assert err.code == 200
    assert isinstance(err, rdp_probe.InvalidArgument)
    assert isinstance(err, ValueError)


def test_invalid_utf8_user_is_the_library_invalid_utf8() -> None:
    _error(rdp_probe.InvalidUtf8, 200, "invalid_utf8",
           lambda: rdp_probe.Config("127.0.0.1", user=b"\xfe", password="x"))


def test_valid_utf8_bytes_host_is_accepted() -> None:
    with rdp_probe.Config("127.0.0.1".encode(), 3389) as config:
        assert config.host == b"127.0.0.1"


@pytest.mark.parametrize("host", ["", " ", "a b", "a/b", "tab\there"])
def test_bad_host_is_invalid_host(host: str) -> None:
    _error(rdp_probe.InvalidHost, lib.RDP_PROBE_RESULT_INVALID_HOST, "invalid_host",
           lambda: rdp_probe.probe(host, 3389))


@pytest.mark.parametrize("port", [0, 70000, -1, 65536])
def test_bad_port_is_invalid_port(port: int) -> None:
    _error(rdp_probe.InvalidPort, lib.RDP_PROBE_RESULT_INVALID_PORT, "invalid_port",
           lambda: rdp_probe.probe("127.0.0.1", port))


def test_port_bounds_are_accepted() -> None:
    for port in (1, 65535):
        rdp_probe.Config("127.0.0.1", port).close()


@pytest.mark.parametrize("timeout", [0, 0.0, -1, -0.5, 0.0004, datetime.timedelta(0)])
def test_zero_or_negative_timeout_is_invalid_timeout(timeout) -> None:
    _error(rdp_probe.InvalidTimeout, lib.RDP_PROBE_RESULT_INVALID_TIMEOUT, "invalid_timeout",
           lambda: rdp_probe.probe("127.0.0.1", 3389, timeout=timeout))


def test_timeout_that_is_no_uint32_of_ms_is_a_value_error() -> None:
    for timeout in (float("nan"), float("inf"), 5_000_000):
        with pytest.raises(ValueError):
            rdp_probe.Config("127.0.0.1", timeout=timeout)


@pytest.mark.parametrize("bits", [0x20, 0x1F | 0x40, 0x8000_0000, 1 << 40, -1])
def test_unknown_protocol_bits_are_invalid_protocols(bits: int) -> None:
    _error(rdp_probe.InvalidProtocols, lib.RDP_PROBE_RESULT_INVALID_PROTOCOLS, "invalid_protocols",
           lambda: rdp_probe.probe("127.0.0.1", 3389, protocols=bits))


def test_known_protocol_bits_are_accepted() -> None:
    for bits in (0, rdp_probe.Protocol.SSL | rdp_probe.Protocol.HYBRID, 0x1F):
        rdp_probe.Config("127.0.0.1", protocols=bits).close()


def test_empty_user_is_invalid_credentials() -> None:
    _error(rdp_probe.InvalidCredentials, lib.RDP_PROBE_RESULT_INVALID_CREDENTIALS,
           "invalid_credentials", lambda: rdp_probe.probe("127.0.0.1", user="", password="x"))


@pytest.mark.skipif(not hasattr(lib, "RDP_PROBE_RESULT_INVALID_CLIENT_NAME"),
                    reason="this library has no client name rules (INVALID_CLIENT_NAME)")
@pytest.mark.parametrize("name", ["", "sixteen-chars-xx"])
def test_bad_client_name_is_invalid_client_name(name: str) -> None:
    _error(rdp_probe.InvalidClientName, lib.RDP_PROBE_RESULT_INVALID_CLIENT_NAME, "invalid_client_name",
           lambda: rdp_probe.probe("127.0.0.1", client_name=name))


def test_client_name_is_passed_through() -> None:
    rdp_probe.Config("127.0.0.1", client_name="helpdesk-01").close()
    _error(rdp_probe.InvalidUtf8, 200, "invalid_utf8",
           lambda: rdp_probe.Config("127.0.0.1", client_name=b"\xc3\x28"))


@pytest.mark.parametrize("mode", [3, 7, 0xFFFF_FFFF, 1 << 40, -1, "sometimes", "", "on"])
def test_unknown_legacy_tls_mode_is_invalid_legacy_tls(mode) -> None:
    err = _error(rdp_probe.InvalidLegacyTls, lib.RDP_PROBE_RESULT_INVALID_LEGACY_TLS, "invalid_legacy_tls",
                 lambda: rdp_probe.probe("127.0.0.1", 3389, legacy_tls=mode))
    assert err.code == 208
    assert isinstance(err, rdp_probe.InvalidArgument)
    assert err.context == "rdp_probe_config_builder_set_legacy_tls"


def test_known_legacy_tls_modes_are_accepted() -> None:
    for mode in ("off", "follow", "allow", "ALLOW", "Follow", 0, 1, 2, *rdp_probe.LegacyTls):
        rdp_probe.Config("127.0.0.1", legacy_tls=mode).close()
    assert [int(m) for m in rdp_probe.LegacyTls] == [0, 1, 2]


def test_legacy_tls_of_another_type_is_a_type_error() -> None:
    for mode in (True, 1.0, b"allow", object()):
        with pytest.raises(TypeError, match="legacy_tls"):
            rdp_probe.Config("127.0.0.1", legacy_tls=mode)


def test_domain_with_empty_user_is_invalid_credentials() -> None:
    _error(rdp_probe.InvalidCredentials, lib.RDP_PROBE_RESULT_INVALID_CREDENTIALS,
           "invalid_credentials", lambda: rdp_probe.Config("127.0.0.1", user="CORP\\", password="pw"))


def test_domain_and_user_are_accepted() -> None:
    rdp_probe.Config("127.0.0.1", user="CORP\\alice", password="pw").close()
    rdp_probe.Config("127.0.0.1", user="alice", domain="CORP", password="pw").close()


def test_argument_shapes_python_cannot_pass_are_python_errors() -> None:
    with pytest.raises(ValueError, match="NUL"):
        rdp_probe.Config("127.0.0.1\0evil.example")
    with pytest.raises(TypeError):
        rdp_probe.Config(12345)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rdp_probe.Config("127.0.0.1", "3389")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="password"):
        rdp_probe.Config("127.0.0.1", user="someone")
    with pytest.raises(TypeError, match="user"):
        rdp_probe.Config("127.0.0.1", password="secret")
    with rdp_probe.Config("127.0.0.1", 1) as config, pytest.raises(TypeError):
        config.probe(cancel="not a token")  # type: ignore[arg-type]


def test_config_used_after_close_raises_handle_closed() -> None:
    with rdp_probe.Config("127.0.0.1", 1) as config:
        assert not config.closed
    assert config.closed
    with pytest.raises(rdp_probe.HandleClosed) as info:
        config.probe()
    assert isinstance(info.value, rdp_probe.RdpProbeError)
    assert isinstance(info.value, ValueError)
    assert info.value.code == lib.RDP_PROBE_RESULT_NULL_PARAMETER
    assert "closed" in str(info.value)
    config.close()  # idempotent
    assert "closed" in repr(config)


def test_cancel_token_used_after_close_raises_handle_closed() -> None:
    token = rdp_probe.CancelToken()
    token.close()
    token.close()
    with pytest.raises(rdp_probe.HandleClosed):
        token.cancel()
    with pytest.raises(rdp_probe.HandleClosed):
        _ = token.cancelled
    with rdp_probe.Config("127.0.0.1", 1) as config, pytest.raises(rdp_probe.HandleClosed):
        config.probe(cancel=token)


def test_cancel_token_states() -> None:
    with rdp_probe.CancelToken() as token:
        assert not token.cancelled
        token.cancel()
        assert token.cancelled
        token.cancel()  # stays triggered, no error
        assert token.cancelled


def test_pre_cancelled_token_cancels_at_once() -> None:
    with rdp_probe.CancelToken() as token, rdp_probe.Config("127.0.0.1", 1, timeout=30) as config:
        token.cancel()
        err = _error(rdp_probe.ProbeCancelled, lib.RDP_PROBE_RESULT_CANCELLED, "cancelled",
                     lambda: config.probe(cancel=token))
        assert isinstance(err, rdp_probe.ProbeOutcomeError)


def test_handles_freed_by_the_garbage_collector_and_by_many_threads() -> None:
    # Many configs and tokens made, closed from several threads at once, or just dropped: no
    # double free (which would crash the interpreter) and no use after free.
    configs = [rdp_probe.Config("127.0.0.1", 1) for _ in range(50)]
    tokens = [rdp_probe.CancelToken() for _ in range(50)]

    def close_all() -> None:
        for c in configs:
            c.close()
        for t in tokens:
            t.close()

    threads = [threading.Thread(target=close_all) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(c.closed for c in configs) and all(t.closed for t in tokens)
    for _ in range(50):
        rdp_probe.Config("127.0.0.1", 1)
        rdp_probe.CancelToken()
    gc.collect()
