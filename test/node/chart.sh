#!/usr/bin/env bash
# The chart on a real node (issue 15, point 3), run by test/node/run.sh inside
# a cluster from test/node/cluster.sh (this script runs in the node's
# namespaces: `cluster.sh exec test/node/chart.sh`; the chart's image
# build/image/vaoci-amd64.tar already imported).
#
#   helm install  (mode NODE_MODE: runtime-class, or auto on an engine without NRI)
#                 the DaemonSet's installer installs on the node; the agent labels
#                 the Node vaoci.io/ready=true only once the running engine
#                 reports the handler over CRI (crictl info agrees); RuntimeClass
#                 vaoci exists. NODE_RESTART says who restarts the engine:
#                   chart     the installer, through installer.restartCommand (a
#                             script that logs and calls the lane's systemctl shim)
#                   operator  nobody at first (installer.restart=false): the Node
#                             must stay ready=false, the agent saying the running
#                             engine lacks the handler; then the test restarts it
#                             and ready turns true
#   pods          runtimeClassName vaoci, each window checked by test/hook/probe.c
#                 from inside its own /proc/self/maps:
#                   i386      pod-wide vaoci.io/va-limit: i386 -> all below 4 GiB
#                   window    vaoci.io/va-limit.main: 0x10000-0x100000000000 -> main below
#                             2^44, sidecar (unannotated) above
#                   plain     no annotation -> untouched (mappings above 4 GiB)
#                   bad       vaoci.io/va-limit: x86-64, webhook off -> refused by the
#                             wrapper, its line in the pod's Events (kubectl describe)
#   helm test     passes
#   helm upgrade  a changed value rolls the DaemonSet; a running vaoci pod keeps running;
#                 the webhook turned on: the API server refuses a bad annotation with
#                 the same line (it reaches the webhook's pod through its endpoints:
#                 the lane's apiserver runs with --enable-aggregator-routing, as it has
#                 no kube-proxy), and admits a good one
#   helm uninstall (uninstallOnDelete) containerd's effective config (`containerd
#                 config dump`) as before the install, the engine up
#
# This node is x86-64: the chart's nodeSelector is overridden to
# kubernetes.io/arch=amd64. The workloads are native here, and a pod-wide
# window applies to emulated containers only, so the i386 pod says what it is
# (vaoci.io/guest-arch: x86_64, vaoci.io/emulator: preload): the preload gives
# it the window, as it would an emulated one.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
NS=vaoci-system
TNS=vaoci-test
CHART=charts/vaoci
CONTAINERD=${NODE_CONTAINERD:?NODE_CONTAINERD: the engine binary}
# shellcheck source=test/node/chart-lib.sh
source test/node/chart-lib.sh
handler_reported() { crictl info | jq -e '.config.containerd.runtimes.vaoci.options.BinaryName == "/opt/vaoci/bin/vaoci-runtime"' >/dev/null; }

RESTART=${NODE_RESTART:-chart}
values=(--set image.pullPolicy=Never --set-json 'nodeSelector={"kubernetes.io/arch":"amd64"}'
        --set nodeConfig.runtime=/usr/sbin/runc --set installer.binfmt=never --set uninstallOnDelete=true
        --set agent.intervalSeconds=5 --set "mode=${NODE_MODE:-runtime-class}")
case $RESTART in
  chart)
    # The node's own restart command, as on a node without systemd: a script on the node (this
    # machine's / is the node's) that leaves a trace and asks the lane's supervisor.
    printf '#!/bin/sh\necho "restart-command $*" >> "%s/restart-command.log"\nexec /usr/bin/systemctl restart containerd\n' \
      "$NODE_STATE" > "$NODE_STATE/restart-containerd"
    chmod 0755 "$NODE_STATE/restart-containerd"
    values+=(--set "installer.restartCommand=$NODE_STATE/restart-containerd via-chart") ;;
  operator) values+=(--set installer.restart=false) ;;
  *) echo "chart.sh: NODE_RESTART \`$RESTART\` — expected chart or operator" >&2; exit 2 ;;
esac

dump >"$NODE_STATE/chart-dump-before.toml"
check "no handler vaoci before the install" bash -c "$(declare -f crictl); crictl info >/dev/null && ! crictl info | jq -e '.config.containerd.runtimes.vaoci' >/dev/null"

