#!/usr/bin/env bash
# The arm64 suites on every kernel of the matrix (test/arm64/kernel.sh): the
# native suite, vaoci-launch, containers and the emulators (and `vaoci run`,
# on 6.12 only: SUITE_ONLY_ON below), each on Debian
# 12's 6.1 (4K pages, 48-bit VA), Debian 13's 6.12 (4K, 52-bit) and 6.12-16k
# (16K, 52-bit). Every suite runs on every kernel even when one fails, so the
# summary shows the whole matrix; each prints its own assertions (kept in
# build/arm64-vm/matrix/KERNEL-SUITE.out) and its time.
#
#   test/arm64/matrix.sh [KERNEL...]     default: every kernel
#   ARM64_SUITES="native launch" test/arm64/matrix.sh 6.12
#
# Exit 0 only if every suite passed on every kernel.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=test/arm64/kernel.sh
source "$HERE/kernel.sh"
OUT=$REPO/build/arm64-vm/matrix

declare -A SUITE_CMD=(
	[native]=test/arm64/native-suite.sh
	[launch]=test/launch/arm64.sh
	[container]=test/arm64/container-suite.sh
	[emulators]=test/arm64/emulator-suite.sh
	[run]=test/arm64/run-suite.sh
)
# Suites that run on one kernel only: `vaoci run` boots node under TCG (~3 min
# a kernel); its reservation paths are the container suite's, which runs on all.
declare -A SUITE_ONLY_ON=([run]=6.12)
read -r -a SUITES <<<"${ARM64_SUITES:-native launch container emulators run}"
KERNELS=("$@")
((${#KERNELS[@]})) || KERNELS=("${ARM64_KERNELS[@]}")

mkdir -p "$OUT"
results=()
bad=0
start_all=$SECONDS
for k in "${KERNELS[@]}"; do
	for s in "${SUITES[@]}"; do
		[[ -n ${SUITE_CMD[$s]:-} ]] || { echo "arm64 matrix: suite \"$s\" — expected one of ${!SUITE_CMD[*]}" >&2; exit 2; }
		[[ -z ${SUITE_ONLY_ON[$s]:-} || ${SUITE_ONLY_ON[$s]} == "$k" ]] || continue
		log=$OUT/$k-$s.out
		t0=$SECONDS
		echo "arm64 matrix: $s on $k ..." >&2
		(cd "$REPO" && VAOCI_ARM64_KERNEL=$k "${SUITE_CMD[$s]}") >"$log" 2>&1
		rc=$?
		secs=$((SECONDS - t0))
		# the suite's last line is its "N passed, M failed" verdict
		verdict=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1 | sed 's/.*: \([0-9]* passed, [0-9]* failed\)$/\1/')
		if ((rc == 0)); then
			status=ok
		else
			status=FAILED
			bad=1
			grep -E 'FAILED|^FAIL ' "$log" | head -n 8 | sed 's/^/    /'
		fi
		results+=("$(printf '%-9s %-10s %-7s %-22s %4d s' "$k" "$s" "$status" "${verdict:-no verdict (rc=$rc)}" "$secs")")
		echo "arm64 matrix: $s on $k: $status, ${verdict:-no verdict}, ${secs} s (log: ${log#"$REPO"/})"
	done
done
echo
echo "arm64 matrix ($((SECONDS - start_all)) s):"
printf '  %-9s %-10s %-7s %-22s %s\n' kernel suite status assertions time
printf '  %s\n' "${results[@]}"
exit "$bad"
