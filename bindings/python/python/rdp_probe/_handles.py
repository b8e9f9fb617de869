"""Owned library handles: freed exactly once, never used after they are freed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ._errors import HandleClosed, result_message
from ._native import ffi, lib


class OwnedHandle:
    """A pointer made by the library, with the library's free function attached.

    * The pointer is wrapped with ``ffi.gc``, so it is freed when it is garbage collected if
      :meth:`close` was never called; :meth:`close` frees it at once with ``ffi.release``. cffi
      runs the destructor of a ``gc`` pointer at most once, so it is freed exactly once.
    * :meth:`borrow` hands the pointer out for the length of one call and counts the borrowers: a
      :meth:`close` from another thread while a call runs (e.g. a probe) only marks the handle
      closed, and the last borrower frees it. After close, :meth:`borrow` raises
      :class:`~rdp_probe.HandleClosed` instead of handing out a dangling pointer.
    """

    def __init__(self, ptr: Any, free: Callable[[Any], None], what: str) -> None:
        if ptr == ffi.NULL:
            raise MemoryError(f"the library returned NULL for a new {what}")
        self._ptr: Any = ffi.gc(ptr, free)
        self._what = what
        self._lock = threading.Lock()
        self._borrowers = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        """The live pointer, for the duration of the ``with`` block."""
        with self._lock:
            if self._closed:
                name, _, _ = result_message(lib.RDP_PROBE_RESULT_NULL_PARAMETER).partition(": ")
                raise HandleClosed(
                    lib.RDP_PROBE_RESULT_NULL_PARAMETER,
                    name,
                    f"this {self._what} has been closed and cannot be used any more",
                )
            self._borrowers += 1
            ptr = self._ptr
        try:
            yield ptr
        finally:
            with self._lock:
                self._borrowers -= 1
                release = self._closed and self._borrowers == 0 and self._ptr is not None
                if release:
                    ptr, self._ptr = self._ptr, None
            if release:
                ffi.release(ptr)

    def close(self) -> None:
        """Frees the handle now, or when the last running call that uses it returns. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._borrowers:
                return
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            ffi.release(ptr)
