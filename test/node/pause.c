/* pause: the pod sandbox's process for the real-node lane (test/node/), what
 * registry.k8s.io/pause does: sleep until SIGINT or SIGTERM, reap any child
 * (it is PID 1 of the pod's PID namespace when that is shared). Static, no
 * libc beyond what -static links. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { _exit(sig == SIGTERM || sig == SIGINT ? 0 : 2); }

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction q = {.sa_handler = quit}, r = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  sigaction(SIGINT, &q, NULL);
  sigaction(SIGTERM, &q, NULL);
  sigaction(SIGCHLD, &r, NULL);
  for (;;)
    pause();
}
