/* faultlib: a library test/reliability/faults.sh preloads after vaoci's
 * (the image's LD_PRELOAD, which vaoci-runtime keeps after its own). Its
 * constructor runs before the vaoci preload's: glibc runs the constructors
 * of independent preloaded libraries last-listed first. It brings about, in
 * one small process, what a node would do to a big one:
 *   FAULT_FILL_MAPS=1  map single pages until vm.max_map_count is reached,
 *                      then give one back: the reservation meets the limit;
 *   FAULT_SLEEP_MS=N   take N ms, as a slow emulator's loader does, with
 *                      the vaoci preload mapped but not reserved yet. */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

__attribute__((constructor)) static void fault(void) {
  const char *fill = getenv("FAULT_FILL_MAPS"), *sleep_ms = getenv("FAULT_SLEEP_MS");
  if (fill && *fill == '1') {
    void *last = NULL, *p;
    /* alternate protections, so the kernel cannot merge neighbours into one mapping */
    for (long n = 0;
         (p = mmap(NULL, 4096, n % 2 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED; n++)
      last = p;
    if (last)
      munmap(last, 4096);
  }
  if (sleep_ms) {
    long ms = atol(sleep_ms);
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
  }
}
