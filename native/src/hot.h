/* VAOCI_HOT: where a fresh process's first writes land.
 *
 * The first write to each page of .data or .bss costs a page fault: ~2 us
 * in a VM with its memory-cgroup charge, against ~80 us for vaoci-launch's
 * whole run. Small state that every run writes is therefore kept together
 * in `.data.hot`, which lands on a page written anyway: the relocated data
 * (vaoci-launch relocates itself; the tools and the preload are relocated
 * by their loader) or the page zeroed past the end of .data. VAOCI_HOT_BSS
 * is for a large record whose beginning every run writes: hot.ld puts it
 * first in .bss for vaoci-launch and the preload, in the page the kernel or
 * ld.so zeroes past the end of .data; elsewhere it is plain .bss. */
#ifndef VAOCI_HOT_H
#define VAOCI_HOT_H

#define VAOCI_HOT __attribute__((section(".data.hot")))
#define VAOCI_HOT_BSS __attribute__((section(".bss.hot")))

#endif
