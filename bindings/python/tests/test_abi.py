"""The binding against the C ABI itself: declarations, result codes, the panic boundary."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import cffi
import pytest

import rdp_probe
from rdp_probe._native import ffi, lib

from conftest import REPO

HEADER = REPO / "rdp-probe-ffi" / "include" / "rdp_probe.h"


def _cdef_text(header: str) -> str:
    """The checked-in header as a C compiler without C23 or C++ would see it, for ``cffi.cdef``.

    Only this header's own directives are handled: include guards and ``#include`` are dropped,
    ``__cplusplus`` is not defined and ``__STDC_VERSION__`` is below 202311L (so each enum is
    a plain enum plus ``typedef uint32_t``).
    """
    out: list[str] = []
    stack: list[bool] = []  # whether each open #if branch is live

    def live() -> bool:
        return all(stack)

    for line in header.splitlines():
        directive = line.strip()
        if directive.startswith("#"):
            word, _, cond = directive[1:].strip().partition(" ")
            if word in ("if", "ifdef"):
                stack.append(False if ("__cplusplus" in cond or "__STDC_VERSION__" in cond) else True)
            elif word == "ifndef":
                stack.append(True)
            elif word == "else":
                stack[-1] = not stack[-1]
            elif word == "endif":
                stack.pop()
            elif word not in ("define", "include"):
                raise AssertionError(f"unexpected directive in the header: {line}")
            continue
        if live():
            out.append(line)
    assert not stack, "unbalanced #if in the header"
    return "\n".join(out)


def _header() -> str:
    assert HEADER.is_file(), f"{HEADER} is missing"
    return HEADER.read_text()


def test_every_function_of_the_checked_in_header_has_the_same_signature() -> None:
    text = _header()
    real = cffi.FFI()
    real.cdef(_cdef_text(text))
    native_dir = Path(rdp_probe._native.__file__).parent
    (library,) = native_dir.glob("lib*.so")
    real_lib = real.dlopen(str(library))
    names = sorted(set(re.findall(r"\b(rdp_probe_\w+)\(", text)))
    assert len(names) >= 30, names
    for name in names:
        assert hasattr(lib, name), f"{name} is in rdp_probe.h but not in the generated cffi module"
        # Opaque types are spelled `struct x` or `x` depending on cbindgen's style: same ABI.
        generated = ffi.typeof(getattr(lib, name)).cname.replace("struct ", "")
        assert generated == real.typeof(getattr(real_lib, name)).cname.replace("struct ", ""), name


def test_every_constant_of_the_checked_in_header_has_the_same_value() -> None:
    constants = re.findall(r"^\s*(RDP_PROBE_\w+) = (\d+),", _header(), re.MULTILINE)
    assert len(constants) >= 20, constants
    for name, value in constants:
        assert getattr(lib, name) == int(value), name


def test_version_names_the_library_and_its_stack() -> None:
    v = rdp_probe.version()
    assert v.startswith("rdp-probe-ffi "), v
    assert "ironrdp-connector" in v
    # The wheel is built with the default features: the legacy-TLS stack is OpenSSL, vendored.
    assert "legacy TLS: OpenSSL" in v, v


def test_legacy_tls_modes_are_the_headers() -> None:
    assert rdp_probe.LegacyTls.OFF == lib.RDP_PROBE_LEGACY_TLS_OFF == 0
    assert rdp_probe.LegacyTls.FOLLOW == lib.RDP_PROBE_LEGACY_TLS_FOLLOW == 1
    assert rdp_probe.LegacyTls.ALLOW == lib.RDP_PROBE_LEGACY_TLS_ALLOW == 2
    assert rdp_probe.result_message(lib.RDP_PROBE_RESULT_INVALID_LEGACY_TLS).startswith(
        "invalid_legacy_tls: "
    )


def test_result_message_is_the_library_text() -> None:
    assert rdp_probe.result_message(0) == "ok: success"
    assert rdp_probe.result_message(200).startswith("invalid_utf8: ")
    assert rdp_probe.result_message(9999) == "unknown: rdp_probe_result 9999"


def test_selftest_panic_is_caught_and_the_process_goes_on() -> None:
    for _ in range(3):
        with pytest.raises(rdp_probe.PanicError) as info:
            rdp_probe.selftest_panic()
        assert info.value.code == lib.RDP_PROBE_RESULT_PANIC == 300
        assert info.value.name == "panic"
        assert isinstance(info.value, rdp_probe.InternalError)
        assert isinstance(info.value, rdp_probe.RdpProbeError)
    # Still usable afterwards.
    assert rdp_probe.version()
    with rdp_probe.Config("127.0.0.1", 1) as config:
        assert not config.closed


def test_selftest_panic_prints_nothing_and_does_not_abort() -> None:
    code = (
        "import rdp_probe\n"
        "try:\n"
        "    rdp_probe.selftest_panic()\n"
        "except rdp_probe.PanicError as e:\n"
        "    print(e.code)\n"
        "print('alive')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done
    assert done.stdout == "300\nalive\n"
    assert done.stderr == ""


def test_unknown_codes_map_to_their_hundred() -> None:
    from rdp_probe._errors import error_for

    assert type(error_for(199)) is rdp_probe.MisuseError
    assert type(error_for(299)) is rdp_probe.InvalidArgument
    assert type(error_for(399)) is rdp_probe.InternalError
    assert type(error_for(499)) is rdp_probe.ProbeOutcomeError
    assert type(error_for(400)) is rdp_probe.ProbeCancelled
    assert error_for(299).name == "unknown"


def test_the_package_exports_every_exception_and_nothing_it_lacks() -> None:
    exported = set(rdp_probe.__all__)
    assert len(exported) == len(rdp_probe.__all__), "a name is listed twice"
    assert {"probe", "Report", "RdpProbeError", "ProbeCancelled", "NotPresent"} <= exported
    for name in rdp_probe.__all__:
        assert hasattr(rdp_probe, name), name
    errors = {
        name
        for name, value in vars(rdp_probe).items()
        if isinstance(value, type) and issubclass(value, rdp_probe.RdpProbeError)
    }
    assert errors <= exported
