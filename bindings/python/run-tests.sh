#!/usr/bin/env bash
# Builds the Python binding's wheel and tests it as installed, as CI runs it.
#
#   RDP_PROBE_LAB=/path/to/rdp-probe-lab bash bindings/python/run-tests.sh [PYTEST ARGS...]
#
# On Debian 12 with CPython 3.11, pip and cargo:
#   1. build-wheel.sh: `maturin build --release` (bindings = cffi) into a wheel directory, from a
#      build venv that is kept between runs;
#   2. a FRESH venv (deleted and made anew every run), into which pip installs that wheel file with
#      its dependencies (cffi) and the `test` extra (pytest), from PyPI or pip's cache;
#   3. `mypy --strict` (from the build venv) over the package installed in that venv, found through
#      its py.typed (PEP 561), and over tests/typecheck_consumer.py, code a user would write;
#   4. pytest on tests/, run from an empty directory with `python -P` and no PYTHONPATH, so the only
#      rdp_probe importable is the installed one; tests/test_packaging.py (RDP_PROBE_INSTALLED_WHEEL)
#      checks that rdp_probe and rdp_probe._native were imported from the venv's site-packages and
#      that pip installed them from this wheel file.
# Prints each command and how long each step took. Exits non-zero when anything fails.
#
# Environment:
#   RDP_PROBE_LAB          the rdp-probe-lab binary (required; the tests start lab servers on loopback)
#   CARGO_TARGET_DIR       where cargo builds; kept if set, else ${TMPDIR:-/tmp}/rdp-probe-python-target
#                          (outside the checkout, so a re-run, even from a fresh clone, rebuilds little)
#   RDP_PROBE_PYTHON       the interpreter for both venvs (default: python3)
#   RDP_PROBE_BUILD_VENV   maturin's and mypy's venv (default: ${TMPDIR:-/tmp}/rdp-probe-build-venv)
#   RDP_PROBE_WHEEL_DIR    where the wheel goes (default: ${TMPDIR:-/tmp}/rdp-probe-wheels)
#   RDP_PROBE_VENV         the fresh test venv (default: ${TMPDIR:-/tmp}/rdp-probe-venv; replaced every
#                          run, and refused if it exists and is not a venv); scripts/test-bindings.sh
#                          runs examples/python/probe.py with its python afterwards
# Needs network access to PyPI (maturin, cffi, pytest, mypy) and crates.io (cargo) unless cached.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=${TMPDIR:-/tmp}

say() { printf 'python-binding: %s\n' "$*"; }
run() { printf '+ %s\n' "$*"; "$@"; }
die() { say "$*" >&2; exit 2; }
t0=$SECONDS
step_t=$SECONDS
done_step() { say "$1: $((SECONDS - step_t)) s"; step_t=$SECONDS; }

[ -n "${RDP_PROBE_LAB:-}" ] || die "set RDP_PROBE_LAB to the rdp-probe-lab binary"
[ -x "$RDP_PROBE_LAB" ] || die "RDP_PROBE_LAB=$RDP_PROBE_LAB is not an executable file"
RDP_PROBE_LAB=$(cd "$(dirname "$RDP_PROBE_LAB")" && pwd)/$(basename "$RDP_PROBE_LAB")
export RDP_PROBE_LAB

python=${RDP_PROBE_PYTHON:-python3}
export RDP_PROBE_BUILD_VENV=${RDP_PROBE_BUILD_VENV:-$tmp/rdp-probe-build-venv}
wheel_dir=${RDP_PROBE_WHEEL_DIR:-$tmp/rdp-probe-wheels}
venv=${RDP_PROBE_VENV:-$tmp/rdp-probe-venv}
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1
scratch=$(mktemp -d "$tmp/rdp-probe-python.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# 1. The wheel.
say "1/4 building the wheel (build-wheel.sh)"
bash "$here/build-wheel.sh" "$wheel_dir" | tee "$scratch/build-wheel.log"
wheel=$(tail -n 1 "$scratch/build-wheel.log")
[ -f "$wheel" ] || die "build-wheel.sh did not name a wheel (last line: $wheel)"
done_step "wheel $(basename "$wheel")"

# 2. A fresh venv with the wheel installed.
say "2/4 a fresh venv $venv with the wheel installed"
if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ]; then
  die "refusing to replace $venv: it exists and is not a venv"
fi
rm -rf "$venv"
if ! run "$python" -m venv "$venv"; then
  # Debian's python3 ships venv/ensurepip separately.
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "$python -m venv failed: installing Debian's python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    run apt-get update -o DPkg::Lock::Timeout=600
    run apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 python3-venv
    rm -rf "$venv"
    run "$python" -m venv "$venv"
  else
    die "cannot create a venv with $python (on Debian: apt-get install python3-venv)"
  fi
fi
venv=$(cd "$venv" && pwd)
vpy="$venv/bin/python"
"$vpy" --version
# The wheel file itself (no index lookup for rdp-probe), with its `test` extra; cffi and pytest come
# from PyPI or pip's cache.
run "$vpy" -m pip install "$wheel[test]"
run "$vpy" -m pip list

# Everything below runs in an empty directory, without PYTHONPATH, with `python -P` (no script or
# working directory prepended to sys.path): the checkout's bindings/python/python is never on
# sys.path, so `import rdp_probe` can only find the installed wheel.
mkdir "$scratch/cwd"
cd "$scratch/cwd"
unset PYTHONPATH
where='import rdp_probe, rdp_probe._native as n; print(rdp_probe.__file__); print(n.__file__)'
printf '+ %s -P -c %q\n' "$vpy" "$where"
"$vpy" -P -c "$where" >"$scratch/where"
cat "$scratch/where"
while IFS= read -r file; do
  case "$file" in
    "$venv"/lib/python3*/site-packages/rdp_probe/*) ;;
    *) die "rdp_probe module $file is not in $venv's site-packages" ;;
  esac
done <"$scratch/where"
run "$vpy" -P -c 'import rdp_probe; print(rdp_probe.version())'
done_step "fresh venv"

# 3. Types, from outside: mypy runs in the build venv and finds the package in the fresh venv only
#    through its py.typed marker.
say "3/4 mypy --strict on the installed package and on tests/typecheck_consumer.py"
run "$RDP_PROBE_BUILD_VENV/bin/python" -m pip install -q 'mypy>=1.10,<3'
mypy=("$RDP_PROBE_BUILD_VENV/bin/python" -m mypy --config-file "$here/pyproject.toml" --python-executable "$vpy"
  --cache-dir "$RDP_PROBE_BUILD_VENV/mypy-cache")
run "${mypy[@]}" -p rdp_probe
run "${mypy[@]}" "$here/tests/typecheck_consumer.py"
done_step "mypy"

# 4. The tests, against the installed wheel.
say "4/4 pytest against the installed wheel (lab: $RDP_PROBE_LAB)"
export RDP_PROBE_INSTALLED_WHEEL="$wheel"
run "$vpy" -P -m pytest -v -p no:cacheprovider "$here/tests" "$@"
done_step "pytest"
say "done in $((SECONDS - t0)) s"
