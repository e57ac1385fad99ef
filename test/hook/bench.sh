#!/usr/bin/env bash
# Per-container overhead of vaoci's OCI integration (a benchmark, not a test):
# `runc run` / `crun run` of a dynamically linked /bin/true, side by side:
#   bare           the runtime alone
#   wrapper        vaoci-runtime in front, no vaoci annotation (what every container on the node pays)
#   wrapper+hooks  vaoci.io/va-limit: i386: config.json rewritten (mount, env, poststart hook; restored
#                  before each run), the preload reserves in the process, vaoci-hook verifies
#   prepared       the runtime alone on the config the wrapper wrote: the container's share of
#                  wrapper+hooks (preload, bind mount, poststart hook) without the wrapper's
# RUNS (default 120) runs per row, taken in ROUNDS (default 20) hyperfine runs whose row order
# rotates, so a burst of load elsewhere on the machine does not land on one row only.
# Prints each row's median, its interquartile range, its ratio to bare and the difference.
set -euo pipefail
cd "$(dirname "$0")/../.."
# On a tmpfs, as /run is on a node (containerd's and CRI-O's bundles and /run/vaoci live there),
# so the fsyncs of config.json and of the report cost what they cost there.
WORK=$(mktemp -d /tmp/vaoci-hook-bench.XXXXXX)
mount -t tmpfs -o size=512m vaoci-bench "$WORK"
trap 'umount "$WORK"; rmdir "$WORK"' EXIT
source test/hook/lib.sh
RUNS=${RUNS:-120} ROUNDS=${ROUNDS:-20}
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
done

# rows KIND: hyperfine's arguments for each row, one row per line (NAME<TAB>PREPARE<TAB>COMMAND).
rows() {
  local kind=$1 rt w=$BUILD/vaoci-runtime
  rt=$(command -v "$kind")
  printf '%s\t%s\t%s\n' \
    bare "$rt delete -f b-$kind" "$rt run --bundle $WORK/$kind-bare b-$kind" \
    wrapper "$rt delete -f b-$kind" "$w run --bundle $WORK/$kind-bare b-$kind" \
    wrapper+hooks "cp $WORK/$kind-hooks/config.orig $WORK/$kind-hooks/config.json" "$w run --bundle $WORK/$kind-hooks b-$kind" \
    prepared "$rt delete -f b-$kind" "$rt run --bundle $WORK/$kind-prepared b-$kind"
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
  jq -rs '
    def q(p): sort | .[((length - 1) * p | floor)];
    def ms: . * 100000 | round / 100;
    [.[].results[]] | group_by(.command) | map({name: .[0].command, t: [.[].times[]]})
    | map(.median = (.t | q(0.5)) | .q1 = (.t | q(0.25)) | .q3 = (.t | q(0.75)))
    | (map(select(.name == "bare"))[0].median) as $b
    | sort_by(.median)[]
    | "\(.name): median \(.median | ms) ms (IQR \(.q1 | ms)-\(.q3 | ms)), \(.median / $b * 100 | round / 100)x bare, +\(.median - $b | ms) ms"' \
    "$WORK/$kind"-*.json
done
