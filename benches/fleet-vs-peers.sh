#!/usr/bin/env bash
# `rdp-probe scan` over a fleet of a few thousand lab servers on 127.x addresses (loopback only), side by
# side with the peer scanners, in one run:
#   rdp-probe scan 127.1.0.0/20 --port P --mode negotiate --json -o FILE --concurrency C
#   nmap -Pn -n -p P --script rdp-enum-encryption --min-parallelism C --max-parallelism C 127.1.0.0/20
#   ardpscan -s caps -w C rdp://127.1.0.0:P TARGETS_FILE      (aardwolf, from PyPI, in a venv)
# against `rdp-probe-lab serve-fleet` playing an NLA-required X.224 server on every address; then
#   rdp-probe scan 127.2.0.0/22 --port P --mode diagnose --json -o FILE --concurrency C
# against serve-fleet playing ntlm-challenge-v6 (TLS, CredSSP, NTLM CHALLENGE: `needs_credentials`).
#
# Prints: each step's duration; per tool the targets, wall seconds, targets per second, client CPU
# seconds (user+sys) per target, max RSS (/usr/bin/time -v), TCP connections per host (the kernel's
# PassiveOpens counter), the fleet server's CPU seconds, and how many hosts it reports as
# RDP-present and as NLA-required against the truth (every host is both); rdp-probe's memory per
# in-flight probe, (max RSS - max RSS of a 1-target scan) / concurrency; the diagnoses per second; and
# the issue's targets next to the measured values, PASS or FAIL.
#
# Usage:  benches/fleet-vs-peers.sh
# Env:    FLEET (addresses of the negotiate fleet, a power of two, default 4096: 127.1.0.0/20),
#         CONCURRENCY (C, default 512), DIAG_FLEET (default 1024: 127.2.0.0/22), DIAG_CONCURRENCY
#         (default C), NEG_SCENARIO (default fleet-hybrid-required; any scripted catalog scenario
#         works, e.g. neg-failure-0x5), FLEET_THREADS (serve-fleet's runtime threads, default 2),
#         TOOL_TIMEOUT (seconds per tool run, default 120), PEERS (default "nmap ardpscan"; empty
#         measures rdp-probe alone), AARDWOLF_VERSION (default 0.2.16), VENV (default
#         $CARGO_TARGET_DIR/fleet-bench-venv), CARGO_TARGET_DIR (default ./target), SKIP_BUILD=1
#         (use the release binaries already there), KEEP_OUTPUT=1 (keep the work directory).
# Needs:  nmap, jq, /usr/bin/time, python3 with venv (installed with apt when run as root); PyPI for
#         aardwolf.
# Exit:   0 every step ran and every target passed; 3 every step ran, a target failed; 1 a step
#         failed; 2 tools missing and not installable here.
#
# Notes:
# - Loopback only: the fleets are on 127.1.0.0/N and 127.2.0.0/N; nothing else is contacted (pip
#   reaches PyPI).
# - fleet-hybrid-required answers as a Windows server that requires NLA: RDP_NEG_FAILURE
#   HYBRID_REQUIRED_BY_SERVER to requests without HYBRID/HYBRID_EX, RDP_NEG_RSP selecting HYBRID_EX
#   (or HYBRID) to those with it. The catalog's neg-failure-0x5 refuses every request, HYBRID ones
#   included, so no tool can find NLA "required" there (rdp-probe says not_supported).
# - nmap's rdp scripts run only on port 3389 or a port its nmap-services names ms-wbt-server: nmap
#   gets --datadir with an nmap-services that names the fleet's port. rdp-enum-encryption sleeps
#   0.2 s before each of its 9 connections per host (5 protocols, 4 Standard RDP Security methods),
#   and lists only what succeeded: "NLA required" is derived from its output as CredSSP SUCCESS with
#   no Native RDP or SSL SUCCESS.
# - ardpscan takes the port from its URL and the targets from a file of addresses; `-s caps` makes 7
#   X.224 connections per host, one after another (5 protocol sets, restricted admin, restricted
#   authentication). aardwolf 0.2.16 builds its result with the arguments out of order: the TSV's
#   columns restrictedadmin, restrictedauth, rdp, ssl, hybrid, hybridex hold rdp, ssl, hybrid,
#   hybridex, restrictedadmin, restrictedauth; they are read by position here.
# - Each tool runs under `timeout -k 5 $TOOL_TIMEOUT` and `/usr/bin/time -v`; a run that timed out is
#   marked so, and its rates are not comparable.
# - The CPU of the fleet server (same 2 cores) is printed apart: it is not the client's. On loopback
#   the kernel processes a packet in the sender's context, so the client's system time also holds
#   the server side's TCP work for what the client sends (SYN, data, FIN).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FLEET=${FLEET:-4096}
CONC=${CONCURRENCY:-512}
DIAG_FLEET=${DIAG_FLEET:-1024}
DIAG_CONC=${DIAG_CONCURRENCY:-$CONC}
NEG_SCENARIO=${NEG_SCENARIO:-fleet-hybrid-required}
DIAG_SCENARIO=ntlm-challenge-v6
FLEET_THREADS=${FLEET_THREADS:-2}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-120}
PEERS=${PEERS-nmap ardpscan}
AARDWOLF_VERSION=${AARDWOLF_VERSION:-0.2.16}
VENV=${VENV:-$TARGET_DIR/fleet-bench-venv}

