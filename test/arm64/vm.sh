#!/usr/bin/env bash
# Boot a real Debian arm64 kernel under qemu-system-aarch64 with an initramfs
# holding static aarch64 test programs, run them, report results. The kernel
# is VAOCI_ARM64_KERNEL's (test/arm64/kernel.sh: 6.1, 6.12 or 6.12-16k;
# default 6.1).
#
#   test/arm64/vm.sh [--timeout SECONDS] [--log FILE] [--cpu MODEL] [--mem MIB] PAYLOAD_DIR
#   test/arm64/vm.sh --extract NAME LOGFILE
#   test/arm64/vm.sh --setup
#
# PAYLOAD_DIR holds static aarch64 executables and a tests.list (one
# "NAME ARG..." per line; see init.c). Exit 0 only if the VM reached
# @@VAOCI-DONE and every test exited 0. --extract prints the console lines
# between "@@VAOCI-BEGIN NAME" and "@@VAOCI-END NAME" (every such block).
# --setup only installs the tools, fetches the kernel and builds /init
# (into build/arm64-vm/, reused by later runs). --cpu is qemu's -cpu (default
# max; max,pauth-impdef=on emulates pointer authentication much faster);
# --mem the VM's RAM in MiB (default 1024; the initramfs lives in it).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=$REPO/build/arm64-vm
TIMEOUT=240
CPU=max
MEM=1024
LOG=$CACHE/last.log
TMP=
# shellcheck source=test/arm64/kernel.sh
source "$HERE/kernel.sh"

die() { echo "arm64: $*" >&2; exit 1; }
log() { echo "arm64: $*" >&2; }
cleanup() { [[ -n $TMP ]] && rm -rf "$TMP"; return 0; }
trap cleanup EXIT

usage() {
	sed -n 's/^#   //p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# ---- --extract -------------------------------------------------------------

# Markers are matched anywhere on a line: a test whose last output lacks a
# newline leaves "@@VAOCI-END" glued to the end of that output.
extract() {
	local name=$1 file=$2
	[[ -r $file ]] || die "cannot read $file"
	tr -d '\r' <"$file" | awk -v name="$name" '
		BEGIN { b = "@@VAOCI-BEGIN " name; e = "@@VAOCI-END " name " rc=" }
		!inside { i = index($0, b)
			if (i && substr($0, i) == b) { inside = 1; found = 1 }
			next }
		{ i = index($0, e)
		  if (i) { if (i > 1) print substr($0, 1, i - 1); inside = 0; next }
		  print }
		END { exit found ? 0 : 1 }'
}

# ---- tools and cache -------------------------------------------------------

apt_install() {
	[[ $(id -u) == 0 ]] || die "missing packages ($*) and not root; install them"
	log "installing $*"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null
	apt-get -qq -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "$@" >/dev/null
}

ensure_tools() {
	local missing=()
	command -v qemu-system-aarch64 >/dev/null || missing+=(qemu-system-arm)
	command -v cpio >/dev/null || missing+=(cpio)
	command -v file >/dev/null || missing+=(file)
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
	((${#missing[@]} == 0)) || apt_install "${missing[@]}"
}

# Prints the cached uncompressed arm64 Image of the selected kernel
# (test/arm64/kernel.sh: VAOCI_ARM64_KERNEL), fetching it once.
fetch_kernel() {
	local dir
	dir=$(kernel_dir) || die "no kernel (see above)"
	echo "$dir/Image"
}

# Static /init, rebuilt when init.c changes; mv keeps concurrent runs safe.
build_init() {
	local out=$CACHE/init
	[[ -x $out && $out -nt $HERE/init.c ]] && return 0
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -o "$out.$$" "$HERE/init.c"
	mv "$out.$$" "$out"
}

# ---- boot and report -------------------------------------------------------

build_initrd() {
	local payload=$1 root=$TMP/root
	mkdir -p "$root"/{proc,sys,dev,tmp,payload}
	cp "$CACHE/init" "$root/init"
	cp -a "$payload/." "$root/payload/"
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$TMP/initrd.cpio.gz"
}

# stdin is /dev/null so this works without a terminal (CI); the console
# goes to the log with \r stripped, and to stdout.
boot() {
	local kernel=$1 start rc
	start=$(date +%s.%N)
	set +e
	# -nic none: the tests need no network, and without it qemu looks for
	# efi-virtio.rom (package ipxe-qemu, a recommends nothing installs).
	timeout -k 10 "$TIMEOUT" qemu-system-aarch64 -M virt -cpu "$CPU" -smp 2 -m "$MEM" \
		-nic none -nographic -no-reboot -kernel "$kernel" -initrd "$TMP/initrd.cpio.gz" \
		-append "console=ttyAMA0 panic=-1 quiet" </dev/null 2>&1 |
		tr -d '\r' | tee "$LOG"
	rc=${PIPESTATUS[0]}
	set -e
	log "VM ($(kernel_name)) ran for $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	if ((rc == 124 || rc == 137)); then
		report_tests "$(markers)" || true
		die "VM timed out after ${TIMEOUT}s (log: $LOG)"
	fi
	((rc == 0)) || log "qemu exited with status $rc"
}

markers() { grep -o '@@VAOCI-\(BEGIN\|END\) .*' "$LOG" || true; }

# One line per test, then a verdict; returns non-zero on any failure.
report() {
	local results
	[[ -s $LOG ]] || die "VM printed nothing; did it boot? (log: $LOG)"
	results=$(markers)
	grep -q '@@VAOCI-DONE' "$LOG" ||
		{ report_tests "$results" || true; die "VM never printed @@VAOCI-DONE (log: $LOG)"; }
	[[ -n $results ]] || die "VM ran no tests (empty tests.list?) (log: $LOG)"
	report_tests "$results" || die "some tests FAILED (log: $LOG)"
	echo "arm64: all tests passed"
}

report_tests() {
	awk '
		$1 == "@@VAOCI-BEGIN" { n++; open[n] = $2; st[n] = "" }
		$1 == "@@VAOCI-END" { rc = substr($3, 4)
			for (i = 1; i <= n; i++) if (open[i] == $2 && st[i] == "") { st[i] = rc; break } }
		END { bad = 0
			for (i = 1; i <= n; i++) {
				if (st[i] == "0") printf "arm64 %s: ok\n", open[i]
				else if (st[i] == "") { printf "arm64 %s: FAILED (no end marker)\n", open[i]; bad = 1 }
				else { printf "arm64 %s: FAILED rc=%s\n", open[i], st[i]; bad = 1 } }
			exit bad }' <<<"$1"
}

# Prints the kernel path.
setup() {
	mkdir -p "$CACHE"
	ensure_tools
	fetch_kernel
	build_init
}

main() {
	local payload kernel
	while (($#)); do
		case $1 in
		--extract) (($# == 3)) || usage; extract "$2" "$3"; return ;;
		--setup) (($# == 1)) || usage; setup >/dev/null; return ;;
		--timeout) TIMEOUT=${2:?}; shift 2 ;;
		--log) LOG=${2:?}; shift 2 ;;
		--cpu) CPU=${2:?}; shift 2 ;;
		--mem) MEM=${2:?}; shift 2 ;;
		-h | --help) usage ;;
		-*) usage ;;
		*) break ;;
		esac
	done
	(($# == 1)) || usage
	payload=$1
	[[ -f $payload/tests.list ]] || die "$payload/tests.list not found"
	mkdir -p "$(dirname "$LOG")"
	kernel=$(setup)
	TMP=$(mktemp -d)
	build_initrd "$payload"
	boot "$kernel"
	report
}

main "$@"
