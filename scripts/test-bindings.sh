#!/usr/bin/env bash
# The C ABI from C, Python and C#, against the lab's servers (scripts/test.sh runs this; it can run
# alone after scripts/install-test-deps.sh):
#   1. the checked-in header matches what cbindgen 0.29.4 generates from rdp-probe-ffi/src;
#   2. C: the ABI test and examples/c/probe.c, built with -std=c11 -Wall -Wextra -Werror through
#      pkg-config, linked dynamically and statically (neither needs a system OpenSSL: the
#      legacy-TLS stack is vendored into librdp_probe), run under valgrind (no errors, no leaks),
#      the credential trust policy included (withheld from the lab's self-signed certificate until
#      it is pinned or "any" is trusted), the inventory (rdp_probe_inventory_run) of a scripted
#      CredSSP server of version 2 and of a refused port, and a fleet scan
#      (rdp-probe-ffi/tests/c/scan_json.c: rdp_probe_scan_*) drained to the end and one freed while
#      its probes still run (the scan's thread joined, nothing leaked);
#   3. Python: bindings/python/run-tests.sh (the maturin wheel installed into a fresh venv, mypy --strict, pytest against the installed wheel);
#   4. C#: bindings/csharp/run-tests.sh (mcs, mono);
#   5. the same three lab scenarios probed by the Rust, C, Python and C# examples give JSON reports
#      that are byte-identical once the "elapsed_ms" fields and the server's NTLM clock
#      ("server_time", "clock_offset_s") are removed (per-phase byte counts included: they do not
#      depend on how the kernel delivered the segments);
#   6. the inventory of the same three lab servers (ntlm-challenge-v2, ironrdp-tls, refused) taken
#      with the same options by the Rust CLI (`rdp-probe inventory --json`), C
#      (rdp-probe-ffi/tests/c/inventory_json.c), Python (rdp_probe.inventory) and C#
#      (bindings/csharp/tests/InventoryJson.cs) is the same JSON once what differs between two runs
#      against one server is removed: "elapsed_ms", "max_concurrent_connections" (scheduling decides
#      it) and the server's NTLM clock ("server_time", "clock_offset_s"); the CLI's indentation is
#      undone by re-serializing every side the same way;
#   7. a fleet scan of lab servers (ironrdp-tls, ironrdp-nla, errinfo-after-client-info-0x7,
#      ntlm-challenge-v2, refused, and a malformed line) in the diagnose and negotiate modes by the
#      Rust CLI (`rdp-probe scan --json`), C (scan_json.c), Python (rdp_probe.scan) and C#
#      (bindings/csharp/tests/ScanJson.cs) gives every host exactly one report, the same JSON per
#      host in every language once normalized as in steps 5 and 6 (reports come as hosts finish:
#      they are compared by host, not by line).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
export CARGO_TARGET_DIR="$TARGET_DIR"
WORK="$TARGET_DIR/bindings"
LAB="$TARGET_DIR/release/rdp-probe-lab"
LIB_DIR="$TARGET_DIR/release"

say() { printf '\n== bindings: %s\n' "$*"; }

