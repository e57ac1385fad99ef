/* Paths inside a container's rootfs, resolved the way the container will
 * see them and never out of it: every symlink (absolute or relative, in any
 * component) is followed relative to the rootfs, `..` stops at its root,
 * more than 40 links is a loop. openat2(RESOLVE_IN_ROOT) does it in the
 * kernel (Linux 5.6+); older kernels, or a seccomp filter that refuses it,
 * get a walk that holds a directory fd per component and never lets the
 * kernel follow a link (O_NOFOLLOW everywhere), so a tree swapped while it
 * is read makes an error, never an escape. cli/src/lib/policy/rootfs.ts is
 * the TypeScript side of the same rules. */
#ifndef VAOCI_HOOK_INROOT_H
#define VAOCI_HOOK_INROOT_H

#include <stddef.h>
#include "vaoci/error.h"

#define VAOCI_INROOT_MAX_LINKS 40
#define VAOCI_INROOT_PATH_MAX 4096

/* vaoci_inroot_force_walk: tests set it to take the walk on any kernel. */
extern int vaoci_inroot_force_walk;

/* vaoci_inroot_open opens path (absolute inside the root; relative means
 * from its top) under rootfd with open(2) flags (no O_CREAT). resolved (may
 * be NULL) receives the path inside the root that was opened. Returns the
 * fd, or a negative status with err (err->sys_errno ENOENT: not found). */
int vaoci_inroot_open(int rootfd, const char *path, int flags, char *resolved, size_t size, vaoci_error_t *err);

/* vaoci_inroot_mkdirs opens directory path inside the root, creating the
 * missing components (mode) inside it. Returns an O_RDONLY|O_DIRECTORY fd. */
int vaoci_inroot_mkdirs(int rootfd, const char *path, int mode, vaoci_error_t *err);

#endif
