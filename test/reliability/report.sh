#!/usr/bin/env bash
# make reliability: the reliability suites, then their figures in one table —
# fuzz inputs tried and crashes (FUZZ_SECONDS per target, default 60), the
# containers started at once and how many hung or got another's window, the
# faults survived, the symlink corpus (images × paths, escapes). The hook's own
# symlink corpus and the unpacker's property test run in make test-hook and test-ts.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
test/reliability/concurrency.sh >"$log.c" 2>&1 || rc=1
test/reliability/faults.sh >"$log.f" 2>&1 || rc=1
test/reliability/corpus/run.sh >"$log.s" 2>&1 || rc=1
test/fuzz/run.sh "${FUZZ_SECONDS:-60}" >"$log.z" 2>&1 || rc=1
cat "$log.c" "$log.f" "$log.s" "$log.z" | grep -E '^(FAIL|fuzz )' || true
echo
echo "| what | figure |"
echo "| --- | --- |"
sed -n 's/^fuzz \([a-z]*\): \([0-9]*\) inputs in \([0-9]*\) s, corpus \([0-9]*\), crashes \([0-9]*\)$/| fuzz \1 | \2 inputs in \3 s, corpus \4, crashes \5 |/p' "$log.z"
sed -n 's/^concurrency: \([0-9]*\) containers in \(.*\) s$/| containers at once, each its own window | \1 in \2 s/p' "$log.c" | tr -d '\n'
echo " ($(grep -c '^ok' "$log.c") of $(grep -cE '^(ok|FAIL)' "$log.c") checks: none hung, none got another's window) |"
echo "| faults survived (one line, config.json old or new) | $(grep -c '^ok' "$log.f") of $(grep -cE '^(ok|FAIL)' "$log.f") checks |"
sed -n 's/^symlink corpus: \([0-9]*\) images × \([0-9]*\) paths (\([0-9]*\) runs.*), \([0-9]*\) escapes in \([0-9]*\) s$/| symlink corpus: images × paths (unpacker, wrapper on runc and crun, hook) | \1 × \2 (\3 runs), \4 escapes, in \5 s/p' "$log.s" | tr -d '\n'
echo " ($(grep -c '^ok' "$log.s") of $(grep -cE '^(ok|FAIL)' "$log.s") checks) |"
rm -f "$log.c" "$log.f" "$log.s" "$log.z"
exit "$rc"
