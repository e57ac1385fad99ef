/* The x86-64 guest of test/arm64/container-suite.sh, built static on the
 * host (gcc -static): it asks for memory the way guest code that trips the
 * bug does (a hint beyond 2^47, which the kernel ignores and answers with
 * the top of AArch64's 48-bit space) and without a hint, and prints every
 * address as "probe: KIND addr=0xADDR". With an argument FILE it then waits
 * (at most 60 s) until FILE exists, so the poststart hook sees it running. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SIZE (64 * 1024) /* small: qemu-user tracks every guest page */

static int map(const char *kind, void *hint)
{
	void *p = mmap(hint, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("probe: %s failed: %s\n", kind, strerror(errno));
		return 1;
	}
	printf("probe: %s addr=%p\n", kind, p);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 0; i < 3; i++)
		bad |= map("hint=1<<50", (void *)(1ul << 50));
	bad |= map("hint=1<<48", (void *)(1ul << 48));
	for (int i = 0; i < 3; i++)
		bad |= map("hint=none", NULL);
	fflush(stdout);
	for (int i = 0; argc > 1 && i < 6000 && access(argv[1], F_OK) != 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	return bad;
}
