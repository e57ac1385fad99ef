#!/usr/bin/env bash
# Per-container overhead of vaoci's OCI integration (a benchmark, not a test):
# `runc run` / `crun run` of a dynamically linked /bin/true, side by side in
# one hyperfine run per runtime:
#   bare           the runtime alone
#   wrapper        vaoci-runtime in front, no vaoci annotation (what every container on the node pays)
#   wrapper+hooks  vaoci.io/va-limit: i386: config.json rewritten (mount, env, poststart hook; restored
#                  before each run), the preload reserves in the process, vaoci-hook verifies
# Prints hyperfine's table and each row's ratio to bare. RUNS (default 30).
set -euo pipefail
cd "$(dirname "$0")/../.."
# On a tmpfs, as /run is on a node (containerd's and CRI-O's bundles and /run/vaoci live there),
# so the fsyncs of config.json and of the report cost what they cost there.
WORK=$(mktemp -d /tmp/vaoci-hook-bench.XXXXXX)
mount -t tmpfs -o size=512m vaoci-bench "$WORK"
trap 'umount "$WORK"; rmdir "$WORK"' EXIT
source test/hook/lib.sh
RUNS=${RUNS:-30}

build_probes
make_rootfs "$WORK/rootfs"
copy_with_libs /bin/true "$WORK/rootfs" # /bin/true: coreutils', dynamic, in place of busybox's
for kind in ${KINDS:-runc crun}; do
  write_node_config "$WORK/node-$kind.json" "$(command -v "$kind")"
  make_bundle "$WORK/$kind-bare" '{}' '["/bin/true"]' >/dev/null
  make_bundle "$WORK/$kind-hooks" '{"vaoci.io/va-limit":"i386"}' '["/bin/true"]' >/dev/null
  cp "$WORK/$kind-hooks/config.json" "$WORK/$kind-hooks/config.orig"
done

for kind in ${KINDS:-runc crun}; do
  echo "== $kind $("$kind" --version | head -1)"
  rt=$(command -v "$kind") w=$BUILD/vaoci-runtime
  # VAOCI_CONFIG for every row (the bare runtime ignores it), so no row pays an extra exec of env.
  VAOCI_CONFIG=$WORK/node-$kind.json in_ns "$kind" hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/$kind.json" \
    --prepare "$rt delete -f b-$kind" -n bare "$rt run --bundle $WORK/$kind-bare b-$kind" \
    --prepare "$rt delete -f b-$kind" -n wrapper "$w run --bundle $WORK/$kind-bare b-$kind" \
    --prepare "cp $WORK/$kind-hooks/config.orig $WORK/$kind-hooks/config.json" -n wrapper+hooks "$w run --bundle $WORK/$kind-hooks b-$kind" | grep -vE '^\s*$'
  jq -r '.results as $r | ($r[] | select(.command == "bare") | .median) as $b |
    $r[] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms, \(.median / $b | . * 100 | round / 100)x bare, +\((.median - $b) * 1000 | . * 100 | round / 100) ms"' \
    "$WORK/$kind.json"
done
