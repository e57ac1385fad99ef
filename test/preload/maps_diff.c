/* maps_diff WINDOW BEFORE AFTER: given the maps a program started with (the
 * preload's VAOCI_DEBUG=maps dump) and the maps it ended with, report every
 * new mapping outside the window, and whether the complement is still
 * reserved. Prints one line of figures; exits 0 only if no new mapping lies
 * outside the window, at least one new mapping exists, and verify holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vaoci/maps.h"
#include "vaoci/probe.h"
#include "vaoci/verify.h"

#define MAX_VMAS 65536

struct vma_list {
  size_t n;
  struct vaoci_vma v[MAX_VMAS];
};

static struct vma_list before, after;
static struct vaoci_verify_report report;

static int collect(void *ctx, const struct vaoci_vma *vma) {
  struct vma_list *l = ctx;
  if (l->n < MAX_VMAS)
    l->v[l->n++] = *vma;
  return 0;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  char *buf = malloc(16 << 20);
  *len = buf ? fread(buf, 1, (16 << 20) - 1, f) : 0;
  fclose(f);
  return buf;
}

/* reservation: private PROT_NONE with no file; the kernel names one that
 * starts at the brk base "[heap]". */
static int reservation(const struct vaoci_vma *v) {
  return strncmp(v->perms, "---p", 4) == 0 && (v->anonymous || strcmp(v->name, "[heap]") == 0);
}

static struct vaoci_span_set outside;

/* uncovered_outside counts bytes of v outside the window and not covered by
 * a mapping that was already there before. */
static uint64_t uncovered_outside(const struct vaoci_window *w, const struct vaoci_vma *v, uint64_t task) {
  struct vaoci_span comp[2];
  int n = vaoci_window_complement(w, 0, task, comp);
  outside.count = 0;
  for (int i = 0; i < n; i++) {
    uint64_t s = comp[i].start > v->start ? comp[i].start : v->start, e = comp[i].end < v->end ? comp[i].end : v->end;
    if (s < e)
      vaoci_span_set_add(&outside, s, e);
  }
  for (size_t i = 0; i < before.n && outside.count; i++)
    if (!reservation(&before.v[i]))
      vaoci_span_set_remove(&outside, before.v[i].start, before.v[i].end);
  return vaoci_span_set_bytes(&outside);
}

int main(int argc, char **argv) {
  struct vaoci_window w;
  vaoci_error_t err;
  size_t blen, alen;
  char *btext = argc == 4 ? slurp(argv[2], &blen) : NULL, *atext = argc == 4 ? slurp(argv[3], &alen) : NULL;
  if (!btext || !atext || vaoci_window_parse(argv[1], &w, &err) < 0) {
    fprintf(stderr, "usage: maps_diff WINDOW BEFORE AFTER (readable files, a valid window)\n");
    return 2;
  }
  if (vaoci_maps_parse_text(btext, blen, collect, &before, &err) < 0 ||
      vaoci_maps_parse_text(atext, alen, collect, &after, &err) < 0) {
    fprintf(stderr, "maps_diff: %s\n", err.msg);
    return 2;
  }
  uint64_t task;
  vaoci_probe_va_bits(&task, &err);
  long fresh = 0, outside_count = 0;
  for (size_t i = 0; i < after.n; i++) {
    const struct vaoci_vma *v = &after.v[i];
    if (reservation(v))
      continue;
    uint64_t out = uncovered_outside(&w, v, task);
    int is_new = 1;
    for (size_t k = 0; k < before.n && is_new; k++)
      is_new = !(before.v[k].start == v->start && before.v[k].end == v->end);
    fresh += is_new;
    if (out) {
      outside_count++;
      printf("new mapping outside the window: %lx-%lx %s %s\n", (unsigned long)v->start, (unsigned long)v->end,
             v->perms, v->name);
    }
  }
  vaoci_verify_text(atext, alen, &w, vaoci_probe_mmap_min_addr(), task, (8ull << 20) + (1ull << 20), &report, &err);
  printf("mappings before %zu, after %zu, new %ld, new outside %ld, free outside %lu bytes\n", before.n, after.n, fresh,
         outside_count, (unsigned long)report.free_bytes);
  return outside_count == 0 && fresh > 0 && report.holds ? 0 : 1;
}
