/* By-hand check (not in make test: FEX's source comes only through this
 * session's fetch tool): the real FEX, built here, with vaoci's preload. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
static void run(const char *name, char **envp)
{
	printf("=== %s\n", name);
	pid_t p = fork();
	if (!p) {
		char *argv[] = {"/FEX", "/guest", 0};
		execve("/FEX", argv, envp);
		perror("execve");
		_exit(127);
	}
	int st = 0, w = 0;
	for (; w < 120; w++) {
		if (waitpid(p, &st, WNOHANG) == p)
			break;
		sleep(1);
	}
	if (w == 120) {
		printf("=== %s: TIMEOUT\n", name);
		kill(p, 9);
		waitpid(p, &st, 0);
	}
	if (WIFEXITED(st))
		printf("=== %s: exit %d after %d s\n", name, WEXITSTATUS(st), w);
	else
		printf("=== %s: signal %d after %d s\n", name, WTERMSIG(st), w);
}
int main(void)
{
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
	int c = open("/dev/console", O_RDWR);
	if (c >= 0) {
		dup2(c, 0);
		dup2(c, 1);
		dup2(c, 2);
	}
	setvbuf(stdout, 0, _IONBF, 0);
	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, 0);
	mkdir("/tmp", 0777);
	mount("tmpfs", "/tmp", "tmpfs", 0, 0);
	struct utsname u;
	uname(&u);
	printf("kernel %s\n", u.release);
	char *none[] = {"HOME=/tmp", "PATH=/", 0};
	char *rule[] = {
		"HOME=/tmp",	    "PATH=/", "LD_PRELOAD=/libvaoci-preload.so", "VAOCI_VA_LIMIT=0x0-0x1000000000000",
		"VAOCI_DEBUG=json", 0};
	char *naive[] = {"HOME=/tmp",	     "PATH=/", "LD_PRELOAD=/libvaoci-preload.so", "VAOCI_VA_LIMIT=x86_64",
			 "VAOCI_DEBUG=json", 0};
	run("fex-alone", none);
	run("fex-vaoci-rule", rule);
	run("fex-vaoci-x86_64-naive", naive);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
