#!/usr/bin/env bash
# The zombienet network tests (`npm run test:network`): real `modelproof-node` processes, Aura +
# GRANDPA, on 127.0.0.1 only.
#
#   bash scripts/test-network.sh                   # every zombienet/*.zndsl, one network at a time
#   bash scripts/test-network.sh two-validators    # only zombienet/two-validators.zndsl (names, no extension)
#
# Steps: builds the node (scripts/build-node.sh: cargo does nothing when it is up to date; the first
# build is long), installs the pinned zombienet (scripts/install-zombienet.sh), installs the rest and
# builds the TypeScript packages (scripts/setup.sh: npm packages, redis-server, Kubo, `npm run
# build`; the inference tests start a worker daemon, Redis and Kubo), then runs each test with the
# native provider (`zombienet -p native test …`), each in its own temporary directory. Ends with a
# pass/fail line per test and exits non-zero if any failed.
#
# Every test runs in a process group of its own (setsid); when it ends, or on Ctrl-C, whatever of
# that group is still running (zombienet, the nodes it spawned, a worker daemon, Redis, Kubo) is
# ended, by process group, so no node is left behind.
#
# Environment:
#   MODELPROOF_NODE                  use this node binary and skip scripts/build-node.sh
#   MODELPROOF_NETWORK_TEST_TIMEOUT  seconds allowed per test (default 2400)
#   MODELPROOF_KEEP_NETWORK_DIRS=1   keep each test's directory (node logs, chain specs) even when
#                                    all pass (it is always kept when a test fails)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '[test-network] %s\n' "$*" >&2; }

limit=${MODELPROOF_NETWORK_TEST_TIMEOUT:-2400}
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || { log "error: MODELPROOF_NETWORK_TEST_TIMEOUT must be a number of seconds, got '$limit'"; exit 2; }

