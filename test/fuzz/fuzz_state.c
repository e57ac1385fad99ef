/* libFuzzer target: the OCI state a runtime writes on a hook's stdin. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("state", 0);
  if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
    __builtin_trap();
  struct vaoci_hook_state st;
  vaoci_error_t err;
  vaoci_hook_read_state(fd, &st, &err);
  json_decref(st.doc); /* the caller's, whatever the outcome (as poststart and prestart do) */
  close(fd);
  return 0;
}
