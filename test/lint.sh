#!/usr/bin/env bash
# make lint: every linter and formatter check, each timed, all of them even
# after a failure; exit 0 only if all pass. Nothing is rewritten here:
# `test/lint.sh --fix` applies clang-format, prettier and eslint's fixes.
#   - ShellCheck: every shell script git knows (by .sh or by its #! line), following sources
#   - clang-format: every C file (.clang-format: the tree's style)
#   - eslint: JavaScript and TypeScript (eslint.config.mjs: recommended rules, none turned off)
#   - prettier: JavaScript and TypeScript layout (.prettierrc.json, .prettierignore)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
FIX=0
[[ ${1:-} == --fix ]] && FIX=1
rows=()
failed=()

shell_scripts() {
	local f
	git ls-files -z | while IFS= read -r -d '' f; do
		[[ -f $f ]] || continue
		case $f in
		*.sh) echo "$f" ;;
		*.*) ;;
		*) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
		esac
	done
}
# hook/policy/policy_gen.h is written by schemas/gen/policy-gen.mjs, and the build compares it byte for byte.
c_files() { git ls-files '*.c' '*.h' | grep -vx 'hook/policy/policy_gen.h'; }

check() { # NAME COMMAND...
	local name=$1 t0=$SECONDS status=ok
	shift
	echo "==> lint: $name" >&2
	"$@" || { status=FAILED; failed+=("$name"); }
	rows+=("$(printf '%-13s %-7s %4d s' "$name" "$status" $((SECONDS - t0)))")
}

mapfile -t SH < <(shell_scripts)
mapfile -t C < <(c_files)
for tool in shellcheck clang-format; do
	command -v "$tool" >/dev/null || { echo "lint: $tool not found; run .ci/install-deps" >&2; exit 2; }
done

check shellcheck shellcheck -x -P SCRIPTDIR "${SH[@]}"
if ((FIX)); then
	check clang-format clang-format -i "${C[@]}"
	check eslint npx --no-install eslint --fix . bin/vaoci
	check prettier npx --no-install prettier --log-level warn --write .
else
	check clang-format clang-format --dry-run --Werror "${C[@]}"
	check eslint npx --no-install eslint . bin/vaoci
	check prettier npx --no-install prettier --log-level warn --check .
fi

echo
echo "make lint (${#SH[@]} shell scripts, ${#C[@]} C files)"
printf '  %s\n' "${rows[@]}"
if ((${#failed[@]})); then
	echo "make lint: FAILED: ${failed[*]}"
	exit 1
fi
echo "make lint: all clean"
