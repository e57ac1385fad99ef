/* vaoci_spec_resolve: the policy for one OCI config on this node. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "line.h"
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

/* check_node_files: every node file the injection binds into the container
 * (the preload, the launcher, an emulator's loader...) must exist, or the
 * runtime would fail later with its own long mount error. Under fail that
 * refuses the container in one line; under warn it starts without vaoci. */
static void check_node_files(struct vaoci_spec_policy *out) {
  struct vaoci_policy *p = &out->policy;
  for (int i = 0; i < p->mount_count; i++) {
    if (access(p->mounts[i], F_OK) == 0)
      continue;
    char line[VAOCI_POLICY_LINE_MAX];
    snprintf(line, sizeof line,
             "`%s`: missing on this node — expected it for the %s injection (vaoci node install puts it there)",
             p->mounts[i], vaoci_policy_method_names[p->method]);
    vaoci_problems_add(&p->problems, line);
    if (p->on_error == VAOCI_ON_ERROR_WARN) {
      p->method = VAOCI_METHOD_NONE, p->mount_count = p->env_count = p->args_count = 0;
    } else {
      out->refused = 1;
      p->problems.count = 0, vaoci_problems_add(&p->problems, line); /* under fail it stands alone */
    }
    return;
  }
}

void vaoci_spec_resolve(const json_t *config, int dirfd, const json_t *node, struct vaoci_spec_policy *out) {
  const char *root = json_string_value(json_object_get(json_object_get(config, "root"), "path"));
  int rootfd = root ? openat(dirfd, root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  vaoci_detect(rootfd, json_object_get(config, "process"), vaoci_node_string(node, "binfmt_dir", VAOCI_NODE_BINFMT_DIR),
               &out->facts);
  if (rootfd >= 0)
    close(rootfd);
  vaoci_spec_resolve_facts(config, node, out);
}

void vaoci_spec_resolve_facts(const json_t *config, const json_t *node, struct vaoci_spec_policy *out) {
  json_t *annotations = json_object_get(config, "annotations");
  cleanup_json json_t *empty = json_object();
  if (!json_is_object(annotations))
    annotations = empty;
  snprintf(out->name, sizeof out->name, "%s", vaoci_container_name(annotations));
  out->refused = vaoci_policy_resolve(annotations, node, out->name, &out->facts.detected, &out->policy) < 0;
  if (!out->refused)
    check_node_files(out);
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
