/* The entrypoint's ELF inside the rootfs (cli/src/lib/policy/rootfs.ts
 * findEntrypoint, with the same messages): args[0] looked up through the
 * process's PATH like execvp, then through #! interpreters, every path
 * resolved inside the rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "detect.h"
#include "inroot.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SHEBANG_DEPTH 4
#define SHEBANG_MAX 256

/* why writes the message a failed in-root open gives for path p. */
static void why(char *msg, size_t size, const char *p, const vaoci_error_t *err) {
  if (err->sys_errno == ENOENT)
    snprintf(msg, size, "%s: not found in the rootfs", p);
  else if (err->sys_errno == ELOOP)
    snprintf(msg, size, "%s: too many levels of symbolic links", p);
  else if (err->sys_errno == ENOTDIR)
    snprintf(msg, size, "%s: a component is not a directory", p);
  else if (err->sys_errno == ENAMETOOLONG)
    snprintf(msg, size, "%.64s…: longer than %d bytes inside the rootfs", p, VAOCI_INROOT_PATH_MAX - 1);
  else
    snprintf(msg, size, "%s: cannot read (errno %d)", p, err->sys_errno);
}

/* resolve opens p (relative to cwd) inside the root: fd and its in-root path, or msg. */
static int resolve(int rootfd, const char *p, const char *cwd, int flags, char *out, size_t size, char *msg,
                   size_t msize) {
  char full[VAOCI_INROOT_PATH_MAX];
  vaoci_error_t err = {.sys_errno = ENAMETOOLONG};
  int n = snprintf(full, sizeof full, "%s%s%s", p[0] == '/' ? "" : cwd, p[0] == '/' ? "" : "/", p);
  int fd = (size_t)n < sizeof full ? vaoci_inroot_open(rootfd, full, flags, out, size, &err)
                                   : -1; /* never a truncated path */
  if (fd < 0)
    why(msg, msize, p, &err);
  return fd;
}

/* lookup finds name like execvp: with a '/' directly, else the first
 * executable regular file along PATH. Returns an fd opened for reading. */
static int lookup(int rootfd, const char *name, const char *path_var, const char *cwd, char *out, size_t size,
                  char *msg, size_t msize) {
  if (!name[0])
    return snprintf(msg, msize, "#! names no interpreter"), -1;
  if (strchr(name, '/'))
    return resolve(rootfd, name, cwd, O_RDONLY | O_NONBLOCK, out, size, msg, msize);
  for (const char *d = path_var;; d += strcspn(d, ":") + 1) {
    char cand[VAOCI_INROOT_PATH_MAX];
    size_t n = strcspn(d, ":");
    int len = snprintf(cand, sizeof cand, "%.*s/%s", n ? (int)n : 1, n ? d : ".", name);
    int fd = (size_t)len < sizeof cand ? resolve(rootfd, cand, cwd, O_RDONLY | O_NONBLOCK, out, size, msg, msize) : -1;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
      return fd;
    if (fd >= 0)
      close(fd);
    if (!d[n])
      break;
  }
  snprintf(msg, msize, "%s: not found in the rootfs's PATH (%s)", name, path_var);
  return -1;
}

/* shebang_name picks the interpreter of a "#!" line (the NAME of "#!/usr/bin/env NAME"). */
static void shebang_name(const char *head, char *name, size_t size) {
  char line[SHEBANG_MAX + 1], *words[16], *save = NULL;
  int n = 0;
  snprintf(line, sizeof line, "%.*s", (int)strcspn(head + 2, "\n"), head + 2);
  for (char *w = strtok_r(line, " \t\r\v\f", &save); w && n < 16; w = strtok_r(NULL, " \t\r\v\f", &save))
    words[n++] = w;
  const char *pick = n ? words[0] : "";
  const char *base = strrchr(pick, '/') ? strrchr(pick, '/') + 1 : pick;
  if (n > 1 && !strcmp(base, "env")) {
    pick = "";
    for (int i = 1; i < n && !pick[0]; i++)
      if (words[i][0] != '-')
        pick = words[i];
  }
  snprintf(name, size, "%s", pick);
}

static const char *env_path(const json_t *process) {
  const json_t *e;
  size_t i;
  json_array_foreach(json_object_get(process, "env"), i, e) {
    const char *s = json_string_value(e);
    if (s && !strncmp(s, "PATH=", 5))
      return s + 5;
  }
  return DEFAULT_PATH;
}

/* examine reads one candidate: 1 with the ELF facts, 0 with the next #! name, -1 with msg. */
static int examine(int fd, const char *in_root, struct vaoci_elf *elf, char *next, size_t nsize, char *msg,
                   size_t msize) {
  struct stat st;
  char head[SHEBANG_MAX + 1] = "";
  vaoci_error_t err = {0};
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return snprintf(msg, msize, "%s: not a regular file", in_root), -1;
  ssize_t n = pread(fd, head, SHEBANG_MAX, 0);
  if (n >= 2 && head[0] == '#' && head[1] == '!') {
    head[n] = 0;
    shebang_name(head, next, nsize);
    return 0;
  }
  if (vaoci_elf_read(fd, elf, &err) < 0)
    return snprintf(msg, msize, "%s: %s", in_root, err.msg), -1;
  return 1;
}

void vaoci_find_entrypoint(int rootfd, const json_t *process, struct vaoci_facts *facts) {
  struct vaoci_entrypoint *ep = &facts->detected.entrypoint;
  const char *arg0 = json_string_value(json_array_get(json_object_get(process, "args"), 0));
  const char *cwd = json_string_value(json_object_get(process, "cwd")), *path_var = env_path(process);
  char name[VAOCI_INROOT_PATH_MAX], *msg = facts->entry_error, *at = facts->entry_path;
  size_t msize = sizeof facts->entry_error, size = sizeof facts->entry_path;
  struct vaoci_elf elf;
  ep->present = 1;
  ep->error = msg;
  if (!arg0 || !arg0[0]) {
    snprintf(msg, msize, "process.args is empty");
    return;
  }
  if ((size_t)snprintf(name, sizeof name, "%s", arg0) >= sizeof name) {
    why(msg, msize, arg0, &(vaoci_error_t){.sys_errno = ENAMETOOLONG});
    return;
  }
  for (int depth = 0;; depth++) {
    int fd = lookup(rootfd, name, path_var, depth ? "/" : (cwd ? cwd : "/"), at, size, msg, msize);
    if (fd < 0)
      return;
    int r = examine(fd, at, &elf, name, sizeof name, msg, msize);
    close(fd);
    if (r < 0)
      return;
    if (r > 0) {
      ep->error = NULL, ep->path = at, ep->arch = elf.arch, ep->linkage = elf.linkage;
      return;
    }
    if (depth == SHEBANG_DEPTH) {
      snprintf(msg, msize, "%s: more than %d nested #! interpreters", at, SHEBANG_DEPTH);
      return;
    }
    if (!name[0]) {
      snprintf(msg, msize, "%s: #! names no interpreter", at);
      return;
    }
  }
}
