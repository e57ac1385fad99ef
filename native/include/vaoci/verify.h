/* Verifying a live process: does its address space hold the window? */
#ifndef VAOCI_VERIFY_H
#define VAOCI_VERIFY_H

#include <stdint.h>
#include "error.h"
#include "maps.h"
#include "span.h"
#include "window.h"

#define VAOCI_VERIFY_LIST_MAX 16

/* vaoci_verify_report classifies the user space outside the window. */
struct vaoci_verify_report {
  int pid;
  struct vaoci_window window;
  uint64_t floor, task_size;
  uint64_t reserved_bytes; /* PROT_NONE private anonymous mappings outside the window */
  uint64_t reserved_regions;
  uint64_t mapped_bytes; /* live mappings outside the window (the emulator's own, say) */
  uint64_t mapped_regions;
  uint64_t free_bytes; /* free outside the window: the kernel could hand these out */
  uint64_t free_regions;
  uint64_t stack_keep_bytes; /* free outside the window, kept for the main stack to grow */
  double coverage; /* reserved / (reserved + free) outside the window */
  int holds; /* 1 when nothing outside the window is free */
  size_t nfree_listed, nmapped_listed;
  struct vaoci_span free_list[VAOCI_VERIFY_LIST_MAX];
  struct vaoci_vma mapped_list[VAOCI_VERIFY_LIST_MAX];
};

/* vaoci_verify_text classifies a maps text (pure; tests feed it synthetic
 * maps). stack_keep is the span the reserver leaves for the stack. */
int vaoci_verify_text(const char *text, size_t len, const struct vaoci_window *w, uint64_t floor, uint64_t task_size,
                      uint64_t stack_keep_bytes, struct vaoci_verify_report *out, vaoci_error_t *err);

/* vaoci_verify_pid reads /proc/PID/maps (0 = self) and classifies it. */
int vaoci_verify_pid(int pid, const struct vaoci_window *w, struct vaoci_verify_report *out, vaoci_error_t *err);

#endif
