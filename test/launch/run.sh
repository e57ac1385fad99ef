#!/usr/bin/env bash
# vaoci-launch with real programs on this kernel (root: binfmt_misc).
#  - test/launch/probe.c built static (glibc), static-pie (glibc) and static
#    (musl), /bin/busybox and a libc-free program: run directly and under
#    vaoci-launch with the i386, a 40-bit, a wrap-around and the x86_64 window,
#    they print the same facts (argv, env, the auxv values that matter,
#    /proc/self/cmdline, comm, environ, auxv, signals, a thread, TLS, malloc,
#    brk, a 6 MB stack) and exit the same way (0, 3, 255, SIGSEGV, SIGABRT,
#    SIGTERM); every mapping they own or make lies inside the window (checked
#    from inside, and from outside with vaoci-reserve verify).
#  - Every refusal is one line, its exit status, and no reservation (a seccomp
#    guard kills the launcher at its first MAP_NORESERVE mmap).
#  - Binfmt mode through real binfmt_misc with a made-up magic: the emulator
#    behind vaoci-binfmt sees what it sees when registered itself, for flags
#    "", P, PO, POC and F, and its mappings lie inside the window.
# shellcheck disable=SC2016 # single quotes on purpose: shell code and messages with backticks
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
arch=x86_64
L=$root/build/$arch/vaoci-launch
B=$root/build/$arch/vaoci-binfmt
tool=$root/build/$arch/vaoci-reserve
out=$root/build/$arch/launch-tests
binfmt=/proc/sys/fs/binfmt_misc
entry=vaoci-launch-test
mounted_here=0
mkdir -p "$out"
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  [ -e "$binfmt/$entry" ] && echo -1 >"$binfmt/$entry"
  [ "$mounted_here" = 1 ] && umount "$binfmt"
  rm -rf "$work"
}
trap cleanup EXIT

cflags=(-O2 -Wall -Werror -pthread)
gcc -static "${cflags[@]}" -o "$out/probe-static" test/launch/probe.c
gcc -static-pie "${cflags[@]}" -o "$out/probe-pie" test/launch/probe.c
musl-gcc -static "${cflags[@]}" -o "$out/probe-musl" test/launch/probe.c
ln -f "$out/probe-static" "$out/emu-static"
gcc -static -nostdlib -O2 -Wl,--build-id=none -o "$out/tiny" test/launch/tiny.c
gcc -static -nostdlib -O2 -Wl,--build-id=none -Wl,-Ttext-segment=0x7ffffffe0000 -o "$out/tiny-high" test/launch/tiny.c
gcc -O2 -Wall -Werror -o "$out/noreserve" test/launch/noreserve.c
gcc -std=gnu11 -O2 -Wall -Werror -Inative/include -o "$out/maps_diff" test/preload/maps_diff.c "build/$arch/libvaoci.a"

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
# expect GOT WANT WHAT: passes WHAT when GOT is WANT (exit statuses).
expect() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3 (got $1, want $2)"; fi; }

# A fixed environment for both runs (bash would put its own $_ in each).
clean=(env -i PATH=/usr/bin:/bin A=1 "B=two words" EMPTY=)
windows=(i386 0x10000-0x10000000000 0x200000000000-0x10000000000 x86_64)

# run OUT CMD...: stdout to OUT, returns the exit status (128+N for signal N;
# the subshell keeps bash's "Segmentation fault" notices out of the report).
run() {
  local o=$1 status=0
  shift
  ("$@" >"$o" 2>"$o.err"; exit $?) 2>/dev/null || status=$?
  return "$status"
}

# same NAME ARGS...: the program's stdout and exit status, direct vs launched,
# for every window.
same() {
  local name=$1 want=0 got=0 w
  shift
  run "$work/direct" "${clean[@]}" "$@" || want=$?
  for w in "${windows[@]}"; do
    got=0
    run "$work/launched" "${clean[@]}" "$L" --va-limit "$w" "$@" || got=$?
    if [ "$got" -ne "$want" ]; then
      fail "$name [$w]: exit $got, directly $want ($(head -c 200 "$work/launched.err"))"
    elif ! diff -u "$work/direct" "$work/launched" >"$work/diff"; then
      fail "$name [$w]: output differs: $(grep '^[-+][^-+]' "$work/diff" | head -4 | tr '\n' ' ')"
    else
      pass "$name [$w]: same output ($(wc -l <"$work/direct") lines) and exit $got"
    fi
  done
}

