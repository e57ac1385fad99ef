#!/usr/bin/env bash
# The NRI plugin lane on CRI-O (issue 16): vaoci-nri on CRI-O v1.34.0 (crio and
# pinns from .ci/install-crio, build/tools/cri-o-1.34.0; Debian's conmon, runc
# and CNI plugins), NRI on ([crio.nri] enable_nri), through CRI with crictl.
# The pods run with CRI-O's default runtime (runc): no runtime class, no
# wrapper, no engine config edit for vaoci.
#
# Isolation, as test/node/cluster.sh does for containerd: one mount + network
# namespace held by a `sleep` (unshare -m -n --propagation slave); inside it
# /etc, /opt, /var/log and /var/lib are overlays over the machine's (writes go
# to $S/overlay), /run a fresh tmpfs; CRI-O's storage is under $S/storage, its
# sockets /run/crio/crio.sock and /run/nri/nri.sock. Pod cgroups (cgroupfs)
# go under /vaoci-crio in each cgroup v1 hierarchy, removed at exit.
#
#   matrix   the containerd lane's pods (test/nri/run.sh): pod-wide i386, a
#            per-container window beside an unannotated sidecar, an
#            unannotated pod, a bad annotation (refused with the wrapper's
#            line), the plugin's report, the image's architecture through
#            CRI-O's ImageStatus
#
# State: build/nri/crio (CRIO_STATE overrides), removed at the start of each
# run; CRIO_KEEP=1 leaves CRI-O running (stop: kill the pids in $S/*.pid).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
S=${CRIO_STATE:-$ROOT/build/nri/crio}
OUT=$S-run
CRIO_DIR=${CRIO_DIR:-$ROOT/build/tools/cri-o-1.34.0}
TOOLS=$ROOT/build/tools
IMAGES=$ROOT/build/node/images
CGROOT=vaoci-crio
POD_CIDR=10.89.0.0/16
n=0
fails=0
T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
say() { echo "crio [$(ms) ms]: $*" >&2; }
die() { echo "crio: $*" >&2; exit 1; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

H=
# X CMD...: run CMD in the node's namespaces (mount + network).
X() { nsenter -t "$H" -m -n --wd="$PWD" -- env PATH="$TOOLS:$CRIO_DIR:$PATH" "$@"; }
cri() { X crictl -r unix:///run/crio/crio.sock -i unix:///run/crio/crio.sock --timeout 30s "$@" 2> >(grep -v 'level=warning' >&2); }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() { # seconds command...
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 0.2; done
}

# ---------------------------------------------------------------- node

crio_config() {
  cat <<EOF
[crio]
root = "$S/storage"
runroot = "/run/containers/storage"
storage_driver = "overlay"
log_dir = "/var/log/crio/pods"
version_file = "/run/crio/version"
version_file_persist = "$S/version"
clean_shutdown_file = "$S/clean.shutdown"

[crio.api]
listen = "/run/crio/crio.sock"
stream_address = "127.0.0.1"
stream_port = "0"

[crio.runtime]
default_runtime = "runc"
cgroup_manager = "cgroupfs"
conmon_cgroup = "pod"
drop_infra_ctr = true
pinns_path = "$CRIO_DIR/pinns"
namespaces_dir = "/run/crio-ns"
container_exits_dir = "/run/crio/exits"
container_attach_socket_dir = "/run/crio"
hooks_dir = ["$S/hooks.d"]
default_ulimits = []

[crio.runtime.runtimes.runc]
runtime_path = "/usr/sbin/runc"
runtime_type = "oci"
runtime_root = "/run/runc"
monitor_path = "/usr/bin/conmon"

[crio.image]
pause_image = "vaoci.test/pause:1"
pause_command = "/pause"
signature_policy = "$S/policy.json"

[crio.network]
network_dir = "/etc/cni/net.d/"
plugin_dirs = ["/usr/lib/cni"]

[crio.nri]
enable_nri = true
nri_listen = "/run/nri/nri.sock"
nri_plugin_dir = "$S/nri/plugins"
nri_plugin_config_dir = "$S/nri/conf.d"

[crio.metrics]
enable_metrics = false
EOF
}

cni_config() {
  cat <<EOF
{
  "cniVersion": "1.0.0",
  "name": "vaoci-crio",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$S/cni-ipam", "ranges": [[{ "subnet": "$POD_CIDR" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "loopback" }
  ]
}
EOF
}

