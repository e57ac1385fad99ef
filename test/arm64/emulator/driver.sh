#!/bin/sh
# Runs inside the arm64 VM (`busybox sh /payload/driver.sh` from tests.list)
# for test/arm64/emulator-suite.sh: each emulator runs each x86-64 program
# without vaoci, then with it (the preload, vaoci-binfmt, vaoci-launch). It
# asserts nothing: each run is a "@@VAOCI-BEGIN NAME" ... "@@STATUS N"
# "@@VAOCI-END NAME" block on the console, judged on the host.
#
# Two roots, because the emulators need two glibcs:
#   /    Debian 12 (the initramfs root): the dynamic qemu-x86_64 7.2 and its
#        libraries (container/node.sh's tree), busybox
#   /t   Debian 13 (merged /usr): box64 0.3.4 and glibc 2.41, the static-pie
#        qemu-x86_64 10 at /usr/bin/qemu-x86_64, Debian 12's amd64 perl and
#        libraries at their Debian paths, /goalloc, /alloc.pl, /opt/vaoci
# The Debian 13 emulators run chrooted into /t; qemu 7.2 runs in / with -L /t.
set -u
P=/payload
T=/t
M=/proc/sys/fs/binfmt_misc
PRELOAD=/opt/vaoci/lib/libvaoci-preload.so
CUSTOM=0x10000-0x100000000000

/payload/busybox mkdir -p /bin
/payload/busybox --install -s /bin
PATH=/bin:/usr/bin
export PATH
for d in "$P"/node/*; do mv "$d" /; done
mv "$P/t" "$T"

# shellcheck source=test/arm64/block.sh
. /payload/block.sh

# run NAME COMMAND...: block, then "@@TIME NAME SECONDS" (outside the block)
# so the host can print where the VM's time goes.
run() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	block "$@"
	echo "@@TIME $1 $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')"
}

# box64 reads /proc (maps, cpuinfo, self/exe); perl wants /dev/null. Flag F
# opens the bundle now, from this root, so the chrooted exec finds it.
setup() {
	uname -r &&
		sed -n 's/^KernelPageSize: *\([0-9]*\) kB/\1 KiB/p' /proc/self/smaps | head -n1 &&
		mkdir -p "$T/proc" "$T/dev" "$T/tmp" &&
		mount -t proc proc "$T/proc" &&
		mount -o bind /dev "$T/dev" &&
		insmod "$P/binfmt_misc.ko" &&
		mount -t binfmt_misc none "$M" &&
		cat "$P/front.line" >"$M/register" &&
		cat "$M/vaoci-qemu-x86_64"
}

# ---- the emulators, each way -----------------------------------------------

# q7 PROGRAM...: Debian 12's dynamic qemu 7.2, no vaoci.
q7() { /usr/bin/qemu-x86_64 -L "$T" "$@"; }
# q7v WINDOW PROGRAM...: the same with the preload, as vaoci's injection sets
# it (QEMU_UNSET_ENV: the guest does not inherit an aarch64 LD_PRELOAD).
q7v() {
	w=$1
	shift
	env LD_PRELOAD=$PRELOAD VAOCI_VA_LIMIT="$w" VAOCI_DEBUG=json QEMU_UNSET_ENV=LD_PRELOAD \
		/usr/bin/qemu-x86_64 -L "$T" "$@"
}
# q10 PROGRAM...: Debian 13's static-pie qemu 10 (LD_PRELOAD cannot reach it).
q10() { chroot "$T" /usr/bin/qemu-x86_64 "$@"; }
# q10b PROGRAM...: exec'd as a container would: binfmt_misc hands it to
# vaoci-binfmt (flag F), which reserves and loads its copy of qemu 10.
q10b() { chroot "$T" env VAOCI_DEBUG=json "$@"; }
# q10l WINDOW PROGRAM...: what vaoci's launch injection writes into args.
q10l() {
	w=$1
	shift
	chroot "$T" env VAOCI_DEBUG=json /opt/vaoci/bin/vaoci-launch --va-limit "$w" /usr/bin/qemu-x86_64 "$@"
}
# bx PROGRAM...: box64, no vaoci. BOX64_NOBANNER keeps its banner off stdout.
bx() { chroot "$T" env BOX64_NOBANNER=1 /usr/bin/box64 "$@"; }
# bxv WINDOW PROGRAM...: box64 with the preload (glibc's loader preloads it
# into box64; box64 also appends LD_PRELOAD to its guest's preload list,
# core.c, and warns that it cannot load an aarch64 library there).
bxv() {
	w=$1
	shift
	chroot "$T" env BOX64_NOBANNER=1 LD_PRELOAD=$PRELOAD VAOCI_VA_LIMIT="$w" VAOCI_DEBUG=json /usr/bin/box64 "$@"
}

# bxh PROGRAM...: box64 with BOX64_RESERVE_HIGH=1, no vaoci.
bxh() { chroot "$T" env BOX64_NOBANNER=1 BOX64_RESERVE_HIGH=1 /usr/bin/box64 "$@"; }

# ---- evidence about the emulators ------------------------------------------

versions() {
	/usr/bin/qemu-x86_64 --version | head -n1
	chroot "$T" /usr/bin/qemu-x86_64 --version | head -n1
	chroot "$T" /usr/bin/box64 --version
}
# box32: compiled in or not (its help lists BOX64_... and a box32 line).
box64_help() { chroot "$T" /usr/bin/box64 --help; }

run setup setup
run versions versions
run box64-help box64_help
run q7-go-plain q7 /t/goalloc
run q7-go-vaoci q7v x86_64 /t/goalloc
run q7-perl-plain q7 /t/usr/bin/perl /t/alloc.pl
run q7-perl-vaoci q7v x86_64 /t/usr/bin/perl /t/alloc.pl
run q10-go-plain q10 /goalloc
run q10-go-binfmt q10b /goalloc
run q10-go-launch q10l x86_64 /goalloc
run q10-go-i386 q10l i386 /goalloc
run q10-perl-plain q10 /usr/bin/perl /alloc.pl
run q10-perl-binfmt q10b /usr/bin/perl /alloc.pl
run q10-perl-custom q10l "$CUSTOM" /usr/bin/perl /alloc.pl
run bx-go-plain bx /goalloc
run bx-go-vaoci bxv x86_64 /goalloc
run bx-perl-plain bx /usr/bin/perl /alloc.pl
run bx-perl-vaoci bxv x86_64 /usr/bin/perl /alloc.pl
run bx-perl-i386 bxv i386 /usr/bin/perl /alloc.pl
# box64's own switch for 64-bit guests (off by default since 0.2.4): it
# reserves from 2^47 up itself (custommem.c my_reserveHighMem).
run bx-perl-reshigh bxh /usr/bin/perl /alloc.pl
run uptime cut -d' ' -f1 /proc/uptime
