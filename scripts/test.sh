#!/usr/bin/env bash
# The project's one test command (README.md "Testing"; .ci/run calls exactly this).
# On a fresh Debian machine, as root, it installs what the tests need, then runs every check:
# formatting, clippy, the docs, the unit and integration tests (which start real RDP servers on
# loopback themselves), the C ABI from C, Python and C# (scripts/test-bindings.sh), and a short run
# of every fuzz target. Each step prints how long it took.
#
# The quick, server-free tier for the inner loop (no root, no servers):
#   cargo test -p rdp-probe-wire -p rdp-probe-codes -p rdp-probe-core
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
started=$SECONDS

# step NAME COMMAND...: runs the command, then prints its duration.
step() {
    local name="$1"
    shift
    local t0=$SECONDS
    echo "== $name"
    "$@"
    echo "== $name: $((SECONDS - t0)) s"
}

fmt_all() {
    cargo fmt --all -- --check
    (cd benches && cargo fmt -- --check)
    (cd fuzz && cargo fmt -- --check)
}

step "installing test dependencies" bash scripts/install-test-deps.sh
step "cargo fmt" fmt_all
step "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --lib --locked
step "cargo test" cargo test --workspace --locked --no-fail-fast
step "bindings: header check, C (valgrind, static and dynamic), Python, C#, same JSON from every language" \
    bash scripts/test-bindings.sh
step "benches compile (run them with: cargo bench --manifest-path benches/Cargo.toml)" \
    cargo bench --manifest-path benches/Cargo.toml --locked --no-run
step "fuzz smoke (${FUZZ_SECONDS}s per target)" bash fuzz/run-smoke.sh "$FUZZ_SECONDS"

echo "== all checks passed in $((SECONDS - started)) s"
