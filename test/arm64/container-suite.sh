#!/usr/bin/env bash
# An x86-64 container on a real arm64 kernel, with and without vaoci: the
# kernel VAOCI_ARM64_KERNEL names (test/arm64/kernel.sh: Debian 12's 6.1,
# Debian 13's 6.12 with 4K or 16K pages) under qemu-system-aarch64 (test/arm64/vm.sh), with
# Debian's arm64 crun, the dynamically linked qemu-x86_64 (qemu-user)
# registered in binfmt_misc with flag F, and vaoci's aarch64 wrapper, hook and
# preload at their node paths (/opt/vaoci, /etc/vaoci/config.json naming
# /usr/bin/crun). The container runs a static x86-64 probe built here
# (container/probe.c) that maps with a high hint and without one and prints
# every address. Asserted on the host from the console
# (container/driver.sh runs the VM's side):
#   plain crun            at least one address >= 2^47 (the bug)
#   va-limit x86_64       every address < 2^47; config.json got the preload,
#                         the emulator's loader and library dirs (bound
#                         read-only), the environment and the poststart hook;
#                         the hook's report says "holds" and is valid
#   no annotation         auto gives the x86-64 guest the same window
#   va-limit none         config.json byte-for-byte unchanged, address >= 2^47
#   a bad value           one line, exit 1, nothing created, config untouched;
#                         under on-error warn a warning and auto's window
# Then the node's qemu-x86_64 becomes Debian's static qemu-x86_64-static, which
# LD_PRELOAD cannot reach, and vaoci-binfmt goes in front of it as `vaoci node
# install` puts it (the bundle and register line made by the installer's own
# code, container/front.js):
#   static, plain crun    at least one address >= 2^47
#   fronted, plain crun   every address < 2^47 (the bundle's window, no vaoci
#                         in the container at all)
#   fronted, wrapper      va-limit 0x10000-0x100000000000: every address < 2^44;
#                         config.json got only the window (method binfmt: no
#                         preload, no mounts, args unchanged); report holds
# Then the node moves to Debian 13's qemu-user 10 (its qemu-x86_64 is
# static-pie), registered as qemu-user-binfmt registers it
# (/usr/libexec/qemu-binfmt/x86_64-binfmt-P, flags OPF):
#   qemu 10, plain crun   at least one address >= 2^47
#   qemu 10, wrapper      va-limit x86_64 through the launch injection: args
#                         start with vaoci-launch --binfmt-flags=POF -- the
#                         entry's interpreter (the probe then gets its own
#                         argv: it waits for /hold/done),
#                         both bound read-only; every address < 2^47; report holds
#   qemu 10 fronted       vaoci-binfmt in front of it (the installer's bundle
#                         and line, its flags POF kept): plain crun, every
#                         address < 2^47
#
#   test/arm64/container-suite.sh [vm.sh options, e.g. --timeout 600]
#
# Needs root (apt-get download), `make build` (build/aarch64), gcc with a
# static libc, crun (for `crun spec`), jq and node. Debian's arm64 packages
# and the kernel's binfmt_misc.ko are cached under build/arm64-vm/
# (container/node.sh). Last line "arm64 container: N passed, M failed"; exit 0
# only if all held. The console log is build/arm64-vm/container-suite-KERNEL.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$REPO/build/aarch64
VM=$HERE/vm.sh
# shellcheck source=test/arm64/payload.sh
source "$HERE/payload.sh"
# shellcheck source=test/arm64/container/node.sh
source "$HERE/container/node.sh"
KERNEL=$(kernel_name)
LOG=$REPO/build/arm64-vm/container-suite-$KERNEL.log
VERDICT_LABEL="arm64 container [$KERNEL]"
# shellcheck source=test/arm64/verdict.sh
source "$HERE/verdict.sh"
# shellcheck source=test/launch/arm64/emulator.sh
source "$REPO/test/launch/arm64/emulator.sh"

PAYLOAD=
cleanup() { [[ -n $PAYLOAD ]] && rm -rf "$PAYLOAD"; return 0; }
trap cleanup EXIT


