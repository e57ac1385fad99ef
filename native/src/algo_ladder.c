/* FEX's 2021 fixed-size ladder, kept only as the benchmark baseline: cover
 * each target with aligned power-of-two chunks placed with NOREPLACE, and
 * split a chunk in halves whenever something is in the way (EEXIST). */
#include "reserve_internal.h"
#include "sys.h"

static int fill_chunk(struct vaoci_reservation *res, const struct vaoci_plan *plan, uint64_t start, uint64_t len,
                      vaoci_error_t *err) {
  long r = vaoci_fixed_map(start, start + len, res->map_window, plan->page_size);
  if (r == -17 /* EEXIST */) {
    if (len <= plan->page_size)
      return 0; /* this page is in use */
    int s = fill_chunk(res, plan, start, len / 2, err);
    return s < 0 ? s : fill_chunk(res, plan, start + len / 2, len / 2, err);
  }
  if (r == -12)
    return vaoci_nomem_error(start, len, err);
  if (r != 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, r < 0 ? (int)-r : 0, "ladder map 0x%lx", (unsigned long)start);
  if (vaoci_span_set_add(&res->regions, start, start + len) < 0) {
    vaoci_sys_munmap(start, len);
    return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "ladder: more than %d regions", VAOCI_SPAN_SET_MAX);
  }
  return 0;
}

/* largest_chunk is the biggest power of two that is aligned at pos and fits before end. */
static uint64_t largest_chunk(uint64_t pos, uint64_t end) {
  uint64_t len = pos ? pos & -pos : 1ull << 62;
  while (len > end - pos)
    len >>= 1;
  return len;
}

int vaoci_algo_ladder(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err) {
  for (size_t t = 0; t < plan->ntargets; t++) {
    for (uint64_t pos = plan->targets[t].start; pos < plan->targets[t].end;) {
      uint64_t len = largest_chunk(pos, plan->targets[t].end);
      int r = fill_chunk(res, plan, pos, len, err);
      if (r < 0)
        return r;
      pos += len;
    }
  }
  return 0;
}
