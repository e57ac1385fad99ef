# shellcheck shell=bash
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

# spec_bundle DIR ROOTFS ANNOTATIONS_JSON ARGS_JSON: DIR/config.json by `runc spec`,
# root.path ROOTFS, these annotations and args, no terminal.
spec_bundle() {
  mkdir -p "$1" && (cd "$1" && runc spec) &&
    jq --arg root "$2" --argjson ann "$3" --argjson args "$4" '
      .root.path = $root | .process.terminal = false | .process.args = $args | .annotations = $ann' \
      "$1/config.json" >"$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# make_bundle DIR ANNOTATIONS_JSON ARGS_JSON: a bundle by `runc spec`, its
# rootfs a copy of $WORK/rootfs, /hold bound to DIR/hold (the probe's
# release file), no terminal.
make_bundle() {
  local b=$1
  mkdir -p "$b/hold"
  cp -a "$WORK/rootfs" "$b/rootfs"
  spec_bundle "$b" rootfs "$2" "$3"
  jq --arg hold "$b/hold" '.mounts += [{destination: "/hold", type: "bind", source: $hold, options: ["rbind", "ro"]}]' \
    "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# tree_state DIR...: names, types, modes, sizes, mtimes, link targets and
# contents of every path below the DIRs, to compare before and after.
tree_state() {
  find "$@" -printf '%p %y %m %s %T@ %l\n' | sort
  find "$@" -type f -exec sha1sum {} + | sort
}

# create_runtime BUNDLE NODE_CONFIG: vaoci-hook createRuntime on BUNDLE as a
# runtime calls it (the state on stdin, an i386 window); sets HOUT and HRC.
# shellcheck disable=SC2034 # HOUT and HRC are the caller's
create_runtime() {
  HOUT=$(jq -n --arg b "$1" '{ociVersion: "1.0.2", id: "hook-only", status: "creating", pid: 1, bundle: $b,
                             annotations: {"vaoci.io/va-limit": "i386"}}' |
         VAOCI_CONFIG=$2 "$BUILD/vaoci-hook" createRuntime 2>&1)
  HRC=$?
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
