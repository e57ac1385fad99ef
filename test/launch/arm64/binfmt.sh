#!/bin/sh
# Runs inside the arm64 VM (`busybox sh /payload/binfmt.sh` from tests.list,
# after test/launch/arm64.sh's direct tests): loads binfmt_misc, registers
# Debian's qemu-x86_64-static for x86-64 ELF with flag F and runs the x86-64
# guest (guest.c) through it, then replaces that registration by vaoci-binfmt
# (flag F, /etc/vaoci/launch.conf naming the same qemu-x86_64-static) and runs
# the same guest again; each also with flag P. Same magic and mask both times:
# only the interpreter differs. It asserts nothing: each step is a
# "@@VAOCI-BEGIN NAME" ... "@@STATUS N" "@@VAOCI-END NAME" block on the
# console, judged on the host.
set -u
P=/payload
M=/proc/sys/fs/binfmt_misc
/payload/busybox mkdir -p /bin
/payload/busybox --install -s /bin
PATH=/bin
export PATH

# shellcheck source=test/arm64/block.sh
. /payload/block.sh

# x86-64 ELF executables (ET_EXEC, ET_DYN): qemu-user-static's own magic and
# mask (Debian's /usr/share/binfmts/qemu-x86_64). binfmt_misc decodes \x.
MAGIC='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00'
MASK='\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

setup() {
	uname -r &&
		cut -d' ' -f1 /proc/uptime &&
		insmod "$P/binfmt_misc.ko" &&
		mount -t binfmt_misc none "$M" &&
		mkdir -p /etc/vaoci &&
		printf 'emulator = %s\nva-limit = x86_64\n' "$P/qemu-x86_64-static" >/etc/vaoci/launch.conf &&
		printf 'emulator = %s\n' "$P/qemu-x86_64-static" >/etc/vaoci/no-window.conf
}

# register NAME INTERPRETER FLAGS: replaces every x86-64 entry by this one and
# prints it, and what is registered.
register() {
	for e in qemu-x86_64 vaoci-x86_64; do
		[ ! -e "$M/$e" ] || echo -1 >"$M/$e" || return 1
	done
	printf ':%s:M::%s:%s:%s:%s\n' "$1" "$MAGIC" "$MASK" "$2" "$3" >"$M/register" &&
		cat "$M/$1" &&
		entries
}
entries() {
	printf 'entries:'
	for e in "$M"/*; do
		case ${e##*/} in register | status) ;; *) printf ' %s' "${e##*/}" ;; esac
	done
	echo
}

# The guest exec'd as init would exec any program: the kernel hands it to
# whatever binfmt_misc entry matches. guest_p gives it an argv[0] of its own.
guest() { "$P/guest" a 'b c'; }
# shellcheck disable=SC3038 # busybox ash has exec -a
guest_p() { (exec -a custom-argv0 "$P/guest" a 'b c'); }

block setup setup
block qemu-F-reg register qemu-x86_64 "$P/qemu-x86_64-static" F
block qemu-F guest
block qemu-FP-reg register qemu-x86_64 "$P/qemu-x86_64-static" FP
block qemu-FP guest_p
block vaoci-F-reg register vaoci-x86_64 "$P/vaoci-binfmt" F
# VAOCI_DEBUG: the launcher's one line (what it reserved) on stderr.
block vaoci-F env VAOCI_DEBUG=1 "$P/guest" a 'b c'
# The control: the same launcher with no window is only a loader.
block vaoci-F-nowindow env VAOCI_DEBUG=1 VAOCI_LAUNCH_CONF=/etc/vaoci/no-window.conf "$P/guest" a 'b c'
block vaoci-FP-reg register vaoci-x86_64 "$P/vaoci-binfmt" FP
block vaoci-FP guest_p
block uptime cut -d' ' -f1 /proc/uptime
