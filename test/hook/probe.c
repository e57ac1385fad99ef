/* probe: the container program of test/hook/. It maps memory the ways a
 * program does (mmap of several sizes, a hinted mmap far above 4 GiB,
 * mremap that moves) and checks, from inside, that every address it got and
 * every mapping that appeared in /proc/self/maps meanwhile (reservations,
 * PROT_NONE, aside) lies below --below. Then, with --hold FILE, it waits up
 * to 20 s for FILE to exist, so a poststart hook can look at it; with
 * --linger-ms N it stays N ms more (the demo's picture is taken then).
 * Prints one line per address and ends with
 *   probe: N new mappings, all below 0xLIMIT        or
 *   probe: K of N new mappings at or above 0xLIMIT */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_VMAS 4096

struct vma {
  unsigned long start, end;
  char perms[8];
};

static int read_maps(struct vma *v) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int n = 0;
  while (f && n < MAX_VMAS && fgets(line, sizeof line, f))
    if (sscanf(line, "%lx-%lx %7s", &v[n].start, &v[n].end, v[n].perms) == 3)
      n++;
  if (f)
    fclose(f);
  return n;
}

static int known(const struct vma *v, int n, const struct vma *x) {
  for (int i = 0; i < n; i++)
    if (v[i].start == x->start && v[i].end == x->end && !strcmp(v[i].perms, x->perms))
      return 1;
  return 0;
}

static struct vma before[MAX_VMAS], after[MAX_VMAS];

int main(int argc, char **argv) {
  unsigned long below = 1ul << 32;
  const char *hold = NULL;
  long linger_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--below"))
      below = strtoul(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--hold"))
      hold = argv[i + 1];
    else if (!strcmp(argv[i], "--linger-ms"))
      linger_ms = strtol(argv[i + 1], NULL, 0);
  }
  int nb = read_maps(before), outside = 0, total = 0;
  size_t sizes[] = {4096, 1 << 20, 64 << 20, 1ul << 30};
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *p = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("probe: mmap %zu = %p\n", sizes[i], p);
  }
  void *hinted = mmap((void *)(1ul << 45), 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("probe: mmap hint 0x%lx = %p\n", 1ul << 45, hinted);
  void *small = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *moved = mremap(small, 8192, 256 << 20, MREMAP_MAYMOVE);
  printf("probe: mremap = %p\n", moved);
  char *heap = malloc(256 << 20);
  printf("probe: malloc 256 MiB = %p\n", (void *)heap);
  int na = read_maps(after);
  for (int i = 0; i < na; i++) {
    if (known(before, nb, &after[i]) || !strcmp(after[i].perms, "---p"))
      continue;
    total++;
    if (after[i].end > below) {
      outside++;
      printf("probe: outside: %lx-%lx %s\n", after[i].start, after[i].end, after[i].perms);
    }
  }
  if (outside)
    printf("probe: %d of %d new mappings at or above 0x%lx\n", outside, total, below);
  else
    printf("probe: %d new mappings, all below 0x%lx\n", total, below);
  fflush(stdout);
  for (int i = 0; hold && i < 2000 && access(hold, F_OK) != 0; i++)
    usleep(10000);
  usleep(linger_ms * 1000);
  return 0;
}
