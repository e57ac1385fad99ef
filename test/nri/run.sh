#!/usr/bin/env bash
# The NRI plugin lane (issue 16): vaoci-nri on containerd 2.2.1 (build/tools,
# built from the module proxy; NRI on by default), through CRI with crictl,
# in the real-node lane's namespaces (test/node/cluster.sh, NODE_ENGINE_ONLY=1:
# containerd and the images, no kubelet). The pods run with containerd's
# default handler (runc): no vaoci runtime class, no wrapper, no engine config
# edit for vaoci.
#
#   matrix   the real-node lane's pods: pod-wide i386, a per-container window
#            beside an unannotated sidecar, an unannotated pod, a bad
#            annotation (refused with the wrapper's line), the same under
#            on-error warn (starts, the warning in the node log); each window
#            checked from inside by test/hook/probe.c, the poststart hook's
#            report, the runtime spec containerd wrote; the launch injection's
#            process args (NRI SetArgs) in the spec
#   faults   the plugin stopped, killed, hung (SIGSTOP): containers created
#            meanwhile under warn and under fail with NRI's own required-plugins
#            annotation (the default validator on, in the node's own conf.d),
#            each create bounded in time; the plugin restarted works again
#   bench    RunPodSandbox is not counted: one container created and started
#            (CreateContainer + StartContainer through CRI) N times each: bare
#            (default runc, no plugin), the wrapper (runtime handler vaoci with
#            vaoci-runtime), NRI (default runc, vaoci-nri connected), unannotated
#            and with a window, and NRI's own floor (vaoci-nri connected but the
#            pod's namespace not allowed: it answers at once); medians, the difference to bare with a 95%
#            bootstrap interval, processes created per container, and the
#            goal's verdict (test/nri/bench-stats.mjs)
#
# State: build/nri/cluster (NRI_STATE overrides); NRI_KEEP=1 leaves the node
# running; NRI_BENCH=N containers per variant (default 30, 0: no bench).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
export NODE_STATE=${NRI_STATE:-$ROOT/build/nri/cluster}
OUT=$(dirname "$NODE_STATE")/run
BENCH=${NRI_BENCH:-30}
n=0
fails=0
T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
say() { echo "nri [$(ms) ms]: $*" >&2; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
X() { test/node/cluster.sh exec "$@"; }
cri() { X crictl --timeout 30s "$@" 2> >(grep -v 'level=warning' >&2); }
CLOG=$NODE_STATE/log/containerd.log

# ---------------------------------------------------------------- node

node_up() {
  if [ "${NRI_REUSE:-0}" = 1 ] && test/node/cluster.sh exec true 2>/dev/null; then
    PLUGIN=$(grep -o 'external:[0-9]*-vaoci\[[0-9]*\]' "$CLOG" | tail -1 | sed 's/.*\[\([0-9]*\)\]/\1/')
    plugin_stop # a plugin a kept run left
    return 0
  fi
  test/node/cluster.sh stop >/dev/null 2>&1 || true
  NODE_ENGINE_ONLY=$([ "${NRI_NODE:-crictl}" = kubelet ] && echo 0 || echo 1) \
    test/node/cluster.sh start containerd-2.2 > "$OUT/start.log" 2>&1 \
    || { tail -20 "$OUT/start.log" >&2; return 1; }
}

# node_files installs what `vaoci node install` would, into the node's
# overlays: the plugin, the hook, the launcher, the preload, the wrapper (for
# the bench), the node config. The default validator is turned on in the
# node's own conf.d (an operator's choice: it enforces required-plugins).
node_files() {
  X sh -ec '
    mkdir -p /opt/vaoci/bin /opt/vaoci/lib /etc/vaoci /var/log
    cp --remove-destination build/x86_64/vaoci-nri build/x86_64/vaoci-hook build/x86_64/vaoci-launch build/x86_64/vaoci-runtime /opt/vaoci/bin/
    cp --remove-destination build/x86_64/libvaoci-preload.so /opt/vaoci/lib/
    echo "{\"runtime\": \"/usr/sbin/runc\"}" > /etc/vaoci/config.json
    : > /var/log/vaoci.log
    cat > /etc/containerd/conf.d/90-nri-test.toml <<EOF
[plugins."io.containerd.nri.v1.nri".default_validator]
  enable = true
[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.vaoci]
  runtime_type = "io.containerd.runc.v2"
  pod_annotations = ["vaoci.io/*"]
  container_annotations = ["vaoci.io/*"]
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.vaoci.options]
    BinaryName = "/opt/vaoci/bin/vaoci-runtime"
EOF
    systemctl restart containerd'
}