# The issue's targets.
TARGET_NEG_RATE=10000     # negotiate probes per second, at least
TARGET_KIB_PER_PROBE=16   # KiB per in-flight negotiate probe, at most
TARGET_DIAG_RATE=500      # NLA diagnoses (needs_credentials) per second, at least

# ---- steps and timing (benches/lib.sh) ----------------------------------------------------------

# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# prefix length of a block of $1 addresses (a power of two, 1..65536)
prefix_of() {
  local n=$1 bits=0
  while ((n > 1)); do
    ((n % 2 == 0)) || { echo "not a power of two: $1" >&2; return 1; }
    n=$((n / 2)) bits=$((bits + 1))
  done
  ((bits <= 16)) || { echo "at most 65536 addresses: $1" >&2; return 1; }
  echo $((32 - bits))
}
NEG_NET=127.1.0.0/$(prefix_of "$FLEET")
DIAG_NET=127.2.0.0/$(prefix_of "$DIAG_FLEET")

# ---- cleanup: exactly the processes this script started ---------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleet-vs-peers.XXXXXX")
FLEET_PID=
cleanup_on_exit

# ---- 1. tools ---------------------------------------------------------------------------------

step "tools: nmap, jq, time, python3 venv"
declare -A PKG_OF=([nmap]=nmap [jq]=jq [/usr/bin/time]=time [timeout]=coreutils [python3]=python3)
missing_pkgs() {
  local tool
  for tool in "${!PKG_OF[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "${PKG_OF[$tool]}"
  done
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || echo python3-venv
}
mapfile -t MISSING < <(missing_pkgs | sort -u)
install_missing "${MISSING[@]}"
echo "$(nmap --version | head -1); $(python3 --version)"

ARDPSCAN=
if [[ " $PEERS " == *" ardpscan "* ]]; then
  step "ardpscan: aardwolf==$AARDWOLF_VERSION from PyPI into $VENV"
  if [[ ! -x $VENV/bin/ardpscan ]] || ! "$VENV/bin/pip" show aardwolf 2>/dev/null | grep -qx "Version: $AARDWOLF_VERSION"; then
    python3 -m venv "$VENV"
    timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check "aardwolf==$AARDWOLF_VERSION"
  fi
  ARDPSCAN=$VENV/bin/ardpscan
  echo "ardpscan: aardwolf $("$VENV/bin/pip" show aardwolf | sed -n 's/^Version: //p') ($ARDPSCAN)"
