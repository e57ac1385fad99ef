/* Mapping PROGRAM's segments as the kernel's ELF loader does: file pages
 * with each segment's protections, the zeroed tail of the last one, and
 * anonymous pages for the rest of .bss. Always into free space
 * (MAP_FIXED_NOREPLACE), so nothing that is there is ever replaced:
 *  - a static (ET_EXEC) program has its own addresses, inside the window
 *    (checked first), so its segments are mapped before reserving; one that
 *    meets a mapping is a collision, refused with nothing reserved;
 *  - a static-pie (ET_DYN) is placed after reserving: a PROT_NONE span the
 *    kernel picks (so inside the window) finds its base, is given back, and
 *    the segments go there. Single-threaded: nothing can take it meanwhile. */
#include "launch.h"
#include "lsys.h"
#include "vaoci/maps.h"

#define HWCAP2_BTI_ (1ul << 17) /* aarch64 */

struct find_ctx {
  uint64_t start, end;
  struct vaoci_vma hit;
  int found;
};

static int find_visit(void *ctx, const struct vaoci_vma *vma) {
  struct find_ctx *c = ctx;
  if (vma->end <= c->start || vma->start >= c->end)
    return 0;
  c->hit = *vma;
  c->found = 1;
  return 1;
}

/* collision names the mapping that holds part of [start, end). */
static int collision(const struct launch_image *img, uint64_t start, uint64_t end, vaoci_error_t *err) {
  struct find_ctx c = {start, end, {0}, 0};
  vaoci_error_t ignored;
  int fd = vaoci_maps_open(0, &ignored);
  if (fd >= 0) {
    vaoci_maps_parse_fd(fd, find_visit, &c, &ignored);
    vaoci_sys_close(fd);
  }
  if (!c.found)
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, 17, "%s: its segment 0x%lx-0x%lx collides with a mapping",
                            img->path, (unsigned long)start, (unsigned long)end);
  return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, 0, "%s: its segment 0x%lx-0x%lx collides with 0x%lx-0x%lx %s",
                          img->path, (unsigned long)start, (unsigned long)end, (unsigned long)c.hit.start,
                          (unsigned long)c.hit.end, c.hit.name[0] ? c.hit.name : "(anonymous)");
}

/* map_failed turns a failed mmap into the line to print: EEXIST is a
 * collision and EPERM/EACCES an address below vm.mmap_min_addr (refusals of
 * a static program's fixed addresses), ENOMEM past user space. */
static int map_failed(const struct launch_image *img, long r, uint64_t s, uint64_t e, vaoci_error_t *err) {
  if (r == -17 && !img->pie)
    return collision(img, s, e, err);
  if ((r == -1 || r == -13) && !img->pie)
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-r,
                            "%s: its segment 0x%lx-0x%lx lies below vm.mmap_min_addr", img->path, (unsigned long)s,
                            (unsigned long)e);
  if (r == -12 && !img->pie)
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, 12, "%s: its segment 0x%lx-0x%lx lies outside user space",
                            img->path, (unsigned long)s, (unsigned long)e);
  return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "%s: map 0x%lx-0x%lx", img->path, (unsigned long)s,
                          (unsigned long)e);
}

/* pie_hint picks a random place in the middle third of a window, as the
 * kernel puts ELF_ET_DYN_BASE at two thirds of user space: room above for
 * mmap, below for nothing. 0 lets the kernel choose (no window, wrap-around). */
static uint64_t pie_hint(const struct vaoci_window *w, uint64_t floor, uint64_t len, uint64_t align, uint64_t rnd) {
  if (!w || vaoci_window_wraps(w))
    return 0;
  uint64_t low = w->lower > floor ? w->lower : floor, third = (w->upper - low) / 3;
  if (third <= len + align)
    return 0;
  uint64_t hint = low + third + rnd % (third - len - align);
  return (hint + align - 1) & ~(align - 1);
}

int launch_place_pie(struct launch_image *img, const struct vaoci_window *w, uint64_t floor, uint64_t rnd,
                     vaoci_error_t *err) {
  uint64_t len = img->hi - img->lo, extra = img->align - img->page;
  uint64_t hint = pie_hint(w, floor, len, img->align, rnd);
  long r = vaoci_sys_mmap(hint, len + extra, 0, LAUNCH_MAP_PRIVATE | LAUNCH_MAP_ANONYMOUS, -1, 0);
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_NOMEM, (int)-r, "%s: no room for its 0x%lx bytes", img->path,
                            (unsigned long)len);
  uint64_t base = ((uint64_t)r + img->align - 1) & ~(img->align - 1);
  vaoci_sys_munmap((uint64_t)r, len + extra);
  img->bias = base - img->lo;
  if (w && !vaoci_window_contains(w, base, base + len))
    return vaoci_make_error(err, VAOCI_E_OUTSIDE, 0, "%s: placed at 0x%lx, outside the window", img->path,
                            (unsigned long)base);
  return 0;
}