# inside NAME WINDOW CMD...: the launched program's own check of its maps.
inside() {
  local name=$1 w=$2 status=0
  shift 2
  run "$work/maps" "$L" --va-limit "$w" "$@" maps "$w" || status=$?
  if [ "$status" -eq 0 ]; then
    pass "$name [$w]: $(cat "$work/maps")"
  else
    fail "$name [$w]: $(cat "$work/maps" "$work/maps.err" | head -3)"
  fi
}

# one_line NAME STATUS TEXT CMD...: exits STATUS with exactly one stderr line
# holding TEXT.
one_line() {
  local name=$1 want=$2 text=$3 status=0
  shift 3
  "$@" >/dev/null 2>"$work/err" || status=$?
  if [ "$status" -ne "$want" ]; then
    fail "$name: exit $status, want $want ($(head -c 200 "$work/err"))"
  elif [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -qF -- "$text" "$work/err"; then
    fail "$name: want one line with '$text', got: $(head -c 300 "$work/err")"
  else
    pass "$name: exit $status, \"$(cat "$work/err")\""
  fi
}

echo "== the same program, directly and launched"
for flavor in static pie musl; do
  p=$out/probe-$flavor
  same "$flavor facts" "$p" facts one "two words" ""
  for n in 0 3 255; do same "$flavor exit $n" "$p" exit "$n"; done
  same "$flavor SIGSEGV" "$p" segv
  same "$flavor SIGABRT" "$p" abort
  for w in "${windows[@]}"; do inside "$flavor maps" "$w" "$p"; done
done
same "busybox sh" /bin/busybox sh -c 'echo "$0|$*"; env | sort; exit 3' zero a "b c"
same "busybox printf" /bin/busybox printf '%s|' "x" "" "y z"
same "libc-free program" "$out/tiny"
run "$work/path" env -i PATH="$out" probe-static facts p || true
status=0
run "$work/path-launched" env -i PATH="$out" "$L" --va-limit i386 probe-static facts p || status=$?
if [ "$status" -eq 0 ] && diff -q "$work/path" "$work/path-launched" >/dev/null; then
  pass "a name looked up along PATH: same facts as env(1)'s execvp (AT_EXECFN $(grep AT_EXECFN "$work/path"))"
else
  fail "PATH lookup: exit $status, $(diff "$work/path" "$work/path-launched" | head -3 | tr '\n' ' ')"
fi
status=0
run "$work/maps" env VAOCI_VA_LIMIT=i386 "$L" "$out/probe-static" maps i386 || status=$?
expect "$status" 0 "window from VAOCI_VA_LIMIT: $(cat "$work/maps")"

# Controls: run directly, the same checks must catch the mappings outside.
status=0
run "$work/maps" "$out/probe-static" maps i386 || status=$?
expect "$status" 1 "control: directly, the maps check fails: $(cat "$work/maps")"
status=0
run "$work/launched" "$L" "$out/probe-static" maps i386 || status=$?
expect "$status" 1 "control: launched without a window, it fails too"

echo "== busybox's maps, and the whole address space from outside"
for w in i386 0x10000-0x10000000000; do
  status=0
  VAOCI_DEBUG=maps "$L" --va-limit "$w" /bin/busybox cat /proc/self/maps >"$work/after" 2>"$work/before" || status=$?
  if figures=$("$out/maps_diff" "$w" "$work/before" "$work/after"); then
    pass "busybox cat [$w]: every new mapping inside, verify holds — ${figures##*$'\n'}"
  else
    fail "busybox cat [$w] (exit $status): $figures"
  fi
done
mkfifo "$work/fifo"
exec 7<>"$work/fifo" # never written: busybox's read waits on it
for w in i386 0x10000-0x10000000000; do
  for p in "$out/probe-static" "$out/probe-pie" /bin/busybox; do
    args=(hold)
    [ "$p" = /bin/busybox ] && args=(sh -c 'echo ready; read x')
    rm -f "$work/hold" # not the last run's "ready": the new process may not have opened it yet
    "$L" --va-limit "$w" "$p" "${args[@]}" >"$work/hold" 2>&1 <&7 &
    pid=$!
    for _ in $(seq 1000); do grep -q ready "$work/hold" && break; sleep 0.02; done # up to 20 s: a loaded machine is slow
    json=$("$tool" --json verify --pid "$pid" --va-limit "$w" || true)
    exe=$(readlink "/proc/$pid/exe" || true)
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    holds=$(jq -r '.verify.holds' <<<"$json")
    if [ "$holds" = true ] && [ "$status" -eq 143 ]; then
      pass "verify --pid $(basename "$p") [$w]: holds ($(jq -r '"\(.verify.reserved.bytes / 1073741824 | floor) GiB reserved in \(.verify.reserved.regions) regions, \(.verify.mapped.regions) mappings outside"' <<<"$json")); SIGTERM gives 143; /proc/PID/exe is $(basename "$exe")"
    else
      fail "verify --pid $(basename "$p") [$w]: holds=$holds, exit $status: $(jq -c '.verify | {free}' <<<"$json" 2>/dev/null | head -c 300)"
    fi
  done
done

exec 7>&-

echo "== unprivileged: PR_SET_MM_MAP needs no capability"
cp "$L" "$out/probe-static" "$work/"
chmod 755 "$work/vaoci-launch" "$work/probe-static"
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
status=0
run "$work/direct" "${nobody[@]}" "${clean[@]}" "$work/probe-static" facts x || true
run "$work/launched" "${nobody[@]}" "${clean[@]}" "$work/vaoci-launch" --va-limit i386 "$work/probe-static" facts x || status=$?
if [ "$status" -eq 0 ] && diff -q "$work/direct" "$work/launched" >/dev/null && grep -q 'AT_UID=0xfffe' "$work/launched"; then
  pass "as nobody: same facts, /proc/self/auxv and cmdline included ($(grep -c . "$work/launched") lines)"
else
  fail "as nobody: exit $status: $(diff "$work/direct" "$work/launched" | head -4 | tr '\n' ' ')"
fi

echo "== VAOCI_ON_ERROR"
as64g=(bash -c 'ulimit -v 67108864 && exec "$@"' -)
one_line "reservation fails (RLIMIT_AS 64 GiB): refused" 125 "RLIMIT_AS" "${as64g[@]}" "$L" --va-limit i386 "$out/probe-static" exit 0
one_line "reservation fails, VAOCI_ON_ERROR=warn: runs" 3 "vaoci-launch: warning:" \
  "${as64g[@]}" env VAOCI_ON_ERROR=warn "$L" --va-limit i386 "$out/probe-static" exit 3

echo "== refusals: one line, the exit status, nothing reserved"
g=$out/noreserve
printf 'echo hi\n' >"$work/text" && printf '#!/bin/sh\necho hi\n' >"$work/script"
cp "$out/tiny" "$work/noexec" && chmod 755 "$work/text" "$work/script" && chmod 644 "$work/noexec"
one_line "dynamically linked" 126 "/usr/bin/true: dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2)" \
  "$g" "$L" --va-limit i386 /usr/bin/true
one_line "an aarch64 program" 126 "vaoci-reserve: an aarch64 program: this vaoci-launch loads x86_64 ones" \
  "$g" "$L" --va-limit i386 "$root/build/aarch64/vaoci-reserve"
one_line "not ELF" 126 "text: not an ELF file" "$g" "$L" --va-limit i386 "$work/text"
one_line "a script" 126 "script: a #! script" "$g" "$L" --va-limit i386 "$work/script"
one_line "missing file" 127 "$work/nope: not found" "$g" "$L" --va-limit i386 "$work/nope"
one_line "not in PATH" 127 "nosuchprogram: not found in PATH" "$g" /usr/bin/env PATH=/nonexistent "$L" --va-limit i386 nosuchprogram
one_line "not executable" 126 "noexec: not executable" "$g" "$L" --va-limit i386 "$work/noexec"
one_line "a directory" 126 "not a regular file" "$g" "$L" --va-limit i386 "$work"
one_line "bad --va-limit" 125 'va-limit `0x1000-0x1000`: expected LOWER != UPPER' "$g" "$L" --va-limit 0x1000-0x1000 "$out/tiny"
one_line "bad VAOCI_VA_LIMIT" 125 'VAOCI_VA_LIMIT: va-limit `x86-64`' "$g" /usr/bin/env VAOCI_VA_LIMIT=x86-64 "$L" "$out/tiny"
one_line "no PROGRAM" 125 "PROGRAM missing" "$g" "$L" --va-limit i386
one_line "outside the window" 126 "tiny: its segment 0x400000-0x401000 is outside the window 0x10000000-0x20000000" \
  "$g" "$L" --va-limit 0x10000000-0x20000000 "$out/tiny"
one_line "a collision (setarch -R: the stack is known)" 126 "tiny-high: its segment 0x7ffffffe0000-0x7ffffffe1000 collides with" \
  setarch -R "$g" "$L" --va-limit x86_64 "$out/tiny-high"
status=0
grep -qF "[stack]" "$work/err" || status=$?
expect "$status" 0 "the collision names what is there: $(grep -o '0x[0-9a-f]*-0x[0-9a-f]* \[stack\]' "$work/err")"
status=0
("$g" "$L" --va-limit i386 "$out/tiny"; exit $?) 2>/dev/null || status=$?
expect "$status" 159 "control: the guard kills a launch that reserves (SIGSYS)"

echo "== binfmt_misc (magic VAOCITST, never an ELF magic)"
if [ ! -e "$binfmt/register" ]; then
  mount -t binfmt_misc none "$binfmt"
  mounted_here=1
fi
[ -e "$binfmt/$entry" ] && echo -1 >"$binfmt/$entry"
file=$work/prog.vaocitst
printf 'VAOCITST and then anything\n' >"$file" && chmod 755 "$file"
printf 'emulator = %s\nva-limit = i386\n' "$out/emu-static" >"$work/launch.conf"
register() { echo ":$entry:M::VAOCITST::$1:$2" >"$binfmt/register"; }
unregister() { echo -1 >"$binfmt/$entry"; }
# exec_file VAR=VALUE...: exec the magic file as custom-argv0 x "y z" in that environment.
exec_file() { env -i "$@" bash -c 'exec -a custom-argv0 "$0" x "y z"' "$file"; }
expect_argv() { # FLAGS: the argv the kernel gives an interpreter
  case $1 in
  *P*) printf 'argc=5\nargv[0]=%s\nargv[1]=%s\nargv[2]=custom-argv0\nargv[3]=x\nargv[4]=y z\n' "$out/emu-static" "$file" ;;
  *) printf 'argc=4\nargv[0]=%s\nargv[1]=%s\nargv[2]=x\nargv[3]=y z\n' "$out/emu-static" "$file" ;;
  esac
}
for flags in "" P PO POC F; do
  register "$out/emu-static" "$flags"
  status=0
  run "$work/emu-direct" exec_file || status=$?
  unregister
  register "$B" "$flags"
  run "$work/emu-launched" exec_file VAOCI_LAUNCH_CONF="$work/launch.conf" PROBE_WINDOW=i386 || status=$?
  unregister
  grep -v '^maps:' "$work/emu-launched" >"$work/emu-facts"
  execfd=$(grep AT_EXECFD "$work/emu-launched")
  if [ "$status" -ne 0 ]; then
    fail "binfmt '$flags': exit $status: $(head -c 300 "$work/emu-launched.err" "$work/emu-launched")"
  elif ! diff -u "$work/emu-direct" "$work/emu-facts" >"$work/diff"; then
    fail "binfmt '$flags': the emulator saw otherwise: $(grep '^[-+][^-+]' "$work/diff" | head -4 | tr '\n' ' ')"
  elif [ "$(grep -E '^(argc|argv)' "$work/emu-facts")" != "$(expect_argv "$flags")" ]; then
    fail "binfmt '$flags': argv $(grep '^argv' "$work/emu-facts" | tr '\n' ' ')"
  elif [[ $flags == *O* && $execfd != "AT_EXECFD=present VAOCITST" ]] || [[ $flags != *O* && $execfd != "AT_EXECFD=absent "* ]]; then
    fail "binfmt '$flags': $execfd"
  else
    pass "binfmt '$flags': as if registered itself ($(grep -c . "$work/emu-facts") lines: argv, $(grep AT_FLAGS "$work/emu-facts"), $execfd); $(grep '^maps:' "$work/emu-launched")"
  fi
