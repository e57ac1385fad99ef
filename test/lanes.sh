#!/usr/bin/env bash
# make test's lanes, each timed: runs `make -s LANE` for every LANE given,
# all of them even after a failure (a red lane should not hide the others),
# then prints one line per lane (status, seconds) and the total.
#   test/lanes.sh LANE...
# Exit 0 only if every lane passed. LANES_TITLE names the run in the table
# (make check sets it; default make test).
set -uo pipefail
title=${LANES_TITLE:-make test}
cd "$(dirname "$0")/.." || exit 1
rows=()
failed=()
t_all=$SECONDS
for lane in "$@"; do
	echo "==> make $lane" >&2
	t0=$SECONDS
	if make -s --no-print-directory "$lane"; then status=ok; else status=FAILED; failed+=("$lane"); fi
	rows+=("$(printf '%-18s %-7s %5d s' "$lane" "$status" $((SECONDS - t0)))")
	echo "==> make $lane: $status in $((SECONDS - t0)) s" >&2
done
echo
echo "$title: lanes"
printf '  %s\n' "${rows[@]}"
echo "  total $((SECONDS - t_all)) s"
if ((${#failed[@]})); then
	echo "$title: FAILED lanes: ${failed[*]}"
	exit 1
fi
echo "$title: all suites passed"
