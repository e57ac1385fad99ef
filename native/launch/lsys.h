/* The system calls vaoci-launch needs beyond the library's sys.h. Each
 * returns the kernel's value: -errno in [-4095, -1] on failure. */
#ifndef VAOCI_LAUNCH_LSYS_H
#define VAOCI_LAUNCH_LSYS_H

#include "../src/sys.h"

#define LAUNCH_PROT_READ 1
#define LAUNCH_PROT_WRITE 2
#define LAUNCH_PROT_EXEC 4
#define LAUNCH_PROT_BTI 0x10 /* aarch64 */
#define LAUNCH_MAP_PRIVATE 0x02
#define LAUNCH_MAP_ANONYMOUS 0x20
#define LAUNCH_MAP_NORESERVE 0x4000
#define LAUNCH_MAP_STACK 0x20000
#define LAUNCH_AT_FDCWD (-100)
#define LAUNCH_AT_EACCESS 0x200
#define LAUNCH_AT_EMPTY_PATH 0x1000
#define LAUNCH_O_RDONLY 0
#define LAUNCH_O_CLOEXEC 02000000
#define LAUNCH_X_OK 1

static inline long launch_sys_pread(int fd, void *buf, uint64_t len, uint64_t off) {
  return vaoci_syscall6(SYS_pread64, fd, (long)buf, (long)len, (long)off, 0, 0);
}
static inline long launch_sys_statx(int fd, const char *path, int flags, unsigned mask, void *buf) {
  return vaoci_syscall6(SYS_statx, fd, (long)path, flags, mask, (long)buf, 0);
}
static inline long launch_sys_fstatfs(int fd, void *buf) {
  return vaoci_syscall6(SYS_fstatfs, fd, (long)buf, 0, 0, 0, 0);
}
/* faccessat2 is ENOSYS before Linux 5.8, and EPERM under seccomp profiles
 * older than it (never an answer for X_OK): then faccessat, with the real ids. */
static inline long launch_sys_access(const char *path, int mode) {
  long r = vaoci_syscall6(SYS_faccessat2, LAUNCH_AT_FDCWD, (long)path, mode, LAUNCH_AT_EACCESS, 0, 0);
  if (r == -38 /* ENOSYS */ || r == -1 /* EPERM */)
    r = vaoci_syscall6(SYS_faccessat, LAUNCH_AT_FDCWD, (long)path, mode, 0, 0, 0);
  return r;
}
/* launch_sys_access_fd asks about an open file (no second path walk), by
 * name where faccessat2 lacks AT_EMPTY_PATH. */
static inline long launch_sys_access_fd(int fd, const char *path, int mode) {
  long r = vaoci_syscall6(SYS_faccessat2, fd, (long)"", mode, LAUNCH_AT_EACCESS | LAUNCH_AT_EMPTY_PATH, 0, 0);
  return r == -22 /* EINVAL */ || r == -38 /* ENOSYS */ || r == -1 /* EPERM */ || r == -2 /* ENOENT */
             ? launch_sys_access(path, mode)
             : r;
}
static inline long launch_sys_mprotect(uint64_t addr, uint64_t len, int prot) {
  return vaoci_syscall6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}
static inline long launch_sys_prctl(int option, unsigned long a, unsigned long b, unsigned long c) {
  return vaoci_syscall6(SYS_prctl, option, (long)a, (long)b, (long)c, 0, 0);
}
static inline long launch_sys_getrandom(void *buf, uint64_t len, unsigned flags) {
  return vaoci_syscall6(SYS_getrandom, (long)buf, (long)len, flags, 0, 0, 0);
}
static inline long launch_sys_personality(unsigned long p) {
  return vaoci_syscall6(SYS_personality, (long)p, 0, 0, 0, 0, 0);
}
__attribute__((noreturn)) static inline void launch_sys_exit(int code) {
  for (;;)
    vaoci_syscall6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

#endif