static int prot_of(const struct launch_image *img, const Elf64_Phdr *p, unsigned long hwcap2) {
  int prot = (p->p_flags & PF_R ? LAUNCH_PROT_READ : 0) | (p->p_flags & PF_W ? LAUNCH_PROT_WRITE : 0) |
             (p->p_flags & PF_X ? LAUNCH_PROT_EXEC : 0);
#if defined(__aarch64__)
  if (img->bti && (prot & LAUNCH_PROT_EXEC) && (hwcap2 & HWCAP2_BTI_))
    prot |= LAUNCH_PROT_BTI;
#else
  (void)img, (void)hwcap2;
#endif
  return prot;
}

/* map_at maps [s, e): into free space, or over the page the previous
 * segment ended in (segments may share one; the later wins, as in the kernel). */
static long map_at(uint64_t s, uint64_t e, int prot, int flags, int fd, uint64_t off, uint64_t mapped_to) {
  flags |= LAUNCH_MAP_PRIVATE | (s < mapped_to ? VAOCI_MAP_FIXED : VAOCI_MAP_FIXED_NOREPLACE);
  long r = vaoci_sys_mmap(s, e - s, prot, flags, fd, (long)off);
  return !vaoci_sys_failed(r) && (uint64_t)r != s ? -17 /* a pre-4.17 kernel took NOREPLACE as a hint */ : r;
}

/* map_segment maps one PT_LOAD and advances *mapped_to past it. */
static int map_segment(const struct launch_image *img, const Elf64_Phdr *p, int prot, uint64_t *mapped_to,
                       vaoci_error_t *err) {
  uint64_t page = img->page, b = img->bias;
  uint64_t start = launch_page_down(b + p->p_vaddr, page), file_end = b + p->p_vaddr + p->p_filesz;
  uint64_t anon = launch_page_up(file_end, page), anon_end = launch_page_up(b + p->p_vaddr + p->p_memsz, page);
  if (p->p_filesz) {
    int zero_tail = p->p_memsz > p->p_filesz && file_end % page;
    int tmp_write = zero_tail && !(prot & LAUNCH_PROT_WRITE);
    long r = map_at(start, anon, prot | (tmp_write ? LAUNCH_PROT_WRITE : 0), 0, img->fd,
                    img->base + launch_page_down(p->p_offset, page), *mapped_to);
    if (vaoci_sys_failed(r))
      return map_failed(img, r, start, anon, err);
    if (zero_tail)
      for (char *z = (char *)(uintptr_t)file_end; (uint64_t)(uintptr_t)z < anon; z++)
        *z = 0;
    if (tmp_write)
      launch_sys_mprotect(start, anon - start, prot);
  } else {
    anon = start > *mapped_to ? start : *mapped_to; /* .bss may begin in the previous segment's last page */
  }
  if (anon_end > anon) {
    long r = map_at(anon, anon_end, prot, LAUNCH_MAP_ANONYMOUS, -1, 0, *mapped_to);
    if (vaoci_sys_failed(r))
      return map_failed(img, r, anon, anon_end, err);
  }
  *mapped_to = anon_end > anon ? anon_end : anon;
  return 0;
}

int launch_map_segments(struct launch_image *img, unsigned long hwcap2, vaoci_error_t *err) {
  uint64_t mapped_to = 0;
  int r = 0;
  unsigned i = 0;
  for (; r == 0 && i < img->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &img->ph[i];
    if (p->p_type == PT_LOAD && p->p_memsz)
      r = map_segment(img, p, prot_of(img, p, hwcap2), &mapped_to, err);
  }
  for (unsigned k = 0; r < 0 && k + 1 < i; k++) { /* a refusal leaves nothing of ours behind */
    const Elf64_Phdr *p = &img->ph[k];
    if (p->p_type == PT_LOAD && p->p_memsz)
      vaoci_sys_munmap(launch_page_down(img->bias + p->p_vaddr, img->page),
                       launch_page_up(img->bias + p->p_vaddr + p->p_memsz, img->page) -
                           launch_page_down(img->bias + p->p_vaddr, img->page));
  }
  img->brk = img->bias + img->hi;
  vaoci_sys_close(img->fd);
  img->fd = -1;
  return r;
}
