/* The facts `auto` reads, found on the node (cli/src/lib/policy/detect.ts,
 * elf.ts, rootfs.ts, binfmt.ts in C): the entrypoint's ELF inside the
 * rootfs, and the binfmt_misc entries that run x86-64 and i386 ELF. The
 * strings of struct vaoci_detected point into struct vaoci_facts. */
#ifndef VAOCI_HOOK_DETECT_H
#define VAOCI_HOOK_DETECT_H

#include <jansson.h>
#include <stdint.h>
#include "policy.h"

#define VAOCI_INTERP_MAX 4096

/* vaoci_elf is what vaoci needs from an ELF header. */
struct vaoci_elf {
  int arch; /* enum vaoci_policy_entry_arch */
  int linkage; /* VAOCI_LINKAGE_STATIC or _DYNAMIC */
  char interp[VAOCI_INTERP_MAX];
};

/* vaoci_elf_read reads the ELF header and program headers of fd; on
 * failure why (not an ELF file, another machine) goes to err. */
int vaoci_elf_read(int fd, struct vaoci_elf *out, vaoci_error_t *err);

/* vaoci_facts owns the strings the detected facts point to. */
struct vaoci_facts {
  struct vaoci_detected detected;
  char entry_path[4096], entry_error[512];
  struct {
    char name[256], interpreter[4096], flags[16];
    struct vaoci_elf elf;
  } binfmt[VAOCI_BINFMT_COUNT];
};

/* vaoci_find_entrypoint fills facts->detected.entrypoint for process (an
 * OCI process object) inside rootfd: args[0] through PATH like execvp and
 * through #! interpreters (also #!/usr/bin/env NAME). */
void vaoci_find_entrypoint(int rootfd, const json_t *process, struct vaoci_facts *facts);

/* vaoci_detect_binfmt fills facts->detected.binfmt from a binfmt_misc
 * directory: the first enabled entry (by name) that runs each arch. */
void vaoci_detect_binfmt(const char *dir, struct vaoci_facts *facts);

/* vaoci_detect gathers everything for one container: host arch, the
 * entrypoint (when rootfd >= 0) and binfmt_misc (binfmt_dir). */
void vaoci_detect(int rootfd, const json_t *process, const char *binfmt_dir, struct vaoci_facts *facts);

/* Registration parsing and matching, exposed for tests. */
struct vaoci_binfmt_reg {
  int enabled, has_magic;
  unsigned offset, magic_len;
  uint8_t magic[128], mask[128];
  char interpreter[4096], flags[16];
};
int vaoci_binfmt_parse(const char *text, struct vaoci_binfmt_reg *reg);
int vaoci_binfmt_handles(const struct vaoci_binfmt_reg *reg, int binfmt_arch);
int vaoci_emulator_name(const char *interpreter);

#endif
