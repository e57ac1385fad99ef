#!/usr/bin/env bash
# shellcheck disable=SC2015 # `check && ok || bad`: ok only echoes and counts, it never fails
# Smoke test of test/k8s/apiserver.sh with curl only (no kubectl):
#  - admin creates a Node; the node-agent identity may not patch it (RBAC 403);
#  - admin grants get/patch on nodes; node agent merge-patches labels; GET shows them;
#  - a Pod can be created and stays Pending (no scheduler/kubelet).
# Starts its own server unless one is already running (then uses it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export K8S_TEST_STATE=${K8S_TEST_STATE:-${TMPDIR:-/tmp}/vaoci-k8s-smoke.path}
# shellcheck source=test/k8s/lib.sh
source "$HERE/lib.sh"
start_server
A=$K8S_TEST_ADMIN_TOKEN N=$K8S_TEST_NODE_AGENT_TOKEN
node=smoke-arm64-node-$$

r=$(api "$A" POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$node\",\"labels\":{\"kubernetes.io/arch\":\"arm64\"}}}")
[ "$(code "$r")" = 201 ] && ok "admin creates Node $node" || bad "create Node: $r"

patch='{"metadata":{"labels":{"vaoci.io/x86":"ready","vaoci.io/qemu":"true"}}}'
r=$(api "$N" PATCH "/api/v1/nodes/$node" "$patch" application/merge-patch+json)
[ "$(code "$r")" = 403 ] && ok "node agent without RBAC gets 403" || bad "expected 403: $r"

r=$(api "$A" POST /apis/rbac.authorization.k8s.io/v1/clusterroles \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"smoke-node-labeler"},
    "rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get","patch"]}]}')
[ "$(code "$r")" = 201 ] && ok "admin creates ClusterRole" || bad "ClusterRole: $r"
r=$(api "$A" POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"smoke-node-labeler"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"smoke-node-labeler"},
    "subjects":[{"kind":"ServiceAccount","name":"vaoci-node-agent","namespace":"vaoci-system"}]}')
[ "$(code "$r")" = 201 ] && ok "admin binds it to the node-agent ServiceAccount" || bad "binding: $r"

r=$(api "$N" PATCH "/api/v1/nodes/$node" "$patch" application/merge-patch+json)
[ "$(code "$r")" = 200 ] && ok "node agent merge-patches labels" || bad "patch: $r"

r=$(api "$N" GET "/api/v1/nodes/$node")
labels=$(head -n -1 <<<"$r" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s).metadata.labels;console.log(l["vaoci.io/x86"],l["vaoci.io/qemu"],l["kubernetes.io/arch"])})')
[ "$labels" = "ready true arm64" ] && ok "GET shows labels: $labels" || bad "labels: $labels / $r"

r=$(api "$N" DELETE "/api/v1/nodes/$node")
[ "$(code "$r")" = 403 ] && ok "node agent may not delete the Node" || bad "expected 403 on delete: $r"

r=$(api "$A" POST /api/v1/namespaces/default/pods \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke-pod"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}')
[ "$(code "$r")" = 201 ] && ok "admin creates a Pod" || bad "pod: $r"
sleep 1
phase=$(api "$A" GET /api/v1/namespaces/default/pods/smoke-pod | head -n -1 |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);console.log(p.status.phase,p.spec.nodeName||"-")})')
[ "$phase" = "Pending -" ] && ok "Pod stays Pending, unscheduled (no scheduler/kubelet)" || bad "pod phase: $phase"

# --- admission webhook: the apiserver calls an HTTPS webhook on 127.0.0.1 ---
portfile=$(mktemp)
node "$HERE/deny-webhook.js" "$K8S_TEST_WEBHOOK_CERT" "$K8S_TEST_WEBHOOK_KEY" 0 > "$portfile" 2> "$portfile.log" &
wh_pid=$!
for _ in $(seq 1 50); do grep -q listening "$portfile" && break; sleep 0.1; done
wh_port=$(awk '/listening/{print $2}' "$portfile")
r=$(api "$A" POST /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations \
  "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":\"ValidatingWebhookConfiguration\",
    \"metadata\":{\"name\":\"smoke-deny\"},
    \"webhooks\":[{\"name\":\"deny.smoke.vaoci.io\",\"admissionReviewVersions\":[\"v1\"],\"sideEffects\":\"None\",
      \"failurePolicy\":\"Fail\",\"timeoutSeconds\":5,
      \"clientConfig\":{\"url\":\"https://127.0.0.1:$wh_port/validate\",\"caBundle\":\"$(base64 -w0 < "$K8S_TEST_CA_FILE")\"},
      \"rules\":[{\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"operations\":[\"CREATE\"],\"resources\":[\"pods\"]}]}]}")
[ "$(code "$r")" = 201 ] && ok "admin registers ValidatingWebhookConfiguration -> 127.0.0.1:$wh_port" || bad "vwc: $r"
deny_pod='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke-denied","annotations":{"vaoci.io/deny":"vaoci: x86 pod without emulation label"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
# the apiserver picks new webhook configurations up from its informer: retry briefly
for _ in $(seq 1 50); do
  r=$(api "$A" POST /api/v1/namespaces/default/pods "$deny_pod")
  [ "$(code "$r")" = 201 ] || break
  api "$A" DELETE /api/v1/namespaces/default/pods/smoke-denied >/dev/null; sleep 0.1
done
msg=$(head -n -1 <<<"$r" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).message))')
[ "$(code "$r")" = 403 ] && [[ $msg == *"vaoci: x86 pod without emulation label"* ]] \
  && ok "webhook denies annotated Pod: $msg" || bad "expected webhook denial: $r"
r=$(api "$A" POST /api/v1/namespaces/default/pods \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke-allowed"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}')
[ "$(code "$r")" = 201 ] && ok "webhook allows a plain Pod" || bad "allowed pod: $r"
grep -q 'CREATE Pod smoke-allowed -> allow' "$portfile.log" && ok "webhook server saw the allowed Pod" || bad "webhook log: $(cat "$portfile.log")"
kill "$wh_pid"; wait "$wh_pid" 2>/dev/null || true
r=$(api "$A" POST /api/v1/namespaces/default/pods \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke-webhook-down"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}')
[ "$(code "$r")" = 500 ] && grep -q 'failed calling webhook' <<<"$r" && ok "failurePolicy=Fail with webhook down -> 500 failed calling webhook" || bad "webhook down: $r"
rm -f "$portfile" "$portfile.log"

# cleanup, so the script can run again on the same server
api "$A" DELETE /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/smoke-deny >/dev/null
for p in smoke-pod smoke-allowed; do api "$A" DELETE "/api/v1/namespaces/default/pods/$p" >/dev/null; done
api "$A" DELETE /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/smoke-node-labeler >/dev/null
api "$A" DELETE /apis/rbac.authorization.k8s.io/v1/clusterroles/smoke-node-labeler >/dev/null
api "$A" DELETE "/api/v1/nodes/$node" >/dev/null
echo "smoke: $pass passed, $fail failed"
[ "$fail" = 0 ]
