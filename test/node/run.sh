#!/usr/bin/env bash
# make test-node: a real single-node Kubernetes cluster (test/node/cluster.sh)
# on each container engine — Debian 12's containerd 1.6 and containerd 2.2.1
# built from the module proxy — and on each:
#   1. a plain busybox-static Pod (vaoci.test/testbox:1, built here) runs to completion
#   2. the chart (test/node/chart.sh): helm install with the image from make image,
#      annotated pods holding their windows, helm test, upgrade, uninstall; on 1.6 the
#      installer restarts the engine (mode auto: no NRI there), on 2.2 the operator does
#      (NODE_RESTART); then on 2.2 the chart in mode auto, which picks NRI (test/node/chart-nri.sh)
# Prints each phase's and each engine's time; the cluster is stopped on exit.
#
#   test/node/run.sh [ENGINE...]     default: containerd-1.6 containerd-2.2
# Env: NODE_CHART=0 skips step 2 (the cluster alone).
set -euo pipefail
cd "$(dirname "$0")/../.."
engines=("$@")
((${#engines[@]})) || engines=(containerd-1.6 containerd-2.2)
IMAGE=build/image/vaoci-amd64.tar
[ -f "$IMAGE" ] || { echo "test-node: no $IMAGE: make image" >&2; exit 1; }
node test/node/images.mjs build/node/images >/dev/null

trap 'test/node/cluster.sh stop >/dev/null 2>&1 || true' EXIT
t_all=$SECONDS
rows=()
failed=0
for engine in "${engines[@]}"; do
  t0=$SECONDS
  status=ok
  echo "==> test-node: $engine" >&2
  if ! NODE_EXTRA_IMAGES=$PWD/$IMAGE test/node/cluster.sh start "$engine"; then
    status=FAILED
  else
    # 1. a plain pod to completion
    test/node/cluster.sh exec kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: hello, namespace: default}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: hello
    image: vaoci.test/testbox:1
    imagePullPolicy: Never
    command: [/bin/sh, -c, 'echo "hello from $(uname -m)"']
EOF
    t1=$SECONDS
    if test/node/cluster.sh exec kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/hello --timeout=120s >/dev/null \
       && [[ "$(test/node/cluster.sh exec kubectl logs hello)" == "hello from x86_64" ]]; then
      echo "ok   - $engine: busybox pod ran to completion in $((SECONDS - t1)) s: $(test/node/cluster.sh exec kubectl logs hello)"
    else
      echo "FAIL - $engine: busybox pod: $(test/node/cluster.sh exec kubectl get pod hello -o jsonpath='{.status}')"
      status=FAILED
    fi
    test/node/cluster.sh exec kubectl delete pod hello --wait=false >/dev/null
    # 2. the chart
    if [ "${NODE_CHART:-1}" = 1 ]; then
      bin=/usr/bin/containerd
      [ "$engine" = containerd-2.2 ] && bin=$PWD/build/tools/containerd-2.2.1/containerd
      t1=$SECONDS
      # containerd 1.6: the installer restarts the engine (installer.restartCommand); 2.2: the operator does
      restart=chart
      [ "$engine" = containerd-2.2 ] && restart=operator
      # containerd 1.6 has no NRI: mode auto must choose the runtime class there
      mode=runtime-class
      [ "$engine" = containerd-1.6 ] && mode=auto
      if test/node/cluster.sh exec env NODE_CONTAINERD="$bin" NODE_RESTART="$restart" NODE_MODE="$mode" test/node/chart.sh; then
        echo "ok   - $engine: chart (mode $mode) in $((SECONDS - t1)) s"
      else
        echo "FAIL - $engine: chart (logs: build/node/cluster/log, kept as build/node/failed-$engine)"
        status=FAILED
      fi
      # containerd 2.2 serves NRI: the chart in mode auto chooses vaoci-nri there
      if [ "$engine" = containerd-2.2 ] && [ "$status" = ok ]; then
        t1=$SECONDS
        if test/node/cluster.sh exec env NODE_CONTAINERD="$bin" test/node/chart-nri.sh; then
          echo "ok   - $engine: chart (mode auto: nri) in $((SECONDS - t1)) s"
        else
          echo "FAIL - $engine: chart in mode auto (nri) (logs: build/node/cluster/log, kept as build/node/failed-$engine)"
          status=FAILED
        fi
      fi
    fi
  fi
  if [ "$status" = FAILED ]; then
    rm -rf "build/node/failed-$engine"; KEEP=1 test/node/cluster.sh stop >/dev/null 2>&1 || true
    mv build/node/cluster "build/node/failed-$engine" 2>/dev/null || true
    failed=1
  else
    test/node/cluster.sh stop
  fi
  rows+=("$(printf '%-16s %-7s %4d s' "$engine" "$status" $((SECONDS - t0)))")
done
echo
echo "test-node:"
printf '  %s\n' "${rows[@]}"
echo "  total $((SECONDS - t_all)) s"
exit $failed
