#ifndef VAOCI_ALLOC_PLACE_H
#define VAOCI_ALLOC_PLACE_H

#include "reserve_internal.h"

/* vaoci_place is where a range allocation will go. */
struct vaoci_place {
  uint64_t addr;
  int from_reservation; /* 1: replaces part of the caller's reservation */
};

/* vaoci_allowed_spans turns (begin, end) into up to two allowed spans of user space. */
size_t vaoci_allowed_spans(const struct vaoci_reservation *res, uint64_t begin, uint64_t end, struct vaoci_span out[2]);

/* vaoci_find_place picks the lowest fitting free gap, else reservation piece. */
int vaoci_find_place(const struct vaoci_reservation *res, const struct vaoci_span *allowed, size_t nallowed,
                     uint64_t len, uint64_t align, struct vaoci_place *place, vaoci_error_t *err);

/* vaoci_rereserve reserves again the parts of [start,end) outside res's window
 * (a range vacated by mremap). Returns -1 if it could not. */
int vaoci_rereserve(struct vaoci_reservation *res, uint64_t start, uint64_t end);

#endif
