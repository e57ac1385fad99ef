/* The i386 guest of test/arm64/run-suite.sh: the entrypoint of the linux/386
 * image in the x86 index (run/x86-index.mjs). It maps memory without a hint
 * and with one near the top of 32-bit space, prints each address as
 * "probe32: KIND addr=0xADDR", then stays half a second so the poststart
 * hook sees it running.
 *
 * Freestanding (gcc -m32 -static -nostdlib -ffreestanding): the build
 * machine has no i386 libc, and raw int $0x80 system calls are all it needs. */
#define SYS_exit_group 252
#define SYS_write 4
#define SYS_old_mmap 90 /* one argument: a pointer to the six below */
#define SYS_nanosleep 162

#define PROT_RW 3
#define MAP_PRIVATE_ANON 0x22
#define SIZE (64 * 1024)

struct mmap_args {
	unsigned long addr, len, prot, flags, fd, offset;
};

struct timespec32 {
	long sec, nsec;
};

static long sys1(long n, long a)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a) : "memory");
	return r;
}

static long sys3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static void say(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	sys3(SYS_write, 1, (long)s, (long)n);
}

/* map KIND HINT: one anonymous mapping; 0 on success. */
static int map(const char *kind, unsigned long hint)
{
	struct mmap_args a = {hint, SIZE, PROT_RW, MAP_PRIVATE_ANON, (unsigned long)-1, 0};
	unsigned long p = (unsigned long)sys1(SYS_old_mmap, (long)&a);
	char hex[] = "0x00000000\n";

	say("probe32: ");
	say(kind);
	if (p > (unsigned long)-4096) {
		say(" failed\n");
		return 1;
	}
	for (int i = 9; i >= 2; i--, p >>= 4)
		hex[i] = "0123456789abcdef"[p & 15];
	say(" addr=");
	say(hex);
	return 0;
}

void _start(void)
{
	struct timespec32 linger = {0, 500 * 1000 * 1000};
	int bad = map("plain", 0) + map("hinted", 0xf0000000UL);

	sys3(SYS_nanosleep, (long)&linger, 0, 0);
	sys1(SYS_exit_group, bad);
	for (;;)
		;
}
