/* vaoci's version and architecture for every native program's --version:
 * one line, "PROGRAM/VERSION linux-ARCH" (the CLI's is "vaoci/VERSION
 * linux-x64 node-vN"). VERSION is package.json's, generated at build time
 * into build/gen/vaoci_version.h (native/version-gen.mjs) rather than
 * retyped here; ARCH is the one the file was compiled for. */
#ifndef VAOCI_VERSION_H
#define VAOCI_VERSION_H

#include "vaoci_version.h"

#if defined(__x86_64__)
#define VAOCI_ARCH "x86_64"
#elif defined(__aarch64__)
#define VAOCI_ARCH "aarch64"
#else
#error "vaoci builds for x86_64 and aarch64"
#endif

/* VAOCI_VERSION_LINE is the whole line, newline included, for a string literal name. */
#define VAOCI_VERSION_LINE(program) program "/" VAOCI_VERSION " linux-" VAOCI_ARCH "\n"

#endif
