#!/usr/bin/env bash
# vaoci-launch's aarch64 build on a real arm64 kernel (VAOCI_ARM64_KERNEL's,
# test/arm64/kernel.sh: 6.1 48-bit, 6.12 52-bit, 6.12-16k 16K pages 52-bit),
# in the VM test/arm64/vm.sh boots, one boot for all of it:
#  - test_launch's unit tests; the probe of test/launch/ (static and
#    static-pie, aarch64) launched with the x86_64, i386, a 40-bit and a
#    wrap-around window keeps every mapping it owns or makes inside (the
#    x86_64 window is the one that matters on arm64: the kernel would
#    otherwise hand out addresses above 2^47); run directly it does not (the
#    control); launched it prints the facts it prints when run directly; exit
#    statuses and signals pass through.
#  - Binfmt mode in front of a real static emulator (arm64/binfmt.sh runs the
#    VM's side): Debian's qemu-x86_64-static registered itself in the real
#    binfmt_misc with flag F runs an x86-64 guest (arm64/guest.c) whose
#    high-hint mmap lands at or above 2^47 (the bug); the same registration
#    with vaoci-binfmt (/etc/vaoci/launch.conf: that qemu, va-limit x86_64) as
#    the interpreter: every address below 2^47, the same exit status and argv;
#    the launcher without a window changes nothing; and the same with flag P.
# Needs root (apt-get download, cached under build/arm64-vm/: the kernel's
# binfmt_misc.ko as test/arm64/container/node.sh fetches it, qemu-user-static
# and busybox-static, arm64), `make build` (build/aarch64) and gcc with a
# static libc. Run by `make test-arm64`, or by hand after changing
# native/launch/. Last line "test-launch arm64: N passed, M failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=test/arm64/payload.sh
source test/arm64/payload.sh
# shellcheck source=test/arm64/container/node.sh
source test/arm64/container/node.sh
# shellcheck source=test/launch/arm64/emulator.sh
source test/launch/arm64/emulator.sh
kernel=$(kernel_name)
payload=$(mktemp -d)
log=$root/build/arm64-vm/launch-$kernel.log
trap 'rm -rf "$payload"' EXIT
mkdir -p "$(dirname "$log")"

test/arm64/vm.sh --setup # the kernel, before its binfmt_misc.ko
ko=$(node_binfmt_module)
emu=$(emulator_tree)
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

# Binfmt mode, last (it leaves binfmt_misc loaded): the x86-64 guest, built
# static with the host's gcc; the emulator, busybox, the module.
gcc -static -O2 -Wall -Wextra -Werror -o "$payload/guest" test/launch/arm64/guest.c
cp "$emu/qemu-x86_64-static" "$emu/busybox" "$ko" test/launch/arm64/binfmt.sh test/arm64/block.sh "$payload/"
ln -s vaoci-launch "$payload/vaoci-binfmt"
echo "busybox sh /payload/binfmt.sh" >>"$payload/tests.list"

# A CPU without pointer authentication (like Neoverse-N1 nodes): Debian's
# kernel signs its own return addresses when the CPU has it, and qemu's
# emulation of it is slow (this run: ~10 s, ~20 s with `max`). No program here
# uses PAC instructions; the launcher's PR_PAC_RESET_KEYS gets EINVAL, ignored.
test/arm64/vm.sh --timeout 400 --cpu max,pauth=off --log "$log" "$payload" >/dev/null 2>&1 || true
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   arm64 [$kernel] $1"; }
fail() { failed=$((failed + 1)); echo "FAIL arm64 [$kernel] $1"; }
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

# ---- binfmt mode: blocks of arm64/binfmt.sh ----------------------------------
# out BLOCK: its output; rc BLOCK: its command's exit status (empty if none).
out() { { test/arm64/vm.sh --extract "$1" "$log" 2>/dev/null || true; } | grep -v '^@@STATUS ' || true; }
rc() { { test/arm64/vm.sh --extract "$1" "$log" 2>/dev/null || true; } | sed -n 's/^@@STATUS \([0-9]*\)$/\1/p' | tail -n1; }
addrs() { out "$1" | { grep -o 'addr=0x[0-9a-f]*' || true; } | cut -d= -f2; }
shown() { addrs "$1" | paste -sd' '; }
n_high() { # how many of block $1's addresses are at or above 2^47
  local a n=0
  for a in $(addrs "$1"); do ((a >= 1 << 47)) && n=$((n + 1)); done
  echo "$n"
}
argv() { out "$1" | grep -E '^(argc|argv\[)' | paste -sd' '; }
oneline() { out "$1" | paste -sd'|' | head -c 400; }

