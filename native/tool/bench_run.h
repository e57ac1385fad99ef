/* Running one reservation in a fresh process and reading back its cost. */
#ifndef VAOCI_TOOL_BENCH_RUN_H
#define VAOCI_TOOL_BENCH_RUN_H

#include <stdint.h>

/* bench_sample is what one fresh process reported. */
struct bench_sample {
  uint64_t nanoseconds, syscalls, bytes, regions;
};

/* bench_run_static spawns this static tool (`__child WINDOW ALGO MAPPINGS`). */
int bench_run_static(const char *window, const char *algo, long mappings, struct bench_sample *out);

/* bench_make_mappings makes n separate one-page mappings, side by side where
 * the kernel puts new memory, their protections alternating so none merge.
 * Returns 0, or -1 with errno set. */
int bench_make_mappings(long n);

/* bench_run_dynamic spawns a dynamically linked program with the preload
 * and VAOCI_DEBUG=json, and parses the preload's report line. */
int bench_run_dynamic(const char *prog, const char *preload, const char *window, const char *algo,
                      struct bench_sample *out);

#endif
