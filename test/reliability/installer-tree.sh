#!/usr/bin/env bash
# shellcheck disable=SC2016 # the checks pass values to `bash -c` as $0, $1...: single quotes on purpose
# One node tree's crash test (run by test/reliability/installer.sh, one job per tree):
# `vaoci node install` and `uninstall` stopped after every prefix of their operation
# sequence, then failing with ENOSPC at each write and EROFS at each operation under /etc.
#   1. an uninterrupted run under strace lists the operations that change the node (files
#      under --host-root, binfmt_misc writes), each as "the Nth call of syscall S";
#   2. for each N: the node reset, the run again with strace injecting SIGKILL on entry to that
#      call (the call does not happen: operations 1..N-1 did), the strace log showing it was
#      that call; then the node must still work — the engine's effective config loads and is
#      the one before install or the one after (containerd's own `config dump`; CRI-O's files
#      parsed as CRI-O reads them), x86 binaries (a made-up magic, qemu tree) still run through
#      a handler — and the next run (same verb, no fault) ends byte for byte where an
#      uninterrupted run ends (uninstall: the node before install, binfmt_misc included);
#   3. the same with error=ENOSPC (openat, write, mkdir, rename: where a full disk fails a write)
#      and error=EROFS (every operation under /etc): exit 1, one line naming the errno.
# The real containerd starts on the tree before and after install (its CRI plugin `ok`):
# every state above is checked to load as one of those two.
# Usage: installer-tree.sh WORK TREE. Prints ok/FAIL lines and one "installer TREE:" figures line.
set -uo pipefail
WORK=$1 TREE=$2
# shellcheck source=installer-lib.sh
source "$(dirname "$0")/installer-lib.sh"
# shellcheck source=../hook/lib.sh
source "$INST_ROOT/test/hook/lib.sh"
mkdir -p "$TD"
if [ ! -d "$FROM" ]; then # run alone (installer.sh makes it once for every tree)
  mkdir -p "$FROM" && for f in vaoci-runtime vaoci-hook vaoci-reserve vaoci-launch libvaoci-preload.so; do cp "$BUILD/$f" "$FROM/"; done
fi
trap binfmt_umount EXIT

make_tree || { fail "$TREE: node tree"; exit 1; }
rm -rf "$TD/pristine" && cp -a "$W" "$TD/pristine"
binfmt_mount || { fail "$TREE: mount binfmt_misc"; exit 1; }
reset() { # reset pristine|installed: the tree and the kernel's registrations
  binfmt_detach && rm -rf "$W" && cp -a "$TD/$1" "$W" && binfmt_attach && binfmt_set "$1"
}
reset pristine
SNAP_P=$(snap) CFG_P=$(engine_config)
check "$TREE: the node's own engine config loads ($CFG_P)" test -n "$CFG_P"
trace_ops install "$TD/install.log" "$TD/install.ops"
SNAP_I=$(snap) CFG_I=$(engine_config)
check "$TREE: install, uninterrupted: $(wc -l <"$TD/install.ops") operations; the engine config loads ($CFG_I)" \
  bash -c '[ -s "$0" ] && [ -n "$1" ] && [ "$1" != "$2" ]' "$TD/install.ops" "$CFG_I" "$CFG_P"
binfmt_detach && rm -rf "$TD/installed" && cp -a "$W" "$TD/installed" && binfmt_attach
out=$(run_verb install; snap)
check "$TREE: a second install changes nothing" test "$out" = "$SNAP_I"
if [ "$TREE" != crio ]; then
  reset pristine && st=$(cri_up)
  check "$TREE: the real containerd on the node before install: CRI plugin $st" test "$st" = ok
  reset installed && st=$(cri_up)
  check "$TREE: the real containerd on the node after install: CRI plugin $st" test "$st" = ok
fi
reset installed
trace_ops uninstall "$TD/uninstall.log" "$TD/uninstall.ops"
check "$TREE: uninstall, uninterrupted: $(wc -l <"$TD/uninstall.ops") operations, the node byte for byte as before install" \
  bash -c '[ -s "$0" ] && [ "$1" = "$2" ]' "$TD/uninstall.ops" "$(snap)" "$SNAP_P"

