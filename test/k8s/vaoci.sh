#!/usr/bin/env bash
# shellcheck disable=SC2015 # `check && ok || bad`: ok only echoes and counts, it never fails
# vaoci's Kubernetes parts against a real kube-apiserver (test/k8s/apiserver.sh:
# built from source, with etcd, RBAC and token auth; no scheduler or kubelet):
#  - `vaoci node agent` (with @kubernetes/client-node) labels its Node only
#    once RBAC grants get/patch on nodes, and patches nothing when nothing changed;
#  - `vaoci webhook serve`, registered as a ValidatingWebhookConfiguration, is
#    called by the API server: a Pod with a bad vaoci.io/ value is denied with
#    the wrapper's line, a good one admitted, on-error warn admitted with a warning.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VAOCI=$ROOT/bin/vaoci
export K8S_TEST_STATE=${K8S_TEST_STATE:-${TMPDIR:-/tmp}/vaoci-k8s-vaoci.path}
# shellcheck source=test/k8s/lib.sh
source "$HERE/lib.sh"
start_server
A=$K8S_TEST_ADMIN_TOKEN
node=arm64-$$
work=$(mktemp -d)
wh_pid=
cleanup_all() {
  [ -n "$wh_pid" ] && kill "$wh_pid" 2>/dev/null
  rm -rf "$work"
  [ -n "${K8S_STOP:-}" ] && "$HERE/apiserver.sh" stop
  return 0
}
if trap -p EXIT | grep -q apiserver.sh; then K8S_STOP=1; fi
trap cleanup_all EXIT

# --- the node agent -----------------------------------------------------------
host=$work/host
mkdir -p "$host/etc/containerd" "$host/usr/sbin" "$host/proc/sys/fs/binfmt_misc"
: >"$host/usr/sbin/runc"
printf 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n' >"$host/etc/containerd/config.toml"
printf 'enabled\n' >"$host/proc/sys/fs/binfmt_misc/status"
printf 'enabled\ninterpreter /usr/bin/qemu-x86_64\nflags: F\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n' \
  >"$host/proc/sys/fs/binfmt_misc/qemu-x86_64"
"$VAOCI" node install --host-root "$host" >/dev/null
# The tree has no engine to ask over CRI: --cri-socket none lets its files decide ready (the running
# engine's answer is proven with real containerd in make test-node).
agent() { NODE_NAME=$node KUBECONFIG=$K8S_TEST_NODE_AGENT_KUBECONFIG "$VAOCI" node agent --once --host-root "$host" --cri-socket none "$@"; }

r=$(api "$A" POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$node\",\"labels\":{\"kubernetes.io/arch\":\"arm64\"}}}")
[ "$(code "$r")" = 201 ] && ok "admin creates Node $node" || bad "create Node: $r"

set +e
out=$(agent 2>&1); rc=$?
set -e
[ "$rc" = 1 ] && [[ $out == "vaoci node agent: read Node \`$node\`: HTTP 403: nodes \"$node\" is forbidden"* ]] &&
  ok "without RBAC: one line, exit 1 ($out)" || bad "agent without RBAC: rc=$rc $out"

role='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"vaoci-node-agent"},
  "rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get","patch"]}]}'
binding='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"vaoci-node-agent"},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"vaoci-node-agent"},
  "subjects":[{"kind":"ServiceAccount","name":"vaoci-node-agent","namespace":"vaoci-system"}]}'
[ "$(code "$(api "$A" POST /apis/rbac.authorization.k8s.io/v1/clusterroles "$role")")" = 201 ] &&
  [ "$(code "$(api "$A" POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings "$binding")")" = 201 ] &&
  ok "admin grants nodes get/patch, the rights the chart gives" || bad "RBAC setup"

patched=
for _ in $(seq 50); do # RBAC reaches the authorizer's cache moments after the binding
  if json=$(agent --json 2>/dev/null); then patched=$(jq -r .patched <<<"$json"); break; fi
  sleep 0.1
done
[ "$patched" = true ] && ok "agent patched the labels" || bad "agent with RBAC: ${json:-no output}"
labels=$(field "$(api "$A" GET "/api/v1/nodes/$node")" \
  'Object.entries(o.metadata.labels).filter(([k])=>k.startsWith("vaoci.io/")||k==="kubernetes.io/arch").sort().map(([k,v])=>k+"="+v).join(" ")')
