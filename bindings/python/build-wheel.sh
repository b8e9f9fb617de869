#!/usr/bin/env bash
# Builds the rdp-probe wheel from bindings/python with `maturin build --release`, and checks it.
#
#   bash bindings/python/build-wheel.sh [OUT_DIR]
#
# OUT_DIR (default ${TMPDIR:-/tmp}/rdp-probe-wheels) is made if needed and emptied of old
# rdp_probe-*.whl files; it then holds exactly the one wheel built, whose path is the last line
# printed. run-tests.sh calls this; a release can too.
#
# maturin runs from a build venv that holds pyproject.toml's [build-system] requirements (maturin,
# and cffi, which maturin's `bindings = "cffi"` mode runs to generate rdp_probe._native). The venv
# is kept between runs (pip only checks the requirements then) and made anew when it is broken.
#
# The wheel must be `rdp_probe-VERSION-py3-none-<manylinux|musllinux>_*.whl` (cffi's ABI mode binds
# no CPython ABI: see pyproject.toml) and hold py.typed and the bundled library.
#
# Environment:
#   CARGO_TARGET_DIR      where cargo builds; kept if set, else ${TMPDIR:-/tmp}/rdp-probe-python-target
#   RDP_PROBE_PYTHON      the interpreter for the build venv (default: python3; 3.11 or newer)
#   RDP_PROBE_BUILD_VENV  the build venv (default: ${TMPDIR:-/tmp}/rdp-probe-build-venv)
# Needs cargo (and perl, make and a C compiler for the vendored OpenSSL), and PyPI and crates.io
# unless everything is cached.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tmp=${TMPDIR:-/tmp}

say() { printf 'python-wheel: %s\n' "$*"; }
run() { printf '+ %s\n' "$*"; "$@"; }
die() { say "$*" >&2; exit 2; }

out=${1:-$tmp/rdp-probe-wheels}
mkdir -p "$out"
out=$(cd "$out" && pwd)

command -v cargo >/dev/null || die "cargo is not on PATH: maturin needs it to build the library"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$tmp/rdp-probe-python-target}"
say "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"

# make_venv PYTHON DIR: a new venv (on Debian, installs python3-venv when ensurepip is missing).
make_venv() {
  local python=$1 dir=$2
  if [ -e "$dir" ] && [ ! -f "$dir/pyvenv.cfg" ]; then
    die "refusing to replace $dir: it exists and is not a venv"
  fi
  rm -rf "$dir"
  if run "$python" -m venv "$dir"; then return; fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "$python -m venv failed: installing Debian's python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    run apt-get update -o DPkg::Lock::Timeout=600
    run apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 python3-venv
    rm -rf "$dir"
    run "$python" -m venv "$dir"
  else
    die "cannot create a venv with $python (on Debian: apt-get install python3-venv)"
  fi
}

python=${RDP_PROBE_PYTHON:-python3}
bvenv=${RDP_PROBE_BUILD_VENV:-$tmp/rdp-probe-build-venv}
if [ -x "$bvenv/bin/python" ] && "$bvenv/bin/python" -c 'import pip, sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  say "reusing the build venv $bvenv"
else
  say "making the build venv $bvenv"
  make_venv "$python" "$bvenv"
fi
bpy="$bvenv/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The build requirements, read from pyproject.toml so that they cannot drift from it.
mapfile -t requires < <("$bpy" -c '
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))' "$here/pyproject.toml")
say "build requirements: ${requires[*]}"
run "$bpy" -m pip install -q "${requires[@]}"

rm -f "$out"/rdp_probe-*.whl
say "maturin build --release (bindings = cffi) into $out"
cd "$here"
# maturin generates the cffi declarations with the interpreter given (-i), which has cffi.
VIRTUAL_ENV="$bvenv" PATH="$bvenv/bin:$PATH" \
  run "$bvenv/bin/maturin" build --release --interpreter "$bpy" --out "$out"

shopt -s nullglob
wheels=("$out"/rdp_probe-*.whl)
[ "${#wheels[@]}" -eq 1 ] || die "expected one wheel in $out, found ${#wheels[@]}: ${wheels[*]}"
wheel=${wheels[0]}
case "$(basename "$wheel")" in
  rdp_probe-*-py3-none-manylinux_*.whl | rdp_probe-*-py3-none-musllinux_*.whl) ;;
  *) die "$(basename "$wheel"): not a py3-none-manylinux/musllinux wheel (see pyproject.toml)" ;;
esac
"$bpy" - "$wheel" <<'EOF'
import sys, zipfile

wheel = sys.argv[1]
names = set(zipfile.ZipFile(wheel).namelist())
need = {"rdp_probe/__init__.py", "rdp_probe/py.typed", "rdp_probe/_native/__init__.py",
        "rdp_probe/_native/ffi.py", "rdp_probe/_native/lib_native.so"}
missing = sorted(need - names)
if missing:
    sys.exit(f"python-wheel: {wheel} lacks {missing}")
print(f"python-wheel: {len(names)} files, including {', '.join(sorted(need))}")
EOF
say "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
echo "$wheel"
