#!/bin/sh
# check-hot.sh FILE: fails unless native/src/hot.ld took effect in FILE's
# link: an output section .bss.hot placed before .bss. Without the script
# the records marked VAOCI_HOT_BSS would silently land inside .bss, and each
# run would pay a page fault more (native/src/hot.h).
set -eu
readelf -SW "$1" | awk -v f="$1" '
  { for (i = 1; i < NF; i++) if ($i ~ /^\.bss(\.hot)?$/) { addr[$i] = $(i + 2); break } }
  END {
    if (!(".bss.hot" in addr) || !(".bss" in addr) || addr[".bss.hot"] >= addr[".bss"]) {
      print f ": no .bss.hot before .bss (was native/src/hot.ld applied?)" > "/dev/stderr"; exit 1
    }
  }'
