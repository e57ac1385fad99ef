#!/usr/bin/env bash
# Runs every native unit/live test program in a directory; each ends with
# "SUITE: N passed, N failed". Prints a total in the same form.
set -uo pipefail
dir=${1:?usage: run-native-tests.sh DIR}
passed=0 failed=0 broken=0
for t in "$dir"/test_*; do
  out=$("$t" 2>&1)
  rc=$?
  echo "$out" | grep -E "^(FAIL|  child:)" || true
  line=$(echo "$out" | tail -1)
  echo "$line"
  if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
  else
    broken=$((broken + 1))
  fi
  [ $rc -eq 0 ] || broken=$((broken + 1))
done
echo "test-native: $passed passed, $((failed + broken)) failed"
[ $((failed + broken)) -eq 0 ]
