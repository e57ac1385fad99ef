#!/bin/sh
# Runs inside the arm64 VM (`busybox sh /payload/driver.sh` from tests.list):
# turns the initramfs into an arm64 node (crun, a binfmt_misc-registered
# dynamic qemu-x86_64, vaoci under /opt/vaoci) and runs the x86-64 probe
# container of test/arm64/container-suite.sh six ways. It asserts nothing:
# each step is a "@@VAOCI-BEGIN NAME" ... "@@VAOCI-END NAME" block on the
# console, judged on the host.
set -u
P=/payload
B=$P/bundles

# The initramfs root is the node: move the node tree (Debian paths) onto it.
/payload/busybox mkdir -p /bin /run /var/log
/payload/busybox --install -s /bin
PATH=/bin:/usr/bin
export PATH
for d in "$P"/node/*; do mv "$d" /; done

# shellcheck source=test/arm64/block.sh
. /payload/block.sh

# binfmt_misc is a module in Debian's cloud kernel. Flag F opens the
# interpreter now, in this root; its loader and libraries are still looked
# up in each container at exec time.
setup() {
	mount -t cgroup2 none /sys/fs/cgroup &&
		insmod "$P/binfmt_misc.ko" &&
		mount -t binfmt_misc none /proc/sys/fs/binfmt_misc &&
		printf '%s\n' ':qemu-x86_64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-x86_64:F' \
			>/proc/sys/fs/binfmt_misc/register &&
		uname -r &&
		cat /proc/sys/fs/binfmt_misc/qemu-x86_64 &&
		warm_up
}

# The emulator's first start under TCG pays for translating its loader and
# libraries (a real node has no such cost): pay it before any container.
warm_up() {
	LD_PRELOAD=/opt/vaoci/lib/libvaoci-preload.so VAOCI_VA_LIMIT=x86_64 QEMU_UNSET_ENV=LD_PRELOAD \
		/usr/bin/qemu-x86_64 "$B/plain/rootfs/probe" >/dev/null
}

# held ID BUNDLE COMMAND...: COMMAND (a container whose probe waits for
# BUNDLE/hold/done) in the background; releases the probe once the hook's
# report is final (or COMMAND ended, or ~60 s passed). Polls gently: under
# emulation every fork here slows the container the hook is timing.
held() {
	id=$1 hold=$2/hold/done
	shift 2
	rm -f "$hold"
	"$@" >"/tmp/$id.out" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 200 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.3
		i=$((i + 1))
		[ -f "/run/vaoci/$id.json" ] || continue
		s=$(sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p' "/run/vaoci/$id.json")
		[ "$s" != pending ] && break
	done
	touch "$hold"
	wait $pid
	rc=$?
	cat "/tmp/$id.out"
	return $rc
}

wrapper() { (cd "$B/$1" && /opt/vaoci/bin/vaoci-runtime run --no-pivot "$1"); }

block setup setup
# 1. The bug: plain crun, no vaoci.
block plain-run sh -c "cd $B/plain && crun run --no-pivot plain"
# 2. The window through the wrapper.
block vaoci-run held vaoci "$B/vaoci" wrapper vaoci
block vaoci-config cat "$B/vaoci/config.json"
block vaoci-report cat /run/vaoci/vaoci.json
# 3. No vaoci annotation: auto gives an x86-64 guest its window anyway; and
# va-limit none: the wrapper passes the bundle through untouched.
block auto-run held auto "$B/auto" wrapper auto
block auto-report cat /run/vaoci/auto.json
block none-run wrapper none
block none-cmp cmp "$B/none/config.json" "$B/none/config.orig"
block none-report ls /run/vaoci/none.json
# 4. A bad value: one line, nothing started, config.json untouched; under
# on-error warn the line is a warning and auto decides the window.
block bad-run wrapper bad
block bad-cmp cmp "$B/bad/config.json" "$B/bad/config.orig"
block bad-state crun state bad
block warn-run held warn "$B/warn" wrapper warn
block warn-report cat /run/vaoci/warn.json
# 5. The node's qemu-x86_64 made static (Debian's qemu-x86_64-static): the
# preload cannot reach it. Then vaoci-binfmt in front of it, as `vaoci node
# install` registers it: its line (front.line, from the installer's code) to
# `register`, 0 to the fronted entry.
static() {
	echo -1 >/proc/sys/fs/binfmt_misc/qemu-x86_64 &&
		printf '%s\n' ':qemu-x86_64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-x86_64-static:F' \
			>/proc/sys/fs/binfmt_misc/register
}
front() {
	cat "$P/front.line" >/proc/sys/fs/binfmt_misc/register &&
		echo 0 >/proc/sys/fs/binfmt_misc/qemu-x86_64 &&
		cat /proc/sys/fs/binfmt_misc/vaoci-qemu-x86_64 /proc/sys/fs/binfmt_misc/qemu-x86_64
}
block static-setup static
block static-plain sh -c "cd $B/static-plain && crun run --no-pivot static-plain"
block static-front front
block front-plain sh -c "cd $B/front-plain && crun run --no-pivot front-plain"
block front-vaoci-run held front-vaoci "$B/front-vaoci" wrapper front-vaoci
block front-config cat "$B/front-vaoci/config.json"
block front-vaoci-report cat /run/vaoci/front-vaoci.json
# 6. The node moves to Debian 13's qemu-user 10 (static-pie), registered as
# qemu-user-binfmt registers it; then vaoci-binfmt in front of it.
q10() {
	echo -1 >/proc/sys/fs/binfmt_misc/vaoci-qemu-x86_64 &&
		echo -1 >/proc/sys/fs/binfmt_misc/qemu-x86_64 &&
		mv "$P/q10/qemu-x86_64" /usr/bin/qemu-x86_64 &&
		mkdir -p /usr/libexec/qemu-binfmt &&
		ln -s ../../bin/qemu-x86_64 /usr/libexec/qemu-binfmt/x86_64-binfmt-P &&
		cat "$P/q10/register" >/proc/sys/fs/binfmt_misc/register &&
		/usr/bin/qemu-x86_64 --version | head -n1 &&
		cat /proc/sys/fs/binfmt_misc/qemu-x86_64
}
# The old bundle may still be held by the entry just removed (ETXTBSY):
# a new file at the path, as the installer writes one.
q10_front() {
	rm -f /opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt &&
		cp "$P/q10/bundle" /opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt &&
		cat "$P/q10/front.line" >/proc/sys/fs/binfmt_misc/register &&
		echo 0 >/proc/sys/fs/binfmt_misc/qemu-x86_64 &&
		cat /proc/sys/fs/binfmt_misc/vaoci-qemu-x86_64 /proc/sys/fs/binfmt_misc/qemu-x86_64
}
block q10-setup q10
block q10-plain sh -c "cd $B/q10-plain && crun run --no-pivot q10-plain"
block q10-launch-run held q10-launch "$B/q10-launch" wrapper q10-launch
block q10-launch-config cat "$B/q10-launch/config.json"
block q10-launch-report cat /run/vaoci/q10-launch.json
block q10-front q10_front
block q10-front-plain sh -c "cd $B/q10-front-plain && crun run --no-pivot q10-front-plain"
block log cat /var/log/vaoci.log