tried=0 survived=0 engine_down=0 doubled=0 disk=0 disk_ok=0
# one VERB START SYSCALL N PATHS ACTION: one injected fault, its checks, the next run; sets $why.
one() {
  local verb=$1 start=$2 want_snap want_rc want_err rc out n log=$TD/run.log
  if [ "$verb" = install ]; then want_snap=$SNAP_I; else want_snap=$SNAP_P; fi
  reset "$start"
  rc=$(injected "$verb" "$3" "$4" "${5%% *}" "$6" "$log" 2>/dev/null)
  why=
  case $6 in
    signal=KILL) want_rc=137 want_err= ;;
    error=*) want_rc=1 want_err=${6#error=} ;;
  esac
  [ "$rc" = "$want_rc" ] || { why="exit $rc, expected $want_rc ($(head -c 300 "$log.err"))"; return 1; }
  hit "$3" "$4" "${5%% *}" "$log" || { why="the fault did not land on $3 #$4 ($5)"; return 1; }
  if [ -n "$want_err" ] && ! { [ "$(wc -l <"$log.err")" = 1 ] && grep -q "^vaoci node $verb: .*$want_err" "$log.err"; }; then
    why="not one line naming $want_err: $(head -c 300 "$log.err")"
    return 1
  fi
  out=$(engine_config) || { engine_down=$((engine_down + 1)); why="engine config does not load: $out"; return 1; }
  [ "$out" = "$CFG_P" ] || [ "$out" = "$CFG_I" ] || { engine_down=$((engine_down + 1)); why="engine config is neither the node's nor the installed one"; return 1; }
  n=$(binfmt_works) || { why="no working binfmt_misc handler ($n enabled)"; return 1; }
  [ "$n" -le 1 ] || doubled=$((doubled + 1))
  # shellcheck disable=SC2046
  out=$("$VAOCI" node "$verb" --host-root "$W" $([ "$verb" = install ] && install_args) 2>&1) || { why="the next $verb failed: $out"; return 1; }
  [ "$(snap)" = "$want_snap" ] || { why="the next $verb did not end where an uninterrupted one does: $(diff <(echo "$want_snap") <(snap) | head -5 | tr '\n' ' ')"; return 1; }
}

# faults VERB START ACTION FILTER: every operation of VERB matching FILTER (an awk condition on
# "syscall ordinal paths"), injected with ACTION; counts into tried/survived (or disk/disk_ok).
faults() {
  local verb=$1 start=$2 action=$3 n=0 ok=0 s k p
  while read -r s k p; do
    n=$((n + 1))
    if one "$verb" "$start" "$s" "$k" "$p" "$action"; then ok=$((ok + 1)); else echo "FAIL - $TREE: $verb, $action at $s #$k ($p): $why"; fi
  done < <(awk "$4" "$TD/$verb.ops")
  if [ "$action" = signal=KILL ]; then tried=$((tried + n)) survived=$((survived + ok)); else disk=$((disk + n)) disk_ok=$((disk_ok + ok)); fi
  check "$TREE: $verb $action at each of $n operations: $ok survived (engine config loads, a handler runs x86, the next run ends as an uninterrupted one)" test "$ok" -eq "$n"
}

for verb in install uninstall; do
  start=pristine; [ "$verb" = uninstall ] && start=installed
  faults "$verb" "$start" signal=KILL 1
  faults "$verb" "$start" error=ENOSPC '$1 ~ /^(openat|write|mkdir|rename)$/ && $3 !~ /^\/proc\//'
  faults "$verb" "$start" error=EROFS '$3 ~ /^\/etc\//'
done
echo "installer $TREE: $tried prefixes killed, $survived survived; $engine_down engine configs not loading; $doubled states with two binfmt_misc handlers enabled; $disk disk faults, $disk_ok survived"
echo "figures $TREE $tried $survived $engine_down $doubled $disk $disk_ok"
summary "installer $TREE"
