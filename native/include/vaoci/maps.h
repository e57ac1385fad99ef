/* Reading a process's mappings: the text of /proc/PID/maps (a pure parser
 * plus a reader that loops until EOF), and the PROCMAP_QUERY ioctl (Linux
 * 6.11+), which answers one VMA at a time without formatting any text. */
#ifndef VAOCI_MAPS_H
#define VAOCI_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define VAOCI_VMA_NAME_MAX 64

/* vaoci_vma is one mapping as /proc/PID/maps shows it. */
struct vaoci_vma {
  uint64_t start;
  uint64_t end;
  char perms[5]; /* "r-xp" */
  int anonymous; /* no file, no [name] */
  char name[VAOCI_VMA_NAME_MAX]; /* "[stack]", a path (truncated), or "" */
};

/* vaoci_maps_parse_line parses one line of maps text (without '\n').
 * Returns 0, or -1 when the line is not of the maps format. Pure. */
int vaoci_maps_parse_line(const char *line, size_t len, struct vaoci_vma *out);

/* vaoci_maps_visit_fn receives each VMA in ascending order; a non-zero return
 * stops the walk and is passed back to the caller. */
typedef int (*vaoci_maps_visit_fn)(void *ctx, const struct vaoci_vma *vma);

/* vaoci_maps_parse_text walks every line of a complete maps text. Pure:
 * tests feed it synthetic text. Returns the visitor's stop value, 0, or a
 * negative error for a malformed line. */
int vaoci_maps_parse_text(const char *text, size_t len, vaoci_maps_visit_fn fn, void *ctx, vaoci_error_t *err);

/* vaoci_maps_read_fd reads a whole maps file into buf (looping until read()
 * returns 0: a short read is not EOF). Fails if buf is too small. */
long vaoci_maps_read_fd(int fd, char *buf, size_t size, vaoci_error_t *err);

/* vaoci_maps_parse_fd rewinds fd and walks its maps text line by line as it
 * is read, in fixed memory (a shared buffer: not thread-safe). Returns the
 * visitor's stop value, 0, or a negative error. */
int vaoci_maps_parse_fd(int fd, vaoci_maps_visit_fn fn, void *ctx, vaoci_error_t *err);

/* vaoci_maps_count counts the mappings of a freshly opened maps fd by
 * streaming its text (any size), or returns -1. */
long vaoci_maps_count(int fd);

/* vaoci_maps_open opens /proc/<pid>/maps, or /proc/self/maps for pid 0. */
int vaoci_maps_open(int pid, vaoci_error_t *err);

/* vaoci_maps_query asks PROCMAP_QUERY for the VMA covering addr or the next
 * one above it. Returns 1 with *out filled (start, end, perms), 0 when there is
 * none, or a negative error; -VAOCI_E_UNSUPPORTED when the kernel lacks it. */
int vaoci_maps_query(int fd, uint64_t addr, struct vaoci_vma *out, vaoci_error_t *err);

#endif
