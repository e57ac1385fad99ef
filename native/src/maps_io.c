/* Opening and reading maps files, and the PROCMAP_QUERY ioctl. */
#include <fcntl.h>
#include "sys.h"
#include "vaoci/maps.h"

/* PROCMAP_QUERY (linux/fs.h, 6.11+), declared here because the build
 * machines' kernel headers may predate it. */
struct vaoci_procmap_query {
  uint64_t size;
  uint64_t query_flags;
  uint64_t query_addr;
  uint64_t vma_start;
  uint64_t vma_end;
  uint64_t vma_flags;
  uint64_t vma_page_size;
  uint64_t vma_offset;
  uint64_t inode;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint32_t vma_name_size;
  uint32_t build_id_size;
  uint64_t vma_name_addr;
  uint64_t build_id_addr;
};
#define VAOCI_PROCMAP_QUERY 0xc0686611ul /* _IOWR('f', 17, struct procmap_query) */
#define VAOCI_PROCMAP_COVERING_OR_NEXT 0x10
#define VAOCI_PROCMAP_READABLE 0x1
#define VAOCI_PROCMAP_WRITABLE 0x2
#define VAOCI_PROCMAP_EXECUTABLE 0x4
#define VAOCI_PROCMAP_SHARED 0x8

_Static_assert(sizeof(struct vaoci_procmap_query) == 104, "procmap_query ABI");

int vaoci_maps_open(int pid, vaoci_error_t *err) {
  char path[40];
  if (pid)
    vaoci_formatf(path, sizeof path, "/proc/%d/maps", pid);
  else
    vaoci_formatf(path, sizeof path, "/proc/self/maps");
  long fd = vaoci_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (vaoci_sys_failed(fd))
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-fd, "open `%s`", path);
  return (int)fd;
}

long vaoci_maps_read_fd(int fd, char *buf, size_t size, vaoci_error_t *err) {
  size_t len = 0;
  for (;;) {
    if (len == size)
      return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "read maps: more than %zu bytes", size);
    long n = vaoci_sys_read(fd, buf + len, size - len);
    if (n == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(n))
      return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-n, "read maps");
    if (n == 0)
      return (long)len;
    len += (size_t)n;
  }
}

static void query_perms(uint64_t flags, char perms[5]) {
  perms[0] = flags & VAOCI_PROCMAP_READABLE ? 'r' : '-';
  perms[1] = flags & VAOCI_PROCMAP_WRITABLE ? 'w' : '-';
  perms[2] = flags & VAOCI_PROCMAP_EXECUTABLE ? 'x' : '-';
  perms[3] = flags & VAOCI_PROCMAP_SHARED ? 's' : 'p';
  perms[4] = '\0';
}

int vaoci_maps_query(int fd, uint64_t addr, struct vaoci_vma *out, vaoci_error_t *err) {
  struct vaoci_procmap_query q = {0};
  q.size = sizeof q;
  q.query_flags = VAOCI_PROCMAP_COVERING_OR_NEXT;
  q.query_addr = addr;
  long r = vaoci_sys_ioctl(fd, VAOCI_PROCMAP_QUERY, &q);
  if (r == -2 /* ENOENT: nothing at or above addr */)
    return 0;
  if (r == -25 /* ENOTTY */ || r == -22 /* EINVAL */)
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-r, "PROCMAP_QUERY");
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "PROCMAP_QUERY at 0x%lx", (unsigned long)addr);
  out->start = q.vma_start;
  out->end = q.vma_end;
  query_perms(q.vma_flags, out->perms);
  out->anonymous = q.inode == 0;
  out->name[0] = '\0';
  return 1;
}

/* A chunk of maps text: lines are parsed as they arrive, so a process with
 * any number of mappings fits. Static because the preload has no malloc;
 * callers are single-threaded. */
static char chunk[64 * 1024];

/* parse_lines hands every complete line in buf[0, len) to the visitor and
 * returns how many bytes it consumed (the rest is a partial line). */
static long parse_lines(size_t len, int *line_no, vaoci_maps_visit_fn fn, void *ctx, int *stop, vaoci_error_t *err) {
  size_t pos = 0;
  for (size_t end = 0; end < len && !*stop; end++) {
    if (chunk[end] != '\n')
      continue;
    (*line_no)++;
    struct vaoci_vma vma;
    if (vaoci_maps_parse_line(chunk + pos, end - pos, &vma) < 0)
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "maps line %d: expected `START-END PERMS ...`", *line_no);
    *stop = fn(ctx, &vma);
    pos = end + 1;
  }
  return (long)pos;
}

int vaoci_maps_parse_fd(int fd, vaoci_maps_visit_fn fn, void *ctx, vaoci_error_t *err) {
  long off = vaoci_syscall6(SYS_lseek, fd, 0, 0 /* SEEK_SET */, 0, 0, 0);
  if (vaoci_sys_failed(off))
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-off, "rewind maps");
  size_t have = 0;
  int line_no = 0, stop = 0;
  while (!stop) {
    long n = vaoci_sys_read(fd, chunk + have, sizeof chunk - have);
    if (n == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(n))
      return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-n, "read maps");
    if (n == 0) /* a short read is not EOF: only 0 is */
      return have ? vaoci_make_error(err, VAOCI_E_INVALID, 0, "maps: last line has no newline") : 0;
    have += (size_t)n;
    long used = parse_lines(have, &line_no, fn, ctx, &stop, err);
    if (used < 0)
      return (int)used;
    if (used == 0 && have == sizeof chunk)
      return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "maps line %d: longer than %zu bytes", line_no + 1,
                              sizeof chunk);
    for (size_t i = (size_t)used; i < have; i++)
      chunk[i - (size_t)used] = chunk[i];
    have -= (size_t)used;
  }
  return stop;
}

long vaoci_maps_count(int fd) {
  char buf[16384];
  long lines = 0, n;
  while ((n = vaoci_sys_read(fd, buf, sizeof buf)) != 0) {
    if (n == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(n))
      return -1;
    for (long i = 0; i < n; i++)
      lines += buf[i] == '\n';
  }
  return lines;
}
