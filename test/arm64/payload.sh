# shellcheck shell=bash
# Sourced by test/arm64/native-suite.sh and test/arm64/bench.sh: puts
# dynamically linked aarch64 programs into a VM payload without changing
# vm.sh. The VM's initramfs has no /lib, so each program is linked with
#   -Wl,--dynamic-linker=/payload/ld-linux-aarch64.so.1 -Wl,-rpath,/payload
# and the cross toolchain's loader and every shared library the programs
# (and libvaoci-preload.so) need are copied into the payload beside them.
#
#   payload_add_dynamic DIR NAME...  build test/arm64/dyn/NAME.c into DIR/NAME,
#                                    copy libvaoci-preload.so, the loader, libs
#   payload_add_runenv DIR           build the static DIR/runenv (dyn/runenv.c)
#
# Both return non-zero with one line on stderr when something is missing.
# Needs aarch64-linux-gnu-gcc (vm.sh --setup installs it) and
# build/aarch64/libvaoci-preload.so (make native-aarch64).

PAYLOAD_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAYLOAD_REPO=$(cd "$PAYLOAD_SH_DIR/../.." && pwd)
# Where the cross toolchain keeps the aarch64 loader and libc (Debian's
# libc6-arm64-cross); override to use another sysroot.
PAYLOAD_LIBDIR=${VAOCI_ARM64_LIBDIR:-/usr/aarch64-linux-gnu/lib}
PAYLOAD_LOADER=ld-linux-aarch64.so.1
PAYLOAD_CC=aarch64-linux-gnu-gcc
PAYLOAD_CFLAGS=(-O2 -Wall -Wextra -Werror)

payload_err() { echo "arm64 payload: $*" >&2; return 1; }

payload_readelf() {
	if command -v aarch64-linux-gnu-readelf >/dev/null; then
		aarch64-linux-gnu-readelf "$@"
	else
		readelf "$@"
	fi
}

# The DT_NEEDED sonames of ELF file $1, one per line.
payload_needed() {
	payload_readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

# Copies into DIR the closure of the libraries the ELF files in DIR need,
# plus the loader, from PAYLOAD_LIBDIR (dereferencing symlinks).
payload_copy_libs() {
	local dir=$1 f lib todo=() seen=" "
	for f in "$dir"/*; do
		[[ -f $f && ! -L $f ]] && head -c4 "$f" | grep -q 'ELF' && todo+=("$f")
	done
	todo+=("$PAYLOAD_LIBDIR/$PAYLOAD_LOADER")
	while ((${#todo[@]})); do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		[[ $f == "$PAYLOAD_LIBDIR"/* ]] && { cp -L "$f" "$dir/" || return 1; }
		while IFS= read -r lib; do
			[[ $seen == *" $lib "* ]] && continue
			seen+="$lib "
			[[ -e $PAYLOAD_LIBDIR/$lib ]] || payload_err "$lib (needed by $(basename "$f")) not in $PAYLOAD_LIBDIR" || return 1
			todo+=("$PAYLOAD_LIBDIR/$lib")
		done < <(payload_needed "$f")
	done
}

payload_add_dynamic() {
	local dir=$1 name
	shift
	command -v "$PAYLOAD_CC" >/dev/null || payload_err "$PAYLOAD_CC not found" || return 1
	[[ -f $PAYLOAD_LIBDIR/$PAYLOAD_LOADER ]] || payload_err "$PAYLOAD_LIBDIR/$PAYLOAD_LOADER not found (libc6-arm64-cross)" || return 1
	[[ -f $PAYLOAD_REPO/build/aarch64/libvaoci-preload.so ]] ||
		payload_err "build/aarch64/libvaoci-preload.so not found; run 'make native-aarch64'" || return 1
	cp "$PAYLOAD_REPO/build/aarch64/libvaoci-preload.so" "$dir/" || return 1
	for name in "$@"; do
		"$PAYLOAD_CC" "${PAYLOAD_CFLAGS[@]}" -pthread -o "$dir/$name" "$PAYLOAD_SH_DIR/dyn/$name.c" \
			-Wl,--dynamic-linker=/payload/$PAYLOAD_LOADER -Wl,-rpath,/payload ||
			payload_err "building dyn/$name.c failed" || return 1
	done
	payload_copy_libs "$dir"
}

payload_add_runenv() {
	command -v "$PAYLOAD_CC" >/dev/null || payload_err "$PAYLOAD_CC not found" || return 1
	"$PAYLOAD_CC" "${PAYLOAD_CFLAGS[@]}" -static -o "$1/runenv" "$PAYLOAD_SH_DIR/dyn/runenv.c" ||
		payload_err "building dyn/runenv.c failed"
}

# payload_boot VM LOG PAYLOAD [vm.sh options...]: boots the VM on PAYLOAD with
# a fresh console log (never judge a previous run's) and the console in the log
# only. Returns 0 when the VM finished its list (@@VAOCI-DONE), else prints the
# log's tail and returns 1; PAYLOAD_VM_RC holds vm.sh's exit code either way.
payload_boot() {
	local vm=$1 log=$2 payload=$3
	shift 3
	mkdir -p "$(dirname "$log")"
	rm -f "$log"
	# shellcheck disable=SC2034 # read by the sourcing script
	PAYLOAD_VM_RC=0
	# shellcheck disable=SC2034
	"$vm" --timeout 300 --log "$log" "$@" "$payload" >/dev/null || PAYLOAD_VM_RC=$?
	if [[ ! -s $log ]] || ! grep -q '@@VAOCI-DONE' "$log"; then
		[[ -s $log ]] && tail -n 20 "$log" >&2
		return 1
	fi
}
