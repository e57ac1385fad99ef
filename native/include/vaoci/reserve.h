/* Reserving the complement of a window inside the calling process. Every
 * free page of user space outside the window (and outside the main stack's
 * growth zone) is mapped PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE,
 * placed with MAP_FIXED_NOREPLACE (never written: a core dump records it with
 * no bytes), so every address
 * the kernel chooses afterwards lands inside the window. All or nothing: a
 * reservation that cannot be completed is rolled back and reported. */
#ifndef VAOCI_RESERVE_H
#define VAOCI_RESERVE_H

#include <stdint.h>
#include "error.h"
#include "span.h"
#include "window.h"

/* vaoci_algo chooses how the free gaps are found. */
enum vaoci_algo {
  VAOCI_ALGO_KNOWN, /* gaps between the process's known ELF segments; mincore/maps only where EEXIST (default) */
  VAOCI_ALGO_QUERY, /* PROCMAP_QUERY walk of the complement (falls back to gaps) */
  VAOCI_ALGO_GAPS, /* parse /proc/self/maps text once, like FEX's allocator */
  VAOCI_ALGO_HALVING, /* mmap with halving lengths until ENOMEM (the issue thread's) */
  VAOCI_ALGO_LADDER, /* FEX 2021: NOREPLACE chunks, split on EEXIST (baseline only) */
};

#define VAOCI_ALGO_DEFAULT VAOCI_ALGO_KNOWN

/* Most of the main stack kept free so it can still grow; RLIMIT_STACK above
 * this is capped, and the kernel's stack guard gap (stack_guard_gap: 256
 * pages, 1 MiB with 4K pages, 4 MiB with 16K) is added to it. */
#define VAOCI_STACK_KEEP_MAX (256ull << 20)
#define VAOCI_STACK_GUARD_GAP(page) (256ull * (page))

/* vaoci_reserve_stats says what a reservation cost and produced. */
struct vaoci_reserve_stats {
  uint64_t bytes; /* reserved */
  uint64_t regions; /* disjoint regions reserved (after coalescing) */
  uint64_t syscalls; /* system calls made, probing included */
  uint64_t nanoseconds; /* wall time of vaoci_reserve; 0 when untimed */
  enum vaoci_algo algo_used; /* the algorithm that ran (after any fallback) */
};

/* vaoci_reservation records what vaoci mapped, so it can be released or
 * carved by the range allocators, and never touches anything else. */
struct vaoci_reservation {
  struct vaoci_window window;
  uint64_t floor; /* bottom of user space used (mmap_min_addr) */
  /* floor is the page size, assumed: the first map there proves it, or is refused below
   * vm.mmap_min_addr and moves it up (map_span.c); never left set by a vaoci_reserve that
   * succeeded (one that failed leaves floor as unknown as it found it) */
  int floor_unproven;
  /* untimed: the caller never reads stats.nanoseconds, so vaoci_reserve does not read the clock
   * (in the preload and the launcher, freestanding, each read is a system call: no vDSO lookup) */
  int untimed;
  uint64_t task_size;
  uint64_t page_size;
  uint64_t map_window; /* the kernel's default mmap window when below task_size (52-bit arm64), else 0 */
  struct vaoci_span stack_keep; /* left free for the main stack to grow */
  /* stats before the 64 KiB of regions: written by every reservation, it then shares the first
   * page with the fields and the first regions, one page fault fewer in a fresh process */
  struct vaoci_reserve_stats stats;
  struct vaoci_span_set regions;
};

/* vaoci_reserve reserves the window's complement with the given algorithm.
 * On failure nothing stays reserved and err says why (RLIMIT_AS,
 * vm.max_map_count, ENOMEM each with their own status). */
int vaoci_reserve(const struct vaoci_window *w, enum vaoci_algo algo, struct vaoci_reservation *res,
                  vaoci_error_t *err);

/* vaoci_reserve_floor is a benchmark's floor, not a reservation algorithm:
 * it reserves with the default, releases, and then times (stats) only
 * remapping the same regions at the addresses now known (floor.c). */
int vaoci_reserve_floor(const struct vaoci_window *w, struct vaoci_reservation *res, vaoci_error_t *err);

/* vaoci_release unmaps every region still recorded in res. */
int vaoci_release(struct vaoci_reservation *res, vaoci_error_t *err);

/* vaoci_algo_parse / vaoci_algo_name convert "known", "query", "gaps", "halving", "ladder". */
int vaoci_algo_parse(const char *text, enum vaoci_algo *out, vaoci_error_t *err);
const char *vaoci_algo_name(enum vaoci_algo algo);

/* vaoci_syscall_count is the number of system calls vaoci made in this
 * process so far (for stats; not synchronised across threads). */
uint64_t vaoci_syscall_count(void);

#endif