LAB_PIDS=()
cleanup() {
  for pid in "${LAB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# start_lab NAME VAR: serves scenario NAME on a free loopback port; sets VAR to the port.
start_lab() {
  local name=$1 out="$WORK/lab-$1.addr" pid port=""
  # Created here, not by the background job's redirect: the loop below may read it first.
  : >"$out"
  "$LAB" serve "$name" --lifetime 900 >"$out" 2>"$WORK/lab-$name.log" &
  pid=$!
  LAB_PIDS+=("$pid")
  for _ in $(seq 1 100); do
    port=$(sed -n '1s/.*://p' "$out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "lab server $name did not start:" >&2
    cat "$WORK/lab-$name.log" >&2
    exit 1
  fi
  printf -v "$2" '%s' "$port"
}

rm -rf "$WORK"
mkdir -p "$WORK"

say "build (release): the C ABI, the lab, the CLI (its inventory), the Rust example"
cargo build --release --locked -p rdp-probe-ffi -p rdp-probe-lab -p rdp-probe-cli
cargo build --release --locked -p rdp-probe-core --example probe

say "header: rdp-probe-ffi/include/rdp_probe.h against cbindgen"
bash scripts/gen-header.sh --check

say "pkg-config: install into a staging prefix"
bash scripts/install-ffi.sh "$WORK/prefix" >/dev/null
export PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig"
CFLAGS=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -g)
STATIC_LIBS=$(pkg-config --static --libs-only-l rdp_probe | sed 's/-lrdp_probe//')
for prog in examples/c/probe.c rdp-probe-ffi/tests/c/abi_test.c; do
  name=$(basename "$prog" .c)
  # shellcheck disable=SC2046
  gcc "${CFLAGS[@]}" $(pkg-config --cflags rdp_probe) "$prog" -o "$WORK/$name-dynamic" \
    $(pkg-config --libs rdp_probe) -lpthread
  # shellcheck disable=SC2046,SC2086
  gcc "${CFLAGS[@]}" $(pkg-config --cflags rdp_probe) "$prog" -o "$WORK/$name-static" \
    "$WORK/prefix/lib/librdp_probe.a" $STATIC_LIBS
  # The static build must not need the shared library; the dynamic one must.
  if readelf -d "$WORK/$name-static" | grep -q 'librdp_probe'; then
    echo "$name-static still needs librdp_probe.so" >&2
    exit 1
  fi
  readelf -d "$WORK/$name-dynamic" | grep -q 'librdp_probe.so' || {
    echo "$name-dynamic does not link librdp_probe.so" >&2
    exit 1
  }
done
# OpenSSL (feature legacy-tls) is compiled from source and linked in: nothing needs libssl/libcrypto.
for bin in "$WORK/prefix/lib/librdp_probe.so" "$WORK"/probe-* "$WORK"/abi_test-*; do
  if readelf -d "$bin" | grep -Eq 'NEEDED.*lib(ssl|crypto)\.so'; then
    echo "$bin needs a system OpenSSL" >&2
    exit 1
  fi
done
# The C sides of the inventory and scan comparisons (steps 6 and 7): the dynamic build is enough.
for prog in inventory_json scan_json; do
  # shellcheck disable=SC2046
  gcc "${CFLAGS[@]}" $(pkg-config --cflags rdp_probe) "rdp-probe-ffi/tests/c/$prog.c" \
    -o "$WORK/$prog" $(pkg-config --libs rdp_probe)
done
echo "built probe and abi_test, dynamic and static (no system OpenSSL needed), inventory_json and scan_json"

say "lab servers"
start_lab ironrdp-tls TLS_PORT
start_lab ironrdp-nla NLA_PORT
start_lab errinfo-after-client-info-0x7 ERRINFO_PORT
start_lab hostile-silence-at-accept SILENT_PORT
start_lab tls-alert-after-confirm-40 TLS_ALERT_PORT
start_lab kerberos-logon KERBEROS_PORT
start_lab ntlm-challenge-v2 NTLM_V2_PORT
start_lab refused REFUSED_PORT
echo "ironrdp-tls :$TLS_PORT, ironrdp-nla :$NLA_PORT, errinfo-after-client-info-0x7 :$ERRINFO_PORT, hostile-silence-at-accept :$SILENT_PORT, tls-alert-after-confirm-40 :$TLS_ALERT_PORT, kerberos-logon :$KERBEROS_PORT, ntlm-challenge-v2 :$NTLM_V2_PORT, refused :$REFUSED_PORT"

VALGRIND=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
  --errors-for-leak-kinds=definite,indirect --suppressions=rdp-probe-ffi/tests/c/valgrind.supp)
export LD_LIBRARY_PATH="$WORK/prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

say "C: abi_test under valgrind (dynamic, then static)"
for kind in dynamic static; do
  "${VALGRIND[@]}" "$WORK/abi_test-$kind" "$TLS_PORT" "$ERRINFO_PORT" "$SILENT_PORT" "$TLS_ALERT_PORT" \
    "$NLA_PORT" rdp-probe-ffi/tests/data/test-ca.pem "$NTLM_V2_PORT" "$KERBEROS_PORT"
done

say "C: examples/c/probe under valgrind"
for kind in dynamic static; do
  set +e
  "${VALGRIND[@]}" "$WORK/probe-$kind" 127.0.0.1 "$ERRINFO_PORT"
  status=$?
  set -e
  if [ "$status" -ne 1 ]; then
    echo "probe-$kind against errinfo-after-client-info-0x7 exited $status, expected 1 (failed)" >&2
    exit 1
  fi
