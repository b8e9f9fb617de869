"""The report of one probe, read out of the library's report handle into frozen dataclasses."""

from __future__ import annotations

import enum
import json as _json
from dataclasses import dataclass, field
from typing import Any, Callable

from ._errors import check, error_for
from ._native import ffi, lib

__all__ = ["Verdict", "Code", "Mstsc", "Failure", "Stop", "Trust", "Report"]


class Verdict(enum.Enum):
    """The overall answer of a probe (``verdict`` in the JSON report)."""

    #: The whole connection sequence completed, or the server redirected the client.
    CONNECTED = "connected"
    #: The connection failed: :attr:`Report.failure` says where and why.
    FAILED = "failed"
    #: The server requires Network Level Authentication and no credentials were given.
    NEEDS_CREDENTIALS = "needs_credentials"
    #: The probe met something it does not implement; not a server fault.
    INCONCLUSIVE = "inconclusive"
    #: The probe had credentials but sent nothing derived from the password: nothing vouched for
    #: the server's identity. :attr:`Report.trust` has the fingerprint to pin (``trust_pins=``).
    CREDENTIALS_WITHHELD = "credentials_withheld"


# The C enum's numbers, from the header through cffi.
_VERDICTS: dict[int, Verdict] = {
    lib.RDP_PROBE_VERDICT_CONNECTED: Verdict.CONNECTED,
    lib.RDP_PROBE_VERDICT_FAILED: Verdict.FAILED,
    lib.RDP_PROBE_VERDICT_NEEDS_CREDENTIALS: Verdict.NEEDS_CREDENTIALS,
    lib.RDP_PROBE_VERDICT_INCONCLUSIVE: Verdict.INCONCLUSIVE,
    lib.RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD: Verdict.CREDENTIALS_WITHHELD,
}


@dataclass(frozen=True)
class Code:
    """The server's own code for a failure (or rdp-probe's numbering where the server sends none).

    Attributes:
        space: the code space, e.g. ``"ntstatus"``, ``"errinfo"``, ``"timeout"``.
        value: the number, e.g. ``0xC000006D``.
        name: its name, e.g. ``"STATUS_LOGON_FAILURE"`` (``"UNKNOWN_..."`` for unknown values).
    """

    space: str
    value: int
    name: str


@dataclass(frozen=True)
class Mstsc:
    """What the Windows client (mstsc) would show for this failure.

    Attributes:
        disconnect_reason: the disconnect reason, e.g. ``0x904``.
        extended_reason: the extended disconnect reason, e.g. ``0x7``.
        derived: ``True`` when rdp-probe derived the pair rather than read it from documentation.
        text: what the Windows client would say for the pair.
    """

    disconnect_reason: int
    extended_reason: int
    derived: bool
    text: str


@dataclass(frozen=True)
class Failure:
    """Where and why a probe with the verdict ``failed`` failed.

    Attributes:
        phase: the phase it failed in (``"x224"``, ``"tls"``, ``"credssp"``, ``"licensing"``...).
        kind: the stable snake_case failure kind (``"timeout"``, ``"server_error_info"``...).
        code: the server's code (:class:`Code`).
        message: a one-line description.
        hint: what to check or do.
        mstsc: the pair the Windows client would show (:class:`Mstsc`), if the library has one.
    """

    phase: str
    kind: str
    code: Code
    message: str
    hint: str
    mstsc: Mstsc | None


@dataclass(frozen=True)
class Stop:
    """Why a probe with the verdict ``needs_credentials``, ``inconclusive`` or
    ``credentials_withheld`` stopped.

    Attributes:
        phase: the phase it stopped in (e.g. ``"credssp"``).
        reason: the stable stop reason (e.g. ``"nla_requires_credentials"``,
            ``"credentials_withheld"``).
        message: a one-line description.
        hint: what to check or do.
    """

    phase: str
    reason: str
    message: str
    hint: str