engine_pid() { cat "$NODE_STATE/containerd.pid"; }

# arm64_image: testbox's layer under a config that says arm64 (the
# containers using it are refused before they run, or run the amd64 files
# under warn), imported as vaoci.test/testbox-arm64:1.
arm64_image() {
  local d="$OUT/arm64-image" cfg digest
  rm -rf "$d"; mkdir -p "$d"; tar -C "$d" -xf build/node/images/testbox.tar
  cfg=$(jq -r '.[0].Config' "$d/manifest.json")
  jq -c '.architecture = "arm64"' "$d/$cfg" > "$d/config.new"; rm "$d/$cfg"
  digest=$(sha256sum "$d/config.new" | cut -d' ' -f1); mv "$d/config.new" "$d/$digest.json"
  jq -c --arg c "$digest.json" '.[0].Config = $c | .[0].RepoTags = ["vaoci.test/testbox-arm64:1"]' "$d/manifest.json" > "$d/m" && mv "$d/m" "$d/manifest.json"
  local layers; mapfile -t layers < <(jq -r '.[0].Layers[]' "$d/manifest.json")
  tar -C "$d" -cf "$OUT/testbox-arm64.tar" manifest.json "$digest.json" "${layers[@]}"
  X ctr -n k8s.io images import --platform linux/arm64 "$OUT/testbox-arm64.tar" >/dev/null
}

# ---------------------------------------------------------------- plugin

# plugin_start ARGS...: vaoci-nri in the node's namespaces; waits until
# containerd says it connected, and sets PLUGIN to its pid (as containerd
# saw it on the socket).
plugin_start() {
  plugin_stop # one plugin at a time: a second one with the same name would adjust twice
  local before; before=$(grep -c 'connected and synchronized' "$CLOG")
  setsid test/node/cluster.sh exec /opt/vaoci/bin/vaoci-nri "$@" >> "$OUT/plugin.log" 2>&1 < /dev/null &
  for _ in $(seq 100); do
    [ "$(grep -c 'connected and synchronized' "$CLOG")" -gt "$before" ] && break
    sleep 0.1
  done
  PLUGIN=$(grep -o 'external:[0-9]*-vaoci\[[0-9]*\]' "$CLOG" | tail -1 | sed 's/.*\[\([0-9]*\)\]/\1/')
  kill -0 "$PLUGIN" 2>/dev/null
}

# plugin_stop: end the plugin (by its pid) and wait until containerd drops it.
plugin_stop() {
  [ -n "${PLUGIN:-}" ] || return 0
  kill -CONT "$PLUGIN" 2>/dev/null; kill -TERM "$PLUGIN" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$PLUGIN" 2>/dev/null || break; sleep 0.1; done
  PLUGIN=
  sleep 0.3
}

# ---------------------------------------------------------------- CRI

# pod_json NAME ANNOTATIONS(json object) [NAMESPACE]
pod_json() {
  jq -n --arg n "$1" --argjson a "$2" --arg ns "${3:-vaoci-test}" --arg d "/tmp/nri-logs/$1" \
    '{metadata: {name: $n, namespace: $ns, uid: ("uid-" + $n), attempt: 0}, annotations: $a,
      log_directory: $d, linux: {}}' > "$OUT/pod-$1.json"
}
# ctr_json POD NAME ARGS...
ctr_json() {
  local pod=$1 name=$2; shift 2
  jq -n --arg n "$name" --arg img "${IMAGE:-vaoci.test/testbox:1}" --argjson c "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" '{metadata: {name: $n},
      image: {image: $img}, command: $c, log_path: ($n + ".log"), linux: {}}' > "$OUT/ctr-$pod-$name.json"
}
runp() { # POD [HANDLER] -> pod id (each run a fresh sandbox name)
  local SEQ; SEQ=$(date +%s%N)
  X mkdir -p "/tmp/nri-logs/$1"
  jq --arg s "$SEQ" '.metadata.name += "-" + $s | .metadata.uid += "-" + $s' "$OUT/pod-$1.json" > "$OUT/pod-$1.run.json"
  cri runp ${2:+--runtime "$2"} "$OUT/pod-$1.run.json"
}
# shellcheck source=test/nri/containers.sh
source test/nri/containers.sh

