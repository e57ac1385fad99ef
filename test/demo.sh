#!/usr/bin/env bash
# make demo: probe this machine, then reserve-and-check the i386 and x86_64
# layouts with the static tool, and show the preload holding a real program
# (python3) inside an i386 window.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=build/x86_64/vaoci-reserve
preload=$PWD/build/x86_64/libvaoci-preload.so
# The real interpreter, not a version-manager shim that would run (and preload) a dozen shells first.
python=$(python3 -c "import sys; print(sys.executable)")

section() { printf '\n== %s\n' "$*"; }

section "What this machine gives the reserver ($tool probe)"
$tool probe

section "i386 layout: everything at or above 4 GiB reserved ($tool check --va-limit i386)"
$tool check --va-limit i386 --samples 1000

section "x86_64 layout: everything at or above 2^47 reserved ($tool check --va-limit x86_64)"
$tool check --va-limit x86_64 --samples 1000
if [ "$($tool --json probe | grep -o '"va_bits":[0-9]*' | cut -d: -f2)" -le 47 ]; then
  echo "  (this kernel gives 47 bits: nothing lies above 2^47, which is why the x86_64 layout reserves 0 bytes here;"
  echo "   on a 48-bit arm64 kernel it reserves [2^47, 2^48) — see make test-arm64)"
fi

section "A real program under the preload: python3 asks for 256 MiB and a 64 MiB mmap with an i386 window"
LD_PRELOAD=$preload VAOCI_VA_LIMIT=i386 VAOCI_DEBUG=1 "$python" -c '
import ctypes, mmap
big = ctypes.create_string_buffer(256 << 20)
m = mmap.mmap(-1, 64 << 20)
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
for name, a in (("256 MiB buffer", ctypes.addressof(big)), ("64 MiB mmap", addr)):
    where = "inside" if a + (64 << 20) <= 1 << 32 else "OUTSIDE"
    print(f"  {name:15} at {a:#014x}  {where} the i386 window")
'
section "The same window seen from outside: vaoci verify draws the address space of a preloaded process"
mkdir -p build/demo
LD_PRELOAD=$preload VAOCI_VA_LIMIT=i386 sleep 10 &
sleeper=$!
sleep 0.3
bin/vaoci verify --pid "$sleeper" --va-limit i386 --svg build/demo/address-space.svg
kill "$sleeper" 2>/dev/null || true

echo
echo "Demo done. make test runs every suite, make bench-native the side-by-side timings."
