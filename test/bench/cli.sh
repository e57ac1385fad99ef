#!/usr/bin/env bash
# The vaoci CLI's start-up, a benchmark (not a test), side by side with
# `node -e 0` in one hyperfine run (no shell): `bin/vaoci --version`
# (answered by bin/vaoci without loading oclif), `bin/vaoci validate` of a
# pod manifest (test/bench/pod.yaml: oclif, one command, the annotation
# grammar, YAML), `bin/vaoci --help` (oclif and its manifest) and
# `bin/vaoci probe --json` (oclif, ajv, the native tool). Needs `make build`.
# CLI_RUNS (else RUNS, default 30) runs each after 3 warm-ups.
# Writes $BENCH_OUT/cli.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
runs=${CLI_RUNS:-${RUNS:-30}}
if [ ! -x bin/vaoci ] || [ ! -f oclif.manifest.json ]; then echo "cli: run \`make build\` first" >&2; exit 2; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmds=("node -e 0" "bin/vaoci --version" "bin/vaoci validate test/bench/pod.yaml" "bin/vaoci --help" "bin/vaoci probe --json")
echo "cli: $runs runs each ($(bench_load))"
hyperfine_quiet -N --warmup 3 --runs "$runs" --export-json "$tmp/cli.json" "${cmds[@]}"
hyperfine_group "vaoci CLI start-up" "$(printf '%s\n' "${cmds[@]}" | jq -R . | jq -s .)" "$tmp/cli.json" >"$tmp/group"
bench_section cli "hyperfine -N, $runs runs each after 3 warm-ups" "$tmp/group"
