/* vaoci-launch's sequence: every check that can refuse PROGRAM first, with
 * nothing reserved (a static program's fixed segments are mapped then: they
 * lie inside the window, and meeting a mapping is a refusal); then reserve,
 * place a static-pie, build the stack, hand over, jump. Only this file
 * prints and chooses exit codes. */
#include "launch.h"
#include "lsys.h"
#include "vaoci/maps.h"
#include "vaoci/probe.h"
#include "vaoci/version.h"

#define ADDR_NO_RANDOMIZE_ 0x0040000
#define BRK_RANDOM_MAX (32ull << 20) /* the kernel's brk randomization range for 32-bit processes */

/* Every run writes these: VAOCI_HOT keeps them in the pages the
 * self-relocation and the kernel write anyway (src/hot.h). */
static struct launch_opts opts VAOCI_HOT;
static struct launch_image img VAOCI_HOT;
static struct launch_stack_in st_in VAOCI_HOT;
static struct launch_stack_out st_out VAOCI_HOT;
static struct vaoci_reservation res VAOCI_HOT_BSS; /* 64 KiB: only its stats and first regions are written */

static void say(const char *line) {
  uint64_t n = launch_strlen(line);
  while (n) {
    long w = vaoci_sys_write(2, line, n);
    if (w == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(w) || w == 0)
      return;
    line += w;
    n -= (uint64_t)w;
  }
}

/* fail prints the one line and gives the exit code. */
static int fail(int code, const vaoci_error_t *err) {
  char line[VAOCI_ERROR_MSG_MAX + 32];
  vaoci_formatf(line, sizeof line, "vaoci-launch: %s\n", err->msg);
  say(line);
  return code;
}

/* configure fills opts from the command line or the binfmt configuration;
 * 1 means done (--help). *code is the exit status should it fail. */
/* version_wanted: `--version` alone. As vaoci-binfmt the kernel puts the
 * program's path in argv[1]; a program named `--version` run through
 * binfmt_misc is told apart by AT_EXECFN, which then names that program
 * too, while an operator's `vaoci-binfmt --version` has our own path there. */
static int version_wanted(const struct launch_self *self, int binfmt) {
  if (self->argc != 2 || !launch_streq(self->argv[1], "--version"))
    return 0;
  const char *execfn = (const char *)launch_auxv_get(self, AT_EXECFN);
  return !binfmt || !execfn || !launch_streq(execfn, self->argv[1]);
}

static int configure(struct launch_self *self, vaoci_error_t *err, int *code) {
  *code = LAUNCH_EXIT_FAILED;
  opts.algo = VAOCI_ALGO_DEFAULT;
  int binfmt = launch_binfmt_wanted(self->argv[0]);
  if (version_wanted(self, binfmt)) {
    const char *line = binfmt ? VAOCI_VERSION_LINE("vaoci-binfmt") : VAOCI_VERSION_LINE("vaoci-launch");
    vaoci_sys_write(1, line, launch_strlen(line));
    return 1;
  }
  if (binfmt)
    return launch_binfmt_parse(self, &opts, err);
  int r = launch_args_parse(self, &opts, err);
  if (r != 0)
    return r;
  static char found[LAUNCH_PATH_MAX], guest[LAUNCH_PATH_MAX];
  *code = LAUNCH_EXIT_NOT_FOUND;
  r = launch_find_program(opts.argv[0], self->envp, &opts.path, found, sizeof found, err);
  opts.execfn = opts.path;
  opts.comm = opts.path;
  if (r == 0 && opts.as_binfmt)
    r = launch_guest_argv(&opts, self->envp, guest, sizeof guest, err);
  return r;
}

/* randomness fills AT_RANDOM's bytes and the layout's: the static-pie's
 * place, the stack pointer's drop, the brk gap, the stack's place. Fresh from
 * getrandom, or the launcher's own AT_RANDOM if the pool has nothing yet;
 * zero under setarch -R (ADDR_NO_RANDOMIZE), like the kernel's layout. */
static void randomness(const struct launch_self *self, uint64_t rnd[4]) {
  unsigned char buf[48];
  if (launch_sys_getrandom(buf, sizeof buf, 1 /* GRND_NONBLOCK */) != (long)sizeof buf) {
    const unsigned char *own = (const unsigned char *)launch_auxv_get(self, AT_RANDOM);
    for (unsigned i = 0; i < sizeof buf; i++)
      buf[i] = own ? own[i % 16] ^ (unsigned char)(i * 131) : (unsigned char)i;
  }
  for (unsigned i = 0; i < 16; i++)
    st_in.random[i] = buf[i];
  int fixed = (launch_sys_personality(0xffffffff) & ADDR_NO_RANDOMIZE_) != 0;
  for (unsigned k = 0; k < 4; k++) {
    rnd[k] = 0;
    for (unsigned i = 0; i < 8 && !fixed; i++)
      rnd[k] = rnd[k] << 8 | buf[16 + 8 * k + i];
  }
}