# ---------------------------------------------------------------- matrix

matrix() {
  say "matrix"
  pod_json i386 '{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}'
  ctr_json i386 main /bin/probe --below 0x100000000 --linger-ms 1500
  pod_json window '{"vaoci.io/va-limit.main": "0x10000-0x100000000000"}'
  ctr_json window main /bin/probe --below 0x100000000000
  ctr_json window sidecar /bin/probe --below 0x100000000000
  pod_json plain '{}'
  ctr_json plain main /bin/probe --below 0x100000000
  pod_json bad '{"vaoci.io/va-limit": "x86-64"}'
  ctr_json bad main /bin/probe
  pod_json badwarn '{"vaoci.io/va-limit": "x86-64", "vaoci.io/on-error": "warn"}'
  ctr_json badwarn main /bin/probe --below 0x100000000
  pod_json other '{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}' kube-system
  ctr_json other main /bin/probe --below 0x100000000

  local p r id
  p=$(runp i386); r=$(run_ctr i386 "$p" main); id=${r%% *}; echo "     i386/main: ${r#* }"
  local i386_id=$id
  check "pod-wide i386: every new mapping below 4 GiB" bash -c "[[ '$r' == *'all below 0x100000000' ]]"
  r=$(spec "$id" '[(.info.runtimeSpec.process.env[] | select(startswith("LD_PRELOAD=/opt/vaoci/lib/libvaoci-preload.so"))) != null,
    (.info.runtimeSpec.mounts[] | select(.destination == "/opt/vaoci/lib/libvaoci-preload.so")) != null,
    ([.info.runtimeSpec.hooks.poststart // [] | .[] | select(.path == "/opt/vaoci/bin/vaoci-hook")] | length) == 0] | all')
  check "i386: containerd's spec has LD_PRELOAD and the preload bind mount, and no vaoci-hook (the plugin verifies itself)" test "$r" = true
  r=$(spec "$id" '.info.runtimeType + " " + (.info.runtimeOptions.binary_name // "-")')
  check "i386: containerd's default runc ran it (no runtime class, no wrapper): $r" test "$r" = '"io.containerd.runc.v2 -"'
  p=$(runp window)
  r=$(run_ctr window "$p" main); echo "     window/main: ${r#* }"
  check "per-container 0x10000-0x100000000000: main below 2^44" bash -c "[[ '$r' == *'all below 0x100000000000' ]]"
  r=$(run_ctr window "$p" sidecar); echo "     window/sidecar: ${r#* }"
  check "unannotated sidecar beside it: mappings above 2^44" bash -c "[[ '$r' == *'at or above 0x100000000000' ]]"

  p=$(runp plain); r=$(run_ctr plain "$p" main); id=${r%% *}; echo "     plain/main: ${r#* }"
  check "unannotated pod untouched: mappings above 4 GiB" bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  r=$(spec "$id" '[.info.runtimeSpec.process.env[] | select(startswith("LD_PRELOAD"))] | length')
  check "unannotated pod: spec without LD_PRELOAD" test "$r" = 0
  r=$(X cat "/run/vaoci/$i386_id.json" 2>&1 | jq -r '.tool + " " + .status' 2>&1)
  check "i386: vaoci-nri verified it on PostStartContainer: /run/vaoci/ID.json says $r (vaoci-nri holds)" test "$r" = "vaoci-nri holds"

  local want='vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
  p=$(runp bad); r=$(create bad "$p" main); echo "     bad: $(echo "$r" | tail -1 | cut -c1-400)"
  r=${r//\\\"/\"} # containerd's error, as crictl quotes it
  check "bad annotation: CreateContainer refused with the wrapper's line" bash -c "[[ \"\$1\" == *\"vaoci-nri: \$2\"* ]]" _ "$r" "$want"
  r=$(cri ps -aq --pod "$p")
  check "bad annotation: no container left behind in the pod" test -z "$r"

  # guest auto: the image's architecture, from the engine's CRI image status
  pod_json auto '{"vaoci.io/va-limit": "i386"}'
  ctr_json auto main /bin/probe --below 0x100000000
  IMAGE=vaoci.test/testbox-arm64:1 ctr_json auto arm /bin/probe --below 0x100000000
  p=$(runp auto); r=$(run_ctr auto "$p" main); echo "     auto/main (amd64 image): ${r#* }"
  check "guest auto, amd64 image on this x86-64 node: native, the pod-wide window is for emulated guests: untouched" \
    bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  # (the window pod's sidecar asked first; the answer is kept -image-cache)
  r=$(grep -o 'image status [1-9][0-9]* µs' "$OUT/plugin.log" | head -1)
  check "guest auto: the plugin asked the engine for the image ($r)" test -n "$r"
  if arm64_image; then
    r=$(create auto "$p" arm | sed 's/\\"/"/g'); echo "     auto/arm (arm64 image): $(echo "$r" | tail -1 | cut -c1-400)"
    check "guest auto, arm64 image on an x86-64 node under fail: refused, the line names the image's architecture" \
      bash -c "[[ \"\$1\" == *\"vaoci-nri: vaoci.io/guest-arch\"*\"the image's entrypoint is aarch64 ELF, which a x86_64 node cannot run natively\"* ]]" _ "$r"
  else
    bad "could not import the arm64-labelled image"
  fi

  p=$(runp badwarn); r=$(run_ctr badwarn "$p" main); echo "     badwarn/main: ${r#* }"
  check "bad annotation under on-error warn: the container starts, unchanged" bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  check "warn: the warning line is in the node log (vaoci-nri)" \
    X grep -qF "vaoci-nri[" /var/log/vaoci.log
  check "warn: node log has \"warning: $want\"" X grep -qF "warning: $want" /var/log/vaoci.log
}

# launch_args: the launch injection's process args, through containerd. A
# binfmt_misc directory of the test's (node config binfmt_dir) registers a
# statically linked "qemu" for x86-64 ELF (vaoci-launch's bytes: only its
# linkage is read); a pod naming its x86-64 guest then gets vaoci-launch in
# front of its args (NRI SetArgs), which the spec containerd wrote shows.
# Only created, not started: the stand-in is no emulator.
launch_args() {
  say "launch injection (SetArgs)"
  X sh -ec '
    mkdir -p /etc/vaoci/test-binfmt
    cp /opt/vaoci/bin/vaoci-launch /opt/vaoci/bin/qemu-x86_64-static
    printf "enabled\ninterpreter /opt/vaoci/bin/qemu-x86_64-static\nflags: POCF\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefefcfffffffffffffffffeffffff\n" > /etc/vaoci/test-binfmt/qemu-x86_64
    echo "{\"runtime\": \"/usr/sbin/runc\", \"binfmt_dir\": \"/etc/vaoci/test-binfmt\"}" > /etc/vaoci/config.json'
  pod_json launch '{"vaoci.io/va-limit": "x86_64", "vaoci.io/guest-arch": "x86_64"}'
  ctr_json launch main /bin/probe --below 0x800000000000
  local p id r
  p=$(runp launch); id=$(create launch "$p" main)
  r=$(spec "$id" '.info.runtimeSpec.process.args | join(" ")')
  echo "     launch/main args: $r"
  check "launch injection: containerd's spec runs vaoci-launch in front of the args (SetArgs)" \
    test "$r" = '"/opt/vaoci/bin/vaoci-launch --binfmt-flags=POCF -- /opt/vaoci/bin/qemu-x86_64-static /bin/probe --below 0x800000000000"'
  cri rmp -f "$p" >/dev/null
  X sh -c 'echo "{\"runtime\": \"/usr/sbin/runc\"}" > /etc/vaoci/config.json'
}

# ---------------------------------------------------------------- kubelet

# kube_matrix: the real-node lane's pods (test/node/chart.sh) through the
# kubelet, with no runtimeClassName: containerd's default runc, vaoci-nri.
# shellcheck source=test/node/pods.sh
source test/node/pods.sh
kube_pod() { POD_NS=vaoci-test POD_RUNTIME_CLASS='' pod "$@"; }
kube_ctr() { ctr_yaml "$@"; }
kube_matrix() {
  say "kubelet matrix"
  local r p
  for _ in $(seq 60); do X kubectl get serviceaccount default -n default >/dev/null 2>&1 && break; sleep 1; done
  X kubectl create namespace vaoci-test >/dev/null
  for _ in $(seq 60); do X kubectl get serviceaccount default -n vaoci-test >/dev/null 2>&1 && break; sleep 1; done
  {
    kube_pod i386 '    vaoci.io/va-limit: i386
    vaoci.io/guest-arch: x86_64
    vaoci.io/emulator: preload' "$(kube_ctr main /bin/probe --below 0x100000000)"
    echo ---
    kube_pod window '    vaoci.io/va-limit.main: 0x10000-0x100000000000' \
      "$(kube_ctr main /bin/probe --below 0x100000000000; kube_ctr sidecar /bin/probe --below 0x100000000000)"
    echo ---
    kube_pod plain '' "$(kube_ctr main /bin/probe --below 0x100000000)"
    echo ---
    kube_pod bad '    vaoci.io/va-limit: x86-64' "$(kube_ctr main /bin/probe)"
    echo ---
    kube_pod badwarn '    vaoci.io/va-limit: x86-64
    vaoci.io/on-error: warn' "$(kube_ctr main /bin/probe --below 0x100000000)"
  } > "$OUT/kube-pods.yaml"
  X kubectl apply -f "$OUT/kube-pods.yaml" >/dev/null || { bad "kubectl apply of the pods failed"; return; }
  for p in i386 window plain badwarn; do
    X kubectl wait -n vaoci-test --for=jsonpath='{.status.phase}'=Succeeded "pod/$p" --timeout=120s >/dev/null \
      || bad "pod $p did not succeed: $(X kubectl get pod -n vaoci-test "$p" -o jsonpath='{.status}' | cut -c1-300)"
  done
  last() { X kubectl logs -n vaoci-test "$1" -c "$2" | tail -1; }
  r=$(last i386 main); echo "     i386/main: $r"
  check "kubelet: pod-wide i386: every new mapping below 4 GiB" bash -c "[[ '$r' == *'all below 0x100000000' ]]"
  r=$(last window main); echo "     window/main: $r"
  check "kubelet: per-container 0x10000-0x100000000000: main below 2^44" bash -c "[[ '$r' == *'all below 0x100000000000' ]]"
  r=$(last window sidecar); echo "     window/sidecar: $r"
  check "kubelet: unannotated sidecar beside it: mappings above 2^44" bash -c "[[ '$r' == *'at or above 0x100000000000' ]]"
  r=$(last plain main); echo "     plain/main: $r"
  check "kubelet: unannotated pod untouched: mappings above 4 GiB" bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  r=$(last badwarn main); echo "     badwarn/main: $r"
  check "kubelet: bad annotation under on-error warn: starts, unchanged" bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  local want='vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
  for _ in $(seq 60); do X kubectl describe pod -n vaoci-test bad | grep -qF "$want" && break; sleep 1; done
  r=$(X kubectl describe pod -n vaoci-test bad | grep -F "$want" | head -1 | sed 's/^ *//' | cut -c1-400)
  echo "     bad: $r"
  check "kubelet: bad annotation refused, the wrapper's line in kubectl describe (Events)" test -n "$r"
  r=$(X kubectl get pod -n vaoci-test bad -o jsonpath='{.status.phase} {.status.containerStatuses[0].state}')
  echo "     bad state: $(echo "$r" | cut -c1-300)"
  check "kubelet: bad pod's container never ran (Pending, waiting)" bash -c "[[ '$r' == Pending*waiting* ]] && [[ '$r' != *running* ]]"
}

# kube_faults: the plugin stopped under the kubelet: a pod that requires it
# (NRI's required-plugins annotation) waits with NRI's line in its Events; a
# warn pod starts without vaoci; once the plugin is back, the kubelet's retry
# creates the waiting pod's container with its window.
kube_faults() {
  say "kubelet faults"
  local r
  plugin_stop
  {
    kube_pod need '    vaoci.io/va-limit: i386
    vaoci.io/guest-arch: x86_64
    vaoci.io/emulator: preload
    required-plugins.noderesource.dev/container.main: "[vaoci]"' "$(kube_ctr main /bin/probe --below 0x100000000)"
    echo ---
    kube_pod warnp '    vaoci.io/va-limit: i386
    vaoci.io/guest-arch: x86_64
    vaoci.io/emulator: preload
    vaoci.io/on-error: warn' "$(kube_ctr main /bin/probe --below 0x100000000)"
  } > "$OUT/kube-fault-pods.yaml"
  X kubectl apply -f "$OUT/kube-fault-pods.yaml" >/dev/null || { bad "kubectl apply of the fault pods failed"; return; }
  X kubectl wait -n vaoci-test --for=jsonpath='{.status.phase}'=Succeeded pod/warnp --timeout=120s >/dev/null
  r=$(X kubectl logs -n vaoci-test warnp -c main | tail -1); echo "     plugin stopped, warnp/main: $r"
  check "kubelet, plugin stopped: the warn pod starts without vaoci" bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  for _ in $(seq 60); do X kubectl describe pod -n vaoci-test need | grep -qF 'required plugin "vaoci" not present' && break; sleep 1; done
  r=$(X kubectl describe pod -n vaoci-test need | grep -F 'required plugin "vaoci" not present' | head -1 | sed 's/^ *//' | cut -c1-300)
  echo "     plugin stopped, need: $r"
  check "kubelet, plugin stopped: the pod requiring vaoci waits, NRI's line in its Events" test -n "$r"
  plugin_start -timing || { bad "plugin did not reconnect"; return; }
  X kubectl wait -n vaoci-test --for=jsonpath='{.status.phase}'=Succeeded pod/need --timeout=180s >/dev/null
  r=$(X kubectl logs -n vaoci-test need -c main 2>&1 | tail -1); echo "     plugin back, need/main: $r"
  check "kubelet, plugin back: the kubelet's retry creates the waiting container with its window" \
    bash -c "[[ '$r' == *'all below 0x100000000' ]]"
}

# ---------------------------------------------------------------- namespaces

namespaces() {
  say "namespace allow-list"
  plugin_stop
  plugin_start -namespaces vaoci-test,default || { bad "plugin with -namespaces did not connect"; return; }
  local p r
  p=$(runp other); r=$(run_ctr other "$p" main); echo "     kube-system/other: ${r#* }"
  check "-namespaces vaoci-test,default: an annotated pod in kube-system is left alone" bash -c "[[ '$r' == *'at or above 0x100000000' ]]"
  p=$(runp i386); r=$(run_ctr i386 "$p" main)
  check "-namespaces vaoci-test,default: vaoci-test still gets its window" bash -c "[[ '$r' == *'all below 0x100000000' ]]"
  r=$(X /opt/vaoci/bin/vaoci-nri -namespaces 'a,,b' 2>&1); echo "     $r"
  check "-namespaces with an empty entry: one line naming the flag, value and expectation" \
    bash -c "[[ \"\$1\" == *'-namespaces: value \"a,,b\" — expected * or a comma-separated list of namespaces'* ]]" _ "$r"
  plugin_stop
  plugin_start || bad "plugin did not reconnect"
}

# ---------------------------------------------------------------- faults

# timed_create POD_NAME CTR: runs a fresh pod's container; prints "MS RESULT"
timed_create() {
  local p t r; p=$(runp "$1"); t=$(date +%s%N)
  r=$(run_ctr "$1" "$p" "$2" 2>&1 | sed 's/\\"/"/g')
  echo "$(( ($(date +%s%N) - t) / 1000000 )) $r"
}

faults() {
  say "faults"
  pod_json fwarn '{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload", "vaoci.io/on-error": "warn"}'
  ctr_json fwarn main /bin/probe --below 0x100000000
  pod_json ffail '{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload", "required-plugins.noderesource.dev/container.main": "[vaoci]"}'
  ctr_json ffail main /bin/probe --below 0x100000000
  pod_json fplain '{}'
  ctr_json fplain main /bin/probe --below 0x100000000
  local r

  for fault in stopped killed hung; do
    case $fault in
      stopped) plugin_stop ;;
      killed) kill -KILL "$PLUGIN"; sleep 0.3 ;;
      hung) kill -STOP "$PLUGIN"
        # the container in flight when the plugin hangs: NRI waits plugin_request_timeout
        # (2 s), closes the plugin and creates the container unadjusted; its
        # validator counted the plugin in before the call, so required-plugins
        # does not refuse it (NRI v0.11 adaptation.go: AddPlugin before createContainer)
        r=$(timed_create ffail main); echo "     hung, in flight, fail + required-plugins: $(echo "$r" | tail -1 | cut -c1-200)"
        check "plugin hung: the container in flight is not held: created within NRI's 2 s timeout (< 5 s; unadjusted: $([[ $r == *'at or above'* ]] && echo yes || echo no))" \
          bash -c "[ ${r%% *} -lt 5000 ] && [ ${r%% *} -ge 1900 ]" ;;
    esac
    r=$(timed_create fwarn main); echo "     $fault, warn: $(echo "$r" | cut -c1-200)"
    check "plugin $fault: warn pod's container starts without vaoci, in < 5 s" \
      bash -c "[[ '$r' == *'at or above 0x100000000' ]] && [ ${r%% *} -lt 5000 ]"
    r=$(timed_create ffail main); echo "     $fault, fail + required-plugins: $(echo "$r" | tail -1 | cut -c1-300)"
    check "plugin $fault: fail pod with required-plugins [vaoci] refused (NRI's validator), in < 5 s" \
      bash -c "[[ \"\$1\" == *'required plugin \"vaoci\" not present'* ]] && [ ${r%% *} -lt 5000 ]" _ "$r"
    r=$(timed_create fplain main); echo "     $fault, unannotated: $(echo "$r" | cut -c1-200)"
    check "plugin $fault: an unannotated pod runs, in < 5 s" \
      bash -c "[[ '$r' == *'at or above 0x100000000' ]] && [ ${r%% *} -lt 5000 ]"
    if [ "$fault" = hung ]; then
      local before; before=$(grep -c 'connected and synchronized' "$CLOG")
      kill -CONT "$PLUGIN"
      for _ in $(seq 50); do [ "$(grep -c 'connected and synchronized' "$CLOG")" -gt "$before" ] && break; sleep 0.1; done
      check "hung plugin, resumed after containerd closed it: the same process connects again by itself" \
        bash -c "kill -0 $PLUGIN 2>/dev/null && [ \"\$(grep -c 'connected and synchronized' '$CLOG')\" -gt $before ]"
      r=$(timed_create ffail main)
      check "hung plugin, reconnected by itself: the fail pod gets its window again" bash -c "[[ '$r' == *'all below 0x100000000' ]]"
    fi
    plugin_start || bad "plugin did not reconnect after $fault"
    r=$(timed_create ffail main)
    check "after $fault, plugin restarted: the fail pod gets its window again" bash -c "[[ '$r' == *'all below 0x100000000' ]]"
  done
  r=$(cri ps -a -o json | jq -r '.containers[] | select(.state != "CONTAINER_EXITED" and .state != "CONTAINER_RUNNING") | .id')
  check "no create left a container in state created or unknown" test -z "$r"
}

# ---------------------------------------------------------------- bench

# bench_round VARIANT HANDLER ANNOTATIONS K: K containers created and started in one
# fresh pod by vaoci-nri-bench (one CRI client, no crictl per call), appending
# "CREATE_US START_US" lines and "# forks N" (processes created meanwhile) to $OUT/bench-VARIANT.us
bench_round() {
  local variant=$1 handler=$2 annotations=$3 k=$4 p
  pod_json "bench-$variant" "$annotations"
  ctr_json "bench-$variant" c /bin/true
  p=$(runp "bench-$variant" "$handler")
  X build/x86_64/vaoci-nri-bench -pod-id "$p" -pod "$OUT/pod-bench-$variant.run.json" \
    -ctr "$OUT/ctr-bench-$variant-c.json" -n "$k" >> "$OUT/bench-$variant.us" || return 1
  cri rmp -f "$p" >/dev/null
}
median_col() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] + 0}'; }

