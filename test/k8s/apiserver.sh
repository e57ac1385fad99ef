#!/usr/bin/env bash
# A throwaway real Kubernetes API server (etcd + kube-apiserver, no controllers,
# no scheduler, no kubelet) on 127.0.0.1, for tests of the node agent and the
# admission webhook.
#
#   test/k8s/apiserver.sh start   # start it (builds nothing: run .ci/install-kube first)
#   eval "$(test/k8s/apiserver.sh env)"   # KUBECONFIG (admin) and the K8S_TEST_* variables below
#   test/k8s/apiserver.sh stop    # kill both, remove the temp dir
#   test/k8s/apiserver.sh status  # exit 0 when running and ready
#
# Where its state lives: a new temp dir per start; its path is kept in
# $K8S_TEST_STATE (default ${TMPDIR:-/tmp}/vaoci-k8s-test.path), so start, env
# and stop from different shells find the same server. Set K8S_TEST_STATE to a
# different file to run several at once.
#
# Identities (static token file, --authorization-mode=RBAC):
#   admin:       user "vaoci-admin", group system:masters      -> $K8S_TEST_ADMIN_TOKEN, $KUBECONFIG
#   node agent:  user "system:serviceaccount:vaoci-system:vaoci-node-agent",
#                groups system:serviceaccounts{,:vaoci-system}  -> $K8S_TEST_NODE_AGENT_TOKEN,
#                $K8S_TEST_NODE_AGENT_KUBECONFIG (no rights until a test binds a role)
# PKI: a test CA ($K8S_TEST_CA_FILE) signs the apiserver serving cert and a spare
# serving cert for a webhook on 127.0.0.1/localhost ($K8S_TEST_WEBHOOK_CERT/_KEY).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=${K8S_TEST_STATE:-${TMPDIR:-/tmp}/vaoci-k8s-test.path}
APISERVER=${KUBE_APISERVER:-$ROOT/build/tools/kube-apiserver}
ETCD=${ETCD:-etcd}
READY_TIMEOUT=${K8S_TEST_READY_TIMEOUT:-90}

