/* The x86-64 guest FEX runs (built static with the host's gcc): plain,
 * hinted at 2^50 and at the top of x86-64's space, and a 64 MiB malloc. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
int main(void)
{
	void *a = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *b = mmap((void *)(1ULL << 50), 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *c = mmap((void *)0x7ffffff00000ULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *d = malloc(64 << 20);
	printf("guest: mmap(NULL)=%p mmap(1<<50)=%p mmap(0x7ffffff00000)=%p malloc(64M)=%p\n", a, b, c, d);
	return 0;
}
