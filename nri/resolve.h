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

/* vaoci_nri_node_config is the node config as the wrapper reads it, kept
 * parsed until its file changes; a new reference, or NULL and err. */
#include <jansson.h>
#include "util.h"
json_t *vaoci_nri_node_config(vaoci_error_t *err);

/* vaoci_nri_verify is vaoci-hook's poststart check, made by the plugin on
 * NRI's PostStartContainer instead of a hook process per container: it
 * waits for the container's process (host pid) to exec (its environ holds
 * every entry of env_json, the container's env as a JSON array), verifies
 * it against the window until the window holds or settle_ms passed,
 * writes REPORTS_DIR/ID.json (tool vaoci-nri), logs the verdict and,
 * under on_error fail, kills a process whose window does not hold. Blocks
 * for as long as that takes (up to two minutes for a process that never
 * execs): run it off NRI's thread. Returns a malloc'd JSON
 * {"ok", "status", "message"}, or NULL when out of memory. */
char *vaoci_nri_verify(const char *id, const char *name, int pid, const char *window, const char *on_error,
                       const char *env_json, long settle_ms);

#endif
