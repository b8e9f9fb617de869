#!/usr/bin/env bash
# Fuzz every cargo-fuzz target (the rdp-probe-wire decoders and the rdp-probe-core engine) for
# SECONDS each, on stable Rust (--sanitizer none), with a kept corpus:
#
#   fuzz/run-campaign.sh SECONDS [TARGET...]
#
# Corpus: fuzz/corpus/<target>/ (created on first use; libFuzzer adds new inputs there), seeded from
# fuzz/regressions/<target>/ (read-only). After each run the corpus is minimized (-merge=1) so that
# only inputs that add coverage are kept: it is committed to git, so it must stay small.
#
# Prints, per target, the executions, executions per second and the corpus size, and appends one
# line per target to fuzz/campaign.log:
#   <UTC date> <target> seconds=<s> execs=<n> execs_per_s=<n> corpus_files=<n> corpus_bytes=<n> crashes=<n>
# A crashing input is left in fuzz/artifacts/<target>/; the script then exits 1 after the other
# targets ran. Minimize it (cargo fuzz tmin), add it to fuzz/regressions/<target>/, fix, re-run.
#
# Environment: FUZZ_TARGET_DIR (cargo target dir, default /tmp/target-fuzz), FUZZ_JOBS (libFuzzer
# -jobs/-workers, default 1: one process).
set -euo pipefail

secs="${1:?usage: fuzz/run-campaign.sh SECONDS [TARGET...]}"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target_dir="${FUZZ_TARGET_DIR:-/tmp/target-fuzz}"
jobs="${FUZZ_JOBS:-1}"
log="$here/campaign.log"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

cd "$here"
if [ "$#" -gt 0 ]; then
    targets="$*"
else
    targets=$(cargo fuzz list)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo fuzz build --sanitizer none --target-dir "$target_dir"

run() { # target, then libFuzzer arguments
    local t="$1"
    shift
    cargo fuzz run --sanitizer none --target-dir "$target_dir" "$t" "$@"
}

failed=()
for t in $targets; do
    corpus="$here/corpus/$t"
    mkdir -p "$corpus" "$here/artifacts/$t" "$here/regressions/$t"
    echo "=== $t (${secs}s, corpus $(find "$corpus" -type f | wc -l) files)" >&2
    crashes=0
    jobs_args=()
    if [ "$jobs" -gt 1 ]; then
        jobs_args=(-jobs="$jobs" -workers="$jobs")
    fi
    if ! run "$t" "$corpus" "$here/regressions/$t" -- \
        -max_total_time="$secs" -artifact_prefix="$here/artifacts/$t/" -print_final_stats=1 \
        "${jobs_args[@]}" 2>"$work/$t.log"; then
        tail -n 40 "$work/$t.log" >&2
        failed+=("$t")
        crashes=1
    fi
    # With -jobs each worker writes its statistics to fuzz-N.log in the current directory, and the
    # parent echoes them into its own output as well: count the workers' files only.
    stats="$work/$t.log"
    if [ "$jobs" -gt 1 ]; then
        stats="$work/$t.workers.log"
        cat fuzz-*.log >"$stats" 2>/dev/null || true
        rm -f fuzz-*.log
    fi
    execs=$(grep -h 'stat::number_of_executed_units' "$stats" | awk '{s += $2} END {print s + 0}')
    per_s=$((execs / secs))
    # Keep only the inputs that add coverage.
    merged="$work/$t.merged"
    mkdir -p "$merged"
    if run "$t" "$merged" "$corpus" -- -merge=1 -artifact_prefix="$here/artifacts/$t/" \
        >"$work/$t.merge.log" 2>&1; then
        find "$corpus" -type f -delete
        cp "$merged"/* "$corpus"/ 2>/dev/null || true
    else
        echo "$t: corpus merge failed (corpus kept as is)" >&2
        tail -n 20 "$work/$t.merge.log" >&2
    fi
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    line="$(date -u +%Y-%m-%dT%H:%M:%SZ) $t seconds=$secs execs=$execs execs_per_s=$per_s corpus_files=$files corpus_bytes=$bytes crashes=$crashes"
    echo "$line" | tee -a "$log" >&2
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "CRASH in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "all $(echo "$targets" | wc -w) targets ran ${secs}s each without a crash" >&2
