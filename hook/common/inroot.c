/* vaoci_inroot_open: openat2(RESOLVE_IN_ROOT), else a careful walk. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "inroot.h"
#include "util.h"

int vaoci_inroot_force_walk;

#define DEPTH_MAX 256

/* walk is the state of one manual resolution: a stack of directory fds
 * (fds[0] is the root), the resolved path, and what is left to resolve. */
struct walk {
  int fds[DEPTH_MAX];
  size_t ends[DEPTH_MAX]; /* resolved[] length at each depth */
  int depth, links;
  char resolved[VAOCI_INROOT_PATH_MAX];
  char todo[VAOCI_INROOT_PATH_MAX * 2];
};

static void walk_pop(struct walk *w) {
  close(w->fds[w->depth]);
  w->depth--;
}

static void walk_close(struct walk *w) {
  while (w->depth > 0)
    walk_pop(w);
  close(w->fds[0]);
}

/* next_component moves the first component of w->todo into c. */
static int next_component(struct walk *w, char *c, size_t size) {
  char *p = w->todo;
  while (*p == '/')
    p++;
  size_t n = strcspn(p, "/");
  if (n == 0)
    return 0;
  if (n >= size)
    return -1;
  memcpy(c, p, n);
  c[n] = 0;
  memmove(w->todo, p + n, strlen(p + n) + 1);
  return 1;
}

static int todo_empty(const struct walk *w) { return w->todo[strspn(w->todo, "/")] == 0; }

