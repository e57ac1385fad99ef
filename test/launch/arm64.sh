#!/usr/bin/env bash
# vaoci-launch's aarch64 build on a real arm64 kernel (Debian's 6.1, 48-bit
# VA), in the VM test/arm64/vm.sh boots: test_launch's unit tests; the probe
# of test/launch/ (static and static-pie, aarch64) launched with the x86_64,
# i386, a 40-bit and a wrap-around window keeps every mapping it owns or makes
# inside (the x86_64 window is the one that matters on arm64: the kernel would
# otherwise hand out addresses above 2^47); run directly it does not (the
# control); launched it prints the facts it prints when run directly; exit
# statuses and signals pass through. Needs `make native-aarch64`. Not part of
# `make test` (the arm64 suite owns the VM); run it by hand after changing
# native/launch/arch.c or start.c.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
payload=$(mktemp -d)
log=$root/build/arm64-vm/launch.log
trap 'rm -rf "$payload"' EXIT
mkdir -p "$(dirname "$log")"

cp build/aarch64/vaoci-launch build/aarch64/tests/test_launch "$payload/"
aarch64-linux-gnu-gcc -static -O2 -Wall -Werror -pthread -o "$payload/probe" test/launch/probe.c
aarch64-linux-gnu-gcc -static-pie -O2 -Wall -Werror -pthread -o "$payload/probe-pie" test/launch/probe.c

# NAME WANT_RC ARGS...: the VM runs /payload/NAME ARGS; each NAME is a link to
# vaoci-launch or the probe (both ignore their name), so each result is its own.
tests=(
  "test_launch 0"
  "control 1 maps x86_64"
  "probe 0 facts a b"
  "launch-facts 0 --va-limit x86_64 /payload/probe facts a b"
  "x86_64-static 0 --va-limit x86_64 /payload/probe maps x86_64"
  "x86_64-pie 0 --va-limit x86_64 /payload/probe-pie maps x86_64"
  "i386-static 0 --va-limit i386 /payload/probe maps i386"
  "i386-pie 0 --va-limit i386 /payload/probe-pie maps i386"
  "40bit-pie 0 --va-limit 0x10000-0x10000000000 /payload/probe-pie maps 0x10000-0x10000000000"
  "wrap-static 0 --va-limit 0x200000000000-0x10000000000 /payload/probe maps 0x200000000000-0x10000000000"
  "exit-3 3 --va-limit x86_64 /payload/probe exit 3"
  "sigabrt 134 --va-limit x86_64 /payload/probe abort"
  "refuse-dynamic 126 --va-limit x86_64 /payload/vaoci-launch-dyn"
)
: >"$payload/tests.list"
for t in "${tests[@]}"; do
  read -r name _ args <<<"$t"
  case $name in
  test_launch | probe) ;;
  control) ln -s probe "$payload/$name" ;;
  *) ln -s vaoci-launch "$payload/$name" ;;
  esac
  echo "$name $args" >>"$payload/tests.list"
done
# a dynamically linked aarch64 program to refuse: the cross toolchain's default
aarch64-linux-gnu-gcc -O2 -o "$payload/vaoci-launch-dyn" -x c - <<<'int main(void) { return 0; }'

test/arm64/vm.sh --timeout 400 --log "$log" "$payload" >/dev/null 2>&1 || true
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   arm64 $1"; }
fail() { failed=$((failed + 1)); echo "FAIL arm64 $1"; }
grep -q '@@VAOCI-DONE' "$log" || { echo "FAIL arm64: the VM did not finish (log: $log)"; exit 1; }
for t in "${tests[@]}"; do
  read -r name want _ <<<"$t"
  out=$(test/arm64/vm.sh --extract "$name" "$log" | tail -1)
  rc=$(grep -o "@@VAOCI-END $name rc=[0-9]*" "$log" | head -1 | sed 's/.*rc=//')
  if [ "$rc" = "$want" ]; then pass "$name: exit $rc — $out"; else fail "$name: exit ${rc:-none}, want $want — $out"; fi
done
# The facts, but argv[0] and the cmdline: init gives the probe its bare name.
facts() { test/arm64/vm.sh --extract "$1" "$log" | grep -v -e '^argv\[0\]' -e '^cmdline'; }
if diff <(facts probe) <(facts launch-facts) >/dev/null; then
  pass "launched, the probe prints the same $(facts probe | wc -l) facts as run directly"
else
  fail "facts differ: $(diff <(facts probe) <(facts launch-facts) | head -4 | tr '\n' ' ')"
fi
echo "test-launch arm64: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
