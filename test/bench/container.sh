#!/usr/bin/env bash
# Per-container overhead of vaoci's OCI integration (a benchmark, not a test):
# `runc run` / `crun run` of a dynamically linked /bin/true, side by side:
#   bare           the runtime alone
#   wrapper        vaoci-runtime in front, no vaoci annotation (what every container on the node pays)
#   wrapper+hooks  vaoci.io/va-limit: i386: config.json rewritten (mount, env, poststart hook; restored
#                  before each run), the preload reserves in the process, vaoci-hook verifies
#   prepared       the runtime alone on the config the wrapper wrote: the container's share of
#                  wrapper+hooks (preload, bind mount, poststart hook) without the wrapper's
#   prepared, node hook
#                  the same, with the poststart hook's job done by a Node.js script
#                  (test/bench/node-hook.js says what it does and does not) in vaoci-hook's place:
#                  why what runs per container is native
# HOOK_RUNS (else RUNS, default 120) runs per row, taken in HOOK_ROUNDS (default 20) hyperfine
# runs whose row order rotates, so a burst of load elsewhere on the machine does not land on
# one row only. KINDS (default "runc crun") picks the runtimes. Writes $BENCH_OUT/container.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
# On a tmpfs, as /run is on a node (containerd's and CRI-O's bundles and /run/vaoci live there),
# so the fsyncs of config.json and of the report cost what they cost there.
WORK=$(mktemp -d /tmp/vaoci-hook-bench.XXXXXX)
mount -t tmpfs -o size=512m vaoci-bench "$WORK"
trap 'umount "$WORK"; rmdir "$WORK"' EXIT
source test/hook/lib.sh
RUNS=${HOOK_RUNS:-${RUNS:-120}} ROUNDS=${HOOK_ROUNDS:-20}
PER_ROUND=$(((RUNS + ROUNDS - 1) / ROUNDS))

build_probes
make_rootfs "$WORK/rootfs"
copy_with_libs /bin/true "$WORK/rootfs" # /bin/true: coreutils', dynamic, in place of busybox's
for kind in ${KINDS:-runc crun}; do
  write_node_config "$WORK/node-$kind.json" "$(command -v "$kind")"
  make_bundle "$WORK/$kind-bare" '{}' '["/bin/true"]' >/dev/null
  make_bundle "$WORK/$kind-hooks" '{"vaoci.io/va-limit":"i386"}' '["/bin/true"]' >/dev/null
  cp "$WORK/$kind-hooks/config.json" "$WORK/$kind-hooks/config.orig"
  make_bundle "$WORK/$kind-prepared" '{"vaoci.io/va-limit":"i386"}' '["/bin/true"]' >/dev/null
  (cd "$WORK/$kind-prepared" && VAOCI_CONFIG=$WORK/node-$kind.json in_ns "$kind" "$BUILD/vaoci-runtime" create b-prep >/dev/null &&
    in_ns "$kind" "$kind" delete -f b-prep)
  # The node-hook bundle: the prepared config with vaoci-hook's entry run by node instead.
  cp -a "$WORK/$kind-prepared" "$WORK/$kind-node"
  jq --arg node "$(command -v node)" --arg script "$BENCH_ROOT/test/bench/node-hook.js" '
    .hooks.poststart |= map(if (.path | endswith("/vaoci-hook")) then .path = $node | .args = ["node", $script] + .args[1:] else . end)' \
    "$WORK/$kind-prepared/config.json" >"$WORK/$kind-node/config.json"
  grep -q node-hook.js "$WORK/$kind-node/config.json" || { echo "container: no vaoci-hook entry to replace" >&2; exit 1; }
  if ! in_ns "$kind" "$kind" run --bundle "$WORK/$kind-node" b-node >/dev/null ||
    ! jq -e '.tool == "node-hook" and .resolution.ok' "$WORK/reports/b-node.json" >/dev/null; then
    echo "container: the node hook did not run, or did not resolve a policy" >&2
    exit 1
  fi
done

# rows KIND: hyperfine's arguments for each row, one row per line (NAME<TAB>PREPARE<TAB>COMMAND).
rows() {
  local kind=$1 rt w=$BUILD/vaoci-runtime
  rt=$(command -v "$kind")
  printf '%s\t%s\t%s\n' \
    bare "$rt delete -f b-$kind" "$rt run --bundle $WORK/$kind-bare b-$kind" \
    wrapper "$rt delete -f b-$kind" "$w run --bundle $WORK/$kind-bare b-$kind" \
    wrapper+hooks "cp $WORK/$kind-hooks/config.orig $WORK/$kind-hooks/config.json" "$w run --bundle $WORK/$kind-hooks b-$kind" \
    prepared "$rt delete -f b-$kind" "$rt run --bundle $WORK/$kind-prepared b-$kind" \
    "prepared, node hook" "$rt delete -f b-$kind" "$rt run --bundle $WORK/$kind-node b-$kind"
}

for kind in ${KINDS:-runc crun}; do
  echo "== $kind $("$kind" --version | head -1): $RUNS runs per row in $ROUNDS rounds"
  mapfile -t lines < <(rows "$kind")
  for ((r = 0; r < ROUNDS; r++)); do
    args=()
    for ((i = 0; i < ${#lines[@]}; i++)); do
      IFS=$'\t' read -r name prep cmd <<<"${lines[(i + r) % ${#lines[@]}]}"
      args+=(--prepare "$prep" -n "$name" "$cmd")
    done
    # VAOCI_CONFIG for every row (the bare runtime ignores it), so no row pays an extra exec of env.
    VAOCI_CONFIG=$WORK/node-$kind.json in_ns "$kind" hyperfine -N --warmup 1 --runs "$PER_ROUND" \
      --export-json "$WORK/$kind-$r.json" "${args[@]}" >/dev/null 2>"$WORK/hyperfine.err" ||
      { cat "$WORK/hyperfine.err" >&2; exit 1; } # its outlier warnings only on failure: the IQR shows the spread
  done
  hyperfine_group "$kind $("$kind" --version | head -1 | awk '{print $NF}')" \
    '["bare", "wrapper", "wrapper+hooks", "prepared", "prepared, node hook"]' "$WORK/$kind"-*.json >"$WORK/$kind.group"
done
groups=()
for kind in ${KINDS:-runc crun}; do groups+=("$WORK/$kind.group"); done
bench_section container "hyperfine -N, $RUNS runs per row in $ROUNDS rounds, rows rotated; bundles and reports on a tmpfs" "${groups[@]}"