own_ns() { [ "$(readlink "/proc/$H/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; }
crio_up() { [ -S "/proc/$H/root/run/crio/crio.sock" ] && cri version; }

node_up() {
  [ "$(id -u)" = 0 ] || die "needs root"
  { [ -x "$CRIO_DIR/crio" ] && [ -x "$CRIO_DIR/pinns" ]; } || die "no $CRIO_DIR/crio or pinns: run .ci/install-crio"
  [ -x "$TOOLS/crictl" ] || die "no $TOOLS/crictl: run make tools (.ci/install-node-tools)"
  for b in conmon skopeo /usr/sbin/runc /usr/lib/cni/bridge; do command -v "$b" >/dev/null || die "no $b: run .ci/install-deps"; done
  [ -x build/x86_64/vaoci-nri ] || die "build/x86_64/vaoci-nri missing: make nri"
  if [ ! -f "$IMAGES/pause.tar" ] || [ ! -f "$IMAGES/testbox.tar" ]; then node test/node/images.mjs "$IMAGES" >&2 || die "images.mjs failed"; fi
  rm -rf "$S" "$OUT"; mkdir -p "$S"/{overlay,hooks.d,nri/plugins,nri/conf.d,cni-ipam} "$OUT"
  echo '{"default": [{"type": "insecureAcceptAnything"}]}' > "$S/policy.json"

  setsid unshare -m -n --propagation slave -- sleep infinity < /dev/null > /dev/null 2>&1 &
  echo $! > "$S/holder.pid"; H=$!
  wait_for 5 own_ns || die "no namespace"
  local d
  for d in etc opt var-log var-lib; do mkdir -p "$S/overlay/$d/upper" "$S/overlay/$d/work"; done
  X sh -euc "
    mount --make-rshared /
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$S/overlay/etc/upper,workdir=$S/overlay/etc/work /etc
    mount -t overlay overlay -o lowerdir=/opt,upperdir=$S/overlay/opt/upper,workdir=$S/overlay/opt/work /opt
    mount -t overlay overlay -o lowerdir=/var/log,upperdir=$S/overlay/var-log/upper,workdir=$S/overlay/var-log/work /var/log
    mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$S/overlay/var-lib/upper,workdir=$S/overlay/var-lib/work /var/lib
    mount -t tmpfs -o mode=0755,size=256m tmpfs /run
    rm -rf /etc/crio /etc/cni/net.d
    mkdir -p /etc/crio /etc/cni/net.d /run/crio /run/nri
    ip link set lo up
  " || die "namespace mounts failed"
  crio_config > "/proc/$H/root/etc/crio/crio.conf"
  mkdir -p "/proc/$H/root/etc/crio/crio.conf.d"
  cni_config > "/proc/$H/root/etc/cni/net.d/10-vaoci-crio.conflist"
  for c in /sys/fs/cgroup/*/; do
    [ -f "$c/cgroup.procs" ] || continue
    mkdir -p "$c$CGROOT"
    if [ -f "$c/cpuset.cpus" ]; then cat "$c/cpuset.cpus" > "$c$CGROOT/cpuset.cpus"; cat "$c/cpuset.mems" > "$c$CGROOT/cpuset.mems"; fi
  done
  say "namespaces up"

  # the images, into CRI-O's storage before it starts (skopeo, containers-storage)
  local i
  for i in pause testbox; do
    X skopeo copy -q "docker-archive:$IMAGES/$i.tar" "containers-storage:[overlay@$S/storage+/run/containers/storage]vaoci.test/$i:1" \
      > "$OUT/skopeo-$i.log" 2>&1 || { cat "$OUT/skopeo-$i.log" >&2; die "skopeo copy of $i.tar failed"; }
  done
  say "images copied (skopeo docker-archive: -> containers-storage:)"

  setsid nsenter -t "$H" -m -n -- env PATH="/usr/sbin:/usr/bin:/sbin:/bin" "$CRIO_DIR/crio" \
    --config /etc/crio/crio.conf --config-dir /etc/crio/crio.conf.d --log-level info > "$S/crio.log" 2>&1 < /dev/null &
  echo $! > "$S/crio.pid"
  wait_for 60 crio_up || { tail -30 "$S/crio.log" >&2; die "CRI-O did not answer on /run/crio/crio.sock"; }
  say "CRI-O up ($(cri version | grep RuntimeVersion | tr -s ' '))"
}

stop_pid() { # pidfile
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null; rm -f "$f"
}

node_down() {
  [ -n "$PLUGIN" ] || PLUGIN=$(cat "$S/plugin.pid" 2>/dev/null)
  plugin_stop
  if alive "$S/holder.pid"; then
    H=$(cat "$S/holder.pid")
    alive "$S/crio.pid" && timeout 60 nsenter -t "$H" -m -n -- "$TOOLS/crictl" -r unix:///run/crio/crio.sock rmp -fa >/dev/null 2>&1
  fi
  stop_pid "$S/crio.pid"
  local c
  for c in /sys/fs/cgroup/*/"$CGROOT"; do
    [ -d "$c" ] || continue
    find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null; done
  done
  # anything else still in the node's mount namespace (conmon, a hung helper)
  if alive "$S/holder.pid"; then
    local ns pid d; ns=$(readlink "/proc/$H/ns/mnt")
    for d in /proc/[0-9]*; do
      pid=${d#/proc/}
      if [ "$pid" != "$H" ] && [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$ns" ]; then kill -KILL "$pid" 2>/dev/null; fi
    done
  fi
  sleep 0.2
  for c in /sys/fs/cgroup/*/"$CGROOT"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null; done
  stop_pid "$S/holder.pid"
}

# node_files: what `vaoci node install --mode nri` installs, in the namespace.
node_files() {
  X sh -ec '
    mkdir -p /opt/vaoci/bin /opt/vaoci/lib /etc/vaoci /var/log
    cp --remove-destination build/x86_64/vaoci-nri build/x86_64/vaoci-hook build/x86_64/vaoci-launch /opt/vaoci/bin/
    cp --remove-destination build/x86_64/libvaoci-preload.so /opt/vaoci/lib/
    echo "{\"runtime\": \"/usr/sbin/runc\"}" > /etc/vaoci/config.json
    : > /var/log/vaoci.log'
}

# ---------------------------------------------------------------- plugin

PLUGIN=
# plugin_start ARGS...: vaoci-nri in the node's namespaces, connected to
# CRI-O's NRI socket; waits until its -status file says it is connected.
plugin_start() {
  plugin_stop
  rm -f "/proc/$H/root/run/vaoci-nri/connected"
  setsid nsenter -t "$H" -m -n --wd="$PWD" -- /opt/vaoci/bin/vaoci-nri -nri-socket /run/nri/nri.sock \
    -cri-socket /run/crio/crio.sock -status /run/vaoci-nri/connected "$@" >> "$OUT/plugin.log" 2>&1 < /dev/null &
  PLUGIN=$!
  echo "$PLUGIN" > "$S/plugin.pid"
  wait_for 10 test -e "/proc/$H/root/run/vaoci-nri/connected"
}

plugin_stop() {
  [ -n "$PLUGIN" ] || return 0
  kill -TERM "$PLUGIN" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$PLUGIN" 2>/dev/null || break; sleep 0.1; done
  PLUGIN=; rm -f "$S/plugin.pid"
  sleep 0.3
}

# ---------------------------------------------------------------- CRI (as test/nri/run.sh)

# pod_json NAME ANNOTATIONS(json object) [NAMESPACE]. The pid namespace per
# container (CONTAINER, the kubelet's default): with drop_infra_ctr CRI-O then
# runs no infra (pause) process, whose oom_score_adj -998 runc cannot set on
# this machine (no CAP_SYS_RESOURCE; containerd's restrict_oom_score_adj has
# no CRI-O twin).
pod_json() {
  jq -n --arg n "$1" --argjson a "$2" --arg ns "${3:-vaoci-test}" --arg d "/tmp/nri-logs/$1" --arg cg "/$CGROOT" \
    '{metadata: {name: $n, namespace: $ns, uid: ("uid-" + $n), attempt: 0}, annotations: $a,
      log_directory: $d, linux: {cgroup_parent: $cg, security_context: {namespace_options: {pid: 1}}}}' > "$OUT/pod-$1.json"
}
# ctr_json POD NAME ARGS... The label io.kubernetes.container.name as the
# kubelet sets it: CRI-O names the container to NRI by it (its spec
# annotation), not by the CRI metadata name containerd uses.
ctr_json() {
  local pod=$1 name=$2; shift 2
  jq -n --arg n "$name" --arg img "${IMAGE:-vaoci.test/testbox:1}" --argjson c "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" '{metadata: {name: $n},
      labels: {"io.kubernetes.container.name": $n}, image: {image: $img}, command: $c, log_path: ($n + ".log"), linux: {security_context: {namespace_options: {pid: 1}}}}' > "$OUT/ctr-$pod-$name.json"
}
runp() { # POD -> pod id (each run a fresh sandbox name)
  local SEQ; SEQ=$(date +%s%N)
  X mkdir -p "/tmp/nri-logs/$1"
  jq --arg s "$SEQ" '.metadata.name += "-" + $s | .metadata.uid += "-" + $s' "$OUT/pod-$1.json" > "$OUT/pod-$1.run.json"
  cri runp "$OUT/pod-$1.run.json"
}
# shellcheck source=test/nri/containers.sh
source test/nri/containers.sh

# ---------------------------------------------------------------- matrix

matrix() {
  say "matrix"
  pod_json i386 '{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}'
  ctr_json i386 main /bin/probe --below 0x100000000 --linger-ms 1500
  pod_json window '{"vaoci.io/va-limit.main": "0x10000-0x100000000000"}'
  ctr_json window main /bin/probe --below 0x100000000000
  ctr_json window sidecar /bin/probe --below 0x100000000000
  pod_json plain '{}'
  ctr_json plain main /bin/probe --below 0x100000000
  pod_json bad '{"vaoci.io/va-limit": "x86-64"}'
  ctr_json bad main /bin/probe
  pod_json auto '{"vaoci.io/va-limit": "i386"}'
  ctr_json auto main /bin/probe --below 0x100000000

  local p r id i386_id
  p=$(runp i386) || { bad "RunPodSandbox on CRI-O failed"; return; }
  r=$(run_ctr i386 "$p" main); id=${r%% *}; i386_id=$id; echo "     i386/main: ${r#* }"
  check "pod-wide i386: every new mapping below 4 GiB" bash -c "[[ \"\$1\" == *'all below 0x100000000' ]]" _ "$r"
  r=$(spec "$id" '[(.info.runtimeSpec.process.env[] | select(startswith("LD_PRELOAD=/opt/vaoci/lib/libvaoci-preload.so"))) != null,
    (.info.runtimeSpec.mounts[] | select(.destination == "/opt/vaoci/lib/libvaoci-preload.so")) != null,
    ([.info.runtimeSpec.hooks.poststart // [] | .[] | select(.path == "/opt/vaoci/bin/vaoci-hook")] | length) == 0] | all')
  check "i386: CRI-O's spec has LD_PRELOAD and the preload bind mount, and no vaoci-hook (the plugin verifies itself)" test "$r" = true
  r=$(spec "$id" '.info.runtimeSpec.annotations["io.kubernetes.cri-o.ImageName"] // "-"')
  echo "     i386/main io.kubernetes.cri-o.ImageName: $r"

  p=$(runp window)
  r=$(run_ctr window "$p" main); echo "     window/main: ${r#* }"
  check "per-container 0x10000-0x100000000000: main below 2^44" bash -c "[[ \"\$1\" == *'all below 0x100000000000' ]]" _ "$r"
  r=$(run_ctr window "$p" sidecar); echo "     window/sidecar: ${r#* }"
  check "unannotated sidecar beside it: mappings above 2^44" bash -c "[[ \"\$1\" == *'at or above 0x100000000000' ]]" _ "$r"

  p=$(runp plain); r=$(run_ctr plain "$p" main); id=${r%% *}; echo "     plain/main: ${r#* }"
  check "unannotated pod untouched: mappings above 4 GiB" bash -c "[[ \"\$1\" == *'at or above 0x100000000' ]]" _ "$r"
  r=$(spec "$id" '[.info.runtimeSpec.process.env[] | select(startswith("LD_PRELOAD"))] | length')
  check "unannotated pod: spec without LD_PRELOAD" test "$r" = 0

  r=$(X cat "/run/vaoci/$i386_id.json" 2>&1 | jq -r '.message' 2>&1); echo "     i386/main report message: $r"
  r=$(X cat "/run/vaoci/$i386_id.json" 2>&1 | jq -r '.tool + " " + .status' 2>&1)
  check "i386: vaoci-nri verified it on PostStartContainer: /run/vaoci/ID.json says $r (vaoci-nri holds)" test "$r" = "vaoci-nri holds"

  local want='vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
  p=$(runp bad); r=$(create bad "$p" main); echo "     bad: $(echo "$r" | tail -1 | cut -c1-400)"
  r=${r//\\\"/\"} # the engine's error, as crictl quotes it
  check "bad annotation: CreateContainer refused with the wrapper's line" bash -c "[[ \"\$1\" == *\"vaoci-nri: \$2\"* ]]" _ "$r" "$want"
  r=$(cri ps -aq --pod "$p")
  check "bad annotation: no container left behind in the pod" test -z "$r"

  # guest auto: the image's architecture, from CRI-O's ImageStatus
  p=$(runp auto); r=$(run_ctr auto "$p" main); echo "     auto/main (amd64 image): ${r#* }"
  check "guest auto, amd64 image on this x86-64 node: native, untouched" bash -c "[[ \"\$1\" == *'at or above 0x100000000' ]]" _ "$r"
  r=$(grep -o 'image status [1-9][0-9]* µs' "$OUT/plugin.log" | head -1)
  check "guest auto: the plugin asked CRI-O for the image ($r)" test -n "$r"
  r=$(grep -F "names no architecture" "$OUT/plugin.log" | head -1)
  [ -z "$r" ] || echo "     plugin: $r"
  cri inspecti -o json vaoci.test/testbox:1 > "$OUT/imagestatus.json" 2>&1
  r=$(jq -r '.info.imageSpec.architecture' "$OUT/imagestatus.json" 2>&1)
  check "CRI-O's verbose ImageStatus names the image's architecture (crictl inspecti: info.imageSpec.architecture = $r)" test "$r" = amd64
}

# ---------------------------------------------------------------- where CRI-O differs

gaps=0
gap() { gaps=$((gaps + 1)); echo "# gap $gaps - $*"; }

# verify_hook: -verify hook, the poststart vaoci-hook handed to CRI-O (NRI
# AddHooks): the hook reads the pid from the OCI state, which CRI-O fills.
verify_hook() {
  say "-verify hook"
  plugin_start -timing -verify hook || { bad "vaoci-nri -verify hook did not connect"; return; }
  local p r id
  p=$(runp i386); r=$(run_ctr i386 "$p" main); id=${r%% *}; echo "     -verify hook, i386/main: ${r#* }"
  check "-verify hook: pod-wide i386: every new mapping below 4 GiB" bash -c "[[ \"\$1\" == *'all below 0x100000000' ]]" _ "$r"
  r=$(spec "$id" '[.info.runtimeSpec.hooks.poststart // [] | .[] | select(.path == "/opt/vaoci/bin/vaoci-hook")] | length')
  check "-verify hook: CRI-O's spec has the poststart vaoci-hook (NRI AddHooks)" test "$r" = 1
  for _ in $(seq 30); do X test -e "/run/vaoci/$id.json" && break; sleep 0.1; done
  r=$(X cat "/run/vaoci/$id.json" 2>&1 | jq -r '.tool + " " + .status' 2>&1)
  check "-verify hook: /run/vaoci/ID.json says $r (vaoci-hook holds)" test "$r" = "vaoci-hook holds"
  plugin_start -timing || bad "vaoci-nri did not reconnect"
}

# launch_args: as test/nri/run.sh's: a binfmt_misc stand-in makes the
# resolver inject vaoci-launch with NRI SetArgs; the spec CRI-O wrote shows
# whether the args arrived. Only created, not started.
launch_args() {
  say "launch injection (SetArgs)"
  X sh -ec '
    mkdir -p /etc/vaoci/test-binfmt
    cp /opt/vaoci/bin/vaoci-launch /opt/vaoci/bin/qemu-x86_64-static
    printf "enabled\ninterpreter /opt/vaoci/bin/qemu-x86_64-static\nflags: POCF\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefefcfffffffffffffffffeffffff\n" > /etc/vaoci/test-binfmt/qemu-x86_64
    echo "{\"runtime\": \"/usr/sbin/runc\", \"binfmt_dir\": \"/etc/vaoci/test-binfmt\"}" > /etc/vaoci/config.json'
  pod_json launch '{"vaoci.io/va-limit": "x86_64", "vaoci.io/guest-arch": "x86_64"}'
  ctr_json launch main /bin/probe --below 0x800000000000
  local p id r want='"/opt/vaoci/bin/vaoci-launch --binfmt-flags=POCF -- /opt/vaoci/bin/qemu-x86_64-static /bin/probe --below 0x800000000000"'
  p=$(runp launch); id=$(create launch "$p" main)
  r=$(spec "$id" '.info.runtimeSpec.process.args | join(" ")')
  echo "     launch/main args: $r"
  if [ "$r" = "$want" ]; then
    ok "launch injection: CRI-O's spec runs vaoci-launch in front of the args (SetArgs)"
  else
    gap "launch injection: CRI-O's spec kept the args ($r): this CRI-O's NRI (containerd/nri v0.9.1-0.20250219030224-e597e7849f24) has no ContainerAdjustment.Args, so SetArgs is dropped; the plugin logged: $(X grep -F "$id" /var/log/vaoci.log | grep -o 'injection [a-z]*' | head -1)"
  fi
  cri rmp -f "$p" >/dev/null
  X sh -c 'echo "{\"runtime\": \"/usr/sbin/runc\"}" > /etc/vaoci/config.json'
}

# ---------------------------------------------------------------- main

if [ "${1:-}" = stop ]; then # after CRIO_KEEP=1
  H=$(cat "$S/holder.pid" 2>/dev/null) || die "not running"
  node_down; exit 0
fi

say "node (CRI-O $("$CRIO_DIR/crio" --version 2>/dev/null | sed -n 's/^crio version //p'), crictl)"
[ "${CRIO_KEEP:-0}" = 1 ] || trap 'node_down' EXIT
node_up
node_files || die "node files not installed"
epid=$(cat "$S/crio.pid")
check "NRI is on in CRI-O ([crio.nri] enable_nri): /run/nri/nri.sock exists" X test -S /run/nri/nri.sock
plugin_start -timing || { bad "vaoci-nri did not connect to CRI-O"; tail -5 "$OUT/plugin.log"; echo "crio: $((n - fails)) passed, $fails failed"; exit 1; }
ok "vaoci-nri connected to CRI-O's NRI socket as plugin $(grep -o 'external:[0-9]*-vaoci\[[0-9]*\]' "$S/crio.log" | tail -1)"
matrix
verify_hook
launch_args
check "the engine was not restarted by vaoci (same crio pid throughout)" bash -c "[ \"\$(cat '$S/crio.pid')\" = '$epid' ] && kill -0 $epid"
check "the engine's config names no vaoci-nri" bash -c "! grep -rq vaoci-nri '/proc/$H/root/etc/crio'"
plugin_stop
echo "crio: $((n - fails)) passed, $fails failed$([ "$gaps" = 0 ] || echo " ($gaps known gaps: the # gap lines)")"
[ "$fails" = 0 ]
