/* A program with no libc at all: _start exits with status 7. run.sh links it
 * at 0x400000 (it must run under vaoci-launch like any static program), above
 * a narrow window (refused: outside it) and inside the launcher's own stack
 * under setarch -R (refused: a collision). */
void _start(void) {
  __asm__ volatile("mov $60, %eax\n\t"
                   "mov $7, %edi\n\t"
                   "syscall");
}
