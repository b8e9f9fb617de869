"""Fleet scans (the CLI's ``rdp-probe scan``): many targets, each host's report as it finishes,
over ``rdp_probe_scan_start`` / ``rdp_probe_scan_next``."""

from __future__ import annotations

import datetime
import enum
import json as _json
import math
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Self

from ._api import CancelToken, Config, _c_string
from ._errors import check, error_for
from ._handles import OwnedHandle
from ._native import ffi, lib

__all__ = ["ScanMode", "ScanReport", "Scan", "scan"]

_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFF_FFFF
_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF

#: Probes in flight at once by default (the CLI's ``--concurrency`` default).
DEFAULT_CONCURRENCY = 256


class ScanMode(enum.IntEnum):
    """What a scan does for each host (``rdp_probe_scan_mode``). Pass as ``mode=``, a member or its
    name (``"diagnose"``, ``"inventory"``, ``"negotiate"``)."""

    #: The full diagnosis (``rdp-probe/1``, as :func:`~rdp_probe.probe`).
    DIAGNOSE = lib.RDP_PROBE_SCAN_MODE_DIAGNOSE
    #: The server inventory (``rdp-probe-inventory/1``, as :func:`~rdp_probe.inventory`).
    INVENTORY = lib.RDP_PROBE_SCAN_MODE_INVENTORY
    #: Only TCP and X.224 of the inventory (reachable, RDP or not, protocols, NLA): the fast sweep.
    NEGOTIATE = lib.RDP_PROBE_SCAN_MODE_NEGOTIATE


@dataclass(frozen=True)
class ScanReport:
    """One host's report from a scan: exactly what the single-host call gives for it.

    Attributes:
        host: the target's host, as the target list gave it (addresses in canonical form).
        port: the target's port.
        schema: ``"rdp-probe/1"`` (a diagnosis: the JSON of :attr:`Report.json
            <rdp_probe.Report.json>`) or ``"rdp-probe-inventory/1"`` (an inventory, also in
            ``negotiate`` mode: the JSON of :attr:`Inventory.json <rdp_probe.Inventory.json>`).
        json: the JSON, one line, exactly as the library wrote it.
        data: ``json`` parsed.
    """

    host: str
    port: int
    schema: str
    json: str = field(repr=False)
    data: dict[str, Any] = field(repr=False, compare=False, hash=False)


def _mode(value: Any) -> int:
    """``mode=`` as the ``uint32_t`` the library judges (an unknown name or number is its
    ``INVALID_SCAN_MODE``)."""
    if isinstance(value, bool):
        raise TypeError("mode must be a ScanMode, its name or an int, not bool")
    if isinstance(value, str):
        try:
            return ScanMode[value.upper()]
        except KeyError:
            raise error_for(lib.RDP_PROBE_RESULT_INVALID_SCAN_MODE, "rdp_probe_scan_start") from None
    try:
        mode = operator.index(value)
    except TypeError:
        raise TypeError(f"mode must be a ScanMode, its name or an int, not {type(value).__name__}") from None
    if not 0 <= mode <= _U32_MAX:
        raise error_for(lib.RDP_PROBE_RESULT_INVALID_SCAN_MODE, "rdp_probe_scan_start")
    return mode


