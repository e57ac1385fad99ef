# Helpers for test/hook/*.sh: a tiny rootfs, OCI bundles made by `runc spec`,
# a node config, and the runtimes to run them with. Sourced, not run.
# The crun cgroup workaround (this VM's hybrid cgroup layout) lives here
# only: real nodes with pure cgroup v2 need no such thing.

HOOK_TEST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARCH=$(uname -m)
BUILD=$HOOK_TEST_ROOT/build/$ARCH
PASSED=0 FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
summary() { # summary SUITE
  echo "$1: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# copy_with_libs FILE DEST_ROOT: a dynamically linked program and what ldd says it loads.
copy_with_libs() {
  local f=$1 root=$2 lib
  install -D -m 0755 "$f" "$root/bin/$(basename "$f")"
  for lib in $(ldd "$f" | grep -oE '/[^ ]+'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

# make_rootfs DIR: busybox-static plus the probe (dynamic glibc, libs copied)
# and probe-static (musl, static).
make_rootfs() {
  local root=$1 tool
  mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/dev" "$root/sys" "$root/etc" "$root/hold"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh true cat ls sleep touch echo env; do ln -sf busybox "$root/bin/$tool"; done
  copy_with_libs "$WORK/probe" "$root"
  install -m 0755 "$WORK/probe-static" "$root/bin/probe-static"
}

# build_probes: the dynamic and the static probe into $WORK.
build_probes() {
  gcc -O2 -o "$WORK/probe" "$HOOK_TEST_ROOT/test/hook/probe.c"
  musl-gcc -O2 -static -o "$WORK/probe-static" "$HOOK_TEST_ROOT/test/hook/probe.c"
}

# make_bundle DIR ANNOTATIONS_JSON ARGS_JSON: a bundle by `runc spec`, its
# rootfs a copy of $WORK/rootfs, /hold bound to DIR/hold (the probe's
# release file), no terminal.
make_bundle() {
  local b=$1 ann=$2 args=$3
  mkdir -p "$b/hold"
  cp -a "$WORK/rootfs" "$b/rootfs"
  (cd "$b" && runc spec)
  jq --argjson ann "$ann" --argjson args "$args" --arg hold "$b/hold" '
    .process.terminal = false | .process.args = $args | .annotations = $ann
    | .mounts += [{destination: "/hold", type: "bind", source: $hold, options: ["rbind", "ro"]}]' \
    "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# write_node_config FILE RUNTIME: a node config for tests (log and reports
# under $WORK, the preload and the launcher of this build).
write_node_config() {
  jq -n --arg rt "$2" --arg w "$WORK" --arg preload "$BUILD/libvaoci-preload.so" --arg launcher "$BUILD/vaoci-launch" '{
    runtime: $rt, log: ($w + "/vaoci.log"), reports_dir: ($w + "/reports"),
    binfmt_dir: ($w + "/binfmt"),
    injection: {preload: $preload, launcher: $launcher}}' >"$1"
  mkdir -p "$WORK/binfmt"
}

# in_ns KIND COMMAND...: runs COMMAND as is for runc; for crun inside a
# private mount namespace without the cgroup2 half of this VM's hybrid
# layout (crun refuses hybrid mode).
in_ns() {
  local kind=$1; shift
  if [ "$kind" = crun ]; then
    unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "$@"
  else
    "$@"
  fi
}