# which tests
tests=()
if [[ $# -eq 0 ]]; then
  for file in zombienet/*.zndsl; do tests+=("$(basename "$file" .zndsl)"); done
else
  for name in "$@"; do
    name=${name%.zndsl}
    name=${name#zombienet/}
    [[ -f "zombienet/$name.zndsl" ]] || { log "error: no test zombienet/$name.zndsl (have: $(cd zombienet && ls ./*.zndsl | sed 's|^\./||; s|\.zndsl$||' | tr '\n' ' '))"; exit 2; }
    tests+=("$name")
  done
fi
[[ ${#tests[@]} -gt 0 ]] || { log "error: no zombienet/*.zndsl tests"; exit 2; }

# prerequisites
if [[ -n "${MODELPROOF_NODE:-}" ]]; then
  [[ -x "$MODELPROOF_NODE" ]] || { log "error: MODELPROOF_NODE=$MODELPROOF_NODE is not an executable file"; exit 1; }
  log "using $MODELPROOF_NODE (MODELPROOF_NODE is set: not building the node)"
else
  log "building the node (scripts/build-node.sh; the first build takes long, later runs only check)"
  MODELPROOF_NODE=$(bash scripts/build-node.sh) || { log "error: building the node failed"; exit 1; }
fi
MODELPROOF_NODE=$(realpath "$MODELPROOF_NODE")
export MODELPROOF_NODE
log "node: $MODELPROOF_NODE ($("$MODELPROOF_NODE" --version 2>/dev/null || echo 'version unknown'))"

zombienet=$(bash scripts/install-zombienet.sh) || { log "error: installing zombienet failed"; exit 1; }
bash scripts/setup.sh || { log "error: scripts/setup.sh failed"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/modelproof-network.XXXXXX")
current_pgid=""
tail_pid=""
any_failed=0

# Ends what is left of a test's process group: SIGTERM, then SIGKILL after 15 s.
stop_group() {
  local pgid=$1 i
  pgrep -g "$pgid" >/dev/null 2>&1 || return 0
  kill -TERM -- "-$pgid" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    pgrep -g "$pgid" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  log "process group $pgid did not stop on SIGTERM: $(pgrep -g "$pgid" | tr '\n' ' ')- sending SIGKILL"
  kill -KILL -- "-$pgid" 2>/dev/null
  for ((i = 0; i < 20; i++)); do
    pgrep -g "$pgid" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  log "warning: still running in process group $pgid: $(pgrep -g "$pgid" | tr '\n' ' ')"
}

on_exit() {
  if [[ -n "$tail_pid" ]]; then kill "$tail_pid" 2>/dev/null; fi
  if [[ -n "$current_pgid" ]]; then stop_group "$current_pgid"; fi
  if [[ $any_failed -eq 0 && "${MODELPROOF_KEEP_NETWORK_DIRS:-}" != 1 ]]; then
    rm -rf "$work"
  else
    log "network directories (node logs, chain specs, zombienet output) kept in $work"
  fi
}
trap on_exit EXIT
trap 'log "interrupted: stopping the network"; any_failed=1; exit 130' INT TERM

strip_colors() { sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' "$1"; }

declare -A result duration details
for name in "${tests[@]}"; do
  dir="$work/$name"
  mkdir -p "$dir"
  output="$dir/zombienet.log"
  : >"$output"
  log "── $name: zombienet -p native test zombienet/$name.zndsl (network files in $dir/network)"
  started=$(date +%s)
  # own session and process group; `timeout` signals the whole group when the limit is hit
  setsid timeout --kill-after=30 "$limit" \
    "$zombienet" -p native -l text -d "$dir/network" test "$root/zombienet/$name.zndsl" >"$output" 2>&1 </dev/null &
  current_pgid=$!
  # setsid does not fork here (a background job of a non-interactive shell is no group leader), so
  # $! leads the new process group; check, since the cleanup relies on it
  pgid=$(ps -o pgid= -p "$current_pgid" 2>/dev/null | tr -d ' ')
  [[ -z "$pgid" || "$pgid" == "$current_pgid" ]] || log "warning: zombienet runs in process group $pgid, not $current_pgid: leftovers may not be stopped"
  tail -n +1 -f --pid="$current_pgid" "$output" &
  tail_pid=$!
  wait "$current_pgid"
  code=$?
  wait "$tail_pid" 2>/dev/null
  tail_pid=""
  stop_group "$current_pgid"
  current_pgid=""
  duration[$name]=$(( $(date +%s) - started ))

  summary=$(strip_colors "$output" | grep -oE 'Result: [0-9]+/[0-9]+' | tail -n 1)
  failed_lines=$(strip_colors "$output" | grep -E '❌' | sed -E 's/^[^❌]*❌ ?//; s/[│|].*$//' || true)
  if [[ $code -eq 0 && -n "$summary" ]]; then
    result[$name]="passed (${summary#Result: } assertions)"
  else
    any_failed=1
    case $code in
      124 | 137) why="timed out after ${limit}s" ;;
      *) why="exit $code" ;;
    esac
    result[$name]="FAILED ($why${summary:+, ${summary#Result: } assertions passed})"
    details[$name]=""
    if [[ -n "$failed_lines" ]]; then
      details[$name]+="$(printf '%s\n' "$failed_lines" | sed 's/^/      ❌ /')"$'\n'
    fi
    details[$name]+="      zombienet output: $output"$'\n'"      node logs: $dir/network/<node>.log"
  fi
done

echo
echo "zombienet network tests:"
for name in "${tests[@]}"; do
  printf '  %-16s %s in %ss\n' "$name" "${result[$name]}" "${duration[$name]}"
  [[ -z "${details[$name]:-}" ]] || printf '%s\n' "${details[$name]}"
done
if [[ $any_failed -eq 0 ]]; then
  echo "network tests: ${#tests[@]} passed, 0 failed"
else
  failed=0
  for name in "${tests[@]}"; do [[ ${result[$name]} == FAILED* ]] && failed=$((failed + 1)); done
  echo "network tests: $(( ${#tests[@]} - failed )) passed, $failed failed"
fi
exit $any_failed
