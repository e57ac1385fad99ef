# shellcheck shell=bash
# The symlink corpus (sourced by run.sh): vaoci-hook createRuntime writes the
# preload and /etc/ld.so.preload into images whose /etc, /etc/ld.so.preload
# or the preload's directory are symlinks (absolute, relative climbing out,
# through /proc, dangling) to host paths. Not one byte may change outside the
# rootfs; the hook either writes inside it or refuses with one line. Also: a
# report path that is a symlink is replaced, never written through.

HOST=$WORK/host
mkdir -p "$HOST/etc" "$HOST/opt"
echo "host sentinel" >"$HOST/sentinel"
echo "host passwd" >"$HOST/etc/passwd"
HOST_BEFORE=$(tree_state "$HOST")
host_untouched() { [ "$(tree_state "$HOST")" = "$HOST_BEFORE" ]; }
UP=../../../../../../../../../../../..

# hook_bundle NAME: a bundle whose process already carries the window (as a
# Pod spec would set it) and whose image is a copy of the test rootfs.
hook_bundle() {
  HB=$WORK/hook-$1
  mkdir -p "$HB"
  cp -a "$WORK/rootfs" "$HB/rootfs"
  spec_bundle "$HB" rootfs '{"vaoci.io/va-limit": "i386"}' '["/bin/probe"]'
  jq '.process.env += ["VAOCI_VA_LIMIT=i386", "VAOCI_ON_ERROR=fail"]' "$HB/config.json" >"$HB/c" && mv "$HB/c" "$HB/config.json"
}

# prestart: runs vaoci-hook createRuntime on $HB; sets HOUT and HRC.
prestart() { create_runtime "$HB" "$WORK/node-runc.json"; }

installed() { grep -qxF "$PRELOAD" "$HB/rootfs/$1" && cmp -s "$PRELOAD" "$HB/rootfs$PRELOAD"; }
# shellcheck disable=SC2153 # HOUT is set by create_runtime (lib.sh, sourced by run.sh)
one_line_or_ok() { [ "$HRC" -eq 0 ] || [ "$(wc -l <<<"$HOUT")" -eq 1 ]; }

hook_bundle plain
prestart
check "createRuntime: the preload and /etc/ld.so.preload go into a plain rootfs" \
  bash -c "[ $HRC -eq 0 ] && grep -qxF '$PRELOAD' '$HB/rootfs/etc/ld.so.preload' && cmp -s '$PRELOAD' '$HB/rootfs$PRELOAD'"
before=$(sha1sum "$HB/rootfs/etc/ld.so.preload")
prestart
check "createRuntime twice: /etc/ld.so.preload lists the preload once" \
  test "$before" = "$(sha1sum "$HB/rootfs/etc/ld.so.preload")"

declare -A LINKS=(
  [etc-absolute]="etc:$HOST/etc"
  [etc-relative]="etc:$UP$HOST/etc"
  [etc-proc]="etc:/proc/self/root$HOST/etc"
  [preload-absolute]="etc/ld.so.preload:$HOST/sentinel"
  [preload-relative]="etc/ld.so.preload:$UP$HOST/sentinel"
  [preload-dangling]="etc/ld.so.preload:$HOST/missing"
  [libdir-absolute]="${PRELOAD#/}:$HOST/opt/lib.so"
  [libdir-parent]="$(dirname "${PRELOAD#/}"):$HOST/opt"
  [top-relative]="$(echo "${PRELOAD#/}" | cut -d/ -f1):$UP$HOST/opt"
)
for name in $(printf '%s\n' "${!LINKS[@]}" | sort); do
  link=${LINKS[$name]%%:*} target=${LINKS[$name]#*:}
  hook_bundle "$name"
  rm -rf "${HB:?}/rootfs/$link"
  mkdir -p "$(dirname "$HB/rootfs/$link")"
  ln -s "$target" "$HB/rootfs/$link"
  prestart
  check "symlink $name (/$link -> $target): nothing outside the rootfs changed" host_untouched
  check "symlink $name: written inside the rootfs, or refused with one line" one_line_or_ok
done

# The report path: a symlink planted at REPORTS/ID.json is replaced, not followed.
mkdir -p "$WORK/reports"
ln -s "$HOST/sentinel" "$WORK/reports/symlinked.json"
jq -n --arg b "$WORK/hook-plain" '{ociVersion: "1.0.2", id: "symlinked", status: "running", pid: 999999999, bundle: $b}' |
  VAOCI_CONFIG=$WORK/node-runc.json "$BUILD/vaoci-hook" poststart --va-limit i386 >/dev/null 2>&1
check "poststart: a symlink at the report path is replaced, the host file untouched" \
  bash -c "[ ! -L '$WORK/reports/symlinked.json' ] && jq -e '.status == \"exited\"' '$WORK/reports/symlinked.json' >/dev/null"
check "poststart: ... nothing outside the reports dir changed" host_untouched
