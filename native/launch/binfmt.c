/* Binfmt mode: vaoci-launch registered as a binfmt_misc interpreter, under
 * the name vaoci-binfmt (a link to the same file: the kernel passes no
 * interpreter arguments, so the name is the switch). The kernel starts it as
 *   without P:  vaoci-binfmt FILE ARGS...
 *   with P:     vaoci-binfmt FILE ARGV0 ARGS...   (AT_FLAGS has AT_FLAGS_PRESERVE_ARGV0)
 *   with O/C:   the same, and AT_EXECFD is an open fd to FILE
 * and the configured emulator must see exactly what it would have seen had it
 * been registered itself: the same argv with its own path in argv[0], the
 * same AT_FLAGS, AT_EXECFD (the fd is inherited: there is no exec) and
 * AT_EXECFN. Flags C (credentials from FILE) and F (the interpreter opened at
 * registration) need nothing from us: under C a setuid FILE makes AT_SECURE 1,
 * and then nothing comes from the environment. */
#include <fcntl.h>
#include <linux/stat.h>
#include "launch.h"
#include "lsys.h"
#include "vaoci/bundle.h"

#define CONF_DEFAULT "/etc/vaoci/launch.conf"
#define BUNDLE_SELF "/proc/self/exe"
#define CONF_MAX 8192

static struct vaoci_launch_conf config;

int launch_binfmt_wanted(const char *argv0) { return argv0 && launch_streq(launch_basename(argv0), "vaoci-binfmt"); }

int launch_binfmt_argv(char **argv, int argc, const char *emulator, vaoci_error_t *err) {
  if (argc < 2)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                            "binfmt mode: expected the kernel's arguments `vaoci-binfmt FILE [ARGS...]`");
  argv[0] = (char *)emulator;
  return 0;
}

/* read_all reads len bytes at off (a short file is an error). */
static long read_all(int fd, char *buf, size_t len, uint64_t off) {
  size_t got = 0;
  while (got < len) {
    long n = launch_sys_pread(fd, buf + got, len - got, off + got);
    if (n == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(n))
      return n;
    if (n == 0)
      return -5; /* EIO: the file ended early */
    got += (size_t)n;
  }
  return (long)got;
}

/* read_config reads the whole file (at most CONF_MAX bytes). */
static long read_config(const char *path, char *buf, size_t size, vaoci_error_t *err) {
  long fd = vaoci_sys_openat(LAUNCH_AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (vaoci_sys_failed(fd))
    return vaoci_make_error(err, VAOCI_E_INVALID, (int)-fd, "open `%s`", path);
  size_t len = 0;
  long n = 0;
  while (len < size && (n = vaoci_sys_read((int)fd, buf + len, size - len)) != 0) {
    if (n == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(n))
      break;
    len += (size_t)n;
  }
  vaoci_sys_close((int)fd);
  if (vaoci_sys_failed(n))
    return vaoci_make_error(err, VAOCI_E_INVALID, (int)-n, "read `%s`", path);
  if (len == size)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "`%s`: larger than %zu bytes", path, size - 1);
  return (long)len;
}

/* read_bundle looks for the bundle's trailer at the end of our own file
 * (/proc/self/exe: the interpreter binfmt_misc pinned, in any mount
 * namespace). 0: none (no /proc, or a plain vaoci-binfmt); then o is left
 * alone. Found: the configuration's text in buf, its length returned, and
 * the emulator's place in o (the fd stays open until its segments are mapped). */
static long read_bundle(char *buf, size_t size, struct launch_opts *o, vaoci_error_t *err) {
  long fd = vaoci_sys_openat(LAUNCH_AT_FDCWD, BUNDLE_SELF, O_RDONLY | O_CLOEXEC);
  if (vaoci_sys_failed(fd))
    return 0;
  struct statx st;
  struct vaoci_bundle_trailer t;
  long r = launch_sys_statx((int)fd, "", LAUNCH_AT_EMPTY_PATH, STATX_SIZE, &st);
  if (vaoci_sys_failed(r) || st.stx_size < sizeof t ||
      read_all((int)fd, (char *)&t, sizeof t, st.stx_size - sizeof t) != (long)sizeof t ||
      !vaoci_bundle_is_trailer(&t)) {
    vaoci_sys_close((int)fd);
    return 0;
  }
  if (!vaoci_bundle_valid(&t, st.stx_size) || t.config_size >= size ||
      read_all((int)fd, buf, t.config_size, t.config_offset) != (long)t.config_size) {
    vaoci_sys_close((int)fd);
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s: a damaged vaoci bundle (its trailer or parts do not fit)",
                            BUNDLE_SELF);
  }
  o->embedded = 1;
  o->fd = (int)fd;
  o->base = t.emulator_offset;
  o->size = t.emulator_size;
  return (long)t.config_size;
}

static int apply_config(const struct vaoci_launch_conf *c, const char *name, struct launch_opts *o,
                        vaoci_error_t *err) {
  if (c->va_limit[0]) {
    if (vaoci_window_parse(c->va_limit, &o->window, err) < 0)
      return vaoci_wrap_error(err, "%s: va-limit", name);
    o->have_window = 1;
  }
  if (c->algo[0] && vaoci_algo_parse(c->algo, &o->algo, err) < 0)
    return vaoci_wrap_error(err, "%s: algo", name);
  if (c->on_error[0]) {
    if (!launch_streq(c->on_error, "fail") && !launch_streq(c->on_error, "warn"))
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s: on-error `%s`: expected fail or warn", name, c->on_error);
    o->warn = launch_streq(c->on_error, "warn");
  }
  return 0;
}

/* launch_binfmt_parse fills o from the configuration and the kernel's argv.
 * The configuration: the file VAOCI_LAUNCH_CONF names (for tests), else the
 * bundle's (then the emulator is the bundle's copy; its `emulator` path is
 * only argv[0]), else /etc/vaoci/launch.conf. VAOCI_* override it (per-workload
 * windows), unless AT_SECURE says the environment belongs to a less
 * privileged caller. */
int launch_binfmt_parse(struct launch_self *self, struct launch_opts *o, vaoci_error_t *err) {
  static char text[CONF_MAX];
  int secure = launch_auxv_get(self, AT_SECURE) != 0;
  const char *name = secure ? 0 : vaoci_env_get(self->envp, "VAOCI_LAUNCH_CONF");
  long len = 0;
  if (!name || !*name) { /* the bundle's own configuration, else the node's file */
    name = BUNDLE_SELF;
    len = read_bundle(text, sizeof text, o, err);
    if (len == 0 && !o->embedded)
      name = CONF_DEFAULT;
  }
  if (len == 0 && !o->embedded)
    len = read_config(name, text, sizeof text, err);
  if (len < 0 || vaoci_launch_conf_parse(text, (size_t)len, name, &config, err) < 0 ||
      apply_config(&config, name, o, err) < 0)
    return -VAOCI_E_INVALID;
  int have_file_window = o->have_window;
  o->have_window = 0; /* VAOCI_VA_LIMIT, when set, wins over the file */
  struct vaoci_window file_window = o->window;
  if (launch_env_apply(self->envp, secure, o, err) < 0)
    return -VAOCI_E_INVALID;
  if (!o->have_window && have_file_window) {
    o->window = file_window;
    o->have_window = 1;
  }
  if (launch_binfmt_argv(self->argv, self->argc, config.emulator, err) < 0)
    return -VAOCI_E_INVALID;
  o->path = config.emulator;
  o->argv = self->argv;
  o->argc = self->argc;
  o->execfn = (const char *)launch_auxv_get(self, AT_EXECFN);
  o->binfmt = 1;
  return 0;
}
