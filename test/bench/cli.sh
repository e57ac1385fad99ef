#!/usr/bin/env bash
# The vaoci CLI's start-up, a benchmark (not a test): the commands a user
# runs most, side by side with `node -e 0` in one hyperfine run (no shell),
# each against the goal of at most 1.5 times `node -e 0`:
# `--version` (answered by bin/vaoci without loading oclif), `validate` and
# `explain` of a pod manifest (test/bench/pod.yaml: oclif, the annotation
# grammar, YAML; explain resolves the policy too), `--help` (oclif and its
# manifest), `probe --json` and `doctor --json` (the native tool, a
# precompiled schema validator; doctor reads the node), `images --json` and
# `ps --json` of an empty store (VAOCI_STATE in a temp dir). CLI_ROUNDS
# (default 5) rounds of CLI_RUNS / rounds runs per row (CLI_RUNS else RUNS,
# default 40), the rows in a rotated order each round, each round after 3
# warm-ups (the first also fills the compile cache). Prints each row's
# median, its ratio to `node -e 0` and the verdict, with the load at the
# start and the end. Needs `make build`. Writes $BENCH_OUT/cli.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
runs=${CLI_RUNS:-${RUNS:-40}} rounds=${CLI_ROUNDS:-5}
goal=1.5 # issue 18, goal 8; test/bench/report.js (CLI_RATIO) judges the report by the same
per_round=$(((runs + rounds - 1) / rounds))
if [ ! -x bin/vaoci ] || [ ! -f oclif.manifest.json ]; then echo "cli: run \`make build\` first" >&2; exit 2; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VAOCI_STATE=$tmp/state # an empty store for images and ps; the other commands do not read it

cmds=("node -e 0" "bin/vaoci --version" "bin/vaoci validate test/bench/pod.yaml"
  "bin/vaoci explain test/bench/pod.yaml --guest-arch x86_64" "bin/vaoci --help" "bin/vaoci probe --json"
  "bin/vaoci doctor --json" "bin/vaoci images --json" "bin/vaoci ps --json")
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086 # a command line of words without quoting
  $c >/dev/null 2>&1 </dev/null || { echo "cli: \`$c\` failed; run it to see why" >&2; exit 1; }
done

load_start=$(cut -d' ' -f1 /proc/loadavg)
echo "cli: $rounds rounds of $per_round runs per row ($(bench_load))"
for ((r = 0; r < rounds; r++)); do
  rotated=("${cmds[@]:r%${#cmds[@]}}" "${cmds[@]:0:r%${#cmds[@]}}")
  hyperfine_quiet -N --warmup 3 --runs "$per_round" --export-json "$tmp/cli-$r.json" "${rotated[@]}"
done
hyperfine_group "vaoci CLI start-up" "$(printf '%s\n' "${cmds[@]}" | jq -R . | jq -s .)" "$tmp"/cli-*.json >"$tmp/group"
bench_section cli "hyperfine -N, $rounds rounds of $per_round runs per row (rotated), 3 warm-ups each; goal ≤ ${goal}x node -e 0" "$tmp/group"

# Each row's median (every run of every round), its ratio to the first row's and the verdict.
echo "cli: medians of $((per_round * rounds)) runs per row, $(nproc) CPUs, load $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"
jq -r '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  .rows[] as $row | [$row, ([.results[] | select(.command == $row) | .times[]] | median)] | @tsv
' "$tmp/group" | awk -F'\t' -v goal="$goal" '
  NR == 1 { base = $2; printf "%-58s %9s %6s  %s\n", "command", "median ms", "ratio", "verdict (<= " goal "x)" }
  { r = $2 / base; v = NR == 1 ? "baseline" : (r <= goal ? "met" : "not met"); printf "%-58s %9.1f %5.2fx  %s\n", $1, $2 * 1000, r, v }'