/* stack_top_hint puts the stack at the top of the window, dropped by a
 * random amount (up to 1/64 of the window, at most 16 GiB, as the kernel
 * randomizes its stack top); 0 lets the kernel choose. */
static uint64_t stack_top_hint(const struct vaoci_window *w, uint64_t floor, uint64_t rnd) {
  if (!w || vaoci_window_wraps(w))
    return 0;
  uint64_t low = w->lower > floor ? w->lower : floor, drop = (w->upper - low) / 64;
  if (drop > (16ull << 30))
    drop = 16ull << 30;
  return w->upper - launch_page_down(drop ? rnd % drop : 0, img.page);
}

static void json_string(char *out, size_t size, const char *s) {
  size_t n = 0;
  for (; *s && n + 8 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      out[n++] = '\\', out[n++] = (char)c;
    else if (c < 0x20)
      n += (size_t)vaoci_formatf(out + n, size - n, "\\u%c%c%c%c", '0', '0', "0123456789abcdef"[c >> 4],
                                 "0123456789abcdef"[c & 15]);
    else
      out[n++] = (char)c;
  }
  out[n] = '\0';
}

/* report prints VAOCI_DEBUG's line (1, json) or the maps as they stand. */
static void report(int reserved, int mm) {
  if (launch_streq(opts.debug, "maps")) {
    char buf[4096];
    vaoci_error_t e;
    int fd = vaoci_maps_open(0, &e);
    long n;
    while (fd >= 0 && (n = vaoci_sys_read(fd, buf, sizeof buf)) > 0)
      vaoci_sys_write(2, buf, (uint64_t)n);
    if (fd >= 0)
      vaoci_sys_close(fd);
    return;
  }
  char window[VAOCI_WINDOW_TEXT_MAX] = "none", path[512], line[1024];
  const struct vaoci_reserve_stats *s = &res.stats;
  if (opts.have_window)
    vaoci_window_format(&opts.window, window, sizeof window);
  if (launch_streq(opts.debug, "json")) {
    json_string(path, sizeof path, opts.path);
    vaoci_formatf(line, sizeof line,
                  "{\"vaoci\":\"launch\",\"window\":\"%s\",\"reserved\":%s,\"algorithm\":\"%s\",\"nanoseconds\":%lu,"
                  "\"syscalls\":%lu,\"bytes\":%lu,\"regions\":%lu,\"program\":\"%s\",\"base\":\"0x%lx\","
                  "\"entry\":\"0x%lx\",\"stack\":\"0x%lx\",\"brk\":\"0x%lx\",\"mm_map\":%s}\n",
                  window, reserved ? "true" : "false", vaoci_algo_name(s->algo_used), (unsigned long)s->nanoseconds,
                  (unsigned long)s->syscalls, (unsigned long)s->bytes, (unsigned long)s->regions, path,
                  (unsigned long)(img.bias + img.lo), (unsigned long)(img.bias + img.eh.e_entry),
                  (unsigned long)st_out.sp, (unsigned long)img.brk, mm ? "true" : "false");
  } else {
    vaoci_formatf(line, sizeof line,
                  "vaoci-launch: reserved %lu GiB in %lu regions outside %s (%s, %lu us); %s at 0x%lx, "
                  "stack 0x%lx, PR_SET_MM_MAP %s\n",
                  (unsigned long)(s->bytes >> 30), (unsigned long)s->regions, window, vaoci_algo_name(s->algo_used),
                  (unsigned long)(s->nanoseconds / 1000), opts.path, (unsigned long)(img.bias + img.lo),
                  (unsigned long)st_out.sp, mm ? "ok" : "refused");
  }
  say(line);
}

/* reserve reserves the window's complement; under VAOCI_ON_ERROR=warn a
 * failure is reported and the program runs unprotected. 1 reserved, 0 not. */
