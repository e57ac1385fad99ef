/* Files: whole reads, full writes, atomic replacement. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "util.h"

int vaoci_read_fd(int fd, size_t max, char **out, size_t *len, vaoci_error_t *err) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  if (!buf)
    return vaoci_make_error(err, VAOCI_E_NOMEM, ENOMEM, "read: out of memory");
  for (;;) {
    if (n == cap) {
      char *bigger = cap >= max ? NULL : realloc(buf, (cap *= 2) + 1);
      if (!bigger) {
        free(buf);
        return vaoci_make_error(err, VAOCI_E_INVALID, 0, "read: larger than %zu bytes", max);
      }
      buf = bigger;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      return vaoci_make_error(err, VAOCI_E_SYSTEM, e, "read");
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = 0;
  *out = buf;
  if (len)
    *len = n;
  return 0;
}

int vaoci_read_file(int dirfd, const char *path, size_t max, char **out, size_t *len, vaoci_error_t *err) {
  cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open `%s`", path);
  if (vaoci_read_fd(fd, max, out, len, err) < 0)
    return vaoci_wrap_error(err, "`%s`", path);
  return 0;
}

int vaoci_write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* temp_name makes ".NAME.vaoci-XXXXXXXXXXXXXXXX" beside name. */
static void temp_name(char *buf, size_t size, const char *name) {
  unsigned long long r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
    r = (unsigned long long)getpid() << 32 ^ (unsigned long long)(uintptr_t)buf;
  snprintf(buf, size, ".%.200s.vaoci-%016llx", name, r);
}

int vaoci_write_atomic(int dirfd, const char *name, const void *data, size_t len, int mode, vaoci_error_t *err) {
  char tmp[256];
  temp_name(tmp, sizeof tmp, name);
  cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "create `%s`", tmp);
  if (fchmod(fd, (mode_t)mode) < 0 || vaoci_write_all(fd, data, len) < 0 || fsync(fd) < 0 ||
      renameat(dirfd, tmp, dirfd, name) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return vaoci_make_error(err, VAOCI_E_SYSTEM, e, "write `%s`", name);
  }
  if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "fsync the directory of `%s`", name);
  return 0;
}

int vaoci_write_atomic_path(const char *path, const void *data, size_t len, int mode, vaoci_error_t *err) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else
    snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open `%s`", dir);
  return vaoci_write_atomic(dfd, slash ? slash + 1 : path, data, len, mode, err);
}
