"""The server inventory (``rdp-probe-inventory/1``), read out of the library's inventory handle into
frozen dataclasses."""

from __future__ import annotations

import enum
import json as _json
from dataclasses import dataclass, field
from typing import Any

from ._errors import check
from ._native import ffi, lib
from ._report import _read_str, _require

__all__ = ["Nla", "Finding", "Inventory"]


class Nla(enum.Enum):
    """Whether the server requires Network Level Authentication (``nla`` in the JSON)."""

    #: Every request without CredSSP was refused, and CredSSP was selected.
    REQUIRED = "required"
    #: CredSSP was selected, and so was a protocol without it.
    SUPPORTED = "supported"
    #: No request with CredSSP had it selected.
    NOT_SUPPORTED = "not_supported"
    #: The answers do not decide it (silence, resets, another protocol, or the server was not
    #: reached).
    UNKNOWN = "unknown"


# The C enum's numbers, from the header through cffi.
_NLA: dict[int, Nla] = {
    lib.RDP_PROBE_NLA_REQUIRED: Nla.REQUIRED,
    lib.RDP_PROBE_NLA_SUPPORTED: Nla.SUPPORTED,
    lib.RDP_PROBE_NLA_NOT_SUPPORTED: Nla.NOT_SUPPORTED,
    lib.RDP_PROBE_NLA_UNKNOWN: Nla.UNKNOWN,
}


@dataclass(frozen=True)
class Finding:
    """One finding of an inventory (its message, evidence and hint are in :attr:`Inventory.data`).

    Attributes:
        id: the stable UPPER_SNAKE identifier, e.g. ``"CREDSSP_ORACLE_UNPATCHED"``.
        severity: ``"info"``, ``"low"``, ``"medium"`` or ``"high"``.
    """

    id: str
    severity: str


@dataclass(frozen=True)
class Inventory:
    """What a server accepts and which clients it refuses, learned without credentials.

    ``reachable``, ``error``, ``nla``, ``credssp_version`` and ``findings`` are read through the
    library's accessor functions; ``json`` is exactly the text ``rdp_probe_inventory_json`` wrote
    (schema ``rdp-probe-inventory/1``, one line, no trailing newline) and ``data`` is that text
    parsed, for every other fact (protocols, TLS versions and suites, Standard RDP Security, NTLM,
    client profiles...).

    Attributes:
        reachable: whether the target was reached (the name resolved and a TCP connection was
            accepted); when not, ``error`` says why and nothing else was learned.
        error: why the inventory could not be taken, or ``None``.
        nla: whether the server requires Network Level Authentication (:class:`Nla`).
        credssp_version: the ``version`` of the server's first TSRequest (below 5: before the
            CVE-2018-0886 fix); ``None`` when CredSSP was not reached.
        findings: what deserves attention, most severe first (:class:`Finding`).
        json: the JSON inventory, as the library wrote it.
        data: ``json`` parsed.
    """

    reachable: bool
    error: str | None
    nla: Nla
    credssp_version: int | None
    findings: tuple[Finding, ...]
    json: str = field(repr=False)
    data: dict[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def finding_ids(self) -> tuple[str, ...]:
        """The identifiers of :attr:`findings`, in order."""
        return tuple(f.id for f in self.findings)


def _finding_str(function: Any, inventory: Any, index: int, what: str) -> str:
    def get(handle: Any, buf: Any, size: int, needed: Any) -> int:
        rc: int = function(handle, index, buf, size, needed)
        return rc

    return _require(_read_str(get, inventory, what), what)


def read_inventory(inventory: Any) -> Inventory:
    """Reads every field out of a live ``rdp_probe_inventory *`` (the caller frees it)."""
    out_reachable = ffi.new("bool *")
    check(lib.rdp_probe_inventory_reachable(inventory, out_reachable), "rdp_probe_inventory_reachable")
    error = _read_str(lib.rdp_probe_inventory_error_message, inventory, "rdp_probe_inventory_error_message")

    out_nla = ffi.new("rdp_probe_nla *")
    check(lib.rdp_probe_inventory_nla(inventory, out_nla), "rdp_probe_inventory_nla")
    try:
        nla = _NLA[out_nla[0]]
    except KeyError:
        raise RuntimeError(
            f"rdp_probe_inventory_nla gave {out_nla[0]}, a value this binding does not know"
        ) from None

    out_version = ffi.new("uint32_t *")
    rc = lib.rdp_probe_inventory_credssp_version(inventory, out_version)
    credssp_version: int | None = None
    if rc == lib.RDP_PROBE_RESULT_OK:
        credssp_version = int(out_version[0])
    elif rc != lib.RDP_PROBE_RESULT_NOT_PRESENT:
        check(rc, "rdp_probe_inventory_credssp_version")

    out_count = ffi.new("size_t *")
    check(lib.rdp_probe_inventory_finding_count(inventory, out_count), "rdp_probe_inventory_finding_count")
    findings = tuple(
        Finding(
            id=_finding_str(lib.rdp_probe_inventory_finding_id, inventory, i, "rdp_probe_inventory_finding_id"),
            severity=_finding_str(
                lib.rdp_probe_inventory_finding_severity, inventory, i, "rdp_probe_inventory_finding_severity"
            ),
        )
        for i in range(int(out_count[0]))
    )

    text = _require(
        _read_str(lib.rdp_probe_inventory_json, inventory, "rdp_probe_inventory_json"),
        "rdp_probe_inventory_json",
    )
    return Inventory(
        reachable=bool(out_reachable[0]),
        error=error,
        nla=nla,
        credssp_version=credssp_version,
        findings=findings,
        json=text,
        data=_json.loads(text),
    )