die() { echo "apiserver.sh: $*" >&2; exit 1; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

state_dir() {
  [ -f "$STATE" ] || return 1
  local d; d=$(cat "$STATE")
  [ -n "$d" ] && [ -d "$d" ] || return 1
  echo "$d"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

gen_pki() {
  local p=$1/pki
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vaoci-test-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    for name in apiserver webhook; do
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" \
        -keyout "$name.key" -out "$name.csr" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost%s\nextendedKeyUsage=serverAuth\n' \
        "$([ "$name" = apiserver ] && echo ',IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc')" \
        > "$name.ext"
      openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    done
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() { # file server token user
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: vaoci-test
  cluster:
    server: $2
    certificate-authority-data: $(base64 -w0 < "$D/pki/ca.crt")
users:
- name: $4
  user:
    token: $3
contexts:
- name: $4@vaoci-test
  context: {cluster: vaoci-test, user: $4, namespace: default}
current-context: $4@vaoci-test
EOF
}

cmd_start() {
  if d=$(state_dir) && alive "$d/apiserver.pid"; then die "already running ($d); stop it first"; fi
  [ -x "$APISERVER" ] || die "no kube-apiserver at $APISERVER: run .ci/install-kube"
  command -v "$ETCD" >/dev/null || die "no etcd: run .ci/install-kube (apt-get install etcd-server)"
  command -v openssl >/dev/null || die "no openssl"
  local t0; t0=$(date +%s%N)

  D=$(mktemp -d "${TMPDIR:-/tmp}/vaoci-k8s.XXXXXX")
  echo "$D" > "$STATE"
  gen_pki "$D"
  local etcd_port peer_port api_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  local admin_token node_token
  admin_token=$(openssl rand -hex 16); node_token=$(openssl rand -hex 16)
  cat > "$D/tokens.csv" <<EOF
$admin_token,vaoci-admin,uid-admin,"system:masters"
$node_token,system:serviceaccount:vaoci-system:vaoci-node-agent,uid-node-agent,"system:serviceaccounts,system:serviceaccounts:vaoci-system,system:authenticated"
EOF
  local server="https://127.0.0.1:$api_port"
  write_kubeconfig "$D/admin.kubeconfig" "$server" "$admin_token" vaoci-admin
  write_kubeconfig "$D/node-agent.kubeconfig" "$server" "$node_token" vaoci-node-agent
  cat > "$D/env" <<EOF
export KUBECONFIG=$D/admin.kubeconfig
export K8S_TEST_DIR=$D
export K8S_TEST_SERVER=$server
export K8S_TEST_CA_FILE=$D/pki/ca.crt
export K8S_TEST_ADMIN_TOKEN=$admin_token
export K8S_TEST_NODE_AGENT_TOKEN=$node_token
export K8S_TEST_NODE_AGENT_KUBECONFIG=$D/node-agent.kubeconfig
export K8S_TEST_WEBHOOK_CERT=$D/pki/webhook.crt
export K8S_TEST_WEBHOOK_KEY=$D/pki/webhook.key
EOF

  # webhooks and etcd are on loopback: never send them through a proxy
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
  # setsid: own process group, so a test runner's Ctrl-C does not half-kill it
  setsid "$ETCD" --name vaoci-test --data-dir "$D/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "vaoci-test=http://127.0.0.1:$peer_port" --initial-cluster-state new \
    --logger zap --log-level warn \
    > "$D/etcd.log" 2>&1 < /dev/null &
  echo $! > "$D/etcd.pid"

  setsid "$APISERVER" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --tls-cert-file="$D/pki/apiserver.crt" --tls-private-key-file="$D/pki/apiserver.key" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --token-auth-file="$D/tokens.csv" --anonymous-auth=false \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$D/pki/sa.pub" --service-account-signing-key-file="$D/pki/sa.key" \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.0.0.0/24 \
    --endpoint-reconciler-type=none \
    --disable-admission-plugins=ServiceAccount \
    --allow-privileged=true \
    --profiling=false --v=1 \
    > "$D/apiserver.log" 2>&1 < /dev/null &
  echo $! > "$D/apiserver.pid"

  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  until [ "$(curl -s --cacert "$D/pki/ca.crt" -H "Authorization: Bearer $admin_token" \
              "$server/readyz" 2>/dev/null)" = ok ]; do
    if ! alive "$D/etcd.pid"; then tail -20 "$D/etcd.log" >&2; cmd_stop; die "etcd exited"; fi
    if ! alive "$D/apiserver.pid"; then tail -30 "$D/apiserver.log" >&2; cmd_stop; die "kube-apiserver exited"; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      curl -s --cacert "$D/pki/ca.crt" -H "Authorization: Bearer $admin_token" "$server/readyz?verbose" >&2 || true
      tail -30 "$D/apiserver.log" >&2; cmd_stop; die "not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.2
  done
  echo "apiserver.sh: ready at $server in $(( ($(date +%s%N) - t0) / 1000000 )) ms (state: $D)" >&2
}

cmd_env() {
  local d; d=$(state_dir) || die "not started"
  cat "$d/env"
}

cmd_status() {
  local d; d=$(state_dir) || { echo "not started"; return 1; }
  if ! alive "$d/apiserver.pid" || ! alive "$d/etcd.pid"; then echo "dead ($d)"; return 1; fi
  # shellcheck disable=SC1091
  . "$d/env"
  [ "$(curl -s --cacert "$K8S_TEST_CA_FILE" -H "Authorization: Bearer $K8S_TEST_ADMIN_TOKEN" "$K8S_TEST_SERVER/readyz")" = ok ] \
    || { echo "not ready ($d)"; return 1; }
  echo "ready: $K8S_TEST_SERVER ($d)"
}

stop_pid() { # pidfile
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
  local d
  d=${D:-$(state_dir)} || { echo "apiserver.sh: not running" >&2; return 0; }
  stop_pid "$d/apiserver.pid"
  stop_pid "$d/etcd.pid"
  rm -rf "$d"
  if [ -f "$STATE" ] && [ "$(cat "$STATE")" = "$d" ]; then rm -f "$STATE"; fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
