# shellcheck shell=bash
# Sourced by the arm64 suites: one line per assertion, a count, a verdict.
#
#   VERDICT_LABEL="arm64 container [6.12]"   set before the calls
#   pass NAME DETAILS     "LABEL NAME: ok — DETAILS"
#   fail NAME DETAILS     "LABEL NAME: FAILED — DETAILS"
#   summary               "LABEL: N passed, M failed"; status 0 only if none failed
#   die WHAT              "LABEL: FAILED — WHAT" on stderr, exit 1
#
# And for suites whose VM side writes test/arm64/block.sh's blocks ("@@VAOCI-
# BEGIN NAME", output, "@@STATUS N", "@@VAOCI-END NAME"), read from $LOG
# through $VM --extract:
#   out BLOCK             the block's output, without its status line
#   rc BLOCK              its command's exit status (empty if it has none)

VERDICT_LABEL=${VERDICT_LABEL:-arm64}
PASSED=0
FAILED=0

pass() { echo "$VERDICT_LABEL $1: ok — $2"; PASSED=$((PASSED + 1)); }
fail() { echo "$VERDICT_LABEL $1: FAILED — $2"; FAILED=$((FAILED + 1)); }
summary() { echo "$VERDICT_LABEL: $PASSED passed, $FAILED failed"; ((FAILED == 0)); }
die() { echo "$VERDICT_LABEL: FAILED — $*" >&2; exit 1; }

block_text() { "$VM" --extract "$1" "$LOG" 2>/dev/null || true; }
out() { block_text "$1" | grep -v '^@@STATUS ' || true; }
rc() { block_text "$1" | sed -n 's/^@@STATUS \([0-9]*\)$/\1/p' | tail -n1; }
