/* binfmt_misc: which registered interpreter runs x86-64 and i386 ELF on
 * this node (cli/src/lib/policy/binfmt.ts). One file per entry:
 *
 *     enabled
 *     interpreter /usr/libexec/qemu-binfmt/x86_64-binfmt-P
 *     flags: POCF
 *     offset 0
 *     magic 7f454c4602010100000000000000000002003e00
 *     mask fffffffffffefe00fffffffffffffffffeffffff
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "detect.h"
#include "util.h"
#include "vaoci/bundle.h"
#include "vaoci/launch_conf.h"

#define VAOCI_LAUNCH_CONF "/etc/vaoci/launch.conf" /* a plain vaoci-binfmt's (native/launch/binfmt.c) */

static int hex_bytes(const char *text, uint8_t *out, unsigned max) {
  unsigned n = 0;
  for (; isxdigit((unsigned char)text[0]) && isxdigit((unsigned char)text[1]) && n < max; text += 2) {
    unsigned v;
    sscanf(text, "%2x", &v);
    out[n++] = (uint8_t)v;
  }
  return *text && !isspace((unsigned char)*text) ? -1 : (int)n;
}

int vaoci_binfmt_parse(const char *text, struct vaoci_binfmt_reg *reg) {
  char line[4200];
  memset(reg, 0, sizeof *reg);
  for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
    snprintf(line, sizeof line, "%.*s", (int)strcspn(p, "\n"), p);
    char *v = line + strcspn(line, " \t");
    v += strspn(v, " \t");
    if (p == text) {
      if (strcmp(line, "enabled") && strcmp(line, "disabled"))
        return -1;
      reg->enabled = !strcmp(line, "enabled");
    } else if (!strncmp(line, "interpreter ", 12)) {
      snprintf(reg->interpreter, sizeof reg->interpreter, "%s", v);
    } else if (!strncmp(line, "flags:", 6)) {
      snprintf(reg->flags, sizeof reg->flags, "%s", v);
    } else if (!strncmp(line, "offset ", 7)) {
      reg->offset = (unsigned)strtoul(v, NULL, 10);
    } else if (!strncmp(line, "magic ", 6)) {
      int n = hex_bytes(v, reg->magic, sizeof reg->magic);
      reg->has_magic = n > 0;
      reg->magic_len = n > 0 ? (unsigned)n : 0;
      memset(reg->mask, 0xff, sizeof reg->mask);
    } else if (!strncmp(line, "mask ", 5)) {
      if (hex_bytes(v, reg->mask, sizeof reg->mask) < 0)
        memset(reg->mask, 0xff, sizeof reg->mask);
    } else if (!strncmp(line, "extension ", 10)) {
      reg->has_magic = 0;
    }
  }
  return reg->interpreter[0] ? 0 : -1;
}

/* header builds a realistic 64-byte little-endian ELF header for matching. */
static void header(uint8_t h[64], int x86_64, int type) {
  memset(h, 0, 64);
  memcpy(h, "\177ELF", 4);
  h[4] = x86_64 ? 2 : 1, h[5] = 1, h[6] = 1;
  h[16] = (uint8_t)type, h[18] = x86_64 ? 62 : 3, h[20] = 1;
}

static int matches(const struct vaoci_binfmt_reg *reg, const uint8_t h[64]) {
  /* Written so that no sum can wrap: a registration's offset is whatever the kernel printed. */
  if (!reg->has_magic || reg->offset > 64 || reg->magic_len > 64 - reg->offset)
    return 0;
  for (unsigned i = 0; i < reg->magic_len; i++)
    if ((h[reg->offset + i] ^ reg->magic[i]) & reg->mask[i])
      return 0;
  return 1;
}

int vaoci_binfmt_handles(const struct vaoci_binfmt_reg *reg, int binfmt_arch) {
  uint8_t h[64];
  for (int type = 2; type <= 3; type++) { /* ET_EXEC, ET_DYN */
    header(h, binfmt_arch == VAOCI_BINFMT_X86_64, type);
    if (matches(reg, h))
      return 1;
  }
  return 0;
}

int vaoci_emulator_name(const char *interpreter) {
  static const char *const words[] = {"fex", "box64", "qemu", "rosetta"};
  static const int names[] = {VAOCI_BINFMT_EMULATOR_FEX, VAOCI_BINFMT_EMULATOR_BOX64, VAOCI_BINFMT_EMULATOR_QEMU,
                              VAOCI_BINFMT_EMULATOR_ROSETTA};
  const char *base = strrchr(interpreter, '/') ? strrchr(interpreter, '/') + 1 : interpreter;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < 4; i++)
      if (strcasestr(pass ? interpreter : base, words[i]))
        return names[i];
  return VAOCI_BINFMT_EMULATOR_UNKNOWN;
}

