"""The exception hierarchy: one class per ``rdp_probe_result`` kind, and per code where useful.

Every exception raised for a result code carries ``.code`` (the library's number), ``.name`` (its
stable snake_case name, e.g. ``"invalid_utf8"``) and a message; both name and message come from
``rdp_probe_result_message``, so they are the library's own words, not a copy kept here.
"""

from __future__ import annotations

from ._native import ffi, lib

__all__ = [
    "RdpProbeError",
    "MisuseError",
    "HandleClosed",
    "InvalidArgument",
    "InvalidUtf8",
    "InvalidHost",
    "InvalidPort",
    "InvalidTimeout",
    "InvalidProtocols",
    "InvalidCertPolicy",
    "InvalidCredentials",
    "InvalidClientName",
    "InvalidLegacyTls",
    "InvalidTrustPin",
    "InvalidCaPem",
    "InvalidKdc",
    "InvalidMaxConnections",
    "InvalidScanMode",
    "InvalidConcurrency",
    "TooManyTargets",
    "InvalidRate",
    "InvalidShard",
    "InvalidMaxTargets",
    "InternalError",
    "PanicError",
    "RuntimeStartError",
    "ProbeOutcomeError",
    "ProbeCancelled",
    "NotPresent",
]


class RdpProbeError(Exception):
    """An rdp-probe call failed with a non-OK ``rdp_probe_result``.

    Attributes:
        code: the ``rdp_probe_result`` number (e.g. 200).
        name: its stable snake_case name (e.g. ``"invalid_utf8"``), as the library spells it.
        message: the library's description of the code.
        context: what the binding was doing (e.g. ``"set_target"``), or ``None``.
    """

    code: int
    name: str
    message: str
    context: str | None

    def __init__(self, code: int, name: str, message: str, context: str | None = None) -> None:
        self.code = code
        self.name = name
        self.message = message
        self.context = context
        text = f"{name} ({code}): {message}"
        super().__init__(f"{context}: {text}" if context else text)


class MisuseError(RdpProbeError):
    """API misuse (codes 100-199): the call cannot be made this way (NULL handle, no target...)."""


class HandleClosed(MisuseError, ValueError):
    """A :class:`~rdp_probe.Config` or :class:`~rdp_probe.CancelToken` was used after ``close()``.

    The binding refuses the call before it reaches the library (which would otherwise be handed a
    freed pointer); the code is the one the library gives a NULL handle, ``null_parameter``.
    """


class InvalidArgument(RdpProbeError, ValueError):
    """A value passed to the library is not acceptable (codes 200-299)."""


class InvalidUtf8(InvalidArgument):
    """A string argument is not valid UTF-8 (``invalid_utf8``, 200)."""


class InvalidHost(InvalidArgument):
    """The host is empty or contains whitespace, control characters or ``/`` (201)."""


class InvalidPort(InvalidArgument):
    """The port is not 1-65535 (``invalid_port``, 202)."""


class InvalidTimeout(InvalidArgument):
    """A timeout is below 1 ms (``invalid_timeout``, 203)."""


class InvalidProtocols(InvalidArgument):
    """The protocol bits include bits RDP_NEG_REQ does not define (``invalid_protocols``, 204)."""


class InvalidCertPolicy(InvalidArgument):
    """The certificate policy is unknown (``invalid_cert_policy``, 205)."""


class InvalidCredentials(InvalidArgument):
    """The user name is empty (``invalid_credentials``, 206)."""


class InvalidClientName(InvalidArgument):
    """The client name is not one RDP can carry (``invalid_client_name``, 207)."""


class InvalidLegacyTls(InvalidArgument):
    """The legacy-TLS mode is not a ``LegacyTls`` (``invalid_legacy_tls``, 208)."""


class InvalidTrustPin(InvalidArgument):
    """A certificate pin is not ``sha256:`` and 64 hex digits (``invalid_trust_pin``, 209)."""


class InvalidCaPem(InvalidArgument):
    """A CA PEM holds no certificate that can be read (``invalid_ca_pem``, 210)."""


class InvalidKdc(InvalidArgument):
    """The KDC is not ``HOST``, ``HOST:PORT`` or ``[IPv6]:PORT`` with a port from 1 to 65535
    (``invalid_kdc``, 211)."""


class InvalidMaxConnections(InvalidArgument):
    """The inventory's connection limit is not 1 to 64 (``invalid_max_connections``, 212)."""


class InvalidScanMode(InvalidArgument):
    """The scan mode is not a :class:`~rdp_probe.ScanMode` (``invalid_scan_mode``, 213)."""


class InvalidConcurrency(InvalidArgument):
    """A scan's concurrency is not 1 to 65536 (``invalid_concurrency``, 214)."""


class TooManyTargets(InvalidArgument):
    """A scan's target list holds more targets after dedupe and exclusions than its limit
    (``max_targets``, 65536 by default; ``too_many_targets``, 215): split it, narrow it, or raise
    the limit deliberately."""


class InvalidRate(InvalidArgument):
    """A scan's rate is negative, NaN or infinite (``invalid_rate``, 216)."""


class InvalidShard(InvalidArgument):
    """A scan's shard is not K of N with N at least 1 and K below N (``invalid_shard``, 217)."""


