/* The reservation's floor, for benchmarks only (make bench's floor row): a
 * fresh process making just the mappings the default reservation ends up
 * with, at addresses known beforehand, and nothing else. Beforehand (not
 * timed): reserve with the default, note its regions split into the pieces
 * the kernel takes (vaoci_fixed_pieces), release. Timed: one loop of raw
 * MAP_FIXED_NOREPLACE calls over those pieces, recorded into a page not yet
 * touched. A fresh process would also take its first faults on that loop's
 * code and data, so the loop lives in a section of its own whose pages are
 * dropped (MADV_DONTNEED) before the clock starts: it runs as cold as in a
 * process that does nothing else. Only the kernel has seen this process's
 * maps once more, which errs low, if at all. */
#include "reserve_internal.h"
#include "sys.h"

#define FLOOR_PIECES_MAX (VAOCI_SPAN_SET_MAX * VAOCI_FIXED_PIECES_MAX)
#define MADV_DONTNEED_ 4
/* The timed loop's section, aligned to the linker's largest page for the
 * architecture (arm64: 64 KiB, for 16K and 64K kernels; x86-64: 4 KiB), so
 * no other code shares its pages and the object's segments stay as they
 * are (a larger alignment would split them and add a hole to reserve). The
 * linker names its bounds. */
#define REPLAY_SECTION "vaoci_floor_replay"
#if defined(__aarch64__)
#define REPLAY_ALIGN 65536
#else
#define REPLAY_ALIGN 4096
#endif
extern const char __start_vaoci_floor_replay[], __stop_vaoci_floor_replay[];

static struct vaoci_span planned[FLOOR_PIECES_MAX];
static struct vaoci_span mapped[FLOOR_PIECES_MAX]; /* untouched until the timed loop writes it */

/* plan_pieces reserves with the default, splits its regions into the
 * kernel's pieces and releases it. Returns how many pieces, or -1. */
static long plan_pieces(const struct vaoci_window *w, struct vaoci_reservation *res, vaoci_error_t *err) {
  if (vaoci_reserve(w, VAOCI_ALGO_DEFAULT, res, err) < 0)
    return -1;
  long n = 0;
  for (size_t i = 0; i < res->regions.count; i++)
    n += (long)vaoci_fixed_pieces(res->regions.items[i].start, res->regions.items[i].end, res->map_window,
                                  res->page_size, planned + n);
  return vaoci_release(res, err) < 0 ? -1 : n;
}

/* replay is the timed part: only the mmaps. Returns how many it made, or
 * -(1 + i) when piece i failed (its errno in *sys_errno). */
__attribute__((noinline, section(REPLAY_SECTION), aligned(REPLAY_ALIGN))) static long replay(long n, long *sys_errno) {
  for (long i = 0; i < n; i++) {
    uint64_t len = planned[i].end - planned[i].start;
    long r = vaoci_sys_mmap(planned[i].start, len, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS | VAOCI_MAP_FIXED_NOREPLACE,
                            -1, 0);
    if (vaoci_sys_failed(r) || (uint64_t)r != planned[i].start) {
      *sys_errno = vaoci_sys_failed(r) ? -r : 0;
      return -(1 + i);
    }
    mapped[i] = planned[i];
  }
  return n;
}

/* make_cold drops the pages of the timed loop's code, as a fresh process
 * has not faulted them in yet (the file's pages stay in the page cache). */
static void make_cold(uint64_t page) {
  uint64_t lo = (uint64_t)(uintptr_t)__start_vaoci_floor_replay & ~(page - 1);
  uint64_t hi = ((uint64_t)(uintptr_t)__stop_vaoci_floor_replay + page - 1) & ~(page - 1);
  vaoci_syscall6(SYS_madvise, (long)lo, (long)(hi - lo), MADV_DONTNEED_, 0, 0, 0);
}

int vaoci_reserve_floor(const struct vaoci_window *w, struct vaoci_reservation *res, vaoci_error_t *err) {
  long n = plan_pieces(w, res, err);
  if (n < 0)
    return -1;
  make_cold(res->page_size);
  long sys_errno = 0;
  uint64_t t0 = vaoci_now_ns(), calls0 = vaoci_syscalls_made;
  long made = replay(n, &sys_errno);
  uint64_t calls1 = vaoci_syscalls_made, t1 = vaoci_now_ns();
  res->stats.syscalls = calls1 - calls0;
  /* Recorded after the clock, so release (and the stats) see what was made. */
  long ok = made < 0 ? -made - 1 : made;
  for (long i = 0; i < ok; i++)
    vaoci_span_set_add(&res->regions, mapped[i].start, mapped[i].end);
  if (made < 0) {
    vaoci_error_t ignored;
    vaoci_release(res, &ignored);
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)sys_errno, "floor: remap 0x%lx, where the default reserved",
                            (unsigned long)planned[ok].start);
  }
  res->stats.bytes = vaoci_span_set_bytes(&res->regions);
  res->stats.regions = res->regions.count;
  res->stats.nanoseconds = t1 - t0;
  return 0;
}