/* config_emulator: launch.conf's emulator, as vaoci-launch reads it; empty when the text is not valid. */
static void config_emulator(const char *text, size_t len, char *out, size_t size) {
  struct vaoci_launch_conf conf;
  vaoci_error_t err;
  out[0] = '\0';
  if (vaoci_launch_conf_parse(text, len, "launch.conf", &conf, &err) == 0)
    snprintf(out, size, "%s", conf.emulator);
}

/* launcher_behind: the emulator a vaoci-binfmt interpreter launches — from
 * the bundle it carries (native/include/vaoci/bundle.h), else from the
 * node's launch.conf. 1 when fd is vaoci's launcher (by bundle or by name). */
static int launcher_behind(int fd, const char *interpreter, char *out, size_t size) {
  struct vaoci_bundle_trailer t;
  struct stat st;
  char text[VAOCI_BUNDLE_CONFIG_MAX];
  out[0] = '\0';
  if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof t &&
      pread(fd, &t, sizeof t, st.st_size - (off_t)sizeof t) == (ssize_t)sizeof t && vaoci_bundle_is_trailer(&t)) {
    if (vaoci_bundle_valid(&t, (uint64_t)st.st_size) &&
        pread(fd, text, t.config_size, (off_t)t.config_offset) == (ssize_t)t.config_size) {
      config_emulator(text, t.config_size, out, size);
    }
    return 1;
  }
  const char *base = strrchr(interpreter, '/') ? strrchr(interpreter, '/') + 1 : interpreter;
  if (strcmp(base, "vaoci-binfmt"))
    return 0;
  FILE *conf = fopen(VAOCI_LAUNCH_CONF, "re");
  size_t n = conf ? fread(text, 1, sizeof text - 1, conf) : 0;
  if (conf)
    fclose(conf);
  config_emulator(text, n, out, size);
  return 1;
}

/* take records reg as the entry for one arch, with its interpreter's linkage;
 * for vaoci-binfmt, the emulator behind it (static: what vaoci-launch loads). */
static void take(struct vaoci_facts *f, int arch, const char *name, const struct vaoci_binfmt_reg *reg) {
  struct vaoci_binfmt_entry *e = &f->detected.binfmt[arch];
  vaoci_error_t err;
  char behind[4096];
  snprintf(f->binfmt[arch].name, sizeof f->binfmt[arch].name, "%s", name);
  snprintf(f->binfmt[arch].interpreter, sizeof f->binfmt[arch].interpreter, "%s", reg->interpreter);
  snprintf(f->binfmt[arch].flags, sizeof f->binfmt[arch].flags, "%s", reg->flags);
  *e = (struct vaoci_binfmt_entry){1,
                                   f->binfmt[arch].name,
                                   f->binfmt[arch].interpreter,
                                   f->binfmt[arch].flags,
                                   NULL,
                                   vaoci_emulator_name(reg->interpreter),
                                   VAOCI_LINKAGE_UNKNOWN,
                                   0};
  int fd = open(reg->interpreter, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (launcher_behind(fd, reg->interpreter, behind, sizeof behind)) {
    e->launcher = 1;
    e->emulator = behind[0] ? vaoci_emulator_name(behind) : VAOCI_BINFMT_EMULATOR_UNKNOWN;
    e->linkage = VAOCI_LINKAGE_STATIC;
  } else if (fd >= 0 && vaoci_elf_read(fd, &f->binfmt[arch].elf, &err) == 0) {
    e->linkage = f->binfmt[arch].elf.linkage;
    e->loader = f->binfmt[arch].elf.interp[0] ? f->binfmt[arch].elf.interp : NULL;
  }
  if (fd >= 0)
    close(fd);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

void vaoci_detect_binfmt(const char *dir, struct vaoci_facts *f) {
  struct dirent **names;
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int n = dfd < 0 ? -1 : scandir(dir, &names, NULL, by_name);
  cleanup_free char *status = NULL;
  if (n < 0)
    return;
  vaoci_error_t err;
  int disabled = vaoci_read_file(dfd, "status", 4096, &status, NULL, &err) == 0 && !strncmp(status, "disabled", 8);
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    cleanup_free char *text = NULL;
    struct vaoci_binfmt_reg reg;
    if (!disabled && name[0] != '.' && strcmp(name, "status") && strcmp(name, "register") &&
        vaoci_read_file(dfd, name, 65536, &text, NULL, &err) == 0 && vaoci_binfmt_parse(text, &reg) == 0 && reg.enabled)
      for (int arch = 0; arch < VAOCI_BINFMT_COUNT; arch++)
        if (!f->detected.binfmt[arch].present && vaoci_binfmt_handles(&reg, arch))
          take(f, arch, name, &reg);
    free(names[i]);
  }
  free(names);
}