class InvalidMaxTargets(InvalidArgument):
    """A scan's target limit is below 1 (``invalid_max_targets``, 218)."""


class InternalError(RdpProbeError):
    """A bug in rdp-probe or a resource the process lacks (codes 300-399)."""


class PanicError(InternalError):
    """rdp-probe panicked; the panic was caught at the C boundary and the process is unharmed (300)."""


class RuntimeStartError(InternalError):
    """The async runtime that drives the probe could not be started (``runtime``, 301)."""


class ProbeOutcomeError(RdpProbeError):
    """The probe did not produce what was asked for (codes 400-499)."""


class ProbeCancelled(ProbeOutcomeError):
    """The probe was cancelled through its :class:`~rdp_probe.CancelToken`; there is no report (400)."""


class NotPresent(ProbeOutcomeError):
    """The report has no such field for its verdict, or the inventory no such fact
    (``not_present``, 401)."""


# Code -> class. Numbers come from the header (via cffi), not from literals kept here.
_BY_CODE: dict[int, type[RdpProbeError]] = {
    lib.RDP_PROBE_RESULT_INVALID_UTF8: InvalidUtf8,
    lib.RDP_PROBE_RESULT_INVALID_HOST: InvalidHost,
    lib.RDP_PROBE_RESULT_INVALID_PORT: InvalidPort,
    lib.RDP_PROBE_RESULT_INVALID_TIMEOUT: InvalidTimeout,
    lib.RDP_PROBE_RESULT_INVALID_PROTOCOLS: InvalidProtocols,
    lib.RDP_PROBE_RESULT_INVALID_CERT_POLICY: InvalidCertPolicy,
    lib.RDP_PROBE_RESULT_INVALID_CREDENTIALS: InvalidCredentials,
    lib.RDP_PROBE_RESULT_INVALID_LEGACY_TLS: InvalidLegacyTls,
    lib.RDP_PROBE_RESULT_INVALID_TRUST_PIN: InvalidTrustPin,
    lib.RDP_PROBE_RESULT_INVALID_CA_PEM: InvalidCaPem,
    lib.RDP_PROBE_RESULT_INVALID_KDC: InvalidKdc,
    lib.RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS: InvalidMaxConnections,
    lib.RDP_PROBE_RESULT_INVALID_SCAN_MODE: InvalidScanMode,
    lib.RDP_PROBE_RESULT_INVALID_CONCURRENCY: InvalidConcurrency,
    lib.RDP_PROBE_RESULT_TOO_MANY_TARGETS: TooManyTargets,
    lib.RDP_PROBE_RESULT_INVALID_RATE: InvalidRate,
    lib.RDP_PROBE_RESULT_INVALID_SHARD: InvalidShard,
    lib.RDP_PROBE_RESULT_INVALID_MAX_TARGETS: InvalidMaxTargets,
    # Newer than the first C ABI: mapped when the library's header has it.
    **(
        {lib.RDP_PROBE_RESULT_INVALID_CLIENT_NAME: InvalidClientName}
        if hasattr(lib, "RDP_PROBE_RESULT_INVALID_CLIENT_NAME")
        else {}
    ),
    lib.RDP_PROBE_RESULT_PANIC: PanicError,
    lib.RDP_PROBE_RESULT_RUNTIME: RuntimeStartError,
    lib.RDP_PROBE_RESULT_CANCELLED: ProbeCancelled,
    lib.RDP_PROBE_RESULT_NOT_PRESENT: NotPresent,
}

# The kind of a code is its hundred (header: "grouped by kind in hundreds").
_BY_HUNDRED: dict[int, type[RdpProbeError]] = {
    1: MisuseError,
    2: InvalidArgument,
    3: InternalError,
    4: ProbeOutcomeError,
}


def result_message(code: int) -> str:
    """The library's ``"name: message"`` text for any result code (``rdp_probe_result_message``)."""
    needed = ffi.new("size_t *")
    buf = ffi.new("char[]", 256)
    rc = lib.rdp_probe_result_message(code, buf, len(buf), needed)
    if rc == lib.RDP_PROBE_RESULT_BUFFER_TOO_SMALL:
        buf = ffi.new("char[]", needed[0])
        rc = lib.rdp_probe_result_message(code, buf, len(buf), needed)
    if rc != lib.RDP_PROBE_RESULT_OK:
        # Only a panic inside the library could get here; do not recurse.
        return f"unknown: rdp_probe_result {code} (rdp_probe_result_message returned {rc})"
    raw: bytes = ffi.buffer(buf, needed[0] - 1)[:]
    return raw.decode("utf-8", "replace")


def error_for(code: int, context: str | None = None, cls: type[RdpProbeError] | None = None) -> RdpProbeError:
    """The exception for a non-OK result code, with the library's name and message."""
    name, _, message = result_message(code).partition(": ")
    if cls is None:
        cls = _BY_CODE.get(code) or _BY_HUNDRED.get(code // 100, RdpProbeError)
    return cls(code, name, message, context)


def check(code: int, context: str | None = None) -> None:
    """Raises :func:`error_for` ``code`` unless it is ``RDP_PROBE_RESULT_OK``."""
    if code != lib.RDP_PROBE_RESULT_OK:
        raise error_for(code, context)
