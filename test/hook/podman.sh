# shellcheck shell=bash
# podman (sourced by run.sh), two ways, with the flags DESIGN.md names for this
# VM and runc underneath: through its hooks dir (the file `vaoci hooks
# precreate` prints; vaoci-hook rewrites the config as vaoci-runtime would),
# and with --runtime vaoci-runtime (the wrapper itself, as on a node).
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

  # podman --runtime PREFIX/bin/vaoci-runtime (issue 17, for users who keep podman): the wrapper in
  # front of runc instead of the hooks dir. podman calls the runtime itself (start, delete) as well
  # as through conmon, with its own environment, so VAOCI_CONFIG cannot reach it: the wrapper reads
  # /etc/vaoci/config.json, as after `vaoci node install`. Here that file is the test's node config
  # in an overlay over /etc, in a private mount namespace: this machine's /etc is not touched.
  podman_wrapped() { # ROOTFS_NAME ANNOTATION...
    local rootfs=$WORK/$1 ann=() a
    shift
    for a in "$@"; do ann+=(--annotation "$a"); done
    cp -a "$WORK/rootfs" "$rootfs"
    # shellcheck disable=SC2016 # $1 and $@ are the inner sh's
    OUT=$(unshare -m --propagation private sh -c 'mkdir -p "$1/etc-up" "$1/etc-work" &&
            mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-up,workdir=$1/etc-work" /etc &&
            mkdir -p /etc/vaoci && cp "$1/node-runc.json" /etc/vaoci/config.json && shift && exec "$@"' sh "$WORK" \
          timeout 120 podman --runtime "$BUILD/vaoci-runtime" --cgroup-manager=cgroupfs \
          run "${RUN_FLAGS[@]}" "${ann[@]}" --rootfs "$rootfs" /bin/probe 2>&1)
  }
  podman_wrapped podman-rt-i386 vaoci.io/va-limit=i386
  check "podman --runtime vaoci-runtime: i386 window: every new mapping below 4 GiB" says "all below 0x100000000"
  podman_wrapped podman-rt-none
  check "podman --runtime vaoci-runtime: no annotation: untouched" says "new mappings at or above 0x100000000"
  podman_wrapped podman-rt-bad vaoci.io/va-limit=x86-64
  check "podman --runtime vaoci-runtime: a bad value: refused, the wrapper's line in podman's own output" \
    grep -qF 'vaoci-runtime: vaoci.io/va-limit: value "x86-64" — expected one of' <<<"$OUT"
  check "podman --runtime vaoci-runtime: ... and the probe never ran" bash -c "! grep -q 'probe:' <<<\"\$0\"" "$OUT"
else
  echo "podman does not run containers here: its hooks-dir and --runtime cases are skipped"
fi
