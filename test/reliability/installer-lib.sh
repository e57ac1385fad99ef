# shellcheck shell=bash
# Helpers for the installer's crash tests (test/reliability/installer*.sh):
# realistic node trees, what "the node" is (a snapshot of files, modes and
# bytes; binfmt_misc's view), whether its engine's effective config loads, and
# the operation sequence of a run as strace sees it. Sourced, not run.
# Needs: WORK (a scratch directory), TREE (c16, c22, crio or qemu).

INST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VAOCI=${VAOCI_BIN:-$INST_ROOT/bin/vaoci} # VAOCI_BIN: another build of the CLI (a copy, while the tree is rebuilt)
C16=/usr/bin/containerd
C22=$INST_ROOT/build/tools/containerd-2.2.1/containerd
W=$WORK/$TREE/node # the node's / (--host-root); always this path, so records and registrations compare byte for byte
TD=$WORK/$TREE
FROM=${FROM:-$WORK/from}
# What a run may write: node files and binfmt_misc (the syscalls that change either).
SYSCALLS=openat,write,pwrite64,writev,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,rmdir,fchmod,fchmodat,chmod,symlink,symlinkat,link,linkat,truncate,ftruncate
ENTRY=vrel-$TREE-$$            # the qemu tree's fronted binfmt_misc entry (made-up magic: x86-64 ELF would take over this x86-64 machine)
MAGIC=VRL$(printf '%05d' $(($$ % 100000)))

