#!/usr/bin/env bash
# shellcheck disable=SC2016 # the checks pass values to `bash -c` as $0, $1...: single quotes on purpose
# The installer is crash-safe (issue 20): `vaoci node install` and `uninstall` killed
# after every prefix of their operation sequence, and failing with a full disk and a
# read-only /etc at each write, on four realistic node trees (containerd 1.x and 2.x,
# CRI-O, containerd with a static qemu fronted in binfmt_misc) — installer-tree.sh, one
# job per tree, two at a time; then two installers at once (installer-overlap.sh) and an
# upgrade and downgrade under a running container (installer-upgrade.sh).
# Faults come from outside the product: strace's syscall fault injection (installed by
# .ci/install-deps); vaoci has no test-only code. Needs root (binfmt_misc, containerd).
# Prints ok/FAIL lines, the figures ("installer: …") and its time.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source test/hook/lib.sh
command -v strace >/dev/null || { echo "FAIL - no strace: run .ci/install-deps"; exit 1; }
for b in /usr/bin/containerd build/tools/containerd-2.2.1/containerd; do
  [ -x "$b" ] || { echo "FAIL - no $b: run .ci/install-deps and make tools"; exit 1; }
done
WORK=$(mktemp -d /tmp/vaoci-installer.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
mkdir -p "$WORK/from" # the data plane, copied once: every run installs the same bytes
for f in vaoci-runtime vaoci-hook vaoci-reserve vaoci-launch libvaoci-preload.so; do cp "$BUILD/$f" "$WORK/from/" || exit 1; done

TREES=(c16 qemu c22 crio) # the longest first: two jobs at a time on two cores
printf '%s\n' "${TREES[@]}" | xargs -P "${INSTALLER_JOBS:-2}" -I{} sh -c 'test/reliability/installer-tree.sh "$0" {} >"$0/{}.out" 2>&1' "$WORK"
test/reliability/installer-overlap.sh "$WORK" >"$WORK/overlap.out" 2>&1
test/reliability/installer-upgrade.sh "$WORK" >"$WORK/upgrade.out" 2>&1
outs=("${TREES[@]/#/$WORK/}") && outs=("${outs[@]/%/.out}" "$WORK/overlap.out" "$WORK/upgrade.out")
cat "${outs[@]}" | grep -v '^figures '
# figures TREE PREFIXES SURVIVED ENGINE_DOWN DOUBLED DISK DISK_OK, one line per tree
read -r tried survived down doubled disk disk_ok < <(cat "${outs[@]}" | awk '$1 == "figures" { for (i = 3; i <= 8; i++) s[i] += $i } END { print s[3]+0, s[4]+0, s[5]+0, s[6]+0, s[7]+0, s[8]+0 }')
echo "installer: $tried prefixes killed, $survived survived; $disk disk faults (ENOSPC, EROFS), $disk_ok survived; nodes left unable to load their engine config: $down; states with two binfmt_misc handlers enabled: $doubled; in $(($(date +%s) - start)) s"
passed=$(cat "${outs[@]}" | grep -c '^ok') failed=$(cat "${outs[@]}" | grep -c '^FAIL')
echo "installer: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
