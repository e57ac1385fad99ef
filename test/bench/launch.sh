#!/usr/bin/env bash
# What vaoci-launch adds to starting a static program, a benchmark (not a
# test), side by side with exec'ing it directly (hyperfine, no shell). Two
# static trues: one built with glibc (gcc -static: what static programs
# usually are; its own start-up is the larger share), one with musl (tiny:
# the launcher's own exec shows most). Rows: direct; launched without a
# window (the loader alone); with the i386 window; with a 40-bit window (the
# x86_64-style case on this 47-bit host, where x86_64 itself reserves
# nothing). LAUNCH_ROUNDS (default 3) rounds of LAUNCH_RUNS (else RUNS,
# default 500) runs, the rows in a rotated order each round.
# Writes $BENCH_OUT/launch.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
L=build/x86_64/vaoci-launch
out=build/x86_64/bench-launch
runs=${LAUNCH_RUNS:-${RUNS:-500}} rounds=${LAUNCH_ROUNDS:-3}
mkdir -p "$out"
printf 'int main(void) { return 0; }\n' >"$out/true.c"
gcc -O2 -static -o "$out/true-glibc" "$out/true.c"
musl-gcc -O2 -static -o "$out/true-musl" "$out/true.c"
labels=("direct" "launched, no window" "launched, i386" "launched, 40-bit")

for t in true-glibc true-musl; do
  p=$out/$t
  rows=("$p" "$L $p" "$L --va-limit i386 $p" "$L --va-limit 0x10000-0x10000000000 $p")
  rm -f "$out/$t".*.json
  echo "launch: $t, $rounds rounds x $runs runs per row ($(bench_load))"
  for r in $(seq "$rounds"); do
    args=()
    for k in "${!rows[@]}"; do
      i=$(((k + r) % ${#rows[@]}))
      args+=(-n "${labels[$i]}" "${rows[$i]}")
    done
    hyperfine_quiet -N -w 50 -r "$runs" --export-json "$out/$t.$r.json" "${args[@]}"
  done
  hyperfine_group "$t (static, $([ $t = true-glibc ] && echo gcc -static || echo musl-gcc -static))" \
    "$(printf '%s\n' "${labels[@]}" | jq -R . | jq -s .)" "$out/$t".*.json >"$out/$t.group"
done
bench_section launch "hyperfine -N, $rounds rounds x $runs runs per row, rows rotated" "$out"/true-glibc.group "$out"/true-musl.group
