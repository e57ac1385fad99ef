/* What vaoci-runtime and vaoci-hook share beyond the policy: cleanup
 * helpers, whole-file reads, atomic writes, the node config and the log.
 * Errors the crun way: vaoci_error_t last, 0 or a negative status. */
#ifndef VAOCI_HOOK_UTIL_H
#define VAOCI_HOOK_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include "vaoci/error.h"

static inline void vaoci_freep(void *p) { free(*(void **)p); }
static inline void vaoci_closep(int *fd) {
  if (*fd >= 0)
    close(*fd);
}
static inline void vaoci_json_decrefp(json_t **j) { json_decref(*j); }

#define cleanup_free __attribute__((cleanup(vaoci_freep)))
#define cleanup_close __attribute__((cleanup(vaoci_closep)))
#define cleanup_json __attribute__((cleanup(vaoci_json_decrefp)))

#define VAOCI_CONFIG_ENV "VAOCI_CONFIG"
#define VAOCI_CONFIG_DEFAULT "/etc/vaoci/config.json"
#define VAOCI_FILE_MAX (16u << 20) /* config.json, node config, state: none is larger */

/* vaoci_read_fd reads fd to EOF (retrying EINTR, looping short reads) into a
 * NUL-terminated heap buffer of at most max bytes. */
int vaoci_read_fd(int fd, size_t max, char **out, size_t *len, vaoci_error_t *err);

/* vaoci_read_file reads a whole file (dirfd-relative like openat). */
int vaoci_read_file(int dirfd, const char *path, size_t max, char **out, size_t *len, vaoci_error_t *err);

/* vaoci_write_all writes every byte (retrying EINTR and short writes). */
int vaoci_write_all(int fd, const void *buf, size_t len);

/* vaoci_write_atomic replaces dirfd/name with data: a temporary file in the
 * same directory (O_EXCL, never following a symlink), fsync, rename over
 * name, fsync the directory. A reader sees the old file or the new one. */
int vaoci_write_atomic(int dirfd, const char *name, const void *data, size_t len, int mode, vaoci_error_t *err);

/* vaoci_write_atomic_path splits path into its directory and name. */
int vaoci_write_atomic_path(const char *path, const void *data, size_t len, int mode, vaoci_error_t *err);

/* vaoci_json_load parses JSON text, keeping integers beyond 64-bit signed
 * (an rlimit of 2^64-1) exact: jansson refuses them, so they are carried as
 * marked strings and written back as numbers by vaoci_json_dump. */
json_t *vaoci_json_load(const char *text, size_t len, vaoci_error_t *err);

/* vaoci_json_dump writes a document loaded by vaoci_json_load (2-space indent). */
char *vaoci_json_dump(const json_t *doc, size_t *len);

/* vaoci_node_config loads the node config: $VAOCI_CONFIG, else
 * /etc/vaoci/config.json. Its path goes to *path. */
json_t *vaoci_node_config(const char **path, vaoci_error_t *err);

/* vaoci_node_string reads a top-level string setting, or def. */
const char *vaoci_node_string(const json_t *node, const char *key, const char *def);

/* vaoci_log appends "TOOL: LINE" with a timestamp to the node's log (best
 * effort: a log that cannot be written never changes an outcome). */
void vaoci_log(const json_t *node, const char *tool, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* vaoci_log_rotate renames the log fd holds (at path) to PATH.1 once it has
 * max_bytes or more (<= 0: never); safe with concurrent writers (logrotate.c). */
void vaoci_log_rotate(int fd, const char *path, long long max_bytes);

/* vaoci_host_arch_name is the architecture this binary was built for. */
const char *vaoci_host_arch_name(void);

#endif
