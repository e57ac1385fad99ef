#!/usr/bin/env bash
# The vaoci CLI's start-up, a benchmark (not a test): `bin/vaoci --version`
# (answered by bin/vaoci without loading oclif), `bin/vaoci --help` (oclif and
# its manifest) and `bin/vaoci probe --json` (oclif, one command, ajv, the
# native tool) side by side with `node -e 0` in one run, each with its ratio
# to node. The goal for --version is 150 ms. Uses hyperfine when installed,
# else a plain loop. Needs `make build` first. RUNS sets the runs (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-30}
goal_ms=150
[ -x bin/vaoci ] && [ -f oclif.manifest.json ] || { echo "bench-cli: run \`make build\` first" >&2; exit 2; }

names=("node -e 0" "bin/vaoci --version" "bin/vaoci --help" "bin/vaoci probe --json")
declare -A mean_ms sd_ms

if command -v hyperfine >/dev/null; then
  out=$(mktemp)
  trap 'rm -f "$out" "$out.err"' EXIT
  # its outlier warnings go to a file, shown only if it fails
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$out" --style none "${names[@]}" >/dev/null 2>"$out.err" ||
    { cat "$out.err" >&2; exit 1; }
  for i in "${!names[@]}"; do
    mean_ms[$i]=$(jq -r ".results[$i].mean * 1000 | . * 10 | round / 10" "$out")
    sd_ms[$i]=$(jq -r ".results[$i].stddev * 1000 | . * 10 | round / 10" "$out")
  done
  how="hyperfine, $runs runs each after 3 warm-ups"
else
  for i in "${!names[@]}"; do
    read -r -a cmd <<<"${names[$i]}"
    for _ in 1 2 3; do "${cmd[@]}" >/dev/null; done
    samples=()
    for _ in $(seq "$runs"); do
      t0=$(date +%s%N); "${cmd[@]}" >/dev/null; t1=$(date +%s%N)
      samples+=($(( (t1 - t0) / 1000 )))
    done
    read -r mean_ms[$i] sd_ms[$i] < <(printf '%s\n' "${samples[@]}" | awk '{s+=$1; q+=$1*$1} END {m=s/NR; printf "%.1f %.1f\n", m/1000, sqrt(q/NR-m*m)/1000}')
  done
  how="a shell loop (hyperfine not installed), $runs runs each after 3 warm-ups"
fi

echo "vaoci CLI start-up, side by side in one run ($how):"
printf '  %-24s %10s %9s %10s\n' command "mean ms" "± ms" "vs node"
for i in "${!names[@]}"; do
  ratio=$(awk -v a="${mean_ms[$i]}" -v b="${mean_ms[0]}" 'BEGIN {printf "%.2fx", a/b}')
  printf '  %-24s %10.1f %9.1f %10s\n' "${names[$i]}" "${mean_ms[$i]}" "${sd_ms[$i]}" "$ratio"
done
verdict=$(awk -v a="${mean_ms[1]}" -v g="$goal_ms" 'BEGIN {print (a <= g) ? "met" : "NOT met"}')
echo "  goal: bin/vaoci --version <= ${goal_ms} ms: ${mean_ms[1]} ms, $verdict"
