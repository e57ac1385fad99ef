/* vaoci-overlay-marks ROOT < RECORDS: writes one unpacked layer's overlayfs
 * whiteouts and opaque markers (overlay_marks.h has the input format). One
 * line on stderr and a non-zero exit on failure, like vaoci's other tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "overlay_marks.h"
#include "tool.h"
#include "vaoci/version.h"

/* INPUT_MAX bounds stdin: far above any real layer's deletions (records are
 * at most a few KiB each), low enough that a runaway writer fails cleanly. */
#define INPUT_MAX ((size_t)256 << 20)

static const char usage[] = "usage: vaoci-overlay-marks ROOT < RECORDS\n"
                            "  writes overlayfs whiteouts (0/0 character devices) and opaque directories\n"
                            "  (trusted.overlay.opaque=y) under ROOT, never through a symlink\n"
                            "records: KIND PATH NUL, KIND `w` (whiteout) or `o` (opaque; empty PATH: ROOT),\n"
                            "         PATH relative to ROOT, components joined by `/`\n"
                            "--version: this program, vaoci's version and the architecture, on one line\n"
                            "exit codes: 0 ok, 1 a mark could not be written, 2 bad input\n";

/* read_all reads stdin to its end into a malloc'd buffer. */
static char *read_all(size_t *len, vaoci_error_t *err) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  if (!buf) {
    vaoci_make_error(err, VAOCI_E_SYSTEM, 0, "stdin: out of memory");
    return NULL;
  }
  for (;;) {
    if (n == cap) {
      char *more = cap < INPUT_MAX ? realloc(buf, cap * 2) : NULL;
      if (!more) {
        free(buf);
        vaoci_make_error(err, cap < INPUT_MAX ? VAOCI_E_SYSTEM : VAOCI_E_INVALID, 0,
                         cap < INPUT_MAX ? "stdin: out of memory" : "stdin: more than 256 MiB of records");
        return NULL;
      }
      buf = more;
      cap *= 2;
    }
    ssize_t got = read(STDIN_FILENO, buf + n, cap - n);
    if (got == 0)
      break;
    if (got < 0) {
      vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "stdin: read: %s", strerror(errno));
      free(buf);
      return NULL;
    }
    n += (size_t)got;
  }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    fputs(VAOCI_VERSION_LINE("vaoci-overlay-marks"), stdout);
    return EXIT_OK;
  }
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    return EXIT_OK;
  }
  if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
    fputs(usage, stderr);
    return EXIT_BAD_INPUT;
  }
  vaoci_error_t err = {0};
  size_t len = 0;
  char *input = read_all(&len, &err);
  int rc = input ? overlay_marks_apply(argv[1], input, len, &err) : -err.status;
  free(input);
  if (rc == 0)
    return EXIT_OK;
  fprintf(stderr, "vaoci-overlay-marks: %s\n", err.msg);
  return rc == -VAOCI_E_INVALID ? EXIT_BAD_INPUT : EXIT_CHECK_FAILED;
}
