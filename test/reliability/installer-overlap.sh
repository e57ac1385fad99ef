#!/usr/bin/env bash
# shellcheck disable=SC2016 # the checks pass values to `bash -c` as $0, $1...: single quotes on purpose
# Two installers at once (issue 20, an overlapping rollout of the chart): while one
# `vaoci node install` runs — held mid-way by strace (a 2 s delay on entry to its third
# rename) — a second install, from another rollout with another node config, starts: it
# says in one line that it waits, waits, then runs; the node ends as one consistent
# install, the second's, byte for byte as if it had run alone after the first (never a
# mix). Then uninstall against install, and an installer killed while holding the lock
# (its socket left behind): the next one takes the lock over without waiting; one held
# between bind and listen, when a connect is refused, is not taken for dead.
# Usage: installer-overlap.sh WORK (installer.sh makes WORK/from).
set -uo pipefail
WORK=$1/overlap TREE=c22 FROM=$1/from
# shellcheck source=installer-lib.sh
source "$(dirname "$0")/installer-lib.sh"
# shellcheck source=../hook/lib.sh
source "$INST_ROOT/test/hook/lib.sh"
mkdir -p "$TD"
printf '{"runtime": "/usr/local/sbin/runc"}\n' >"$WORK/rollout-b.json"
B_ARGS=(--node-config "$WORK/rollout-b.json")
WAITING='another vaoci node install or uninstall is running (lock `'$W'/run/vaoci-node-install.sock`); waiting'

make_tree && rm -rf "$TD/pristine" && cp -a "$W" "$TD/pristine"
SNAP_P=$(snap)
run_verb install && SNAP_A=$(snap)
"$VAOCI" node install --host-root "$W" --from "$FROM" "${B_ARGS[@]}" >/dev/null && SNAP_AB=$(snap) # A, then B alone
reset() { rm -rf "$W" && cp -a "$TD/pristine" "$W"; }

# held VERB [ARGS]: VERB started in the background, held HOLD_MS (2 s) inside its run (it holds the lock); sets HELD.
held() {
  local verb=$1; shift
  # the rename that puts /etc/vaoci/config.json in place (install), or moves the record out (uninstall):
  # strace -P matches a rename by its first path
  strace -qq -o /dev/null -P "$W/etc/vaoci/.config.json.vaoci-tmp" -P "$W/opt/vaoci/install.json" -e trace=rename -e inject=rename:delay_enter=$((${HOLD_MS:-2000} * 1000)):when=1 \
    "$VAOCI" node "$verb" --host-root "$W" "$@" >"$WORK/a.out" 2>"$WORK/a.err" &
  HELD=$!
  for _ in $(seq 100); do [ -S "$W/run/vaoci-node-install.sock" ] && break; sleep 0.05; done
}

reset
held install --from "$FROM"
t0=$(date +%s%N)
"$VAOCI" node install --host-root "$W" --from "$FROM" "${B_ARGS[@]}" >"$WORK/b.out" 2>"$WORK/b.err"
brc=$? waited=$((($(date +%s%N) - t0) / 1000000))
wait "$HELD"; arc=$?
check "two installs at once: both exit 0 (first $arc, second $brc)" test "$arc$brc" = 00
check "... the second said it waits, in one line: $(head -1 "$WORK/b.err")" bash -c '[ "$(cat "$0")" = "$1" ]' "$WORK/b.err" "$WAITING"
check "... and waited for the first (${waited} ms)" test "$waited" -ge 1000
check "... the node is one install, the second rollout's, byte for byte as if run alone after the first" test "$(snap)" = "$SNAP_AB"
check "... its record names exactly the files on the node (vaoci node status: installed, nothing drifted)" \
  bash -c '"$0" node status --host-root "$1" --json | jq -e ".installed == true and ([.files[] | select(.state != \"ok\")] | length == 0)" >/dev/null' "$VAOCI" "$W"

