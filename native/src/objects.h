/* What a process already knows about its own address space, without a
 * system call: the ELF objects in it (the program, its interpreter, the
 * vDSO, every library the dynamic loader has mapped), segment by segment. */
#ifndef VAOCI_OBJECTS_H
#define VAOCI_OBJECTS_H

#include "vaoci/span.h"

/* vaoci_known is what the process knows it has mapped. */
struct vaoci_known {
  struct vaoci_span_set segments; /* every PT_LOAD segment, page-rounded as the loaders map them */
  struct vaoci_span_set objects; /* each object's extent, first segment to last: the holes
                                     between segments are usually filled (glibc maps them PROT_NONE) */
};

/* vaoci_known_segments adds every loaded object to out. Objects it cannot
 * read are left out: the caller treats what is missing as unknown, never as free. */
void vaoci_known_segments(uint64_t page_size, struct vaoci_known *out);

#endif
