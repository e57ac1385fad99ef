/* The node log's rotation. Containers start in parallel, so several
 * wrappers and hooks append to the log at once (each line one O_APPEND
 * write, whole): after its write, a writer that finds the file it holds at
 * or over the limit renames it to LOG.1, replacing the previous one, and the
 * next line creates a new LOG. rename() is atomic, so no line is lost or
 * split: a writer still holding the old file appends to LOG.1. Two writers
 * over the limit at once must not both rename (the second would move the
 * *new* log over LOG.1, losing the old one): a flock on the file they both
 * hold lets one rename, and the rename happens only while LOG still names
 * that file. Up to twice the limit the lock is tried without waiting: the
 * others skip, nobody waits on the common path. A writer descheduled while
 * it holds the lock would then let the others append without bound (a
 * loaded 2-core CI run measured LOG.1 at 24x the limit), so past twice the
 * limit a writer waits for the lock: the holder only stats and renames, and
 * the log stays under twice the limit plus a line per writer. Chosen over the
 * journal: the wrapper and hook are static and libc-only, nodes without
 * systemd (and the tests) keep a plain file, and `log` stays one path an
 * operator can tail; 0 leaves rotation to an external logrotate. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "util.h"

void vaoci_log_rotate(int fd, const char *path, long long max_bytes) {
  struct stat held, named;
  char old[4200];
  if (max_bytes <= 0 || fstat(fd, &held) < 0 || held.st_size < max_bytes)
    return;
  int wait = held.st_size >= 2 * max_bytes ? 0 : LOCK_NB;
  if (flock(fd, LOCK_EX | wait) < 0)
    return; /* another writer is rotating this very file */
  if (stat(path, &named) == 0 && named.st_dev == held.st_dev && named.st_ino == held.st_ino &&
      snprintf(old, sizeof old, "%s.1", path) < (int)sizeof old)
    (void)rename(path, old);
  flock(fd, LOCK_UN);
}
