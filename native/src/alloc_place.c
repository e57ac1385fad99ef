/* Finding a place for a range allocation: a free gap first, else a piece of
 * the caller's reservation. */
#include "alloc_place.h"
#include "sys.h"
#include "vaoci/probe.h"

static struct vaoci_span_set free_scratch;

size_t vaoci_allowed_spans(const struct vaoci_reservation *res, uint64_t begin, uint64_t end,
                           struct vaoci_span out[2]) {
  uint64_t floor = res ? res->floor : vaoci_probe_page_size(), task = res ? res->task_size : 0;
  if (!task) {
    vaoci_error_t ignored;
    if (vaoci_probe_va_bits(&task, &ignored) < 0)
      return 0;
  }
  /* The allowed spans are the complement of the window {lower=end, upper=begin}:
   * begin < end makes that a wrap-around window whose complement is [begin,end);
   * begin > end makes it [end,begin), whose complement wraps around. */
  struct vaoci_window hole = {VAOCI_WINDOW_CUSTOM, end, begin};
  return (size_t)vaoci_window_complement(&hole, floor, task, out);
}

/* first_fit returns the lowest align-aligned address in set ∩ allowed with len free bytes. */
static int first_fit(const struct vaoci_span_set *set, const struct vaoci_span *allowed, size_t nallowed, uint64_t len,
                     uint64_t align, uint64_t *addr) {
  for (size_t i = 0; i < set->count; i++) {
    for (size_t a = 0; a < nallowed; a++) {
      uint64_t s = set->items[i].start > allowed[a].start ? set->items[i].start : allowed[a].start;
      uint64_t e = set->items[i].end < allowed[a].end ? set->items[i].end : allowed[a].end;
      s = (s + align - 1) & ~(align - 1);
      if (s < e && e - s >= len) {
        *addr = s;
        return 1;
      }
    }
  }
  return 0;
}

int vaoci_find_place(const struct vaoci_reservation *res, const struct vaoci_span *allowed, size_t nallowed,
                     uint64_t len, uint64_t align, struct vaoci_place *place, vaoci_error_t *err) {
  int fd = vaoci_maps_open(0, err);
  if (fd < 0)
    return fd;
  free_scratch.count = 0;
  int r = vaoci_collect_gaps(fd, 1, allowed, nallowed, &free_scratch, err);
  if (r == -VAOCI_E_UNSUPPORTED)
    r = vaoci_collect_gaps(fd, 0, allowed, nallowed, &free_scratch, err);
  vaoci_sys_close(fd);
  if (r < 0)
    return r;
  place->from_reservation = 0;
  if (first_fit(&free_scratch, allowed, nallowed, len, align, &place->addr))
    return 0;
  place->from_reservation = 1;
  if (res && first_fit(&res->regions, allowed, nallowed, len, align, &place->addr))
    return 0;
  return vaoci_make_error(err, VAOCI_E_NOMEM, 12, "no room for 0x%lx bytes in the range", (unsigned long)len);
}

int vaoci_rereserve(struct vaoci_reservation *res, uint64_t start, uint64_t end) {
  if (!res)
    return 0;
  struct vaoci_span comp[2];
  int n = vaoci_window_complement(&res->window, res->floor, res->task_size, comp);
  for (int i = 0; i < n; i++) {
    uint64_t s = comp[i].start > start ? comp[i].start : start, e = comp[i].end < end ? comp[i].end : end;
    vaoci_error_t ignored;
    if (s < e && vaoci_map_span(res, s, e, &ignored) < 0)
      return -1;
  }
  return 0;
}
