# Shared by the peer benchmarks (inventory-vs-peers.sh, fleet-vs-peers.sh): named steps that print
# their duration. Source it; it defines STATUS, SCRIPT_START, step, step_end and elapsed.

STATUS=0
SCRIPT_START=$EPOCHREALTIME

STEP_NAME=
STEP_START=
step() {
  step_end
  STEP_NAME=$1
  STEP_START=$EPOCHREALTIME
  printf '\n== %s\n' "$STEP_NAME"
}
step_end() {
  if [[ -n $STEP_NAME ]]; then
    printf -- '-- %s: %s s\n' "$STEP_NAME" "$(elapsed "$STEP_START")"
    STEP_NAME=
  fi
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# install_missing PKG...: installs Debian packages with apt when root; otherwise says what to install
# and exits 2. No-op without arguments.
install_missing() {
  (($#)) || return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing: $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "$@"; then
      apt-get update -o DPkg::Lock::Timeout=600
      apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "$@"
    fi
  else
    echo "missing: $*; install them (Debian: apt-get install -y --no-install-recommends $*) or run this as root" >&2
    exit 2
  fi
}

# Cleanup on exit: stops exactly the processes whose PIDs are in STARTED_PIDS (and waits for them),
# then removes $WORK unless KEEP_OUTPUT is set. Call `cleanup_on_exit` once WORK is set.
declare -a STARTED_PIDS=()
stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  stop_started
  if [[ -n ${KEEP_OUTPUT:-} ]]; then
    echo "outputs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
cleanup_on_exit() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
