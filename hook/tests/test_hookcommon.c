/* What vaoci-runtime and vaoci-hook share, table-driven: in-root path
 * resolution on crafted trees (openat2 and the manual walk alike), JSON that
 * keeps integers beyond int64, the runtime's argv, binfmt_misc entries.
 * Ends with `test_hookcommon: N passed, N failed`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../native/tests/check.h"
#include "args.h"
#include "detect.h"
#include "inroot.h"
#include "util.h"
#include "vaoci/bundle.h"

static char root[256], outside[256];

static void put(const char *rel, const char *link) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  if (link) {
    symlink(link, p);
  } else {
    FILE *f = fopen(p, "w");
    fputs(rel, f);
    fclose(f);
  }
}

/* tree builds the crafted rootfs in $TMPDIR, /tmp or the working
 * directory (the arm64 VM's initramfs has no /tmp). */
static void tree(void) {
  char p[512];
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/vaoci-inroot-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) {
    snprintf(root, sizeof root, "/vaoci-inroot-XXXXXX");
    mkdtemp(root);
  }
  snprintf(outside, sizeof outside, "%s-outside", root);
  mkdir(outside, 0755);
  snprintf(p, sizeof p, "%s/secret", outside);
  FILE *f = fopen(p, "w");
  fputs("outside", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/etc", root), mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/usr", root), mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/usr/bin", root), mkdir(p, 0755);
  put("etc/passwd", NULL);
  put("usr/bin/app", NULL);
  put("secret", NULL);
  put("abs", "/etc/passwd");
  put("rel", "usr/bin/app");
  put("climb", "../../../../../../secret");
  char target[512];
  snprintf(target, sizeof target, "%s/secret", outside);
  put("host", target);
  put("bin", "usr/bin");
  put("loop1", "loop2");
  put("loop2", "loop1");
  put("dotdot", "usr/bin/../../etc/passwd");
  put("usr/bin/up", "../../../../secret");
}

struct open_case {
  const char *desc, *path, *want_resolved, *want_content; /* NULL content: must fail */
};

