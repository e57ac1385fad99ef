#!/usr/bin/env bash
# shellcheck disable=SC2016 # the checks pass values to `bash -c` as $0, $1...: single quotes on purpose
# Faults (issue 7, in part): what vaoci-runtime and vaoci-hook do when the node
# lets them down, with runc underneath. Each is one clear line; under the
# default on-error fail the container is refused (fail-closed), under warn it
# starts without vaoci; config.json is either the old one or the new one.
#   - the real runtime missing, or failing (runc refusing the bundle: its status and line come through);
#   - the preload missing on the node (fail: refused; warn: starts, report says so);
#   - the disk full while config.json is rewritten (a full tmpfs);
#   - RLIMIT_AS too small for the reservation (fail: stops with one line; warn: one warning, runs);
#   - the reports directory read-only (the container runs, the node log says why no report);
#   - vm.max_map_count too small for the reservation (fail: stops with one line; warn: one warning, runs);
#   - a poststart hook with a `timeout` in config.json, the process slow to reach the preload (crun):
#     the hook's verdict comes before the runtime would kill it (fail: killed, one line; warn: one line, runs);
#   - a read-only rootfs in a hook-only setup (createRuntime): root.readonly works, a rootfs the
#     hook cannot write is refused in one line (warn: one line, runs without vaoci).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
WORK=$(mktemp -d /tmp/vaoci-faults.XXXXXX)
source test/hook/lib.sh
ids=() mnts=()
MAP_COUNT=$(sysctl -n vm.max_map_count)
cleanup() {
  sysctl -qw vm.max_map_count="$MAP_COUNT"
  for id in "${ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1; in_ns crun crun delete -f "$id" >/dev/null 2>&1; done
  for m in "${mnts[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
build_probes && make_rootfs "$WORK/rootfs"
gcc -O2 -shared -fPIC -o "$WORK/rootfs/lib/faultlib.so" test/reliability/faultlib.c || exit 1
write_node_config "$WORK/node.json" "$(command -v runc)"
write_node_config "$WORK/node-crun.json" "$(command -v crun)"
node_with() { jq "$1" "$WORK/node.json" >"$WORK/$2" && echo "$WORK/$2"; }
I386='{"vaoci.io/va-limit":"i386"}'
WARN='{"vaoci.io/va-limit":"i386","vaoci.io/on-error":"warn"}'
PROBE='["/bin/probe"]'
one_line() { [ "$(printf '%s' "$OUT" | grep -c '^vaoci-runtime:')" -eq 1 ] && grep -qF -- "$1" <<<"$OUT"; }

# prepared ANNOTATIONS ARGS JQ: the bundle the next `wrapped` runs, made ahead, config.json edited by JQ.
prepared() {
  B=$WORK/b$((n + 1))
  make_bundle "$B" "$1" "$2" >/dev/null
  jq "$3" "$B/config.json" >"$WORK/cfg" && cp "$WORK/cfg" "$B/config.json"
}

# wrapped NODE_CONFIG ANNOTATIONS: a fresh bundle run through the wrapper; sets B, ID, OUT, RC, and
# ORIG (a copy of config.json from before).
n=0
wrapped() {
  n=$((n + 1)) B=$WORK/b$n ID=vaoci-fault-$$-$n
  ids+=("$ID")
  [ -d "$B" ] || make_bundle "$B" "$2" "$PROBE" >/dev/null
  ORIG=$WORK/orig-$n # beside the bundle, which may be on a full tmpfs
  cp "$B/config.json" "$ORIG"
  OUT=$(cd "$B" && VAOCI_CONFIG=$1 timeout 60 "$BUILD/vaoci-runtime" run "$ID" 2>&1)
  RC=$?
}

wrapped "$(node_with '.runtime = "/nonexistent/runc"' n-runtime.json)" "$I386"
check "runtime missing: exit non-zero, one line naming it" one_line 'runtime `/nonexistent/runc`'
check "... config.json untouched" cmp -s "$B/config.json" "$ORIG"
test "$RC" -ne 0 || fail "runtime missing: exit 0"

# A runtime that fails: runc refusing the bundle with its own line and status (its config.json
# asks for an rlimit that does not exist). The wrapper's rewrite is done by then: config.json is the new one,
# whole; the runtime's status and line come through.
wrapped "$WORK/node.json" "$I386"
check "runtime failing, control: the bundle without the bad rlimit runs" bash -c '[ "$0" -eq 0 ]' "$RC"
prepared "$I386" "$PROBE" '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]'
wrapped "$WORK/node.json" "$I386"
check "runtime failing: the runtime's non-zero status and its own error line come through" \
  bash -c '[ "$0" -ne 0 ] && grep -q "RLIMIT_BOGUS" <<<"$1" && ! grep -q "^vaoci-runtime:" <<<"$1"' "$RC" "$OUT"
check "... config.json is the new one, whole (valid JSON carrying the window), no temporary left" \
  bash -c 'jq -e ".process.env | index(\"VAOCI_VA_LIMIT=i386\")" "$0/config.json" >/dev/null && ! ls -A "$0" | grep -q "vaoci-"' "$B"

nopreload=$(node_with '.injection.preload = "/nonexistent/libvaoci-preload.so"' n-preload.json)
wrapped "$nopreload" "$I386"
check "preload missing, on-error fail: refused with one line" one_line '`/nonexistent/libvaoci-preload.so`: missing on this node'
check "... exit non-zero, config.json untouched, nothing created" \
  bash -c '[ "$0" -ne 0 ] && cmp -s "$1/config.json" "$3" && ! runc state "$2" >/dev/null 2>&1' "$RC" "$B" "$ID" "$ORIG"
wrapped "$nopreload" "$WARN"
check "preload missing, on-error warn: a warning line, and the container runs" \
  bash -c '[ "$0" -eq 0 ] && grep -q "^vaoci-runtime: warning: .*missing on this node" <<<"$1" && grep -q "new mappings" <<<"$1"' "$RC" "$OUT"

# A bundle on a full tmpfs: the rewrite of config.json cannot be written.
for ann in "$I386" "$WARN"; do
  n=$((n + 1)) B=$WORK/b$n
  make_bundle "$WORK/src$n" "$ann" "$PROBE" >/dev/null # on disk; only config.json goes to the tmpfs
  mkdir -p "$B" && mount -t tmpfs -o size=64k vaoci-full "$B" && mnts+=("$B")
  jq --arg r "$WORK/src$n/rootfs" '.root.path = $r' "$WORK/src$n/config.json" >"$B/config.json"
  dd if=/dev/zero of="$B/fill" bs=1k 2>/dev/null # until the tmpfs is full
  n=$((n - 1))
  wrapped "$WORK/node.json" "$ann"
  leftovers=$(find "$B" -maxdepth 1 -name '*.tmp*' | wc -l)
  if [ "$ann" = "$I386" ]; then
    check "disk full, on-error fail: one line, the write of config.json failing for want of space" \
      bash -c '[ "$0" -ne 0 ] && [ "$(grep -c "^vaoci-runtime:" <<<"$1")" -eq 1 ] && grep -q "config.json.*errno 28" <<<"$1"' "$RC" "$OUT"
  else
    check "disk full, on-error warn: a warning, the container starts without vaoci" \
      bash -c '[ "$0" -eq 0 ] && grep -q "^vaoci-runtime: warning: .*errno 28.*(on-error warn: the container starts without vaoci)" <<<"$1"' "$RC" "$OUT"
  fi
  check "... config.json is the old one, byte for byte ($(stat -c %s "$B/config.json") bytes), no temporary file left ($leftovers)" \
    bash -c 'cmp -s "$0/config.json" "$2" && [ -s "$2" ] && [ "$1" -eq 0 ]' "$B" "$leftovers" "$ORIG"
done

# RLIMIT_AS 64 GiB in the container: PROT_NONE reservations count against it, so the preload cannot
# reserve the i386 window's complement. Under fail the process stops with the preload's one line;
# under warn it runs, and the report says the window does not hold.
for ann in "$I386" "$WARN"; do
  prepared "$ann" '["/bin/probe", "--linger-ms", "1500"]' \
    '.process.rlimits += [{type: "RLIMIT_AS", hard: 68719476736, soft: 68719476736}]' # lingers: the hook looks at it running
  wrapped "$WORK/node.json" "$ann"
  if [ "$ann" = "$I386" ]; then
    check "RLIMIT_AS too small, on-error fail: the process stops with one line naming RLIMIT_AS" \
      bash -c '[ "$0" -ne 0 ] && [ "$(grep -c "^vaoci: error:" <<<"$1")" -eq 1 ] && grep -q "RLIMIT_AS is 65536 MiB" <<<"$1" && ! grep -q "new mappings" <<<"$1"' "$RC" "$OUT"
  else
    # The report: the hook waits for a mapped preload that has not reserved (up to 10 s), so a
    # process shorter than that is reported "exited" (hook/README.md, Not done yet).
    check "RLIMIT_AS too small, on-error warn: the preload's one warning line, and it runs" \
      bash -c '[ "$0" -eq 0 ] && [ "$(grep -c "^vaoci: warning: .*RLIMIT_AS is 65536 MiB" <<<"$1")" -eq 1 ] && grep -q "new mappings" <<<"$1"' "$RC" "$OUT"
  fi
done

# The reports directory read-only: the verdict still stands, the log says why there is no report.
mkdir -p "$WORK/ro-reports" && mount --bind "$WORK/ro-reports" "$WORK/ro-reports" && mount -o remount,bind,ro "$WORK/ro-reports" && mnts+=("$WORK/ro-reports")
wrapped "$(node_with ".reports_dir = \"$WORK/ro-reports\"" n-ro.json)" "$I386"
check "reports dir read-only: the container runs and holds its window" bash -c '[ "$0" -eq 0 ] && grep -q "all below 0x100000000" <<<"$1"' "$RC" "$OUT"
check "... the node log names the report it could not write" grep -q "ro-reports/$ID.json" "$WORK/vaoci.log"

