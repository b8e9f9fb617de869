#!/usr/bin/env bash
# Smoke-run every cargo-fuzz target (rdp-probe-wire decoders, rdp-probe-core engine) for N seconds each (default 20),
# on stable Rust (--sanitizer none). Fails on the first crash.
#
#   fuzz/run-smoke.sh [SECONDS]
#
# Seeds: fuzz/regressions/<target>/ (read-only, replayed by
# rdp-probe-wire/tests/fuzz_regressions.rs). New corpus entries go to a temporary
# directory; a crashing input is left in fuzz/artifacts/<target>/ -- copy it into
# fuzz/regressions/<target>/ once fixed.
#
# Environment: FUZZ_TARGET_DIR (cargo target dir, default /tmp/target-fuzz).
set -euo pipefail

secs="${1:-20}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target_dir="${FUZZ_TARGET_DIR:-/tmp/target-fuzz}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

cd "$here"
targets=$(cargo fuzz list)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo fuzz build --sanitizer none --target-dir "$target_dir"

failed=()
for t in $targets; do
    mkdir -p "$work/$t" "$here/artifacts/$t"
    echo "=== $t (${secs}s)" >&2
    if ! cargo fuzz run --sanitizer none --target-dir "$target_dir" "$t" \
        "$work/$t" "$here/regressions/$t" -- \
        -max_total_time="$secs" -artifact_prefix="$here/artifacts/$t/" -print_final_stats=1 \
        2>"$work/$t.log"; then
        tail -n 40 "$work/$t.log" >&2
        failed+=("$t")
    else
        grep -E 'stat::number_of_executed_units|Done ' "$work/$t.log" >&2 || true
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "CRASH in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "all $(echo "$targets" | wc -w) targets ran ${secs}s without a crash" >&2
