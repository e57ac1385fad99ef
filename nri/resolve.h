/* vaoci-nri's door into the data plane: the wrapper's own C resolver
 * (hook/policy/) and modifiers (hook/common/modify.c) run on an OCI-shaped
 * view of what NRI's CreateContainer gives, so the NRI plugin and
 * vaoci-runtime cannot disagree (schemas/vectors/ hold the resolver). */
#ifndef VAOCI_NRI_RESOLVE_H
#define VAOCI_NRI_RESOLVE_H

#include <stddef.h>

/* vaoci_nri_resolve takes one container as JSON:
 *   {"annotations": {...}, "process": {"args": [...], "env": [...]},
 *    "mounts": [{"destination": ...}], "image_arch": "amd64" | "386" | "arm64" | ...,
 *    "image_error": "why the architecture is unknown", "id": "container id",
 *    "hook": vaoci-hook's path on the node (default: beside this binary)}
 * and returns a malloc'd JSON answer:
 *   {"refused": bool, "warnings": [...], "lines": [...], "config": the input
 *    after the wrapper's modifiers, "changed": N, "error": "..."}
 * or NULL when out of memory. Reads the node config like the wrapper
 * ($VAOCI_CONFIG, else /etc/vaoci/config.json) and logs its decision to
 * the node log as "vaoci-nri". */
char *vaoci_nri_resolve(const char *in, size_t len);

#endif
