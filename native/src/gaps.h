/* The gap collector: fed a process's VMAs in ascending order, it records the
 * free pieces that fall inside a list of target spans. Pure (no system
 * calls), so tests drive it with synthetic maps. */
#ifndef VAOCI_GAPS_H
#define VAOCI_GAPS_H

#include "vaoci/maps.h"
#include "vaoci/span.h"

#define VAOCI_TARGETS_MAX 4

struct vaoci_gap_walk {
  struct vaoci_span targets[VAOCI_TARGETS_MAX]; /* ascending, disjoint */
  size_t ntargets;
  uint64_t cursor; /* everything below has been accounted for */
  struct vaoci_span_set *out;
  int overflow;
};

/* vaoci_gap_walk_init starts a walk that will add free pieces of targets to out. */
void vaoci_gap_walk_init(struct vaoci_gap_walk *w, const struct vaoci_span *targets, size_t ntargets,
                         struct vaoci_span_set *out);

/* vaoci_gap_walk_feed accounts for one VMA; a vaoci_maps_visit_fn. Returns
 * non-zero (stop) once past the last target or when out is full. */
int vaoci_gap_walk_feed(void *walk, const struct vaoci_vma *vma);

/* vaoci_gap_walk_finish records the free space above the last VMA fed.
 * Returns 0, or -1 if out overflowed at any point. */
int vaoci_gap_walk_finish(struct vaoci_gap_walk *w);

/* vaoci_targets builds the spans to reserve: the window's complement within
 * [floor, ceiling) minus the span kept free for the stack. Returns the count. */
struct vaoci_window;
size_t vaoci_targets(const struct vaoci_window *win, uint64_t floor, uint64_t ceiling, struct vaoci_span keep,
                     struct vaoci_span out[VAOCI_TARGETS_MAX]);

#endif