@dataclass(frozen=True)
class Trust:
    """Whether the server was trusted with the credentials (``trust`` in the JSON report); only a
    probe with credentials has it.

    Attributes:
        decision: what decided: ``"chain_valid"`` (the certificate chain is valid for the host
            against the system roots and ``ca_pem=``/``ca_file=``), ``"pinned"`` (``trust_pins=``),
            ``"any"`` (``trust_any=True``) or ``"withheld"`` (nothing vouched for the server).
            (``"confirmed"``, a user's yes, is the CLI's; the library never asks.)
        sha256: the SHA-256 of the server's certificate, 64 lowercase hex digits; ``None`` under
            Standard RDP Security, which has no such certificate.
        chain_problem: why the chain did not vouch for the server, when it did not.
    """

    decision: str
    sha256: str | None
    chain_problem: str | None

    @property
    def pin(self) -> str | None:
        """``sha256`` as ``trust_pins=`` takes it (``"sha256:HEX"``), or ``None``."""
        return None if self.sha256 is None else f"sha256:{self.sha256}"


@dataclass(frozen=True)
class Report:
    """The result of one probe.

    ``verdict``, ``failure`` and ``stop`` are read through the library's accessor functions;
    ``json`` is exactly the text ``rdp_probe_report_json`` wrote (schema ``rdp-probe/1``, one line,
    no trailing newline) and ``data`` is that text parsed, for every other fact (target, phases,
    server facts...).

    Attributes:
        verdict: the overall answer.
        failure: for ``failed``: where and why; otherwise ``None``.
        stop: for ``needs_credentials``, ``inconclusive`` and ``credentials_withheld``: where and
            why; otherwise ``None``.
        outcome: for ``connected``: ``"connected"`` (the connection sequence completed) or
            ``"redirected"`` (the server redirected the client); otherwise ``None``.
        json: the JSON report, as the library wrote it.
        data: ``json`` parsed.
        trust: for a probe with credentials, whether the server was trusted with them
            (:class:`Trust`); ``None`` without credentials or when the probe ended before the
            server's identity was known.
    """

    verdict: Verdict
    failure: Failure | None
    stop: Stop | None
    outcome: str | None
    json: str = field(repr=False)
    data: dict[str, Any] = field(repr=False, compare=False, hash=False)
    trust: Trust | None = None

    @property
    def connected(self) -> bool:
        """Whether the verdict is ``connected``."""
        return self.verdict is Verdict.CONNECTED

    @property
    def phase(self) -> str | None:
        """The phase of the failure or stop; ``None`` for ``connected``."""
        if self.failure is not None:
            return self.failure.phase
        return self.stop.phase if self.stop is not None else None

    @property
    def message(self) -> str | None:
        """The message of the failure or stop; ``None`` for ``connected``."""
        if self.failure is not None:
            return self.failure.message
        return self.stop.message if self.stop is not None else None

    @property
    def hint(self) -> str | None:
        """The hint of the failure or stop; ``None`` for ``connected``."""
        if self.failure is not None:
            return self.failure.hint
        return self.stop.hint if self.stop is not None else None


_StringGetter = Callable[[Any, Any, int, Any], int]


def _read_bytes(get: _StringGetter, report: Any, what: str) -> bytes | None:
    """One string output of the report (the buffer convention), or ``None`` if NOT_PRESENT."""
    needed = ffi.new("size_t *")
    rc = get(report, ffi.NULL, 0, needed)
    while True:
        if rc == lib.RDP_PROBE_RESULT_NOT_PRESENT:
            return None
        if rc == lib.RDP_PROBE_RESULT_OK:
            # Only possible for the size query if the library wrote nothing: an empty string.
            return b""
        if rc != lib.RDP_PROBE_RESULT_BUFFER_TOO_SMALL:
            raise error_for(rc, what)
        size = needed[0]
        buf = ffi.new("char[]", size)
        rc = get(report, buf, size, needed)
        if rc == lib.RDP_PROBE_RESULT_OK:
            data: bytes = ffi.buffer(buf, needed[0] - 1)[:]
            return data


