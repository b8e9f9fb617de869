"""Configs, cancel tokens and the probe itself, over the C ABI."""

from __future__ import annotations

import datetime
import enum
import math
import operator
import os
from collections.abc import Iterable
from typing import Any, Self, TypeAlias

from ._errors import PanicError, check, error_for
from ._handles import OwnedHandle
from ._native import ffi, lib
from ._inventory import Inventory, read_inventory
from ._report import Report, read_report

__all__ = [
    "Protocol",
    "LegacyTls",
    "CancelToken",
    "Config",
    "probe",
    "inventory",
    "version",
    "selftest_panic",
]

_U32_MAX = 0xFFFF_FFFF
_U16_MAX = 0xFFFF


class Protocol(enum.IntFlag):
    """The ``requestedProtocols`` bits of RDP_NEG_REQ ([MS-RDPBCGR] 2.2.1.1.1).

    Combine with ``|`` and pass as ``protocols=``; ``Protocol.RDP`` (0) asks for Standard RDP
    Security only. Any ``int`` is accepted too: the library rejects undefined bits with
    :class:`~rdp_probe.InvalidProtocols`.
    """

    #: Standard RDP Security (no bits set).
    RDP = 0
    #: TLS.
    SSL = 0x1
    #: CredSSP (Network Level Authentication).
    HYBRID = 0x2
    #: RDSTLS.
    RDSTLS = 0x4
    #: CredSSP with Early User Authorization.
    HYBRID_EX = 0x8
    #: RDS AAD authentication.
    RDSAAD = 0x10


class LegacyTls(enum.IntEnum):
    """What the probe does when the modern TLS handshake fails the way a TLS 1.0-era client would
    get past (``rdp_probe_legacy_tls``): the server only speaks TLS 1.0 or 1.1, or refuses every
    suite offered (as a server limited to CBC, RSA key exchange or DHE suites does).

    Pass as ``legacy_tls=``, a member or its name (``"off"``, ``"follow"``, ``"allow"``). Without
    it the library's default applies: ``FOLLOW`` when it was built with OpenSSL (the
    ``legacy-tls`` feature, on by default; :func:`~rdp_probe.version` then says
    ``legacy TLS: OpenSSL``), ``OFF`` otherwise. Without OpenSSL, ``FOLLOW`` and ``ALLOW`` make a
    second attempt that ends in ``tls`` with the error "rdp-probe was built without the legacy-tls
    feature (OpenSSL)".
    """

    #: No second attempt: the modern TLS failure is the verdict.
    OFF = lib.RDP_PROBE_LEGACY_TLS_OFF
    #: The modern failure stays the verdict; a second connection follows the server over OpenSSL
    #: to the end of the sequence, and the report's ``legacy_tls`` says how far it got.
    FOLLOW = lib.RDP_PROBE_LEGACY_TLS_FOLLOW
    #: As ``FOLLOW``, but the second attempt's ending is the verdict.
    ALLOW = lib.RDP_PROBE_LEGACY_TLS_ALLOW


def _legacy_tls_mode(value: Any) -> int:
    """``legacy_tls=`` as the ``uint32_t`` the library judges.

    A :class:`LegacyTls` or an ``int`` goes to the library as it is (an unknown number is its
    ``INVALID_LEGACY_TLS``); a ``str`` is a member's name in any case. What cannot be passed as a
    ``uint32_t``, or names no member, is refused here with the library's own code and words.
    """
    if isinstance(value, bool):
        raise TypeError("legacy_tls must be a LegacyTls, its name or an int, not bool")
    if isinstance(value, str):
        try:
            return LegacyTls[value.upper()]
        except KeyError:
            raise error_for(
                lib.RDP_PROBE_RESULT_INVALID_LEGACY_TLS, "rdp_probe_config_builder_set_legacy_tls"
            ) from None
    try:
        mode = operator.index(value)
    except TypeError:
        raise TypeError(
            f"legacy_tls must be a LegacyTls, its name or an int, not {type(value).__name__}"
        ) from None
    if not 0 <= mode <= _U32_MAX:
        raise error_for(lib.RDP_PROBE_RESULT_INVALID_LEGACY_TLS, "rdp_probe_config_builder_set_legacy_tls")
    return mode


