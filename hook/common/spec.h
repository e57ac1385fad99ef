/* An OCI config and vaoci's policy for it: the container's name, the
 * detected facts, the resolved policy, and the modifiers that carry the
 * policy into the config (mounts, env, the poststart hook). Shared by
 * vaoci-runtime (create) and vaoci-hook (precreate, prestart). */
#ifndef VAOCI_HOOK_SPEC_H
#define VAOCI_HOOK_SPEC_H

#include <jansson.h>
#include "detect.h"
#include "policy.h"

/* vaoci_spec_policy is one container's resolved policy and its inputs. */
struct vaoci_spec_policy {
  struct vaoci_facts facts;
  struct vaoci_policy policy;
  char name[256]; /* from the CRI annotations, or "" */
  int refused; /* on-error fail refused it: the lines are policy.problems */
};

/* vaoci_container_name reads the name the CRI gave the container
 * (io.kubernetes.cri.container-name for containerd, io.kubernetes.container.name
 * for CRI-O). Without one the container is not part of a named pod, so its
 * own annotations are its settings: "" (see hook/README.md). */
const char *vaoci_container_name(const json_t *annotations);

/* vaoci_spec_resolve resolves config (an OCI config object) on this node:
 * root.path relative to dirfd (the bundle), annotations, node config.
 * out->refused says whether on-error fail refused it. */
void vaoci_spec_resolve(const json_t *config, int dirfd, const json_t *node, struct vaoci_spec_policy *out);

/* vaoci_spec_resolve_facts is vaoci_spec_resolve with out->facts already
 * gathered by the caller (vaoci-nri: no bundle, the image's architecture). */
void vaoci_spec_resolve_facts(const json_t *config, const json_t *node, struct vaoci_spec_policy *out);

/* What the modifiers need besides the policy. */
struct vaoci_modify_ctx {
  const struct vaoci_policy *policy;
  const char *hook_path; /* vaoci-hook on the node */
  const char *config_path; /* the node config, passed to the hook when not the default */
};

/* vaoci_spec_modify applies every enabled modifier to config; each finds
 * its work done or does it. Returns how many changed config (0: leave the
 * file alone), or a negative status. */
int vaoci_spec_modify(json_t *config, const struct vaoci_modify_ctx *ctx, vaoci_error_t *err);

/* vaoci_hook_path names vaoci-hook beside the running binary. */
void vaoci_hook_path(char *buf, size_t size);

#endif
