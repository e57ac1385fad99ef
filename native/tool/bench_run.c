#define _GNU_SOURCE
#include "bench_run.h"
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* spawn_capture runs argv with env, reading the child's fd `which` (1 or 2)
 * into buf. Returns the exit status, or -1. */
static int spawn_capture(char *const argv[], char *const envp[], int which, char *buf, size_t size) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], which);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  size_t len = 0;
  ssize_t n;
  while (rc == 0 && len + 1 < size && (n = read(fds[0], buf + len, size - 1 - len)) != 0)
    if (n > 0)
      len += (size_t)n;
  buf[len] = '\0';
  close(fds[0]);
  int status = 0;
  if (rc != 0 || waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int bench_run_static(const char *window, const char *algo, long mappings, struct bench_sample *out) {
  char self[4096], buf[256], count[24];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0)
    return -1;
  self[n] = '\0';
  snprintf(count, sizeof count, "%ld", mappings);
  char *argv[] = {self, "__child", (char *)window, (char *)algo, count, NULL};
  char *envp[] = {NULL};
  if (spawn_capture(argv, envp, 1, buf, sizeof buf) != 0)
    return -1;
  unsigned long long v[4];
  if (sscanf(buf, "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4)
    return -1;
  *out = (struct bench_sample){v[0], v[1], v[2], v[3]};
  return 0;
}

static int json_field(const char *buf, const char *key, uint64_t *out) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *p = strstr(buf, pattern);
  unsigned long long v;
  if (!p || sscanf(p + strlen(pattern), "%llu", &v) != 1)
    return -1;
  *out = v;
  return 0;
}

int bench_run_dynamic(const char *prog, const char *preload, const char *window, const char *algo,
                      struct bench_sample *out) {
  char e_preload[4200], e_limit[128], e_algo[64], buf[1024];
  snprintf(e_preload, sizeof e_preload, "LD_PRELOAD=%s", preload);
  snprintf(e_limit, sizeof e_limit, "VAOCI_VA_LIMIT=%s", window);
  snprintf(e_algo, sizeof e_algo, "VAOCI_ALGO=%s", algo);
  char *argv[] = {(char *)prog, NULL};
  char *envp[] = {e_preload, e_limit, e_algo, "VAOCI_DEBUG=json", NULL};
  if (spawn_capture(argv, envp, 2, buf, sizeof buf) != 0)
    return -1;
  if (json_field(buf, "nanoseconds", &out->nanoseconds) < 0 || json_field(buf, "syscalls", &out->syscalls) < 0 ||
      json_field(buf, "bytes", &out->bytes) < 0 || json_field(buf, "regions", &out->regions) < 0)
    return -1;
  return 0;
}

int bench_make_mappings(long n) {
  if (n <= 0)
    return 0;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  /* One mapping, then every other page made read-only: n mappings in n / 2 calls. */
  char *base = mmap(NULL, (size_t)n * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED)
    return -1;
  for (long i = 1; i < n; i += 2)
    if (mprotect(base + (size_t)i * page, page, PROT_READ) < 0)
      return -1;
  return 0;
}