if [ "$(rc setup)" = 0 ]; then
  pass "binfmt setup: kernel $(out setup | head -n1): binfmt_misc.ko loaded, binfmt_misc mounted, /etc/vaoci/launch.conf written"
else
  fail "binfmt setup: rc=$(rc setup): $(oneline setup)"
fi
# registered BLOCK ENTRY INTERPRETER FLAGS: the entry is the only x86-64 one.
registered() {
  local o
  o=$(out "$1")
  if [ "$(rc "$1")" = 0 ] && grep -qx enabled <<<"$o" && grep -qx "interpreter $3" <<<"$o" &&
    grep -qx "flags: $4" <<<"$o" && grep -qx "entries: $2" <<<"$o"; then
    pass "binfmt $1: $2 registered alone: interpreter $3, flags: $4"
  else
    fail "binfmt $1: rc=$(rc "$1"), want $2 alone with interpreter $3 and flags: $4: $(oneline "$1")"
  fi
}
# guest BLOCK high|low: exit 23, 4 addresses, some >= 2^47 (high) or none (low).
guest() {
  local n h
  n=$(addrs "$1" | wc -l)
  h=$(n_high "$1")
  if [ "$(rc "$1")" != 23 ] || [ "$n" != 4 ]; then
    fail "binfmt $1: exit $(rc "$1") with $n addresses, want exit 23 and 4: $(oneline "$1")"
  elif [ "$2" = high ] && ((h > 0)); then
    pass "binfmt $1: exit 23, $h of $n addresses >= 2^47 (the bug): $(shown "$1")"
  elif [ "$2" = low ] && ((h == 0)); then
    pass "binfmt $1: exit 23, all $n addresses < 2^47: $(shown "$1")"
  else
    fail "binfmt $1: $h of $n addresses >= 2^47, want $([ "$2" = high ] && echo 'at least one' || echo none): $(shown "$1")"
  fi
}
# same_argv A B WANT_ARGV0: the guest saw the same argv both ways.
same_argv() {
  if [ -n "$(argv "$1")" ] && [ "$(argv "$1")" = "$(argv "$2")" ] && out "$2" | grep -qxF "argv[0]=$3"; then
    pass "binfmt $2: the guest saw the argv it sees under $1: $(argv "$2")"
  else
    fail "binfmt $2: argv '$(argv "$2")', under $1 '$(argv "$1")', want the same with argv[0]=$3"
  fi
}
# launcher BLOCK WINDOW: the launcher's VAOCI_DEBUG line names the window.
launcher() {
  local l
  l=$(out "$1" | grep '^vaoci-launch: ' || true)
  if [[ $l == *" outside $2 ("*"/payload/qemu-x86_64-static at 0x"* ]]; then
    pass "binfmt $1: vaoci-binfmt launched qemu-x86_64-static: ${l#vaoci-launch: }"
  else
    fail "binfmt $1: no launcher line for window $2: $(oneline "$1")"
  fi
}
registered qemu-F-reg qemu-x86_64 /payload/qemu-x86_64-static F
guest qemu-F high
registered vaoci-F-reg vaoci-x86_64 /payload/vaoci-binfmt F
guest vaoci-F low
launcher vaoci-F x86_64
same_argv qemu-F vaoci-F /payload/guest
guest vaoci-F-nowindow high
launcher vaoci-F-nowindow none
registered qemu-FP-reg qemu-x86_64 /payload/qemu-x86_64-static PF
guest qemu-FP high
registered vaoci-FP-reg vaoci-x86_64 /payload/vaoci-binfmt PF
guest vaoci-FP low
same_argv qemu-FP vaoci-FP custom-argv0
echo "     arm64 binfmt: $(awk -v a="$(out setup | sed -n 2p)" -v b="$(out uptime)" 'BEGIN { printf "%.1f", b - a }') s of VM time"
echo "test-launch arm64 [$kernel]: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
