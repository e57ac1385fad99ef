/**
 * How a layer blob is compressed. The media type says what it should be
 * (and rules out what vaoci cannot read, e.g. encrypted layers); the first
 * bytes say what it is, and win: docker-archive layers have no media type,
 * and some tools label uncompressed layers `+gzip`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badInput } from '../errors';

/** Compression is what a layer's bytes are. */
export type Compression = 'gzip' | 'zstd' | 'tar';

const LAYER_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'tar',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

/** checkLayerMediaType throws one line for a media type vaoci cannot unpack (an empty one is docker-archive's: allowed). */
export function checkLayerMediaType(mediaType: string, what: string): void {
  if (mediaType === '' || mediaType in LAYER_TYPES) return;
  throw badInput(
    `${what}: media type \`${mediaType}\` — expected an uncompressed, gzip or zstd layer tar (application/vnd.oci.image.layer.v1.tar[+gzip|+zstd])`,
  );
}

/** mediaTypeFor is the OCI layer media type for a compression, for layers found without one. */
export function mediaTypeFor(c: Compression): string {
  return c === 'tar' ? 'application/vnd.oci.image.layer.v1.tar' : `application/vnd.oci.image.layer.v1.tar+${c}`;
}

/** sniff tells the compression from a blob's first bytes (gzip 1f 8b, zstd frame 28 b5 2f fd, else a tar). */
export function sniff(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'tar';
}

/** findProgram is the path of an executable named `name` on PATH, or undefined. */
export function findProgram(name: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(':').filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}
