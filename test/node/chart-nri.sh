#!/usr/bin/env bash
# The chart in mode auto on an engine that serves NRI (containerd 2.2.1), run
# by test/node/run.sh inside the cluster of test/node/cluster.sh after
# chart.sh (which installed and uninstalled the runtime-class mode there):
#
#   helm install  mode=auto, nri.namespaces=[vaoci-nri-test, vaoci-system]: the
#                 installer picks nri (the engine's NRI socket is there), writes no
#                 engine config and restarts nothing; the DaemonSet's container
#                 "nri" (vaoci-nri from the chart's image, chrooted into the node)
#                 connects; the agent labels the Node vaoci.io/mode=nri and
#                 vaoci.io/ready=true once the plugin says it is connected
#   pods          no runtimeClassName, the real-node lane's matrix: pod-wide i386,
#                 a per-container window beside an unannotated sidecar, an
#                 unannotated pod, a bad annotation (refused with the wrapper's
#                 line in Events); and an i386 pod in a namespace not on the
#                 allow-list, untouched. Each window checked from inside by
#                 test/hook/probe.c; vaoci-nri's own check on PostStartContainer
#                 (its report; no vaoci-hook in the spec); the node log
#   helm test     through the NRI path (no RuntimeClass in the test pod)
#   engine restart  the plugin connects again by itself; a new pod gets its window
#   helm uninstall  the node as before: containerd's effective config unchanged,
#                 /opt/vaoci gone, no restart but the test's own
set -euo pipefail
cd "$(dirname "$0")/../.."
NS=vaoci-system
TNS=vaoci-nri-test
ONS=vaoci-nri-other
CHART=charts/vaoci
CONTAINERD=${NODE_CONTAINERD:?NODE_CONTAINERD: the engine binary}
# shellcheck source=test/node/chart-lib.sh
source test/node/chart-lib.sh
restarts() { awk '/^--- restart requested/ {n++} END {print n + 0}' "$NODE_STATE/log/containerd-restarts.log" 2>/dev/null || echo 0; }
nri_log() { kubectl logs -n "$NS" ds/vaoci -c nri 2>/dev/null; }
last() { kubectl logs -n "$1" "$2" -c "$3" | tail -1; }
succeeded() { # NS POD...
  local ns=$1 p; shift
  for p in "$@"; do
    kubectl wait -n "$ns" --for=jsonpath='{.status.phase}'=Succeeded "pod/$p" --timeout=120s >/dev/null \
      || bad "pod $ns/$p did not succeed: $(kubectl get pod -n "$ns" "$p" -o jsonpath='{.status}' | cut -c1-300)"
  done
}

values=(--set image.pullPolicy=Never --set-json 'nodeSelector={"kubernetes.io/arch":"amd64"}'
        --set nodeConfig.runtime=/usr/sbin/runc --set installer.binfmt=never --set uninstallOnDelete=true
        --set agent.intervalSeconds=5 --set mode=auto --set-json "nri.namespaces=[\"$TNS\",\"$NS\"]")

dump >"$NODE_STATE/chart-nri-dump-before.toml"
restarts_before=$(restarts)
pid_before=$(cat "$NODE_STATE/containerd.pid")
check "the engine serves NRI (its socket is there)" test -S /var/run/nri/nri.sock
check "no vaoci install on the node before (no install record)" test ! -e /opt/vaoci/install.json
touch "$NODE_STATE/chart-nri.start"
# chart.sh's release is uninstalled; its node pod may still be terminating
kubectl wait -n "$NS" --for=delete pod -l app.kubernetes.io/component=node --timeout=120s >/dev/null 2>&1 || true

# ---- install
say "helm install (mode auto)"
helm install vaoci "$CHART" -n "$NS" --create-namespace "${values[@]}" --wait --timeout 5m >/dev/null
if ! kubectl rollout status -n "$NS" ds/vaoci --timeout=180s >/dev/null; then
  bad "DaemonSet vaoci not rolled out"
  kubectl describe pod -n "$NS" -l app.kubernetes.io/component=node | grep -E 'Warning|Error' | tail -5
  for c in install agent nri; do kubectl logs -n "$NS" ds/vaoci -c "$c" --tail 5 2>&1 | sed "s/^/     $c: /"; done
  exit 1
