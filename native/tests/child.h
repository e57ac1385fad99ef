/* Running a test case in a forked child: reservations change the address
 * space for good, so each case gets a fresh copy of the test's process. */
#ifndef VAOCI_TEST_CHILD_H
#define VAOCI_TEST_CHILD_H

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

/* in_child runs fn in a child; returns its exit code, or 128+signal. */
static inline int in_child(int (*fn)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0)
    _exit(fn());
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* CHILD_CASE runs fn in a child and records whether it exited with want. */
#define CHILD_CASE(fn, want, desc)                                                                                     \
  do {                                                                                                                 \
    int got_ = in_child(fn);                                                                                           \
    CHECK(got_ == (want), "%s: child exited %d, want %d", desc, got_, want);                                           \
  } while (0)

/* FAILS prints why a child case fails and returns 1 from it. */
#define FAILS(...)                                                                                                     \
  do {                                                                                                                 \
    fprintf(stderr, "  child: ");                                                                                      \
    fprintf(stderr, __VA_ARGS__);                                                                                      \
    fputc('\n', stderr);                                                                                               \
    return 1;                                                                                                          \
  } while (0)

#endif
