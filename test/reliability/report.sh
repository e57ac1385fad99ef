#!/usr/bin/env bash
# make reliability: the reliability suites, then their figures in one table —
# fuzz inputs tried and crashes (FUZZ_SECONDS per target, default 60), the
# containers started at once and how many hung or got another's window, the
# faults survived, the symlink corpus (images × paths, escapes), the node installer
# killed at every prefix of its operations, out of disk, racing itself. The hook's own
# symlink corpus and the unpacker's property test run in make test-hook and test-ts.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
test/reliability/concurrency.sh >"$log.c" 2>&1 || rc=1
test/reliability/faults.sh >"$log.f" 2>&1 || rc=1
test/reliability/corpus/run.sh >"$log.s" 2>&1 || rc=1
test/reliability/installer.sh >"$log.i" 2>&1 || rc=1
test/fuzz/run.sh "${FUZZ_SECONDS:-60}" >"$log.z" 2>&1 || rc=1
cat "$log.c" "$log.f" "$log.s" "$log.i" "$log.z" | grep -E '^(FAIL|fuzz )' || true
echo
echo "| what | figure |"
echo "| --- | --- |"
sed -n 's/^fuzz \([a-z]*\): \([0-9]*\) inputs in \([0-9]*\) s, corpus \([0-9]*\), crashes \([0-9]*\)$/| fuzz \1 | \2 inputs in \3 s, corpus \4, crashes \5 |/p' "$log.z"
sed -n 's/^concurrency: \([0-9]*\) containers in \(.*\) s$/| containers at once, each its own window | \1 in \2 s/p' "$log.c" | tr -d '\n'
echo " ($(grep -c '^ok' "$log.c") of $(grep -cE '^(ok|FAIL)' "$log.c") checks: none hung, none got another's window) |"
echo "| faults survived (one line, config.json old or new) | $(grep -c '^ok' "$log.f") of $(grep -cE '^(ok|FAIL)' "$log.f") checks |"
sed -n 's/^symlink corpus: \([0-9]*\) images × \([0-9]*\) paths (\([0-9]*\) runs.*), \([0-9]*\) escapes in \([0-9]*\) s$/| symlink corpus: images × paths (unpacker, wrapper on runc and crun, hook) | \1 × \2 (\3 runs), \4 escapes, in \5 s/p' "$log.s" | tr -d '\n'
echo " ($(grep -c '^ok' "$log.s") of $(grep -cE '^(ok|FAIL)' "$log.s") checks) |"
# installer.sh's figures line: PREFIXES SURVIVED DISK DISK_OK ENGINE_DOWN DOUBLED SECONDS
read -r ip is id io ie ib it < <(sed -n 's/^installer: \([0-9]*\) prefixes killed, \([0-9]*\) survived; \([0-9]*\) disk faults (ENOSPC, EROFS), \([0-9]*\) survived; nodes left unable to load their engine config: \([0-9]*\); states with two binfmt_misc handlers enabled: \([0-9]*\); in \([0-9]*\) s$/\1 \2 \3 \4 \5 \6 \7/p' "$log.i")
echo "| node installer killed (SIGKILL) at every prefix of install and uninstall (containerd 1.6, 2.2.1, CRI-O, a fronted static qemu) | ${is:-?} of ${ip:-?} prefixes survived; nodes left unable to load their engine config: ${ie:-?}; two binfmt_misc handlers enabled at once: ${ib:-?} |"
echo "| node installer out of disk (ENOSPC) and with a read-only /etc (EROFS) at each write | ${io:-?} of ${id:-?} survived, each one line |"
echo "| node installer: two at once, upgrade and downgrade under a running container | $(grep -c '^ok' "$log.i") of $(grep -cE '^(ok|FAIL)' "$log.i") installer checks in ${it:-?} s |"
rm -f "$log.c" "$log.f" "$log.s" "$log.i" "$log.z"
exit "$rc"
