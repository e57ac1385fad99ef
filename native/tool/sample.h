/* Sampling where the kernel puts new memory, for check. */
#ifndef VAOCI_TOOL_SAMPLE_H
#define VAOCI_TOOL_SAMPLE_H

#include <stdint.h>
#include "vaoci/reserve.h"

/* sample_result counts one kind of allocation. */
struct sample_result {
  const char *kind; /* "mmap", "mmap-hint", "mmap-high", "shmat", "mremap" */
  long count; /* allocations made */
  long outside; /* of them, outside the window */
  long refused; /* the kernel said no (window full): not a failure */
  uint64_t first_outside;
};

#define SAMPLE_KINDS 5

/* sample_all makes n allocations of each kind, checks each against the
 * window, and frees them again. Returns how many kinds it filled (SAMPLE_KINDS). */
int sample_all(const struct vaoci_reservation *res, long n, struct sample_result out[SAMPLE_KINDS]);

#endif