#: What ``ca_file=`` takes for one file.
_Path: TypeAlias = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def _one_or_many(value: Any, single: tuple[type, ...], what: str) -> list[Any]:
    """``value`` as a list: one item when it is an instance of ``single``, else its items."""
    if isinstance(value, single):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise TypeError(
            f"{what} must be one value or an iterable of them, not {type(value).__name__}"
        ) from None


def _trust_pins(value: Any) -> list[bytes]:
    """``trust_pins=`` as C strings: one ``str``/``bytes`` pin or an iterable of them."""
    pins = _one_or_many(value, (str, bytes, bytearray), "trust_pins")
    return [_c_string(pin, "trust_pins") for pin in pins]


def _ca_pems(ca_pem: Any, ca_file: Any) -> list[bytes]:
    """``ca_pem=`` (PEM bytes, or an iterable of them) then the contents of ``ca_file=`` (a path,
    or an iterable of paths), in that order. A file that cannot be read raises its ``OSError``."""
    pems: list[bytes] = []
    if ca_pem is not None:
        for pem in _one_or_many(ca_pem, (bytes, bytearray, memoryview), "ca_pem"):
            if not isinstance(pem, (bytes, bytearray, memoryview)):
                raise TypeError(f"ca_pem must be bytes (PEM) or an iterable of bytes, not {type(pem).__name__}")
            pems.append(bytes(pem))
    if ca_file is not None:
        for path in _one_or_many(ca_file, (str, bytes, os.PathLike), "ca_file"):
            if not isinstance(path, (str, bytes, os.PathLike)):
                raise TypeError(f"ca_file must be a path or an iterable of paths, not {type(path).__name__}")
            with open(path, "rb") as f:
                pems.append(f.read())
    return pems


def _max_connections(value: Any) -> int:
    """``max_connections=`` as the ``uint16_t`` the library judges.

    An ``int`` that fits a ``uint16_t`` goes to the library as it is (0 or above 64 is its
    ``INVALID_MAX_CONNECTIONS``); one that does not fit is refused here with the library's own code
    and words.
    """
    if isinstance(value, bool):
        raise TypeError("max_connections must be an int, not bool")
    try:
        limit = operator.index(value)
    except TypeError:
        raise TypeError(f"max_connections must be an int, not {type(value).__name__}") from None
    if not 0 <= limit <= _U16_MAX:
        raise error_for(
            lib.RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS, "rdp_probe_config_builder_set_max_connections"
        )
    return limit


def _c_string(value: Any, what: str) -> bytes:
    """``value`` as the bytes of a C string, unchanged so the library judges them.

    ``bytes`` pass through as they are. A ``str`` is encoded as UTF-8; lone surrogates (as Python
    makes from undecodable bytes in ``sys.argv``) become the bytes they stand for
    (``surrogateescape``) or, failing that, their raw encoding (``surrogatepass``): either way the
    library sees invalid UTF-8 and answers ``INVALID_UTF8``. Only a NUL cannot be passed through,
    because it would silently cut the C string short.
    """
    if isinstance(value, str):
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")
    if b"\0" in raw:
        raise ValueError(f"{what} contains a NUL character, which a C string cannot carry")
    return raw


def _timeouts_ms(timeout: float | datetime.timedelta) -> tuple[int, int, int]:
    """Seconds -> ``(connect_ms, phase_ms, overall_ms)`` like Rust's ``Timeouts::uniform``.

    Zero or negative becomes 0 ms, which the library refuses with ``INVALID_TIMEOUT``: the rules are
    the library's. Only what cannot be expressed as a ``uint32_t`` of milliseconds is refused here.
    """
    if isinstance(timeout, datetime.timedelta):
        seconds = timeout.total_seconds()
    else:
        try:
            seconds = float(timeout)
        except (TypeError, ValueError):
            raise TypeError(f"timeout must be a number of seconds, not {timeout!r}") from None
    if math.isnan(seconds):
        raise ValueError("timeout must be a number of seconds, not NaN")
    if seconds <= 0:
        ms = 0
    elif math.isinf(seconds) or seconds * 1000 > _U32_MAX:
        raise ValueError(f"timeout must be at most {_U32_MAX / 1000} s (a uint32_t of milliseconds)")
    else:
        ms = round(seconds * 1000)
    return ms, ms, min(3 * ms, _U32_MAX)


