#define _GNU_SOURCE
#include "sample.h"
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

static const uint64_t sizes[] = {4096, 16384, 65536, 262144};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void note(struct sample_result *r, const struct vaoci_reservation *res, uint64_t addr, uint64_t len) {
  r->count++;
  if (!vaoci_window_contains(&res->window, addr, addr + len) && r->outside++ == 0)
    r->first_outside = addr;
}

/* hint_outside picks an address inside vaoci's reservation (so outside the
 * window): the kind of high hint that gave x86 guests 48-bit pointers. */
static uint64_t hint_outside(const struct vaoci_reservation *res, long i) {
  if (res->regions.count == 0)
    return (uint64_t)1 << 46;
  const struct vaoci_span *s = &res->regions.items[(size_t)i % res->regions.count];
  uint64_t pages = (s->end - s->start) / res->page_size;
  return s->start + ((uint64_t)i * 7919u % pages) * res->page_size;
}

static void sample_mmap(const struct vaoci_reservation *res, long n, int hinted, struct sample_result *r,
                        void **keep) {
  for (long i = 0; i < n; i++) {
    uint64_t len = sizes[i % NSIZES];
    void *hint = hinted ? (void *)hint_outside(res, i) : NULL;
    void *p = mmap(hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    keep[i] = p == MAP_FAILED ? NULL : p;
    if (p == MAP_FAILED)
      r->refused++;
    else
      note(r, res, (uint64_t)p, len);
  }
  for (long i = 0; i < n; i++)
    if (keep[i])
      munmap(keep[i], sizes[i % NSIZES]);
}

static void sample_shmat(const struct vaoci_reservation *res, long n, struct sample_result *r) {
  for (long i = 0; i < n; i++) {
    int id = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
    void *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
    if (id >= 0)
      shmctl(id, IPC_RMID, NULL);
    if (p == (void *)-1) {
      r->refused++;
      continue;
    }
    note(r, res, (uint64_t)p, 65536);
    shmdt(p);
  }
}

/* sample_mremap grows a page to 2 MiB so the kernel must move it. */
static void sample_mremap(const struct vaoci_reservation *res, long n, struct sample_result *r) {
  for (long i = 0; i < n; i++) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *q = p == MAP_FAILED ? MAP_FAILED : mremap(p, 4096, 2u << 20, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) {
      r->refused++;
      if (p != MAP_FAILED)
        munmap(p, 4096);
      continue;
    }
    note(r, res, (uint64_t)q, 2u << 20);
    munmap(q, 2u << 20);
  }
}

int sample_all(const struct vaoci_reservation *res, long n, struct sample_result out[4]) {
  void **keep = calloc((size_t)n, sizeof *keep);
  const char *kinds[4] = {"mmap", "mmap-hint", "shmat", "mremap"};
  for (int k = 0; k < 4; k++)
    out[k] = (struct sample_result){.kind = kinds[k]};
  if (!keep)
    return 0;
  sample_mmap(res, n, 0, &out[0], keep);
  sample_mmap(res, n, 1, &out[1], keep);
  sample_shmat(res, n / 10 ? n / 10 : 1, &out[2]);
  sample_mremap(res, n / 10 ? n / 10 : 1, &out[3]);
  free(keep);
  return 4;
}