fi

# ---- 2. release binaries ----------------------------------------------------------------------

LAB=$TARGET_DIR/release/rdp-probe-lab
PROBE=$TARGET_DIR/release/rdp-probe
if [[ -n ${SKIP_BUILD:-} ]]; then
  step "build: skipped (SKIP_BUILD), using $TARGET_DIR/release"
else
  step "build: cargo build --release -p rdp-probe-lab -p rdp-probe-cli (target dir $TARGET_DIR)"
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -p rdp-probe-lab -p rdp-probe-cli)
fi
for bin in "$LAB" "$PROBE"; do
  [[ -x $bin ]] || { echo "no $bin" >&2; exit 1; }
done
"$LAB" serve-fleet --help >/dev/null 2>&1 || { echo "$LAB has no serve-fleet subcommand" >&2; exit 1; }

# Every listener and every connection is a descriptor: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
echo "open files: $(ulimit -n)"

# ---- fleet, measurement and parsing helpers ---------------------------------------------------

FLEET_PORT=
# start_fleet NET SCENARIO: starts serve-fleet (bounded by --for), waits for its line, sets FLEET_PORT.
start_fleet() {
  local net=$1 scenario=$2
  "$LAB" serve-fleet --net "$net" --scenario "$scenario" --threads "$FLEET_THREADS" --for 900 \
    >"$WORK/fleet.out" 2>"$WORK/fleet.err" &
  FLEET_PID=$!
  STARTED_PIDS=("$FLEET_PID")
  local deadline=$((SECONDS + 60))
  until grep -q ' servers on port ' "$WORK/fleet.out" 2>/dev/null; do
    if ! kill -0 "$FLEET_PID" 2>/dev/null || ((SECONDS > deadline)); then
      echo "serve-fleet did not start:" >&2
      cat "$WORK/fleet.err" >&2
      FLEET_PID=
      exit 1
    fi
    sleep 0.1
  done
  FLEET_PORT=$(sed -n 's/.* servers on port \([0-9]*\)$/\1/p' "$WORK/fleet.out")
  echo "$(cat "$WORK/fleet.out") (serve-fleet pid $FLEET_PID, $scenario)"
}
stop_fleet() {
  stop_started
  STARTED_PIDS=()
  FLEET_PID=
}
# CPU seconds (user+sys) the fleet server has used so far.
CLK_TCK=$(getconf CLK_TCK)
fleet_cpu() { awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$FLEET_PID/stat"; }

# TCP connections accepted so far on this machine's network namespace (PassiveOpens): per tool run,
# the connections it opened to the fleet (anything else on loopback at that moment counts too).
passive_opens() { awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i; h = 1 } else print $c }' /proc/net/snmp; }

declare -A WALL=() CPU=() RSS=() TIMED_OUT=() SERVER_CPU=() CONNS=()
# measure NAME CMD...: one run under timeout and /usr/bin/time -v; records wall, user+sys, max RSS.
measure() {
  local name=$1 rc=0 s0 t0 c0
  shift
  s0=$(fleet_cpu)
  c0=$(passive_opens)
  t0=$EPOCHREALTIME
  timeout -k 5 "$TOOL_TIMEOUT" /usr/bin/time -v -o "$WORK/$name.time" "$@" \
    >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || rc=$?
  WALL[$name]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
  CONNS[$name]=$(($(passive_opens) - c0))
  SERVER_CPU[$name]=$(awk -v a="$s0" -v b="$(fleet_cpu)" 'BEGIN { printf "%.2f", b - a }')
  CPU[$name]=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$WORK/$name.time" 2>/dev/null || echo "")
  RSS[$name]=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/$name.time" 2>/dev/null || true)
  if ((rc == 124 || rc == 137)); then
    TIMED_OUT[$name]=1
    echo "$name: timed out after $TOOL_TIMEOUT s"
  elif ((rc != 0)); then
    echo "$name: exit $rc (stderr: $(tail -c 300 "$WORK/$name.stderr" | tr '\n' ' '))"
  fi
  echo "$name: wall ${WALL[$name]} s, client CPU ${CPU[$name]:-?} s, max RSS ${RSS[$name]:-?} KiB, server CPU ${SERVER_CPU[$name]} s, ${CONNS[$name]} TCP connections accepted"
}

