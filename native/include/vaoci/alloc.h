/* Range allocation, the FEX proposal's mmap_range / mremap_range /
 * shmat_range done in userspace on top of a reservation. For each call:
 * begin < end  places the mapping wholly inside [begin, end);
 * begin == end behaves like the plain call;
 * begin > end  wraps around: anywhere but [end, begin).
 * Free gaps are used first (MAP_FIXED_NOREPLACE), then the caller's own
 * reservation is carved (only vaoci's PROT_NONE regions are ever replaced).
 * Calls on one reservation must not run concurrently. */
#ifndef VAOCI_ALLOC_H
#define VAOCI_ALLOC_H

#include <stdint.h>
#include "error.h"
#include "reserve.h"

/* The x86 MAP_32BIT range, [1 GiB, 2 GiB). */
#define VAOCI_MAP32_BEGIN 0x40000000ull
#define VAOCI_MAP32_END 0x80000000ull

/* vaoci_mmap_range maps len bytes inside the range; res may be NULL. */
int vaoci_mmap_range(struct vaoci_reservation *res, uint64_t begin, uint64_t end, uint64_t len, int prot, int flags,
                     int fd, long offset, uint64_t *out, vaoci_error_t *err);

/* vaoci_mremap_range grows, shrinks or moves a mapping (MREMAP_MAYMOVE
 * semantics) so that its new place lies inside the range. The place it
 * leaves is reserved again when it lies outside res's window. */
int vaoci_mremap_range(struct vaoci_reservation *res, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                       uint64_t begin, uint64_t end, uint64_t *out, vaoci_error_t *err);

/* vaoci_shmat_range attaches a System V segment inside the range. */
int vaoci_shmat_range(struct vaoci_reservation *res, int shmid, uint64_t begin, uint64_t end, int shmflg, uint64_t *out,
                      vaoci_error_t *err);

/* vaoci_mmap_32bit emulates x86's MAP_32BIT: inside [1 GiB, 2 GiB). */
int vaoci_mmap_32bit(struct vaoci_reservation *res, uint64_t len, int prot, int flags, int fd, long offset,
                     uint64_t *out, vaoci_error_t *err);

#endif
