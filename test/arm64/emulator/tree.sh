# shellcheck shell=bash
# Sourced by test/arm64/emulator-suite.sh: the x86-64 programs and the
# emulators it runs, from Debian's own packages, cached under build/arm64-vm/
# (delete a cache directory to rebuild it).
#
#   emu_trixie_root   prints the cached Debian 13 root (merged /usr): box64
#                     0.3.4 with its arm64 glibc 2.41 (libc6, libgcc-s1),
#                     qemu-x86_64 10 (static-pie, the only file kept of
#                     qemu-user) and Debian 12's amd64 perl-base with its
#                     library closure (libc6, libcrypt1, libgcc-s1:amd64) at
#                     their Debian paths. The multiarch paths do not collide
#                     (/usr/lib/aarch64-linux-gnu vs /usr/lib/x86_64-linux-gnu,
#                     /lib/ld-linux-aarch64.so.1 vs /lib64/ld-linux-x86-64.so.2),
#                     so one root serves box64 (chroot) and qemu (-L)
#   emu_goalloc       prints the x86-64 Go program (emulator/goalloc), built
#                     static here (GOOS=linux GOARCH=amd64 CGO_ENABLED=0)
#
# Each returns non-zero with one line on stderr when something is missing.
# Needs root (apt-get download), go, and test/arm64/kernel.sh (side_apt_get).

EMU_CACHE=$SIDE_APT_REPO/build/arm64-vm
EMU_ROOT=$EMU_CACHE/emulator-root
EMU_DEBS=$EMU_CACHE/emulator-debs
EMU_GO=$EMU_CACHE/emulator-goalloc
EMU_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian 13 arm64: box64, the glibc it needs (>= 2.39) and libcrypt1 (box64
# wraps libcrypt.so.1, which perl needs, with the native one). box64's own
# Depends on libgcc-s1:amd64 / libstdc++6:amd64 are for x86 guests that use
# them; perl needs neither.
EMU_TRIXIE_ARM64=(box64 libc6 libgcc-s1 gcc-14-base libcrypt1 qemu-user)
# Debian 12 amd64: perl-base and its closure (Pre-Depends libc6, libcrypt1;
# libc6 Depends libgcc-s1). dpkg (also a Pre-Depends) is not needed to run.
EMU_BOOKWORM_AMD64=(perl-base libc6 libcrypt1 libgcc-s1 gcc-12-base)

emu_err() { echo "arm64 emulators: $*" >&2; return 1; }

# emu_download DIR: the packages of both lists into DIR/trixie, DIR/bookworm.
emu_download() {
	local d=$1
	mkdir -p "$d/trixie" "$d/bookworm"
	echo "arm64 emulators: downloading ${EMU_TRIXIE_ARM64[*]/%/:arm64} (trixie) and ${EMU_BOOKWORM_AMD64[*]/%/:amd64} (bookworm)" >&2
	(cd "$d/trixie" && side_apt_get trixie download "${EMU_TRIXIE_ARM64[@]/%/:arm64}" >/dev/null) ||
		emu_err "apt-get download (trixie, arm64) failed" || return 1
	# The host is Debian 12 amd64: its own apt serves bookworm amd64. -o for
	# apt's sandbox user, which cannot write into a root-owned directory.
	(cd "$d/bookworm" && apt-get -qq -o APT::Sandbox::User=root download "${EMU_BOOKWORM_AMD64[@]/%/:amd64}" >/dev/null) ||
		emu_err "apt-get download (bookworm, amd64) failed" || return 1
}

# emu_merge_usr ROOT: /bin, /sbin, /lib, /lib64 become symlinks into /usr as
# on a Debian 13 system (bookworm's packages still ship files under /lib).
emu_merge_usr() {
	local r=$1 d
	for d in bin sbin lib lib64; do
		if [[ -d $r/$d && ! -L $r/$d ]]; then
			mkdir -p "$r/usr/$d"
			cp -a "$r/$d/." "$r/usr/$d/"
			rm -rf "${r:?}/$d"
		fi
		mkdir -p "$r/usr/$d"
		ln -s "usr/$d" "$r/$d"
	done
}

# emu_relative_links ROOT: absolute symlinks (libc6:amd64's
# /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...) made relative:
# qemu's -L prefixes the path it opens, and the kernel would resolve an
# absolute link target against the VM's real root, not this one.
emu_relative_links() {
	local r=$1 l t
	while IFS= read -r l; do
		t=$(readlink "$l")
		[[ $t == /* ]] || continue
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$r$t")" "$l"
	done < <(find "$r" -type l)
}

# emu_unpack DEBS ROOT: every package into ROOT, then only what runs is kept:
# qemu-user's 460 MB hold 30 emulators, the suite needs qemu-x86_64.
emu_unpack() {
	local debs=$1 r=$2 f
	for f in "$debs"/trixie/*.deb "$debs"/bookworm/*.deb; do
		dpkg-deb -x "$f" "$r" || emu_err "dpkg-deb -x $f failed" || return 1
	done
	[[ -x $r/usr/bin/qemu-x86_64 && -x $r/usr/bin/box64 ]] || emu_err "qemu-x86_64 or box64 missing from the packages" || return 1
	find "$r/usr/bin" -name 'qemu-*' ! -name qemu-x86_64 -delete
	rm -rf "${r:?}"/usr/share/{doc,man,locale,lintian,info} "$r/usr/bin/box64-bash"
	# box64's x86 libraries for guests that use libstdc++ etc.: perl does not.
	rm -rf "${r:?}/usr/lib/box64-i386-linux-gnu" "$r/usr/lib/box64-x86_64-linux-gnu"
	emu_merge_usr "$r"
	emu_relative_links "$r"
	[[ -e $r/lib/ld-linux-aarch64.so.1 && -e $r/lib64/ld-linux-x86-64.so.2 && -x $r/usr/bin/perl ]] ||
		emu_err "the root lacks a loader or perl" || return 1
}

emu_trixie_root() {
	local tmp
	if [[ ! -f $EMU_ROOT/.complete ]]; then
		mkdir -p "$EMU_CACHE"
		if [[ ! -f $EMU_DEBS/.complete ]]; then
			tmp=$(mktemp -d "$EMU_CACHE/emulator-debs.XXXXXX")
			emu_download "$tmp" || { rm -rf "$tmp"; return 1; }
			touch "$tmp/.complete"
			rm -rf "$EMU_DEBS"
			mv "$tmp" "$EMU_DEBS"
		fi
		tmp=$(mktemp -d "$EMU_CACHE/emulator-root.XXXXXX")
		emu_unpack "$EMU_DEBS" "$tmp/root" || { rm -rf "$tmp"; return 1; }
		touch "$tmp/root/.complete"
		rm -rf "$EMU_ROOT"
		mv "$tmp/root" "$EMU_ROOT"
		rm -rf "$tmp"
	fi
	echo "$EMU_ROOT"
}

# Rebuilt when a source file is newer than the binary.
emu_goalloc() {
	local out=$EMU_GO/goalloc f
	if [[ -x $out ]]; then
		for f in "$EMU_SRC"/goalloc/*; do [[ $f -nt $out ]] && rm -f "$out"; done
	fi
	if [[ ! -x $out ]]; then
		command -v go >/dev/null || emu_err "go not found" || return 1
		mkdir -p "$EMU_GO"
		(cd "$EMU_SRC/goalloc" && GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOFLAGS=-mod=mod \
			go build -trimpath -o "$out.$$" .) || emu_err "go build of emulator/goalloc failed" || return 1
		mv "$out.$$" "$out"
	fi
	echo "$out"
}