done
register "$B" P
status=0
run "$work/emu" exec_file VAOCI_LAUNCH_CONF="$work/launch.conf" VAOCI_VA_LIMIT=0x10000-0x10000000000 \
  PROBE_WINDOW=0x10000-0x10000000000 || status=$?
status2=0
run "$work/emu2" exec_file VAOCI_LAUNCH_CONF="$work/launch.conf" VAOCI_VA_LIMIT=0x10000-0x10000000000 \
  PROBE_WINDOW=i386 || status2=$?
expect "$status/$status2" 0/1 "binfmt: VAOCI_VA_LIMIT overrides the file's window ($(grep '^maps:' "$work/emu"))"
printf 'emulator = %s\nva_limit = i386\n' "$out/emu-static" >"$work/bad.conf"
one_line "binfmt: a bad configuration" 125 "bad.conf line 2: unknown key \`va_limit\`" \
  exec_file VAOCI_LAUNCH_CONF="$work/bad.conf"
one_line "binfmt: no configuration" 125 "open \`$work/none.conf\`" exec_file VAOCI_LAUNCH_CONF="$work/none.conf"
unregister

echo "== the bundle: vaoci-binfmt carrying its emulator and launch.conf (what vaoci node install registers)"
# Written by the installer's own code (cli/src/lib/bundle.ts, built by make build).
bundle() { # OUT EMULATOR-PATH-IN-CONF VA-LIMIT
  [ -f "$root/build/ts/cli/src/lib/bundle.js" ] || { echo "test-launch: build/ts/cli/src/lib/bundle.js missing: run \`make build\` (the CLI) first" >&2; exit 2; }
  mkdir -p "$(dirname "$1")"
  node -e 'const b = require(process.argv[1]), fs = require("fs");
    fs.writeFileSync(process.argv[2], b.buildBundle(fs.readFileSync(process.argv[3]), fs.readFileSync(process.argv[4]),
      b.launchConfigText({emulator: process.argv[5], va_limit: process.argv[6]})), {mode: 0o755});' \
    "$root/build/ts/cli/src/lib/bundle.js" "$1" "$L" "$out/emu-static" "$2" "$3"
}
bundle "$work/bundle/vaoci-binfmt" "$out/emu-static" i386
# hidden: as in a container, neither the emulator nor any launch.conf is visible.
export -f exec_file && export file
hidden() { unshare -m bash -c 'mount --bind /dev/null "$0" && "${@:1}"' "$out/emu-static" "$@"; }
register "$work/bundle/vaoci-binfmt" F
status=0
run "$work/bundled" hidden exec_file PROBE_WINDOW=i386 || status=$?
expect "$status" 0 "bundle, emulator hidden: it runs from the bundle and holds the bundle's window ($(grep '^maps:' "$work/bundled"))"
if grep -q "^argv\[0\]=$out/emu-static$" "$work/bundled"; then
  pass "bundle: the emulator's argv[0] is its path in launch.conf"
