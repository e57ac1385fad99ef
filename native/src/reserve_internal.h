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

int vaoci_algo_fill_gaps(struct vaoci_reservation *res, const struct vaoci_plan *plan, int use_query,
                         vaoci_error_t *err);
int vaoci_algo_known(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err);
int vaoci_algo_halving(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err);
int vaoci_algo_ladder(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err);

/* vaoci_check_complete verifies that no free page is left in the plan's
 * targets (used after algorithms whose ENOMEM is ambiguous). */
int vaoci_check_complete(const struct vaoci_plan *plan, vaoci_error_t *err);

#endif