# addresses of a block, one per line
addresses() { python3 -c 'import ipaddress, sys; [print(a) for a in ipaddress.ip_network(sys.argv[1])]' "$1"; }

# ---- 3. negotiate: rdp-probe, nmap, ardpscan against the NLA-required fleet -------------------

step "fleet: serve-fleet --net $NEG_NET --scenario $NEG_SCENARIO"
start_fleet "$NEG_NET" "$NEG_SCENARIO"
NEG_PORT=$FLEET_PORT
addresses "$NEG_NET" >"$WORK/targets.txt"
FIRST=$(head -1 "$WORK/targets.txt")

step "rdp-probe: 1-target negotiate scan (baseline RSS)"
measure probe-1 "$PROBE" scan "$FIRST" --port "$NEG_PORT" --mode negotiate --json -o "$WORK/probe-1.jsonl" --concurrency "$CONC"

step "rdp-probe: scan $NEG_NET --mode negotiate --concurrency $CONC"
measure rdp-probe "$PROBE" scan "$NEG_NET" --port "$NEG_PORT" --mode negotiate --json -o "$WORK/probe.jsonl" \
  --concurrency "$CONC" --max-targets "$FLEET"

# The same at a quarter of the concurrency: the slope between the two is the cost of one more probe in
# flight, apart from what does not grow with concurrency.
QUARTER=$(((CONC + 3) / 4))
step "rdp-probe: scan $NEG_NET --mode negotiate --concurrency $QUARTER (memory slope)"
measure rdp-probe-quarter "$PROBE" scan "$NEG_NET" --port "$NEG_PORT" --mode negotiate --json -o "$WORK/probe-quarter.jsonl" \
  --concurrency "$QUARTER" --max-targets "$FLEET"

if [[ " $PEERS " == *" nmap "* ]]; then
  step "nmap: -Pn -n -p $NEG_PORT --script rdp-enum-encryption --min/max-parallelism $CONC $NEG_NET"
  NMAP_DATA=$WORK/nmap-data
  mkdir -p "$NMAP_DATA"
  {
    grep -Ev "^[^#[:space:]]+[[:space:]]+$NEG_PORT/tcp[[:space:]]" /usr/share/nmap/nmap-services || true
    printf 'ms-wbt-server\t%s/tcp\t0.001\t# rdp-probe lab fleet\n' "$NEG_PORT"
  } >"$NMAP_DATA/nmap-services"
  measure nmap nmap --datadir "$NMAP_DATA" -Pn -n -p "$NEG_PORT" --script rdp-enum-encryption \
    --min-parallelism "$CONC" --max-parallelism "$CONC" --min-hostgroup "$FLEET" --max-retries 1 \
    -oX "$WORK/nmap.xml" "$NEG_NET"
fi

if [[ -n $ARDPSCAN ]]; then
  step "ardpscan: -s caps -w $CONC rdp://$FIRST:$NEG_PORT (targets file of $FLEET addresses)"
  mkdir -p "$WORK/ardpscan"
  measure ardpscan "$ARDPSCAN" -s caps -w "$CONC" -t 10 --no-progress -o "$WORK/ardpscan" \
    "rdp://$FIRST:$NEG_PORT" "$WORK/targets.txt"
fi
step "fleet: stop"
stop_fleet

# ---- 4. diagnose: rdp-probe against the NTLM-challenge fleet ----------------------------------

