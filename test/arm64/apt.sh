# shellcheck shell=bash
# Sourced by the arm64 suites: Debian packages of another release (Debian 13,
# "trixie") for the VM, through a private apt root under build/apt/SUITE that
# leaves the machine's own apt configuration, lists and packages alone. It uses
# the archive URI the machine's own Debian sources use (no other host) and
# Debian's archive keyring, which on Debian 12 already holds trixie's keys.
#
#   side_apt SUITE                 prints nothing; sets SIDE_APT (apt -o options)
#                                  for SUITE, running `apt-get update` once a day
#   side_apt_get SUITE ARGS...     apt-get with SUITE's root (download, ...)
#   side_apt_cache SUITE ARGS...   apt-cache with SUITE's root (depends, show, ...)
#
# Needs no root: apt-get download writes into the current directory (as root,
# APT::Sandbox::User=root, as apt's sandbox user cannot write into a
# root-owned directory).

SIDE_APT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

side_apt_err() { echo "arm64 apt: $*" >&2; return 1; }

# The URI of the machine's own Debian archive (deb822 or one-line sources).
side_apt_uri() {
	local uri
	uri=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }
		     /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' | head -n1)
	echo "${uri:-http://deb.debian.org/debian}"
}

side_apt_opts() {
	local d=$SIDE_APT_REPO/build/apt/$1
	SIDE_APT=(-o "Dir::State=$d/state" -o "Dir::State::status=$d/state/status" -o "Dir::Cache=$d/cache"
		-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/parts"
		-o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$d/parts"
		-o "APT::Architectures=amd64,arm64" -o "Acquire::Languages=none")
	[[ $(id -u) == 0 ]] && SIDE_APT+=(-o APT::Sandbox::User=root)
	return 0
}

side_apt() {
	local suite=$1 d=$SIDE_APT_REPO/build/apt/$1
	side_apt_opts "$suite"
	[[ -f $d/updated && -n $(find "$d/updated" -mmin -1440 2>/dev/null) ]] && return 0
	mkdir -p "$d"
	# Suites run side by side: one update at a time, the others wait for it.
	(flock 9 && side_apt_update "$suite") 9>"$d.lock"
}

side_apt_update() {
	local suite=$1 d=$SIDE_APT_REPO/build/apt/$1 keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[[ -f $d/updated && -n $(find "$d/updated" -mmin -1440 2>/dev/null) ]] && return 0
	[[ -f $keyring ]] || side_apt_err "$keyring missing (package debian-archive-keyring)" || return 1
	mkdir -p "$d"/{state/lists/partial,cache/archives/partial,parts}
	: >"$d/state/status"
	echo "deb [arch=amd64,arm64 signed-by=$keyring] $(side_apt_uri) $suite main" >"$d/sources.list"
	echo "arm64 apt: apt-get update for $suite (private root build/apt/$suite)" >&2
	apt-get -qq "${SIDE_APT[@]}" update >/dev/null || side_apt_err "apt-get update of $suite failed" || return 1
	touch "$d/updated"
}

side_apt_get() {
	local suite=$1
	shift
	side_apt "$suite" || return 1
	apt-get -qq "${SIDE_APT[@]}" "$@"
}

side_apt_cache() {
	local suite=$1
	shift
	side_apt "$suite" || return 1
	apt-cache "${SIDE_APT[@]}" "$@"
}
