# shellcheck shell=bash
# Sourced by test/launch/arm64.sh: what the VM needs to run an x86-64 program
# through binfmt_misc, from Debian's own arm64 packages, cached under
# build/arm64-vm/ (delete the directory to fetch them again).
#
#   emulator_tree   prints the cached directory: qemu-x86_64-static (from
#                   qemu-user-static, 56 MB, of which only this binary is
#                   kept) and busybox (busybox-static), both static aarch64
#
# binfmt_misc.ko comes from test/arm64/container/node.sh (node_binfmt_module),
# which the caller sources with test/arm64/payload.sh. Returns non-zero with
# one line on stderr when something is missing. Needs root (apt-get download).

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
