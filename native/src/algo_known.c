/* The known algorithm (default): reserve the gaps between what the process
 * already knows is mapped (its ELF objects, from the auxiliary vector and the
 * loader's list; the stack) without reading any maps. Every reservation is
 * placed with MAP_FIXED_NOREPLACE, so a gap that is not entirely free fails
 * with EEXIST instead of clobbering: then mincore() measures the unknown
 * mappings that hug the gap's edges (vvar below the vDSO, the loader's own
 * anonymous pages below a library), and only what is still unexplained is
 * looked up in the maps (PROCMAP_QUERY, else the text). Exact by construction:
 * reserved = NOREPLACE succeeded; skipped = a loaded segment or mincore said mapped. */
#include "objects.h"
#include "reserve_internal.h"
#include "sys.h"

#define EDGE_PAGES 64 /* how far mincore looks past a gap's edge */

static struct vaoci_known known;
static struct vaoci_span_set unexplained;

struct known_ctx {
  struct vaoci_reservation *res;
  const struct vaoci_plan *plan;
  int maps_fd; /* opened on first need */
};

/* mapped reports whether every page of [start, end) belongs to some mapping. */
static int mapped(uint64_t start, uint64_t end, uint64_t page) {
  unsigned char vec[EDGE_PAGES]; /* callers never ask about more pages */
  (void)page;
  return vaoci_syscall6(SYS_mincore, (long)start, (long)(end - start), (long)vec, 0, 0, 0) == 0;
}

/* edge_run measures the mapped pages next to edge, going down (dir < 0)
 * towards limit or up (dir > 0) towards it, at most EDGE_PAGES: exponential
 * then binary search, one mincore each. Returns the run's length in bytes. */
static uint64_t edge_run(uint64_t edge, uint64_t limit, int dir, uint64_t page) {
  uint64_t room = (dir < 0 ? edge - limit : limit - edge) / page;
  uint64_t max = room < EDGE_PAGES ? room : EDGE_PAGES;
  uint64_t lo = 0, hi = 1; /* lo pages known mapped; hi the next to try */
#define RUN_MAPPED(k) (dir < 0 ? mapped(edge - (k)*page, edge, page) : mapped(edge, edge + (k)*page, page))
  while (hi <= max && RUN_MAPPED(hi)) {
    lo = hi;
    hi *= 2;
  }
  if (hi > max)
    hi = max + 1;
  while (hi - lo > 1) { /* lo mapped, hi not (or beyond max) */
    uint64_t mid = (lo + hi) / 2;
    if (RUN_MAPPED(mid))
      lo = mid;
    else
      hi = mid;
  }
#undef RUN_MAPPED
  return lo * page;
}

static int is_eexist(int r, const vaoci_error_t *err) { return r < 0 && err->sys_errno == 17; }

/* fill_from_maps reserves the free parts of [start, end) as the maps tell them. */
static int fill_from_maps(struct known_ctx *c, uint64_t start, uint64_t end, vaoci_error_t *err) {
  if (c->maps_fd < 0 && (c->maps_fd = vaoci_maps_open(0, err)) < 0)
    return c->maps_fd;
  struct vaoci_span span = {start, end};
  unexplained.count = 0;
  int r = vaoci_collect_gaps(c->maps_fd, VAOCI_COLLECT_QUERY_FIRST, &span, 1, &unexplained, err);
  if (r == -VAOCI_E_UNSUPPORTED)
    r = vaoci_collect_gaps(c->maps_fd, 0, &span, 1, &unexplained, err);
  for (size_t i = 0; r == 0 && i < unexplained.count; i++)
    r = vaoci_map_span(c->res, unexplained.items[i].start, unexplained.items[i].end, err);
  return r;
}

/* fill_gap reserves all that is free in [start, end), a gap between known mappings. */
static int fill_gap(struct known_ctx *c, uint64_t start, uint64_t end, vaoci_error_t *err) {
  uint64_t page = c->plan->page_size;
  int small = (end - start) / page <= EDGE_PAGES;
  /* A hole between two segments of one object is usually filled: look first. */
  if (small && vaoci_span_set_covers(&known.objects, start, end) && mapped(start, end, page))
    return 0;
  int r = vaoci_map_span(c->res, start, end, err);
  if (!is_eexist(r, err))
    return r;
  if (small && mapped(start, end, page))
    return 0; /* a small gap that something unknown fills whole: one look */
  uint64_t hi = end - edge_run(end, start, -1, page);
  uint64_t lo = hi > start ? start + edge_run(start, hi, +1, page) : hi;
  if (lo >= hi)
    return 0; /* all of it is mapped */
  if (lo > start || hi < end) {
    r = vaoci_map_span(c->res, lo, hi, err);
    if (!is_eexist(r, err))
      return r;
  }
  return fill_from_maps(c, lo, hi, err);
}

/* fill_target reserves the gaps of one target span between the known segments. */
static int fill_target(struct known_ctx *c, struct vaoci_span t, vaoci_error_t *err) {
  uint64_t pos = t.start;
  const struct vaoci_span_set *seg = &known.segments;
  for (size_t i = 0; i < seg->count && pos < t.end; i++) {
    if (seg->items[i].end <= pos)
      continue;
    if (seg->items[i].start >= t.end)
      break;
    if (seg->items[i].start > pos) {
      int r = fill_gap(c, pos, seg->items[i].start, err);
      if (r < 0)
        return r;
    }
    pos = seg->items[i].end;
  }
  return pos < t.end ? fill_gap(c, pos, t.end, err) : 0;
}

int vaoci_algo_known(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err) {
  struct known_ctx c = {res, plan, -1};
  known.segments.count = known.objects.count = 0;
  vaoci_known_segments(plan->page_size, &known);
  int r = 0;
  for (size_t t = 0; r == 0 && t < plan->ntargets; t++)
    r = fill_target(&c, plan->targets[t], err);
  if (c.maps_fd >= 0)
    vaoci_sys_close(c.maps_fd);
  return r;
}
