/* Bit arithmetic the probe and the fixed-mapping rule share. */
#ifndef VAOCI_BITS_H
#define VAOCI_BITS_H

#include <stdint.h>

/* vaoci_bit_length is the number of bits needed to write v (0 for 0). */
static inline int vaoci_bit_length(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

#endif
