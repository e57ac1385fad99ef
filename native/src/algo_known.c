/* The known algorithm (default): reserve the gaps between what the process
 * already knows is mapped (its ELF objects, from the auxiliary vector and the
 * loader's list; the stack) without reading any maps. Every reservation is
 * placed with MAP_FIXED_NOREPLACE, so a gap that is not entirely free fails
 * with EEXIST instead of clobbering: then mincore() measures the unknown
 * mappings that hug the gap's edges (vvar below the vDSO, the loader's own
 * anonymous pages below a library), and only what is still unexplained is
 * looked up in the maps (PROCMAP_QUERY, else the text). Exact by construction:
 * reserved = NOREPLACE succeeded; skipped = a loaded segment or mincore said mapped. */
#include <elf.h>
#include "auxv.h"
#include "objects.h"
#include "reserve_internal.h"
#include "sys.h"

#define SMALL_PAGES 64 /* a gap this small is checked whole with one mincore */
/* How far the edge search looks past a gap's edge, one page asked at a time
 * (log2 of it calls); beyond this the run is left to the kernel's top-down
 * search (top_down.c) or the maps. glibc's loader on arm64 keeps more than
 * 16 pages of its own below the lowest library. */
#define EDGE_PAGES 64
#define CROWDED_MAX 8 /* crowded spans kept for last in one reservation */

/* The kernel's vvar pages sit right below the vDSO, outside its ELF image, in
 * every kernel's layout we know: on x86-64 6 pages from 6.13 (vvar and
 * vvar_vclock), 4 before; on arm64 2 up to 6.12 (any page size), where the
 * kernel often puts the loader's first pages right below (4 on 6.1: 6 in
 * all). Tried largest first, so the first that mincore finds mapped is the
 * run's length or less (the NOREPLACE map below it tells which). */
static const unsigned vvar_pages[] = {6, 4, 2};
#if defined(__aarch64__)
/* A static arm64 program has no loader pages there: its run is vvar alone. */
static const unsigned vvar_pages_static_arm64[] = {2};
#endif

static struct vaoci_known known;
static struct vaoci_span_set unexplained;

struct known_ctx {
  struct vaoci_reservation *res;
  const struct vaoci_plan *plan;
  int maps_fd; /* opened on first need */
  uint64_t vdso; /* the vDSO's start (AT_SYSINFO_EHDR), or 0 */
  uint64_t tls; /* the page of the thread pointer (the loader's TLS block), or 0 */
  int top_down; /* vaoci_top_down_usable below the vDSO: -1 not asked yet */
  size_t ncrowded;
  struct vaoci_span crowded[CROWDED_MAX]; /* filled top-down once all else is reserved */
};

/* mapped reports whether every page of [start, end) belongs to some mapping. */
static int mapped(uint64_t start, uint64_t end, uint64_t page) {
  unsigned char vec[SMALL_PAGES]; /* callers never ask about more pages */
  (void)page;
  return vaoci_syscall6(SYS_mincore, (long)start, (long)(end - start), (long)vec, 0, 0, 0) == 0;
}

/* edge_run measures the run of mapped pages next to edge, going down (dir <
 * 0) towards limit or up (dir > 0) towards it. One page is asked at a time
 * (1, 2, 4, ... pages out, then a binary search), as mincore pays per VMA
 * and each page of a crowded run can be one; then one mincore over the run
 * proves it whole. Returns the run's length in bytes, or EDGE_LONGER when it
 * goes on past EDGE_PAGES or has a hole (the caller leaves it to the
 * kernel's top-down search or the maps). */