class _Closable:
    """A Python object that owns one native handle: ``close()`` (or ``with``) frees it exactly once;
    a probe still using it keeps it alive until that probe returns."""

    _handle: OwnedHandle

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._handle.closed

    def close(self) -> None:
        """Frees the handle (a probe still using it keeps its own reference). Idempotent."""
        self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class CancelToken(_Closable):
    """A token that stops the probes using it (``rdp_probe_cancel``).

    :meth:`cancel` may be called from any thread at any time; every probe using the token then
    raises :class:`~rdp_probe.ProbeCancelled` promptly, and probes started with it later raise it at
    once. Once cancelled a token stays cancelled. One token may serve several probes.

    Use it as a context manager, or call :meth:`close`; it is freed exactly once (on garbage
    collection at the latest). Using it after :meth:`close` raises :class:`~rdp_probe.HandleClosed`.

    Example::

        with rdp_probe.CancelToken() as token:
            threading.Timer(2.0, token.cancel).start()
            rdp_probe.probe("server.example", cancel=token)  # ProbeCancelled after ~2 s
    """

    def __init__(self) -> None:
        ptr = lib.rdp_probe_cancel_new()
        if ptr == ffi.NULL:
            raise error_for(lib.RDP_PROBE_RESULT_PANIC, "rdp_probe_cancel_new", PanicError)
        self._handle = OwnedHandle(ptr, lib.rdp_probe_cancel_free, "CancelToken")

    def cancel(self) -> None:
        """Cancels every probe using this token (thread-safe)."""
        with self._handle.borrow() as ptr:
            check(lib.rdp_probe_cancel_trigger(ptr), "rdp_probe_cancel_trigger")

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` has been called."""
        with self._handle.borrow() as ptr:
            return bool(lib.rdp_probe_cancel_is_triggered(ptr))

    def __repr__(self) -> str:
        if self.closed:
            return "<rdp_probe.CancelToken closed>"
        return f"<rdp_probe.CancelToken cancelled={self.cancelled}>"


class Config(_Closable):
    """A complete, immutable probe config (``rdp_probe_config``), reusable for several probes.

    Every value is checked by the library when the config is made, so a bad argument raises here
    (an :class:`~rdp_probe.InvalidArgument` subclass), not in :meth:`probe`.

    Args:
        host: a name, an IPv4 address or an IPv6 address (with or without brackets); ``str`` or
            ``bytes`` (passed to the library unchanged).
        port: the TCP port, 1-65535 (3389 is RDP's).
        user: the user for Network Level Authentication (CredSSP); ``DOMAIN\\user`` is split when
            ``domain`` is ``None``. Without credentials, a server that requires NLA yields the
            verdict ``needs_credentials``.
        password: the password; required with ``user``. The library zeroes its own copy when the
            config is freed and never puts it in a report (Python's ``str`` cannot be zeroed).
        domain: the domain, or ``None``.
        timeout: seconds (``float`` or ``timedelta``) for each TCP connect and each phase; the whole
            probe gets three times that. ``None`` keeps the library's defaults (5 s / 10 s / 30 s).
            Zero or negative raises :class:`~rdp_probe.InvalidTimeout`.
        protocols: request exactly these :class:`Protocol` bits and never fall back; ``None``
            behaves like the Windows client.
        require_valid_cert: fail in the ``tls`` phase unless the certificate chain verifies
            against the system roots and names the host (default: accept any, judge it in the
            report).
        client_name: the client computer name sent to the server (default ``rdp-probe``).
        legacy_tls: what to do when the modern TLS handshake fails the way a TLS 1.0-era client
            would get past: a :class:`LegacyTls` or its name, ``"off"``, ``"follow"`` or
            ``"allow"``. ``None`` keeps the library's default (``FOLLOW`` when it was built with
            OpenSSL, ``OFF`` otherwise); anything else raises
            :class:`~rdp_probe.InvalidLegacyTls`.
        trust_pins: certificates trusted with the credentials whatever their chain (the CLI's
            ``--trust-cert sha256:HEX``): one pin or an iterable of them, each ``"sha256:"`` and
            64 hex digits (either case, colons allowed), e.g. :attr:`Trust.pin` of a
            ``credentials_withheld`` report. A malformed pin (``"any"`` included: that is
            ``trust_any``) raises :class:`~rdp_probe.InvalidTrustPin`.
        trust_any: send the credentials to any server, whatever vouches for it, Standard RDP
            Security included (the CLI's ``--trust-cert any``). For lab servers, or a server
            checked by other means.
        ca_pem: CA certificates (PEM ``bytes``, or an iterable of them) trusted besides the
            system's roots: a server whose chain is valid for the host against them may have the
            credentials, and ``require_valid_cert`` accepts its chain too. A PEM without a
            certificate, or with one that is not X.509, raises :class:`~rdp_probe.InvalidCaPem`.
        ca_file: the same from files (the CLI's ``--ca-file``): a path or an iterable of paths,
            read here (an unreadable file raises its ``OSError``) and added after ``ca_pem``.
        kdc: the Kerberos KDC (the CLI's ``--kdc``): ``"HOST"``, ``"HOST:PORT"`` or
            ``"[IPv6]:PORT"``, port 88 by default; ``str`` or ``bytes`` (passed to the library
            unchanged). With credentials that name a domain (``domain=``, or ``user="alice@REALM"``)
            and a host given by name (not an IP address), the logon tries Kerberos first and falls
            back to NTLM where the Windows client would; ``report.data["authentication"]`` says
            which package was used and why (``package``, ``kerberos_not_tried``, ``kerberos``).
            ``None`` (the default): NTLM only. Anything else raises
            :class:`~rdp_probe.InvalidKdc` (an empty string, a port of 0 or above 65535,
            whitespace...).
        max_connections: for :meth:`inventory` only: the most connections open to the target at
            once, 1 to 64 (the CLI's ``rdp-probe inventory --max-connections``). ``None`` keeps the
            library's default (8); anything else raises :class:`~rdp_probe.InvalidMaxConnections`.
        cipher_suites: for :meth:`inventory` only: enumerate the cipher suites of every TLS
            version the server accepts (``True``, the default), or report only the suite each
            version prefers (``False``: fewer connections; the CLI's ``--no-cipher-suites``).
        negotiate_only: for :meth:`inventory` only: stop after the X.224 step (protocols, NLA, and
            the findings and client results those decide; no TLS, Standard RDP Security or
            CredSSP connection: the CLI's ``--negotiate-only``). ``False`` by default.

    Credentials go only to a server something vouches for: a chain valid for the host (system
    roots, ``ca_pem``, ``ca_file``), a pinned fingerprint, or ``trust_any``; otherwise the probe
    stops before anything derived from the password leaves, with the verdict
    ``credentials_withheld`` and the fingerprint in :attr:`Report.trust`. The library never asks
    interactively (the CLI does): decide beforehand with pins, roots or ``trust_any``. Without
    credentials these settings change nothing.

    Use it as a context manager, or call :meth:`close`; it is freed exactly once (on garbage
    collection at the latest). A probe running while the config is closed is not affected; a probe
    started after it raises :class:`~rdp_probe.HandleClosed`.
    """

    host: str | bytes
    port: int

    def __init__(
        self,
        host: str | bytes,
        port: int = 3389,
        *,
        user: str | bytes | None = None,
        password: str | bytes | None = None,
        domain: str | bytes | None = None,
        timeout: float | datetime.timedelta | None = None,
        protocols: int | Protocol | None = None,
        require_valid_cert: bool = False,
        client_name: str | bytes | None = None,
        legacy_tls: LegacyTls | str | int | None = None,
        trust_pins: str | bytes | Iterable[str | bytes] = (),
        trust_any: bool = False,
        ca_pem: bytes | Iterable[bytes] | None = None,
        ca_file: _Path | Iterable[_Path] | None = None,
        kdc: str | bytes | None = None,
        max_connections: int | None = None,
        cipher_suites: bool = True,
        negotiate_only: bool = False,
    ) -> None:
        host_c = _c_string(host, "host")
        try:
            port_value = operator.index(port)
        except TypeError:
            raise TypeError(f"port must be an int, not {type(port).__name__}") from None
        if user is None and (password is not None or domain is not None):
            raise TypeError("password and domain need a user")
        if user is not None and password is None:
            raise TypeError("a password is required with user (use '' for an empty one)")
        legacy_tls_mode = None if legacy_tls is None else _legacy_tls_mode(legacy_tls)
        if not isinstance(trust_any, bool):
            raise TypeError(f"trust_any must be a bool, not {type(trust_any).__name__}")
        pins = _trust_pins(trust_pins)
        pems = _ca_pems(ca_pem, ca_file)
        kdc_c = None if kdc is None else _c_string(kdc, "kdc")
        limit = None if max_connections is None else _max_connections(max_connections)
        if not isinstance(cipher_suites, bool):
            raise TypeError(f"cipher_suites must be a bool, not {type(cipher_suites).__name__}")
        if not isinstance(negotiate_only, bool):
            raise TypeError(f"negotiate_only must be a bool, not {type(negotiate_only).__name__}")

        builder = lib.rdp_probe_config_builder_new()
        if builder == ffi.NULL:
            raise error_for(lib.RDP_PROBE_RESULT_PANIC, "rdp_probe_config_builder_new", PanicError)
        try:
            if not 0 <= port_value <= _U16_MAX:
                # Cannot be passed as a uint16_t; the library's own code and words for a bad port.
                raise error_for(lib.RDP_PROBE_RESULT_INVALID_PORT, "rdp_probe_config_builder_set_target")
            check(
                lib.rdp_probe_config_builder_set_target(builder, host_c, port_value),
                "rdp_probe_config_builder_set_target",
            )
            if user is not None:
                domain_c = ffi.NULL if domain is None else _c_string(domain, "domain")
                check(
                    lib.rdp_probe_config_builder_set_credentials(
                        builder,
                        _c_string(user, "user"),
                        domain_c,
                        _c_string(password, "password"),
                    ),
                    "rdp_probe_config_builder_set_credentials",
                )
            if timeout is not None:
                connect_ms, phase_ms, overall_ms = _timeouts_ms(timeout)
                check(
                    lib.rdp_probe_config_builder_set_timeouts(builder, connect_ms, phase_ms, overall_ms),
                    "rdp_probe_config_builder_set_timeouts",
                )
            if protocols is not None:
                bits = operator.index(protocols)
                if not 0 <= bits <= _U32_MAX:
                    # Not a uint32_t: certainly bits RDP_NEG_REQ does not define.
                    raise error_for(
                        lib.RDP_PROBE_RESULT_INVALID_PROTOCOLS, "rdp_probe_config_builder_set_protocols"
                    )
                check(
                    lib.rdp_probe_config_builder_set_protocols(builder, bits),
                    "rdp_probe_config_builder_set_protocols",
                )
            policy = (
                lib.RDP_PROBE_CERT_POLICY_REQUIRE_VALID
                if require_valid_cert
                else lib.RDP_PROBE_CERT_POLICY_ACCEPT_ANY
            )
            check(
                lib.rdp_probe_config_builder_set_cert_policy(builder, policy),
                "rdp_probe_config_builder_set_cert_policy",
            )
            if client_name is not None:
                check(
                    lib.rdp_probe_config_builder_set_client_name(
                        builder, _c_string(client_name, "client_name")
                    ),
                    "rdp_probe_config_builder_set_client_name",
                )
            if legacy_tls_mode is not None:
                check(
                    lib.rdp_probe_config_builder_set_legacy_tls(builder, legacy_tls_mode),
                    "rdp_probe_config_builder_set_legacy_tls",
                )
            for pin in pins:
                check(
                    lib.rdp_probe_config_builder_add_trust_pin(builder, pin),
                    "rdp_probe_config_builder_add_trust_pin",
                )
            check(
                lib.rdp_probe_config_builder_trust_any(builder, trust_any),
                "rdp_probe_config_builder_trust_any",
            )
            for pem in pems:
                # The bytes object's own buffer (no copy); the library needs no NUL.
                buf = ffi.from_buffer("uint8_t[]", pem)
                check(
                    lib.rdp_probe_config_builder_add_ca_pem(builder, buf, len(pem)),
                    "rdp_probe_config_builder_add_ca_pem",
                )
            if kdc_c is not None:
                check(
                    lib.rdp_probe_config_builder_set_kdc(builder, kdc_c),
                    "rdp_probe_config_builder_set_kdc",
                )
            if limit is not None:
                check(
                    lib.rdp_probe_config_builder_set_max_connections(builder, limit),
                    "rdp_probe_config_builder_set_max_connections",
                )
            check(
                lib.rdp_probe_config_builder_set_cipher_suites(builder, cipher_suites),
                "rdp_probe_config_builder_set_cipher_suites",
            )
            check(
                lib.rdp_probe_config_builder_set_negotiate_only(builder, negotiate_only),
                "rdp_probe_config_builder_set_negotiate_only",
            )
            out_config = ffi.new("const rdp_probe_config **")
            check(
                lib.rdp_probe_config_builder_build(builder, out_config),
                "rdp_probe_config_builder_build",
            )
            self._handle = OwnedHandle(out_config[0], lib.rdp_probe_config_free, "Config")
        finally:
            lib.rdp_probe_config_builder_free(builder)
        self.host = host
        self.port = port_value

    def probe(self, cancel: CancelToken | None = None) -> Report:
        """Probes the target and returns its :class:`~rdp_probe.Report`.

        Blocks until the probe ends: at most the overall timeout plus the time to tear down, or
        promptly after ``cancel`` is cancelled (from another thread). The GIL is released
        meanwhile, so several threads may probe at once, with the same config and token.

        Every verdict (``connected``, ``failed``, ``needs_credentials``, ``inconclusive``,
        ``credentials_withheld``) is a report, not an exception.

        While the library blocks, Python runs no signal handlers in this thread: Ctrl-C takes effect
        when the probe returns. To stop a probe at once, call ``cancel.cancel()`` from another
        thread (e.g. run the probe in a worker thread and cancel it from the main thread).

        Raises:
            ProbeCancelled: ``cancel`` was cancelled before the probe finished.
            HandleClosed: this config or ``cancel`` was closed.
            InternalError: the library panicked or could not start its runtime.
        """
        if cancel is not None and not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be a CancelToken or None, not {type(cancel).__name__}")
        with self._handle.borrow() as config:
            if cancel is None:
                return _run(config, ffi.NULL)
            with cancel._handle.borrow() as token:
                return _run(config, token)

    def inventory(self, cancel: CancelToken | None = None) -> Inventory:
        """Takes the inventory of the target and returns it (:class:`~rdp_probe.Inventory`): the
        security protocols it selects, NLA, TLS versions and cipher suites, Standard RDP Security,
        the CredSSP version and NTLM facts, findings, and the clients it would refuse
        (``rdp-probe-inventory/1``, the CLI's ``rdp-probe inventory``). It never sends credentials.

        Only the target, ``timeout``, ``legacy_tls``, ``max_connections``, ``cipher_suites`` and
        ``negotiate_only`` of this config count; credentials, protocols, trust settings, the KDC, the client name and the
        certificate policy are ignored.

        Blocks until the inventory ends (about the overall timeout plus one connect and read limit
        at most; it opens many connections, never more at once than ``max_connections``), or
        promptly after ``cancel`` is cancelled; the GIL is released meanwhile. A target that cannot
        be reached is an inventory too (``reachable`` false, ``error`` why), not an exception.

        Raises:
            ProbeCancelled: ``cancel`` was cancelled before the inventory finished.
            HandleClosed: this config or ``cancel`` was closed.
            InternalError: the library panicked or could not start its runtime.
        """
        if cancel is not None and not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be a CancelToken or None, not {type(cancel).__name__}")
        with self._handle.borrow() as config:
            if cancel is None:
                return _run_inventory(config, ffi.NULL)
            with cancel._handle.borrow() as token:
                return _run_inventory(config, token)

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<rdp_probe.Config {self.host!r} port {self.port}{state}>"


def _run(config: Any, token: Any) -> Report:
    out_report = ffi.new("rdp_probe_report **")
    check(lib.rdp_probe_run(config, token, out_report), "rdp_probe_run")
    report = out_report[0]
    try:
        return read_report(report)
    finally:
        lib.rdp_probe_report_free(report)


def _run_inventory(config: Any, token: Any) -> Inventory:
    out_inventory = ffi.new("rdp_probe_inventory **")
    check(lib.rdp_probe_inventory_run(config, token, out_inventory), "rdp_probe_inventory_run")
    handle = out_inventory[0]
    try:
        return read_inventory(handle)
    finally:
        lib.rdp_probe_inventory_free(handle)


def probe(
    host: str | bytes,
    port: int = 3389,
    user: str | bytes | None = None,
    password: str | bytes | None = None,
    domain: str | bytes | None = None,
    timeout: float | datetime.timedelta | None = None,
    protocols: int | Protocol | None = None,
    require_valid_cert: bool = False,
    cancel: CancelToken | None = None,
    *,
    client_name: str | bytes | None = None,
    legacy_tls: LegacyTls | str | int | None = None,
    trust_pins: str | bytes | Iterable[str | bytes] = (),
    trust_any: bool = False,
    ca_pem: bytes | Iterable[bytes] | None = None,
    ca_file: _Path | Iterable[_Path] | None = None,
    kdc: str | bytes | None = None,
) -> Report:
    """Probes ``host:port`` once and returns the :class:`~rdp_probe.Report`.

    A shorthand for ``with Config(host, port, ...) as cfg: return cfg.probe(cancel)``; see
    :class:`Config` for the arguments and :meth:`Config.probe` for what it raises.

    Example::

        report = rdp_probe.probe("192.0.2.10", timeout=5)
        if report.failure:
            print(report.failure.phase, report.failure.code.name, report.failure.hint)
    """
    with Config(
        host,
        port,
        user=user,
        password=password,
        domain=domain,
        timeout=timeout,
        protocols=protocols,
        require_valid_cert=require_valid_cert,
        client_name=client_name,
        legacy_tls=legacy_tls,
        trust_pins=trust_pins,
        trust_any=trust_any,
        ca_pem=ca_pem,
        ca_file=ca_file,
        kdc=kdc,
    ) as config:
        return config.probe(cancel=cancel)


def inventory(
    host: str | bytes,
    port: int = 3389,
    *,
    timeout: float | datetime.timedelta | None = None,
    max_connections: int | None = None,
    cipher_suites: bool = True,
    negotiate_only: bool = False,
    legacy_tls: LegacyTls | str | int | None = None,
    cancel: CancelToken | None = None,
) -> Inventory:
    """Takes the inventory of ``host:port`` without credentials and returns the
    :class:`~rdp_probe.Inventory` (``rdp-probe-inventory/1``; ``.data`` is the parsed JSON).

    A shorthand for ``with Config(host, port, ...) as cfg: return cfg.inventory(cancel)``; see
    :class:`Config` for the arguments (``timeout`` bounds each connect and read, three times that
    the whole inventory, as the CLI's ``--timeout``) and :meth:`Config.inventory` for what it
    raises.

    Example::

        inv = rdp_probe.inventory("192.0.2.10", timeout=5, max_connections=4)
        print(inv.nla.value, inv.credssp_version)
        for f in inv.findings:
            print(f.severity, f.id)
        print(inv.data["tls"])
    """
    with Config(
        host,
        port,
        timeout=timeout,
        legacy_tls=legacy_tls,
        max_connections=max_connections,
        cipher_suites=cipher_suites,
        negotiate_only=negotiate_only,
    ) as config:
        return config.inventory(cancel=cancel)


def version() -> str:
    """The version of the library and of the RDP stack it drives (``rdp_probe_version``)."""
    needed = ffi.new("size_t *")
    rc = lib.rdp_probe_version(ffi.NULL, 0, needed)
    while rc == lib.RDP_PROBE_RESULT_BUFFER_TOO_SMALL:
        buf = ffi.new("char[]", needed[0])
        rc = lib.rdp_probe_version(buf, len(buf), needed)
        if rc == lib.RDP_PROBE_RESULT_OK:
            raw: bytes = ffi.buffer(buf, needed[0] - 1)[:]
            return raw.decode("utf-8")
    check(rc, "rdp_probe_version")
    return ""


def selftest_panic() -> None:
    """Makes the library panic on purpose (``rdp_probe_selftest_panic``), for tests.

    The panic is caught at the C boundary: this always raises :class:`~rdp_probe.PanicError`
    (code 300) and leaves the process unharmed, which is what it exists to show.
    """
    check(lib.rdp_probe_selftest_panic(), "rdp_probe_selftest_panic")
    raise RuntimeError("rdp_probe_selftest_panic returned OK: the library did not panic")