# vm.max_map_count too small: lowered to 4096 for the run (every process here stays far below it; restored
# at once and on exit), and faultlib fills the container's process up to it before the preload reserves.
for ann in "$I386" "$WARN"; do
  prepared "$ann" "$PROBE" '.process.env += ["LD_PRELOAD=/lib/faultlib.so", "FAULT_FILL_MAPS=1"]'
  sysctl -qw vm.max_map_count=4096
  wrapped "$WORK/node.json" "$ann"
  sysctl -qw vm.max_map_count="$MAP_COUNT"
  if [ "$ann" = "$I386" ]; then
    check "vm.max_map_count too small, on-error fail: the process stops with one line naming it" \
      bash -c '[ "$0" -ne 0 ] && [ "$(grep -c "^vaoci: error:" <<<"$1")" -eq 1 ] && grep -q "^vaoci: error: .*vm.max_map_count (4096) reached" <<<"$1" && ! grep -q "^probe:" <<<"$1"' "$RC" "$OUT"
  else
    check "vm.max_map_count too small, on-error warn: one warning line naming it, and it runs" \
      bash -c '[ "$0" -eq 0 ] && [ "$(grep -c "^vaoci: warning:" <<<"$1")" -eq 1 ] && grep -q "^vaoci: warning: .*vm.max_map_count (4096) reached" <<<"$1" && grep -q "^probe: .* new mappings" <<<"$1"' "$RC" "$OUT"
  fi