# bench: rounds of K per variant, the plugin stopped for bare and the
# wrapper, connected (with -timing) for NRI; the variants alternate so drift
# spreads over all of them.
bench() {
  [ "$BENCH" -gt 0 ] || return 0
  local k=${NRI_BENCH_K:-10}; local rounds=$(( (BENCH + k - 1) / k )) r win='{"vaoci.io/va-limit": "i386", "vaoci.io/guest-arch": "x86_64", "vaoci.io/emulator": "preload"}'
  say "bench ($rounds rounds of $k containers per variant)"
  rm -f "$OUT"/bench-*.us
  plugin_stop
  local mark; mark=$(wc -l < "$OUT/plugin.log")
  for r in $(seq "$rounds"); do
    off() {
      plugin_stop
      bench_round bare "" '{}' "$k" && bench_round wrapper vaoci "$win" "$k"
    }
    on() {
      plugin_start -timing && bench_round nri-unannotated "" '{}' "$k" && bench_round nri "" "$win" "$k" &&
        plugin_start -namespaces=vaoci-bench-none && bench_round nri-floor "" "$win" "$k"
    }
    # odd rounds without the plugin first, even rounds with it first: drift spreads evenly
    if [ $((r % 2)) = 1 ]; then off && on; else on && off; fi || { bad "bench: round $r failed"; return; }
  done
  node test/nri/bench-stats.mjs "$OUT"
  local timing; timing=$(tail -n +"$((mark + 1))" "$OUT/plugin.log" | grep -o 'image status [0-9]* µs, resolve [0-9]* µs')
  echo "     inside vaoci-nri per CreateContainer, median of $(echo "$timing" | wc -l): image status $(echo "$timing" | awk '{print $3}' | median_col) µs, C resolver + modifiers $(echo "$timing" | awk '{print $6}' | median_col) µs"
  check "bench ran all five variants" bash -c "for v in bare nri-floor wrapper nri-unannotated nri; do [ -s '$OUT'/bench-\$v.us ] || exit 1; done"
}

