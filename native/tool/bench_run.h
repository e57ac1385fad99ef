/* Running one reservation in a fresh process and reading back its cost. */
#ifndef VAOCI_TOOL_BENCH_RUN_H
#define VAOCI_TOOL_BENCH_RUN_H

#include <stdint.h>

/* bench_sample is what one fresh process reported. */
struct bench_sample {
  uint64_t nanoseconds, syscalls, bytes, regions;
};

/* bench_run_static spawns this static tool (`__child WINDOW ALGO`). */
int bench_run_static(const char *window, const char *algo, struct bench_sample *out);

/* bench_run_dynamic spawns a dynamically linked program with the preload
 * and VAOCI_DEBUG=json, and parses the preload's report line. */
int bench_run_dynamic(const char *prog, const char *preload, const char *window, const char *algo,
                      struct bench_sample *out);

#endif
