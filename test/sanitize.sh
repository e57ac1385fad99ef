#!/usr/bin/env bash
# make test-sanitize: the C unit and live tests again, built with the
# sanitizers (gcc, dynamically linked: they cannot be static) into
# build/sanitize/. AddressSanitizer (with LeakSanitizer) and UBSan for the
# tests that do not reserve address space; UBSan alone for test_reserve and
# test_alloc, because ASan's shadow memory and allocator occupy the very
# ranges those tests reserve or allocate in (under ASan test_reserve hangs and
# test_alloc finds no room at 1 TiB, inside ASan's shadow gap: not bugs).
# The freestanding preload and launcher are not built here. Any report fails.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/sanitize
mkdir -p "$out"
base=(-std=gnu11 -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all -Wall -Werror -Wno-format-truncation
      -Inative/include -Inative/src -Ihook/policy -Ihook/common -Ihook/runtime -Ihook/ocihook)
asan=("-fsanitize=address,undefined")
ubsan=(-fsanitize=undefined)
hook_srcs=(hook/policy/*.c hook/common/*.c hook/runtime/args.c hook/runtime/create.c hook/runtime/say.c)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# build NAME SANITIZERS... -- SOURCES...
build() {
  local name=$1 flags=() srcs
  shift
  while [ "$1" != -- ]; do flags+=("$1"); shift; done
  shift
  srcs=("$@")
  gcc "${base[@]}" "${flags[@]}" native/src/*.c "${srcs[@]}" -ljansson -o "$out/$name"
}

for t in test_window test_span test_maps test_verify; do build "$t" "${asan[@]}" -- "native/tests/$t.c"; done
for t in test_reserve test_alloc; do build "$t" "${ubsan[@]}" -- "native/tests/$t.c"; done
# test_formats: the ELF, binfmt_misc, window and launch.conf parsers on the shared format vectors
for t in test_policy test_hookcommon test_formats; do build "$t" "${asan[@]}" -- "${hook_srcs[@]}" "hook/tests/$t.c"; done
# the whiteout writer parses untrusted tar names (asan holds undefined too)
build test_overlay_marks "${asan[@]}" -- native/tool/overlay_marks.c native/tests/test_overlay_marks.c
test/run-native-tests.sh "$out" | sed 's/^test-native:/test-sanitize:/'