done
# The lab's credentials: withheld from its self-signed certificate (5) until --trust-cert vouches (0).
for trust in "" "--trust-cert any"; do
  expected=5
  [ -n "$trust" ] && expected=0
  set +e
  # shellcheck disable=SC2086
  RDP_PROBE_PASSWORD='LabPass1!' "${VALGRIND[@]}" "$WORK/probe-dynamic" 127.0.0.1 "$NLA_PORT" \
    --user labuser $trust
  status=$?
  set -e
  if [ "$status" -ne "$expected" ]; then
    echo "probe-dynamic --user labuser $trust against ironrdp-nla exited $status, expected $expected" >&2
    exit 1
  fi
done

say "C: scan_json under valgrind (a fleet drained, one freed while its probes run, shards, a deadline)"
SCAN_FLEET=("127.0.0.1:$TLS_PORT" "127.0.0.1:$ERRINFO_PORT" "127.0.0.1:$NTLM_V2_PORT" "127.0.0.1:$REFUSED_PORT")
"${VALGRIND[@]}" "$WORK/scan_json" diagnose 3389 5000 2 "${SCAN_FLEET[@]}" >"$WORK/scan-valgrind.jsonl"
[ "$(wc -l <"$WORK/scan-valgrind.jsonl")" -eq 4 ] || { echo "scan_json: not 4 reports" >&2; exit 1; }
# One report (the refused port's), then freed while the silent server's probe waits (60 s limits).
"${VALGRIND[@]}" "$WORK/scan_json" diagnose 3389 60000 4 --free-after 1 \
  "127.0.0.1:$REFUSED_PORT" "127.0.0.1:$SILENT_PORT" >/dev/null
# The options: two shards of the same fleet give every host once between them; a deadline with a
# rate of one probe per second leaves targets unprobed and ends with SCAN_DEADLINE.
"${VALGRIND[@]}" "$WORK/scan_json" diagnose 3389 5000 2 --shard 0 2 --max-targets 4 \
  "${SCAN_FLEET[@]}" >"$WORK/scan-shard0.jsonl"
"${VALGRIND[@]}" "$WORK/scan_json" diagnose 3389 5000 2 --shard 1 2 --rate 1000 \
  "${SCAN_FLEET[@]}" >"$WORK/scan-shard1.jsonl"
shard_hosts() {
  python3 -c 'import json, sys
for path in sys.argv[1:]:
    for line in open(path):
        t = json.loads(line)["target"]
        print(f"{t[\"host\"]}:{t[\"port\"]}")' "$@" | sort
}
[ "$(wc -l <"$WORK/scan-shard0.jsonl")" -eq 2 ] && [ "$(wc -l <"$WORK/scan-shard1.jsonl")" -eq 2 ] \
  || { echo "scan_json: shards of 4 targets in 2 are not 2 and 2 reports" >&2; exit 1; }
[ "$(shard_hosts "$WORK/scan-shard0.jsonl" "$WORK/scan-shard1.jsonl")" = "$(shard_hosts "$WORK/scan-valgrind.jsonl")" ] \
  || { echo "scan_json: the two shards do not hold the fleet's hosts exactly once" >&2; exit 1; }
"${VALGRIND[@]}" "$WORK/scan_json" diagnose 3389 5000 4 --rate 1 --deadline-ms 300 \
  "127.0.0.1:$REFUSED_PORT" "127.0.0.2:$REFUSED_PORT" "127.0.0.3:$REFUSED_PORT" \
  >"$WORK/scan-deadline.jsonl" 2>"$WORK/scan-deadline.err"
grep -q "deadline: 1 reports for 3 targets" "$WORK/scan-deadline.err" \
  || { echo "scan_json: a 300 ms deadline at 1 probe/s did not end after 1 of 3 reports" >&2; exit 1; }
echo "scan_json: 4 reports, a scan freed mid-probe, two shards and a deadline, without valgrind errors or leaks"

say "Python"
RDP_PROBE_LAB="$LAB" bash bindings/python/run-tests.sh

say "C#"
RDP_PROBE_LAB="$LAB" RDP_PROBE_LIB_DIR="$WORK/prefix/lib" BUILD_DIR="$WORK/csharp" \
  bash bindings/csharp/run-tests.sh

