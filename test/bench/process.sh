#!/usr/bin/env bash
# What vaoci adds to starting one process, a benchmark (not a test), with
# hyperfine (no shell): exec of a dynamically linked program directly and
# with the preload reserving the i386 window (LD_PRELOAD=libvaoci-preload.so
# VAOCI_VA_LIMIT=i386), for coreutils' /bin/true and Debian's dynamically
# linked busybox (`busybox true`; fetched once with apt-get download into
# build/bench-cache, since the busybox-static the tests use cannot load a
# preload); and busybox-static directly and under vaoci-launch, the way
# static programs get their window. hyperfine has no per-command
# environment, so the preload rows run in a hyperfine of their own started
# with those two variables (it spawns with posix_spawn, so its own
# reservation costs its children nothing); the two alternate which goes first,
# PROCESS_ROUNDS (default 10) rounds of PROCESS_RUNS / rounds runs per row
# (else RUNS, default 1000), the rows in a rotated order each round.
# Writes $BENCH_OUT/process.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
runs=${PROCESS_RUNS:-${RUNS:-1000}} rounds=${PROCESS_ROUNDS:-10}
per_round=$(((runs + rounds - 1) / rounds))
preload=$BENCH_ROOT/build/x86_64/libvaoci-preload.so launch=$BENCH_ROOT/build/x86_64/vaoci-launch
static_bb=$(command -v busybox) # busybox-static (.ci/install-deps)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dynamic_busybox: Debian's dynamically linked busybox, unpacked (not installed:
# it conflicts with busybox-static) into build/bench-cache once.
dynamic_busybox() {
  local cache=$BENCH_ROOT/build/bench-cache/busybox
  if [ ! -x "$cache/bin/busybox" ]; then
    mkdir -p "$cache"
    (cd "$cache" && apt-get download busybox >/dev/null 2>&1 && dpkg-deb -x busybox_*.deb . && rm -f busybox_*.deb) ||
      { echo "process: apt-get download busybox failed; its rows are left out" >&2; return 1; }
  fi
  echo "$cache/bin/busybox"
}

names=("/bin/true" "busybox-static true" "busybox-static true, vaoci-launch")
cmds=("/bin/true" "$static_bb true" "$launch --va-limit i386 $static_bb true")
pnames=("/bin/true, preload") pcmds=("/bin/true")
if bb=$(dynamic_busybox); then
  names+=("busybox true") cmds+=("$bb true") pnames+=("busybox true, preload") pcmds+=("$bb true")
fi

# Each preload row must really reserve: the preload says so once with VAOCI_DEBUG=1.
for c in "${pcmds[@]}"; do
  # shellcheck disable=SC2086 # a command line of words without quoting
  LD_PRELOAD=$preload VAOCI_VA_LIMIT=i386 VAOCI_DEBUG=1 $c 2>&1 | grep -q '^vaoci: reserved ' ||
    { echo "process: the preload did not reserve in \`$c\`" >&2; exit 1; }
done

# round_args R NAMES CMDS: hyperfine's -n NAME COMMAND pairs, rotated by R.
round_args() {
  local r=$1 k
  local -n ns=$2 cs=$3
  args=()
  for ((k = 0; k < ${#ns[@]}; k++)); do
    local i=$(((k + r) % ${#ns[@]}))
    args+=(-n "${ns[$i]}" "${cs[$i]}")
  done
}

echo "process: $rounds rounds of $per_round runs per row ($(bench_load))"
for ((r = 0; r < rounds; r++)); do
  for half in $((r % 2)) $((1 - r % 2)); do
    if [ "$half" = 0 ]; then
      round_args "$r" names cmds
      hyperfine_quiet -N -w 20 -r "$per_round" --export-json "$tmp/direct-$r.json" "${args[@]}"
    else
      round_args "$r" pnames pcmds
      LD_PRELOAD=$preload VAOCI_VA_LIMIT=i386 hyperfine_quiet -N -w 20 -r "$per_round" \
        --export-json "$tmp/preload-$r.json" "${args[@]}"
    fi
  done
done

all=("$tmp"/*.json)
hyperfine_group "/bin/true (coreutils, dynamic): the preload" '["/bin/true", "/bin/true, preload"]' "${all[@]}" >"$tmp/g1"
hyperfine_group "busybox true (Debian's busybox, dynamic): the preload" '["busybox true", "busybox true, preload"]' "${all[@]}" >"$tmp/g2"
hyperfine_group "busybox true (busybox-static): vaoci-launch" '["busybox-static true", "busybox-static true, vaoci-launch"]' "${all[@]}" >"$tmp/g3"
groups=("$tmp/g1")
[ -n "${bb:-}" ] && groups+=("$tmp/g2")
groups+=("$tmp/g3")
bench_section process "hyperfine -N, $rounds rounds x $per_round runs per row, rows rotated, i386 window" "${groups[@]}"
