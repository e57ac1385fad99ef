/* vaoci error reporting, the crun way: a failing function fills a
 * vaoci_error_t and returns a negative status; only main() prints.
 * No allocation: the message lives inside the struct so the preload can
 * report from inside someone else's process without libc. */
#ifndef VAOCI_ERROR_H
#define VAOCI_ERROR_H

#include <stdarg.h>

/* vaoci_status names why something failed; reports carry its name. */
enum vaoci_status {
  VAOCI_OK = 0,
  VAOCI_E_INVALID = 1, /* bad input: a window, a flag, an argument */
  VAOCI_E_SYSTEM = 2, /* a system call failed unexpectedly */
  VAOCI_E_RLIMIT_AS = 3, /* RLIMIT_AS too small for the reservation */
  VAOCI_E_MAP_COUNT = 4, /* vm.max_map_count reached */
  VAOCI_E_NOMEM = 5, /* the kernel refused memory for another reason */
  VAOCI_E_CAPACITY = 6, /* more regions than vaoci's fixed tables hold */
  VAOCI_E_OUTSIDE = 7, /* a check found an address outside the window */
  VAOCI_E_UNSUPPORTED = 8,
};

#define VAOCI_ERROR_MSG_MAX 320

/* vaoci_error_t carries one failure: its status, the errno behind it (or
 * 0) and a one-line, lower-case message ("outer: inner"). */
typedef struct vaoci_error {
  int status;
  int sys_errno;
  char msg[VAOCI_ERROR_MSG_MAX];
} vaoci_error_t;

/* vaoci_make_error fills err and returns -status, so callers can write
 * `return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open `%s`", p);`. */
int vaoci_make_error(vaoci_error_t *err, int status, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* vaoci_wrap_error prefixes context ("reserve: ") to an existing error and
 * returns -status again. */
int vaoci_wrap_error(vaoci_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vaoci_status_name gives the stable, lower-case name of a status for JSON. */
const char *vaoci_status_name(int status);

/* vaoci_format is a small libc-free snprintf: %s %c %d %u %x with l/ll/z
 * modifiers and %%. Always NUL-terminates; returns the length written. */
int vaoci_format(char *buf, unsigned long size, const char *fmt, va_list ap);
int vaoci_formatf(char *buf, unsigned long size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
