#!/usr/bin/env bash
# shellcheck disable=SC2016 # the checks pass values to `bash -c` as $0, $1...: single quotes on purpose
# Upgrade and downgrade (issue 20): a node installed by an older vaoci — the CLI of
# INSTALLER_OLDER_REV (default 3b7309f, the installer before it was made crash-safe), built
# from git here with this checkout's node_modules — and a running container holding the
# preload (LD_PRELOAD) and the launcher (vaoci-launch, which loads its program in-process and
# stays the process's executable). A new vaoci installs other bytes of every file: the record
# is understood (no refusal, the node's files known as vaoci's, nothing backed up twice), each
# file is replaced by rename (a new inode; the old one, still mapped, untouched), the running
# processes keep the bytes they started with and go on running. Then the older vaoci again,
# over the new record (downgrade), and uninstall: the node byte for byte as before the first
# install.
# Usage: installer-upgrade.sh WORK (installer.sh makes WORK/from).
set -uo pipefail
WORK=$1/upgrade TREE=c16 FROM=$1/from
# shellcheck source=installer-lib.sh
source "$(dirname "$0")/installer-lib.sh"
# shellcheck source=../hook/lib.sh
source "$INST_ROOT/test/hook/lib.sh"
mkdir -p "$TD"
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap stop EXIT
NEW=$WORK/new
mkdir -p "$NEW"
for f in "$FROM"/*; do cp "$f" "$NEW/" && printf '\n# vaoci next\n' >>"$NEW/${f##*/}"; done # other bytes; the ELF still loads

# older_vaoci builds the CLI of OLDER_REV into WORK/older and prints its bin/vaoci.
OLDER_REV=${INSTALLER_OLDER_REV:-3b7309f}
older_vaoci() {
  local dir=$WORK/older
  git -C "$INST_ROOT" cat-file -e "$OLDER_REV^{commit}" 2>/dev/null || { echo "no commit $OLDER_REV here (a shallow clone?)" >&2; return 1; }
  mkdir -p "$dir" && git -C "$INST_ROOT" archive "$OLDER_REV" | tar -x -C "$dir" && ln -s "$INST_ROOT/node_modules" "$dir/node_modules" &&
    (cd "$dir" && node "$INST_ROOT/node_modules/typescript/bin/tsc" -p tsconfig.json >/dev/null && node build/ts/cli/src/manifest.js >/dev/null) &&
    echo "$dir/bin/vaoci"
}

make_tree
SNAP_P=$(snap)
REC=$W/opt/vaoci/install.json
if OLDER=$(older_vaoci); then
  check "the older vaoci ($OLDER_REV) built and installed the node" bash -c '"$0" node install --host-root "$1" --from "$2" >/dev/null' "$OLDER" "$W" "$FROM"
else
  # A clone without that history (shallow) cannot build it: this vaoci's record,
  # rewritten to the oldest form (no vaoci_version, engine_version), stands in.
  echo "note - the older vaoci cannot be built here: its record's oldest form stands in"
  OLDER=$VAOCI
  "$VAOCI" node install --host-root "$W" --from "$FROM" >/dev/null
  jq 'del(.vaoci_version, .engine_version)' "$REC" >"$WORK/old.json" && cp "$WORK/old.json" "$REC"
fi
BACKUP=$(sha256sum <"$W/opt/vaoci/backup/%2Fetc%2Fvaoci%2Fconfig.json")

LD_PRELOAD=$W/opt/vaoci/lib/libvaoci-preload.so sleep 120 &
pids+=($!) pre=$!
"$W/opt/vaoci/bin/vaoci-launch" --va-limit i386 -- /bin/busybox sleep 120 &
pids+=($!) launch=$!
sleep 0.5
check "a container started on the old install: the preload mapped, the launcher its executable" \
  bash -c 'grep -q "libvaoci-preload.so$" "/proc/$0/maps" && [ "$(readlink "/proc/$1/exe")" = "$2" ]' "$pre" "$launch" "$W/opt/vaoci/bin/vaoci-launch"
OLD_LIB=$(sha256sum <"$W/opt/vaoci/lib/libvaoci-preload.so") OLD_LAUNCH=$(sha256sum <"$W/opt/vaoci/bin/vaoci-launch")

out=$("$VAOCI" node install --host-root "$W" --from "$NEW" 2>&1); rc=$?
check "upgrade over the older vaoci's record: exit 0 ($(head -1 <<<"$out"))" test "$rc" = 0
check "... the record is the new form (vaoci_version), the node's own config.json still the one kept, its backup untouched" \
  bash -c 'jq -e ".vaoci_version and (.files | map(select(.path == \"/etc/vaoci/config.json\"))[0].backup == \"/opt/vaoci/backup/%2Fetc%2Fvaoci%2Fconfig.json\")" "$0" >/dev/null && [ "$(sha256sum <"$1")" = "$2" ]' \
  "$REC" "$W/opt/vaoci/backup/%2Fetc%2Fvaoci%2Fconfig.json" "$BACKUP"
check "... every data-plane file has the new bytes" bash -c 'for f in "$0"/*; do cmp -s "$f" "$1/${f##*/}" || cmp -s "$f" "$2/${f##*/}" || exit 1; done' "$NEW" "$W/opt/vaoci/bin" "$W/opt/vaoci/lib"
check "... the running container keeps running, with the preload and launcher it started with (old bytes, the replaced inodes)" \
  bash -c 'kill -0 "$0" && kill -0 "$1" && grep -q "libvaoci-preload.so (deleted)$" "/proc/$0/maps" &&
    [ "$(sha256sum <"/proc/$1/exe")" = "$2" ] && [ "$(sha256sum <"$3")" != "$2" ] &&
    [ "$(sha256sum <"$(awk "/libvaoci-preload.so \\(deleted\\)/ { print \"/proc/$0/map_files/\" \$1; exit }" "/proc/$0/maps")")" = "$4" ]' \
  "$pre" "$launch" "$OLD_LAUNCH" "$W/opt/vaoci/bin/vaoci-launch" "$OLD_LIB"

"$OLDER" node install --host-root "$W" --from "$FROM" >/dev/null; rc=$?
check "downgrade: the older vaoci installs its bytes over the new vaoci's record: exit 0, every file the older bytes again" \
  bash -c '[ "$0" = 0 ] && for f in "$1"/*; do cmp -s "$f" "$2/${f##*/}" || cmp -s "$f" "$3/${f##*/}" || exit 1; done' "$rc" "$FROM" "$W/opt/vaoci/bin" "$W/opt/vaoci/lib"
check "... the running container still runs" bash -c 'kill -0 "$0" && kill -0 "$1"' "$pre" "$launch"
"$VAOCI" node uninstall --host-root "$W" >/dev/null
check "uninstall after upgrade and downgrade: the node byte for byte as before the first install" test "$(snap)" = "$SNAP_P"
summary "installer upgrade"
