#!/usr/bin/env bash
# The reservation, a benchmark (not a test): every algorithm (known, the
# default; query; gaps, FEX-style gap-fill; halving; ladder, the FEX-2021
# baseline) and the floor (only the mmaps the default ends up with, at
# addresses known beforehand) side by side in fresh static processes (the
# tool) and dynamic ones (/bin/true with the preload), for the i386 window,
# the x86_64 one, a 40-bit one and a wrap-around one (anywhere but
# [2^40, 2^45)). On this x86-64 host user space itself ends at 2^47, so
# x86_64 has nothing to reserve here: the 48-bit layout it is for is the
# arm64 VM's (test/arm64/bench.sh). Writes $BENCH_OUT/reservation.json: the
# tool's reports (schemas/reserve-bench.schema.json), one per window.
# RESERVE_RUNS (else RUNS, default 200) fresh processes per row.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
runs=${RESERVE_RUNS:-${RUNS:-200}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for window in i386 x86_64 0x10000-0x10000000000 0x200000000000-0x10000000000; do
  echo "reservation: window $window, $runs fresh processes per row ($(bench_load))"
  build/x86_64/vaoci-reserve --json bench --va-limit "$window" --runs "$runs" >"$tmp/$window.json"
done
jq -s '{how: "vaoci-reserve bench, its own clock around the reservation", load: $load, reports: .}' \
  --arg load "$(bench_load)" "$tmp"/i386.json "$tmp"/x86_64.json "$tmp"/0x10000-*.json "$tmp"/0x2*.json >"$BENCH_OUT/reservation.json"
echo "wrote ${BENCH_OUT#"$BENCH_ROOT"/}/reservation.json"
