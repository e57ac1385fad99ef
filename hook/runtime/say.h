/* Telling the runtime's user: stderr, the runtime's own --log file (where
 * containerd's shim looks for the reason a create failed) and the node log. */
#ifndef VAOCI_RUNTIME_SAY_H
#define VAOCI_RUNTIME_SAY_H

#include <jansson.h>
#include "args.h"

enum { VAOCI_SAY_ERROR, VAOCI_SAY_WARNING };

/* vaoci_runtime_say prints "vaoci-runtime: [warning: ]LINE" on stderr and
 * appends it to --log (json or text, as --log-format says) and the node log. */
void vaoci_runtime_say(const struct vaoci_runtime_args *a, const json_t *node, int level, const char *line);

#endif
