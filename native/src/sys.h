/* Raw system calls. The reserver runs inside other people's processes,
 * often before their libc has bound its symbols: going straight to the
 * kernel keeps symbol resolution, errno and libc locks off the hot path.
 * Each wrapper returns the kernel's value: -errno in [-4095, -1] on failure. */
#ifndef VAOCI_SYS_H
#define VAOCI_SYS_H

#include <stdint.h>
#include <sys/syscall.h>

extern uint64_t vaoci_syscalls_made;

#if defined(__x86_64__)
static inline long vaoci_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  vaoci_syscalls_made++;
  return ret;
}
#elif defined(__aarch64__)
static inline long vaoci_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  vaoci_syscalls_made++;
  return x0;
}
#else
#error "vaoci supports x86_64 and aarch64"
#endif

static inline int vaoci_sys_failed(long r) { return r < 0 && r > -4096; }

static inline long vaoci_sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, long off) {
  return vaoci_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
static inline long vaoci_sys_munmap(uint64_t addr, uint64_t len) {
  return vaoci_syscall6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}
static inline long vaoci_sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr) {
  return vaoci_syscall6(SYS_mremap, (long)old, (long)old_len, (long)new_len, flags, (long)new_addr, 0);
}
static inline long vaoci_sys_openat(int dirfd, const char *path, int flags) {
  return vaoci_syscall6(SYS_openat, dirfd, (long)path, flags, 0, 0, 0);
}
static inline long vaoci_sys_read(int fd, void *buf, uint64_t len) {
  return vaoci_syscall6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}
static inline long vaoci_sys_write(int fd, const void *buf, uint64_t len) {
  return vaoci_syscall6(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
}
static inline long vaoci_sys_close(int fd) { return vaoci_syscall6(SYS_close, fd, 0, 0, 0, 0, 0); }
static inline long vaoci_sys_ioctl(int fd, unsigned long req, void *arg) {
  return vaoci_syscall6(SYS_ioctl, fd, (long)req, (long)arg, 0, 0, 0);
}
static inline long vaoci_sys_prlimit(int resource, void *old_limit) {
  return vaoci_syscall6(SYS_prlimit64, 0, resource, 0, (long)old_limit, 0, 0);
}
static inline long vaoci_sys_shmat(int id, uint64_t addr, int flags) {
  return vaoci_syscall6(SYS_shmat, id, (long)addr, flags, 0, 0, 0);
}
static inline long vaoci_sys_shmctl(int id, int cmd, void *buf) {
  return vaoci_syscall6(SYS_shmctl, id, cmd, (long)buf, 0, 0, 0);
}
static inline long vaoci_sys_clock_gettime(int clock, void *ts) {
  return vaoci_syscall6(SYS_clock_gettime, clock, (long)ts, 0, 0, 0, 0);
}

/* The flags of every reservation: never plain MAP_FIXED over anything. */
#define VAOCI_RESERVE_PROT 0 /* PROT_NONE */
#define VAOCI_RESERVE_FLAGS (0x02 /*MAP_PRIVATE*/ | 0x20 /*MAP_ANONYMOUS*/ | 0x4000 /*MAP_NORESERVE*/)
#define VAOCI_MAP_FIXED 0x10
#define VAOCI_MAP_FIXED_NOREPLACE 0x100000

/* vaoci_now_ns reads CLOCK_MONOTONIC through the kernel (no vDSO lookup). */
uint64_t vaoci_now_ns(void);

#endif
