/* The two places vaoci-launch meets the ELF process-entry ABI: its own
 * _start (the kernel's stack pointer to launch_entry), and the jump into the
 * program with a stack pointer at argc and the registers as a fresh exec has
 * them. Nothing before the jump touches the x87/SSE or FP control state, and
 * no TLS pointer or rseq area is ever set: those stay as the kernel left them. */
#include "launch.h"

#if defined(__x86_64__)

__asm__(".text\n"
        ".global _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  xor %ebp, %ebp\n" /* the outermost frame */
        "  mov %rsp, %rdi\n" /* argc, argv, envp, auxv */
        "  and $-16, %rsp\n"
        "  call launch_entry\n"
        "  hlt\n");

/* rdx = 0: no function for atexit (the ABI's only register contract besides
 * rsp); every other general and SSE register zero, as the kernel leaves them.
 * The entry address sits below argc, in memory the program has not used. */
void launch_jump(uint64_t entry, uint64_t sp) {
  __asm__ volatile("mov %[sp], %%rsp\n\t"
                   "mov %[entry], -8(%%rsp)\n\t"
                   "xor %%eax, %%eax\n\t"
                   "xor %%ebx, %%ebx\n\t"
                   "xor %%ecx, %%ecx\n\t"
                   "xor %%edx, %%edx\n\t"
                   "xor %%esi, %%esi\n\t"
                   "xor %%edi, %%edi\n\t"
                   "xor %%ebp, %%ebp\n\t"
                   "xor %%r8d, %%r8d\n\t"
                   "xor %%r9d, %%r9d\n\t"
                   "xor %%r10d, %%r10d\n\t"
                   "xor %%r11d, %%r11d\n\t"
                   "xor %%r12d, %%r12d\n\t"
                   "xor %%r13d, %%r13d\n\t"
                   "xor %%r14d, %%r14d\n\t"
                   "xor %%r15d, %%r15d\n\t"
                   "pxor %%xmm0, %%xmm0\n\t"
                   "pxor %%xmm1, %%xmm1\n\t"
                   "pxor %%xmm2, %%xmm2\n\t"
                   "pxor %%xmm3, %%xmm3\n\t"
                   "pxor %%xmm4, %%xmm4\n\t"
                   "pxor %%xmm5, %%xmm5\n\t"
                   "pxor %%xmm6, %%xmm6\n\t"
                   "pxor %%xmm7, %%xmm7\n\t"
                   "pxor %%xmm8, %%xmm8\n\t"
                   "pxor %%xmm9, %%xmm9\n\t"
                   "pxor %%xmm10, %%xmm10\n\t"
                   "pxor %%xmm11, %%xmm11\n\t"
                   "pxor %%xmm12, %%xmm12\n\t"
                   "pxor %%xmm13, %%xmm13\n\t"
                   "pxor %%xmm14, %%xmm14\n\t"
                   "pxor %%xmm15, %%xmm15\n\t"
                   "cld\n\t"
                   "jmp *-8(%%rsp)\n\t"
                   :
                   : [sp] "r"(sp), [entry] "r"(entry)
                   : "memory");
  __builtin_unreachable();
}

#elif defined(__aarch64__)

__asm__(".text\n"
        ".global _start\n"
        ".type _start, %function\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  mov x0, sp\n"
        "  bl launch_entry\n"
        "  brk #0\n");

/* Fresh pointer-authentication keys first, as exec gives (prctl
 * PR_PAC_RESET_KEYS; EINVAL without PAC, ignored): here, where nothing
 * signed by the old keys is returned to. Then x0 = 0: no function for atexit;
 * every other register zero but x16, which carries the entry (the
 * intra-procedure register, the one `br` targets that a BTI `bti c` landing
 * pad accepts). SIMD registers zeroed too. */
void launch_jump(uint64_t entry, uint64_t sp) {
  __asm__ volatile("mov sp, %[sp]\n\t"
                   "mov x16, %[entry]\n\t"
                   "mov x8, #167\n\tmov x0, #54\n\tmov x1, #0\n\tmov x2, #0\n\tmov x3, #0\n\tmov x4, #0\n\t"
                   "svc #0\n\t"
                   "mov x0, #0\n\tmov x1, #0\n\tmov x2, #0\n\tmov x3, #0\n\t"
                   "mov x4, #0\n\tmov x5, #0\n\tmov x6, #0\n\tmov x7, #0\n\t"
                   "mov x8, #0\n\tmov x9, #0\n\tmov x10, #0\n\tmov x11, #0\n\t"
                   "mov x12, #0\n\tmov x13, #0\n\tmov x14, #0\n\tmov x15, #0\n\t"
                   "mov x17, #0\n\tmov x18, #0\n\tmov x19, #0\n\tmov x20, #0\n\t"
                   "mov x21, #0\n\tmov x22, #0\n\tmov x23, #0\n\tmov x24, #0\n\t"
                   "mov x25, #0\n\tmov x26, #0\n\tmov x27, #0\n\tmov x28, #0\n\t"
                   "mov x29, #0\n\tmov x30, #0\n\t"
                   "movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\tmovi v3.16b, #0\n\t"
                   "movi v4.16b, #0\n\tmovi v5.16b, #0\n\tmovi v6.16b, #0\n\tmovi v7.16b, #0\n\t"
                   "movi v8.16b, #0\n\tmovi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
                   "movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\tmovi v15.16b, #0\n\t"
                   "movi v16.16b, #0\n\tmovi v17.16b, #0\n\tmovi v18.16b, #0\n\tmovi v19.16b, #0\n\t"
                   "movi v20.16b, #0\n\tmovi v21.16b, #0\n\tmovi v22.16b, #0\n\tmovi v23.16b, #0\n\t"
                   "movi v24.16b, #0\n\tmovi v25.16b, #0\n\tmovi v26.16b, #0\n\tmovi v27.16b, #0\n\t"
                   "movi v28.16b, #0\n\tmovi v29.16b, #0\n\tmovi v30.16b, #0\n\tmovi v31.16b, #0\n\t"
                   "br x16\n\t"
                   :
                   : [sp] "r"(sp), [entry] "r"(entry)
                   : "memory");
  __builtin_unreachable();
}

#endif
