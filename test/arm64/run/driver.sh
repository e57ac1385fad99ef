#!/bin/sh
# Runs inside the arm64 VM (`busybox sh /payload/driver.sh` from tests.list)
# for test/arm64/run-suite.sh: turns the initramfs into an arm64 host with
# vaoci's own arm64 image as its vaoci install (node, the CLI, the data plane
# under /usr/share/vaoci/aarch64), Debian's arm64 crun, and Debian 13's
# qemu-user 10 registered for x86-64 and i386 as qemu-user-binfmt registers
# it (static-pie emulators, flags OPF); then runs x86 images with
# `vaoci run`. It asserts nothing: each step is a "@@VAOCI-BEGIN NAME" ...
# "@@VAOCI-END NAME" block on the console, judged on the host.
set -u
P=/payload
X86=oci:/images/x86 # amd64 and 386 (run/x86-index.mjs)
HIGH_BELOW=0x800000000000 # the demo probe's --below: x86-64's 2^47

# Stage 1, in the initramfs: the host's root is a tmpfs holding the tree
# (Debian paths), entered with chroot. A runtime cannot pivot_root away from
# the initramfs's rootfs (EINVAL); a real host's root is a mount.
if [ "${1:-}" != host ]; then
	B=/payload/busybox
	$B mkdir -p /host && $B mount -t tmpfs -o size=2g,mode=0755 tmpfs /host || exit 1
	$B mv "$P"/root/* /host/ && $B mkdir -p /host/payload /host/images /host/bin /host/run /host/var/log /host/var/lib/vaoci || exit 1
	$B mv "$P/x86" /host/images/x86 || exit 1
	$B mount --bind /payload /host/payload && $B mount -t proc proc /host/proc && $B mount -t sysfs sysfs /host/sys &&
		$B mount -t devtmpfs devtmpfs /host/dev || exit 1
	$B --install -s /host/bin
	exec $B chroot /host /payload/busybox sh /payload/driver.sh host
fi
PATH=/usr/local/bin:/usr/bin:/bin
export PATH

# shellcheck source=test/arm64/block.sh
. /payload/block.sh

# overlay and binfmt_misc are modules in Debian's kernels. Flag F opens each
# emulator now, in this root.
setup() {
	for m in binfmt_misc overlay; do
		[ ! -f "$P/$m.ko" ] || insmod "$P/$m.ko" || return 1
	done
	mount -t cgroup2 none /sys/fs/cgroup &&
		mount -t binfmt_misc none /proc/sys/fs/binfmt_misc || return 1
	mkdir -p /usr/libexec/qemu-binfmt
	for a in x86_64 i386; do
		ln -s "/usr/bin/qemu-$a" "/usr/libexec/qemu-binfmt/$a-binfmt-P" &&
			cat "$P/qemu-$a.conf" >/proc/sys/fs/binfmt_misc/register || return 1
	done
	uname -r && node -p '"node " + process.version + " " + process.arch' && vaoci --version &&
		cat /proc/sys/fs/binfmt_misc/qemu-x86_64 /proc/sys/fs/binfmt_misc/qemu-i386
}

# run_json NAME ARG...: `vaoci run --json ARG...`: block NAME (the container's
# output and vaoci's lines) and block NAME-json (vaoci's result).
run_json() {
	name=$1
	shift
	block "$name" run_to "/tmp/$name.json" "$@"
	block "$name-json" cat "/tmp/$name.json"
}
run_to() {
	out=$1
	shift
	vaoci run --runtime crun --json "$@" >"$out"
}

block setup setup
# the bug: the same x86-64 image with the window turned off
block plain vaoci run --runtime crun --rm --va-limit none "$X86" --below "$HIGH_BELOW"
# no --va-limit: the image's own window (auto: x86-64 ELF → x86_64)
run_json auto "$X86" --below "$HIGH_BELOW" --linger-ms 500
# --platform picks the index's linux/386 image; auto gives it i386
run_json i386 --platform linux/386 "$X86"
# everything after IMAGE is the command (the image's Entrypoint replaced, as
# podman does), its status vaoci's
# shellcheck disable=SC2016 # $(uname -m) is for the container's sh, not this one
block command vaoci run --runtime crun --rm --entrypoint /bin/sh "$X86" -c 'echo "$(uname -m) from sh"; exit 3'
block images vaoci images
# the wrapper's and hook's lines for every run above
block log cat /var/lib/vaoci/vaoci.log