step "fleet: serve-fleet --net $DIAG_NET --scenario $DIAG_SCENARIO"
start_fleet "$DIAG_NET" "$DIAG_SCENARIO"
DIAG_PORT=$FLEET_PORT
step "rdp-probe: scan $DIAG_NET --mode diagnose --concurrency $DIAG_CONC"
measure diagnose "$PROBE" scan "$DIAG_NET" --port "$DIAG_PORT" --mode diagnose --json -o "$WORK/diagnose.jsonl" \
  --concurrency "$DIAG_CONC" --max-targets "$DIAG_FLEET"
step "fleet: stop"
stop_fleet
step_end

# ---- 5. answers -------------------------------------------------------------------------------

declare -A DONE=() PRESENT=() NLA_REQ=()
# rdp-probe: one report per line; present = an X.224 Connection Confirm (a selection, a refusal, or no
# negotiation data) to some request; NLA required = nla "required".
probe_answers() { # NAME FILE
  [[ -s $2 ]] || return 0
  DONE[$1]=$(wc -l <"$2")
  PRESENT[$1]=$(jq -s '[.[] | select(.error == null and ([.protocols[]? | select(.answer == "selected" or .answer == "refused" or .answer == "no_negotiation_data")] | length) > 0)] | length' "$2")
  NLA_REQ[$1]=$(jq -s '[.[] | select(.nla == "required")] | length' "$2")
  echo "$1: nla $(jq -r '.nla' "$2" | sort | uniq -c | xargs); findings $(jq -r '[.findings[]?.id] | join(",")' "$2" | sort | uniq -c | xargs)"
}
probe_answers rdp-probe "$WORK/probe.jsonl"
probe_answers rdp-probe-quarter "$WORK/probe-quarter.jsonl"
# nmap: per host, the script's output; present = any SUCCESS line, NLA required = CredSSP SUCCESS and
# neither Native RDP nor SSL SUCCESS (it lists only successes without -d).
if [[ -s $WORK/nmap.xml ]]; then
  python3 - "$WORK/nmap.xml" >"$WORK/nmap.counts" <<'PY'
import sys, xml.etree.ElementTree as ET
done = present = nla = 0
for host in ET.parse(sys.argv[1]).getroot().iter('host'):
    done += 1
    out = " ".join(s.get('output', '') for s in host.iter('script') if s.get('id') == 'rdp-enum-encryption')
    if 'SUCCESS' in out:
        present += 1
    if 'CredSSP (NLA): SUCCESS' in out and 'Native RDP: SUCCESS' not in out and 'SSL: SUCCESS' not in out:
        nla += 1
print(done, present, nla)
PY
  read -r DONE[nmap] PRESENT[nmap] NLA_REQ[nmap] <"$WORK/nmap.counts"
fi
# ardpscan: the caps TSV (columns by position, see Notes): present = a result line; NLA required =
# hybrid or hybridex True and neither rdp nor ssl True.
ARDP_TSV=$(find "$WORK/ardpscan" -name '*.tsv' ! -name '*error*' 2>/dev/null | head -1 || true)
if [[ -n $ARDP_TSV ]]; then
  tr -d '\r' <"$ARDP_TSV" >"$WORK/ardpscan.tsv"
  DONE[ardpscan]=$(awk -F'\t' 'NF >= 7' "$WORK/ardpscan.tsv" | wc -l)
  PRESENT[ardpscan]=${DONE[ardpscan]}
  # The target is the first column, then rdp, ssl, hybrid, hybridex, restrictedadmin, restrictedauth
  # (whatever the header says). Fields of a result row are True, False or None.
  NLA_REQ[ardpscan]=$(awk -F'\t' 'NF >= 7 && ($4 == "True" || $5 == "True") && $2 != "True" && $3 != "True"' "$WORK/ardpscan.tsv" | wc -l)
  head -2 "$WORK/ardpscan.tsv" | sed 's/^/ardpscan TSV: /'
