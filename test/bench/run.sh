#!/usr/bin/env bash
# make bench: every cost side by side in one run, then one report.
#   test/bench/run.sh [SECTION...]     (default: all; the bench-* targets name a few)
# Sections, each a script writing build/bench/SECTION.json (its output in SECTION.log):
#   reservation  test/bench/reservation.sh  windows x algorithms, fresh static and dynamic processes
#   growth       test/bench/growth.sh       the reservation against 10..10000 mappings already there
#   process      test/bench/process.sh      exec with and without the preload, busybox-static under vaoci-launch
#   launch       test/bench/launch.sh       static programs direct and under vaoci-launch
#   container    test/bench/container.sh    crun and runc bare, with the wrapper and hooks, a Node.js hook (root)
#   cli          test/bench/cli.sh          the CLI's start-up against node -e 0
#   arm64        test/arm64/bench.sh        the reservation in the arm64 VM (BENCH_ARM64=0 leaves it out)
# Then test/bench/report.js writes build/bench/report.md and the SVG plots and
# prints the report. Benchmarks, not tests: nothing here asserts a time. RUNS
# sets every section's runs at once (each has its own default and variable too).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT" || exit 2
ALL=(reservation growth process launch container cli arm64)
sections=("$@")
[ $# -gt 0 ] || sections=("${ALL[@]}")
[ "${BENCH_ARM64:-1}" = 0 ] && mapfile -t sections < <(printf '%s\n' "${sections[@]}" | grep -vx arm64)

rm -f "$BENCH_OUT"/*.json "$BENCH_OUT"/*.svg "$BENCH_OUT"/*.log "$BENCH_OUT"/report.md
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# The CLI section's baseline, `node -e 0`, timed first on the machine as it is
# now: the report puts the CLI's ratios in doubt when the section's own
# baseline is far off it (a machine slowed for that section flatters them).
reference=null
if printf '%s\n' "${sections[@]}" | grep -qx cli; then
  ref=$(mktemp)
  hyperfine_quiet -N --warmup 3 --runs 30 --export-json "$ref" 'node -e 0' &&
    reference=$(jq -c '.results[0] | {command, median, runs: (.times | length)}' "$ref")
  rm -f "$ref"
fi
seconds='{}' failed=()
for s in "${sections[@]}"; do
  case $s in
    arm64) script=test/arm64/bench.sh ;;
    reservation | growth | process | launch | container | cli) script=test/bench/$s.sh ;;
    *) echo "bench: section \`$s\`: expected one of ${ALL[*]}" >&2; exit 2 ;;
  esac
  echo "bench: $s ($script; $(bench_load))" >&2
  t0=$(date +%s)
  "$script" >"$BENCH_OUT/$s.log" 2>&1 || { failed+=("$s"); echo "bench: $s FAILED; see ${BENCH_OUT#"$BENCH_ROOT"/}/$s.log" >&2; }
  seconds=$(jq -c --arg s "$s" --argjson t $(($(date +%s) - t0)) '.[$s] = $t' <<<"$seconds")
done

jq -n --arg date "$(date -u +%Y-%m-%dT%H:%MZ)" --arg host "$(hostname)" --arg kernel "$(uname -r)" \
  --arg cpu "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" --argjson cpus "$(nproc)" \
  --arg load_start "$load_start" --arg load_end "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson seconds "$seconds" \
  --argjson reference "$reference" \
  --args '{date: $date, host: $host, kernel: $kernel, cpu: $cpu, cpus: $cpus, load_start: $load_start,
           load_end: $load_end, seconds: $seconds, failed: $ARGS.positional}
          + (if $reference then {reference: $reference} else {} end)' "${failed[@]}" >"$BENCH_OUT/machine.json"
node test/bench/report.js "$BENCH_OUT"
[ ${#failed[@]} -eq 0 ]
