/**
 * vaoci run needs root: overlayfs mounts, lowerdirs with whiteout devices
 * and trusted.* xattrs, files owned by the image's users, the OCI runtime.
 */
import { Failure } from '../errors';

/** ROOT_NEEDED is the line every image step prints when not run as root. */
export const ROOT_NEEDED = 'vaoci run needs root (overlayfs, the OCI runtime)';

/** requireRoot throws ROOT_NEEDED unless the process runs as root. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Failure(ROOT_NEEDED, 'invalid');
}