HIGH=$((1 << 47))
FRONT_WINDOW=0x10000-0x100000000000 # 2^44: a window of the pod's own, through the bundle
BUNDLE=/opt/vaoci/binfmt/qemu-x86_64/vaoci-binfmt
PRELOAD=/opt/vaoci/lib/libvaoci-preload.so
# What any x86-64 container needs under a dynamic F-flag qemu-x86_64 (flag F
# pins only the interpreter): the bundles run without vaoci bind these
# themselves; vaoci's wrapper must add them to the others.
EMULATOR_PATHS=(/lib/ld-linux-aarch64.so.1 /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)

prerequisites() {
	local f
	[[ $(id -u) == 0 ]] || die "needs root (apt-get download of arm64 packages)"
	for f in vaoci-runtime vaoci-hook libvaoci-preload.so vaoci-launch; do
		[[ -f $BUILD/$f ]] || die "$BUILD/$f not found; run 'make build'"
	done
	for f in gcc jq crun node; do
		command -v "$f" >/dev/null || die "$f not found; run .ci/install-deps"
	done
	[[ -f $REPO/build/ts/cli/src/lib/bundle.js ]] || die "build/ts/cli/src/lib/bundle.js not found; run 'make build'"
}

# ---- payload ---------------------------------------------------------------

RO='{type: "bind", options: ["rbind", "ro"]}'
# hold NAME: the mount of the directory where the driver releases the probe.
hold() { jq -n -c --arg s "/payload/bundles/$1/hold" "[$RO + {destination: \"/hold\", source: \$s}]"; }

# make_bundle NAME ANNOTATIONS_JSON MOUNTS_JSON ARGS_JSON: PAYLOAD/bundles/NAME
# from `crun spec`, its rootfs only the probe, config.orig a copy to compare.
make_bundle() {
	local b=$PAYLOAD/bundles/$1
	mkdir -p "$b/rootfs"/{proc,dev,sys,tmp} "$b/hold"
	install -m 0755 "$PAYLOAD/probe" "$b/rootfs/probe"
	(cd "$b" && crun spec)
	jq --argjson ann "$2" --argjson mounts "$3" --argjson args "$4" \
		'.process.terminal = false | .process.args = $args | .annotations = $ann | .mounts += $mounts' \
		"$b/config.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
	cp "$b/config.json" "$b/config.orig"
}

