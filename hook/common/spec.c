/* vaoci_spec_resolve: the policy for one OCI config on this node. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "policy_gen.h"
#include "spec.h"
#include "util.h"

const char *vaoci_container_name(const json_t *annotations) {
  static const char *const keys[] = {"io.kubernetes.cri.container-name", "io.kubernetes.container.name"};
  for (int i = 0; i < 2; i++) {
    const char *v = json_string_value(json_object_get(annotations, keys[i]));
    if (v && *v)
      return v;
  }
  return "";
}

void vaoci_spec_resolve(const json_t *config, int dirfd, const json_t *node, struct vaoci_spec_policy *out) {
  json_t *annotations = json_object_get(config, "annotations");
  cleanup_json json_t *empty = json_object();
  const char *root = json_string_value(json_object_get(json_object_get(config, "root"), "path"));
  int rootfd = root ? openat(dirfd, root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (!json_is_object(annotations))
    annotations = empty;
  snprintf(out->name, sizeof out->name, "%s", vaoci_container_name(annotations));
  vaoci_detect(rootfd, json_object_get(config, "process"), vaoci_node_string(node, "binfmt_dir", VAOCI_NODE_BINFMT_DIR),
               &out->facts);
  if (rootfd >= 0)
    close(rootfd);
  out->refused = vaoci_policy_resolve(annotations, node, out->name, &out->facts.detected, &out->policy) < 0;
}

void vaoci_hook_path(char *buf, size_t size) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = 0;
  char *slash = strrchr(self, '/');
  if (slash)
    *slash = 0;
  snprintf(buf, size, "%s/vaoci-hook", n > 0 && slash ? self : VAOCI_NODE_HOST_DIR "/bin");
}
