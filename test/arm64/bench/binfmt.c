/* binfmt-bench: the VM's side of the arm64 bench's binfmt rows
 * (test/arm64/bench.sh): how long an x86-64 program takes to run through
 * binfmt_misc with the emulator registered plainly, against vaoci-binfmt
 * registered in front of it, side by side in one boot.
 *
 *   binfmt-bench MODULE ROOT RUNS ROUNDS PLAIN-LINE FRONT-LINE PROG...
 *
 * MODULE is binfmt_misc.ko (loaded unless the kernel has it already); the
 * two LINE files hold what is written to binfmt_misc's register: the
 * emulator's own line (Debian's binfmt.d) and the line `vaoci node install`
 * writes in front of it, both with flag F, so their interpreters are opened
 * here, before the chroot into ROOT (the x86-64 programs' root; proc is
 * mounted in it: qemu and the bundle read /proc/self). Both entries match
 * the same programs; one is enabled at a time, as on a node. Each PROG first
 * runs once each way with VAOCI_DEBUG=json, which proves the way: vaoci's
 * line on stderr in front, none plainly, exit 0 both. Then RUNS timed runs
 * each way (after 3 untimed), in ROUNDS rounds that alternate which way goes
 * first, so drift falls on both alike. Each run is one posix_spawn to
 * waitpid, timed by CLOCK_MONOTONIC. Prints per PROG one JSON line in
 * test/bench/lib.sh's hyperfine group shape (times in seconds), with the
 * program and vaoci's line from the proving run:
 *   {"program":P,"rows":[...],"results":[{"command":..,"times":[..]},..],"vaoci":{..}}
 * Exits 1 with one line on stderr if a step fails or a run exits non-zero,
 * 2 on bad arguments. Built static for aarch64; a benchmark, not a test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MISC "/proc/sys/fs/binfmt_misc"
#define WARMUP 3
#define LINE_MAX_LEN 1024
#define VAOCI_LINE_MAX 4096

enum way { PLAIN, FRONT, WAYS };
static const char *const ROW[WAYS] = {"registered plainly", "vaoci-binfmt in front"};

/* An entry of binfmt_misc: its name and its control file, opened before the chroot. */
struct entry {
	char name[64];
	int control;
};

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "binfmt-bench: %s %s: %s\n", what, arg, errno ? strerror(errno) : "failed");
	exit(1);
}

static void load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open", path);
	if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
		die("finit_module", path);
	close(fd);
	if (mount("binfmt_misc", MISC, "binfmt_misc", 0, NULL) != 0 && errno != EBUSY)
		die("mount binfmt_misc on", MISC);
}

/* do_register writes LINE-FILE's line to register and opens the entry it
 * names (":NAME:..."; the first byte is the line's delimiter). */
static void do_register(const char *file, struct entry *e)
{
	char line[LINE_MAX_LEN], path[128];
	FILE *f = fopen(file, "re");
	if (!f || !fgets(line, sizeof(line), f))
		die("read", file);
	fclose(f);
	char *end = strchr(line + 1, line[0]);
	if (!end || end == line + 1 || (size_t)(end - line - 1) >= sizeof(e->name)) {
		errno = 0;
		die("no entry name in", file);
	}
	memcpy(e->name, line + 1, (size_t)(end - line - 1));
	e->name[end - line - 1] = 0;
	int reg = open(MISC "/register", O_WRONLY | O_CLOEXEC);
	if (reg < 0 || write(reg, line, strlen(line)) < 0)
		die("register", file);
	close(reg);
	snprintf(path, sizeof(path), MISC "/%s", e->name);
	e->control = open(path, O_WRONLY | O_CLOEXEC);
	if (e->control < 0)
		die("open", path);
}

static void set_enabled(const struct entry *e, int on)
{
	if (pwrite(e->control, on ? "1" : "0", 1, 0) != 1)
		die("enable/disable", e->name);
}

