/* libFuzzer target: annotations (any JSON) through the C policy resolver,
 * with nothing detected and with an x86-64 guest under a dynamic qemu on an
 * arm64 node, then the policy written as JSON. */
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
  if (!doc)
    return 0;
  static struct vaoci_policy p;
  struct vaoci_detected det = {0};
  det.host_arch = VAOCI_ENTRY_ARCH_AARCH64;
  det.entrypoint = (struct vaoci_entrypoint){
      .present = 1, .path = "/usr/bin/app", .arch = VAOCI_ENTRY_ARCH_X86_64, .linkage = VAOCI_LINKAGE_DYNAMIC};
  det.binfmt[0] = (struct vaoci_binfmt_entry){.present = 1,
                                              .entry = "qemu-x86_64",
                                              .interpreter = "/usr/bin/qemu-x86_64",
                                              .flags = "F",
                                              .loader = "/lib/ld-linux-aarch64.so.1",
                                              .emulator = VAOCI_BINFMT_EMULATOR_QEMU,
                                              .linkage = VAOCI_LINKAGE_DYNAMIC};
  for (int round = 0; round < 2; round++) {
    if (vaoci_policy_resolve(doc, NULL, "app", round ? &det : NULL, &p) == 0) {
      json_t *out = vaoci_policy_to_json(&p);
      json_decref(out);
    }
  }
  json_decref(doc);
  return 0;
}