done
check "... vm.max_map_count is restored" test "$(sysctl -n vm.max_map_count)" = "$MAP_COUNT"

# direct KIND: runs bundle $B with the runtime itself (the config prepared beforehand); sets ID, OUT, RC, SECONDS_TAKEN.
direct() {
  ID=vaoci-fault-$$-$n ids+=("$ID")
  local t0=$SECONDS
  OUT=$(cd "$B" && in_ns "$1" timeout 60 "$1" run "$ID" 2>&1 </dev/null)
  RC=$? SECONDS_TAKEN=$((SECONDS - t0))
}

# A poststart hook with a 1 s timeout (an operator's hooks.d file, or an engine's edit of what
# `vaoci-hook precreate` wrote), and a process that takes 3 s to reach the preload's constructor
# (a slow emulator's loader). crun would kill the hook at 1 s and only warn: the process would run
# unverified whatever on-error says. The hook gives its verdict before its timeout instead.
for ann in "$I386" "$WARN"; do
  n=$((n + 1)) B=$WORK/b$n
  make_bundle "$B" "$ann" "$PROBE" >/dev/null
  (cd "$B" && jq '.process.env += ["LD_PRELOAD=/lib/faultlib.so", "FAULT_SLEEP_MS=3000"]' config.json |
    VAOCI_CONFIG=$WORK/node-crun.json "$BUILD/vaoci-hook" precreate |
    jq '(.hooks.poststart[] | select(.path | endswith("/vaoci-hook"))).timeout = 1') >"$WORK/cfg" && cp "$WORK/cfg" "$B/config.json"
  direct crun
  # crun passes a poststart hook's stderr nowhere: its line is the node log's.
  LINES=$(grep -a "vaoci-hook\[[0-9]*\]: $ID: " "$WORK/vaoci.log" | grep -v ": killed pid ")
  if [ "$ann" = "$I386" ]; then
    check "hook timeout 1 s, on-error fail: killed before its constructor ended (${SECONDS_TAKEN} s), one line, crun never killed the hook" \
      bash -c '[ "$0" -ne 0 ] && [ "$3" -lt 3 ] && [ "$(grep -c . <<<"$1")" -eq 1 ] && grep -q ": va-limit i386 does not hold .* before the hook.s timeout" <<<"$1" && ! grep -q "^probe:" <<<"$2" && ! grep -qi "timeout" <<<"$2"' "$RC" "$LINES" "$OUT" "$SECONDS_TAKEN"
  else
    check "hook timeout 1 s, on-error warn: one warning line, and the process runs (its window holds later)" \
      bash -c '[ "$0" -eq 0 ] && [ "$(grep -c . <<<"$1")" -eq 1 ] && grep -q ": warning: va-limit i386 does not hold .* before the hook.s timeout" <<<"$1" && grep -q "^probe: .* all below 0x100000000" <<<"$2" && ! grep -qi "timeout" <<<"$2"' "$RC" "$LINES" "$OUT"
  fi
  check "... the report says does-not-hold" bash -c '[ "$(jq -r .status "$0")" = does-not-hold ]' "$WORK/reports/$ID.json"