IMPORTS='imports = ["/etc/containerd/conf.d/*.toml"]'
# A kubeadm node with a GPU runtime (as test/ts/node-install-containerd.test.ts): what 1.x loses on a bad drop-in.
V2_NODE="version = 2
$IMPORTS
oom_score = -999
[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"registry.k8s.io/pause:3.9\"
  [plugins.\"io.containerd.grpc.v1.cri\".cni]
    bin_dir = \"/usr/lib/cni\"
    conf_dir = \"/etc/cni/net.d\"
  [plugins.\"io.containerd.grpc.v1.cri\".containerd]
    default_runtime_name = \"nvidia\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]
        SystemdCgroup = true
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]
        BinaryName = \"/usr/bin/nvidia-container-runtime\"
        SystemdCgroup = true
  [plugins.\"io.containerd.grpc.v1.cri\".registry]
    config_path = \"/etc/containerd/certs.d\"
"
V3_NODE="version = 3
$IMPORTS
[plugins.\"io.containerd.cri.v1.images\".pinned_images]
  sandbox = \"registry.k8s.io/pause:3.10\"
[plugins.\"io.containerd.cri.v1.runtime\".containerd]
  default_runtime_name = \"runc\"
  [plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc]
    runtime_type = \"io.containerd.runc.v2\"
    [plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc.options]
      SystemdCgroup = true
"

put() { mkdir -p "$(dirname "$W/$1")" && printf '%s' "$2" >"$W/$1"; }

# make_tree: the node as it is before vaoci — runc, /run, /opt, and per TREE:
#   c16  containerd 1.x (Debian's 1.6): the GPU node above, and an /etc/vaoci/config.json of its own (kept, put back)
#   c22  containerd 2.x (2.2.1): version 3, SystemdCgroup, a pinned sandbox
#   crio CRI-O: crio.conf and a drop-in of the node's (crun)
#   qemu containerd 2.x and a static "emulator" in binfmt_misc, which vaoci-binfmt fronts
make_tree() {
  rm -rf "$W" && mkdir -p "$W/run" "$W/opt" "$W/usr/sbin"
  put usr/sbin/runc $'#!/bin/sh\n' && chmod 0755 "$W/usr/sbin/runc"
  case $TREE in
    c16) put etc/containerd/config.toml "$V2_NODE"
         put etc/vaoci/config.json $'{"runtime": "/usr/local/sbin/runc"}\n' ;;
    c22) put etc/containerd/config.toml "$V3_NODE" ;;
    crio) put etc/crio/crio.conf $'[crio]\n[crio.runtime]\ndefault_runtime = "crun"\n'
          put etc/crio/crio.conf.d/10-crun.conf $'[crio.runtime.runtimes.crun]\nruntime_path = "/usr/bin/crun"\n' ;;
    qemu) put etc/containerd/config.toml "$V3_NODE"
          mkdir -p "$W/usr/bin" "$W/proc/sys/fs/binfmt_misc"
          gcc -static -O2 -pthread -o "$W/usr/bin/emu-static" "$INST_ROOT/test/launch/probe.c" || return 1
          # the kernel is given machine paths; the node tree maps them back to its own /usr
          mkdir -p "$W$W" && ln -s "$W/usr" "$W$W/usr"
          printf '%s then anything\n' "$MAGIC" >"$W/prog.magic" && chmod 0755 "$W/prog.magic" ;;
  esac
}

# install_args: what the chart would pass for this tree.
# The data plane comes from a copy (FROM): a rebuild of build/ARCH meanwhile must not change the bytes compared.
install_args() {
  echo "--from $FROM"
  if [ "$TREE" = qemu ]; then echo "--binfmt $ENTRY --binfmt-va-limit i386"; fi
}

# binfmt_misc, the kernel's (one instance: the machine's), mounted at BM for the test's own
# writes and again inside the tree, where the installer finds it, each time the tree is reset.
BM=$TD/binfmt_misc
binfmt_mount() {
  [ "$TREE" = qemu ] || return 0
  mkdir -p "$BM" && mount -t binfmt_misc none "$BM"
}
binfmt_attach() { [ "$TREE" != qemu ] || mount -t binfmt_misc none "$W/proc/sys/fs/binfmt_misc"; }
binfmt_detach() { [ "$TREE" != qemu ] || ! mountpoint -q "$W/proc/sys/fs/binfmt_misc" || umount "$W/proc/sys/fs/binfmt_misc"; }
binfmt_umount() {
  [ "$TREE" = qemu ] || return 0
  binfmt_detach
  [ -e "$BM/vaoci-$ENTRY" ] && echo -1 >"$BM/vaoci-$ENTRY"
  [ -e "$BM/$ENTRY" ] && echo -1 >"$BM/$ENTRY"
  umount "$BM" 2>/dev/null
  return 0
}

# binfmt_set pristine|installed: the kernel's registrations as before install (the emulator
# alone, enabled) or after (vaoci-binfmt registered in front, the emulator disabled).
binfmt_set() {
  [ "$TREE" = qemu ] || return 0
  local b=$BM
  [ -e "$b/$ENTRY" ] || echo ":$ENTRY:M::$MAGIC::$W/usr/bin/emu-static:F" >"$b/register"
  if [ "$1" = pristine ]; then
    echo 1 >"$b/$ENTRY"
    [ ! -e "$b/vaoci-$ENTRY" ] || echo -1 >"$b/vaoci-$ENTRY"
  else
    [ -e "$b/vaoci-$ENTRY" ] || echo ":vaoci-$ENTRY:M:0:$MAGIC::$W/opt/vaoci/binfmt/$ENTRY/vaoci-binfmt:F" >"$b/register"
    echo 1 >"$b/vaoci-$ENTRY"
    echo 0 >"$b/$ENTRY"
  fi
  return 0
}

# binfmt_state: the two registrations as the kernel shows them ("-" when absent).
binfmt_state() {
  [ "$TREE" = qemu ] || return 0
  local b=$BM
  for e in "$ENTRY" "vaoci-$ENTRY"; do if [ -e "$b/$e" ]; then cat "$b/$e"; else echo "$e -"; fi; done
}

# binfmt_works: x86 binaries (here: files with the made-up magic) have a handler, and it runs them;
# prints how many registrations matching the magic are enabled.
binfmt_works() {
  [ "$TREE" = qemu ] || { echo 1; return 0; }
  local b=$BM n=0
  for e in "$ENTRY" "vaoci-$ENTRY"; do [ -e "$b/$e" ] && [ "$(head -1 "$b/$e")" = enabled ] && n=$((n + 1)); done
  echo "$n"
  local out
  out=$("$W/prog.magic" a b 2>/dev/null) # whole, then grep: grep -q on a pipe may SIGPIPE the program
  [ "$n" -ge 1 ] && grep -q '^argv\[0\]=' <<<"$out"
}

# snap: the node byte for byte — every path with its type, mode and content hash (/run, the
# node's tmpfs with the installer lock, and /proc left out) — then binfmt_misc's view.
snap() {
  (cd "$W" && find . \( -path ./run -o -path ./proc \) -prune -o -printf '%p %y %m %l\n' | sort &&
    find . \( -path ./run -o -path ./proc \) -prune -o -type f -print0 | sort -z | xargs -0r sha256sum)
  binfmt_state
}

# engine_config: the engine's effective config as the engine itself loads it (containerd:
# `containerd config dump` through a copy of the root config whose imports point into the tree;
# CRI-O: crio.conf and every drop-in, crio-effective.mjs), as a hash — without containerd's
# `imports` line, the list of files it read — or exit 1 with the reason.
engine_config() {
  local out
  case $TREE in
    crio) out=$(node "$INST_ROOT/test/reliability/crio-effective.mjs" "$W" 2>&1) || { echo "crio: ${out##*$'\n'}"; return 1; } ;;
    *) sed "s#\"/etc/#\"$W/etc/#g" "$W/etc/containerd/config.toml" >"$TD/probe.toml"
       out=$("$(engine_bin)" --config "$TD/probe.toml" config dump 2>&1) || { echo "config dump: ${out##*$'\n'}"; return 1; }
       out=$(grep -v '^imports = ' <<<"$out") ;; # the files it loaded, in no fixed order (1.6)
  esac
  sha256sum <<<"$out" | cut -c1-16
}

