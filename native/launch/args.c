/* Direct mode: `vaoci-launch [--va-limit W] [--binfmt-flags F] [--] PROGRAM
 * [ARGS...]`, the VAOCI_* variables the preload reads too (a flag beats the
 * environment), PROGRAM's lookup along PATH, and reading our own envp and
 * auxv.
 *
 * --binfmt-flags F says PROGRAM is the emulator binfmt_misc runs for ARGS[0]
 * with flags F (the launch injection in front of a statically linked qemu):
 * it gets what the kernel would give it, ARGS[0] resolved along PATH as its
 * file and, with P, ARGS[0] itself kept as the guest's argv[0]. Debian's
 * qemu-user registers ARCH-binfmt-P links with flag P; started by that name
 * it reads its argv that way (and upstream qemu reads AT_FLAGS), so without
 * this the guest lost its argv[0] and took its first argument for it. */
#include "launch.h"
#include "lsys.h"

static const char usage[] =
    "usage: vaoci-launch [--va-limit W] [--binfmt-flags F] [--] PROGRAM [ARGS...]\n"
    "  Reserves everything outside the window W in this process, then loads the static\n"
    "  (or static-pie) PROGRAM into it and runs it: no exec, so the reservation stays.\n"
    "  W: x86_64, i386 or 0xLOWER-0xUPPER; default $VAOCI_VA_LIMIT; neither: no reservation.\n"
    "  --binfmt-flags F: PROGRAM is the emulator registered in binfmt_misc with flags F (of POCF)\n"
    "  for ARGS[0]; it is started as the kernel would start it (ARGS[0] found along PATH; P\n"
    "  keeps ARGS[0] as the guest's argv[0]).\n"
    "  environment: VAOCI_VA_LIMIT, VAOCI_ON_ERROR=fail|warn, VAOCI_ALGO=known|query|gaps|halving|ladder,\n"
    "               VAOCI_DEBUG=1|json|maps (one line, or the maps, on stderr before PROGRAM runs)\n"
    "  Run as vaoci-binfmt (a link to this file) it is a binfmt_misc interpreter that\n"
    "  launches the emulator named in /etc/vaoci/launch.conf.\n"
    "--version: this program, vaoci's version and the architecture, on one line\n"
    "exit status: PROGRAM's own; 125 vaoci-launch failed, 126 PROGRAM refused, 127 PROGRAM not found\n";

unsigned long launch_auxv_get(const struct launch_self *self, unsigned long type) {
  for (size_t i = 0; self && i < self->nauxv; i++)
    if (self->auxv[i].a_type == type)
      return self->auxv[i].a_un.a_val;
  return 0;
}

/* window_set parses a window, naming where it came from. */
static int window_set(struct launch_opts *o, const char *text, const char *origin, vaoci_error_t *err) {
  if (vaoci_window_parse(text, &o->window, err) < 0)
    return vaoci_wrap_error(err, "%s", origin);
  o->have_window = 1;
  return 0;
}

/* binfmt_flags_set reads the entry's flags as the kernel shows them (P, O, C, F); only P changes the start. */
static int binfmt_flags_set(struct launch_opts *o, const char *flags, vaoci_error_t *err) {
  for (const char *f = flags; *f; f++)
    if (*f != 'P' && *f != 'O' && *f != 'C' && *f != 'F')
      return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                              "--binfmt-flags `%s`: expected letters of POCF (binfmt_misc's flags)", flags);
  o->as_binfmt = 1;
  o->preserve_argv0 = 0;
  for (const char *f = flags; *f; f++)
    o->preserve_argv0 |= *f == 'P';
  return 0;
}

static int prefix_is(const char *s, const char *prefix) {
  while (*prefix && *s == *prefix)
    s++, prefix++;
  return !*prefix;
}

int launch_args_parse(struct launch_self *self, struct launch_opts *o, vaoci_error_t *err) {
  int i = 1;
  for (; i < self->argc && self->argv[i][0] == '-'; i++) {
    const char *a = self->argv[i];
    if (launch_streq(a, "--")) {
      i++;
      break;
    }
    if (launch_streq(a, "--help") || launch_streq(a, "-h")) {
      vaoci_sys_write(1, usage, launch_strlen(usage));
      return 1;
    }
    if (launch_streq(a, "--va-limit") && i + 1 < self->argc) {
      if (window_set(o, self->argv[++i], "--va-limit", err) < 0)
        return -VAOCI_E_INVALID;
    } else if (prefix_is(a, "--va-limit=")) {
      if (window_set(o, a + 11, "--va-limit", err) < 0)
        return -VAOCI_E_INVALID;
    } else if (launch_streq(a, "--binfmt-flags") && i + 1 < self->argc) {
      if (binfmt_flags_set(o, self->argv[++i], err) < 0)
        return -VAOCI_E_INVALID;
    } else if (prefix_is(a, "--binfmt-flags=")) {
      if (binfmt_flags_set(o, a + 15, err) < 0)
        return -VAOCI_E_INVALID;
    } else {
      return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                              "flag `%s`: expected --va-limit W, --binfmt-flags F, --help, --version or PROGRAM", a);
    }
  }
  if (i == self->argc)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                            "PROGRAM missing; usage: vaoci-launch [--va-limit W] PROGRAM [ARGS...]");
  if (o->as_binfmt && self->argc - i < 2)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                            "--binfmt-flags: expected the emulator and the guest program after the flags");
  o->argv = self->argv + i;
  o->argc = self->argc - i;
  return launch_env_apply(self->envp, 0, o, err);
}

