#!/usr/bin/env bash
# `rdp-probe inventory` side by side with the peer tools on real lab servers (loopback only):
#   nmap -Pn -n -p PORT --script rdp-enum-encryption,rdp-ntlm-info 127.0.0.1
#   sslscan --rdp 127.0.0.1:PORT
# against xrdp-negotiate, xrdp-rdp-high and shadow-nla, each started with `rdp-probe-lab serve-real`.
#
# Prints: each step's duration; the median wall time of each tool (hyperfine) with the ratios
# nmap/rdp-probe and sslscan/rdp-probe; the max RSS of one run of each (/usr/bin/time -v); and,
# per server, what each tool answers for security protocols, NLA, TLS versions, TLS cipher suites
# (IANA names) and Standard RDP Security methods.
#
# Usage:  benches/inventory-vs-peers.sh
# Env:    RUNS (hyperfine runs per command, default 10), CARGO_TARGET_DIR (default ./target),
#         SKIP_BUILD=1 uses the release binaries already in the target dir,
#         KEEP_OUTPUT=1 keeps the work directory (hyperfine JSON, tool outputs) and prints its path.
# Needs:  nmap, sslscan, hyperfine, jq, /usr/bin/time (installed with apt when run as root) and the
#         lab's servers (xrdp, freerdp-shadow-cli, Xvfb: scripts/install-test-deps.sh).
# Exit:   0 all measured; 1 a step failed, or `rdp-probe inventory` is not available (the peers'
#         numbers are still printed); 2 tools missing and not installable here.
#
# Notes:
# - nmap's rdp scripts run only on port 3389 or on a port nmap-services names ms-wbt-server, so
#   nmap gets --datadir with an nmap-services that names the lab ports (other data files fall back
#   to nmap's default directory).
# - Every timed command runs under `timeout -k 5 60` (sslscan and nmap have no overall timeout of
#   their own); the wrapper costs the same for all three tools.
# - The answers run adds -d to nmap, because rdp-enum-encryption prints FAILED lines only with it.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-10}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SERVERS=(xrdp-negotiate xrdp-rdp-high shadow-nla)
TIMEOUT=(timeout -k 5 60)
NMAP_SCRIPTS=rdp-enum-encryption,rdp-ntlm-info

# ---- steps and timing (benches/lib.sh) ----------------------------------------------------------

# shellcheck source=benches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- cleanup: exactly the serve-real processes this script started ----------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/inventory-vs-peers.XXXXXX")
cleanup_on_exit

# ---- 1. the peers -----------------------------------------------------------------------------

step "peers: nmap, sslscan, hyperfine, jq, time"
declare -A PKG_OF=([nmap]=nmap [sslscan]=sslscan [hyperfine]=hyperfine [jq]=jq [/usr/bin/time]=time [timeout]=coreutils)
missing_pkgs() {
  local tool
  for tool in "${!PKG_OF[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "${PKG_OF[$tool]}"
  done | sort -u
}
mapfile -t MISSING < <(missing_pkgs)
install_missing "${MISSING[@]}"
echo "$(nmap --version | head -1); sslscan $(sslscan --version 2>&1 | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -1); $(hyperfine --version)"

# ---- 2. release binaries ----------------------------------------------------------------------

LAB=$TARGET_DIR/release/rdp-probe-lab
PROBE=$TARGET_DIR/release/rdp-probe
HAVE_INVENTORY=
if [[ -n ${SKIP_BUILD:-} ]]; then
  step "build: skipped (SKIP_BUILD), using $TARGET_DIR/release"
  [[ -x $LAB ]] || { echo "no $LAB" >&2; exit 1; }
else
  step "build: cargo build --release -p rdp-probe-lab (target dir $TARGET_DIR)"
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -p rdp-probe-lab) ||
    { echo "rdp-probe-lab does not build; the lab servers are needed" >&2; exit 1; }
  step "build: cargo build --release -p rdp-probe-cli (target dir $TARGET_DIR)"
  if ! (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -p rdp-probe-cli); then
    echo "NOTE: rdp-probe-cli does not build: only the peers are measured, and the script exits 1"
    rm -f "$PROBE"
    STATUS=1
  fi
