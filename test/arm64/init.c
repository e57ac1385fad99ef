/* /init for the arm64 test VM: run each test named in /payload/tests.list,
 * bracket its console output with @@VAOCI markers, then power off.
 * Built static for aarch64 by test/arm64/vm.sh. It must never return:
 * init exiting panics the kernel, and the host would only see a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIST_PATH "/payload/tests.list"
#define MAX_ARGS 64

static void mount_one(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) != 0 && errno != EBUSY)
		fprintf(stderr, "init: mount %s: %s\n", dir, strerror(errno));
}

/* The kernel gives init no fds when the initramfs lacks /dev/console,
 * so attach 0/1/2 to the console once devtmpfs provides it. */
static void open_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Split LINE in place on spaces/tabs; returns argc (0 for blank or comment). */
static int split_args(char *line, char **argv)
{
	int argc = 0;
	char *save = NULL;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *tok = strtok_r(line, " \t", &save); tok && argc < MAX_ARGS; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return (argc > 0 && argv[0][0] == '#') ? 0 : argc;
}

/* Exit code, or 128+signal like a shell. */
static int run_test(char **argv)
{
	char path[512];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/payload/%s", argv[0]);
	fflush(NULL); /* don't let the child inherit and re-flush our buffers */
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		execv(path, argv);
		fprintf(stderr, "init: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void run_list(void)
{
	char line[4096], *argv[MAX_ARGS + 1];
	FILE *list = fopen(LIST_PATH, "r");

	if (!list) {
		printf("init: cannot open %s: %s\n", LIST_PATH, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), list)) {
		if (split_args(line, argv) == 0)
			continue;
		printf("@@VAOCI-BEGIN %s\n", argv[0]);
		int rc = run_test(argv);
		printf("@@VAOCI-END %s rc=%d\n", argv[0], rc);
	}
	fclose(list);
}

int main(void)
{
	mount_one("devtmpfs", "/dev", "devtmpfs");
	open_console();
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	run_list();
	printf("@@VAOCI-DONE\n");
	fflush(NULL);
	sync();
	reboot(RB_POWER_OFF);
	for (;;) /* reboot failed: hang rather than panic; the host times out */
		pause();
}
