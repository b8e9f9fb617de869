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

# One build per run: incremental state would only cost disk (gigabytes, on a machine whose free
# disk varies).
export CARGO_INCREMENTAL=0
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

# disk: what the build directories hold and what is left, after each step.
disk() {
    local dirs=()
    local d
    for d in "$TARGET_DIR" benches/target fuzz/target; do
        [ -d "$d" ] && dirs+=("$d")
    done
    if [ ${#dirs[@]} -gt 0 ]; then
        echo "   disk: $(du -sch "${dirs[@]}" 2>/dev/null | tail -1 | cut -f1) in build directories, $(df -h --output=avail . | tail -1 | tr -d ' ') free"
    fi
}

# step NAME COMMAND...: runs the command, then prints its duration.
step() {
    local name="$1"
    shift
    local t0=$SECONDS
    echo "== $name"
    "$@"
    echo "== $name: $((SECONDS - t0)) s"
    disk
}

fmt_all() {
    cargo fmt --all -- --check
    (cd benches && cargo fmt -- --check)
    (cd fuzz && cargo fmt -- --check)
}

clippy_all() {
    cargo clippy --workspace --all-targets --locked -- -D warnings
    cargo clippy --manifest-path benches/Cargo.toml --all-targets --locked -- -D warnings
    # libfuzzer-sys needs no nightly to be checked; only `cargo fuzz run` does (fuzz/run-smoke.sh).
    cargo clippy --manifest-path fuzz/Cargo.toml --all-targets --locked -- -D warnings
}

# `cargo package` for every published crate, in dependency order. Their dependencies on each other
# are not on crates.io yet, so only wire and codes (which have none) get the verifying build; the rest
# are packaged against the workspace's own (cargo's local overlay) with --no-verify.
package_all() {
    cargo package --workspace --locked --no-verify --allow-dirty
    cargo package -p rdp-probe-wire -p rdp-probe-codes --locked --allow-dirty
}

# The declared rust-version: a check with that toolchain when it is installed (nothing is downloaded:
# the machine reaches package registries only); else the declaration is compared with the toolchain in
# use, which must be at least as new, and the workspace is checked with it.
msrv() {
    local msrv have
    msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
    if command -v rustup >/dev/null && rustup toolchain list | grep -q "^$msrv"; then
        cargo "+$msrv" check --workspace --locked
        return
    fi
    have=$(rustc --version | awk '{print $2}')
    echo "rust-version $msrv: that toolchain is not installed here; checking with rustc $have"
    if ! printf '%s\n%s\n' "$msrv" "$have" | sort -V -C; then
        echo "rustc $have is older than the declared rust-version $msrv" >&2
        return 1
    fi
    cargo check --workspace --locked
}

step "installing test dependencies" bash scripts/install-test-deps.sh
step "cargo fmt" fmt_all
step "cargo clippy (workspace, benches, fuzz)" clippy_all
step "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
step "cargo package" package_all
step "rust-version" msrv
step "cargo test" cargo test --workspace --locked --no-fail-fast
step "bindings: header check, C (valgrind, static and dynamic), Python, C#, same JSON from every language" \
    bash scripts/test-bindings.sh
step "benches compile (run them with: cargo bench --manifest-path benches/Cargo.toml)" \
    cargo bench --manifest-path benches/Cargo.toml --locked --no-run
step "fuzz smoke (${FUZZ_SECONDS}s per target)" bash fuzz/run-smoke.sh "$FUZZ_SECONDS"

echo "== all checks passed in $((SECONDS - started)) s"