# ---------------------------------------------------------------- main

mkdir -p "$OUT"; rm -f "$OUT"/*.json "$OUT/plugin.log"
[ -x build/x86_64/vaoci-nri ] || { echo "nri: build/x86_64/vaoci-nri missing: make nri" >&2; exit 1; }
say "node (containerd 2.2.1, ${NRI_NODE:-crictl}; NRI_NODE=kubelet adds etcd, the API server and the kubelet)"
node_up || { echo "nri: the node did not start" >&2; exit 1; }
[ "${NRI_KEEP:-0}" = 1 ] || trap 'plugin_stop; test/node/cluster.sh stop >/dev/null 2>&1' EXIT
node_files || { echo "nri: node files not installed" >&2; exit 1; }
epid=$(engine_pid)
check "NRI is on in containerd 2.2.1 by default: /var/run/nri/nri.sock exists" X test -S /var/run/nri/nri.sock
plugin_start -timing || { bad "vaoci-nri did not connect to containerd"; exit 1; }
ok "vaoci-nri connected as external plugin $(grep -o 'external:[0-9]*-vaoci\[[0-9]*\]' "$CLOG" | tail -1)"
if [ "${NRI_NODE:-crictl}" = kubelet ]; then
  kube_matrix # the kubelet owns the engine's sandboxes: no crictl pods beside it
  [ "${NRI_SKIP_FAULTS:-0}" = 1 ] || kube_faults
else
  matrix
  launch_args
  [ "${NRI_SKIP_FAULTS:-0}" = 1 ] || namespaces
  [ "${NRI_SKIP_FAULTS:-0}" = 1 ] || faults
  bench
fi
check "the engine was not restarted by vaoci (same containerd pid throughout)" test "$(engine_pid)" = "$epid"
check "the engine's config names no vaoci-nri (nothing of NRI mode written there)" \
  bash -c "! test/node/cluster.sh exec grep -rq vaoci-nri /etc/containerd"
plugin_stop
echo "nri: $((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
