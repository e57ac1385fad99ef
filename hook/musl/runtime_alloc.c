/* vaoci-runtime's allocator on musl: bump allocation, free a no-op.
 *
 * The wrapper lives for one command and then execs the real runtime or
 * exits, so nothing it frees would ever be reused. musl's mallocng maps and
 * unmaps a page per size-class group as it goes: of the ~100 system calls
 * vaoci-runtime makes before it execs the runtime on a `create`, 34 were
 * mallocng's mmap and munmap (strace). Here memory comes from an arena in
 * .bss (its pages are faulted only when touched), then from anonymous
 * mappings of at least CHUNK. Both are zero when handed out and never handed
 * out twice, so calloc clears nothing: the 160 KiB policy record create.c
 * asks for costs only the pages it writes. A config.json of 5 MiB (20 000
 * annotations) peaks at 40 MiB here against 19 MiB with mallocng; the file
 * limit is 16 MiB.
 *
 * Static musl takes a program's malloc, calloc, realloc and free in place of
 * its own (the link fails on a duplicate if any other libc allocation entry
 * were pulled in). vaoci-runtime has one thread and does not fork.
 * vaoci-hook keeps mallocng: its detached watcher polls for up to two
 * minutes and frees as it goes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGN 16
#define CHUNK (4u << 20)

/* Each block is preceded by its size, for realloc. */
struct header {
  size_t size;
  size_t pad; /* keeps blocks 16-byte aligned */
};

static unsigned char arena[1u << 20] __attribute__((aligned(ALIGN)));
static unsigned char *next = arena, *end = arena + sizeof arena;
static struct header *last; /* the block handed out last: realloc grows it in place */

static size_t rounded(size_t n) { return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1); }

void *malloc(size_t n) {
  if (n > SIZE_MAX / 2) {
    errno = ENOMEM;
    return NULL;
  }
  size_t need = sizeof(struct header) + rounded(n);
  if ((size_t)(end - next) < need) {
    size_t len = need > CHUNK ? rounded(need) : CHUNK;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      errno = ENOMEM;
      return NULL;
    }
    next = m, end = next + len;
  }
  last = (struct header *)next;
  last->size = n;
  next += need;
  return last + 1;
}

void free(void *p) { (void)p; }

void *calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  return malloc(count * size); /* fresh memory is zero */
}

void *realloc(void *p, size_t n) {
  if (!p)
    return malloc(n);
  struct header *h = (struct header *)p - 1;
  /* The last block grows in place; `next` never moves back, so what calloc gets stays fresh. */
  if (h == last && n <= SIZE_MAX / 2 && rounded(n) <= (size_t)(end - (unsigned char *)p)) {
    if ((unsigned char *)p + rounded(n) > next)
      next = (unsigned char *)p + rounded(n);
    h->size = n;
    return p;
  }
  void *q = malloc(n);
  if (q)
    memcpy(q, p, h->size < n ? h->size : n);
  return q;
}