fi
if [[ -x $PROBE ]] && "$PROBE" --help | grep -Eq '^[[:space:]]+inventory([[:space:]]|$)'; then
  HAVE_INVENTORY=1
elif [[ -x $PROBE ]]; then
  echo "NOTE: $PROBE has no \`inventory\` subcommand yet: only the peers are measured, and the script exits 1"
  STATUS=1
fi

# ---- 3. the lab servers -----------------------------------------------------------------------

step "lab: serve-real ${SERVERS[*]}"
declare -A PORT=()
for name in "${SERVERS[@]}"; do
  # --for bounds the server's life should this script be killed with SIGKILL.
  "$LAB" serve-real "$name" --for 1800 >"$WORK/$name.addr" 2>"$WORK/$name.lab.log" &
  STARTED_PIDS+=($!)
done
port_accepts() { [[ -n $1 ]] && (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# serve-real prints 127.0.0.1:PORT on its first line once the server accepts connections.
port_of() { sed -n '1s/.*:\([0-9][0-9]*\)$/\1/p' "$WORK/$1.addr"; }
deadline=$((SECONDS + 60))
for i in "${!SERVERS[@]}"; do
  name=${SERVERS[$i]}
  until port_accepts "$(port_of "$name")"; do
    if ! kill -0 "${STARTED_PIDS[$i]}" 2>/dev/null || ((SECONDS > deadline)); then
      echo "$name did not start:" >&2
      cat "$WORK/$name.lab.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  PORT[$name]=$(port_of "$name")
  echo "$name: 127.0.0.1:${PORT[$name]} (serve-real pid ${STARTED_PIDS[$i]})"
done

# nmap's data directory: nmap-services with every lab port as ms-wbt-server.
NMAP_DATA=$WORK/nmap-data
mkdir -p "$NMAP_DATA"
{
  ports_re=$(IFS='|'; echo "${PORT[*]}")
  grep -Ev "^[^#[:space:]]+[[:space:]]+($ports_re)/tcp[[:space:]]" /usr/share/nmap/nmap-services || true
  for name in "${SERVERS[@]}"; do
    printf 'ms-wbt-server\t%s/tcp\t0.001\t# rdp-probe lab: %s\n' "${PORT[$name]}" "$name"
  done
} >"$NMAP_DATA/nmap-services"

cmd_probe() { echo "$PROBE inventory 127.0.0.1:$1 --json"; }
# The same without the suite enumeration (versions, the preferred suite, everything else): closer to
# the work nmap's two scripts do, which list no suites.
cmd_probe_ns() { echo "$PROBE inventory 127.0.0.1:$1 --json --no-cipher-suites"; }
cmd_nmap() { echo "nmap --datadir $NMAP_DATA -Pn -n -p $1 --script $NMAP_SCRIPTS 127.0.0.1"; }
cmd_sslscan() { echo "sslscan --rdp 127.0.0.1:$1"; }

# ---- 4. wall time -----------------------------------------------------------------------------

TOOLS=(nmap sslscan)
[[ -n $HAVE_INVENTORY ]] && TOOLS=(rdp-probe rdp-probe-nosuites "${TOOLS[@]}")
declare -A MEDIAN=() RSS=()
for name in "${SERVERS[@]}"; do
  port=${PORT[$name]}
  step "hyperfine: $name (--warmup 1 --runs $RUNS)"
  args=()
  for tool in "${TOOLS[@]}"; do
    case $tool in
      rdp-probe) c=$(cmd_probe "$port") ;;
      rdp-probe-nosuites) c=$(cmd_probe_ns "$port") ;;
      nmap) c=$(cmd_nmap "$port") ;;
      sslscan) c=$(cmd_sslscan "$port") ;;
    esac
    args+=(-n "$tool" "${TIMEOUT[*]} $c")
  done
  # --ignore-failure: the tools' exit codes report findings, not whether they ran.
  if hyperfine -N --ignore-failure --style basic --warmup 1 --runs "$RUNS" \
    --export-json "$WORK/$name.hyperfine.json" "${args[@]}" >"$WORK/$name.hyperfine.txt" 2>&1; then
    for tool in "${TOOLS[@]}"; do
      MEDIAN[$name,$tool]=$(jq -r --arg t "$tool" '.results[] | select(.command == $t) | .median' "$WORK/$name.hyperfine.json")
    done
  else
    echo "hyperfine failed on $name:" >&2
    cat "$WORK/$name.hyperfine.txt" >&2
    STATUS=1
  fi
  for tool in "${TOOLS[@]}"; do
    case $tool in
      rdp-probe) c=$(cmd_probe "$port") ;;
      rdp-probe-nosuites) c=$(cmd_probe_ns "$port") ;;
      nmap) c=$(cmd_nmap "$port") ;;
      sslscan) c=$(cmd_sslscan "$port") ;;
    esac
    # shellcheck disable=SC2086 # the command lines hold no spaces inside arguments
    "${TIMEOUT[@]}" /usr/bin/time -v -o "$WORK/$name.$tool.time" $c >/dev/null 2>&1 || true
    RSS[$name,$tool]=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/$name.$tool.time")
  done