#define EDGE_LONGER UINT64_MAX
static uint64_t edge_run(uint64_t edge, uint64_t limit, int dir, uint64_t page) {
  uint64_t room = (dir < 0 ? edge - limit : limit - edge) / page;
  uint64_t max = room < EDGE_PAGES ? room : EDGE_PAGES;
#define NTH(k) (dir < 0 ? edge - (k)*page : edge + ((k)-1) * page) /* the k-th page out, k >= 1 */
  uint64_t lo = 0, hi = 1; /* page lo is mapped (0: none asked); page hi is the next to ask */
  while (hi <= max && mapped(NTH(hi), NTH(hi) + page, page)) {
    lo = hi;
    hi *= 2;
  }
  if (hi > max) {
    if (lo == max && max < room && mapped(NTH(max + 1), NTH(max + 1) + page, page))
      return EDGE_LONGER;
    hi = max + 1;
  }
  while (hi - lo > 1) { /* page lo mapped, page hi not (or beyond max) */
    uint64_t mid = (lo + hi) / 2;
    if (mapped(NTH(mid), NTH(mid) + page, page))
      lo = mid;
    else
      hi = mid;
  }
  uint64_t run = lo * page;
  if (lo > 1 && !mapped(dir < 0 ? edge - run : edge, dir < 0 ? edge : edge + run, page))
    return EDGE_LONGER; /* a hole between the pages asked */
#undef NTH
  return run;
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

/* below_run fills [start, end) when [at, end) is a run of mapped pages: one
 * mincore proves the run, and a NOREPLACE map of [start, at) proves the rest
 * free. Returns 1 when it reserved the gap, 0 when the run is not mapped
 * whole, 2 when it is but the map met EEXIST (then *edge = at: the caller
 * searches on below it), or < 0. */
static int below_run(struct known_ctx *c, uint64_t start, uint64_t at, uint64_t end, uint64_t *edge,
                     vaoci_error_t *err) {
  if (!mapped(at, end, c->plan->page_size))
    return 0;
  *edge = at;
  int r = vaoci_map_span(c->res, start, at, err);
  return is_eexist(r, err) ? 2 : r < 0 ? r : 1;
}

/* below_vdso fills a gap that ends at the vDSO, where the vvar pages are known
 * to sit: the largest guess that mincore finds wholly mapped is the run below
 * the vDSO (below_run). Exact by construction, and on the usual kernel 2
 * system calls instead of a failed map and ~7 mincores. Returns as below_run,
 * 0 when no guess holds. */
static int below_vdso(struct known_ctx *c, uint64_t start, uint64_t end, uint64_t *edge, vaoci_error_t *err) {
  uint64_t page = c->plan->page_size;
  const unsigned *guess = vvar_pages;
  size_t n = sizeof vvar_pages / sizeof vvar_pages[0];
#if defined(__aarch64__)
  if (!vaoci_auxv(AT_BASE))
    guess = vvar_pages_static_arm64, n = 1;
#endif
  for (size_t i = 0; i < n; i++) {
    uint64_t run = guess[i] * page;
    int r = end - start <= run ? 0 : below_run(c, start, end - run, end, edge, err);
    if (r != 0)
      return r;
  }
  return 0;
}

/* crowded takes [lo, hi), a span of unknown mappings longer than the edge
 * search goes: kept for the kernel's top-down search once everything else
 * is reserved (a few dozen calls however many mappings it holds), where
 * that search is exact; else from the maps. */
static int crowded(struct known_ctx *c, uint64_t lo, uint64_t hi, vaoci_error_t *err) {
  if (c->top_down < 0)
    c->top_down = vaoci_top_down_usable(hi, c->vdso, c->res->map_window ? c->res->map_window : c->plan->task_size);
  if (c->top_down && hi <= c->vdso && c->ncrowded < CROWDED_MAX) {
    c->crowded[c->ncrowded++] = (struct vaoci_span){lo, hi};
    return 0;
  }
  return fill_from_maps(c, lo, hi, err);
}

/* thread_pointer reads the thread pointer without touching memory: x86-64's
 * __builtin_thread_pointer loads %fs:0, which faults where no TLS is set up
 * (vaoci-launch, freestanding, runs before any), so rdfsbase, where the
 * kernel allows it (HWCAP2_FSGSBASE); else 0, and the hint is not used. */
static uint64_t thread_pointer(void) {
#if defined(__aarch64__)
  uint64_t tp;
  __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
  return tp;
#elif defined(__x86_64__)
  if (!(vaoci_auxv(AT_HWCAP2) & 2 /* HWCAP2_FSGSBASE */))
    return 0;
  uint64_t tp;
  __asm__ volatile("rdfsbase %0" : "=r"(tp));
  return tp;
#else
  return 0;
#endif
}

/* below_tls fills a gap holding the thread pointer's page. glibc's loader
 * maps the main thread's TLS block (with its first allocations) right below
 * the lowest library it loaded: the run from the thread pointer's page to
 * the gap's end (below_run), 2 calls instead of a failed map and ~7
 * mincores (on arm64 the block's thread descriptor lies below the thread
 * pointer: then the search goes on from there). Returns as below_run. */
static int below_tls(struct known_ctx *c, uint64_t start, uint64_t end, uint64_t *edge, vaoci_error_t *err) {
  if (end - c->tls > EDGE_PAGES * c->plan->page_size)
    return 0;
  return below_run(c, start, c->tls, end, edge, err);
}

/* fill_gap reserves all that is free in [start, end), a gap between known mappings. */
static int fill_gap(struct known_ctx *c, uint64_t start, uint64_t end, vaoci_error_t *err) {
  uint64_t page = c->plan->page_size;
  int small = (end - start) / page <= SMALL_PAGES;
  int guessed = 0; /* the gap is known not to be free: no map of it whole */
  int looked = 0; /* mincore said the gap is not wholly mapped */
  uint64_t edge = end; /* [edge, end) is known mapped */
  if (end == c->vdso) {
    if (small && mapped(start, end, page))
      return 0; /* vvar and the loader's pages fill it: one look */
    looked = small;
    int r = below_vdso(c, start, end, &edge, err);
    if (r < 0 || r == 1)
      return r < 0 ? r : 0;
    guessed = r == 2;
  } else if (c->tls > start && c->tls < end) {
    int r = below_tls(c, start, end, &edge, err);
    if (r < 0 || r == 1)
      return r < 0 ? r : 0;
    guessed = 1; /* the thread pointer is in it: the gap is not free */
  }
  /* A hole between two segments of one object is usually filled: look first. */
  if (small && !looked && vaoci_known_hole(&known, start, end)) {
    if (mapped(start, end, page))
      return 0;
    looked = 1;
  }
  int r = guessed ? 0 : vaoci_map_span(c->res, start, end, err);
  if (!guessed && !is_eexist(r, err))
    return r;
  if (small && !looked && mapped(start, end, page))
    return 0; /* a small gap that something unknown fills whole: one look */
  uint64_t top = edge_run(edge, start, -1, page);
  if (top == EDGE_LONGER)
    return crowded(c, start, edge, err); /* a NOREPLACE map would meet the rest of the run */
  uint64_t hi = edge - top;
  if (hi <= start)
    return 0; /* all of it is mapped */
  if (hi < end) { /* usually all that is below the run is free: try before looking */
    r = vaoci_map_span(c->res, start, hi, err);
    if (!is_eexist(r, err))
      return r;
  }
  uint64_t bottom = edge_run(start, hi, +1, page);
  if (bottom == EDGE_LONGER)
    return crowded(c, start, hi, err);
  uint64_t lo = start + bottom;
  if (lo >= hi)
    return 0; /* all of it is mapped */
  if (lo > start) {
    r = vaoci_map_span(c->res, lo, hi, err);
    if (!is_eexist(r, err))
      return r;
  }
  return crowded(c, lo, hi, err);
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
  struct known_ctx c = {.res = res,
                        .plan = plan,
                        .maps_fd = -1,
                        .vdso = vaoci_auxv(AT_SYSINFO_EHDR),
                        .tls = thread_pointer() & ~(plan->page_size - 1),
                        .top_down = -1};
  known.segments.count = known.nholes = 0;
  vaoci_known_segments(plan->page_size, &known);
  int r = 0;
  for (size_t t = 0; r == 0 && t < plan->ntargets; t++)
    r = fill_target(&c, plan->targets[t], err);
  for (size_t i = 0; r == 0 && i < c.ncrowded; i++)
    r = vaoci_fill_top_down(res, c.crowded[i].start, c.crowded[i].end, plan->page_size, err);
  if (c.maps_fd >= 0)
    vaoci_sys_close(c.maps_fd);
  return r;
}
