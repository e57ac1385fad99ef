# shellcheck shell=bash
# Sourced by test/arm64/container-suite.sh: the arm64 "node" the VM becomes,
# from Debian's own arm64 packages, cached under build/arm64-vm/ (delete a
# cache directory to rebuild it).
#
#   node_tree             prints the cached tree: crun, the dynamically linked
#                         qemu-x86_64 (qemu-user), the loader and the shared
#                         libraries both need, at their Debian paths; and
#                         .busybox, the static arm64 busybox (not node files)
#   node_binfmt_module    prints binfmt_misc.ko of the kernel vm.sh boots
#                         (a module in Debian's cloud kernel)
#
# Each returns non-zero with one line on stderr when something is missing.
# Needs root (apt-get download as root, dpkg-deb) and payload.sh's readelf.

# shellcheck source=test/arm64/kernel.sh
source "$(dirname "${BASH_SOURCE[0]}")/../kernel.sh"

NODE_CACHE=$PAYLOAD_REPO/build/arm64-vm
NODE_DEBS=$NODE_CACHE/container-debs
NODE_TREE=$NODE_CACHE/container-node
# What the node runs; the libraries come from their dependencies.
NODE_PACKAGES=(crun qemu-user busybox-static)
NODE_PROGRAMS=(usr/bin/crun usr/bin/qemu-x86_64)
NODE_LOADER=lib/ld-linux-aarch64.so.1
NODE_LIBDIRS=(lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu)

node_err() { echo "arm64 container: $*" >&2; return 1; }

# apt must know arm64 packages (vm.sh adds the architecture with the kernel;
# a cached kernel may predate the lists).
node_apt_ready() {
	apt-cache show crun:arm64 >/dev/null 2>&1 && return 0
	[[ $(id -u) == 0 ]] || node_err "apt knows no arm64 packages; run 'dpkg --add-architecture arm64 && apt-get update' as root" || return 1
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null || node_err "apt-get update failed" || return 1
}

# node_closure PKG...: PKG and what it depends on (Depends, Pre-Depends; the
# first of alternatives, no virtual packages), recursively, one per line.
node_closure() {
	local todo=("$@") seen=" " batch p
	while ((${#todo[@]})); do
		batch=()
		for p in "${todo[@]}"; do
			[[ $seen == *" $p "* ]] && continue
			seen+="$p "
			batch+=("$p:arm64")
			echo "$p"
		done
		((${#batch[@]})) || break
		mapfile -t todo < <(apt-cache depends --no-recommends --no-suggests --no-conflicts \
			--no-breaks --no-replaces --no-enhances "${batch[@]}" 2>/dev/null |
			awk '/^  \|?(Pre)?Depends: / { alt = ($1 ~ /^\|/)
				if (!skip && $2 !~ /^</) { sub(/:arm64$/, "", $2); print $2 }
				skip = alt }')
	done
}

# node_download: every package of the closure into NODE_DEBS (kept).
node_download() {
	local pkgs=() tmp
	[[ -n $(find "$NODE_DEBS" -name '*.deb' 2>/dev/null | head -n1) ]] && return 0
	node_apt_ready || return 1
	mapfile -t pkgs < <(node_closure "${NODE_PACKAGES[@]}")
	((${#pkgs[@]} >= ${#NODE_PACKAGES[@]})) || node_err "apt-cache depends resolved nothing" || return 1
	echo "arm64 container: downloading ${#pkgs[@]} arm64 packages: ${pkgs[*]}" >&2
	tmp=$(mktemp -d "$NODE_CACHE/debs.XXXXXX")
	# -o for apt's sandbox user, which cannot write into a root-owned directory.
	if ! (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download "${pkgs[@]/%/:arm64}" >/dev/null); then
		rm -rf "$tmp"
		node_err "apt-get download of the arm64 packages failed"
		return 1
	fi
	rm -rf "$NODE_DEBS"
	mv "$tmp" "$NODE_DEBS"
}

# node_find_lib ROOT SONAME: the library's path relative to ROOT.
node_find_lib() {
	local d
	for d in "${NODE_LIBDIRS[@]}"; do
		[[ -e $1/$d/$2 ]] && { echo "$d/$2"; return 0; }
	done
	return 1
}

# node_prune UNPACKED TREE: the programs, the loader (a symlink in Debian,
# kept as one) and the DT_NEEDED closure, each at its Debian path.
node_prune() {
	local u=$1 t=$2 f lib rel todo=() seen=" "
	for f in "${NODE_PROGRAMS[@]}"; do
		[[ -f $u/$f ]] || node_err "$f is in none of the packages" || return 1
		install -D -m 0755 "$u/$f" "$t/$f"
		todo+=("$u/$f")
	done
	mkdir -p "$t/lib"
	cp -a "$u/$NODE_LOADER" "$t/$NODE_LOADER"
	rel=$(node_find_lib "$u" "$(basename "$NODE_LOADER")") || node_err "no loader in libc6:arm64" || return 1
	install -D -m 0755 "$u/$rel" "$t/$rel"
	[[ -e $t/$NODE_LOADER ]] || node_err "$NODE_LOADER does not resolve in the tree" || return 1
	while ((${#todo[@]})); do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		while IFS= read -r lib; do
			[[ $seen == *" $lib "* ]] && continue
			seen+="$lib "
			rel=$(node_find_lib "$u" "$lib") || node_err "$lib (needed by $(basename "$f")) is in none of the packages" || return 1
			# The loader is also a DT_NEEDED entry: keep its mode 0755.
			[[ -e $t/$rel ]] || install -D -m 0644 "$(readlink -f "$u/$rel")" "$t/$rel"
			todo+=("$t/$rel")
		done < <(payload_needed "$f")
	done
}

node_tree() {
	local tmp d
	if [[ ! -f $NODE_TREE/.complete ]]; then
		mkdir -p "$NODE_CACHE"
		node_download || return 1
		tmp=$(mktemp -d "$NODE_CACHE/node.XXXXXX")
		for d in "$NODE_DEBS"/*.deb; do
			dpkg-deb -x "$d" "$tmp/unpacked" || { rm -rf "$tmp"; node_err "dpkg-deb -x $d failed"; return 1; }
		done
		if ! node_prune "$tmp/unpacked" "$tmp/tree" ||
			! install -D -m 0755 "$tmp/unpacked/bin/busybox" "$tmp/tree/.busybox"; then
			rm -rf "$tmp"
			return 1
		fi
		touch "$tmp/tree/.complete"
		rm -rf "$NODE_TREE"
		mv "$tmp/tree" "$NODE_TREE"
		rm -rf "$tmp"
	fi
	echo "$NODE_TREE"
}

# The module comes with the very kernel vm.sh boots (test/arm64/kernel.sh
# caches it beside the Image): insmod checks its version magic.
node_binfmt_module() {
	local dir
	dir=$(kernel_dir) || return 1
	[[ -f $dir/binfmt_misc.ko ]] || node_err "kernel $(cat "$dir/version") has no binfmt_misc.ko module" || return 1
	echo "$dir/binfmt_misc.ko"
}