fi
# the labels chart.sh's agent left say ready=true mode=runtime-class: wait for this agent's
deadline=$(( $(date +%s) + 120 ))
until [ "$(label mode) $(label ready)" = "nri true" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.5; done
say "helm install done, ready=$(label ready)"
echo "     labels: ready=$(label ready) mode=$(label mode)"
# (sed -n, not head: a reader that stops early fails the pipe under pipefail)
kubectl logs -n "$NS" ds/vaoci -c install 2>&1 | sed -n 's/^/     install: /; 1,8p'
nri_log | sed -n 's/^/     nri: /; 1,4p'
check "the Node is labelled vaoci.io/mode=nri and vaoci.io/ready=true" test "$(label mode) $(label ready)" = "nri true"
check "the agent says vaoci-nri is connected" \
  grep -qF 'vaoci-nri: connected to the engine at /var/run/nri/nri.sock as 50-vaoci' <<<"$(kubectl logs -n "$NS" ds/vaoci -c agent | tail -1)"
check "the install record says mode nri" test "$(jq -r .mode /opt/vaoci/install.json)" = nri
check "no engine drop-in written" test ! -e /etc/containerd/conf.d/50-vaoci.toml
check "containerd's effective config unchanged by the install" bash -c "$(declare -f dump); CONTAINERD=$CONTAINERD dump | diff -q - '$NODE_STATE/chart-nri-dump-before.toml' >/dev/null"
check "the engine was not restarted (same pid $pid_before, restarts $(restarts))" \
  test "$(cat "$NODE_STATE/containerd.pid") $(restarts)" = "$pid_before $restarts_before"
check "mode auto: the RuntimeClass exists, for runtime-class nodes only" \
  test "$(kubectl get runtimeclass vaoci -o jsonpath='{.scheduling.nodeSelector.vaoci\.io/mode}')" = runtime-class
check "the plugin logged its connection" grep -q '^vaoci-nri: connected to the engine at /var/run/nri/nri.sock as 50-vaoci' <<<"$(nri_log)"

# ---- workloads: no runtimeClassName
kubectl create namespace "$TNS" >/dev/null
kubectl create namespace "$ONS" >/dev/null
for n in "$TNS" "$ONS"; do
  for _ in $(seq 60); do kubectl get serviceaccount default -n "$n" >/dev/null 2>&1 && break; sleep 1; done
done
I386='    vaoci.io/va-limit: i386
    vaoci.io/guest-arch: x86_64
    vaoci.io/emulator: preload'
{
  POD_NS=$TNS
  pod i386 "$I386" "$(ctr_yaml main /bin/probe --below 0x100000000 --linger-ms 1500)"
  echo ---
  pod window '    vaoci.io/va-limit.main: 0x10000-0x100000000000' \
    "$(ctr_yaml main /bin/probe --below 0x100000000000; echo; ctr_yaml sidecar /bin/probe --below 0x100000000000)"
  echo ---
  pod plain '' "$(ctr_yaml main /bin/probe --below 0x100000000)"
  echo ---
  pod bad '    vaoci.io/va-limit: x86-64' "$(ctr_yaml main /bin/probe)"
  echo ---
  POD_NS=$ONS
  pod elsewhere "$I386" "$(ctr_yaml main /bin/probe --below 0x100000000)"
} >"$NODE_STATE/chart-nri-pods.yaml"
kubectl apply -f "$NODE_STATE/chart-nri-pods.yaml" >/dev/null
say "test pods created"
succeeded "$TNS" i386 window plain
succeeded "$ONS" elsewhere
echo "     i386/main:       $(last "$TNS" i386 main)"
echo "     window/main:     $(last "$TNS" window main)"
echo "     window/sidecar:  $(last "$TNS" window sidecar)"
echo "     plain/main:      $(last "$TNS" plain main)"
echo "     elsewhere/main:  $(last "$ONS" elsewhere main)"
check "pod-wide i386: every new mapping below 4 GiB" bash -c "[[ '$(last "$TNS" i386 main)' == *'all below 0x100000000' ]]"
check "per-container 0x10000-0x100000000000: main below 2^44" bash -c "[[ '$(last "$TNS" window main)' == *'all below 0x100000000000' ]]"
check "unannotated sidecar beside it: mappings above 2^44" bash -c "[[ '$(last "$TNS" window sidecar)' == *'at or above 0x100000000000' ]]"
check "unannotated pod untouched: mappings above 4 GiB" bash -c "[[ '$(last "$TNS" plain main)' == *'at or above 0x100000000' ]]"
check "namespace not on nri.namespaces: the i386 pod untouched (mappings above 4 GiB)" \
  bash -c "[[ '$(last "$ONS" elsewhere main)' == *'at or above 0x100000000' ]]"
i386_ctr=$(crictl ps -a -q --label io.kubernetes.pod.name=i386 --label io.kubernetes.pod.namespace="$TNS" | sed -n 1p)
check "the i386 container's report is vaoci-nri's own check (PostStartContainer): holds" \
  test "$(jq -r '.tool + " " + .status' "/run/vaoci/$i386_ctr.json" 2>&1)" = "vaoci-nri holds"
check "containerd's spec of it has LD_PRELOAD and no vaoci-hook (no process per container)" \
  test "$(crictl inspect "$i386_ctr" | jq '[(.info.runtimeSpec.process.env | map(select(startswith("LD_PRELOAD="))) | length) == 1, ([.info.runtimeSpec.hooks.poststart // [] | .[] | select(.path | endswith("/vaoci-hook"))] | length) == 0] | all')" = true
check "the node log has vaoci-nri's decision for the i386 pod" \
  grep -qE 'vaoci-nri.*container "main": va-limit [^,]*, guest x86_64, emulator preload, injection preload, spec adjusted' /var/log/vaoci.log
want='vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
deadline=$(( $(date +%s) + 60 ))
until kubectl describe pod -n "$TNS" bad | grep -qF "$want" || [ "$(date +%s)" -ge "$deadline" ]; do sleep 1; done
if kubectl describe pod -n "$TNS" bad | grep -qF "$want"; then
  ok "bad annotation refused by vaoci-nri, the wrapper's line in kubectl describe (Events)"
  kubectl describe pod -n "$TNS" bad | grep -F "$want" | sed -n 1p | sed 's/^ *//' | cut -c1-300 | sed 's/^/     /'
else
  bad "bad annotation: the line not in kubectl describe"; kubectl describe pod -n "$TNS" bad | tail -6
fi
bad_state=$(kubectl get pod -n "$TNS" bad -o jsonpath='{.status.phase} {.status.containerStatuses[0].state}')
check "bad pod's container never ran" bash -c "[[ '$bad_state' == Pending* ]] && [[ '$bad_state' != *running* ]]"

# ---- helm test (no RuntimeClass: the NRI path)
say "helm test"
# the NRI path's pod (mode auto also renders -test-window, for runtime-class nodes this cluster lacks)
if helm test vaoci -n "$NS" --filter name=vaoci-test-window-nri --timeout 3m >"$NODE_STATE/chart-nri-helm-test.log" 2>&1; then ok "helm test through vaoci-nri"; else bad "helm test"; cat "$NODE_STATE/chart-nri-helm-test.log"; fi

# ---- the engine restarts: the plugin connects again by itself
say "systemctl restart containerd"
connected=$(nri_log | grep -c 'connected to the engine' || true)
systemctl restart containerd
deadline=$(( $(date +%s) + 60 ))
until [ "$(nri_log | grep -c 'connected to the engine' || true)" -gt "$connected" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.5; done
nri_log | tail -3 | sed 's/^/     nri: /'
check "after an engine restart vaoci-nri connected again, in the same container (0 restarts)" bash -c \
  "[ \"\$(kubectl logs -n $NS ds/vaoci -c nri | grep -c 'connected to the engine')\" -gt $connected ] && \
   [ \"\$(kubectl get pods -n $NS -l app.kubernetes.io/component=node -o jsonpath='{.items[0].status.containerStatuses[?(@.name==\"nri\")].restartCount}')\" = 0 ]"
POD_NS=$TNS pod again "$I386" "$(ctr_yaml main /bin/probe --below 0x100000000)" | kubectl apply -f - >/dev/null
succeeded "$TNS" again
check "a pod created after the restart gets its window" bash -c "[[ '$(last "$TNS" again main)' == *'all below 0x100000000' ]]"

# ---- uninstall
kubectl delete namespace "$TNS" "$ONS" --wait=true --timeout=120s >/dev/null
restarts_mid=$(restarts)
say "helm uninstall"
helm uninstall vaoci -n "$NS" --wait --timeout 5m >/dev/null || bad "helm uninstall"
dump >"$NODE_STATE/chart-nri-dump-after.toml"
if diff -u "$NODE_STATE/chart-nri-dump-before.toml" "$NODE_STATE/chart-nri-dump-after.toml" >"$NODE_STATE/chart-nri-dump.diff"; then
  ok "containerd config dump after helm uninstall equals the one before helm install"
else
  bad "containerd config dump differs after uninstall"; head -20 "$NODE_STATE/chart-nri-dump.diff"
fi
check "the install is gone (the record, the binaries, /etc/vaoci/config.json)" bash -c "[ ! -e /opt/vaoci/install.json ] && [ ! -e /opt/vaoci/bin ] && [ ! -e /etc/vaoci/config.json ]"
check "the uninstall restarted no engine" test "$(restarts)" = "$restarts_mid"
check "no status file left: the plugin said goodbye" test ! -e /run/vaoci-nri/connected
check "the engine is up (crictl version)" crictl version
say "done: $fails failed"
[ "$fails" = 0 ]
