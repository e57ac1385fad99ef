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

/* high_hint cycles through the fixed high hints programs and emulators use:
 * 2^47 (x86-64's top), 2^48 (48-bit arm64's top), 2^50 (where a 52-bit
 * kernel opens its upper space to a hint) and the last page below the task
 * size; on a kernel without that much VA the hint is ignored, as it would be. */
static uint64_t high_hint(const struct vaoci_reservation *res, long i) {
  uint64_t top = res->task_size ? res->task_size : 1ull << 47;
  const uint64_t hints[] = {1ull << 47, 1ull << 48, 1ull << 50, top - (256u << 10)};
  return hints[(size_t)i % (sizeof hints / sizeof hints[0])];
}

enum hint_kind { HINT_NONE, HINT_OUTSIDE, HINT_HIGH };

static void sample_mmap(const struct vaoci_reservation *res, long n, enum hint_kind hinted, struct sample_result *r,
                        void **keep) {
  for (long i = 0; i < n; i++) {
    uint64_t len = sizes[i % NSIZES];
    void *hint = hinted == HINT_OUTSIDE ? (void *)hint_outside(res, i)
                 : hinted == HINT_HIGH  ? (void *)high_hint(res, i)
                                        : NULL;
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

int sample_all(const struct vaoci_reservation *res, long n, struct sample_result out[SAMPLE_KINDS]) {
  void **keep = calloc((size_t)n, sizeof *keep);
  const char *kinds[SAMPLE_KINDS] = {"mmap", "mmap-hint", "mmap-high", "shmat", "mremap"};
  for (int k = 0; k < SAMPLE_KINDS; k++)
    out[k] = (struct sample_result){.kind = kinds[k]};
  if (!keep)
    return 0;
  sample_mmap(res, n, HINT_NONE, &out[0], keep);
  sample_mmap(res, n, HINT_OUTSIDE, &out[1], keep);
  sample_mmap(res, n, HINT_HIGH, &out[2], keep);
  sample_shmat(res, n / 10 ? n / 10 : 1, &out[3]);
  sample_mremap(res, n / 10 ? n / 10 : 1, &out[4]);
  free(keep);
  return SAMPLE_KINDS;
}
