#!/usr/bin/env bash
# The emulator matrix on a real arm64 kernel, with real x86-64 programs: one
# boot of test/arm64/vm.sh (the kernel of VAOCI_ARM64_KERNEL: 6.1, 6.12 or
# 6.12-16k) runs each emulator without vaoci and with it:
#   qemu 7.2   Debian 12's dynamic qemu-x86_64; vaoci: the preload
#              (LD_PRELOAD, VAOCI_VA_LIMIT, QEMU_UNSET_ENV=LD_PRELOAD)
#   qemu 10    Debian 13's static-pie qemu-x86_64; vaoci: vaoci-binfmt in
#              front of it (flag F, the bundle of `vaoci node install`,
#              container/front.js) and `vaoci-launch --va-limit W qemu ...`
#   box64      Debian 13's box64 0.3.4 (glibc 2.41, chrooted); vaoci: the
#              preload
# The programs: emulator/goalloc (Go, static: heap slices up to 32 MiB,
# goroutines, runtime.GC, syscall.Mmap without a hint) and Debian 12's amd64
# perl (dynamic: four 16 MiB strings through glibc's malloc), each printing
# every address it got ("addr=0x...") and deterministic lines. Asserted on
# the host from the console (emulator/driver.sh runs the VM's side):
#   without vaoci  the bug (an address >= 2^47) where the emulator shows it
#                  on this kernel, else the observation that it keeps them low
#   with vaoci     exit 0, every address inside the window (x86_64, i386,
#                  0x10000-0x100000000000), the deterministic output identical
#                  to the run without vaoci
#   16K pages      an emulator that cannot run 4K-page x86 guests there fails
#                  the same way with and without vaoci (its own error line)
#
#   test/arm64/emulator-suite.sh [vm.sh options, e.g. --timeout 600]
#
# Needs root (apt-get download), go, node and `make native-aarch64` (and
# build/ts for container/front.js). Packages are cached under build/arm64-vm/
# (container/node.sh, emulator/tree.sh). Last line "arm64 emulators [KERNEL]:
# N passed, M failed"; exit 0 only if all held. The console log is
# build/arm64-vm/emulator-suite-KERNEL.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$REPO/build/aarch64
VM=$HERE/vm.sh
# shellcheck source=test/arm64/payload.sh
source "$HERE/payload.sh"
# shellcheck source=test/arm64/container/node.sh
source "$HERE/container/node.sh"
# shellcheck source=test/arm64/emulator/tree.sh
source "$HERE/emulator/tree.sh"

KERNEL=$(kernel_name)
LOG=$REPO/build/arm64-vm/emulator-suite-$KERNEL.log
VERDICT_LABEL="arm64 emulators [$KERNEL]"
# shellcheck source=test/arm64/verdict.sh
source "$HERE/verdict.sh"
PAYLOAD=
cleanup() { [[ -n $PAYLOAD ]] && rm -rf "$PAYLOAD"; return 0; }
trap cleanup EXIT


HIGH=$((1 << 47))
I386=$((1 << 32))
CUSTOM=$((1 << 44)) # emulator/driver.sh's 0x10000-0x100000000000
BUNDLE=/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt

prerequisites() {
	local f
	[[ $(id -u) == 0 ]] || die "needs root (apt-get download of Debian packages)"
	for f in libvaoci-preload.so vaoci-launch; do
		[[ -f $BUILD/$f ]] || die "$BUILD/$f not found; run 'make native-aarch64'"
	done
	for f in go node jq; do
		command -v "$f" >/dev/null || die "$f not found; run .ci/install-deps"
	done
	[[ -f $REPO/build/ts/cli/src/lib/bundle.js ]] || die "build/ts/cli/src/lib/bundle.js not found; run 'make build'"
}

# ---- payload ---------------------------------------------------------------

# The bundle in front of qemu 10 as `vaoci node install` makes it from the
# registration the kernel shows for Debian 13's qemu-user-binfmt (flag F).
front_bundle() {
	local root=$1 reg=$PAYLOAD/qemu.reg
	printf 'enabled\ninterpreter /usr/bin/qemu-x86_64\nflags: F\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n' >"$reg"
	mkdir -p "$root${BUNDLE%/*}"
	# Registered from the VM's root (/t/...); flag F opens it there.
	node "$HERE/container/front.js" "$BUILD/vaoci-launch" "$root/usr/bin/qemu-x86_64" /usr/bin/qemu-x86_64 \
		"$reg" "/t$BUNDLE" "$root$BUNDLE" "$PAYLOAD/front.line" || die "container/front.js failed"
	rm "$reg"
}