say "the same report from Rust, C, Python and C#"
PYTHON="${RDP_PROBE_VENV:-${TMPDIR:-/tmp}/rdp-probe-venv}/bin/python"
declare -A RUNNERS=(
  [rust]="$TARGET_DIR/release/examples/probe"
  [c]="$WORK/probe-dynamic"
  [python]="$PYTHON examples/python/probe.py"
  [csharp]="mono $WORK/csharp/Probe.exe"
)
mismatch=0
for scenario in ironrdp-tls:$TLS_PORT ironrdp-nla:$NLA_PORT errinfo-after-client-info-0x7:$ERRINFO_PORT; do
  name=${scenario%:*}
  port=${scenario##*:}
  for lang in rust c python csharp; do
    # shellcheck disable=SC2086
    ${RUNNERS[$lang]} 127.0.0.1 "$port" --json >"$WORK/$name.$lang.json" || true
    # Timings and the server's NTLM clock (it ticks between two probes) out; every other byte
    # must match.
    sed -E -e 's/"elapsed_ms":[0-9.eE+-]+,?//g' -e 's/"server_time":"[^"]*",?//g' \
      -e 's/"clock_offset_s":-?[0-9]+,?//g' "$WORK/$name.$lang.json" >"$WORK/$name.$lang.cmp"
  done
  verdict=$(grep -o '"verdict":"[a-z_]*"' "$WORK/$name.rust.json" || echo 'no verdict')
  for lang in c python csharp; do
    if cmp -s "$WORK/$name.rust.cmp" "$WORK/$name.$lang.cmp"; then
      printf '%-32s %-28s rust == %s (%s bytes)\n' "$name" "$verdict" "$lang" \
        "$(wc -c <"$WORK/$name.$lang.cmp")"
    else
      printf '%-32s rust != %s\n' "$name" "$lang"
      diff <(tr ',' '\n' <"$WORK/$name.rust.cmp") <(tr ',' '\n' <"$WORK/$name.$lang.cmp") | head -20 || true
      mismatch=1
    fi
  done
  [ -s "$WORK/$name.rust.cmp" ] || { echo "no report from rust for $name" >&2; mismatch=1; }
done
[ "$mismatch" -eq 0 ] || { echo "the languages disagree" >&2; exit 1; }

say "the same inventory from Rust, C, Python and C#"
# One set of options for every language: each connect and read within INV_MS (the whole inventory
# three times that), at most INV_MAX connections at once, every cipher suite enumerated.
INV_MS=5000
INV_MAX=4
# run_inventory LANG PORT: the inventory of 127.0.0.1:PORT as LANG's JSON, on stdout.
run_inventory() {
  case "$1" in
    rust) "$TARGET_DIR/release/rdp-probe" inventory "127.0.0.1:$2" --json --timeout "${INV_MS}ms" \
      --max-connections "$INV_MAX" ;;
    c) "$WORK/inventory_json" 127.0.0.1 "$2" "$INV_MS" "$INV_MAX" ;;
    python) "$PYTHON" -P -c 'import sys, rdp_probe
inv = rdp_probe.inventory(sys.argv[1], int(sys.argv[2]), timeout=int(sys.argv[3]) / 1000,
                          max_connections=int(sys.argv[4]))
