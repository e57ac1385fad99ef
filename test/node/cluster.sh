#!/usr/bin/env bash
# A real single-node Kubernetes cluster for the real-node lane (issue 15):
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd
# (Debian's 1.6 or 2.2.1 built from the module proxy), a kubelet registering
# Node "vaoci-node", Debian's CNI bridge plugin, and a pause image built here.
#
#   test/node/cluster.sh start ENGINE     ENGINE = containerd-1.6 | containerd-2.2
#   test/node/cluster.sh status           exit 0 when every part runs and the Node is Ready
#   test/node/cluster.sh exec CMD...      run CMD inside the node (KUBECONFIG set; kubectl,
#                                         helm, crictl and ctr on PATH)
#   test/node/cluster.sh env              the variables `exec` sets
#   test/node/cluster.sh stop             stop everything, remove the state (KEEP=1 keeps it)
#
# Isolation. Everything runs inside one mount + network namespace, held by a
# `sleep` started with `unshare -m -n --propagation slave` (mounts from the
# machine propagate in, none out; / is then made rshared inside, for pods'
# mountPropagation). Inside it:
#   /etc, /opt, /var/log  overlayfs: the machine's as the lower layer, writes
#                         going to $S/overlay/* (the chart's installer writes
#                         /etc/containerd/conf.d, /etc/vaoci, /opt/vaoci there,
#                         never to the machine's)
#   /run                  a fresh tmpfs (/run/containerd/containerd.sock, netns)
#   /usr/bin/systemctl    bound to $S/systemctl, a test-only shim: `systemctl
#                         restart containerd` (what `vaoci node install --restart`
#                         runs, chrooted to the node's /) asks this script's
#                         supervisor to restart the lane's containerd, and waits
#   /proc/sys/{vm/overcommit_memory,kernel/panic,kernel/panic_on_oops}
#                         bound to files holding kubelet's wanted values, so the
#                         kubelet does not change these machine-wide sysctls
#   network               its own: lo, a veth pair (node0, 192.168.231.1 = the
#                         Node's IP), 10.96.0.1 on lo (the `kubernetes` Service's
#                         ClusterIP: pods reach the API server with no kube-proxy
#                         and no iptables), the CNI bridge cni0 (10.88.0.0/16)
# containerd's root and the kubelet's root dir are under $S. What cannot be
# avoided on the machine: pod cgroups (kubelet's cgroupRoot /vaoci-node in each
# cgroup v1 hierarchy, removed at stop) and the kernel objects of the pods.
#
# State: $S = build/node/cluster (one cluster at a time; NODE_STATE overrides).
# Each phase prints its time. NODE_ENGINE_ONLY=1 starts only the namespaces,
# containerd and the images (for debugging the engine with crictl). Binaries: build/tools (kube-*, kubelet, kubectl
# from .ci/install-kube, crictl and containerd 2.2.1's shim and ctr from
# .ci/install-node-tools, containerd 2.2.1 from .ci/install-containerd2),
# Debian's etcd, containerd 1.6, runc and containernetworking-plugins.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
S=${NODE_STATE:-$ROOT/build/node/cluster}
TOOLS=$ROOT/build/tools
IMAGES=${NODE_IMAGES:-$ROOT/build/node/images}
NODE=vaoci-node
NODE_IP=192.168.231.1
SVC_IP=10.96.0.1
POD_CIDR=10.88.0.0/16
CGROOT=vaoci-node
READY_TIMEOUT=${NODE_READY_TIMEOUT:-180}

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster.sh: $*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
holder() { alive "$S/holder.pid" && cat "$S/holder.pid"; }
T0=$(now_ms); TP=$T0
phase() { local t; t=$(now_ms); say "$(printf '%-34s %6d ms (total %6d ms)' "$1" $((t - TP)) $((t - T0)))"; TP=$t; }

# in_ns CMD...: run in the node's namespaces (mount + network).
in_ns() { nsenter -t "$H" -m -n -- "$@"; }

# bg NAME CMD...: start CMD in the node's namespaces, in its own session, logging to $S/log/NAME.log.
bg() {
  local name=$1; shift
  setsid nsenter -t "$H" -m -n -- "$@" > "$S/log/$name.log" 2>&1 < /dev/null &
  echo $! > "$S/$name.pid"
}

stop_pid() { # pidfile [seconds]
  local f=$1 n=$(( ${2:-10} * 10 )) pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
  for _ in $(seq 1 "$n"); do kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}

