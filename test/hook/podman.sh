# podman through its hooks dir (sourced by run.sh): the file `vaoci hooks
# precreate` prints (vaoci-hook rewrites the config as vaoci-runtime would)
# with the flags DESIGN.md names for this VM, and runc underneath.
PODMAN_FLAGS=(--runtime "$(command -v runc)" --cgroup-manager=cgroupfs)
RUN_FLAGS=(--rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network none)
HD=$WORK/hooks.d
mkdir -p "$HD" "$WORK/podman-hold"
bin/vaoci hooks precreate --hook-path "$BUILD/vaoci-hook" --node-config "$WORK/node-runc.json" >"$HD/50-vaoci-precreate.json"

# podman_probe ROOTFS_NAME ANNOTATION...: runs the probe; sets OUT, and REPORT (the new report, if any).
podman_probe() {
  local rootfs=$WORK/$1; shift
  local ann=() a before
  for a in "$@"; do ann+=(--annotation "$a"); done
  cp -a "$WORK/rootfs" "$rootfs"
  rm -f "$WORK/podman-hold/done"
  before=$(ls "$WORK/reports" 2>/dev/null)
  (for _ in $(seq 200); do
     for r in "$WORK"/reports/*.json; do
       grep -qxF "$(basename "$r")" <<<"$before" && continue
       s=$(jq -r .status "$r" 2>/dev/null) && [ -n "$s" ] && [ "$s" != pending ] && break 2
     done
     sleep 0.05
   done
   touch "$WORK/podman-hold/done") &
  local releaser=$!
  OUT=$(timeout 120 podman "${PODMAN_FLAGS[@]}" --hooks-dir "$HD" run "${RUN_FLAGS[@]}" "${ann[@]}" \
        -v "$WORK/podman-hold:/hold:ro" --rootfs "$rootfs" /bin/probe --hold /hold/done 2>&1)
  touch "$WORK/podman-hold/done"
  wait "$releaser" 2>/dev/null
  REPORT=$(comm -13 <(echo "$before") <(ls "$WORK/reports" 2>/dev/null) | head -1)
}

if timeout 60 podman "${PODMAN_FLAGS[@]}" run "${RUN_FLAGS[@]}" --rootfs "$WORK/rootfs" /bin/true >/dev/null 2>&1; then
  podman_probe podman-i386 vaoci.io/va-limit=i386
  check "podman --hooks-dir: i386 window: every new mapping below 4 GiB" says "all below 0x100000000"
  check "podman --hooks-dir: the poststart report says it holds" \
    bash -c "[ -n '$REPORT' ] && jq -e '.status == \"holds\"' '$WORK/reports/$REPORT' >/dev/null"
  podman_probe podman-none
  check "podman --hooks-dir: no vaoci annotation: the hook is not run, the probe is untouched" \
    says "new mappings at or above 0x100000000"
  podman_probe podman-bad vaoci.io/va-limit=x86-64
  check "podman --hooks-dir: a bad value stops the container" bash -c "! grep -q 'probe:' <<<\"\$0\"" "$OUT"
  # podman shows only "executing [vaoci-hook precreate]: exit status 1"; the line is in the node log.
  check "podman --hooks-dir: ... and the node log has the line" \
    grep -qF 'vaoci.io/va-limit: value "x86-64" — expected one of' "$WORK/vaoci.log"
else
  echo "podman does not run containers here: its hooks-dir cases are skipped"
fi