static void run_open_cases(int rootfd, const char *mode) {
  static const struct open_case cases[] = {
      {"plain file", "/etc/passwd", "/etc/passwd", "etc/passwd"},
      {"absolute symlink stays inside", "/abs", "/etc/passwd", "etc/passwd"},
      {"relative symlink", "rel", "/usr/bin/app", "usr/bin/app"},
      {"climbing symlink stops at the root", "/climb", "/secret", "secret"},
      {"symlink to a host path resolves inside", "/host", NULL, NULL},
      {"symlinked directory", "/bin/app", "/usr/bin/app", "usr/bin/app"},
      {".. in a symlink", "/dotdot", "/etc/passwd", "etc/passwd"},
      {".. in the path stops at the root", "/../../../secret", "/secret", "secret"},
      {"relative climb from a subdirectory", "/usr/bin/up", "/secret", "secret"},
      {"symlink loop", "/loop1", NULL, NULL},
      {"missing", "/nothing", NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct open_case *c = &cases[i];
    char resolved[4096] = "", buf[64] = "";
    vaoci_error_t err = {0};
    int fd = vaoci_inroot_open(rootfd, c->path, O_RDONLY, resolved, sizeof resolved, &err);
    if (fd >= 0) {
      ssize_t n = read(fd, buf, sizeof buf - 1);
      buf[n > 0 ? n : 0] = 0;
      close(fd);
    }
    if (!c->want_content) {
      CHECK(fd < 0, "%s: %s: `%s` opened (%s)", mode, c->desc, c->path, buf);
      CHECK(strcmp(buf, "outside"), "%s: %s: read the host file", mode, c->desc);
    } else {
      CHECK(fd >= 0 && !strcmp(buf, c->want_content), "%s: %s: got `%s` (%s)", mode, c->desc, buf, err.msg);
      CHECK(!strcmp(resolved, c->want_resolved), "%s: %s: resolved `%s`", mode, c->desc, resolved);
    }
  }
}

/* test_entrypoint: an entrypoint longer than a #! line (this test's own ELF
 * at a 405-byte path) is found whole, never truncated to another path; one
 * longer than PATH_MAX is refused in one line. */
static void test_entrypoint(int rootfd) {
  char dir[512], exe[512], arg0[5000], buf[1 << 16];
  struct vaoci_facts facts;
  snprintf(dir, sizeof dir, "%s/%0200d", root, 0), mkdir(dir, 0755);
  snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%0200d", 1), mkdir(dir, 0755);
  snprintf(exe, sizeof exe, "%s/app", dir);
  int in = open("/proc/self/exe", O_RDONLY), out = open(exe, O_WRONLY | O_CREAT, 0755);
  for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
    CHECK(write(out, buf, (size_t)n) == n, "entrypoint: copy the test's ELF");
  close(in), close(out);
  json_t *process = json_pack("{s:[s], s:s}", "args", exe + strlen(root), "cwd", "/");
  memset(&facts, 0, sizeof facts);
  vaoci_find_entrypoint(rootfd, process, &facts);
  CHECK(!facts.detected.entrypoint.error && !strcmp(facts.detected.entrypoint.path, exe + strlen(root)),
        "entrypoint: a 405-byte path is found whole (%s)", facts.entry_error);
  memset(arg0, 'x', sizeof arg0 - 1), arg0[0] = '/', arg0[sizeof arg0 - 1] = 0;
  json_array_set_new(json_object_get(process, "args"), 0, json_string(arg0));
  memset(&facts, 0, sizeof facts);
  vaoci_find_entrypoint(rootfd, process, &facts);
  CHECK(facts.detected.entrypoint.error && strstr(facts.entry_error, "longer than 4095 bytes inside the rootfs"),
        "entrypoint: a 5000-byte path is refused in one line (%s)", facts.entry_error);
  json_decref(process);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st, (void)type, (void)ftw;
  return remove(path);
}

static void test_inroot(void) {
  tree();
  int rootfd = open(root, O_PATH | O_DIRECTORY);
  run_open_cases(rootfd, "openat2");
  vaoci_inroot_force_walk = 1;
  run_open_cases(rootfd, "walk");
  vaoci_error_t err = {0};
  int d = vaoci_inroot_mkdirs(rootfd, "/bin/new/dir", 0755, &err);
  char p[512];
  snprintf(p, sizeof p, "%s/usr/bin/new/dir", root);
  struct stat st;
  CHECK(d >= 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode), "walk: mkdirs through a symlinked dir: %s", err.msg);
  if (d >= 0)
    close(d);
  vaoci_inroot_force_walk = 0;
  d = vaoci_inroot_mkdirs(rootfd, "/host/x", 0755, &err);
  CHECK(d < 0, "mkdirs under a symlink to a host file fails");
  test_entrypoint(rootfd);
  close(rootfd);
  CHECK(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 && nftw(outside, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0,
        "cleanup");
}

static void test_json(void) {
  static const char *const docs[] = {
      "{\n  \"a\": 18446744073709551615,\n  \"b\": [\n    -9223372036854775809,\n    1\n  ],\n  \"s\": \"18446744073709551615\"\n}",
      "{\n  \"plain\": 1,\n  \"x\": \"\\u0000vaoci-int-0000000000000000:5\"\n}",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    vaoci_error_t err = {0};
    json_t *doc = vaoci_json_load(docs[i], strlen(docs[i]), &err);
    size_t len;
    char *out = doc ? vaoci_json_dump(doc, &len) : NULL;
    CHECK(out && !strcmp(out, docs[i]), "json round trip %zu: got %s (%s)", i, out ? out : "-", err.msg);
    free(out);
    json_decref(doc);
  }
}

struct args_case {
  const char *desc;
  const char *argv[16];
  const char *command, *bundle, *id, *log;
  int modifies;
};

static void test_args(void) {
  static const struct args_case cases[] = {
      {"containerd's shim",
       {"runc", "--root", "/run/r", "--log", "/l.json", "--log-format", "json", "create", "--bundle", "/b",
        "--pid-file", "/p", NULL},
       "create",
       "/b",
       NULL,
       "/l.json",
       1},
      {"id after options",
       {"runc", "create", "-b", "/b", "--console-socket", "/s", "ctr1", NULL},
       "create",
       "/b",
       "ctr1",
       NULL,
       1},
      {"--bundle=", {"crun", "--log=/l", "run", "--bundle=/b", "-d", "id2", NULL}, "run", "/b", "id2", "/l", 1},
      {"a container called create", {"runc", "start", "create", NULL}, "start", NULL, "create", NULL, 0},
      {"a bundle called create", {"runc", "delete", "--force", "x", NULL}, "delete", NULL, "x", NULL, 0},
      {"no command", {"runc", "--version", NULL}, NULL, NULL, NULL, NULL, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct args_case *c = &cases[i];
    struct vaoci_runtime_args a;
    int argc = 0;
    while (c->argv[argc])
      argc++;
    vaoci_runtime_args_parse(argc, (char **)c->argv, &a);
#define SAME(x, y) ((x) == (y) || ((x) && (y) && !strcmp((x), (y))))
    CHECK(SAME(a.command, c->command) && SAME(a.bundle, c->bundle) && SAME(a.id, c->id) && SAME(a.log, c->log) &&
              vaoci_runtime_args_modifies(&a) == c->modifies,
          "args: %s: command %s bundle %s id %s log %s", c->desc, a.command, a.bundle, a.id, a.log);
  }
  /* --version is the wrapper's only before a command: after one it is that command's (runc exec ... --version). */
  struct vaoci_runtime_args a;
  const char *version[] = {"runc", "--root", "/r", "--version", NULL},
             *exec[] = {"runc", "exec", "id", "--version", NULL};
  vaoci_runtime_args_parse(4, (char **)version, &a);
  CHECK(a.version == 1 && !a.command, "args: --version before any command is the wrapper's");
  vaoci_runtime_args_parse(4, (char **)exec, &a);
  CHECK(a.version == 0 && a.command && !strcmp(a.command, "exec"), "args: --version after a command is the command's");
}

/* count_lines counts the whole lines of a file ("... line N\n"); -1 when a
 * line is cut or mixed with another. 0 for a missing file. */
static long count_lines(const char *path, long long *size) {
  FILE *f = fopen(path, "r");
  char buf[256];
  long n = 0;
  *size = 0;
  if (!f)
    return 0;
  while (fgets(buf, sizeof buf, f)) {
    size_t len = strlen(buf);
    *size += (long long)len;
    if (len < 2 || buf[len - 1] != '\n' || strncmp(buf, "writer ", 7))
      n = -1;
    else if (n >= 0)
      n++;
  }
  fclose(f);
  return n;
}

/* test_log_rotate: 8 writers at once append lines and rotate at 4 KiB, as
 * containers starting in parallel do: every line stays whole, the log stays
 * near its limit, LOG.1 holds the previous generation, and nothing is left
 * over but the two files. */
static void test_log_rotate(void) {
  char dir[] = "/tmp/vaoci-logrot-XXXXXX", path[64], old[72];
  enum { WRITERS = 8, LINES = 400, MAX = 4096 };
  CHECK(mkdtemp(dir) != NULL, "log rotate: mkdtemp");
  snprintf(path, sizeof path, "%s/vaoci.log", dir);
  snprintf(old, sizeof old, "%s.1", path);
  for (int w = 0; w < WRITERS; w++) {
    if (fork() != 0)
      continue;
    for (int i = 0; i < LINES; i++) {
      char line[80];
      int n = snprintf(line, sizeof line, "writer %d line %d of a log that grows and grows\n", w, i);
      int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
      if (fd < 0 || write(fd, line, (size_t)n) != n)
        _exit(1);
      vaoci_log_rotate(fd, path, MAX);
      close(fd);
    }
    _exit(0);
  }
  int ok = 1, status;
  while (wait(&status) > 0)
    ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
  long long size, size1;
  long lines = count_lines(path, &size), lines1 = count_lines(old, &size1);
  CHECK(ok, "log rotate: every writer wrote every line");
  CHECK(lines >= 0 && lines1 > 0, "log rotate: rotated, and every line in LOG and LOG.1 is whole (%ld, %ld)", lines,
        lines1);
  /* Bounded: past twice the limit a writer waits for the lock, so a writer descheduled while it
   * holds it can no longer let the others append without bound (before, a loaded 2-core CI run
   * measured LOG.1 at 97 KiB of the 160 KiB written). Each writer adds at most one line after the
   * file crosses twice the limit, and one more to a file renamed under its open descriptor. */
  enum { LINE_MAX_BYTES = 80 };
  long long bound = 2LL * MAX + 2LL * WRITERS * LINE_MAX_BYTES;
  CHECK(size <= bound && size1 <= bound, "log rotate: LOG %lld and LOG.1 %lld bytes stay under %lld", size, size1,
        bound);
  /* LOG itself may be gone: the very last line can carry it over the limit, and its writer
   * renames it to LOG.1 with no line after to create a new one (a CI run on 7929242 ended so). */
  DIR *d = opendir(dir);
  int others = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    others += e->d_name[0] != '.' && strcmp(e->d_name, "vaoci.log") && strcmp(e->d_name, "vaoci.log.1");
  if (d)
    closedir(d);
  CHECK(d && others == 0, "log rotate: nothing but LOG and LOG.1 is left (%d other files)", others);
  unlink(path), unlink(old);
  /* 0 (or below) never rotates. */
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  CHECK(fd >= 0 && write(fd, "writer 0 line 0\n", 16) == 16, "log rotate: write");
  vaoci_log_rotate(fd, path, 0);
  close(fd);
  CHECK(access(path, F_OK) == 0 && access(old, F_OK) != 0, "log rotate: a limit of 0 never rotates");
  unlink(path), rmdir(dir);
}

static void test_binfmt(void) {
  static const char qemu[] =
      "enabled\ninterpreter /usr/libexec/qemu-binfmt/x86_64-binfmt-P\nflags: POCF\noffset 0\n"
      "magic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n";
  static const char i386[] =
      "enabled\ninterpreter /usr/bin/FEXInterpreter\nflags: POCF\noffset 0\n"
      "magic 7f454c4601010100000000000000000002000300\nmask fffffffffffefe00fffffffffffffffffeffffff\n";
  struct vaoci_binfmt_reg r;
  CHECK(vaoci_binfmt_parse(qemu, &r) == 0 && r.enabled && !strcmp(r.flags, "POCF"), "binfmt: parse qemu");
  CHECK(vaoci_binfmt_handles(&r, VAOCI_BINFMT_X86_64) && !vaoci_binfmt_handles(&r, VAOCI_BINFMT_I386),
        "binfmt: qemu runs x86_64 only");
  CHECK(vaoci_emulator_name(r.interpreter) == VAOCI_BINFMT_EMULATOR_QEMU, "binfmt: named qemu");
  CHECK(vaoci_binfmt_parse(i386, &r) == 0 && vaoci_binfmt_handles(&r, VAOCI_BINFMT_I386) &&
            vaoci_emulator_name(r.interpreter) == VAOCI_BINFMT_EMULATOR_FEX,
        "binfmt: FEX for i386");
  CHECK(vaoci_binfmt_parse("register\n", &r) < 0, "binfmt: not a registration");
  /* The fuzzer's find (test/fuzz/regressions/binfmt/): an offset near UINT_MAX wrapped offset + length. */
  CHECK(vaoci_binfmt_parse("enabled\ninterpreter /q\noffset 4294967295\nmagic 7f454c46\n", &r) == 0 &&
            !vaoci_binfmt_handles(&r, VAOCI_BINFMT_X86_64),
        "binfmt: an offset past the header matches nothing");
}

/* A bundle (native/include/vaoci/bundle.h) in front of qemu, and a
 * vaoci-binfmt known only by name: launcher entries; the emulator behind is
 * the bundle's, else unknown (no /etc/vaoci/launch.conf here). */
static void test_binfmt_launcher(void) {
  char dir[] = "/tmp/vaoci-binfmt-XXXXXX", p[512], reg[1024];
  if (!mkdtemp(dir))
    return;
  static const char conf[] = "# test\nemulator = /usr/bin/qemu-x86_64-static\nva-limit = x86_64\n";
  struct vaoci_bundle_trailer t = {VAOCI_BUNDLE_ALIGN, 4,   VAOCI_BUNDLE_ALIGN + 4,
                                   sizeof conf - 1,    {0}, VAOCI_BUNDLE_MAGIC};
  snprintf(p, sizeof p, "%s/vaoci-binfmt", dir);
  FILE *f = fopen(p, "w");
  fseek(f, VAOCI_BUNDLE_ALIGN, SEEK_SET);
  fwrite("\177ELF", 1, 4, f);
  fwrite(conf, 1, sizeof conf - 1, f);
  fwrite(&t, 1, sizeof t, f);
  fclose(f);
  static const char *const magic =
      "magic 7f454c4602010100000000000000000002003e00\nmask fffffffffffefe00fffffffffffffffffeffffff\n";
  snprintf(reg, sizeof reg, "enabled\ninterpreter %s\nflags: POCF\noffset 0\n%s", p, magic);
  snprintf(p, sizeof p, "%s/vaoci-qemu-x86_64", dir);
  f = fopen(p, "w"), fputs(reg, f), fclose(f);
  struct vaoci_facts facts;
  memset(&facts, 0, sizeof facts);
  vaoci_detect_binfmt(dir, &facts);
  const struct vaoci_binfmt_entry *e = &facts.detected.binfmt[VAOCI_BINFMT_X86_64];
  CHECK(e->present && e->launcher && e->emulator == VAOCI_BINFMT_EMULATOR_QEMU && e->linkage == VAOCI_LINKAGE_STATIC,
        "binfmt: a bundle in front of qemu is a launcher entry named qemu, static");
  snprintf(reg, sizeof reg, "enabled\ninterpreter /nonexistent/x/vaoci-binfmt\nflags: F\noffset 0\n%s", magic);
  snprintf(p, sizeof p, "%s/vaoci-qemu-x86_64", dir);
  f = fopen(p, "w"), fputs(reg, f), fclose(f);
  memset(&facts, 0, sizeof facts);
  vaoci_detect_binfmt(dir, &facts);
  CHECK(e->present && e->launcher && e->emulator == VAOCI_BINFMT_EMULATOR_UNKNOWN,
        "binfmt: vaoci-binfmt by name, unreadable: a launcher entry, its emulator unknown");
  CHECK(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "binfmt: cleanup");
}

int main(void) { /* argv[1] (the vectors dir the arm64 suite passes) is not needed */
  test_inroot();
  test_json();
  test_args();
  test_binfmt();
  test_binfmt_launcher();
  test_log_rotate();
  return check_summary("test_hookcommon");
}
