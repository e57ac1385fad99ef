/* runenv: give a test in the VM's tests.list an environment and separate
 * streams, which init's tests.list (a plain argv per line) cannot express.
 *
 *   runenv [VAR=VALUE...] -- PROG [ARG...]
 *
 * Runs PROG with runenv's environment plus the VAR=VALUE pairs, its stdout
 * and stderr going to two files under /tmp. When PROG has exited, prints
 *   @@RUNENV stdout
 *   ...PROG's stdout...
 *   @@RUNENV stderr
 *   ...PROG's stderr...
 *   @@RUNENV rc=N
 * (a newline is added to a section that does not end in one) and exits with
 * PROG's status (128+signal if killed, 127 if it could not run). The streams
 * are printed only after PROG has exited, so they never interleave, and
 * runenv itself is static, so LD_PRELOAD in the pairs reaches PROG only.
 * Built static for aarch64 by test/arm64/payload.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: runenv [VAR=VALUE...] -- PROG [ARG...]\n");
	return 2;
}

/* Copies file PATH to stdout, then a newline if it did not end in one. */
static void dump(const char *path)
{
	char buf[4096];
	char last = '\n';
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("runenv: open %s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		last = buf[n - 1];
	}
	close(fd);
	if (last != '\n')
		putchar('\n');
}

static int open_out(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

int main(int argc, char **argv)
{
	char out[64], err[64];
	int i, status, rc;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i])
			return usage();
		*eq = '\0';
		if (setenv(argv[i], eq + 1, 1) != 0) {
			perror("runenv: setenv");
			return 2;
		}
	}
	if (i + 1 >= argc)
		return usage();
	snprintf(out, sizeof(out), "/tmp/runenv.%d.out", (int)getpid());
	snprintf(err, sizeof(err), "/tmp/runenv.%d.err", (int)getpid());

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("runenv: fork");
		return 127;
	}
	if (pid == 0) {
		int o = open_out(out), e = open_out(err);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(argv[i + 1], argv + i + 1);
		fprintf(stderr, "runenv: exec %s: %s\n", argv[i + 1], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("runenv: waitpid");
			return 127;
		}
	rc = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);

	printf("@@RUNENV stdout\n");
	dump(out);
	printf("@@RUNENV stderr\n");
	dump(err);
	printf("@@RUNENV rc=%d\n", rc);
	fflush(stdout);
	unlink(out);
	unlink(err);
	return rc;
}
