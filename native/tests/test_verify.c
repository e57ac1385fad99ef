/* Verification on synthetic maps of a process that holds, and of ones that do not. */
#include <string.h>
#include "check.h"
#include "vaoci/verify.h"

#define TASK ((1ull << 47) - 4096)
#define KEEP ((8ull << 20) + (1ull << 20))

static const char holding[] = "00400000-00500000 r-xp 00000000 fe:00 1 /bin/emu\n"
                              "100000000-7ffee6000000 ---p 00000000 00:00 0\n"
                              "7ffee6000000-7ffee6021000 r-xp 00000000 fe:00 2 /lib/libc.so\n"
                              "7ffee6021000-7fff00000000 ---p 00000000 00:00 0\n"
                              "7fff00000000-7fff00021000 rw-p 00000000 00:00 0 [stack]\n"
                              "7fff00021000-7ffffffff000 ---p 00000000 00:00 0\n";

/* The same process with a hole of 64 KiB left between libc and the next reservation. */
static const char leaking[] = "00400000-00500000 r-xp 00000000 fe:00 1 /bin/emu\n"
                              "100000000-7ffee6000000 ---p 00000000 00:00 0\n"
                              "7ffee6000000-7ffee6021000 r-xp 00000000 fe:00 2 /lib/libc.so\n"
                              "7ffee6031000-7fff00000000 ---p 00000000 00:00 0\n"
                              "7fff00000000-7fff00021000 rw-p 00000000 00:00 0 [stack]\n"
                              "7fff00021000-7ffffffff000 ---p 00000000 00:00 0\n";

static struct vaoci_verify_report rep;

static void run(const char *text, size_t len) {
  struct vaoci_window w;
  vaoci_window_parse("i386", &w, NULL);
  vaoci_error_t err;
  int r = vaoci_verify_text(text, len, &w, 0x10000, TASK, KEEP, &rep, &err);
  CHECK(r == 0, "verify_text: %s", err.msg);
}

int main(void) {
  run(holding, sizeof holding - 1);
  CHECK(rep.holds && rep.free_bytes == 0, "a fully reserved complement holds");
  CHECK(rep.reserved_regions == 3 && rep.mapped_regions == 2, "3 reservations, libc and stack live (%lu, %lu)",
        (unsigned long)rep.reserved_regions, (unsigned long)rep.mapped_regions);
  CHECK(rep.coverage == 1.0, "coverage is 1");
  run(leaking, sizeof leaking - 1);
  CHECK(!rep.holds && rep.free_bytes == 0x10000 && rep.free_regions == 1, "a 64 KiB hole is found (%lu bytes)",
        (unsigned long)rep.free_bytes);
  CHECK(rep.nfree_listed == 1 && rep.free_list[0].start == 0x7ffee6021000, "the hole is listed at its address");
  CHECK(rep.coverage < 1.0 && rep.coverage > 0.999, "coverage just below 1");
  /* Free space below the stack within the keep zone (9 MiB below the stack's
   * top, 0x7fff00021000) is expected, not a leak. */
  static const char stack_gap[] = "100000000-7ffeff721000 ---p 00000000 00:00 0\n"
                                  "7fff00000000-7fff00021000 rw-p 00000000 00:00 0 [stack]\n"
                                  "7fff00021000-7ffffffff000 ---p 00000000 00:00 0\n";
  run(stack_gap, sizeof stack_gap - 1);
  CHECK(rep.holds && rep.stack_keep_bytes == 0x8df000, "the stack keep zone counts apart (%lu bytes)",
        (unsigned long)rep.stack_keep_bytes);
  static const char beyond_keep[] = "100000000-7ffeff000000 ---p 00000000 00:00 0\n"
                                    "7fff00000000-7fff00021000 rw-p 00000000 00:00 0 [stack]\n"
                                    "7fff00021000-7ffffffff000 ---p 00000000 00:00 0\n";
  run(beyond_keep, sizeof beyond_keep - 1);
  CHECK(!rep.holds && rep.free_bytes == 0x1000000 - 0x8df000, "free space beyond the keep zone leaks (%lu)",
        (unsigned long)rep.free_bytes);
  return check_summary("test_verify");
}