def _lines(value: Any, what: str) -> bytes:
    """``targets=``/``exclude=`` as one C string: a ``str``/``bytes`` text, or an iterable of
    lines."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return _c_string(value, what)
    try:
        lines = list(value)
    except TypeError:
        raise TypeError(f"{what} must be a str or an iterable of str, not {type(value).__name__}") from None
    return b"\n".join(_c_string(line, what) for line in lines)


class Scan:
    """A fleet scan in progress (``rdp_probe_scan``): an iterator of :class:`ScanReport`, one per
    target, as hosts finish (not in the order of the list).

    Made by :func:`scan`. At most ``concurrency`` probes run at once, and probes in flight plus
    reports not yet read never exceed it: while nobody iterates, no new probe starts (the ones in
    flight finish), so memory does not grow with the number of targets.

    Iteration blocks (with the GIL released) until the next host finishes, and ends when every
    target has been probed or after :meth:`stop`. :meth:`close` (or leaving a ``with`` block, or
    garbage collection) ends the scan at once: probes in flight are dropped and the scan's thread
    is joined.

    Attributes:
        skipped: the malformed items of the target and exclusion lists, each with its line and
            why (``'line 2: "10.0.0.0/24:3390": a CIDR block takes no port: ...'``); they were
            left out and the rest scanned.
        target_count: how many targets the scan probes (its shard's share, after dedupe and
            exclusions).
        deadline_passed: ``True`` once iteration has ended because the scan's ``deadline`` passed
            with targets left (those were not probed); ``False`` otherwise.
    """

    skipped: tuple[str, ...]
    target_count: int
    deadline_passed: bool

    def __init__(self, handle: Any) -> None:
        self._handle = OwnedHandle(handle, lib.rdp_probe_scan_free, "Scan")
        self._ended = False
        self.deadline_passed = False
        out_count = ffi.new("size_t *")
        check(lib.rdp_probe_scan_skipped_count(handle, out_count), "rdp_probe_scan_skipped_count")
        self.skipped = tuple(self._skipped_line(handle, i) for i in range(int(out_count[0])))
        out_targets = ffi.new("uint64_t *")
        check(lib.rdp_probe_scan_target_count(handle, out_targets), "rdp_probe_scan_target_count")
        self.target_count = int(out_targets[0])

    @staticmethod
    def _skipped_line(handle: Any, index: int) -> str:
        needed = ffi.new("size_t *")
        rc = lib.rdp_probe_scan_skipped_line(handle, index, ffi.NULL, 0, needed)
        while rc == lib.RDP_PROBE_RESULT_BUFFER_TOO_SMALL:
            buf = ffi.new("char[]", needed[0])
            rc = lib.rdp_probe_scan_skipped_line(handle, index, buf, len(buf), needed)
            if rc == lib.RDP_PROBE_RESULT_OK:
                raw: bytes = ffi.buffer(buf, needed[0] - 1)[:]
                return raw.decode("utf-8")
        check(rc, "rdp_probe_scan_skipped_line")
        return ""

    def __iter__(self) -> Iterator[ScanReport]:
        return self

    def __next__(self) -> ScanReport:
        if self._ended:
            raise StopIteration
        with self._handle.borrow() as handle:
            text = self._next_json(handle)
        if text is None:
            self._ended = True
            self.close()
            raise StopIteration
        data: dict[str, Any] = _json.loads(text)
        target = data.get("target") or {}
        return ScanReport(
            host=str(target.get("host")),
            port=int(target.get("port") or 0),
            schema=str(data.get("schema")),
            json=text,
            data=data,
        )

    def _next_json(self, handle: Any) -> str | None:
        """The next report's JSON, or ``None`` when the scan is over; raises for how else it ended."""
        needed = ffi.new("size_t *")
        # 4 KiB fits most reports; a bigger one stays in the library until a buffer takes it.
        buf = ffi.new("char[]", 4096)
        rc = lib.rdp_probe_scan_next(handle, buf, len(buf), needed)
        while rc == lib.RDP_PROBE_RESULT_BUFFER_TOO_SMALL:
            buf = ffi.new("char[]", needed[0])
            rc = lib.rdp_probe_scan_next(handle, buf, len(buf), needed)
        if rc == lib.RDP_PROBE_RESULT_OK:
            raw: bytes = ffi.buffer(buf, needed[0] - 1)[:]
            return raw.decode("utf-8")
        if rc == lib.RDP_PROBE_RESULT_SCAN_DONE:
            return None
        if rc == lib.RDP_PROBE_RESULT_SCAN_DEADLINE:
            self.deadline_passed = True
            return None
        self._ended = True
        raise error_for(rc, "rdp_probe_scan_next")

    def stop(self) -> None:
        """Starts no new probe; the ones in flight finish and iteration yields them, then ends.
        Thread-safe: may be called while another thread iterates. Does nothing once closed."""
        if self._handle.closed:
            return
        with self._handle.borrow() as handle:
            check(lib.rdp_probe_scan_stop(handle), "rdp_probe_scan_stop")

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called (or the scan has ended)."""
        return self._handle.closed

    def close(self) -> None:
        """Ends the scan now: drops the probes in flight and the reports not read, and joins the
        scan's thread. Idempotent. From another thread while one iterates, the scan is stopped
        first, and freed when that iteration returns."""
        if not self._handle.closed:
            try:
                self.stop()
            except Exception:  # noqa: BLE001 - closing must not fail
                pass
        self._ended = True
        self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<rdp_probe.Scan {self.target_count} targets{state}>"


def scan(
    targets: str | bytes | Iterable[str | bytes],
    *,
    port: int = 3389,
    mode: ScanMode | str | int = ScanMode.DIAGNOSE,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float | datetime.timedelta | None = None,
    exclude: str | bytes | Iterable[str | bytes] | None = None,
    config: Config | None = None,
    cancel: CancelToken | None = None,
    rate: float | None = None,
    deadline: float | datetime.timedelta | None = None,
    shard: tuple[int, int] | str | None = None,
    max_targets: int | None = None,
) -> Scan:
    """Starts a fleet scan and returns it: a :class:`Scan`, an iterator of :class:`ScanReport`
    (each host's single-host JSON, parsed) as hosts finish.

    Args:
        targets: the CLI's target grammar (``rdp-probe scan``): a text, or an iterable of lines;
            each line holds one or more items separated by whitespace or commas, ``#`` starts a
            comment. Items are host names and IPv4/IPv6 addresses, each with an optional ``:port``
            (``[v6]:port``), CIDR blocks (``10.0.0.0/24``) and last-octet ranges
            (``10.0.0.10-20``). Duplicates are probed once. A malformed item is skipped
            (:attr:`Scan.skipped` says why) and the rest scanned.
        port: the port of items without one.
        mode: a :class:`ScanMode` or its name: ``"diagnose"`` (the default), ``"inventory"`` or
            ``"negotiate"``; anything else raises :class:`~rdp_probe.InvalidScanMode`.
        concurrency: the most probes at once, 1 to 65536 (256 by default); anything else raises
            :class:`~rdp_probe.InvalidConcurrency`. An inventory opens up to 8 connections of its
            own: keep ``concurrency`` times that below the open-file limit.
        timeout: seconds for each connect and phase of each probe, three times that each probe
            (the CLI's ``--timeout``); ``None`` keeps the library's defaults.
        exclude: targets to leave out, before anything is sent (same grammar; an item without a
            port is left out on every port).
        config: a :class:`~rdp_probe.Config` whose settings every probe takes (credentials and
            trust, protocols, KDC... for ``diagnose``; timeouts, legacy TLS, connection limit and
            cipher suites for ``inventory`` and ``negotiate``); its host and port are not used.
            Give either ``config`` or ``timeout``.
        cancel: a :class:`~rdp_probe.CancelToken`: cancelling it drops the probes in flight; the
            iteration yields the reports already finished, then raises
            :class:`~rdp_probe.ProbeCancelled`.
        rate: the most new probes per second (the CLI's ``--rate``), evenly spaced; ``None`` or 0
            for no limit beyond ``concurrency``.
        deadline: seconds (``float`` or ``timedelta``, above 0) after which no probe starts (the
            CLI's ``--deadline``); the ones in flight finish, iteration ends and
            :attr:`Scan.deadline_passed` says whether targets were left.
        shard: probe only shard ``(k, n)`` (or ``"k/n"``, from 0) of the list, as the CLI's
            ``--shard``: the ``i``-th target belongs to shard ``i % n``, so ``n`` processes with the
            same list and each its own ``k`` probe every target exactly once between them.
        max_targets: the most targets the list may hold after dedupe and exclusions, before
            sharding (65536 by default): raise it deliberately for large blocks.

    Raises:
        InvalidScanMode, InvalidConcurrency, InvalidPort, InvalidUtf8, InvalidRate,
        InvalidShard, InvalidMaxTargets: a bad argument.
        TooManyTargets: more than ``max_targets`` targets after dedupe and exclusions.
        ProbeCancelled: ``cancel`` was already cancelled.

    Example::

        with rdp_probe.scan("10.0.0.0/24", mode="negotiate", concurrency=64, timeout=2) as reports:
            for r in reports:
                if r.data["error"] is None:
                    print(r.host, r.data["nla"])
    """
    text = _lines(targets, "targets")
    exclude_c = None if exclude is None else _lines(exclude, "exclude")
    mode_value = _mode(mode)
    try:
        port_value = operator.index(port)
    except TypeError:
        raise TypeError(f"port must be an int, not {type(port).__name__}") from None
    if isinstance(port, bool) or not 0 <= port_value <= _U16_MAX:
        raise error_for(lib.RDP_PROBE_RESULT_INVALID_PORT, "rdp_probe_scan_start")
    if isinstance(concurrency, bool):
        raise TypeError("concurrency must be an int, not bool")
    try:
        limit = operator.index(concurrency)
    except TypeError:
        raise TypeError(f"concurrency must be an int, not {type(concurrency).__name__}") from None
    if not 0 <= limit <= _U32_MAX:
        raise error_for(lib.RDP_PROBE_RESULT_INVALID_CONCURRENCY, "rdp_probe_scan_start")
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"config must be a Config or None, not {type(config).__name__}")
    if config is not None and timeout is not None:
        raise TypeError("give either config or timeout (set the timeout on the Config)")
    if cancel is not None and not isinstance(cancel, CancelToken):
        raise TypeError(f"cancel must be a CancelToken or None, not {type(cancel).__name__}")

    options = _ScanOptions(rate, deadline, shard, max_targets)

    own = None
    if config is None and timeout is not None:
        # A scan does not use the config's target; the config needs one all the same.
        own = config = Config("localhost", timeout=timeout)
    try:
        out_scan = ffi.new("rdp_probe_scan **")
        exclude_arg = ffi.NULL if exclude_c is None else exclude_c

        def start(config_ptr: Any, token: Any) -> None:
            check(
                lib.rdp_probe_scan_start(
                    config_ptr,
                    text,
                    exclude_arg,
                    port_value,
                    mode_value,
                    limit,
                    options.pointer,
                    token,
                    out_scan,
                ),
                "rdp_probe_scan_start",
            )

        if config is None:
            if cancel is None:
                start(ffi.NULL, ffi.NULL)
            else:
                with cancel._handle.borrow() as token:
                    start(ffi.NULL, token)
        else:
            with config._handle.borrow() as config_ptr:
                if cancel is None:
                    start(config_ptr, ffi.NULL)
                else:
                    with cancel._handle.borrow() as token:
                        start(config_ptr, token)
    finally:
        # The scan holds its own reference to the config, and its own copy of the options.
        options.close()
        if own is not None:
            own.close()
    return Scan(out_scan[0])


def _u64(value: Any, what: str, code: int) -> int:
    """An ``int`` argument as a ``uint64_t``; outside that range it is the library's ``code``."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if not 0 <= number <= _U64_MAX:
        raise error_for(code, "rdp_probe_scan_options")
    return number


class _ScanOptions:
    """``rdp_probe_scan_options`` for one :func:`scan` call: made, set and freed around the start
    (the library copies them). ``pointer`` is ``NULL`` when every option keeps its default."""

    def __init__(
        self,
        rate: float | None,
        deadline: float | datetime.timedelta | None,
        shard: tuple[int, int] | str | None,
        max_targets: int | None,
    ) -> None:
        self.pointer: Any = ffi.NULL
        if rate is None and deadline is None and shard is None and max_targets is None:
            return
        settings: list[Callable[[Any], int]] = []
        if rate is not None:
            if isinstance(rate, bool):
                raise TypeError("rate must be a number of probes per second, not bool")
            try:
                per_second = float(rate)
            except (TypeError, ValueError):
                raise TypeError(f"rate must be a number of probes per second, not {rate!r}") from None
            settings.append(lambda p: lib.rdp_probe_scan_options_set_rate(p, per_second))
        if deadline is not None:
            ms = _deadline_ms(deadline)
            settings.append(lambda p: lib.rdp_probe_scan_options_set_deadline_ms(p, ms))
        if shard is not None:
            k, n = _shard(shard)
            settings.append(lambda p: lib.rdp_probe_scan_options_set_shard(p, k, n))
        if max_targets is not None:
            most = _u64(max_targets, "max_targets", lib.RDP_PROBE_RESULT_INVALID_MAX_TARGETS)
            settings.append(lambda p: lib.rdp_probe_scan_options_set_max_targets(p, most))
        pointer = lib.rdp_probe_scan_options_new()
        if pointer == ffi.NULL:
            raise error_for(lib.RDP_PROBE_RESULT_PANIC, "rdp_probe_scan_options_new")
        self.pointer = pointer
        try:
            for setting in settings:
                check(setting(pointer), "rdp_probe_scan_options")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.pointer != ffi.NULL:
            lib.rdp_probe_scan_options_free(self.pointer)
            self.pointer = ffi.NULL


def _deadline_ms(deadline: float | datetime.timedelta) -> int:
    """``deadline=`` in milliseconds, at least 1 (0 would mean "no deadline" to the library)."""
    if isinstance(deadline, datetime.timedelta):
        seconds = deadline.total_seconds()
    elif isinstance(deadline, bool):
        raise TypeError("deadline must be a number of seconds, not bool")
    else:
        try:
            seconds = float(deadline)
        except (TypeError, ValueError):
            raise TypeError(f"deadline must be a number of seconds, not {deadline!r}") from None
    if math.isnan(seconds) or seconds <= 0:
        raise ValueError(f"deadline must be a number of seconds above 0, not {deadline!r}")
    if math.isinf(seconds) or seconds * 1000 > _U64_MAX:
        raise ValueError("deadline is too far: give None for no deadline")
    return max(1, round(seconds * 1000))


def _shard(shard: tuple[int, int] | str) -> tuple[int, int]:
    """``shard=`` as ``(k, n)``; what is not two numbers in range is ``INVALID_SHARD``."""
    if isinstance(shard, str):
        k_text, sep, n_text = shard.partition("/")
        if not sep or not k_text.strip().isdigit() or not n_text.strip().isdigit():
            raise error_for(lib.RDP_PROBE_RESULT_INVALID_SHARD, "rdp_probe_scan_options_set_shard")
        return int(k_text), int(n_text)
    try:
        k, n = shard
    except (TypeError, ValueError):
        raise TypeError(f"shard must be (k, n) or 'k/n', not {shard!r}") from None
    code = lib.RDP_PROBE_RESULT_INVALID_SHARD
    return _u64(k, "shard", code), _u64(n, "shard", code)