reset
run_verb install
held uninstall
"$VAOCI" node install --host-root "$W" --from "$FROM" >"$WORK/b.out" 2>"$WORK/b.err"; brc=$?
wait "$HELD"; arc=$?
check "uninstall and install at once: both exit 0 ($arc, $brc), the install waited; the node is installed, whole" \
  bash -c '[ "$0$1" = 00 ] && [ "$(cat "$2")" = "$3" ] && [ "$4" = "$5" ]' "$arc" "$brc" "$WORK/b.err" "$WAITING" "$(snap)" "$SNAP_A"

reset
held install --from "$FROM"
# The installer itself (strace's child): a tracer killed alone detaches it, and it runs on.
kill -9 "$(pgrep -P "$HELD")" "$HELD"; wait "$HELD" 2>/dev/null
check "an installer killed holding the lock leaves its socket" test -S "$W/run/vaoci-node-install.sock"
"$VAOCI" node install --host-root "$W" --from "$FROM" >"$WORK/b.out" 2>"$WORK/b.err"; brc=$?
check "... the next takes the lock over at once (no waiting line), and completes the install" \
  bash -c '[ "$0" = 0 ] && [ ! -s "$1" ] && [ "$2" = "$3" ] && [ ! -e "$4" ]' "$brc" "$WORK/b.err" "$(snap)" "$SNAP_A" "$W/run/vaoci-node-install.sock"
"$VAOCI" node uninstall --host-root "$W" >/dev/null
check "... and uninstall then leaves the node byte for byte as before" test "$(snap)" = "$SNAP_P"

# A live holder never looks dead: the first installer is held 3 s between bind(2) and
# listen(2), the moment a connect to its socket is refused, while a second one (rollout B,
# held 4 s inside its run) arrives. The second must not take the lock over: it holds it,
# the first says it waits, and the node ends as B, then A, each whole. (The second holds
# the lock from its start, under 3 s even on a loaded machine, until after the first listens.)
reset && "$VAOCI" node install --host-root "$W" --from "$FROM" "${B_ARGS[@]}" >/dev/null && run_verb install && SNAP_BA=$(snap)
reset
strace -qq -o /dev/null -e trace=listen -e inject=listen:delay_enter=3000000:when=1 \
  "$VAOCI" node install --host-root "$W" --from "$FROM" >"$WORK/c.out" 2>"$WORK/c.err" &
SLOW=$!
for _ in $(seq 100); do compgen -G "$W/run/vaoci-node-install.sock*" >/dev/null && break; sleep 0.05; done
HOLD_MS=4000 held install --from "$FROM" "${B_ARGS[@]}"
wait "$SLOW"; crc=$?
wait "$HELD"; arc=$?
check "an installer between bind and listen when another arrives: both exit 0 ($crc, $arc), it waits for the other, the node is B then A, whole" \
  bash -c '[ "$0$1" = 00 ] && [ "$(cat "$2")" = "$3" ] && [ "$4" = "$5" ]' "$crc" "$arc" "$WORK/c.err" "$WAITING" "$(snap)" "$SNAP_BA"

# Many at once, no delays: three rounds of four installers (two rollouts) and an uninstall started
# together; the node ends as whichever ran last left it: rollout A's, rollout B's, or as before.
mixed=0
for _ in 1 2 3; do
  reset
  pids=()
  for i in 1 2 3 4; do
    if [ $((i % 2)) = 0 ]; then "$VAOCI" node install --host-root "$W" --from "$FROM" "${B_ARGS[@]}" >/dev/null 2>&1 & else run_verb install 2>/dev/null & fi
    pids+=($!)
  done
  "$VAOCI" node uninstall --host-root "$W" >/dev/null 2>&1 & pids+=($!)
  rc=0; for p in "${pids[@]}"; do wait "$p" || rc=1; done
  s=$(snap)
  [ "$rc" = 0 ] && { [ "$s" = "$SNAP_A" ] || [ "$s" = "$SNAP_AB" ] || [ "$s" = "$SNAP_P" ]; } || mixed=$((mixed + 1))
done
check "three rounds of four installs and an uninstall at once: every run exit 0, the node each time one whole state (mixed: $mixed)" test "$mixed" = 0
summary "installer overlap"