def _read_str(get: _StringGetter, report: Any, what: str) -> str | None:
    raw = _read_bytes(get, report, what)
    return None if raw is None else raw.decode("utf-8")


def _require(value: str | None, what: str) -> str:
    if value is None:
        raise error_for(lib.RDP_PROBE_RESULT_NOT_PRESENT, what)
    return value


def read_report(report: Any) -> Report:
    """Reads every field out of a live ``rdp_probe_report *`` (the caller frees it)."""
    out_verdict = ffi.new("rdp_probe_verdict *")
    check(lib.rdp_probe_report_verdict(report, out_verdict), "rdp_probe_report_verdict")
    try:
        verdict = _VERDICTS[out_verdict[0]]
    except KeyError:
        raise RuntimeError(
            f"rdp_probe_report_verdict gave {out_verdict[0]}, a verdict this binding does not know"
        ) from None

    raw_json = _read_bytes(lib.rdp_probe_report_json, report, "rdp_probe_report_json")
    text = _require(None if raw_json is None else raw_json.decode("utf-8"), "rdp_probe_report_json")

    failure: Failure | None = None
    stop: Stop | None = None
    if verdict is not Verdict.CONNECTED:
        phase = _require(_read_str(lib.rdp_probe_report_phase, report, "phase"), "phase")
        kind = _require(_read_str(lib.rdp_probe_report_kind, report, "kind"), "kind")
        message = _require(_read_str(lib.rdp_probe_report_message, report, "message"), "message")
        hint = _require(_read_str(lib.rdp_probe_report_hint, report, "hint"), "hint")
        if verdict is Verdict.FAILED:
            out_value = ffi.new("uint32_t *")
            check(lib.rdp_probe_report_code_value(report, out_value), "rdp_probe_report_code_value")
            code = Code(
                space=_require(
                    _read_str(lib.rdp_probe_report_code_space, report, "code_space"), "code_space"
                ),
                value=int(out_value[0]),
                name=_require(
                    _read_str(lib.rdp_probe_report_code_name, report, "code_name"), "code_name"
                ),
            )
            mstsc: Mstsc | None = None
            disconnect = ffi.new("uint32_t *")
            extended = ffi.new("uint32_t *")
            derived = ffi.new("bool *")
            rc = lib.rdp_probe_report_mstsc(report, disconnect, extended, derived)
            if rc == lib.RDP_PROBE_RESULT_OK:
                mstsc = Mstsc(
                    disconnect_reason=int(disconnect[0]),
                    extended_reason=int(extended[0]),
                    derived=bool(derived[0]),
                    text=_require(
                        _read_str(lib.rdp_probe_report_mstsc_text, report, "mstsc_text"),
                        "mstsc_text",
                    ),
                )
            elif rc != lib.RDP_PROBE_RESULT_NOT_PRESENT:
                raise error_for(rc, "rdp_probe_report_mstsc")
            failure = Failure(phase, kind, code, message, hint, mstsc)
        else:
            stop = Stop(phase=phase, reason=kind, message=message, hint=hint)

    data = _json.loads(text)
    if hasattr(lib, "rdp_probe_report_outcome"):
        outcome = _read_str(lib.rdp_probe_report_outcome, report, "outcome")
    else:
        # A library from before rdp_probe_report_outcome: the JSON is the only place it is.
        outcome = data.get("outcome")

    trust: Trust | None = None
    decision = _read_str(lib.rdp_probe_report_trust_decision, report, "trust_decision")
    if decision is not None:
        trust = Trust(
            decision=decision,
            sha256=_read_str(lib.rdp_probe_report_trust_sha256, report, "trust_sha256"),
            # Not an accessor of its own: the words of the verifier, as the JSON has them.
            chain_problem=(data.get("trust") or {}).get("chain_problem"),
        )

    return Report(
        verdict=verdict,
        failure=failure,
        stop=stop,
        outcome=outcome,
        json=text,
        data=data,
        trust=trust,
    )
