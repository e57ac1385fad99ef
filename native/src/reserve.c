/* vaoci_reserve: plan (probe, targets), run one algorithm, and roll
 * everything back if any step fails. No madvise(MADV_DONTDUMP): a core dump
 * writes anonymous memory only once it has been written to, and nothing
 * writes PROT_NONE, so each reservation is already a PT_LOAD of 0 bytes
 * (test/preload/run.sh checks a real core); the calls cost ~20% of a fresh
 * process's reservation. */
#include "hot.h"
#include "reserve_internal.h"
#include "sys.h"
#include "vaoci/probe.h"

uint64_t vaoci_syscalls_made VAOCI_HOT;

uint64_t vaoci_syscall_count(void) { return vaoci_syscalls_made; }

uint64_t vaoci_now_ns(void) {
  struct {
    long sec, nsec;
  } ts = {0, 0};
  vaoci_sys_clock_gettime(1 /* CLOCK_MONOTONIC */, &ts);
  return (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
}

static const char *const algo_names[] = {"known", "query", "gaps", "halving", "ladder"};
#define NALGOS (sizeof algo_names / sizeof algo_names[0])

const char *vaoci_algo_name(enum vaoci_algo algo) { return (unsigned)algo < NALGOS ? algo_names[algo] : "unknown"; }

int vaoci_algo_parse(const char *text, enum vaoci_algo *out, vaoci_error_t *err) {
  for (unsigned i = 0; i < NALGOS; i++) {
    const char *a = text, *b = algo_names[i];
    while (*a && *a == *b)
      a++, b++;
    if (*a == *b) {
      *out = (enum vaoci_algo)i;
      return 0;
    }
  }
  return vaoci_make_error(err, VAOCI_E_INVALID, 0, "algorithm `%s`: expected known, query, gaps, halving or ladder",
                          text ? text : "");
}

/* stack_keep is the span below the stack top left free for growth:
 * min(RLIMIT_STACK, 256 MiB) plus the kernel's guard gap. */
static struct vaoci_span stack_keep(uint64_t top, uint64_t page) {
  uint64_t keep = vaoci_probe_rlimit(3 /* RLIMIT_STACK */);
  if (keep > VAOCI_STACK_KEEP_MAX)
    keep = VAOCI_STACK_KEEP_MAX;
  keep += VAOCI_STACK_GUARD_GAP(page);
  return (struct vaoci_span){top > keep ? top - keep : 0, top};
}

/* stack_top finds the main stack's end: from AT_EXECFN when possible, else
 * by asking the maps (a system call or two). */
static int stack_top(uint64_t page, uint64_t *top, vaoci_error_t *err) {
  *top = vaoci_probe_stack_top(page);
  if (*top)
    return 0;
  uint64_t start;
  return vaoci_probe_stack(&start, top, err);
}

/* plan_floor sets the bottom of user space, which matters only when a
 * target reaches that low (custom windows): presets stay syscall-free. The
 * algorithms that map each target from its start (known, query, gaps) take
 * the page size unproven: their first map there proves it, or is refused
 * below vm.mmap_min_addr and moves the floor up (map_span.c), so the common
 * case makes no call for it; a 40-bit window made 9 calls where the floor
 * row makes 4, 2 of them this probe. The others probe first: a page mapped
 * and unmapped is cheaper than opening vm.mmap_min_addr (~5 us cold), read
 * only when that page is refused. */
static void plan_floor(struct vaoci_reservation *res, const struct vaoci_window *w, enum vaoci_algo algo) {
  struct vaoci_span comp[2];
  int n = vaoci_window_complement(w, res->page_size, res->task_size, comp);
  res->floor = res->page_size;
  res->floor_unproven = 0;
  if (n == 0 || comp[0].start >= (16ull << 20))
    return;
  if (algo == VAOCI_ALGO_KNOWN || algo == VAOCI_ALGO_QUERY || algo == VAOCI_ALGO_GAPS)
    res->floor_unproven = 1;
  else
    res->floor = vaoci_probe_floor();
}

static int uses_maps(enum vaoci_algo algo) { return algo == VAOCI_ALGO_QUERY || algo == VAOCI_ALGO_GAPS; }

static int make_plan(const struct vaoci_window *w, enum vaoci_algo algo, struct vaoci_reservation *res,
                     struct vaoci_plan *plan, vaoci_error_t *err) {
  plan->maps_fd = -1;
  plan->page_size = vaoci_probe_page_size();
  if ((w->lower | w->upper) % plan->page_size)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "window bounds must be multiples of the page size %lu",
                            (unsigned long)plan->page_size);
  plan->va_bits = vaoci_probe_va_bits(&plan->task_size, err);
  if (plan->va_bits < 0)
    return plan->va_bits;
  res->window = *w;
  res->page_size = plan->page_size;
  res->task_size = plan->task_size;
  plan_floor(res, w, algo);
  uint64_t top;
  int r = stack_top(plan->page_size, &top, err);
  if (r < 0)
    return r;
  res->stack_keep = stack_keep(top, plan->page_size);
  res->map_window = vaoci_map_window(top, res->task_size);
  plan->ntargets = vaoci_targets(w, res->floor, res->task_size, res->stack_keep, plan->targets);
  if (plan->ntargets == 0 || !uses_maps(algo))
    return 0; /* e.g. x86_64 on a 47-bit kernel: nothing to reserve, nothing to read */
  plan->maps_fd = vaoci_maps_open(0, err);
  return plan->maps_fd < 0 ? plan->maps_fd : 0;
}

