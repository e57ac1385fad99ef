#!/usr/bin/env bash
# shellcheck disable=SC2016 # the checks pass values to `bash -c` as $0, $1...: single quotes on purpose
# The symlink and path corpus (issue 7): every crafted image of images.ts
# (made by make.ts as an OCI layout and as unpacked rootfs trees) through
# the three ways vaoci meets an image, all with an i386 window:
#   unpacker  `vaoci run --rm oci:LAYOUT:NAME` — unpack, overlay rootfs, the
#             bundle from the image config, vaoci-runtime on runc;
#   wrapper   vaoci-runtime on runc and on crun, the bundle's rootfs the image;
#   hook      vaoci-hook createRuntime, a hook-only setup.
# Before and after each run, everything an escape could reach outside the
# rootfs and the state directory is compared: the sentinel tree HOST (where
# every crafted link points), the image layout, the node's preload, the
# host's /etc/ld.so.preload (absent). Any difference is an escape. Each run
# must also end: it ran, or it was refused with one line. Needs root, runc,
# crun, `make build`. Ends with
#   symlink corpus: N images × 3 paths (runs R), E escapes
# and "corpus: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
WORK=$(mktemp -d /tmp/vaoci-corpus.XXXXXX)
source test/hook/lib.sh
STATE=$WORK/state LAYOUT=$WORK/corpus/images
ids=()
cleanup() {
  for id in "${ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1; in_ns crun crun delete -f "$id" >/dev/null 2>&1; done
  grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

build_probes && make_rootfs "$WORK/base"
HOST=$WORK/host
mkdir -p "$HOST/etc" "$HOST/opt"
echo "host sentinel" >"$HOST/sentinel"
echo "host passwd" >"$HOST/etc/passwd"
echo "/host/lib.so" >"$HOST/etc/ld.so.preload"
echo "host library" >"$HOST/opt/lib.so"
cp "$WORK/probe" "$HOST/opt/app"
start=$(date +%s.%N)
node build/ts/test/reliability/corpus/make.js "$WORK/base" "$HOST" "$BUILD/libvaoci-preload.so" "$WORK/corpus" || exit 1
for kind in runc crun; do write_node_config "$WORK/node-$kind.json" "$(command -v "$kind")"; done

outside() {
  tree_state "$HOST" "$LAYOUT"
  sha1sum "$BUILD/libvaoci-preload.so"
  stat -c '%n %s %Y' /etc/ld.so.preload 2>&1
}
BEFORE=$(outside)
ESCAPES=0 RUNS=0
# judge NAME PATH ENDED: an escape when anything outside changed; ENDED says the run ran or was refused in one line.
judge() {
  local now
  RUNS=$((RUNS + 1))
  now=$(outside)
  if [ "$now" != "$BEFORE" ]; then
    ESCAPES=$((ESCAPES + 1))
    fail "$1 via $2: bytes written outside the rootfs and the state"
    diff <(echo "$BEFORE") <(echo "$now") | head -20
    BEFORE=$now
  else
    pass "$1 via $2: nothing outside the rootfs and the state changed"
  fi
  if [ "$3" = yes ]; then pass "$1 via $2: ran, or refused in one line"; else fail "$1 via $2: neither ran nor refused in one line"; echo "$OUT"; fi
  printf '%-26s %-9s rc %3s  %s\n' "$1" "$2" "$RC" "$(grep . <<<"$OUT" | tail -1 | cut -c1-140)" >>"$WORK/outcomes"
}

# ended: the probe ran and its window held, or the run was refused in one line (vaoci's or the
# runtime's), and not by the timeout.
ended() {
  { [ "$RC" -eq 0 ] && grep -q '^probe: .* all below 0x100000000' <<<"$OUT"; } ||
    { [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && [ "$(grep -c . <<<"$OUT")" -eq 1 ]; }
}
yes_if() { if "$@"; then echo yes; else echo no; fi; }

n=0
while read -r name args cwd; do
  n=$((n + 1))
  # (a) the unpacker, and all that vaoci run does with the unpacked image.
  OUT=$(VAOCI_STATE=$STATE timeout 120 bin/vaoci run --rm --va-limit i386 "oci:$LAYOUT:$name" 2>&1 </dev/null)
  RC=$?
  judge "$name" unpacker "$(yes_if ended)"
  # (b) the runtime wrapper on runc and crun.
  for kind in runc crun; do
    b=$STATE/bundles/$name-$kind id=vaoci-corpus-$$-$n-$kind
    ids+=("$id")
    spec_bundle "$b" "$WORK/corpus/rootfs/$name/$kind" '{"vaoci.io/va-limit": "i386"}' "$args" >/dev/null
    jq --arg cwd "$cwd" '.process.cwd = $cwd | .root.readonly = false' "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
    OUT=$(cd "$b" && VAOCI_CONFIG=$WORK/node-$kind.json in_ns "$kind" timeout 60 "$BUILD/vaoci-runtime" run "$id" 2>&1 </dev/null)
    RC=$?
    judge "$name" "$kind" "$(yes_if ended)"
  done
  # (c) the hook alone: createRuntime writes the preload and /etc/ld.so.preload into the rootfs.
  b=$STATE/bundles/$name-hook
  spec_bundle "$b" "$WORK/corpus/rootfs/$name/hook" '{"vaoci.io/va-limit": "i386"}' "$args" >/dev/null
  jq --arg cwd "$cwd" '.process.cwd = $cwd | .process.env += ["VAOCI_VA_LIMIT=i386", "VAOCI_ON_ERROR=fail"]' "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
  create_runtime "$b" "$WORK/node-runc.json"
  OUT=$HOUT RC=$HRC
  judge "$name" hook "$(yes_if bash -c '[ "$0" -eq 0 ] && [ -z "$1" ] || [ "$(grep -c . <<<"$1")" -eq 1 ]' "$RC" "$OUT")"
done < <(jq -r '.[] | [.name, (.args | tojson), .cwd] | @tsv' "$WORK/corpus/corpus.json")

check "the corpus holds at least 20 images" test "$n" -ge 20
check "no vaoci run left a mount behind" bash -c '! grep -q " $0/containers" /proc/mounts' "$STATE"
cat "$WORK/outcomes"
echo "symlink corpus: $n images × 3 paths ($RUNS runs: unpacker, wrapper on runc and crun, hook), $ESCAPES escapes in $(printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
summary corpus
