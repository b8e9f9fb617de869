#!/usr/bin/env bash
# The project's one test command (README.md "Testing"; .ci/run calls exactly this).
# On a fresh Debian machine, as root, it installs what the tests need, then runs every check:
# formatting, clippy, the unit and integration tests (which start real RDP servers on loopback
# themselves), the C ABI from C, Python and C# (scripts/test-bindings.sh), and a short run of every
# fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-10}"

echo "== installing test dependencies"
bash scripts/install-test-deps.sh

echo "== cargo fmt"
cargo fmt --all -- --check
(cd benches && cargo fmt -- --check)
(cd fuzz && cargo fmt -- --check)

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== bindings: header check, C (valgrind, static and dynamic), Python, C#, same JSON from every language"
bash scripts/test-bindings.sh

echo "== benches compile (run them with: cargo bench --manifest-path benches/Cargo.toml)"
cargo bench --manifest-path benches/Cargo.toml --locked --no-run

echo "== fuzz smoke (${FUZZ_SECONDS}s per target)"
bash fuzz/run-smoke.sh "$FUZZ_SECONDS"

echo "== all checks passed"
