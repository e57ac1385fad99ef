# shellcheck shell=bash
# Sourced by test/arm64/bench.sh: the binfmt rows, the original complaint's
# case. Short-lived x86-64 programs run through binfmt_misc with Debian 13's
# qemu 10 (static-pie), registered as qemu-user-binfmt registers it (its
# binfmt.d line, flags OPF) against vaoci-binfmt registered in front of it
# as `vaoci node install` does (test/launch/arm64/emulator.sh's
# qemu10_front), in the same boot (bench/binfmt.c alternates the two). The
# programs, in an x86-64 root the VM chroots into:
#   /true-static   int main(void) { return 0; }, gcc -static (glibc)
#   /true-dynamic  the host's /usr/bin/true (Debian 12 amd64 coreutils) with
#                  its loader and libc.so.6
#
#   binfmt_payload DIR    builds the above into DIR (once for every kernel)
#   binfmt_module DIR     copies the booted kernel's binfmt_misc.ko into DIR
#   binfmt_test_line      the line of tests.list that runs it
#   binfmt_section LOG    the kernel's binfmt section ({how, groups, vaoci})
#                         from its console log; fails when there is none
#
# ARM64_BINFMT_RUNS (default 200) timed runs each way per program, in 10
# rounds. Needs root (apt-get download), node, build/ts (make build),
# build/aarch64/vaoci-launch and both compilers.

BINFMT_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/arm64/container/node.sh
source "$BINFMT_SH_DIR/../container/node.sh"
# shellcheck source=test/launch/arm64/emulator.sh
source "$BINFMT_SH_DIR/../../launch/arm64/emulator.sh"

BINFMT_RUNS=${ARM64_BINFMT_RUNS:-200}
BINFMT_ROUNDS=10
# In the VM: the x86-64 root and the bundle's path in it.
BINFMT_ROOT=/payload/x86
BINFMT_BUNDLE=/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt
# The programs in the order run, and each one's group name in the report.
BINFMT_PROGRAMS=(/true-static /true-dynamic)
declare -A BINFMT_GROUP=(
	[/true-static]="x86-64 true, static (gcc -static)"
	[/true-dynamic]="x86-64 true, dynamic (Debian 12 amd64 coreutils)"
)

binfmt_err() { echo "arm64 bench binfmt: $*" >&2; return 1; }

binfmt_payload() {
	local dir=$1 root=$1/x86 name type offset magic mask interp flags lib
	qemu10_front "$dir/q10" "$BINFMT_ROOT$BINFMT_BUNDLE" >/dev/null || return 1
	mkdir -p "$root/usr/bin" "$root/usr/libexec/qemu-binfmt" "$root${BINFMT_BUNDLE%/*}"
	mv "$dir/q10/qemu-x86_64" "$root/usr/bin/qemu-x86_64"
	mv "$dir/q10/bundle" "$root$BINFMT_BUNDLE"
	mv "$dir/q10/front.line" "$dir/front.line"
	# Debian's line, its interpreter under the root (flag F opens it at
	# registration, from the VM's own root).
	IFS=: read -r _ name type offset magic mask interp flags <"$dir/q10/register"
	[[ $flags == *F* ]] || binfmt_err "qemu-x86_64.conf has flags $flags, expected F among them" || return 1
	ln -s ../../bin/qemu-x86_64 "$root$interp"
	printf ':%s:%s:%s:%s:%s:%s:%s\n' "$name" "$type" "$offset" "$magic" "$mask" "$BINFMT_ROOT$interp" "$flags" >"$dir/plain.line"
	rm -r "$dir/q10"
	printf 'int main(void) { return 0; }\n' | gcc -O2 -static -o "$root/true-static" -x c - ||
		binfmt_err "gcc -static of the x86-64 true failed" || return 1
	cp /usr/bin/true "$root/true-dynamic"
	# The dynamic true's loader and libraries, from the host's amd64 root.
	for lib in /lib64/ld-linux-x86-64.so.2 $(ldd /usr/bin/true | grep -o '/lib[^ ]*x86_64-linux-gnu/[^ ]*'); do
		install -D -m 0755 "$(readlink -f "$lib")" "$root$lib" || return 1
	done
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o "$dir/binfmt-bench" "$BINFMT_SH_DIR/binfmt.c" ||
		binfmt_err "building bench/binfmt.c failed"
}

binfmt_module() {
	local ko
	ko=$(node_binfmt_module) && cp "$ko" "$1/binfmt_misc.ko"
}

binfmt_test_line() {
	echo "binfmt-bench /payload/binfmt_misc.ko $BINFMT_ROOT $BINFMT_RUNS $BINFMT_ROUNDS /payload/plain.line /payload/front.line ${BINFMT_PROGRAMS[*]}"
}

binfmt_section() {
	local lines names
	lines=$("$VM" --extract binfmt-bench "$1" 2>/dev/null | grep '^{"program"' || true)
	[[ -n $lines ]] || return 1
	names=$(for p in "${BINFMT_PROGRAMS[@]}"; do jq -n --arg p "$p" --arg n "${BINFMT_GROUP[$p]}" '{($p): $n}'; done | jq -s add)
	jq -s --argjson names "$names" --arg how "binfmt_misc, $BINFMT_RUNS runs each way per program in $BINFMT_ROUNDS rounds alternating which goes first, qemu-system-aarch64 TCG (compare ratios, not times)" \
		'{how: $how, load: "in the VM", vaoci: .[0].vaoci,
		  groups: [.[] | {name: $names[.program], rows, results}]}' <<<"$lines"
}
