/* Half-open address intervals and a sorted, coalescing set of them. The set
 * keeps its storage inline (no malloc) so the preload can hold one in .bss. */
#ifndef VAOCI_SPAN_H
#define VAOCI_SPAN_H

#include <stddef.h>
#include <stdint.h>

/* vaoci_span is [start, end). */
struct vaoci_span {
  uint64_t start;
  uint64_t end;
};

#ifndef VAOCI_SPAN_SET_MAX
#define VAOCI_SPAN_SET_MAX 4096
#endif

/* vaoci_span_set holds disjoint, non-adjacent spans in ascending order. */
struct vaoci_span_set {
  size_t count;
  struct vaoci_span items[VAOCI_SPAN_SET_MAX];
};

static inline uint64_t vaoci_span_len(struct vaoci_span s) { return s.end > s.start ? s.end - s.start : 0; }

/* vaoci_span_set_add inserts [start,end), merging with neighbours it touches.
 * Returns 0, or -1 when the set is full (nothing changed then). */
int vaoci_span_set_add(struct vaoci_span_set *set, uint64_t start, uint64_t end);

/* vaoci_span_set_remove takes [start,end) out of the set, splitting a span if
 * needed. Returns 0, or -1 when a split would overflow the set. */
int vaoci_span_set_remove(struct vaoci_span_set *set, uint64_t start, uint64_t end);

/* vaoci_span_set_bytes sums the lengths of all spans. */
uint64_t vaoci_span_set_bytes(const struct vaoci_span_set *set);

/* vaoci_span_set_covers says whether [start,end) lies wholly inside one span. */
int vaoci_span_set_covers(const struct vaoci_span_set *set, uint64_t start, uint64_t end);

#endif
