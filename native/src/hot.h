/* VAOCI_HOT: where a fresh process's first writes land.
 *
 * The first write to each page of .data or .bss costs a page fault: ~2 us
 * in a VM with its memory-cgroup charge, against ~80 us for vaoci-launch's
 * whole run. Small state that every run writes is therefore kept together
 * in `.data.hot`. vaoci-launch's link (native/launch/hot.ld) puts it right
 * after the data its self-relocation writes, so those pages are written
 * anyway; in the preload and the tools it is plain .data. VAOCI_HOT_BSS is
 * for a large record whose beginning every run writes: the launcher puts it
 * first in .bss, in the page the kernel zeroes past the end of .data. */
#ifndef VAOCI_HOT_H
#define VAOCI_HOT_H

#define VAOCI_HOT __attribute__((section(".data.hot")))
#define VAOCI_HOT_BSS __attribute__((section(".bss.hot")))

#endif