wait_for() { # seconds description command...
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster: gave up waiting ${secs} s for $what" >&2; return 1; }
    sleep 0.2
  done
}

engine_bin() { # ENGINE -> the containerd binary and its directory (shim, ctr)
  case $1 in
    containerd-1.6) echo /usr/bin/containerd ;;
    containerd-2.2) echo "$TOOLS/containerd-2.2.1/containerd" ;;
    *) die "ENGINE \"$1\" — expected containerd-1.6 or containerd-2.2" ;;
  esac
}

# ---------------------------------------------------------------- PKI, configs

gen_pki() {
  local p=$S/pki
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vaoci-node-ca" -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:%s,IP:%s,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
      "$SVC_IP" "$NODE_IP" > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

kubeconfig() { # file token user
  install -m 0600 /dev/null "$1"
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: vaoci-node
  cluster:
    server: https://127.0.0.1:443
    certificate-authority: $S/pki/ca.crt
users:
- name: $3
  user:
    token: $2
contexts:
- name: $3
  context: {cluster: vaoci-node, user: $3, namespace: default}
current-context: $3
EOF
}

# containerd's root config, the node's own settings: the pause image built
# here, restrict_oom_score_adj (runc cannot lower oom_score_adj to the
# sandbox's -998 without CAP_SYS_RESOURCE, which this machine does not
# grant), the CNI dirs, the drop-in directory the chart's installer writes to.
containerd_config() { # ENGINE
  local root=$S/containerd
  case $1 in
    containerd-1.6) cat <<EOF
version = 2
root = "$root/root"
state = "/run/containerd"
imports = ["/etc/containerd/conf.d/*.toml"]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "vaoci.test/pause:1"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
EOF
    ;;
    containerd-2.2) cat <<EOF
version = 3
root = "$root/root"
state = "/run/containerd"
imports = ["/etc/containerd/conf.d/*.toml"]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "vaoci.test/pause:1"

[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
EOF
    ;;
  esac
}

cni_config() {
  cat <<EOF
{
  "cniVersion": "1.0.0",
  "name": "vaoci-node",
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

kubelet_config() {
  cat <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: /$CGROOT
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
readOnlyPort: 0
healthzPort: 0
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
protectKernelDefaults: false
makeIPTablesUtilChains: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
serializeImagePulls: false
EOF
}

systemctl_shim() {
  cat <<EOF
#!/bin/sh
# The real-node lane's systemctl (test/node/cluster.sh), bound over
# /usr/bin/systemctl inside the node's mount namespace only: no systemd runs on
# this machine. \`systemctl restart containerd\` asks the lane's supervisor to
# restart its containerd and waits until the new one answers.
case "\$*" in
  "restart containerd"|"restart containerd.service") ;;
  *) echo "systemctl (vaoci test node): only \"restart containerd\" is supported, not \"\$*\"" >&2; exit 1 ;;
esac
id=\$\$-\$(date +%s%N)
echo "\$id" > "$S/restart/.tmp-\$id" && mv "$S/restart/.tmp-\$id" "$S/restart/request-\$id"
i=0
while [ \$i -lt 900 ]; do
  if [ -f "$S/restart/done-\$id" ]; then
    read -r rc < "$S/restart/done-\$id"
    [ "\$rc" = 0 ] && exit 0
    echo "systemctl (vaoci test node): containerd did not come back (see $S/log/containerd.log)" >&2
    exit 1
  fi
  sleep 0.1; i=\$((i + 1))
done
echo "systemctl (vaoci test node): no answer from the lane's supervisor in 90 s" >&2
exit 1
EOF
}

# ---------------------------------------------------------------- engine

engine_up() { [ -S "/proc/$H/root/run/containerd/containerd.sock" ] && "$TOOLS/crictl" --timeout 2s -r "unix:///proc/$H/root/run/containerd/containerd.sock" version; }

engine_start() {
  local bin; bin=$(engine_bin "$(cat "$S/engine")")
  bg containerd env PATH="$(dirname "$bin"):/usr/sbin:/usr/bin:/sbin:/bin" "$bin" --config /etc/containerd/config.toml --log-level info
  wait_for 60 containerd engine_up || { tail -30 "$S/log/containerd.log" >&2; return 1; }
  # mark the restart in the log so each run's lines can be told apart
}

engine_stop() { stop_pid "$S/containerd.pid" 20; }