# ---- install
say "helm install"
helm install vaoci "$CHART" -n "$NS" --create-namespace "${values[@]}" --wait --timeout 5m >/dev/null
# helm --wait counts a DaemonSet ready with maxUnavailable pods missing (here: all of one): wait for it
if ! kubectl rollout status -n "$NS" ds/vaoci --timeout=180s >/dev/null; then
  bad "DaemonSet vaoci not rolled out"
  kubectl describe pod -n "$NS" -l app.kubernetes.io/component=node | grep -E 'Warning|Error' | tail -5
  for c in install agent; do kubectl logs -n "$NS" ds/vaoci -c "$c" --tail 5 2>&1 | sed "s/^/     $c: /"; done
  exit 1
fi
say "helm install done, DaemonSet ready"
check "RuntimeClass vaoci has handler vaoci" test "$(kubectl get runtimeclass vaoci -o jsonpath='{.handler}')" = vaoci
if [ "${NODE_MODE:-runtime-class}" = auto ]; then
  # an engine without NRI (containerd 1.6): auto is the runtime class, and the RuntimeClass sends pods only to such nodes
  check "mode auto: the RuntimeClass selects vaoci.io/mode=runtime-class" \
    test "$(kubectl get runtimeclass vaoci -o jsonpath='{.scheduling.nodeSelector.vaoci\.io/mode}')" = runtime-class
