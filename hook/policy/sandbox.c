/* Pod sandboxes: the engine's pause container gets no window and no
 * injection, whatever the pod's annotations say. containerd and CRI-O copy
 * the pod's annotations (vaoci.io/ ones included) into the sandbox's
 * config.json and give it no container name, so without this rule a
 * pod-wide window would land on pause, and a bad pod annotation would fail
 * the sandbox (kubelet's "failed to create pod sandbox") instead of the
 * container it is for, whose start says the line. The markers come from
 * schemas/gen/cri-sandbox.json through policy_gen.h; cli/src/lib/policy/
 * sandbox.ts is the same rule. */
#include <stdio.h>
#include <string.h>
#include "internal.h"

const char *vaoci_policy_sandbox_marker(const json_t *annotations) {
  for (int i = 0; i < VAOCI_POLICY_SANDBOX_MARKER_COUNT; i++) {
    const char *v = json_string_value(json_object_get(annotations, vaoci_policy_sandbox_markers[i].key));
    if (v && !strcmp(v, vaoci_policy_sandbox_markers[i].value))
      return vaoci_policy_sandbox_markers[i].key;
  }
  return NULL;
}

void vaoci_policy_sandbox(const char *marker, struct vaoci_policy *out) {
  out->guest_arch = VAOCI_GUEST_ARCH_NATIVE; /* the engine pulls pause for the node's own architecture */
  out->has_window = 0;
  out->emulator = VAOCI_EMULATOR_NONE;
  out->on_error = VAOCI_ON_ERROR_FAIL;
  out->method = VAOCI_METHOD_NONE;
  for (int f = 0; f < VAOCI_FIELD_COUNT; f++) {
    out->sources[f].source = VAOCI_SOURCE_SANDBOX;
    snprintf(out->sources[f].key, sizeof out->sources[f].key, "%s", marker);
  }
}