static int reserve(vaoci_error_t *err) {
  if (!opts.have_window)
    return 0;
  res.untimed = !opts.debug; /* only VAOCI_DEBUG's line says how long it took */
  if (vaoci_reserve(&opts.window, opts.algo, &res, err) == 0)
    return 1;
  if (!opts.warn)
    return -1;
  char line[VAOCI_ERROR_MSG_MAX + 32];
  vaoci_formatf(line, sizeof line, "vaoci-launch: warning: %s\n", err->msg);
  say(line);
  return 0;
}

/* load places and maps a static-pie (a static program is mapped already),
 * then builds the stack. */
static int load(const struct launch_self *self, int reserved, uint64_t floor, const uint64_t rnd[4],
                vaoci_error_t *err) {
  const struct vaoci_window *w = reserved ? &opts.window : 0;
  int r = img.pie ? launch_place_pie(&img, w, floor, rnd[0], err) : 0;
  if (r == 0 && img.pie)
    r = launch_map_segments(&img, launch_auxv_get(self, AT_HWCAP2), err);
  if (r < 0)
    return r;
  st_in.argv = opts.argv;
  st_in.envp = self->envp;
  launch_stack_measure(&st_in);
  st_in.execfn = opts.execfn ? opts.execfn : opts.path;
  st_in.auxv = self->auxv;
  st_in.nauxv = self->nauxv;
  st_in.sp_offset = rnd[1] % 8192; /* the kernel's arch_align_stack drop */
  st_in.phdr = img.bias + img.phdr_vaddr;
  st_in.phnum = img.eh.e_phnum;
  st_in.entry = img.bias + img.eh.e_entry;
  st_in.binfmt = opts.binfmt;
  st_in.at_flags = opts.preserve_argv0 ? 1 /* AT_FLAGS_PRESERVE_ARGV0 */ : 0;
  char *top;
  r = launch_stack_map(&st_in, img.exec_stack, img.page, stack_top_hint(w, floor, rnd[3]), &top, err);
  if (r == 0 && w && !vaoci_window_contains(w, (uint64_t)(uintptr_t)top - 1, (uint64_t)(uintptr_t)top))
    r = vaoci_make_error(err, VAOCI_E_OUTSIDE, 0, "the stack landed outside the window at 0x%lx",
                         (unsigned long)(uintptr_t)top);
  return r < 0 ? r : launch_stack_build(top, &st_in, &st_out, err);
}

int launch_main(struct launch_self *self) {
  vaoci_error_t err;
  int code, r = configure(self, &err, &code);
  if (r != 0)
    return r > 0 ? 0 : fail(code, &err);
  img.page = vaoci_probe_page_size();
  if ((opts.embedded ? launch_elf_open_embedded(opts.fd, opts.base, opts.size, opts.path, &img, &err)
                     : launch_elf_open(opts.path, &img, &err)) < 0)
    return fail(err.sys_errno == 2 || err.sys_errno == 20 ? LAUNCH_EXIT_NOT_FOUND : LAUNCH_EXIT_CANNOT_RUN, &err);
  /* Not vm.mmap_min_addr (a /proc read): the kernel refuses a segment below
   * it, and a static-pie's hint lies far above it. */
  uint64_t floor = img.page;
  if (launch_elf_fits(&img, opts.have_window ? &opts.window : 0, floor, &err) < 0 ||
      (!img.pie && launch_map_segments(&img, launch_auxv_get(self, AT_HWCAP2), &err) < 0))
    return fail(err.status == VAOCI_E_UNSUPPORTED ? LAUNCH_EXIT_CANNOT_RUN : LAUNCH_EXIT_FAILED, &err);
  int reserved = reserve(&err);
  if (reserved < 0)
    return fail(LAUNCH_EXIT_FAILED, &err);
  uint64_t rnd[4];
  randomness(self, rnd);
  if (load(self, reserved, floor, rnd, &err) < 0)
    return fail(LAUNCH_EXIT_FAILED, &err);
  if (!opts.binfmt) /* under binfmt_misc the kernel already named us after FILE */
    launch_set_comm(opts.comm ? opts.comm : opts.path);
  uint64_t brk = img.brk + launch_page_down(rnd[2] % BRK_RANDOM_MAX, img.page);
  if (reserved && !vaoci_window_contains(&opts.window, brk, brk + img.page))
    brk = img.brk;
  int mm = launch_set_mm(&img, &st_out, brk) == 0;
  if (mm)
    img.brk = brk;
  if (reserved && launch_reserve_old_stack(&res, self->strings, &err) < 0)
    return fail(LAUNCH_EXIT_FAILED, &err);
  if (opts.debug)
    report(reserved, mm);
  launch_jump(st_in.entry, st_out.sp);
}
