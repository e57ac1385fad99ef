/* The work of vaoci-overlay-marks (overlay_marks.h): parse and check the
 * records, then mark the layer. Kept apart from main() so the unit test
 * (native/tests/test_overlay_marks.c) drives it directly. */
#define _GNU_SOURCE
#include "overlay_marks.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A shown path is cut to this many bytes, so the errno at the end of an
 * error line always fits in vaoci_error_t's message. */
#define SHOWN_MAX 120

/* Open flags for every directory on the way: never through a symlink. */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* record is one parsed line of the input; path is not NUL-terminated by itself
 * when taken as a prefix, so lengths travel with it. */
struct record {
  char kind;
  const char *path;
  size_t len;
};

/* show writes p[0, n) for an error line: control bytes and backslashes as
 * \xHH (a name may hold a newline, and the line must stay one line), cut
 * with `...` past SHOWN_MAX bytes. */
static const char *show(const char *p, size_t n, char out[SHOWN_MAX + 8]) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (o + 4 > SHOWN_MAX) {
      memcpy(out + o, "...", 3);
      o += 3;
      break;
    }
    if (c < 0x20 || c == 0x7f || c == '\\') {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
  return out;
}

/* fail names root/path[0, n) and the failed call, with errno's text and number. */
static int fail(vaoci_error_t *err, const char *what, const char *root, const struct record *r, size_t n,
                const char *call, int e) {
  char shown_root[SHOWN_MAX + 8], shown_path[SHOWN_MAX + 8];
  return vaoci_make_error(err, VAOCI_E_SYSTEM, e, "%s `%s/%s`: %s: %s", what, show(root, strlen(root), shown_root),
                          show(r->path, n, shown_path), call, strerror(e));
}

/* invalid names the record (its number from 1, its bytes raw[0, n)) and what is wrong with it. */
static int invalid(vaoci_error_t *err, size_t index, const char *raw, size_t n, const char *why) {
  char shown[SHOWN_MAX + 8];
  return vaoci_make_error(err, VAOCI_E_INVALID, 0, "record %u `%s`: %s", (unsigned)index, show(raw, n, shown), why);
}

/* next_record parses the record at *pos, advancing past its NUL. */
static int next_record(const char *input, size_t len, size_t *pos, size_t index, struct record *r, vaoci_error_t *err) {
  const char *start = input + *pos;
  const char *nul = memchr(start, '\0', len - *pos);
  if (!nul)
    return invalid(err, index, start, len - *pos, "no NUL at its end (truncated input) — expected KIND PATH NUL");
  size_t n_raw = (size_t)(nul - start);
  *pos += n_raw + 1;
  if (n_raw == 0)
    return invalid(err, index, start, 0, "empty — expected `w` or `o`, then a path");
  *r = (struct record){.kind = start[0], .path = start + 1, .len = n_raw - 1};
  if (r->kind != 'w' && r->kind != 'o')
    return invalid(err, index, start, n_raw, "unknown kind — expected `w` (a whiteout) or `o` (an opaque directory)");
  if (r->len == 0)
    return r->kind == 'o'
               ? 0
               : invalid(err, index, start, n_raw, "a whiteout of the layer root — expected a path below it");
  for (size_t at = 0; at <= r->len;) {
    const char *slash = memchr(r->path + at, '/', r->len - at);
    size_t n = (slash ? (size_t)(slash - r->path) : r->len) - at;
    const char *c = r->path + at;
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return invalid(err, index, start, n_raw, "an empty, `.` or `..` component — expected names joined by `/`");
    if (n > NAME_MAX)
      return invalid(err, index, start, n_raw, "a component longer than NAME_MAX (255 bytes)");
    at += n + 1;
  }
  return 0;
}

/* absent: an open that failed because the path is not a directory of this
 * layer (missing, a file, a symlink): a mark inside it has nothing to mark. */
static int absent(int e) { return e == ENOENT || e == ENOTDIR || e == ELOOP; }

/* open_dir opens the directory at path[0, n) below rootfd, one component at a
 * time with O_NOFOLLOW. Returns a descriptor, or -1 with errno set and
 * *reached the length of the prefix whose open failed. */
