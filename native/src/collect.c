/* Finding the free gaps of a set of target spans in the calling process. */
#include "reserve_internal.h"
#include "sys.h"

/* collect_by_query asks for one VMA at a time; past budget queries (< 0:
 * none) it returns 1 with the walk where it stands, for the text to finish. */
static int collect_by_query(int fd, struct vaoci_gap_walk *w, long budget, vaoci_error_t *err) {
  for (size_t i = 0; i < w->ntargets; i++) {
    uint64_t addr = w->targets[i].start > w->cursor ? w->targets[i].start : w->cursor;
    while (addr < w->targets[i].end) {
      if (budget-- == 0)
        return 1;
      struct vaoci_vma vma;
      int r = vaoci_maps_query(fd, addr, &vma, err);
      if (r < 0)
        return r;
      if (r == 0)
        return 0; /* nothing above: finish() records the rest */
      if (vaoci_gap_walk_feed(w, &vma))
        return 0;
      addr = vma.end;
    }
  }
  return 0;
}

static int collect_by_text(int fd, struct vaoci_gap_walk *w, vaoci_error_t *err) {
  int r = vaoci_maps_parse_fd(fd, vaoci_gap_walk_feed, w, err);
  return r < 0 ? r : 0;
}

int vaoci_collect_gaps(int maps_fd, int use_query, const struct vaoci_span *targets, size_t ntargets,
                       struct vaoci_span_set *out, vaoci_error_t *err) {
  struct vaoci_gap_walk w;
  vaoci_gap_walk_init(&w, targets, ntargets, out);
  long budget = use_query == VAOCI_COLLECT_QUERY_FIRST ? VAOCI_QUERY_BUDGET : -1;
  int r = use_query ? collect_by_query(maps_fd, &w, budget, err) : collect_by_text(maps_fd, &w, err);
  if (r == 1) /* the text goes on from the walk's cursor: feeding skips the VMAs below it */
    r = collect_by_text(maps_fd, &w, err);
  if (r < 0)
    return r;
  if (vaoci_gap_walk_finish(&w) < 0)
    return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "collect gaps: more than %d free gaps", VAOCI_SPAN_SET_MAX);
  return 0;
}
