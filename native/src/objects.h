/* What a process already knows about its own address space, without a
 * system call: the ELF objects in it (the program, its interpreter, the
 * vDSO, every library the dynamic loader has mapped), segment by segment. */
#ifndef VAOCI_OBJECTS_H
#define VAOCI_OBJECTS_H

#include "vaoci/span.h"

#define VAOCI_KNOWN_HOLES 32

/* vaoci_known is what the process knows it has mapped. The few holes come
 * first, so they share a page with the segments' count: each page of this
 * (in .bss) is touched fresh in every new process, at ~1.4 us a page here. */
struct vaoci_known {
  size_t nholes; /* holes between the segments of one library (its loader maps them PROT_NONE): usually filled */
  struct vaoci_span holes[VAOCI_KNOWN_HOLES]; /* past VAOCI_KNOWN_HOLES, a hole is only tried later */
  struct vaoci_span_set segments; /* every PT_LOAD segment, page-rounded as the loaders map them */
};

/* vaoci_known_hole says whether [start, end) lies in a hole between two
 * segments of one object. */
int vaoci_known_hole(const struct vaoci_known *k, uint64_t start, uint64_t end);

/* vaoci_known_segments adds every loaded object to out. Objects it cannot
 * read are left out: the caller treats what is missing as unknown, never as free. */
void vaoci_known_segments(uint64_t page_size, struct vaoci_known *out);

#endif
