#!/usr/bin/env bash
# Run the aarch64 build of vaoci on a real Debian arm64 kernel under
# qemu-system-aarch64 (test/arm64/vm.sh) and assert on what it reports. The
# kernel is VAOCI_ARM64_KERNEL's (test/arm64/kernel.sh): 6.1 (4K pages, 48-bit
# VA), 6.12 (4K, 52-bit) or 6.12-16k (16K, 52-bit); the probe must report the
# kernel's VA bits and page size.
#
#   test/arm64/native-suite.sh [vm.sh options, e.g. --timeout 600]
#
# Needs `make native-aarch64` first (make test-arm64 does that). The VM runs
# every build/aarch64/tests/test_* unit-test binary, then `vaoci-reserve
# --json probe` and `vaoci-reserve --json check` for the x86_64 (2^47), i386,
# a 40-bit and a wrap-around window: every sample (plain, hinted inside the
# reservation, and the fixed high hints 2^47, 2^48, 2^50 and the top of user
# space) lands inside, and verify finds no free byte outside the window up to
# the kernel's task size (2^52 on the 6.12 kernels). Then the preload in dynamically linked processes
# (test/arm64/dyn/, built by test/arm64/payload.sh against the cross
# toolchain's loader and libc, which go into the payload): alloc_maps with
# VAOCI_DEBUG=maps for the i386 and x86_64 windows (every new mapping lies
# inside the window), alloc_maps without the preload (the control: the same
# comparison must catch it), and `true` with VAOCI_DEBUG=json (bytes > 0; the
# default algorithm, and VAOCI_ALGO=query reported as gaps on a kernel
# without PROCMAP_QUERY, like this 6.1 one). Each assertion prints one line
# "arm64 NAME: ok — details" or "arm64 NAME: FAILED — what did not hold";
# the last line is "arm64: N passed, N failed". Exit 0 only if all held.
# The console log is kept in build/arm64-vm/native-suite.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$REPO/build/aarch64
VM=$HERE/vm.sh
# shellcheck source=test/arm64/payload.sh
source "$HERE/payload.sh"
# shellcheck source=test/arm64/kernel.sh
source "$HERE/kernel.sh"
KERNEL=$(kernel_name)
LOG=$REPO/build/arm64-vm/native-suite-$KERNEL.log
VERDICT_LABEL="arm64 [$KERNEL]"
# shellcheck source=test/arm64/verdict.sh
source "$HERE/verdict.sh"

PAYLOAD=
cleanup() { [[ -n $PAYLOAD ]] && rm -rf "$PAYLOAD"; return 0; }
trap cleanup EXIT


ensure_jq() {
	command -v jq >/dev/null && return 0
	[[ $(id -u) == 0 ]] || die "jq is missing and not root; install jq"
	echo "arm64: installing jq" >&2
	DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=600 \
		install --no-install-recommends jq >/dev/null
}

# ---- payload ---------------------------------------------------------------

# The VM's tests.list has no quoting and names each test by its program, so
# each vaoci-reserve run gets its own name: a relative symlink to the tool
# (the tool ignores argv[0]; cpio keeps the link).
CHECKS=(check_x86_64 check_i386 check_40bit check_wrap)
declare -A CHECK_ARGS=(
	[check_x86_64]="--va-limit x86_64 --samples 300"
	[check_i386]="--va-limit i386 --samples 300"
	[check_40bit]="--va-limit 0x10000-0x10000000000 --samples 300"
	[check_wrap]="--va-limit 0x200000000000-0x10000000000 --samples 300"
)
UNIT_TESTS=()
# A window on 4K boundaries that are not 16K ones: x86 guests have 4K pages,
# but the host's page is the unit of a reservation.
CHECK_4K_ARGS="--va-limit 0x11000-0x10000000000 --samples 100"

