/* Reading the auxiliary vector. In the preload getauxval is weak: resolved
 * at load time from whichever libc the process has (glibc and musl both
 * export it). Elsewhere a strong reference, so a static link pulls it in. */
#ifndef VAOCI_AUXV_H
#define VAOCI_AUXV_H

#ifdef VAOCI_PRELOAD
extern unsigned long getauxval(unsigned long type) __attribute__((weak));
#define VAOCI_HAVE_GETAUXVAL (getauxval != 0)
#else
extern unsigned long getauxval(unsigned long type);
#define VAOCI_HAVE_GETAUXVAL 1
#endif

/* vaoci_auxv returns an auxiliary vector entry, or 0 when it is unreachable. */
static inline unsigned long vaoci_auxv(unsigned long type) { return VAOCI_HAVE_GETAUXVAL ? getauxval(type) : 0; }

#endif