fi
if [ "$RESTART" = operator ]; then
  deadline=$(( $(date +%s) + 60 ))
  until [ -n "$(label ready)" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.5; done
  check "installer.restart=false: the Node is labelled vaoci.io/ready=false before the engine restarts" test "$(label ready)" = false
  check "no handler vaoci in the running engine yet (crictl info)" bash -c "$(declare -f crictl); crictl info >/dev/null && ! crictl info | jq -e '.config.containerd.runtimes.vaoci' >/dev/null"
  why=$(kubectl logs -n "$NS" ds/vaoci -c agent | tail -1)
  echo "     agent: ...${why#*(patched)}" | cut -c1-300
  check "the agent says the running engine lacks the handler" grep -qE 'the running containerd has no runtime handler "vaoci" \(it runs: .*runc\) — restart it' <<<"$why"
  # shellcheck disable=SC2016 # $1 is the inner bash's
  check "vaoci doctor on the node: the engine check fails, the running engine lacks the handler" \
    bash -c '"$1/bin/vaoci" doctor --json | jq -e ".node.engine.running_handler == false and (.checks[] | select(.name == \"engine\") | .status == \"fail\")" >/dev/null' _ "$ROOT"
  say "the operator restarts containerd"
  systemctl restart containerd
fi
# the agent's first label: the engine must already report the handler then
deadline=$(( $(date +%s) + 120 ))
until [ "$(label ready)" = true ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.5; done
if [ "$(label ready)" = true ]; then
  if handler_reported; then ok "Node labelled vaoci.io/ready=true, and the running engine reports handler vaoci (crictl info)"; else bad "Node ready but crictl info has no handler vaoci"; fi
else
  bad "Node never labelled vaoci.io/ready=true: $(kubectl get node "$NODE_NAME" --show-labels)"
  kubectl logs -n "$NS" ds/vaoci -c agent --tail 5 || true
fi
echo "     labels: ready=$(label ready) mode=$(label mode) va-bits=$(label va-bits) emulator=$(label emulator)"
check "the Node is labelled vaoci.io/mode=runtime-class (mode ${NODE_MODE:-runtime-class})" test "$(label mode)" = runtime-class
check "the install record is runtime-class (no mode: the form older vaoci reads)" test "$(jq -r '.mode // "runtime-class"' /opt/vaoci/install.json)" = runtime-class
restarts=$(grep -c '^--- restart requested' "$NODE_STATE/log/containerd-restarts.log" 2>/dev/null || echo 0)
if [ "$RESTART" = chart ]; then
  check "the installer had the engine restarted once (systemctl shim: $restarts)" test "$restarts" = 1
  check "through installer.restartCommand" test "$(cat "$NODE_STATE/restart-command.log" 2>/dev/null)" = "restart-command via-chart"
else
  check "the engine restarted once, by the operator (systemctl shim: $restarts)" test "$restarts" = 1
fi
check "the agent's line says the running engine reports the handler" \
  grep -qF 'the running containerd reports the runtime handler "vaoci" (CRI status at /run/containerd/containerd.sock' <<<"$(kubectl logs -n "$NS" ds/vaoci -c agent | tail -1)"
check "the drop-in is in place" test -f /etc/containerd/conf.d/50-vaoci.toml
# shellcheck disable=SC2016 # $1 is the inner bash's
check "vaoci doctor on the node: containerd $("$ROOT/bin/vaoci" doctor --json | jq -r .node.engine.version), handler in its config and in the running engine" \
  bash -c '"$1/bin/vaoci" doctor --json | jq -e ".node.engine.handler and .node.engine.running_handler" >/dev/null' _ "$ROOT"
check "containerd config dump: handler vaoci passes vaoci.io/*" bash -c "$(declare -f dump); CONTAINERD=$CONTAINERD dump | grep -q 'vaoci.io/\*'"
kubectl logs -n "$NS" ds/vaoci -c install 2>&1 | sed 's/^/     install: /' | head -12

# ---- workloads
kubectl create namespace "$TNS" >/dev/null
POD_NS=$TNS POD_RUNTIME_CLASS=vaoci
{
  pod i386 '    vaoci.io/va-limit: i386
    vaoci.io/guest-arch: x86_64
    vaoci.io/emulator: preload' "$(ctr_yaml main /bin/probe --below 0x100000000)"
  echo ---
  pod window '    vaoci.io/va-limit.main: 0x10000-0x100000000000' \
    "$(ctr_yaml main /bin/probe --below 0x100000000000; echo; ctr_yaml sidecar /bin/probe --below 0x100000000000)"
  echo ---
  pod plain '' "$(ctr_yaml main /bin/probe --below 0x100000000)"
  echo ---
  pod bad '    vaoci.io/va-limit: x86-64' "$(ctr_yaml main /bin/probe)"
  echo ---
  pod longrun '    vaoci.io/va-limit.main: i386' "$(ctr_yaml main /bin/sleep 3600)"
} >"$NODE_STATE/chart-test-pods.yaml"
kubectl apply -f "$NODE_STATE/chart-test-pods.yaml" >/dev/null
say "test pods created"
for p in i386 window plain; do
  kubectl wait -n "$TNS" --for=jsonpath='{.status.phase}'=Succeeded "pod/$p" --timeout=120s >/dev/null \
    || { bad "pod $p did not succeed: $(kubectl get pod -n "$TNS" "$p" -o jsonpath='{.status}')"; }
done
kubectl wait -n "$TNS" --for=condition=Ready pod/longrun --timeout=60s >/dev/null || bad "pod longrun not Ready"
last() { kubectl logs -n "$TNS" "$1" -c "$2" | tail -1; }
echo "     i386/main:      $(last i386 main)"
echo "     window/main:    $(last window main)"
echo "     window/sidecar: $(last window sidecar)"
echo "     plain/main:     $(last plain main)"
check "pod-wide i386: every new mapping below 4 GiB (/proc/self/maps)" bash -c "[[ '$(last i386 main)' == *'all below 0x100000000' ]]"
check "per-container 0x10000-0x100000000000: main below 2^44" bash -c "[[ '$(last window main)' == *'all below 0x100000000000' ]]"
check "unannotated sidecar beside it: mappings above 2^44" bash -c "[[ '$(last window sidecar)' == *'at or above 0x100000000000' ]]"
check "unannotated pod untouched: mappings above 4 GiB" bash -c "[[ '$(last plain main)' == *'at or above 0x100000000' ]]"
check "the poststart hook's reports under /run/vaoci say holds" bash -c 'grep -l "\"holds\"" /run/vaoci/*.json >/dev/null'
want='vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
deadline=$(( $(date +%s) + 60 ))
until kubectl describe pod -n "$TNS" bad | grep -qF "$want" || [ "$(date +%s)" -ge "$deadline" ]; do sleep 1; done
if kubectl describe pod -n "$TNS" bad | grep -qF "$want"; then
  ok "bad annotation refused by the wrapper, its line in kubectl describe (Events)"
  kubectl describe pod -n "$TNS" bad | grep -F "$want" | head -2 | cut -c1-400 | sed 's/^/     /'
else
  bad "bad annotation: the wrapper's line not in kubectl describe"; kubectl describe pod -n "$TNS" bad | tail -8
fi
bad_state=$(kubectl get pod -n "$TNS" bad -o jsonpath='{.status.phase} {.status.containerStatuses[0].state}')
echo "     bad: $(echo "$bad_state" | cut -c1-200)"
check "bad pod's container never ran (phase Pending or Failed, never running)" \
  bash -c "[[ '${bad_state%% *}' == Pending || '${bad_state%% *}' == Failed ]] && [[ '$bad_state' != *running* ]] && [[ '$bad_state' != *'\"exitCode\":0'* ]]"

# ---- helm test
say "helm test"
# the runtime-class path's pod (mode auto also renders -test-window-nri, for nodes this cluster lacks)
if helm test vaoci -n "$NS" --filter name=vaoci-test-window --timeout 3m >"$NODE_STATE/chart-helm-test.log" 2>&1; then ok "helm test"; else bad "helm test"; cat "$NODE_STATE/chart-helm-test.log"; fi

# ---- upgrade
longrun_id=$(kubectl get pod -n "$TNS" longrun -o jsonpath='{.status.containerStatuses[0].containerID}')
ds_uid_before=$(kubectl get pods -n "$NS" -l app.kubernetes.io/component=node -o jsonpath='{.items[*].metadata.uid}')
say "helm upgrade (nodeConfig.defaults.onError=warn, the webhook on)"
helm upgrade vaoci "$CHART" -n "$NS" "${values[@]}" --set nodeConfig.defaults.onError=warn \
  --set webhook.enabled=true --set webhook.replicas=1 --wait --timeout 5m >/dev/null
kubectl rollout status -n "$NS" ds/vaoci --timeout=120s >/dev/null
kubectl rollout status -n "$NS" deploy/vaoci-webhook --timeout=120s >/dev/null || bad "webhook Deployment not rolled out"
# The webhook's pod is Ready a moment before the API server's endpoints have it: retry the good one.
deadline=$(( $(date +%s) + 60 ))
until admitted=$(pod good-dry '    vaoci.io/va-limit: i386' "$(ctr_yaml main /bin/probe)" | kubectl apply --dry-run=server -f - 2>&1) \
  || [ "$(date +%s)" -ge "$deadline" ]; do sleep 1; done
check "webhook on: a good annotation is admitted, so the API server reached the webhook ($(echo "$admitted" | head -1 | cut -c1-160))" \
  grep -q 'created (server dry run)' <<<"$admitted"
refused=$(pod bad-webhook '    vaoci.io/va-limit: x86-64' "$(ctr_yaml main /bin/probe)" | kubectl apply -f - 2>&1) && bad "webhook on: a bad annotation was admitted"
echo "$refused" | cut -c1-300 | sed 's/^/     webhook: /'
# shellcheck disable=SC2016 # $1 and $2 are the inner bash's
check "webhook on: the API server refuses the bad annotation with the wrapper's line" \
  bash -c 'grep -q "denied the request" <<<"$1" && grep -qF "$2" <<<"$1"' _ "$refused" "$want"
check "webhook on: no pod bad-webhook was created" bash -c "! kubectl get pod -n $TNS bad-webhook >/dev/null 2>&1"
ds_uid_after=$(kubectl get pods -n "$NS" -l app.kubernetes.io/component=node -o jsonpath='{.items[*].metadata.uid}')
check "helm upgrade rolled the DaemonSet (new node pod)" test "$ds_uid_before" != "$ds_uid_after"
check "the node config now says warn" grep -q '"on_error": *"warn"' /etc/vaoci/config.json
check "running pod kept running (same container, 0 restarts)" test \
  "$(kubectl get pod -n "$TNS" longrun -o jsonpath='{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.phase}')" = "$longrun_id 0 Running"
restarts=$(grep -c '^--- restart requested' "$NODE_STATE/log/containerd-restarts.log" 2>/dev/null || echo 0)
check "the upgrade restarted no engine (drop-in unchanged)" test "$restarts" = 1

# ---- uninstall
kubectl delete namespace "$TNS" --wait=true --timeout=120s >/dev/null
say "helm uninstall"
helm uninstall vaoci -n "$NS" --wait --timeout 5m >/dev/null || bad "helm uninstall"
dump >"$NODE_STATE/chart-dump-after.toml"
if diff -u "$NODE_STATE/chart-dump-before.toml" "$NODE_STATE/chart-dump-after.toml" >"$NODE_STATE/chart-dump.diff"; then
  ok "containerd config dump after helm uninstall equals the one before helm install"
else
  bad "containerd config dump differs after uninstall"; head -30 "$NODE_STATE/chart-dump.diff"
fi
check "the drop-in is gone" test ! -e /etc/containerd/conf.d/50-vaoci.toml
check "the engine is up (crictl version)" crictl version
if [ "$RESTART" = operator ]; then
  # installer.restart=false holds for the uninstall too: the engine keeps the handler until restarted
  check "installer.restart=false: the uninstall restarted nothing (the running engine still has vaoci)" handler_reported
  say "the operator restarts containerd"
  systemctl restart containerd
fi
check "no handler vaoci left in the running engine" bash -c "$(declare -f crictl); crictl info >/dev/null && ! crictl info | jq -e '.config.containerd.runtimes.vaoci' >/dev/null"
say "done: $fails failed"
[ "$fails" = 0 ]
