#include "vaoci/error.h"

int vaoci_make_error(vaoci_error_t *err, int status, int sys_errno, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    int n = vaoci_format(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (sys_errno && n < (int)sizeof err->msg)
      vaoci_formatf(err->msg + n, sizeof err->msg - n, " (errno %d)", sys_errno);
    err->status = status;
    err->sys_errno = sys_errno;
  }
  return -status;
}

int vaoci_wrap_error(vaoci_error_t *err, const char *fmt, ...) {
  if (!err)
    return -VAOCI_E_SYSTEM;
  char prefix[VAOCI_ERROR_MSG_MAX], inner[VAOCI_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vaoci_format(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  vaoci_formatf(inner, sizeof inner, "%s", err->msg);
  vaoci_formatf(err->msg, sizeof err->msg, "%s: %s", prefix, inner);
  return -err->status;
}

const char *vaoci_status_name(int status) {
  static const char *const names[] = {
      "ok", "invalid", "system", "rlimit-as", "map-count", "nomem", "capacity", "outside", "unsupported",
  };
  if (status < 0)
    status = -status;
  return status < (int)(sizeof names / sizeof names[0]) ? names[status] : "unknown";
}
