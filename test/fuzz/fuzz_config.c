/* libFuzzer target: a bundle's config.json through what vaoci-runtime does
 * on create: detection (against an empty rootfs directory), resolution, and
 * the modifiers, twice (the second run must find nothing to change). */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "spec.h"
#include "util.h"

static int dirfd_empty = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (dirfd_empty < 0) {
    char tmpl[] = "/tmp/vaoci-fuzz-config.XXXXXX";
    if (!mkdtemp(tmpl) || (dirfd_empty = open(tmpl, O_RDONLY | O_DIRECTORY)) < 0)
      __builtin_trap();
  }
  vaoci_error_t err;
  json_t *config = vaoci_json_load((const char *)data, size, &err);
  if (!config)
    return 0;
  if (json_is_object(config)) {
    static struct vaoci_spec_policy sp;
    vaoci_spec_resolve(config, dirfd_empty, NULL, &sp);
    struct vaoci_modify_ctx ctx = {&sp.policy, "/opt/vaoci/bin/vaoci-hook", NULL};
    if (!sp.refused && vaoci_spec_modify(config, &ctx, &err) >= 0 && vaoci_spec_modify(config, &ctx, &err) > 0)
      __builtin_trap(); /* a second run on one bundle changes nothing */
  }
  json_decref(config);
  return 0;
}
