#!/usr/bin/env bash
# Preloading libvaoci-preload.so into real programs nobody here wrote (cat,
# python3) and into a musl-linked one: every mapping they make after start-up
# must land inside the i386 window, and the preload's error paths must give
# one clear line and the documented exit status.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
arch=x86_64
preload=$root/build/$arch/libvaoci-preload.so
out=$root/build/$arch/preload-tests
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -std=gnu11 -O2 -Wall -Werror -Inative/include -o "$out/maps_diff" test/preload/maps_diff.c "build/$arch/libvaoci.a"
musl-gcc -O2 -Wall -Werror -o "$out/musl_alloc" test/preload/musl_alloc.c -lpthread

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# new_mappings_inside NAME CMD...: runs CMD with the preload and an i386 window;
# the preload dumps the maps it starts with to stderr, CMD prints its own at the end.
new_mappings_inside() {
  local name=$1
  shift
  if ! env LD_PRELOAD="$preload" VAOCI_VA_LIMIT=i386 VAOCI_DEBUG=maps "$@" >"$work/$name.after" 2>"$work/$name.before"; then
    fail "$name: exited non-zero ($(tail -1 "$work/$name.before"))"
    return
  fi
  local figures
  if figures=$("$out/maps_diff" i386 "$work/$name.before" "$work/$name.after"); then
    pass "$name: every new mapping inside i386 — ${figures##*$'\n'}"
  else
    fail "$name: $figures"
  fi
}

# one_line NAME WANT_STATUS WANT_TEXT CMD...: the program exits WANT_STATUS and
# its stderr is exactly one line containing WANT_TEXT (or empty for "").
one_line() {
  local name=$1 want_status=$2 want_text=$3 status=0
  shift 3
  "$@" >/dev/null 2>"$work/err" || status=$?
  local lines
  lines=$(wc -l <"$work/err")
  if [ "$status" -ne "$want_status" ]; then
    fail "$name: exit $status, want $want_status ($(head -c 200 "$work/err"))"
  elif [ -z "$want_text" ] && [ -s "$work/err" ]; then
    fail "$name: expected silence, got: $(head -c 200 "$work/err")"
  elif [ -n "$want_text" ] && { [ "$lines" -ne 1 ] || ! grep -q -- "$want_text" "$work/err"; }; then
    fail "$name: expected one line with '$want_text', got $lines: $(head -c 300 "$work/err")"
  else
    pass "$name: exit $status${want_text:+, \"$(cat "$work/err")\"}"
  fi
}

new_mappings_inside cat cat /proc/self/maps
# The real interpreter: a version-manager shim would run (and preload) shells first.
python=$(python3 -c "import sys; print(sys.executable)")
new_mappings_inside python3 "$python" test/preload/python_alloc.py
new_mappings_inside musl "$out/musl_alloc"

# Control: the same comparison against a cat that ran without any window must
# find new mappings outside i386, or the checks above prove nothing.
cat /proc/self/maps >"$work/unreserved.after"
if control=$("$out/maps_diff" i386 "$work/cat.before" "$work/unreserved.after"); then
  fail "control: maps_diff missed the mappings of an unreserved cat"
else
  pass "control: an unreserved cat is caught (${control##*$'\n'})"
fi

p=(env "LD_PRELOAD=$preload")
one_line "silent without VAOCI_VA_LIMIT" 0 "" "${p[@]}" /bin/true
one_line "silent on success" 0 "" "${p[@]}" VAOCI_VA_LIMIT=i386 /bin/true
one_line "debug line on request" 0 "reserved .* outside i386" "${p[@]}" VAOCI_VA_LIMIT=i386 VAOCI_DEBUG=1 /bin/true
one_line "bad window refuses to run" 127 "VAOCI_VA_LIMIT: va-limit \`bogus\`: expected" "${p[@]}" VAOCI_VA_LIMIT=bogus /bin/true
one_line "bad window with warn runs" 0 "vaoci: warning: VAOCI_VA_LIMIT" "${p[@]}" VAOCI_VA_LIMIT=bogus VAOCI_ON_ERROR=warn /bin/true
one_line "bad VAOCI_ON_ERROR" 127 "VAOCI_ON_ERROR \`maybe\`: expected fail or warn" "${p[@]}" VAOCI_VA_LIMIT=i386 VAOCI_ON_ERROR=maybe /bin/true
one_line "RLIMIT_AS refuses to run" 127 "RLIMIT_AS is 65536 MiB" \
  bash -c "ulimit -v 67108864; exec env LD_PRELOAD=$preload VAOCI_VA_LIMIT=i386 /bin/true"
one_line "RLIMIT_AS with warn runs" 0 "vaoci: warning: .*RLIMIT_AS" \
  bash -c "ulimit -v 67108864; exec env LD_PRELOAD=$preload VAOCI_VA_LIMIT=i386 VAOCI_ON_ERROR=warn /bin/true"
one_line "musl program, i386, silent" 0 "" "${p[@]}" VAOCI_VA_LIMIT=i386 "$out/musl_alloc"

# A crash after reserving: the core stays small (< 64 MiB). Each reservation is in it as a PT_LOAD
# with no bytes (the kernel dumps anonymous memory only once written, and nothing writes
# PROT_NONE), so no madvise(MADV_DONTDUMP) is needed. core_pattern is set for the test and restored.
pattern=$(cat /proc/sys/kernel/core_pattern)
echo "$work/core" >/proc/sys/kernel/core_pattern
huge_loads() { # CORE: how many PT_LOADs of >= 1 GiB, and how many of them carry bytes
  local n=0 bytes=0 type filesz memsz
  while read -r type _ _ _ filesz memsz _; do
    [ "$type" = LOAD ] && ((memsz >= 1 << 30)) && n=$((n + 1)) && ((filesz > 0)) && bytes=$((bytes + 1))
  done < <(readelf -lW "$1")
  echo "$n $bytes"
}
{ (cd "$work" && ulimit -c unlimited && exec env LD_PRELOAD="$preload" VAOCI_VA_LIMIT=i386 bash -c 'kill -SEGV $$'); } 2>/dev/null || true
mv "$work/core" "$work/core.reserved" 2>/dev/null || true
{ (cd "$work" && ulimit -c unlimited && exec bash -c 'kill -SEGV $$'); } 2>/dev/null || true
echo "$pattern" >/proc/sys/kernel/core_pattern
if [ ! -f "$work/core.reserved" ] || [ ! -f "$work/core" ]; then
  fail "core dumps: no core written ($(ls "$work"))"
else
  read -r n bytes < <(huge_loads "$work/core.reserved")
  read -r n0 _ < <(huge_loads "$work/core")
  size=$(stat -c %s "$work/core.reserved") size0=$(stat -c %s "$work/core")
  if [ "$n" -ge 3 ] && [ "$bytes" -eq 0 ] && [ "$n0" -eq 0 ] && [ "$size" -lt $((64 << 20)) ]; then
    pass "core dumps: $n reservations of >= 1 GiB in the core with 0 bytes each; $size bytes (without vaoci: $size0)"
  else
    fail "core dumps: $n reservations in the core, $bytes with bytes, $n0 huge loads without vaoci; $size bytes vs $size0"
  fi
fi

echo "test-preload: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
