#!/usr/bin/env bash
# make bench-launch: what vaoci-launch adds to starting a program, side by
# side with exec'ing it directly (hyperfine, no shell). Two static trues: one
# built with glibc (gcc -static: what static programs usually are; its own
# start-up is the larger share), one with musl (tiny: the launcher's own exec
# shows most). Rows: direct; launched without a window (the loader alone);
# with the i386 window; with a 40-bit window (the x86_64-style case on this
# 47-bit host, where x86_64 itself reserves nothing). ROUNDS rounds of RUNS
# runs, the rows in a rotated order each round; a row's figure is the median
# of its rounds' medians (and the lowest run), its ratio is to the direct row.
set -euo pipefail
cd "$(dirname "$0")/.."
L=build/x86_64/vaoci-launch
out=build/x86_64/bench-launch
runs=${RUNS:-500} rounds=${ROUNDS:-3} goal=1.3
mkdir -p "$out"
printf 'int main(void) { return 0; }\n' >"$out/true.c"
gcc -O2 -static -o "$out/true-glibc" "$out/true.c"
musl-gcc -O2 -static -o "$out/true-musl" "$out/true.c"

for t in true-glibc true-musl; do
  p=$out/$t
  rows=("$p" "$L $p" "$L --va-limit i386 $p" "$L --va-limit 0x10000-0x10000000000 $p")
  labels=("direct" "launched, no window" "launched, i386" "launched, 40-bit")
  rm -f "$out/$t".*.json
  for r in $(seq "$rounds"); do
    order=()
    for k in "${!rows[@]}"; do order+=("${rows[$(((k + r) % ${#rows[@]}))]}"); done
    hyperfine -N -w 50 -r "$runs" --style none --export-json "$out/$t.$r.json" "${order[@]}" >/dev/null 2>"$out/err" ||
      { cat "$out/err" >&2; exit 1; } # (its outlier warnings are kept out of the table)
  done
  echo
  echo "$t: $rounds rounds x $runs runs per row, side by side ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
  jq -s -r --argjson goal "$goal" --arg labels "$(printf '%s\n' "${labels[@]}")" --arg rows "$(printf '%s\n' "${rows[@]}")" '
    ($rows | split("\n")) as $r | ($labels | split("\n")) as $l
    | [.[].results[]] | group_by(.command)
    | map({command: .[0].command, median: ([.[].median] | sort | .[(length / 2 | floor)]), min: ([.[].min] | min)})
    | map(. as $x | . + {i: ($r | index($x.command)), label: $l[$r | index($x.command)]}) | sort_by(.i)
    | .[0] as $d
    | (["row", "median us", "min us", "x direct (median)", "x direct (min)"] | @tsv),
      (.[] | [.label, (.median * 1e7 | round / 10), (.min * 1e7 | round / 10),
              "\(.median / $d.median * 100 | round / 100)x", "\(.min / $d.min * 100 | round / 100)x"] | @tsv),
      "  goal <= \($goal)x, i386 row (median): \(.[2].median / $d.median * 100 | round / 100)x, \(if .[2].median / $d.median <= $goal then "met" else "not met" end)"
  ' "$out/$t".*.json | column -t -s $'\t'
done
