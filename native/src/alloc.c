/* mmap_range, mremap_range, shmat_range and MAP_32BIT on a reservation. */
#include <sys/shm.h>
#include "alloc_place.h"
#include "sys.h"
#include "vaoci/alloc.h"

#define PLACE_TRIES 3 /* another thread may take a free gap between look and map */
#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_ 2
#define SHM_ALIGN (64ull << 10) /* a multiple of SHMLBA on x86-64 and arm64 */

static uint64_t page_round(const struct vaoci_reservation *res, uint64_t len) {
  uint64_t page = res ? res->page_size : 4096;
  return (len + page - 1) & ~(page - 1);
}

/* take_place maps at a found place: NOREPLACE into a free gap, or MAP_FIXED
 * over vaoci's own reservation (which is then forgotten). */
static long take_place(struct vaoci_reservation *res, const struct vaoci_place *p, uint64_t len, int prot, int flags,
                       int fd, long offset) {
  flags |= p->from_reservation ? VAOCI_MAP_FIXED : VAOCI_MAP_FIXED_NOREPLACE;
  long r = vaoci_sys_mmap(p->addr, len, prot, flags, fd, offset);
  if (!vaoci_sys_failed(r) && p->from_reservation)
    vaoci_span_set_remove(&res->regions, p->addr, p->addr + len);
  return r;
}

int vaoci_mmap_range(struct vaoci_reservation *res, uint64_t begin, uint64_t end, uint64_t len, int prot, int flags,
                     int fd, long offset, uint64_t *out, vaoci_error_t *err) {
  if (flags & (VAOCI_MAP_FIXED | VAOCI_MAP_FIXED_NOREPLACE))
    return vaoci_make_error(err, VAOCI_E_INVALID, 22, "mmap_range: flags must not ask for a fixed address");
  long r;
  if (begin == end) {
    r = vaoci_sys_mmap(0, len, prot, flags, fd, offset);
  } else {
    struct vaoci_span allowed[2];
    size_t n = vaoci_allowed_spans(res, begin, end, allowed);
    len = page_round(res, len);
    r = -17;
    for (int i = 0; i < PLACE_TRIES && r == -17; i++) {
      struct vaoci_place place;
      int f = vaoci_find_place(res, allowed, n, len, res ? res->page_size : 4096, &place, err);
      if (f < 0)
        return vaoci_wrap_error(err, "mmap_range 0x%lx-0x%lx", (unsigned long)begin, (unsigned long)end);
      r = take_place(res, &place, len, prot, flags, fd, offset);
    }
  }
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "mmap_range 0x%lx-0x%lx", (unsigned long)begin,
                            (unsigned long)end);
  *out = (uint64_t)r;
  return 0;
}

/* claim reserves a destination for mremap: a PROT_NONE placeholder in a free
 * gap (MREMAP_FIXED then replaces what vaoci itself put there). */
static int claim(struct vaoci_reservation *res, const struct vaoci_place *p, uint64_t len) {
  if (p->from_reservation) {
    vaoci_span_set_remove(&res->regions, p->addr, p->addr + len);
    return 0;
  }
  long r = vaoci_sys_mmap(p->addr, len, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS | VAOCI_MAP_FIXED_NOREPLACE, -1, 0);
  return vaoci_sys_failed(r) ? (int)r : 0;
}

int vaoci_mremap_range(struct vaoci_reservation *res, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                       uint64_t begin, uint64_t end, uint64_t *out, vaoci_error_t *err) {
  if (begin == end) {
    long r = vaoci_sys_mremap(old_addr, old_len, new_len, MREMAP_MAYMOVE_, 0);
    if (vaoci_sys_failed(r))
      return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "mremap_range: mremap 0x%lx", (unsigned long)old_addr);
    *out = (uint64_t)r;
    return 0;
  }
  struct vaoci_span allowed[2];
  size_t n = vaoci_allowed_spans(res, begin, end, allowed);
  new_len = page_round(res, new_len);
  struct vaoci_place place;
  int c = -17;
  for (int i = 0; i < PLACE_TRIES && c == -17; i++) {
    int f = vaoci_find_place(res, allowed, n, new_len, res ? res->page_size : 4096, &place, err);
    if (f < 0)
      return vaoci_wrap_error(err, "mremap_range 0x%lx-0x%lx", (unsigned long)begin, (unsigned long)end);
    c = claim(res, &place, new_len);
  }
  if (c < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, -c, "mremap_range: claim 0x%lx", (unsigned long)place.addr);
  long r = vaoci_sys_mremap(old_addr, old_len, new_len, MREMAP_MAYMOVE_ | MREMAP_FIXED_, place.addr);
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "mremap_range: move 0x%lx to 0x%lx", (unsigned long)old_addr,
                            (unsigned long)place.addr);
  if (vaoci_rereserve(res, old_addr, old_addr + page_round(res, old_len)) < 0)
    return vaoci_make_error(err, VAOCI_E_NOMEM, 12, "mremap_range: could not reserve vacated 0x%lx again",
                            (unsigned long)old_addr);
  *out = (uint64_t)r;
  return 0;
}

int vaoci_shmat_range(struct vaoci_reservation *res, int shmid, uint64_t begin, uint64_t end, int shmflg, uint64_t *out,
                      vaoci_error_t *err) {
  long r;
  if (begin == end) {
    r = vaoci_sys_shmat(shmid, 0, shmflg);
  } else {
    struct shmid_ds ds;
    long s = vaoci_sys_shmctl(shmid, IPC_STAT, &ds);
    if (vaoci_sys_failed(s))
      return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-s, "shmat_range: stat segment %d", shmid);
    struct vaoci_span allowed[2];
    size_t n = vaoci_allowed_spans(res, begin, end, allowed);
    uint64_t len = page_round(res, ds.shm_segsz);
    struct vaoci_place place;
    int f = vaoci_find_place(res, allowed, n, len, SHM_ALIGN, &place, err);
    if (f < 0)
      return vaoci_wrap_error(err, "shmat_range 0x%lx-0x%lx", (unsigned long)begin, (unsigned long)end);
    /* Without SHM_REMAP the kernel refuses to overlap anything; with it,
     * only vaoci's own reservation is ever under the new segment. */
    r = vaoci_sys_shmat(shmid, place.addr, shmflg | (place.from_reservation ? SHM_REMAP : 0));
    if (!vaoci_sys_failed(r) && place.from_reservation)
      vaoci_span_set_remove(&res->regions, place.addr, place.addr + len);
  }
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "shmat_range: attach segment %d", shmid);
  *out = (uint64_t)r;
  return 0;
}

int vaoci_mmap_32bit(struct vaoci_reservation *res, uint64_t len, int prot, int flags, int fd, long offset,
                     uint64_t *out, vaoci_error_t *err) {
  return vaoci_mmap_range(res, VAOCI_MAP32_BEGIN, VAOCI_MAP32_END, len, prot, flags, fd, offset, out, err);
}
