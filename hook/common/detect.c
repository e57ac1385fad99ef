/* vaoci_detect: the facts for one container, as cli/src/lib/policy/detect.ts. */
#include <string.h>
#include "detect.h"

void vaoci_detect(int rootfd, const json_t *process, const char *binfmt_dir, struct vaoci_facts *facts) {
  memset(facts, 0, sizeof *facts);
#if defined(__x86_64__)
  facts->detected.host_arch = VAOCI_ENTRY_ARCH_X86_64;
#else
  facts->detected.host_arch = VAOCI_ENTRY_ARCH_AARCH64;
#endif
  if (rootfd >= 0 && json_is_object(process))
    vaoci_find_entrypoint(rootfd, process, facts);
  vaoci_detect_binfmt(binfmt_dir, facts);
}