build_payload() {
	local tree troot go
	tree=$(node_tree) || die "could not build the Debian 12 arm64 tree (see above)"
	troot=$(emu_trixie_root) || die "could not build the Debian 13 root (see above)"
	go=$(emu_goalloc) || die "could not build emulator/goalloc (see above)"
	PAYLOAD=$(mktemp -d)
	mkdir -p "$PAYLOAD/node"
	# Debian 12's qemu-x86_64 and its libraries; crun's too (the shared tree),
	# not needed here but a few MB.
	cp -a "$tree"/* "$PAYLOAD/node/"
	cp "$tree/.busybox" "$PAYLOAD/busybox"
	install -D -m 0644 "$BUILD/libvaoci-preload.so" "$PAYLOAD/node/opt/vaoci/lib/libvaoci-preload.so"
	cp -a "$troot" "$PAYLOAD/t"
	rm -f "$PAYLOAD/t/.complete"
	install -D -m 0644 "$BUILD/libvaoci-preload.so" "$PAYLOAD/t/opt/vaoci/lib/libvaoci-preload.so"
	install -D -m 0755 "$BUILD/vaoci-launch" "$PAYLOAD/t/opt/vaoci/bin/vaoci-launch"
	install -m 0755 "$go" "$PAYLOAD/t/goalloc"
	install -m 0644 "$HERE/emulator/alloc.pl" "$PAYLOAD/t/alloc.pl"
	front_bundle "$PAYLOAD/t"
	cp "$(node_binfmt_module)" "$PAYLOAD/binfmt_misc.ko" || die "no binfmt_misc.ko (see above)"
	install -m 0755 "$HERE/emulator/driver.sh" "$PAYLOAD/driver.sh"
	install -m 0644 "$HERE/block.sh" "$PAYLOAD/block.sh"
	echo "busybox sh /payload/driver.sh" >"$PAYLOAD/tests.list"
	echo "arm64 emulators [$KERNEL]: payload $(du -sm "$PAYLOAD" | cut -f1) MB" >&2
}

# ---- reading the log -------------------------------------------------------

addrs() { out "$1" | { grep -o '^addr=0x[0-9a-f]*' || true; } | cut -d= -f2; }
# The program's deterministic lines (goalloc: sum/result, perl: sum/perl).
det() { out "$1" | { grep -E '^(sum|result|perl=)' || true; }; }
# Highest address of block $1 (0x0 when none).
highest() {
	local a max=0
	for a in $(addrs "$1"); do ((a > max)) && max=$a; done
	printf '0x%x' "$max"
}
# How many of block $1's addresses are >= $2.
count_at_or_above() {
	local a n=0
	for a in $(addrs "$1"); do ((a >= $2)) && n=$((n + 1)); done
	echo "$n"
}
# The first line of block $1 that is none of the program's (an error), with
# box64's "NNNN|" thread id prefix and its colour codes made comparable.
first_other() {
	out "$1" | grep -vE '^(addr=|sum|result|perl=|\{"vaoci")' | head -n1 | head -c 240 |
		sed -E 's/\x1b\[[0-9;]*m//g; s/\] [0-9]+\|/] PID|/'
}
# The vaoci line (preload or launcher, VAOCI_DEBUG=json): bytes reserved.
reserved() {
	local j
	j=$(out "$1" | grep -m1 '^{"vaoci"' || true)
	[[ -n $j ]] || { echo "no vaoci line"; return; }
	jq -r '"\(.vaoci) reserved \((.bytes // 0) / 1073741824 | floor) GiB in \(.regions) regions"' <<<"$j" 2>/dev/null || echo "$j"
}
summary_of() {
	echo "rc=$(rc "$1"), $(addrs "$1" | wc -l) addresses, highest $(highest "$1"), $(count_at_or_above "$1" "$HIGH") >= 2^47"
}

# ---- what each emulator does without vaoci, per kernel ----------------------

# expect_plain RUN: "high" where the emulator reliably hands the guest an
# address >= 2^47 on this kernel, "low" where it reliably does not, "fails"
# where it cannot run the program at all. Found by running it (see the
# report in the suite's header comment and the output's details).
expect_plain() {
	case $KERNEL:$1 in
	# qemu 7.2 maps the guest's un-hinted mmaps from 0x4000000000 up
	# (DESIGN.md): a program this small never leaves 2^47.
	*:q7-go-plain | *:q7-perl-plain) echo low ;;
	# qemu 10 takes the kernel's un-hinted address: top of the 48-bit window
	# on 4K kernels; 16K pages: the kernel's default window is 2^47.
	6.12-16k:q10-*) echo low ;;
	*:q10-go-plain | *:q10-perl-plain) echo high ;;
	# box64 re-places a guest's own un-hinted mmap found above 2^47
	# (custommem.c box_mmap), not glibc's malloc inside the wrapped libc.
	# box64 0.3.4 cannot run the static Go program at all (SIGTRAP, "Unhandled
	# signal caught, aborting"), with or without vaoci.
	*:bx-go-plain) echo fails ;;
	6.12-16k:bx-perl-plain) echo low ;;
	*:bx-perl-plain) echo high ;;
	esac
}

# ---- assertions ------------------------------------------------------------

check_setup() {
	local o
	o=$(out setup)
	if [[ $(rc setup) == 0 ]] && grep -qx 'flags: F' <<<"$o" && grep -qx "interpreter /t$BUNDLE" <<<"$o"; then
		pass setup "kernel $(head -n1 <<<"$o"), pages of $(sed -n 2p <<<"$o"), binfmt_misc loaded, vaoci-binfmt (qemu 10 inside) registered with flag F"
	else
		fail setup "rc=$(rc setup): $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
	pass versions "$(out versions | grep -v '^$' | paste -sd';' | head -c 300)"
}

# check_plain RUN: the run without vaoci, against expect_plain.
check_plain() {
	local run=$1 want n high
	want=$(expect_plain "$run")
	n=$(addrs "$run" | wc -l)
	high=$(count_at_or_above "$run" "$HIGH")
	if [[ $want == fails ]]; then
		if [[ $(rc "$run") != 0 && $n == 0 ]]; then
			pass "$run" "without vaoci: the emulator cannot run it (rc=$(rc "$run")): $(first_other "$run")"
		else
			fail "$run" "without vaoci: expected a failure, got $(summary_of "$run")"
		fi
	elif [[ $(rc "$run") != 0 || $n == 0 || -z $(det "$run") ]]; then
		fail "$run" "without vaoci: $(summary_of "$run"): $(first_other "$run")"
	elif [[ $want == high ]] && ((high > 0)); then
		pass "$run" "without vaoci: the bug, $high of $n addresses >= 2^47, highest $(highest "$run")"
	elif [[ $want == low ]] && ((high == 0)); then
		pass "$run" "without vaoci: the emulator kept all $n addresses < 2^47 here (highest $(highest "$run"))"
	else
		fail "$run" "without vaoci: expected $want, got $high of $n addresses >= 2^47, highest $(highest "$run")"
	fi
}

# check_window RUN PLAIN LIMIT WINDOW: with vaoci: exit 0, every address <
# LIMIT, the deterministic output byte-identical to PLAIN's.
check_window() {
	local run=$1 plain=$2 limit=$3 window=$4 n over
	if [[ $(expect_plain "$plain") == fails ]]; then
		check_same_failure "$run" "$plain"
		return
	fi
	n=$(addrs "$run" | wc -l)
	over=$(count_at_or_above "$run" "$limit")
	if [[ $(rc "$run") != 0 || $n == 0 ]]; then
		fail "$run" "with vaoci ($window): $(summary_of "$run"): $(first_other "$run")"
	elif ((over > 0)); then
		fail "$run" "with vaoci ($window): $over of $n addresses >= $(printf 0x%x "$limit"), highest $(highest "$run")"
	elif [[ $(det "$run") != "$(det "$plain")" || -z $(det "$run") ]]; then
		fail "$run" "with vaoci ($window): output differs from $plain's: $(diff <(det "$plain") <(det "$run") | head -n4 | paste -sd'|')"
	else
		pass "$run" "with vaoci ($window, $(reserved "$run")): all $n addresses < $(printf 0x%x "$limit") (highest $(highest "$run")), exit 0, output identical to $plain ($(det "$run" | wc -l) lines)"
	fi
}

# check_same_failure RUN PLAIN: where the emulator cannot run the program at
# all, it fails the same way with vaoci (same status, same error line).
check_same_failure() {
	local run=$1 plain=$2
	if [[ $(rc "$plain") != 0 && $(rc "$run") == "$(rc "$plain")" && $(first_other "$run") == "$(first_other "$plain")" ]]; then
		pass "$run" "fails as $plain does (rc=$(rc "$run")): $(first_other "$run")"
	else
		fail "$run" "rc=$(rc "$run") vs $plain rc=$(rc "$plain"): $(first_other "$run") | $(first_other "$plain")"
	fi
}

# check_reshigh: box64's own opt-in switch BOX64_RESERVE_HIGH=1 (no vaoci),
# for comparison: the x86_64 window only, none for i386 or custom windows
# (box32 reserves above 4 GiB by itself), and the user must know to set it.
check_reshigh() {
	local run=bx-perl-reshigh n high
	n=$(addrs "$run" | wc -l)
	high=$(count_at_or_above "$run" "$HIGH")
	if [[ $(rc "$run") == 0 && $n -gt 0 && $high == 0 && $(det "$run") == "$(det bx-perl-plain)" ]]; then
		pass "$run" "box64's own BOX64_RESERVE_HIGH=1 (opt-in, no vaoci): all $n addresses < 2^47 (highest $(highest "$run")), output identical to bx-perl-plain"
	else
		fail "$run" "BOX64_RESERVE_HIGH=1: $(summary_of "$run"): $(first_other "$run")"
	fi
}

# box32 (i386 guests) is built into Debian's box64: its strings. Box32
# reserves everything above 4 GiB itself (core.c: reserveHighMem() when
# box64_is32bits), so i386 guests need no vaoci window under box64.
check_box32() {
	local f
	f=$(emu_trixie_root)/usr/bin/box64
	if grep -qa 'Using Box32 to load 32bits elf' "$f"; then
		pass box32 "Debian's box64 0.3.4 is built with BOX32 (its binary holds \"Using Box32 to load 32bits elf\")"
	else
		fail box32 "Debian's box64 has no BOX32 strings"
	fi
}

# ---- main ------------------------------------------------------------------

main() {
	local start
	prerequisites
	"$VM" --setup || die "vm.sh --setup failed (qemu, cross compiler, kernel or /init)"
	build_payload
	echo "arm64 emulators [$KERNEL]: booting the VM (log: ${LOG#"$REPO"/})" >&2
	start=$(date +%s)
	# A CPU without pointer authentication (like Neoverse-N1 nodes): qemu's
	# emulation of it is slow, and every emulator here is a big aarch64 program.
	if ! payload_boot "$VM" "$LOG" "$PAYLOAD" --cpu max,pauth=off --mem 2048 --timeout 900 "$@"; then
		fail vm "the VM did not boot or did not finish (vm.sh rc=$PAYLOAD_VM_RC, log: $LOG)"
		summary
		exit 1
	fi
	pass vm "booted $(kernel_name) and ran the matrix in $(($(date +%s) - start)) s (VM uptime $(out uptime) s)"
	echo "arm64 emulators [$KERNEL]: seconds per run: $(grep -o '^@@TIME .*' "$LOG" | cut -d' ' -f2- | paste -sd' ')" >&2
	check_setup
	check_box32
	check_plain q7-go-plain
	check_window q7-go-vaoci q7-go-plain "$HIGH" x86_64
	check_plain q7-perl-plain
	check_window q7-perl-vaoci q7-perl-plain "$HIGH" x86_64
	check_plain q10-go-plain
	check_window q10-go-binfmt q10-go-plain "$HIGH" "x86_64, vaoci-binfmt"
	check_window q10-go-launch q10-go-plain "$HIGH" "x86_64, vaoci-launch"
	check_window q10-go-i386 q10-go-plain "$I386" "i386, vaoci-launch"
	check_plain q10-perl-plain
	check_window q10-perl-binfmt q10-perl-plain "$HIGH" "x86_64, vaoci-binfmt"
	check_window q10-perl-custom q10-perl-plain "$CUSTOM" "0x10000-0x100000000000, vaoci-launch"
	check_plain bx-go-plain
	check_window bx-go-vaoci bx-go-plain "$HIGH" x86_64
	check_plain bx-perl-plain
	check_window bx-perl-vaoci bx-perl-plain "$HIGH" x86_64
	check_window bx-perl-i386 bx-perl-plain "$I386" i386
	check_reshigh
	summary
}

main "$@"