else
  fail "bundle: argv[0] $(grep '^argv\[0\]' "$work/bundled")"
fi
status=0
run "$work/bundled" hidden exec_file VAOCI_VA_LIMIT=0x10000-0x10000000000 PROBE_WINDOW=0x10000-0x10000000000 || status=$?
expect "$status" 0 "bundle: VAOCI_VA_LIMIT overrides its window ($(grep '^maps:' "$work/bundled"))"
unregister
register "$B" F
one_line "control: plain vaoci-binfmt with the emulator hidden cannot load it" 126 "emu-static: not a regular file" \
  hidden exec_file VAOCI_LAUNCH_CONF="$work/launch.conf"
unregister
# Damaged: the trailer's configuration size grown past the file.
cp "$work/bundle/vaoci-binfmt" "$work/bundle/damaged" && mkdir -p "$work/damaged"
size=$(stat -c %s "$work/bundle/damaged")
printf '\377\377' | dd of="$work/bundle/damaged" bs=1 seek=$((size - 64 + 25)) conv=notrunc status=none
mv "$work/bundle/damaged" "$work/damaged/vaoci-binfmt"
register "$work/damaged/vaoci-binfmt" F
one_line "a damaged bundle: refused" 125 "/proc/self/exe: a damaged vaoci bundle" exec_file
unregister

echo "test-launch: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
