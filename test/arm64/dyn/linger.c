/* linger SECONDS: a dynamically linked process that stays a while, for
 * checks of a running process's address space (vaoci-nri's verify test). */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 30);
	return 0;
}
