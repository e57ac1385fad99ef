/* What a process already knows about its own address space, without a
 * system call: the ELF objects in it (the program, its interpreter, the
 * vDSO, every library the dynamic loader has mapped), segment by segment. */
#ifndef VAOCI_OBJECTS_H
#define VAOCI_OBJECTS_H

#include "vaoci/span.h"

/* vaoci_known_segments adds every PT_LOAD segment of every loaded object to
 * out, page-rounded as the loaders map them. Objects it cannot read are left
 * out: the caller treats what is missing as unknown, never as free. */
void vaoci_known_segments(uint64_t page_size, struct vaoci_span_set *out);

#endif
