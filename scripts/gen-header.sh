#!/usr/bin/env bash
# Regenerates rdp-probe-ffi/include/rdp_probe.h with the pinned cbindgen. With --check, regenerates
# into a temporary file and fails if the checked-in header differs (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.4
HEADER=rdp-probe-ffi/include/rdp_probe.h

if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  echo "gen-header: installing cbindgen $CBINDGEN_VERSION" >&2
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet
fi

out="$HEADER"
if [ "${1:-}" = --check ]; then
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
fi
cbindgen --quiet --config rdp-probe-ffi/cbindgen.toml --crate rdp-probe-ffi --output "$out" rdp-probe-ffi
if [ "${1:-}" = --check ]; then
  if ! diff -u "$HEADER" "$out"; then
    echo "gen-header: $HEADER is stale; run scripts/gen-header.sh and commit it" >&2
    exit 1
  fi
  echo "gen-header: $HEADER is up to date"
fi
