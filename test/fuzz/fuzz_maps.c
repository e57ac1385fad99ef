/* libFuzzer target: /proc/PID/maps text, as vaoci_maps_parse_text reads it
 * (the poststart hook and verify parse other processes' maps). */
#include <stddef.h>
#include <stdint.h>
#include "vaoci/maps.h"

static int visit(void *ctx, const struct vaoci_vma *vma) {
  size_t *n = ctx;
  (*n)++;
  return vma->start > vma->end; /* a parsed vma is never inverted: stop (and fail below) if so */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t n = 0;
  vaoci_error_t err;
  if (vaoci_maps_parse_text((const char *)data, size, visit, &n, &err) > 0)
    __builtin_trap();
  return 0;
}
