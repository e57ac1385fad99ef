#!/usr/bin/env bash
# The runtime wrapper and the OCI hook with real runtimes (runc, crun; podman
# through its hooks dir when it runs here), plus the symlink corpus of the
# hook's rootfs writes. Needs root, runc, crun, busybox-static, musl-gcc, jq,
# and `make build` (vaoci-runtime, vaoci-hook, the preload, the CLI's schema
# loader). On this x86-64 host `guest-arch auto` finds native entrypoints, so
# a window applies to them through the preload. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
WORK=$(mktemp -d /tmp/vaoci-hook-test.XXXXXX)
source test/hook/lib.sh
IDS=()
cleanup() {
  for id in "${IDS[@]}"; do runc delete -f "$id" >/dev/null 2>&1; in_ns crun crun delete -f "$id" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
N=0

build_probes && make_rootfs "$WORK/rootfs"
write_node_config "$WORK/node-runc.json" "$(command -v runc)"
write_node_config "$WORK/node-crun.json" "$(command -v crun)"

# final_report ID: waits (10 s at most) for a report that is not pending.
final_report() {
  local f=$WORK/reports/$1.json s
  for _ in $(seq 200); do
    s=$(jq -r .status "$f" 2>/dev/null) && [ "$s" != pending ] && [ -n "$s" ] && return 0
    sleep 0.05
  done
  return 1
}

# run_wrapped KIND ANNOTATIONS ARGS: a new bundle run through vaoci-runtime;
# sets B (bundle), ID, OUT (stdout+stderr), RC. The probe is released once the
# report is final (or after 10 s; after 1 s when nothing is annotated). EDIT, when set, is a jq filter applied to
# the bundle's config.json first (with $vol: the bundle's vol/ directory,
# which holds a copy of the probe).
run_wrapped() {
  local kind=$1 ann=$2 args=$3
  N=$((N + 1)) ID=vaoci-test-$$-$N B=$WORK/b$N
  IDS+=("$ID")
  make_bundle "$B" "$ann" "$args" >/dev/null
  if [ -n "${EDIT:-}" ]; then
    mkdir -p "$B/vol" && cp "$B/rootfs/bin/probe" "$B/vol/probe"
    jq --arg vol "$B/vol" "$EDIT" "$B/config.json" >"$B/config.edit" && mv "$B/config.edit" "$B/config.json"
  fi
  cp "$B/config.json" "$B/config.orig"
  # Without annotations (or with NO_REPORT set: a case that must write none) no report
  # comes: release the probe after a second.
  ( if [ "$ann" = '{}' ] || [ -n "${NO_REPORT:-}" ]; then sleep 1; else final_report "$ID"; fi; touch "$B/hold/done" ) &
  local releaser=$!
  OUT=$(cd "$B" && VAOCI_CONFIG=$WORK/node-$kind.json in_ns "$kind" timeout 60 "$BUILD/vaoci-runtime" run "$ID" 2>&1)
  RC=$?
  touch "$B/hold/done"
  wait "$releaser" 2>/dev/null
}

report_is() { [ "$(jq -r .status "$WORK/reports/$1.json" 2>/dev/null)" = "$2" ]; }
report_valid() { [ -f "$WORK/reports/$1.json" ] && node test/hook/validate-report.js "$WORK/reports/$1.json"; }
says() { grep -qF -- "$1" <<<"$OUT"; }

export PRELOAD=$BUILD/libvaoci-preload.so
not_created() { ! in_ns "$1" "$1" state "$2" >/dev/null 2>&1; }
stopped() { [ "$RC" -ne 0 ] || ! says "new mappings"; }
I386='{"vaoci.io/va-limit":"i386"}'
PROBE='["/bin/probe","--hold","/hold/done"]'
for kind in runc crun; do
  run_wrapped "$kind" "$I386" "$PROBE"
  check "$kind: i386 window: the probe's new mappings are all below 4 GiB" says "all below 0x100000000"
  check "$kind: i386 window: the poststart report says it holds" report_is "$ID" holds
  check "$kind: i386 window: the report is valid against hook-report.schema.json" report_valid "$ID"
  check "$kind: i386 window: LD_PRELOAD, the bind mount and the hook were added" \
    jq -e '(.process.env | index("VAOCI_VA_LIMIT=i386")) and (.hooks.poststart | length == 1)
           and (.mounts | map(.destination) | index(env.PRELOAD))' "$B/config.json" >/dev/null
  cp "$B/config.json" "$B/config.once"
  (cd "$B" && VAOCI_CONFIG=$WORK/node-$kind.json in_ns "$kind" "$BUILD/vaoci-runtime" create "$ID-again" >/dev/null 2>&1)
  IDS+=("$ID-again")
  check "$kind: the wrapper twice on one bundle changes nothing the second time" cmp -s "$B/config.json" "$B/config.once"

  run_wrapped "$kind" '{"vaoci.io/va-limit":"0x10000-0x10000000000"}' '["/bin/probe","--below","0x10000000000","--hold","/hold/done"]'
  check "$kind: 40-bit window: every new mapping is below 2^40" says "all below 0x10000000000"
  check "$kind: 40-bit window: the report says it holds" report_is "$ID" holds

  run_wrapped "$kind" '{}' "$PROBE"
  check "$kind: no annotations: config.json is byte-for-byte unchanged" cmp -s "$B/config.json" "$B/config.orig"
  check "$kind: no annotations: the probe runs untouched (mappings above 4 GiB)" says "new mappings at or above 0x100000000"
  check "$kind: no annotations: no report" test ! -e "$WORK/reports/$ID.json"

  # An entrypoint on a volume mounted at run time cannot be read at create.
  # shellcheck disable=SC2016 # $vol is a jq variable
  EDIT='.mounts += [{destination: "/vol", type: "bind", source: $vol, options: ["rbind", "ro"]}]'
  VOL_PROBE='["/vol/probe","--hold","/hold/done"]'
  run_wrapped "$kind" '{}' "$VOL_PROBE"
  check "$kind: entrypoint on a volume, no annotations: config.json unchanged" cmp -s "$B/config.json" "$B/config.orig"
  check "$kind: ... and the container runs" says "new mappings"
  run_wrapped "$kind" "$I386" "$VOL_PROBE"
  check "$kind: entrypoint on a volume under an i386 window: refused, naming guest-arch" \
    says 'vaoci.io/guest-arch: value "auto" — expected a detectable entrypoint (/vol/probe: '
  check "$kind: ... config.json untouched" cmp -s "$B/config.json" "$B/config.orig"
  unset EDIT

  run_wrapped "$kind" '{"io.kubernetes.cri.container-name":"app","vaoci.io/va-limit":"0x10000-0x10000000000","vaoci.io/va-limit.app":"i386"}' "$PROBE"
  check "$kind: vaoci.io/va-limit.app overrides the pod-wide window" says "all below 0x100000000"
  check "$kind: the report names the container and the per-container window" \
    jq -e '.container.name == "app" and .window.text == "i386" and .status == "holds"' "$WORK/reports/$ID.json" >/dev/null

  # A pod sandbox (pause) carries the pod's annotations too: it gets nothing, and is never refused for them.
  NO_REPORT=1 run_wrapped "$kind" '{"io.kubernetes.cri.container-type":"sandbox","io.kubernetes.cri.sandbox-name":"web","vaoci.io/va-limit":"i386"}' "$PROBE"
  check "$kind: containerd's pod sandbox under a pod-wide i386 window: config.json byte-for-byte unchanged" cmp -s "$B/config.json" "$B/config.orig"
  check "$kind: ... the sandbox runs untouched (mappings above 4 GiB)" says "new mappings at or above 0x100000000"
  check "$kind: ... no report" test ! -e "$WORK/reports/$ID.json"
  NO_REPORT=1 run_wrapped "$kind" '{"io.kubernetes.cri-o.ContainerType":"sandbox","vaoci.io/va-limit":"x86-64"}' "$PROBE"
  # shellcheck disable=SC2016 # eval'd by check, after the run
  check "$kind: CRI-O's pod sandbox with the pod's bad annotation: started (exit 0), config.json unchanged, no report" \
    eval '[ "$RC" -eq 0 ] && cmp -s "$B/config.json" "$B/config.orig" && [ ! -e "$WORK/reports/$ID.json" ] && says "new mappings"'

  run_wrapped "$kind" '{"vaoci.io/va-limit":"x86-64"}' "$PROBE"
  check "$kind: bad value: refused with a non-zero exit" test "$RC" -ne 0
  check "$kind: bad value: one line naming key, value and what was expected" \
    test "$OUT" = 'vaoci-runtime: vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
  check "$kind: bad value: config.json untouched" cmp -s "$B/config.json" "$B/config.orig"
  check "$kind: bad value: the container was never created" not_created "$kind" "$ID"

  run_wrapped "$kind" '{"vaoci.io/va-limit":"i386"}' '["/bin/probe-static","--hold","/hold/done"]'
  check "$kind: static entrypoint: started through vaoci-launch, every new mapping below 4 GiB" says "all below 0x100000000"
  # shellcheck disable=SC2016 # $l is a jq variable
  check "$kind: ... process.args begins with the launcher, which is bound in" \
    jq -e --arg l "$BUILD/vaoci-launch" '.process.args[0:3] == [$l, "--", "/bin/probe-static"] and (.mounts | map(.destination) | index($l))' \
    "$B/config.json" >/dev/null
  check "$kind: ... and the poststart report says it holds" report_is "$ID" holds

  STATIC='{"vaoci.io/va-limit":"i386","vaoci.io/guest-arch":"x86_64","vaoci.io/emulator":"preload","vaoci.io/on-error":"warn"}'
  run_wrapped "$kind" "$STATIC" '["/bin/probe-static","--hold","/hold/done"]'
  check "$kind: a static program ignores the preload; warn lets it run" says "new mappings at or above 0x100000000"
  check "$kind: ... and the poststart report says the window does not hold" report_is "$ID" does-not-hold
  check "$kind: ... a valid report" report_valid "$ID"

  run_wrapped "$kind" "${STATIC/warn/fail}" '["/bin/probe-static","--hold","/hold/done"]'
  check "$kind: the same under fail: the report says it does not hold" report_is "$ID" does-not-hold
  check "$kind: ... and the container is stopped (runtime error or killed)" stopped
done

source test/hook/symlinks.sh
[ "${VAOCI_SKIP_PODMAN:-}" = 1 ] || source test/hook/podman.sh
summary test-hook
