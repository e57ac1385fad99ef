/* Selftest payload for test/arm64/vm.sh: report the kernel release and
 * whether one page can be mapped at 1<<47, i.e. whether the kernel offers
 * a 48-bit user VA (the layout vaoci has to shrink for x86 guests). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Returns 1 if a page maps exactly at ADDR, 0 otherwise. */
static int can_map_at(unsigned long addr)
{
	long page = sysconf(_SC_PAGESIZE);
	void *want = (void *)addr;
	void *got = mmap(want, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (got == MAP_FAILED) {
		printf("mmap(%#lx): %s\n", addr, strerror(errno));
		return 0;
	}
	munmap(got, page);
	/* Kernels before 4.17 ignore the flag and may place the page elsewhere. */
	return got == want;
}

int main(void)
{
	struct utsname u;
	int ok47;

	if (uname(&u) != 0)
		return 1;
	ok47 = can_map_at(1UL << 47);
	printf("uname -r: %s\n", u.release);
	printf("machine: %s\n", u.machine);
	printf("map at 1<<47: %s\n", ok47 ? "ok" : "failed");
	printf("va bits: %s\n", ok47 ? ">=48" : "<=47");
	return 0;
}
