/* Shared pieces of the reservation algorithms. */
#ifndef VAOCI_RESERVE_INTERNAL_H
#define VAOCI_RESERVE_INTERNAL_H

#include "gaps.h"
#include "vaoci/reserve.h"

/* vaoci_plan is what every algorithm is given: the spans to fill. */
struct vaoci_plan {
  struct vaoci_span targets[VAOCI_TARGETS_MAX];
  size_t ntargets;
  uint64_t page_size;
  uint64_t task_size;
  int va_bits;
  int maps_fd; /* /proc/self/maps, open for the gaps and query algorithms, else -1 */
};

/* The kernel's limit on one fixed mapping across its default mmap window
 * (fixed_map.c). vaoci_map_window derives that window's top from the main
 * stack's end (the kernel puts the stack just below it): a power of two below
 * the task size, or 0 when there is none (48-bit arm64, x86-64). */
#define VAOCI_FIXED_PIECES_MAX 3
#define VAOCI_FIXED_NOT_PLACED 1 /* MAP_FIXED_NOREPLACE unsupported: the kernel placed it elsewhere */
uint64_t vaoci_map_window(uint64_t stack_top, uint64_t task_size);
/* vaoci_fixed_pieces splits [start,end) into the fixed mappings the kernel
 * accepts; returns how many (1 to 3) it wrote. */
size_t vaoci_fixed_pieces(uint64_t start, uint64_t end, uint64_t map_window, uint64_t page,
                          struct vaoci_span out[VAOCI_FIXED_PIECES_MAX]);
/* vaoci_fixed_map maps [start,end) PROT_NONE with MAP_FIXED_NOREPLACE in
 * those pieces: 0, a failed piece's -errno or VAOCI_FIXED_NOT_PLACED; on
 * failure the pieces already mapped are unmapped again. */
long vaoci_fixed_map(uint64_t start, uint64_t end, uint64_t map_window, uint64_t page);

/* vaoci_map_span reserves exactly [start,end) with MAP_FIXED_NOREPLACE and
 * records it. -EEXIST-like failures come back as VAOCI_E_SYSTEM with
 * sys_errno 17; ENOMEM is classified (RLIMIT_AS, vm.max_map_count). */
int vaoci_map_span(struct vaoci_reservation *res, uint64_t start, uint64_t end, vaoci_error_t *err);

/* vaoci_nomem_error explains an ENOMEM met while reserving len bytes at addr. */
int vaoci_nomem_error(uint64_t addr, uint64_t len, vaoci_error_t *err);

/* vaoci_collect_gaps adds the free pieces of targets to out, reading the
 * process's VMAs through PROCMAP_QUERY (use_query 1) or the maps text (0);
 * VAOCI_COLLECT_QUERY_FIRST queries up to VAOCI_QUERY_BUDGET VMAs, then lets
 * the text finish: one read of the whole file beats a query per VMA once
 * there are many (the growth figure of make bench). */
#define VAOCI_COLLECT_QUERY_FIRST 2
#define VAOCI_QUERY_BUDGET 8
int vaoci_collect_gaps(int maps_fd, int use_query, const struct vaoci_span *targets, size_t ntargets,
                       struct vaoci_span_set *out, vaoci_error_t *err);

/* vaoci_top_down_usable says whether the kernel's top-down search covers a
 * span ending at span_end exactly: below the vDSO, itself in the upper half
 * of the default mmap window (window_top), and no RLIMIT_AS (top_down.c). */
int vaoci_top_down_usable(uint64_t span_end, uint64_t vdso, uint64_t window_top);
/* vaoci_fill_top_down reserves every free page of [lo, hi) with the kernel's
 * top-down gap search (top_down.c); only where vaoci_top_down_usable. */
int vaoci_fill_top_down(struct vaoci_reservation *res, uint64_t lo, uint64_t hi, uint64_t page, vaoci_error_t *err);

int vaoci_algo_fill_gaps(struct vaoci_reservation *res, const struct vaoci_plan *plan, int use_query,
                         vaoci_error_t *err);
int vaoci_algo_known(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err);
int vaoci_algo_halving(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err);
int vaoci_algo_ladder(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err);

/* vaoci_check_complete verifies that no free page is left in the plan's
 * targets (used after algorithms whose ENOMEM is ambiguous). */
int vaoci_check_complete(const struct vaoci_plan *plan, vaoci_error_t *err);

#endif