fi
DIAG_DONE=0 DIAG_NEEDS=0
if [[ -s $WORK/diagnose.jsonl ]]; then
  DIAG_DONE=$(wc -l <"$WORK/diagnose.jsonl")
  DIAG_NEEDS=$(jq -s '[.[] | select(.verdict == "needs_credentials")] | length' "$WORK/diagnose.jsonl")
  echo "rdp-probe diagnose verdicts: $(jq -r '.verdict' "$WORK/diagnose.jsonl" | sort | uniq -c | xargs)"
fi

# ---- 6. the table ------------------------------------------------------------------------------

f() { awk -v x="$1" -v fmt="$2" 'BEGIN { if (x == "") print "-"; else printf fmt, x }'; }
rate() { awk -v n="$1" -v w="$2" 'BEGIN { if (n == "" || w == "" || w <= 0) print "-"; else printf "%.0f", n / w }'; }
per() { awk -v c="$1" -v n="$2" 'BEGIN { if (c == "" || n == "" || n <= 0) print "-"; else printf "%.6f", c / n }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f", k / 1024 }'; }

if [[ $NEG_SCENARIO == fleet-hybrid-required ]]; then TRUTH="every host is RDP-present and NLA-required"
else TRUTH="the NLA-required truth holds for fleet-hybrid-required only; see the scenario"; fi
printf '\nNegotiate stage: %s addresses (%s, port %s, %s); %s.\n' "$FLEET" "$NEG_NET" "$NEG_PORT" "$NEG_SCENARIO" "$TRUTH"
printf 'Concurrency %s for every tool. Client CPU = user+sys of the tool; server CPU = serve-fleet, same 2 cores.\n' "$CONC"
printf '%-10s %8s %8s %10s %12s %10s %10s %10s %14s %14s\n' tool targets "wall s" targets/s "CPU s/target" "RSS MiB" "server s" conns/host "RDP-present" "NLA-required"
for tool in rdp-probe rdp-probe-quarter nmap ardpscan; do
  [[ -n ${WALL[$tool]:-} ]] || continue
  n=${DONE[$tool]:-0}
  label=$tool
  [[ $tool == rdp-probe-quarter ]] && label="(C=$QUARTER)"
  printf '%-10s %8s %8s %10s %12s %10s %10s %10s %14s %14s%s\n' "$label" "$n" "$(f "${WALL[$tool]}" %.2f)" \
    "$(rate "$n" "${WALL[$tool]}")" "$(per "${CPU[$tool]:-}" "$n")" "$(mib "${RSS[$tool]:-}")" "${SERVER_CPU[$tool]}" \
    "$(awk -v c="${CONNS[$tool]}" -v n="$FLEET" 'BEGIN { printf "%.1f", c / n }')" \
    "${PRESENT[$tool]:-0}/$FLEET" "${NLA_REQ[$tool]:-0}/$FLEET" "${TIMED_OUT[$tool]:+  (timed out)}"
done
printf '\nDiagnose: %s addresses (%s, %s), concurrency %s; every host ends needs_credentials.\n' "$DIAG_FLEET" "$DIAG_NET" "$DIAG_SCENARIO" "$DIAG_CONC"
printf '%-10s %8s %8s %10s %12s %10s %10s %10s %18s\n' tool targets "wall s" diag/s "CPU s/target" "RSS MiB" "server s" conns/host "needs_credentials"
printf '%-10s %8s %8s %10s %12s %10s %10s %10s %18s%s\n' rdp-probe "$DIAG_DONE" "$(f "${WALL[diagnose]:-}" %.2f)" \
  "$(rate "$DIAG_DONE" "${WALL[diagnose]:-}")" "$(per "${CPU[diagnose]:-}" "$DIAG_DONE")" "$(mib "${RSS[diagnose]:-}")" \
  "${SERVER_CPU[diagnose]:-}" "$(awk -v c="${CONNS[diagnose]:-0}" -v n="$DIAG_FLEET" 'BEGIN { printf "%.1f", c / n }')" "$DIAG_NEEDS/$DIAG_FLEET" "${TIMED_OUT[diagnose]:+  (timed out)}"

