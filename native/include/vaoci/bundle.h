/* The binfmt bundle: vaoci-binfmt with the emulator it fronts and its
 * launch.conf appended, so one file is all binfmt_misc needs.
 *
 * Why: flag F makes the kernel open the interpreter at registration, so it
 * runs inside containers that lack it; but a plain vaoci-binfmt would then
 * open its configuration and the emulator by path in the container's mount
 * namespace, where they are not. Carried in its own file they are read
 * through /proc/self/exe, which names the interpreter in any namespace.
 *
 *   [vaoci-launch ELF][zeros][emulator ELF, at a multiple of 64 KiB]
 *   [launch.conf text][zeros][trailer: 64 bytes, the last of the file]
 *
 * The emulator's offset is a multiple of 64 KiB so its segments map straight
 * from the file on 4, 16 and 64 KiB pages. Little-endian, as both hosts are.
 * cli/src/lib/bundle.ts writes it; native/launch/binfmt.c and
 * hook/common/binfmt.c read it. */
#ifndef VAOCI_BUNDLE_H
#define VAOCI_BUNDLE_H

#include <stdint.h>

#define VAOCI_BUNDLE_MAGIC "VAOCIBN1"
#define VAOCI_BUNDLE_ALIGN 65536u
#define VAOCI_BUNDLE_CONFIG_MAX 8192u

struct vaoci_bundle_trailer {
  uint64_t emulator_offset, emulator_size;
  uint64_t config_offset, config_size;
  uint64_t reserved[3];
  char magic[8];
};
_Static_assert(sizeof(struct vaoci_bundle_trailer) == 64, "the trailer is 64 bytes");

/* vaoci_bundle_is_trailer: the last 64 bytes of a file end in the magic. */
static inline int vaoci_bundle_is_trailer(const struct vaoci_bundle_trailer *t) {
  for (int i = 0; i < 8; i++)
    if (t->magic[i] != VAOCI_BUNDLE_MAGIC[i])
      return 0;
  return 1;
}

/* vaoci_bundle_valid: t is a trailer, and its parts lie in order inside a
 * file of file_size bytes (none overlapping the trailer or each other). */
static inline int vaoci_bundle_valid(const struct vaoci_bundle_trailer *t, uint64_t file_size) {
  if (!vaoci_bundle_is_trailer(t) || file_size < sizeof *t)
    return 0;
  uint64_t end = file_size - sizeof *t;
  return t->emulator_offset % VAOCI_BUNDLE_ALIGN == 0 && t->emulator_offset != 0 && t->emulator_size != 0 &&
         t->emulator_offset <= end && t->emulator_size <= end - t->emulator_offset &&
         t->config_offset >= t->emulator_offset + t->emulator_size && t->config_offset <= end &&
         t->config_size <= end - t->config_offset && t->config_size < VAOCI_BUNDLE_CONFIG_MAX;
}

#endif
