/* Range allocation on top of an i386 reservation, one forked child per case. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include "child.h"
#include "vaoci/alloc.h"
#include "vaoci/verify.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MIB (1ull << 20)
#define T40 (1ull << 40)
#define T41 (1ull << 41)

static struct vaoci_reservation res;
static struct vaoci_verify_report report;

static int setup(void) {
  struct vaoci_window w;
  vaoci_error_t err;
  vaoci_window_parse("i386", &w, NULL);
  if (vaoci_reserve(&w, VAOCI_ALGO_QUERY, &res, &err) < 0) {
    fprintf(stderr, "  child: reserve: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int still_holds(void) {
  vaoci_error_t err;
  return vaoci_verify_pid(0, &res.window, &report, &err) == 0 && report.holds;
}

static int inside(uint64_t p, uint64_t len, uint64_t begin, uint64_t end) {
  if (begin < end)
    return p >= begin && p + len <= end;
  return p + len <= end || p >= begin; /* wrap-around: anywhere but [end, begin) */
}

static int case_mmap_inside_window(void) {
  uint64_t p;
  vaoci_error_t err;
  if (setup())
    return 1;
  uint64_t before = vaoci_span_set_bytes(&res.regions);
  if (vaoci_mmap_range(&res, 0x10000000, 0x20000000, MIB, RW, ANON, -1, 0, &p, &err) < 0)
    FAILS("mmap_range: %s", err.msg);
  if (vaoci_span_set_bytes(&res.regions) != before)
    FAILS("a free gap was available, yet the reservation shrank");
  if (!inside(p, MIB, 0x10000000, 0x20000000))
    FAILS("0x%lx not in [0x10000000, 0x20000000)", (unsigned long)p);
  memset((void *)p, 1, MIB);
  return still_holds() ? 0 : 1;
}

static int case_mmap_carves_reservation(void) {
  uint64_t p;
  vaoci_error_t err;
  if (setup())
    return 1;
  uint64_t before = vaoci_span_set_bytes(&res.regions);
  if (vaoci_mmap_range(&res, T40, T41, 4 * MIB, RW, ANON, -1, 0, &p, &err) < 0)
    FAILS("mmap_range: %s", err.msg);
  if (!inside(p, 4 * MIB, T40, T41))
    FAILS("0x%lx not in [2^40, 2^41)", (unsigned long)p);
  memset((void *)p, 2, 4 * MIB);
  if (vaoci_span_set_bytes(&res.regions) != before - 4 * MIB)
    FAILS("the reservation did not shrink by the carved bytes");
  return still_holds() ? 0 : 1;
}

static int case_mmap_plain(void) {
  uint64_t p;
  vaoci_error_t err;
  if (setup() || vaoci_mmap_range(&res, 0x5000, 0x5000, MIB, RW, ANON, -1, 0, &p, &err) < 0)
    FAILS("mmap_range: %s", err.msg);
  return p < (1ull << 32) ? 0 : 1; /* the kernel chose, inside the reserved-around window */
}

static int case_mmap_wrap(void) {
  uint64_t p;
  vaoci_error_t err;
  if (setup())
    return 1;
  for (int i = 0; i < 20; i++) {
    if (vaoci_mmap_range(&res, 0x80000000, 0x40000000, 16 * MIB, RW, ANON, -1, 0, &p, &err) < 0)
      FAILS("mmap_range: %s", err.msg);
    if (!inside(p, 16 * MIB, 0x80000000, 0x40000000))
      FAILS("0x%lx lies in the excluded [1 GiB, 2 GiB)", (unsigned long)p);
  }
  return still_holds() ? 0 : 1;
}

static int case_map32(void) {
  uint64_t p;
  vaoci_error_t err;
  if (setup())
    return 1;
  for (int i = 0; i < 10; i++)
    if (vaoci_mmap_32bit(&res, 64 * 1024, RW, ANON, -1, 0, &p, &err) < 0 || !inside(p, 65536, 1ull << 30, 1ull << 31))
      FAILS("MAP_32BIT %d: 0x%lx %s", i, (unsigned long)p, err.msg);
  return 0;
}

static int case_no_room(void) {
  uint64_t p;
  vaoci_error_t err = {0};
  if (setup())
    return 1;
  if (vaoci_mmap_range(&res, 0x10000000, 0x10010000, MIB, RW, ANON, -1, 0, &p, &err) == 0)
    FAILS("1 MiB fitted in 64 KiB at 0x%lx", (unsigned long)p);
  return err.status == VAOCI_E_NOMEM ? 0 : 1;
}

