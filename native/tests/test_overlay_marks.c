/* vaoci-overlay-marks' work on real files: whiteouts, what a layer keeps,
 * opaque directories, symlinks that must never be followed (a directory
 * outside the root is checked untouched), bad records refused with nothing
 * written, one-line errors. Writing 0/0 devices and trusted.* attributes
 * needs root; without it only the refusals run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../tool/overlay_marks.h"
#include "check.h"

static char base[] = "/tmp/vaoci-overlay-marks-XXXXXX";
static char root[sizeof base + 8], outside[sizeof base + 16];
static vaoci_error_t err;

/* at joins a path below root (or below any dir) into a static buffer. */
static const char *at(const char *dir, const char *rel) {
  static char buf[4][512];
  static int i;
  char *b = buf[i++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s", dir, rel);
  return b;
}

/* apply runs the records, given as one literal with its NULs (sizeof - 1 bytes). */
#define APPLY(lit) overlay_marks_apply(root, (lit), sizeof(lit) - 1, &err)

static int is_whiteout(const char *p) {
  struct stat st;
  return lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

static int is_opaque(const char *p) {
  char v[8];
  ssize_t n = lgetxattr(p, OVERLAY_OPAQUE_XATTR, v, sizeof v);
  return n == 1 && v[0] == 'y';
}

static int has_xattr(const char *p) { return lgetxattr(p, OVERLAY_OPAQUE_XATTR, NULL, 0) >= 0; }

static void put(const char *p, const char *text) {
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ssize_t w = write(fd, text, strlen(text));
    (void)w;
    close(fd);
  }
}

static int holds(const char *p, const char *text) {
  char buf[64] = {0};
  int fd = open(p, O_RDONLY | O_NOFOLLOW);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

/* entries counts a directory's entries (the outside one must keep exactly its own). */
static int entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return n;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

static void refusals(void) {
  static const struct {
    const char *input;
    size_t len;
    const char *why;
  } bad[] = {
#define BAD(lit, why) {lit, sizeof(lit) - 1, why}
      BAD("w\0", "a whiteout of the root"),
      BAD("wa//b\0", "an empty component"),
      BAD("w/a\0", "a leading slash (an empty component)"),
      BAD("wa/\0", "a trailing slash (an empty component)"),
      BAD("w.\0", "a `.` component"),
      BAD("wa/./b\0", "a `.` component inside"),
      BAD("w..\0", "a `..` component"),
      BAD("wa/../../b\0", "`..` components"),
      BAD("o..\0", "`..` in an opaque record"),
      BAD("o/\0", "an opaque record of `/`"),
      BAD("xa\0", "an unknown kind"),
      BAD("\0", "an empty record"),
      BAD("wa", "a record with no NUL (truncated input)"),
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&err, 0, sizeof err);
    int rc = overlay_marks_apply(root, bad[i].input, bad[i].len, &err);
    CHECK(rc == -VAOCI_E_INVALID && err.status == VAOCI_E_INVALID, "%s: refused as invalid (rc %d: %s)", bad[i].why, rc,
          err.msg);
    CHECK(strncmp(err.msg, "record 1 `", 10) == 0 && !strchr(err.msg, '\n'), "%s: one line naming the record: %s",
          bad[i].why, err.msg);
  }
  char longname[300] = "w";
  memset(longname + 1, 'n', 256);
  CHECK(overlay_marks_apply(root, longname, 258, &err) == -VAOCI_E_INVALID && strstr(err.msg, "NAME_MAX"),
        "a 256-byte component refused: %s", err.msg);
  /* Checked before anything is written: a good record ahead of a bad one writes nothing. */
  CHECK(APPLY("wearly\0wa/../b\0") == -VAOCI_E_INVALID && strncmp(err.msg, "record 2 `", 10) == 0,
        "the second record is named: %s", err.msg);
  CHECK(access(at(root, "early"), F_OK) < 0, "nothing written when any record is bad");
  CHECK(APPLY("\n\x01\0") == -VAOCI_E_INVALID && !strchr(err.msg, '\n') && strstr(err.msg, "\\x0a"),
        "unknown kind: control bytes shown escaped, one line: %s", err.msg);
  CHECK(overlay_marks_apply(root, "", 0, &err) == 0, "no records: nothing to do");
}

static void marks(void) {
  mkdir(at(root, "a"), 0755);
  mkdir(at(root, "a/sub"), 0755);
  put(at(root, "a/file"), "mine");
  put(at(root, "a/sub/child"), "child");
  mkdir(at(root, "b"), 0755);
  symlink("/", at(root, "a/link"));

  int rc = APPLY("wa/gone\0wtop\0wa/file\0wa/sub\0wa/link\0wmissing/x\0wa/file/x\0wa/tab\there\nnl\0");
  CHECK(rc == 0, "whiteouts applied: %s", err.msg);
  CHECK(is_whiteout(at(root, "a/gone")), "a/gone: a 0/0 character device");
  CHECK(is_whiteout(at(root, "top")), "top: a whiteout at the root");
  CHECK(is_whiteout(at(root, "a/tab\there\nnl")), "a name with a tab and a newline");
  struct stat st;
  CHECK(lstat(at(root, "a/gone"), &st) == 0 && (st.st_mode & 07777) == 0, "a whiteout has mode 0 (%o)",
        st.st_mode & 07777);
  CHECK(holds(at(root, "a/file"), "mine") && !has_xattr(at(root, "a/file")), "a file of this layer is kept");
  CHECK(lstat(at(root, "a/sub"), &st) == 0 && S_ISDIR(st.st_mode) && is_opaque(at(root, "a/sub")),
        "a directory of this layer is kept and made opaque");
  CHECK(holds(at(root, "a/sub/child"), "child"), "its children stay");
  CHECK(lstat(at(root, "a/link"), &st) == 0 && S_ISLNK(st.st_mode), "a symlink of this layer is kept");
  CHECK(!is_opaque("/"), "the symlink's target is not made opaque");
  CHECK(access(at(root, "missing"), F_OK) < 0, "a deletion below a missing directory: nothing created");

  rc = APPLY("oa\0o\0ob/none\0oa/file\0");
  CHECK(rc == 0, "opaque records applied: %s", err.msg);
  CHECK(is_opaque(at(root, "a")), "a: opaque");
  CHECK(is_opaque(root), "an empty path: the root itself made opaque");
  CHECK(!has_xattr(at(root, "b")), "b: untouched");
  CHECK(!has_xattr(at(root, "a/file")), "an opaque record naming a file: left out");
  /* Run twice (a retried unpack): the same result, no error. */
  CHECK(APPLY("wa/gone\0oa\0") == 0 && is_whiteout(at(root, "a/gone")), "applying again is harmless: %s", err.msg);
}

static void symlinks(void) {
  put(at(outside, "keep"), "sentinel");
  mkdir(at(outside, "dir"), 0755);
  symlink(outside, at(root, "evil"));
  char up[512];
  snprintf(up, sizeof up, "../../../../../../../../..%s", outside);
  symlink(up, at(root, "up"));
  mkdir(at(root, "d"), 0755);
  symlink(outside, at(root, "d/deep"));

  int rc = APPLY("wevil/keep\0wevil/new\0wevil/dir/x\0wup/new\0wd/deep/new\0oevil\0oevil/dir\0oup\0od/deep\0wevil\0");
  CHECK(rc == 0, "marks through symlinks: left out, no error: %s", err.msg);
  CHECK(entries(outside) == 2, "outside: still only keep and dir (%d entries)", entries(outside));
  CHECK(holds(at(outside, "keep"), "sentinel"), "outside/keep: still the sentinel, not a whiteout");
  CHECK(entries(at(outside, "dir")) == 0, "outside/dir: still empty");
  CHECK(!has_xattr(outside) && !has_xattr(at(outside, "dir")), "nothing outside made opaque");
  struct stat st;
  CHECK(lstat(at(root, "evil"), &st) == 0 && S_ISLNK(st.st_mode), "the symlink itself is kept (a name of this layer)");
}

static void errors(void) {
  static char gone[] = "/tmp/vaoci-overlay-marks-gone-XXXXXX";
  int fd = mkstemp(gone);
  if (fd >= 0) {
    close(fd);
    unlink(gone);
  }
  char missing[600];
  snprintf(missing, sizeof missing, "%s/new\nline", gone);
  static const char rec[] = "wx";
  memset(&err, 0, sizeof err);
  int rc = overlay_marks_apply(missing, rec, sizeof rec, &err);
  CHECK(rc == -VAOCI_E_SYSTEM && err.sys_errno == ENOENT, "a missing root: a system failure (rc %d, errno %d)", rc,
        err.sys_errno);
  CHECK(strstr(err.msg, "layer root `") && strstr(err.msg, "\\x0aline`") && strstr(err.msg, "(errno 2)") &&
            !strchr(err.msg, '\n'),
        "one line naming the root (escaped) and the errno: %s", err.msg);
  /* A whiteout whose parent is a directory without search permission, as a
   * user other than root would meet it: the path and errno named. Root
   * passes permission checks, so drop to nobody in a child. */
  mkdir(at(root, "locked"), 0);
  pid_t pid = fork();
  if (pid == 0) {
    if (setgid(65534) < 0 || setuid(65534) < 0)
      _exit(3);
    vaoci_error_t e = {0};
    static const char r2[] = "wlocked/x";
    int r = overlay_marks_apply(root, r2, sizeof r2, &e);
    _exit(r == -VAOCI_E_SYSTEM && e.sys_errno == EACCES && strstr(e.msg, "whiteout `") &&
                  strstr(e.msg, "/locked`: openat: ")
              ? 0
              : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "EACCES on the way: one line naming the directory (child %d)",
        status);
}

int main(void) {
  if (!mkdtemp(base)) {
    perror("mkdtemp");
    return 1;
  }
  /* The base must be searchable by nobody (errors()) while the test runs. */
  chmod(base, 0755);
  snprintf(root, sizeof root, "%s/root", base);
  snprintf(outside, sizeof outside, "%s/outside", base);
  mkdir(root, 0755);
  mkdir(outside, 0755);
  refusals();
  if (geteuid() == 0) {
    marks();
    symlinks();
    errors();
  } else {
    fprintf(stderr, "test_overlay_marks: not root: whiteouts, opaque markers and symlink cases not run\n");
  }
  nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return check_summary("test_overlay_marks");
}