# The supervisor: restarts containerd when the systemctl shim asks (one request at a time).
supervise() {
  while kill -0 "$H" 2>/dev/null; do
    for r in "$S"/restart/request-*; do
      [ -e "$r" ] || continue
      local id=${r##*/request-} rc=0
      echo "--- restart requested by systemctl shim ($id) at $(date -u +%FT%TZ)" >> "$S/log/containerd-restarts.log"
      engine_stop
      cat "$S/log/containerd.log" >> "$S/log/containerd-previous.log" 2>/dev/null || true
      engine_start || rc=1
      rm -f "$r"
      echo "$rc" > "$S/restart/.done-$id" && mv "$S/restart/.done-$id" "$S/restart/done-$id"
      echo "--- restart done ($rc) at $(date -u +%FT%TZ)" >> "$S/log/containerd-restarts.log"
    done
    sleep 0.3
  done
}

# ---------------------------------------------------------------- start

cmd_start() {
  local engine=${1:-}; engine_bin "$engine" >/dev/null
  [ "$(id -u)" = 0 ] || die "needs root"
  local need=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl crictl)
  [ "${NODE_ENGINE_ONLY:-0}" = 1 ] && need=(crictl)
  for b in "${need[@]}"; do
    [ -x "$TOOLS/$b" ] || die "no $TOOLS/$b: run make tools (.ci/install-kube, .ci/install-node-tools)"
  done
  [ -x "$(engine_bin "$engine")" ] || die "no $(engine_bin "$engine"): run make tools / .ci/install-deps"
  command -v etcd >/dev/null || die "no etcd: .ci/install-kube installs etcd-server"
  [ -x /usr/lib/cni/bridge ] || die "no /usr/lib/cni/bridge: apt-get install containernetworking-plugins (.ci/install-deps)"
  if H=$(holder); then die "already running ($S): stop it first"; fi
  if [ ! -f "$IMAGES/pause.tar" ] || [ ! -f "$IMAGES/testbox.tar" ]; then node "$HERE/images.mjs" "$IMAGES" >&2; fi

  cleanup_leftovers
  rm -rf "$S"; mkdir -p "$S"/{log,restart,overlay,containerd,kubelet,cni-ipam,etcd,sysctl}
  echo "$engine" > "$S/engine"
  trap 'say "start failed; logs in $S/log"; KEEP=1 cmd_stop' ERR

  # the namespaces
  setsid unshare -m -n --propagation slave -- sleep infinity < /dev/null > /dev/null 2>&1 &
  echo $! > "$S/holder.pid"; H=$!
  wait_for 5 namespace own_ns
  for d in etc opt var-log; do mkdir -p "$S/overlay/$d/upper" "$S/overlay/$d/work"; done
  systemctl_shim > "$S/systemctl"; chmod 0755 "$S/systemctl"
  echo 1 > "$S/sysctl/overcommit_memory"; echo 10 > "$S/sysctl/panic"; echo 1 > "$S/sysctl/panic_on_oops"
  # / rshared inside (a peer group of this namespace only: the machine's mounts are its
  # masters, never its peers), so mountPropagation HostToContainer passes containerd's check
  in_ns sh -euc "
    mount --make-rshared /
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$S/overlay/etc/upper,workdir=$S/overlay/etc/work /etc
    mount -t overlay overlay -o lowerdir=/opt,upperdir=$S/overlay/opt/upper,workdir=$S/overlay/opt/work /opt
    mount -t overlay overlay -o lowerdir=/var/log,upperdir=$S/overlay/var-log/upper,workdir=$S/overlay/var-log/work /var/log
    mount -t tmpfs -o mode=0755,size=256m tmpfs /run
    mount --bind $S/systemctl /usr/bin/systemctl
    mount --bind $S/sysctl/overcommit_memory /proc/sys/vm/overcommit_memory
    mount --bind $S/sysctl/panic /proc/sys/kernel/panic
    mount --bind $S/sysctl/panic_on_oops /proc/sys/kernel/panic_on_oops
    rm -rf /etc/containerd /etc/cni/net.d
    mkdir -p /etc/containerd/conf.d /etc/cni/net.d /run/containerd
    ip link set lo up
    ip addr add $SVC_IP/32 dev lo
    ip link add node0 type veth peer name node0-peer
    ip link set node0-peer up
    ip addr add $NODE_IP/24 dev node0
    ip link set node0 up
    ip route add default via ${NODE_IP%.*}.254 dev node0 onlink
  "
  containerd_config "$engine" > "/proc/$H/root/etc/containerd/config.toml"
  cni_config > "/proc/$H/root/etc/cni/net.d/10-vaoci-node.conflist"
  phase "namespaces (mount, net)"

  # pod cgroups: kubelet's cgroupRoot in every v1 hierarchy (cpuset seeded from the root)
  for c in /sys/fs/cgroup/*/; do
    [ -f "$c/cgroup.procs" ] || continue
    mkdir -p "$c$CGROOT"
    if [ -f "$c/cpuset.cpus" ]; then cat "$c/cpuset.cpus" > "$c$CGROOT/cpuset.cpus"; cat "$c/cpuset.mems" > "$c$CGROOT/cpuset.mems"; fi
  done

  gen_pki
  local admin node_token
  admin=$(openssl rand -hex 16); node_token=$(openssl rand -hex 16)
  cat > "$S/tokens.csv" <<EOF
$admin,vaoci-admin,uid-admin,"system:masters"
$node_token,system:node:$NODE,uid-node,"system:nodes"
EOF
  kubeconfig "$S/admin.kubeconfig" "$admin" vaoci-admin
  kubeconfig "$S/kubelet.kubeconfig" "$node_token" "system:node:$NODE"
  phase "pki"

  if [ "${NODE_ENGINE_ONLY:-0}" != 1 ]; then
  bg etcd etcd --name vaoci-node --data-dir "$S/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster vaoci-node=http://127.0.0.1:2380 --initial-cluster-state new \
    --logger zap --log-level warn
  # --enable-aggregator-routing: the API server calls webhooks (and aggregated APIs) at the Service's
  # endpoints, pod IPs on this node's bridge, not its ClusterIP: the lane runs no kube-proxy.
  bg kube-apiserver "$TOOLS/kube-apiserver" \
    --bind-address=0.0.0.0 --advertise-address="$NODE_IP" --secure-port=443 \
    --tls-cert-file="$S/pki/apiserver.crt" --tls-private-key-file="$S/pki/apiserver.key" \
    --client-ca-file="$S/pki/ca.crt" \
    --etcd-servers=http://127.0.0.1:2379 \
    --token-auth-file="$S/tokens.csv" --anonymous-auth=false \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$S/pki/sa.pub" --service-account-signing-key-file="$S/pki/sa.key" \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/24 \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --allow-privileged=true --profiling=false --v=1 \
    --enable-aggregator-routing=true
  wait_for "$READY_TIMEOUT" apiserver api_ready || { tail -30 "$S/log/kube-apiserver.log" >&2; false; }
  phase "etcd + kube-apiserver ready"

  bg kube-controller-manager "$TOOLS/kube-controller-manager" \
    --kubeconfig="$S/admin.kubeconfig" --leader-elect=false \
    --service-account-private-key-file="$S/pki/sa.key" --root-ca-file="$S/pki/ca.crt" \
    --use-service-account-credentials=false --controllers='*,-nodeipam' \
    --cluster-signing-cert-file="$S/pki/ca.crt" --cluster-signing-key-file="$S/pki/ca.key" \
    --secure-port=0 --v=1
  bg kube-scheduler "$TOOLS/kube-scheduler" --kubeconfig="$S/admin.kubeconfig" --leader-elect=false --v=1
  phase "controller-manager, scheduler started"
  fi

  engine_start || { tail -30 "$S/log/containerd.log" >&2; false; }
  ( supervise ) < /dev/null > "$S/log/supervisor.log" 2>&1 &
  echo $! > "$S/supervisor.pid"
  phase "$engine ready"

  local ctr; ctr=$(engine_bin "$engine"); ctr=$(dirname "$ctr")/ctr
  for i in pause testbox; do
    in_ns "$ctr" -n k8s.io images import --all-platforms "$IMAGES/$i.tar" >/dev/null
  done
  if [ -n "${NODE_EXTRA_IMAGES:-}" ]; then
    for i in $NODE_EXTRA_IMAGES; do in_ns "$ctr" -n k8s.io images import --all-platforms "$i" >/dev/null; done
  fi
  phase "images imported (ctr -n k8s.io)"

  if [ "${NODE_ENGINE_ONLY:-0}" = 1 ]; then trap - ERR; say "up: $engine only (NODE_ENGINE_ONLY=1)"; return 0; fi
  kubelet_config > "$S/kubelet/config.yaml"
  bg kubelet "$TOOLS/kubelet" --config="$S/kubelet/config.yaml" --kubeconfig="$S/kubelet.kubeconfig" \
    --root-dir="$S/kubelet/root" --cert-dir="$S/kubelet/pki" --hostname-override="$NODE" --node-ip="$NODE_IP" --v=1
  wait_for "$READY_TIMEOUT" node node_ready || { tail -30 "$S/log/kubelet.log" >&2; false; }
  phase "kubelet: Node $NODE Ready"
  # pods wait for their ServiceAccount (the token controller)
  wait_for 60 "default ServiceAccount" kctl get serviceaccount default -n default
  phase "default ServiceAccount"
  trap - ERR
  say "up: $engine, Node $NODE; test/node/cluster.sh exec kubectl get pods -A"
}

own_ns() { [ "$(readlink "/proc/$H/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && [ "$(readlink "/proc/$H/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }
kctl() { in_ns env KUBECONFIG="$S/admin.kubeconfig" "$TOOLS/kubectl" "$@"; }
api_ready() { [ "$(in_ns curl -s --max-time 2 --cacert "$S/pki/ca.crt" -H "Authorization: Bearer $(head -c32 "$S/tokens.csv")" https://127.0.0.1:443/readyz)" = ok ]; }
node_ready() { [ "$(kctl get node "$NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }

# ---------------------------------------------------------------- exec, env, status

cmd_env() {
  H=$(holder) || die "not running"
  local bin; bin=$(dirname "$(engine_bin "$(cat "$S/engine")")")
  cat <<EOF
export KUBECONFIG=$S/admin.kubeconfig
export CONTAINER_RUNTIME_ENDPOINT=unix:///run/containerd/containerd.sock
export NODE_STATE=$S NODE_NAME=$NODE NODE_ENGINE=$(cat "$S/engine") NODE_HOLDER=$H
export PATH=$TOOLS:$bin:\$PATH
EOF
}

cmd_exec() {
  H=$(holder) || die "not running"
  local bin; bin=$(dirname "$(engine_bin "$(cat "$S/engine")")")
  nsenter -t "$H" -m -n --wd="$PWD" -- env KUBECONFIG="$S/admin.kubeconfig" CONTAINER_RUNTIME_ENDPOINT=unix:///run/containerd/containerd.sock \
    NODE_STATE="$S" NODE_NAME="$NODE" NODE_ENGINE="$(cat "$S/engine")" PATH="$TOOLS:$bin:$PATH" "$@"
}

cmd_status() {
  H=$(holder) || { echo "not running"; return 1; }
  local bad=0 p
  for p in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet supervisor; do
    if alive "$S/$p.pid"; then echo "$p: running ($(cat "$S/$p.pid"))"; else echo "$p: DEAD"; bad=1; fi
  done
  if node_ready; then echo "node $NODE: Ready ($(cat "$S/engine"))"; else echo "node $NODE: not Ready"; bad=1; fi
  return $bad
}

# ---------------------------------------------------------------- stop

# kill_cgroup_tree: every process in the pod cgroups (pids hierarchy), then the cgroups themselves.
kill_cgroup_tree() {
  local c
  for c in /sys/fs/cgroup/*/"$CGROOT"; do
    [ -d "$c" ] || continue
    find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for c in /sys/fs/cgroup/*/"$CGROOT"; do
    [ -d "$c" ] || continue
    find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

cleanup_leftovers() { kill_cgroup_tree; }

cmd_stop() {
  local t; t=$(now_ms)
  H=$(holder) || H=
  if [ -n "$H" ]; then
    stop_pid "$S/kubelet.pid" 10
    # every pod, so the shims and containers go with them
    timeout 60 nsenter -t "$H" -m -n -- "$TOOLS/crictl" -r unix:///run/containerd/containerd.sock rmp -fa >/dev/null 2>&1 || true
  fi
  stop_pid "$S/supervisor.pid" 2
  stop_pid "$S/containerd.pid" 20
  for p in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$S/$p.pid" 10; done
  kill_cgroup_tree
  # anything else still in the node's mount namespace (shims, a hung helper)
  if [ -n "$H" ]; then
    local ns pid; ns=$(readlink "/proc/$H/ns/mnt")
    for d in /proc/[0-9]*; do
      pid=${d#/proc/}
      if [ "$pid" != "$H" ] && [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$ns" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
  fi
  stop_pid "$S/holder.pid" 2
  if [ "${KEEP:-0}" = 1 ]; then say "stopped; state kept in $S"; else rm -rf "$S"; say "stopped in $(( $(now_ms) - t )) ms"; fi
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  exec) shift; cmd_exec "$@" ;;
  *) echo "usage: $0 start ENGINE|stop|status|env|exec CMD..." >&2; exit 2 ;;
esac