static int case_fixed_refused(void) {
  uint64_t p;
  vaoci_error_t err = {0};
  if (setup())
    return 1;
  return vaoci_mmap_range(&res, T40, T41, MIB, RW, ANON | MAP_FIXED, -1, 0, &p, &err) < 0 &&
                 err.status == VAOCI_E_INVALID
             ? 0
             : 1;
}

static int case_mremap_out_and_back(void) {
  uint64_t p, q, r;
  vaoci_error_t err;
  if (setup() || vaoci_mmap_range(&res, 0x10000000, 0x20000000, MIB, RW, ANON, -1, 0, &p, &err) < 0)
    FAILS("setup: %s", err.msg);
  memset((void *)p, 7, MIB);
  if (vaoci_mremap_range(&res, p, MIB, 4 * MIB, T40, T41, &q, &err) < 0 || !inside(q, 4 * MIB, T40, T41))
    FAILS("mremap_range out: 0x%lx %s", (unsigned long)q, err.msg);
  if (((char *)q)[MIB - 1] != 7)
    FAILS("contents lost in the move");
  if (vaoci_mremap_range(&res, q, 4 * MIB, 8 * MIB, 0x10000000, 0x40000000, &r, &err) < 0 ||
      !inside(r, 8 * MIB, 0x10000000, 0x40000000))
    FAILS("mremap_range back: 0x%lx %s", (unsigned long)r, err.msg);
  if (((char *)r)[0] != 7)
    FAILS("contents lost in the move back");
  if (!still_holds())
    FAILS("the vacated range outside the window was not reserved again (%lu free)", (unsigned long)report.free_bytes);
  return 0;
}

static int case_mremap_wrap(void) {
  uint64_t p, q;
  vaoci_error_t err;
  if (setup() || vaoci_mmap_range(&res, 0x50000000, 0x60000000, MIB, RW, ANON, -1, 0, &p, &err) < 0)
    FAILS("setup: %s", err.msg);
  if (vaoci_mremap_range(&res, p, MIB, 2 * MIB, 0x80000000, 0x40000000, &q, &err) < 0 ||
      !inside(q, 2 * MIB, 0x80000000, 0x40000000))
    FAILS("mremap_range wrap: 0x%lx %s", (unsigned long)q, err.msg);
  return 0;
}

static int case_shmat(void) {
  uint64_t p, q, r;
  vaoci_error_t err;
  int id = shmget(IPC_PRIVATE, 2 * MIB, IPC_CREAT | 0600);
  if (id < 0 || setup())
    return 1;
  if (vaoci_shmat_range(&res, id, 0x10000000, 0x20000000, 0, &p, &err) < 0 ||
      !inside(p, 2 * MIB, 0x10000000, 0x20000000))
    FAILS("shmat_range inside: 0x%lx %s", (unsigned long)p, err.msg);
  if (vaoci_shmat_range(&res, id, T41, T40 * 4, 0, &q, &err) < 0 || !inside(q, 2 * MIB, T41, T40 * 4))
    FAILS("shmat_range outside: 0x%lx %s", (unsigned long)q, err.msg);
  if (vaoci_shmat_range(&res, id, 0x80000000, 0x40000000, 0, &r, &err) < 0 ||
      !inside(r, 2 * MIB, 0x80000000, 0x40000000))
    FAILS("shmat_range wrap: 0x%lx %s", (unsigned long)r, err.msg);
  shmctl(id, IPC_RMID, NULL); /* freed when the child exits */
  ((char *)p)[5] = 42;
  if (((char *)q)[5] != 42 || ((char *)r)[5] != 42)
    FAILS("the three attachments do not share the segment");
  return 0;
}

int main(void) {
  CHILD_CASE(case_mmap_inside_window, 0, "mmap_range inside the window uses a free gap");
  CHILD_CASE(case_mmap_carves_reservation, 0, "mmap_range outside the window carves the reservation");
  CHILD_CASE(case_mmap_plain, 0, "mmap_range with begin == end behaves like mmap");
  CHILD_CASE(case_mmap_wrap, 0, "mmap_range with begin > end wraps around the hole");
  CHILD_CASE(case_map32, 0, "MAP_32BIT helper stays in [1 GiB, 2 GiB)");
  CHILD_CASE(case_no_room, 0, "a range too small is refused with nomem");
  CHILD_CASE(case_fixed_refused, 0, "MAP_FIXED with a range is bad input");
  CHILD_CASE(case_mremap_out_and_back, 0, "mremap_range moves out and back, contents kept, vacated range reserved");
  CHILD_CASE(case_mremap_wrap, 0, "mremap_range wraps around");
  CHILD_CASE(case_shmat, 0, "shmat_range inside, outside and wrap-around");
  return check_summary("test_alloc");
}
