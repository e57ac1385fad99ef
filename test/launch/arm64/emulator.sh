# shellcheck shell=bash
# Sourced by test/launch/arm64.sh: what the VM needs to run an x86-64 program
# through binfmt_misc, from Debian's own arm64 packages, cached under
# build/arm64-vm/ (delete the directory to fetch them again).
#
#   emulator_tree   prints the cached directory: qemu-x86_64-static (from
#                   qemu-user-static, 56 MB, of which only this binary is
#                   kept) and busybox (busybox-static), both static aarch64
#   qemu10_tree     prints the cached directory of Debian 13's qemu-user 10:
#                   qemu-x86_64 and qemu-i386 (static-pie; the 64 MB package
#                   keeps only these) and their qemu-ARCH.conf, the binfmt.d
#                   lines qemu-user-binfmt registers
#                   (/usr/libexec/qemu-binfmt/ARCH-binfmt-P, a link to the
#                   emulator, flags OPF)
#   qemu10_front OUT BUNDLE-PATH
#                   writes into OUT Debian 13's qemu-x86_64, the line
#                   qemu-user-binfmt registers (register), and what `vaoci
#                   node install` puts in front of that registration: the
#                   bundle (bundle, for BUNDLE-PATH) and its register line
#                   (front.line); prints the flags as the kernel shows them
#
# binfmt_misc.ko comes from test/arm64/container/node.sh (node_binfmt_module),
# which the caller sources with test/arm64/payload.sh. Returns non-zero with
# one line on stderr when something is missing. Needs root (apt-get download);
# qemu10_front also node, build/ts (make build) and build/aarch64/vaoci-launch.

EMULATOR_TREE=$PAYLOAD_REPO/build/arm64-vm/launch-emulator
EMULATOR_PACKAGES=(qemu-user-static busybox-static)
# package path -> cached name
EMULATOR_FILES=("usr/bin/qemu-x86_64-static qemu-x86_64-static" "bin/busybox busybox")

emulator_tree() {
	local tmp f src dst
	if [[ ! -f $EMULATOR_TREE/.complete ]]; then
		node_apt_ready || return 1
		mkdir -p "${EMULATOR_TREE%/*}"
		tmp=$(mktemp -d "$EMULATOR_TREE.XXXXXX")
		echo "arm64 launch: downloading ${EMULATOR_PACKAGES[*]/%/:arm64}" >&2
		# -o for apt's sandbox user, which cannot write into a root-owned directory.
		if ! (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download "${EMULATOR_PACKAGES[@]/%/:arm64}" >/dev/null); then
			rm -rf "$tmp"
			node_err "apt-get download ${EMULATOR_PACKAGES[*]/%/:arm64} failed"
			return 1
		fi
		for f in "$tmp"/*.deb; do
			dpkg-deb -x "$f" "$tmp/x" || { rm -rf "$tmp"; node_err "dpkg-deb -x $f failed"; return 1; }
		done
		mkdir "$tmp/tree"
		for f in "${EMULATOR_FILES[@]}"; do
			read -r src dst <<<"$f"
			[[ -f $tmp/x/$src ]] || { rm -rf "$tmp"; node_err "$src is in none of ${EMULATOR_PACKAGES[*]}"; return 1; }
			install -m 0755 "$tmp/x/$src" "$tmp/tree/$dst"
		done
		touch "$tmp/tree/.complete"
		rm -rf "$EMULATOR_TREE"
		mv "$tmp/tree" "$EMULATOR_TREE"
		rm -rf "$tmp"
	fi
	echo "$EMULATOR_TREE"
}

QEMU10_TREE=$PAYLOAD_REPO/build/arm64-vm/qemu10

qemu10_tree() {
	local tmp
	local arch
	# qemu-i386 joined later: a cache without it is fetched again.
	if [[ ! -f $QEMU10_TREE/.complete || ! -f $QEMU10_TREE/qemu-i386 ]]; then
		mkdir -p "${QEMU10_TREE%/*}"
		tmp=$(mktemp -d "$QEMU10_TREE.XXXXXX")
		echo "arm64 launch: downloading qemu-user:arm64 (Debian 13, trixie)" >&2
		if ! (cd "$tmp" && side_apt_get trixie download qemu-user:arm64 >/dev/null) ||
			! dpkg-deb -x "$tmp"/qemu-user_*.deb "$tmp/x"; then
			rm -rf "$tmp"
			node_err "apt-get download qemu-user:arm64 (trixie) failed"
			return 1
		fi
		mkdir "$tmp/tree"
		for arch in x86_64 i386; do
			if [[ ! -f $tmp/x/usr/bin/qemu-$arch || ! -f $tmp/x/usr/share/qemu/binfmt.d/qemu-$arch.conf ]]; then
				rm -rf "$tmp"
				node_err "trixie's qemu-user has no usr/bin/qemu-$arch or binfmt.d/qemu-$arch.conf"
				return 1
			fi
			install -m 0755 "$tmp/x/usr/bin/qemu-$arch" "$tmp/tree/qemu-$arch"
			install -m 0644 "$tmp/x/usr/share/qemu/binfmt.d/qemu-$arch.conf" "$tmp/tree/qemu-$arch.conf"
		done
		touch "$tmp/tree/.complete"
		rm -rf "$QEMU10_TREE"
		mv "$tmp/tree" "$QEMU10_TREE"
		rm -rf "$tmp"
	fi
	echo "$QEMU10_TREE"
}

qemu10_front() {
	local out=$1 bundle=$2 q10 magic mask interp flags kflags=""
	q10=$(qemu10_tree) || return 1
	mkdir -p "$out"
	install -m 0755 "$q10/qemu-x86_64" "$out/qemu-x86_64"
	cp "$q10/qemu-x86_64.conf" "$out/register"
	# :name:type:offset:magic:mask:interpreter:flags, bytes as \xNN
	IFS=: read -r _ _ _ _ magic mask interp flags <"$out/register"
	# the kernel shows the flags in its own order
	[[ $flags == *P* ]] && kflags+=P
	[[ $flags == *O* ]] && kflags+=O
	[[ $flags == *C* ]] && kflags+=C
	[[ $flags == *F* ]] && kflags+=F
	printf 'enabled\ninterpreter %s\nflags: %s\noffset 0\nmagic %s\nmask %s\n' "$interp" "$kflags" \
		"${magic//\\x/}" "${mask//\\x/}" >"$out/registration"
	node "$PAYLOAD_REPO/test/arm64/container/front.js" "$PAYLOAD_REPO/build/aarch64/vaoci-launch" "$out/qemu-x86_64" \
		"$interp" "$out/registration" "$bundle" "$out/bundle" "$out/front.line" >&2 ||
		node_err "test/arm64/container/front.js failed (qemu 10)" || return 1
	rm "$out/registration"
	echo "$kflags"
}
