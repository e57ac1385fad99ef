/* create (and run): Load the bundle's config.json → resolve the policy →
 * Modify → Flush atomically. (nvidia-container-toolkit:
 * internal/oci/runtime_modifier.go, with an atomic Flush.) */
#ifndef VAOCI_RUNTIME_CREATE_H
#define VAOCI_RUNTIME_CREATE_H

#include <jansson.h>
#include "args.h"

/* vaoci_runtime_create prepares the bundle. Returns 0 to go on to the real
 * runtime, or -1 when on-error fail refuses the container (already said). */
int vaoci_runtime_create(const struct vaoci_runtime_args *a, const json_t *node);

#endif
