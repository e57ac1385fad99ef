/* launch.conf, vaoci-binfmt's settings: `key = value` lines, `#` comments,
 * blank lines. Keys: emulator (required, an absolute path), va-limit,
 * on-error, algo; an unknown key is an error (a typo guard). One parser for
 * the launcher that obeys the file (/etc/vaoci/launch.conf, or the copy a
 * bundle carries) and the detection that reads which emulator stands behind it. */
#ifndef VAOCI_LAUNCH_CONF_H
#define VAOCI_LAUNCH_CONF_H

#include <stddef.h>
#include "error.h"

struct vaoci_launch_conf {
  char emulator[4096];
  char va_limit[64];
  char on_error[16];
  char algo[16];
};

/* vaoci_launch_conf_parse reads len bytes of text; name is the file's name in messages. */
int vaoci_launch_conf_parse(const char *text, size_t len, const char *name, struct vaoci_launch_conf *c,
                            vaoci_error_t *err);

#endif