build_payload() {
	local tree emu
	tree=$(node_tree) || die "could not build the arm64 node tree (see above)"
	PAYLOAD=$(mktemp -d)
	mkdir -p "$PAYLOAD/node"
	cp -a "$tree"/* "$PAYLOAD/node/" # not the dot files: .busybox, .complete
	cp "$tree/.busybox" "$PAYLOAD/busybox"
	install -D -m 0755 "$BUILD/vaoci-runtime" "$PAYLOAD/node/opt/vaoci/bin/vaoci-runtime"
	install -D -m 0755 "$BUILD/vaoci-hook" "$PAYLOAD/node/opt/vaoci/bin/vaoci-hook"
	install -D -m 0755 "$BUILD/vaoci-launch" "$PAYLOAD/node/opt/vaoci/bin/vaoci-launch"
	install -D -m 0644 "$BUILD/libvaoci-preload.so" "$PAYLOAD/node$PRELOAD"
	# A node's config as the README installs it: only the real runtime.
	mkdir -p "$PAYLOAD/node/etc/vaoci"
	echo '{ "runtime": "/usr/bin/crun" }' >"$PAYLOAD/node/etc/vaoci/config.json"
	cp "$(node_binfmt_module)" "$PAYLOAD/binfmt_misc.ko" || die "no binfmt_misc.ko (see above)"
	emu=$(emulator_tree) || die "no qemu-x86_64-static (see above)"
	install -D -m 0755 "$emu/qemu-x86_64-static" "$PAYLOAD/node/usr/bin/qemu-x86_64-static"
	# the static entry as the kernel shows it once registered (the driver registers it so)
	printf 'enabled\ninterpreter /usr/bin/qemu-x86_64-static\nflags: F\noffset 0\nmagic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n' >"$PAYLOAD/static.reg"
	mkdir -p "$PAYLOAD/node${BUNDLE%/*}"
	node "$HERE/container/front.js" "$BUILD/vaoci-launch" "$emu/qemu-x86_64-static" /usr/bin/qemu-x86_64-static \
		"$PAYLOAD/static.reg" "$BUNDLE" "$PAYLOAD/node$BUNDLE" "$PAYLOAD/front.line" || die "container/front.js failed"
	build_qemu10
	install -m 0755 "$HERE/container/driver.sh" "$PAYLOAD/driver.sh"
	install -m 0644 "$HERE/block.sh" "$PAYLOAD/block.sh"
	gcc -static -O2 -Wall -Wextra -Werror -o "$PAYLOAD/probe" "$HERE/container/probe.c" ||
		die "gcc -static could not build container/probe.c (libc6-dev?)"

	emu=$(printf '%s\n' "${EMULATOR_PATHS[@]}" | jq -R "$RO + {destination: ., source: .}" | jq -s -c .)
	make_bundle plain '{}' "$emu" '["/probe"]'
	make_bundle vaoci '{"vaoci.io/va-limit": "x86_64"}' "$(hold vaoci)" '["/probe", "/hold/done"]'
	make_bundle auto '{}' "$(hold auto)" '["/probe", "/hold/done"]'
	make_bundle none '{"vaoci.io/va-limit": "none"}' "$emu" '["/probe"]'
	make_bundle bad '{"vaoci.io/va-limit": "x86-64"}' '[]' '["/probe"]'
	make_bundle warn '{"vaoci.io/va-limit": "x86-64", "vaoci.io/on-error": "warn"}' "$(hold warn)" '["/probe", "/hold/done"]'
	make_bundle static-plain '{}' '[]' '["/probe"]'
	make_bundle front-plain '{}' '[]' '["/probe"]'
	make_bundle front-vaoci "{\"vaoci.io/va-limit\": \"$FRONT_WINDOW\"}" "$(hold front-vaoci)" '["/probe", "/hold/done"]'
	make_bundle q10-plain '{}' '[]' '["/probe"]'
	make_bundle q10-launch '{"vaoci.io/va-limit": "x86_64"}' "$(hold q10-launch)" '["/probe", "/hold/done"]'
	make_bundle q10-front-plain '{}' '[]' '["/probe"]'
	rm "$PAYLOAD/probe"
	echo "busybox sh /payload/driver.sh" >"$PAYLOAD/tests.list"
}

# Debian 13's qemu 10 for section 6 of the driver: the binary, the package's
# binfmt.d line, and the bundle and register line the installer would write
# in front of it (test/launch/arm64/emulator.sh's qemu10_front).
Q10_INTERP=/usr/libexec/qemu-binfmt/x86_64-binfmt-P
Q10_FLAGS=
build_qemu10() {
	local interp
	Q10_FLAGS=$(qemu10_front "$PAYLOAD/q10" "$BUNDLE") || die "no Debian 13 qemu-x86_64 or no bundle in front of it (see above)"
	# :name:type:offset:magic:mask:interpreter:flags
	IFS=: read -r _ _ _ _ _ _ interp _ <"$PAYLOAD/q10/register"
	[[ $interp == "$Q10_INTERP" ]] || die "qemu-x86_64.conf registers $interp, expected $Q10_INTERP"
}

# ---- reading the log -------------------------------------------------------

# Block $1's output and its command's exit status (container/driver.sh).
addrs() { out "$1" | { grep -o "addr=0x[0-9a-f]*" || true; } | cut -d= -f2; }
# The addresses of block $1 at or above 2^47, one per line.
high_addrs() {
	local a
	for a in $(addrs "$1"); do ((a >= HIGH)) && echo "$a"; done
	return 0
}
shown() { addrs "$1" | paste -sd' '; }

# ---- assertions ------------------------------------------------------------

check_setup() {
	local o
	o=$(out setup)
	if [[ $(rc setup) == 0 ]] && grep -qx 'flags: F' <<<"$o" && grep -qx 'interpreter /usr/bin/qemu-x86_64' <<<"$o"; then
		pass setup "kernel $(head -n1 <<<"$o"), cgroup2 mounted, binfmt_misc loaded, qemu-x86_64 registered with flag F"
	else
		fail setup "rc=$(rc setup): $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
}

# check_addrs NAME BLOCK high|low: the probe's 7 addresses, some >= 2^47
# (high) or all < 2^47 (low).
check_addrs() {
	local name=$1 block=$2 want=$3 n high
	n=$(addrs "$block" | wc -l)
	high=$(high_addrs "$block" | wc -l)
	if [[ $(rc "$block") != 0 || $n != 7 ]]; then
		fail "$name" "rc=$(rc "$block"), $n addresses, expected rc=0 and 7: $(out "$block" | paste -sd'|' | head -c 600)"
	elif [[ $want == high ]] && ((high > 0)); then
		pass "$name" "$high of $n addresses >= 2^47 (the bug): $(shown "$block")"
	elif [[ $want == low ]] && ((high == 0)); then
		pass "$name" "all $n addresses < 2^47: $(shown "$block")"
	else
		fail "$name" "$high of $n addresses >= 2^47, expected $([[ $want == high ]] && echo 'at least one' || echo none): $(shown "$block")"
	fi
}

# check_below NAME BLOCK LIMIT: the probe's 7 addresses, every one < LIMIT.
check_below() {
	local name=$1 block=$2 limit=$3 n a over=0
	n=$(addrs "$block" | wc -l)
	for a in $(addrs "$block"); do ((a >= limit)) && over=$((over + 1)); done
	if [[ $(rc "$block") == 0 && $n == 7 && $over == 0 ]]; then
		pass "$name" "all $n addresses < $(printf '0x%x' "$limit"): $(shown "$block")"
	else
		fail "$name" "rc=$(rc "$block"), $over of $n addresses >= $(printf '0x%x' "$limit"): $(out "$block" | paste -sd'|' | head -c 600)"
	fi
}

# check_front: vaoci-binfmt registered in front of the static qemu, which is disabled.
check_front() {
	local o
	o=$(out static-front)
	if [[ $(rc static-front) == 0 ]] && grep -qx "interpreter $BUNDLE" <<<"$o" && grep -qx disabled <<<"$o"; then
		pass front "vaoci-qemu-x86_64 registered ($(grep -x 'flags: .*' <<<"$o" | head -n1)) with the bundle $BUNDLE; qemu-x86_64 disabled"
	else
		fail front "rc=$(rc static-front): $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
}

# check_front_config: method binfmt puts only the window into config.json.
check_front_config() {
	local j missing=()
	j=$(out front-config)
	jq -e --arg w "VAOCI_VA_LIMIT=$FRONT_WINDOW" '.process.env | index($w)' >/dev/null 2>&1 <<<"$j" || missing+=("env VAOCI_VA_LIMIT=$FRONT_WINDOW")
	jq -e '[.process.env[] | select(startswith("LD_PRELOAD="))] == []' >/dev/null 2>&1 <<<"$j" || missing+=("no LD_PRELOAD")
	jq -e '.process.args == ["/probe", "/hold/done"]' >/dev/null 2>&1 <<<"$j" || missing+=("args unchanged")
	jq -e '[.mounts[] | select(.destination | startswith("/opt/vaoci"))] == []' >/dev/null 2>&1 <<<"$j" || missing+=("no vaoci mounts")
	jq -e '.hooks.poststart[0].path == "/opt/vaoci/bin/vaoci-hook"' >/dev/null 2>&1 <<<"$j" || missing+=("poststart hook")
	if ((${#missing[@]} == 0)); then
		pass front-config "method binfmt: only VAOCI_VA_LIMIT=$FRONT_WINDOW and the poststart hook; no preload, no mounts, args unchanged"
	else
		fail front-config "config.json lacks: ${missing[*]}"
	fi
}

# check_report NAME BLOCK: the poststart report says holds and validates.
check_report() {
	local name=$1 block=$2 j f
	j=$(out "$block")
	if ! jq -e 'type == "object"' >/dev/null 2>&1 <<<"$j"; then
		fail "$name" "no report (rc=$(rc "$block")): $(head -c 300 <<<"$j")"
		return
	fi
	if [[ $(jq -r .status <<<"$j") == holds ]]; then
		pass "$name" "/run/vaoci report: status holds, window $(jq -r .window.text <<<"$j"), $(jq -r '.verify.reserved | "\(.bytes) bytes reserved in \(.regions) regions"' <<<"$j"), verdict after $(jq -r .waited_ms <<<"$j") ms"
	else
		fail "$name" "report status is $(jq -c .status <<<"$j") after $(jq -r .waited_ms <<<"$j") ms (did qemu-x86_64 reach the preload's constructor within the hook's 10 s?): $(jq -c .message <<<"$j")"
	fi
	f=$(mktemp --suffix=.json)
	jq . <<<"$j" >"$f"
	if (cd "$REPO" && node test/hook/validate-report.js "$f") >"$f.err" 2>&1; then
		pass "$name" "the report is valid against schemas/hook-report.schema.json"
	else
		fail "$name" "the report does not validate: $(paste -sd'|' "$f.err" | head -c 400)"
	fi
	rm -f "$f" "$f.err"
}

# check_config: what the wrapper wrote into the x86_64 bundle's config.json.
check_config() {
	local j p missing=()
	j=$(out vaoci-config)
	for p in "$PRELOAD" "${EMULATOR_PATHS[@]}"; do
		jq -e --arg p "$p" 'any(.mounts[]; .destination == $p and .source == $p and .type == "bind"
			and (.options | index("ro")))' >/dev/null 2>&1 <<<"$j" || missing+=("read-only bind $p")
	done
	for p in "LD_PRELOAD=$PRELOAD" VAOCI_VA_LIMIT=x86_64 QEMU_UNSET_ENV=LD_PRELOAD; do
		jq -e --arg p "$p" '.process.env | index($p)' >/dev/null 2>&1 <<<"$j" || missing+=("env $p")
	done
	jq -e '.hooks.poststart[0].path == "/opt/vaoci/bin/vaoci-hook"' >/dev/null 2>&1 <<<"$j" ||
		missing+=("poststart hook /opt/vaoci/bin/vaoci-hook")
	if ((${#missing[@]} == 0)); then
		pass config "the wrapper bound $PRELOAD ${EMULATOR_PATHS[*]} read-only, set LD_PRELOAD, VAOCI_VA_LIMIT=x86_64, QEMU_UNSET_ENV=LD_PRELOAD and the poststart hook"
	else
		fail config "config.json lacks: ${missing[*]}"
	fi
}

check_untouched() {
	if [[ $(rc none-cmp) == 0 ]]; then
		pass none "va-limit none: config.json byte-for-byte unchanged (cmp)"
	else
		fail none "va-limit none: config.json changed: $(out none-cmp | head -c 300)"
	fi
	if [[ $(rc none-report) != 0 ]]; then
		pass none "no /run/vaoci report"
	else
		fail none "a report /run/vaoci/none.json exists"
	fi
}

check_bad() {
	local line='vaoci-runtime: vaoci.io/va-limit: value "x86-64" — expected one of auto, x86_64, i386, none, or 0xLOWER-0xUPPER; did you mean x86_64?'
	local o
	o=$(out bad-run)
	if [[ $(rc bad-run) != 0 && $o == "$line" ]]; then
		pass bad "refused with rc=$(rc bad-run) and one line: $o"
	else
		fail bad "rc=$(rc bad-run), expected non-zero and exactly one line; got: $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
	if [[ $(rc bad-cmp) == 0 && $(rc bad-state) != 0 ]]; then
		pass bad "config.json untouched, the container never created (crun state: rc=$(rc bad-state))"
	else
		fail bad "cmp rc=$(rc bad-cmp), crun state rc=$(rc bad-state): $(out bad-state | head -c 200)"
	fi
	o=$(out warn-run | grep -F 'warning:' || true)
	if [[ $o == *'vaoci.io/va-limit: value "x86-64"'* ]]; then
		pass warn "on-error warn: the bad value is a warning ($(head -c 120 <<<"$o")…), the container runs"
	else
		fail warn "on-error warn: no warning line for the bad value: $(out warn-run | paste -sd'|' | head -c 400)"
	fi
}

check_q10_setup() {
	local o
	o=$(out q10-setup)
	if [[ $(rc q10-setup) == 0 ]] && grep -qx "interpreter $Q10_INTERP" <<<"$o" && grep -qx "flags: $Q10_FLAGS" <<<"$o" &&
		grep -q 'qemu-x86_64 version 10\.' <<<"$o"; then
		pass q10-setup "$(grep -m1 'version' <<<"$o"), registered as Debian 13's qemu-user-binfmt does: $Q10_INTERP, flags: $Q10_FLAGS"
	else
		fail q10-setup "rc=$(rc q10-setup): $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
}

# check_q10_config: the launch injection for a static emulator.
check_q10_config() {
	local j p missing=()
	j=$(out q10-launch-config)
	jq -e --arg i "$Q10_INTERP" --arg f "--binfmt-flags=$Q10_FLAGS" '.process.args == ["/opt/vaoci/bin/vaoci-launch", $f, "--", $i, "/probe", "/hold/done"]' \
		>/dev/null 2>&1 <<<"$j" || missing+=("args vaoci-launch --binfmt-flags=$Q10_FLAGS -- $Q10_INTERP /probe /hold/done (got $(jq -c .process.args <<<"$j" 2>/dev/null))")
	for p in /opt/vaoci/bin/vaoci-launch "$Q10_INTERP"; do
		jq -e --arg p "$p" 'any(.mounts[]; .destination == $p and .type == "bind" and (.options | index("ro")))' \
			>/dev/null 2>&1 <<<"$j" || missing+=("read-only bind $p")
	done
	jq -e '.process.env | index("VAOCI_VA_LIMIT=x86_64")' >/dev/null 2>&1 <<<"$j" || missing+=("env VAOCI_VA_LIMIT=x86_64")
	jq -e '[.process.env[] | select(startswith("LD_PRELOAD="))] == []' >/dev/null 2>&1 <<<"$j" || missing+=("no LD_PRELOAD")
	if ((${#missing[@]} == 0)); then
		pass q10-config "method launch: args vaoci-launch --binfmt-flags=$Q10_FLAGS -- $Q10_INTERP /probe ..., both bound read-only, VAOCI_VA_LIMIT=x86_64, no preload"
	else
		fail q10-config "config.json lacks: ${missing[*]}"
	fi
}

check_q10_front() {
	local o
	o=$(out q10-front)
	if [[ $(rc q10-front) == 0 ]] && grep -qx "interpreter $BUNDLE" <<<"$o" && grep -qx "flags: $Q10_FLAGS" <<<"$o" && grep -qx disabled <<<"$o"; then
		pass q10-front "vaoci-qemu-x86_64 registered in front of qemu 10 with its flags ($Q10_FLAGS), qemu-x86_64 disabled"
	else
		fail q10-front "rc=$(rc q10-front): $(paste -sd'|' <<<"$o" | head -c 400)"
	fi
}

# ---- main ------------------------------------------------------------------

main() {
	prerequisites
	"$VM" --setup || die "vm.sh --setup failed (qemu, cross compiler, kernel or /init)"
	build_payload
	echo "arm64 container: booting the VM (log: ${LOG#"$REPO"/})" >&2
	# A CPU without pointer authentication (like Neoverse-N1 nodes): qemu's
	# emulation of it is slow; without it the dynamic qemu-x86_64 starts in
	# ~130 ms instead of ~450 ms, and the suite runs faster. (vaoci-hook waits
	# for a preload that is mapped but has not reserved yet, so `--cpu max`
	# passes too.)
	if ! payload_boot "$VM" "$LOG" "$PAYLOAD" --cpu max,pauth=off "$@"; then
		fail vm "the VM did not boot or did not finish (vm.sh rc=$PAYLOAD_VM_RC, log: $LOG)"
		summary
		exit 1
	fi
	pass vm "booted Debian's arm64 kernel, ran the container driver and powered off"
	check_setup
	check_addrs plain plain-run high
	check_addrs vaoci vaoci-run low
	check_config
	check_report vaoci vaoci-report
	check_addrs auto auto-run low
	check_report auto auto-report
	check_addrs none none-run high
	check_untouched
	check_bad
	check_addrs warn warn-run low
	check_addrs static static-plain high
	check_front
	check_addrs fronted front-plain low
	check_below front-vaoci front-vaoci-run $((1 << 44))
	check_front_config
	check_report front-vaoci front-vaoci-report
	check_q10_setup
	check_addrs q10-plain q10-plain high
	check_addrs q10-launch q10-launch-run low
	check_q10_config
	check_report q10-launch q10-launch-report
	check_q10_front
	check_addrs q10-fronted q10-front-plain low
	summary
}

main "$@"
