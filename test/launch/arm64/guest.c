/* The x86-64 guest of test/launch/arm64.sh, built static on the host
 * (gcc -static) and run in the arm64 VM through binfmt_misc by
 * qemu-x86_64-static, registered itself or behind vaoci-binfmt. It prints its
 * argv, then asks for memory the way guest code that trips the bug does: a
 * hint beyond 2^47, which the kernel ignores and answers from the top of
 * AArch64's 48-bit space unless that is reserved, and without a hint; one
 * "KIND addr=0xADDR" line each. Exit status 23 when every mmap succeeded (a
 * status a launcher that loses it would not produce by chance), else 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define SIZE (64 * 1024) /* small: qemu-user tracks every guest page */

static int map(const char *kind, void *hint)
{
	void *p = mmap(hint, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("%s failed: %s\n", kind, strerror(errno));
		return 1;
	}
	printf("%s addr=%p\n", kind, p);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	bad |= map("hint=1<<50", (void *)(1ul << 50));
	bad |= map("hint=1<<50", (void *)(1ul << 50));
	bad |= map("hint=1<<48", (void *)(1ul << 48));
	bad |= map("hint=none", NULL);
	return bad ? 1 : 23;
}
