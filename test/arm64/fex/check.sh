#!/usr/bin/env bash
# By hand, not in make test: vaoci's FEX rule against the real FEX. FEX is not
# packaged by Debian and its source reaches this machine only through a
# session's fetch tool, so CI cannot build it; this script runs a FEX you built
# (FEX-Emu/FEX for aarch64: FEX, FEXServer and the aarch64 libraries they
# need, in FEX_ROOT/{FEX,FEXServer,lib/}) in the arm64 VM on each kernel of the
# matrix, three ways: FEX alone; with vaoci's preload as the FEX rule sets it
# (VAOCI_VA_LIMIT=0x0-0x1000000000000: outside x86_64 and FEX's own
# [2^47, 2^48)); with the preload reserving all of x86_64's complement (what
# the rule must not do: FEX needs its region free).
#   test/arm64/fex/check.sh FEX_ROOT [KERNEL...]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
# shellcheck source=test/arm64/kernel.sh
source "$REPO/test/arm64/kernel.sh"
root=${1:?usage: check.sh FEX_ROOT [KERNEL...]}
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$root" "$tmp/root"
aarch64-linux-gnu-gcc -static -O2 -o "$tmp/root/init" "$HERE/init.c"
gcc -static -O2 -o "$tmp/root/guest" "$HERE/guest.c"
cp "$REPO/build/aarch64/libvaoci-preload.so" "$tmp/root/"
(cd "$tmp/root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1 >"$tmp/initrd.gz")
kernels=("$@")
((${#kernels[@]})) || kernels=("${ARM64_KERNELS[@]}")
for k in "${kernels[@]}"; do
	dir=$(VAOCI_ARM64_KERNEL=$k kernel_dir)
	timeout 400 qemu-system-aarch64 -M virt -cpu max,pauth=off -smp 2 -m 2048 -nic none -nographic -no-reboot \
		-kernel "$dir/Image" -initrd "$tmp/initrd.gz" -append "console=ttyAMA0 panic=-1 quiet" </dev/null 2>&1 |
		tr -d '\r' | grep -aE '^(kernel|===|guest:|\{)|[Pp]age size|ERROR'
done