print(inv.json)
sys.exit(0 if inv.reachable else 1)' 127.0.0.1 "$2" "$INV_MS" "$INV_MAX" ;;
    csharp) mono "$WORK/csharp/InventoryJson.exe" 127.0.0.1 "$2" "$INV_MS" "$INV_MAX" ;;
  esac
}
# normalize_inventory IN OUT: without what differs between two runs against one server, on one
# line, keys in the library's order (the CLI's indented form and the others' one line become the
# same bytes).
normalize_inventory() {
  python3 -c 'import json, sys
DROP = {"elapsed_ms", "max_concurrent_connections", "server_time", "clock_offset_s"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
assert data["schema"] == "rdp-probe-inventory/1", data.get("schema")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(json.dumps(strip(data), separators=(",", ":"), ensure_ascii=False) + "\n")' "$1" "$2"
}
for scenario in ntlm-challenge-v2:$NTLM_V2_PORT ironrdp-tls:$TLS_PORT refused:$REFUSED_PORT; do
  name=${scenario%:*}
  port=${scenario##*:}
  for lang in rust c python csharp; do
    out="$WORK/inventory-$name.$lang"
    # Exit status 1 is a target not reached (refused): the JSON still comes.
    run_inventory "$lang" "$port" >"$out.json" || true
    if ! normalize_inventory "$out.json" "$out.cmp" 2>"$out.err"; then
      printf '%-32s no inventory JSON from %s: %s\n' "$name" "$lang" "$(tail -n 1 "$out.err")"
      mismatch=1
    fi
  done
  summary=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("nla=%s credssp=%s findings=%d connections=%s" % (d["nla"], (d["credssp"] or {}).get("version"),
      len(d["findings"]), d["connections"]))' "$WORK/inventory-$name.rust.json" 2>/dev/null || echo 'no inventory')
  for lang in c python csharp; do
    if [ -s "$WORK/inventory-$name.rust.cmp" ] && cmp -s "$WORK/inventory-$name.rust.cmp" "$WORK/inventory-$name.$lang.cmp"; then
      printf '%-20s %-52s rust == %s (%s bytes)\n' "$name" "$summary" "$lang" \
        "$(wc -c <"$WORK/inventory-$name.$lang.cmp")"
    else
      printf '%-20s rust != %s\n' "$name" "$lang"
      diff <(tr ',' '\n' <"$WORK/inventory-$name.rust.cmp") <(tr ',' '\n' <"$WORK/inventory-$name.$lang.cmp") \
        | head -20 || true
      mismatch=1
    fi
  done
done
[ "$mismatch" -eq 0 ] || { echo "the languages disagree about the inventory" >&2; exit 1; }

say "the same fleet scan from Rust, C, Python and C#"
SCAN_MS=5000
SCAN_LINES=("127.0.0.1:$TLS_PORT" "127.0.0.1:$NLA_PORT" "127.0.0.1:$ERRINFO_PORT" "127.0.0.1:$NTLM_V2_PORT"
  "127.0.0.1:$REFUSED_PORT" "bad_name!")
# run_scan LANG MODE: the scan of SCAN_LINES as LANG's JSON Lines, on stdout.
run_scan() {
  case "$1" in
    rust) "$TARGET_DIR/release/rdp-probe" scan "${SCAN_LINES[@]}" --mode "$2" --json --timeout "${SCAN_MS}ms" \
      --concurrency 3 2>"$WORK/scan-rust-$2.stderr" ;;
    c) "$WORK/scan_json" "$2" 3389 "$SCAN_MS" 3 "${SCAN_LINES[@]}" ;;
    python) "$PYTHON" -P -c 'import sys, rdp_probe
with rdp_probe.scan(sys.argv[3:], mode=sys.argv[1], timeout=int(sys.argv[2]) / 1000, concurrency=3) as scan:
    for r in scan:
        print(r.json)' "$2" "$SCAN_MS" "${SCAN_LINES[@]}" ;;
    csharp) mono "$WORK/csharp/ScanJson.exe" "$2" 3389 "$SCAN_MS" 3 "${SCAN_LINES[@]}" ;;
  esac
}
# normalize_scan IN OUT: one line per host, sorted by host:port, without what differs between two
# runs (as in steps 5 and 6); fails unless each of the five hosts has exactly one report.
normalize_scan() {
  python3 -c 'import json, sys
DROP = {"elapsed_ms", "max_concurrent_connections", "server_time", "clock_offset_s"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
hosts = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            data = json.loads(line)
            key = "%s:%s" % (data["target"]["host"], data["target"]["port"])
            assert key not in hosts, key + " twice"
            hosts[key] = json.dumps(strip(data), separators=(",", ":"), ensure_ascii=False)
assert len(hosts) == 5, sorted(hosts)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for key in sorted(hosts):
        f.write(hosts[key] + "\n")' "$1" "$2"
}
for mode in diagnose negotiate; do
  for lang in rust c python csharp; do
    out="$WORK/scan-$mode.$lang"
    run_scan "$lang" "$mode" >"$out.jsonl" || true
    if ! normalize_scan "$out.jsonl" "$out.cmp" 2>"$out.err"; then
      printf '%-10s no full scan from %s: %s\n' "$mode" "$lang" "$(tail -n 1 "$out.err")"
      mismatch=1
    fi
  done
  for lang in c python csharp; do
    if [ -s "$WORK/scan-$mode.rust.cmp" ] && cmp -s "$WORK/scan-$mode.rust.cmp" "$WORK/scan-$mode.$lang.cmp"; then
      printf '%-10s 5 hosts   rust == %s (%s bytes)\n' "$mode" "$lang" "$(wc -c <"$WORK/scan-$mode.$lang.cmp")"
    else
      printf '%-10s rust != %s\n' "$mode" "$lang"
      diff <(tr ',' '\n' <"$WORK/scan-$mode.rust.cmp") <(tr ',' '\n' <"$WORK/scan-$mode.$lang.cmp") | head -20 || true
      mismatch=1
    fi
  done
done
[ "$mismatch" -eq 0 ] || { echo "the languages disagree about the scan" >&2; exit 1; }

say "all binding checks passed"
