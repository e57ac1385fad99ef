# shellcheck shell=sh
# Sourced inside the arm64 VM by the payload scripts (container/driver.sh,
# ../launch/arm64/binfmt.sh), which copy it to /payload/block.sh.
# block NAME COMMAND...: COMMAND's output (stdout and stderr), then
# "@@STATUS N" (its exit status) on a line of its own, between markers. The
# markers' own rc stays 0: refusals are expected, and the host judges every
# status.
block() {
	name=$1
	shift
	echo "@@VAOCI-BEGIN $name"
	"$@" >/tmp/block.out 2>&1
	rc=$?
	cat /tmp/block.out
	[ -z "$(tail -c1 /tmp/block.out)" ] || echo
	echo "@@STATUS $rc"
	echo "@@VAOCI-END $name rc=0"
}
