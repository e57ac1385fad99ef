#!/usr/bin/env bash
# Boot the arm64 VM with test/arm64/selftest/hello.c and check that it ran
# on a Debian 6.1 arm64 kernel with a 48-bit user VA.
#   test/arm64/selftest.sh [vm.sh options]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PAYLOAD=$(mktemp -d)
trap 'rm -rf "$PAYLOAD"' EXIT
LOG=$REPO/build/arm64-vm/selftest.log

fail() { echo "arm64 selftest: FAILED: $*" >&2; exit 1; }

"$HERE/vm.sh" --setup # tools, kernel and /init, so the cross compiler exists
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$PAYLOAD/hello" "$HERE/selftest/hello.c"
printf '# selftest\nhello\nhello extra args\n' >"$PAYLOAD/tests.list"

"$HERE/vm.sh" --log "$LOG" "$@" "$PAYLOAD"

out=$("$HERE/vm.sh" --extract hello "$LOG")
grep -q '^uname -r: 6\.1\.' <<<"$out" || fail "not a 6.1 kernel"
grep -q '^machine: aarch64$' <<<"$out" || fail "not aarch64"
grep -q '^map at 1<<47: ok$' <<<"$out" || fail "could not map at 1<<47 (no 48-bit VA)"
echo "arm64 selftest: ok ($(grep -m1 '^uname -r:' <<<"$out"), 48-bit VA)"
