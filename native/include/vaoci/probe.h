/* What the running kernel and process give vaoci to work with. */
#ifndef VAOCI_PROBE_H
#define VAOCI_PROBE_H

#include <stdint.h>
#include "error.h"
#include "span.h"

/* vaoci_probe describes the address space of the calling process. */
struct vaoci_probe {
  int va_bits; /* highest of 57/52/48/47/42/39/36 that maps */
  uint64_t task_size; /* first address above user space */
  uint64_t page_size;
  uint64_t mmap_min_addr; /* lowest mappable address (vm.mmap_min_addr) */
  uint64_t stack_start; /* the main thread's [stack] VMA, as far as known */
  uint64_t stack_end;
  uint64_t rlimit_stack; /* soft limits; UINT64_MAX for unlimited */
  uint64_t rlimit_as;
  int procmap_query; /* 1 when the PROCMAP_QUERY ioctl works here */
};

/* vaoci_probe_va_bits tries MAP_FIXED_NOREPLACE one page at 2^(n-1) for n in
 * 57,52,48,47,42,39,36 and returns the first n that maps (EEXIST counts as
 * present), with the exact task size in *task_size. Cached after the first call. */
int vaoci_probe_va_bits(uint64_t *task_size, vaoci_error_t *err);

/* vaoci_probe_page_size returns the page size from the auxiliary vector. */
uint64_t vaoci_probe_page_size(void);

/* vaoci_probe_stack finds the main stack's VMA from the current stack pointer. */
int vaoci_probe_stack(uint64_t *start, uint64_t *end, vaoci_error_t *err);

/* vaoci_probe_sysctl reads a decimal /proc/sys value (0 when unreadable). */
uint64_t vaoci_probe_sysctl(const char *path);

/* vaoci_probe_mmap_min_addr reads vm.mmap_min_addr (page size if unreadable). */
uint64_t vaoci_probe_mmap_min_addr(void);

/* vaoci_probe_floor is the lowest address this process may map: the page
 * size when one page there maps (two system calls; a process with
 * CAP_SYS_RAWIO may go below vm.mmap_min_addr), else vm.mmap_min_addr. */
uint64_t vaoci_probe_floor(void);

/* vaoci_probe_stack_vma finds the main stack's VMA through an open maps fd
 * (PROCMAP_QUERY, or the text on kernels without it). */
int vaoci_probe_stack_vma(int maps_fd, struct vaoci_span *out, vaoci_error_t *err);

/* vaoci_probe_stack_top derives the main stack's end from AT_EXECFN without
 * a system call; 0 when the auxiliary vector is not reachable. */
uint64_t vaoci_probe_stack_top(uint64_t page);

/* vaoci_probe_rlimit returns a soft limit (UINT64_MAX for unlimited). */
uint64_t vaoci_probe_rlimit(int resource);

/* vaoci_probe_all fills every field. */
int vaoci_probe_all(struct vaoci_probe *p, vaoci_error_t *err);

#endif
