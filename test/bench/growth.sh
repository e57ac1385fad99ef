#!/usr/bin/env bash
# How the reservation's cost grows with what is already mapped, a benchmark
# (not a test): fresh static processes that first make N separate mappings
# (vaoci-reserve bench --mappings N: one-page mappings side by side, their
# protections alternating so none merge) and then reserve the i386 window,
# for N = 10, 100, 1000, 10000 and each of known (the default), gaps, halving
# and ladder. Writes $BENCH_OUT/growth.json: the tool's reports, one per N.
# GROWTH_RUNS (else RUNS, default 50) fresh processes per row.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
runs=${GROWTH_RUNS:-${RUNS:-50}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for n in 10 100 1000 10000; do
  echo "growth: $n mappings, $runs fresh processes per row ($(bench_load))"
  build/x86_64/vaoci-reserve --json bench --va-limit i386 --runs "$runs" --dynamic none \
    --algos known,gaps,halving,ladder --mappings "$n" >"$tmp/$n.json"
done
jq -s '{how: "vaoci-reserve bench --mappings N, its own clock around the reservation", load: $load, reports: .}' \
  --arg load "$(bench_load)" "$tmp"/10.json "$tmp"/100.json "$tmp"/1000.json "$tmp"/10000.json >"$BENCH_OUT/growth.json"
echo "wrote ${BENCH_OUT#"$BENCH_ROOT"/}/growth.json"
