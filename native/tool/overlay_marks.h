/* vaoci-overlay-marks: a layer's deletions written the way overlayfs reads
 * them in a lowerdir (a whiteout is a 0/0 character device, an opaque
 * directory carries trusted.overlay.opaque=y). Node can neither mknod nor
 * setxattr, so the CLI's unpacker (cli/src/lib/image/overlay-marks.ts) hands
 * the job to this static program instead of needing python3 at run time.
 *
 * Input (stdin), a sequence of records, each ended by one NUL byte:
 *   KIND PATH NUL     KIND: `w` a whiteout, `o` an opaque directory
 * PATH is relative to the layer root, components joined by `/`; for `o` it
 * may be empty (the root itself). Tar names cannot hold NUL (the unpacker
 * refuses them) and a component cannot hold `/`, so this carries every
 * possible name byte for byte — tabs, newlines, non-UTF-8 — with no escaping.
 * Empty, `.` and `..` components and ones longer than NAME_MAX are refused,
 * and the whole input is checked before anything is written. */
#ifndef VAOCI_OVERLAY_MARKS_H
#define VAOCI_OVERLAY_MARKS_H

#include <stddef.h>
#include "vaoci/error.h"

/* OVERLAY_OPAQUE_XATTR is the attribute overlayfs reads on a lower directory. */
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

/* overlay_marks_apply checks every record of input (len bytes), then writes
 * them under root: every path is resolved one component at a time with
 * openat(O_NOFOLLOW|O_DIRECTORY) from root, so no symlink a layer holds is
 * ever followed. Semantics (image-spec layer.md): a deletion applies to the
 * lower layers only, so a name this layer itself has is kept, and when it is
 * a directory it is made opaque instead; a deletion or opaque marker whose
 * directory is not a directory of this layer (gone, a file, a symlink) has
 * nothing to mark and is left out. Returns 0, or -VAOCI_E_INVALID (bad
 * input; nothing written) or -VAOCI_E_SYSTEM with err filled. */
int overlay_marks_apply(const char *root, const char *input, size_t len, vaoci_error_t *err);

#endif