/* launch_guest_argv turns [EMULATOR, GUEST, ARGS...] into what binfmt_misc
 * passes an interpreter: [EMULATOR, FILE, ARGS...], or with P [EMULATOR,
 * FILE, GUEST, ARGS...], FILE being GUEST found along PATH (into buf) as the
 * runtime's execve would have found it. The one extra slot P needs is the
 * launcher's own: --binfmt-flags sits before EMULATOR in the same array. */
int launch_guest_argv(struct launch_opts *o, char *const *envp, char *buf, size_t size, vaoci_error_t *err) {
  const char *file;
  if (launch_find_program(o->argv[1], envp, &file, buf, size, err) < 0)
    return -VAOCI_E_INVALID;
  if (o->preserve_argv0) {
    o->argv--;
    o->argc++;
    o->argv[0] = o->argv[1];
    o->argv[1] = (char *)file;
  } else {
    o->argv[1] = (char *)file;
  }
  o->execfn = file;
  o->comm = file;
  return 0;
}

int launch_env_apply(char *const *envp, int secure, struct launch_opts *o, vaoci_error_t *err) {
  const char *limit = vaoci_env_get(envp, "VAOCI_VA_LIMIT");
  if (limit && !o->have_window && !secure && window_set(o, limit, "VAOCI_VA_LIMIT", err) < 0)
    return -VAOCI_E_INVALID;
  const char *algo = vaoci_env_get(envp, "VAOCI_ALGO");
  if (algo && !secure && vaoci_algo_parse(algo, &o->algo, err) < 0)
    return vaoci_wrap_error(err, "VAOCI_ALGO");
  const char *on_error = vaoci_env_get(envp, "VAOCI_ON_ERROR");
  if (on_error && !secure) {
    if (!launch_streq(on_error, "fail") && !launch_streq(on_error, "warn"))
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "VAOCI_ON_ERROR `%s`: expected fail or warn", on_error);
    o->warn = launch_streq(on_error, "warn");
  }
  const char *debug = vaoci_env_get(envp, "VAOCI_DEBUG");
  o->debug = debug && !launch_streq(debug, "0") && *debug ? debug : 0;
  return 0;
}

/* join writes DIR/NAME into out; 0, or -1 when it does not fit. */
static int join(const char *dir, size_t dlen, const char *name, char *out, size_t size) {
  size_t nlen = launch_strlen(name);
  if (dlen == 0)
    dir = ".", dlen = 1; /* an empty PATH entry is the current directory */
  if (dlen + 1 + nlen + 1 > size)
    return -1;
  for (size_t k = 0; k < dlen; k++)
    out[k] = dir[k];
  out[dlen] = '/';
  for (size_t k = 0; k <= nlen; k++)
    out[dlen + 1 + k] = name[k];
  return 0;
}

/* launch_find_program resolves PROGRAM as execvp does: a name with a slash
 * is used as is, else the first executable file along PATH (into buf). */
int launch_find_program(const char *name, char *const *envp, const char **out, char *buf, size_t size,
                        vaoci_error_t *err) {
  size_t n = launch_strlen(name);
  *out = name;
  for (size_t k = 0; k < n; k++)
    if (name[k] == '/')
      return 0;
  *out = buf;
  const char *path = vaoci_env_get(envp, "PATH");
  if (!path)
    path = "/bin:/usr/bin"; /* glibc's default for execvp */
  for (const char *p = path;; p++) {
    const char *end = p;
    while (*end && *end != ':')
      end++;
    if (n && join(p, (size_t)(end - p), name, buf, size) == 0 && launch_sys_access(buf, LAUNCH_X_OK) == 0)
      return 0;
    if (!*end)
      break;
    p = end;
  }
  return vaoci_make_error(err, VAOCI_E_INVALID, 2 /* ENOENT */, "%s: not found in PATH", name);
}
