/* A musl-linked program that allocates in the usual ways (malloc small and
 * large, mmap, a thread's stack), then prints its own maps. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void *worker(void *arg) {
  char *p = malloc(1 << 20);
  memset(p, 1, 1 << 20);
  return arg == p ? NULL : p;
}

int main(void) {
  static void *keep[64];
  for (int i = 0; i < 64; i++) {
    keep[i] = malloc((size_t)1024 << (i % 16)); /* 1 KiB .. 32 MiB */
    if (keep[i])
      memset(keep[i], i, 1024);
  }
  void *m = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m != MAP_FAILED)
    memset(m, 2, 4096);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f))
    fputs(line, stdout);
  return 0;
}
