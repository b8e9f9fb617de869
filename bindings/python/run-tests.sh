#!/usr/bin/env bash
# Builds and tests the Python binding (bindings/python), as CI runs it.
#
#   RDP_PROBE_LAB=/path/to/rdp-probe-lab bash bindings/python/run-tests.sh [PYTEST ARGS...]
#
# On Debian 12 with CPython 3.11, pip and cargo: makes (or reuses) a venv under ${TMPDIR:-/tmp},
# installs pytest and the package from bindings/python (pip runs maturin, which builds the
# rdp-probe-ffi cdylib with cargo and the cffi declarations from its header), then runs pytest.
# Exits non-zero when anything fails.
#
# Environment:
#   RDP_PROBE_LAB          the rdp-probe-lab binary (required; the tests start lab servers on loopback)
#   CARGO_TARGET_DIR       where cargo builds; kept if set, else ${TMPDIR:-/tmp}/rdp-probe-python-target
#                          (outside the checkout, so a re-run, even from a fresh clone, rebuilds little)
#   RDP_PROBE_PYTHON       the interpreter for the venv (default: python3)
#   RDP_PROBE_VENV         the venv (default: ${TMPDIR:-/tmp}/rdp-probe-venv); scripts/test-bindings.sh
#                          runs examples/python/probe.py with its python afterwards
# Needs network access to PyPI (pytest, maturin, cffi) and crates.io (cargo) unless both are cached.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=${TMPDIR:-/tmp}

say() { printf 'python-binding: %s\n' "$*"; }
run() { printf '+ %s\n' "$*"; "$@"; }

if [ -z "${RDP_PROBE_LAB:-}" ]; then
  say "set RDP_PROBE_LAB to the rdp-probe-lab binary" >&2
  exit 2
fi
if [ ! -x "$RDP_PROBE_LAB" ]; then
  say "RDP_PROBE_LAB=$RDP_PROBE_LAB is not an executable file" >&2
  exit 2
fi
RDP_PROBE_LAB=$(cd "$(dirname "$RDP_PROBE_LAB")" && pwd)/$(basename "$RDP_PROBE_LAB")
export RDP_PROBE_LAB

if ! command -v cargo >/dev/null; then
  say "cargo is not on PATH: maturin needs it to build the library" >&2
  exit 2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$tmp/rdp-probe-python-target}"
say "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

python=${RDP_PROBE_PYTHON:-python3}
venv=${RDP_PROBE_VENV:-$tmp/rdp-probe-venv}

# Reuse a working venv; make a new one otherwise.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import pip, sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  say "reusing the venv $venv"
else
  rm -rf "$venv"
  if ! run "$python" -m venv "$venv"; then
    # Debian's python3 ships venv/ensurepip separately.
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      say "python3 -m venv failed: installing Debian's python3-venv"
      export DEBIAN_FRONTEND=noninteractive
      run apt-get update -o DPkg::Lock::Timeout=600
      run apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 python3-venv
      rm -rf "$venv"
      run "$python" -m venv "$venv"
    else
      say "cannot create a venv with $python (on Debian: apt-get install python3-venv)" >&2
      exit 2
    fi
  fi
fi
vpy="$venv/bin/python"
"$vpy" --version

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1

say "installing pytest"
run "$vpy" -m pip install 'pytest>=8'

# pip builds the wheel in an isolated environment with the build requirements of pyproject.toml
# (maturin, cffi); -v shows maturin's and cargo's output. --force-reinstall because the version does
# not change with the source: the package (and cffi, from pip's cache) is reinstalled every time,
# while cargo rebuilds only what changed.
say "building and installing rdp-probe from bindings/python (maturin, bindings = cffi)"
run "$vpy" -m pip install -v --force-reinstall "$repo/bindings/python"
run "$vpy" -c 'import rdp_probe; print("rdp_probe", rdp_probe.__file__); print(rdp_probe.version())'

say "running the tests (lab: $RDP_PROBE_LAB)"
cd "$here"
run "$vpy" -m pytest -v -p no:cacheprovider tests "$@"
