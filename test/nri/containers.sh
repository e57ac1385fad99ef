# shellcheck shell=bash
# A pod's containers through crictl, for the NRI lanes (sourced by
# test/nri/run.sh on containerd and test/nri/crio.sh on CRI-O): each lane
# defines `cri` (its crictl) and OUT (where pod-NAME.run.json and
# ctr-NAME-CTR.json are).
# create POD_NAME POD_ID CTR: prints the container id, or the error (exit 1)
create() { cri create "$2" "$OUT/ctr-$1-$3.json" "$OUT/pod-$1.run.json" 2>&1; }
# run_ctr POD_NAME POD_ID CTR: create, start, wait for exit; prints the last log line
run_ctr() {
  local id; id=$(create "$@") || { echo "create failed: $id"; return 1; }
  cri start "$id" >/dev/null || { echo "start failed"; return 1; }
  for _ in $(seq 100); do
    [ "$(cri inspect "$id" | jq -r .status.state)" = CONTAINER_EXITED ] && break
    sleep 0.1
  done
  echo "$id $(cri logs "$id" 2>&1 | tail -1)"
}
spec() { cri inspect "$1" | jq -c "$2"; }