done
step_end

fmt_s() { [[ -n ${1:-} ]] && awk -v x="$1" 'BEGIN { printf "%.3f", x }' || echo "-"; }
ratio() { [[ -n ${1:-} && -n ${2:-} ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }' || echo "-"; }
fmt_mb() { [[ -n ${1:-} ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "-"; }

printf '\nMedian wall time in seconds (hyperfine, %s runs after 1 warmup); max RSS in MiB of one run (/usr/bin/time -v)\n' "$RUNS"
printf '(rdp-probe: the full inventory; no-suites: --no-cipher-suites, every version but only the preferred suite)\n'
printf '%-16s %10s %10s %10s %10s %14s %18s %17s %10s %10s %10s\n' server rdp-probe no-suites nmap sslscan nmap/rdp-probe nmap/no-suites sslscan/rdp-probe rss:probe rss:nmap rss:sslscan
for name in "${SERVERS[@]}"; do
  p=${MEDIAN[$name,rdp-probe]:-} q=${MEDIAN[$name,rdp-probe-nosuites]:-} n=${MEDIAN[$name,nmap]:-} s=${MEDIAN[$name,sslscan]:-}
  printf '%-16s %10s %10s %10s %10s %14s %18s %17s %10s %10s %10s\n' "$name" "$(fmt_s "$p")" "$(fmt_s "$q")" "$(fmt_s "$n")" "$(fmt_s "$s")" \
    "$(ratio "$n" "$p")" "$(ratio "$n" "$q")" "$(ratio "$s" "$p")" \
    "$(fmt_mb "${RSS[$name,rdp-probe]:-}")" "$(fmt_mb "${RSS[$name,nmap]:-}")" "$(fmt_mb "${RSS[$name,sslscan]:-}")"
done
[[ -n $HAVE_INVENTORY ]] || echo "(rdp-probe: not measured, no \`inventory\` subcommand)"

# ---- 5. answers -------------------------------------------------------------------------------

step "answers: one run of each tool per server"
# OpenSSL cipher name -> IANA name, for sslscan's lists.
openssl ciphers -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null |
  awk '{ print $3, $1 }' >"$WORK/iana.map"
for name in "${SERVERS[@]}"; do
  port=${PORT[$name]}
  # shellcheck disable=SC2046
  "${TIMEOUT[@]}" $(cmd_nmap "$port") -d -oN "$WORK/$name.nmap.txt" >"$WORK/$name.nmap.debug" 2>&1 || true
  "${TIMEOUT[@]}" sslscan --rdp --no-colour --xml="$WORK/$name.sslscan.xml" "127.0.0.1:$port" >"$WORK/$name.sslscan.txt" 2>&1 || true
  if [[ -n $HAVE_INVENTORY ]]; then
    # shellcheck disable=SC2046
    "${TIMEOUT[@]}" $(cmd_probe "$port") >"$WORK/$name.probe.json" 2>"$WORK/$name.probe.err" || true
    if ! jq -e '.protocols' "$WORK/$name.probe.json" >/dev/null 2>&1; then
      echo "rdp-probe inventory gave no JSON report on $name:" >&2
      head -c 2000 "$WORK/$name.probe.err" >&2
      STATUS=1
    fi
  fi
done
step_end

# nmap: "Label: SUCCESS|FAILED..." lines of rdp-enum-encryption's Security layer section, as name=verdict.
nmap_protocols() {
  sed -n 's/^|[[:space:]]*\(Native RDP\|SSL\|CredSSP (NLA)\|CredSSP with Early User Auth\|RDSTLS\): \(.*\)$/\1=\2/p' "$1" |
    sed -e 's/^Native RDP=/rdp=/' -e 's/^SSL=/ssl=/' -e 's/^CredSSP (NLA)=/hybrid=/' \
      -e 's/^CredSSP with Early User Auth=/hybrid_ex=/' -e 's/^RDSTLS=/rdstls=/' | sort
}
# nmap: the Standard RDP Security methods it reports SUCCESS for, normalized (40bit 56bit 128bit fips).
nmap_methods() {
  sed -n 's/^|[[:space:]]*\(40-bit RC4\|56-bit RC4\|128-bit RC4\|FIPS 140-1\): SUCCESS.*/\1/p' "$1" |
    sed -e 's/^\([0-9]*\)-bit RC4$/\1bit/' -e 's/^FIPS 140-1$/fips/' | sort | xargs
}
nmap_level() { sed -n 's/^|[[:space:]]*RDP Encryption level: \(.*\)$/\1/p' "$1" | head -1; }
nmap_script_error() { { grep -E '^\|.*(ERROR|error)' "$1" || true; } | head -2 | xargs; }
# sslscan XML: enabled TLS versions as TLSv1.x.
sslscan_versions() {
  { grep -o '<protocol type="tls" version="[0-9.]*" enabled="1"' "$1" 2>/dev/null || true; } |
    sed 's/.*version="\([0-9.]*\)".*/TLSv\1/' | sort | xargs
}
# sslscan XML: accepted cipher suites of one version (sslversion attribute, e.g. TLSv1.2), IANA names.
sslscan_suites() {
  { grep -o "<cipher [^>]*sslversion=\"$2\"[^>]*" "$1" 2>/dev/null || true; } |
    sed -n 's/.* cipher="\([^"]*\)".*/\1/p' |
    awk 'NR == FNR { iana[$1] = $2; next } { print (($1 in iana) ? iana[$1] : ($1 ~ /^TLS_/ ? $1 : "openssl:" $1)) }' "$WORK/iana.map" - |
    sort -u | xargs
}
# jq that prints nothing (instead of failing) on a missing or malformed rdp-probe report.
pjq() { jq "$@" 2>/dev/null || true; }
# rdp-probe: normalize method names the same way (ENCRYPTION_METHOD_40BIT, "40-bit RC4", 40bit ... -> 40bit).
probe_methods() {
  pjq -r '.standard_rdp.encryption_methods // [] | .[] | if type == "object" then (.name // .method // tostring) else tostring end' "$1" |
    tr '[:upper:]' '[:lower:]' |
    sed -e 's/encryption_method_//' -e 's/^\(40\|56\|128\)[^0-9].*/\1bit/' -e 's/^\(40\|56\|128\)$/\1bit/' -e 's/.*fips.*/fips/' |
    sort | xargs
}
# rdp-probe: protocols accepted, as name=true|false.
probe_protocols() {
  pjq -r '.protocols // {} | to_entries[] | "\(.key | ascii_downcase)=\(.value.accepted)"' "$1" | sort
}
probe_versions() { pjq -r '.tls.versions // {} | to_entries[] | select(.value.accepted == true) | .key' "$1" | sort | xargs; }
probe_suites() { pjq -r --arg v "$2" '.tls.versions[$v].cipher_suites // [] | .[]' "$1" | sort -u | xargs; }

row() { printf '  %-30s %-14s %s\n' "$1" "$2" "$3"; }
# "same" when rdp-probe's normalized answer equals the peer's, else rdp-probe's answer marked DIFFERS.
same_or() { if [[ $1 == "$2" ]]; then echo "same"; else echo "${2:--}   <-- DIFFERS"; fi; }
# Accepted protocols among the five nmap probes: from nmap (SUCCESS) and from rdp-probe (accepted true).
NMAP_FIVE='^(rdp|ssl|hybrid|hybrid_ex|rdstls)$'
nmap_accepted() { nmap_protocols "$1" | awk -F= '$2 ~ /^SUCCESS/ { print $1 }' | grep -E "$NMAP_FIVE" | sort | xargs || true; }
probe_accepted() {
  probe_protocols "$1" | sed 's/^protocol_//' | awk -F= '$2 == "true" { print $1 }' | { grep -E "$NMAP_FIVE" || true; } | sort | xargs
}
echo
echo "Answers, per server (tool: answer). rdp-probe's protocol keys are printed as its JSON names them;"
echo "nmap's labels are mapped: Native RDP=rdp, SSL=ssl, CredSSP (NLA)=hybrid, CredSSP with Early User Auth=hybrid_ex, RDSTLS=rdstls."
for name in "${SERVERS[@]}"; do
  nm=$WORK/$name.nmap.txt ss=$WORK/$name.sslscan.xml pj=$WORK/$name.probe.json
  echo
  echo "[$name] 127.0.0.1:${PORT[$name]}"
  row "security protocols" nmap "$(nmap_protocols "$nm" | xargs) $(nmap_script_error "$nm")"
  if [[ -n $HAVE_INVENTORY ]]; then
    row "" rdp-probe "$(probe_protocols "$pj" | xargs)"
    row "  accepted (nmap's five)" nmap "$(nmap_accepted "$nm")"
    row "" rdp-probe "$(same_or "$(nmap_accepted "$nm")" "$(probe_accepted "$pj")")"
    row "NLA" rdp-probe "$(pjq -c '.nla' "$pj")"
  else
    row "" rdp-probe "(no inventory subcommand)"
  fi
  verdict() { nmap_protocols "$nm" | sed -n "s/^$1=//p"; }
  hyb=$(verdict hybrid) nat=$(verdict rdp) ssl=$(verdict ssl)
  if [[ $hyb != SUCCESS* ]]; then req="not supported"
  elif [[ $nat == FAILED* && $ssl == FAILED* ]]; then req=required
  else req="supported, not required"; fi
  row "NLA" nmap "CredSSP (NLA): ${hyb:-no line}; Native RDP: ${nat:-no line}; SSL: ${ssl:-no line} => $req (derived; nmap prints FAILED only with -d)"
  row "TLS versions" sslscan "$(sslscan_versions "$ss")"
  if [[ -n $HAVE_INVENTORY ]]; then row "" rdp-probe "$(same_or "$(sslscan_versions "$ss")" "$(probe_versions "$pj")")"; fi
  versions=$(sslscan_versions "$ss")
  if [[ -n $HAVE_INVENTORY ]]; then versions+=" $(probe_versions "$pj")"; fi
  for v in $(printf '%s\n' $versions | sort -u); do
    a=$(sslscan_suites "$ss" "$v")
    row "$v suites" sslscan "${a:--}"
    if [[ -n $HAVE_INVENTORY ]]; then
      b=$(probe_suites "$pj" "$v")
      row "" rdp-probe "$(same_or "${a:--}" "${b:--}")"
    fi
  done
  row "Standard RDP methods" nmap "$(nmap_methods "$nm") (level: $(nmap_level "$nm"))"
  if [[ -n $HAVE_INVENTORY ]]; then
    row "" rdp-probe "$(same_or "$(nmap_methods "$nm")" "$(probe_methods "$pj")") (level: $(pjq -r '.standard_rdp.encryption_level // "-"' "$pj"))"
  fi
  ntlm=$({ grep -E '^\|[[:space:]]+(Target_Name|NetBIOS_Computer_Name|DNS_Computer_Name|Product_Version):' "$nm" || true; } | sed 's/^|[[:space:]]*//' | xargs)
  row "NTLM (rdp-ntlm-info)" nmap "${ntlm:--}"
  if [[ -n $HAVE_INVENTORY ]]; then
    row "" rdp-probe "$(pjq -c '.ntlm' "$pj")"
    row "CredSSP version" rdp-probe "$(pjq -c '.credssp' "$pj")"
  fi
done

printf '\ntotal: %s s\n' "$(elapsed "$SCRIPT_START")"
if [[ -z $HAVE_INVENTORY ]]; then
  echo "FAILED: \`rdp-probe inventory\` is not available (see the NOTE above); only the peers were measured" >&2
fi
exit "$STATUS"
