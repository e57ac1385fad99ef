# shellcheck shell=bash
# Pod manifests for the real-node lanes (sourced by test/node/chart.sh,
# test/node/chart-nri.sh and test/nri/run.sh): one Pod of testbox
# containers, never restarted, quick to delete.
#   POD_NS             its namespace
#   POD_RUNTIME_CLASS  its runtimeClassName; empty: none (the engine's default handler)

# pod NAME ANNOTATIONS(yaml, each line indented 4) CONTAINERS(yaml from ctr_yaml)
pod() {
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  annotations:\n    x-vaoci-test: "1"\n%s\nspec:\n' \
    "$1" "${POD_NS:?POD_NS: the pods namespace}" "$2"
  [ -z "${POD_RUNTIME_CLASS:-}" ] || printf '  runtimeClassName: %s\n' "$POD_RUNTIME_CLASS"
  printf '  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n  containers:\n%s\n' "$3"
}

# ctr_yaml NAME COMMAND...: one container of vaoci.test/testbox:1 (busybox and test/hook/probe.c)
ctr_yaml() {
  local name=$1; shift
  printf '  - name: %s\n    image: vaoci.test/testbox:1\n    imagePullPolicy: Never\n    command: [%s]\n' "$name" "$(printf '"%s",' "$@" | sed 's/,$//')"
}