done

# A hook-only setup (createRuntime writes the preload and /etc/ld.so.preload into the rootfs; the Pod
# spec carries the window) with root.readonly: the hook runs before the runtime makes the root
# read-only, so it works. A rootfs the hook cannot write at all (a read-only mount) is refused in
# one line; under warn the container starts without vaoci. config.json is never written.
hook_only() { # hook_only ANNOTATIONS ON_ERROR: bundle $B for runc with vaoci-hook createRuntime and root.readonly
  make_bundle "$B" "$1" "$PROBE" >/dev/null
  jq --arg hook "$BUILD/vaoci-hook" --arg node "VAOCI_CONFIG=$WORK/node.json" --arg on "VAOCI_ON_ERROR=$2" '
    .root.readonly = true | .process.env += ["VAOCI_VA_LIMIT=i386", $on]
    | .hooks.createRuntime = [{path: $hook, args: ["vaoci-hook", "createRuntime"], env: [$node]}]' \
    "$B/config.json" >"$WORK/cfg" && cp "$WORK/cfg" "$B/config.json" && cp "$B/config.json" "$WORK/orig-$n"
}
n=$((n + 1)) B=$WORK/b$n
hook_only "$I386" fail
direct runc
check "read-only rootfs (root.readonly), hook-only: the preload is injected and the window holds" \
  bash -c '[ "$0" -eq 0 ] && grep -q "^probe: .* all below 0x100000000" <<<"$1" && grep -qxF "$2" "$3/rootfs/etc/ld.so.preload"' "$RC" "$OUT" "$BUILD/libvaoci-preload.so" "$B"
for ann in "$I386" "$WARN"; do
  n=$((n + 1)) B=$WORK/b$n
  hook_only "$ann" "$([ "$ann" = "$I386" ] && echo fail || echo warn)"
  mount --bind "$B/rootfs" "$B/rootfs" && mount -o remount,bind,ro "$B/rootfs" && mnts+=("$B/rootfs")
  direct runc
  if [ "$ann" = "$I386" ]; then
    check "rootfs on a read-only mount, hook-only, on-error fail: refused, the hook's one line names the read-only file system" \
      bash -c '[ "$0" -ne 0 ] && [ "$(grep -c . <<<"$1")" -eq 1 ] && grep -q "vaoci-hook: rootfs: .*mkdir .* (errno 30)" <<<"$1" && ! grep -q "^probe:" <<<"$1"' "$RC" "$OUT"
  else
    # runc shows a hook's stderr only when it fails: the warning is the node log's.
    check "rootfs on a read-only mount, hook-only, on-error warn: one warning line, it starts without vaoci" \
      bash -c '[ "$0" -eq 0 ] && [ "$(grep -ac "$2: " "$3")" -eq 1 ] && grep -aq "$2: warning: rootfs: .*mkdir .* (errno 30)" "$3" && grep -q "^probe: .* at or above" <<<"$1"' "$RC" "$OUT" "$ID" "$WORK/vaoci.log"
  fi
  check "... config.json untouched, nothing written into the rootfs" \
    bash -c 'cmp -s "$0/config.json" "$1" && [ ! -e "$0/rootfs/etc/ld.so.preload" ]' "$B" "$WORK/orig-$n"
done
summary faults
