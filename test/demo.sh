#!/usr/bin/env bash
# make demo: the main job on the built-in demo image. `vaoci run` unpacks it,
# runs it through vaoci's runtime wrapper (runc underneath) with an i386
# window, and shows the probe's own view, the poststart hook's verdict and
# an SVG of the container process's address space; then the same image
# without a window, for contrast. Needs root (overlayfs, the OCI runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
export VAOCI_STATE=$PWD/build/demo/state
svg=build/demo/address-space.svg
mkdir -p build/demo

section() { printf '\n== %s\n' "$*"; }

section "What this machine gives the reserver (vaoci probe)"
bin/vaoci probe

section "vaoci run --va-limit i386 --svg $svg demo"
echo "(the probe maps memory the ways programs do — sizes up to 1 GiB, a hint at 2^45, mremap, malloc — and checks /proc/self/maps)"
bin/vaoci run --va-limit i386 --svg "$svg" demo
id=$(bin/vaoci ps --json | jq -r '.containers | sort_by(.created) | last | .id')

section "vaoci inspect --format text $id"
bin/vaoci inspect --format text "$id"
echo "picture: $svg (reserved grey, the window blue, live mappings green; red would be free space outside the window)"

section "The same image without a window, for contrast: vaoci run --rm demo"
bin/vaoci run --rm demo

bin/vaoci rm "$id" >/dev/null
echo
echo "Demo done. make test runs every suite; make bench measures every cost side by side (report and plots in build/bench)."