# ---- 7. the issue's targets --------------------------------------------------------------------

NEG_DONE=${DONE[rdp-probe]:-0}
NEG_RATE=$(rate "$NEG_DONE" "${WALL[rdp-probe]:-}")
# What the client's CPU alone would allow on 2 cores (the server's share given to it).
NEG_CEIL=$(awk -v c="${CPU[rdp-probe]:-}" -v n="$NEG_DONE" 'BEGIN { if (c == "" || c <= 0 || n <= 0) print "-"; else printf "%.0f", 2 * n / c }')
KIB_PER=$(awk -v a="${RSS[rdp-probe]:-}" -v b="${RSS[probe-1]:-}" -v c="$CONC" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f", (a - b) / c }')
DIAG_RATE=$(rate "$DIAG_NEEDS" "${WALL[diagnose]:-}")
verdict() { # verdict VALUE OP LIMIT
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "-" || v == "") print "FAIL (not measured)"; else if ((op == ">=" && v + 0 >= l) || (op == "<=" && v + 0 <= l)) print "PASS"; else print "FAIL" }'
}
V1=$(verdict "$NEG_RATE" '>=' "$TARGET_NEG_RATE")
V2=$(verdict "$KIB_PER" '<=' "$TARGET_KIB_PER_PROBE")
V3=$(verdict "$DIAG_RATE" '>=' "$TARGET_DIAG_RATE")
# A wrong answer fails the target it belongs to.
if [[ ${NLA_REQ[rdp-probe]:-0} != "$FLEET" && $V1 == PASS ]]; then V1="FAIL (answers)"; fi
if [[ $DIAG_NEEDS != "$DIAG_FLEET" && $V3 == PASS ]]; then V3="FAIL (answers)"; fi
printf '\nThe issue'"'"'s targets (rdp-probe)\n'
printf '  %-58s %-12s %-28s %s\n' target limit measured verdict
printf '  %-58s %-12s %-28s %s\n' "negotiate probes per second (2 cores, client + server)" ">= $TARGET_NEG_RATE" \
  "$NEG_RATE/s (client-CPU bound: $NEG_CEIL/s)" "$V1"
printf '  %-58s %-12s %-28s %s\n' "memory per in-flight negotiate probe" "<= $TARGET_KIB_PER_PROBE KiB" \
  "$KIB_PER KiB ($(mib "${RSS[rdp-probe]:-}") - $(mib "${RSS[probe-1]:-}") MiB) / $CONC" "$V2"
SLOPE=$(awk -v a="${RSS[rdp-probe]:-}" -v b="${RSS[rdp-probe-quarter]:-}" -v c="$CONC" -v q="$QUARTER" 'BEGIN { if (a == "" || b == "" || c == q) print "-"; else printf "%.1f", (a - b) / (c - q) }')
printf '  %-58s %-12s %-28s %s\n' "  (slope: (RSS at $CONC - RSS at $QUARTER) / $((CONC - QUARTER)))" "" "$SLOPE KiB" "(information)"
printf '  %-58s %-12s %-28s %s\n' "NLA diagnoses (needs_credentials) per second" ">= $TARGET_DIAG_RATE" "$DIAG_RATE/s" "$V3"
printf '(client-CPU bound: 2 cores / the client'"'"'s CPU seconds per target, what the rate would be if the server cost nothing)\n'

printf '\ntotal: %s s\n' "$(elapsed "$SCRIPT_START")"
for v in "$V1" "$V2" "$V3"; do
  [[ $v == PASS ]] || STATUS=3
done
exit "$STATUS"
