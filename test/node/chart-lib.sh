# shellcheck shell=bash
# What the chart lanes share (sourced by test/node/chart.sh and
# test/node/chart-nri.sh, in the node's namespaces): one "ok" or "FAIL" line
# per check, failures counted in $fails; crictl, containerd's effective
# config (NODE_CONTAINERD) and the Node's vaoci.io/ labels; the pods of
# test/node/pods.sh.
# shellcheck source=test/node/pods.sh
source test/node/pods.sh
fails=0
T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
say() { echo "$(basename "$0") [$(ms) ms]: $*" >&2; }
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
crictl() { command crictl -r unix:///run/containerd/containerd.sock "$@" 2>/dev/null; }
dump() { "$CONTAINERD" --config /etc/containerd/config.toml config dump 2>/dev/null; }
label() { kubectl get node "$NODE_NAME" -o "jsonpath={.metadata.labels.vaoci\.io/$1}"; }
