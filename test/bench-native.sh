#!/usr/bin/env bash
# make bench-native: the reservation algorithms side by side, in fresh static
# and dynamic processes, for the i386, x86_64 and a 40-bit window on this
# machine, then in the arm64 VM. Figures are printed as measured; each table
# says whether the default algorithm met the README's 30 µs median goal.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=build/x86_64/vaoci-reserve
runs=${RUNS:-200}
goal_us=30

for window in i386 x86_64 0x10000-0x10000000000; do
  json=$($tool --json bench --va-limit "$window" --runs "$runs")
  echo
  echo "$json" | jq -r '"window \(.window.text), \(.runs) fresh processes per row, run side by side"'
  echo "$json" | jq -r '
    (["algorithm", "process", "median us", "p90 us", "syscalls", "vs ladder", "vs gaps", "failed"] | @tsv),
    (.results[] | [.algorithm, .process, (.median_ns / 100 | round / 10), (.p90_ns / 100 | round / 10),
                   .syscalls_median,
                   (if .speedup_vs_ladder == null then "-" else "\(.speedup_vs_ladder * 10 | round / 10)x" end),
                   (if .speedup_vs_gaps == null then "-" else "\(.speedup_vs_gaps * 100 | round / 100)x" end),
                   .failed] | @tsv)' | column -t -s $'\t'
  echo "$json" | jq -r --argjson goal "$goal_us" '.results[] | select(.algorithm == "known")
    | "  goal: default (known) \(.process) median <= \($goal) us: \(.median_ns / 100 | round / 10) us, \(if .median_ns <= $goal * 1000 then "met" else "not met" end)"'
done

echo
echo "== arm64 VM (qemu TCG: absolute times are emulation times; compare ratios)"
test/arm64/bench.sh