engine_bin() { if [ "$TREE" = c16 ]; then echo "$C16"; else echo "$C22"; fi; }

# cri_up: start the real containerd on the node's config (its own root, state and socket; the
# machine's containerd untouched) and print the CRI plugin's status from `ctr plugins ls`.
cri_up() {
  local d=$TD/daemon bin pid st=
  bin=$(engine_bin)
  rm -rf "$d" && mkdir -p "$d"
  sed "s#\"/etc/#\"$W/etc/#g" "$W/etc/containerd/config.toml" >"$d/config.toml"
  "$bin" --config "$d/config.toml" --root "$d/root" --state "$d/state" --address "$d/sock" >"$d/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.1; done
  for _ in $(seq 50); do
    st=$("$(dirname "$bin")/ctr" --address "$d/sock" plugins ls 2>/dev/null | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" { print $NF }')
    [ -n "$st" ] && break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  echo "${st:-none}"
}

# run_verb VERB [STRACE ARGS...]: `vaoci node VERB` on the tree (under strace when given), stdout dropped.
run_verb() {
  local verb=$1; shift
  # shellcheck disable=SC2046 # install_args is words on purpose
  "$@" "$VAOCI" node "$verb" --host-root "$W" $([ "$verb" = install ] && install_args) >/dev/null
}

# trace_ops VERB LOG OPS: run VERB once, uninterrupted, under strace, and list the operations
# that change the node, in order: "SYSCALL ORDINAL PATH [PATH2]" — ORDINAL counts the calls of
# that syscall naming PATH, as `strace -P PATH` counts them for inject's `when`. Only the main
# thread is traced (no -f): Node makes every synchronous file system call there, and its worker
# threads' eventfd writes would make counts vary from run to run.
trace_ops() {
  run_verb "$1" strace -qq -y -e trace="$SYSCALLS" -e signal=none -o "$2" || return 1
  awk -v w="$W" '
    $0 !~ /^[a-z0-9_]+\(/ { next }
    {
      name = $0; sub(/\(.*/, "", name)
      line = $0; n = 0; delete seen
      while (match(line, w "/[^\"<>, )]*")) {
        p = substr(line, RSTART + length(w), RLENGTH - length(w)); line = substr(line, RSTART + RLENGTH)
        if (!(p in seen)) { seen[p] = 1; paths[++n] = p }
      }
      if (n) count[name, paths[1]]++ # strace 6.1 -P matches a rename by its first path only
    }
    n == 0 || paths[1] ~ /^\/run\// { next }
    name ~ /^(openat|open)$/ && $0 !~ /O_WRONLY|O_RDWR|O_CREAT/ { next }
    name ~ /^(write|pwrite64|writev)$/ && $0 !~ ("^" name "\\([0-9]+<" w "/") { next }
    { print name, count[name, paths[1]], paths[1], (n > 1 ? paths[2] : "") }' "$2" >"$3"
}

# injected VERB SYSCALL ORDINAL PATH ACTION LOG: VERB run with strace injecting ACTION
# (signal=KILL, error=ENOSPC…) at the ORDINALth call of SYSCALL naming PATH; prints the exit
# status; the strace log in LOG, the run's stderr in LOG.err.
injected() {
  run_verb "$1" strace -qq -y -P "$W$4" -e trace="$2" -e signal=none -e inject="$2:$5:when=$3" -o "$6" 2>"$6.err"
  echo $?
}

# hit SYSCALL ORDINAL PATH LOG: the fault landed on the call meant (the ORDINALth of SYSCALL
# naming PATH, the last call strace saw, stopped or failed by the injection).
hit() {
  awk -v s="$1" -v k="$2" -v t="$W$3" '
    index($0, s "(") == 1 && (index($0, "\"" t "\"") || index($0, "<" t ">")) { n++; last = $0 }
    END { exit !(n == k && (last ~ /= \?$/ || last ~ /INJECTED/)) }' "$4"
}