# Dynamic processes. tests.list cannot set an environment, so each run goes
# through the static test/arm64/dyn/runenv (one symlink per test name):
# `runenv VAR=VAL... -- PROG` runs PROG with those variables, collects its
# stdout and stderr in files under /tmp and, once PROG has exited, prints them
# to the console as separate "@@RUNENV stdout" / "@@RUNENV stderr" sections and
# a "@@RUNENV rc=N" line. With VAOCI_DEBUG=maps, stderr is the preload's dump
# of the maps right after reserving and stdout is alloc_maps's final maps.
PRELOAD_ENV="LD_PRELOAD=/payload/libvaoci-preload.so"
DYN_RUNS=(maps_i386 maps_x86_64 maps_none json_i386 json_x86_64 json_query nri_go)
declare -A DYN_ARGS=(
	[maps_i386]="$PRELOAD_ENV VAOCI_VA_LIMIT=i386 VAOCI_DEBUG=maps -- /payload/alloc_maps"
	[maps_x86_64]="$PRELOAD_ENV VAOCI_VA_LIMIT=x86_64 VAOCI_DEBUG=maps -- /payload/alloc_maps"
	[maps_none]="-- /payload/alloc_maps"
	[json_i386]="$PRELOAD_ENV VAOCI_VA_LIMIT=i386 VAOCI_DEBUG=json -- /payload/true"
	[json_x86_64]="$PRELOAD_ENV VAOCI_VA_LIMIT=x86_64 VAOCI_DEBUG=json -- /payload/true"
	[json_query]="$PRELOAD_ENV VAOCI_VA_LIMIT=i386 VAOCI_ALGO=query VAOCI_DEBUG=json -- /payload/true"
	# vaoci-nri's Go tests, built for aarch64 (make build/aarch64/vaoci-nri.test): the cgo resolver,
	# the adjustment, and its own poststart check on real processes (linger, with and without the preload)
	[nri_go]="VAOCI_TEST_BUILD=/payload VAOCI_TEST_LINGER=/payload/linger -- /payload/vaoci-nri.test -test.v"
)
DYN_OK=0

