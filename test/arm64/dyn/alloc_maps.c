/* Dynamically linked aarch64 program for test/arm64/native-suite.sh: it
 * allocates in the usual ways (malloc small and large, an anonymous 64 MiB
 * mmap, a thread with its own stack and malloc arena), then copies
 * /proc/self/maps to stdout. Run with the preload and VAOCI_DEBUG=maps, its
 * stderr holds the maps as they stood after reserving, so the suite can
 * tell which mappings are new and check that they lie inside the window.
 * Exits non-zero if an allocation fails (a full window would show here). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *worker(void *arg)
{
	char *p = malloc(1 << 20); /* from the thread's own arena */

	if (p)
		memset(p, 1, 1 << 20);
	return p ? arg : (void *)1;
}

static int copy_maps(void)
{
	char buf[4096];
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));
			if (w <= 0)
				return -1;
			off += w;
		}
	close(fd);
	return n < 0 ? -1 : 0;
}

int main(void)
{
	static void *keep[64];
	void *m, *ret = (void *)1;
	pthread_t t;

	for (int i = 0; i < 64; i++) {
		keep[i] = malloc((size_t)1024 << (i % 16)); /* 1 KiB .. 32 MiB */
		if (!keep[i]) {
			fprintf(stderr, "alloc_maps: malloc %zu failed\n", (size_t)1024 << (i % 16));
			return 1;
		}
		memset(keep[i], i, 1024);
	}
	m = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("alloc_maps: mmap 64 MiB");
		return 1;
	}
	memset(m, 2, 4096);
	if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, &ret) != 0 || ret != NULL) {
		fprintf(stderr, "alloc_maps: thread failed\n");
		return 1;
	}
	return copy_maps() < 0 ? 1 : 0;
}