static int open_dir(int rootfd, const char *path, size_t n, size_t *reached) {
  int fd = dup(rootfd);
  *reached = 0;
  if (fd < 0 || n == 0)
    return fd;
  for (size_t at = 0; at < n;) {
    const char *slash = memchr(path + at, '/', n - at);
    size_t len = (slash ? (size_t)(slash - path) : n) - at;
    char name[NAME_MAX + 1];
    memcpy(name, path + at, len); /* next_record checked len <= NAME_MAX */
    name[len] = '\0';
    *reached = at + len;
    int next = openat(fd, name, DIR_FLAGS);
    int e = errno;
    close(fd);
    if (next < 0) {
      errno = e;
      return -1;
    }
    fd = next;
    at += len + 1;
  }
  return fd;
}

/* make_opaque sets the opaque attribute on the directory open as fd. */
static int make_opaque(int fd, const char *what, const char *root, const struct record *r, vaoci_error_t *err) {
  if (fsetxattr(fd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
    return fail(err, what, root, r, r->len, "fsetxattr " OVERLAY_OPAQUE_XATTR, errno);
  return 0;
}

/* whiteout creates the 0/0 device; a name the layer already has stays, a directory made opaque. */
static int whiteout(int rootfd, const char *root, const struct record *r, vaoci_error_t *err) {
  const char *slash = memrchr(r->path, '/', r->len);
  size_t parent = slash ? (size_t)(slash - r->path) : 0;
  const char *base = slash ? slash + 1 : r->path;
  size_t reached;
  int dir = open_dir(rootfd, r->path, parent, &reached);
  if (dir < 0)
    return absent(errno) ? 0 : fail(err, "whiteout", root, r, reached, "openat", errno);
  char name[NAME_MAX + 1];
  memcpy(name, base, r->len - (size_t)(base - r->path));
  name[r->len - (size_t)(base - r->path)] = '\0';
  int rc = 0;
  if (mknodat(dir, name, S_IFCHR, makedev(0, 0)) < 0) {
    struct stat st;
    if (errno != EEXIST) {
      rc = fail(err, "whiteout", root, r, r->len, "mknodat", errno);
    } else if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      rc = fail(err, "whiteout", root, r, r->len, "fstatat", errno);
    } else if (S_ISDIR(st.st_mode)) {
      int sub = openat(dir, name, DIR_FLAGS);
      if (sub < 0) {
        rc = fail(err, "whiteout", root, r, r->len, "openat", errno);
      } else {
        rc = make_opaque(sub, "whiteout", root, r, err);
        close(sub);
      }
    }
  }
  close(dir);
  return rc;
}

/* opaque marks the directory at the record's path (the root when empty). */
static int opaque(int rootfd, const char *root, const struct record *r, vaoci_error_t *err) {
  size_t reached;
  int dir = open_dir(rootfd, r->path, r->len, &reached);
  if (dir < 0)
    return absent(errno) ? 0 : fail(err, "opaque", root, r, reached, "openat", errno);
  int rc = make_opaque(dir, "opaque", root, r, err);
  close(dir);
  return rc;
}

int overlay_marks_apply(const char *root, const char *input, size_t len, vaoci_error_t *err) {
  struct record r;
  /* Every record is checked first: a bad one leaves the layer untouched. */
  for (size_t pos = 0, i = 1; pos < len; i++)
    if (next_record(input, len, &pos, i, &r, err) < 0)
      return -VAOCI_E_INVALID;
  if (len == 0)
    return 0;
  int rootfd = open(root, DIR_FLAGS);
  if (rootfd < 0) {
    char shown[SHOWN_MAX + 8];
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "layer root `%s`: open: %s", show(root, strlen(root), shown),
                            strerror(errno));
  }
  int rc = 0;
  for (size_t pos = 0, i = 1; pos < len && rc == 0; i++) {
    next_record(input, len, &pos, i, &r, err);
    rc = r.kind == 'w' ? whiteout(rootfd, root, &r, err) : opaque(rootfd, root, &r, err);
  }
  close(rootfd);
  return rc;
}