build_payload() {
	local t name
	[[ -x $BUILD/vaoci-reserve ]] || die "$BUILD/vaoci-reserve not found; run 'make native-aarch64'"
	PAYLOAD=$(mktemp -d)
	cp "$BUILD/vaoci-reserve" "$PAYLOAD/vaoci-reserve"
	for t in "$BUILD"/tests/test_*; do
		[[ -f $t && -x $t ]] || continue
		name=$(basename "$t")
		cp "$t" "$PAYLOAD/$name"
		UNIT_TESTS+=("$name")
	done
	# The C policy resolver's test runs every shared vector, copied in beside it.
	local hook_tests=()
	for t in "$REPO"/build/aarch64/hook-tests/test_*; do
		[[ -f $t && -x $t ]] || continue
		name=$(basename "$t")
		cp "$t" "$PAYLOAD/$name"
		hook_tests+=("$name")
	done
	((${#hook_tests[@]} == 0)) || cp -r "$REPO/schemas/vectors" "$PAYLOAD/vectors"
	{
		echo "# generated by test/arm64/native-suite.sh"
		for name in "${UNIT_TESTS[@]}"; do echo "$name"; done
		for name in "${hook_tests[@]}"; do echo "$name /payload/vectors"; done
		ln -s vaoci-reserve "$PAYLOAD/probe"
		echo "probe --json probe"
		for name in "${CHECKS[@]}"; do
			ln -s vaoci-reserve "$PAYLOAD/$name"
			echo "$name --json check ${CHECK_ARGS[$name]}"
		done
		ln -s vaoci-reserve "$PAYLOAD/version"
		echo "version --version"
		ln -s vaoci-reserve "$PAYLOAD/check_4k"
		echo "check_4k --json check $CHECK_4K_ARGS"
		cp "$BUILD/vaoci-nri.test" "$BUILD/vaoci-launch" "$PAYLOAD/" 2>/dev/null || true # check_nri says when missing
		if payload_add_dynamic "$PAYLOAD" true alloc_maps linger && payload_add_runenv "$PAYLOAD"; then
			DYN_OK=1
			for name in "${DYN_RUNS[@]}"; do
				ln -s runenv "$PAYLOAD/$name"
				echo "$name ${DYN_ARGS[$name]}"
			done
		fi
	} >"$PAYLOAD/tests.list"
	UNIT_TESTS+=("${hook_tests[@]}")
}

# ---- reading the log -------------------------------------------------------

# rc of test NAME from its end marker, or empty if it never ended.
test_rc() {
	tr -d '\r' <"$LOG" | sed -n "s/.*@@VAOCI-END $1 rc=\([0-9-]*\)\$/\1/p" | tail -n1
}

# The JSON document test NAME printed (compact on one line when stdout is
# not a terminal, as on the VM console). The console also carries stderr and
# possibly kernel messages, so if the whole output is not JSON, try each line
# that starts with "{", then the lines from a "{" line to a "}" line.
test_json() {
	local out line
	out=$("$VM" --extract "$1" "$LOG") || return 1
	if jq -e 'type == "object"' >/dev/null 2>&1 <<<"$out"; then
		jq -c . <<<"$out"
		return
	fi
	while IFS= read -r line; do
		if jq -e 'type == "object"' >/dev/null 2>&1 <<<"$line"; then
			jq -c . <<<"$line"
			return
		fi
	done < <(grep '^{' <<<"$out")
	sed -n '/^{/,/^}/p' <<<"$out" | jq -ce 'select(type == "object")' 2>/dev/null
}

# The lines of stream $2 (stdout, stderr) that runenv printed for test $1.
runenv_stream() {
	"$VM" --extract "$1" "$LOG" 2>/dev/null |
		awk -v s="@@RUNENV $2" '$0 == s { on = 1; next } /^@@RUNENV / { on = 0 } on'
}

# runenv's own record of PROG's exit status for test $1 (empty if missing).
runenv_rc() {
	"$VM" --extract "$1" "$LOG" 2>/dev/null | sed -n 's/^@@RUNENV rc=\([0-9]*\)$/\1/p' | tail -n1
}

# maps_compare LIMIT BEFORE AFTER: LIMIT is the window's upper bound in hex
# without 0x (the windows here all start at mmap_min_addr, which the kernel
# enforces). BEFORE and AFTER are /proc/self/maps texts. A mapping of AFTER is
# old if BEFORE has the same range (or, for [stack], which grows down, the
# same end); a PROT_NONE private anonymous mapping is a reservation (also when
# the kernel names it [heap] because it starts at the brk base, as in the
# preload's dump of a PIE program; native/src/verify.c does the same). Prints the
# offending lines, then one summary line; exits 0 only if every new mapping
# that is not a reservation ends at or below LIMIT, at least one exists, and
# no new reservation reaches above LIMIT either. Addresses are compared as hex
# strings (leading zeros dropped, shorter is smaller, else lexicographic):
# awk numbers are doubles, exact only up to 2^53.
maps_compare() {
	awk -v limit="$1" '
		function norm(h) { sub(/^0+/, "", h); return h == "" ? "0" : h }
		function le(a, b) { a = norm(a); b = norm(b)
			if (length(a) != length(b)) return length(a) < length(b)
			return ("x" a) <= ("x" b) }
		function valid() { return $0 ~ /^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][-ps] [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ [0-9]+/ }
		{ file = FILENAME == ARGV[1] ? 1 : 2 }
		!valid() { junk[file]++; next }
		{ split($1, r, "-"); end = r[2]; name = $6 }
		file == 1 { nb++; seen[$1] = 1; if (name == "[stack]") stack_end[end] = 1; next }
		{ na++
		  if (($1 in seen) || (name == "[stack]" && (end in stack_end))) next
		  if ($2 == "---p" && $5 == 0 && (NF == 5 || name == "[heap]")) { if (!le(end, limit)) { print "new reservation above the limit: " $0; bad_res++ }
			  else res++
			  next }
		  fresh++
		  if (le(end, limit)) inside++
		  else { print "new mapping outside the window: " $0; outside++ } }
		END { printf "maps before %d, after %d; new %d (%d inside, %d outside), new reservations %d inside, %d above the limit",
			nb, na, fresh, inside, outside, res, bad_res
		  if (junk[1] + junk[2]) printf "; %d non-maps lines ignored", junk[1] + junk[2]
		  printf "\n"
		  exit (nb > 0 && fresh > 0 && outside == 0 && bad_res == 0) ? 0 : 1 }' "$2" "$3"
}

# ---- assertions ------------------------------------------------------------

check_unit_tests() {
	local name rc out summary fails
	for name in "${UNIT_TESTS[@]}"; do
		rc=$(test_rc "$name")
		out=$("$VM" --extract "$name" "$LOG" 2>/dev/null || true)
		summary=$(grep -E '[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -n1 || true)
		# The failing CHECKs ("FAIL file:line: ...", with a forked case's "  child: ..."
		# cause before it), at most four lines, joined on one line.
		fails=$(grep -E '^(FAIL |[[:space:]]+child: )' <<<"$out" | sed 's/^[[:space:]]*//' | head -n4 | paste -sd'|' | sed 's/|/ | /g' || true)
		if [[ -z $rc ]]; then
			fail "$name" "no end marker (crashed or hung the VM?)"
		elif [[ $rc != 0 ]]; then
			fail "$name" "exited rc=$rc${summary:+ ($summary)}${fails:+: $fails}"
		elif [[ -z $summary ]]; then
			fail "$name" "rc=0 but no final 'SUITE: N passed, N failed' line"
		else
			pass "$name" "$summary"
		fi
	done
}

check_probe() {
	local j va kernel page want_va want_page
	if ! j=$(test_json probe); then
		fail probe "no JSON output (rc=$(test_rc probe))"
		return
	fi
	va=$(jq -r '.va_bits' <<<"$j")
	page=$(jq -r '.page_size' <<<"$j")
	kernel=$(jq -r '.kernel' <<<"$j")
	want_va=$(kernel_expect_va_bits)
	want_page=$(kernel_expect_page_size)
	TASK_SIZE=$(jq -r '.task_size' <<<"$j")
	if [[ $va == "$want_va" && $page == "$want_page" ]]; then
		pass probe "va_bits $va, page $page (task_size $TASK_SIZE, procmap_query $(jq -r .procmap_query <<<"$j"))"
	else
		fail probe "va_bits $va, page $page; expected $want_va and $want_page on kernel $KERNEL"
	fi
	if [[ $kernel == "$KERNEL".* || $kernel == "$KERNEL"-* || $kernel == "${KERNEL%-16k}".*16k ]]; then
		pass probe "kernel $kernel, arch $(jq -r .arch <<<"$j")"
	else
		fail probe "kernel is '$kernel', expected $KERNEL"
	fi
}

# check_one NAME: the assertions for one `vaoci-reserve --json check` run.
check_one() {
	local name=$1 j rc kinds kind s count outside first res bytes min
	rc=$(test_rc "$name")
	if ! j=$(test_json "$name"); then
		fail "$name" "no JSON output (rc=${rc:-none})"
		return
	fi
	res=$(jq -r '.reservation | "\(.bytes) bytes (\(.bytes / 1073741824 | floor) GiB) in \(.regions) regions, \(.nanoseconds / 100 | round / 10) µs, \(.syscalls) syscalls, algorithm \(.algorithm)"' <<<"$j")
	if [[ $(jq -r '.ok' <<<"$j") == true ]]; then
		pass "$name" "ok true (rc=$rc): window $(jq -r '.window | "[\(.lower), \(.upper))"' <<<"$j"), reserved $res"
	else
		fail "$name" "ok is $(jq -c '.ok' <<<"$j") (rc=$rc); error: $(jq -c '.error // "none"' <<<"$j")"
	fi

	kinds=$(jq -r '.samples[]?.kind' <<<"$j")
	[[ -n $kinds ]] || fail "$name" "no samples[] in the output"
	for kind in $kinds; do
		s=$(jq -c --arg k "$kind" '[.samples[] | select(.kind == $k)][0]' <<<"$j")
		count=$(jq -r '.count' <<<"$s")
		outside=$(jq -r '.outside' <<<"$s")
		first=$(jq -r '.first_outside // "none"' <<<"$s")
		if [[ $outside != 0 ]]; then
			fail "$name" "samples[$kind].outside is $outside of $count (first outside: $first)"
		elif ! [[ $count =~ ^[0-9]+$ ]] || ((count == 0)); then
			fail "$name" "samples[$kind].count is $count, expected > 0"
		else
			pass "$name" "$kind: $count sampled, 0 outside the window ($(jq -r '.refused' <<<"$s") refused)"
		fi
	done

	if [[ $(jq -r '.verify.holds' <<<"$j") == true ]]; then
		pass "$name" "verify.holds true: $(jq -r '.verify | "reserved \(.reserved.bytes) bytes in \(.reserved.regions) regions, \(.mapped.regions) mapped regions, coverage \(.coverage)"' <<<"$j")"
	else
		fail "$name" "verify.holds is $(jq -c '.verify.holds' <<<"$j")"
	fi
	if [[ $(jq -r '.verify.free.bytes' <<<"$j") == 0 ]]; then
		pass "$name" "verify.free.bytes 0 (no free gap outside the window)"
	else
		fail "$name" "verify.free.bytes is $(jq -r '.verify.free.bytes' <<<"$j") in $(jq -r '.verify.free.regions' <<<"$j") regions: $(jq -c '.verify.free.list[:3]' <<<"$j")"
	fi

	if [[ $name == check_x86_64 ]]; then
		bytes=$(jq -r '.reservation.bytes' <<<"$j")
		# everything from 2^47 to the task size, less what is mapped there
		min=$((TASK_SIZE - (1 << 47) - (1 << 40)))
		if [[ $bytes =~ ^[0-9]+$ ]] && ((bytes >= min)); then
			pass "$name" "reservation.bytes $bytes >= task size - 2^47 - 2^40 ($min): [2^47, $(printf '0x%x' "$TASK_SIZE")) less $((TASK_SIZE - (1 << 47) - bytes)) bytes (verify: stack_keep_bytes $(jq -r .verify.stack_keep_bytes <<<"$j"), mapped bytes $(jq -r .verify.mapped.bytes <<<"$j"))"
		else
			fail "$name" "reservation.bytes is $bytes, expected >= task size - 2^47 - 2^40 ($min)"
		fi
	fi
}

# check_maps NAME WINDOW LIMIT: alloc_maps ran with the preload and
# VAOCI_DEBUG=maps; every mapping it made after the reservation is inside.
check_maps() {
	local name=$1 window=$2 limit=$3 rc before after summary
	rc=$(runenv_rc "$name")
	before=$(mktemp) after=$(mktemp)
	runenv_stream "$name" stderr >"$before"
	runenv_stream "$name" stdout >"$after"
	if [[ $rc != 0 ]]; then
		fail "$name" "alloc_maps with the preload ($window) exited rc=${rc:-none (no runenv output; test rc=$(test_rc "$name"))}: $(head -c 300 "$before" | paste -sd' ')"
	elif ! grep -q . "$before"; then
		fail "$name" "the preload printed no maps on stderr (VAOCI_DEBUG=maps ignored? not loaded?)"
	elif summary=$(maps_compare "$limit" "$before" "$after"); then
		pass "$name" "every new mapping of alloc_maps below 0x$limit ($window): ${summary##*$'\n'}"
	else
		fail "$name" "$(head -n4 <<<"$summary" | paste -sd'|' | sed 's/|/ | /g')"
	fi
	rm -f "$before" "$after"
}

# check_maps_control: alloc_maps without the preload, compared against the
# i386 run's dump, must be caught; otherwise the checks above prove nothing.
check_maps_control() {
	local rc before after summary
	rc=$(runenv_rc maps_none)
	before=$(mktemp) after=$(mktemp)
	runenv_stream maps_i386 stderr >"$before"
	runenv_stream maps_none stdout >"$after"
	if [[ $rc != 0 ]]; then
		fail maps_none "alloc_maps without the preload exited rc=${rc:-none}"
	elif ! grep -q . "$after"; then
		fail maps_none "alloc_maps without the preload printed no maps"
	elif summary=$(maps_compare 100000000 "$before" "$after"); then
		fail maps_none "the comparison missed the mappings of an unreserved alloc_maps: ${summary##*$'\n'}"
	else
		pass maps_none "control: an unreserved alloc_maps is caught (${summary##*$'\n'})"
	fi
	rm -f "$before" "$after"
}

# check_json NAME WINDOW ALGO: `true` with the preload and VAOCI_DEBUG=json.
# ALGO is the algorithm the JSON line must name, or "default": any algorithm
# name but query when the kernel lacks PROCMAP_QUERY (query must fall back).
check_json() {
	local name=$1 window=$2 algo=$3 rc j bytes got min
	rc=$(runenv_rc "$name")
	j=$(runenv_stream "$name" stderr | grep '^{' | tail -n1)
	if [[ $rc != 0 ]]; then
		fail "$name" "true with the preload ($window) exited rc=${rc:-none}: $(runenv_stream "$name" stderr | head -c 300)"
		return
	fi
	if ! jq -e 'type == "object" and .vaoci == "preload"' >/dev/null 2>&1 <<<"$j"; then
		fail "$name" "no preload JSON line on stderr (got: $(runenv_stream "$name" stderr | head -c 200))"
		return
	fi
	bytes=$(jq -r '.bytes' <<<"$j")
	got=$(jq -r '.algorithm' <<<"$j")
	min=1
	[[ $window == x86_64 ]] && min=$(((1 << 47) - (1 << 40)))
	if [[ $bytes =~ ^[0-9]+$ ]] && ((bytes >= min)); then
		pass "$name" "preload ($got) reserved $bytes bytes ($((bytes >> 30)) GiB) in $(jq -r .regions <<<"$j") regions outside window $(jq -r .window <<<"$j"), $(jq -r '.nanoseconds / 100 | round / 10' <<<"$j") µs, $(jq -r .syscalls <<<"$j") syscalls"
	else
		fail "$name" "bytes is $bytes, expected >= $min: $j"
	fi
	if [[ $algo == default ]]; then
		if [[ ! $got =~ ^[a-z]+$ || $got == unknown || ($got == query && $PROCMAP_QUERY != true) ]]; then
			fail "$name" "algorithm is '$got' with the default algorithm (procmap_query $PROCMAP_QUERY): $j"
		else
			pass "$name" "algorithm $got (the default; procmap_query $PROCMAP_QUERY)"
		fi
	elif [[ $got == "$algo" ]]; then
		pass "$name" "algorithm $got, as expected with VAOCI_ALGO=query and procmap_query $PROCMAP_QUERY"
	else
		fail "$name" "algorithm is '$got', expected $algo (VAOCI_ALGO=query, procmap_query $PROCMAP_QUERY): $j"
	fi
	if [[ -n $(runenv_stream "$name" stdout) ]]; then
		fail "$name" "true printed on stdout: $(runenv_stream "$name" stdout | head -c 200)"
	fi
}

# check_4k: a window on 4K (not 16K) boundaries holds on a 4K kernel and is
# refused in one line on a 16K one, before anything is reserved.
check_4k() {
	local j rc
	rc=$(test_rc check_4k)
	j=$(test_json check_4k) || { fail check_4k "no JSON output (rc=${rc:-none})"; return; }
	if [[ $(kernel_expect_page_size) == 4096 ]]; then
		if [[ $(jq -r .ok <<<"$j") == true && $rc == 0 ]]; then
			pass check_4k "0x11000-0x10000000000 (4K-aligned) holds with 4K pages"
		else
			fail check_4k "0x11000-0x10000000000 on 4K pages: rc=$rc, $(jq -c '.error // .ok' <<<"$j")"
		fi
	elif [[ $(jq -r .ok <<<"$j") == false && $rc != 0 && $(jq -r .error.message <<<"$j") == *"multiples of the page size 16384"* ]]; then
		pass check_4k "0x11000-0x10000000000 refused with 16K pages (rc=$rc): $(jq -r .error.message <<<"$j")"
	else
		fail check_4k "0x11000-0x10000000000 on 16K pages: expected a refusal naming the page size, got rc=$rc: $(head -c 300 <<<"$j")"
	fi
}

# check_version: the aarch64 build names itself, its version and arch.
check_version() {
	local want got
	want="vaoci-reserve/$(jq -r .version "$REPO/package.json") linux-aarch64"
	got=$("$VM" --extract version "$LOG" 2>/dev/null | head -n1)
	if [[ $(test_rc version) == 0 && $got == "$want" ]]; then
		pass version "--version: $got"
	else
		fail version "--version printed '$got' (rc=$(test_rc version)), expected '$want'"
	fi
}

# check_nri: vaoci-nri's Go tests on this kernel: every test ran (none skipped for a missing
# file) and passed, the check on real processes among them.
check_nri() {
	local rc out
	rc=$(runenv_rc nri_go)
	out=$(runenv_stream nri_go stdout)
	if [[ ! -x $BUILD/vaoci-nri.test ]]; then
		fail nri_go "$BUILD/vaoci-nri.test missing: make build/aarch64/vaoci-nri.test"
	elif [[ $rc != 0 ]] || ! grep -qx PASS <<<"$out"; then
		fail nri_go "vaoci-nri.test rc=${rc:-none}: $(grep -E -- '--- FAIL|FAIL|panic' <<<"$out" | head -n3 | paste -sd' ')"
	elif grep -q -- '--- SKIP' <<<"$out"; then
		fail nri_go "a test skipped: $(grep -- '--- SKIP' <<<"$out" | head -n2 | paste -sd' ')"
	elif ! grep -q -- '--- PASS: TestVerifyRealProcesses' <<<"$out"; then
		fail nri_go "TestVerifyRealProcesses did not run"
	else
		pass nri_go "aarch64 vaoci-nri: $(grep -c -- '--- PASS' <<<"$out") Go tests passed, the plugin's own check on real processes among them (holds with the preload; does not hold under warn; killed under fail)"
	fi
}

PROCMAP_QUERY=unknown
TASK_SIZE=$((1 << 48))

check_dynamic() {
	local pj
	if ((!DYN_OK)); then
		fail dynamic "could not build the dynamic payload (see the payload line above)"
		return
	fi
	check_maps maps_i386 i386 100000000
	check_maps maps_x86_64 x86_64 800000000000
	check_maps_control
	pj=$(test_json probe 2>/dev/null || true)
	PROCMAP_QUERY=$(jq -r '.procmap_query' 2>/dev/null <<<"$pj" || echo unknown)
	check_json json_i386 i386 default
	check_json json_x86_64 x86_64 default
	check_nri
	# query needs PROCMAP_QUERY (6.11+); without it the preload uses gaps.
	if [[ $PROCMAP_QUERY == true ]]; then
		check_json json_query i386 query
	else
		check_json json_query i386 gaps
	fi
}

# ---- main ------------------------------------------------------------------

main() {
	local rc name
	ensure_jq
	build_payload
	mkdir -p "$(dirname "$LOG")"
	if ! "$VM" --setup; then
		fail vm "vm.sh --setup failed (qemu, cross compiler, kernel or /init)"
		echo "arm64: $PASSED passed, $FAILED failed"
		exit 1
	fi
	echo "arm64: booting the VM with ${#UNIT_TESTS[@]} unit tests, probe, ${#CHECKS[@]} checks and $((DYN_OK ? ${#DYN_RUNS[@]} : 0)) dynamic runs (log: ${LOG#"$REPO"/})" >&2
	# The console goes to the log only; vm.sh's own verdict lines are
	# replaced by the assertions below.
	if ! payload_boot "$VM" "$LOG" "$PAYLOAD" "$@"; then
		rc=$PAYLOAD_VM_RC
		fail vm "the VM did not boot or did not finish its tests (vm.sh rc=$rc, log: $LOG)"
		echo "arm64: $PASSED passed, $FAILED failed"
		exit 1
	fi
	rc=$PAYLOAD_VM_RC
	if ((rc == 0)); then
		pass vm "booted, ran the tests list and powered off (every test rc=0)"
	else
		pass vm "booted, ran the tests list and powered off (vm.sh rc=$rc: some test exited non-zero, see below)"
	fi

	((${#UNIT_TESTS[@]} > 0)) || echo "arm64: note — no build/aarch64/tests/test_* binaries yet" >&2
	check_unit_tests
	check_probe
	for name in "${CHECKS[@]}"; do check_one "$name"; done
	check_4k
	check_version
	check_dynamic

	echo "arm64: $PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