[[ $labels =~ ^kubernetes.io/arch=arm64\ vaoci.io/emulator=qemu\ vaoci.io/emulator-flags=[POCF]*\ vaoci.io/emulator-fronted=(true|false)\ vaoci.io/emulator-linkage=[a-z]+\ vaoci.io/i386-emulator=[a-z]+\ vaoci.io/mode=runtime-class\ vaoci.io/ready=true\ vaoci.io/va-bits=[0-9]+\ vaoci.io/version=[0-9A-Za-z._-]+$ ]] &&
  ok "the Node carries them: $labels" || bad "labels: $labels"
[ "$(agent --json | jq -r .patched)" = false ] && ok "a second round patches nothing" || bad "second round patched"

# --- the admission webhook ------------------------------------------------------
"$VAOCI" webhook serve --port 0 --address 127.0.0.1 --tls-cert "$K8S_TEST_WEBHOOK_CERT" --tls-key "$K8S_TEST_WEBHOOK_KEY" >"$work/webhook.log" 2>&1 &
wh_pid=$!
for _ in $(seq 100); do grep -q listening "$work/webhook.log" && break; sleep 0.1; done
wh_port=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\)/validate.*|\1|p' "$work/webhook.log")
vwc="{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":\"ValidatingWebhookConfiguration\",\"metadata\":{\"name\":\"vaoci\"},
  \"webhooks\":[{\"name\":\"pods.vaoci.io\",\"admissionReviewVersions\":[\"v1\"],\"sideEffects\":\"None\",\"failurePolicy\":\"Fail\",\"timeoutSeconds\":5,
    \"clientConfig\":{\"url\":\"https://127.0.0.1:$wh_port/validate\",\"caBundle\":\"$(base64 -w0 <"$K8S_TEST_CA_FILE")\"},
    \"rules\":[{\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"operations\":[\"CREATE\",\"UPDATE\"],\"resources\":[\"pods\"]}]}]}"
r=$(api "$A" POST /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations "$vwc")
[ "$(code "$r")" = 201 ] && ok "vaoci webhook serve registered on 127.0.0.1:$wh_port" || bad "webhook registration: $r"

pod() { echo "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\",\"annotations\":$2},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]}}"; }
for _ in $(seq 50); do # the API server picks new webhook configurations up moments later
  r=$(api "$A" POST /api/v1/namespaces/default/pods "$(pod bad '{"vaoci.io/va-limit":"x86-64"}')")
  [ "$(code "$r")" = 201 ] || break
  api "$A" DELETE /api/v1/namespaces/default/pods/bad >/dev/null; sleep 0.1
done
msg=$(field "$r" 'o.message')
want='admission webhook "pods.vaoci.io" denied the request: vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
[ "$(code "$r")" = 400 ] && [ "$msg" = "$want" ] && ok "a bad value is denied with the wrapper's line: $msg" || bad "bad pod: $r"
r=$(api "$A" POST /api/v1/namespaces/default/pods "$(pod good '{"vaoci.io/va-limit":"i386","vaoci.io/va-limit.app":"x86_64"}')")
[ "$(code "$r")" = 201 ] && ok "good annotations are admitted" || bad "good pod: $r"
headers=$(curl -s -o /dev/null -D - --cacert "$K8S_TEST_CA_FILE" -H "Authorization: Bearer $A" -H 'Content-Type: application/json' \
  -X POST --data-binary "$(pod warned '{"vaoci.io/va-limit":"x86-64","vaoci.io/on-error":"warn"}')" "$K8S_TEST_SERVER/api/v1/namespaces/default/pods")
headers=${headers,,} # HTTP/2 header names are lower-case
[[ $headers == *" 201"* && $headers == *'warning: 299 - "vaoci.io/va-limit: value \"x86-64\"'* ]] &&
  ok "under on-error warn: admitted, with the line as a Warning header" || bad "warn pod: $headers"
grep -q 'denied: vaoci.io/va-limit: value "x86-64"' "$work/webhook.log" && ok "the webhook logged its decision" || bad "webhook log: $(cat "$work/webhook.log")"

api "$A" DELETE /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/vaoci >/dev/null
for p in good warned; do api "$A" DELETE "/api/v1/namespaces/default/pods/$p" >/dev/null; done
for k in clusterrolebindings clusterroles; do api "$A" DELETE "/apis/rbac.authorization.k8s.io/v1/$k/vaoci-node-agent" >/dev/null; done
api "$A" DELETE "/api/v1/nodes/$node" >/dev/null
echo "k8s vaoci: $pass passed, $fail failed"
[ "$fail" = 0 ]
