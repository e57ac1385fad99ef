#!/usr/bin/env bash
# Concurrency (issue 7): CONTAINERS (default 50) containers started at once
# through vaoci-runtime on runc, each with its own window (0x10000 up to
# 4 GiB + i GiB). Each must get its own: the probe inside finds every new
# mapping below its own upper bound, and its poststart report is there,
# valid, says holds and names that window. No run may hang (each has 120 s).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
WORK=$(mktemp -d /tmp/vaoci-concurrency.XXXXXX)
source test/hook/lib.sh
COUNT=${CONTAINERS:-50}
ids=()
cleanup() {
  for id in "${ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

build_probes && make_rootfs "$WORK/rootfs"
write_node_config "$WORK/node.json" "$(command -v runc)"
upper() { printf '0x%x' $(((4 + $1) << 30)); }

for i in $(seq "$COUNT"); do
  b=$WORK/b$i
  mkdir -p "$b/hold"
  cp -al "$WORK/rootfs" "$b/rootfs" # hard links: the containers only read their rootfs
  (cd "$b" && runc spec)
  jq --arg w "0x10000-$(upper "$i")" --arg below "$(upper "$i")" --arg hold "$b/hold" '
    .process.terminal = false | .annotations = {"vaoci.io/va-limit": $w}
    | .process.args = ["/bin/probe", "--below", $below, "--hold", "/hold/done"]
    | .mounts += [{destination: "/hold", type: "bind", source: $hold, options: ["rbind", "ro"]}]' \
    "$b/config.json" >"$b/config.new" && mv "$b/config.new" "$b/config.json"
done

start=$(date +%s.%N)
pids=()
for i in $(seq "$COUNT"); do
  id=vaoci-conc-$$-$i
  ids+=("$id")
  (cd "$WORK/b$i" && VAOCI_CONFIG=$WORK/node.json timeout 120 "$BUILD/vaoci-runtime" run "$id" >"$WORK/out$i" 2>&1) &
  pids+=($!)
done
# The probes hold until every report is final (or 60 s), so each is verified while it runs.
final=0
for _ in $(seq 600); do
  final=0
  for id in "${ids[@]}"; do
    s=$(jq -r .status "$WORK/reports/$id.json" 2>/dev/null) && [ -n "$s" ] && [ "$s" != pending ] && final=$((final + 1))
  done
  [ "$final" -eq "$COUNT" ] && break
  sleep 0.1
done
for i in $(seq "$COUNT"); do touch "$WORK/b$i/hold/done"; done
hung=0
for p in "${pids[@]}"; do wait "$p"; [ $? -eq 124 ] && hung=$((hung + 1)); done
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

check "$COUNT containers at once: every report became final ($final of $COUNT)" test "$final" -eq "$COUNT"
check "no run hung (timeout 120 s each): $hung" test "$hung" -eq 0
inside=0 holds=0 valid=0
for i in $(seq "$COUNT"); do
  id=vaoci-conc-$$-$i r=$WORK/reports/$id.json
  grep -qF "all below $(upper "$i")" "$WORK/out$i" && inside=$((inside + 1))
  jq -e --arg w "0x10000-$(upper "$i")" '.status == "holds" and .window.text == $w and .container.id != ""' "$r" >/dev/null 2>&1 &&
    holds=$((holds + 1))
  [ -f "$r" ] && node test/hook/validate-report.js "$r" >/dev/null 2>&1 && valid=$((valid + 1))
done
check "each probe found every new mapping below its own window's top ($inside of $COUNT)" test "$inside" -eq "$COUNT"
check "each report says holds for its own window ($holds of $COUNT)" test "$holds" -eq "$COUNT"
check "each report validates against hook-report.schema.json ($valid of $COUNT)" test "$valid" -eq "$COUNT"
echo "concurrency: $COUNT containers in ${elapsed} s"
summary concurrency