/* claim_stack_zone grows the main stack over the zone kept free for it, so
 * that zone is no longer free address space outside the window. A hint above
 * a 52-bit kernel's default window (2^48, or 2^47 with 16K pages) makes the
 * kernel search down from the top of user space, and with everything else
 * reserved the zone below the stack was the first gap it met: the 6.12 VM
 * gave hints at 2^50 0xffffd29e2000, just below the stack. A read at the
 * zone's bottom (above the kernel's guard gap) is a fault the kernel answers
 * by growing [stack] there, within RLIMIT_STACK (the zone is sized by it),
 * and maps the shared zero page: no memory is used, and the stack can still
 * use every page of it. On arm64 always (its fault handler has no
 * "below the stack pointer" check); on x86-64 only where a hint-gated upper
 * space exists (5-level paging), as kernels before 4.20 killed a read far
 * below %rsp. */
static void claim_stack_zone(const struct vaoci_reservation *res) {
#if !defined(__aarch64__)
  if (!res->map_window)
    return;
#endif
  uint64_t guard = VAOCI_STACK_GUARD_GAP(res->page_size);
  if (res->stack_keep.end - res->stack_keep.start <= guard)
    return;
  const volatile char *bottom = (const volatile char *)(uintptr_t)(res->stack_keep.start + guard);
  (void)*bottom;
}

static int run_algo(struct vaoci_reservation *res, const struct vaoci_plan *plan, enum vaoci_algo algo,
                    vaoci_error_t *err) {
  switch (algo) {
  case VAOCI_ALGO_KNOWN: return vaoci_algo_known(res, plan, err);
  case VAOCI_ALGO_QUERY: return vaoci_algo_fill_gaps(res, plan, 1, err);
  case VAOCI_ALGO_GAPS: return vaoci_algo_fill_gaps(res, plan, 0, err);
  case VAOCI_ALGO_HALVING: return vaoci_algo_halving(res, plan, err);
  case VAOCI_ALGO_LADDER: return vaoci_algo_ladder(res, plan, err);
  }
  return vaoci_make_error(err, VAOCI_E_INVALID, 0, "algorithm %d: unknown", (int)algo);
}

int vaoci_reserve(const struct vaoci_window *w, enum vaoci_algo algo, struct vaoci_reservation *res,
                  vaoci_error_t *err) {
  uint64_t t0 = res->untimed ? 0 : vaoci_now_ns(), calls0 = vaoci_syscalls_made;
  struct vaoci_plan plan;
  res->regions.count = 0;
  res->stats.algo_used = algo;
  int r = make_plan(w, algo, res, &plan, err);
  if (r == 0 && plan.ntargets > 0) /* e.g. x86_64 on a 47-bit kernel: nothing to do */
    r = run_algo(res, &plan, algo, err);
  if (r == 0 && res->floor_unproven) { /* no map reached the floor (something known starts there) */
    res->floor = vaoci_probe_floor();
    res->floor_unproven = 0;
  }
  if (r == 0 && plan.ntargets > 0)
    claim_stack_zone(res);
  if (plan.maps_fd >= 0)
    vaoci_sys_close(plan.maps_fd);
  if (r < 0) {
    vaoci_error_t ignored;
    vaoci_release(res, &ignored);
    char text[VAOCI_WINDOW_TEXT_MAX];
    vaoci_window_format(w, text, sizeof text);
    return vaoci_wrap_error(err, "reserve outside `%s`", text);
  }
  res->stats.bytes = vaoci_span_set_bytes(&res->regions);
  res->stats.regions = res->regions.count;
  res->stats.syscalls = vaoci_syscalls_made - calls0;
  res->stats.nanoseconds = res->untimed ? 0 : vaoci_now_ns() - t0;
  return 0;
}

int vaoci_release(struct vaoci_reservation *res, vaoci_error_t *err) {
  int r = 0;
  for (size_t i = 0; i < res->regions.count; i++) {
    long m = vaoci_sys_munmap(res->regions.items[i].start, vaoci_span_len(res->regions.items[i]));
    if (vaoci_sys_failed(m) && r == 0)
      r = vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-m, "release 0x%lx", (unsigned long)res->regions.items[i].start);
  }
  res->regions.count = 0;
  return r;
}
