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
  echo
  $tool bench --va-limit "$window" --runs "$runs"
  json=$($tool --json bench --va-limit "$window" --runs 50 --algos query)
  for kind in static dynamic; do
    med=$(echo "$json" | jq -r ".results[] | select(.process == \"$kind\") | .median_ns")
    verdict=$([ "$med" -le $((goal_us * 1000)) ] && echo met || echo "not met")
    awk -v k="$kind" -v g="$goal_us" -v m="$med" -v v="$verdict" \
      'BEGIN { printf "  goal: default (query) %s median <= %d us: %.1f us, %s (separate 50-run sample)\n", k, g, m / 1000, v }'
  done
done

echo
echo "== arm64 VM (qemu TCG: absolute times are emulation times; compare ratios)"
test/arm64/bench.sh
