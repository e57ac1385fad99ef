# shellcheck shell=bash
# Sourced by test/arm64/vm.sh and the suites: the arm64 kernels of the test
# matrix, each a Debian package, cached under build/arm64-vm/kernel/NAME/
# (delete the directory to fetch the current one again).
#
#   NAME       package (Debian)                  pages  user VA
#   6.1        linux-image-cloud-arm64 (12)      4K     48 bits
#   6.12       linux-image-cloud-arm64 (13)      4K     52 bits (LPA2: -cpu max has it)
#   6.12-16k   linux-image-arm64-16k (13)        16K    52 bits (LPA2)
#
# The kernel is chosen by VAOCI_ARM64_KERNEL (default 6.1); `make test-arm64`
# runs every suite on each of ARM64_KERNELS.
#
#   kernel_name              the selected NAME (checked)
#   kernel_dir               prints the cache directory of the selected kernel,
#                            fetching it once: Image (the uncompressed arm64
#                            Image), version (uname -r), and NAME.ko of each
#                            of KERNEL_MODULES the kernel has as a module
#   kernel_expect_va_bits    48 or 52: what the probe must report
#   kernel_expect_page_size  4096 or 16384
#   kernel_default_window    the kernel's DEFAULT_MAP_WINDOW in bits: where
#                            mmap(NULL) and the stack stay without a hint
#                            (48; 47 with 16K pages, where VA_BITS_MIN is 47)

# shellcheck source=test/arm64/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

ARM64_KERNELS=(6.1 6.12 6.12-16k)
# The modules the suites insmod (binfmt_misc: the emulators; overlay: `vaoci run`'s rootfs).
KERNEL_MODULES=(binfmt_misc overlay)
KERNEL_CACHE=$SIDE_APT_REPO/build/arm64-vm/kernel

kernel_err() { echo "arm64 kernel: $*" >&2; return 1; }

kernel_name() {
	local k=${VAOCI_ARM64_KERNEL:-6.1}
	case $k in
	6.1 | 6.12 | 6.12-16k) echo "$k" ;;
	*) kernel_err "VAOCI_ARM64_KERNEL: value \"$k\" — expected one of ${ARM64_KERNELS[*]}" ;;
	esac
}

kernel_suite() { case $1 in 6.1) echo bookworm ;; *) echo trixie ;; esac; }
kernel_meta() { case $1 in 6.12-16k) echo linux-image-arm64-16k ;; *) echo linux-image-cloud-arm64 ;; esac; }

kernel_expect_va_bits() { case $(kernel_name) in 6.1) echo 48 ;; *) echo 52 ;; esac; }
kernel_expect_page_size() { case $(kernel_name) in 6.12-16k) echo 16384 ;; *) echo 4096 ;; esac; }
kernel_default_window() { case $(kernel_name) in 6.12-16k) echo 47 ;; *) echo 48 ;; esac; }

# The image package the meta package depends on now (its ABI changes).
kernel_package() {
	local suite=$1 meta=$2 pkg
	pkg=$(side_apt_cache "$suite" depends "$meta:arm64" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*\).*/\1/p' | head -n1)
	[[ -n $pkg ]] || kernel_err "$suite: $meta:arm64 depends on no linux-image-* package" || return 1
	echo "$pkg"
}

kernel_dir() {
	local name dir suite meta pkg tmp imgs ver ko m
	name=$(kernel_name) || return 1
	dir=$KERNEL_CACHE/$name
	# .complete lists the modules looked for: a cache from a shorter list is fetched again.
	if [[ ! -f $dir/.complete || $(cat "$dir/.complete") != "${KERNEL_MODULES[*]}" ]]; then
		suite=$(kernel_suite "$name")
		meta=$(kernel_meta "$name")
		pkg=$(kernel_package "$suite" "$meta") || return 1
		echo "arm64 kernel: downloading $pkg:arm64 ($suite)" >&2
		mkdir -p "$KERNEL_CACHE"
		tmp=$(mktemp -d "$KERNEL_CACHE/$name.XXXXXX")
		if ! (cd "$tmp" && side_apt_get "$suite" download "$pkg:arm64" >/dev/null); then
			rm -rf "$tmp"
			kernel_err "apt-get download $pkg:arm64 ($suite) failed"
			return 1
		fi
		dpkg-deb -x "$tmp"/*.deb "$tmp/x"
		imgs=("$tmp"/x/boot/vmlinuz-*)
		[[ -f ${imgs[0]} ]] || { rm -rf "$tmp"; kernel_err "$pkg has no boot/vmlinuz-*"; return 1; }
		ver=${imgs[0]##*/vmlinuz-}
		mkdir "$tmp/out"
		mv "${imgs[0]}" "$tmp/out/Image"
		echo "$ver" >"$tmp/out/version"
		for m in "${KERNEL_MODULES[@]}"; do
			ko=$(find "$tmp/x/lib/modules/$ver" "$tmp/x/usr/lib/modules/$ver" -name "$m.ko*" 2>/dev/null | head -n1)
			case $ko in
			'') ;; # built in (or absent: the suite that needs it says so)
			*.xz) xz -dc "$ko" >"$tmp/out/$m.ko" ;;
			*.zst) zstd -qdc "$ko" >"$tmp/out/$m.ko" ;;
			*) cp "$ko" "$tmp/out/$m.ko" ;;
			esac
		done
		echo "${KERNEL_MODULES[*]}" >"$tmp/out/.complete"
		rm -rf "$dir"
		mv "$tmp/out" "$dir"
		rm -rf "$tmp"
	fi
	file -b "$dir/Image" | grep -q 'ARM64 boot executable Image' ||
		kernel_err "$dir/Image is not an uncompressed arm64 Image: $(file -b "$dir/Image")" || return 1
	echo "$dir"
}
