# shellcheck shell=bash
# Helpers for test/bench/*.sh (sourced, not run). Each section script writes
# its raw figures as JSON into $BENCH_OUT (default build/bench), which
# test/bench/report.js turns into report.md and the SVG plots.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/build/bench}
mkdir -p "$BENCH_OUT"

# bench_load: this machine's CPUs and 1-minute load, for the record.
bench_load() { echo "$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"; }

# hyperfine_quiet ARGS...: hyperfine without its table; its warnings (outliers)
# are shown only when it fails: each report shows the spread instead.
hyperfine_quiet() {
  local err
  err=$(mktemp)
  hyperfine --style none "$@" >/dev/null 2>"$err" || { cat "$err" >&2; rm -f "$err"; return 1; }
  rm -f "$err"
}

# hyperfine_group NAME ROWS_JSON EXPORT...: the rows ROWS_JSON names (hyperfine's
# -n names) out of hyperfine --export-json files (rounds of the same rows), as
# {name, rows, results: [{command, times}]}; times in seconds, every run kept.
hyperfine_group() {
  local name=$1 rows=$2
  shift 2
  jq -s --arg name "$name" --argjson rows "$rows" \
    '{name: $name, rows: $rows, results: [.[].results[] | select(.command as $c | $rows | index($c)) | {command, times}]}' "$@"
}

# bench_section NAME HOW GROUP_FILE...: writes $BENCH_OUT/NAME.json, the
# section's groups with how they were measured and the load at the end.
bench_section() {
  local name=$1 how=$2
  shift 2
  jq -s --arg how "$how" --arg load "$(bench_load)" '{how: $how, load: $load, groups: .}' "$@" >"$BENCH_OUT/$name.json"
  echo "wrote ${BENCH_OUT#"$BENCH_ROOT"/}/$name.json"
}
