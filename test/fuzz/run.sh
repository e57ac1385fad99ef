#!/usr/bin/env bash
# Fuzzing (issue 7): libFuzzer targets for the C parsing paths — annotations
# through the policy resolver, a bundle's config.json through the wrapper's
# create steps, the OCI state on a hook's stdin, /proc/PID/maps text, binfmt_misc
# registrations — built with clang under ASan and UBSan into build/fuzz/.
#   test/fuzz/run.sh [SECONDS]   each target for SECONDS (default 10; `make fuzz`: 300)
# Seeds: test/fuzz/seeds/TARGET/ plus every annotations object and detected
# fact of schemas/vectors. Every file in test/fuzz/regressions/TARGET/ (a crash
# once found, kept) is replayed first. A new crash is copied there and fails
# the run. Prints, per target, the inputs tried and the crashes.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
out=build/fuzz
mkdir -p "$out"
# shellcheck disable=SC2054 # -fsanitize takes a comma-separated list
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Werror=implicit-function-declaration
        -Wno-return-stack-address
        -Inative/include -Inative/src -Ihook/policy -Ihook/common -Ihook/runtime -Ihook/ocihook)
lib=(native/src/*.c)
policy=(hook/policy/*.c)
common=(hook/common/*.c)
declare -A srcs=(
  [maps]="${lib[*]}"
  [annotations]="${lib[*]} ${policy[*]}"
  [binfmt]="${lib[*]} ${policy[*]} ${common[*]}"
  [config]="${lib[*]} ${policy[*]} ${common[*]}"
  [state]="${lib[*]} ${policy[*]} ${common[*]} hook/ocihook/state.c"
)

# The vectors' annotations (and whole configs built from them) seed the JSON targets.
seed_vectors() {
  local dir=$1 kind=$2 i=0
  for f in schemas/vectors/*.json; do
    while IFS= read -r line; do
      i=$((i + 1))
      printf '%s' "$line" >"$dir/vector-$(basename "$f" .json)-$i"
    done < <(if [ "$kind" = config ]; then
        jq -c '.vectors[] | {ociVersion: "1.0.2", root: {path: "rootfs"}, process: {args: ["/bin/app"], env: ["PATH=/bin"]}, annotations: .annotations}' "$f"
      else
        jq -c '.vectors[].annotations' "$f"
      fi)
  done
}

failed=0
total_runs=0
for t in annotations config state maps binfmt; do
  # shellcheck disable=SC2086 # the source lists are words
  clang "${cflags[@]}" ${srcs[$t]} "test/fuzz/fuzz_$t.c" -ljansson -o "$out/fuzz_$t" 2>"$out/$t.build.log" ||
    { cat "$out/$t.build.log" >&2; exit 1; }
  corpus=$out/corpus/$t
  mkdir -p "$corpus" "test/fuzz/regressions/$t"
  [ -d "test/fuzz/seeds/$t" ] && cp test/fuzz/seeds/"$t"/* "$corpus/" 2>/dev/null
  case $t in annotations | config) seed_vectors "$corpus" "$t" ;; esac
  regressions=(test/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    "$out/fuzz_$t" "${regressions[@]}" >"$out/$t.replay.log" 2>&1 ||
      { echo "fuzz $t: a kept regression input fails again (see $out/$t.replay.log)"; failed=1; }
  fi
  rm -rf "$out/crash-$t" && mkdir -p "$out/crash-$t"
  set +e
  "$out/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$out/crash-$t/" -rss_limit_mb=2048 \
    "$corpus" >"$out/$t.log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
  crashes=$(find "$out/crash-$t" -type f | wc -l)
  total_runs=$((total_runs + ${runs:-0}))
  echo "fuzz $t: ${runs:-0} inputs in ${secs} s, corpus $(find "$corpus" -type f | wc -l), crashes $crashes"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    cp "$out/crash-$t"/* "test/fuzz/regressions/$t/" 2>/dev/null || true
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$out/$t.log" || tail -5 "$out/$t.log"
  fi
done
echo "fuzz: $total_runs inputs, $([ "$failed" = 0 ] && echo "no crash" || echo "FAILED: see build/fuzz and test/fuzz/regressions")"
exit "$failed"