/* follow replaces component c, a symlink, by its target in front of todo. */
static int follow(struct walk *w, const char *c, const char *path, vaoci_error_t *err) {
  char target[VAOCI_INROOT_PATH_MAX], rest[VAOCI_INROOT_PATH_MAX * 2];
  if (++w->links > VAOCI_INROOT_MAX_LINKS)
    return vaoci_make_error(err, VAOCI_E_INVALID, ELOOP, "`%s`: too many levels of symbolic links", path);
  ssize_t n = readlinkat(w->fds[w->depth], c, target, sizeof target - 1);
  if (n < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: readlink", path);
  target[n] = 0;
  if (target[0] == '/')
    while (w->depth > 0)
      walk_pop(w);
  if (target[0] == '/')
    w->resolved[0] = 0;
  snprintf(rest, sizeof rest, "%s", w->todo);
  if ((size_t)snprintf(w->todo, sizeof w->todo, "%s/%s", target, rest) >= sizeof w->todo)
    return vaoci_make_error(err, VAOCI_E_INVALID, ENAMETOOLONG, "`%s`: path too long", path);
  return 0;
}

/* descend opens directory c under the top fd and pushes it. */
static int descend(struct walk *w, const char *c, const char *path, vaoci_error_t *err) {
  if (w->depth + 1 >= DEPTH_MAX)
    return vaoci_make_error(err, VAOCI_E_INVALID, ENAMETOOLONG, "`%s`: too deep", path);
  int fd = openat(w->fds[w->depth], c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: open `%s/%s`", path, w->resolved, c);
  size_t len = strlen(w->resolved);
  w->ends[w->depth] = len;
  snprintf(w->resolved + len, sizeof w->resolved - len, "/%s", c);
  w->fds[++w->depth] = fd;
  return 0;
}

static int walk_step(struct walk *w, const char *c, const char *path, int flags, vaoci_error_t *err) {
  struct stat st;
  if (!strcmp(c, "..")) {
    if (w->depth > 0) {
      w->resolved[w->ends[w->depth - 1]] = 0;
      walk_pop(w);
    }
    return 0;
  }
  if (fstatat(w->fds[w->depth], c, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: not found", path)
                           : vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: stat `%s/%s`", path, w->resolved, c);
  if (S_ISLNK(st.st_mode))
    return follow(w, c, path, err);
  if (!todo_empty(w) && !S_ISDIR(st.st_mode))
    return vaoci_make_error(err, VAOCI_E_INVALID, ENOTDIR, "`%s`: `%s/%s` is not a directory", path, w->resolved, c);
  if (!todo_empty(w))
    return descend(w, c, path, err);
  int fd = openat(w->fds[w->depth], c, flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: open `%s/%s`", path, w->resolved, c);
  size_t len = strlen(w->resolved);
  snprintf(w->resolved + len, sizeof w->resolved - len, "/%s", c);
  return fd;
}

static int walk_open(int rootfd, const char *path, int flags, char *resolved, size_t size, vaoci_error_t *err) {
  struct walk *w = calloc(1, sizeof *w);
  char c[256];
  int fd = -1, done = 0, more;
  if (!w)
    return vaoci_make_error(err, VAOCI_E_NOMEM, ENOMEM, "`%s`: out of memory", path);
  w->fds[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  snprintf(w->todo, sizeof w->todo, "%s", path);
  while (!done && w->fds[0] >= 0 && (more = next_component(w, c, sizeof c)) != 0) {
    if (more < 0)
      fd = vaoci_make_error(err, VAOCI_E_INVALID, ENAMETOOLONG, "`%s`: name too long", path), done = 1;
    else if (strcmp(c, ".") && (fd = walk_step(w, c, path, flags, err)) != 0)
      done = 1;
  }
  if (w->fds[0] < 0)
    fd = vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: open the root", path);
  else if (!done) /* the path named a directory already open (or the root) */
    fd = openat(w->fds[w->depth], ".", flags | O_CLOEXEC);
  if (fd >= 0 && resolved)
    snprintf(resolved, size, "%s", w->resolved[0] ? w->resolved : "/");
  if (w->fds[0] >= 0)
    walk_close(w);
  free(w);
  return fd;
}

/* kernel_path gives the opened file's path inside the root from /proc. */
static void kernel_path(int rootfd, int fd, const char *path, char *resolved, size_t size) {
  char link[64], root[VAOCI_INROOT_PATH_MAX], file[VAOCI_INROOT_PATH_MAX];
  ssize_t rn, fn;
  snprintf(link, sizeof link, "/proc/self/fd/%d", rootfd);
  rn = readlink(link, root, sizeof root - 1);
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  fn = readlink(link, file, sizeof file - 1);
  if (rn > 0 && fn >= rn) {
    root[rn] = file[fn] = 0;
    size_t skip = !strcmp(root, "/") ? 0 : (size_t)rn;
    if (!strncmp(file, root, (size_t)rn) && (file[skip] == '/' || !file[skip])) {
      snprintf(resolved, size, "%s", file[skip] ? file + skip : "/");
      return;
    }
  }
  snprintf(resolved, size, "%s", path);
}

int vaoci_inroot_open(int rootfd, const char *path, int flags, char *resolved, size_t size, vaoci_error_t *err) {
  if (!vaoci_inroot_force_walk) {
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
    if (fd >= 0) {
      if (resolved)
        kernel_path(rootfd, fd, path, resolved, size);
      return fd;
    }
    if (errno != ENOSYS && errno != EPERM && errno != E2BIG)
      return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: %s", path, errno == ENOENT ? "not found" : "open");
  }
  return walk_open(rootfd, path, flags, resolved, size, err);
}

/* vaoci_inroot_mkdirs: each prefix is opened inside the root; a missing one
 * is made with mkdirat under its (already resolved) parent, never by path. */
int vaoci_inroot_mkdirs(int rootfd, const char *path, int mode, vaoci_error_t *err) {
  char prefix[VAOCI_INROOT_PATH_MAX] = "";
  const char *p = path;
  int parent = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: open the root", path);
  while (*p) {
    p += strspn(p, "/");
    size_t n = strcspn(p, "/");
    if (n == 0)
      break;
    char name[256];
    if (n >= sizeof name || strlen(prefix) + n + 2 > sizeof prefix) {
      close(parent);
      return vaoci_make_error(err, VAOCI_E_INVALID, ENAMETOOLONG, "`%s`: name too long", path);
    }
    snprintf(name, sizeof name, "%.*s", (int)n, p);
    snprintf(prefix + strlen(prefix), sizeof prefix - strlen(prefix), "/%s", name);
    p += n;
    int fd = vaoci_inroot_open(rootfd, prefix, O_RDONLY | O_DIRECTORY, NULL, 0, err);
    if (fd < 0 && err->sys_errno == ENOENT) {
      if (mkdirat(parent, name, (mode_t)mode) == 0)
        fd = vaoci_inroot_open(rootfd, prefix, O_RDONLY | O_DIRECTORY, NULL, 0, err);
      else if (errno != EEXIST) /* EEXIST: the name is there, a dangling symlink */
        fd = vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "`%s`: mkdir `%s`", path, prefix);
    }
    close(parent);
    if (fd < 0)
      return err->sys_errno == ENOENT
                 ? vaoci_make_error(err, VAOCI_E_INVALID, ENOENT, "`%s`: `%s` is a dangling symlink", path, prefix)
                 : fd;
    parent = fd;
  }
  return parent;
}