static void choose(const struct entry entries[WAYS], enum way w)
{
	set_enabled(&entries[w], 1);
	set_enabled(&entries[w == PLAIN ? FRONT : PLAIN], 0);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* run spawns PROG once and returns its wait status; with err_fd >= 0 its
 * stderr goes there. The environment is PATH alone, plus VAOCI_DEBUG=json
 * for the proving run. */
static int run(const char *prog, int err_fd)
{
	char *argv[] = {(char *)prog, NULL};
	char *quiet[] = {"PATH=/usr/bin:/bin", NULL};
	char *debug[] = {"PATH=/usr/bin:/bin", "VAOCI_DEBUG=json", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;
	posix_spawn_file_actions_init(&fa);
	if (err_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	errno = posix_spawn(&pid, prog, &fa, NULL, argv, err_fd >= 0 ? debug : quiet);
	posix_spawn_file_actions_destroy(&fa);
	if (errno)
		die("spawn", prog);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid", prog);
	return status;
}

static void must_succeed(const char *prog, enum way w, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	fprintf(stderr, "binfmt-bench: %s (%s) exited with wait status 0x%x\n", prog, ROW[w], status);
	exit(1);
}

/* prove runs PROG once the way chosen with VAOCI_DEBUG=json and returns
 * vaoci's line from its stderr ("" if none); front must print one, plain none. */
static void prove(const char *prog, enum way w, char *line, size_t cap)
{
	/* a memfd: the root has no /tmp */
	int fd = memfd_create("binfmt-bench", MFD_CLOEXEC);
	FILE *tmp = fd < 0 ? NULL : fdopen(fd, "w+");
	if (!tmp)
		die("memfd for", prog);
	must_succeed(prog, w, run(prog, fd));
	rewind(tmp);
	line[0] = 0;
	while (fgets(line, (int)cap, tmp) && strncmp(line, "{\"vaoci\"", 8) != 0)
		line[0] = 0;
	fclose(tmp);
	line[strcspn(line, "\n")] = 0;
	if ((w == FRONT) != (line[0] != 0)) {
		fprintf(stderr, "binfmt-bench: %s (%s): %s\n", prog, ROW[w],
			w == FRONT ? "no vaoci line on stderr: vaoci-binfmt did not run"
				   : "vaoci's line on stderr: the plain entry ran vaoci");
		exit(1);
	}
}

static void print_times(const double *t, int n)
{
	for (int i = 0; i < n; i++)
		printf("%s%.9f", i ? "," : "", t[i]);
}

static void bench(const struct entry entries[WAYS], const char *prog, int runs, int rounds)
{
	char vaoci[VAOCI_LINE_MAX], ignored[VAOCI_LINE_MAX];
	double *times[WAYS];
	int done[WAYS] = {0, 0};
	for (int w = 0; w < WAYS; w++)
		if (!(times[w] = calloc((size_t)runs, sizeof(double))))
			die("calloc for", prog);
	choose(entries, PLAIN);
	prove(prog, PLAIN, ignored, sizeof(ignored));
	choose(entries, FRONT);
	prove(prog, FRONT, vaoci, sizeof(vaoci));
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < WAYS; k++) {
			enum way w = (enum way)((k + r) % WAYS);
			int n = runs * (r + 1) / rounds - runs * r / rounds;
			choose(entries, w);
			for (int i = 0; r == 0 && i < WARMUP; i++)
				must_succeed(prog, w, run(prog, -1));
			for (int i = 0; i < n; i++) {
				double t0 = now();
				int status = run(prog, -1);
				times[w][done[w]++] = now() - t0;
				must_succeed(prog, w, status);
			}
		}
	}
	printf("{\"program\":\"%s\",\"rows\":[\"%s\",\"%s\"],\"results\":[", prog, ROW[PLAIN], ROW[FRONT]);
	for (int w = 0; w < WAYS; w++) {
		printf("%s{\"command\":\"%s\",\"times\":[", w ? "," : "", ROW[w]);
		print_times(times[w], done[w]);
		printf("]}");
	}
	printf("],\"vaoci\":%s}\n", vaoci);
	fflush(stdout);
	for (int w = 0; w < WAYS; w++)
		free(times[w]);
}

int main(int argc, char **argv)
{
	struct entry entries[WAYS];
	if (argc < 8) {
		fprintf(stderr, "usage: binfmt-bench MODULE ROOT RUNS ROUNDS PLAIN-LINE FRONT-LINE PROG...\n");
		return 2;
	}
	const char *root = argv[2];
	int runs = atoi(argv[3]), rounds = atoi(argv[4]);
	if (runs < 1 || rounds < 1 || rounds > runs) {
		fprintf(stderr, "binfmt-bench: RUNS %s, ROUNDS %s: expected 1 <= ROUNDS <= RUNS\n", argv[3], argv[4]);
		return 2;
	}
	load_module(argv[1]);
	do_register(argv[5], &entries[PLAIN]);
	do_register(argv[6], &entries[FRONT]);
	char proc[4096];
	snprintf(proc, sizeof(proc), "%s/proc", root);
	mkdir(proc, 0555);
	if (mount("proc", proc, "proc", 0, NULL) != 0 && errno != EBUSY)
		die("mount proc on", proc);
	if (chroot(root) != 0 || chdir("/") != 0)
		die("chroot", root);
	for (int i = 7; i < argc; i++)
		bench(entries, argv[i], runs, rounds);
	return 0;
}
