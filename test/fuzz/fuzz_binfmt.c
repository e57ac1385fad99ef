/* libFuzzer target: a binfmt_misc registration as the kernel prints it
 * (/proc/sys/fs/binfmt_misc/NAME), which emulator auto reads on every node. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = 0;
  struct vaoci_binfmt_reg reg;
  if (vaoci_binfmt_parse(text, &reg) == 0) {
    vaoci_binfmt_handles(&reg, 0);
    vaoci_binfmt_handles(&reg, 1);
    vaoci_emulator_name(reg.interpreter);
  }
  free(text);
  return 0;
}
