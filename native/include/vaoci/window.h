/* A VA window: the part of the address space a workload may receive. Its
 * complement, within the user address space, is what vaoci reserves. */
#ifndef VAOCI_WINDOW_H
#define VAOCI_WINDOW_H

#include <stdint.h>
#include "error.h"
#include "span.h"

enum vaoci_window_kind {
  VAOCI_WINDOW_X86_64, /* [mmap_min_addr, 2^47) */
  VAOCI_WINDOW_I386, /* [mmap_min_addr, 2^32) */
  VAOCI_WINDOW_CUSTOM, /* 0xLOWER-0xUPPER */
};

/* vaoci_window is [lower, upper) when lower < upper, and everything but
 * [upper, lower) when lower > upper (wrap-around, as the FEX proposal's
 * *_range calls). lower == 0 stands for "the bottom of user space". */
struct vaoci_window {
  enum vaoci_window_kind kind;
  uint64_t lower;
  uint64_t upper;
};

#define VAOCI_WINDOW_TEXT_MAX 48

/* vaoci_window_parse reads "x86_64", "i386" or "0xLOWER-0xUPPER" (hex,
 * page-aligned, LOWER != UPPER). */
int vaoci_window_parse(const char *text, struct vaoci_window *out, vaoci_error_t *err);

/* vaoci_window_format writes the canonical text of a window. */
void vaoci_window_format(const struct vaoci_window *w, char *buf, unsigned long size);

/* vaoci_window_wraps is true for a wrap-around window. */
static inline int vaoci_window_wraps(const struct vaoci_window *w) { return w->lower > w->upper; }

/* vaoci_window_contains says whether all of [start,end) is inside the window. */
int vaoci_window_contains(const struct vaoci_window *w, uint64_t start, uint64_t end);

/* vaoci_window_complement lists, in ascending order, the parts of the user
 * address space [floor, ceiling) outside the window (at most two spans).
 * Returns how many spans it wrote. */
int vaoci_window_complement(const struct vaoci_window *w, uint64_t floor, uint64_t ceiling, struct vaoci_span out[2]);

#endif
